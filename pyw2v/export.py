"""Hand word vectors to other tools: TensorBoard's projector, NumPy, spaCy.

Layouts, one per ``format``:

- ``"tsv"``, a directory ``out`` holding ``vectors.tsv`` (one row of tab-separated
  values per word, no header) and ``metadata.tsv`` (one word per line, no header:
  the projector reads a one-column metadata file without one).  The projector
  splits at tabs and line breaks, so in a word those are written as the two
  characters ``\\t``, ``\\n``, ``\\r`` (and text that is not UTF-8 with backslash
  escapes): the labels are for display, not for loading back.
- ``"npy"``, a directory ``out`` holding ``vectors.npy`` (float32, (n, dim)),
  ``vocab.txt`` (UTF-8, each word followed by ``"\\n"``) and, when the counts are
  known, ``counts.npy`` (int64, (n,)).  :func:`load_npy` reads it back.  A word
  holding a line break cannot be stored one per line and is refused.
- ``"spacy"``, a file ``out`` ending in ``.gz``: word2vec text with its header,
  gzip-compressed, which ``python -m spacy init vectors LANG out OUT_DIR`` reads.

Values are printed with ``"%.9g"``, which gives back every float32 exactly.
``limit`` keeps the ``limit`` most frequent words: by their counts when known
(ties keep row order), else the first rows (word2vec files list words by
descending frequency).  Every file is written atomically
(:func:`pyw2v.formats.atomic_write`), and every file an export would write is
checked before the first is written: an existing one raises ``FileExistsError``
naming it unless ``overwrite=True``.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .formats import FormatError, PathLike, atomic_write, write_word2vec
from .native_format import read_npy_header
from .vectors import WordVectors

__all__ = ["FORMATS", "check_output", "export", "export_npy", "export_spacy", "export_tsv",
           "load_npy", "output_paths"]

FORMATS = ("tsv", "npy", "spacy")
TSV_VECTORS, TSV_METADATA = "vectors.tsv", "metadata.tsv"
NPY_VECTORS, NPY_VOCAB, NPY_COUNTS = "vectors.npy", "vocab.txt", "counts.npy"
FLOAT_FORMAT = "%.9g"
_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})
_CHUNK_ROWS = 4096


# --------------------------------------------------------------------------- checks


def output_paths(out: PathLike, format: str) -> list[str]:
    """Every file an export of ``format`` to ``out`` may write (``counts.npy`` included)."""
    out = os.fspath(out)
    if format == "tsv":
        return [os.path.join(out, TSV_VECTORS), os.path.join(out, TSV_METADATA)]
    if format == "npy":
        return [os.path.join(out, name) for name in (NPY_VECTORS, NPY_VOCAB, NPY_COUNTS)]
    if format == "spacy":
        return [out]
    raise ValueError(f"format={format!r} is not one of {', '.join(FORMATS)}")


def check_output(out: PathLike, format: str, *, overwrite: bool = False) -> None:
    """Refuse, before anything is read or written, an export that could not complete.

    Raises ``ValueError`` (unknown format, a spaCy file not ending in ``.gz``),
    ``FileNotFoundError`` (no parent directory), ``NotADirectoryError`` /
    ``IsADirectoryError`` (``out`` is the wrong kind) or ``FileExistsError`` (a file
    to write exists and ``overwrite`` is False).
    """
    out = os.fspath(out)
    paths = output_paths(out, format)
    if format == "spacy" and not out.endswith(".gz"):
        raise ValueError(f"out={out!r}: a spaCy export is gzip-compressed text and its name "
                         "must end in .gz (spaCy decompresses by the suffix), e.g. vectors.txt.gz")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"cannot write {out}: directory {parent} does not exist")
    if format == "spacy" and os.path.isdir(out):
        raise IsADirectoryError(f"{out} is a directory; a spaCy export is one file, e.g. "
                                "vectors.txt.gz")
    if format != "spacy" and os.path.lexists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"{out} exists and is not a directory; the {format} export "
                                 "writes files into a directory: choose a directory name")
    if not overwrite:
        for path in paths:
            if os.path.lexists(path):
                raise FileExistsError(f"{path} already exists; pass overwrite=True to replace "
                                      "it, or choose another path")


def _rows(wv: WordVectors, limit: int | None
          ) -> tuple[list[str], NDArray[np.float32], NDArray[np.int64] | None]:
    """(words, vectors, counts or None) of the ``limit`` most frequent words."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    if limit is None or limit >= len(wv):
        return wv.index_to_key, wv.vectors, wv.counts
    if wv.counts is None:
        return wv.index_to_key[:limit], wv.vectors[:limit], None
    keep = np.argsort(-wv.counts, kind="stable")[:limit]
    return [wv.index_to_key[i] for i in keep], wv.vectors[keep], wv.counts[keep]


