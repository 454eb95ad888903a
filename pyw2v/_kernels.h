/* Small inline helpers for _core.pyx: vector primitives the compiler vectorises,
 * the per-thread random number generator, and the OpenMP probe.
 *
 * dot and axpy use GCC/Clang vector extensions rather than relying on the
 * auto-vectoriser, which will not reorder a float reduction without
 * -ffast-math. */
#ifndef PYW2V_KERNELS_H
#define PYW2V_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The vector helpers are static inline, so no AVX value crosses a real ABI boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"

#ifdef _OPENMP
static inline int pyw2v_openmp_enabled(void) { return 1; }
#else
static inline int pyw2v_openmp_enabled(void) { return 0; }
#endif

/* 8 floats in one vector (AVX; two SSE registers on older targets). */
typedef float pyw2v_v8 __attribute__((vector_size(32)));

static inline pyw2v_v8 pyw2v_load8(const float *p)
{
    pyw2v_v8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void pyw2v_store8(float *p, pyw2v_v8 v) { __builtin_memcpy(p, &v, sizeof v); }

/* 4 floats: a row's last chunk when dim % 8 >= 4 (dim 100 ends in 4 floats),
 * and four scores reduced at once. */
typedef float pyw2v_v4 __attribute__((vector_size(16)));

static inline pyw2v_v4 pyw2v_load4(const float *p)
{
    pyw2v_v4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void pyw2v_store4(float *p, pyw2v_v4 v) { __builtin_memcpy(p, &v, sizeof v); }

static inline pyw2v_v4 pyw2v_low4(pyw2v_v8 v)
{
    pyw2v_v4 lo;
    __builtin_memcpy(&lo, &v, sizeof lo);
    return lo;
}

static inline pyw2v_v4 pyw2v_high4(pyw2v_v8 v)
{
    pyw2v_v4 hi;
    __builtin_memcpy(&hi, (const char *)&v + sizeof hi, sizeof hi);
    return hi;
}

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define PYW2V_SHUFFLE4(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
typedef int pyw2v_i4 __attribute__((vector_size(16)));
#define PYW2V_SHUFFLE4(a, b, i, j, k, l) __builtin_shuffle(a, b, (pyw2v_i4){i, j, k, l})
#endif

/* [a0 + a1, a2 + a3, b0 + b1, b2 + b3] (one haddps where there is one). */
static inline pyw2v_v4 pyw2v_pair_sums(pyw2v_v4 a, pyw2v_v4 b)
{
    return PYW2V_SHUFFLE4(a, b, 0, 2, 4, 6) + PYW2V_SHUFFLE4(a, b, 1, 3, 5, 7);
}

static inline float pyw2v_hsum8(pyw2v_v8 v)
{
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* Two independent accumulators hide the add latency; the summation order is
 * fixed, so results are reproducible for a given build. */
static inline float pyw2v_dot(const float *restrict a, const float *restrict b, int n)
{
    pyw2v_v8 acc0 = {0}, acc1 = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 += pyw2v_load8(a + i) * pyw2v_load8(b + i);
        acc1 += pyw2v_load8(a + i + 8) * pyw2v_load8(b + i + 8);
    }
    if (i + 8 <= n) {
        acc0 += pyw2v_load8(a + i) * pyw2v_load8(b + i);
        i += 8;
    }
    float s = pyw2v_hsum8(acc0 + acc1);
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += a * x (the last n % 8 floats 4 and 1 at a time) */
static inline void pyw2v_axpy(float a, const float *restrict x, float *restrict y, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        pyw2v_store8(y + i, pyw2v_load8(y + i) + a * pyw2v_load8(x + i));
    if (i + 4 <= n) {
        pyw2v_v4 a4 = {a, a, a, a};
        pyw2v_store4(y + i, pyw2v_load4(y + i) + a4 * pyw2v_load4(x + i));
        i += 4;
    }
    for (; i < n; i++)
        y[i] += a * x[i];
}

static inline void pyw2v_scale(float a, float *restrict y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] *= a;
}

/* ---- Unpadded rows: a masked last chunk instead of a scalar tail ---------
 *
 * A row of dim >= 8 floats whose length is not a multiple of 8 ends in a
 * partial chunk. Rather than finishing it one float at a time, these helpers
 * take the chunk [dim - 8, dim), which overlaps the previous one, and mask off
 * its lanes already done: bit masks, so no value is rounded or scaled. Lanes
 * j >= 8 - (dim & 7) are new, so the mask starts at PYW2V_TAIL_BITS + (dim & 7).
 * Only helpers that read the row do so: one that writes the row it reads would
 * reload lanes it has just stored, so those finish 4 and 1 floats at a time. */
typedef int32_t pyw2v_i8 __attribute__((vector_size(32)));

static const int32_t PYW2V_TAIL_BITS[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                            -1, -1, -1, -1, -1, -1, -1, -1};

/* The chunk v = p[n - 8 .. n) with its lanes before the last n & 7 floats zeroed. */
static inline pyw2v_v8 pyw2v_keep_tail(pyw2v_v8 v, int n)
{
    pyw2v_i8 mask;
    __builtin_memcpy(&mask, PYW2V_TAIL_BITS + (n & 7), sizeof mask);
    return (pyw2v_v8)((pyw2v_i8)v & mask);
}

/* p[n - 8 .. n), its repeated lanes zeroed (n >= 8). */
static inline pyw2v_v8 pyw2v_tail8(const float *p, int n)
{
    return pyw2v_keep_tail(pyw2v_load8(p + n - 8), n);
}

/* The sum of v's lanes as a tree of vector adds (halves, then quarters):
 * ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)). */
static inline float pyw2v_hsum8_tree(pyw2v_v8 v)
{
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
    typedef float pyw2v_v4 __attribute__((vector_size(16)));
    pyw2v_v4 half = __builtin_shufflevector(v, v, 0, 1, 2, 3)
                    + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    pyw2v_v4 quarter = half + __builtin_shufflevector(half, half, 2, 3, 2, 3);
    return quarter[0] + quarter[1];
#else
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
#endif
}

/* e += g row, then row += g x, over n floats of unpadded rows, in one pass: each
 * chunk of the row is read before it is written, so e sees the row before the
 * step. The last n & 7 floats go 4 and 1 at a time: a read-modify-write never
 * re-reads lanes it has just stored (see pyw2v_add_to_rows). */
static inline void pyw2v_move_row(float g, const float *restrict x, float *restrict row,
                                  float *restrict e, int n)
{
    pyw2v_v8 gv = {g, g, g, g, g, g, g, g};
    const ptrdiff_t whole = n & ~7;     /* a pointer-sized bound keeps the loop's index simple */
    ptrdiff_t i = 0;
    for (; i < whole; i += 8) {
        pyw2v_v8 r = pyw2v_load8(row + i);
        pyw2v_store8(e + i, pyw2v_load8(e + i) + gv * r);
        pyw2v_store8(row + i, r + gv * pyw2v_load8(x + i));
    }
    if (n - i >= 4) {
        pyw2v_v4 g4 = {g, g, g, g}, r = pyw2v_load4(row + i);
        pyw2v_store4(e + i, pyw2v_load4(e + i) + g4 * r);
        pyw2v_store4(row + i, r + g4 * pyw2v_load4(x + i));
        i += 4;
    }
    for (; i < n; i++) {
        float r = row[i];
        e[i] += g * r;
        row[i] = r + g * x[i];
    }
}

/* Ask for the cache line at p. GCC counts __builtin_prefetch as free of side
 * effects, so a helper or loop that does nothing but prefetch is judged pure
 * and deleted (GCC 12 dropped every prefetch of the core that way, silently);
 * an asm statement is never deleted. tests/test_simd.py checks the built core
 * has its prefetches. */
static inline void pyw2v_prefetch_line(const void *p)
{
#if defined(__GNUC__) && defined(__x86_64__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__ volatile("prfm pldl1keep, [%0]" : : "r"(p));
#else
    __builtin_prefetch(p);
#endif
}

/* Ask for a row's cache lines ahead of use (rows are n floats): one prefetch
 * per 16 floats, at row, row + 16, ... Unrolled through a jump table, since a
 * loop spends three instructions on each prefetch and the drivers prefetch
 * every row a step touches; always inlined, so the jump table folds away at
 * a constant n. */
static inline __attribute__((always_inline)) void pyw2v_prefetch_row(const float *row, int n)
{
    int lines = (n + 15) >> 4;
    for (; lines > 8; lines -= 8, row += 128)
        for (int i = 0; i < 128; i += 16)
            pyw2v_prefetch_line(row + i);
    switch (lines) {
    case 8: pyw2v_prefetch_line(row + 112); /* fall through */
    case 7: pyw2v_prefetch_line(row + 96);  /* fall through */
    case 6: pyw2v_prefetch_line(row + 80);  /* fall through */
    case 5: pyw2v_prefetch_line(row + 64);  /* fall through */
    case 4: pyw2v_prefetch_line(row + 48);  /* fall through */
    case 3: pyw2v_prefetch_line(row + 32);  /* fall through */
    case 2: pyw2v_prefetch_line(row + 16);  /* fall through */
    case 1: pyw2v_prefetch_line(row);
    }
}

/* ---- Dense products for the window (batch) kernel ----------------------
 *
 * The window kernel gathers its m context rows (A) and n target rows (B) into
 * scratch matrices whose rows are padded with zeros to `dimp`, a multiple of 8,
 * so every product below runs on whole vectors. Row r of a scratch matrix
 * starts at r * dimp. The products are cut into register blocks of at most
 * 4 x 3 (scores) or 4 rows x 24 floats (updates); each block size is a
 * compile-time constant at its call, so the accumulators stay in registers. */

/* GCC turns plain copy and zero loops into memcpy/memset calls, which cost
 * more than the short rows they copy. */
#if defined(__GNUC__) && !defined(__clang__)
#define PYW2V_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define PYW2V_NO_LIBCALLS
#endif
#define PYW2V_BLOCK static inline __attribute__((always_inline))

static inline int pyw2v_padded(int dim) { return (dim + 7) & ~7; }

/* y[0..n) *= a for n a multiple of 8, in whole vectors (padding zeros stay zero). */
static inline void pyw2v_scale_padded(float a, float *restrict y, int n)
{
    pyw2v_v8 av = {a, a, a, a, a, a, a, a};
    for (int i = 0; i < n; i += 8)
        pyw2v_store8(y + i, av * pyw2v_load8(y + i));
}

/* y[0..n) = 0 for n a multiple of 8, in whole vectors (no memset call for short rows). */
PYW2V_NO_LIBCALLS static inline void pyw2v_zero_padded(float *restrict y, int n)
{
    pyw2v_v8 zero = {0};
    for (int i = 0; i < n; i += 8)
        pyw2v_store8(y + i, zero);
}

static inline pyw2v_v8 pyw2v_broadcast8(float x)
{
    pyw2v_v8 v = {x, x, x, x, x, x, x, x};
    return v;
}

/* out = the sum of rows matrix[ids[r]], r < n, in order (as n axpys into zeros
 * would add them), zero-padded to the next multiple of 8; each chunk of 16 floats
 * is summed in registers and stored once. */
PYW2V_NO_LIBCALLS static inline void
pyw2v_sum_rows(const float *restrict matrix, const int32_t *ids, int n, int dim,
               float *restrict out)
{
    int d = 0;
    for (; d + 32 <= dim; d += 32) {    /* four chunks per row address */
        pyw2v_v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int r = 0; r < n; r++) {
            const float *row = matrix + (int64_t)ids[r] * dim + d;
            a0 += pyw2v_load8(row);
            a1 += pyw2v_load8(row + 8);
            a2 += pyw2v_load8(row + 16);
            a3 += pyw2v_load8(row + 24);
        }
        pyw2v_store8(out + d, a0);
        pyw2v_store8(out + d + 8, a1);
        pyw2v_store8(out + d + 16, a2);
        pyw2v_store8(out + d + 24, a3);
    }
    for (; d + 16 <= dim; d += 16) {
        pyw2v_v8 a0 = {0}, a1 = {0};
        for (int r = 0; r < n; r++) {
            const float *row = matrix + (int64_t)ids[r] * dim + d;
            a0 += pyw2v_load8(row);
            a1 += pyw2v_load8(row + 8);
        }
        pyw2v_store8(out + d, a0);
        pyw2v_store8(out + d + 8, a1);
    }
    if (d + 8 <= dim) {
        pyw2v_v8 a0 = {0};
        for (int r = 0; r < n; r++)
            a0 += pyw2v_load8(matrix + (int64_t)ids[r] * dim + d);
        pyw2v_store8(out + d, a0);
        d += 8;
    }
    if (d < dim && dim >= 8) {
        /* The rows' masked last chunks, added onto the chunk [dim - 8, dim) of out
         * (its lanes before d already hold their sums, and gain zeros). */
        pyw2v_v8 a0 = {0};
        for (int r = 0; r < n; r++)
            a0 += pyw2v_tail8(matrix + (int64_t)ids[r] * dim, dim);
        pyw2v_store8(out + d, pyw2v_broadcast8(0.0f));
        pyw2v_store8(out + dim - 8, pyw2v_load8(out + dim - 8) + a0);
    } else if (d < dim) {
        pyw2v_v4 a0 = {0};
        float last[8] = {0};
        int wide = dim - d >= 4 ? 4 : 0;
        for (int r = 0; r < n; r++) {
            const float *row = matrix + (int64_t)ids[r] * dim + d;
            if (wide)
                a0 += pyw2v_load4(row);
            for (int i = wide; d + i < dim; i++)
                last[i] += row[i];
        }
        if (wide)
            pyw2v_store4(last, a0);
        pyw2v_store8(out + d, pyw2v_load8(last));
    }
}

/* matrix[ids[r]] += x for r < n, one row after the other (repeated ids add twice). */
static inline void pyw2v_add_to_rows(float *restrict matrix, const int32_t *ids, int n,
                                     const float *restrict x, int dim)
{
    const ptrdiff_t pairs = dim & ~15, whole = dim & ~7;
    for (int r = 0; r < n; r++) {
        float *row = matrix + (int64_t)ids[r] * dim;
        ptrdiff_t d = 0;
        for (; d < pairs; d += 16) {
            pyw2v_store8(row + d, pyw2v_load8(row + d) + pyw2v_load8(x + d));
            pyw2v_store8(row + d + 8, pyw2v_load8(row + d + 8) + pyw2v_load8(x + d + 8));
        }
        if (whole > pairs) {
            pyw2v_store8(row + pairs, pyw2v_load8(row + pairs) + pyw2v_load8(x + pairs));
            d = whole;
        }
        /* The last dim & 7 floats 4 and 1 at a time, not as a masked chunk ending
         * at dim: reloading lanes just stored would wait for the store to retire
         * (a store-forwarding stall, 26% of the CBOW batch step's samples at dim 100). */
        if (dim - d >= 4) {
            pyw2v_store4(row + d, pyw2v_load4(row + d) + pyw2v_load4(x + d));
            d += 4;
        }
        for (; d < dim; d++)
            row[d] += x[d];
    }
}

/* out[r] = matrix[ids[r]] for r < n, each row zero-padded from dim to dimp. */
PYW2V_NO_LIBCALLS static inline void
pyw2v_gather(const float *restrict matrix, const int32_t *ids, int n, int dim, int dimp,
             float *restrict out)
{
    for (int r = 0; r < n; r++) {
        const float *row = matrix + (int64_t)ids[r] * dim;
        float *dst = out + (int64_t)r * dimp;
        int i = 0;
        for (; i + 16 <= dim; i += 16) {
            pyw2v_store8(dst + i, pyw2v_load8(row + i));
            pyw2v_store8(dst + i + 8, pyw2v_load8(row + i + 8));
        }
        if (i + 8 <= dim) {
            pyw2v_store8(dst + i, pyw2v_load8(row + i));
            i += 8;
        }
        if (i < dim) {
            int j = 0;
            pyw2v_store8(dst + i, pyw2v_broadcast8(0.0f));
            if (dim - i >= 4) {
                pyw2v_store4(dst + i, pyw2v_load4(row + i));
                j = 4;
            }
            for (; i + j < dim; j++)
                dst[i + j] = row[i + j];
        }
    }
}

/* [hsum8(a), hsum8(b), hsum8(c), hsum8(d)], each summed in hsum8's order (so bit
 * for bit the same), four at a time. */
static inline pyw2v_v4 pyw2v_hsum8x4(pyw2v_v8 a, pyw2v_v8 b, pyw2v_v8 c, pyw2v_v8 d)
{
    pyw2v_v4 pa = pyw2v_low4(a) + pyw2v_high4(a), pb = pyw2v_low4(b) + pyw2v_high4(b);
    pyw2v_v4 pc = pyw2v_low4(c) + pyw2v_high4(c), pd = pyw2v_low4(d) + pyw2v_high4(d);
    return pyw2v_pair_sums(pyw2v_pair_sums(pa, pb), pyw2v_pair_sums(pc, pd));
}

/* S[i][k] = A[i] . B[k] for the NI x NK block at (i0, k0). */
PYW2V_BLOCK void pyw2v_scores_block(const float *restrict A, const float *restrict B,
                                    int i0, int k0, int NI, int NK, int n, int dimp,
                                    float *restrict S)
{
    pyw2v_v8 acc[4][3];
    /* Row pointers and a 64-bit offset: each load is one base + offset address. */
    const float *a_rows[4], *b_rows[3];
    for (int i = 0; i < NI; i++) {
        a_rows[i] = A + (ptrdiff_t)(i0 + i) * dimp;
        for (int k = 0; k < NK; k++)
            acc[i][k] = pyw2v_broadcast8(0.0f);
    }
    for (int k = 0; k < NK; k++)
        b_rows[k] = B + (ptrdiff_t)(k0 + k) * dimp;
    for (ptrdiff_t d = 0; d < dimp; d += 8) {
        pyw2v_v8 b[3];
        for (int k = 0; k < NK; k++)
            b[k] = pyw2v_load8(b_rows[k] + d);
        for (int i = 0; i < NI; i++) {
            pyw2v_v8 a = pyw2v_load8(a_rows[i] + d);
            for (int k = 0; k < NK; k++)
                acc[i][k] += a * b[k];
        }
    }
    /* Each column's NI sums at once (rows past NI reduce zeros, not stored). */
    for (int i = NI; i < 4; i++)
        for (int k = 0; k < NK; k++)
            acc[i][k] = pyw2v_broadcast8(0.0f);
    for (int k = 0; k < NK; k++) {
        pyw2v_v4 sums = pyw2v_hsum8x4(acc[0][k], acc[1][k], acc[2][k], acc[3][k]);
        for (int i = 0; i < NI; i++)
            S[(i0 + i) * n + k0 + k] = sums[i];
    }
}

/* All blocks of S for rows i0..i0+NI-1. */
PYW2V_BLOCK void pyw2v_scores_rows(const float *restrict A, const float *restrict B,
                                   int i0, int NI, int n, int dimp, float *restrict S)
{
    int k = 0;
    for (; k + 3 <= n; k += 3)
        pyw2v_scores_block(A, B, i0, k, NI, 3, n, dimp, S);
    if (n - k == 2)
        pyw2v_scores_block(A, B, i0, k, NI, 2, n, dimp, S);
    else if (n - k == 1)
        pyw2v_scores_block(A, B, i0, k, NI, 1, n, dimp, S);
}

/* S (m x n, row-major) = A (m x dimp) times B (n x dimp) transposed. */
static inline void pyw2v_scores(const float *restrict A, int m, const float *restrict B,
                                int n, int dimp, float *restrict S)
{
    int i = 0;
    for (; i + 4 <= m; i += 4)
        pyw2v_scores_rows(A, B, i, 4, n, dimp, S);
    switch (m - i) {
    case 3: pyw2v_scores_rows(A, B, i, 3, n, dimp, S); break;
    case 2: pyw2v_scores_rows(A, B, i, 2, n, dimp, S); break;
    case 1: pyw2v_scores_rows(A, B, i, 1, n, dimp, S); break;
    }
}

/* rows[r][d0 + 8j ..] += sum over c of G[r, c] X[c][d0 + 8j ..] for r < NR,
 * j < NC, where G[r, c] = G[r * g_row + c * g_col]. With CLIP, only the first
 * `dim - d0` floats are written (the row's last, partial chunk). */
PYW2V_BLOCK void pyw2v_update_block(float *const *rows, const float *restrict G,
                                    ptrdiff_t g_row, ptrdiff_t g_col,
                                    const float *restrict X, int nx, int NR, int d0, int NC,
                                    int CLIP, int dim, int dimp)
{
    pyw2v_v8 acc[4][3];
    /* Pointers walked by whole strides: the inner loop does no index arithmetic. */
    const float *x_c = X + d0, *g_c = G;
    for (int r = 0; r < NR; r++)
        for (int j = 0; j < NC; j++)
            acc[r][j] = pyw2v_broadcast8(0.0f);
    for (int c = 0; c < nx; c++, x_c += dimp, g_c += g_col) {
        pyw2v_v8 x[3];
        for (int j = 0; j < NC; j++)
            x[j] = pyw2v_load8(x_c + 8 * j);
        for (int r = 0; r < NR; r++) {
            pyw2v_v8 g = pyw2v_broadcast8(g_c[r * g_row]);
            for (int j = 0; j < NC; j++)
                acc[r][j] += g * x[j];
        }
    }
    for (int r = 0; r < NR; r++) {
        float *row = rows[r] + d0;
        if (!CLIP) {
            for (int j = 0; j < NC; j++)
                pyw2v_store8(row + 8 * j, pyw2v_load8(row + 8 * j) + acc[r][j]);
        } else {
            float delta[8];
            int i = 0;
            pyw2v_store8(delta, acc[r][0]);
            if (dim - d0 >= 4) {
                pyw2v_store4(row, pyw2v_load4(row) + pyw2v_low4(acc[r][0]));
                i = 4;
            }
            for (; i < dim - d0; i++)
                row[i] += delta[i];
        }
    }
}

/* The block of rows ids[0..NR) over the whole row. */
PYW2V_BLOCK void pyw2v_update_block_rows(float *restrict matrix, const int32_t *ids,
                                         const float *restrict G, ptrdiff_t g_row,
                                         ptrdiff_t g_col,
                                         const float *restrict X, int nx, int NR,
                                         int dim, int dimp)
{
    float *rows[4];
    int d = 0;
    for (int r = 0; r < NR; r++)
        rows[r] = matrix + (int64_t)ids[r] * dim;
    for (; d + 24 <= dim; d += 24)
        pyw2v_update_block(rows, G, g_row, g_col, X, nx, NR, d, 3, 0, dim, dimp);
    if (d + 16 <= dim) {
        pyw2v_update_block(rows, G, g_row, g_col, X, nx, NR, d, 2, 0, dim, dimp);
        d += 16;
    } else if (d + 8 <= dim) {
        pyw2v_update_block(rows, G, g_row, g_col, X, nx, NR, d, 1, 0, dim, dimp);
        d += 8;
    }
    if (d < dim)
        pyw2v_update_block(rows, G, g_row, g_col, X, nx, NR, d, 1, 1, dim, dimp);
}

/* For each r < nr: matrix[ids[r]] += sum over c < nx of G[r, c] X[c].
 * X (nx x dimp) is a gathered copy, so the update may write rows it was
 * gathered from; duplicate ids accumulate (read-modify-write per chunk). */
static inline void pyw2v_update_rows(float *restrict matrix, const int32_t *ids, int nr,
                                     const float *restrict G, int g_row, int g_col,
                                     const float *restrict X, int nx, int dim, int dimp)
{
    int r = 0;
    for (; r + 4 <= nr; r += 4)
        pyw2v_update_block_rows(matrix, ids + r, G + r * g_row, g_row, g_col, X, nx, 4, dim, dimp);
    switch (nr - r) {
    case 3: pyw2v_update_block_rows(matrix, ids + r, G + r * g_row, g_row, g_col, X, nx, 3, dim, dimp); break;
    case 2: pyw2v_update_block_rows(matrix, ids + r, G + r * g_row, g_row, g_col, X, nx, 2, dim, dimp); break;
    case 1: pyw2v_update_block_rows(matrix, ids + r, G + r * g_row, g_row, g_col, X, nx, 1, dim, dimp); break;
    }
}

/* ---- Hierarchical softmax: a few node rows against one input -----------
 *
 * A path's node rows (unpadded, dim floats each) are scored against one input x
 * and moved NR (1..4) at a time, so each chunk of x, and of e, is loaded once for
 * NR rows. Masked last chunks as above; below 8 floats, plain loops. */

PYW2V_BLOCK void pyw2v_score_block(const float *restrict x, const float *const *rows, int NR,
                                   int n, float *restrict f)
{
    pyw2v_v8 acc[4];
    const ptrdiff_t whole = n & ~7;
    for (int r = 0; r < NR; r++)
        acc[r] = pyw2v_broadcast8(0.0f);
    for (ptrdiff_t i = 0; i < whole; i += 8) {
        pyw2v_v8 xv = pyw2v_load8(x + i);
        for (int r = 0; r < NR; r++)
            acc[r] += xv * pyw2v_load8(rows[r] + i);
    }
    if (n & 7) {
        pyw2v_v8 xv = pyw2v_tail8(x, n);
        for (int r = 0; r < NR; r++)
            acc[r] += xv * pyw2v_load8(rows[r] + n - 8);
    }
    for (int r = 0; r < NR; r++)
        f[r] = pyw2v_hsum8_tree(acc[r]);
}

/* e += g[r] rows[r] for r in order, and rows[r] += g[r] x, chunk by chunk: each
 * chunk of a row is read before it is written, so e sees the rows before the step. */
PYW2V_BLOCK void pyw2v_move_block(const float *restrict g, const float *restrict x,
                                  float *const *rows, int NR, float *restrict e, int n)
{
    pyw2v_v8 gv[4];
    const ptrdiff_t whole = n & ~7;
    for (int r = 0; r < NR; r++)
        gv[r] = pyw2v_broadcast8(g[r]);
    for (ptrdiff_t i = 0; i < whole; i += 8) {
        pyw2v_v8 xv = pyw2v_load8(x + i), ev = pyw2v_load8(e + i);
        for (int r = 0; r < NR; r++) {
            pyw2v_v8 rv = pyw2v_load8(rows[r] + i);
            ev += gv[r] * rv;
            pyw2v_store8(rows[r] + i, rv + gv[r] * xv);
        }
        pyw2v_store8(e + i, ev);
    }
    ptrdiff_t i = whole;
    if (n - i >= 4) {   /* the last n & 7 floats 4 and 1 at a time (pyw2v_add_to_rows) */
        pyw2v_v4 xv = pyw2v_load4(x + i), ev = pyw2v_load4(e + i);
        for (int r = 0; r < NR; r++) {
            pyw2v_v4 rv = pyw2v_load4(rows[r] + i);
            ev += pyw2v_low4(gv[r]) * rv;
            pyw2v_store4(rows[r] + i, rv + pyw2v_low4(gv[r]) * xv);
        }
        pyw2v_store4(e + i, ev);
        i += 4;
    }
    for (; i < n; i++) {
        float xi = x[i], ei = e[i];
        for (int r = 0; r < NR; r++) {
            float ri = rows[r][i];
            ei += g[r] * ri;
            rows[r][i] = ri + g[r] * xi;
        }
        e[i] = ei;
    }
}

/* f[r] = x . matrix[ids[r]] for r < nr (1..4); n floats per row. */
static inline void pyw2v_score_nodes(const float *restrict x, const float *matrix,
                                     const int32_t *ids, int nr, int n, float *restrict f)
{
    const float *rows[4];
    for (int r = 0; r < nr; r++)
        rows[r] = matrix + (int64_t)ids[r] * n;
    if (n < 8) {
        for (int r = 0; r < nr; r++)
            f[r] = pyw2v_dot(x, rows[r], n);
        return;
    }
    switch (nr) {
    case 4: pyw2v_score_block(x, rows, 4, n, f); break;
    case 3: pyw2v_score_block(x, rows, 3, n, f); break;
    case 2: pyw2v_score_block(x, rows, 2, n, f); break;
    case 1: pyw2v_score_block(x, rows, 1, n, f); break;
    }
}

/* e += g[r] matrix[ids[r]], then matrix[ids[r]] += g[r] x, for r < nr (1..4), the
 * ids distinct; n floats per row. */
static inline void pyw2v_move_nodes(const float *restrict g, const float *restrict x,
                                    float *matrix, const int32_t *ids, int nr,
                                    float *restrict e, int n)
{
    float *rows[4];
    for (int r = 0; r < nr; r++)
        rows[r] = matrix + (int64_t)ids[r] * n;
    if (n < 8) {
        for (int r = 0; r < nr; r++)
            pyw2v_move_row(g[r], x, rows[r], e, n);
        return;
    }
    switch (nr) {
    case 4: pyw2v_move_block(g, x, rows, 4, e, n); break;
    case 3: pyw2v_move_block(g, x, rows, 3, e, n); break;
    case 2: pyw2v_move_block(g, x, rows, 2, e, n); break;
    case 1: pyw2v_move_block(g, x, rows, 1, e, n); break;
    }
}

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit output per call, state is a
 * counter; pyw2v_mix64 is its output function, a bijection of 64-bit words that
 * scrambles every bit. pyw2v.reference.SplitMix64 is the Python twin. */
static inline uint64_t pyw2v_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t pyw2v_next(uint64_t *state)
{
    return pyw2v_mix64(*state += 0x9E3779B97F4A7C15ULL);
}

/* A per-thread buffer of `size` bytes that starts and ends on cache-line (64-byte)
 * boundaries, zeroed: malloc packs small blocks side by side, and a thread writing
 * its buffer would otherwise take the line from the thread whose buffer shares it
 * (false sharing). NULL if out of memory; release with free(). */
static inline void *pyw2v_alloc_lines(size_t size)
{
    void *p = NULL;
    size_t rounded = size == 0 ? 64 : (size + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, rounded) != 0)
        return NULL;
    memset(p, 0, rounded);
    return p;
}

/* A thread's copy of hot rows meets the shared rows (n floats each side): the
 * shared rows gain the thread's steps since the last meeting (copy - base), and
 * copy and base become the result. The caller holds the rows' lock. */
static inline void pyw2v_hot_sync(float *restrict shared, float *restrict copy,
                                  float *restrict base, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float v = shared[i] + (copy[i] - base[i]);
        shared[i] = v;
        copy[i] = v;
        base[i] = v;
    }
}

/* A spin lock for the rare moments threads meet on shared state (hot-row syncs,
 * microseconds every few thousand words; sentence claims, one per 64 sentences):
 * 0 free, 1 held. */
static inline void pyw2v_spin_lock(int *lock)
{
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
}

static inline void pyw2v_spin_unlock(int *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

/* The stop flag is written by Python while the threads run: read it for real
 * every time (never hoisted out of a loop), without a barrier. */
static inline int pyw2v_load_flag(const int *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }
static inline void pyw2v_store_flag(int *flag, int value) { __atomic_store_n(flag, value, __ATOMIC_RELAXED); }

#endif
