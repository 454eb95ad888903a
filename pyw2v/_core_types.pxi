# The compiled core's C-level types: what a training run holds. Included by
# _core_impl.pxi (a .pxd would bind them to one module name, and the core is
# compiled once per instruction-set path). Every step function shares one convention,
#     step(const Model *m, Scratch *s, <input>, const int32_t *targets, double alpha) -> loss
# (the pair step also takes its center row's lock factor)
# where <input> is a vector x (output layers), or the input words (kernel steps: the
# center's row of V for a pair, the context ids for a window), targets[0]
# is the predicted word and targets[1..negative] its negatives (-1: skipped); the
# step moves the rows in place and returns its loss J.


cdef enum Kernel:
    KERNEL_PAIR = 0       # skip-gram: one step per (center, outside) pair
    KERNEL_WINDOW = 1     # CBOW: one step per window, the context mean (or sum) predicts the center
    KERNEL_BATCH = 2      # skip-gram: one step per window, negatives shared by the window


cdef struct Model:
    # What every prediction reads: the matrices, the samplers and the output layers.
    float *center                        # V, vocab_size x dim
    float *outside                       # U, vocab_size x dim
    int dim
    uint32_t vocab_size
    Kernel kernel
    int window
    int negative                         # K; 0 turns negative sampling off
    bint exact                           # sigma with exp() instead of the table
    const double *keep_prob              # subsampling, per word
    const double *alias_prob             # noise distribution's alias table
    const int32_t *alias_index
    bint hs                              # hierarchical softmax over a Huffman tree
    float *nodes                         # (vocab_size - 1) x dim inner-node rows
    const int64_t *path_starts           # word w's path: [path_starts[w], path_starts[w + 1])
    const int32_t *path_nodes
    const uint8_t *path_codes
    bint softmax                         # the full softmax over U
    bint cbow_mean                       # CBOW's h: the context mean (else their sum)
    bint shrink_windows                  # draw each window's shrink (else the full window)
    const float *lock_factors            # per-word scale of V's updates; NULL: all 1
    int batch_windows                    # consecutive windows per batch step (>= 1)


cdef struct ThreadSlot:
    # One thread's published state, one cache line, so threads never share a line.
    # Python reads it (between publications) to draw progress.
    uint64_t rng
    int64_t words_done
    double loss
    double predictions
    double alpha
    char padding[24]


cdef struct Schedule:
    # The learning-rate schedule and the threads' shared state.
    double alpha
    double min_alpha
    double total_words
    int n_threads
    ThreadSlot *slots                    # n_threads of them, 64-byte aligned
    int stop                             # set by Trainer.request_stop()


cdef struct Chunk:
    const uint32_t *tokens
    const int64_t *sentence_starts
    const int64_t *thread_sentences      # n_threads + 1 boundaries into the sentences


cdef struct Scratch:
    # One thread's work space, allocated once per Trainer.
    uint32_t *kept                       # the sentence after subsampling
    int32_t *context                     # this window's context ids, and the next one's
    int32_t *next_context
    int32_t *targets                     # this prediction's targets, and the next one's
    int32_t *next_targets
    float *coef                          # negative sampling's K + 1 coefficients
    float *neu1e                         # -alpha dJ/dx, dim
    float *h                             # CBOW's context mean, dim
    float *scores                        # the full softmax's vocab_size scores
    # The batch kernel's window of m <= 2 * window context rows and n <= K + 1
    # distinct targets, rows padded to a multiple of 8 floats.
    float *batch_inputs                  # m x dimp: gathered context rows of V
    float *batch_outputs                 # n x dimp: gathered target rows of U
    float *batch_scores                  # m x n: scores, then gradient coefficients
    float *batch_counts                  # how many of the K draws each target stands for
    int32_t *batch_ids                   # n distinct targets: the positive first


cdef struct Tally:
    # A thread's counts since its last publication.
    int64_t words
    double loss
    double predictions
    double alpha                         # the learning rate in use
