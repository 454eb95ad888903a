"""Vocabulary: building it from a corpus, ordering, subsampling, the noise distribution,
and vocabulary files.

Counting belongs to the corpus sources (pyw2v.corpus); this module only asks a
source for its counts, so it knows no corpus format.

Vocabulary files are word2vec.c's ``-save-vocab`` format: one ``word count``
line per word, most frequent first, UTF-8 (gzipped when the name ends in
``.gz``). Rules for reading one (`Vocabulary.load`):

- The file is untrusted: every line must be exactly a word and an integer
  count >= 1, each word once, strict UTF-8; any violation is a FormatError
  naming the file, the line and the fix.
- ``</s>`` on the first line is word2vec.c's end-of-sentence marker, not a
  word (pyw2v ends sentences at line breaks), and is dropped; anywhere else
  ``</s>`` is an ordinary word.
- The file's order is kept when its counts never increase (word2vec.c's
  order, whose ties may differ from ours); otherwise the words are sorted as
  `Vocabulary.from_counts` sorts them (by count, ties by word), as
  word2vec.c's ReadVocab re-sorts. Row i of a model trained on it is the
  i-th word kept.
"""
from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

import numpy as np
from numpy.typing import NDArray

from pyw2v import _core
from pyw2v.corpus import Corpus, open_source
from pyw2v.formats import FormatError, atomic_write

PathLike = Union[str, "os.PathLike[str]"]

#: word2vec.c's end-of-sentence word, the first line of its -save-vocab files.
SENTENCE_MARKER = "</s>"
_INTEGER = re.compile(rb"[+-]?[0-9]+")
_MAX_COUNT = 2**63 - 1


