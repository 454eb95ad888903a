# The compiled core's source. It is built once per SIMD path: each _core_<path>.pyx
# includes this file, and pyw2v/_core.py (the name users import) loads the best build.
# Compiled word2vec kernels: skip-gram and CBOW with negative sampling,
# hierarchical softmax or the full softmax.
#
# Shape of the code
# -----------------
# * `Trainer`, built once per `train()` call, owns the configuration (a `Model`:
#   matrices, samplers, output layers), one `ThreadSlot` per thread (RNG state and
#   published counts, one cache line each, so threads never write the same line)
#   and one `Scratch` per thread. `Trainer.train_chunk` trains on one encoded chunk
#   (token ids + sentence starts): the sentences are split into one contiguous
#   range per thread and each thread runs `_train_range` inside an OpenMP `prange`,
#   without the GIL, updating the shared matrices V (center_vectors) and U
#   (outside_vectors) with no locks (Hogwild). Python polls the slots' sums
#   (`words_done`, `loss`, ...) from another thread to draw progress, and calls
#   `request_stop()` to interrupt.
# * `_train_range` is a short driver; its `_sentence_loop` takes the thread's
#   sentences in turn: `_subsample` one, `_count_sentence` publishes counts and
#   refreshes the learning rate once PUBLISH_INTERVAL words have gone by since the
#   thread's last refresh (across chunks), then run the kernel's loop over the
#   kept words: `_pair_loop` (skip-gram pair kernel),
#   `_block_loop` (skip-gram batch kernel) or `_window_loop` (CBOW's window kernel).
#   CBOW's batch kernel (`_lane_loop`, _cbow_batch.pxi) takes the thread's sentences
#   itself, several at once, and steps one window of each together.
# * Each prediction (a skip-gram pair or a CBOW window) is one simultaneous SGD
#   step, as docs/math.md §4 and §7 define it: all K+1 scores are computed from
#   the vectors before the step, so a negative drawn twice gets twice the update.
#   The pair kernel's center row predicts the outside word (docs/math.md §6's
#   orientation); CBOW's context mean predicts the center word. The skip-gram
#   batch kernel (`_batch_step`) makes one simultaneous step per window instead:
#   every context row predicts the center against one shared set of negatives
#   (word2vec.c's orientation), as small dense matrix products; with hierarchical
#   softmax the window's rows share the center's Huffman path the same way
#   (`_hs_batch_step`, _batch_hs.pxi).
# * Output layers (`_predict`): negative sampling (U), hierarchical softmax (the
#   inner-node rows of a Huffman tree, a matrix of their own) or both on the same
#   input, as word2vec.c's -hs 1 -negative K; or the full softmax over every row
#   of U. All steps share one signature (see _core_types.pxi).
#
# Order of random draws (pyw2v.reference.train_reference replays it exactly)
# ----------------------------------------------------------------------------
# Thread t of a Trainer's call k starts from `thread_seeds(seed, k, threads)[t]`.
# For each sentence: one uniform per token whose keep-probability is < 1, in token
# order (subsampling). Then for each kept position: one draw for the window
# shrink (none when shrink_windows is off), followed by K negative draws per
# prediction (skip-gram pair kernel: per context position, left to right; CBOW and
# the skip-gram batch kernel: once per window with a non-empty context). A negative
# equal to the positive word is skipped, as in word2vec.c. Hierarchical and full
# softmax draw nothing, so with negative = 0 only the subsampling and window draws
# remain. CBOW's batch kernel interleaves sentences in lanes: its order is stated at
# the top of _cbow_batch.pxi.

import numpy as np

cimport cython
from cython.parallel cimport prange
from libc.math cimport exp, isfinite, log, log1p
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

include "_core_types.pxi"

cdef extern from "_cpu.h":
    int PYW2V_PATH_AVX2
    int PYW2V_PATH_AVX512
    int pyw2v_cpu_has(int path)
    const char *pyw2v_compiled_path()

cdef extern from "_kernels.h" nogil:
    int pyw2v_openmp_enabled()
    float pyw2v_dot(const float *a, const float *b, int n)
    void pyw2v_score_nodes(const float *x, const float *matrix, const int32_t *ids, int nr,
                           int n, float *f)
    void pyw2v_move_nodes(const float *g, const float *x, float *matrix, const int32_t *ids,
                          int nr, float *e, int n)
    void pyw2v_move_row(float g, const float *x, float *row, float *e, int n)
    void pyw2v_axpy(float a, const float *x, float *y, int n)
    void pyw2v_scale(float a, float *y, int n)
    void pyw2v_scale_padded(float a, float *y, int n)
    uint64_t pyw2v_mix64(uint64_t z)
    uint64_t pyw2v_next(uint64_t *state)
    int pyw2v_load_flag(const int *flag)
    void pyw2v_store_flag(int *flag, int value)
    void pyw2v_prefetch_row(const float *row, int n)
    int pyw2v_padded(int dim)
    void pyw2v_zero_padded(float *y, int n)
    void pyw2v_hot_sync(float *shared, float *copy, float *base, int64_t n)
    void *pyw2v_alloc_lines(size_t size)
    void pyw2v_spin_lock(int *lock)
    void pyw2v_spin_unlock(int *lock)
    void pyw2v_sum_rows(const float *matrix, const int32_t *ids, int n, int dim, float *out)
    void pyw2v_add_to_rows(float *matrix, const int32_t *ids, int n, const float *x, int dim)
    void pyw2v_gather(const float *matrix, const int32_t *ids, int n, int dim, int dimp,
                      float *out)
    void pyw2v_scores(const float *A, int m, const float *B, int n, int dimp, float *S)
    void pyw2v_update_rows(float *matrix, const int32_t *ids, int nr, const float *G,
                           int g_row, int g_col, const float *X, int nx, int dim, int dimp)

cdef enum:
    SLOT_BYTES = 64         # sizeof(ThreadSlot): one cache line
    SIGMOID_BINS = 1000
    MAX_SENTENCE = 10000    # the encoder splits longer sentences into segments
    PUBLISH_EVERY = 10000   # words between progress publications / alpha refreshes
    MAX_WINDOW = 1 << 28    # keeps 4 * window inside an int
    MAX_BATCH_WINDOWS = 64  # params.MAX_BATCH_WINDOWS
    HOT_LEVELS = 4          # a Huffman tree's top 15 nodes, on every path: never prefetched
    HOT_NODES = 255         # nodes each thread moves in its own copy (_hot_nodes.pxi) ...
    HOT_SYNC_WORDS = 4096   # ... and syncs with the shared rows every this many words
    COMMON_DIM = 100        # the default dim, compiled as a constant too (_train_range)
    CLAIM_SENTENCES = 64    # sentences a thread claims at a time (_claim_sentences)

cdef double MAX_EXP = 6.0

MAX_SENTENCE_LENGTH = MAX_SENTENCE
PUBLISH_INTERVAL = PUBLISH_EVERY
SPECIALIZED_DIM = COMMON_DIM
BATCH_WINDOWS_LIMIT = MAX_BATCH_WINDOWS
SIGMOID_TABLE_BINS = SIGMOID_BINS
SIGMOID_MAX_EXP = MAX_EXP
#: Trainer(kernel=...): index i is the Kernel enum's value i.
KERNELS = ("pair", "window", "batch", "cbow-batch")

cdef float SIGMOID_TABLE[SIGMOID_BINS]
cdef float LOG_SIGMOID_TABLE[SIGMOID_BINS]


cdef void _fill_tables() noexcept:
    # docs/math.md §10. Each bin stores the value at its centre, halving the
    # worst-case error of word2vec.c's left-edge table.
    cdef int i
    cdef double x
    for i in range(SIGMOID_BINS):
        x = (2.0 * (i + 0.5) / SIGMOID_BINS - 1.0) * MAX_EXP
        SIGMOID_TABLE[i] = 1.0 / (1.0 + exp(-x))
        LOG_SIGMOID_TABLE[i] = -log1p(exp(-x))


_fill_tables()


def openmp_enabled() -> bool:
    """True when the extension was compiled with OpenMP."""
    return bool(pyw2v_openmp_enabled())


def compiled_path() -> str:
    """The instruction-set path this module was compiled for ("baseline", "avx2", "avx512")."""
    return pyw2v_compiled_path().decode()


def cpu_paths() -> tuple:
    """The paths this CPU and OS can run, lowest first (pyw2v._core picks from them)."""
    found = ["baseline"]
    if pyw2v_cpu_has(PYW2V_PATH_AVX2):
        found.append("avx2")
    if pyw2v_cpu_has(PYW2V_PATH_AVX512):
        found.append("avx512")
    return tuple(found)


# ---------------------------------------------------------------- primitives

cdef inline double _uniform(uint64_t *rng) noexcept nogil:
    """Uniform double in [0, 1) from the top 53 bits."""
    return (pyw2v_next(rng) >> 11) * (1.0 / 9007199254740992.0)


cdef inline uint32_t _below(uint64_t r, uint32_t n) noexcept nogil:
    """Map the top 32 bits of r onto 0..n-1 (multiply-shift, no division)."""
    return <uint32_t>(((r >> 32) * <uint64_t>n) >> 32)


cdef inline int32_t _draw_noise(uint64_t *rng, const NoiseColumn *noise,
                                uint32_t n) noexcept nogil:
    """One O(1) draw from the alias table: top bits pick a column, low bits flip its coin."""
    cdef uint64_t r = pyw2v_next(rng)
    cdef uint32_t col = _below(r, n)
    if <uint32_t>r < noise[col].keep_below:
        return <int32_t>col
    return noise[col].alias


cdef inline double _sigmoid(float f, bint exact) noexcept nogil:
    if exact:
        return 1.0 / (1.0 + exp(-f))
    if f >= MAX_EXP:
        return 1.0
    if not f > -MAX_EXP:    # also NaN (diverged training): never index the table with it
        return 0.0
    return SIGMOID_TABLE[<int>((f + MAX_EXP) * (SIGMOID_BINS / (2.0 * MAX_EXP)))]


cdef inline double _log_sigmoid(float f, bint exact) noexcept nogil:
    if exact:
        if f >= 0:
            return -log1p(exp(-f))
        return f - log1p(exp(f))
    if f >= MAX_EXP:
        return 0.0
    if not f > -MAX_EXP:    # also NaN, which then shows in the loss
        return f
    return LOG_SIGMOID_TABLE[<int>((f + MAX_EXP) * (SIGMOID_BINS / (2.0 * MAX_EXP)))]


cdef inline double _sigmoid_terms(float f, bint exact, double *log_sig) noexcept nogil:
    """sigma(f), and log sigma(f) into log_sig, from one table bin (or exactly)."""
    cdef int b
    if exact:
        log_sig[0] = _log_sigmoid(f, True)
        return _sigmoid(f, True)
    if f >= MAX_EXP:
        log_sig[0] = 0.0
        return 1.0
    if not f > -MAX_EXP:
        log_sig[0] = f
        return 0.0
    b = <int>((f + MAX_EXP) * (SIGMOID_BINS / (2.0 * MAX_EXP)))
    log_sig[0] = LOG_SIGMOID_TABLE[b]
    return SIGMOID_TABLE[b]

cdef inline void _draw_targets(uint64_t *rng, const Model *m, int32_t positive,
                               int32_t *targets, int dim) noexcept nogil:
    """targets[0] = positive, targets[1..K] = negatives (-1 where a draw hit the positive).

    Each row the prediction will touch is prefetched (the positive's row of U
    with negative sampling, its path's node rows with hierarchical softmax,
    each negative as it is drawn): the caller draws one prediction ahead, so
    the loads overlap the previous prediction's arithmetic.
    """
    # Fields in locals: a store to targets (int32) could alias m's int fields.
    cdef int k, negative = m.negative
    cdef uint32_t n_words = m.vocab_size
    cdef const NoiseColumn *noise = m.noise
    cdef const float *outside = m.outside
    cdef int32_t w
    cdef int64_t j
    targets[0] = positive
    if negative > 0:
        pyw2v_prefetch_row(outside + <int64_t>positive * dim, dim)
    if m.hs:     # the top HOT_LEVELS nodes of every path serve every prediction: in cache
        for j in range(m.path_starts[positive] + HOT_LEVELS, m.path_starts[positive + 1]):
            pyw2v_prefetch_row(m.nodes + <int64_t>m.path_nodes[j] * dim, dim)
    for k in range(1, negative + 1):
        w = _draw_noise(rng, noise, n_words)
        targets[k] = -1 if w == positive else w
        pyw2v_prefetch_row(outside + <int64_t>w * dim, dim)


