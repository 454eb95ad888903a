"""Corpus sources and their encoding into chunks of token ids for the compiled loop.

A source yields blocks of tokens (a flat list of str plus the length of each
sentence in it). Encoding maps tokens to ids, drops out-of-vocabulary tokens,
and cuts sentences into segments of at most MAX_SENTENCE_LENGTH tokens. No
in-vocabulary token is ever dropped: a cut only means no window spans it.

A text file takes a compiled path instead (pyw2v._text): its raw byte blocks are
encoded by a TokenCounter holding the vocabulary, with no Python object per
token. `TextFileSource.blocks()` remains its readable twin, with the same rules.

Peak memory while encoding is one block: at most BLOCK_BYTES of text plus its
ids (for token lists, about 200 MB with the Python token list). A corpus of up
to CACHE_TOKENS tokens is encoded once and kept in memory (4 bytes a token); a
larger one is re-read and re-encoded block by block every epoch. When the count is
known in advance (train() has it from the vocabulary) a larger corpus streams from
its first pass; otherwise that pass holds up to CACHE_TOKENS tokens before it knows.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from pyw2v import _core
from pyw2v._text import TokenCounter

BLOCK_BYTES = 16 << 20
BLOCK_TOKENS = 1 << 20
CACHE_TOKENS = 1 << 28


@dataclass(frozen=True)
class Block:
    """tokens: flat list of str; sentence_lengths: tokens per sentence, summing to len(tokens)."""

    tokens: list[str]
    sentence_lengths: list[int]


@dataclass(frozen=True)
class EncodedChunk:
    """token_ids: uint32 (n,); sentence_starts: int64 (m + 1,), sentence i is
    token_ids[sentence_starts[i]:sentence_starts[i + 1]]."""

    token_ids: np.ndarray
    sentence_starts: np.ndarray

    @property
    def n_tokens(self) -> int:
        return int(self.sentence_starts[-1])


class TextFileSource:
    """Whitespace-separated tokens, one sentence per line, read in BLOCK_BYTES blocks.

    Tokens are split on ASCII whitespace (space, tab, newline, CR, VT, FF: what
    bytes.split() uses), and a newline ends a sentence. Invalid UTF-8 is
    replaced by U+FFFD (one warning a pass says how often), so counting and
    encoding see the same tokens. A line longer than a block is cut where the
    block ends (between two tokens).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise ValueError(f"corpus {self.path!r} is a directory; pass a text file")
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"corpus file {self.path!r} does not exist")
        if not os.path.isfile(self.path):
            # A pipe (e.g. <(zcat corpus.gz)) can be read only once, but training
            # reads the corpus once to count and again every epoch.
            raise ValueError(
                f"corpus {self.path!r} is not a regular file (a pipe, device or socket); "
                "training reads the corpus several times, so write it to a file first")

    def byte_blocks(self) -> Iterator[bytes]:
        """The file in blocks of about BLOCK_BYTES of valid UTF-8, each ending after
        whitespace (or at the end of the file), so no block cuts a token."""
        replaced = 0
        with open(self.path, "rb") as fh:
            carry = b""
            data = fh.read(BLOCK_BYTES)
            while data:
                following = fh.read(BLOCK_BYTES)
                data = carry + data
                carry = b""
                if following:
                    # Everything after the last whitespace may be half a token: carry it.
                    cut = max(data.rfind(b"\n"), data.rfind(b" "), data.rfind(b"\t"))
                    if cut < 0:   # e.g. CR-only line ends: without this the carry grows unbounded
                        cut = max(data.rfind(b"\r"), data.rfind(b"\x0b"), data.rfind(b"\x0c"))
                    carry, data = data[cut + 1:], data[: cut + 1]
                if data and not data.isascii():
                    data, n_replaced = _valid_utf8(data)
                    replaced += n_replaced
                if data:
                    yield data
                data = following
        if replaced:
            warnings.warn(f"{self.path}: {replaced} invalid UTF-8 byte sequences were "
                          "replaced by U+FFFD", UnicodeWarning, stacklevel=2)

    def blocks(self) -> Iterator[Block]:
        """Blocks of str tokens, as the compiled path sees them (for tests and reference)."""
        for data in self.byte_blocks():
            yield _split_text(data)


