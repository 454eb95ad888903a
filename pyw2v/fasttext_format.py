"""Reading fastText's binary model (.bin) into SubwordVectors.

The layout, as fastText's own save writes it (little-endian, packed):
  magic int32 793712314, version int32 (11 or 12);
  arguments: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket,
    minn, maxn, lrUpdateRate (int32 each), t (float64);
  dictionary: size, nwords, nlabels (int32), ntokens, prune-index size (int64),
    then per entry its word (UTF-8, NUL-ended), count (int64) and type (int8:
    0 word, 1 label), then the prune index's (int32, int32) pairs;
  quantized-input flag (uint8), the input matrix (rows, cols: int64, then
    float32 rows: the nwords word rows, then the bucket rows);
  quantized-output flag, the output matrix (not needed for word vectors).
A word's vector is the mean of its own input row and its n-grams' bucket rows;
fastText gives the end-of-sentence token </s> no n-grams.

A quantized model (.ftz) stores product-quantized codes, not rows; it is refused
with a FormatError, as is anything that does not add up to the layout above.
"""
from __future__ import annotations

import os
import struct
from os import PathLike
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pyw2v.formats import FormatError
from pyw2v.subword_vectors import SubwordVectors
from pyw2v.subwords import SubwordIndex

MAGIC = 793712314
VERSIONS = (11, 12)
EOS = "</s>"
_ARGS = struct.Struct("<12id")
_ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model",
              "bucket", "minn", "maxn", "lrUpdateRate", "t")
_DICT_HEAD = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEAD = struct.Struct("<2q")
_COMPOSE_WORDS = 4096   # words composed per block, bounding the gathered n-gram rows


class _Reader:
    """Sequential reads from the file's bytes, each checked against its end."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, size: int, what: str) -> memoryview:
        if size < 0 or self.pos + size > len(self.data):
            raise FormatError(self.path, f"ends at byte {len(self.data)} inside the {what} "
                                         f"(byte {self.pos} onward); the file is truncated")
        view = memoryview(self.data)[self.pos:self.pos + size]
        self.pos += size
        return view

    def unpack(self, layout: struct.Struct, what: str) -> tuple[Any, ...]:
        return layout.unpack(self.take(layout.size, what))

    def word(self) -> bytes:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise FormatError(self.path, f"ends at byte {len(self.data)} inside a dictionary "
                                         "word; the file is truncated")
        raw = self.data[self.pos:end]
        self.pos = end + 1
        return raw


def load_fasttext(path: str | PathLike[str]) -> SubwordVectors:
    """The word vectors of fastText's .bin at `path`, answering unseen words too.

    Each vocabulary word's vector is fastText's (its row and its n-gram rows,
    averaged); other words are composed from their n-grams as fastText's
    ``print-word-vectors`` does. FormatError for a file that is not an
    unquantized fastText model.
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        data = fh.read()
    reader = _Reader(data, path)
    magic, version = reader.unpack(struct.Struct("<2i"), "header")
    if magic != MAGIC:
        raise FormatError(path, "is not a fastText .bin model (no fastText magic number at "
                                "its start); for a .vec or word2vec file use "
                                "pyw2v.load_word2vec")
    if version not in VERSIONS:
        raise FormatError(path, f"is fastText model format version {version}; pyw2v reads "
                                f"versions {VERSIONS[0]} and {VERSIONS[-1]}")
    args = dict(zip(_ARG_NAMES, reader.unpack(_ARGS, "arguments")))
    words, counts = _read_dictionary(reader, path)
    quantized = reader.take(1, "input-matrix flag")[0]
    if quantized:
        raise FormatError(path, "is a quantized fastText model (.ftz): it keeps compressed "
                                "codes, not vectors; load the .bin it was quantized from")
    rows, cols = reader.unpack(_MATRIX_HEAD, "input-matrix header")
    minn, maxn, buckets, dim = args["minn"], args["maxn"], args["bucket"], args["dim"]
    if cols != dim or rows != len(words) + buckets:
        raise FormatError(path, f"input matrix is {rows} x {cols}, but the header says "
                                f"{len(words)} words + {buckets} buckets of dim {dim}")
    raw = np.frombuffer(reader.take(rows * cols * 4, "input matrix"), dtype="<f4")
    matrix = raw.reshape(rows, cols).astype(np.float32)
    if not np.isfinite(matrix).all():
        raise FormatError(path, "input matrix holds NaN or infinite values")
    vectors = _compose(matrix, words, minn, maxn, buckets)
    grams = matrix[len(words):]
    if maxn == 0 or buckets == 0:   # trained without subwords: no n-gram answers unseen words
        return SubwordVectors(words, vectors, np.zeros((1, dim), np.float32), minn=1, maxn=1,
                              buckets=1, bucket_rows=np.array([-1]), counts=counts)
    return SubwordVectors(words, vectors, grams, minn=minn, maxn=maxn, buckets=buckets,
                          counts=counts)


def _read_dictionary(reader: _Reader, path: str) -> tuple[list[str], NDArray[np.int64]]:
    """The vocabulary words (labels dropped) and their counts."""
    size, nwords, nlabels, _, prune_size = reader.unpack(_DICT_HEAD, "dictionary header")
    if size < 0 or nwords < 0 or nlabels < 0 or nwords + nlabels != size:
        raise FormatError(path, f"dictionary header is inconsistent ({size} entries, "
                                f"{nwords} words, {nlabels} labels)")
    words: list[str] = []
    counts = np.zeros(nwords, dtype=np.int64)
    for i in range(size):
        raw = reader.word()
        count, kind = reader.unpack(_ENTRY_TAIL, "dictionary")
        if (kind == 0) != (i < nwords):
            raise FormatError(path, f"dictionary entry {i} is a {'label' if kind else 'word'} "
                                    f"where fastText stores its {nwords} words first")
        if kind == 0:
            try:
                words.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise FormatError(path, f"dictionary word {i} is not UTF-8 ({exc.reason} "
                                        f"at byte {exc.start} of {raw!r})") from None
            counts[i] = count
    if prune_size > 0:
        raise FormatError(path, "has a pruned n-gram index, which only quantized models "
                                "use; load the unquantized .bin")
    reader.take(8 * max(prune_size, 0), "prune index")
    return words, counts


def _compose(matrix: NDArray[np.float32], words: list[str], minn: int, maxn: int,
             buckets: int) -> NDArray[np.float32]:
    """Each word's row averaged with its n-grams' bucket rows (none for </s>)."""
    n = len(words)
    vectors = matrix[:n].copy()
    if maxn == 0 or buckets == 0:
        return vectors
    index = SubwordIndex.build([w if w != EOS else "" for w in words], minn, maxn, buckets)
    sizes = np.diff(index.offsets)
    if EOS in words:
        eos = words.index(EOS)
        sizes[eos] = 0
    for start in range(0, n, _COMPOSE_WORDS):
        stop = min(start + _COMPOSE_WORDS, n)
        lo, hi = index.offsets[start], index.offsets[stop]
        owner = np.repeat(np.arange(start, stop), np.diff(index.offsets[start:stop + 1]))
        keep = sizes[owner] > 0
        np.add.at(vectors, owner[keep], matrix[n + index.bucket_ids[lo:hi][keep]])
    vectors *= (1.0 / (1 + sizes)).astype(np.float32)[:, None]   # as fastText: times 1/size
    return vectors