cdef double _negative_sampling_step(const Model *m, Scratch *s, const float *x,
                                    const int32_t *targets, double alpha, int dim) noexcept nogil:
    """Negative sampling (docs/math.md §4) for input x: targets[0] is the positive,
    targets[1..K] the negatives.

    Sets s.neu1e to -alpha * dJ/dx (to be added to the input rows by the
    caller), adds -alpha * dJ/du to each target row, and returns the loss J.
    All scores are taken before any row moves, so the step is simultaneous.
    """
    cdef int k, n_targets = m.negative + 1
    cdef bint exact = m.exact
    cdef int32_t t
    cdef float f
    cdef double loss = 0.0
    cdef float *outside = m.outside
    cdef float *neu1e = s.neu1e
    cdef float *coef = s.coef
    cdef float *row = outside + <int64_t>targets[0] * dim
    pyw2v_zero_padded(neu1e, pyw2v_padded(dim))
    # The positive (label 1) is never skipped; the negatives (label 0) follow.
    f = pyw2v_dot(x, row, dim)
    loss -= _log_sigmoid(f, exact)
    coef[0] = <float>((1.0 - _sigmoid(f, exact)) * alpha)
    pyw2v_axpy(coef[0], row, neu1e, dim)
    for k in range(1, n_targets):
        t = targets[k]
        if t < 0:
            continue
        row = outside + <int64_t>t * dim
        f = pyw2v_dot(x, row, dim)
        loss -= _log_sigmoid(-f, exact)
        coef[k] = <float>((0.0 - _sigmoid(f, exact)) * alpha)
        pyw2v_axpy(coef[k], row, neu1e, dim)
    for k in range(n_targets):
        t = targets[k]
        if t >= 0:
            pyw2v_axpy(coef[k], x, outside + <int64_t>t * dim, dim)
    return loss


cdef inline double _pair_step(const Model *m, Scratch *s, float *center_row,
                              const int32_t *targets, double alpha, float lock,
                              int dim) noexcept nogil:
    """Skip-gram pair: the center word's row of V predicts targets[0] through every
    output layer, and moves by lock times its step. (The row and its lock factor,
    not the id: the pair loop finds them once per center; lock 1 is the plain step,
    bit for bit.)"""
    cdef double loss = _predict(m, s, center_row, targets, alpha, dim)
    pyw2v_axpy(lock, s.neu1e, center_row, dim)
    return loss


cdef inline double _cbow_step(const Model *m, Scratch *s, const int32_t *context,
                              int n_context, const int32_t *targets,
                              double alpha, int dim) noexcept nogil:
    """CBOW (docs/math.md §7): h = mean (cbow_mean) or sum of the context rows
    predicts targets[0] through every output layer that is on (`_predict`).

    Each context row then moves by the full -alpha * dJ/dh (word2vec.c's and
    gensim's convention; with the mean, |C| times its true gradient), scaled by
    its lock factor when the model has them.
    """
    cdef int j
    cdef double loss
    cdef float *h = s.h
    cdef const float *lock_factors = m.lock_factors
    pyw2v_sum_rows(m.center, context, n_context, dim, h)
    if m.cbow_mean:
        pyw2v_scale_padded(<float>(1.0 / n_context), h, pyw2v_padded(dim))
    loss = _predict(m, s, h, targets, alpha, dim)
    # Two branches, so the common case keeps its constant factor (an add, no multiply).
    if lock_factors == NULL:
        pyw2v_add_to_rows(m.center, context, n_context, s.neu1e, dim)
    else:
        for j in range(n_context):
            pyw2v_axpy(lock_factors[context[j]], s.neu1e, m.center + <int64_t>context[j] * dim,
                       dim)
    return loss


cdef inline int _block_targets(const Model *m, Scratch *s, const Block *b,
                               const uint32_t *kept, int *n_centers_out) noexcept nogil:
    """Fill s.batch_ids with the block's distinct targets, the words of its
    centers that have a pair first (how many into n_centers_out), then its
    distinct negatives with their counts in s.batch_counts (a negative equal to
    one of those centers is skipped); set each such center's column in
    s.center_columns. Returns the number of targets."""
    cdef int c, i, k, n = 0, n_centers
    cdef int32_t t
    cdef int32_t *ids = s.batch_ids
    cdef float *counts = s.batch_counts
    for c in range(b.count):
        if b.hi[c] - b.lo[c] < 2:          # the window holds only its center
            continue
        t = <int32_t>kept[b.first + c]
        i = 0
        while i < n and ids[i] != t:
            i += 1
        if i == n:
            ids[n] = t
            n += 1
        s.center_columns[c] = i
    n_centers = n
    n_centers_out[0] = n
    for k in range(m.negative):
        t = b.negatives[k]
        i = 0
        while i < n and ids[i] != t:
            i += 1
        if i < n_centers:
            continue
        if i == n:
            ids[n] = t
            counts[n] = 0.0
            n += 1
        counts[i] += 1.0
    return n


cdef inline float _block_pairs(uint64_t mask, const int *center_columns, int n_centers,
                               float *pair_counts) noexcept nogil:
    """How many pairs a row makes with each distinct center column, into
    pair_counts, and in all (returned); bit c of mask is set if the row is in
    center c's window."""
    cdef int c
    cdef float total = 0.0
    for c in range(n_centers):
        pair_counts[c] = 0.0
    c = 0
    while mask != 0:
        if mask & 1:
            pair_counts[center_columns[c]] += 1.0
            total += 1.0
        mask >>= 1
        c += 1
    return total


include "_subword.pxi"


cdef double _batch_step(const Model *m, Scratch *s, const Block *b, const uint32_t *kept,
                        double alpha, int dim) noexcept nogil:
    """Skip-gram over one block of consecutive windows sharing one set of
    negatives.

    As in word2vec.c, each context position's row of V predicts its window's
    center. The block's input rows are the positions inside some window, each
    once (inputs: m x dim); its targets the centers' and the negatives' rows of
    U, each once (outputs: n x dim, a negative drawn c times kept with count c).
    The step is three small matrix products: scores = inputs outputs^T,
    V[rows] += G outputs and U[targets] += G^T inputs, with G the m x n gradient
    coefficients: a row's coefficient on a center it is paired with, zero on
    the others, and on each negative its pairs times the negative's count (the
    same negatives serve each of its pairs). All products read the gathered
    copies, so the step is simultaneous. With one window per block this is one
    window's step, every row paired once. With lock factors, row i of G is
    scaled by its row's factor for V's update only.
    """
    cdef int i, n, dimp = pyw2v_padded(dim)
    cdef int n_rows = b.n_rows
    cdef double loss
    _gather_inputs(m, b.rows, n_rows, dim, dimp, s.batch_inputs)
    loss = _batch_outputs_step(m, s, b, kept, alpha, &n, dim)
    if m.lock_factors != NULL:
        for i in range(n_rows):
            pyw2v_scale(m.lock_factors[b.rows[i]], s.batch_scores + i * n, n)
    _update_inputs(m, s, b.rows, n_rows, s.batch_scores, n, 1, s.batch_outputs, n, dim, dimp)
    return loss


cdef inline double _batch_outputs_step(const Model *m, Scratch *s, const Block *b,
                                       const uint32_t *kept, double alpha,
                                       int *n_targets, int dim) noexcept nogil:
    """The block's step on its output side, for inputs already in s.batch_inputs:
    gather its targets' rows (s.batch_outputs, how many into n_targets), score,
    turn the scores into G (s.batch_scores) and move the targets' rows; returns
    the loss. The inputs' step is then G times the gathered outputs."""
    cdef int n, n_centers, dimp = pyw2v_padded(dim)
    cdef double loss
    n = _block_targets(m, s, b, kept, &n_centers)
    pyw2v_gather(m.outside, s.batch_ids, n, dim, dimp, s.batch_outputs)
    pyw2v_scores(s.batch_inputs, b.n_rows, s.batch_outputs, n, dimp, s.batch_scores)
    loss = _batch_coefficients(m, s, b, n, n_centers, n, alpha)
    pyw2v_update_rows(m.outside, s.batch_ids, n, s.batch_scores, 1, n, s.batch_inputs,
                      b.n_rows, dim, dimp)
    n_targets[0] = n
    return loss


cdef inline double _batch_coefficients(const Model *m, Scratch *s, const Block *b, int n,
                                       int n_centers, int width, double alpha) noexcept nogil:
    """Replace the scores of the block's n targets (columns 0..n-1 of the b.n_rows x
    width matrix s.batch_scores; the first n_centers are its centers) with their
    gradient coefficients, as _batch_step describes; return the loss."""
    cdef int i, k
    cdef bint exact = m.exact
    cdef float f, w, weight, pairs
    cdef double sig, log_sig, loss = 0.0
    cdef float *g
    cdef float *counts = s.batch_counts
    cdef float *pair_counts = s.pair_counts
    for i in range(b.n_rows):
        g = s.batch_scores + <int64_t>i * width
        pairs = _block_pairs(b.row_masks[i], s.center_columns, n_centers, pair_counts)
        for k in range(n_centers):
            w = pair_counts[k]
            if w == 0.0:
                g[k] = 0.0
                continue
            sig = _sigmoid_terms(g[k], exact, &log_sig)
            loss -= w * log_sig
            g[k] = <float>(w * (1.0 - sig) * alpha)
        for k in range(n_centers, n):
            f = g[k]
            sig = _sigmoid_terms(f, exact, &log_sig)
            weight = pairs * counts[k]
            loss -= weight * (log_sig - f)     # log sigma(-f) = log sigma(f) - f
            g[k] = <float>(-weight * sig * alpha)
    return loss


include "_hot_nodes.pxi"
include "_batch_hs.pxi"


# ---------------------------------------------------------------- hierarchical and full softmax
#
# Output layers besides negative sampling. Hierarchical softmax walks the
# predicted word's path in a Huffman tree (`build_huffman`): at each inner node
# n_k with branch code b_k the input x makes a binary logistic decision with
# label 1 - b_k (word2vec.c's convention), so J = -sum_k log sigma((1 - 2 b_k) x.n_k).
# The node rows are a matrix of their own, (vocab_size - 1) x dim, so negative
# sampling's U is untouched when both are on. The full softmax scores x against
# every row of U (docs/math.md §3's naive softmax). Neither draws random numbers.

cdef inline double _hs_step(const Model *m, Scratch *s, const float *x, const int32_t *targets,
                            double alpha, int dim) noexcept nogil:
    """Hierarchical softmax for input x along targets[0]'s path (root first).

    Adds -alpha * dJ/dx to s.neu1e, moves each node row by -alpha * dJ/dn_k and
    returns J. Every score first (8 node rows per pass over x), then every
    coefficient (the batch step's branch-free table pass), then the moves, 4 rows
    at a time: a path visits distinct nodes and x does not move here, so this is
    one simultaneous step. The path's hot prefix is in the thread's copy
    (_hot_nodes.pxi). (_draw_targets prefetched the path's rows; the batch scores
    buffer holds max_path floats and is free outside the batch kernels.)
    """
    cdef int64_t start = m.path_starts[targets[0]]
    cdef int length = <int>(m.path_starts[targets[0] + 1] - start)
    cdef const int32_t *path = m.path_nodes + start
    cdef int hot = _hot_prefix(m, s, path, length)
    cdef float *g = s.batch_scores
    cdef double loss
    pyw2v_hs_score_path(x, s.hot_rows, s.hot_ids, hot, dim, g)
    pyw2v_hs_score_path(x, m.nodes, path + hot, length - hot, dim, g + hot)
    loss = _hs_coefficients(m, g, 1, length, m.path_codes + start, length, alpha)
    pyw2v_hs_move_path(g, x, s.hot_rows, s.hot_ids, hot, s.neu1e, dim)
    pyw2v_hs_move_path(g + hot, x, m.nodes, path + hot, length - hot, s.neu1e, dim)
    return loss


