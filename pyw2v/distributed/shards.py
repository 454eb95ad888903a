"""Sharding a file corpus over N workers, and one vocabulary from their counts (issue 17).

`plan_shards` cuts each plain file into pieces of about `piece_bytes`, each
ending right after a newline (so no line is split), keeps each compressed file
whole (it cannot be seeked), and deals the pieces, in corpus order, round-robin:
piece i goes to worker i % workers, so every shard samples the whole corpus.
A Shard is a small JSON-able manifest (it goes into checkpoints); every worker
must see the corpus files at the same paths.

`ShardSource(shard)` reads a shard as a CorpusSource: its pieces one after
another, a newline added after a piece lacking one (as MultiFileSource does at
a file's end), cut into blocks as a file is. Over all shards the sentences and
token counts are the corpus's: `shard_vocabulary` of the shards' `count()`s is
`build_vocabulary` of the corpus (counted without max_vocab_size: pruning each
shard alone would not add up). One exception, as in single-node reading: text
is read in blocks of BLOCK_BYTES (16 MiB), and a line straddling a block's end
is cut there into two sentences (no token is lost); a shard's blocks end
elsewhere than the corpus's, so such lines, one per 16 MiB or longer, may be
cut differently. With one worker the stream, and so every sentence, is the
corpus's.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v.compressed import CheckedReader, ReadAhead, detect, open_text_bytes
from pyw2v.corpus import (BLOCK_BYTES, STDIN, Corpus, MultiFileSource, TextFileSource,
                          _ByteBlockSource, _Concatenation, _cut_blocks, _names_a_path,
                          open_source)
from pyw2v.vocab import Vocabulary, check_vocabulary_options, vocabulary_from_counts

#: Bytes read at a time while looking for the newline that ends a piece.
_SCAN_BYTES = 1 << 16
_SAME_PATH = "every worker must see the corpus files at the same path"


@dataclass(frozen=True)
class Piece:
    """Bytes start..end of the file at `path` (end None: to its end). A compressed
    file is always one whole piece (start 0, end None)."""

    path: str
    start: int
    end: int | None


@dataclass(frozen=True)
class Shard:
    """Worker `index`'s pieces, in corpus order; `bytes` is their approximate size
    (a compressed file counts its compressed size)."""

    index: int
    pieces: tuple[Piece, ...]
    bytes: int

    def to_json(self) -> dict[str, Any]:
        """This shard as a dict of JSON types (json.dumps writes it)."""
        return {"index": self.index, "bytes": self.bytes,
                "pieces": [[p.path, p.start, p.end] for p in self.pieces]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Shard":
        """The shard `to_json` gave `data` for."""
        try:
            pieces = tuple(Piece(str(path), int(start), None if end is None else int(end))
                           for path, start, end in data["pieces"])
            return cls(int(data["index"]), pieces, int(data["bytes"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a shard manifest (Shard.to_json's dict): {exc!r}") from None


#: Default piece sizes: at most 64 MiB, at least 64 KiB, 16 pieces a worker when smaller.
MAX_PIECE_BYTES = 64 << 20
MIN_PIECE_BYTES = 64 << 10
PIECES_PER_WORKER = 16


def plan_shards(corpus: Corpus, workers: int, piece_bytes: int | None = None) -> list[Shard]:
    """The corpus (a path, directory, glob or list of them, as pyw2v.train takes) dealt
    to `workers` shards: pieces of about `piece_bytes`, ending after a newline, round-robin.

    piece_bytes=None takes MAX_PIECE_BYTES, or less for a small corpus, so that every
    worker gets PIECES_PER_WORKER pieces (but none below MIN_PIECE_BYTES).
    A piece is longer when no newline follows soon; a compressed file is one piece.
    A ValueError when there are fewer pieces than workers (a worker would idle).
    """
    for name, value in (("workers", workers), ("piece_bytes", piece_bytes)):
        if value is None and name == "piece_bytes":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    sources = _file_sources(corpus)
    if piece_bytes is None:
        total = sum(os.path.getsize(source.path) for source in sources)
        piece_bytes = min(MAX_PIECE_BYTES,
                          max(MIN_PIECE_BYTES, total // (workers * PIECES_PER_WORKER)))
    pieces: list[tuple[Piece, int]] = []
    for source in sources:
        size = os.path.getsize(source.path)
        if source.kind != "plain":
            pieces.append((Piece(source.path, 0, None), size))
            continue
        for piece in _plain_pieces(source.path, size, int(piece_bytes)):
            pieces.append((piece, (size if piece.end is None else piece.end) - piece.start))
    if len(pieces) < workers:
        raise ValueError(
            f"the corpus makes {len(pieces)} pieces for workers={workers}, so a worker would "
            "have no text; lower piece_bytes (a compressed file is one piece) or use fewer workers")
    dealt = [pieces[w::workers] for w in range(workers)]
    return [Shard(w, tuple(p for p, _ in mine), sum(n for _, n in mine))
            for w, mine in enumerate(dealt)]


def _file_sources(corpus: Corpus) -> list[TextFileSource]:
    """The corpus's files, checked as single-node training checks them (open_source)."""
    if isinstance(corpus, (list, tuple)) and not corpus:
        raise ValueError("corpus is an empty list of files; pass at least one path")
    if ((isinstance(corpus, (str, os.PathLike)) and corpus != STDIN)
            or (isinstance(corpus, (list, tuple)) and STDIN not in corpus
                and all(map(_names_a_path, corpus)))):
        source = open_source(corpus)
        if isinstance(source, TextFileSource):
            return [source]
        if isinstance(source, MultiFileSource):
            return source.sources
    kind = "standard input" if corpus == STDIN else type(corpus).__name__
    raise TypeError(f"distributed training needs corpus files every worker can read (a path, "
                    f"directory, glob or list of paths), got {kind}; write the text to files "
                    "on storage all workers share")


