"""Word vectors: lookup, cosine queries, analogies and their evaluation.

:class:`WordVectors` holds a vocabulary (``index_to_key``) and a float32 matrix
(``vectors``, one row per word).  Every query is cosine similarity: the query
direction is built from unit-length word vectors, and scores against the whole
vocabulary come from one matrix-vector product divided by the row norms, so a
query over 1M x 300 costs one pass over the matrix.  Batches of queries
(:meth:`WordVectors.most_similar_to_vectors`, the analogy evaluation) use one
matrix product per batch.

Row norms, not a normalised copy of the matrix, are cached: scoring with
``(vectors @ q) / norms`` costs the same as with a unit matrix and does not
double the memory of a large model.  A zero row has norm 0; it is divided by 1
instead and so scores 0 against everything, never NaN.

The evaluation methods reproduce gensim 4.4's ``evaluate_word_analogies`` and
``evaluate_word_pairs`` counting rules, so on the same vectors they report the
same accuracy and the same correlations (see each method for the rules).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Union, overload

import numpy as np

from . import formats

__all__ = [
    "AnalogyResult",
    "SectionScore",
    "WordPairsResult",
    "WordVectors",
    "load_word2vec",
]

#: A query term: a word of the vocabulary or a vector of length ``dim``.
Term = Union[str, np.ndarray]

#: Epsilon of 3CosMul's denominator, as in Levy & Goldberg (2014).  (gensim's
#: ``most_similar_cosmul`` uses 1e-6.)
COSMUL_EPS = 1e-3

_METHODS = ("3cosadd", "3cosmul")
# gensim's evaluate_word_analogies looks at this many candidates per question.
_EVAL_CANDIDATES = 5
# Elements of the (batch, vocabulary) score matrix computed at once (128 MB).
_SCORE_BUDGET = 1 << 25
_MAX_BATCH = 1024


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class WordVectors:
    """A vocabulary and its vectors, with similarity queries.

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
        vectors: np.ndarray,
        counts: Sequence[int] | None = None,
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
        self.key_to_index: dict = key_to_index
        self._vectors = self._check_matrix(vectors, len(keys))
        self.counts: np.ndarray | None = None
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
        self._norms: np.ndarray | None = None
        self._safe_norms: np.ndarray | None = None

    @staticmethod
    def _check_matrix(vectors: np.ndarray, n: int) -> np.ndarray:
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
    def vectors(self) -> np.ndarray:
        """The float32 matrix (n, dim), one row per word; not a copy."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: np.ndarray) -> None:
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

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """The row of ``word`` (a view), or a new (k, dim) array for a list of words."""
        if isinstance(word, str):
            return self._vectors[self.get_index(word)]
        return self._vectors[[self.get_index(w) for w in word]]

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words, dim {self.dim})"

    def get_index(self, word: str) -> int:
        """Row index of ``word``; ``KeyError`` naming the word if it is absent."""
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} not in vocabulary") from None

    # ------------------------------------------------------------------ norms

    @property
    def norms(self) -> np.ndarray:
        """Euclidean length of each row, float32 (n,); cached (see the class docstring)."""
        if self._norms is None:
            n = len(self)
            norms = np.empty(n, dtype=np.float32)
            step = 8192  # float64 accumulation without a full-size temporary
            for start in range(0, n, step):
                block = self._vectors[start : start + step]
                norms[start : start + step] = np.sqrt(
                    np.einsum("ij,ij->i", block, block, dtype=np.float64)
                )
            self._norms = norms
            self._safe_norms = np.where(norms > 0, norms, np.float32(1))
        return self._norms

    def _divisors(self) -> np.ndarray:
        """Row norms with zeros replaced by 1, so zero rows score 0."""
        if self._safe_norms is None:
            self.norms
        return self._safe_norms  # type: ignore[return-value]

    def invalidate_norms(self) -> None:
        """Forget the cached norms; call after changing ``vectors`` in place."""
        self._norms = None
        self._safe_norms = None

    def unit_vectors(self) -> np.ndarray:
        """A new float32 array (n, dim): each row scaled to length 1 (zero rows stay 0)."""
        return self._vectors / self._divisors()[:, None]

    # ------------------------------------------------------------------ queries

    def _restrict(self, restrict_vocab: int | None, name: str = "restrict_vocab") -> int:
        if restrict_vocab is None:
            return len(self)
        if not _is_int(restrict_vocab) or restrict_vocab < 1:
            raise ValueError(f"{name} must be a positive integer or None, got {restrict_vocab!r}")
        return min(int(restrict_vocab), len(self))

    @staticmethod
    def _check_topn(topn: int) -> int:
        if not _is_int(topn) or topn < 1:
            raise ValueError(f"topn must be a positive integer, got {topn!r}")
        return int(topn)

    def _unit(self, term: Term) -> tuple[np.ndarray, int | None]:
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
        return _unit_rows(vec[None, :])[0], None

    @staticmethod
    def _terms(value: Term | Iterable[Term] | None) -> list[Term]:
        if value is None:
            return []
        if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 1):
            return [value]
        return list(value)

    def _cosines(self, query: np.ndarray, stop: int) -> np.ndarray:
        """Cosine of each of the first ``stop`` rows with unit ``query``: one mat-vec product."""
        return (self._vectors[:stop] @ query) / self._divisors()[:stop]

    def _top(
        self, scores: np.ndarray, topn: int, exclude: Iterable[int] = ()
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

    def most_similar(
        self,
        positive: Term | Iterable[Term] | None = None,
        negative: Term | Iterable[Term] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to the mean of the positive terms minus the negative ones.

        Terms are words or vectors (length ``dim``), each scaled to unit length
        (gensim scales words but adds vectors as given); the query is their
        mean, positives added and negatives subtracted, as in gensim and
        word2vec.c's ``distance``.  Query words are left out of the answer.
        ``restrict_vocab`` searches only the first that many rows.

        Returns up to ``topn`` (word, cosine) pairs, most similar first.
        """
        topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        pos, neg = self._terms(positive), self._terms(negative)
        if not pos and not neg:
            raise ValueError("most_similar needs at least one positive or negative word")
        query = np.zeros(self.dim, dtype=np.float32)
        exclude = []
        for terms, sign in ((pos, 1.0), (neg, -1.0)):
            for term in terms:
                unit, index = self._unit(term)
                query += np.float32(sign) * unit
                if index is not None:
                    exclude.append(index)
        query = _unit_rows(query[None, :])[0]
        return self._top(self._cosines(query, stop), topn, exclude)

    def most_similar_to_vector(
        self, vector: np.ndarray, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to ``vector`` (dim,), as (word, cosine)."""
        topn = self._check_topn(topn)
        stop = self._restrict(restrict_vocab)
        unit, _ = self._unit(vector)
        return self._top(self._cosines(unit, stop), topn)

    def most_similar_to_vectors(
        self, vectors: np.ndarray, topn: int = 10, restrict_vocab: int | None = None
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
        queries = _unit_rows(queries)
        results: list[list[tuple[str, float]]] = []
        batch = _batch_size(stop)
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
        words = self._terms(words)  # type: ignore[assignment]
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"doesnt_match takes words, got {type(word).__name__}")
        units = np.stack([self._unit(w)[0] for w in words])
        centre = _unit_rows(units.mean(axis=0)[None, :])[0]
        return words[int(np.argmin(units @ centre))]  # type: ignore[return-value]

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

    def analogy(self, a, b, c, topn=None, method="3cosadd", restrict_vocab=None):
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
        method = _check_method(method)
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
    ) -> "WordVectors":
        """Read a word2vec C text or binary file (``binary=None`` detects which).

        ``limit`` reads only the first that many words.  See
        :func:`pyw2v.formats.read_word2vec` for the checks and error policy.
        """
        keys, vectors = formats.read_word2vec(
            path, binary=binary, limit=limit, unicode_errors=unicode_errors
        )
        return cls(keys, vectors)

    # ------------------------------------------------------------------ evaluation

    def _eval_vocab(self, stop: int, case_insensitive: bool) -> dict:
        """Word (upper-cased if case-insensitive) -> row, over the first ``stop`` rows.

        With case folding the first (most frequent) spelling wins, as in gensim.
        """
        keys = self.index_to_key[:stop]
        if not case_insensitive:
            return {k: i for i, k in enumerate(keys)}
        vocab: dict = {}
        for i, k in enumerate(keys):
            vocab.setdefault(k.upper(), i)
        return vocab

    def evaluate_analogies(
        self,
        path: formats.PathLike,
        restrict_vocab: int | None = 30000,
        case_insensitive: bool = True,
        method: str = "3cosadd",
    ) -> "AnalogyResult":
        """Accuracy on an analogy file in the questions-words format.

        The file has ``: section`` header lines followed by lines of four words
        ``a b c d`` meaning a : b :: c : d.  Counting follows gensim 4.4's
        ``evaluate_word_analogies``, itself modelled on word2vec.c's
        ``compute-accuracy``:

        - only the first ``restrict_vocab`` words (None: all) are used, both as
          the vocabulary questions may use and as candidate answers (30000 by
          default, as in compute-accuracy and published results; gensim's
          default is 300000);
        - with ``case_insensitive`` words are compared upper-cased, and a word
          spelt several ways takes the vector of its first (most frequent) row;
        - a question with any word outside that vocabulary is skipped: it counts
          in ``skipped`` and ``oov_ratio`` but not in the accuracy;
        - lines that are not four words are ignored and counted in ``n_invalid``;
        - the answer is the best candidate other than a, b, c; as in gensim,
          the five best are scanned and other spellings of a, b or c are passed
          over when case folding.

        Sections whose name starts with ``gram`` are syntactic, all others
        semantic; in questions-words.txt that makes the first five semantic.

        ``method`` is "3cosadd" (gensim's method) or "3cosmul" (see
        :meth:`analogy`).  Questions are scored in batches, one matrix product
        per batch.
        """
        method = _check_method(method)
        stop = self._restrict(restrict_vocab)
        vocab = self._eval_vocab(stop, case_insensitive)
        path = os.fspath(path)

        names: list[str] = []
        skipped: list[int] = []
        section_of: list[int] = []
        rows: list[tuple[int, int, int]] = []
        expected: list[str] = []
        n_invalid = 0
        with open(path, "rb") as fh:
            for line_no, raw in enumerate(fh, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(
                        f"{path}: line {line_no} is not valid UTF-8 ({exc.reason})"
                    ) from None
                if line.startswith(": "):
                    names.append(line.lstrip(": ").strip())
                    skipped.append(0)
                    continue
                words = line.split()
                if not words:
                    continue
                if not names:
                    raise ValueError(
                        f"{path}: line {line_no} comes before the first ': section' header; "
                        "expected the questions-words format"
                    )
                if len(words) != 4:
                    n_invalid += 1
                    continue
                if case_insensitive:
                    words = [w.upper() for w in words]
                ids = [vocab.get(w) for w in words]
                if None in ids:
                    skipped[-1] += 1
                    continue
                section_of.append(len(names) - 1)
                rows.append((ids[0], ids[1], ids[2]))
                expected.append(words[3])
        if not rows and not any(skipped):
            raise ValueError(
                f"{path}: no analogy questions found; expected ': section' headers followed by "
                "lines of four words"
            )

        correct = self._answer_analogies(
            np.array(rows, dtype=np.intp).reshape(-1, 3), expected, stop, case_insensitive, method
        )
        sections_idx = np.array(section_of, dtype=np.intp)
        right = np.bincount(
            sections_idx, weights=correct.astype(np.float64), minlength=len(names)
        ).astype(int)
        asked = np.bincount(sections_idx, minlength=len(names))
        sections = tuple(
            SectionScore(name, int(right[s]), int(asked[s]), skipped[s])
            for s, name in enumerate(names)
        )
        syntactic = [s for s in sections if s.name.lower().startswith("gram")]
        semantic = [s for s in sections if not s.name.lower().startswith("gram")]
        return AnalogyResult(
            sections=sections,
            semantic=SectionScore.combine("semantic", semantic),
            syntactic=SectionScore.combine("syntactic", syntactic),
            overall=SectionScore.combine("total", sections),
            n_invalid=n_invalid,
            method=method,
            restrict_vocab=stop,
            case_insensitive=case_insensitive,
        )

    def _answer_analogies(
        self, abc: np.ndarray, expected: list[str], stop: int, case_insensitive: bool, method: str
    ) -> np.ndarray:
        """Whether each question (rows of a, b, c indices) is answered ``expected``."""
        correct = np.zeros(len(abc), dtype=bool)
        if not len(abc):
            return correct
        keys = self.index_to_key
        fold = str.upper if case_insensitive else (lambda s: s)
        divisors = self._divisors()[:stop]
        matrix = self._vectors[:stop]
        batch = _batch_size(stop, per_row=4 if method == "3cosmul" else 1)
        buffer = np.empty((min(batch, len(abc)), stop), dtype=np.float32)
        shifted_all = None
        if method == "3cosmul":
            # Analogy files reuse few words (905 in questions-words.txt): when
            # they fit the budget, compute each word's cosines once for all.
            distinct_all = np.unique(abc)
            if distinct_all.size * stop <= _SCORE_BUDGET:
                shifted_all = self._shifted_cosines(distinct_all, stop)
        for start in range(0, len(abc), batch):
            ids = abc[start : start + batch]
            count = len(ids)
            scores = buffer[:count]
            if method == "3cosadd":
                flat = ids.ravel()
                units = (self._vectors[flat] / self._divisors()[flat, None]).reshape(count, 3, -1)
                queries = _unit_rows(units[:, 1] + units[:, 2] - units[:, 0])
                np.matmul(queries, matrix.T, out=scores)
                scores /= divisors
            else:
                if shifted_all is not None:
                    shifted, where = shifted_all, np.searchsorted(distinct_all, ids)
                else:
                    # Each distinct word's cosines are computed once per batch.
                    distinct, where = np.unique(ids, return_inverse=True)
                    where = where.reshape(count, 3)
                    shifted = self._shifted_cosines(distinct, stop)
                np.multiply(shifted[where[:, 1]], shifted[where[:, 2]], out=scores)
                scores /= shifted[where[:, 0]] + np.float32(COSMUL_EPS)
            rows = np.arange(count)
            for column in range(3):
                scores[rows, ids[:, column]] = -np.inf
            best = scores.argmax(axis=1).tolist()
            for r, (a, b, c) in enumerate(ids.tolist()):
                question = start + r
                ignore = {fold(keys[a]), fold(keys[b]), fold(keys[c])}
                available = stop - len({a, b, c})
                if available == 0:
                    continue
                predicted = fold(keys[best[r]])
                if predicted in ignore:
                    # Another spelling of a, b or c won: scan the five best like gensim.
                    row = scores[r]
                    k = min(_EVAL_CANDIDATES, available)
                    top = np.argpartition(-row, k - 1)[:k]
                    top = top[np.lexsort((top, -row[top]))]
                    for index in top.tolist():
                        predicted = fold(keys[index])
                        if predicted not in ignore:
                            break
                correct[question] = predicted == expected[question]
        return correct

    def _shifted_cosines(self, rows: np.ndarray, stop: int) -> np.ndarray:
        """(cos + 1) / 2 of each word in ``rows`` with each of the first ``stop`` rows."""
        units = self._vectors[rows] / self._divisors()[rows, None]
        shifted = (units @ self._vectors[:stop].T) / self._divisors()[:stop]
        shifted += 1
        shifted /= 2
        return shifted

    def evaluate_word_pairs(
        self,
        path: formats.PathLike,
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        delimiter: str = "\t",
    ) -> "WordPairsResult":
        """Correlation of cosine similarities with human scores (WordSim-353 layout).

        Each line is ``word1<delimiter>word2<delimiter>score``; lines starting
        with ``#`` are comments.  As in gensim 4.4's ``evaluate_word_pairs``:
        fields are not stripped, lines without exactly three fields or with a
        non-numeric score are ignored (counted in ``n_invalid``), a pair with a
        word outside the first ``restrict_vocab`` words is skipped (counted in
        ``n_oov``), and case folding upper-cases words and takes the first
        spelling's vector.  Spearman uses average ranks for ties.
        """
        stop = self._restrict(restrict_vocab)
        vocab = self._eval_vocab(stop, case_insensitive)
        path = os.fspath(path)
        left: list[int] = []
        right: list[int] = []
        gold: list[float] = []
        n_oov = n_invalid = 0
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                fields = line.split(delimiter)
                if len(fields) != 3:
                    if line.strip():
                        n_invalid += 1
                    continue
                try:
                    score = float(fields[2])
                except ValueError:
                    n_invalid += 1
                    continue
                a, b = fields[0], fields[1]
                if case_insensitive:
                    a, b = a.upper(), b.upper()
                if a not in vocab or b not in vocab:
                    n_oov += 1
                    continue
                left.append(vocab[a])
                right.append(vocab[b])
                gold.append(score)
        if not gold:
            raise ValueError(
                f"{path}: no word pair with both words in the vocabulary "
                f"({n_oov} out of vocabulary, {n_invalid} malformed lines)"
            )
        if len(gold) < 2:
            raise ValueError(f"{path}: only one word pair in the vocabulary; correlations need two")
        va = self._vectors[left].astype(np.float64)
        vb = self._vectors[right].astype(np.float64)
        sims = np.einsum("ij,ij->i", va, vb) / (
            self._divisors()[left].astype(np.float64) * self._divisors()[right]
        )
        gold_arr = np.asarray(gold, dtype=np.float64)
        return WordPairsResult(
            pearson=_pearson(gold_arr, sims),
            spearman=_pearson(_average_ranks(gold_arr), _average_ranks(sims)),
            n_pairs=len(gold),
            n_oov=n_oov,
            n_invalid=n_invalid,
        )


def load_word2vec(
    path: formats.PathLike,
    binary: bool | None = None,
    limit: int | None = None,
    *,
    unicode_errors: str = "strict",
) -> WordVectors:
    """Read a word2vec C text or binary file; see :meth:`WordVectors.load_word2vec`."""
    return WordVectors.load_word2vec(path, binary, limit, unicode_errors=unicode_errors)


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class SectionScore:
    """Analogy counts for one section (or a group of sections)."""

    name: str
    correct: int
    #: questions answered (all four words in the vocabulary)
    total: int
    #: questions skipped because a word was outside the vocabulary
    skipped: int

    @property
    def accuracy(self) -> float:
        """correct / total, or 0.0 when no question was answered (as gensim)."""
        return self.correct / self.total if self.total else 0.0

    @classmethod
    def combine(cls, name: str, parts: Iterable["SectionScore"]) -> "SectionScore":
        parts = list(parts)
        return cls(
            name,
            sum(p.correct for p in parts),
            sum(p.total for p in parts),
            sum(p.skipped for p in parts),
        )

    def __str__(self) -> str:
        return f"{self.name}: {100 * self.accuracy:.1f}% ({self.correct}/{self.total})"


@dataclass(frozen=True)
class AnalogyResult:
    """Result of :meth:`WordVectors.evaluate_analogies`."""

    sections: tuple[SectionScore, ...]
    semantic: SectionScore
    syntactic: SectionScore
    overall: SectionScore
    #: lines ignored because they were not four words
    n_invalid: int
    method: str
    restrict_vocab: int
    case_insensitive: bool

    @property
    def accuracy(self) -> float:
        """Overall accuracy over answered questions (gensim's score)."""
        return self.overall.accuracy

    @property
    def correct(self) -> int:
        return self.overall.correct

    @property
    def total(self) -> int:
        return self.overall.total

    @property
    def skipped(self) -> int:
        return self.overall.skipped

    @property
    def oov_ratio(self) -> float:
        """Fraction of questions skipped as out of vocabulary (gensim logs it in percent)."""
        asked = self.overall.total + self.overall.skipped
        return self.overall.skipped / asked if asked else 0.0

    def summary(self) -> str:
        """Human-readable report, one line per section then the totals."""
        lines = [str(s) for s in self.sections]
        lines += [str(self.semantic), str(self.syntactic), str(self.overall)]
        lines.append(
            f"skipped (out of vocabulary): {self.skipped} of {self.total + self.skipped} "
            f"({100 * self.oov_ratio:.1f}%); method {self.method}, "
            f"restrict_vocab {self.restrict_vocab}"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class WordPairsResult:
    """Result of :meth:`WordVectors.evaluate_word_pairs`."""

    pearson: float
    spearman: float
    #: pairs scored (both words in the vocabulary)
    n_pairs: int
    #: pairs skipped because a word was outside the vocabulary
    n_oov: int
    #: non-comment lines ignored as malformed
    n_invalid: int

    @property
    def oov_ratio(self) -> float:
        """Fraction of pairs skipped as out of vocabulary (gensim returns it in percent)."""
        return self.n_oov / (self.n_pairs + self.n_oov)

    def summary(self) -> str:
        return (
            f"Pearson {self.pearson:.4f}, Spearman {self.spearman:.4f}, "
            f"{self.n_pairs} pairs, {self.n_oov} out of vocabulary ({100 * self.oov_ratio:.1f}%)"
        )


# ---------------------------------------------------------------------- helpers


def _check_method(method: str) -> str:
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method.lower()


def _batch_size(stop: int, per_row: int = 1) -> int:
    """Queries per batch so a batch's score matrices stay within the budget."""
    return max(1, min(_MAX_BATCH, _SCORE_BUDGET // max(1, stop * per_row)))


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    """``rows`` (m, dim) scaled to unit length, float32; zero rows stay zero."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (rows / norms[:, None]).astype(np.float32, copy=False)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two float64 vectors; NaN if either is constant."""
    dx = x - x.mean()
    dy = y - y.mean()
    denominator = np.sqrt(np.dot(dx, dx) * np.dot(dy, dy))
    if denominator == 0:
        return float("nan")
    return float(np.clip(np.dot(dx, dy) / denominator, -1.0, 1.0))


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, tied values sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    # Start of each run of equal values, plus the end.
    edges = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
    mean_rank = (edges[:-1] + edges[1:] + 1) / 2.0
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, np.diff(edges))
    return ranks
