# cython: language_level=3
"""Compiled bigram counting for pyw2v.phrases.

Shape of the code
-----------------
* A bigram of word ids (a, b), both below 2**32 - 1, is one uint64 key a << 32 | b.
* `PairTable` counts keys in a C open-addressing table (linear probing, a
  power-of-two array of (key, count) slots, at most half full, doubled when
  fuller); EMPTY (all ones) marks a free slot, a key no pair of ids can make.
* `PairTable.add(ids, sentence_starts)` counts every pair of neighbours inside a
  sentence, without the GIL: one hash probe a token, no Python object.
* `prune` rebuilds the table without the rare pairs and the pairs of retired
  ids, which is how pyw2v.phrases keeps memory bounded (word2vec.c's ReduceVocab).
* `token_bounds` finds the byte offsets of tokens, so a transformed text
  keeps every byte but the whitespace inside a joined pair.
* `greedy_joins` is the left-to-right pass word2phrase's output makes: a pair
  joins when it is a phrase and its first word was not just joined to the left.
* Memory: 16 bytes a slot, 2 to 4 slots per distinct pair.
"""
import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

cdef uint64_t EMPTY = 0xFFFFFFFFFFFFFFFFULL
cdef uint64_t MUL = 0x9E3779B97F4A7C15ULL


cdef struct Slot:
    uint64_t key
    int64_t count


cdef inline uint64_t _home(uint64_t key, uint64_t mask) noexcept nogil:
    # Fibonacci hashing: the high bits of the product are well mixed.
    return ((key * MUL) >> 20 ^ (key * MUL) >> 44) & mask


cdef Slot *_empty(uint64_t capacity) noexcept nogil:
    cdef Slot *slots = <Slot *> malloc(capacity * sizeof(Slot))
    cdef uint64_t i
    if slots != NULL:
        for i in range(capacity):
            slots[i].key = EMPTY
            slots[i].count = 0
    return slots


cdef inline void _place(Slot *slots, uint64_t mask, uint64_t key, int64_t count) noexcept nogil:
    cdef uint64_t i = _home(key, mask)
    while slots[i].key != EMPTY and slots[i].key != key:
        i = (i + 1) & mask
    slots[i].key = key
    slots[i].count += count


