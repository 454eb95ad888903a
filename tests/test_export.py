"""Export for other tools (TensorBoard's projector, NumPy, spaCy): round trips, --limit,
refusals, and the `pyw2v export` command (in process, through the `cli` fixture)."""
import gzip
import os

import numpy as np
import pytest

import pyw2v
from pyw2v import export
from pyw2v.formats import FormatError, read_word2vec, write_word2vec

WORDS = ["king", "queen", "ünïcødé", "日本語", "a", "x\xa0y", "😀"]
COUNTS = [50, 40, 30, 20, 10, 5, 1]


@pytest.fixture
def wv(random_vectors):
    vectors = random_vectors(len(WORDS), 5)
    vectors[0, 0] = np.float32(1e-40)   # subnormal: "%.9g" must still give it back exactly
    return pyw2v.WordVectors(WORDS, vectors, COUNTS)


def read_tsv(directory):
    """(metadata lines, vectors.tsv as float32) as the projector reads them: no header."""
    labels = (directory / "metadata.tsv").read_bytes().decode("utf-8").split("\n")
    assert labels[-1] == ""
    rows = (directory / "vectors.tsv").read_text().splitlines()
    values = np.array([[float(x) for x in row.split("\t")] for row in rows], dtype=np.float32)
    return labels[:-1], values


def read_spacy(path):
    """The .txt.gz as `spacy init vectors` reads it: gzip, a 'rows dim' line, then each
    line's last dim fields are the values."""
    data = path.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    header, *lines = gzip.decompress(data).decode("utf-8").splitlines()
    rows, dim = map(int, header.split())
    assert len(lines) == rows
    split = [line.rsplit(" ", dim) for line in lines]
    assert all(len(fields) == dim + 1 for fields in split)
    return [f[0] for f in split], np.array([f[1:] for f in split], dtype=np.float32)


def read_back(out, fmt):
    """(words, vectors, counts or None) of an export in `fmt` at `out`."""
    if fmt == "tsv":
        return (*read_tsv(out), None)
    if fmt == "npy":
        back = export.load_npy(out)
        return back.index_to_key, back.vectors, back.counts
    return (*read_spacy(out), None)


# ---------------------------------------------------------------- round trips


def test_tsv_round_trip(tmp_path, wv):
    written = export.export_tsv(wv, tmp_path / "tb")
    assert written == [str(tmp_path / "tb" / "vectors.tsv"), str(tmp_path / "tb" / "metadata.tsv")]
    labels, values = read_tsv(tmp_path / "tb")
    assert labels == WORDS
    assert np.array_equal(values, wv.vectors)
    assert sorted(os.listdir(tmp_path / "tb")) == ["metadata.tsv", "vectors.tsv"]


def test_tsv_escapes_what_would_split_rows(tmp_path, random_vectors):
    words = ["tab\there", "new\nline", "cr\rhere", "back\\slash", "plain"]
    export.export_tsv(pyw2v.WordVectors(words, random_vectors(5, 3)), tmp_path / "tb")
    labels, values = read_tsv(tmp_path / "tb")
    assert values.shape == (5, 3)
    assert labels == ["tab\\there", "new\\nline", "cr\\rhere", "back\\slash", "plain"]


def test_npy_round_trip(tmp_path, wv):
    written = export.export_npy(wv, tmp_path / "np")
    assert sorted(os.path.basename(p) for p in written) == ["counts.npy", "vectors.npy",
                                                            "vocab.txt"]
    assert np.load(tmp_path / "np" / "vectors.npy").dtype == np.float32
    assert (tmp_path / "np" / "vocab.txt").read_text("utf-8") == "".join(w + "\n" for w in WORDS)
    for mmap in (False, True):
        back = export.load_npy(tmp_path / "np", mmap=mmap)
        assert back.index_to_key == WORDS
        assert np.array_equal(back.vectors, wv.vectors) and back.counts.tolist() == COUNTS
    bare = pyw2v.WordVectors(["", "b"], wv.vectors[:2])   # no counts; an empty word survives
    export.export_npy(bare, tmp_path / "bare")
    back = export.load_npy(tmp_path / "bare")
    assert back.index_to_key == ["", "b"] and back.counts is None
    assert not (tmp_path / "bare" / "counts.npy").exists()


