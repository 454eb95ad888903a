# Skip-gram's hierarchical softmax as a batch step (docs/math.md §6). Included by
# _core.pyx after the batch kernel's negative-sampling pieces.
#
# In word2vec.c's orientation each context row of a window predicts the window's
# center, so every row walks the same Huffman path: the window's HS step is the
# batch kernel's three small products with the path's node rows as the output
# block and the codes as the labels. With negative sampling on as well, the
# path's columns follow the negative-sampling targets' in one output block, so
# both layers share the gathered inputs, one score product and one update of V.
# A block holds one window here (batch_windows is 1 with HS): its centers' paths
# would differ otherwise.


cdef extern from "_hs_kernels.h" nogil:
    void pyw2v_hs_scores(const float *A, int m, const float *B, int n, int dimp, float *S)
    void pyw2v_hs_score_path(const float *x, const float *matrix, const int32_t *ids,
                             int count, int n, float *f)
    void pyw2v_hs_move_path(const float *g, const float *x, float *matrix, const int32_t *ids,
                            int count, float *e, int n)


# The sigmoid table (docs/math.md §10) with a saturated bin at each end, so the
# coefficient pass looks every score up without a branch: bin 0 holds f <= -6
# (and NaN), where sigma = 0 and log sigma = f (the slope), bin SIGMOID_BINS + 1
# holds f >= 6, where sigma = 1 and log sigma = 0.
cdef float HS_SIGMOID[SIGMOID_BINS + 2]
cdef float HS_LOG_SIGMOID[SIGMOID_BINS + 2]
cdef float HS_SLOPE[SIGMOID_BINS + 2]


cdef void _fill_hs_tables() noexcept:
    cdef int i
    for i in range(SIGMOID_BINS):
        HS_SIGMOID[i + 1] = SIGMOID_TABLE[i]
        HS_LOG_SIGMOID[i + 1] = LOG_SIGMOID_TABLE[i]
        HS_SLOPE[i + 1] = 0.0
    HS_SIGMOID[0], HS_LOG_SIGMOID[0], HS_SLOPE[0] = 0.0, 0.0, 1.0
    HS_SIGMOID[SIGMOID_BINS + 1] = 1.0
    HS_LOG_SIGMOID[SIGMOID_BINS + 1] = 0.0
    HS_SLOPE[SIGMOID_BINS + 1] = 0.0


_fill_hs_tables()


cdef inline double _hs_coefficients(const Model *m, float *scores, int n_rows, int width,
                                    const uint8_t *codes, int length,
                                    double alpha) noexcept nogil:
    """Turn the path's columns of the n_rows x width score matrix (scores points at
    its first path column) into the gradient coefficients (1 - b_k - sigma(f)) alpha,
    the label of node k being 1 - b_k; return the loss. In table mode each cell
    reads the same bin _sigmoid_terms would, without its branches."""
    cdef int i, k, b
    cdef float f, a = <float>alpha
    cdef float *g
    cdef double sig, log_sig, loss = 0.0
    if m.exact:
        for i in range(n_rows):
            g = scores + <int64_t>i * width
            for k in range(length):
                f = g[k]
                sig = _sigmoid_terms(f, True, &log_sig)
                loss -= log_sig - codes[k] * f          # log sigma(-f) = log sigma(f) - f
                g[k] = <float>((1.0 - codes[k] - sig) * alpha)
        return loss
    for i in range(n_rows):
        g = scores + <int64_t>i * width
        for k in range(length):
            f = g[k]
            b = <int>((f + 6.0) * (SIGMOID_BINS / 12.0)) + 1 if -6.0 < f < 6.0 else 0
            b = SIGMOID_BINS + 1 if f >= 6.0 else b
            loss -= HS_LOG_SIGMOID[b] + HS_SLOPE[b] * f - codes[k] * f
            g[k] = (1.0 - codes[k] - HS_SIGMOID[b]) * a
    return loss


cdef double _hs_batch_step(const Model *m, Scratch *s, const Block *b, const uint32_t *kept,
                           double alpha, int dim) noexcept nogil:
    """Skip-gram with hierarchical softmax (and negative sampling when m.negative > 0)
    over one window: every context row predicts the center kept[b.first].

    Output block: the negative-sampling targets (n columns, as in _batch_step; none
    without it), then the center's path nodes (length columns). scores = inputs
    outputs^T; the coefficients replace the scores; then U[targets] += G^T inputs,
    nodes[path] += G^T inputs and V[rows] += G outputs (each row of G scaled by its
    row's lock factor for V only), all from the gathered copies: one simultaneous step.
    The path's hot prefix is gathered from, and moved in, the thread's copy
    (_hot_nodes.pxi).
    """
    cdef int i, n = 0, n_centers = 0, width, dimp = pyw2v_padded(dim)
    cdef int n_rows = b.n_rows
    cdef int32_t center = <int32_t>kept[b.first]
    cdef int64_t start = m.path_starts[center]
    cdef int length = <int>(m.path_starts[center + 1] - start)
    cdef const int32_t *path = m.path_nodes + start
    cdef int hot = _hot_prefix(m, s, path, length)    # rows of the thread's copy
    cdef float *path_scores
    cdef double loss = 0.0
    if m.negative > 0:
        n = _block_targets(m, s, b, kept, &n_centers)
    width = n + length
    path_scores = s.batch_scores + n
    pyw2v_gather(m.center, b.rows, n_rows, dim, dimp, s.batch_inputs)
    pyw2v_gather(m.outside, s.batch_ids, n, dim, dimp, s.batch_outputs)
    pyw2v_gather(s.hot_rows, s.hot_ids, hot, dim, dimp, s.batch_outputs + <int64_t>n * dimp)
    pyw2v_gather(m.nodes, path + hot, length - hot, dim, dimp,
                 s.batch_outputs + <int64_t>(n + hot) * dimp)
    pyw2v_hs_scores(s.batch_inputs, n_rows, s.batch_outputs, width, dimp, s.batch_scores)
    if n > 0:
        loss = _batch_coefficients(m, s, b, n, n_centers, width, alpha)
        pyw2v_update_rows(m.outside, s.batch_ids, n, s.batch_scores, 1, width,
                          s.batch_inputs, n_rows, dim, dimp)
    loss += _hs_coefficients(m, path_scores, n_rows, width, m.path_codes + start, length, alpha)
    pyw2v_update_rows(s.hot_rows, s.hot_ids, hot, path_scores, 1, width, s.batch_inputs,
                      n_rows, dim, dimp)
    pyw2v_update_rows(m.nodes, path + hot, length - hot, path_scores + hot, 1, width,
                      s.batch_inputs, n_rows, dim, dimp)
    if m.lock_factors != NULL:
        for i in range(n_rows):
            pyw2v_scale(m.lock_factors[b.rows[i]], s.batch_scores + <int64_t>i * width, width)
    pyw2v_update_rows(m.center, b.rows, n_rows, s.batch_scores, width, 1, s.batch_outputs,
                      width, dim, dimp)
    return loss
