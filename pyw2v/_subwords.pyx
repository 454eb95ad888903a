# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled character n-gram buckets, numbered as fastText numbers them.

See pyw2v/subwords.py for the rules (boundary markers, characters not bytes, no
lone marker, fastText's sign-extending FNV-1a); pyw2v.reference holds the plain
Python twin the tests compare this with. FNV-1a is incremental, so each start
position hashes its n-grams of every length in one walk: O(characters * maxn)
per word.
"""
import numpy as np

from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t

cdef uint32_t FNV_OFFSET = 2166136261u
cdef uint32_t FNV_PRIME = 16777619u


cdef inline bint _continues(uint8_t byte) noexcept nogil:
    """Whether a UTF-8 byte continues a character (10xxxxxx)."""
    return (byte & 0xC0) == 0x80


cdef int64_t _word_buckets(const uint8_t *w, int64_t size, int minn, int maxn,
                           uint32_t buckets, int32_t *out) noexcept nogil:
    """Write the buckets of the n-grams of the wrapped word w (markers included,
    `size` bytes) to out; return how many."""
    cdef int64_t start, j, count = 0
    cdef int n
    cdef uint32_t h
    for start in range(size):
        if _continues(w[start]):
            continue
        h = FNV_OFFSET
        j = start
        n = 0
        while j < size and n < maxn:
            h = (h ^ <uint32_t><int8_t>w[j]) * FNV_PRIME
            j += 1
            while j < size and _continues(w[j]):
                h = (h ^ <uint32_t><int8_t>w[j]) * FNV_PRIME
                j += 1
            n += 1
            if n >= minn and not (n == 1 and (start == 0 or j == size)):
                out[count] = <int32_t>(h % buckets)
                count += 1
    return count


def ngram_buckets(list words, int minn, int maxn, uint32_t buckets):
    """(offsets int64 (len(words) + 1,), bucket ids int32): word i's n-gram buckets
    are ids[offsets[i]:offsets[i + 1]], in fastText's order (by start, then length).
    words: str (encoded as UTF-8) or bytes (taken as UTF-8)."""
    cdef Py_ssize_t i, n_words = len(words)
    cdef bytes wrapped
    cdef int64_t bound = 0, done = 0, size
    cdef int64_t[::1] offsets_view
    cdef int32_t[::1] ids_view
    if minn < 1 or maxn < minn or buckets < 1:
        raise ValueError(f"need 1 <= minn <= maxn and buckets >= 1, got minn={minn}, "
                         f"maxn={maxn}, buckets={buckets}")
    encoded = [b"<" + (w.encode("utf-8") if isinstance(w, str) else bytes(w)) + b">"
               for w in words]
    for wrapped in encoded:
        bound += len(wrapped) * (maxn - minn + 1)   # at most one n-gram per length per start
    offsets = np.zeros(n_words + 1, dtype=np.int64)
    ids = np.empty(max(bound, 1), dtype=np.int32)
    offsets_view = offsets
    ids_view = ids
    for i in range(n_words):
        wrapped = encoded[i]
        size = len(wrapped)
        done += _word_buckets(<const uint8_t *>(<char *>wrapped), size, minn, maxn, buckets,
                              &ids_view[done])
        offsets_view[i + 1] = done
    return offsets, ids[:done].copy()
