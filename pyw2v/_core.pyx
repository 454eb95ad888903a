# cython: language_level=3, cdivision=True
"""Compiled word2vec kernels: skip-gram and CBOW with negative sampling,
hierarchical softmax or the full softmax.

Shape of the code
-----------------
* `train_chunk` trains on one encoded chunk (token ids + sentence starts). The
  chunk's sentences are split into one contiguous range per thread; each thread
  runs `_train_range` inside an OpenMP `prange`, without the GIL, updating the
  shared matrices V (center_vectors) and U (outside_vectors) with no locks
  (Hogwild).
* Per thread: a splitmix64 RNG state, scratch buffers, and a padded slot (one
  cache line) in the shared `words_done`, `stats` and `rng_states` arrays, so
  threads never write the same line. Python reads those arrays while the loop
  runs to draw progress, and sets `stop[0]` to interrupt.
* Each prediction (a skip-gram pair or a CBOW window) is one simultaneous SGD
  step, as ../shared/MATH.md defines it: all K+1 scores are computed from the
  vectors before the step, so a negative drawn twice gets twice the update.
  The skip-gram batch kernel (`_batch_step`) makes one simultaneous step per
  window instead: every context row predicts the center against one shared set
  of negatives (word2vec.c's orientation), as small dense matrix products.
* Output layers (`_predict`, section "hierarchical and full softmax"): negative
  sampling (U), hierarchical softmax (the inner-node rows of a Huffman tree, a
  matrix of their own) or both on the same input, as word2vec.c's -hs 1
  -negative K; or the full softmax over every row of U. The pair kernel's
  center row predicts the outside word (MATH.md's orientation) with any of
  them; CBOW's context mean predicts the center word.

Order of random draws (pyw2v.reference.train_reference replays it exactly)
----------------------------------------------------------------------------
For each sentence: one uniform per token whose keep-probability is < 1, in token
order (subsampling). Then for each kept position: one draw for the window
shrink, followed by K negative draws per prediction (skip-gram pair kernel: per
context position, left to right; CBOW and the skip-gram batch kernel: once per
window with a non-empty context). A negative equal to the positive word is
skipped, as in word2vec.c. Hierarchical and full softmax draw nothing, so
with negative = 0 only the subsampling and window draws remain.
"""
import numpy as np

cimport cython
from cython.parallel cimport prange
from libc.math cimport exp, log, log1p
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

cdef extern from "_kernels.h" nogil:
    int pyw2v_openmp_enabled()
    float pyw2v_dot(const float *a, const float *b, int n)
    void pyw2v_axpy(float a, const float *x, float *y, int n)
    void pyw2v_zero(float *y, int n)
    void pyw2v_scale(float a, float *y, int n)
    uint64_t pyw2v_next(uint64_t *state)
    void pyw2v_prefetch_row(const float *row, int n)
    int pyw2v_padded(int dim)
    void pyw2v_gather(const float *matrix, const int32_t *ids, int n, int dim, int dimp,
                      float *out)
    void pyw2v_scores(const float *A, int m, const float *B, int n, int dimp, float *S)
    void pyw2v_update_rows(float *matrix, const int32_t *ids, int nr, const float *G,
                           int g_row, int g_col, const float *X, int nx, int dim, int dimp)

cdef enum:
    PAD = 8                 # per-thread slots are 64 bytes apart: no false sharing
    SIGMOID_BINS = 1000
    MAX_SENTENCE = 10000    # the encoder splits longer sentences into segments
    PUBLISH_EVERY = 10000   # words between progress publications / alpha refreshes
    STAT_LOSS = 0           # slots of a thread's `stats` row
    STAT_PREDICTIONS = 1
    STAT_ALPHA = 2
    MODE_PAIR = 0           # skip-gram, one update per (center, outside) pair
    MODE_CBOW = 1
    MODE_BATCH = 2          # skip-gram, one update per window, shared negatives

cdef double MAX_EXP = 6.0

PADDING = PAD
MAX_SENTENCE_LENGTH = MAX_SENTENCE
PUBLISH_INTERVAL = PUBLISH_EVERY
SIGMOID_TABLE_BINS = SIGMOID_BINS
SIGMOID_MAX_EXP = MAX_EXP
STATS_LOSS = STAT_LOSS
STATS_PREDICTIONS = STAT_PREDICTIONS
STATS_ALPHA = STAT_ALPHA
MODES = {"pair": MODE_PAIR, "cbow": MODE_CBOW, "batch": MODE_BATCH}

