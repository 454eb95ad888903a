# The compiled core's C-level types: what a training run holds. Included by
# _core.pyx (a .pxd would bind them to one module name, and the core is
# compiled once per instruction-set path). Every step function shares one convention,
#     step(const Model *m, Scratch *s, <input>, const int32_t *targets, double alpha,
#          int dim) -> loss
# (the pair step also takes its center row's lock factor)
# where <input> is a vector x (output layers), or the input words (kernel steps: the
# center's row of V for a pair, the context ids for a window), targets[0]
# is the predicted word and targets[1..negative] its negatives (-1: skipped), and dim
# is m.dim (an argument, so that _train_range can pass it as a constant); the
# step moves the rows in place and returns its loss J.


cdef enum Kernel:
    KERNEL_PAIR = 0       # skip-gram: one step per (center, outside) pair
    KERNEL_WINDOW = 1     # CBOW: one step per window, the context mean (or sum) predicts the center
    KERNEL_BATCH = 2      # skip-gram: one step per window, negatives (or the center's
                          # Huffman path) shared by the window
    KERNEL_CBOW_BATCH = 3 # CBOW: one step per block of windows from different sentences


cdef struct NoiseColumn:
    # One column of the alias table as the sampler reads it: one 8-byte load per draw.
    uint32_t keep_below                  # keep the column if the coin's 32 bits are below
    int32_t alias                        # else draw this word

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
    const NoiseColumn *noise             # noise distribution's alias table (_noise_columns)
    bint hs                              # hierarchical softmax over a Huffman tree
    float *nodes                         # (vocab_size - 1) x dim inner-node rows
    const int64_t *path_starts           # word w's path: [path_starts[w], path_starts[w + 1])
    const int32_t *path_nodes
    const uint8_t *path_codes
    int max_path                         # the longest path (0 without HS)
    # Nodes hot_first.. (the n_hot heaviest, a top subtree: a parent's id is above
    # its children's, so they lead every path) are read and moved through each
    # thread's copy when several threads train (docs/math.md §17); n_hot 0: none.
    int32_t hot_first
    int n_hot
    bint softmax                         # the full softmax over U
    bint cbow_mean                       # CBOW's h: the context mean (else their sum)
    bint shrink_windows                  # draw each window's shrink (else the full window)
    const float *lock_factors            # per-word scale of V's updates; NULL: all 1
    int batch_windows                    # consecutive windows per batch step (>= 1)
    # Subwords (_subword.pxi): word w's input vector is the mean of rows
    # part_rows[part_offsets[w]:part_offsets[w + 1]] of center; NULL: its own row.
    const int64_t *part_offsets
    const int32_t *part_rows


cdef struct ThreadSlot:
    # One thread's published state, one cache line, so threads never share a line.
    # Python reads it (between publications) to draw progress, and between chunks
    # Trainer.thread_states() reads (rng, alpha, unrefreshed).
    uint64_t rng
    int64_t words_done
    double loss
    double predictions
    double alpha                         # the learning rate the thread uses now
    int64_t unrefreshed                  # words counted since alpha's last refresh
    char padding[16]


cdef struct Schedule:
    # The learning-rate schedule and the threads' shared state.
    double alpha
    double min_alpha
    double total_words
    # done = offset + scale * (published words - base) (Trainer.set_schedule);
    # 0, 1, 0 by default: done is the published words.
    double offset
    double scale
    int64_t base
    int n_threads
    ThreadSlot *slots                    # n_threads of them, 64-byte aligned
    int stop                             # set by Trainer.request_stop()
    int hot_lock                         # held while a thread syncs its hot node rows
    int claim_lock                       # held while a thread claims sentences


cdef struct Chunk:
    const uint32_t *tokens
    const int64_t *sentence_starts
    # Thread t's share of the sentences, [claim_next[t], claim_end[t]): what is left
    # of it as threads claim runs under Schedule.claim_lock (_claim_sentences); CBOW's
    # lanes train their thread's whole share and claim nothing.
    int64_t *claim_next
    int64_t *claim_end


