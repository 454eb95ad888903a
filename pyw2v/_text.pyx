# cython: language_level=3
"""Compiled text scanning: count and encode whitespace-separated byte tokens.

Shape of the code
-----------------
* A token is a maximal run of bytes that are not ASCII whitespace, the set
  bytes.split() uses: b' ', b'\\t', b'\\n', b'\\r', b'\\v', b'\\f'. A b'\\n' also
  ends a sentence. Every other byte (NUL, control bytes, bytes >= 0x80, invalid
  UTF-8) belongs to a token: tokens are byte strings, decoding them is the
  caller's job. (word2vec.c splits on space, tab and newline and skips b'\\r';
  the only difference is that b'\\v' and b'\\f' split tokens here.)
* The `Scanner` finds tokens with bitmasks: one SSE2 pass marks the whitespace
  and newlines of 64 bytes in two 64-bit words, and a bit scan then finds where
  a token starts or ends, so there is no loop, nor mispredicted branch, per byte.
* `TokenCounter` wraps a C `Table`: open addressing with linear probing over a
  power-of-two array of 32-byte `Slot`s, at most 70% full, doubled when fuller.
  A slot holds all a lookup needs (count, vocabulary id, length) and the token
  itself when it has at most 16 bytes (nearly every word); its hash is then
  recomputed from those bytes when the table grows. A longer token lives in
  `arena`, one growing buffer, and its slot holds the offset and the hash.
* Lookups are memory-bound: once the table outgrows the CPU caches, each waits
  for a cache miss. So the scanning loops run LOOKAHEAD tokens ahead of the
  lookups and prefetch each token's home slot, overlapping the misses.
* add() and encode() scan their buffer without the GIL, so another Python thread
  can read the next block meanwhile. Several encode() calls may run at once on
  one counter (they only read it); add(), prune() and set_ids() need it alone,
  and raise RuntimeError rather than race.
* Memory: 32 bytes a slot, 1.4 to 2.9 slots per distinct token (briefly 1.5
  times that while doubling), plus the bytes of tokens longer than 16. Two
  million distinct words take 134 MB (2**22 slots).
"""
import numpy as np

from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

cdef extern from "_text.h" nogil:
    void pyw2v_prefetch(const void *p)
    int pyw2v_ctz64(uint64_t x)         # x != 0
    uint64_t pyw2v_load_le64(const uint8_t *p)
    void pyw2v_block_masks(const uint8_t *p, uint64_t *space, uint64_t *newline)
    void *pyw2v_table_alloc(size_t size)

cdef enum:
    INLINE_BYTES = 16       # tokens this long or shorter are kept in their slot
    LOOKAHEAD = 16          # tokens scanned ahead of the lookups; a power of two
    INITIAL_SLOTS = 1024    # a power of two
    INITIAL_ARENA = 1 << 16
    OK = 0                  # status codes of the nogil functions
    NO_MEMORY = -1
    TOO_MANY_TOKENS = -2
    TOO_LONG = -3

cdef uint64_t MUL_1 = 0x9E3779B97F4A7C15ULL   # odd constants for the hash's multiplies
cdef uint64_t MUL_2 = 0xC2B2AE3D27D4EB4FULL
cdef uint64_t MUL_3 = 0xD6E8FEB86659FD93ULL
cdef uint64_t HASH_SEED = 0x243F6A8885A308D3ULL
cdef uint64_t MAX_SLOTS = 1ULL << 40   # far beyond memory; keeps size arithmetic in range

WHITESPACE = b" \t\n\r\x0b\x0c"         # what _is_space() and pyw2v_block_masks() test


cdef struct Slot:
    uint64_t key[2]         # length <= INLINE_BYTES: the token as two little-endian
                            # words, zero-padded; longer: arena offset, then hash
    int64_t count
    int32_t length          # -1: empty slot
    int32_t id              # vocabulary id for encode(); -1: out of vocabulary


