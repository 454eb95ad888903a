# CBOW's batch kernel (KERNEL_CBOW_BATCH, "cbow-batch"), included by _core.pyx.
#
# One step takes a block of B = batch_windows CBOW windows and shares one set of
# K negatives among them, so the K gathered rows of U serve B windows. Windows
# next to each other in a sentence have nearly the same context mean, and sharing
# negatives between them costs analogy accuracy (docs/math.md §15); so the
# block's windows come from B different sentences: each thread keeps B lanes,
# one sentence each, and block i takes the next center of every lane. When a
# lane's sentence ends, the lane loads the thread's next sentence. Each center is
# still visited once per epoch; only the order changes.
#
# The step (`_cbow_batch_step`) is three small products, as the skip-gram batch
# step: scores = H U_n^T (H: the B context means, U_n: the distinct negatives),
# U_n += G^T H and E = G U_n, with G the gradient coefficients (label 0, times
# how often the negative was drawn; label 1 where a negative is the window's own
# center, which word2vec.c then skips as a negative). Each window's center, when
# not among the negatives, adds its own dot product and two axpys (label 1).
# Then each window's context rows move by E[c] (word2vec.c's CBOW convention,
# as `_cbow_step`), scaled by their lock factors. With subwords a context word's
# input is the mean of its parts and each part moves by E[c] (docs/math.md §16).
#
# Draw order (pyw2v.reference replays it): blocks in turn; for each lane in
# order, if its sentence is done, the thread's next sentences are subsampled
# into it until one keeps a word (one uniform per token whose keep-probability
# is < 1), then the lane's center draws its window shrink; after the last lane,
# if some window of the block has a context, K negatives.


cdef int _cbow_scratch_init(Scratch *s, const Model *m, int max_context) noexcept nogil:
    """Allocate the CBOW batch kernel's lanes and blocks (nothing for other
    kernels). Returns 0, or -1 if an allocation failed."""
    cdef int c, lanes = m.batch_windows, dimp = pyw2v_padded(m.dim)
    cdef CbowBlock *b
    if m.kernel != KERNEL_CBOW_BATCH:
        return 0
    s.lane_kept = <uint32_t *> pyw2v_alloc_lines(<size_t>lanes * MAX_SENTENCE * sizeof(uint32_t))
    s.lane_n = <int *> pyw2v_alloc_lines(2 * <size_t>lanes * sizeof(int))
    s.cbow_errors = <float *> pyw2v_alloc_lines(<size_t>lanes * dimp * sizeof(float))
    s.lane_ids = <int32_t *> pyw2v_alloc_lines(<size_t>lanes * sizeof(int32_t))
    s.center_coef = <float *> pyw2v_alloc_lines(<size_t>lanes * sizeof(float))
    if s.lane_kept == NULL or s.lane_n == NULL or s.cbow_errors == NULL or s.lane_ids == NULL \
            or s.center_coef == NULL:
        return -1
    s.lane_pos = s.lane_n + lanes
    for c in range(lanes):
        s.lane_ids[c] = c
    for c in range(2):
        b = &s.cbow_blocks[c]
        b.stride = max_context
        b.centers = <int32_t *> pyw2v_alloc_lines(
            (<size_t>lanes * (max_context + 1) + m.negative + 1) * sizeof(int32_t))
        b.n_context = <int *> pyw2v_alloc_lines(<size_t>lanes * sizeof(int))
        if b.centers == NULL or b.n_context == NULL:
            return -1
        b.context = b.centers + lanes
        b.negatives = b.context + <size_t>lanes * max_context
    return 0


cdef void _cbow_scratch_free(Scratch *s) noexcept nogil:
    cdef int c
    free(s.lane_kept)
    free(s.lane_n)
    free(s.cbow_errors)
    free(s.lane_ids)
    free(s.center_coef)
    for c in range(2):
        free(s.cbow_blocks[c].centers)
        free(s.cbow_blocks[c].n_context)


