"""gensim 4.x ``KeyedVectors`` methods for :class:`pyw2v.WordVectors`, with gensim's semantics.

People arrive with code written against gensim; :class:`KeyedVectorsAPI` gives
WordVectors the method names, argument orders and return shapes that code
calls (``n_similarity``, ``most_similar_cosmul``, ``get_mean_vector``,
``closer_than``, ``add_vectors``, ``evaluate_word_analogies``, ...).  Each is
built on WordVectors' own cosine primitives: one matrix-vector product per
query, never a Python loop over the vocabulary.

Where gensim 4.4 behaves in a way that hides mistakes, pyw2v differs on
purpose (each method's docstring says where):

- an unknown word raises ``KeyError`` naming it (gensim's ``n_similarity``
  and ``doesnt_match`` skip it silently); ``get_mean_vector`` honours its
  ``ignore_missing`` argument as gensim does;
- an empty list raises ``ValueError`` (gensim: ``ZeroDivisionError``);
- vectors given as query terms are scaled to unit length as words are;
- ``most_similar_cosmul`` honours ``restrict_vocab`` (gensim ignores it);
- a zero vector scores 0 against everything instead of NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import evaluation, formats, gensim_compat
from ._cosine import GENSIM_COSMUL_EPS, Query, Term, row_norms, safe_norms, unit_rows

if TYPE_CHECKING:   # annotations only: typing_extensions is not a dependency
    from typing_extensions import TypeGuard

__all__ = ["KeyedVectorsAPI"]

#: The host class (WordVectors), for the constructors' return types.
K = TypeVar("K", bound="KeyedVectorsAPI")


class KeyedVectorsAPI:
    """Mixin: gensim's ``KeyedVectors`` methods over a host's words, matrix and norm cache.

    The host (:class:`pyw2v.WordVectors`) provides ``index_to_key``,
    ``key_to_index``, ``counts``, the matrix ``_vectors``, the cached
    ``_norms``/``_safe_norms`` and the query helpers ``get_index``, ``_unit``,
    ``_terms``, ``_cosines``, ``_top``, ``_restrict``, ``_check_topn``,
    ``_divisors``, ``most_similar``, ``similarity``, ``unit_vectors``.
    """

    index_to_key: list[str]
    key_to_index: dict[str, int]
    counts: NDArray[np.int64] | None
    _vectors: NDArray[np.float32]
    _norms: NDArray[np.float32] | None
    _safe_norms: NDArray[np.float32] | None

    if TYPE_CHECKING:   # the host's query helpers (vectors.py), declared for the checker only
        def get_index(self, word: str, default: int | None = None) -> int: ...
        def most_similar(self, positive: Term | Iterable[Query] | None = None,
                         negative: Term | Iterable[Query] | None = None,
                         topn: int | None = 10, restrict_vocab: int | None = None
                         ) -> list[tuple[str, float]] | NDArray[np.float32]: ...
        def similarity(self, a: Term, b: Term) -> float: ...
        def unit_vectors(self) -> NDArray[np.float32]: ...
        def invalidate_norms(self) -> None: ...
        def _unit(self, term: ArrayLike) -> tuple[NDArray[np.float32], int | None]: ...
        @staticmethod
        def _terms(value: Term | Iterable[Query] | None) -> list[Any]: ...
        @property
        def vectors(self) -> NDArray[np.float32]: ...
        @property
        def norms(self) -> NDArray[np.float32]: ...
        def _cosines(self, query: NDArray[np.float32], stop: int) -> NDArray[np.float32]: ...
        def _top(self, scores: NDArray[np.floating[Any]], topn: int,
                 exclude: Iterable[int] = ()) -> list[tuple[str, float]]: ...
        def _restrict(self, restrict_vocab: int | None) -> int: ...
        @staticmethod
        def _check_topn(topn: int) -> int: ...
        def _divisors(self) -> NDArray[np.float32]: ...

    # ------------------------------------------------------------------ lookup

    @property
    def vector_size(self) -> int:
        """gensim's name for ``dim``."""
        return int(self._vectors.shape[1])

    def has_index_for(self, key: object) -> TypeGuard[str]:
        """Whether ``key`` is a word of the vocabulary (gensim's name for ``key in wv``)."""
        return isinstance(key, str) and key in self.key_to_index

    def get_vector(self, key: str, norm: bool = False) -> NDArray[np.float32]:
        """The row of ``key`` (dim,) float32: a read-only view, or with ``norm`` a unit-length copy.

        Read-only, as in gensim, so that writing through it cannot make the
        cached norms stale.  A zero row stays zero with ``norm=True``.
        """
        index = self.get_index(key)
        if norm:
            unit: NDArray[np.float32] = self._vectors[index] / self._divisors()[index]
            return unit
        row: NDArray[np.float32] = self._vectors[index]
        row.flags.writeable = False
        return row

    def fill_norms(self, force: bool = False) -> None:
        """Compute the row norms now (they are otherwise computed on the first query).

        ``force=True`` recomputes them, as after writing into ``vectors`` in place.
        """
        if force:
            self.invalidate_norms()
        self._divisors()

    def get_normed_vectors(self) -> NDArray[np.float32]:
        """A new float32 array (n, dim) of the rows scaled to unit length (gensim's name)."""
        return self.unit_vectors()

    # ------------------------------------------------------------------ similarity

    @staticmethod
    def cosine_similarities(vector_1: ArrayLike, vectors_all: ArrayLike
                            ) -> NDArray[np.floating[Any]]:
        """Cosine of ``vector_1`` (dim,) with each row of ``vectors_all`` (m, dim), shape (m,).

        A zero vector scores 0 (gensim gives NaN).
        """
        one = np.asarray(vector_1)
        rows = np.asarray(vectors_all)
        if one.ndim != 1 or rows.ndim != 2 or rows.shape[1] != one.shape[0]:
            raise ValueError(
                f"vector_1 must have shape (dim,) and vectors_all (m, dim); got {one.shape} "
                f"and {rows.shape}"
            )
        norm = np.linalg.norm(one)
        cosines: NDArray[np.floating[Any]] = (rows @ one) / (safe_norms(np.linalg.norm(rows, axis=1)) * (norm if norm else 1))
        return cosines

    def distance(self, w1: Term, w2: Term) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def distances(
        self, word_or_vector: Term, other_words: Iterable[str] = ()
    ) -> NDArray[np.float32]:
        """Cosine distances (float32) from a word or vector to ``other_words`` (default: all words).

        With no ``other_words`` the result has one entry per row, the word itself included.
        """
        query, _ = self._unit(word_or_vector)
        others = list(other_words)
        if not others:
            return 1 - self._cosines(query, len(self.index_to_key))
        rows = [self.get_index(w) for w in others]
        distances = 1 - (self._vectors[rows] @ query) / self._divisors()[rows]
        return distances  # type: ignore[return-value, no-any-return, unused-ignore]  # older numpy stubs

    def _closer_mask(self, key1: str, key2: str) -> NDArray[np.bool_]:
        """bool (n,): words closer to ``key1`` than ``key2`` is, ``key1`` itself excluded."""
        i1, i2 = self.get_index(key1), self.get_index(key2)
        dist = self.distances(key1)
        mask: NDArray[np.bool_] = dist < dist[i2]
        mask[i1] = False
        return mask

    def closer_than(self, key1: str, key2: str) -> list[str]:
        """Every word closer (in cosine) to ``key1`` than ``key2`` is, in row order."""
        return [self.index_to_key[i] for i in np.flatnonzero(self._closer_mask(key1, key2))]

    def words_closer_than(self, word1: str, word2: str) -> list[str]:
        """gensim's older name for :meth:`closer_than`."""
        return self.closer_than(word1, word2)

    def rank(self, key1: str, key2: str) -> int:
        """1 + the number of words closer to ``key1`` than ``key2`` is."""
        return int(np.count_nonzero(self._closer_mask(key1, key2))) + 1

    def get_mean_vector(
        self,
        keys: Sequence[Term],
        weights: ArrayLike | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> NDArray[np.float32]:
        """Weighted mean (dim,) float32 of the vectors of ``keys`` (words or vectors).

        As gensim: words are scaled to unit length first when
        ``pre_normalize``, vectors are used as given, the sum is divided by the
        total absolute weight of the keys found, and missing words are skipped
        when ``ignore_missing`` (else ``KeyError``).  All keys missing gives
        zeros.  ``post_normalize`` scales the mean to unit length.
        """
        keys = self._terms(keys)
        if not keys:
            raise ValueError("get_mean_vector needs at least one key; got an empty list")
        w = np.ones(len(keys), np.float32) if weights is None else np.asarray(weights, np.float32)
        if w.shape != (len(keys),):
            raise ValueError(f"weights must have one entry per key ({len(keys)}), got {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("weights contain NaN or infinity")
        rows, row_w, given, given_w = [], [], [], []
        for key, weight in zip(keys, w.tolist()):
            if isinstance(key, np.ndarray):
                given.append(self._checked_vector(key, "a vector in keys"))
                given_w.append(weight)
            elif self.has_index_for(key):
                rows.append(self.key_to_index[key])
                row_w.append(weight)
            elif not isinstance(key, str):
                raise TypeError(f"keys must be words or vectors, got {type(key).__name__} {key!r}")
            elif not ignore_missing:
                raise KeyError(f"word {key!r} not in vocabulary")
        found = self._vectors[rows]
        if pre_normalize:
            found = found / self._divisors()[rows, None]
        total = np.asarray(row_w, np.float32) @ found
        if given:
            total = total + np.asarray(given_w, np.float32) @ np.stack(given)
        weight_sum = float(np.abs(row_w).sum() + np.abs(given_w).sum())
        mean = total / np.float32(weight_sum) if weight_sum > 0 else total
        if post_normalize:
            mean = unit_rows(mean[None, :])[0]
        return mean.astype(np.float32, copy=False)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine between the means of two lists of words (raw vectors, not unit ones, as gensim).

        Unknown words raise ``KeyError`` (gensim skips them); an empty list
        raises ``ValueError`` (gensim: ``ZeroDivisionError``).
        """
        ws1, ws2 = self._terms(ws1), self._terms(ws2)
        if not ws1 or not ws2:
            raise ValueError(
                f"n_similarity needs two non-empty lists of words, got {len(ws1)} and {len(ws2)}"
            )
        means = np.stack(
            [
                self.get_mean_vector(ws, pre_normalize=False, ignore_missing=False)
                for ws in (ws1, ws2)
            ]
        )
        units = unit_rows(means)
        return float(np.dot(units[0].astype(np.float64), units[1]))

    # ------------------------------------------------------------------ top-n queries

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | NDArray[np.float32]:
        """:meth:`most_similar` of one word (gensim's alias)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: NDArray[Any], topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | NDArray[np.float32]:
        """:meth:`most_similar` of one vector (dim,); no word is left out of the answer."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(
        self,
        positive: Term | Iterable[Term] | None = None,
        negative: Term | Iterable[Term] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | NDArray[np.float32]:
        """Levy & Goldberg's 3CosMul ranking, as gensim's ``most_similar_cosmul``.

        A word d scores ``prod(cos'(d, p)) / (prod(cos'(d, n)) + 1e-6)`` over
        the positive terms p and negative terms n, with ``cos' = (cos + 1) / 2``.
        Query words are left out of the answer.  Unlike gensim, vectors are
        scaled to unit length and ``restrict_vocab`` is honoured.

        Returns up to ``topn`` (word, score) pairs, best first, or with
        ``topn=None`` the float32 score of every searched word.
        """
        if topn is not None:
            topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        pos = [self._unit(t) for t in self._terms(positive)]
        neg = [self._unit(t) for t in self._terms(negative)]
        if not pos:
            raise ValueError("most_similar_cosmul needs at least one positive word or vector")
        units = np.stack([unit for unit, _ in pos + neg])
        shifted = (self._vectors[:stop] @ units.T) / self._divisors()[:stop, None]
        shifted += 1
        shifted /= 2
        scores: NDArray[np.float32] = shifted[:, : len(pos)].prod(axis=1)
        scores /= shifted[:, len(pos) :].prod(axis=1) + np.float32(GENSIM_COSMUL_EPS)
        if topn is None:
            return scores
        exclude = [index for _, index in pos + neg if index is not None]
        return self._top(scores, topn, exclude)

    # ------------------------------------------------------------------ growing

    def add_vectors(
        self, keys: str | Sequence[str], weights: ArrayLike, replace: bool = False
    ) -> None:
        """Add words and their vectors (k, dim); a known word keeps its row unless ``replace``.

        As gensim's ``add_vectors``: new words are appended in order (so the
        matrix is reallocated and no longer shares memory with a model), and
        new words get count 0 when ``counts`` exist.  Cached norms are updated
        for the rows written, not recomputed.
        """
        if isinstance(keys, str):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        keys = list(keys)
        rows = self._checked_rows(keys, weights)
        known = np.array([k in self.key_to_index for k in keys], dtype=bool)
        if replace and known.any():
            where = np.array([self.key_to_index[k] for k in np.array(keys, object)[known]])
            self._vectors[where] = rows[known]
            if self._norms is not None:
                self._set_norms(where, row_norms(rows[known]))
        fresh = [k for k, seen in zip(keys, known.tolist()) if not seen]
        if not fresh:
            return
        start = len(self.index_to_key)
        self._vectors = np.concatenate([self._vectors, rows[~known]])
        self.index_to_key.extend(fresh)
        self.key_to_index.update({k: start + i for i, k in enumerate(fresh)})
        if self.counts is not None:
            self.counts = np.concatenate([self.counts, np.zeros(len(fresh), np.int64)])
        if self._norms is not None:
            added = row_norms(self._vectors[start:])
            self._norms = np.concatenate([self._norms, added])
            self._safe_norms = np.concatenate([self._safe_norms, safe_norms(added)])

    def add_vector(self, key: str, vector: ArrayLike) -> int:
        """Add one word (gensim's ``add_vector``); returns its row.  A known word keeps its row."""
        vector = np.asarray(vector)
        if vector.ndim != 1:
            raise ValueError(f"vector must have shape ({self.vector_size},), got {vector.shape}")
        self.add_vectors([key], vector[None, :])
        return self.key_to_index[key]

    def __setitem__(self, keys: str | Sequence[str], weights: ArrayLike) -> None:
        """``wv[keys] = weights``: :meth:`add_vectors` with ``replace=True``, as gensim."""
        self.add_vectors(keys, weights, replace=True)

    def _checked_rows(self, keys: list[str], weights: ArrayLike) -> NDArray[np.float32]:
        """``weights`` as a finite float32 (len(keys), dim) array; errors name what is wrong."""
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError(f"keys[{i}] is {type(key).__name__} {key!r}; words must be str")
        if len(set(keys)) != len(keys):
            dup = next(k for i, k in enumerate(keys) if k in keys[:i])
            raise ValueError(f"keys contains {dup!r} more than once")
        try:
            rows = np.asarray(weights, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError("weights must be numbers, shape (len(keys), dim)") from None
        if rows.shape != (len(keys), self.vector_size):
            raise ValueError(
                f"weights must have shape (len(keys), dim) = ({len(keys)}, {self.vector_size}), "
                f"got {rows.shape}"
            )
        if not np.isfinite(rows).all():
            raise ValueError("weights contain NaN or infinity")
        return rows

    def _checked_vector(self, vector: ArrayLike, what: str) -> NDArray[np.float32]:
        """``vector`` as a finite float32 (dim,) array; ``what`` names it in errors."""
        vec = np.asarray(vector, dtype=np.float32)
        if vec.shape != (self.vector_size,):
            raise ValueError(f"{what} must have shape ({self.vector_size},), got {vec.shape}")
        if not np.isfinite(vec).all():
            raise ValueError(f"{what} contains NaN or infinity")
        return vec

    def _set_norms(self, where: NDArray[np.intp], norms: NDArray[np.float32]) -> None:
        """Write the norms of rows ``where`` into the cache (copies: the arrays may be shared)."""
        self._norms = self._norms.copy()  # type: ignore[union-attr]
        self._norms[where] = norms
        self._safe_norms = safe_norms(self._norms)

    # ------------------------------------------------------------------ files and evaluation

    @classmethod
    def load_word2vec_format(
        cls: type[K],
        fname: formats.PathLike,
        fvocab: formats.PathLike | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        no_header: bool = False,
    ) -> K:
        """gensim's loader: a word2vec C text or (``binary=True``) binary file, or
        GloVe text without the header line (``no_header=True``).

        ``fvocab`` is a word2vec.c vocabulary file (``word count`` lines) whose
        counts become ``counts`` (0 for words it lacks).  Only UTF-8 is read.
        """
        if encoding.lower().replace("-", "") != "utf8":
            raise ValueError(f"encoding must be 'utf8' (word2vec files are UTF-8): {encoding!r}")
        keys, vectors = formats.read_word2vec(
            fname, binary=binary, limit=limit, unicode_errors=unicode_errors,
            no_header=no_header,
        )
        counts = None
        if fvocab is not None:
            from .vocab import Vocabulary

            vocab = Vocabulary.load(fvocab)
            known = [vocab.index.get(k, -1) for k in keys]
            counts = np.where(np.array(known) >= 0, vocab.counts[known], 0)
        return cls(keys, vectors, counts)  # type: ignore[call-arg]

    def evaluate_word_analogies(
        self,
        analogies: formats.PathLike,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict[str, Any]]]:
        """gensim's analogy benchmark: ``(accuracy, sections)``.

        ``sections`` holds per section ``{"section", "correct", "incorrect"}``
        with the questions as 4-tuples, then ``"Total accuracy"``; see
        :func:`pyw2v.evaluation.analogy_sections`.  For counts and 3CosMul use
        :meth:`evaluate_analogies`.
        """
        if similarity_function != "most_similar":
            raise ValueError(
                f"similarity_function must be 'most_similar', got {similarity_function!r}; "
                "for 3CosMul use evaluate_analogies(path, method='3cosmul')"
            )
        return evaluation.analogy_sections(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown
        )

    # ------------------------------------------------------------------ gensim objects

    def to_gensim(self) -> Any:
        """A gensim ``KeyedVectors`` sharing this matrix, with counts as its "count" attribute."""
        return gensim_compat.to_gensim(self)

    @classmethod
    def from_gensim(cls: type[K], kv: Any) -> K:
        """WordVectors over a gensim ``KeyedVectors``' matrix (shared, not copied) and counts."""
        return gensim_compat.from_gensim(kv, cls)