def test_spacy_file_format(tmp_path, wv):
    out = tmp_path / "vectors.txt.gz"
    assert export.export_spacy(wv, out) == [str(out)]
    words, values = read_spacy(out)
    assert words == WORDS and np.array_equal(values, wv.vectors)
    back = pyw2v.load_word2vec(out)
    assert back.index_to_key == WORDS and np.array_equal(back.vectors, wv.vectors)
    with pytest.raises(ValueError, match=r"must end in \.gz"):
        export.export_spacy(wv, tmp_path / "vectors.txt")
    with pytest.raises(ValueError, match="whitespace"):   # the format cannot hold it
        export.export_spacy(pyw2v.WordVectors(["new york"], wv.vectors[:1]), tmp_path / "s.gz")
    assert not (tmp_path / "s.gz").exists()


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_limit_keeps_the_most_frequent(tmp_path, random_vectors, fmt):
    order = [3, 0, 6, 1, 5, 2, 4]   # rows not sorted by count
    wv = pyw2v.WordVectors([WORDS[i] for i in order], random_vectors(7, 4),
                           [COUNTS[i] for i in order])
    out = tmp_path / ("v.txt.gz" if fmt == "spacy" else "out")
    export.export(wv, out, fmt, limit=3)
    words, values, counts = read_back(out, fmt)
    assert words == WORDS[:3]
    assert np.array_equal(values, wv[WORDS[:3]])
    if fmt == "npy":
        assert counts.tolist() == COUNTS[:3]
    uncounted = pyw2v.WordVectors(wv.index_to_key, wv.vectors)   # no counts: the first rows
    export.export(uncounted, out, fmt, limit=2, overwrite=True)
    assert read_back(out, fmt)[0] == wv.index_to_key[:2]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="limit"):
            export.export(wv, tmp_path / "x.gz", fmt, limit=bad)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_existing_output_refused_then_replaced_with_overwrite(tmp_path, wv, fmt):
    out = tmp_path / ("v.txt.gz" if fmt == "spacy" else "out")
    first = export.export(wv, out, fmt)
    before = {p: open(p, "rb").read() for p in first}
    changed = pyw2v.WordVectors(WORDS, wv.vectors * 2, COUNTS)
    with pytest.raises(FileExistsError, match="overwrite=True") as info:
        export.export(changed, out, fmt)
    assert first[0] in str(info.value)
    assert {p: open(p, "rb").read() for p in first} == before   # untouched
    assert export.export(changed, out, fmt, overwrite=True) == first
    assert {p: open(p, "rb").read() for p in first} != before
    leftovers = [name for name in os.listdir(tmp_path if fmt == "spacy" else out)
                 if name.endswith(".tmp")]
    assert leftovers == []


def test_one_existing_file_blocks_the_whole_export(tmp_path, wv):
    (tmp_path / "tb").mkdir()
    (tmp_path / "tb" / "metadata.tsv").write_text("mine\n")
    with pytest.raises(FileExistsError, match="metadata.tsv"):
        export.export_tsv(wv, tmp_path / "tb")
    assert os.listdir(tmp_path / "tb") == ["metadata.tsv"]
    (tmp_path / "np").mkdir()
    (tmp_path / "np" / "counts.npy").write_text("stale")
    with pytest.raises(FileExistsError, match="counts.npy"):
        export.export_npy(pyw2v.WordVectors(WORDS, wv.vectors), tmp_path / "np")
    export.export_npy(pyw2v.WordVectors(WORDS, wv.vectors), tmp_path / "np", overwrite=True)
    assert export.load_npy(tmp_path / "np").counts is None   # the stale file is gone


def test_wrong_kind_of_output(tmp_path, wv):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        export.export_tsv(wv, tmp_path / "file", overwrite=True)
    (tmp_path / "dir.txt.gz").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        export.export_spacy(wv, tmp_path / "dir.txt.gz", overwrite=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export.export_npy(wv, tmp_path / "missing" / "np")
    with pytest.raises(ValueError, match="format='csv'"):
        export.export(wv, tmp_path / "x", "csv")


def test_npy_refuses_words_it_cannot_store(tmp_path, random_vectors):
    for word, match in [("two\nlines", "line break"), ("bad\ud800", "UTF-8")]:
        wv = pyw2v.WordVectors(["ok", word], random_vectors(2, 3))
        with pytest.raises(ValueError, match=match):
            export.export_npy(wv, tmp_path / "np")
        assert not (tmp_path / "np").exists()   # nothing left behind


def test_load_npy_damaged(tmp_path, wv):
    export.export_npy(wv, tmp_path / "np")
    vocab = tmp_path / "np" / "vocab.txt"
    vocab.write_text("".join(w + "\n" for w in WORDS[:-1]), "utf-8")
    with pytest.raises(FormatError, match=f"6 words, but .* has {len(WORDS)} rows"):
        export.load_npy(tmp_path / "np")
    vocab.write_bytes(b"\xff\n" * len(WORDS))
    with pytest.raises(FormatError, match="not UTF-8"):
        export.load_npy(tmp_path / "np")
    vocab.write_text("a\n" * len(WORDS), "utf-8")
    with pytest.raises(FormatError, match="more than once"):
        export.load_npy(tmp_path / "np")
    vectors = tmp_path / "np" / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-7])
    with pytest.raises(FormatError, match="vectors.npy"):
        export.load_npy(tmp_path / "np")
    np.save(vectors, np.zeros(3))
    with pytest.raises(FormatError, match="expected 2-D floating"):
        export.load_npy(tmp_path / "np")
    np.save(vectors, wv.vectors)
    vocab.unlink()
    with pytest.raises(FormatError, match="vocab.txt: missing"):
        export.load_npy(tmp_path / "np")


