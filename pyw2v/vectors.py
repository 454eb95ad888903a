"""Word vectors: the container, row norms, cosine queries and word2vec file I/O.

:class:`WordVectors` holds a vocabulary (``index_to_key``) and a float32 matrix
(``vectors``, one row per word).  Every query is cosine similarity: the query
direction is built from unit-length word vectors, and scores against the whole
vocabulary come from one matrix-vector product divided by the row norms, so a
query over 1M x 300 costs one pass over the matrix.  Batches of queries
(:meth:`WordVectors.most_similar_to_vectors`) use one matrix product per batch.

Row norms, not a normalised copy of the matrix, are cached: scoring with
``(vectors @ q) / norms`` costs the same as with a unit matrix and does not
double the memory of a large model.  A zero row has norm 0; it is divided by 1
instead and so scores 0 against everything, never NaN.

The evaluators (analogies, word pairs) and their result classes live in
:mod:`pyw2v.evaluation`; the ``evaluate_*`` methods here delegate to them.
gensim 4's ``KeyedVectors`` methods come from the mixin in :mod:`pyw2v.keyed_api`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:   # annotations only: typing_extensions is not a dependency
    from typing_extensions import TypeIs

from . import evaluation, formats
from ._cosine import (
    COSMUL_EPS,
    Query,
    Term,
    batch_size,
    check_method,
    check_restrict,
    is_int,
    row_norms,
    safe_norms,
    unit_rows,
)
from .evaluation import AnalogyResult, SectionScore, WordPairsResult
from .keyed_api import KeyedVectorsAPI

__all__ = [
    "AnalogyResult",
    "SectionScore",
    "WordPairsResult",
    "WordVectors",
    "load_word2vec",
]



class Indexer(Protocol):
    """gensim's approximate-neighbour hook (e.g. an AnnoyIndexer): see most_similar."""

    def most_similar(self, vector: NDArray[np.float32], num_neighbors: int
                     ) -> list[tuple[str, float]]: ...


