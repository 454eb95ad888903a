"""word2vec C text and binary files: atomic writes, untrusted-input reads.

Layout (word2vec.c's ``-output``, also written by gensim)::

    header   b"<n_words> <dim>\\n"                       ASCII decimal integers
    binary   per word: word, b" ", dim float32 (little-endian), b"\\n"
    text     per word: word, then dim numbers, separated by b" ", b"\\n"
    GloVe    text records without the header line (read with ``no_header=True``)

Words are UTF-8.  The binary writer is byte-identical to word2vec.c.  gensim
omits the newline after each binary vector and some tools put it before the
next word instead; the reader accepts every such variant.  The text writer
prints ``"%.9g"`` (nine significant digits, enough to give back every float32
exactly) and no trailing space, where word2vec.c prints ``"%lf "`` (six
decimals, lossy); pass ``float_format="%f"`` for word2vec.c's numbers.

Policies, decided here once:

- Writes go to a temporary file in the target directory and are published with
  a rename, so a crash never leaves a half-written file under the real name.  An
  existing file is never replaced unless ``overwrite=True`` (gensim overwrites
  silently; pyw2v does not lose what the user has without being asked).
- Words must be non-empty and free of ASCII whitespace: the format cannot store
  them otherwise, so the writer refuses instead of writing a corrupt file.
- Reading decodes words as strict UTF-8.  word2vec.c cuts words at 100 bytes,
  possibly inside a multi-byte character; ``unicode_errors="replace"`` (or
  ``"ignore"``) loads such files.
- A file is untrusted: the header is checked against the file size before
  anything is allocated, every record is checked for length, the count of
  records must match the header, and NaN or infinite values are refused.  Any
  violation raises :class:`FormatError` (a ``ValueError``) naming the file and
  the problem; nothing is ever returned half-read.
- Duplicate words keep their first vector and emit a warning (gensim does the
  same), since word2vec.c can produce them after truncating long words.
- Paths ending in ``.gz`` are compressed/decompressed with gzip.  Plain files
  are memory-mapped while reading; ``.gz`` files are decompressed into memory.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import mmap
import os
import secrets
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FormatError", "atomic_write", "read_word2vec", "write_word2vec"]

PathLike = Union[str, "os.PathLike[str]"]
# What the readers scan: a whole file, mapped or (when it cannot be) read.
_Buffer = Union[bytes, mmap.mmap]

#: Longest word accepted when reading.  word2vec.c stops at 100 bytes; the
#: generous bound only keeps a corrupt file from being scanned to its end.
MAX_WORD_BYTES = 65536

_HEADER_MAX_BYTES = 256
# Beyond any real embedding: an empty file (0 words) claiming more is refused.
_MAX_DIM = 2**31 - 1
# Rows converted from text to float32 per call: bounds the token list's memory.
_TEXT_CHUNK_ROWS = 4096
_WRITE_CHUNK_ROWS = 4096
# Bytes copied at a time while a headerless file is scanned for its shape.
_SCAN_BYTES = 1 << 22


class FormatError(ValueError):
    """A file is truncated, corrupt or not in the expected format."""

    def __init__(self, path: PathLike, problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem}")
        self.path = os.fspath(path)
        self.problem = problem

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, str]]:  # picklable despite the two-argument constructor
        return (type(self), (self.path, self.problem))


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_write(path: PathLike, *, overwrite: bool = False) -> Iterator[IO[bytes]]:
    """Open a binary file that appears at ``path`` only once fully written.

    The data goes to a hidden temporary file in the same directory, which is
    flushed, fsynced and renamed onto ``path`` when the ``with`` block exits
    normally; on an exception it is removed and ``path`` is untouched.

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is False
    (checked before writing and again, atomically where the filesystem allows,
    when publishing).
    """
    path = os.fspath(path)
    if not overwrite and os.path.lexists(path):
        raise _exists_error(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # 0o666 lets the umask decide the final permissions, as for a plain open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as raw:
            if path.endswith(".gz"):
                # mtime=0 keeps the output reproducible.
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
                    yield zipped  # type: ignore[misc]
            else:
                yield raw
            raw.flush()
            os.fsync(raw.fileno())
        _publish(tmp, path, overwrite)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _exists_error(path: str) -> FileExistsError:
    return FileExistsError(
        f"{path} already exists; pass overwrite=True to replace it, or choose another path"
    )


def _publish(tmp: str, path: str, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    # link() fails if `path` appeared meanwhile, so nothing is clobbered even in a race.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError:
        # Filesystems without hard links: fall back to check-then-rename.
        if os.path.lexists(path):
            raise _exists_error(path) from None
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


def _encode_words(words: Sequence[str]) -> list[bytes]:
    encoded = []
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise TypeError(
                f"index_to_key[{i}] is {type(word).__name__} {word!r}; words must be str"
            )
        try:
            data = word.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"index_to_key[{i}] {word!r} cannot be encoded as UTF-8 ({exc.reason}); "
                "remove lone surrogates before saving"
            ) from None
        if data.split() != [data]:
            raise ValueError(
                f"index_to_key[{i}] {word!r} is empty or contains whitespace, which the word2vec "
                "format cannot store; replace it (e.g. spaces with '_') before saving"
            )
        encoded.append(data)
    return encoded


def _check_float_format(float_format: str) -> None:
    try:
        sample = float_format % -1.25e-5
        float(sample)
    except (TypeError, ValueError):
        raise ValueError(
            f"float_format={float_format!r} must format one float as a number, e.g. '%.9g' or '%f'"
        ) from None
    if sample.split() != [sample]:
        raise ValueError(f"float_format={float_format!r} must not produce whitespace")


def write_word2vec(
    path: PathLike,
    index_to_key: Sequence[str],
    vectors: ArrayLike,
    *,
    binary: bool = True,
    overwrite: bool = False,
    float_format: str = "%.9g",
) -> None:
    """Write words and vectors in word2vec C format, atomically.

    Parameters
    ----------
    path : file to create; a ``.gz`` suffix writes gzip-compressed data.
    index_to_key : the n words, in row order.
    vectors : array (n, dim) of floats, stored as float32.
    binary : binary (True, default) or text format.
    overwrite : replace an existing file; otherwise ``FileExistsError``.
    float_format : printf format of one value in the text format.  The default
        ``"%.9g"`` round-trips every float32 exactly; word2vec.c uses ``"%f"``.

    Raises ``ValueError`` for words the format cannot hold (empty, containing
    whitespace, duplicated), a shape mismatch or non-finite values.
    """
    encoded, data = _checked_records(list(index_to_key), vectors, binary, float_format)
    with atomic_write(path, overwrite=overwrite) as out:
        out.write(f"{data.shape[0]} {data.shape[1]}\n".encode("ascii"))
        _write_records(out, encoded, data, binary, float_format)


def _checked_records(keys: list[str], vectors: ArrayLike, binary: bool,
                     float_format: str) -> tuple[list[bytes], NDArray[np.float32]]:
    """(UTF-8 words, C-contiguous little-endian float32 rows), refusing anything the
    format cannot hold before a file is opened."""
    arr = np.asarray(vectors)
    if arr.ndim != 2 or arr.shape[0] != len(keys) or arr.shape[1] < 1:
        raise ValueError(
            f"vectors must have shape (len(index_to_key), dim) = ({len(keys)}, dim>=1), "
            f"got {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"vectors must hold floats, got dtype {arr.dtype}")
    if not binary:
        _check_float_format(float_format)
    encoded = _encode_words(keys)
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"index_to_key contains {key!r} more than once; words must be unique")
        seen.add(key)
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.ascontiguousarray(arr, dtype="<f4")
    _check_finite(keys, data, lambda problem: ValueError(f"cannot save: {problem} (as float32)"))
    return encoded, data


def _write_records(out: IO[bytes], encoded: list[bytes], data: NDArray[np.float32], binary: bool,
                   float_format: str) -> None:
    """Write one record per row, joined in chunks: one write call per chunk is what keeps
    this fast."""
    n, dim = data.shape
    row_format = " ".join([float_format] * dim)
    for start in range(0, n, _WRITE_CHUNK_ROWS):
        stop = min(start + _WRITE_CHUNK_ROWS, n)
        words = encoded[start:stop]
        if binary:
            rows = data[start:stop]
            parts = [w + b" " + rows[i].tobytes() + b"\n" for i, w in enumerate(words)]
        else:
            rows = data[start:stop].tolist()
            parts = [
                w + b" " + (row_format % tuple(r)).encode("ascii") + b"\n"
                for w, r in zip(words, rows)
            ]
        out.write(b"".join(parts))


# --------------------------------------------------------------------------- reading


@contextlib.contextmanager
def _open_buffer(path: str) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes: memory-mapped if plain, decompressed into memory if .gz."""
    if path.endswith(".gz"):
        with open(path, "rb") as raw:
            try:
                data = gzip.GzipFile(fileobj=raw, mode="rb").read()
            except (OSError, EOFError, zlib.error) as exc:
                raise FormatError(path, f"cannot decompress gzip data ({exc})") from None
        yield data
        return
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            yield b""
            return
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            yield mapped
        finally:
            mapped.close()