cdef struct Table:
    Slot *slots
    uint64_t mask           # slot capacity - 1
    int64_t size            # distinct tokens held
    int64_t grow_at         # size at which the slots double
    uint8_t *arena
    int64_t arena_used
    int64_t arena_cap
    int64_t n_tokens
    int64_t n_sentences
    bint line_open          # the last add() ended inside a line holding a token


cdef struct Scanner:
    const uint8_t *data
    int64_t size
    int64_t pos             # bytes before pos are consumed
    int64_t block           # offset of the 64-byte block the masks describe
    uint64_t space          # bit i: data[block + i] is whitespace
    uint64_t newline        # bit i: data[block + i] is b'\n'


cdef struct Token:
    const uint8_t *start
    int64_t length
    uint64_t hash
    uint64_t key[2]         # as Slot.key, with 0 for the arena offset
    bint after_newline      # the whitespace before the token held a b'\n'


cdef struct Encoded:
    uint32_t *ids
    int64_t n_ids
    int64_t ids_cap
    int64_t *starts
    int64_t n_starts
    int64_t starts_cap


# ---------------------------------------------------------------- hashing
# The hash of n bytes feeds n and then each 8-byte little-endian word (the last
# zero-padded) through a multiply-rotate step, and ends with an avalanche so
# the low bits, the slot index, depend on every input bit.

cdef inline uint64_t _rotl(uint64_t x, int r) noexcept nogil:
    return (x << r) | (x >> (64 - r))


cdef inline uint64_t _step(uint64_t h, uint64_t word) noexcept nogil:
    return _rotl(h ^ (word * MUL_1), 31) * MUL_2


cdef inline uint64_t _avalanche(uint64_t h) noexcept nogil:
    h ^= h >> 32
    h *= MUL_3
    h ^= h >> 29
    h *= MUL_1
    h ^= h >> 32
    return h


cdef inline uint64_t _last_word(const uint8_t *p, int64_t n,
                                const uint8_t *readable_end) noexcept nogil:
    """p[:n] (1 <= n <= 8) as a little-endian integer. One load and a mask when 8
    bytes can be read before readable_end, else a byte loop."""
    cdef uint64_t w = 0
    cdef int64_t i
    if readable_end - p >= 8:
        return pyw2v_load_le64(p) & (~(<uint64_t>0) >> (64 - 8 * n))
    for i in range(n):
        w |= (<uint64_t>p[i]) << (8 * i)
    return w


cdef inline uint64_t _inline_hash(int64_t n, const uint64_t *key) noexcept nogil:
    """Hash of a token of n <= INLINE_BYTES bytes from its two key words."""
    cdef uint64_t h = _step(HASH_SEED ^ (<uint64_t>n * MUL_2), key[0])
    if n > 8:
        h = _step(h, key[1])
    return _avalanche(h)


cdef inline void _key_token(Token *token, const uint8_t *readable_end) noexcept nogil:
    """Set the token's key words and hash from its bytes."""
    cdef const uint8_t *p = token.start
    cdef int64_t n = token.length
    cdef uint64_t h
    if n <= 8:
        token.key[0] = _last_word(p, n, readable_end)
        token.key[1] = 0
        token.hash = _inline_hash(n, token.key)
    elif n <= INLINE_BYTES:
        token.key[0] = pyw2v_load_le64(p)
        token.key[1] = _last_word(p + 8, n - 8, readable_end)
        token.hash = _inline_hash(n, token.key)
    else:
        h = HASH_SEED ^ (<uint64_t>n * MUL_2)
        while n > 8:
            h = _step(h, pyw2v_load_le64(p))
            p += 8
            n -= 8
        token.hash = _avalanche(_step(h, _last_word(p, n, readable_end)))
        token.key[0] = 0
        token.key[1] = token.hash


cdef inline uint64_t _slot_hash(const Slot *s) noexcept nogil:
    return _inline_hash(s.length, s.key) if s.length <= INLINE_BYTES else s.key[1]


# ---------------------------------------------------------------- scanning

