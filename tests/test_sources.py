"""Compressed files and many files as a corpus (pyw2v.compressed, pyw2v.files,
corpus.MultiFileSource): the same tokens, vocabulary and threads=1 vectors as the
plain text, and one clear error per kind of bad input, raised before training."""
import bz2
import gzip
import lzma
import os
import sys
import warnings

import numpy as np
import pytest

import pyw2v
from pyw2v import corpus as corpus_module
from pyw2v.compressed import CorruptFileError
from pyw2v.corpus import MultiFileSource, TextFileSource, open_source
from pyw2v.synthetic import make_corpus

try:
    import zstandard
except ImportError:
    zstandard = None

CODECS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
if zstandard is not None:
    CODECS["zst"] = lambda data: zstandard.ZstdCompressor().compress(data)
OPTIONS = dict(dim=12, min_count=2, epochs=2, threads=1, seed=3)


@pytest.fixture(scope="module")
def text() -> bytes:
    sentences = make_corpus(n_sentences=600, seed=5).sentences
    return "".join(" ".join(s) + "\n" for s in sentences).encode("utf-8")


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 kB, so a test corpus spans many blocks (and carries between them)."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 4096)


def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def assert_same_model(a: pyw2v.Word2Vec, b: pyw2v.Word2Vec) -> None:
    assert a.vocab == b.vocab
    assert np.array_equal(a.center_vectors, b.center_vectors)
    assert np.array_equal(a.outside_vectors, b.outside_vectors)


# ------------------------------------------------------------------ compressed files

@pytest.mark.parametrize("suffix", sorted(CODECS))
def test_compressed_file_is_bit_identical_to_plain(tmp_path, text, small_blocks, suffix):
    plain = write(tmp_path, "c.txt", text)
    packed = write(tmp_path, f"c.txt.{suffix}", CODECS[suffix](text))
    assert list(TextFileSource(packed).byte_blocks()) == list(TextFileSource(plain).byte_blocks())
    assert open_source(packed).count() == open_source(plain).count()
    assert_same_model(pyw2v.train(packed, **OPTIONS), pyw2v.train(plain, **OPTIONS))


def test_several_gzip_members_and_zstd_frames_are_read_to_the_end(tmp_path, text):
    half = len(text) // 2
    cut = text.rfind(b"\n", 0, half) + 1
    plain = write(tmp_path, "c.txt", text)
    members = write(tmp_path, "m.gz", gzip.compress(text[:cut]) + gzip.compress(text[cut:]))
    assert open_source(members).count() == open_source(plain).count()
    if zstandard is not None:
        z = zstandard.ZstdCompressor()
        frames = write(tmp_path, "f.zst", z.compress(text[:cut]) + z.compress(text[cut:]))
        assert open_source(frames).count() == open_source(plain).count()


def test_format_comes_from_magic_bytes_not_the_name(tmp_path, text):
    plain = write(tmp_path, "c.txt", text)
    hidden = write(tmp_path, "really-gzip.txt", gzip.compress(text))
    assert open_source(hidden).count() == open_source(plain).count()
    with pytest.warns(UserWarning, match=r"named like gzip but is not gzip-compressed"):
        liar = open_source(write(tmp_path, "plain.txt.gz", text))
    assert liar.count() == open_source(plain).count()


