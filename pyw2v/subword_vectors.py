"""Word vectors that also answer for words outside the vocabulary, from their n-grams.

A vocabulary word's row is its composed vector (its own row and its n-gram rows,
averaged, as fastText composes it), so every query over the vocabulary is
WordVectors' as is. Any other string gets the mean of the rows of its n-grams
(pyw2v.subwords numbers them as fastText does), so ``wv["unseenword"]``,
``similarity`` and ``most_similar`` take it like a known word. A string none of
whose n-grams has a row (too short for minn, or all its buckets unused) has no
vector: a KeyError says so.

The n-gram rows are held as a matrix with one row per stored bucket: all the
buckets (a fastText file's layout), or only the buckets some vocabulary word
hits, with ``bucket_rows`` mapping a bucket to its row (-1: none).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pyw2v.subwords import check_ngram_range, ngram_buckets
from pyw2v.vectors import WordVectors


class SubwordVectors(WordVectors):
    """WordVectors plus n-gram rows, so unseen words get vectors.

    Parameters
    ----------
    index_to_key, vectors, counts : as WordVectors (vectors: the composed rows).
    ngram_vectors : array (rows, dim), the n-gram rows.
    minn, maxn : the n-gram lengths, in characters.
    buckets : the number of hash buckets the n-grams were hashed into.
    bucket_rows : None when ngram_vectors has one row per bucket; else an int
        array (buckets,) giving each bucket's row, -1 for a bucket with none.
    """

    def __init__(self, index_to_key: Iterable[str], vectors: ArrayLike,
                 ngram_vectors: ArrayLike, *, minn: int, maxn: int, buckets: int,
                 bucket_rows: ArrayLike | None = None, counts: ArrayLike | None = None) -> None:
        super().__init__(index_to_key, vectors, counts)
        check_ngram_range(minn, maxn)
        grams = np.ascontiguousarray(ngram_vectors, dtype=np.float32)
        if grams.ndim != 2 or grams.shape[1] != self.dim:
            raise ValueError(f"ngram_vectors must have shape (rows, {self.dim}) to match "
                             f"vectors, got {grams.shape}")
        rows = None
        if bucket_rows is None:
            if grams.shape[0] != buckets:
                raise ValueError(f"ngram_vectors has {grams.shape[0]} rows but buckets is "
                                 f"{buckets}; give one row per bucket, or bucket_rows")
        else:
            rows = np.asarray(bucket_rows)
            if rows.shape != (buckets,) or not np.issubdtype(rows.dtype, np.integer) \
                    or (rows.size and (rows.min() < -1 or rows.max() >= grams.shape[0])):
                raise ValueError(f"bucket_rows must be {buckets} integers from -1 to "
                                 f"{grams.shape[0] - 1} (a row of ngram_vectors, or none)")
            rows = rows.astype(np.int32)
        self.ngram_vectors: NDArray[np.float32] = grams
        self.bucket_rows: NDArray[np.int32] | None = rows
        self.minn, self.maxn, self.buckets = int(minn), int(maxn), int(buckets)

    def __repr__(self) -> str:
        return (f"SubwordVectors({len(self)} words, dim {self.dim}, n-grams {self.minn}-"
                f"{self.maxn} in {self.buckets} buckets)")

    def ngram_rows(self, word: str) -> NDArray[np.int64]:
        """The rows of ngram_vectors that `word`'s n-grams use (repeats kept)."""
        ids = ngram_buckets(word, self.minn, self.maxn, self.buckets)
        if self.bucket_rows is None:
            return ids
        found = self.bucket_rows[ids]
        return found[found >= 0].astype(np.int64)

    def oov_vector(self, word: str) -> NDArray[np.float32]:
        """The mean of `word`'s n-gram rows (whether or not it is in the vocabulary)."""
        if not isinstance(word, str):
            raise TypeError(f"a word must be str, got {type(word).__name__} {word!r}")
        rows = self.ngram_rows(word)
        if rows.size == 0:
            raise KeyError(f"word {word!r} is not in the vocabulary and has no character "
                           f"n-gram of {self.minn} to {self.maxn} characters with a trained "
                           "row, so it has no vector")
        mean: NDArray[np.float32] = self.ngram_vectors[rows].mean(axis=0, dtype=np.float32)
        return mean

    def __getitem__(self, word: str | Sequence[str]) -> NDArray[np.float32]:
        """A word's vector (a view of a vocabulary word's row; a new array for an
        unseen word), or a new (k, dim) array for a list of words."""
        if isinstance(word, str):
            return self.get_vector(word)
        return np.stack([self.get_vector(w) for w in word]) if len(word) else \
            np.zeros((0, self.dim), dtype=np.float32)

    def get_vector(self, key: str, norm: bool = False) -> NDArray[np.float32]:
        """As WordVectors.get_vector, and an unseen word's n-gram vector."""
        if key in self.key_to_index:
            return super().get_vector(key, norm)
        vector = self.oov_vector(key)
        if norm:
            length = np.linalg.norm(vector)
            return vector / length if length > 0 else vector
        return vector

    def _unit(self, term: ArrayLike) -> tuple[NDArray[np.float32], int | None]:
        """An unseen word is a query vector like any other (no row to exclude)."""
        if isinstance(term, str) and term not in self.key_to_index:
            return super()._unit(self.oov_vector(term))
        return super()._unit(term)