cdef double _softmax_step(const Model *m, Scratch *s, const float *x, const int32_t *targets,
                          double alpha, int dim) noexcept nogil:
    """Full softmax for input x predicting targets[0] over all vocab_size rows of U.

    Adds -alpha * dJ/dx to s.neu1e, moves every row u_w by -alpha (p_w - y_w) x
    and returns J = -log p_word. Always computed with exp() (no table); the
    scores are shifted by their maximum, so nothing overflows.
    """
    cdef uint32_t w, n_words = m.vocab_size
    cdef int32_t word = targets[0]
    cdef float *scores = s.scores
    cdef float top
    cdef double total = 0.0, loss
    cdef float g
    for w in range(n_words):
        scores[w] = pyw2v_dot(x, m.outside + <int64_t>w * dim, dim)
    top = scores[0]
    for w in range(1, n_words):
        if scores[w] > top:
            top = scores[w]
    loss = top - scores[word]
    for w in range(n_words):
        scores[w] = <float>exp(scores[w] - top)
        total += scores[w]
    loss += log(total)
    # neu1e reads each row before that row moves: a simultaneous step.
    for w in range(n_words):
        g = <float>(((1.0 if <int32_t>w == word else 0.0) - scores[w] / total) * alpha)
        pyw2v_move_row(g, x, m.outside + <int64_t>w * dim, s.neu1e, dim)
    return loss


cdef inline double _predict(const Model *m, Scratch *s, const float *x, const int32_t *targets,
                            double alpha, int dim) noexcept nogil:
    """Input x predicts targets[0] through every output layer that is on.

    Sets s.neu1e to -alpha * dJ/dx (the caller adds it to the input rows),
    moves the output rows and returns the summed loss. Each layer reads x and
    rows of its own matrix only, so together they make one simultaneous step.
    """
    cdef double loss = 0.0
    if m.negative > 0:
        loss = _negative_sampling_step(m, s, x, targets, alpha, dim)
    else:
        pyw2v_zero_padded(s.neu1e, pyw2v_padded(dim))
    if m.hs:
        loss += _hs_step(m, s, x, targets, alpha, dim)
    if m.softmax:
        loss += _softmax_step(m, s, x, targets, alpha, dim)
    return loss


def build_huffman(const int64_t[::1] counts):
    """Huffman tree over words with these counts, as flat arrays (no per-node objects).

    Returns (path_starts int64 (V+1,), path_nodes int32, path_codes uint8): word
    w's path from the root is path_nodes[path_starts[w]:path_starts[w + 1]],
    inner-node ids in 0..V-2 (the root is V-2), and path_codes the branch
    taken at each node (0 or 1); its code length is the path length.

    Two-queue merge, O(V) after a stable sort by count: leaves wait in one queue
    in ascending count, merged nodes in another in the order they are made (which
    is ascending too); each merge takes the two lightest heads, a leaf before a
    merged node of equal weight, and the lighter one gets code 0. Ties between
    leaves go to the lower word id first, so the tree depends on counts alone.
    (Long: the merge and the path walk share their typed arrays in one function.)
    """
    cdef Py_ssize_t V = counts.shape[0], i
    if V < 2:
        raise ValueError(f"a Huffman tree needs at least 2 words, got {V}; hierarchical "
                         "softmax cannot train a one-word vocabulary")
    for i in range(V):
        if counts[i] < 0:
            raise ValueError(f"counts must be >= 0, got {counts[i]} at index {i}")
    order_arr = np.argsort(np.asarray(counts), kind="stable").astype(np.int32)
    weight_arr = np.empty(2 * V - 1, dtype=np.int64)
    parent_arr = np.empty(2 * V - 1, dtype=np.int32)
    branch_arr = np.zeros(2 * V - 1, dtype=np.uint8)
    depth_arr = np.zeros(2 * V - 1, dtype=np.int32)
    starts_arr = np.zeros(V + 1, dtype=np.int64)
    cdef const int32_t[::1] order = order_arr
    cdef int64_t[::1] weight = weight_arr       # leaves 0..V-1, merged nodes V..2V-2
    cdef int32_t[::1] parent = parent_arr
    cdef uint8_t[::1] branch = branch_arr
    cdef int32_t[::1] depth = depth_arr
    cdef int64_t[::1] starts = starts_arr
    cdef Py_ssize_t leaf = 0, merged = V, made, k, pos
    cdef int32_t pick, node, root = <int32_t>(2 * V - 2)
    with nogil:
        for i in range(V):
            weight[i] = counts[i]
        for made in range(V, 2 * V - 1):
            weight[made] = 0
            for k in range(2):
                if leaf < V and (merged == made or weight[order[leaf]] <= weight[merged]):
                    pick = order[leaf]
                    leaf += 1
                else:
                    pick = <int32_t>merged
                    merged += 1
                parent[pick] = <int32_t>made
                branch[pick] = <uint8_t>k
                weight[made] += weight[pick]
        # Parents are made after their children: one pass from the root down.
        for i in range(2 * V - 3, -1, -1):
            depth[i] = depth[parent[i]] + 1
        for i in range(V):
            starts[i + 1] = starts[i] + depth[i]
    nodes_arr = np.empty(starts_arr[V], dtype=np.int32)
    codes_arr = np.empty(starts_arr[V], dtype=np.uint8)
    cdef int32_t[::1] nodes = nodes_arr
    cdef uint8_t[::1] codes = codes_arr
    with nogil:
        for i in range(V):
            pos = starts[i + 1]
            node = <int32_t>i
            while node != root:
                pos -= 1
                codes[pos] = branch[node]
                nodes[pos] = parent[node] - <int32_t>V
                node = parent[node]
    return starts_arr, nodes_arr, codes_arr


# ---------------------------------------------------------------- the epoch driver

cdef int _block_init(Block *b, int max_rows, int max_centers, int negative) noexcept nogil:
    b.lo = <int *> pyw2v_alloc_lines(2 * <size_t>max_centers * sizeof(int))
    b.rows = <int32_t *> pyw2v_alloc_lines((<size_t>max_rows + negative + 1) * sizeof(int32_t))
    b.positions = <int *> pyw2v_alloc_lines(<size_t>max_rows * sizeof(int))
    b.row_masks = <uint64_t *> pyw2v_alloc_lines(<size_t>max_rows * sizeof(uint64_t))
    if b.lo == NULL or b.rows == NULL or b.positions == NULL or b.row_masks == NULL:
        return -1
    b.hi = b.lo + max_centers
    b.negatives = b.rows + max_rows
    return 0


cdef void _block_free(Block *b) noexcept nogil:
    free(b.lo)
    free(b.rows)
    free(b.positions)
    free(b.row_masks)


cdef int _scratch_init(Scratch *s, const Model *m, int max_context) noexcept nogil:
    """Allocate s's buffers for windows of up to max_context context words (and
    batch blocks of m.batch_windows such windows), each on cache lines of its own
    (pyw2v_alloc_lines: no two threads write one line). Returns 0, or -1 if an
    allocation failed (s must start zeroed; free with _scratch_free either way)."""
    cdef int dim = m.dim, k1 = m.negative + 1, dimp = pyw2v_padded(m.dim)
    cdef int n_centers = m.batch_windows
    # A block's rows: the positions of n_centers consecutive windows, at most
    # max_context + n_centers; its targets: its centers and the K negatives, then
    # with HS its center's path nodes.
    cdef size_t max_rows = <size_t>max_context + n_centers
    cdef size_t max_targets = n_centers + k1 + m.max_path
    cdef size_t batch_floats = (max_rows + max_targets) * dimp + max_rows * max_targets \
        + max_targets
    s.kept = <uint32_t *> pyw2v_alloc_lines(MAX_SENTENCE * sizeof(uint32_t))
    s.context = <int32_t *> pyw2v_alloc_lines(2 * <size_t>max_context * sizeof(int32_t))
    s.targets = <int32_t *> pyw2v_alloc_lines(2 * <size_t>k1 * sizeof(int32_t))
    s.coef = <float *> pyw2v_alloc_lines(k1 * sizeof(float))
    s.neu1e = <float *> pyw2v_alloc_lines(dimp * sizeof(float))
    s.h = <float *> pyw2v_alloc_lines(dimp * sizeof(float))
    s.scores = <float *> pyw2v_alloc_lines((m.vocab_size if m.softmax else 1) * sizeof(float))
    s.batch_inputs = <float *> pyw2v_alloc_lines(batch_floats * sizeof(float))
    s.batch_ids = <int32_t *> pyw2v_alloc_lines(max_targets * sizeof(int32_t))
    s.center_columns = <int *> pyw2v_alloc_lines(n_centers * sizeof(int))
    s.pair_counts = <float *> pyw2v_alloc_lines(n_centers * sizeof(float))
    if s.kept == NULL or s.context == NULL or s.targets == NULL or s.coef == NULL \
            or s.neu1e == NULL or s.h == NULL or s.scores == NULL \
            or s.batch_inputs == NULL or s.batch_ids == NULL or s.center_columns == NULL \
            or s.pair_counts == NULL \
            or _block_init(&s.blocks[0], <int>max_rows, n_centers, m.negative) != 0 \
            or _block_init(&s.blocks[1], <int>max_rows, n_centers, m.negative) != 0 \
            or _cbow_scratch_init(s, m, max_context) != 0 \
            or _subword_scratch_init(s, m, <int>max_rows) != 0 \
            or _hot_scratch_init(s, m) != 0:
        return -1
    s.next_context = s.context + max_context
    s.next_targets = s.targets + k1
    s.batch_outputs = s.batch_inputs + max_rows * dimp
    s.batch_scores = s.batch_outputs + max_targets * dimp
    s.batch_counts = s.batch_scores + max_rows * max_targets
    return 0


cdef void _scratch_free(Scratch *s) noexcept nogil:
    free(s.kept)
    free(s.context)
    free(s.targets)
    free(s.coef)
    free(s.neu1e)
    free(s.h)
    free(s.scores)
    free(s.batch_inputs)
    free(s.batch_ids)
    free(s.center_columns)
    free(s.pair_counts)
    _block_free(&s.blocks[0])
    _block_free(&s.blocks[1])
    _cbow_scratch_free(s)
    free(s.part_errors)
    free(s.row_ids)
    free(s.pair_targets)
    free(s.window_ids)
    free(s.window_scores)
    free(s.ring_inputs)
    free(s.ring_moves)
    free(s.hot_rows)
    free(s.hot_base)
    free(s.hot_ids)
    memset(s, 0, sizeof(Scratch))


cdef inline void _window_span(uint64_t *rng, const Model *m, int pos, int n, int *lo,
                              int *hi) noexcept nogil:
    """Draw center `pos`'s window shrink (none without shrink_windows); [lo, hi) is its
    window within the n kept words."""
    cdef int win = m.window
    if m.shrink_windows:
        win = m.window - <int>_below(pyw2v_next(rng), <uint32_t>m.window)
    lo[0] = pos - win if pos >= win else 0
    hi[0] = pos + win + 1 if pos + win + 1 <= n else n


cdef inline int _prepare_window(uint64_t *rng, const Model *m, const uint32_t *kept, int n,
                                int pos, int32_t *context, int32_t *targets,
                                int *reach, int dim) noexcept nogil:
    """Draw center `pos`'s window shrink and, if its context is not empty, its
    negatives; gather the context ids and prefetch every row the window will
    touch that no earlier window of the sentence touched: its context rows at
    positions >= reach (the furthest an earlier window went; moved on here),
    since every position before that was in a window a few steps ago. Returns
    the number of context words."""
    cdef int j, lo, hi, n_context = 0
    cdef const float *center = m.center
    _window_span(rng, m, pos, n, &lo, &hi)
    for j in range(lo, hi):
        if j != pos:
            context[n_context] = kept[j]
            if j >= reach[0]:
                pyw2v_prefetch_row(center + <int64_t>kept[j] * dim, dim)
            n_context += 1
    if hi > reach[0]:
        reach[0] = hi
    if n_context > 0:
        _draw_targets(rng, m, kept[pos], targets, dim)
    return n_context


cdef inline int _fill_block(const Model *m, Block *b, const uint32_t *kept, int dim) noexcept nogil:
    """Find the input rows of the block's windows (b.first, b.count, b.lo, b.hi
    set): each position inside some window, once, in sentence order, with the
    block's centers it is paired with; prefetch their rows of V.
    Returns the block's number of (center, position) pairs."""
    cdef int c, j, lo = b.lo[0], hi = b.hi[0], n_rows = 0, total = 0
    cdef uint64_t mask
    for c in range(1, b.count):
        lo = b.lo[c] if b.lo[c] < lo else lo
        hi = b.hi[c] if b.hi[c] > hi else hi
    for j in range(lo, hi):
        mask = 0
        for c in range(b.count):
            if b.lo[c] <= j < b.hi[c] and j != b.first + c:
                mask |= (<uint64_t>1) << c
                total += 1
        if mask == 0:
            continue
        b.rows[n_rows] = <int32_t>kept[j]
        b.positions[n_rows] = j
        b.row_masks[n_rows] = mask
        pyw2v_prefetch_row(m.center + <int64_t>kept[j] * dim, dim)
        n_rows += 1
    b.n_rows = n_rows
    return total