cdef double _cbow_batch_step(const Model *m, Scratch *s, const CbowBlock *b,
                             int dim) noexcept nogil:
    """One simultaneous step for the block's windows (see the top of this file);
    returns the summed loss. Only the negatives' columns are dense products; a
    window's center (unless also drawn as a negative) is scored and moved by
    itself, so no product spends work on the other windows' centers. (Long: the
    target and score loops share their locals.)"""
    cdef int c, i, j, k, n = 0, n_neg = 0, col, count = b.count
    cdef int dimp = pyw2v_padded(dim)
    cdef bint exact = m.exact
    cdef int32_t t
    cdef const int32_t *context
    cdef int32_t *ids = s.batch_ids
    cdef int *center_columns = s.center_columns
    cdef float *counts = s.batch_counts
    cdef float *own = s.center_coef
    cdef float *h
    cdef float *g
    cdef float f
    cdef double sig, log_sig, loss = 0.0, alpha = b.alpha
    for c in range(count):
        h = s.batch_inputs + c * dimp
        context = b.context + c * b.stride
        if m.part_offsets == NULL:
            pyw2v_sum_rows(m.center, context, b.n_context[c], dim, h)    # zero-padded
            if m.cbow_mean:
                pyw2v_scale_padded(<float>(1.0 / b.n_context[c]), h, dimp)
        else:
            memset(h, 0, dimp * sizeof(float))
            f = <float>(1.0 / b.n_context[c]) if m.cbow_mean else <float>1.0
            for j in range(b.n_context[c]):
                _add_input(m, context[j], f, dim, s.h, h)
    # The distinct targets: the negatives (with how often each was drawn), then
    # the centers that are not among them.
    for c in range(m.negative + count):
        t = b.negatives[c] if c < m.negative else b.centers[c - m.negative]
        i = 0
        while i < n and ids[i] != t:
            i += 1
        if i == n:
            ids[n] = t
            counts[n] = 0.0
            n += 1
        if c < m.negative:
            counts[i] += 1.0
            n_neg = n
        else:
            center_columns[c - m.negative] = i
    pyw2v_gather(m.outside, ids, n, dim, dimp, s.batch_outputs)
    pyw2v_scores(s.batch_inputs, count, s.batch_outputs, n_neg, dimp, s.batch_scores)
    for c in range(count):
        g = s.batch_scores + c * n_neg
        col = center_columns[c]
        for k in range(n_neg):
            f = g[k]
            sig = _sigmoid_terms(f, exact, &log_sig)
            if k == col:
                loss -= log_sig
                g[k] = <float>((1.0 - sig) * alpha)
            else:
                loss -= counts[k] * (log_sig - f)     # log sigma(-f) = log sigma(f) - f
                g[k] = <float>(-counts[k] * sig * alpha)
        if col >= n_neg:
            f = pyw2v_dot(s.batch_inputs + c * dimp, s.batch_outputs + col * dimp, dimp)
            sig = _sigmoid_terms(f, exact, &log_sig)
            loss -= log_sig
            own[c] = <float>((1.0 - sig) * alpha)
    # U_t += G^T H and E = G U_t (E's rows as the "matrix" of the row update), from
    # the gathered copies; then the centers' own columns.
    pyw2v_zero_padded(s.cbow_errors, count * dimp)
    pyw2v_update_rows(s.cbow_errors, s.lane_ids, count, s.batch_scores, n_neg, 1,
                      s.batch_outputs, n_neg, dimp, dimp)
    pyw2v_update_rows(m.outside, ids, n_neg, s.batch_scores, 1, n_neg, s.batch_inputs, count,
                      dim, dimp)
    for c in range(count):
        col = center_columns[c]
        if col >= n_neg:
            pyw2v_axpy(own[c], s.batch_outputs + col * dimp, s.cbow_errors + c * dimp, dimp)
            pyw2v_axpy(own[c], s.batch_inputs + c * dimp, m.outside + <int64_t>ids[col] * dim,
                       dim)
    for c in range(count):
        h = s.cbow_errors + c * dimp
        context = b.context + c * b.stride
        if m.lock_factors == NULL:
            _move_inputs(m, context, b.n_context[c], h, dim)
        else:
            for j in range(b.n_context[c]):
                pyw2v_axpy(m.lock_factors[context[j]], h, m.center + <int64_t>context[j] * dim,
                           dim)
    return loss


