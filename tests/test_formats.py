"""word2vec C text/binary files: layout, round trips, gensim interop, hostile input."""

import gzip
import os
import struct
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyw2v.formats import FormatError, atomic_write, read_word2vec, write_word2vec
from pyw2v.vectors import WordVectors, load_word2vec

WORDS = ["king", "queen", "ünïcødé", "日本語", "a", "x\xa0y", "😀"]


def _binary_bytes(words, vectors, newline=b"\n", header=None):
    """A binary file laid out by hand, as word2vec.c (newline) or gensim (no newline) write it."""
    n, dim = vectors.shape
    out = [header if header is not None else f"{n} {dim}\n".encode()]
    for word, row in zip(words, vectors):
        out.append(word.encode("utf-8") + b" " + struct.pack(f"<{dim}f", *row) + newline)
    return b"".join(out)


def _listing(directory):
    return sorted(os.listdir(directory))


# ---------------------------------------------------------------- layout and round trips


def test_binary_layout_is_word2vec_c(tmp_path, random_vectors):
    vectors = random_vectors(len(WORDS), 5)
    path = tmp_path / "v.bin"
    write_word2vec(path, WORDS, vectors)
    assert path.read_bytes() == _binary_bytes(WORDS, vectors)


def test_text_layout(tmp_path):
    vectors = np.array([[0.5, -1.25], [1e-45, 3.0]], dtype=np.float32)
    path = tmp_path / "v.txt"
    write_word2vec(path, ["a", "b"], vectors, binary=False)
    assert path.read_text() == "2 2\na 0.5 -1.25\nb 1.40129846e-45 3\n"
    write_word2vec(path, ["a", "b"], vectors, binary=False, float_format="%f", overwrite=True)
    assert path.read_text() == "2 2\na 0.500000 -1.250000\nb 0.000000 3.000000\n"


@pytest.mark.parametrize("binary", [True, False])
def test_round_trip_exact(tmp_path, binary, random_vectors):
    vectors = random_vectors(len(WORDS), 9)
    vectors[0, 0] = -0.0
    vectors[1, 1] = np.float32(1e-40)  # subnormal
    vectors[2, 2] = np.finfo(np.float32).max
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vectors, binary=binary)
    words, loaded = read_word2vec(path)
    assert words == WORDS
    assert loaded.dtype == np.float32 and loaded.flags.c_contiguous
    assert loaded.tobytes() == vectors.tobytes()


_word = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(_word, min_size=1, max_size=20, unique=True),
    dim=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    binary=st.booleans(),
)
def test_unicode_round_trip(words, dim, seed, binary):
    rng = np.random.default_rng(seed)
    vectors = (rng.standard_normal((len(words), dim)) * 10.0 ** rng.integers(-40, 30)).astype(
        np.float32
    )
    vectors[~np.isfinite(vectors)] = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v")
        write_word2vec(path, words, vectors, binary=binary)
        loaded_words, loaded = read_word2vec(path, binary=None)
        assert _listing(tmp) == ["v"]
    assert loaded_words == words
    assert loaded.tobytes() == vectors.tobytes()


def test_word_vectors_methods(tmp_path, random_vectors):
    vectors = random_vectors(len(WORDS), 4)
    wv = WordVectors(WORDS, vectors)
    wv.save_word2vec(tmp_path / "v.bin")
    wv.save_word2vec(tmp_path / "v.txt", binary=False)
    for name in ("v.bin", "v.txt"):
        loaded = WordVectors.load_word2vec(tmp_path / name)
        assert loaded.index_to_key == WORDS
        np.testing.assert_array_equal(loaded.vectors, vectors)
    assert load_word2vec(tmp_path / "v.bin", limit=2).index_to_key == WORDS[:2]


@pytest.mark.parametrize("binary", [True, False])
def test_limit(tmp_path, binary, random_vectors):
    vectors = random_vectors(len(WORDS), 3)
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vectors, binary=binary)
    for limit in (1, 3, len(WORDS), 100):
        words, loaded = read_word2vec(path, limit=limit)
        assert words == WORDS[:limit]
        np.testing.assert_array_equal(loaded, vectors[:limit])
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="limit"):
            read_word2vec(path, limit=bad)