cdef float SIGMOID_TABLE[SIGMOID_BINS]
cdef float LOG_SIGMOID_TABLE[SIGMOID_BINS]


cdef void _fill_tables() noexcept:
    # Each bin stores the value at its centre, halving the worst-case error of
    # word2vec.c's left-edge table.
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


# ---------------------------------------------------------------- primitives

cdef inline double _uniform(uint64_t *rng) noexcept nogil:
    """Uniform double in [0, 1) from the top 53 bits."""
    return (pyw2v_next(rng) >> 11) * (1.0 / 9007199254740992.0)


cdef inline uint32_t _below(uint64_t r, uint32_t n) noexcept nogil:
    """Map the top 32 bits of r onto 0..n-1 (multiply-shift, no division)."""
    return <uint32_t>(((r >> 32) * <uint64_t>n) >> 32)


cdef inline int32_t _draw_noise(uint64_t *rng, const double *alias_prob,
                                const int32_t *alias_index, uint32_t n) noexcept nogil:
    """One O(1) draw from the alias table: top bits pick a column, low bits flip its coin."""
    cdef uint64_t r = pyw2v_next(rng)
    cdef uint32_t col = _below(r, n)
    cdef double coin = <uint32_t>r * (1.0 / 4294967296.0)
    if coin < alias_prob[col]:
        return <int32_t>col
    return alias_index[col]


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


cdef inline void _draw_targets(uint64_t *rng, int32_t positive, int32_t *targets,
                               int negative, const double *alias_prob,
                               const int32_t *alias_index, uint32_t vocab_size,
                               const float *outside, int dim) noexcept nogil:
    """targets[0] = positive, targets[1..K] = negatives (-1 where a draw hit the positive).

    Each row is prefetched as it is drawn: the caller draws one prediction
    ahead, so the loads overlap the previous prediction's arithmetic.
    """
    cdef int k
    cdef int32_t w
    targets[0] = positive
    pyw2v_prefetch_row(outside + <int64_t>positive * dim, dim)
    for k in range(1, negative + 1):
        w = _draw_noise(rng, alias_prob, alias_index, vocab_size)
        targets[k] = -1 if w == positive else w
        pyw2v_prefetch_row(outside + <int64_t>w * dim, dim)


cdef double _output_step(const float *x, float *outside, const int32_t *targets,
                         int n_targets, double alpha, float *neu1e, float *coef,
                         int dim, bint exact) noexcept nogil:
    """One negative-sampling step on the output side for input vector x.

    Fills neu1e with -alpha * dJ/dx (to be added to the input rows by the
    caller), adds -alpha * dJ/du to each target row, and returns the loss J.
    All scores are taken before any row moves, so the step is simultaneous.
    """
    cdef int k
    cdef int32_t t
    cdef float f
    cdef double label, loss = 0.0
    cdef float *row
    pyw2v_zero(neu1e, dim)
    for k in range(n_targets):
        t = targets[k]
        if t < 0:
            continue
        row = outside + <int64_t>t * dim
        f = pyw2v_dot(x, row, dim)
        if k == 0:
            label = 1.0
            loss -= _log_sigmoid(f, exact)
        else:
            label = 0.0
            loss -= _log_sigmoid(-f, exact)
        coef[k] = <float>((label - _sigmoid(f, exact)) * alpha)
        pyw2v_axpy(coef[k], row, neu1e, dim)
    for k in range(n_targets):
        t = targets[k]
        if t >= 0:
            pyw2v_axpy(coef[k], x, outside + <int64_t>t * dim, dim)
    return loss


cdef double _cbow_step(const Shared *s, const int32_t *context, int n_context,
                       const int32_t *targets, double alpha, float *h, float *neu1e,
                       float *coef, float *scores) noexcept nogil:
    """CBOW: h = mean of the context rows predicts targets[0] through every
    output layer that is on (`_predict`).

    Each context row then moves by the full -alpha * dJ/dh (word2vec.c's and
    gensim's convention), i.e. |C| times its true gradient.
    """
    cdef int j, dim = s.dim
    cdef double loss
    pyw2v_zero(h, dim)
    for j in range(n_context):
        pyw2v_axpy(1.0, s.center + <int64_t>context[j] * dim, h, dim)
    pyw2v_scale(<float>(1.0 / n_context), h, dim)
    loss = _predict(s, h, targets, alpha, neu1e, coef, scores)
    for j in range(n_context):
        pyw2v_axpy(1.0, neu1e, s.center + <int64_t>context[j] * dim, dim)
    return loss


