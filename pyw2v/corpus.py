"""Corpus sources: where tokens come from, how they are counted and turned into ids.

Every source implements CorpusSource: `count(max_vocab_size)` gives word counts
(for pyw2v.vocab.build_vocabulary) and `encode(index)` gives chunks of token ids
(for pyw2v.encoding). Encoding drops out-of-vocabulary tokens and cuts
sentences into segments of at most MAX_SENTENCE_LENGTH tokens. No
in-vocabulary token is ever dropped: a cut only means no window spans it.
`open_source` turns what the user passed (a path or token lists) into a source;
it is the one place that looks at the argument's type.

Token lists are read in blocks of BLOCK_TOKENS tokens (a flat list of str plus
the length of each sentence). A text file takes a compiled path instead
(pyw2v._text): its raw byte blocks of about BLOCK_BYTES are counted and encoded
by a TokenCounter, with no Python object per token. `TextFileSource.blocks()`
remains its readable twin, with the same rules. Peak memory while encoding is
one block: at most BLOCK_BYTES of text plus its ids (for token lists, about
200 MB with the Python token list).
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat
from os import PathLike
from typing import IO, Any, Protocol, Union, cast

import numpy as np
from numpy.typing import NDArray

from pyw2v import _core
from pyw2v._text import TokenCounter
from pyw2v.compressed import CheckedReader, ReadAhead, detect, open_text_bytes
from pyw2v.files import corpus_files, is_glob

BLOCK_BYTES = 16 << 20
BLOCK_TOKENS = 1 << 20

#: What users pass as a corpus: a path to a text file (plain or compressed), a
#: directory or glob of them, a list of such paths, a re-iterable of token lists,
#: or a stream read once: "-" (standard input), a file object, lines of text.
Corpus = Union[str, "PathLike[str]", Sequence[Union[str, "PathLike[str]"]], Iterable[list[str]],
               io.IOBase, "LineStream", Iterator[str]]


@dataclass(frozen=True)
class Block:
    """tokens: flat list of str; sentence_lengths: tokens per sentence, summing to len(tokens)."""

    tokens: list[str]
    sentence_lengths: list[int]


@dataclass(frozen=True)
class EncodedChunk:
    """token_ids: uint32 (n,); sentence_starts: int64 (m + 1,), sentence i is
    token_ids[sentence_starts[i]:sentence_starts[i + 1]]."""

    token_ids: NDArray[np.uint32]
    sentence_starts: NDArray[np.int64]

    @property
    def n_tokens(self) -> int:
        return int(self.sentence_starts[-1])


class CorpusSource(Protocol):
    """A corpus that can be read any number of times, each time giving the same tokens."""

    def count(self, max_vocab_size: int | None = None) -> Counter[str]:
        """Token counts over one pass; with max_vocab_size, pruned as count_words does."""
        ...

    def encode(self, index: Mapping[str, int]) -> Iterator[EncodedChunk]:
        """One pass as chunks of the ids `index` gives its in-vocabulary tokens."""
        ...

    def blocks(self) -> Iterator[Block]:
        """One pass as blocks of str tokens."""
        ...


class _ByteBlockSource:
    """Counting and encoding for any source of raw text blocks (see byte_blocks)."""

    _table: tuple[Mapping[str, int], TokenCounter] | None = None

    def byte_blocks(self) -> Iterator[bytes]:
        """Blocks of valid UTF-8 text, each ending after whitespace or at a file's end."""
        raise NotImplementedError

    def blocks(self) -> Iterator[Block]:
        """Blocks of str tokens, as the compiled path sees them (for tests and reference)."""
        for data in self.byte_blocks():
            yield _split_text(data)

    def count(self, max_vocab_size: int | None = None) -> Counter[str]:
        """Token counts, compiled (count_text). Reads every byte, so a truncated or
        corrupt archive is found here, before any training."""
        return count_text(self.byte_blocks(), max_vocab_size)

    def encode(self, index: Mapping[str, int]) -> Iterator[EncodedChunk]:
        """Chunks of ids, one a byte block, compiled (encode_text). The lookup table
        is built once per index and reused on later passes."""
        if self._table is None or self._table[0] is not index:
            self._table = (index, vocabulary_table(index))
        table = self._table[1]
        for data in self.byte_blocks():
            yield encode_text(data, table)