@contextlib.contextmanager
def _directory(out: str) -> Iterator[None]:
    """Create ``out`` if missing; remove it again if the export fails."""
    created = not os.path.isdir(out)
    if created:
        os.mkdir(out)
    try:
        yield
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(out)
        raise


def _write_values(out: IO[bytes], vectors: NDArray[np.float32], separator: str) -> None:
    """One line of ``separator``-joined values per row, written a chunk of rows at a time."""
    line = separator.join([FLOAT_FORMAT] * vectors.shape[1]) + "\n"
    for start in range(0, vectors.shape[0], _CHUNK_ROWS):
        rows = vectors[start : start + _CHUNK_ROWS].tolist()
        out.write("".join([line % tuple(row) for row in rows]).encode("ascii"))


# --------------------------------------------------------------------------- writers


def export_tsv(wv: WordVectors, out: PathLike, *, limit: int | None = None,
               overwrite: bool = False) -> list[str]:
    """TensorBoard projector files in directory ``out`` (created if missing): its
    ``vectors.tsv`` and ``metadata.tsv``; returns their paths.  See the module docstring."""
    out = os.fspath(out)
    check_output(out, "tsv", overwrite=overwrite)
    words, vectors, _ = _rows(wv, limit)
    labels = "".join([word.translate(_TSV_ESCAPES) + "\n" for word in words])
    vectors_path, metadata_path = output_paths(out, "tsv")
    with _directory(out):
        with atomic_write(vectors_path, overwrite=overwrite) as values, \
                atomic_write(metadata_path, overwrite=overwrite) as metadata:
            _write_values(values, vectors, "\t")
            metadata.write(labels.encode("utf-8", "backslashreplace"))
    return [vectors_path, metadata_path]


def _vocab_bytes(words: Sequence[str]) -> bytes:
    """vocab.txt's content, refusing words that one-per-line UTF-8 text cannot hold."""
    lines = []
    for i, word in enumerate(words):
        try:
            data = word.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"word {i} {word!r} cannot be encoded as UTF-8 ({exc.reason}); "
                             "remove lone surrogates before exporting") from None
        if b"\n" in data or b"\r" in data:
            raise ValueError(f"word {i} {word!r} contains a line break, which vocab.txt (one "
                             "word per line) cannot hold; replace it before exporting")
        lines.append(data + b"\n")
    return b"".join(lines)


def export_npy(wv: WordVectors, out: PathLike, *, limit: int | None = None,
               overwrite: bool = False) -> list[str]:
    """``vectors.npy``, ``vocab.txt`` and (counts known) ``counts.npy`` in directory
    ``out`` (created if missing); returns the paths written.  :func:`load_npy` reads
    them back.  With ``overwrite``, a ``counts.npy`` left by an earlier export is
    removed when these vectors have no counts."""
    out = os.fspath(out)
    check_output(out, "npy", overwrite=overwrite)
    words, vectors, counts = _rows(wv, limit)
    vocab = _vocab_bytes(words)
    vectors_path, vocab_path, counts_path = output_paths(out, "npy")
    arrays = [(vectors_path, vectors)] + ([(counts_path, counts)] if counts is not None else [])
    with _directory(out):
        for path, array in arrays:
            with atomic_write(path, overwrite=overwrite) as fh:
                np.save(fh, array, allow_pickle=False)
        with atomic_write(vocab_path, overwrite=overwrite) as fh:
            fh.write(vocab)
    if counts is None and os.path.lexists(counts_path):
        os.unlink(counts_path)   # stale: these vectors have no counts
    return [path for path, _ in arrays] + [vocab_path]