def _parse_header(buf: _Buffer, path: str) -> tuple[int, int, int]:
    """(n_words, dim, offset of the first record)."""
    if len(buf) == 0:
        raise FormatError(path, "file is empty; expected a word2vec header '<n_words> <dim>'")
    newline = buf.find(b"\n", 0, _HEADER_MAX_BYTES)
    if newline < 0:
        if len(buf) >= _HEADER_MAX_BYTES:
            raise FormatError(
                path, f"no header line in the first {_HEADER_MAX_BYTES} bytes; not a word2vec file"
            )
        newline = len(buf)
    header = bytes(buf[:newline])
    fields = header.split()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        raise FormatError(
            path, f"first line must be '<n_words> <dim>' (two integers), got {header[:80]!r} "
            "(text without that line, as GloVe writes it, loads with no_header=True)"
        )
    n_words, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise FormatError(path, f"header gives dimension {dim}; it must be at least 1")
    return n_words, dim, newline + 1


def _text_record(line: bytes, dim: int) -> tuple[bytes, list[bytes]] | None:
    """(word, value tokens) if ``line`` is a well-formed text record, else None."""
    word, sep, rest = line.partition(b" ")
    tokens = rest.split()
    if not word or not sep or len(tokens) != dim:
        return None
    return word, tokens


