"""Vocabulary: building it from a corpus, ordering, subsampling and the noise distribution.

Counting belongs to the corpus sources (pyw2v.corpus); this module only asks a
source for its counts, so it knows no corpus format.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from pyw2v import _core
from pyw2v.corpus import Corpus, open_source


@dataclass(frozen=True)
class Vocabulary:
    """Words ordered by descending count, ties broken by the word itself.

    words:  list of n words; row i of every matrix belongs to words[i].
    counts: int64 array (n,), corpus counts.
    """

    words: list[str]
    counts: np.ndarray
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", np.ascontiguousarray(self.counts, dtype=np.int64))
        if len(self.words) != len(self.counts):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})
        if len(self.index) != len(self.words):
            raise ValueError("words must be unique")

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], min_count: int = 5,
                    max_final_vocab: int | None = None) -> "Vocabulary":
        """Keep words with count >= min_count (then the max_final_vocab most frequent)."""
        kept = sorted(((w, c) for w, c in counts.items() if c >= min_count),
                      key=lambda wc: (-wc[1], wc[0]))
        if max_final_vocab is not None:
            kept = kept[:max_final_vocab]
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def __eq__(self, other: object) -> bool:
        """Same words in the same order with the same counts."""
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self is other or (self.words == other.words
                                 and np.array_equal(self.counts, other.counts))

    __hash__ = None   # mutable-array contents: not hashable

    @property
    def total_words(self) -> int:
        """Number of in-vocabulary tokens in the corpus (one epoch)."""
        return int(self.counts.sum())

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """word2vec.c's subsampling: keep a token of w with probability
        min(1, (sqrt(f_w / (s N)) + 1) (s N) / f_w); all ones when sample == 0."""
        if sample <= 0:
            return np.ones(len(self), dtype=np.float64)
        threshold = sample * self.total_words
        ratio = self.counts / threshold
        return np.minimum(1.0, (np.sqrt(ratio) + 1.0) / ratio)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """P_n(w) proportional to count(w) ** power, float64, sums to 1."""
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()

    def noise_alias_table(self, power: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
        """Alias table (prob float64, alias int32) for O(1) draws from the noise distribution."""
        return _core.build_alias_table(self.counts.astype(np.float64) ** power)

    def huffman_tree(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Hierarchical softmax's Huffman tree over the counts, as flat arrays:
        (path_starts int64 (n+1,), path_nodes int32, path_codes uint8). Word i's
        path from the root is path_nodes[path_starts[i]:path_starts[i + 1]], inner
        nodes 0..n-2; see pyw2v._core.build_huffman. Needs n >= 2."""
        return _core.build_huffman(self.counts)


def build_vocabulary(corpus: Corpus, *, min_count: int = 5, max_vocab_size: int | None = None,
                     max_final_vocab: int | None = None) -> Vocabulary:
    """Count `corpus` (a path or token lists) and keep the words `Vocabulary.from_counts` keeps.

    max_vocab_size bounds the table while counting (rare words pruned as
    word2vec.c does; see pyw2v.corpus.count_words); min_count and
    max_final_vocab filter the final counts. A clear error if nothing is left.
    """
    for name, value in (("min_count", min_count), ("max_vocab_size", max_vocab_size),
                        ("max_final_vocab", max_final_vocab)):
        if value is None and name != "min_count":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    counts = open_source(corpus).count(max_vocab_size)
    vocab = Vocabulary.from_counts(counts, min_count, max_final_vocab)
    if not counts:
        raise ValueError("the corpus is empty: it has no tokens")
    if not len(vocab):
        raise ValueError(
            f"no word reaches min_count={min_count} (the most frequent word occurs "
            f"{max(counts.values())} times); lower min_count or use a larger corpus")
    return vocab