def test_gzip_round_trip(tmp_path, random_vectors):
    vectors = random_vectors(len(WORDS), 3)
    path = tmp_path / "v.bin.gz"
    write_word2vec(path, WORDS, vectors)
    assert gzip.decompress(path.read_bytes()) == _binary_bytes(WORDS, vectors)
    words, loaded = read_word2vec(path)
    assert words == WORDS and np.array_equal(loaded, vectors)
    bad = tmp_path / "bad.bin.gz"
    bad.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(FormatError, match="bad.bin.gz"):
        read_word2vec(bad)


def test_empty_vocabulary(tmp_path):
    path = tmp_path / "v.bin"
    write_word2vec(path, [], np.zeros((0, 4), dtype=np.float32))
    assert path.read_bytes() == b"0 4\n"
    words, vectors = read_word2vec(path)
    assert words == [] and vectors.shape == (0, 4)


# ---------------------------------------------------------------- variants other tools write


def test_reads_variants(tmp_path, random_vectors):
    vectors = random_vectors(3, 4)
    words = ["a", "bb", "ccc"]
    variants = {
        "gensim binary, no newline": _binary_bytes(words, vectors, newline=b""),
        "newline before each word": b"3 4\n"
        + b"".join(
            b"\n" + w.encode() + b" " + r.astype("<f4").tobytes() for w, r in zip(words, vectors)
        ),
        "CRLF header": _binary_bytes(words, vectors, header=b"3 4\r\n"),
    }
    for name, data in variants.items():
        path = tmp_path / "v"
        path.write_bytes(data)
        got_words, got = read_word2vec(path)
        assert got_words == words, name
        np.testing.assert_array_equal(got, vectors, err_msg=name)
    # word2vec.c text: "%lf " after every value, so a trailing space; also CRLF lines.
    text = "3 4\n" + "".join(
        w + " " + "".join("%f " % v for v in r) + "\n" for w, r in zip(words, vectors)
    )
    for data in (text, text.replace("\n", "\r\n")):
        path = tmp_path / "v.txt"
        path.write_bytes(data.encode())
        got_words, got = read_word2vec(path)
        assert got_words == words
        np.testing.assert_allclose(got, vectors, rtol=0, atol=6e-7)


def test_sniffing_and_explicit_mode(tmp_path, random_vectors):
    vectors = random_vectors(3, 4)
    write_word2vec(tmp_path / "v.bin", ["a", "b", "c"], vectors)
    write_word2vec(tmp_path / "v.txt", ["a", "b", "c"], vectors, binary=False)
    assert read_word2vec(tmp_path / "v.bin", binary=True)[0] == ["a", "b", "c"]
    assert read_word2vec(tmp_path / "v.txt", binary=False)[0] == ["a", "b", "c"]
    with pytest.raises(FormatError, match="text format; pass binary=False"):
        read_word2vec(tmp_path / "v.txt", binary=True, limit=1)
    with pytest.raises(FormatError, match="binary"):
        read_word2vec(tmp_path / "v.bin", binary=False)


def test_duplicates_keep_first_with_warning(tmp_path, random_vectors):
    vectors = random_vectors(3, 2)
    path = tmp_path / "v.bin"
    path.write_bytes(_binary_bytes(["a", "b", "a"], vectors))
    with pytest.warns(UserWarning, match="duplicate"):
        words, loaded = read_word2vec(path)
    assert words == ["a", "b"]
    np.testing.assert_array_equal(loaded, vectors[:2])


def test_unicode_errors_policy(tmp_path, random_vectors):
    vectors = random_vectors(2, 2)
    # word2vec.c cuts words at 100 bytes, possibly inside a character.
    cut = "é".encode()[:1]
    data = (
        b"2 2\n"
        + b"ok "
        + vectors[0].tobytes()
        + b"\n"
        + b"ab"
        + cut
        + b" "
        + vectors[1].tobytes()
        + b"\n"
    )
    path = tmp_path / "v.bin"
    path.write_bytes(data)
    with pytest.raises(FormatError, match=r"word 2 .*UTF-8.*unicode_errors='replace'"):
        read_word2vec(path)
    assert read_word2vec(path, unicode_errors="replace")[0] == ["ok", "ab\ufffd"]
    assert read_word2vec(path, unicode_errors="ignore")[0] == ["ok", "ab"]
    with pytest.raises(ValueError, match="unicode_errors"):
        read_word2vec(path, unicode_errors="nonsense")