cdef class PairTable:
    """Counts of bigrams of uint32 word ids, keyed a << 32 | b."""

    cdef Slot *slots
    cdef uint64_t mask
    cdef int64_t size

    def __cinit__(self):
        self.mask = 1023
        self.size = 0
        self.slots = _empty(self.mask + 1)
        if self.slots == NULL:
            raise MemoryError("PairTable: no memory for 1024 slots")

    def __dealloc__(self):
        free(self.slots)

    def __len__(self) -> int:
        return self.size

    cdef int _rehash(self, uint64_t capacity) noexcept nogil:
        """Move every slot into `capacity` fresh slots; 0, or -1 (unchanged) without memory."""
        cdef Slot *fresh = _empty(capacity)
        cdef uint64_t i
        if fresh == NULL:
            return -1
        for i in range(self.mask + 1):
            if self.slots[i].key != EMPTY:
                _place(fresh, capacity - 1, self.slots[i].key, self.slots[i].count)
        free(self.slots)
        self.slots = fresh
        self.mask = capacity - 1
        return 0

    cdef int _add(self, const uint32_t *ids, const int64_t *starts,
                  int64_t n_sentences) noexcept nogil:
        cdef int64_t s, i
        cdef uint64_t key, h
        for s in range(n_sentences):
            for i in range(starts[s], starts[s + 1] - 1):
                if 2 * (self.size + 1) > <int64_t>(self.mask + 1):
                    if self._rehash(2 * (self.mask + 1)) != 0:
                        return -1
                key = (<uint64_t>ids[i] << 32) | ids[i + 1]
                h = _home(key, self.mask)
                while self.slots[h].key != EMPTY and self.slots[h].key != key:
                    h = (h + 1) & self.mask
                if self.slots[h].key == EMPTY:
                    self.slots[h].key = key
                    self.size += 1
                self.slots[h].count += 1
        return 0

    def add(self, const uint32_t[::1] ids, const int64_t[::1] sentence_starts) -> None:
        """Count each pair (ids[i], ids[i + 1]) inside a sentence; sentence k is
        ids[sentence_starts[k]:sentence_starts[k + 1]] (int64, first 0, last len(ids))."""
        cdef int64_t n = sentence_starts.shape[0] - 1
        cdef int status
        if n < 0 or sentence_starts[0] != 0 or sentence_starts[n] != ids.shape[0]:
            raise ValueError("sentence_starts must run from 0 to len(ids)")
        if n == 0 or ids.shape[0] == 0:
            return
        with nogil:
            status = self._add(&ids[0], &sentence_starts[0], n)
        if status != 0:
            raise MemoryError(f"PairTable: no memory to grow past {self.size} pairs")

    def prune(self, int64_t min_count, const uint8_t[::1] retired) -> int:
        """Drop pairs counted fewer than min_count times and pairs holding an id i
        with retired[i] != 0 (ids past the end of `retired` are kept); return how
        many were dropped."""
        cdef uint64_t i, capacity = 1024, a, b, n_retired = retired.shape[0]
        cdef int64_t kept = 0, before = self.size
        for i in range(self.mask + 1):
            a = self.slots[i].key >> 32
            b = self.slots[i].key & 0xFFFFFFFFULL
            if self.slots[i].key == EMPTY or self.slots[i].count < min_count \
                    or (a < n_retired and retired[a]) or (b < n_retired and retired[b]):
                self.slots[i].key = EMPTY
            else:
                kept += 1
        while 2 * kept > <int64_t>capacity:
            capacity *= 2
        if self._rehash(capacity) != 0:
            raise MemoryError(f"PairTable: no memory to prune {before} pairs")
        self.size = kept
        return before - kept

    def lookup(self, const uint64_t[::1] keys):
        """counts int64 (len(keys),): each key's count, 0 for a key not held."""
        found = np.zeros(keys.shape[0], dtype=np.int64)
        cdef int64_t[::1] out = found
        cdef int64_t j
        cdef uint64_t h
        with nogil:
            for j in range(keys.shape[0]):
                h = _home(keys[j], self.mask)
                while self.slots[h].key != EMPTY and self.slots[h].key != keys[j]:
                    h = (h + 1) & self.mask
                if self.slots[h].key == keys[j] and keys[j] != EMPTY:
                    out[j] = self.slots[h].count
        return found

    def items(self):
        """(keys uint64 (n,), counts int64 (n,)), in the table's (arbitrary) order."""
        keys = np.empty(self.size, dtype=np.uint64)
        counts = np.empty(self.size, dtype=np.int64)
        cdef uint64_t[::1] k = keys
        cdef int64_t[::1] c = counts
        cdef uint64_t i
        cdef int64_t j = 0
        for i in range(self.mask + 1):
            if self.slots[i].key != EMPTY:
                k[j] = self.slots[i].key
                c[j] = self.slots[i].count
                j += 1
        return keys, counts


def token_bounds(const uint8_t[::1] data):
    """(starts, ends): int64 byte offsets of each token of `data` (split on ASCII
    whitespace, as pyw2v._text does); token k is data[starts[k]:ends[k]]."""
    cdef int64_t i, n = data.shape[0], k = 0
    cdef bint space, in_token = False
    bounds = np.empty(n + 1, dtype=np.int64)   # alternating start, end
    cdef int64_t[::1] b = bounds
    with nogil:
        for i in range(n):
            space = data[i] == 32 or 9 <= data[i] <= 13
            if space == in_token:
                b[k] = i
                k += 1
                in_token = not in_token
        if in_token:
            b[k] = n
            k += 1
    return bounds[0:k:2], bounds[1:k:2]


def greedy_joins(const uint8_t[::1] candidate):
    """joins: bool (n,); joins[i] when candidate[i] (tokens i and i + 1 form a
    phrase) and token i was not joined to token i - 1, scanning left to right."""
    cdef int64_t i, n = candidate.shape[0]
    joins = np.zeros(n, dtype=np.uint8)
    cdef uint8_t[::1] out = joins
    cdef bint joined_left = False
    with nogil:
        for i in range(n):
            if candidate[i] and not joined_left:
                out[i] = 1
                joined_left = True
            else:
                joined_left = False
    return joins.view(bool)
