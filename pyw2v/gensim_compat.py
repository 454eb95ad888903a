"""Hand word vectors to gensim and take them back: ``to_gensim`` / ``from_gensim``.

gensim is not a dependency of pyw2v: it is imported here, inside the
functions, so that ``import pyw2v`` never needs it and a missing gensim is an
``ImportError`` saying how to install it.  The matrix is shared, not copied,
both ways (a 3M x 300 model is 3.6 GB); corpus counts travel as gensim's
per-word ``"count"`` attribute.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

__all__ = ["from_gensim", "to_gensim"]

T = TypeVar("T")


def _keyed_vectors_class() -> Any:
    """gensim's ``KeyedVectors`` class, or an ImportError naming the install command."""
    try:
        from gensim.models import KeyedVectors
    except ImportError as exc:
        raise ImportError(
            "to_gensim/from_gensim need gensim, which pyw2v does not install: "
            "pip install gensim"
        ) from exc
    return KeyedVectors


def to_gensim(wv: Any) -> Any:
    """A gensim ``KeyedVectors`` over ``wv``'s words and matrix (shared), counts as "count".

    ``wv`` is a :class:`pyw2v.WordVectors`.
    """
    keyed_vectors = _keyed_vectors_class()
    kv = keyed_vectors(wv.dim, count=0, dtype=np.float32)
    kv.index_to_key = list(wv.index_to_key)
    kv.key_to_index = dict(wv.key_to_index)
    kv.next_index = len(kv.index_to_key)
    kv.vectors = wv.vectors
    if wv.counts is not None:
        kv.allocate_vecattrs(["count"], [np.int64])
        kv.expandos["count"][:] = wv.counts
    return kv


def from_gensim(kv: Any, cls: type[T]) -> T:
    """A ``cls`` (:class:`pyw2v.WordVectors`) over a gensim ``KeyedVectors``.

    The matrix is shared when it is C-contiguous float32 (gensim's default),
    else converted.  Its "count" attribute, when set, becomes ``counts``.
    Keys must be strings: gensim also allows integer keys, which pyw2v does not.
    """
    keyed_vectors = _keyed_vectors_class()
    if not isinstance(kv, keyed_vectors):
        raise TypeError(
            f"from_gensim takes a gensim KeyedVectors (model.wv for a gensim Word2Vec), "
            f"got {type(kv).__name__}"
        )
    counts = kv.expandos.get("count")
    if counts is not None:
        counts = np.asarray(counts, dtype=np.int64)
    return cls(kv.index_to_key, kv.vectors, counts)  # type: ignore[call-arg]