def _looks_like_text(buf: _Buffer, pos: int, dim: int) -> bool:
    """True if the first record after the header parses as a text record."""
    size = len(buf)
    while pos < size and buf[pos : pos + 1] in (b"\n", b"\r"):
        pos += 1
    limit = min(size, pos + MAX_WORD_BYTES + 64 * dim)
    end = buf.find(b"\n", pos, limit)
    if end < 0:
        if limit < size:
            return False
        end = size
    record = _text_record(bytes(buf[pos:end]), dim)
    if record is None:
        return False
    try:
        np.array(record[1], dtype=np.float32)
    except ValueError:
        return False
    return True


def _only_whitespace_from(buf: _Buffer, pos: int) -> bool:
    step = 1 << 20
    for start in range(pos, len(buf), step):
        if bytes(buf[start : start + step]).strip():
            return False
    return True


def _read_binary(buf: _Buffer, pos: int, n: int, dim: int, path: str, whole: bool
                 ) -> tuple[list[bytes], NDArray[np.float32]]:
    size = len(buf)
    record_bytes = 4 * dim
    out = np.empty((n, dim), dtype="<f4")
    words: list[bytes] = []
    append = words.append
    find = buf.find
    src = memoryview(buf)
    dst = memoryview(out).cast("B")  # type: ignore[arg-type, unused-ignore]  # <3.12 stubs
    try:
        at = 0
        for i in range(n):
            # A newline between records: word2vec.c puts one after each vector.
            while pos < size and src[pos] == 10:
                pos += 1
            if pos >= size:
                raise FormatError(path, f"header announces {n} words but the file ends after {i}")
            space = find(b" ", pos, pos + MAX_WORD_BYTES + 1)
            if space < 0:
                raise FormatError(
                    path,
                    f"record {i + 1} at byte {pos}: no space after a word within "
                    f"{MAX_WORD_BYTES} bytes; corrupt file, or not word2vec binary format",
                )
            if space == pos:
                raise FormatError(path, f"record {i + 1} at byte {pos}: empty word")
            end = space + 1 + record_bytes
            if end > size:
                raise FormatError(
                    path,
                    f"truncated: record {i + 1} ({bytes(buf[pos:space])[:60]!r}) needs "
                    f"{record_bytes} bytes of vector but only {size - space - 1} remain "
                    f"(header announces {n} words of dimension {dim})",
                )
            append(buf[pos:space])
            dst[at : at + record_bytes] = src[space + 1 : end]
            at += record_bytes
            pos = end
    finally:
        src.release()
        dst.release()
    if whole and not _only_whitespace_from(buf, pos):
        raise FormatError(
            path,
            f"data continues after the {n} words the header announces "
            f"(wrong word count or dimension in the header, or not word2vec binary format)",
        )
    return words, out


