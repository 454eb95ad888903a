/* Which instruction-set paths of the compiled core this CPU and OS can run, and
 * which one a module was compiled for. pyw2v._core asks the baseline module once
 * at import and then loads the best path (see pyw2v/_core.py).
 *
 * __builtin_cpu_supports reads CPUID and, for AVX and AVX-512, also checks that
 * the OS saves the wide registers (XCR0), so a "yes" means the code can run. */
#ifndef PYW2V_CPU_H
#define PYW2V_CPU_H

#define PYW2V_PATH_AVX2 1    /* x86-64-v3: AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE */
#define PYW2V_PATH_AVX512 2  /* x86-64-v4: v3 plus AVX-512 F, BW, CD, DQ, VL */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
/* GCC 12 knows the levels by name and checks every feature of each. */
static int pyw2v_cpu_has(int path)
{
    __builtin_cpu_init();
    if (path == PYW2V_PATH_AVX2)
        return __builtin_cpu_supports("x86-64-v3");
    return __builtin_cpu_supports("x86-64-v4");
}
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Older compilers: the features the compiled code relies on, one by one. */
static int pyw2v_cpu_has(int path)
{
    __builtin_cpu_init();
    int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
             && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    if (path == PYW2V_PATH_AVX2)
        return v3;
    return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
           && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq")
           && __builtin_cpu_supports("avx512vl");
}
#else
/* Other architectures have one path: the baseline (on aarch64 it already uses NEON). */
static int pyw2v_cpu_has(int path) { (void)path; return 0; }
#endif

/* The path this translation unit was compiled for, from the compiler's macros. */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define PYW2V_COMPILED_PATH "avx512"
#elif defined(__AVX2__) && defined(__FMA__)
#define PYW2V_COMPILED_PATH "avx2"
#else
#define PYW2V_COMPILED_PATH "baseline"
#endif
static const char *pyw2v_compiled_path(void) { return PYW2V_COMPILED_PATH; }

#endif