cdef inline int _prepare_block(uint64_t *rng, const Model *m, const uint32_t *kept, int n,
                               int first, Block *b, int dim) noexcept nogil:
    """Draw the window shrinks of centers first.. (up to m.batch_windows of them)
    and, if the block has a pair, its K shared negatives; find its rows and
    prefetch every row it will touch. Returns the number of pairs."""
    cdef int c, k, pairs
    cdef int32_t w
    b.first = first
    b.count = m.batch_windows if first + m.batch_windows <= n else n - first
    for c in range(b.count):
        _window_span(rng, m, first + c, n, &b.lo[c], &b.hi[c])
        pyw2v_prefetch_row(m.outside + <int64_t>kept[first + c] * dim, dim)
    pairs = _fill_block(m, b, kept, dim)
    if pairs > 0:
        for k in range(m.negative):
            w = _draw_noise(rng, m.noise, m.vocab_size)
            b.negatives[k] = w
            pyw2v_prefetch_row(m.outside + <int64_t>w * dim, dim)
    return pairs


cdef inline int _subsample(const Model *m, uint64_t *rng, const uint32_t *tokens,
                           int64_t n_tokens, uint32_t *kept) noexcept nogil:
    """Copy the tokens that survive subsampling (docs/math.md §8) into kept; return
    how many did."""
    cdef int64_t i
    cdef int n = 0
    cdef uint32_t w
    for i in range(n_tokens):
        w = tokens[i]
        if m.keep_prob[w] < 1.0 and m.keep_prob[w] < _uniform(rng):
            continue
        kept[n] = w
        n += 1
    return n


cdef inline double _learning_rate(const Schedule *run) noexcept nogil:
    """Linear decay from alpha to min_alpha over total_words: done is the words
    every thread published, mapped by set_schedule's offset and scale (exact in
    whole numbers below 2^53, so offset=base, scale=1 changes no bit)."""
    cdef int64_t published = 0
    cdef int t
    cdef double a, done
    for t in range(run.n_threads):
        published += run.slots[t].words_done
    done = run.offset + run.scale * <double>(published - run.base)
    a = run.alpha - (run.alpha - run.min_alpha) * (done / run.total_words)
    return a if a > run.min_alpha else run.min_alpha


cdef void _publish(ThreadSlot *slot, Tally *tally) noexcept nogil:
    """Move the tally's counts into the thread's slot, where progress reads them;
    the words also count towards the next refresh of alpha."""
    slot.words_done += tally.words
    slot.unrefreshed += tally.words
    slot.loss += tally.loss
    slot.predictions += tally.predictions
    tally.words = 0
    tally.loss = 0.0
    tally.predictions = 0.0


cdef inline void _count_sentence(const Schedule *run, ThreadSlot *slot, Tally *tally,
                                 int64_t length) noexcept nogil:
    """Count a sentence's words at its start; once PUBLISH_EVERY words have gone
    by since the thread's last refresh (in this chunk or earlier ones), publish
    and refresh alpha. Chunk ends refresh nothing, so where chunks are cut does
    not move the refresh points."""
    tally.words += length
    if slot.unrefreshed + tally.words >= PUBLISH_EVERY:
        _publish(slot, tally)
        slot.unrefreshed = 0
        tally.alpha = _learning_rate(run)
        slot.alpha = tally.alpha


cdef inline double _subword_center_step(const Model *m, Scratch *s, int32_t center,
                                        const int32_t *targets, int n_pairs,
                                        double alpha, int dim) noexcept nogil:
    """Skip-gram pair kernel with subwords (docs/math.md §16): the center word's input
    x, the mean of its parts, predicts each of its window's n_pairs outside words
    against that pair's own negatives (targets: K + 1 ids per pair, as _draw_targets
    fills them, -1 for a skipped draw), in one step for the window. The targets line
    up as the outside words, then the negatives, pair by pair; every score is taken
    before any row moves; then target by target the input's step gathers g u from
    the row as it stands and the row moves by g x (pyw2v_move_nodes), so a row
    listed twice moves twice; last, the parts move by the summed step. One
    composition and one scatter per window is what makes subwords cheap here."""
    cdef int i, k, r, nr, n = n_pairs, k1 = m.negative + 1
    cdef bint exact = m.exact
    cdef int32_t t
    cdef float f
    cdef double sig, log_sig, loss = 0.0
    cdef float *x = s.h
    cdef float *e = s.neu1e
    cdef int32_t *ids = s.window_ids
    cdef float *g = s.window_scores
    for i in range(n_pairs):
        ids[i] = targets[i * k1]
        for k in range(1, k1):
            t = targets[i * k1 + k]
            if t >= 0:
                ids[n] = t
                n += 1
    _gather_inputs(m, &center, 1, dim, pyw2v_padded(dim), x)
    for r in range(0, n, 4):
        nr = n - r if n - r < 4 else 4
        pyw2v_score_nodes(x, m.outside, ids + r, nr, dim, g + r)
    for r in range(n):
        f = g[r]
        sig = _sigmoid_terms(f, exact, &log_sig)
        if r < n_pairs:
            loss -= log_sig
            g[r] = <float>((1.0 - sig) * alpha)
        else:
            loss -= log_sig - f     # log sigma(-f) = log sigma(f) - f
            g[r] = <float>(-sig * alpha)
    pyw2v_zero_padded(e, pyw2v_padded(dim))
    for r in range(0, n, 4):
        nr = n - r if n - r < 4 else 4
        pyw2v_move_nodes(g + r, x, m.outside, ids + r, nr, e, dim)
    _move_inputs(m, &center, 1, e, dim)
    return loss


cdef inline int _draw_subword_window(uint64_t *rng, const Model *m, const uint32_t *kept,
                                     int n, int pos, int32_t *targets, int dim) noexcept nogil:
    """Draw center pos's window shrink, then K + 1 targets per pair, left to right
    (_draw_targets prefetches their rows), and prefetch the center's parts if it has
    a pair. Returns the number of pairs."""
    cdef int j, lo, hi, n_pairs = 0, k1 = m.negative + 1
    _window_span(rng, m, pos, n, &lo, &hi)
    for j in range(lo, hi):
        if j != pos:
            _draw_targets(rng, m, kept[j], targets + n_pairs * k1, dim)
            n_pairs += 1
    if n_pairs > 0:
        _prefetch_parts(m, <int32_t>kept[pos], dim)
    return n_pairs


cdef inline void _subword_pair_loop(const Model *m, Scratch *s, uint64_t *rng, int n,
                                    Tally *tally, int dim) noexcept nogil:
    """The skip-gram pair kernel with subwords over one sentence's n kept words: a
    center's window is one _subword_center_step, its targets drawn first in the
    pair kernel's order (shrink, then K per pair, left to right)."""
    cdef const uint32_t *kept = s.kept
    cdef int pos, n_pairs
    cdef double loss = tally.loss, predictions = tally.predictions, alpha = tally.alpha
    for pos in range(n):
        n_pairs = _draw_subword_window(rng, m, kept, n, pos, s.pair_targets, dim)
        if n_pairs > 0:
            loss += _subword_center_step(m, s, <int32_t>kept[pos], s.pair_targets, n_pairs,
                                         alpha, dim)
            predictions += n_pairs
    tally.loss = loss
    tally.predictions = predictions


cdef inline void _pair_loop(const Model *m, Scratch *s, uint64_t *rng, int n,
                            Tally *tally, int dim) noexcept nogil:
    """The skip-gram pair kernel over one sentence's n kept words."""
    cdef const uint32_t *kept = s.kept
    cdef int32_t *targets = s.targets
    cdef int32_t *next_targets = s.next_targets
    cdef int32_t *swap
    cdef int pos, j, next_j, lo, hi
    cdef float *center_row
    cdef float lock = 1.0
    cdef double loss = tally.loss, predictions = tally.predictions, alpha = tally.alpha
    for pos in range(n):
        _window_span(rng, m, pos, n, &lo, &hi)
        center_row = m.center + <int64_t>kept[pos] * dim
        if m.lock_factors != NULL:
            lock = m.lock_factors[kept[pos]]
        j = lo if lo != pos else lo + 1
        if j < hi:
            _draw_targets(rng, m, kept[j], targets, dim)
        while j < hi:
            # Draw (and prefetch) the next pair's targets before this pair's
            # arithmetic; the order of draws is unchanged.
            next_j = j + 1 if j + 1 != pos else j + 2
            if next_j < hi:
                _draw_targets(rng, m, kept[next_j], next_targets, dim)
            loss += _pair_step(m, s, center_row, targets, alpha, lock, dim)
            predictions += 1.0
            swap = targets
            targets = next_targets
            next_targets = swap
            j = next_j
    tally.loss = loss
    tally.predictions = predictions


cdef inline void _window_loop(const Model *m, Scratch *s, uint64_t *rng, int n,
                              Tally *tally, int dim) noexcept nogil:
    """CBOW's window kernel over n >= 1 kept words.

    It draws nothing while computing, so drawing the next window ahead (and
    prefetching its rows) keeps the draw order.
    """
    cdef int32_t *context = s.context
    cdef int32_t *next_context = s.next_context
    cdef int32_t *targets = s.targets
    cdef int32_t *next_targets = s.next_targets
    cdef int32_t *swap
    cdef int pos, n_context, n_next, reach = 0
    cdef double loss = tally.loss, predictions = tally.predictions, alpha = tally.alpha
    n_next = _prepare_window(rng, m, s.kept, n, 0, next_context, next_targets, &reach, dim)
    for pos in range(n):
        swap = targets
        targets = next_targets
        next_targets = swap
        swap = context
        context = next_context
        next_context = swap
        n_context = n_next
        if pos + 1 < n:
            n_next = _prepare_window(rng, m, s.kept, n, pos + 1, next_context, next_targets,
                                     &reach, dim)
        if n_context == 0:
            continue
        loss += _cbow_step(m, s, context, n_context, targets, alpha, dim)
        predictions += 1.0
    tally.loss = loss
    tally.predictions = predictions


include "_cbow_batch.pxi"


cdef inline void _block_loop(const Model *m, Scratch *s, uint64_t *rng, int n,
                             Tally *tally, int dim) noexcept nogil:
    """The skip-gram batch kernel over n >= 1 kept words, m.batch_windows
    centers per step (one with hierarchical softmax, whose step also does the
    negative sampling when both are on). Drawing the next block ahead (and
    prefetching its rows) keeps the draw order, as the step draws nothing.
    With subwords each position's input is composed once, when a window first
    reaches it, and its parts move once, when no later window can (the next
    block's first center minus the window): one composition and one scatter per
    token instead of one per window it is in (docs/math.md §16); without them
    nothing is composed, so nothing retires."""
    cdef Block *block = &s.blocks[0]
    cdef Block *next_block = &s.blocks[1]
    cdef Block *swap
    cdef int first, pairs, next_pairs, composed = 0, retired = 0
    cdef double loss = tally.loss, predictions = tally.predictions, alpha = tally.alpha
    next_pairs = _prepare_block(rng, m, s.kept, n, 0, next_block, dim)
    first = 0
    while first < n:
        swap = block
        block = next_block
        next_block = swap
        pairs = next_pairs
        first += m.batch_windows
        if first < n:
            next_pairs = _prepare_block(rng, m, s.kept, n, first, next_block, dim)
        if pairs > 0:
            if m.part_offsets != NULL:
                loss += _subword_block_step(m, s, block, s.kept, alpha, &composed, dim)
            elif m.hs:
                loss += _hs_batch_step(m, s, block, s.kept, alpha, dim)
            else:
                loss += _batch_step(m, s, block, s.kept, alpha, dim)
            predictions += pairs
        while retired < composed and retired < first - m.window:
            _subword_retire(m, s, s.kept, retired, dim)
            retired += 1
    while retired < composed:
        _subword_retire(m, s, s.kept, retired, dim)
        retired += 1
    tally.loss = loss
    tally.predictions = predictions