def _store_text_rows(out: NDArray[np.float32], done: int, tokens: list[bytes], lines: list[int],
                     path: str) -> None:
    """Convert the value tokens of rows ``lines`` (their line numbers) into
    ``out[done:]`` in one NumPy call; on a bad value, name its line."""
    if not lines:
        return
    dim = out.shape[1]
    try:
        out[done : done + len(lines)] = np.array(tokens, dtype=np.float32).reshape(
            len(lines), dim
        )
    except ValueError:
        for row, number in enumerate(lines):
            for token in tokens[row * dim : (row + 1) * dim]:
                try:
                    np.array([token], dtype=np.float32)
                except ValueError:
                    raise FormatError(
                        path, f"line {number}: {token[:40]!r} is not a number"
                    ) from None
        raise FormatError(
            path, f"lines {lines[0]}-{lines[-1]}: a value is not a number"
        ) from None


def _read_text(buf: _Buffer, pos: int, n: int, dim: int, path: str, whole: bool, *,
               headerless: bool = False) -> tuple[list[bytes], NDArray[np.float32]]:
    size = len(buf)
    out = np.empty((n, dim), dtype=np.float32)
    words: list[bytes] = []
    find = buf.find
    line_no = 0 if headerless else 1  # lines before `pos`
    tokens: list[bytes] = []
    lines: list[int] = []  # line number of each pending row, for error messages
    done = 0
    for i in range(n):
        while True:
            if pos >= size:
                raise FormatError(path, f"header announces {n} words but the file ends after {i}")
            newline = find(b"\n", pos)
            if newline < 0:
                newline = size
            line = bytes(buf[pos:newline])
            pos = newline + 1
            line_no += 1
            if line.strip():
                break
        record = _text_record(line, dim)
        if record is None:
            raise _record_error(path, line_no, line, dim, headerless)
        words.append(record[0])
        tokens.extend(record[1])
        lines.append(line_no)
        if len(lines) == _TEXT_CHUNK_ROWS:
            _store_text_rows(out, done, tokens, lines, path)
            done += len(lines)
            tokens, lines = [], []
    _store_text_rows(out, done, tokens, lines, path)
    if whole and pos < size and not _only_whitespace_from(buf, pos):
        raise FormatError(
            path,
            f"file has more lines than the {n} words the header announces "
            "(wrong word count in the header?)",
        )
    return words, out


def _record_error(path: str, line_no: int, line: bytes, dim: int,
                  headerless: bool) -> FormatError:
    word, _, rest = line.partition(b" ")
    found = len(rest.split())
    if headerless:
        return FormatError(
            path,
            f"line {line_no}: ragged row: {found} values after {word[:60]!r}, but the first "
            f"row has {dim}; every line must hold a word and the same number of values "
            "(if the first line is a '<n_words> <dim>' header, leave no_header off)",
        )
    return FormatError(
        path,
        f"line {line_no}: expected a word and {dim} numbers separated by spaces, "
        f"found {found} numbers after {word[:60]!r} "
        "(corrupt file, wrong header, or binary format read as text)",
    )


