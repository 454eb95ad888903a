"""Phrase detection: join word pairs that occur together more often than chance.

word2vec.c's word2phrase and gensim's `Phrases`, learned in compiled code.

Rules (the plain-Python twin in tests/test_phrases.py follows them):

- A sentence is a line of text (or one token list); tokens are split on ASCII
  whitespace, as pyw2v.corpus reads text. A bigram is two neighbouring tokens of
  one sentence. N (`train_words`) is the number of tokens of the corpus.
- A bigram (a, b) is a phrase when count(a), count(b) and count(ab) are all at
  least `min_count` and its score is above `threshold`:
  ``"word2phrase"``: (count(ab) - min_count) / (count(a) * count(b)) * N, as
  word2phrase (gensim's "default" scorer uses its table size, unigrams plus
  bigrams, where word2phrase and pyw2v use N);
  ``"npmi"``: ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), p(x) = count(x) / N, in
  -1..1 (gensim's "npmi").
- transform joins, left to right, each phrase whose first token was not joined
  to its left neighbour, with `delimiter`: [new, york, times] -> [new_york, times].
  `passes` > 1 learns again on the joined text, so phrases grow to 4 words.
- Bounded memory: the count table holds at most `max_vocab_size` unigrams plus
  bigrams (default 40 million, gensim's default; 32 to 64 bytes a bigram and
  about 150 a word, so a few GB at most). When a block of text leaves it
  fuller, every entry counted at most m times is dropped and m grows by one,
  as word2vec.c's ReduceVocab (word2phrase checks per token, pyw2v per block of
  16 MB of whole lines). Counts then become lower bounds, and the bigrams of a
  dropped word go with it.
- Saved files are JSON: {"format": "pyw2v-phrases", "version": 1, "settings":
  {...}, "layers": [{"train_words": N, "phrases": [[a, b, count(ab), score], ...]}]},
  one layer a pass.
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from pyw2v._phrases import PairTable, greedy_joins, token_bounds
from pyw2v._text import WHITESPACE, TokenCounter
from pyw2v.corpus import Corpus, TextFileSource, open_source
from pyw2v.formats import FormatError, atomic_write
from pyw2v.params import Interval, Options, ParameterValueError

SCORINGS = ("word2phrase", "npmi")
DEFAULT_MAX_VOCAB_SIZE = 40_000_000
FORMAT_NAME = "pyw2v-phrases"
FORMAT_VERSION = 1
_NO_SENTENCE_CUT = 1 << 62
_NOT_IN_PHRASE = np.uint64(0xFFFFFFFF)   # an id no phrase word has


@dataclass
class PhraseLayer:
    """The phrases one pass learned: (a, b) -> (count(ab), score), and N."""

    phrases: dict[tuple[str, str], tuple[int, float]]
    train_words: int
    _vocab: dict[bytes, int] = field(default_factory=dict, init=False, repr=False,
                                     compare=False)
    _table: PairTable = field(default_factory=PairTable, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The lookup the text path uses: ids of phrase words, sorted pair keys.
        for pair in self.phrases:
            for word in pair:
                self._vocab.setdefault(word.encode("utf-8"), len(self._vocab))
        ids = np.array([[self._vocab[a.encode("utf-8")], self._vocab[b.encode("utf-8")]]
                        for a, b in self.phrases], dtype=np.uint32).reshape(-1)
        self._table.add(ids, np.arange(0, len(ids) + 1, 2, dtype=np.int64))

    def transform(self, tokens: list[str], delimiter: str) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 1 < len(tokens) and (tokens[i], tokens[i + 1]) in self.phrases:
                out.append(tokens[i] + delimiter + tokens[i + 1])
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        return out

    def transform_text(self, data: bytes, delimiter: bytes) -> bytes:
        """`data` (whole lines of UTF-8 text) with each joined pair's whitespace
        replaced by `delimiter`; all other bytes kept."""
        if not self.phrases:
            return data
        tokens, _, local_ids, starts = _scan(data)
        if len(local_ids) < 2:
            return data
        lookup = np.fromiter((self._vocab.get(t, _NOT_IN_PHRASE) for t in tokens),
                             dtype=np.uint64, count=len(tokens))
        ids = lookup[local_ids]
        keys = ids[:-1] << np.uint64(32) | ids[1:]
        candidate = self._table.lookup(keys) > 0
        candidate[starts[1:-1] - 1] = False    # no pair across a line end
        joins = np.flatnonzero(greedy_joins(candidate.view(np.uint8)))
        if not len(joins):
            return data
        token_starts, token_ends = token_bounds(data)
        pieces, kept_from = [], 0
        for end, start in zip(token_ends[joins].tolist(), token_starts[joins + 1].tolist()):
            pieces.append(data[kept_from:end])
            kept_from = start
        pieces.append(data[kept_from:])
        return delimiter.join(pieces)


class Phrases:
    """Learned phrases of a corpus, in `passes` layers; see the module docstring.

    corpus: a path to a text file or token lists (anything pyw2v.train takes); None
    makes an empty model (for load). Bad settings raise ParameterValueError
    (a ValueError whose `.param` names the argument).
    """

    def __init__(self, corpus: Corpus | None = None, *, min_count: int = 5,
                 threshold: float = 100.0, delimiter: str = "_",
                 scoring: str = "word2phrase", passes: int = 1,
                 max_vocab_size: int = DEFAULT_MAX_VOCAB_SIZE) -> None:
        check_settings(min_count=min_count, threshold=threshold, delimiter=delimiter,
                       scoring=scoring, passes=passes, max_vocab_size=max_vocab_size)
        self.min_count = min_count
        self.threshold = float(threshold)
        self.delimiter = delimiter
        self.scoring = scoring
        self.passes = passes
        self.max_vocab_size = max_vocab_size
        self.layers: list[PhraseLayer] = []
        if corpus is not None:
            self.learn(corpus)

    def learn(self, corpus: Corpus) -> Phrases:
        """Learn `passes` layers from `corpus` (replacing any learned before)."""
        read = _text_blocks(corpus)
        self.layers = []
        for _ in range(self.passes):
            counts = _Counts(self.max_vocab_size)
            for data in read():
                counts.add(self._transform_text(data))
            self.layers.append(counts.phrases(self.min_count, self.threshold, self.scoring))
        return self

    @property
    def phrases(self) -> dict[str, float]:
        """Every learned phrase, joined with the delimiter, -> its score."""
        return {a + self.delimiter + b: score
                for layer in self.layers for (a, b), (_, score) in layer.phrases.items()}

    def transform(self, tokens: list[str]) -> list[str]:
        """One sentence with its phrases joined, layer after layer."""
        for layer in self.layers:
            tokens = layer.transform(list(tokens), self.delimiter)
        return list(tokens)

    def __getitem__(self, tokens: list[str]) -> list[str]:
        return self.transform(tokens)

    def _transform_text(self, data: bytes) -> bytes:
        for layer in self.layers:
            data = layer.transform_text(data, self.delimiter.encode("utf-8"))
        return data

    def transform_file(self, source: str | os.PathLike[str], target: str | os.PathLike[str], *,
                       overwrite: bool = False) -> None:
        """Write text file `source` with its phrases joined to `target` (atomically;
        an existing target only with overwrite=True). Only the whitespace inside a
        joined phrase changes; invalid UTF-8 becomes U+FFFD, as training reads it."""
        blocks = _whole_lines(TextFileSource(source).byte_blocks())
        with atomic_write(target, overwrite=overwrite) as out:
            for data in blocks:
                out.write(self._transform_text(data))

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the settings and the phrases as JSON (module docstring), atomically."""
        document = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                    "settings": self._settings(),
                    "layers": [{"train_words": layer.train_words,
                                "phrases": [[a, b, count, score] for (a, b), (count, score)
                                            in sorted(layer.phrases.items())]}
                               for layer in self.layers]}
        with atomic_write(path, overwrite=overwrite) as out:
            out.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Phrases:
        """A Phrases saved by save(); FormatError if the file is not one."""
        try:
            with open(path, "rb") as fh:
                document = json.loads(fh.read().decode("utf-8"))
            if document.get("format") != FORMAT_NAME or document.get("version") != FORMAT_VERSION:
                raise FormatError(path, f"not a {FORMAT_NAME} file of version {FORMAT_VERSION}")
            model = cls(**document["settings"])
            model.layers = [PhraseLayer({(a, b): (int(count), float(score))
                                         for a, b, count, score in layer["phrases"]},
                                        int(layer["train_words"]))
                            for layer in document["layers"]]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError,
                AttributeError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(path, f"not a valid phrases file ({exc})") from None
        return model

    def _settings(self) -> dict[str, Any]:
        return {"min_count": self.min_count, "threshold": self.threshold,
                "delimiter": self.delimiter, "scoring": self.scoring,
                "passes": self.passes, "max_vocab_size": self.max_vocab_size}

    def __repr__(self) -> str:
        sizes = "+".join(str(len(layer.phrases)) for layer in self.layers) or "none learned"
        return f"Phrases({sizes} phrases, {self._settings()})"