def _valid_utf8(data: bytes) -> tuple[bytes, int]:
    """data with invalid UTF-8 sequences replaced by U+FFFD, and how many were."""
    try:
        data.decode("utf-8")
        return data, 0
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
        return text.encode("utf-8"), replaced


def _split_text(data: bytes) -> Block:
    tokens: list[str] = []
    lengths: list[int] = []
    for line in data.split(b"\n"):
        words = [word.decode("utf-8") for word in line.split()]
        if words:
            tokens.extend(words)
            lengths.append(len(words))
    return Block(tokens, lengths)


class TokenListSource:
    """A re-iterable collection of sentences, each a list (or tuple) of str tokens."""

    def __init__(self, sentences: Iterable[list[str]]):
        if iter(sentences) is sentences:
            raise TypeError(
                "corpus is a one-shot iterator (e.g. a generator), but training reads it "
                "once per epoch; pass a list of token lists, or an object whose __iter__ "
                "returns a fresh iterator each time")
        self.sentences = sentences

    def blocks(self) -> Iterator[Block]:
        tokens: list[str] = []
        lengths: list[int] = []
        for number, sentence in enumerate(self.sentences):
            if isinstance(sentence, (str, bytes)) or not isinstance(sentence, (list, tuple)):
                raise TypeError(
                    f"corpus sentence {number} is a {type(sentence).__name__}, not a list of "
                    "str tokens; pass e.g. [['the', 'cat'], ['a', 'dog']] or a path to a text file")
            if sentence:
                if not isinstance(sentence[0], str):
                    raise TypeError(
                        f"corpus sentence {number} holds {type(sentence[0]).__name__} tokens; "
                        "tokens must be str")
                tokens.extend(sentence)
                lengths.append(len(sentence))
                if len(tokens) >= BLOCK_TOKENS:
                    yield Block(tokens, lengths)
                    tokens, lengths = [], []
        if tokens:
            yield Block(tokens, lengths)


def open_source(corpus: object) -> TextFileSource | TokenListSource:
    """A path (str or PathLike) is a text file; anything else must be sentences."""
    if isinstance(corpus, str) and not os.path.exists(corpus) and any(c.isspace() for c in corpus):
        raise TypeError(
            "corpus is a str of text, not a path to a file; pass a path, or token lists "
            "such as [line.split() for line in text.splitlines()]")
    if isinstance(corpus, (str, os.PathLike)):
        return TextFileSource(corpus)
    if isinstance(corpus, bytes) or not isinstance(corpus, Iterable):
        raise TypeError(
            f"corpus must be a path to a text file or an iterable of token lists, "
            f"got {type(corpus).__name__}")
    return TokenListSource(corpus)