cdef inline bint _claim_sentences(Schedule *run, const Chunk *chunk, int thread,
                                  int64_t *first, int64_t *last) noexcept nogil:
    """The thread's next run of up to CLAIM_SENTENCES sentences [first, last): from
    the front of its own share while it lasts, then the last CLAIM_SENTENCES of the
    share with the most left, if more than that are left: a thread that is done
    helps the slowest (shares of equal tokens take up to ~10% apart on corpus-dev:
    their words differ), and one that is idle leaves a short share alone, so it is
    trained by its own thread's stream. False when there is nothing to claim. One
    thread claims its share in order, so it trains as one range would. (CBOW's lanes
    keep their thread's share: claiming gained them no scaling, docs/math.md §12.)"""
    cdef int t, share = -1             # whose share the run comes from
    cdef int64_t left, most
    pyw2v_spin_lock(&run.claim_lock)
    if chunk.claim_next[thread] < chunk.claim_end[thread]:
        share = thread
        first[0] = chunk.claim_next[thread]
        last[0] = min(first[0] + CLAIM_SENTENCES, chunk.claim_end[thread])
        chunk.claim_next[thread] = last[0]
    else:
        most = CLAIM_SENTENCES
        for t in range(run.n_threads):
            left = chunk.claim_end[t] - chunk.claim_next[t]
            if left > most:
                most = left
                share = t
        if share >= 0:
            last[0] = chunk.claim_end[share]
            first[0] = last[0] - CLAIM_SENTENCES
            chunk.claim_end[share] = first[0]
    pyw2v_spin_unlock(&run.claim_lock)
    return share >= 0


cdef void _sentence_loop(const Model *m, Schedule *run, const Chunk *chunk, Scratch *s,
                         ThreadSlot *slot, uint64_t *rng, Tally *tally,
                         int thread, int dim) noexcept nogil:
    """The sentences the thread claims, one after another, each subsampled, then
    through the kernel's loop over its kept words; with hot nodes, a sync of the
    thread's copy every HOT_SYNC_WORDS words (_hot_nodes.pxi)."""
    cdef int64_t sentence, first, last, start, length, unsynced = 0
    cdef int n
    while _claim_sentences(run, chunk, thread, &first, &last):
        for sentence in range(first, last):
            if pyw2v_load_flag(&run.stop):
                return
            start = chunk.sentence_starts[sentence]
            length = chunk.sentence_starts[sentence + 1] - start
            if m.n_hot > 0:
                unsynced += length
                if unsynced >= HOT_SYNC_WORDS:
                    _hot_sync(m, s, run)
                    unsynced = 0
            n = _subsample(m, rng, chunk.tokens + start, length, s.kept)
            _count_sentence(run, slot, tally, length)
            if m.kernel == KERNEL_PAIR and m.part_offsets != NULL:
                _subword_pair_loop(m, s, rng, n, tally, dim)
            elif m.kernel == KERNEL_PAIR:
                _pair_loop(m, s, rng, n, tally, dim)
            elif n == 0:
                continue
            elif m.kernel == KERNEL_BATCH:
                _block_loop(m, s, rng, n, tally, dim)
            else:
                _window_loop(m, s, rng, n, tally, dim)


cdef void _train_range(const Model *m, Schedule *run, const Chunk *chunk, Scratch *s,
                       int thread) noexcept nogil:
    """One thread's share of a chunk: its sentences with the learning rate the
    thread left off with, then a last publication (no refresh). With hot nodes
    the thread's copy starts from the shared rows and is synced at the end."""
    cdef ThreadSlot *slot = &run.slots[thread]
    cdef uint64_t rng = slot.rng
    cdef Tally tally
    tally.words = 0
    tally.loss = 0.0
    tally.predictions = 0.0
    tally.alpha = slot.alpha
    if m.n_hot > 0:
        _hot_load(m, s, run)
    # Two calls, one with a constant dim: GCC then compiles the loops and steps
    # once more for COMMON_DIM (interprocedural constant propagation), with
    # every row loop unrolled and its tail known.
    if m.kernel == KERNEL_CBOW_BATCH:     # several sentences at once, in lanes (_cbow_batch.pxi)
        if m.dim == COMMON_DIM:
            _lane_loop(m, run, chunk, s, slot, &rng, &tally, thread, COMMON_DIM)
        else:
            _lane_loop(m, run, chunk, s, slot, &rng, &tally, thread, m.dim)
    elif m.dim == COMMON_DIM:
        _sentence_loop(m, run, chunk, s, slot, &rng, &tally, thread, COMMON_DIM)
    else:
        _sentence_loop(m, run, chunk, s, slot, &rng, &tally, thread, m.dim)
    if m.n_hot > 0:
        _hot_sync(m, s, run)
    _publish(slot, &tally)
    slot.rng = rng


def claim_runs(bounds, claimants) -> list:
    """The runs of sentences _claim_sentences hands out when the threads named by
    `claimants` (thread indices, in order) claim in turn from shares
    bounds[t]..bounds[t + 1]: a (thread, first, last) triple per successful
    claim. For tests: how threads share a chunk's sentences."""
    cdef Schedule run
    cdef Chunk chunk
    cdef int64_t first, last
    shares = np.ascontiguousarray(bounds, dtype=np.int64)
    if shares.ndim != 1 or len(shares) < 2 or (np.diff(shares) < 0).any():
        raise ValueError("bounds must be at least 2 non-decreasing sentence indices")
    cdef int64_t[::1] claim_next = shares[:len(shares) - 1].copy()
    cdef int64_t[::1] claim_end = shares[1:].copy()
    run.n_threads = len(shares) - 1
    run.claim_lock = 0
    chunk.claim_next = &claim_next[0]
    chunk.claim_end = &claim_end[0]
    out = []
    for thread in claimants:
        if not 0 <= thread < run.n_threads:
            raise ValueError(f"claimant {thread} is not a thread of {run.n_threads}")
        if _claim_sentences(&run, &chunk, thread, &first, &last):
            out.append((thread, first, last))
    return out


def thread_seeds(uint64_t seed, uint64_t call, int threads) -> list:
    """The RNG states threads 0..threads-1 start from in training call `call`.

    The first `threads` outputs of splitmix64 started at mix(mix(seed) + call),
    mix being splitmix64's output function: each (seed, call) gets its own
    scrambled starting point, so no thread's stream is another call's
    (pyw2v.reference.thread_seeds is the twin).
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    cdef uint64_t state = pyw2v_mix64(pyw2v_mix64(seed) + call)
    seeds = []
    for _ in range(threads):
        seeds.append(pyw2v_next(&state))
    return seeds


def _split_sentences(sentence_starts, int threads):
    """Boundaries splitting a chunk's sentences into `threads` runs of ~equal tokens."""
    # wraparound is off module-wide (setup.py), so no [-1] on Python objects here or in the
    # checks below: numpy >= 2.5 (Python >= 3.12) rejects the unwrapped -1, lists crash.
    last = len(sentence_starts) - 1
    targets = np.linspace(0, sentence_starts[last], threads + 1)
    bounds = np.searchsorted(sentence_starts, targets).astype(np.int64)
    bounds[0], bounds[threads] = 0, last
    return np.maximum.accumulate(bounds)