def check_settings(*, min_count: int, threshold: float, delimiter: str, scoring: str,
                   passes: int, max_vocab_size: int) -> None:
    """Raise ParameterValueError (or ParameterTypeError) naming the first bad setting."""
    Options(SCORINGS).check("scoring", scoring)
    Interval(1, integer=True).check("passes", passes)
    Interval(1, integer=True).check("max_vocab_size", max_vocab_size)
    Interval(-math.inf, integer=False).check("threshold", threshold)
    Interval(0, integer=True).check("min_count", min_count)
    if min_count < 1:
        raise ParameterValueError(
            "min_count", f" must be >= 1, got {min_count}; pass min_count=1 to consider "
            "every pair (word2phrase's default is 5)")
    if scoring == "word2phrase" and threshold <= 0:
        raise ParameterValueError(
            "threshold", f" must be > 0 for scoring='word2phrase', got {threshold}; pass "
            "e.g. threshold=100 (word2phrase's default), or scoring='npmi' for -1..1")
    if scoring == "npmi" and not -1 <= threshold <= 1:
        raise ParameterValueError(
            "threshold", f" must be in -1..1 for scoring='npmi', got {threshold}; "
            "pass e.g. threshold=0.5")
    if not isinstance(delimiter, str) or not delimiter \
            or any(c in delimiter for c in WHITESPACE.decode("ascii")):
        raise ParameterValueError(
            "delimiter", f" must be a non-empty str without whitespace (a joined phrase is "
            f"one token), got {delimiter!r}; use e.g. '_'")


