"""Character n-grams of a word and their hash buckets, as fastText numbers them.

A word is wrapped in the boundary markers ``<`` and ``>``; its n-grams are the
runs of minn to maxn characters of the wrapped word (characters, not bytes: a
UTF-8 sequence is never split), leaving out the two one-character n-grams that
are a lone marker. Each n-gram's bytes are hashed with 32-bit FNV-1a in
fastText's variant, where every byte is sign-extended before the xor (so bytes
from 0x80 up, i.e. any non-ASCII character, hash differently from textbook
FNV-1a), and the bucket is the hash modulo the number of buckets. Matching this
exactly is what lets a fastText ``.bin`` load here and answer for unseen words
with the same rows fastText would use.

The hashing is compiled (pyw2v/_subwords.pyx; its plain twin is
pyw2v.reference.ngram_buckets). A vocabulary's n-grams are computed once into a
flat CSR pair (offsets, bucket ids), the form the compiled core and the vector
composition both read.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pyw2v import _subwords

BEGIN, END = "<", ">"


def check_ngram_range(minn: int, maxn: int) -> None:
    """Refuse an n-gram range fastText would not train (ValueError naming it)."""
    for name, value in (("minn", minn), ("maxn", maxn)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (fastText's default "
                             f"range is 3 to 6), got {value!r}")
    if minn > maxn:
        raise ValueError(f"minn ({minn}) is larger than maxn ({maxn}); give minn <= maxn")


def check_buckets(buckets: int) -> None:
    """Refuse a bucket count fastText's 32-bit ids could not hold."""
    if isinstance(buckets, bool) or not isinstance(buckets, (int, np.integer)) \
            or not 1 <= buckets < 2**31:
        raise ValueError(f"buckets must be an integer from 1 to 2**31 - 1 (fastText's "
                         f"default is 2000000), got {buckets!r}")


def char_ngrams(word: str, minn: int, maxn: int) -> list[str]:
    """`word`'s n-grams of minn to maxn characters, with the boundary markers, in
    fastText's order (by start, then length): what its buckets are buckets of."""
    wrapped = BEGIN + word + END
    last = len(wrapped)
    return [wrapped[start:start + n] for start in range(last)
            for n in range(minn, min(maxn, last - start) + 1)
            if not (n == 1 and (start == 0 or start + 1 == last))]


def ngram_buckets(word: str, minn: int, maxn: int, buckets: int) -> NDArray[np.int64]:
    """The bucket of each of `word`'s n-grams (repeats kept, as fastText sums them)."""
    return _subwords.ngram_buckets([word], minn, maxn, buckets)[1].astype(np.int64)


@dataclass(frozen=True)
class SubwordIndex:
    """The n-gram buckets of every vocabulary word, flat: word i's are
    bucket_ids[offsets[i]:offsets[i + 1]]."""

    minn: int
    maxn: int
    buckets: int
    offsets: NDArray[np.int64]
    bucket_ids: NDArray[np.int32]

    @classmethod
    def build(cls, words: Sequence[str], minn: int, maxn: int, buckets: int) -> SubwordIndex:
        """Hash every word's n-grams once."""
        check_ngram_range(minn, maxn)
        check_buckets(buckets)
        offsets, ids = _subwords.ngram_buckets(list(words), int(minn), int(maxn), int(buckets))
        return cls(int(minn), int(maxn), int(buckets), offsets, ids)

    def of(self, i: int) -> NDArray[np.int32]:
        """Word i's bucket ids."""
        return self.bucket_ids[self.offsets[i]:self.offsets[i + 1]]


@dataclass(frozen=True)
class SubwordLayout:
    """Where a vocabulary's words and n-grams live in one input matrix: rows 0 to
    n_words - 1 are the words, row n_words + r the r-th stored bucket. Only the
    buckets some vocabulary n-gram hits are stored (fastText allocates them all:
    2M x dim 100 is 800 MB, where corpus-dev's 53,716 words hit 223k buckets), so an
    unseen word's n-gram in another bucket has no row and is left out.

    Word i's parts, the rows its input vector averages, are
    part_rows[part_offsets[i]:part_offsets[i + 1]]: its own row first, then its
    n-grams' rows in fastText's order (repeats kept)."""

    index: SubwordIndex
    stored_buckets: NDArray[np.int32]
    part_offsets: NDArray[np.int64]
    part_rows: NDArray[np.int32]

    @classmethod
    def build(cls, words: Sequence[str], minn: int, maxn: int, buckets: int) -> SubwordLayout:
        """Hash the words' n-grams and give each bucket they hit a row."""
        index = SubwordIndex.build(words, minn, maxn, buckets)
        n_words = len(index.offsets) - 1
        stored, ngram_rows = np.unique(index.bucket_ids, return_inverse=True)
        if n_words + len(stored) >= 2**31:
            raise ValueError(f"{n_words} words and {len(stored)} n-gram buckets need more "
                             "than 2**31 rows; use fewer buckets or a smaller vocabulary")
        part_offsets = index.offsets + np.arange(n_words + 1, dtype=np.int64)
        part_rows = np.empty(part_offsets[-1], dtype=np.int32)
        own = np.zeros(len(part_rows), dtype=bool)
        own[part_offsets[:-1]] = True
        part_rows[own] = np.arange(n_words, dtype=np.int32)
        part_rows[~own] = n_words + ngram_rows.reshape(-1).astype(np.int32)
        return cls(index, stored.astype(np.int32), part_offsets, part_rows)

    @property
    def n_words(self) -> int:
        return len(self.part_offsets) - 1

    def bucket_rows(self) -> NDArray[np.int32]:
        """For each bucket, its row among the stored n-gram rows, or -1."""
        rows = np.full(self.index.buckets, -1, dtype=np.int32)
        rows[self.stored_buckets] = np.arange(len(self.stored_buckets), dtype=np.int32)
        return rows

    def parts(self, i: int) -> NDArray[np.int32]:
        """Word i's rows: its own, then its n-grams'."""
        return self.part_rows[self.part_offsets[i]:self.part_offsets[i + 1]]


_COMPOSE_PARTS = 1 << 18   # parts gathered at a time while composing (x dim floats)


def compose(inputs: NDArray[np.float32], part_offsets: NDArray[np.int64],
            part_rows: NDArray[np.int32]) -> NDArray[np.float32]:
    """Each word's input vector, the mean of its parts' rows of `inputs` (word i's
    parts: part_rows[part_offsets[i]:part_offsets[i + 1]], at least one each),
    float32 (words, dim); gathered a block of words at a time, so the memory it
    takes beyond the result stays bounded."""
    n_words = len(part_offsets) - 1
    out = np.empty((n_words, inputs.shape[1]), dtype=np.float32)
    start = 0
    while start < n_words:
        stop = int(np.searchsorted(part_offsets, part_offsets[start] + _COMPOSE_PARTS, "right"))
        stop = min(max(stop - 1, start + 1), n_words)
        lo, hi = part_offsets[start], part_offsets[stop]
        sums = np.add.reduceat(inputs[part_rows[lo:hi]], part_offsets[start:stop] - lo, axis=0)
        out[start:stop] = sums / np.diff(part_offsets[start:stop + 1]).astype(np.float32)[:, None]
        start = stop
    return out