cdef inline bint _lane_refill(const Model *m, Schedule *run, const Chunk *chunk, Scratch *s,
                              ThreadSlot *slot, uint64_t *rng, Tally *tally, int lane,
                              int64_t *next_sentence, int64_t end) noexcept nogil:
    """Subsample the thread's next sentences into `lane` until one keeps a word
    (counting words as _sentence_loop does); False when none is
    left or a stop was requested."""
    cdef int64_t start, length
    cdef int n
    while next_sentence[0] < end:
        if pyw2v_load_flag(&run.stop):
            next_sentence[0] = end
            break
        start = chunk.sentence_starts[next_sentence[0]]
        length = chunk.sentence_starts[next_sentence[0] + 1] - start
        next_sentence[0] += 1
        n = _subsample(m, rng, chunk.tokens + start, length,
                       s.lane_kept + <size_t>lane * MAX_SENTENCE)
        _count_sentence(run, slot, tally, length)
        if n > 0:
            s.lane_n[lane] = n
            s.lane_pos[lane] = 0
            return True
    s.lane_n[lane] = 0
    s.lane_pos[lane] = 0
    return False


cdef inline int _prepare_cbow_block(const Model *m, Schedule *run, const Chunk *chunk,
                                    Scratch *s, ThreadSlot *slot, uint64_t *rng, Tally *tally,
                                    int64_t *next_sentence, int64_t end,
                                    CbowBlock *b, int dim) noexcept nogil:
    """Draw the next block: each lane's next center (refilling finished lanes)
    and its window shrink, then, if a window has a context, the K negatives;
    prefetch every row the block will touch. Returns the number of lanes that
    still had a center (0: the thread's sentences are done)."""
    cdef int c, j, k, lo, hi, pos, n, nc, active = 0
    cdef const uint32_t *kept
    cdef int32_t *context
    cdef int32_t w
    b.count = 0
    for c in range(m.batch_windows):
        if s.lane_pos[c] >= s.lane_n[c] and not _lane_refill(m, run, chunk, s, slot, rng, tally,
                                                              c, next_sentence, end):
            continue
        active += 1
        kept = s.lane_kept + <size_t>c * MAX_SENTENCE
        n = s.lane_n[c]
        pos = s.lane_pos[c]
        s.lane_pos[c] = pos + 1
        _window_span(rng, m, pos, n, &lo, &hi)
        context = b.context + b.count * b.stride
        nc = 0
        for j in range(lo, hi):
            if j != pos:
                context[nc] = <int32_t>kept[j]
                pyw2v_prefetch_row(m.center + <int64_t>kept[j] * dim, dim)
                nc += 1
        if nc > 0:
            b.centers[b.count] = <int32_t>kept[pos]
            b.n_context[b.count] = nc
            pyw2v_prefetch_row(m.outside + <int64_t>kept[pos] * dim, dim)
            b.count += 1
    if b.count > 0:
        for k in range(m.negative):
            w = _draw_noise(rng, m.noise, m.vocab_size)
            b.negatives[k] = w
            pyw2v_prefetch_row(m.outside + <int64_t>w * dim, dim)
    b.alpha = tally.alpha
    return active


cdef void _lane_loop(const Model *m, Schedule *run, const Chunk *chunk, Scratch *s,
                     ThreadSlot *slot, uint64_t *rng, Tally *tally, int thread,
                     int dim) noexcept nogil:
    """CBOW's batch kernel over all of the thread's sentences. The next block is
    drawn (and its rows prefetched) before this one's step, which draws nothing,
    so the draw order is kept; each block steps with the learning rate it was
    drawn with. The lanes start empty in each chunk and drain at its end, so,
    unlike the other kernels, the result depends on where chunks are cut (the
    learning-rate refreshes do not)."""
    cdef int64_t next_sentence = chunk.claim_next[thread]
    cdef int64_t end = chunk.claim_end[thread]
    cdef CbowBlock *block = &s.cbow_blocks[0]
    cdef CbowBlock *next_block = &s.cbow_blocks[1]
    cdef CbowBlock *swap
    cdef int active, c
    for c in range(m.batch_windows):
        s.lane_n[c] = 0
        s.lane_pos[c] = 0
    active = _prepare_cbow_block(m, run, chunk, s, slot, rng, tally, &next_sentence, end,
                                 next_block, dim)
    while active > 0:
        swap = block
        block = next_block
        next_block = swap
        active = _prepare_cbow_block(m, run, chunk, s, slot, rng, tally, &next_sentence, end,
                                     next_block, dim)
        if block.count > 0:
            tally.loss += _cbow_batch_step(m, s, block, dim)
            tally.predictions += block.count
