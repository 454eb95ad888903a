"""Pretrained starts: take the rows of shared words from a word2vec file, optionally frozen.

The file is read whole with pyw2v.formats.read_word2vec (its checks and errors
apply). Only the words the model's vocabulary already holds are taken, and only
their rows of center_vectors (V, the embeddings, as gensim's
``intersect_word2vec_format``); outside_vectors and the vocabulary stay as they
are. Each row taken gets the lock factor `lockf` (0 freezes it in training, 1
trains it like any other row); the model's other rows keep theirs (1 when the
model had none).

Refused, with a ValueError naming the file: a file whose dimension differs from
the model's, a file sharing no word with the vocabulary (a silent no-op would
hide a wrong file or a tokenisation mismatch), a non-finite `lockf`.
"""
from __future__ import annotations

import math
from os import PathLike, fspath
from typing import TYPE_CHECKING

import numpy as np

from pyw2v.formats import read_word2vec

if TYPE_CHECKING:
    from pyw2v.model import Word2Vec


def intersect(model: Word2Vec, path: str | PathLike, *, lockf: float = 0.0,
              binary: bool | None = None, unicode_errors: str = "strict") -> int:
    """Copy the file's vectors of the words `model` shares with it into
    model.center_vectors and set their lock factor to `lockf`; returns the number
    of rows taken. binary: None detects the format (see read_word2vec)."""
    if isinstance(lockf, bool) or not isinstance(lockf, (int, float, np.floating)) \
            or not math.isfinite(lockf):
        raise ValueError(f"lockf must be a finite number (0.0 freezes the rows taken, 1.0 "
                         f"trains them), got {lockf!r}")
    words, vectors = read_word2vec(path, binary=binary, unicode_errors=unicode_errors)
    dim = model.center_vectors.shape[1]
    if vectors.shape[1] != dim:
        raise ValueError(f"{fspath(path)} holds vectors of dim {vectors.shape[1]}, but the "
                         f"model's dim is {dim}; train with dim={vectors.shape[1]} or use a "
                         f"file of dim {dim}")
    index = model.vocab.index
    pairs = [(index[word], row) for row, word in enumerate(words) if word in index]
    if not pairs:
        raise ValueError(f"{fspath(path)} shares no word with the model's vocabulary "
                         f"({len(index)} words, e.g. {model.vocab.words[:3]}); check the "
                         "file and the corpus's tokenisation (case, punctuation)")
    rows, source = (np.array(ids, dtype=np.intp) for ids in zip(*pairs))
    model.center_vectors[rows] = vectors[source]
    if lockf != 1.0 or model.lock_factors is not None:
        locks = np.ones(len(index), dtype=np.float32) if model.lock_factors is None \
            else model.lock_factors.copy()
        locks[rows] = lockf
        model.lock_factors = locks
    return len(pairs)