def test_an_unsupported_archive_is_refused_by_name(tmp_path):
    path = write(tmp_path, "corpus.zip", b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(ValueError, match=r"corpus\.zip.*zip archive.*recompress it as \.gz"):
        pyw2v.train(path)


@pytest.mark.parametrize("suffix", sorted(CODECS))
def test_a_truncated_archive_names_the_file_and_the_byte(tmp_path, text, suffix):
    packed = CODECS[suffix](text)
    cut = len(packed) * 2 // 3
    path = write(tmp_path, f"cut.txt.{suffix}", packed[:cut])
    with pytest.raises(CorruptFileError,
                       match=rf"cut\.txt\.{suffix}'? is a truncated .* ends at byte {cut} "):
        pyw2v.train(path, **OPTIONS)


@pytest.mark.parametrize("suffix", ["gz", "xz"])
def test_corrupt_data_names_the_file_and_where(tmp_path, text, suffix):
    packed = bytearray(CODECS[suffix](text))
    middle = len(packed) // 2
    packed[middle:middle + 64] = bytes(64)
    path = write(tmp_path, f"bad.{suffix}", bytes(packed))
    with pytest.raises(CorruptFileError, match=r"bad\.\w+'? is (corrupt \w+ data near byte \d+|"
                                                r"a truncated)"):
        open_source(path).count()


def test_a_truncated_archive_leaves_a_trained_model_as_it_was(tmp_path, text):
    """The first pass (counting, or the encoding pass train() makes before training)
    reads every byte, so the error comes before the trainer touches a matrix."""
    model = pyw2v.train(write(tmp_path, "c.txt", text), **OPTIONS)
    before = (model.center_vectors.copy(), model.outside_vectors.copy(), model.training_calls)
    broken = write(tmp_path, "more.gz", gzip.compress(text)[:-40])
    with pytest.raises(CorruptFileError, match="more.gz"):
        model.train(broken)
    assert np.array_equal(model.center_vectors, before[0])
    assert np.array_equal(model.outside_vectors, before[1])
    assert model.training_calls == before[2]


def test_zstd_without_the_package_names_the_extra(tmp_path, monkeypatch):
    path = write(tmp_path, "c.zst", b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    monkeypatch.setitem(sys.modules, "zstandard", None)   # import zstandard now fails
    with pytest.raises(ImportError, match=r'pip install "pyw2v\[zst\]"'):
        open_source(path)


# ------------------------------------------------------------------ many files

def split_lines(text: bytes, parts: int) -> list[bytes]:
    lines = text.splitlines(keepends=True)
    step = -(-len(lines) // parts)
    return [b"".join(lines[i:i + step]) for i in range(0, len(lines), step)]


def test_a_directory_trains_like_the_concatenated_file(tmp_path, text, small_blocks):
    plain = write(tmp_path, "all.txt", text)
    for i, part in enumerate(split_lines(text, 5)):   # mixed formats, read in name order
        codec = list(CODECS.values())[i % len(CODECS)]
        write(tmp_path, f"dir/part{i:02d}.{i % len(CODECS)}", codec(part))
    write(tmp_path, "dir/zz-empty.txt", b"")
    source = open_source(str(tmp_path / "dir"))
    assert isinstance(source, MultiFileSource)
    assert [os.path.basename(p) for p in source.paths][:2] == ["part00.0", "part01.1"]
    assert source.count() == open_source(plain).count()
    assert_same_model(pyw2v.train(str(tmp_path / "dir"), **OPTIONS), pyw2v.train(plain, **OPTIONS))


def test_sentences_never_span_files(tmp_path):
    a = write(tmp_path, "a.txt", b"the cat")   # no final newline
    b = write(tmp_path, "b.txt.gz", gzip.compress(b"sat down\n"))
    blocks = list(open_source([a, b]).blocks())
    assert [block.sentence_lengths for block in blocks] == [[2, 2]]
    assert [t for block in blocks for t in block.tokens] == ["the", "cat", "sat", "down"]
    joined = write(tmp_path, "joined.txt", b"the cat\nsat down\n")
    assert list(open_source([a, b]).byte_blocks()) == list(open_source(joined).byte_blocks())


def test_counting_prunes_across_files_as_one_file(tmp_path, text, small_blocks):
    plain = write(tmp_path, "all.txt", text)
    paths = [write(tmp_path, f"p{i}.txt", part) for i, part in enumerate(split_lines(text, 4))]
    assert open_source(paths).count(50) == open_source(plain).count(50)


def test_a_glob_pattern_reads_a_tree(tmp_path, text):
    parts = split_lines(text, 3)
    write(tmp_path, "tree/a/1.txt.gz", gzip.compress(parts[0]))
    write(tmp_path, "tree/b/c/2.txt.gz", gzip.compress(parts[1]))
    write(tmp_path, "tree/3.txt.gz", gzip.compress(parts[2]))
    write(tmp_path, "tree/notes.md", b"not corpus text\n")
    source = open_source(str(tmp_path / "tree" / "**" / "*.gz"))
    assert [os.path.relpath(p, tmp_path / "tree") for p in source.paths] == [
        "3.txt.gz", os.path.join("a", "1.txt.gz"), os.path.join("b", "c", "2.txt.gz")]
    with pytest.raises(FileNotFoundError, match=r"\*\.bz2'? matches no file"):
        open_source(str(tmp_path / "tree" / "*.bz2"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs and symlinks")
def test_a_directory_skips_debris_with_a_warning(tmp_path, text):
    directory = tmp_path / "d"
    write(tmp_path, "d/a.txt", text)
    os.mkfifo(directory / "pipe")
    os.symlink(directory / "gone", directory / "dangling")
    (directory / "sub").mkdir()
    write(tmp_path, "d/sub/ignored.txt", b"zebra zebra\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = open_source(str(directory))   # the FIFO is never opened (no hang)
    messages = " ".join(str(w.message) for w in caught)
    assert "dangling (broken symlink)" in messages and "pipe (FIFO)" in messages
    assert "1 subdirectory not read" in messages
    assert source.paths == [str(directory / "a.txt")]
    assert "zebra" not in source.count()


def test_an_unreadable_file_in_a_directory_is_an_error(tmp_path, text, monkeypatch):
    write(tmp_path, "d/a.txt", text)
    locked = write(tmp_path, "d/b.txt", text)
    real_open = open

    def deny(path, *args, **kwargs):   # chmod does not stop root, so refuse here
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr("pyw2v.compressed.open", deny, raising=False)
    with pytest.raises(PermissionError, match=r"b\.txt'? is not readable"):
        pyw2v.train(str(tmp_path / "d"), **OPTIONS)


def test_empty_directory_and_missing_path_are_refused_before_reading(tmp_path, text, monkeypatch):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"empty'? holds no regular file"):
        pyw2v.train(str(tmp_path / "empty"))
    good = write(tmp_path, "good.gz", gzip.compress(text))
    monkeypatch.setattr(TextFileSource, "byte_blocks", lambda self: pytest.fail("read"))
    with pytest.raises(FileNotFoundError, match=r"missing\.txt'? does not exist"):
        pyw2v.train([good, str(tmp_path / "missing.txt")])


def test_a_list_of_sentences_is_still_token_lists():
    assert isinstance(open_source([["the", "cat"]]), corpus_module.TokenListSource)
    with pytest.raises(TypeError, match="not a list of str tokens"):
        list(open_source(["the cat sat"]).blocks())


# ------------------------------------------------------------------ command line

def test_cli_trains_on_a_directory_and_on_several_files(tmp_path, text, cli):
    parts = split_lines(text, 3)
    paths = [write(tmp_path, f"corpus/p{i}.txt.bz2", bz2.compress(p)) for i, p in enumerate(parts)]
    flags = ["-size", "8", "-min-count", "2", "-iter", "1", "-threads", "1", "-q"]
    run = cli("train", str(tmp_path / "corpus"), "-o", str(tmp_path / "d.txt"), *flags)
    assert run.returncode == 0, run.stderr
    run = cli("train", *paths, "-o", str(tmp_path / "l.txt"), *flags)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "d.txt").read_bytes() == (tmp_path / "l.txt").read_bytes()


def test_cli_truncated_archive_is_one_line_and_writes_nothing(tmp_path, text, cli):
    path = write(tmp_path, "cut.bz2", bz2.compress(text)[:-100])
    run = cli("train", path, "-o", str(tmp_path / "v.txt"), "-min-count", "1")
    assert run.returncode != 0
    assert "cut.bz2" in run.stderr and "truncated bzip2 archive" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "v.txt").exists()
    run = cli("train", path, str(tmp_path / "nope.gz"), "-o", str(tmp_path / "v.txt"))
    assert run.returncode == 2 and "nope.gz does not exist" in run.stderr