@dataclass(frozen=True)
class Vocabulary:
    """Words ordered by descending count, ties broken by the word itself (a loaded
    word2vec.c file keeps its own order of ties; see `load`). A vocabulary grown by
    `grown` (Word2Vec.update_vocab) is the exception: its new words follow the old
    ones, so ids stay valid, and it is no longer sorted by count.

    words:  list of n words; row i of every matrix belongs to words[i].
    counts: int64 array (n,), corpus counts.
    """

    words: list[str]
    counts: NDArray[np.int64]
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

    __hash__ = None  # type: ignore[assignment]  # mutable-array contents: not hashable

    def save(self, path: PathLike, *, overwrite: bool = False) -> None:
        """Write word2vec.c's -save-vocab file: ``word count`` lines in this order.

        Atomic (the file appears only once complete) and an existing file is kept
        unless overwrite=True, as every pyw2v writer (pyw2v.formats.atomic_write).
        """
        lines = []
        for i, (word, count) in enumerate(zip(self.words, self.counts.tolist())):
            data = word.encode("utf-8", "replace")   # a lone surrogate fails the check below
            if data.split() != [data] or data.decode("utf-8") != word:
                raise ValueError(f"words[{i}] {word!r} is empty, holds whitespace or is not "
                                 "valid Unicode, which a vocabulary file cannot store; "
                                 "replace it before saving")
            lines.append(b"%s %d\n" % (data, count))
        with atomic_write(path, overwrite=overwrite) as out:
            out.write(b"".join(lines))

    @classmethod
    def load(cls, path: PathLike) -> "Vocabulary":
        """Read a vocabulary file (word2vec.c's -save-vocab format, or `save`'s).

        See the module docstring for the rules (validation, ``</s>``, order).
        Raises FormatError for a malformed file, FileNotFoundError for a missing one.
        """
        path = os.fspath(path)
        words, counts = _read_vocab_file(path)
        if not words:
            raise FormatError(path, "holds no word; a vocabulary file has one `word count` "
                                    "line per word (pyw2v train -save-vocab writes one)")
        if any(a < b for a, b in zip(counts, counts[1:])):
            return cls.from_counts(dict(zip(words, counts)), min_count=1)
        return cls(words, np.array(counts, dtype=np.int64))

    def filtered(self, min_count: int = 1, max_final_vocab: int | None = None) -> "Vocabulary":
        """The words with count >= min_count, then only the max_final_vocab most frequent,
        in this vocabulary's order (`self` itself when nothing is dropped)."""
        keep = np.flatnonzero(self.counts >= min_count)
        if max_final_vocab is not None and len(keep) > max_final_vocab:
            by_count = np.argsort(-self.counts[keep], kind="stable")
            keep = np.sort(keep[by_count[:max_final_vocab]])
        if len(keep) == len(self):
            return self
        return Vocabulary([self.words[i] for i in keep], self.counts[keep])

    def grown(self, counts: Mapping[str, int], min_count: int = 1) -> "Vocabulary":
        """This vocabulary after counting more text (`counts`, a new corpus's).

        Every known word's count grows by its new count, so subsampling and the
        noise distribution reflect all text seen (gensim's build_vocab(update=True)
        does the same). Unknown words with a new count >= min_count are appended
        after the known ones, ordered among themselves as `from_counts` orders
        them: known words keep their ids, so matrix rows and saved files stay
        valid, but the whole is then no longer sorted by count.
        """
        added = Vocabulary.from_counts({w: c for w, c in counts.items() if w not in self.index},
                                       min_count)
        more = np.array([counts.get(w, 0) for w in self.words], dtype=np.int64)
        return Vocabulary(self.words + added.words,
                          np.concatenate([self.counts + more, added.counts]))

    @property
    def total_words(self) -> int:
        """Number of in-vocabulary tokens in the corpus (one epoch)."""
        return int(self.counts.sum())

    def keep_probabilities(self, sample: float) -> NDArray[np.float64]:
        """word2vec.c's subsampling: keep a token of w with probability
        min(1, (sqrt(f_w / (s N)) + 1) (s N) / f_w); all ones when sample == 0."""
        if sample <= 0:
            return np.ones(len(self), dtype=np.float64)
        threshold = sample * self.total_words
        ratio = self.counts / threshold
        keep: NDArray[np.float64] = np.minimum(1.0, (np.sqrt(ratio) + 1.0) / ratio)
        return keep

    def noise_distribution(self, power: float = 0.75) -> NDArray[np.float64]:
        """P_n(w) proportional to count(w) ** power, float64, sums to 1."""
        weights = self.counts.astype(np.float64) ** power
        distribution: NDArray[np.float64] = weights / weights.sum()
        return distribution

    def noise_alias_table(self, power: float = 0.75
                          ) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        """Alias table (prob float64, alias int32) for O(1) draws from the noise
        distribution count ** power (training's ns_exponent)."""
        with np.errstate(over="ignore", under="ignore"):
            weights = self.counts.astype(np.float64) ** power
        total = weights.sum()
        if not (np.isfinite(total) and total > 0):
            raise ValueError(f"ns_exponent={power} makes count ** ns_exponent overflow or "
                             "vanish for this vocabulary; use an exponent nearer 0")
        return _core.build_alias_table(weights)

    def huffman_tree(self) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.uint8]]:
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
    A stream is read (and so used up) here; to train on one, pass it to
    pyw2v.train, which counts and encodes it in its one pass.
    """
    check_vocabulary_options(min_count, max_vocab_size, max_final_vocab)
    counts = open_source(corpus).count(max_vocab_size)
    return vocabulary_from_counts(counts, min_count, max_final_vocab)


def check_vocabulary_options(min_count: int, max_vocab_size: int | None,
                             max_final_vocab: int | None) -> None:
    """A ValueError naming the first option that is not an int >= 1 (None allowed but
    for min_count)."""
    for name, value in (("min_count", min_count), ("max_vocab_size", max_vocab_size),
                        ("max_final_vocab", max_final_vocab)):
        if value is None and name != "min_count":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def vocabulary_from_counts(counts: Mapping[str, int], min_count: int,
                           max_final_vocab: int | None) -> Vocabulary:
    """`Vocabulary.from_counts`, with a clear error for no tokens or no word kept."""
    vocab = Vocabulary.from_counts(counts, min_count, max_final_vocab)
    if not counts:
        raise ValueError("the corpus is empty: it has no tokens")
    if not len(vocab):
        raise ValueError(
            f"no word reaches min_count={min_count} (the most frequent word occurs "
            f"{max(counts.values())} times); lower min_count or use a larger corpus")
    return vocab


def _read_vocab_file(path: str) -> tuple[list[str], list[int]]:
    """The words and counts of a vocabulary file, in file order, every line checked."""
    words: list[str] = []
    counts: list[int] = []
    first_line: dict[str, int] = {}
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as lines:
            for number, line in enumerate(lines, 1):
                word, count = _vocab_line(line, number, path)
                if number == 1 and word == SENTENCE_MARKER:
                    continue
                if count < 1:
                    raise FormatError(path, f"line {number}: {word!r} has count {count}; counts "
                                            "must be >= 1, remove the line or fix its count")
                if word in first_line:
                    raise FormatError(path, f"line {number}: {word!r} is also on line "
                                            f"{first_line[word]}; keep one line per word")
                first_line[word] = number
                words.append(word)
                counts.append(count)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FormatError(path, f"is a corrupt or truncated gzip file ({exc}); "
                                "recompress it or save the vocabulary again") from None
    return words, counts


def _vocab_line(line: bytes, number: int, path: str) -> tuple[str, int]:
    """One ``word count`` line as (word, count); a FormatError naming the line otherwise."""
    fields = line.split()
    if len(fields) != 2:
        shown = line[:60].rstrip(b"\r\n")
        raise FormatError(path, f"line {number}: expected `word count`, found {len(fields)} "
                                f"fields ({shown!r}); write one word (no spaces) and its count "
                                "per line, no blank lines")
    raw_word, raw_count = fields
    try:
        word = raw_word.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"line {number}: the word {raw_word[:60]!r} is not valid UTF-8 "
                                f"({exc.reason}); re-encode the file as UTF-8") from None
    if not _INTEGER.fullmatch(raw_count):
        raise FormatError(path, f"line {number}: the count of {word!r} is {raw_count[:30]!r}, "
                                "not an integer; counts are whole numbers >= 1")
    count = int(raw_count)
    if count > _MAX_COUNT:
        raise FormatError(path, f"line {number}: the count of {word!r} ({count}) is above "
                                f"{_MAX_COUNT}; counts must fit in 64 bits")
    return word, count