cdef struct WindowScratch:
    # The batch kernel's per-thread work space for one window of m <= 2 * window
    # context rows and n <= K + 1 distinct targets; rows padded to dimp floats.
    float *inputs        # m x dimp: gathered context rows of V
    float *outputs       # n x dimp: gathered target rows of U
    float *scores        # m x n: scores, then the scaled gradient coefficients
    int32_t *ids         # n distinct targets: the positive first, then negatives
    float *counts        # how many of the K draws each target stands for


cdef WindowScratch *_window_scratch(int max_context, int max_targets, int dim) noexcept nogil:
    """Allocate one WindowScratch in a single block (NULL on failure); free() it."""
    cdef int dimp = pyw2v_padded(dim)
    cdef size_t floats = <size_t>(max_context + max_targets) * dimp \
        + <size_t>max_context * max_targets + max_targets
    cdef size_t head = (sizeof(WindowScratch) + 63) // 64 * 64
    cdef char *block = <char *> malloc(head + floats * sizeof(float)
                                       + max_targets * sizeof(int32_t))
    cdef WindowScratch *w = <WindowScratch *> block
    if block == NULL:
        return NULL
    w.inputs = <float *> (block + head)
    w.outputs = w.inputs + <size_t>max_context * dimp
    w.scores = w.outputs + <size_t>max_targets * dimp
    w.counts = w.scores + <size_t>max_context * max_targets
    w.ids = <int32_t *> (w.counts + max_targets)
    return w


cdef double _batch_step(float *center, float *outside, const int32_t *context,
                        int m, const int32_t *targets, int n_targets, double alpha,
                        WindowScratch *w, int dim, bint exact) noexcept nogil:
    """Skip-gram over one window with one set of negatives shared by the window.

    As in word2vec.c, each of the m context rows is an input predicting the
    center word (targets[0]) against the shared negatives. The rows are
    gathered into small dense matrices (inputs: m x dim, outputs: n x dim, a
    negative drawn c times kept once with count c), so the step is three small
    matrix products: scores = inputs outputs^T, V[context] += G outputs and
    U[targets] += G^T inputs, with G the m x n gradient coefficients. All
    products read the gathered copies, so the step is simultaneous.
    """
    cdef int i, k, n = 0, dimp = pyw2v_padded(dim)
    cdef int32_t t
    cdef float f
    cdef double sig, log_sig, loss = 0.0
    cdef float *g
    for k in range(n_targets):
        t = targets[k]
        if t < 0:
            continue
        i = 0
        while i < n and w.ids[i] != t:
            i += 1
        if i == n:
            w.ids[n] = t
            w.counts[n] = 0.0
            n += 1
        w.counts[i] += 1.0
    pyw2v_gather(center, context, m, dim, dimp, w.inputs)
    pyw2v_gather(outside, w.ids, n, dim, dimp, w.outputs)
    pyw2v_scores(w.inputs, m, w.outputs, n, dimp, w.scores)
    for i in range(m):
        g = w.scores + i * n
        f = g[0]
        sig = _sigmoid_terms(f, exact, &log_sig)
        loss -= log_sig
        g[0] = <float>((1.0 - sig) * alpha)
        for k in range(1, n):
            f = g[k]
            sig = _sigmoid_terms(f, exact, &log_sig)
            loss -= w.counts[k] * (log_sig - f)     # log sigma(-f) = log sigma(f) - f
            g[k] = <float>(-w.counts[k] * sig * alpha)
    pyw2v_update_rows(center, context, m, w.scores, n, 1, w.outputs, n, dim, dimp)
    pyw2v_update_rows(outside, w.ids, n, w.scores, 1, n, w.inputs, m, dim, dimp)
    return loss


# ---------------------------------------------------------------- hierarchical and full softmax
#
# Output layers besides negative sampling. Hierarchical softmax walks the
# predicted word's path in a Huffman tree (`build_huffman`): at each inner node
# n_k with branch code b_k the input x makes a binary logistic decision with
# label 1 - b_k (word2vec.c's convention), so J = -sum_k log sigma((1 - 2 b_k) x.n_k).
# The node rows are a matrix of their own, (vocab_size - 1) x dim, so negative
# sampling's U is untouched when both are on. The full softmax scores x against
# every row of U (MATH.md's naive softmax). Neither draws random numbers.