cdef inline uint64_t _is_space(uint8_t c) noexcept nogil:
    # b'\t', b'\n', b'\v', b'\f', b'\r' are 9 to 13.
    return (c == 32) | (<uint8_t>(c - 9) < 5)


cdef inline void _load_block(Scanner *sc, int64_t block) noexcept nogil:
    """Masks of data[block:block + 64]. Past the end of the data every byte counts
    as whitespace (not newline), so tokens end there."""
    cdef const uint8_t *p = sc.data + block
    cdef int64_t i, n = sc.size - block
    cdef uint64_t space = 0, newline = 0
    if n >= 64:
        pyw2v_block_masks(p, &space, &newline)
    else:
        for i in range(n):
            space |= _is_space(p[i]) << i
            newline |= (<uint64_t>(p[i] == 10)) << i
        space |= ~(<uint64_t>0) << n
    sc.block = block
    sc.space = space
    sc.newline = newline


cdef inline void _start_scan(Scanner *sc, const uint8_t *data, int64_t size) noexcept nogil:
    sc.data = data
    sc.size = size
    sc.pos = 0
    sc.block = -1           # no block loaded
    sc.space = 0
    sc.newline = 0


cdef inline bint _next_token(Scanner *sc, Token *token) noexcept nogil:
    """Fill `token` with the next token and move past it. False at the end of the
    data; token.after_newline then tells whether the trailing whitespace held a
    b'\\n'."""
    cdef int64_t pos = sc.pos, block, start
    cdef int bit
    cdef uint64_t rest
    cdef bint newline = False
    while True:                         # skip whitespace
        if pos >= sc.size:
            sc.pos = pos
            token.after_newline = newline
            return False
        block = pos & ~(<int64_t>63)
        if block != sc.block:
            _load_block(sc, block)
        bit = <int>(pos - block)
        rest = ~sc.space >> bit
        if rest:
            start = pos + pyw2v_ctz64(rest)
            # Newlines among the (start - pos) skipped bytes, fewer than 64.
            newline |= ((sc.newline >> bit) & ((<uint64_t>1 << (start - pos)) - 1)) != 0
            break
        newline |= (sc.newline >> bit) != 0
        pos = block + 64
    pos = start + 1
    while True:                         # find the end
        if pos >= sc.size:
            pos = sc.size
            break
        block = pos & ~(<int64_t>63)
        if block != sc.block:
            _load_block(sc, block)
        bit = <int>(pos - block)
        rest = sc.space >> bit
        if rest:
            pos += pyw2v_ctz64(rest)
            break
        pos = block + 64
    sc.pos = pos
    token.start = sc.data + start
    token.length = pos - start
    token.after_newline = newline
    _key_token(token, sc.data + sc.size)
    return True


# ---------------------------------------------------------------- the table

cdef inline int64_t _find(const Table *t, const Token *token) noexcept nogil:
    """Slot index of the token, or -1 - (index of the empty slot where it would go)."""
    cdef uint64_t i = token.hash & t.mask
    cdef const Slot *s
    while True:
        s = &t.slots[i]
        if s.length == token.length and s.key[1] == token.key[1]:
            if token.length <= INLINE_BYTES:
                if s.key[0] == token.key[0]:
                    return i
            elif memcmp(t.arena + s.key[0], token.start, token.length) == 0:
                return i
        elif s.length < 0:
            return -1 - <int64_t>i
        i = (i + 1) & t.mask


cdef void _place(Slot *slots, uint64_t mask, const Slot *s) noexcept nogil:
    """Copy a slot into the first empty slot of its probe run (for rebuilding)."""
    cdef uint64_t i = _slot_hash(s) & mask
    while slots[i].length >= 0:
        i = (i + 1) & mask
    slots[i] = s[0]


cdef Slot *_empty_slots(uint64_t capacity) noexcept nogil:
    cdef Slot *slots = <Slot *> pyw2v_table_alloc(capacity * sizeof(Slot))
    if slots != NULL:
        memset(slots, 0xFF, capacity * sizeof(Slot))     # length -1: empty
    return slots