# ---------------------------------------------------------------- writes are safe


def test_refuses_to_overwrite(tmp_path, random_vectors):
    path = tmp_path / "v.bin"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match=r"v\.bin already exists; pass overwrite=True"):
        write_word2vec(path, ["a"], random_vectors(1, 2))
    assert path.read_bytes() == b"precious"
    write_word2vec(path, ["a"], random_vectors(1, 2), overwrite=True)
    assert read_word2vec(path)[0] == ["a"]
    assert _listing(tmp_path) == ["v.bin"]


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    path = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_write(path) as fh:
            fh.write(b"partial")
            raise RuntimeError("boom")
    assert _listing(tmp_path) == []
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path, overwrite=True) as fh:
            fh.write(b"partial")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and _listing(tmp_path) == ["out"]


@pytest.mark.parametrize(
    "words, vectors, match",
    [
        (["a b"], np.zeros((1, 2), np.float32), "whitespace"),
        (["a\tb"], np.zeros((1, 2), np.float32), "whitespace"),
        ([""], np.zeros((1, 2), np.float32), "empty"),
        (["\ud800"], np.zeros((1, 2), np.float32), "UTF-8"),
        (["a", "a"], np.zeros((2, 2), np.float32), "more than once"),
        (["a"], np.array([[np.nan, 0]], np.float32), "NaN"),
        (["a"], np.array([[1e300, 0]]), "infinity"),
        (["a", "b"], np.zeros((1, 2), np.float32), "shape"),
        (["a"], np.zeros((1, 0), np.float32), "shape"),
    ],
)
def test_writer_refuses_what_the_format_cannot_hold(tmp_path, words, vectors, match):
    with pytest.raises(ValueError, match=match):
        write_word2vec(tmp_path / "v", words, vectors)
    assert _listing(tmp_path) == []


def test_writer_rejects_bad_float_format(tmp_path):
    with pytest.raises(ValueError, match="float_format"):
        write_word2vec(tmp_path / "v", ["a"], np.zeros((1, 2)), binary=False, float_format="%s %s")


# ---------------------------------------------------------------- hostile input


def _corrupt(tmp_path, data, **kwargs):
    path = tmp_path / "bad.w2v"
    path.write_bytes(data)
    with pytest.raises(FormatError) as info:
        read_word2vec(path, **kwargs)
    assert str(path) in str(info.value)
    return str(info.value)


def test_corrupt_headers(tmp_path):
    assert "empty" in _corrupt(tmp_path, b"")
    assert "two integers" in _corrupt(tmp_path, b"hello world\n")
    assert "two integers" in _corrupt(tmp_path, b"3\n")
    assert "two integers" in _corrupt(tmp_path, b"-3 4\n")
    assert "dimension 0" in _corrupt(tmp_path, b"3 0\n")
    assert "no header line" in _corrupt(tmp_path, b"1" * 1000)


def test_forged_header_does_not_allocate(tmp_path, random_vectors):
    body = _binary_bytes(["a"], random_vectors(1, 300))[len(b"1 300\n") :]
    message = _corrupt(tmp_path, b"1000000000000 300\n" + body)
    assert "1000000000000 words" in message and "need at least" in message
    message = _corrupt(tmp_path, b"1 1000000000000\n" + body)
    assert "need at least" in message


def test_count_mismatches(tmp_path, random_vectors):
    vectors = random_vectors(10, 4)
    words = [f"w{i}" for i in range(10)]
    seven = _binary_bytes(words[:7], vectors[:7], header=b"10 4\n")
    assert "announces 10 words" in _corrupt(tmp_path, seven)
    extra = _binary_bytes(words, vectors, header=b"7 4\n")
    assert "continues after the 7 words" in _corrupt(tmp_path, extra)
    # With a limit below the count the rest of the file is not read.
    path = tmp_path / "ok"
    path.write_bytes(extra)
    assert read_word2vec(path, limit=5)[0] == words[:5]
    lines = "10 4\n" + "".join(f"w{i} 1 2 3 4\n" for i in range(7))
    assert "announces 10 words" in _corrupt(tmp_path, lines.encode())
    lines = "7 4\n" + "".join(f"w{i} 1 2 3 4\n" for i in range(10))
    assert "more lines than the 7 words" in _corrupt(tmp_path, lines.encode())


