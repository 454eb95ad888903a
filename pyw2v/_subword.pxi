# Subwords in the compiled core (docs/math.md §16). Included by _core.pyx
# before the batch kernel, whose input rows these two functions read and write.
#
# With subwords, V is the input matrix V+ (the vocabulary's rows, then the stored
# n-gram rows) and word w's input vector is the mean of its parts, rows
# part_rows[part_offsets[w]:part_offsets[w + 1]]. Without them (part_offsets
# NULL) both functions are the plain gather and row update.


cdef inline void _gather_inputs(const Model *m, const int32_t *words, int n, int dim, int dimp,
                                float *out) noexcept nogil:
    """out (n x dimp, zero-padded) = the input vectors of `words`: their rows of V, or
    with subwords the mean of each word's parts."""
    cdef int i, count
    cdef int64_t start
    cdef float *row
    if m.part_offsets == NULL:
        pyw2v_gather(m.center, words, n, dim, dimp, out)
        return
    for i in range(n):
        start = m.part_offsets[words[i]]
        count = <int>(m.part_offsets[words[i] + 1] - start)
        row = out + <int64_t>i * dimp
        pyw2v_sum_rows(m.center, m.part_rows + start, count, dim, row)
        pyw2v_scale(<float>(1.0 / count), row, dim)


cdef inline void _update_inputs(const Model *m, Scratch *s, const int32_t *words, int n,
                                const float *G, int g_row, int g_col, const float *X, int nx,
                                int dim, int dimp) noexcept nogil:
    """V[words[i]] += (G X)_i (pyw2v_update_rows's product); with subwords every part
    of words[i] moves by the whole (G X)_i, fastText's convention (§16)."""
    cdef int i, count
    cdef int64_t start
    if m.part_offsets == NULL:
        pyw2v_update_rows(m.center, words, n, G, g_row, g_col, X, nx, dim, dimp)
        return
    memset(s.part_errors, 0, <size_t>n * dim * sizeof(float))
    pyw2v_update_rows(s.part_errors, s.row_ids, n, G, g_row, g_col, X, nx, dim, dimp)
    for i in range(n):
        start = m.part_offsets[words[i]]
        count = <int>(m.part_offsets[words[i] + 1] - start)
        pyw2v_add_to_rows(m.center, m.part_rows + start, count,
                          s.part_errors + <int64_t>i * dim, dim)


cdef inline void _add_input(const Model *m, int32_t word, float weight, int dim,
                            float *tmp, float *h) noexcept nogil:
    """h += weight * (word's input vector): its row of V, or with subwords the mean
    of its parts, summed in `tmp` (dim floats, rounded up to 8) first."""
    cdef int64_t start
    cdef int count
    if m.part_offsets == NULL:
        pyw2v_axpy(weight, m.center + <int64_t>word * dim, h, dim)
        return
    start = m.part_offsets[word]
    count = <int>(m.part_offsets[word + 1] - start)
    pyw2v_sum_rows(m.center, m.part_rows + start, count, dim, tmp)
    pyw2v_axpy(weight / <float>count, tmp, h, dim)


cdef inline void _move_inputs(const Model *m, const int32_t *words, int n, const float *e,
                              int dim) noexcept nogil:
    """Each of `words` moves by e: its row of V, or with subwords every one of its
    parts (CBOW's context update, fastText's convention, §16)."""
    cdef int i
    cdef int64_t start
    if m.part_offsets == NULL:
        pyw2v_add_to_rows(m.center, words, n, e, dim)
        return
    for i in range(n):
        start = m.part_offsets[words[i]]
        pyw2v_add_to_rows(m.center, m.part_rows + start,
                          <int>(m.part_offsets[words[i] + 1] - start), e, dim)


