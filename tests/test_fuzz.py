"""Fuzzing the loaders of untrusted files: no crash, no hang, no gigantic allocation.

The native model directory (model.json + three .npy files) is mutated at the byte
level, at the JSON level and with forged .npy headers; word2vec files get forged
headers over random bodies (test_formats.py already flips and cuts bytes of valid
word2vec files). A load either raises FormatError (a ValueError) or
FileNotFoundError, or returns a well-formed object; tracemalloc bounds what it may
allocate meanwhile, so a forged size can never turn into a huge allocation.
"""
import json
import os
import tempfile
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pyw2v
from pyw2v.formats import FormatError, read_word2vec

ALLOCATION_LIMIT = 16 << 20          # bytes: the inputs here are all a few kB
NPY_FILES = ("center_vectors.npy", "outside_vectors.npy", "counts.npy")
FUZZ = settings(max_examples=120, deadline=2000,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def saved_files():
    """The files of a small saved model (6 words, dim 3), as bytes."""
    sentences = [["the", "cat", "sat", "on", "a", "mat", "the", "cat"]] * 10
    model = pyw2v.train(sentences, dim=3, min_count=1, epochs=1, threads=1, sample=0)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(os.path.join(tmp, "m"))
        return {name: open(os.path.join(tmp, "m", name), "rb").read()
                for name in os.listdir(os.path.join(tmp, "m"))}


def _load(files: dict, mmap: bool = False):
    """Write `files` as a model directory and load it under tracemalloc: (model or the
    exception, peak bytes allocated)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m")
        os.mkdir(path)
        for name, data in files.items():
            with open(os.path.join(path, name), "wb") as fh:
                fh.write(data)
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = pyw2v.load_model(path, mmap=mmap)
            if mmap:   # read the matrices while the files still exist
                result.center_vectors = np.array(result.center_vectors)
                result.outside_vectors = np.array(result.outside_vectors)
        except (FormatError, FileNotFoundError) as exc:
            result = exc
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert peak < ALLOCATION_LIMIT, f"loading allocated {peak} bytes"
    return result


def _assert_well_formed(model):
    words = model.vocab.words
    n, dim = len(words), model.params.dim
    assert n >= 1 and len(set(words)) == n and all(isinstance(w, str) for w in words)
    assert model.center_vectors.shape == model.outside_vectors.shape == (n, dim)
    assert model.center_vectors.dtype == model.outside_vectors.dtype == np.float32
    assert model.vocab.counts.dtype == np.int64 and model.vocab.counts.shape == (n,)
    assert (model.vocab.counts >= 1).all()
    assert model.loss_history.dtype == np.float64
    assert isinstance(model.training_calls, int) and model.training_calls >= 0


def test_the_unmodified_files_load(saved_files):
    model = _load(saved_files)
    _assert_well_formed(model)
    assert model.vocab.words[:2] == ["cat", "the"]


# ---------------------------------------------------------------- byte level

@FUZZ
@given(target=st.sampled_from(sorted(NPY_FILES + ("model.json",))),
       action=st.sampled_from(["truncate", "flip", "insert", "delete"]),
       position=st.integers(0, 4000), byte=st.integers(0, 255),
       blob=st.binary(min_size=1, max_size=64), mmap=st.booleans())
def test_damaged_model_files(saved_files, target, action, position, byte, blob, mmap):
    files = dict(saved_files)
    data = bytearray(files[target])
    position %= len(data) + 1
    if action == "truncate":
        data = data[:position]
    elif action == "flip" and position < len(data):
        data[position] = byte
    elif action == "insert":
        data[position:position] = blob
    elif action == "delete":
        del files[target]
    if action != "delete":
        files[target] = bytes(data)
    result = _load(files, mmap)
    if isinstance(result, FileNotFoundError):
        assert action == "delete" and target != "model.json"
    elif not isinstance(result, Exception):
        _assert_well_formed(result)


# ---------------------------------------------------------------- JSON level

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=4),
    max_leaves=10)
_TOP_KEYS = ["format", "version", "words", "params", "loss_history", "training_calls",
             "pyw2v_version"]
_PARAM_KEYS = ["model", "dim", "window", "negative", "sample", "min_count", "epochs", "alpha",
               "min_alpha", "seed", "max_vocab_size", "max_final_vocab", "exact_sigmoid",
               "loss"]


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(_TOP_KEYS + [f"params.{k}" for k in _PARAM_KEYS]),
                                st.one_of(st.just("<delete>"), _json,
                                          st.lists(st.text(max_size=3), max_size=8))),
                      min_size=1, max_size=3))
def test_forged_model_metadata(saved_files, edits):
    meta = json.loads(saved_files["model.json"])
    for key, value in edits:
        holder, _, name = key.rpartition(".")
        container = meta["params"] if holder and isinstance(meta.get("params"), dict) else meta
        if value == "<delete>":
            container.pop(name, None)
        else:
            container[name] = value
    result = _load({**saved_files, "model.json": json.dumps(meta).encode()})
    assert not isinstance(result, FileNotFoundError)
    if not isinstance(result, Exception):
        _assert_well_formed(result)


@pytest.mark.parametrize("document, message", [
    (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "not valid JSON"),   # RecursionError
    (b"[" * 100_000, "not valid JSON"),
    (b'"just a string"', "not a pyw2v model file"),
    (b'{"format": "pyw2v-model\xed\xb3\xbf"}', "not valid JSON"),        # invalid UTF-8
])
def test_hostile_json_documents(saved_files, document, message):
    result = _load({**saved_files, "model.json": document})
    assert isinstance(result, FormatError) and message in str(result)


@pytest.mark.parametrize("key, value, message", [
    ("training_calls", [1], "training_calls must be an int"),
    ("training_calls", -1, "training_calls must be >= 0"),
    ("training_calls", float("inf"), "training_calls must be an int"),
    ("loss_history", "oops", "could not convert"),
    ("words", [], "expected"),                       # arrays of 6 rows, 0 words
])
def test_bad_metadata_values(saved_files, key, value, message):
    meta = json.loads(saved_files["model.json"])
    meta[key] = value
    result = _load({**saved_files, "model.json": json.dumps(meta).encode()})
    assert isinstance(result, FormatError) and message in str(result)


def test_an_empty_model_and_impossible_counts_are_refused(saved_files):
    meta = json.loads(saved_files["model.json"])
    meta["words"] = []
    empty = {"model.json": json.dumps(meta).encode()}
    for name, shape, dtype in [("center_vectors.npy", (0, 3), np.float32),
                               ("outside_vectors.npy", (0, 3), np.float32),
                               ("counts.npy", (0,), np.int64)]:
        empty[name] = _npy_bytes(np.zeros(shape, dtype))
    result = _load(empty)
    assert isinstance(result, FormatError) and "the model has no words" in str(result)
    counts = -np.arange(1, 7, dtype=np.int64)
    result = _load({**saved_files, "counts.npy": _npy_bytes(counts)})
    assert isinstance(result, FormatError) and "counts must be >= 1, found -6" in str(result)


# ---------------------------------------------------------------- forged .npy headers

def _npy_bytes(array: np.ndarray) -> bytes:
    import io
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_header(descr: str, fortran: bool, shape: tuple, version: int, pad: int = 0) -> bytes:
    text = f"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape!r}, }}"
    text += " " * pad
    size_bytes = 2 if version == 1 else 4
    prefix = 8 + size_bytes
    text += " " * (-(prefix + len(text) + 1) % 64) + "\n"
    length = len(text).to_bytes(size_bytes, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + length + text.encode("latin-1")


_huge = st.sampled_from([2**31 - 1, 2**31, 2**32, 2**40, 2**62, 2**63 - 1, 2**63, 2**64 + 3])
_dimension = st.one_of(st.integers(0, 8), _huge)


@settings(max_examples=150, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(NPY_FILES),
       shape=st.lists(_dimension, min_size=0, max_size=3).map(tuple),
       descr=st.sampled_from(["'<f4'", "'>f4'", "'<f8'", "'<i8'", "'|u1'", "'O'", "'<U3'",
                              "[('a', '<f4')]", "'<f4' + 1", "None"]),
       fortran=st.booleans(), version=st.sampled_from([1, 2, 3]),
       pad=st.sampled_from([0, 0, 70_000]),
       data_bytes=st.integers(0, 300), consistent=st.booleans(), mmap=st.booleans())
def test_forged_npy_headers(saved_files, target, shape, descr, fortran, version, pad,
                            data_bytes, consistent, mmap):
    assume(not (version == 1 and pad))          # a v1 header cannot be that long
    files = dict(saved_files)
    if consistent and len(shape) == 2 and shape[0] <= 50:
        # Make model.json agree with the forged shape, so only the file size can refuse it.
        meta = json.loads(files["model.json"])
        meta["words"] = [f"w{i}" for i in range(shape[0])]
        meta["params"]["dim"] = shape[1]
        files["model.json"] = json.dumps(meta).encode()
    files[target] = _npy_header(descr, fortran, shape, version, pad) + b"\x01" * data_bytes
    result = _load(files, mmap)
    if not isinstance(result, Exception):
        _assert_well_formed(result)
    else:
        assert isinstance(result, FormatError)


@pytest.mark.parametrize("mmap", [False, True])
def test_a_shape_whose_size_wraps_around_int64_is_refused(saved_files, mmap):
    """(6, 2**62) float32 claims 6 * 2**64 bytes, which is 0 modulo 2**64: a size check
    in int64 would find the empty data section 'complete'."""
    meta = json.loads(saved_files["model.json"])
    meta["params"]["dim"] = 2**62
    files = {**saved_files, "model.json": json.dumps(meta).encode()}
    for name in ("center_vectors.npy", "outside_vectors.npy"):
        files[name] = _npy_header("'<f4'", False, (6, 2**62), 1)
    result = _load(files, mmap)
    assert isinstance(result, FormatError) and "truncated or corrupt" in str(result)


@pytest.mark.parametrize("forge, message", [
    # A v2 header announcing 4 GiB of header: NumPy would read (allocate) it all first.
    (lambda data: data[:6] + b"\x02\x00" + b"\xff\xff\xff\xff" + data[10:],
     "header of 4294967295 bytes announced"),
    (lambda data: data[:6] + b"\x01\x01" + data[8:], "unsupported .npy version (1, 1)"),
    (lambda data: data[:6] + b"\x03\x00" + data[8:], "unsupported .npy version (3, 0)"),
    (lambda data: b"PK\x03\x04" + data[4:], "the magic string is not correct"),
])
def test_forged_npy_preambles(saved_files, forge, message):
    files = {**saved_files, "counts.npy": forge(saved_files["counts.npy"])}
    result = _load(files)
    assert isinstance(result, FormatError) and message in str(result), result


# ---------------------------------------------------------------- word2vec files

_count = st.one_of(st.integers(0, 10), _huge, st.just(10**30))


@settings(max_examples=150, deadline=2000)
@given(n=_count, dim=_count,
       separator=st.sampled_from([b" ", b"  ", b"\t", b" \r"]),
       body=st.one_of(st.binary(max_size=300),
                      st.lists(st.sampled_from([b"w", b"\xff", b"1", b"-2.5e3", b"nan", b"inf",
                                                b" ", b"\n", b"\t", b"\x00", b"1e40"]),
                               max_size=80).map(b"".join)),
       binary=st.sampled_from([None, True, False]), limit=st.sampled_from([None, 1, 3]))
def test_forged_word2vec_headers_over_random_bodies(n, dim, separator, body, binary, limit):
    data = str(n).encode() + separator + str(dim).encode() + b"\n" + body
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.bin")
        with open(path, "wb") as fh:
            fh.write(data)
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                words, vectors = read_word2vec(path, binary=binary, limit=limit)
        except FormatError:
            return
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < ALLOCATION_LIMIT, f"reading allocated {peak} bytes"
    assert vectors.dtype == np.float32 and vectors.shape == (len(words), dim)
    assert len(words) <= min(n, limit or n) and np.isfinite(vectors).all()
    assert len(set(words)) == len(words)