cdef int _double_slots(Table *t) noexcept nogil:
    cdef uint64_t capacity = (t.mask + 1) * 2
    cdef uint64_t i
    cdef Slot *slots
    if capacity > MAX_SLOTS:
        return TOO_MANY_TOKENS
    slots = _empty_slots(capacity)
    if slots == NULL:
        return NO_MEMORY
    for i in range(t.mask + 1):
        if t.slots[i].length >= 0:
            _place(slots, capacity - 1, &t.slots[i])
    free(t.slots)
    t.slots = slots
    t.mask = capacity - 1
    t.grow_at = <int64_t>(capacity * 7 // 10)
    return OK


cdef int64_t _insert(Table *t, const Token *token) noexcept nogil:
    """Add an absent token with count 0 and no id; its slot index, or a negative status."""
    cdef int64_t found, need
    cdef void *grown
    cdef Slot *s
    cdef int status
    if token.length > INT32_MAX:
        return TOO_LONG
    if t.size >= t.grow_at:
        status = _double_slots(t)
        if status != OK:
            return status
    found = _find(t, token)
    s = &t.slots[-1 - found]
    s.key[0] = token.key[0]
    s.key[1] = token.key[1]
    if token.length > INLINE_BYTES:
        need = t.arena_used + token.length
        if need > t.arena_cap:
            need = max(need, 2 * t.arena_cap)
            grown = realloc(t.arena, need)
            if grown == NULL:
                return NO_MEMORY
            t.arena = <uint8_t *> grown
            t.arena_cap = need
        memcpy(t.arena + t.arena_used, token.start, token.length)
        s.key[0] = t.arena_used
        t.arena_used += token.length
    s.count = 0
    s.length = <int32_t>token.length
    s.id = -1
    t.size += 1
    return -1 - found


cdef inline void _prefetch_slot(const Table *t, const Token *token) noexcept nogil:
    pyw2v_prefetch(&t.slots[token.hash & t.mask])


cdef int _count(Table *t, const uint8_t *data, int64_t size) noexcept nogil:
    """Count every token of data[:size]; OK, or a negative status (the counts then
    hold a prefix of the tokens)."""
    cdef Scanner sc
    cdef Token ahead[LOOKAHEAD]
    cdef Token *token
    cdef int64_t first = 0, stop = 0    # tokens counted, tokens scanned
    cdef int64_t r = OK
    cdef int64_t n_sentences = 0
    cdef bint line_open = t.line_open
    cdef bint more = True
    _start_scan(&sc, data, size)
    while True:
        if more and stop - first < LOOKAHEAD:
            more = _next_token(&sc, &ahead[stop & (LOOKAHEAD - 1)])
            if more:
                _prefetch_slot(t, &ahead[stop & (LOOKAHEAD - 1)])
                stop += 1
            continue
        if first == stop:
            break
        token = &ahead[first & (LOOKAHEAD - 1)]
        r = _find(t, token)
        if r < 0:
            r = _insert(t, token)
            if r < 0:
                break
        t.slots[r].count += 1
        # Sentences are counted at their first token; a line may span add() calls.
        n_sentences += token.after_newline or not line_open
        line_open = True
        first += 1
    t.n_tokens += first
    t.n_sentences += n_sentences
    if first < stop:        # stopped by an error
        t.line_open = line_open
        return <int>r
    # The last, failed _next_token call left its verdict on the trailing whitespace
    # in a free place of `ahead`, which nothing wrote after it.
    t.line_open = line_open and not ahead[stop & (LOOKAHEAD - 1)].after_newline
    return OK


cdef inline int _end_sentence(Encoded *out) noexcept nogil:
    cdef void *grown
    if out.n_starts == out.starts_cap:
        grown = realloc(out.starts, 2 * out.starts_cap * sizeof(int64_t))
        if grown == NULL:
            return NO_MEMORY
        out.starts = <int64_t *> grown
        out.starts_cap *= 2
    out.starts[out.n_starts] = out.n_ids
    out.n_starts += 1
    return OK


cdef int _encode(const Table *t, const uint8_t *data, int64_t size,
                 int64_t max_sentence, Encoded *out) noexcept nogil:
    """Append the in-vocabulary ids of data[:size] to `out`, ending a sentence at
    each b'\\n' and after every max_sentence ids; OK or NO_MEMORY."""
    cdef Scanner sc
    cdef Token ahead[LOOKAHEAD]
    cdef Token *token
    cdef int64_t first = 0, stop = 0    # tokens looked up, tokens scanned
    cdef int64_t r
    cdef int64_t in_sentence = 0        # ids since the last sentence start
    cdef int32_t word
    cdef void *grown
    cdef bint more = True
    _start_scan(&sc, data, size)
    while True:
        if more and stop - first < LOOKAHEAD:
            more = _next_token(&sc, &ahead[stop & (LOOKAHEAD - 1)])
            if more:
                _prefetch_slot(t, &ahead[stop & (LOOKAHEAD - 1)])
                stop += 1
            continue
        if first == stop:
            break
        token = &ahead[first & (LOOKAHEAD - 1)]
        first += 1
        if token.after_newline and in_sentence > 0:
            if _end_sentence(out) != OK:
                return NO_MEMORY
            in_sentence = 0
        r = _find(t, token)
        word = t.slots[r].id if r >= 0 else -1
        if word < 0:
            continue
        if out.n_ids == out.ids_cap:
            grown = realloc(out.ids, 2 * out.ids_cap * sizeof(uint32_t))
            if grown == NULL:
                return NO_MEMORY
            out.ids = <uint32_t *> grown
            out.ids_cap *= 2
        out.ids[out.n_ids] = <uint32_t>word
        out.n_ids += 1
        in_sentence += 1
        if in_sentence == max_sentence:
            if _end_sentence(out) != OK:
                return NO_MEMORY
            in_sentence = 0
    if in_sentence > 0:
        return _end_sentence(out)
    return OK


cdef int _prune(Table *t, int64_t min_count) noexcept nogil:
    """Keep only tokens counted at least min_count times, in fresh slots and arena
    (same slot capacity); OK, or NO_MEMORY with the table unchanged."""
    cdef uint64_t i
    cdef int64_t kept = 0, used = 0
    cdef Slot s
    cdef Slot *slots
    cdef uint8_t *arena
    for i in range(t.mask + 1):
        if t.slots[i].length > INLINE_BYTES and t.slots[i].count >= min_count:
            used += t.slots[i].length
    slots = _empty_slots(t.mask + 1)
    arena = <uint8_t *> malloc(max(used, INITIAL_ARENA))
    if slots == NULL or arena == NULL:
        free(slots)
        free(arena)
        return NO_MEMORY
    used = 0
    for i in range(t.mask + 1):
        s = t.slots[i]
        if s.length < 0 or s.count < min_count:
            continue
        if s.length > INLINE_BYTES:
            memcpy(arena + used, t.arena + s.key[0], s.length)
            s.key[0] = used
            used += s.length
        _place(slots, t.mask, &s)
        kept += 1
    free(t.slots)
    free(t.arena)
    t.slots = slots
    t.arena = arena
    t.arena_cap = max(used, INITIAL_ARENA)
    t.arena_used = used
    t.size = kept
    return OK


# ---------------------------------------------------------------- Python view

cdef inline const uint8_t *_start(const uint8_t[::1] data) noexcept:
    # &data[0] is out of bounds on an empty buffer; a non-NULL pointer must stand in.
    cdef const char *nothing = b""
    return &data[0] if data.shape[0] > 0 else <const uint8_t *> nothing


def _raise_status(int status, str action):
    if status == TOO_MANY_TOKENS:
        raise OverflowError(f"{action}: the TokenCounter is full; prune() rare tokens "
                            "while counting (max_vocab_size)")
    if status == TOO_LONG:
        raise OverflowError(f"{action}: a token is longer than {INT32_MAX} bytes, the "
                            "limit; is the file text, with whitespace between words?")
    raise MemoryError(f"{action}: out of memory; prune() rare tokens while counting "
                      "(max_vocab_size) or count a smaller corpus")


cdef class TokenCounter:
    """Counts of whitespace-separated byte tokens, and their encoding into vocabulary ids.

    Tokens are split on ASCII whitespace (`WHITESPACE`, the set bytes.split() uses);
    a b'\\n' ends a sentence. Feed a file block by block to add(); each block must
    end at a token boundary (after whitespace, or at the end of the file), or the
    token it cuts is counted as two.
    """

    cdef Table t
    cdef bint has_ids       # set_ids() was called
    cdef int readers        # encode() calls running without the GIL
    cdef bint writing       # an add() running without the GIL

    def __cinit__(self):
        memset(&self.t, 0, sizeof(Table))
        self.t.slots = _empty_slots(INITIAL_SLOTS)
        self.t.arena = <uint8_t *> malloc(INITIAL_ARENA)
        if self.t.slots == NULL or self.t.arena == NULL:
            raise MemoryError("no memory for an empty TokenCounter")
        self.t.mask = INITIAL_SLOTS - 1
        self.t.grow_at = INITIAL_SLOTS * 7 // 10
        self.t.arena_cap = INITIAL_ARENA

    def __dealloc__(self):
        free(self.t.slots)
        free(self.t.arena)

    cdef _claim(self, str action):
        # The GIL is held, so this check and the caller's flag update are atomic.
        if self.writing or self.readers:
            raise RuntimeError(f"cannot {action} while another thread is using this "
                               "TokenCounter")

    def __len__(self) -> int:
        """Number of distinct tokens held."""
        return self.t.size

    @property
    def n_tokens(self) -> int:
        """Tokens seen by add(), pruned or not."""
        return self.t.n_tokens

    @property
    def n_sentences(self) -> int:
        """Lines holding at least one token seen by add(). A line cut between two
        add() calls counts once (so do the last line of one file and the first of
        the next when the first does not end with b'\\n')."""
        return self.t.n_sentences

    @property
    def nbytes(self) -> int:
        """Bytes of memory held by the table."""
        return (self.t.mask + 1) * sizeof(Slot) + self.t.arena_cap

    def add(self, const uint8_t[::1] data) -> None:
        """Count every token of `data` (bytes-like: bytes, bytearray, mmap, uint8 array).

        New tokens get id -1 (out of vocabulary) until the next set_ids(). The GIL
        is released while scanning.
        """
        cdef int status
        cdef const uint8_t *p = _start(data)
        self._claim("add()")
        self.writing = True
        try:
            with nogil:
                status = _count(&self.t, p, data.shape[0])
        finally:
            self.writing = False
        if status != OK:
            _raise_status(status, "add()")

    def prune(self, int64_t min_count) -> int:
        """Drop tokens counted fewer than `min_count` times; return how many went.

        With a threshold that grows by one per overflow, as in count_words, this is
        word2vec.c's ReduceVocab. Survivors keep their counts and ids; the order of
        items() changes.
        """
        cdef int64_t before = self.t.size
        self._claim("prune()")
        if _prune(&self.t, min_count) != OK:
            _raise_status(NO_MEMORY, "prune()")
        return before - self.t.size

    def items(self):
        """(tokens, counts): list of len(self) bytes, and int64 array (len(self),).

        The order is the table's: arbitrary, but the one set_ids() expects, until
        the next add() or prune().
        """
        cdef uint64_t i
        cdef int64_t k = 0, b
        cdef const Slot *s
        cdef uint8_t inline_token[INLINE_BYTES]
        if self.writing:
            raise RuntimeError("cannot items() while another thread adds to this TokenCounter")
        counts = np.empty(self.t.size, dtype=np.int64)
        cdef int64_t[::1] c = counts
        tokens = []
        for i in range(self.t.mask + 1):
            s = &self.t.slots[i]
            if s.length < 0:
                continue
            if s.length <= INLINE_BYTES:
                for b in range(s.length):
                    inline_token[b] = <uint8_t>(s.key[b // 8] >> (8 * (b % 8)))
                tokens.append((<char *> inline_token)[:s.length])
            else:
                tokens.append((<char *> self.t.arena)[s.key[0]:s.key[0] + s.length])
            c[k] = s.count
            k += 1
        return tokens, counts

    def set_ids(self, ids) -> None:
        """Give each token, in items() order, its vocabulary id for encode().

        ids: int array (len(self),) of ids in [0, 2**31), or -1 for out of vocabulary.
        """
        cdef uint64_t i
        cdef int64_t k = 0
        self._claim("set_ids()")
        array = np.asarray(ids)
        if array.shape != (self.t.size,):
            raise ValueError(f"ids has shape {array.shape} but the counter holds "
                             f"{self.t.size} tokens; pass one id per token of items()")
        if array.size and (array.min() < -1 or array.max() > INT32_MAX):
            raise ValueError(f"ids range from {array.min()} to {array.max()}; each must "
                             f"be in [0, {INT32_MAX}], or -1 for out of vocabulary")
        cdef const int32_t[::1] v = np.ascontiguousarray(array, dtype=np.int32)
        for i in range(self.t.mask + 1):
            if self.t.slots[i].length >= 0:
                self.t.slots[i].id = v[k]
                k += 1
        self.has_ids = True

    def encode(self, const uint8_t[::1] data, int64_t max_sentence):
        """Vocabulary ids of the tokens of `data`, cut into sentences.

        A b'\\n' ends a sentence. Tokens with id -1 and tokens the counter never
        saw are dropped; sentences left empty are dropped; a sentence of more than
        `max_sentence` ids is cut into pieces of `max_sentence` (the last shorter),
        so no id is lost. The counter is not changed. The GIL is released while
        scanning, and several threads may encode with one counter at once.

        Returns (token_ids uint32 (n,), sentence_starts int64 (m + 1,)): sentence i
        is token_ids[sentence_starts[i]:sentence_starts[i + 1]].
        """
        cdef Encoded out
        cdef int status
        cdef const uint8_t *p = _start(data)
        cdef uint32_t[::1] ids_view
        cdef int64_t[::1] starts_view
        if max_sentence < 1:
            raise ValueError(f"max_sentence must be >= 1, got {max_sentence}")
        if self.writing:
            raise RuntimeError("cannot encode() while another thread adds to this "
                               "TokenCounter")
        if not self.has_ids:
            raise RuntimeError("encode() needs vocabulary ids: call set_ids() first")
        memset(&out, 0, sizeof(Encoded))
        # Room for typical text (over 6 bytes a token); the buffers double if not.
        out.ids_cap = data.shape[0] // 6 + 16
        out.starts_cap = data.shape[0] // 64 + 16
        out.ids = <uint32_t *> malloc(out.ids_cap * sizeof(uint32_t))
        out.starts = <int64_t *> malloc(out.starts_cap * sizeof(int64_t))
        try:
            if out.ids == NULL or out.starts == NULL:
                raise MemoryError(f"encode(): no memory for {data.shape[0]} bytes of text")
            out.starts[0] = 0
            out.n_starts = 1
            self.readers += 1
            try:
                with nogil:
                    status = _encode(&self.t, p, data.shape[0], max_sentence, &out)
            finally:
                self.readers -= 1
            if status != OK:
                raise MemoryError(f"encode(): no memory for {data.shape[0]} bytes of text")
            token_ids = np.empty(out.n_ids, dtype=np.uint32)
            sentence_starts = np.empty(out.n_starts, dtype=np.int64)
            ids_view = token_ids
            starts_view = sentence_starts
            if out.n_ids:
                memcpy(&ids_view[0], out.ids, out.n_ids * sizeof(uint32_t))
            memcpy(&starts_view[0], out.starts, out.n_starts * sizeof(int64_t))
        finally:
            free(out.ids)
            free(out.starts)
        return token_ids, sentence_starts