cdef int _subword_scratch_init(Scratch *s, const Model *m, int max_rows) noexcept nogil:
    """The buffers for subwords: each input row's error and the row numbers
    0..max_rows-1 that index them and the ring of the sentence's composed inputs
    (the batch kernel); the K + 1 targets of each pair of a window, and the same
    lined up with their scores (the pair kernel). Returns 0, or -1 if out of memory."""
    cdef int i
    cdef size_t window_targets = <size_t>max_rows * (m.negative + 1)
    if m.part_offsets == NULL:
        return 0
    s.part_errors = <float *> pyw2v_alloc_lines(<size_t>max_rows * m.dim * sizeof(float))
    s.row_ids = <int32_t *> pyw2v_alloc_lines(<size_t>max_rows * sizeof(int32_t))
    s.pair_targets = <int32_t *> pyw2v_alloc_lines(window_targets * sizeof(int32_t))
    s.window_ids = <int32_t *> pyw2v_alloc_lines(window_targets * sizeof(int32_t))
    s.window_scores = <float *> pyw2v_alloc_lines(window_targets * sizeof(float))
    # A block's rows lie within [first - window, last + window]; none before is read again.
    s.ring_slots = 2 * m.window + m.batch_windows + 1
    if s.ring_slots > MAX_SENTENCE:     # then no two positions of a sentence share a slot
        s.ring_slots = MAX_SENTENCE
    s.ring_inputs = <float *> pyw2v_alloc_lines(<size_t>s.ring_slots * pyw2v_padded(m.dim)
                                                * sizeof(float))
    s.ring_moves = <float *> pyw2v_alloc_lines(<size_t>s.ring_slots * m.dim * sizeof(float))
    if s.part_errors == NULL or s.row_ids == NULL or s.pair_targets == NULL \
            or s.window_ids == NULL or s.window_scores == NULL or s.ring_inputs == NULL \
            or s.ring_moves == NULL:
        return -1
    for i in range(max_rows):
        s.row_ids[i] = i
    return 0


cdef inline void _prefetch_parts(const Model *m, int32_t word, int dim) noexcept nogil:
    """Prefetch the rows of word's parts (the pair kernel composes it next)."""
    cdef int64_t k
    for k in range(m.part_offsets[word], m.part_offsets[word + 1]):
        pyw2v_prefetch_row(m.center + <int64_t>m.part_rows[k] * dim, dim)


cdef inline double _subword_block_step(const Model *m, Scratch *s, const Block *b,
                                       const uint32_t *kept, double alpha,
                                       int *composed, int dim) noexcept nogil:
    """The skip-gram batch step with subwords on cached inputs (docs/math.md §16).
    Positions up to the block's last window end are composed first, from their
    parts as they stand; the block's rows read their positions' cached inputs;
    each row's step then moves its cached input and adds to its position's
    pending move, which reaches the parts when the position leaves the windows
    (_subword_retire, from _block_loop). Returns the loss."""
    cdef int c, i, n, slot, hi = 0, ring = s.ring_slots
    cdef int dimp = pyw2v_padded(dim)
    cdef int32_t w
    cdef double loss
    cdef float *e
    for c in range(b.count):
        hi = b.hi[c] if b.hi[c] > hi else hi
    while composed[0] < hi:
        slot = composed[0] % ring
        w = <int32_t>kept[composed[0]]
        _gather_inputs(m, &w, 1, dim, dimp, s.ring_inputs + <int64_t>slot * dimp)
        memset(s.ring_moves + <int64_t>slot * dim, 0, <size_t>dim * sizeof(float))
        composed[0] += 1
    for i in range(b.n_rows):
        memcpy(s.batch_inputs + <int64_t>i * dimp,
               s.ring_inputs + <int64_t>(b.positions[i] % ring) * dimp,
               <size_t>dimp * sizeof(float))
    loss = _batch_outputs_step(m, s, b, kept, alpha, &n, dim)
    memset(s.part_errors, 0, <size_t>b.n_rows * dim * sizeof(float))
    pyw2v_update_rows(s.part_errors, s.row_ids, b.n_rows, s.batch_scores, n, 1,
                      s.batch_outputs, n, dim, dimp)
    for i in range(b.n_rows):
        slot = b.positions[i] % ring
        e = s.part_errors + <int64_t>i * dim
        pyw2v_axpy(1.0, e, s.ring_inputs + <int64_t>slot * dimp, dim)
        pyw2v_axpy(1.0, e, s.ring_moves + <int64_t>slot * dim, dim)
    return loss


cdef inline void _subword_retire(const Model *m, Scratch *s, const uint32_t *kept,
                                 int position, int dim) noexcept nogil:
    """Move the parts of the word at `position` by the steps its cached input took."""
    cdef int32_t w = <int32_t>kept[position]
    _move_inputs(m, &w, 1, s.ring_moves + <int64_t>(position % s.ring_slots) * dim, dim)
