"""Vocabulary: counting, pruning, ordering, subsampling and the noise distribution."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from pyw2v import _core
from pyw2v._text import TokenCounter


def count_words(token_blocks: Iterable[list[str]], max_vocab_size: int | None = None) -> Counter:
    """Count tokens over blocks of tokens.

    With `max_vocab_size`, the table never holds more than that many words: when
    it overflows, every word with count <= m is dropped and m grows by one, as
    word2vec.c's ReduceVocab does. Counts of rare words become lower bounds.
    """
    counts: Counter = Counter()
    prune_below = 1
    for tokens in token_blocks:
        counts.update(tokens)
        while max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = Counter({w: c for w, c in counts.items() if c > prune_below})
            prune_below += 1
    return counts


def count_text(blocks: Iterable[bytes], max_vocab_size: int | None = None) -> Counter:
    """count_words for raw text: blocks of bytes, each ending after whitespace.

    Compiled (pyw2v._text.TokenCounter): tokens are split on ASCII whitespace and
    counted as bytes, then decoded as UTF-8 (TextFileSource.byte_blocks yields
    valid UTF-8). `max_vocab_size` prunes as in count_words, after each block.
    """
    counter = TokenCounter()
    prune_below = 1
    for data in blocks:
        counter.add(data)
        while max_vocab_size is not None and len(counter) > max_vocab_size:
            counter.prune(prune_below + 1)
            prune_below += 1
    tokens, counts = counter.items()
    # One decode for all words (tokens hold no newline); blocks are valid UTF-8.
    return Counter(dict(zip(b"\n".join(tokens).decode("utf-8").split("\n"), counts.tolist())))


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