cdef class Trainer:
    """One training call's compiled state: the configuration, per-thread slots and scratch.

    center, outside: V and U, float32 C-contiguous (vocab, dim), updated in
    place. keep_prob: float64 (vocab,), subsampling's keep-probabilities.
    alias_prob, alias_index: the noise distribution's alias table
    (build_alias_table). kernel: one of KERNELS. Output layers: negative
    sampling when negative > 0; hierarchical softmax with node_vectors
    (float32 (vocab - 1, dim)) and huffman (build_huffman's arrays); the full
    softmax over U when softmax. cbow_mean: CBOW's input is the context mean
    (else their sum). shrink_windows: each window's size is drawn in 1..window
    (else always window, and no draw). lock_factors: None, or float32
    (vocab,) finite factors scaling each row of V's updates (0 freezes a row;
    U and the node rows are never locked). batch_windows: consecutive windows
    one batch step takes, sharing its negatives (1 with hierarchical softmax).
    Thread t starts its random stream at thread_seeds(seed, call, threads)[t].
    The learning rate decays linearly from alpha to min_alpha over total_words
    words, summed over every chunk. Each thread starts at alpha and recomputes
    its rate only once PUBLISH_INTERVAL words have gone by since its last
    refresh, counted at sentence starts across chunks, so at threads=1 where
    the chunks are cut changes no bit (except kernel='cbow-batch', whose lanes
    restart with each chunk). set_schedule continues the decay from a word
    count kept outside (distributed training); thread_states and
    restore_thread_states carry each thread's stream and rate to another
    Trainer.

    Python calls train_chunk per chunk (it releases the GIL) and may read the
    progress properties from another thread meanwhile. After request_stop()
    every thread stops at its next sentence, in this and every later chunk.
    Raises ValueError for a bad argument, MemoryError if the per-thread
    buffers cannot be allocated.
    """

    cdef Model model
    cdef Schedule schedule
    cdef Scratch *scratch
    cdef void *slot_block           # what malloc returned; schedule.slots is aligned in it
    cdef object arrays              # keeps every array the Model points into alive

    def __cinit__(self, float[:, ::1] center, float[:, ::1] outside,
                  const double[::1] keep_prob, const double[::1] alias_prob,
                  const int32_t[::1] alias_index, *, str kernel, int window, int negative,
                  bint exact_sigmoid, double alpha, double min_alpha, double total_words,
                  int threads, uint64_t seed, uint64_t call, node_vectors=None, huffman=None,
                  bint softmax=False, bint cbow_mean=True, bint shrink_windows=True,
                  lock_factors=None, int batch_windows=1, subwords=None):
        cdef int t
        cdef Model *m = &self.model
        _check_trainer_arguments(center, outside, keep_prob, alias_prob, alias_index, kernel,
                                 window, negative, alpha, min_alpha, total_words, threads,
                                 subwords is not None)
        lock_factors = checked_lock_factors(lock_factors, outside.shape[0])
        parts = _checked_parts(subwords, outside.shape[0], center.shape[0])
        noise = _noise_columns(alias_prob, alias_index)
        cdef uint32_t[:, ::1] noise_view = noise
        self.arrays = (center, outside, keep_prob, noise, node_vectors, huffman,
                       lock_factors, parts)
        m.center = &center[0, 0]
        m.outside = &outside[0, 0]
        m.dim = center.shape[1]
        m.vocab_size = <uint32_t>outside.shape[0]
        _set_parts(m, parts)
        m.kernel = <Kernel><int>KERNELS.index(kernel)
        m.window = window
        m.negative = negative
        m.exact = exact_sigmoid
        m.keep_prob = &keep_prob[0]
        m.noise = <const NoiseColumn *> &noise_view[0, 0]
        _set_update_options(m, cbow_mean, shrink_windows, lock_factors)
        if not 1 <= batch_windows <= MAX_BATCH_WINDOWS:
            raise ValueError(f"batch_windows must be in 1..{MAX_BATCH_WINDOWS}, "
                             f"got {batch_windows}")
        m.batch_windows = batch_windows
        if huffman is not None:
            _check_huffman(huffman, center.shape[0])
        _set_output_layers(m, node_vectors, huffman, softmax)
        if m.hs and threads > 1:
            m.n_hot = min(<int>HOT_NODES, <int>m.vocab_size - 1)
            m.hot_first = <int32_t>(m.vocab_size - 1) - m.n_hot
        if m.kernel == KERNEL_BATCH and m.softmax:
            raise ValueError("kernel='batch' has negative sampling and hierarchical softmax "
                             "only; use kernel='pair' for the full softmax")
        if m.kernel == KERNEL_BATCH and m.hs and batch_windows != 1:
            raise ValueError(f"batch_windows must be 1 with hierarchical softmax (each "
                             f"window walks its own center's path), got {batch_windows}")
        if m.kernel == KERNEL_CBOW_BATCH and (m.hs or m.softmax or negative == 0):
            raise ValueError("kernel='cbow-batch' is negative-sampling only (negative > 0); "
                             "use kernel='window' for hierarchical or full softmax")
        if negative == 0 and not (m.hs or m.softmax):
            raise ValueError("no output layer: give negative > 0, node_vectors and huffman, "
                             "or softmax=True")
        if parts is not None and (m.kernel == KERNEL_WINDOW or m.hs or m.softmax
                                  or lock_factors is not None):
            raise ValueError("subwords train with kernel='pair', 'batch' or 'cbow-batch' and "
                             "negative sampling alone, without lock factors")
        self.schedule.alpha = alpha
        self.schedule.min_alpha = min_alpha
        self.schedule.total_words = total_words
        self.schedule.offset = 0.0
        self.schedule.scale = 1.0
        self.schedule.base = 0
        self.schedule.n_threads = threads
        self.schedule.stop = 0
        self.schedule.hot_lock = 0
        self.schedule.claim_lock = 0
        self.slot_block = calloc(threads + 1, SLOT_BYTES)
        self.scratch = <Scratch *> calloc(threads, sizeof(Scratch))
        if self.slot_block == NULL or self.scratch == NULL:
            raise MemoryError(f"pyw2v: could not allocate the state of {threads} threads")
        self.schedule.slots = <ThreadSlot *> (
            (<uintptr_t>self.slot_block + SLOT_BYTES - 1) // SLOT_BYTES * SLOT_BYTES)
        for t, state in enumerate(thread_seeds(seed, call, threads)):
            self.schedule.slots[t].rng = state
            self.schedule.slots[t].alpha = alpha
            if _scratch_init(&self.scratch[t], m, 2 * window) != 0:
                raise MemoryError(f"pyw2v: could not allocate scratch buffers for window="
                                  f"{window}, dim={m.dim}, negative={negative}; lower them")

    def __dealloc__(self):
        cdef int t
        if self.scratch != NULL:
            for t in range(self.schedule.n_threads):
                _scratch_free(&self.scratch[t])
            free(self.scratch)
        free(self.slot_block)

    def train_chunk(self, const uint32_t[::1] token_ids, const int64_t[::1] sentence_starts):
        """Train on one encoded chunk with every thread, releasing the GIL.

        token_ids: uint32, ids < vocab; sentence_starts: int64 offsets of each
        sentence in token_ids, then len(token_ids); no sentence longer than
        MAX_SENTENCE_LENGTH.
        """
        cdef Chunk chunk
        cdef int t, n_threads = self.schedule.n_threads
        cdef const Model *m = &self.model
        cdef Schedule *run = &self.schedule
        cdef Scratch *scratch = self.scratch
        starts = np.asarray(sentence_starts)
        _check_chunk(np.asarray(token_ids), starts, m.vocab_size)
        if token_ids.shape[0] == 0:
            return
        bounds = _split_sentences(starts, n_threads)
        cdef int64_t[::1] claim_next = bounds[:n_threads].copy()
        cdef int64_t[::1] claim_end = bounds[1:].copy()
        chunk.tokens = &token_ids[0]
        chunk.sentence_starts = &sentence_starts[0]
        chunk.claim_next = &claim_next[0]
        chunk.claim_end = &claim_end[0]
        for t in prange(n_threads, nogil=True, schedule="static", chunksize=1,
                        num_threads=n_threads):
            _train_range(m, run, &chunk, &scratch[t], t)

    def set_schedule(self, words_before, scale=1.0) -> None:
        """From now on, decay the learning rate as if done = words_before + scale *
        (words this trainer publishes after this call).

        For distributed training: words_before (an int >= 0) is what every worker
        did so far, scale (finite, > 0) how many words of all workers one of this
        trainer's stands for. Call it between train_chunk calls; it leaves the
        threads' current rates alone (they change at their next refresh). Never
        calling it is words_before=0, scale=1.0; set_schedule(words_done) changes
        no bit (whole numbers below 2^53 are exact in a double).
        """
        if not _is_int(words_before):
            raise TypeError(f"words_before must be an int, got {type(words_before).__name__}")
        if not 0 <= words_before < 2 ** 53:
            raise ValueError(f"words_before must be in 0..2**53 - 1, got {words_before}")
        if not _is_real(scale):
            raise TypeError(f"scale must be a number, got {type(scale).__name__}")
        if not (isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a finite number > 0, got {scale}")
        self.schedule.offset = <double>int(words_before)
        self.schedule.scale = float(scale)
        self.schedule.base = self.words_done

    def thread_states(self) -> list:
        """Each thread's (RNG state, current learning rate, words counted since its
        last rate refresh), as restore_thread_states takes them. Read it between
        train_chunk calls."""
        cdef int t
        cdef ThreadSlot *slot
        states = []
        for t in range(self.schedule.n_threads):
            slot = &self.schedule.slots[t]
            states.append((int(slot.rng), float(slot.alpha), int(slot.unrefreshed)))
        return states

    def restore_thread_states(self, states) -> None:
        """Set every thread's state from thread_states() of another Trainer with
        the same thread count; with the same arrays and set_schedule(its
        words_done), this trainer continues that one's training bit for bit (at
        threads=1). Call it between train_chunk calls."""
        cdef int t
        checked = _checked_thread_states(states, self.schedule.n_threads)
        for t, (rng, alpha, unrefreshed) in enumerate(checked):
            self.schedule.slots[t].rng = rng
            self.schedule.slots[t].alpha = alpha
            self.schedule.slots[t].unrefreshed = unrefreshed

    def request_stop(self) -> None:
        """Make every thread stop at its next sentence (safe while train_chunk runs)."""
        pyw2v_store_flag(&self.schedule.stop, 1)

    @property
    def stop_requested(self) -> bool:
        return bool(pyw2v_load_flag(&self.schedule.stop))

    @property
    def threads(self) -> int:
        return self.schedule.n_threads

    @property
    def words_done(self) -> int:
        """Words of this call done so far, as published (per thread, up to
        PUBLISH_INTERVAL behind while train_chunk runs)."""
        cdef int64_t total = 0
        for t in range(self.schedule.n_threads):
            total += self.schedule.slots[t].words_done
        return total

    @property
    def loss(self) -> float:
        """Summed loss of every published prediction of this call."""
        cdef double total = 0.0
        for t in range(self.schedule.n_threads):
            total += self.schedule.slots[t].loss
        return total

    @property
    def predictions(self) -> float:
        """Predictions made so far in this call (a skip-gram pair or a CBOW window is one)."""
        cdef double total = 0.0
        for t in range(self.schedule.n_threads):
            total += self.schedule.slots[t].predictions
        return total

    @property
    def alpha(self) -> float:
        """The lowest learning rate a thread uses now (alpha before any training)."""
        cdef double lowest = self.schedule.slots[0].alpha
        for t in range(1, self.schedule.n_threads):
            lowest = min(lowest, self.schedule.slots[t].alpha)
        return lowest


def _checked_thread_states(states, int threads):
    """states as a list of (rng, alpha, unrefreshed) a thread could hold: a uint64,
    a finite float >= 0 and an int in 0..PUBLISH_INTERVAL - 1, one per thread."""
    try:
        states = [tuple(state) for state in states]
    except TypeError:
        raise ValueError("states must be a list of (rng, alpha, unrefreshed) tuples, as "
                         "Trainer.thread_states() returns") from None
    if len(states) != threads:
        raise ValueError(f"states has {len(states)} entries, expected one per thread "
                         f"({threads})")
    checked = []
    for t, state in enumerate(states):
        if len(state) != 3:
            raise ValueError(f"states[{t}] must be (rng, alpha, unrefreshed), got {state!r}")
        rng, alpha, unrefreshed = state
        if not (_is_int(rng) and 0 <= rng < 2 ** 64):
            raise ValueError(f"states[{t}]: rng must be an int in 0..2**64 - 1, got {rng!r}")
        if not (_is_real(alpha) and isfinite(alpha) and alpha >= 0):
            raise ValueError(f"states[{t}]: alpha must be a finite number >= 0, got "
                             f"{alpha!r}")
        if not (_is_int(unrefreshed) and 0 <= unrefreshed < PUBLISH_EVERY):
            raise ValueError(f"states[{t}]: unrefreshed must be an int in "
                             f"0..{PUBLISH_EVERY - 1}, got {unrefreshed!r}")
        checked.append((int(rng), float(alpha), int(unrefreshed)))
    return checked


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_real(value):
    return _is_int(value) or isinstance(value, (float, np.floating))


def _check_trainer_arguments(center, outside, keep_prob, alias_prob, alias_index, kernel,
                             int window, int negative, double alpha, double min_alpha,
                             double total_words, int threads, bint subwords=False):
    """Refuse what would make the compiled loop read out of bounds or divide by zero."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    _check_shapes(center, outside, subwords)
    for name, arr in (("keep_prob", keep_prob), ("alias_prob", alias_prob),
                      ("alias_index", alias_index)):
        if arr.shape[0] != outside.shape[0]:
            raise ValueError(f"{name} has {arr.shape[0]} entries, expected one per word "
                             f"({outside.shape[0]})")
    if not 1 <= window <= MAX_WINDOW:
        raise ValueError(f"window must be in 1..{MAX_WINDOW}, got {window}")
    if negative < 0:
        raise ValueError(f"negative must be >= 0, got {negative}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if not (isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0, got {alpha}")
    if not 0 <= min_alpha <= alpha:
        raise ValueError(f"min_alpha must be in 0..alpha ({alpha}), got {min_alpha}")
    if not (isfinite(total_words) and total_words > 0):
        raise ValueError(f"total_words must be a finite number > 0, got {total_words}")


def _check_shapes(center, outside, bint subwords):
    """center and outside: the same shape, or with subwords center has the
    vocabulary's rows and the n-gram rows after them."""
    if center.shape[1] != outside.shape[1] or (
            center.shape[0] < outside.shape[0] if subwords
            else center.shape[0] != outside.shape[0]):
        raise ValueError(f"center and outside must have the same shape"
                         f"{' (center with the n-gram rows after)' if subwords else ''}, "
                         f"got ({center.shape[0]}, {center.shape[1]}) and "
                         f"({outside.shape[0]}, {outside.shape[1]})")
    if outside.shape[0] < 1 or center.shape[1] < 1:
        raise ValueError("center must have at least one row and one column")


def _checked_parts(subwords, Py_ssize_t n_words, Py_ssize_t n_rows):
    """subwords = (part_offsets, part_rows) as int64 (n_words + 1,) and int32 arrays
    whose every word has at least one part, a row of center (n_rows); or None."""
    if subwords is None:
        return None
    try:
        offsets_arg, rows_arg = subwords
    except (TypeError, ValueError):
        raise TypeError("subwords must be a pair (part_offsets, part_rows)") from None
    offsets = np.ascontiguousarray(offsets_arg, dtype=np.int64)
    rows = np.ascontiguousarray(rows_arg, dtype=np.int32)
    if offsets.shape != (n_words + 1,) or rows.ndim != 1:
        raise ValueError(f"part_offsets must have shape ({n_words + 1},) (one more than the "
                         f"words) and part_rows one dimension, got {offsets.shape} and "
                         f"{rows.shape}")
    counts = np.diff(offsets)
    if offsets[0] != 0 or offsets[n_words] != rows.shape[0] or (counts < 1).any():
        raise ValueError("part_offsets must start at 0, end at len(part_rows) and give every "
                         "word at least one part")
    if rows.shape[0] and (rows.min() < 0 or rows.max() >= n_rows):
        raise ValueError(f"part_rows must be rows of center, 0..{n_rows - 1}")
    return offsets, rows


cdef _set_parts(Model *m, parts):
    """Point m at checked parts (the caller keeps them alive), or at none."""
    cdef const int64_t[::1] offsets
    cdef const int32_t[::1] rows
    m.part_offsets = NULL
    m.part_rows = NULL
    if parts is not None:
        offsets, rows = parts
        m.part_offsets = &offsets[0]
        m.part_rows = &rows[0] if rows.shape[0] else NULL


def checked_lock_factors(lock_factors, Py_ssize_t n_words):
    """lock_factors as a C-contiguous float32 (n_words,) array of finite numbers, or None."""
    if lock_factors is None:
        return None
    try:
        arr = np.ascontiguousarray(lock_factors, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError("lock_factors must be numbers, one float per word, got "
                         f"{type(lock_factors).__name__}") from None
    if arr.shape != (n_words,):
        raise ValueError(f"lock_factors has shape {arr.shape}, expected ({n_words},): one "
                         "factor per word of the vocabulary")
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"lock_factors must be finite, got {arr[bad]} at row {bad}; use 0 "
                         "to freeze a row, 1 to train it normally")
    return arr


cdef _set_update_options(Model *m, bint cbow_mean, bint shrink_windows, lock_factors):
    """Set CBOW's mean-or-sum, the window shrink and the lock factors (checked by
    checked_lock_factors; the caller keeps the array alive)."""
    cdef const float[::1] lock
    m.cbow_mean = cbow_mean
    m.shrink_windows = shrink_windows
    m.lock_factors = NULL
    if lock_factors is not None:
        lock = lock_factors
        m.lock_factors = &lock[0]


def _check_chunk(tokens, starts, uint32_t vocab_size):
    """Refuse a chunk whose sentences or ids would take the loop out of its buffers."""
    if starts.shape[0] < 1 or starts[0] != 0 \
            or starts[starts.shape[0] - 1] != tokens.shape[0]:
        raise ValueError("sentence_starts must run from 0 to len(token_ids)")
    lengths = np.diff(starts)
    if lengths.shape[0] and (lengths.min() < 0 or lengths.max() > MAX_SENTENCE):
        raise ValueError(f"sentence_starts must be non-decreasing with sentences of at most "
                         f"MAX_SENTENCE_LENGTH ({MAX_SENTENCE}) tokens")
    if tokens.shape[0] and tokens.max() >= vocab_size:
        raise ValueError(f"token_ids holds id {tokens.max()}, outside the vocabulary "
                         f"(0..{vocab_size - 1})")


# ---------------------------------------------------------------- samplers

def build_alias_table(const double[::1] weights):
    """Vose's alias table for sampling index i with probability weights[i] / sum.

    Returns (prob float64, alias int32), O(n) time and memory. A draw picks a
    column uniformly, keeps it with probability prob[col], else takes alias[col].
    """
    cdef Py_ssize_t n = weights.shape[0], i, n_small = 0, n_large = 0
    cdef int32_t small_i, large_i
    cdef double total = 0.0
    if n == 0:
        raise ValueError("weights must not be empty")
    for i in range(n):
        if not weights[i] >= 0.0:
            raise ValueError("weights must be finite and non-negative")
        total += weights[i]
    if not 0.0 < total < float("inf"):
        raise ValueError("weights must have a positive, finite sum")
    prob_arr = np.empty(n, dtype=np.float64)
    alias_arr = np.arange(n, dtype=np.int32)
    stack_arr = np.empty(n, dtype=np.int32)
    cdef double[::1] prob = prob_arr
    cdef int32_t[::1] alias = alias_arr
    cdef int32_t[::1] stack = stack_arr   # small from the front, large from the back
    with nogil:
        for i in range(n):
            prob[i] = weights[i] * n / total
            if prob[i] < 1.0:
                stack[n_small] = <int32_t>i
                n_small += 1
            else:
                stack[n - 1 - n_large] = <int32_t>i
                n_large += 1
        while n_small > 0 and n_large > 0:
            n_small -= 1
            small_i = stack[n_small]
            large_i = stack[n - n_large]
            alias[small_i] = large_i
            prob[large_i] -= 1.0 - prob[small_i]
            if prob[large_i] < 1.0:
                n_large -= 1
                stack[n_small] = large_i
                n_small += 1
        # Leftovers are 1 up to rounding.
        for i in range(n_small):
            prob[stack[i]] = 1.0
        for i in range(n_large):
            prob[stack[n - 1 - i]] = 1.0
    return prob_arr, alias_arr


def _noise_columns(alias_prob, alias_index):
    """The alias table as _draw_noise reads it: a uint32 (n, 2) array of NoiseColumns.

    The coin keeps column c when its 32 bits r satisfy r / 2^32 < prob[c], that is
    r < ceil(prob[c] 2^32), so the draws are those of the float64 rule exactly
    (reference.SplitMix64.noise). A column kept with certainty (that bound 2^32)
    keeps below 2^32 - 1 and is its own alias, so r = 2^32 - 1 draws it too."""
    prob = np.nan_to_num(np.asarray(alias_prob, dtype=np.float64), nan=0.0)
    bound = np.ceil(np.clip(prob, 0.0, 1.0) * 4294967296.0)
    certain = bound >= 4294967296.0
    columns = np.empty((prob.shape[0], 2), dtype=np.uint32)
    columns[:, 0] = np.where(certain, 4294967295.0, bound).astype(np.uint32)
    columns[:, 1] = np.where(certain, np.arange(prob.shape[0]),
                             np.asarray(alias_index)).astype(np.int32).view(np.uint32)
    return columns


def draw_noise(const double[::1] alias_prob, const int32_t[::1] alias_index,
               Py_ssize_t n, uint64_t seed):
    """n draws from the alias table with the trainer's sampler (for tests)."""
    out_arr = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] out = out_arr
    cdef uint64_t rng = seed
    cdef Py_ssize_t i
    cdef uint32_t size = <uint32_t>alias_prob.shape[0]
    cdef uint32_t[:, ::1] noise = _noise_columns(alias_prob, alias_index)
    with nogil:
        for i in range(n):
            out[i] = _draw_noise(&rng, <const NoiseColumn *> &noise[0, 0], size)
    return out_arr


def subsample(const uint32_t[::1] tokens, const double[::1] keep_prob, uint64_t seed):
    """Boolean keep-mask for tokens, drawn exactly as the trainer draws it (for tests)."""
    keep_arr = np.ones(tokens.shape[0], dtype=np.bool_)
    cdef unsigned char[::1] keep = keep_arr.view(np.uint8)
    cdef uint64_t rng = seed
    cdef Py_ssize_t i
    cdef uint32_t w
    with nogil:
        for i in range(tokens.shape[0]):
            w = tokens[i]
            if keep_prob[w] < 1.0 and keep_prob[w] < _uniform(&rng):
                keep[i] = 0
    return keep_arr


def sigmoid_lookup(const float[::1] x, bint exact=False, bint log_sigmoid=False):
    """sigma(x) (or log sigma(x)) as the trainer computes it, table or exact (for tests)."""
    out_arr = np.empty(x.shape[0], dtype=np.float64)
    cdef double[::1] out = out_arr
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = _log_sigmoid(x[i], exact) if log_sigmoid else _sigmoid(x[i], exact)
    return out_arr


# ---------------------------------------------------------------- single-step entry points

def _check_rows(name, idx, Py_ssize_t n):
    if idx < 0 or idx >= n:
        raise IndexError(f"{name}={idx} is outside 0..{n - 1}")


def _targets(center_vectors, outside_vectors, name, int positive, negatives):
    """Checked int32 targets laid out as the trainer does: the positive word,
    then each negative, -1 where a negative equals the positive (skipped)."""
    if center_vectors.shape[0] != outside_vectors.shape[0] or \
            center_vectors.shape[1] != outside_vectors.shape[1]:
        raise ValueError("center_vectors and outside_vectors must have the same shape")
    n = outside_vectors.shape[0]
    _check_rows(name, positive, n)
    negatives = [] if negatives is None else np.asarray(negatives).ravel().tolist()
    for k, w in enumerate(negatives):
        _check_rows(f"negatives[{k}]", w, n)
    targets = np.array([positive, *negatives], dtype=np.int32)
    targets[1:][targets[1:] == positive] = -1
    return targets


def _check_huffman(huffman, Py_ssize_t n_words):
    """build_huffman's arrays for n_words words, checked so that no path leaves its matrix."""
    try:
        starts, path, codes = huffman
    except (TypeError, ValueError):
        raise TypeError("huffman must be the (path_starts, path_nodes, path_codes) arrays "
                        "that build_huffman returns") from None
    for name, arr, dtype in (("path_starts", starts, np.int64), ("path_nodes", path, np.int32),
                             ("path_codes", codes, np.uint8)):
        if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != 1:
            raise TypeError(f"huffman's {name} must be a 1-D {np.dtype(dtype)} array, as "
                            "build_huffman returns")
    if starts.shape[0] != n_words + 1 or starts[0] != 0 or (np.diff(starts) < 1).any() \
            or starts[n_words] != path.shape[0] or path.shape[0] != codes.shape[0]:
        raise ValueError(f"huffman does not describe {n_words} words' paths; build it with "
                         "build_huffman(counts) for this vocabulary")
    if path.min() < 0 or path.max() > n_words - 2 or codes.max() > 1:
        raise ValueError(f"huffman's paths must hold node ids in 0..{n_words - 2} and codes "
                         "0 or 1; build it with build_huffman(counts)")


cdef _set_output_layers(Model *m, node_vectors, huffman, bint softmax):
    """Point m at hierarchical softmax's node rows and tree (both or neither) and set
    the full-softmax flag; m.vocab_size and m.dim must be set, huffman checked. The
    caller keeps the arrays alive."""
    cdef float[:, ::1] nodes
    cdef const int64_t[::1] starts
    cdef const int32_t[::1] path
    cdef const uint8_t[::1] codes
    if (node_vectors is None) != (huffman is None):
        raise ValueError("node_vectors and huffman go together: give both for hierarchical "
                         "softmax, or neither")
    m.softmax = softmax
    m.hs = node_vectors is not None
    m.nodes = NULL
    m.path_starts = NULL
    m.path_nodes = NULL
    m.path_codes = NULL
    m.max_path = 0
    m.hot_first = <int32_t>(m.vocab_size - 1)
    m.n_hot = 0
    if not m.hs:
        return
    nodes = node_vectors
    starts, path, codes = huffman
    if nodes.shape[0] != m.vocab_size - 1 or nodes.shape[1] != m.dim:
        raise ValueError(f"node_vectors has shape ({nodes.shape[0]}, {nodes.shape[1]}), "
                         f"expected ({m.vocab_size - 1}, {m.dim}): one row per inner node")
    m.nodes = &nodes[0, 0]
    m.path_starts = &starts[0]
    m.path_nodes = &path[0]
    m.path_codes = &codes[0]
    m.max_path = int(np.diff(huffman[0]).max())


cdef _single_step_model(Model *m, float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                        Kernel kernel, int negative, bint exact, node_vectors, huffman,
                        bint softmax, lock_factors=None, bint cbow_mean=True):
    """A Model holding what one prediction reads: matrices, output layers, CBOW's
    mean-or-sum and the lock factors (checked; the caller keeps them alive)."""
    memset(m, 0, sizeof(Model))
    m.batch_windows = 1
    _set_update_options(m, cbow_mean, True, lock_factors)
    m.center = &center_vectors[0, 0]
    m.outside = &outside_vectors[0, 0]
    m.dim = center_vectors.shape[1]
    m.vocab_size = <uint32_t>outside_vectors.shape[0]
    m.kernel = kernel
    m.negative = negative
    m.exact = exact
    if softmax and negative > 0:
        raise ValueError("softmax=True is an output layer of its own: pass negatives=None")
    if negative == 0 and huffman is None and not softmax and kernel != KERNEL_BATCH:
        raise ValueError("no output layer: give negatives, node_vectors and huffman, "
                         "or softmax=True")
    if huffman is not None:
        _check_huffman(huffman, outside_vectors.shape[0])
    _set_output_layers(m, node_vectors, huffman, softmax)


cdef _new_scratch(Scratch *s, const Model *m, int max_context):
    memset(s, 0, sizeof(Scratch))
    if _scratch_init(s, m, max_context) != 0:
        _scratch_free(s)
        raise MemoryError("pyw2v: could not allocate the step's scratch buffers")


def _context_ids(const int32_t[::1] context, Py_ssize_t n_words):
    if context.shape[0] == 0:
        raise ValueError("context must not be empty")
    for k in range(context.shape[0]):
        _check_rows("context", context[k], n_words)


def skipgram_pair_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                         int center, int outside, negatives, double alpha, bint exact=True,
                         *, node_vectors=None, huffman=None, bint softmax=False,
                         lock_factors=None) -> float:
    """Apply the trainer's update for one (center, outside) pair in place; return its loss.

    Output layers as in training: negative sampling with `negatives` (None or
    empty turns it off; negatives equal to `outside` are skipped), hierarchical
    softmax with node_vectors ((n_words - 1, dim) float32) and huffman
    (build_huffman's arrays), the full softmax over outside_vectors with softmax=True.
    lock_factors (float32 (n_words,), None: all 1) scales the center row's move.
    """
    cdef Model m
    cdef Scratch s
    cdef double loss
    cdef int32_t[::1] targets = _targets(center_vectors, outside_vectors, "outside", outside,
                                         negatives)
    _check_rows("center", center, center_vectors.shape[0])
    lock_factors = checked_lock_factors(lock_factors, center_vectors.shape[0])
    _single_step_model(&m, center_vectors, outside_vectors, KERNEL_PAIR, targets.shape[0] - 1,
                       exact, node_vectors, huffman, softmax, lock_factors)
    _new_scratch(&s, &m, 1)
    loss = _pair_step(&m, &s, &center_vectors[center, 0], &targets[0], alpha,
                      1.0 if lock_factors is None else lock_factors[center], m.dim)
    _scratch_free(&s)
    return loss


