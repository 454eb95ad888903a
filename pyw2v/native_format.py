"""pyw2v's native model format: a directory that holds everything needed to resume training.

    model.json            format name and version, pyw2v version, the training
                          parameters, the words (row order), the loss history
    center_vectors.npy    float32 (n_words, dim), V
    outside_vectors.npy   float32 (n_words, dim), U
    counts.npy            int64 (n_words,), corpus counts
    node_vectors.npy      float32 (n_words - 1, dim), hierarchical softmax's inner-node
                          vectors; only when params.loss is "hs"
    lock_factors.npy      float32 (n_words,), per-row scale of V's updates; only
                          when the model has them (absent: all 1)
    ngram_vectors.npy     float32 (ngram_rows, dim), the n-gram rows, and
    ngram_buckets.npy     int32 (ngram_rows,), the bucket of each: only with
                          params.subwords; model.json then gives ngram_rows

Models saved before the `loss` parameter existed load as negative sampling.

The .npy files can be memory-mapped on load. The directory is written under a
temporary name beside the target and renamed into place, so an interrupted save
never leaves a half-written model under the final name. Loading checks every
header against the file sizes before allocating anything.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import shutil
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pyw2v.formats import FormatError

FORMAT_NAME = "pyw2v-model"
FORMAT_VERSION = 1
META_FILE = "model.json"
ARRAYS = {"center_vectors": np.float32, "outside_vectors": np.float32, "counts": np.int64}
HS_ARRAYS = {"node_vectors": np.float32}   # present when params["loss"] == "hs"
OPTIONAL_ARRAYS = {"lock_factors": np.float32}   # loaded when the file is there
SUBWORD_ARRAYS = {"ngram_vectors": np.float32, "ngram_buckets": np.int32}  # with subwords
MAX_NPY_HEADER_BYTES = 10_000        # NumPy's own limit for files it does not trust


def save_model_dir(path: str | os.PathLike[str], meta: dict[str, Any],
                   arrays: dict[str, NDArray[Any]], *, overwrite: bool = False) -> None:
    """Write meta (JSON-able) and arrays as a model directory at `path`, atomically."""
    path = os.path.abspath(os.fspath(path))
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    if os.path.exists(path) and not os.path.isfile(os.path.join(path, META_FILE)):
        raise FileExistsError(f"{path} exists and is not a pyw2v model; refusing to replace it")
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    os.mkdir(tmp)
    try:
        for name in arrays:
            with open(os.path.join(tmp, f"{name}.npy"), "wb") as fh:
                np.save(fh, arrays[name], allow_pickle=False)
                fh.flush()
                os.fsync(fh.fileno())
        document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **meta}
        with open(os.path.join(tmp, META_FILE), "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            old = f"{tmp}.old"
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_npy_header(path: str) -> tuple[tuple[int, ...], np.dtype[Any], bool, int]:
    """(shape, dtype, fortran_order, data offset) of a .npy file, without reading its data
    (and refusing a header longer than NumPy's own limit for untrusted files)."""
    with open(path, "rb") as fh:
        # numpy 2.0's stubs leave these untyped and lack max_header_size.
        version = np.lib.format.read_magic(fh)  # type: ignore[no-untyped-call, unused-ignore]
        read = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read is None:
            raise ValueError(f"unsupported .npy version {version}")
        # NumPy reads as many header bytes as the file announces (up to 4 GiB) before
        # checking the length against its limit: check it first.
        field = fh.read(2 if version == (1, 0) else 4)
        length = int.from_bytes(field, "little")
        if length > MAX_NPY_HEADER_BYTES:
            raise ValueError(f"header of {length} bytes announced; at most "
                             f"{MAX_NPY_HEADER_BYTES} accepted")
        fh.seek(-len(field), os.SEEK_CUR)
        shape, fortran, dtype = read(  # type: ignore[no-untyped-call, call-arg, unused-ignore]
            fh, max_header_size=MAX_NPY_HEADER_BYTES)
        return shape, dtype, fortran, fh.tell()


def _load_array(path: str, dtype: type, shape: tuple[int, ...], mmap: bool
                ) -> NDArray[Any]:
    try:
        found_shape, found_dtype, fortran, offset = read_npy_header(path)
    except FileNotFoundError:
        raise FormatError(path, "missing (the model directory is incomplete)") from None
    except Exception as exc:   # a damaged header makes numpy's parser raise ValueError,
        # SyntaxError, tokenize.TokenError, RecursionError...: all mean "not a .npy file"
        raise FormatError(path, f"not a readable .npy file ({type(exc).__name__}: {exc})"
                          ) from None
    if found_dtype != np.dtype(dtype) or tuple(found_shape) != shape or fortran:
        raise FormatError(path, f"holds {found_dtype} {tuple(found_shape)}, expected "
                          f"{np.dtype(dtype)} {shape} in C order")
    # math.prod on Python ints: np.prod would wrap around for a forged huge shape.
    expected = offset + math.prod(shape) * np.dtype(dtype).itemsize
    if os.path.getsize(path) != expected:
        raise FormatError(path, f"{os.path.getsize(path)} bytes, expected {expected} "
                          "(truncated or corrupt)")
    # Copy-on-write mapping: pages load lazily and training may write to them
    # without touching the saved file.
    array: NDArray[Any] = np.load(path, mmap_mode="c" if mmap else None, allow_pickle=False)
    return array


def load_model_dir(path: str | os.PathLike[str], *, mmap: bool = False
                   ) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
    """Read a model directory: (meta, arrays), everything validated."""
    path = os.fspath(path)
    meta_path = os.path.join(path, META_FILE)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"model directory {path!r} does not exist")
    try:
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except FileNotFoundError:
        raise FormatError(path, f"no {META_FILE}; not a pyw2v model directory") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FormatError(meta_path, f"not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise FormatError(meta_path, "not a pyw2v model file")
    if meta.get("version") != FORMAT_VERSION:
        raise FormatError(meta_path, f"format version {meta.get('version')!r} is not "
                          f"supported (this pyw2v reads version {FORMAT_VERSION})")
    words, params = meta.get("words"), meta.get("params")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise FormatError(meta_path, "'words' must be a list of strings")
    if not isinstance(params, dict) or not isinstance(params.get("dim"), int):
        raise FormatError(meta_path, "'params' must be an object with an integer 'dim'")
    shapes = {"center_vectors": (len(words), params["dim"]),
              "outside_vectors": (len(words), params["dim"]), "counts": (len(words),),
              "node_vectors": (max(len(words) - 1, 0), params["dim"]),
              "lock_factors": (len(words),)}
    subwords = params.get("subwords") is not None
    if subwords:
        rows = meta.get("ngram_rows")
        if not isinstance(rows, int) or rows < 0:
            raise FormatError(meta_path, "a model with subwords needs 'ngram_rows', the "
                                         "number of its n-gram rows")
        shapes.update(ngram_vectors=(rows, params["dim"]), ngram_buckets=(rows,))
    expected = {**ARRAYS, **(HS_ARRAYS if params.get("loss") == "hs" else {}),
                **(SUBWORD_ARRAYS if subwords else {}),
                **{name: dtype for name, dtype in OPTIONAL_ARRAYS.items()
                   if os.path.exists(os.path.join(path, f"{name}.npy"))}}
    arrays = {name: _load_array(os.path.join(path, f"{name}.npy"), dtype, shapes[name], mmap)
              for name, dtype in expected.items()}
    return meta, arrays
