/* Small inline helpers for _core.pyx: vector primitives the compiler vectorises,
 * the per-thread random number generator, and the OpenMP probe.
 *
 * `#pragma omp simd` lets gcc vectorise the float reduction in `dot` without
 * -ffast-math; the summation order is fixed for a given build, so runs stay
 * bit-reproducible with one thread. */
#ifndef PYW2V_KERNELS_H
#define PYW2V_KERNELS_H

#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
static inline int pyw2v_openmp_enabled(void) { return 1; }
static inline int pyw2v_omp_max_threads(void) { return omp_get_max_threads(); }
#else
static inline int pyw2v_openmp_enabled(void) { return 0; }
static inline int pyw2v_omp_max_threads(void) { return 1; }
#endif

static inline float pyw2v_dot(const float *restrict a, const float *restrict b, int n)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += a * x */
static inline void pyw2v_axpy(float a, const float *restrict x, float *restrict y, int n)
{
#pragma omp simd
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

static inline void pyw2v_zero(float *restrict y, int n)
{
#pragma omp simd
    for (int i = 0; i < n; i++)
        y[i] = 0.0f;
}

static inline void pyw2v_scale(float a, float *restrict y, int n)
{
#pragma omp simd
    for (int i = 0; i < n; i++)
        y[i] *= a;
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
