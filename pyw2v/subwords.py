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

The vocabulary's n-grams are computed once into a flat CSR pair (offsets, bucket
ids), the form the compiled core and the vector composition both read.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

BEGIN, END = "<", ">"
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MASK = 0xFFFFFFFF


def fasttext_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a of `data`: each byte sign-extended before the xor."""
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ (byte | 0xFFFFFF00 if byte & 0x80 else byte)) * _FNV_PRIME) & _MASK
    return h


def check_ngram_range(minn: int, maxn: int) -> None:
    """Refuse an n-gram range fastText would not train (ValueError naming it)."""
    for name, value in (("minn", minn), ("maxn", maxn)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (fastText's default "
                             f"range is 3 to 6), got {value!r}")
    if minn > maxn:
        raise ValueError(f"minn ({minn}) is larger than maxn ({maxn}); give minn <= maxn")


def char_ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """The UTF-8 bytes of `word`'s n-grams of minn to maxn characters, with the
    boundary markers, in fastText's order (by start, then length)."""
    chars = [c.encode("utf-8") for c in BEGIN + word + END]
    last = len(chars)
    grams = []
    for start in range(last):
        for n in range(minn, min(maxn, last - start) + 1):
            if n == 1 and (start == 0 or start + 1 == last):
                continue   # a lone boundary marker
            grams.append(b"".join(chars[start:start + n]))
    return grams


def ngram_buckets(word: str, minn: int, maxn: int, buckets: int) -> NDArray[np.int64]:
    """The bucket of each of `word`'s n-grams (repeats kept, as fastText sums them)."""
    return np.array([fasttext_hash(g) % buckets for g in char_ngrams(word, minn, maxn)],
                    dtype=np.int64)


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
        if isinstance(buckets, bool) or not isinstance(buckets, (int, np.integer)) \
                or not 1 <= buckets < 2**31:
            raise ValueError(f"buckets must be an integer from 1 to 2**31 - 1 (fastText's "
                             f"default is 2000000), got {buckets!r}")
        per_word = [ngram_buckets(w, minn, maxn, buckets) for w in words]
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(ids) for ids in per_word], out=offsets[1:])
        flat = np.concatenate(per_word) if per_word else np.zeros(0, dtype=np.int64)
        return cls(int(minn), int(maxn), int(buckets), offsets, flat.astype(np.int32))

    def of(self, i: int) -> NDArray[np.int32]:
        """Word i's bucket ids."""
        return self.bucket_ids[self.offsets[i]:self.offsets[i + 1]]
