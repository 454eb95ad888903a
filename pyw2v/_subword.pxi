# Subwords in the compiled core (docs/math.md §16). Included by _core_impl.pxi
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
    0..max_rows-1 that index them (the batch step), the K + 1 targets of each pair
    of a window (the pair kernel). Returns 0, or -1 if out of memory."""
    cdef int i
    if m.part_offsets == NULL:
        return 0
    s.part_errors = <float *> malloc(<size_t>max_rows * m.dim * sizeof(float))
    s.row_ids = <int32_t *> malloc(<size_t>max_rows * sizeof(int32_t))
    s.pair_targets = <int32_t *> malloc(<size_t>max_rows * (m.negative + 1) * sizeof(int32_t))
    if s.part_errors == NULL or s.row_ids == NULL or s.pair_targets == NULL:
        return -1
    for i in range(max_rows):
        s.row_ids[i] = i
    return 0