def skipgram_window_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                           int center, const int32_t[::1] outsides,
                           const int32_t[:, ::1] negatives, double alpha, bint exact=True, *,
                           subwords=None) -> float:
    """Apply the pair kernel's update for one center's window in place; return its
    loss (summed over its len(outsides) pairs). Pair i predicts outsides[i] against
    negatives[i] (K int32 draws; those equal to outsides[i] are skipped). Without
    subwords: the pairs' skipgram_pair_update steps in turn. With subwords
    ((part_offsets, part_rows), as for Trainer; center_vectors then holds the
    n-gram rows after the words' rows): one step for the window, the center's
    input composed once and its parts moved once (reference.subword_window_step,
    docs/math.md §16).
    """
    cdef Model m
    cdef Scratch s
    cdef double loss = 0.0
    cdef int i, n_pairs = outsides.shape[0], k1 = negatives.shape[1] + 1
    if n_pairs < 1 or negatives.shape[0] != n_pairs or negatives.shape[1] < 1:
        raise ValueError(f"outsides must not be empty and negatives must have shape "
                         f"(len(outsides), K) with K >= 1; got {n_pairs} outsides and "
                         f"negatives of shape ({negatives.shape[0]}, {negatives.shape[1]})")
    _check_shapes(center_vectors, outside_vectors, subwords is not None)
    n_words = outside_vectors.shape[0]
    _check_rows("center", center, n_words)
    targets = np.empty((n_pairs, k1), dtype=np.int32)
    for i in range(n_pairs):     # (_targets' shape check is _check_shapes' above: U twice)
        targets[i] = _targets(outside_vectors, outside_vectors, f"outsides[{i}]", outsides[i],
                              np.asarray(negatives[i]))
    cdef int32_t[:, ::1] target_ids = targets
    parts = _checked_parts(subwords, n_words, center_vectors.shape[0])
    _single_step_model(&m, center_vectors, outside_vectors, KERNEL_PAIR, k1 - 1, exact,
                       None, None, False)
    _set_parts(&m, parts)
    _new_scratch(&s, &m, n_pairs)
    if parts is None:
        for i in range(n_pairs):
            loss += _pair_step(&m, &s, &center_vectors[center, 0], &target_ids[i, 0], alpha,
                               1.0, m.dim)
    else:
        loss = _subword_center_step(&m, &s, center, &target_ids[0, 0], n_pairs, alpha, m.dim)
    _scratch_free(&s)
    return loss


