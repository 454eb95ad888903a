"""Loading fastText's .bin: vectors equal to the fastText CLI's, unseen words included."""
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import pyw2v
from pyw2v.formats import FormatError

FIXTURE = Path(__file__).parent / "data" / "fasttext"   # made by make_fixture.sh


def _cli_vectors(path: Path) -> dict[str, np.ndarray]:
    """word -> vector as `fasttext print-word-vectors` printed it (5 significant digits)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, *values = line.rstrip().split(" ")
        out[word] = np.array(values, dtype=np.float32)
    return out


def _assert_matches_cli(wv, expected: dict[str, np.ndarray]) -> None:
    for word, vector in expected.items():
        # the CLI prints 5 significant digits: agree to that
        np.testing.assert_allclose(wv[word], vector, rtol=1e-4, atol=1e-6, err_msg=word)


def test_a_fasttext_bin_gives_the_clis_vectors_unseen_words_included():
    wv = pyw2v.load_fasttext(FIXTURE / "tiny.bin")
    expected = _cli_vectors(FIXTURE / "tiny-vectors.txt")
    unseen = [w for w in expected if w not in wv]
    assert {"cafés", "日本語", "übermensch", "qwertyuiop"} <= set(unseen)
    assert wv.index_to_key[0] == "</s>" and len(wv) == 15 and wv.dim == 5
    assert (wv.minn, wv.maxn, wv.buckets) == (2, 5, 200)
    _assert_matches_cli(wv, expected)
    assert wv.counts is not None and wv.counts.sum() > 0


def test_an_unseen_word_answers_most_similar():
    wv = pyw2v.load_fasttext(FIXTURE / "tiny.bin")
    neighbours = wv.most_similar("walks", topn=3)
    assert len(neighbours) == 3 and all(w in wv for w, _ in neighbours)


@pytest.mark.skipif(shutil.which("fasttext") is None, reason="needs the fastText CLI")
def test_a_model_the_cli_trains_now_loads_to_its_vectors(tmp_path, planted):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted.sentences[:2000]) + "\n")
    subprocess.run(["fasttext", "cbow", "-input", str(corpus), "-output",
                    str(tmp_path / "m"), "-dim", "12", "-minn", "3", "-maxn", "6",
                    "-bucket", "5000", "-epoch", "1", "-thread", "1"],
                   check=True, capture_output=True)
    wv = pyw2v.load_fasttext(tmp_path / "m.bin")
    queries = wv.index_to_key[:50] + ["zzzunseen", "w1x2", wv.index_to_key[3] + "s"]
    printed = subprocess.run(["fasttext", "print-word-vectors", str(tmp_path / "m.bin")],
                             input="\n".join(queries) + "\n", capture_output=True,
                             text=True, check=True).stdout
    out = tmp_path / "printed.txt"
    out.write_text(printed, encoding="utf-8")
    _assert_matches_cli(wv, _cli_vectors(out))


# ------------------------------------------------------------ bad files

def _fixture_bytes() -> bytearray:
    return bytearray((FIXTURE / "tiny.bin").read_bytes())


def _flag_offset(data: bytes) -> int:
    """Where the input matrix's quantization flag sits (after the dictionary)."""
    pos = 8 + 12 * 4 + 8
    size = struct.unpack_from("<i", data, pos)[0]
    pos += 3 * 4 + 2 * 8
    for _ in range(size):
        pos = data.index(b"\0", pos) + 1 + 9
    return pos


@pytest.mark.parametrize("damage, match", [
    (lambda d: d[:3], "truncated"),
    (lambda d: d[:len(d) // 2], "truncated"),
    (lambda d: b"\x00" * 8 + d[8:], "not a fastText .bin"),
    (lambda d: d[:4] + struct.pack("<i", 99) + d[8:], "version 99"),
    (lambda d: d[:_flag_offset(d)] + b"\x01" + d[_flag_offset(d) + 1:], "quantized"),
    (lambda d: d[:8] + struct.pack("<i", 6) + d[12:], "input matrix is"),   # dim 6 in the header
])
def test_a_bad_file_is_a_format_error_naming_it(tmp_path, damage, match):
    path = tmp_path / "model.bin"
    path.write_bytes(bytes(damage(_fixture_bytes())))
    with pytest.raises(FormatError, match=match) as info:
        pyw2v.load_fasttext(path)
    assert str(path) in str(info.value)


def test_a_word2vec_file_is_pointed_to_load_word2vec(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("2 3\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(FormatError, match="load_word2vec"):
        pyw2v.load_fasttext(path)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        pyw2v.load_fasttext(tmp_path / "absent.bin")