def export_spacy(wv: WordVectors, out: PathLike, *, limit: int | None = None,
                 overwrite: bool = False) -> list[str]:
    """gzip-compressed word2vec text with its header at ``out`` (ending in ``.gz``), the
    input of ``python -m spacy init vectors LANG out OUT_DIR``; returns ``[out]``."""
    out = os.fspath(out)
    check_output(out, "spacy", overwrite=overwrite)
    words, vectors, _ = _rows(wv, limit)
    write_word2vec(out, words, vectors, binary=False, overwrite=overwrite,
                   float_format=FLOAT_FORMAT)
    return [out]


def export(wv: WordVectors, out: PathLike, format: str, *, limit: int | None = None,
           overwrite: bool = False) -> list[str]:
    """Export in ``format`` ("tsv", "npy" or "spacy"); returns the paths written."""
    writers = {"tsv": export_tsv, "npy": export_npy, "spacy": export_spacy}
    if format not in writers:
        raise ValueError(f"format={format!r} is not one of {', '.join(FORMATS)}")
    return writers[format](wv, out, limit=limit, overwrite=overwrite)


# --------------------------------------------------------------------------- reading back


def _load_array(path: str, kind: type, ndim: int, mmap: bool) -> NDArray[Any]:
    """The array in ``path`` after its header passed the model loader's checks
    (pyw2v.native_format.read_npy_header: bounded header, no data read yet)."""
    try:
        shape, dtype, _, _ = read_npy_header(path)
    except FileNotFoundError:
        raise FormatError(path, "missing (not a complete npy export)") from None
    except Exception as exc:   # numpy's header parser raises several kinds on damage
        raise FormatError(path, f"not a readable .npy file ({type(exc).__name__}: {exc})"
                          ) from None
    if len(shape) != ndim or not np.issubdtype(dtype, kind):
        raise FormatError(path, f"holds {dtype} {tuple(shape)}, expected "
                          f"{ndim}-D {kind.__name__}")
    try:
        loaded: NDArray[Any] = np.load(path, mmap_mode="c" if mmap else None,
                                       allow_pickle=False)
    except Exception as exc:   # data shorter than the header says
        raise FormatError(path, f"not a readable .npy file ({type(exc).__name__}: {exc})"
                          ) from None
    return loaded


def load_npy(path: PathLike, *, mmap: bool = False) -> WordVectors:
    """Read a directory written by :func:`export_npy` (or by hand in its layout).

    ``mmap=True`` maps ``vectors.npy`` copy-on-write instead of reading it (float32
    files are used as they are).  Raises :class:`~pyw2v.formats.FormatError` naming
    the file for a missing or damaged file or a vocabulary whose length differs from
    the matrix's rows.
    """
    path = os.fspath(path)
    vectors_path, vocab_path, counts_path = output_paths(path, "npy")
    vectors = _load_array(vectors_path, np.floating, 2, mmap)
    try:
        with open(vocab_path, "rb") as fh:
            words = fh.read().decode("utf-8").split("\n")
    except FileNotFoundError:
        raise FormatError(vocab_path, "missing (not a complete npy export)") from None
    except UnicodeDecodeError as exc:
        raise FormatError(vocab_path, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                          ) from None
    if words[-1] == "":
        words.pop()   # the last word's line break
    if len(words) != vectors.shape[0]:
        raise FormatError(vocab_path, f"{len(words)} words, but {vectors_path} has "
                          f"{vectors.shape[0]} rows")
    counts = _load_array(counts_path, np.integer, 1, False) \
        if os.path.exists(counts_path) else None
    try:
        return WordVectors(words, vectors, counts)
    except ValueError as exc:
        raise FormatError(path, str(exc)) from None