def test_wrong_dimension(tmp_path, random_vectors):
    vectors = random_vectors(3, 4)
    wrong_header = _binary_bytes(["a", "b", "c"], vectors, header=b"3 5\n")
    _corrupt(tmp_path, wrong_header)
    text = b"3 4\na 1 2 3 4\nb 1 2 3\nc 1 2 3 4\n"
    assert "line 3" in _corrupt(tmp_path, text, binary=False)
    text = b"3 4\na 1 2 3 4\nb 1 2 3 4 5\nc 1 2 3 4\n"
    assert "line 3" in _corrupt(tmp_path, text)
    text = b"2 2\na 1 2\nb 1 zz\n"
    assert "line 3" in _corrupt(tmp_path, text) and "zz" in _corrupt(tmp_path, text)


def test_format_error_is_a_picklable_value_error(tmp_path):
    import pickle

    error = FormatError(tmp_path / "f", "what went wrong")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.problem == "what went wrong"


def test_non_finite_values_refused(tmp_path, random_vectors):
    vectors = random_vectors(2, 3)
    vectors[1, 2] = np.inf
    assert "'b'" in _corrupt(tmp_path, _binary_bytes(["a", "b"], vectors))
    assert "NaN" in _corrupt(tmp_path, b"1 2\nw nan 1\n")