def encode_block(block: Block, index: dict[str, int]) -> EncodedChunk:
    """Token ids of the in-vocabulary tokens of a block, sentences cut to MAX_SENTENCE_LENGTH."""
    ids = np.fromiter(map(index.get, block.tokens, repeat(-1)), dtype=np.int64,
                      count=len(block.tokens))
    known = ids >= 0
    lengths = np.asarray(block.sentence_lengths, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
    kept_lengths = np.add.reduceat(known, starts) if len(lengths) else lengths
    return EncodedChunk(ids[known].astype(np.uint32),
                        _sentence_starts(kept_lengths[kept_lengths > 0]))


def vocabulary_table(index: dict[str, int]) -> TokenCounter:
    """A TokenCounter holding the UTF-8 bytes of each vocabulary word with its id,
    to encode text files. Words that no text token can spell (ASCII whitespace
    inside, or not encodable as UTF-8) are left out."""
    ids: dict[bytes, int] = {}
    for word, i in index.items():
        try:
            data = word.encode("utf-8")
        except UnicodeEncodeError:
            continue
        if data.split() == [data]:
            ids[data] = i
    table = TokenCounter()
    table.add(b"\n".join(ids))
    tokens, _ = table.items()
    table.set_ids(np.fromiter((ids[t] for t in tokens), dtype=np.int32, count=len(tokens)))
    return table


def encode_text(data: bytes, table: TokenCounter) -> EncodedChunk:
    """encode_block for a raw text block (ending at whitespace), compiled."""
    return EncodedChunk(*table.encode(data, _core.MAX_SENTENCE_LENGTH))


def _sentence_starts(lengths: np.ndarray) -> np.ndarray:
    """Offsets of sentences after cutting each into pieces of at most MAX_SENTENCE_LENGTH."""
    limit = _core.MAX_SENTENCE_LENGTH
    pieces = -(-lengths // limit)
    piece_lengths = np.full(int(pieces.sum()), limit, dtype=np.int64)
    last_piece = np.cumsum(pieces) - 1
    piece_lengths[last_piece] = lengths - (pieces - 1) * limit
    return np.concatenate(([0], np.cumsum(piece_lengths))).astype(np.int64)


def concatenate(chunks: list[EncodedChunk]) -> EncodedChunk:
    """One chunk holding all of `chunks`, in order."""
    if not chunks:
        return EncodedChunk(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    offsets = np.cumsum([0] + [c.n_tokens for c in chunks[:-1]])
    starts = [chunks[0].sentence_starts[:1]]
    starts += [c.sentence_starts[1:] + off for c, off in zip(chunks, offsets)]
    return EncodedChunk(np.concatenate([c.token_ids for c in chunks]),
                        np.concatenate(starts))


class EncodedCorpus:
    """Re-iterable stream of EncodedChunks for a source and a vocabulary.

    The first pass counts tokens; if they fit in CACHE_TOKENS the chunks are
    kept, so later epochs neither re-read nor re-encode. Every pass must yield
    the same number of tokens, or a ValueError says the source changed.
    `expected_tokens`, when the caller knows the count (the vocabulary's total),
    lets a corpus too large to cache stream from the first pass on, instead of
    holding CACHE_TOKENS tokens before giving up.
    """

    def __init__(self, source: TextFileSource | TokenListSource, index: dict[str, int],
                 expected_tokens: int | None = None):
        self.source = source
        self.index = index
        self.expected_tokens = expected_tokens
        self.n_tokens: int | None = None
        self._cached: list[EncodedChunk] | None = None
        self._table: TokenCounter | None = None

    def _encoded_blocks(self) -> Iterator[EncodedChunk]:
        if isinstance(self.source, TextFileSource):
            if self._table is None:
                self._table = vocabulary_table(self.index)
            for data in self.source.byte_blocks():
                yield encode_text(data, self._table)
        else:
            for block in self.source.blocks():
                yield encode_block(block, self.index)

    def chunks(self) -> Iterator[EncodedChunk]:
        if self._cached is not None:
            yield from self._cached
            return
        too_large = self.expected_tokens is not None and self.expected_tokens > CACHE_TOKENS
        kept: list[EncodedChunk] | None = None if too_large else []
        seen = 0
        for chunk in self._encoded_blocks():
            seen += chunk.n_tokens
            if kept is not None:
                kept.append(chunk)
                if seen > CACHE_TOKENS:
                    kept = None
            yield chunk
        if self.n_tokens is not None and seen != self.n_tokens:
            raise ValueError(
                f"the corpus yielded {seen} in-vocabulary tokens on this pass but "
                f"{self.n_tokens} before; it must give the same sentences on every pass")
        self.n_tokens = seen
        if kept is not None:
            self._cached = [concatenate(kept)]