# ---------------------------------------------------------------- the command line


def error_line(result, code):
    """Failed with `code`, nothing on stdout, one error line on stderr (returned)."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyw2v export: error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from pyw2v.synthetic import make_corpus

    root = tmp_path_factory.mktemp("export")
    corpus = make_corpus(n_sentences=300, seed=0)
    model = pyw2v.train(corpus.sentences, dim=8, epochs=1, min_count=2, threads=1, seed=1)
    model.save(root / "model")
    return root / "model"


def test_cli_every_format_from_a_word2vec_file(tmp_path, cli, wv):
    wv.save_word2vec(tmp_path / "v.bin")
    for fmt, out in [("tsv", "tb"), ("npy", "np"), ("spacy", "v.txt.gz")]:
        result = cli("export", "v.bin", "--format", fmt, "-o", out, cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.startswith("wrote ")
        assert f"{len(WORDS)} words x 5 dims" in result.stdout
    assert "projector.tensorflow.org" in cli("export", "v.bin", "-f", "tsv", "-o", "tb",
                                             "--overwrite", cwd=tmp_path).stdout
    assert read_tsv(tmp_path / "tb")[0] == WORDS
    back = export.load_npy(tmp_path / "np")
    assert back.index_to_key == WORDS and np.array_equal(back.vectors, wv.vectors)
    assert back.counts is None   # a word2vec file has no counts
    assert np.array_equal(read_spacy(tmp_path / "v.txt.gz")[1], wv.vectors)


def test_cli_model_directory_keeps_counts_and_limit(tmp_path, cli, model_dir):
    model = pyw2v.load_model(model_dir)
    result = cli("export", model_dir, "-f", "npy", "-o", "np", "--limit", "10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    back = export.load_npy(tmp_path / "np")
    assert back.index_to_key == model.wv.index_to_key[:10]
    assert back.counts.tolist() == model.vocab.counts[:10].tolist()
    assert np.array_equal(back.vectors, model.wv.vectors[:10])
    assert "--no-header" in error_line(
        cli("export", model_dir, "-f", "npy", "-o", "np2", "--no-header", cwd=tmp_path), 2)


def test_cli_glove_converts(tmp_path, cli, wv):
    write_word2vec(tmp_path / "h.txt", WORDS, wv.vectors, binary=False)
    (tmp_path / "glove.txt").write_bytes((tmp_path / "h.txt").read_bytes().split(b"\n", 1)[1])
    result = cli("export", "glove.txt", "--no-header", "-f", "spacy", "-o", "v.txt.gz",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "spacy init vectors" in result.stdout
    words, vectors = read_word2vec(tmp_path / "v.txt.gz")
    assert words == WORDS and np.array_equal(vectors, wv.vectors)
    line = error_line(cli("export", "glove.txt", "-f", "npy", "-o", "np", cwd=tmp_path), 1)
    assert "--no-header" in line   # the hint, spelt as the option
    (tmp_path / "ragged.txt").write_text("a 1 2 3\nb 4 5 6\nc 7 8\n")
    line = error_line(cli("export", "ragged.txt", "--no-header", "-f", "npy", "-o", "np",
                          cwd=tmp_path), 1)
    assert "ragged.txt: line 3" in line and "2 values" in line and "has 3" in line
    assert not (tmp_path / "np").exists()


def test_cli_refusals(tmp_path, cli, wv):
    wv.save_word2vec(tmp_path / "v.bin")
    assert cli("export", "v.bin", "-f", "spacy", "-o", "v.txt.gz", cwd=tmp_path).returncode == 0
    line = error_line(cli("export", "v.bin", "-f", "spacy", "-o", "v.txt.gz", cwd=tmp_path), 2)
    assert "v.txt.gz already exists" in line and "--overwrite" in line
    assert cli("export", "v.bin", "-f", "spacy", "-o", "v.txt.gz", "--overwrite",
               cwd=tmp_path).returncode == 0
    assert ".gz" in error_line(cli("export", "v.bin", "-f", "spacy", "-o", "v.txt",
                                   cwd=tmp_path), 2)
    assert "does not exist" in error_line(cli("export", "nope.bin", "-f", "tsv", "-o", "tb",
                                              cwd=tmp_path), 2)
    assert "not a directory" in error_line(cli("export", "v.bin", "-f", "tsv", "-o", "v.bin",
                                               "--overwrite", cwd=tmp_path), 2)
    result = cli("export", "v.bin", "-o", "tb", cwd=tmp_path)   # --format is required
    assert result.returncode == 2 and "--format" in result.stderr