def test_garbage_binary_record(tmp_path):
    # No space within the longest allowed word: not a word2vec file.
    assert "no space" in _corrupt(tmp_path, b"1 2\n" + b"x" * 70000 + b" " + b"\0" * 8)


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(0, 200),
    flip=st.integers(0, 200),
    byte=st.integers(0, 255),
    binary=st.booleans(),
)
def test_damaged_files_never_crash(cut, flip, byte, binary, random_vectors):
    vectors = random_vectors(4, 5)
    words = ["alpha", "beta", "gamma", "δέλτα"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v")
        write_word2vec(path, words, vectors, binary=binary)
        data = bytearray(open(path, "rb").read())
        data = data[: len(data) - cut] if cut else data
        if flip < len(data):
            data[flip] = byte
        with open(path, "wb") as fh:
            fh.write(bytes(data))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got_words, got = read_word2vec(path)
        except FormatError:
            return
    # Whatever loads is a well-formed result.
    assert got.dtype == np.float32 and got.shape == (len(got_words), 5)
    assert np.isfinite(got).all()
    assert len(set(got_words)) == len(got_words)


# ---------------------------------------------------------------- GloVe: text without a header


def _glove(tmp_path, words, vectors, name="glove.txt"):
    """The same vectors written with a header, and as GloVe does: the header line dropped."""
    with_header = tmp_path / f"header-{name}"
    write_word2vec(with_header, words, vectors, binary=False)
    data = with_header.read_bytes()
    if name.endswith(".gz"):
        data = gzip.compress(gzip.decompress(data).split(b"\n", 1)[1])
    else:
        data = data.split(b"\n", 1)[1]
    path = tmp_path / name
    path.write_bytes(data)
    return with_header, path


@pytest.mark.parametrize("name", ["glove.txt", "glove.txt.gz"])
def test_no_header_equals_the_file_with_header(tmp_path, random_vectors, name):
    vectors = random_vectors(len(WORDS), 6)
    with_header, glove = _glove(tmp_path, WORDS, vectors, name)
    words, loaded = read_word2vec(glove, no_header=True)
    header_words, header_vectors = read_word2vec(with_header)
    assert words == header_words == WORDS
    assert np.array_equal(loaded, header_vectors) and np.array_equal(loaded, vectors)
    wv = WordVectors.load_word2vec(glove, no_header=True)
    assert wv.index_to_key == WORDS and np.array_equal(wv.vectors, vectors)
    assert load_word2vec(glove, no_header=True, limit=3).index_to_key == WORDS[:3]
    with pytest.raises(FormatError, match="ragged row"):   # the header alone is a 1-value row
        read_word2vec(with_header, no_header=True)


def test_no_header_shape_is_found_across_scan_blocks(tmp_path, random_vectors, monkeypatch):
    """Rows cut by the scan's block boundaries, blank lines, CRLF, no final newline."""
    from pyw2v import formats

    words = [f"w{i}" for i in range(40)]
    vectors = random_vectors(len(words), 5)
    _, glove = _glove(tmp_path, words, vectors)
    lines = glove.read_bytes().splitlines()
    glove.write_bytes(b"\n\n" + b"\r\n".join(lines[:20]) + b"\n  \n" + b"\n".join(lines[20:]))
    for block in (1, 7, 64, 1 << 22):
        monkeypatch.setattr(formats, "_SCAN_BYTES", block)
        for limit in (None, 1, 39, 40, 41):
            got, loaded = read_word2vec(glove, no_header=True, limit=limit)
            n = len(words) if limit is None else min(limit, len(words))
            assert got == words[:n] and np.array_equal(loaded, vectors[:n]), (block, limit)


@pytest.mark.parametrize("line, found", [(b"b 4 5", 2), (b"b 4 5 6 7", 4),
                                         (b"new york 4 5 6", 4)])
def test_no_header_ragged_rows(tmp_path, line, found):
    """A row with fewer or more values, a word with a space: the file, line and both counts."""
    message = _corrupt(tmp_path, b"a 1 2 3\n\n" + line + b"\nc 7 8 9\n", no_header=True)
    assert "line 3" in message and f"{found} values" in message and "has 3" in message


def test_no_header_bad_files(tmp_path, random_vectors):
    assert "empty" in _corrupt(tmp_path, b"", no_header=True)
    assert "empty" in _corrupt(tmp_path, b" \n\n\t\n", no_header=True)
    assert "no values" in _corrupt(tmp_path, b"lonely\nb 1 2\n", no_header=True)
    assert "not a number" in _corrupt(tmp_path, b"a 1 2\nb 3 x\n", no_header=True)
    binary = tmp_path / "v.bin"
    write_word2vec(binary, WORDS, random_vectors(len(WORDS), 4))
    with pytest.raises(ValueError, match="binary=True"):
        read_word2vec(binary, binary=True, no_header=True)
    with pytest.raises(FormatError):   # a binary file is no GloVe file either
        read_word2vec(binary, no_header=True)
    with pytest.raises(TypeError, match="no_header"):
        read_word2vec(binary, no_header="yes")


# ---------------------------------------------------------------- gensim interop


def test_gensim_reads_ours(tmp_path, gensim_kv, random_vectors):
    vectors = random_vectors(len(WORDS), 7)
    write_word2vec(tmp_path / "v.bin", WORDS, vectors)
    write_word2vec(tmp_path / "v.txt", WORDS, vectors, binary=False)
    write_word2vec(tmp_path / "v6.txt", WORDS, vectors, binary=False, float_format="%f")
    kv = gensim_kv.load_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    assert kv.index_to_key == WORDS and kv.vectors.tobytes() == vectors.tobytes()
    kv = gensim_kv.load_word2vec_format(str(tmp_path / "v.txt"), binary=False)
    assert kv.index_to_key == WORDS and kv.vectors.tobytes() == vectors.tobytes()
    kv = gensim_kv.load_word2vec_format(str(tmp_path / "v6.txt"), binary=False)
    np.testing.assert_allclose(kv.vectors, vectors, rtol=0, atol=6e-7)
    kv = gensim_kv.load_word2vec_format(str(tmp_path / "v.bin"), binary=True, limit=3)
    assert kv.index_to_key == WORDS[:3]


def test_we_read_gensims(tmp_path, to_gensim, random_vectors):
    vectors = random_vectors(len(WORDS), 7)
    kv = to_gensim(WORDS, vectors)
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    kv.save_word2vec_format(str(tmp_path / "g.txt"), binary=False)
    assert (tmp_path / "g.bin").read_bytes() == _binary_bytes(WORDS, vectors, newline=b"")
    for name in ("g.bin", "g.txt"):
        words, loaded = read_word2vec(tmp_path / name)
        assert words == WORDS
        assert loaded.tobytes() == vectors.tobytes(), name  # gensim prints shortest round-trip text
    assert read_word2vec(tmp_path / "g.bin", limit=4)[0] == WORDS[:4]