cdef inline void _move_row(float g, const float *x, float *row, float *neu1e,
                           int dim) noexcept nogil:
    """neu1e += g * row, then row += g * x, in one vectorised pass (each entry of
    the row is read before it is written, so neu1e sees the row before the step)."""
    cdef int i
    cdef float r
    for i in range(dim):
        r = row[i]
        neu1e[i] += g * r
        row[i] = r + g * x[i]


cdef inline double _hs_step(const float *x, float *nodes, const int32_t *path,
                            const uint8_t *codes, int length, double alpha, float *neu1e,
                            int dim, bint exact) noexcept nogil:
    """Hierarchical softmax for input x along one word's path (root first).

    Adds -alpha * dJ/dx to neu1e, moves each node row by -alpha * dJ/dn_k and
    returns J. A path visits distinct nodes and x does not move here, so
    updating each row right after its score is still one simultaneous step.
    """
    cdef int k
    cdef float f, g, sign
    cdef float *row
    cdef double loss = 0.0
    for k in range(length):
        pyw2v_prefetch_row(nodes + <int64_t>path[k] * dim, dim)
    for k in range(length):
        row = nodes + <int64_t>path[k] * dim
        f = pyw2v_dot(x, row, dim)
        sign = 1.0 - 2.0 * codes[k]
        loss -= _log_sigmoid(sign * f, exact)
        g = <float>((1.0 - codes[k] - _sigmoid(f, exact)) * alpha)
        _move_row(g, x, row, neu1e, dim)
    return loss


cdef double _softmax_step(const float *x, float *outside, uint32_t n_words, int32_t word,
                          double alpha, float *neu1e, float *scores, int dim) noexcept nogil:
    """Full softmax for input x predicting `word` over all n_words rows of U.

    Adds -alpha * dJ/dx to neu1e, moves every row u_w by -alpha (p_w - y_w) x
    and returns J = -log p_word. Always computed with exp() (no table); the
    scores are shifted by their maximum, so nothing overflows. scores: n_words.
    """
    cdef uint32_t w
    cdef float top
    cdef double total = 0.0, loss
    cdef float g
    for w in range(n_words):
        scores[w] = pyw2v_dot(x, outside + <int64_t>w * dim, dim)
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
        _move_row(g, x, outside + <int64_t>w * dim, neu1e, dim)
    return loss


cdef inline double _predict(const Shared *s, const float *x, const int32_t *targets,
                            double alpha, float *neu1e, float *coef,
                            float *scores) noexcept nogil:
    """Input x predicts targets[0] through every output layer that is on.

    Fills neu1e with -alpha * dJ/dx (the caller adds it to the input rows),
    moves the output rows and returns the summed loss. Each layer reads x and
    rows of its own matrix only, so together they make one simultaneous step.
    """
    cdef double loss = 0.0
    cdef int32_t word = targets[0]
    cdef int64_t start
    if s.negative > 0:
        loss = _output_step(x, s.outside, targets, s.negative + 1, alpha, neu1e, coef,
                            s.dim, s.exact)
    else:
        pyw2v_zero(neu1e, s.dim)
    if s.hs:
        start = s.path_starts[word]
        loss += _hs_step(x, s.nodes, s.path_nodes + start, s.path_codes + start,
                         <int>(s.path_starts[word + 1] - start), alpha, neu1e, s.dim, s.exact)
    if s.softmax:
        loss += _softmax_step(x, s.outside, s.vocab_size, word, alpha, neu1e, scores, s.dim)
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

cdef struct Shared:
    float *center
    float *outside
    int dim
    const uint32_t *tokens
    const int64_t *sentence_starts
    const int64_t *thread_sentences     # n_threads + 1 boundaries into sentences
    const double *keep_prob
    const double *alias_prob
    const int32_t *alias_index
    uint32_t vocab_size
    int window
    int negative
    int mode                             # MODE_PAIR, MODE_CBOW or MODE_BATCH
    bint exact
    double alpha
    double min_alpha
    double total_words
    int n_threads
    int64_t *words_done                  # [thread * PAD]
    double *stats                        # [thread * PAD + STAT_*]
    uint64_t *rng_states                 # [thread * PAD]
    const int64_t *stop
    # Hierarchical / full softmax (negative = 0 turns negative sampling off)
    bint hs
    float *nodes                         # (vocab_size - 1) x dim inner-node rows
    const int64_t *path_starts           # word w's path: [path_starts[w], path_starts[w + 1])
    const int32_t *path_nodes
    const uint8_t *path_codes
    bint softmax


