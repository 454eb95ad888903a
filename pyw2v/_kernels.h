/* Small inline helpers for _core.pyx: vector primitives the compiler vectorises,
 * the per-thread random number generator, and the OpenMP probe.
 *
 * dot and axpy use GCC/Clang vector extensions rather than relying on the
 * auto-vectoriser, which will not reorder a float reduction without
 * -ffast-math. */
#ifndef PYW2V_KERNELS_H
#define PYW2V_KERNELS_H

#include <stdint.h>

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
    acc0 += acc1;
    float s = ((acc0[0] + acc0[4]) + (acc0[1] + acc0[5])) + ((acc0[2] + acc0[6]) + (acc0[3] + acc0[7]));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += a * x */
static inline void pyw2v_axpy(float a, const float *restrict x, float *restrict y, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        pyw2v_store8(y + i, pyw2v_load8(y + i) + a * pyw2v_load8(x + i));
    for (; i < n; i++)
        y[i] += a * x[i];
}

static inline void pyw2v_zero(float *restrict y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = 0.0f;
}

static inline void pyw2v_scale(float a, float *restrict y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] *= a;
}

/* Ask for a row's cache lines ahead of use (rows are dim floats). */
static inline void pyw2v_prefetch_row(const float *row, int n)
{
    for (int i = 0; i < n; i += 16)
        __builtin_prefetch(row + i);
}

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit output per call, state is a
 * counter. pyw2v.reference.splitmix64 is the Python twin. */
static inline uint64_t pyw2v_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#endif