class _Counts:
    """Unigram and bigram counts of one pass, under the max_vocab_size bound.

    Words get ids (reused after pruning) in a dict; unigram counts live in a NumPy
    array by id and bigram counts in a compiled PairTable keyed by id pairs."""

    def __init__(self, max_vocab_size: int) -> None:
        self.max_vocab_size = max_vocab_size
        self.ids: dict[bytes, int] = {}
        self.words: list[bytes | None] = []
        self.free: list[int] = []
        self.counts = np.zeros(1024, dtype=np.int64)
        self.pairs = PairTable()
        self.train_words = 0
        self.prune_below = 1

    def _id(self, token: bytes) -> int:
        i = self.ids.get(token)
        if i is None:
            i = self.free.pop() if self.free else len(self.words)
            if i == len(self.words):
                self.words.append(token)
            else:
                self.words[i] = token
            self.ids[token] = i
        return i

    def add(self, data: bytes) -> None:
        tokens, counts, local_ids, starts = _scan(data)
        to_global = np.fromiter(map(self._id, tokens), dtype=np.int64, count=len(tokens))
        if len(self.words) > len(self.counts):
            grown = np.zeros(max(2 * len(self.counts), len(self.words)), dtype=np.int64)
            grown[:len(self.counts)] = self.counts
            self.counts = grown
        self.counts[to_global] += counts
        self.train_words += int(counts.sum())
        self.pairs.add(to_global.astype(np.uint32)[local_ids], starts)
        while len(self.ids) + len(self.pairs) > self.max_vocab_size:
            self._prune()

    def _prune(self) -> None:
        """Drop every entry counted at most prune_below times (word2vec.c's ReduceVocab)."""
        dropped = np.flatnonzero((self.counts > 0) & (self.counts <= self.prune_below))
        retired = np.zeros(len(self.counts), dtype=np.uint8)
        retired[dropped] = 1
        self.pairs.prune(self.prune_below + 1, retired)
        self.counts[dropped] = 0
        for i in dropped.tolist():
            del self.ids[cast(bytes, self.words[i])]   # a counted entry holds its word
            self.words[i] = None
        self.free.extend(dropped.tolist())
        self.prune_below += 1

    def phrases(self, min_count: int, threshold: float, scoring: str) -> PhraseLayer:
        keys, pair_counts = self.pairs.items()
        a = (keys >> np.uint64(32)).astype(np.int64)
        b = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        count_a, count_b = self.counts[a].astype(float), self.counts[b].astype(float)
        keep = (pair_counts >= min_count) & (count_a >= min_count) & (count_b >= min_count)
        a, b, pair_counts, count_a, count_b = (
            x[keep] for x in (a, b, pair_counts, count_a, count_b))
        scores = _score(scoring, count_a, count_b, pair_counts.astype(float), min_count,
                        float(self.train_words))
        above = np.flatnonzero(scores > threshold)
        words = self.words
        return PhraseLayer({(words[a[i]].decode("utf-8"), words[b[i]].decode("utf-8")):
                            (int(pair_counts[i]), float(scores[i])) for i in above.tolist()},
                           self.train_words)