class TextFileSource(_ByteBlockSource):
    """Whitespace-separated tokens, one sentence per line, read in BLOCK_BYTES blocks.

    Tokens are split on ASCII whitespace (space, tab, newline, CR, VT, FF: what
    bytes.split() uses), and a newline ends a sentence. Invalid UTF-8 is
    replaced by U+FFFD (one warning a pass says how often), so counting and
    encoding see the same tokens. A line longer than a block is cut where the
    block ends (between two tokens). A gzip, bzip2, xz or zstd file (known by
    its first bytes, see pyw2v.compressed) is decompressed as it is read, and
    gives the same blocks as its text uncompressed.
    """

    def __init__(self, path: str | os.PathLike[str]):
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
        try:
            self.kind = detect(self.path)
        except PermissionError:
            raise PermissionError(f"corpus file {self.path!r} is not readable (permission "
                                  "denied); fix its permissions or leave it out") from None

    def byte_blocks(self) -> Iterator[bytes]:
        """The file's text in blocks of about BLOCK_BYTES of valid UTF-8, each ending
        after whitespace (or at the end of the file), so no block cuts a token."""
        with ReadAhead(open_text_bytes(self.path, self.kind), BLOCK_BYTES) as reader:
            yield from _cut_blocks(reader, self.path)


def _cut_blocks(reader: _Reader, label: str) -> Iterator[bytes]:
    """`reader`'s bytes in blocks of about BLOCK_BYTES of valid UTF-8, each ending after
    whitespace or at the end; invalid UTF-8 is replaced, with one warning naming `label`."""
    replaced = 0
    carry = b""
    data = reader.read(BLOCK_BYTES)
    while data:
        following = reader.read(BLOCK_BYTES)
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
        warnings.warn(f"{label}: {replaced} invalid UTF-8 byte sequences were "
                      "replaced by U+FFFD", UnicodeWarning, stacklevel=3)


class MultiFileSource(_ByteBlockSource):
    """Several text files (plain or compressed, mixed), read one after another.

    The files are read as one stream, with a newline added after a file that
    does not end in one: a file's end ends a sentence, an empty file adds
    nothing, and blocks, counts (also when pruned by max_vocab_size) and
    trained vectors are those of one file holding the texts one after another.
    Every file is opened and its format checked here, before any pass.
    """

    def __init__(self, paths: Iterable[str | os.PathLike[str]]):
        self.sources = [TextFileSource(path) for path in paths]
        if not self.sources:
            raise ValueError("corpus is an empty list of files; pass at least one path")

    @property
    def paths(self) -> list[str]:
        return [source.path for source in self.sources]

    def byte_blocks(self) -> Iterator[bytes]:
        """Blocks as TextFileSource.byte_blocks gives them, over all the files."""
        openers = [partial(open_text_bytes, source.path, source.kind) for source in self.sources]
        with ReadAhead(_Concatenation(openers), BLOCK_BYTES) as reader:
            yield from _cut_blocks(reader, f"{len(self.sources)} corpus files")


#: The corpus argument that means standard input (`pyw2v train - ...`).
STDIN = "-"


class LineStream:
    """A one-shot iterable of lines of text (str or bytes) to read once as a corpus.

    Each item is one or more lines (a trailing newline is optional; one is added),
    split into tokens as a text file's lines are. Wrap what open_source could not
    tell from token lists, e.g. a list of str lines: LineStream(["the cat", "a dog"]).
    Open file objects and generators of str lines need no wrapper.
    """

    def __init__(self, lines: Iterable[str | bytes]):
        self.lines = lines