cdef inline int _prepare_window(uint64_t *rng, const Shared *s, const uint32_t *kept, int n,
                                int pos, int32_t *context, int32_t *targets) noexcept nogil:
    """Draw center `pos`'s window shrink and, if its context is not empty, its
    negatives; gather the context ids and prefetch every row the window will
    touch. Returns the number of context words."""
    cdef int win = s.window - <int>_below(pyw2v_next(rng), <uint32_t>s.window)
    cdef int j, n_context = 0
    cdef int lo = pos - win if pos >= win else 0
    cdef int hi = pos + win + 1 if pos + win + 1 <= n else n
    for j in range(lo, hi):
        if j != pos:
            context[n_context] = kept[j]
            pyw2v_prefetch_row(s.center + <int64_t>kept[j] * s.dim, s.dim)
            n_context += 1
    if n_context > 0:
        _draw_targets(rng, kept[pos], targets, s.negative, s.alias_prob, s.alias_index,
                      s.vocab_size, s.outside, s.dim)
    return n_context


cdef inline double _learning_rate(const Shared *s) noexcept nogil:
    """Linear decay from alpha to min_alpha over all words of all threads."""
    cdef int64_t done = 0
    cdef int t
    cdef double a
    for t in range(s.n_threads):
        done += s.words_done[t * PAD]
    a = s.alpha - (s.alpha - s.min_alpha) * (done / s.total_words)
    return a if a > s.min_alpha else s.min_alpha