def _decode_words(raw: list[bytes], errors: str, path: str) -> list[str]:
    try:
        words = b"\n".join(raw).decode("utf-8", errors).split("\n")
    except UnicodeDecodeError:
        words = []
    if len(words) == len(raw):
        return words
    # Slow path: a word contains a newline, or the error needs locating.
    words = []
    for i, word in enumerate(raw):
        try:
            words.append(word.decode("utf-8", errors))
        except UnicodeDecodeError as exc:
            raise FormatError(
                path,
                f"word {i + 1} {word[:60]!r} is not valid UTF-8 "
                f"({exc.reason} at byte {exc.start}); "
                "pass unicode_errors='replace' (or 'ignore') to load words that word2vec.c "
                "cut inside a multi-byte character",
            ) from None
    return words


def _check_finite(words: Sequence[str], vectors: NDArray[np.float32],
                  error: Callable[[str], Exception]) -> None:
    # Summing in float64 cannot overflow for float32 input, so a non-finite
    # sum means a non-finite value, without a (n, dim) boolean temporary.
    bad = np.flatnonzero(~np.isfinite(vectors.sum(axis=1, dtype=np.float64)))
    if bad.size:
        raise error(
            f"{bad.size} vector(s) contain NaN or infinity, the first for word "
            f"{words[bad[0]]!r} (row {bad[0]})"
        )


def _first_occurrences(words: list[str], vectors: NDArray[np.float32], path: str
                       ) -> tuple[list[str], NDArray[np.float32]]:
    if len(set(words)) == len(words):
        return words, vectors
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    keep = np.fromiter(first.values(), dtype=np.intp, count=len(first))
    duplicate = next(w for i, w in enumerate(words) if first[w] != i)
    warnings.warn(
        f"{path}: {len(words) - len(first)} duplicate word(s), e.g. {duplicate!r}; "
        "kept the first vector of each",
        stacklevel=3,
    )
    return list(first), np.ascontiguousarray(vectors[keep])


