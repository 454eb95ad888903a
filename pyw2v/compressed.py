"""Opening a corpus file as a stream of its text bytes, decompressing on the fly.

The format is read from the file's first bytes (its magic), not from its name:
a `.gz` that holds plain text is read as plain text (with a warning that the
name misleads), and a gzip file named `.txt` is decompressed. gzip, bzip2 and
xz use the standard library; zstd needs the optional `zstandard` package
(`pip install "pyw2v[zst]"`). Decompression streams: `open_text_bytes` returns
a reader whose `read(n)` gives at most n bytes, and nothing is held whole in
memory or written to disk. A truncated or corrupt archive raises
CorruptFileError naming the file and the compressed byte offset where reading
broke; formats pyw2v does not read (zip, 7z, lz4) are refused up front.
ReadAhead decompresses the next block on a thread while the caller tokenizes
the current one (the codecs release the GIL), so a compressed file is read
about as fast as the slower of the two, not their sum.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import queue
import threading
import warnings
import zlib
from typing import Any, BinaryIO, Protocol

#: Magic bytes of the formats read, and the suffixes that claim them.
MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00",
         "zstd": b"\x28\xb5\x2f\xfd"}
SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
#: Formats recognised only to be refused with a useful message.
UNSUPPORTED = {"zip": b"PK\x03\x04", "7z": b"7z\xbc\xaf\x27\x1c", "lz4": b"\x04\x22\x4d\x18"}


class CorruptFileError(ValueError):
    """A compressed corpus file that cannot be decompressed to its end."""


def detect(path: str) -> str:
    """The format of the file at `path`: "plain", "gzip", "bzip2", "xz" or "zstd".

    Reads only its first bytes, so it doubles as the readability check made
    before training; a ValueError for a format pyw2v does not read.
    """
    with open(path, "rb") as fh:
        head = fh.read(8)
    for name, magic in UNSUPPORTED.items():
        if head.startswith(magic):
            raise ValueError(f"corpus file {path!r} is a {name} archive, which pyw2v does not "
                             "read; extract it, or recompress it as .gz, .bz2, .xz or .zst")
    kind = next((name for name, magic in MAGIC.items() if head.startswith(magic)), "plain")
    claimed = SUFFIXES.get(os.path.splitext(path)[1].lower())
    if claimed is not None and kind == "plain":
        warnings.warn(f"corpus file {path!r} is named like {claimed} but is not {claimed}-"
                      "compressed (no magic bytes); reading it as plain text", stacklevel=3)
    if kind == "zstd":
        _zstandard()   # fail now, not in the first pass
    return kind


def open_text_bytes(path: str, kind: str, start: int = 0,
                    end: int | None = None) -> "CheckedReader":
    """A binary reader of the text in `path` (format `kind`, from detect()); of a plain
    file, only bytes start..end (end None: to the file's end). A compressed file
    cannot be seeked, so it is read whole."""
    if kind != "plain" and (start != 0 or end is not None):
        raise ValueError(f"corpus file {path!r} is {kind}-compressed and cannot be read "
                         f"from byte {start} to {end}; read it whole (start 0, end None)")
    raw = open(path, "rb")
    try:
        if kind == "plain":
            raw.seek(start)
            stream: _Reader = raw if end is None else _Range(raw, end - start)
        elif kind == "gzip":
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif kind == "bzip2":
            stream = bz2.BZ2File(raw, mode="rb")
        elif kind == "xz":
            stream = lzma.LZMAFile(raw, mode="rb")
        else:
            stream = _ZstdStream(raw)
    except BaseException:
        raw.close()
        raise
    return CheckedReader(path, kind, raw, stream)


class CheckedReader:
    """A decompressing reader that turns codec errors into CorruptFileError.

    `read(n)` returns exactly n bytes unless the text ends first (codecs may
    return less), so block boundaries, and with them the sentences cut at a
    block's end, are those of the same text read uncompressed.
    """

    def __init__(self, path: str, kind: str, raw: BinaryIO, stream: _Reader):
        self.path, self.kind, self._raw, self._stream = path, kind, raw, stream
        self._text_bytes = 0

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        wanted = n
        while wanted > 0:
            try:
                data = self._stream.read(wanted)
            except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
                if self.kind == "plain":   # an I/O error, not a codec's complaint
                    raise
                raise self._error(exc) from None
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
        text = b"".join(parts)
        self._text_bytes += len(text)
        return text

    def _error(self, exc: BaseException) -> CorruptFileError:
        where = self._raw.tell()
        size = os.fstat(self._raw.fileno()).st_size
        if isinstance(exc, EOFError) or where >= size:
            return CorruptFileError(
                f"corpus file {self.path!r} is a truncated {self.kind} archive: it ends at "
                f"byte {size} before the end of the compressed stream (after {self._text_bytes} "
                "bytes of text); download or compress it again")
        return CorruptFileError(
            f"corpus file {self.path!r} is corrupt {self.kind} data near byte {where} of {size} "
            f"(after {self._text_bytes} bytes of text): {exc}; download or compress it again")

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._raw.close()

    def __enter__(self) -> "CheckedReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Reader(Protocol):
    def read(self, n: int) -> bytes: ...

    def close(self) -> None: ...


class _Range:
    """The next `length` bytes of a binary file, then its end."""

    def __init__(self, raw: BinaryIO, length: int):
        self._raw, self._left = raw, length

    def read(self, n: int) -> bytes:
        data = self._raw.read(min(n, self._left))
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._raw.close()


class ReadAhead:
    """`reader` read `block_bytes` at a time on a daemon thread, `depth` blocks ahead.

    `read(n)` gives what `reader.read(n)` would: exactly n bytes unless the text
    ends, so the blocks a caller cuts are unchanged. An error raised by the
    reader (a CorruptFileError, an OSError) is raised by `read` as it was, at
    the read that reached it, and again by any later read. `close()` (or leaving
    the `with`) stops the thread, waits for its current read, and closes
    `reader`; a generator closed early thus leaves no thread behind. Memory:
    at most `depth` blocks beyond those the caller holds.
    """

    def __init__(self, reader: _Reader, block_bytes: int, depth: int = 1):
        self._reader, self._block_bytes = reader, block_bytes
        self._slots = threading.Semaphore(depth)   # blocks the thread may hold unread
        self._queue: queue.SimpleQueue[bytes | BaseException] = queue.SimpleQueue()
        self._pending = b""
        self._ended = False
        self._error: BaseException | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._fill, name="pyw2v-read-ahead", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        while True:
            self._slots.acquire()
            if self._stopping:
                return
            try:
                data = self._reader.read(self._block_bytes)
            except BaseException as exc:   # handed to the consumer, raised there
                self._queue.put(exc)
                return
            self._queue.put(data)
            if not data:
                return

    def read(self, n: int) -> bytes:
        while len(self._pending) < n and not self._ended:
            item = self._queue.get()
            self._slots.release()
            if isinstance(item, BaseException):
                self._ended, self._error = True, item
            else:
                self._ended = not item
                self._pending += item
        if self._error is not None:
            raise self._error
        out, self._pending = self._pending[:n], self._pending[n:]   # no copy when n fits
        return out

    def close(self) -> None:
        self._stopping = True
        self._slots.release()   # wakes a thread waiting for a free slot
        self._thread.join()
        self._reader.close()

    def __enter__(self) -> "ReadAhead":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ZstdStream:
    """Frames of zstd data read one after another; EOFError at a cut mid-frame, which
    zstandard's own stream_reader reports as a normal end of data."""

    RAW_BLOCK = 1 << 18

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._zstd = _zstandard()
        self._decompressor = self._zstd.ZstdDecompressor()
        self._frame = self._decompressor.decompressobj()
        self._in_frame = False
        self._pending = bytearray()

    def read(self, n: int) -> bytes:
        while len(self._pending) < n:
            data = self._raw.read(self.RAW_BLOCK)
            if not data:
                if self._in_frame:
                    raise EOFError("the compressed data ends inside a zstd frame")
                break
            self._decompress(data)
        out = bytes(self._pending[:n])
        del self._pending[:n]
        return out

    def _decompress(self, data: bytes) -> None:
        while data:
            self._in_frame = True
            try:
                self._pending += self._frame.decompress(data)
            except self._zstd.ZstdError as exc:   # reported like the other codecs' errors
                raise OSError(str(exc)) from None
            if not self._frame.eof:
                return
            data = self._frame.unused_data
            self._frame = self._decompressor.decompressobj()
            self._in_frame = False

    def close(self) -> None:
        self._pending.clear()


def _zstandard() -> Any:   # zstandard is optional and untyped here
    """The zstandard module, or an ImportError naming the extra that installs it."""
    try:
        import zstandard
    except ImportError:
        raise ImportError('reading .zst corpus files needs the zstandard package: '
                          'pip install "pyw2v[zst]"') from None
    return zstandard