def cbow_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                const int32_t[::1] context, int center, negatives, double alpha,
                bint exact=True, *, node_vectors=None, huffman=None,
                bint softmax=False, bint cbow_mean=True, lock_factors=None) -> float:
    """Apply the trainer's CBOW update for one window in place; return its loss.

    Output layers and lock_factors as for skipgram_pair_update; the context mean
    (the sum with cbow_mean=False) predicts `center`.
    """
    cdef Model m
    cdef Scratch s
    cdef double loss
    cdef int32_t[::1] targets = _targets(center_vectors, outside_vectors, "center", center,
                                         negatives)
    _context_ids(context, center_vectors.shape[0])
    lock_factors = checked_lock_factors(lock_factors, center_vectors.shape[0])
    _single_step_model(&m, center_vectors, outside_vectors, KERNEL_WINDOW, targets.shape[0] - 1,
                       exact, node_vectors, huffman, softmax, lock_factors, cbow_mean)
    _new_scratch(&s, &m, context.shape[0])
    loss = _cbow_step(&m, &s, &context[0], context.shape[0], &targets[0], alpha, m.dim)
    _scratch_free(&s)
    return loss


def cbow_batch_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                      contexts, centers, const int32_t[::1] negatives, double alpha,
                      bint exact=True, *, bint cbow_mean=True, lock_factors=None,
                      subwords=None) -> float:
    """Apply CBOW's batch kernel's update for one block in place; return its loss
    (summed over its windows). Window c's context ids contexts[c] (not empty)
    predict centers[c]; the windows share the K negatives (one skipped for a
    window whose center it equals). cbow_mean and lock_factors as for cbow_update.
    subwords: (part_offsets, part_rows), as for Trainer (then center_vectors holds
    the n-gram rows after the words' rows; no lock factors).
    """
    cdef Model m
    cdef Scratch s
    cdef CbowBlock *b
    cdef double loss
    cdef int c, j, count = len(centers), stride
    cdef const int32_t[::1] ids
    if len(contexts) != count or not 1 <= count <= MAX_BATCH_WINDOWS:
        raise ValueError(f"contexts and centers must have the same length, in 1.."
                         f"{MAX_BATCH_WINDOWS}; got {len(contexts)} and {count}")
    if negatives.shape[0] < 1:
        raise ValueError("negatives must not be empty: the batch kernel is negative sampling")
    windows = [np.ascontiguousarray(ctx, dtype=np.int32).ravel() for ctx in contexts]
    _check_shapes(center_vectors, outside_vectors, subwords is not None)
    for c in range(count):
        _check_rows(f"centers[{c}]", centers[c], outside_vectors.shape[0])
        _context_ids(windows[c], outside_vectors.shape[0])
    for k in range(negatives.shape[0]):
        _check_rows(f"negatives[{k}]", negatives[k], outside_vectors.shape[0])
    lock_factors = checked_lock_factors(lock_factors, outside_vectors.shape[0])
    parts = _checked_parts(subwords, outside_vectors.shape[0], center_vectors.shape[0])
    if parts is not None and lock_factors is not None:
        raise ValueError("subwords train without lock factors")
    _single_step_model(&m, center_vectors, outside_vectors, KERNEL_CBOW_BATCH,
                       negatives.shape[0], exact, None, None, False, lock_factors, cbow_mean)
    _set_parts(&m, parts)
    m.batch_windows = count
    stride = max(len(w) for w in windows)
    _new_scratch(&s, &m, stride)
    b = &s.cbow_blocks[0]
    b.count = count
    b.alpha = alpha
    for c in range(count):
        ids = windows[c]
        b.centers[c] = centers[c]
        b.n_context[c] = ids.shape[0]
        for j in range(ids.shape[0]):
            b.context[c * stride + j] = ids[j]
    for c in range(negatives.shape[0]):
        b.negatives[c] = negatives[c]
    loss = _cbow_batch_step(&m, &s, b, m.dim)
    _scratch_free(&s)
    return loss


def skipgram_batch_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                          const int32_t[::1] context, int center, negatives, double alpha,
                          bint exact=True, *, node_vectors=None, huffman=None,
                          lock_factors=None) -> float:
    """Apply the batch kernel's update for one window in place; return its loss
    (summed over the len(context) predictions). Output layers: negative sampling
    with `negatives` (int32, the K draws the window shares; None or empty with
    hierarchical softmax turns it off), hierarchical softmax with node_vectors and
    huffman (each context row walks the center's path). lock_factors as for
    skipgram_pair_update, for each context row."""
    _context_ids(context, center_vectors.shape[0])
    kept = np.append(np.asarray(context), np.int32(center)).astype(np.int32)
    spans = np.array([[0, kept.shape[0]]], dtype=np.int32)
    return skipgram_block_update(center_vectors, outside_vectors, kept, kept.shape[0] - 1,
                                 spans, negatives, alpha, exact, node_vectors=node_vectors,
                                 huffman=huffman, lock_factors=lock_factors)


def skipgram_block_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                          const int32_t[::1] kept, int first, const int32_t[:, ::1] spans,
                          negatives, double alpha, bint exact=True, *, node_vectors=None,
                          huffman=None, lock_factors=None, subwords=None) -> float:
    """Apply the batch kernel's update for one block in place; return its loss
    (summed over its pairs). kept: a sentence's word ids; the block's centers
    are kept[first + c] for c < len(spans), center c's window being positions
    spans[c, 0] <= j < spans[c, 1] (j != first + c); negatives: the K draws
    the block shares (int32; None or empty turns negative sampling off when
    hierarchical softmax is on). Hierarchical softmax (node_vectors, huffman, as
    for skipgram_pair_update) takes a block of one window. lock_factors as for
    skipgram_pair_update. subwords: (part_offsets, part_rows), as for Trainer (then
    center_vectors holds the n-gram rows after the words' rows)."""
    cdef Model m
    cdef Scratch s
    cdef Block *b
    cdef double loss
    cdef int c, count = spans.shape[0], n = kept.shape[0]
    cdef const int32_t[::1] draws = _block_negatives(negatives, huffman is not None)
    _check_block(center_vectors, outside_vectors, kept, first, spans, draws, subwords is not None)
    if huffman is not None and count != 1:
        raise ValueError(f"hierarchical softmax takes one window per block (each window "
                         f"walks its center's path), got {count} spans")
    lock_factors = checked_lock_factors(lock_factors, outside_vectors.shape[0])
    parts = _checked_parts(subwords, outside_vectors.shape[0], center_vectors.shape[0])
    if parts is not None and (huffman is not None or lock_factors is not None):
        raise ValueError("subwords train with negative sampling alone, without lock factors")
    _single_step_model(&m, center_vectors, outside_vectors, KERNEL_BATCH, draws.shape[0],
                       exact, node_vectors, huffman, False, lock_factors)
    _set_parts(&m, parts)
    m.batch_windows = count
    _new_scratch(&s, &m, n)
    b = &s.blocks[0]
    b.first = first
    b.count = count
    for c in range(count):
        b.lo[c] = spans[c, 0]
        b.hi[c] = spans[c, 1]
    for c in range(draws.shape[0]):
        b.negatives[c] = draws[c]
    cdef uint32_t[::1] words = np.asarray(kept).astype(np.uint32)
    if _fill_block(&m, b, &words[0], m.dim) == 0:
        _scratch_free(&s)
        raise ValueError("the block has no (center, context) pair: give windows that hold "
                         "a position besides their center")
    if m.hs:
        loss = _hs_batch_step(&m, &s, b, &words[0], alpha, m.dim)
    else:
        loss = _batch_step(&m, &s, b, &words[0], alpha, m.dim)
    _scratch_free(&s)
    return loss


def _block_negatives(negatives, bint hs):
    """A batch step's negatives as int32: None is none, allowed with hierarchical softmax."""
    if negatives is None:
        if not hs:
            raise ValueError("no output layer: give negatives, or node_vectors and huffman "
                             "for hierarchical softmax")
        return np.zeros(0, dtype=np.int32)
    arr = np.asarray(negatives)
    if arr.ndim != 1 or (arr.size and arr.dtype != np.int32):
        raise TypeError(f"negatives must be a 1-D int32 array (or None with hierarchical "
                        f"softmax), got {arr.dtype} of shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int32)


def _check_block(center_vectors, outside_vectors, kept, int first, spans, negatives,
                 bint subwords=False):
    """skipgram_block_update's arguments, checked so that no index leaves its array."""
    _check_shapes(center_vectors, outside_vectors, subwords)
    cdef Py_ssize_t n_words = outside_vectors.shape[0], n = kept.shape[0]
    for j in range(n):
        _check_rows("kept", kept[j], n_words)
    for k in range(negatives.shape[0]):
        _check_rows(f"negatives[{k}]", negatives[k], n_words)
    if spans.shape[0] < 1 or spans.shape[1] != 2 or spans.shape[0] > MAX_BATCH_WINDOWS:
        raise ValueError(f"spans must have shape (count, 2) with 1 <= count <= "
                         f"{MAX_BATCH_WINDOWS}, got {tuple(spans.shape)}")
    if not 0 <= first or first + spans.shape[0] > n:
        raise ValueError(f"centers first={first}..{first + spans.shape[0] - 1} must lie in "
                         f"kept (length {n})")
    for c in range(spans.shape[0]):
        if not 0 <= spans[c, 0] <= first + c < spans[c, 1] <= n:
            raise ValueError(f"spans[{c}] = ({spans[c, 0]}, {spans[c, 1]}) must hold center "
                             f"position {first + c} and lie in 0..{n}")
