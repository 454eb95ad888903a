/* Small C helpers for _text.pyx: bit scans, little-endian loads, whitespace
   bitmasks, prefetch, and memory for the hash table. */
#ifndef PYW2V_TEXT_H
#define PYW2V_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define pyw2v_prefetch(p) __builtin_prefetch(p)
#define pyw2v_ctz64(x) __builtin_ctzll(x)
#else
#define pyw2v_prefetch(p) ((void)0)
static inline int pyw2v_ctz64(uint64_t x)      /* x != 0 */
{
    int n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}
#endif

/* The 8 bytes at p as a little-endian integer, so that masking off high bytes
   keeps the first ones on every machine. */
static inline uint64_t pyw2v_load_le64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* For the 64 bytes at p: bit i of *space says p[i] is ASCII whitespace (9 to 13,
   or 32), bit i of *newline says p[i] == 10. SSE2 is part of every x86-64 CPU;
   other machines take the plain loop. */
static inline void pyw2v_block_masks(const unsigned char *p, uint64_t *space,
                                     uint64_t *newline)
{
    uint64_t s = 0, n = 0;
#if defined(__SSE2__)
    const __m128i blank = _mm_set1_epi8(32), tab = _mm_set1_epi8(9),
                  four = _mm_set1_epi8(4), lf = _mm_set1_epi8(10),
                  zero = _mm_setzero_si128();
    for (int k = 0; k < 4; k++) {
        __m128i c = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        /* 9 <= c <= 13: c - 9 wraps to at most 4, so saturating (c - 9) - 4 is 0. */
        __m128i control = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(c, tab), four), zero);
        __m128i is_space = _mm_or_si128(control, _mm_cmpeq_epi8(c, blank));
        s |= (uint64_t)(uint16_t)_mm_movemask_epi8(is_space) << (16 * k);
        n |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(c, lf)) << (16 * k);
    }
#else
    for (int i = 0; i < 64; i++) {
        unsigned char c = p[i];
        s |= (uint64_t)((c == 32) | ((unsigned char)(c - 9) < 5)) << i;
        n |= (uint64_t)(c == 10) << i;
    }
#endif
    *space = s;
    *newline = n;
}

/* Memory for the hash table's slots; release it with free(). Large tables get
   2 MiB-aligned memory that Linux may back with huge pages, so random lookups
   miss the TLB less. */
static inline void *pyw2v_table_alloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= ((size_t)1 << 21)) {
        void *p = NULL;
        if (posix_memalign(&p, (size_t)1 << 21, bytes) != 0)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE);      /* only a hint: failure is harmless */
        return p;
    }
#endif
    return malloc(bytes);
}

#endif