cdef struct Block:
    # The skip-gram batch kernel's unit of work: centers first .. first + count - 1
    # of a sentence's kept words (count <= batch_windows), each with its window
    # [lo, hi), and one set of negatives for all of them. Its input rows are the
    # positions inside some center's window, each once, with the centers it is
    # paired with.
    int first
    int count
    int *lo                              # count window starts ...
    int *hi                              # ... and ends (exclusive), in kept positions
    int n_rows
    int32_t *rows                        # the word at each input row's position
    int *positions                       # each input row's position
    uint64_t *row_masks                  # bit c: the row is in center c's window
    int32_t *negatives                   # K draws shared by the block


cdef struct CbowBlock:
    # CBOW's batch kernel's unit of work (_cbow_batch.pxi): up to batch_windows
    # windows, one per lane (sentence), each with a non-empty context, sharing
    # one set of negatives.
    int count
    int stride                           # context ids per window in `context`
    int32_t *centers                     # count predicted words
    int *n_context                       # count context sizes
    int32_t *context                     # window c's ids at c * stride
    int32_t *negatives                   # K draws shared by the block
    double alpha                         # the learning rate when it was drawn


cdef struct Scratch:
    # One thread's work space, allocated once per Trainer.
    uint32_t *kept                       # the sentence after subsampling
    int32_t *context                     # this window's context ids, and the next one's
    int32_t *next_context
    int32_t *targets                     # this prediction's targets, and the next one's
    int32_t *next_targets
    float *coef                          # negative sampling's K + 1 coefficients
    float *neu1e                         # -alpha dJ/dx, dim (padded to a multiple of 8)
    float *h                             # CBOW's context mean, dim (padded)
    float *scores                        # the full softmax's vocab_size scores
    Block blocks[2]                      # the batch kernel's block, and the next one
    # The batch kernel's m input rows and n distinct targets (the block's centers,
    # then its negatives), rows padded to a multiple of 8 floats.
    float *batch_inputs                  # m x dimp: gathered input rows of V
    float *batch_outputs                 # n x dimp: gathered target rows of U
    float *batch_scores                  # m x n: scores, then gradient coefficients
    float *batch_counts                  # how many of the K draws each negative stands for
    int32_t *batch_ids                   # n distinct targets: the centers first
    int *center_columns                  # each center's column among the targets
    float *pair_counts                   # one row's pairs with each center column
    # CBOW's batch kernel: batch_windows lanes, each a kept sentence and its
    # next center; two blocks (this one, the next); each window's -alpha dJ/dh.
    uint32_t *lane_kept                  # lane c's sentence at c * MAX_SENTENCE
    int *lane_n
    int *lane_pos
    CbowBlock cbow_blocks[2]
    float *cbow_errors                   # batch_windows x dimp
    float *center_coef                   # each window's coefficient on its own center
    int32_t *lane_ids                    # 0 .. batch_windows - 1
    # Subwords: each batch input row's error (rows x dim), and 0 .. rows - 1; the
    # pair kernel's targets for a whole window (K + 1 per pair, as drawn), the same
    # lined up in its step's order (skipped draws dropped), and their scores; the
    # batch kernel's composed inputs of the sentence's live positions and the steps
    # they have taken, position j in slot j % ring_slots (_block_loop).
    float *part_errors
    int32_t *row_ids
    int32_t *pair_targets
    int32_t *window_ids
    float *window_scores
    int ring_slots
    float *ring_inputs                   # ring_slots x dimp
    float *ring_moves                    # ring_slots x dim
    # Hierarchical softmax with hot nodes (Model.n_hot > 0): this thread's copy of
    # their rows, the shared rows as of its last sync, and a path's hot prefix as
    # rows of the copy.
    float *hot_rows                      # n_hot x dim
    float *hot_base                      # n_hot x dim
    int32_t *hot_ids                     # max_path


cdef struct Tally:
    # A thread's counts since its last publication.
    int64_t words
    double loss
    double predictions
    double alpha                         # the learning rate in use