cdef void _train_range(Shared *s, int thread) noexcept nogil:
    cdef int dim = s.dim, K1 = s.negative + 1
    cdef uint32_t *kept = <uint32_t *> malloc(MAX_SENTENCE * sizeof(uint32_t))
    cdef int32_t *context = <int32_t *> malloc(4 * s.window * sizeof(int32_t))
    cdef int32_t *next_context = context + 2 * s.window
    cdef int32_t *context_buffer = context
    cdef int32_t *targets = <int32_t *> malloc(2 * K1 * sizeof(int32_t))
    cdef int32_t *next_targets = targets + K1
    cdef int32_t *swap
    cdef int32_t *target_buffer = targets
    cdef float *coef = <float *> malloc(K1 * sizeof(float))
    cdef float *neu1e = <float *> malloc(dim * sizeof(float))
    cdef float *h = <float *> malloc(dim * sizeof(float))
    cdef float *scores = <float *> malloc((s.vocab_size if s.softmax else 1) * sizeof(float))
    cdef WindowScratch *window_scratch = _window_scratch(2 * s.window, K1, dim)
    cdef uint64_t rng = s.rng_states[thread * PAD]
    cdef int64_t sentence, i, unpublished = 0
    cdef int n, pos, j, next_j, lo, hi, win, n_context, n_next
    cdef uint32_t w
    cdef double alpha = _learning_rate(s), loss = 0.0, predictions = 0.0
    cdef float *vc

    if kept == NULL or context == NULL or targets == NULL or coef == NULL \
            or neu1e == NULL or h == NULL or window_scratch == NULL or scores == NULL:
        s.stats[thread * PAD + STAT_ALPHA] = -1.0   # tells Python malloc failed
    else:
        for sentence in range(s.thread_sentences[thread], s.thread_sentences[thread + 1]):
            if s.stop[0]:
                break
            n = 0
            for i in range(s.sentence_starts[sentence], s.sentence_starts[sentence + 1]):
                w = s.tokens[i]
                if s.keep_prob[w] < 1.0 and s.keep_prob[w] < _uniform(&rng):
                    continue
                kept[n] = w
                n += 1
            unpublished += s.sentence_starts[sentence + 1] - s.sentence_starts[sentence]
            if unpublished >= PUBLISH_EVERY:
                s.words_done[thread * PAD] += unpublished
                s.stats[thread * PAD + STAT_LOSS] += loss
                s.stats[thread * PAD + STAT_PREDICTIONS] += predictions
                unpublished = 0
                loss = 0.0
                predictions = 0.0
                alpha = _learning_rate(s)
                s.stats[thread * PAD + STAT_ALPHA] = alpha

            if s.mode == MODE_PAIR:
                for pos in range(n):
                    win = s.window - <int>_below(pyw2v_next(&rng), <uint32_t>s.window)
                    lo = pos - win if pos >= win else 0
                    hi = pos + win + 1 if pos + win + 1 <= n else n
                    vc = s.center + <int64_t>kept[pos] * dim
                    j = lo if lo != pos else lo + 1
                    if j < hi:
                        _draw_targets(&rng, kept[j], targets, s.negative, s.alias_prob,
                                      s.alias_index, s.vocab_size, s.outside, dim)
                    while j < hi:
                        # Draw (and prefetch) the next pair's targets before this
                        # pair's arithmetic; the order of draws is unchanged.
                        next_j = j + 1 if j + 1 != pos else j + 2
                        if next_j < hi:
                            _draw_targets(&rng, kept[next_j], next_targets, s.negative,
                                          s.alias_prob, s.alias_index, s.vocab_size,
                                          s.outside, dim)
                        loss += _predict(s, vc, targets, alpha, neu1e, coef, scores)
                        pyw2v_axpy(1.0, neu1e, vc, dim)
                        predictions += 1.0
                        swap = targets
                        targets = next_targets
                        next_targets = swap
                        j = next_j
            elif n > 0:
                # Window modes draw nothing while computing, so drawing the next
                # window ahead (and prefetching its rows) keeps the draw order.
                n_next = _prepare_window(&rng, s, kept, n, 0, next_context, next_targets)
                for pos in range(n):
                    swap = targets
                    targets = next_targets
                    next_targets = swap
                    swap = context
                    context = next_context
                    next_context = swap
                    n_context = n_next
                    if pos + 1 < n:
                        n_next = _prepare_window(&rng, s, kept, n, pos + 1, next_context,
                                                 next_targets)
                    if n_context == 0:
                        continue
                    if s.mode == MODE_CBOW:
                        loss += _cbow_step(s, context, n_context, targets, alpha, h,
                                           neu1e, coef, scores)
                        predictions += 1.0
                    else:
                        loss += _batch_step(s.center, s.outside, context, n_context,
                                            targets, K1, alpha, window_scratch, dim,
                                            s.exact)
                        predictions += n_context

        s.words_done[thread * PAD] += unpublished
        s.stats[thread * PAD + STAT_LOSS] += loss
        s.stats[thread * PAD + STAT_PREDICTIONS] += predictions
        s.stats[thread * PAD + STAT_ALPHA] = _learning_rate(s)
        s.rng_states[thread * PAD] = rng
    free(kept)
    free(context_buffer)
    free(target_buffer)
    free(coef)
    free(neu1e)
    free(h)
    free(window_scratch)
    free(scores)


