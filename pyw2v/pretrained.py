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

import numpy as np
from numpy.typing import NDArray

from pyw2v.formats import read_word2vec
from pyw2v.vocab import Vocabulary


def intersect(vocab: Vocabulary, center_vectors: NDArray[np.float32],
              lock_factors: NDArray[np.float32] | None,
              path: str | PathLike[str], *, lockf: float = 0.0, binary: bool | None = None,
              unicode_errors: str = "strict") -> tuple[int, NDArray[np.float32] | None]:
    """Copy the file's vectors of the words `vocab` shares with it into their rows
    of center_vectors (float32 (len(vocab), dim), in place); returns the number of
    rows taken and the lock factors to use: `lock_factors` (None: all 1) with
    those rows set to `lockf`, or None when all stay 1. binary: None detects the
    format (see read_word2vec)."""
    if isinstance(lockf, bool) or not isinstance(lockf, (int, float, np.floating)) \
            or not math.isfinite(lockf):
        raise ValueError(f"lockf must be a finite number (0.0 freezes the rows taken, 1.0 "
                         f"trains them), got {lockf!r}")
    words, vectors = read_word2vec(path, binary=binary, unicode_errors=unicode_errors)
    dim = center_vectors.shape[1]
    if vectors.shape[1] != dim:
        raise ValueError(f"{fspath(path)} holds vectors of dim {vectors.shape[1]}, but the "
                         f"model's dim is {dim}; train with dim={vectors.shape[1]} or use a "
                         f"file of dim {dim}")
    index = vocab.index
    pairs = [(index[word], row) for row, word in enumerate(words) if word in index]
    if not pairs:
        raise ValueError(f"{fspath(path)} shares no word with the model's vocabulary "
                         f"({len(index)} words, e.g. {vocab.words[:3]}); check the "
                         "file and the corpus's tokenisation (case, punctuation)")
    rows, source = (np.array(ids, dtype=np.intp) for ids in zip(*pairs))
    center_vectors[rows] = vectors[source]
    if lockf == 1.0 and lock_factors is None:
        return len(pairs), None
    locks = np.ones(len(index), dtype=np.float32) if lock_factors is None \
        else lock_factors.copy()
    locks[rows] = lockf
    return len(pairs), locks
