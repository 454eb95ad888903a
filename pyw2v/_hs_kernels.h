/* The score product shaped for skip-gram's hierarchical-softmax batch step
 * (_batch_hs.pxi): a window's m context rows (m <= 2 window, often ~6) against
 * its center's path, L ~ 12 node rows (plus the negatives with -negative K).
 * _kernels.h's pyw2v_scores cuts S into 4 x 3 register blocks, and at these
 * shapes most of its instructions go to the 12 horizontal sums per block and to
 * partial blocks. Here one input row meets 8 output rows at a time and the 8 dot
 * products are reduced together by a shuffle tree into one vector (callgrind,
 * dim 100, window 5: 27% fewer instructions in the product). The updates keep
 * _kernels.h's pyw2v_update_rows: a row-at-a-time variant measured worse.
 *
 * The path walk of the window and pair kernels (_hs_step) scores one input
 * against its path's rows in place, 8 at a time with the same reduction, and
 * moves them 4 at a time.
 *
 * Same conventions as _kernels.h: rows padded with zeros to dimp, a multiple of 8
 * (the path walk's rows are unpadded, with masked last chunks). */
#ifndef PYW2V_HS_KERNELS_H
#define PYW2V_HS_KERNELS_H

#include "_kernels.h"

/* The 8 sums of acc[0..8) as one vector: pairwise sums within 128-bit halves,
 * then across them. Sum k is ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
 * of acc[k]'s lanes a0..a7. */
static inline pyw2v_v8 pyw2v_hs_reduce8(const pyw2v_v8 *acc)
{
    typedef int32_t mask8 __attribute__((vector_size(32)));
    const mask8 even = {0, 2, 8, 10, 4, 6, 12, 14}, odd = {1, 3, 9, 11, 5, 7, 13, 15};
    const mask8 low = {0, 1, 2, 3, 8, 9, 10, 11}, high = {4, 5, 6, 7, 12, 13, 14, 15};
    pyw2v_v8 h[4], q[2];
    for (int j = 0; j < 4; j++)
        h[j] = __builtin_shuffle(acc[2 * j], acc[2 * j + 1], even)
             + __builtin_shuffle(acc[2 * j], acc[2 * j + 1], odd);
    for (int j = 0; j < 2; j++)
        q[j] = __builtin_shuffle(h[2 * j], h[2 * j + 1], even)
             + __builtin_shuffle(h[2 * j], h[2 * j + 1], odd);
    return __builtin_shuffle(q[0], q[1], low) + __builtin_shuffle(q[0], q[1], high);
}

/* out[k] = x . rows[k] for k < NK <= 8, rows of n >= 8 floats (a masked last
 * chunk when n is not a multiple of 8), the 8 sums reduced together. */
PYW2V_BLOCK void pyw2v_hs_dots(const float *restrict x, const float *const *rows, int NK,
                               int n, float *restrict out)
{
    pyw2v_v8 acc[8];
    const ptrdiff_t whole = n & ~7;
    for (int k = 0; k < 8; k++)
        acc[k] = pyw2v_broadcast8(0.0f);
    for (ptrdiff_t i = 0; i < whole; i += 8) {
        pyw2v_v8 xv = pyw2v_load8(x + i);
#pragma GCC unroll 8
        for (int k = 0; k < NK; k++)
            acc[k] += xv * pyw2v_load8(rows[k] + i);
    }
    if (n & 7) {
        pyw2v_v8 xv = pyw2v_tail8(x, n);
        for (int k = 0; k < NK; k++)
            acc[k] += xv * pyw2v_load8(rows[k] + n - 8);
    }
    pyw2v_v8 sums = pyw2v_hs_reduce8(acc);
    if (NK == 8) {
        pyw2v_store8(out, sums);
    } else {
        for (int k = 0; k < NK; k++)
            out[k] = sums[k];
    }
}