def train_chunk(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                const uint32_t[::1] tokens, const int64_t[::1] sentence_starts,
                const int64_t[::1] thread_sentences,
                const double[::1] keep_prob, const double[::1] alias_prob,
                const int32_t[::1] alias_index,
                uint64_t[::1] rng_states, int64_t[::1] words_done, double[::1] stats,
                const int64_t[::1] stop,
                int window, int negative, int mode, bint exact,
                double alpha, double min_alpha, double total_words,
                float[:, ::1] node_vectors=None, huffman=None, bint softmax=False):
    """Train on one chunk with len(thread_sentences) - 1 threads, releasing the GIL.

    Arrays are trusted (pyw2v.model validates them): token ids < vocab size,
    sentences of at most MAX_SENTENCE_LENGTH tokens, per-thread arrays of
    length n_threads * PADDING. Progress accumulates into words_done and stats.
    Output layers: negative sampling when negative > 0; hierarchical softmax
    when node_vectors ((vocab - 1, dim)) and huffman (build_huffman's arrays)
    are given; the full softmax over outside_vectors when softmax is true.
    """
    cdef Shared s
    cdef int t, n_threads = thread_sentences.shape[0] - 1
    s.center = &center_vectors[0, 0]
    s.outside = &outside_vectors[0, 0]
    s.dim = center_vectors.shape[1]
    s.tokens = &tokens[0] if tokens.shape[0] > 0 else NULL
    s.sentence_starts = &sentence_starts[0]
    s.thread_sentences = &thread_sentences[0]
    s.keep_prob = &keep_prob[0]
    s.alias_prob = &alias_prob[0]
    s.alias_index = &alias_index[0]
    s.vocab_size = <uint32_t>alias_prob.shape[0]
    s.window = window
    s.negative = negative
    if mode not in (MODE_PAIR, MODE_CBOW, MODE_BATCH):
        raise ValueError(f"mode must be one of {sorted(MODES.values())}, got {mode}")
    s.mode = mode
    s.exact = exact
    s.alpha = alpha
    s.min_alpha = min_alpha
    s.total_words = total_words
    s.n_threads = n_threads
    s.words_done = &words_done[0]
    s.stats = &stats[0]
    s.rng_states = &rng_states[0]
    s.stop = &stop[0]
    _set_output_layers(&s, node_vectors, huffman, softmax)
    if mode == MODE_BATCH and (s.hs or s.softmax):
        raise ValueError("the batch kernel is negative-sampling only; use the pair kernel "
                         "for hierarchical or full softmax")
    for t in prange(n_threads, nogil=True, schedule="static", chunksize=1,
                    num_threads=n_threads):
        _train_range(&s, t)
    for t in range(n_threads):
        if stats[t * PAD + STAT_ALPHA] < 0:
            raise MemoryError("pyw2v: could not allocate per-thread scratch buffers")


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


def draw_noise(const double[::1] alias_prob, const int32_t[::1] alias_index,
               Py_ssize_t n, uint64_t seed):
    """n draws from the alias table with the trainer's sampler (for tests)."""
    out_arr = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] out = out_arr
    cdef uint64_t rng = seed
    cdef Py_ssize_t i
    cdef uint32_t size = <uint32_t>alias_prob.shape[0]
    with nogil:
        for i in range(n):
            out[i] = _draw_noise(&rng, &alias_prob[0], &alias_index[0], size)
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
            or starts[-1] != path.shape[0] or path.shape[0] != codes.shape[0]:
        raise ValueError(f"huffman does not describe {n_words} words' paths; build it with "
                         "build_huffman(counts) for this vocabulary")
    if path.min() < 0 or path.max() > n_words - 2 or codes.max() > 1:
        raise ValueError(f"huffman's paths must hold node ids in 0..{n_words - 2} and codes "
                         "0 or 1; build it with build_huffman(counts)")


cdef _set_output_layers(Shared *s, node_vectors, huffman, bint softmax):
    """Point s at hierarchical softmax's node rows and tree (both or neither) and set
    the full-softmax flag; s.vocab_size and s.dim must be set. The caller keeps the
    arrays alive."""
    cdef float[:, ::1] nodes
    cdef const int64_t[::1] starts
    cdef const int32_t[::1] path
    cdef const uint8_t[::1] codes
    if (node_vectors is None) != (huffman is None):
        raise ValueError("node_vectors and huffman go together: give both for hierarchical "
                         "softmax, or neither")
    s.softmax = softmax
    s.hs = node_vectors is not None
    s.nodes = NULL
    s.path_starts = NULL
    s.path_nodes = NULL
    s.path_codes = NULL
    if not s.hs:
        return
    nodes = node_vectors
    starts, path, codes = huffman
    if nodes.shape[0] != s.vocab_size - 1 or nodes.shape[1] != s.dim:
        raise ValueError(f"node_vectors has shape ({nodes.shape[0]}, {nodes.shape[1]}), "
                         f"expected ({s.vocab_size - 1}, {s.dim}): one row per inner node")
    if starts.shape[0] != s.vocab_size + 1:
        raise ValueError(f"huffman has paths for {starts.shape[0] - 1} words, expected "
                         f"{s.vocab_size}")
    s.nodes = &nodes[0, 0]
    s.path_starts = &starts[0]
    s.path_nodes = &path[0]
    s.path_codes = &codes[0]