class StreamSource(_ByteBlockSource):
    """Text that can be read only once: standard input, a file object, lines of text.

    Blocks are cut as a text file's (same BLOCK_BYTES, same tokenizer), so a stream
    gives the counts, ids and vectors of the same text in a file. A second pass is
    an error: pyw2v.encoding keeps the ids of the one pass (encode_stream).
    """

    def __init__(self, pieces: Iterator[bytes], label: str):
        self._reader = _PieceReader(pieces)
        self.label = label
        self._read = False

    def byte_blocks(self) -> Iterator[bytes]:
        """The stream's text in blocks, as TextFileSource.byte_blocks cuts a file's."""
        if self._read:
            raise ValueError(f"{self.label} was already read, and a stream can be read only "
                             "once; pass it to pyw2v.train or pyw2v.encode, which keep its ids")
        self._read = True
        yield from _cut_blocks(self._reader, self.label)


class _PieceReader:
    """read(n) over an iterator of byte pieces: exactly n bytes until the end."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces
        self._rest = b""

    def read(self, n: int) -> bytes:
        parts, have = [self._rest], len(self._rest)
        while have < n:
            piece = next(self._pieces, b"")
            if not piece:
                break
            parts.append(piece)
            have += len(piece)
        data = b"".join(parts)
        self._rest = data[n:]
        return data[:n]


def as_stream(corpus: object) -> StreamSource | None:
    """`corpus` as a StreamSource if it is a stream, else None: STDIN ("-"), an open
    file object (io.IOBase), a LineStream, or a one-shot iterator whose first item
    is a str or bytes line (a generator of token lists stays an error: one-shot)."""
    if isinstance(corpus, StreamSource):
        return corpus
    if isinstance(corpus, str) and corpus == STDIN:
        return StreamSource(_file_pieces(_stdin()), "standard input")
    if isinstance(corpus, io.IOBase):
        if corpus.isatty():
            raise ValueError("corpus is a file object reading a terminal; pipe the text in, "
                             "or pass the path of a text file")
        return StreamSource(_file_pieces(corpus), f"stream {getattr(corpus, 'name', '')!s}".strip())
    if isinstance(corpus, LineStream):
        return StreamSource(_line_pieces(corpus.lines), "LineStream")
    if isinstance(corpus, Iterator) and not isinstance(corpus, (str, bytes)):
        first = next(corpus, None)
        if first is None or isinstance(first, (str, bytes)):
            lines = chain([] if first is None else [first], corpus)
            return StreamSource(_line_pieces(lines), "stream of lines")
        raise TypeError(
            "corpus is a one-shot iterator (e.g. a generator) of token lists, but training reads "
            "token lists once per epoch; pass a list of token lists, or a generator of str "
            "lines (read once: its ids are kept)")
    return None


def _stdin() -> IO[str]:
    """Standard input, refused when it is a terminal (nothing was piped in)."""
    if sys.stdin is None:
        raise ValueError("corpus '-' is standard input, but this process has none; "
                         "pass a path to a text file")
    if sys.stdin.isatty():
        raise ValueError("corpus '-' reads standard input, which is a terminal; pipe the "
                         "text in, e.g. `cat corpus.txt | pyw2v train - -o vectors.txt`, "
                         "or pass the file's path")
    return sys.stdin


def _file_pieces(stream: io.IOBase | IO[str]) -> Iterator[bytes]:
    """A file object's bytes (a text file's underlying binary buffer when it has one, so
    its bytes are tokenized exactly as a file's; else its text as UTF-8)."""
    binary: Any = (   # duck-typed: any object with read()
        getattr(stream, "buffer", stream) if isinstance(stream, io.TextIOBase) else stream)
    if isinstance(binary, io.TextIOBase):
        return (text.encode("utf-8", "surrogatepass")
                for text in iter(lambda: binary.read(BLOCK_BYTES // 4), ""))
    return iter(lambda: binary.read(BLOCK_BYTES), b"")


def _line_pieces(lines: Iterable[str | bytes]) -> Iterator[bytes]:
    """Each line as UTF-8 (invalid sequences are replaced later, with a warning),
    ending in a newline."""
    for number, line in enumerate(lines):
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogatepass")
        elif not isinstance(line, (bytes, bytearray)):
            raise TypeError(f"line {number} of the stream is a {type(line).__name__}, not a "
                            "str; a stream of lines holds text, e.g. 'the cat sat'")
        yield bytes(line) if line.endswith(b"\n") else bytes(line) + b"\n"


class OnePassEncoder:
    """Counting and encoding in the same pass, for a stream that cannot be read twice.

    Each block is counted as count_text counts it (pruned by max_vocab_size alike)
    and encoded by provisional ids, one per distinct token, numbered as first seen;
    sentences are kept whole (cut only where blocks end). Once the vocabulary is
    known, `final_ids` maps provisional to final ids, and `finish` drops the
    out-of-vocabulary ids and cuts sentences exactly as encode_text would have.

    Memory: a dict of the distinct tokens held by the count (with max_vocab_size,
    the words pruned leave it for a file under `tmp_dir`, read back once).
    """

    def __init__(self, max_vocab_size: int | None = None, tmp_dir: str | None = None):
        self._count = _TextCount(max_vocab_size)
        self._ids: dict[bytes, int] = {}
        self._next_id = 0
        self._tmp_dir = tmp_dir
        self._pruned: IO[bytes] | None = None   # "id word" lines of words pruned away

    def encode(self, data: bytes) -> EncodedChunk:
        """Count a block (ending after whitespace) and return its provisional ids."""
        block = TokenCounter()
        block.add(data)
        tokens, _ = block.items()
        provisional = np.empty(len(tokens), dtype=np.int64)
        for k, token in enumerate(tokens):
            i = self._ids.get(token)
            if i is None:
                i = self._ids[token] = self._next_id
                self._next_id += 1
            provisional[k] = i
        block.set_ids(provisional)
        chunk = EncodedChunk(*block.encode(data, np.iinfo(np.int64).max))
        if self._count.add(data):
            self._forget_pruned()
        return chunk

    def _forget_pruned(self) -> None:
        """Move the words the count pruned from the dict to the file (bounded memory)."""
        alive = set(self._count.counter.items()[0])
        gone = [token for token in self._ids if token not in alive]
        if not gone:
            return
        if self._pruned is None:
            self._pruned = tempfile.TemporaryFile(prefix="pyw2v-pruned-", dir=self._tmp_dir)
        self._pruned.write(b"".join(b"%d %s\n" % (self._ids.pop(t), t) for t in gone))

    def counts(self) -> Counter[str]:
        """The counts of the pass, equal to count_text's over the same blocks."""
        return self._count.counts()

    def final_ids(self, index: Mapping[str, int]) -> NDArray[np.int64]:
        """int64 (provisional ids,): each provisional id's id in `index`, or -1."""
        remap = np.full(self._next_id, -1, dtype=np.int64)
        words = list(self._ids)
        ids = np.fromiter(self._ids.values(), dtype=np.int64, count=len(words))
        remap[ids] = [index.get(w, -1) for w in _decode_words(words)]
        if self._pruned is not None:
            self._pruned.seek(0)
            for line in self._pruned:
                i, word = line.split()
                remap[int(i)] = index.get(word.decode("utf-8"), -1)
            self._pruned.close()
        return remap

    @staticmethod
    def finish(chunk: EncodedChunk, final_ids: NDArray[np.int64]) -> EncodedChunk:
        """A provisional chunk in final ids (final_ids from `final_ids`)."""
        return keep_known(final_ids[chunk.token_ids], np.diff(chunk.sentence_starts))


class _Reader(Protocol):
    def read(self, n: int) -> bytes: ...


class _Concatenation:
    """The texts of several readers (each made by an opener when the previous one ends)
    as one reader, a newline added after a text lacking one. Only one is open at a time."""

    def __init__(self, openers: Iterable[Callable[[], CheckedReader]]):
        self._openers = iter(openers)
        self._reader: CheckedReader | None = None
        self._last = b"\n"

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        while n > 0:
            if self._reader is None:
                opener = next(self._openers, None)
                if opener is None:
                    break
                self._reader = opener()
            data = self._reader.read(n)
            if not data:
                self.close()
                if self._last == b"\n":
                    continue
                data = b"\n"
            parts.append(data)
            n -= len(data)
            self._last = data[-1:]
        return b"".join(parts)

    def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            reader.close()

    def __enter__(self) -> "_Concatenation":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
                    "str tokens; pass e.g. [['the', 'cat'], ['a', 'dog']], a path to a text file, "
                    "or pyw2v.LineStream(lines) for lines of text")
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

    def count(self, max_vocab_size: int | None = None) -> Counter[str]:
        """Token counts (count_words); a TypeError if any token is not a str."""
        counts = count_words((block.tokens for block in self.blocks()), max_vocab_size)
        odd = [token for token in counts if not isinstance(token, str)]
        if odd:   # blocks() checks only the first token of each sentence
            raise TypeError(f"corpus holds a token of type {type(odd[0]).__name__} ({odd[0]!r}); "
                            "tokens must be str, e.g. [['the', 'cat'], ['a', 'dog']]")
        return counts

    def encode(self, index: Mapping[str, int]) -> Iterator[EncodedChunk]:
        """Chunks of ids, one a block of BLOCK_TOKENS tokens (encode_block)."""
        for block in self.blocks():
            yield encode_block(block, index)


def open_source(corpus: Corpus) -> CorpusSource:
    """The one place that looks at what the user passed.

    A path to a file is a TextFileSource; a directory, a glob pattern (``*``,
    ``?``, ``[``; ``**`` descends into subdirectories) or a list/tuple of paths
    is a MultiFileSource over the files (pyw2v.files lists them); anything
    else must be sentences (token lists). A stream (see as_stream: "-" for standard
    input, a file object, a LineStream or a generator of str lines) is a
    StreamSource, readable once.
    """
    stream = as_stream(corpus)
    if stream is not None:
        return stream
    if isinstance(corpus, str) and not os.path.exists(corpus) and any(c.isspace() for c in corpus):
        raise TypeError(
            "corpus is a str of text, not a path to a file; pass a path, or token lists "
            "such as [line.split() for line in text.splitlines()]")
    if isinstance(corpus, (str, os.PathLike)):
        path = os.fspath(corpus)
        if os.path.isdir(path) or (is_glob(path) and not os.path.exists(path)):
            return MultiFileSource(corpus_files(path))
        return TextFileSource(corpus)
    if isinstance(corpus, (list, tuple)) and STDIN in corpus:
        raise ValueError("corpus '-' (standard input) can be read only once and not with other "
                         "corpora; give '-' alone, or write the text to a file")
    if isinstance(corpus, (list, tuple)) and corpus and all(map(_names_a_path, corpus)):
        return MultiFileSource(path for item in corpus for path in corpus_files(item))
    if isinstance(corpus, bytes) or not isinstance(corpus, Iterable):
        raise TypeError(
            f"corpus must be a path to a text file or an iterable of token lists, got "
            f"{type(corpus).__name__}; a directory, a glob pattern or a list of paths works too")
    return TokenListSource(cast("Iterable[list[str]]", corpus))   # all that is left


def _names_a_path(item: object) -> bool:
    """Whether a list item is a path (a str of text, such as a sentence, is not)."""
    if isinstance(item, str):
        return os.path.exists(item) or not any(c.isspace() for c in item)
    return isinstance(item, os.PathLike)


def count_words(token_blocks: Iterable[list[str]],
                max_vocab_size: int | None = None) -> Counter[str]:
    """Count tokens over blocks of tokens.

    With `max_vocab_size`, the table never holds more than that many words: when
    it overflows, every word with count <= m is dropped and m grows by one, as
    word2vec.c's ReduceVocab does. Counts of rare words become lower bounds.
    """
    counts: Counter[str] = Counter()
    prune_below = 1
    for tokens in token_blocks:
        counts.update(tokens)
        while max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = Counter({w: c for w, c in counts.items() if c > prune_below})
            prune_below += 1
    return counts


def count_text(blocks: Iterable[bytes], max_vocab_size: int | None = None) -> Counter[str]:
    """count_words for raw text: blocks of bytes, each ending after whitespace.

    Compiled (pyw2v._text.TokenCounter): tokens are split on ASCII whitespace and
    counted as bytes, then decoded as UTF-8 (TextFileSource.byte_blocks yields
    valid UTF-8). `max_vocab_size` prunes as in count_words, after each block.
    """
    counting = _TextCount(max_vocab_size)
    for data in blocks:
        counting.add(data)
    return counting.counts()


class _TextCount:
    """count_text's state, one block at a time (a stream counts and encodes in one pass)."""

    def __init__(self, max_vocab_size: int | None):
        self.counter = TokenCounter()
        self.max_vocab_size = max_vocab_size
        self.prune_below = 1

    def add(self, data: bytes) -> bool:
        """Count `data`'s tokens; whether the table was pruned."""
        self.counter.add(data)
        pruned = False
        while self.max_vocab_size is not None and len(self.counter) > self.max_vocab_size:
            self.counter.prune(self.prune_below + 1)
            self.prune_below += 1
            pruned = True
        return pruned

    def counts(self) -> Counter[str]:
        tokens, counts = self.counter.items()
        return Counter(dict(zip(_decode_words(tokens), counts.tolist())))


def _decode_words(tokens: list[bytes]) -> list[str]:
    """Tokens (no whitespace inside, valid UTF-8) as str, in one decode."""
    return b"\n".join(tokens).decode("utf-8").split("\n") if tokens else []


def encode_block(block: Block, index: Mapping[str, int]) -> EncodedChunk:
    """Token ids of the in-vocabulary tokens of a block, sentences cut to MAX_SENTENCE_LENGTH."""
    ids = np.fromiter(map(index.get, block.tokens, repeat(-1)), dtype=np.int64,
                      count=len(block.tokens))
    return keep_known(ids, np.asarray(block.sentence_lengths, dtype=np.int64))


def keep_known(ids: NDArray[np.integer[Any]], sentence_lengths: NDArray[np.int64]
               ) -> EncodedChunk:
    """The chunk of the ids >= 0 (int64 (n,), -1 out of vocabulary) of sentences of
    `sentence_lengths` tokens (int64 (m,)), sentences cut to MAX_SENTENCE_LENGTH and
    emptied ones dropped, as the compiled encoder does."""
    known = ids >= 0
    lengths = sentence_lengths
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
    kept_lengths = np.add.reduceat(known, starts) if len(lengths) else lengths
    return EncodedChunk(ids[known].astype(np.uint32),
                        _sentence_starts(kept_lengths[kept_lengths > 0]))


def vocabulary_table(index: Mapping[str, int]) -> TokenCounter:
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


def _sentence_starts(lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Offsets of sentences after cutting each into pieces of at most MAX_SENTENCE_LENGTH."""
    limit = _core.MAX_SENTENCE_LENGTH
    pieces = -(-lengths // limit)
    piece_lengths = np.full(int(pieces.sum()), limit, dtype=np.int64)
    last_piece = np.cumsum(pieces) - 1
    piece_lengths[last_piece] = lengths - (pieces - 1) * limit
    return np.concatenate(([0], np.cumsum(piece_lengths))).astype(np.int64)