def _score(scoring: str, count_a: NDArray[Any], count_b: NDArray[Any], count_ab: NDArray[Any],
           min_count: int, n: float) -> NDArray[np.float64]:
    """Scores of bigrams (float64 arrays of counts), as the module docstring defines."""
    scores: NDArray[np.float64]
    if scoring == "word2phrase":
        scores = (count_ab - min_count) / (count_a * count_b) * n
        return scores
    p_ab = count_ab / n
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.log(p_ab / ((count_a / n) * (count_b / n))) / -np.log(p_ab)
    return scores


def _scan(data: bytes) -> tuple[list[bytes], NDArray[np.int64], NDArray[np.uint32],
                              NDArray[np.int64]]:
    """(tokens, their counts, local id of every token in order, sentence_starts) of a
    block of text; sentences end at line ends only."""
    counter = TokenCounter()
    counter.add(data)
    tokens, counts = counter.items()
    counter.set_ids(np.arange(len(tokens), dtype=np.int32))
    ids, starts = counter.encode(data, _NO_SENTENCE_CUT)
    return tokens, counts, ids, starts


def _text_blocks(corpus: Corpus) -> Callable[[], Iterator[bytes]]:
    """A function giving the corpus, each call anew, as blocks of whole lines of UTF-8."""
    source = open_source(corpus)
    if isinstance(source, TextFileSource):
        return lambda: _whole_lines(source.byte_blocks())

    def token_list_blocks() -> Iterator[bytes]:
        for block in source.blocks():
            yield _join_block(block.tokens, block.sentence_lengths)
    return token_list_blocks


def _whole_lines(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The blocks re-cut after their last newline, so no sentence spans two blocks
    (a line longer than a block is held whole)."""
    carry = b""
    for data in blocks:
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry += data
            continue
        yield carry + data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _join_block(tokens: list[str], lengths: Iterable[int]) -> bytes:
    """Token lists as text: tokens separated by spaces, sentences by newlines."""
    lines, at = [], 0
    for n in lengths:
        lines.append(" ".join(tokens[at:at + n]))
        at += n
    text = "\n".join(lines) + "\n"
    if len(text.split()) != len(tokens):
        bad = next(t for t in tokens if not t or t.split() != [t])
        raise ValueError(f"corpus token {bad!r} is empty or holds whitespace; phrases are "
                         "learned from whitespace-separated tokens, so split it or drop it")
    return text.encode("utf-8")