cdef _single_step_layers(Shared *s, float[:, ::1] center_vectors,
                         float[:, ::1] outside_vectors, int negative, bint exact,
                         node_vectors, huffman, bint softmax):
    """A Shared holding what one prediction reads: matrices and output layers."""
    s.center = &center_vectors[0, 0]
    s.outside = &outside_vectors[0, 0]
    s.dim = center_vectors.shape[1]
    s.vocab_size = <uint32_t>outside_vectors.shape[0]
    s.negative = negative
    s.exact = exact
    if softmax and negative > 0:
        raise ValueError("softmax=True is an output layer of its own: pass negatives=None")
    if negative == 0 and huffman is None and not softmax:
        raise ValueError("no output layer: give negatives, node_vectors and huffman, "
                         "or softmax=True")
    if huffman is not None:
        _check_huffman(huffman, outside_vectors.shape[0])
    _set_output_layers(s, node_vectors, huffman, softmax)


def skipgram_pair_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                         int center, int outside, negatives, double alpha, bint exact=True,
                         *, node_vectors=None, huffman=None, bint softmax=False) -> float:
    """Apply the trainer's update for one (center, outside) pair in place; return its loss.

    Output layers as in training: negative sampling with `negatives` (None or
    empty turns it off; negatives equal to `outside` are skipped), hierarchical
    softmax with node_vectors ((n_words - 1, dim) float32) and huffman
    (build_huffman's arrays), the full softmax over outside_vectors with softmax=True.
    """
    cdef Shared s
    cdef int dim = center_vectors.shape[1]
    cdef int32_t[::1] targets = _targets(center_vectors, outside_vectors, "outside", outside,
                                         negatives)
    _check_rows("center", center, center_vectors.shape[0])
    _single_step_layers(&s, center_vectors, outside_vectors, targets.shape[0] - 1, exact,
                        node_vectors, huffman, softmax)
    scratch = np.empty(dim + targets.shape[0] + outside_vectors.shape[0], dtype=np.float32)
    cdef float[::1] scratch_v = scratch
    cdef float *vc = &center_vectors[center, 0]
    cdef double loss = _predict(&s, vc, &targets[0], alpha, &scratch_v[0], &scratch_v[dim],
                                &scratch_v[dim + targets.shape[0]])
    pyw2v_axpy(1.0, &scratch_v[0], vc, dim)
    return loss


def cbow_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                const int32_t[::1] context, int center, negatives, double alpha,
                bint exact=True, *, node_vectors=None, huffman=None,
                bint softmax=False) -> float:
    """Apply the trainer's CBOW update for one window in place; return its loss.

    Output layers as for skipgram_pair_update; the context mean predicts `center`.
    """
    cdef Shared s
    cdef int dim = center_vectors.shape[1]
    cdef int32_t[::1] targets = _targets(center_vectors, outside_vectors, "center", center,
                                         negatives)
    if context.shape[0] == 0:
        raise ValueError("context must not be empty")
    for k in range(context.shape[0]):
        _check_rows("context", context[k], center_vectors.shape[0])
    _single_step_layers(&s, center_vectors, outside_vectors, targets.shape[0] - 1, exact,
                        node_vectors, huffman, softmax)
    scratch = np.empty(2 * dim + targets.shape[0] + outside_vectors.shape[0], dtype=np.float32)
    cdef float[::1] scratch_v = scratch
    return _cbow_step(&s, &context[0], context.shape[0], &targets[0], alpha, &scratch_v[0],
                      &scratch_v[dim], &scratch_v[2 * dim],
                      &scratch_v[2 * dim + targets.shape[0]])


def skipgram_batch_update(float[:, ::1] center_vectors, float[:, ::1] outside_vectors,
                          const int32_t[::1] context, int center,
                          const int32_t[::1] negatives, double alpha,
                          bint exact=True) -> float:
    """Apply the batch kernel's update for one window in place; return its loss
    (summed over the len(context) predictions)."""
    cdef int dim = center_vectors.shape[1]
    cdef int32_t[::1] targets = _targets(center_vectors, outside_vectors, "center", center,
                                         np.asarray(negatives))
    cdef int m = context.shape[0], K1 = targets.shape[0]
    if m == 0:
        raise ValueError("context must not be empty")
    for k in range(m):
        _check_rows("context", context[k], center_vectors.shape[0])
    cdef WindowScratch *w = _window_scratch(m, K1, dim)
    if w == NULL:
        raise MemoryError("could not allocate the window scratch")
    cdef double loss = _batch_step(&center_vectors[0, 0], &outside_vectors[0, 0], &context[0],
                                   m, &targets[0], K1, alpha, w, dim, exact)
    free(w)
    return loss
