"""Cosine-scoring primitives shared by the queries (vectors.py) and the evaluators (evaluation.py).

They live here so that evaluation.py needs nothing from vectors.py and the
imports point one way: vectors -> evaluation -> _cosine.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: A query term: a word of the vocabulary or a vector of length ``dim``.
Term = Union[str, "NDArray[Any]"]
#: What most_similar's positive/negative take: terms, each optionally weighted.
Query = Union[Term, "tuple[Term, float]"]

#: Epsilon of 3CosMul's denominator, as in Levy & Goldberg (2014).
COSMUL_EPS = 1e-3
#: The epsilon gensim's ``most_similar_cosmul`` uses; the gensim-named method keeps it.
GENSIM_COSMUL_EPS = 1e-6

METHODS = ("3cosadd", "3cosmul")
#: Elements of a (batch, vocabulary) score matrix computed at once (128 MB).
SCORE_BUDGET = 1 << 25
MAX_BATCH = 1024


def is_int(value: object) -> bool:
    """True for Python and NumPy integers, False for bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_method(method: str) -> str:
    """The analogy method, lower-cased; ``ValueError`` naming the choices otherwise."""
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method.lower()


def check_restrict(restrict_vocab: int | None, n: int) -> int:
    """How many leading rows of ``n`` a query searches: all for None, else at most ``n``."""
    if restrict_vocab is None:
        return n
    if not is_int(restrict_vocab) or restrict_vocab < 1:
        raise ValueError(
            f"restrict_vocab must be a positive integer or None, got {restrict_vocab!r}"
        )
    return min(int(restrict_vocab), n)


def batch_size(stop: int, per_row: int = 1) -> int:
    """Queries per batch so a batch's score matrices stay within the budget."""
    return max(1, min(MAX_BATCH, SCORE_BUDGET // max(1, stop * per_row)))


def fits_budget(rows: int, stop: int) -> bool:
    """Whether a (rows, stop) score matrix fits the budget in one piece."""
    return rows * stop <= SCORE_BUDGET


def row_norms(rows: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
    """Euclidean length of each row of ``rows`` (m, dim), float32 (m,).

    Accumulated in float64 a block at a time, without a full-size temporary, so
    norms cached for old rows and computed for added ones agree bit for bit.
    """
    norms = np.empty(len(rows), dtype=np.float32)
    step = 8192
    for start in range(0, len(rows), step):
        block = rows[start : start + step]
        norms[start : start + step] = np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float64))
    return norms


def safe_norms(norms: NDArray[np.float32]) -> NDArray[np.float32]:
    """Row norms with zeros replaced by 1, so dividing by them makes zero rows score 0."""
    return np.where(norms > 0, norms, np.float32(1))


def unit_rows(rows: ArrayLike) -> NDArray[np.float32]:
    """``rows`` (m, dim) scaled to unit length, float32; zero rows stay zero."""
    matrix = np.asarray(rows, dtype=np.float32)
    norms: NDArray[np.float64] = np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (matrix / norms[:, None]).astype(np.float32, copy=False)