def _plain_pieces(path: str, size: int, piece_bytes: int) -> Iterator[Piece]:
    """A plain file's pieces: each ends right after the first newline at least
    piece_bytes from its start, the last at the file's end (end None)."""
    start = 0
    with open(path, "rb") as fh:
        while start + piece_bytes < size:
            fh.seek(start + piece_bytes - 1)
            end = None
            while end is None and (data := fh.read(_SCAN_BYTES)):
                newline = data.find(b"\n")
                if newline >= 0:
                    end = fh.tell() - len(data) + newline + 1
            if end is None or end >= size:
                break
            yield Piece(path, start, end)
            start = end
    yield Piece(path, start, None)


class ShardSource(_ByteBlockSource):
    """A shard's text as a CorpusSource (count, encode, blocks): its pieces read one after
    another, as MultiFileSource reads files. Every piece's file is checked here."""

    def __init__(self, shard: Shard):
        self.shard = shard
        self._kinds: dict[str, str] = {}
        for piece in shard.pieces:
            if piece.path not in self._kinds:
                self._kinds[piece.path] = self._check(piece.path)
            size = os.path.getsize(piece.path)
            if piece.start > size or (piece.end is not None and piece.end > size):
                raise ValueError(f"shard {shard.index}: corpus file {piece.path!r} has {size} "
                                 f"bytes, fewer than its piece {piece.start}..{piece.end}; the "
                                 "file changed since the shards were planned: plan them again")

    def _check(self, path: str) -> str:
        """The format of `path`, or a FileNotFoundError for a file this machine cannot read."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"shard {self.shard.index}: corpus file {path!r} does not "
                                    f"exist on this machine; {_SAME_PATH}")
        try:
            return detect(path)
        except OSError as exc:
            raise FileNotFoundError(f"shard {self.shard.index}: corpus file {path!r} cannot be "
                                    f"read on this machine ({exc.strerror}); {_SAME_PATH}") from None

    def _opener(self, piece: Piece) -> Callable[[], CheckedReader]:
        """A function opening `piece`, when the previous piece is read."""
        def open_piece() -> CheckedReader:
            try:
                return open_text_bytes(piece.path, self._kinds[piece.path], piece.start, piece.end)
            except OSError as exc:
                raise FileNotFoundError(f"shard {self.shard.index}: corpus file {piece.path!r} "
                                        f"cannot be read ({exc.strerror}); {_SAME_PATH}") from None
        return open_piece

    def byte_blocks(self) -> Iterator[bytes]:
        """The shard's text in blocks, as TextFileSource.byte_blocks cuts a file's."""
        openers = [self._opener(piece) for piece in self.shard.pieces]
        with ReadAhead(_Concatenation(openers), BLOCK_BYTES) as reader:
            yield from _cut_blocks(reader, f"shard {self.shard.index}")


def merge_counts(counts: Iterable[Mapping[str, int]]) -> Counter[str]:
    """The sum of the shards' token counts."""
    total: Counter[str] = Counter()
    for shard_counts in counts:
        total.update(shard_counts)
    return total


def shard_vocabulary(shard_counts: Iterable[Mapping[str, int]], min_count: int = 5,
                     max_final_vocab: int | None = None) -> Vocabulary:
    """The vocabulary build_vocabulary makes of the whole corpus, from its shards' counts
    (ShardSource.count() each, without max_vocab_size)."""
    check_vocabulary_options(min_count, None, max_final_vocab)
    return vocabulary_from_counts(merge_counts(shard_counts), min_count, max_final_vocab)
