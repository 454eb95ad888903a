"""Growing a trained model's vocabulary (Word2Vec.update_vocab, gensim's build_vocab(update=True)).

What changes, and why this way:

- Counts: every known word's count grows by its count in the new corpus, so
  subsampling and the noise distribution follow all text seen so far; unknown
  words reaching min_count are appended (Vocabulary.grown). Known words keep
  their ids, so rows, saved files and indices stay valid; the vocabulary is no
  longer sorted by count, so `restrict_vocab` and `--limit` (which take the
  first rows as the most frequent) see the new words only when they reach them.
- Rows: a new word's center row is drawn as Word2Vec.__init__ draws fresh rows,
  (uniform [0, 1) - 0.5) / dim in float32, from a generator seeded with
  (params.seed, old vocabulary size), so the same update of the same model gives
  the same rows; its outside row is zero. Existing rows are not touched.
- Hierarchical softmax: the Huffman tree is rebuilt from the new counts at the
  next train() (Word2Vec._trainer builds it, and the noise table, every call;
  nothing is cached), and the node matrix grows to len(vocab) - 1 rows, the new
  ones zero. The old node rows keep their values, but a rebuilt tree gives node
  ids other places in it, so they start as a warm but imprecise guess.
- Lock factors (a per-row float32 array when present) grow by ones: new rows train.
"""
from __future__ import annotations

import logging
import warnings
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from pyw2v.corpus import Corpus, as_stream, open_source
from pyw2v.encoding import EncodedCorpus
from pyw2v.params import TrainingParams, check_loss_fits_vocabulary
from pyw2v.vocab import Vocabulary, check_vocabulary_options

logger = logging.getLogger("pyw2v")


class Growable(Protocol):
    """What this module reads and replaces of a Word2Vec (named so, not imported:
    pyw2v.model imports this module). Its `lock_factors` array, when set, is grown too."""

    vocab: Vocabulary
    params: TrainingParams
    center_vectors: NDArray[np.float32]
    outside_vectors: NDArray[np.float32]
    node_vectors: NDArray[np.float32] | None
    lock_factors: NDArray[np.float32] | None


def update_vocab(model: Growable, corpus: Corpus, min_count: int | None = None) -> int:
    """Count `corpus` into `model`'s vocabulary and add rows for its new words; see
    the module docstring. Returns the number of words added (0, with a warning,
    when no new word reaches min_count). The model is unchanged on any error."""
    min_count = model.params.min_count if min_count is None else min_count
    check_vocabulary_options(min_count, None, None)
    _check_shapes(model)
    counts = open_source(_countable(corpus)).count()
    if not counts:
        raise ValueError("the corpus is empty: it has no tokens; pass the new text to add")
    vocab = model.vocab.grown(counts, min_count)
    check_loss_fits_vocabulary(model.params, len(vocab))
    added = len(vocab) - len(model.vocab)
    if added:   # every array allocated before the model changes
        model.center_vectors, model.outside_vectors, node_vectors, locks = \
            _grown_rows(model, added)
        if node_vectors is not None:
            model.node_vectors = node_vectors
        if locks is not None:
            model.lock_factors = locks
    model.vocab = vocab
    if not added:
        warnings.warn(f"update_vocab added no word: no new word reaches min_count={min_count} "
                      "(the known words' counts grew); lower min_count to add rarer words",
                      UserWarning, stacklevel=3)
    logger.info("update_vocab: %d words added, %d in all", added, len(vocab))
    return added


def _grown_rows(model: Growable, added: int) -> tuple[
        NDArray[np.float32], NDArray[np.float32], NDArray[np.float32] | None,
        NDArray[np.float32] | None]:
    """(center, outside, node_vectors or None, lock_factors or None), each with `added`
    new rows after the model's own: center rows drawn as fresh ones, the others zero
    (lock factors one)."""
    dim = model.params.dim
    rng = np.random.default_rng((model.params.seed, len(model.vocab)))
    center = (rng.random((added, dim), dtype=np.float32) - 0.5) / np.float32(dim)
    zeros = np.zeros((added, dim), dtype=np.float32)
    nodes = None if model.node_vectors is None else np.vstack([model.node_vectors, zeros])
    locks = model.lock_factors
    if locks is not None:
        locks = np.concatenate([locks, np.ones(added, dtype=np.float32)])
    return (np.vstack([model.center_vectors, center]),
            np.vstack([model.outside_vectors, zeros]), nodes, locks)


def _countable(corpus: Corpus) -> Corpus:
    """`corpus` if it can be counted and then trained on; a clear error for an
    EncodedCorpus or a stream, which cannot."""
    if isinstance(corpus, EncodedCorpus):
        raise TypeError(
            f"corpus is an EncodedCorpus, whose ids cover only its own vocabulary "
            f"({len(corpus.vocab)} words), so it holds no new word to count; pass the text "
            "itself (a path or token lists) to update_vocab, then train on it")
    if as_stream(corpus) is not None:
        raise TypeError(
            "corpus is a stream (standard input, a file object, a LineStream or a generator "
            "of lines), read only once, but update_vocab counts it and train() reads it "
            "again; write it to a file and pass the path")
    return corpus


def _check_shapes(model: Growable) -> None:
    """A ValueError when a matrix does not match the vocabulary and params.dim (one
    assigned from a model of another dim, say), before anything is grown."""
    rows, dim = len(model.vocab), model.params.dim
    for name in ("center_vectors", "outside_vectors"):
        shape = getattr(model, name).shape
        if shape != (rows, dim):
            raise ValueError(
                f"model.{name} has shape {shape} (dim {shape[-1]}), but the model's vocabulary "
                f"has {rows} words and params.dim is {dim}; give it shape ({rows}, {dim}) or "
                "load the model whose dim it is")