/* s[k0 + k] = a . B[k0 + k] for k < NK <= 8. */
PYW2V_BLOCK void pyw2v_hs_scores_block(const float *restrict a, const float *restrict B,
                                       int k0, int NK, int dimp, float *restrict s)
{
    const float *rows[8];
    for (int k = 0; k < NK; k++)
        rows[k] = B + (int64_t)(k0 + k) * dimp;
    pyw2v_hs_dots(a, rows, NK, dimp, s + k0);
}

/* S (m x n, row-major) = A (m x dimp) times B (n x dimp) transposed. */
static inline void pyw2v_hs_scores(const float *restrict A, int m, const float *restrict B,
                                   int n, int dimp, float *restrict S)
{
    for (int i = 0; i < m; i++) {
        const float *a = A + (int64_t)i * dimp;
        float *s = S + (int64_t)i * n;
        int k = 0;
        for (; k + 8 <= n; k += 8)
            pyw2v_hs_scores_block(a, B, k, 8, dimp, s);
        switch (n - k) {
        case 7: pyw2v_hs_scores_block(a, B, k, 7, dimp, s); break;
        case 6: pyw2v_hs_scores_block(a, B, k, 6, dimp, s); break;
        case 5: pyw2v_hs_scores_block(a, B, k, 5, dimp, s); break;
        case 4: pyw2v_hs_scores_block(a, B, k, 4, dimp, s); break;
        case 3: pyw2v_hs_scores_block(a, B, k, 3, dimp, s); break;
        case 2: pyw2v_hs_scores_block(a, B, k, 2, dimp, s); break;
        case 1: pyw2v_hs_scores_block(a, B, k, 1, dimp, s); break;
        }
    }
}

/* f[k] = x . matrix[ids[k]] for k < NK <= 8, rows of n >= 8 floats read in place. */
PYW2V_BLOCK void pyw2v_hs_score_ids_block(const float *restrict x, const float *matrix,
                                          const int32_t *ids, int NK, int n,
                                          float *restrict f)
{
    const float *rows[8];
    for (int k = 0; k < NK; k++)
        rows[k] = matrix + (int64_t)ids[k] * n;
    pyw2v_hs_dots(x, rows, NK, n, f);
}

/* f[k] = x . matrix[ids[k]] for k < count: one input against a Huffman path's
 * node rows (n floats each), 8 rows per pass over x. */
static inline void pyw2v_hs_score_path(const float *restrict x, const float *matrix,
                                       const int32_t *ids, int count, int n,
                                       float *restrict f)
{
    int k = 0;
    if (n < 8) {
        for (; k < count; k++)
            f[k] = pyw2v_dot(x, matrix + (int64_t)ids[k] * n, n);
        return;
    }
    for (; k + 8 <= count; k += 8)
        pyw2v_hs_score_ids_block(x, matrix, ids + k, 8, n, f + k);
    switch (count - k) {
    case 7: pyw2v_hs_score_ids_block(x, matrix, ids + k, 7, n, f + k); break;
    case 6: pyw2v_hs_score_ids_block(x, matrix, ids + k, 6, n, f + k); break;
    case 5: pyw2v_hs_score_ids_block(x, matrix, ids + k, 5, n, f + k); break;
    case 4: pyw2v_hs_score_ids_block(x, matrix, ids + k, 4, n, f + k); break;
    case 3: pyw2v_hs_score_ids_block(x, matrix, ids + k, 3, n, f + k); break;
    case 2: pyw2v_hs_score_ids_block(x, matrix, ids + k, 2, n, f + k); break;
    case 1: pyw2v_hs_score_ids_block(x, matrix, ids + k, 1, n, f + k); break;
    }
}

/* e += g[k] matrix[ids[k]], then matrix[ids[k]] += g[k] x, for k < count (ids
 * distinct), 4 rows at a time. */
static inline void pyw2v_hs_move_path(const float *restrict g, const float *restrict x,
                                      float *matrix, const int32_t *ids, int count,
                                      float *restrict e, int n)
{
    for (int k = 0; k < count; k += 4)
        pyw2v_move_nodes(g + k, x, matrix, ids + k, count - k < 4 ? count - k : 4, e, n);
}

#endif