class WordVectors(KeyedVectorsAPI):
    """A vocabulary and its vectors, with similarity queries.

    It also answers gensim 4's ``KeyedVectors`` methods (``n_similarity``,
    ``most_similar_cosmul``, ``get_mean_vector``, ``add_vectors``, ...; see
    :mod:`pyw2v.keyed_api`), so gensim code runs on it.

    Parameters
    ----------
    index_to_key : the n words, unique, in row order (usually by descending count).
    vectors : array (n, dim).  Kept as is, not copied, when it is already a
        C-contiguous float32 array; otherwise converted to one.
    counts : optional corpus counts (n,) of the words, stored as int64.

    ``wv["king"]`` is a view of the word's row; ``wv.vectors`` is the matrix
    itself.  Row norms are computed on the first query and cached.  Assigning
    ``wv.vectors = new_matrix`` resets the cache; after writing into the matrix
    in place (for instance by training more), call :meth:`invalidate_norms`.
    """

    def __init__(
        self,
        index_to_key: Iterable[str],
        vectors: ArrayLike,
        counts: ArrayLike | None = None,
    ) -> None:
        keys = list(index_to_key)
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError(
                    f"index_to_key[{i}] is {type(key).__name__} {key!r}; words must be str"
                )
        key_to_index = {key: i for i, key in enumerate(keys)}
        if len(key_to_index) != len(keys):
            dup = next(k for i, k in enumerate(keys) if key_to_index[k] != i)
            raise ValueError(f"index_to_key contains {dup!r} more than once; words must be unique")
        self.index_to_key: list[str] = keys
        self.key_to_index: dict[str, int] = key_to_index
        self._vectors = self._check_matrix(vectors, len(keys))
        self.counts: NDArray[np.int64] | None = None
        if counts is not None:
            arr = np.asarray(counts)
            if (
                arr.shape != (len(keys),)
                or not np.issubdtype(arr.dtype, np.integer)
                or (arr < 0).any()
            ):
                raise ValueError(
                    f"counts must be {len(keys)} non-negative integers (one per word), "
                    f"got shape {arr.shape} dtype {arr.dtype}"
                )
            self.counts = arr.astype(np.int64)
        self._norms: NDArray[np.float32] | None = None
        self._safe_norms: NDArray[np.float32] | None = None

    @staticmethod
    def _check_matrix(vectors: ArrayLike, n: int) -> NDArray[np.float32]:
        arr = np.asarray(vectors)
        if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < 1:
            raise ValueError(
                f"vectors must have shape ({n}, dim>=1) to match index_to_key, got {arr.shape}"
            )
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(f"vectors must hold numbers, got dtype {arr.dtype}")
        return np.ascontiguousarray(arr, dtype=np.float32)

    # ------------------------------------------------------------------ container

    @property
    def vectors(self) -> NDArray[np.float32]:
        """The float32 matrix (n, dim), one row per word; not a copy."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: ArrayLike) -> None:
        self._vectors = self._check_matrix(value, len(self.index_to_key))
        self.invalidate_norms()

    @property
    def dim(self) -> int:
        """Number of dimensions of each vector."""
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.key_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self.index_to_key)

    def __getitem__(self, word: str | Sequence[str]) -> NDArray[np.float32]:
        """The row of ``word`` (a view), or a new (k, dim) array for a list of words."""
        rows: NDArray[np.float32] = (self._vectors[self.get_index(word)] if isinstance(word, str)
                                     else self._vectors[[self.get_index(w) for w in word]])
        return rows

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words, dim {self.dim})"

    def get_index(self, word: str, default: int | None = None) -> int:
        """Row index of ``word``; if absent, ``default`` when given, else ``KeyError`` naming it."""
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            if default is not None:
                return default
            raise KeyError(f"word {word!r} not in vocabulary") from None

    # ------------------------------------------------------------------ norms

    @property
    def norms(self) -> NDArray[np.float32]:
        """Euclidean length of each row, float32 (n,); cached (see the class docstring)."""
        if self._norms is None:
            self._norms = row_norms(self._vectors)
            self._safe_norms = safe_norms(self._norms)
        return self._norms

    def _divisors(self) -> NDArray[np.float32]:
        """Row norms with zeros replaced by 1, so zero rows score 0."""
        if self._safe_norms is None:
            self.norms
        return self._safe_norms  # type: ignore[return-value]

    def invalidate_norms(self) -> None:
        """Forget the cached norms; call after changing ``vectors`` in place."""
        self._norms = None
        self._safe_norms = None

    def unit_vectors(self) -> NDArray[np.float32]:
        """A new float32 array (n, dim): each row scaled to length 1 (zero rows stay 0)."""
        return cast("NDArray[np.float32]", self._vectors / self._divisors()[:, None])

    # ------------------------------------------------------------------ queries

    def _restrict(self, restrict_vocab: int | None) -> int:
        return check_restrict(restrict_vocab, len(self))

    @staticmethod
    def _check_topn(topn: int) -> int:
        if not is_int(topn) or topn < 1:
            raise ValueError(f"topn must be a positive integer, got {topn!r}")
        return int(topn)

    def _unit(self, term: ArrayLike) -> tuple[NDArray[np.float32], int | None]:
        """(unit float32 vector, row index or None) for a word or a vector."""
        if isinstance(term, str):
            index = self.get_index(term)
            return self._vectors[index] / self._divisors()[index], index
        try:
            vec = np.asarray(term, dtype=np.float32)
        except (TypeError, ValueError):
            vec = None
        if vec is None or vec.shape != (self.dim,):
            got = f"shape {vec.shape}" if vec is not None else repr(term)
            raise ValueError(
                f"a query term must be a word or a vector of shape ({self.dim},), got {got}"
            )
        if not np.isfinite(vec).all():
            raise ValueError("a query vector contains NaN or infinity")
        return unit_rows(vec[None, :])[0], None

    @staticmethod
    def _terms(value: Term | Iterable[Query] | None) -> list[Any]:   # items as the caller gave
        if value is None:
            return []
        if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 1):
            return [value]
        return list(value)

    def _cosines(self, query: NDArray[np.float32], stop: int) -> NDArray[np.float32]:
        """Cosine of each of the first ``stop`` rows with unit ``query``: one mat-vec product."""
        return (self._vectors[:stop] @ query) / self._divisors()[:stop]

    def _top(
        self, scores: NDArray[np.floating[Any]], topn: int, exclude: Iterable[int] = ()
    ) -> list[tuple[str, float]]:
        """The ``topn`` best (word, score), highest first, ties by row, skipping ``exclude``."""
        excluded = {i for i in exclude if i < len(scores)}
        k = min(topn + len(excluded), len(scores))
        if k == 0:
            return []
        if k < len(scores):
            candidates = np.argpartition(-scores, k - 1)[:k]
        else:
            candidates = np.arange(len(scores))
        candidates = candidates[np.lexsort((candidates, -scores[candidates]))]
        return [
            (self.index_to_key[i], float(scores[i]))
            for i in candidates.tolist()
            if i not in excluded
        ][:topn]

    def _query(
        self, positive: Term | Iterable[Query] | None, negative: Term | Iterable[Query] | None
    ) -> tuple[NDArray[np.float32], list[int]]:
        """(unit query vector, rows of the query words) for :meth:`most_similar`.

        Each term is scaled to unit length and weighted +1 (positive) or -1
        (negative); a ``(term, weight)`` tuple sets its weight, sign included
        (gensim's rule).
        """
        query = np.zeros(self.dim, dtype=np.float32)
        exclude: list[int] = []
        terms = [(t, 1.0) for t in self._terms(positive)]
        terms += [(t, -1.0) for t in self._terms(negative)]
        if not terms:
            raise ValueError("most_similar needs at least one positive or negative word")
        for term, weight in terms:
            if _is_weighted(term):
                term, weight = term
                if not np.isfinite(weight):
                    raise ValueError(f"the weight of {term!r} must be finite, got {weight!r}")
            unit, index = self._unit(term)
            query += np.float32(weight) * unit
            if index is not None:
                exclude.append(index)
        return unit_rows(query[None, :])[0], exclude

    @overload
    def most_similar(
        self,
        positive: Term | Iterable[Query] | None = ...,
        negative: Term | Iterable[Query] | None = ...,
        topn: int = ...,
        restrict_vocab: int | None = ...,
        *,
        indexer: Indexer | None = ...,
    ) -> list[tuple[str, float]]: ...

    @overload
    def most_similar(
        self,
        positive: Term | Iterable[Query] | None = ...,
        negative: Term | Iterable[Query] | None = ...,
        *,
        topn: None,
        restrict_vocab: int | None = ...,
        indexer: Indexer | None = ...,
    ) -> NDArray[np.float32]: ...

    @overload
    def most_similar(
        self,
        positive: Term | Iterable[Query] | None,
        negative: Term | Iterable[Query] | None,
        topn: None,
        restrict_vocab: int | None = ...,
        *,
        indexer: Indexer | None = ...,
    ) -> NDArray[np.float32]: ...

    @overload
    def most_similar(
        self,
        positive: Term | Iterable[Query] | None = ...,
        negative: Term | Iterable[Query] | None = ...,
        topn: int | None = ...,
        restrict_vocab: int | None = ...,
        *,
        indexer: Indexer | None = ...,
    ) -> list[tuple[str, float]] | NDArray[np.float32]: ...

    def most_similar(
        self,
        positive: Term | Iterable[Query] | None = None,
        negative: Term | Iterable[Query] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
        *,
        indexer: Indexer | None = None,
    ) -> list[tuple[str, float]] | NDArray[np.float32]:
        """Words closest by cosine to the mean of the positive terms minus the negative ones.

        Terms are words, vectors (length ``dim``) or ``(term, weight)`` tuples,
        each scaled to unit length (gensim scales words but adds vectors as
        given); the query is their weighted sum, positives +1 and negatives -1
        unless a tuple says otherwise, as in gensim and word2vec.c's
        ``distance``.  Query words are left out of the answer.
        ``restrict_vocab`` searches only the first that many rows.  ``indexer``
        is gensim's hook: an object whose ``most_similar(unit_query, topn)``
        answers instead (an approximate nearest-neighbour index).

        Returns up to ``topn`` (word, cosine) pairs, most similar first; with
        ``topn=None`` the float32 cosines (restrict_vocab or n,) of every word,
        query words included, as gensim returns them.
        """
        if topn is not None:
            topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        query, exclude = self._query(positive, negative)
        if indexer is not None and topn is not None:
            return indexer.most_similar(query, topn)
        scores = self._cosines(query, stop)
        if topn is None:
            return scores
        return self._top(scores, topn, exclude)

    def most_similar_to_vector(
        self, vector: ArrayLike, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to ``vector`` (dim,), as (word, cosine)."""
        topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        unit, _ = self._unit(vector)
        return self._top(self._cosines(unit, stop), topn)

    def most_similar_to_vectors(
        self, vectors: ArrayLike, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar_to_vector` for each row of ``vectors`` (m, dim).

        Uses one matrix product per batch of rows instead of m products.
        """
        topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        queries = np.asarray(vectors, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (m, {self.dim}), got {queries.shape}")
        if not np.isfinite(queries).all():
            raise ValueError("query vectors contain NaN or infinity")
        queries = unit_rows(queries)
        results: list[list[tuple[str, float]]] = []
        batch = batch_size(stop)
        for start in range(0, len(queries), batch):
            scores = queries[start : start + batch] @ self._vectors[:stop].T
            scores /= self._divisors()[:stop]
            results.extend(self._top(row, topn) for row in scores)
        return results

    def similarity(self, a: Term, b: Term) -> float:
        """Cosine similarity of two words (or vectors)."""
        ua, _ = self._unit(a)
        ub, _ = self._unit(b)
        return float(np.dot(ua.astype(np.float64), ub))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of ``words`` least similar to the mean of their unit vectors."""
        terms = self._terms(words)
        if not terms:
            raise ValueError("doesnt_match needs at least one word")
        names: list[str] = []
        for word in terms:
            if not isinstance(word, str):
                raise TypeError(f"doesnt_match takes words, got {type(word).__name__}")
            names.append(word)
        units = np.stack([self._unit(w)[0] for w in names])
        centre = unit_rows(units.mean(axis=0)[None, :])[0]
        return names[int(np.argmin(units @ centre))]

    @overload
    def analogy(
        self,
        a: Term,
        b: Term,
        c: Term,
        topn: None = ...,
        method: str = ...,
        restrict_vocab: int | None = ...,
    ) -> str: ...

    @overload
    def analogy(
        self,
        a: Term,
        b: Term,
        c: Term,
        topn: int,
        method: str = ...,
        restrict_vocab: int | None = ...,
    ) -> list[tuple[str, float]]: ...

    def analogy(
        self,
        a: Term,
        b: Term,
        c: Term,
        topn: int | None = None,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> str | list[tuple[str, float]]:
        """Solve a : b :: c : ?, e.g. ``analogy("man", "king", "woman")`` -> ``"queen"``.

        ``method="3cosadd"`` ranks words d by cos(d, b - a + c) (all unit
        vectors), which is :meth:`most_similar` with positive ``[b, c]`` and
        negative ``[a]``.  ``"3cosmul"`` ranks by
        ``cos'(d, b) cos'(d, c) / (cos'(d, a) + 0.001)`` with cosines shifted to
        [0, 1] by ``cos' = (cos + 1) / 2`` (Levy & Goldberg 2014).  The words
        a, b, c are never answers.

        Returns the best word when ``topn`` is None, else the ``topn`` best
        (word, score) pairs.
        """
        method = check_method(method)
        stop = self._restrict(restrict_vocab)
        count = 1 if topn is None else self._check_topn(topn)
        if method == "3cosadd":
            ranked = self.most_similar(
                positive=[b, c], negative=[a], topn=count, restrict_vocab=stop
            )
        else:
            terms = [self._unit(t) for t in (a, b, c)]
            units = np.stack([unit for unit, _ in terms])
            cos = (self._vectors[:stop] @ units.T) / self._divisors()[:stop, None]
            shifted = (cos + 1) / 2
            scores = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + np.float32(COSMUL_EPS))
            ranked = self._top(scores, count, [index for _, index in terms if index is not None])
        if topn is not None:
            return ranked
        if not ranked:
            raise ValueError("no candidate words left once a, b and c are excluded")
        return ranked[0][0]

    # ------------------------------------------------------------------ files

    def save_word2vec(
        self,
        path: formats.PathLike,
        binary: bool = True,
        *,
        overwrite: bool = False,
        float_format: str = "%.9g",
    ) -> None:
        """Write the word2vec C binary (default) or text format.

        See :func:`pyw2v.formats.write_word2vec` for the layout and options.

        Refuses to replace an existing file unless ``overwrite=True``.
        """
        formats.write_word2vec(
            path,
            self.index_to_key,
            self._vectors,
            binary=binary,
            overwrite=overwrite,
            float_format=float_format,
        )

    @classmethod
    def load_word2vec(
        cls,
        path: formats.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        *,
        unicode_errors: str = "strict",
        no_header: bool = False,
    ) -> "WordVectors":
        """Read a word2vec C text or binary file (``binary=None`` detects which).

        ``limit`` reads only the first that many words; ``no_header=True`` reads
        GloVe's text files, which lack the ``"<n_words> <dim>"`` line.  See
        :func:`pyw2v.formats.read_word2vec` for the checks and error policy.
        """
        keys, vectors = formats.read_word2vec(
            path, binary=binary, limit=limit, unicode_errors=unicode_errors,
            no_header=no_header,
        )
        return cls(keys, vectors)

    # ------------------------------------------------------------------ evaluation

    def evaluate_analogies(
        self,
        path: formats.PathLike,
        restrict_vocab: int | None = 30000,
        case_insensitive: bool = True,
        method: str = "3cosadd",
    ) -> AnalogyResult:
        """Accuracy on a questions-words analogy file.

        See :func:`pyw2v.evaluation.evaluate_analogies` for the file format and
        the counting rules (gensim 4.4's).
        """
        return evaluation.evaluate_analogies(self, path, restrict_vocab, case_insensitive, method)

    def evaluate_word_pairs(
        self,
        path: formats.PathLike,
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        delimiter: str = "\t",
        *,
        dummy4unknown: bool = False,
        encoding: str = "utf-8",
    ) -> WordPairsResult:
        """Correlation of cosine similarities with human scores (WordSim-353 layout).

        See :func:`pyw2v.evaluation.evaluate_word_pairs` for the file format and
        the counting rules (gensim 4.4's).  The result also unpacks as gensim's
        ``(pearson, spearman, oov_percent)``.
        """
        return evaluation.evaluate_word_pairs(
            self,
            path,
            restrict_vocab,
            case_insensitive,
            delimiter,
            dummy4unknown=dummy4unknown,
            encoding=encoding,
        )


def _is_weighted(term: object) -> TypeIs[tuple[Term, float]]:
    """Whether a query term is a ``(word or vector, weight)`` tuple (gensim's weighted term)."""
    return (
        isinstance(term, tuple)
        and len(term) == 2
        and isinstance(term[0], (str, np.ndarray))
        and isinstance(term[1], (int, float, np.integer, np.floating))
        and not isinstance(term[1], (bool, np.bool_))
    )


def load_word2vec(
    path: formats.PathLike,
    binary: bool | None = None,
    limit: int | None = None,
    *,
    unicode_errors: str = "strict",
    no_header: bool = False,
) -> WordVectors:
    """Read a word2vec C text or binary file, or GloVe text (``no_header=True``); see
    :meth:`WordVectors.load_word2vec`."""
    return WordVectors.load_word2vec(path, binary, limit, unicode_errors=unicode_errors,
                                     no_header=no_header)