def _check_read_args(binary: object, limit: object, unicode_errors: str) -> None:
    if binary is not None and not isinstance(binary, bool):
        raise TypeError(f"binary must be True, False or None, got {binary!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    try:
        codecs.lookup_error(unicode_errors)
    except LookupError:
        raise ValueError(
            f"unicode_errors={unicode_errors!r} is not an error handler; "
            "use 'strict', 'replace' or 'ignore'"
        ) from None


def _read_records(buf: _Buffer, path: str, binary: bool | None, limit: int | None
                  ) -> tuple[list[bytes], NDArray[np.float32]]:
    """(raw words, vectors) of the first ``limit`` records (all if None), after the
    header, the format and the file size are checked."""
    n_words, dim, pos = _parse_header(buf, path)
    if n_words == 0:
        if dim > _MAX_DIM:   # no record to check it against; NumPy would refuse the shape
            raise FormatError(path, f"header gives dimension {dim}; more than {_MAX_DIM} "
                              "is not a word2vec file")
        return [], np.empty((0, dim), dtype=np.float32)
    binary = _resolve_binary(buf, pos, dim, binary, path)
    # The smallest possible record: a 1-byte word, a separator and the
    # vector (4 bytes per value, or 2 bytes per text value).
    smallest = 2 + 4 * dim if binary else 1 + 2 * dim
    if n_words * smallest > len(buf) - pos:
        raise FormatError(
            path,
            f"header announces {n_words} words of dimension {dim}, which need at least "
            f"{n_words * smallest} bytes, but the file has {len(buf) - pos} after the header "
            "(truncated, corrupt header, or not a word2vec file)",
        )
    n_read = n_words if limit is None else min(n_words, limit)
    read = _read_binary if binary else _read_text
    return read(buf, pos, n_read, dim, path, n_read == n_words)


def _headerless_shape(buf: _Buffer, path: str, limit: int | None) -> tuple[int, int]:
    """(rows, dim) of a headerless text file, in one pass over blocks of the buffer:
    rows counts the non-blank lines (up to ``limit``), dim the values on the first."""
    dim = 0
    rows = 0
    stop = limit if limit is not None else len(buf) + 1
    carry = b""
    for start in range(0, len(buf) + 1, _SCAN_BYTES):
        block = carry + bytes(buf[start : start + _SCAN_BYTES])
        lines = block.split(b"\n")
        # Past the end the block is only the carry: its last line is complete.
        carry = lines.pop() if start + _SCAN_BYTES <= len(buf) else b""
        if not dim:
            first = next((line for line in lines if line.strip()), None)
            if first is not None:
                dim = len(first.partition(b" ")[2].split())
                if dim < 1:
                    raise FormatError(path, f"first row {first[:60]!r} holds no values after "
                                      "its word; expected '<word> <value> <value> ...' lines")
        rows += sum(1 for line in lines if line and not line.isspace())
        if rows >= stop:
            return stop, dim
    if rows == 0:
        raise FormatError(path, "file is empty; expected lines of a word and its values")
    return rows, dim


def _read_headerless(buf: _Buffer, path: str, binary: bool | None, limit: int | None
                     ) -> tuple[list[bytes], NDArray[np.float32]]:
    """(raw words, vectors) of a text file without the '<n_words> <dim>' line (GloVe)."""
    if binary:
        raise ValueError("no_header=True reads text files (GloVe's layout); binary=True "
                         "cannot be combined with it: pass binary=None or False")
    rows, dim = _headerless_shape(buf, path, limit)
    return _read_text(buf, 0, rows, dim, path, limit is None, headerless=True)


def _resolve_binary(buf: _Buffer, pos: int, dim: int, binary: bool | None, path: str) -> bool:
    """The format of the records at ``pos``: detected, and checked against ``binary``."""
    text = _looks_like_text(buf, pos, dim)
    if binary is None:
        return not text
    if binary and text:
        raise FormatError(
            path, "binary=True, but the file is in text format; pass binary=False or None"
        )
    if not binary and not text:
        raise FormatError(
            path,
            f"binary=False, but the first record is not a word and {dim} numbers; "
            "the file is binary (pass binary=True or None) or corrupt",
        )
    return binary


def read_word2vec(
    path: PathLike,
    *,
    binary: bool | None = None,
    limit: int | None = None,
    unicode_errors: str = "strict",
    no_header: bool = False,
) -> tuple[list[str], NDArray[np.float32]]:
    """Read a word2vec C format file, or GloVe's text format (``no_header=True``).

    Parameters
    ----------
    path : the file; ``.gz`` files are decompressed.
    binary : True for binary, False for text, None (default) to detect it from
        the first record.
    limit : read only the first ``limit`` words (None reads all).
    unicode_errors : error handler for decoding words as UTF-8 ("strict",
        "replace", "ignore", ...).
    no_header : the file is text without the ``"<n_words> <dim>"`` line, as
        GloVe's files are.  The shape is derived in one pass over the file (the
        dimension from the first row, the count from the non-blank lines), then
        the rows are read; a row with a different number of values (a word with
        a space in it looks like one) raises :class:`FormatError` naming the line.

    Returns
    -------
    (index_to_key, vectors) : list of n words and a C-contiguous float32 array
        (n, dim).  n may be smaller than the header's count if duplicates were
        dropped (with a warning).

    Raises :class:`FormatError` (a ``ValueError``) naming the file and the
    problem for any truncated, corrupt or wrong-format file, and for a file
    whose detected format contradicts ``binary``.
    """
    path = os.fspath(path)
    _check_read_args(binary, limit, unicode_errors)
    if not isinstance(no_header, bool):
        raise TypeError(f"no_header must be True or False, got {no_header!r}")
    with _open_buffer(path) as buf:
        if no_header:
            raw, vectors = _read_headerless(buf, path, binary, limit)
        else:
            raw, vectors = _read_records(buf, path, binary, limit)
    words = _decode_words(raw, unicode_errors, path)
    vectors = vectors.astype(np.float32, copy=False)
    _check_finite(words, vectors, lambda problem: FormatError(path, problem))
    return _first_occurrences(words, vectors, path)
