"""A stream as a corpus (corpus.StreamSource, encoding.encode_stream, ChunkStore):
standard input, file objects, LineStream and generators of lines are read once,
counted and encoded in that pass, and give the counts, ids and threads=1 vectors
of the same text in a file; ids that outgrow memory go to tmp_dir and are deleted."""
import gc
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import pyw2v
from pyw2v import LineStream, encoding
from pyw2v import corpus as corpus_module
from pyw2v.corpus import StreamSource, open_source
from pyw2v.encoding import encode_stream
from pyw2v.synthetic import make_corpus

OPTIONS = dict(dim=12, min_count=2, epochs=2, threads=1, seed=3)


@pytest.fixture(scope="module")
def text() -> bytes:
    sentences = make_corpus(n_sentences=600, seed=5).sentences
    return "".join(" ".join(s) + "\n" for s in sentences).encode("utf-8")


@pytest.fixture
def plain(tmp_path, text) -> str:
    path = tmp_path / "corpus.txt"
    path.write_bytes(text)
    return str(path)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 kB, so the test corpus spans many blocks (and carries between them)."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 4096)


@pytest.fixture
def fake_stdin(monkeypatch):
    """fake_stdin(data, tty=False): sys.stdin replaced by a text wrapper over `data`."""
    def install(data: bytes, tty: bool = False):
        class Stdin(io.TextIOWrapper):
            def isatty(self):
                return tty
        monkeypatch.setattr(sys, "stdin", Stdin(io.BytesIO(data), encoding="utf-8"))
    return install


def assert_same_model(a: pyw2v.Word2Vec, b: pyw2v.Word2Vec) -> None:
    assert a.vocab == b.vocab
    assert np.array_equal(a.center_vectors, b.center_vectors)
    assert np.array_equal(a.outside_vectors, b.outside_vectors)


def spill_dirs(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith("pyw2v-")]


# ------------------------------------------------------------------ same as the file

def test_stdin_pipe_through_the_cli_is_bit_identical_to_the_file(tmp_path, plain):
    args = ["--min-count", "2", "--dim", "12", "--epochs", "2", "--threads", "1", "-q"]
    run = [sys.executable, "-m", "pyw2v", "train"]
    from_file = subprocess.run(run + [plain, "-o", tmp_path / "file.txt"] + args,
                               capture_output=True, check=True)
    with open(plain, "rb") as stdin:
        piped = subprocess.run(run + ["-", "-o", tmp_path / "pipe.txt", "--save-vocab",
                                      tmp_path / "vocab.txt"] + args, stdin=stdin,
                               capture_output=True)
    assert piped.returncode == 0, piped.stderr
    assert from_file.stderr == piped.stderr == b""
    assert (tmp_path / "pipe.txt").read_bytes() == (tmp_path / "file.txt").read_bytes()
    assert pyw2v.Vocabulary.load(tmp_path / "vocab.txt") == pyw2v.build_vocabulary(
        plain, min_count=2)


@pytest.mark.parametrize("kind", ["binary file", "text file", "LineStream", "generator"])
def test_every_kind_of_stream_trains_like_the_file(plain, kind, small_blocks):
    streams = {
        "binary file": lambda: open(plain, "rb"),
        "text file": lambda: open(plain, encoding="utf-8"),
        "LineStream": lambda: LineStream(open(plain, encoding="utf-8").read().splitlines()),
        "generator": lambda: (line.rstrip("\n") for line in open(plain, encoding="utf-8")),
    }
    stream = streams[kind]()
    assert isinstance(open_source(streams[kind]()), StreamSource)
    assert_same_model(pyw2v.train(stream, **OPTIONS), pyw2v.train(plain, **OPTIONS))


def test_one_pass_gives_the_files_counts_and_ids(plain, text, small_blocks):
    encoded = encode_stream(open_source(io.BytesIO(text)), min_count=2)
    vocab = pyw2v.build_vocabulary(plain, min_count=2)
    assert encoded.vocab == vocab
    from_file = pyw2v.encode(plain, vocab)
    ours, theirs = encoding.concatenate(list(encoded.chunks())), encoding.concatenate(
        list(from_file.chunks()))
    assert np.array_equal(ours.token_ids, theirs.token_ids)
    assert np.array_equal(ours.sentence_starts, theirs.sentence_starts)
    assert encoded.n_tokens == vocab.total_words


def test_max_vocab_size_prunes_a_stream_as_it_prunes_the_file(plain, text, small_blocks):
    # Pruned every few blocks: words leave the table (and the provisional dict) and return.
    options = dict(OPTIONS, min_count=1, max_vocab_size=150)
    pruned_file = open_source(plain).count(150)
    assert len(pruned_file) < len(open_source(plain).count())   # pruning did happen
    stream = pyw2v.train(io.BytesIO(text), **options)
    assert_same_model(stream, pyw2v.train(plain, **options))


def test_long_lines_and_invalid_utf8_match_the_file(tmp_path, small_blocks):
    words = [f"w{i % 37}" for i in range(30_000)]
    data = (" ".join(words) + "\n\xff bad \xfe\n").encode("latin-1") + b"tail w1 w2\n"
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    with pytest.warns(UnicodeWarning):
        ours = encode_stream(open_source(io.BytesIO(data)), min_count=1)
    with pytest.warns(UnicodeWarning):
        theirs = pyw2v.encode(str(path), pyw2v.build_vocabulary(str(path), min_count=1))
    assert ours.vocab == theirs.vocab
    a, b = (encoding.concatenate(list(e.chunks())) for e in (ours, theirs))
    assert np.array_equal(a.sentence_starts, b.sentence_starts)
    assert np.array_equal(a.token_ids, b.token_ids)


def test_a_fixed_vocabulary_encodes_a_stream_in_one_pass(plain, text):
    vocab = pyw2v.build_vocabulary(plain, min_count=2)
    model = pyw2v.train(io.BytesIO(text), vocab=vocab, **dict(OPTIONS, min_count=1))
    assert_same_model(model, pyw2v.train(plain, vocab=vocab, **dict(OPTIONS, min_count=1)))


# ------------------------------------------------------------------ beyond memory

def test_ids_beyond_cache_tokens_spill_to_tmp_dir_and_are_deleted(
        tmp_path, plain, text, monkeypatch, small_blocks):
    monkeypatch.setattr(encoding, "CACHE_TOKENS", 500)
    spill = tmp_path / "spill"
    spill.mkdir()
    seen = []
    real_train_epochs = pyw2v.Word2Vec._train_epochs

    def watching(self, *args, **kwargs):
        seen.append(spill_dirs(spill))
        return real_train_epochs(self, *args, **kwargs)

    monkeypatch.setattr(pyw2v.Word2Vec, "_train_epochs", watching)
    model = pyw2v.train(io.BytesIO(text), tmp_dir=str(spill), **OPTIONS)
    assert len(seen[0]) == 1 and not spill_dirs(spill)   # there while training, gone after
    monkeypatch.setattr(pyw2v.Word2Vec, "_train_epochs", real_train_epochs)
    assert_same_model(model, pyw2v.train(plain, **OPTIONS))   # streamed: too large to cache


def test_an_encoded_stream_deletes_its_files_on_close_and_when_collected(
        tmp_path, plain, text, monkeypatch, small_blocks):
    monkeypatch.setattr(encoding, "CACHE_TOKENS", 500)
    vocab = pyw2v.build_vocabulary(plain, min_count=2)
    with pyw2v.encode(io.BytesIO(text), vocab, tmp_dir=tmp_path) as encoded:
        assert "on disk" in repr(encoded) and len(spill_dirs(tmp_path)) == 1
        first = encoding.concatenate(list(encoded.chunks()))
        again = encoding.concatenate(list(encoded.chunks()))   # no second read of the stream
        assert np.array_equal(first.token_ids, again.token_ids)
        assert first.n_tokens == vocab.total_words
    assert not spill_dirs(tmp_path)
    with pytest.raises(ValueError, match="read only once"):
        list(encoded.chunks())
    encoded = encode_stream(open_source(io.BytesIO(text)), min_count=2, tmp_dir=tmp_path)
    assert len(spill_dirs(tmp_path)) == 1
    del encoded
    gc.collect()
    assert not spill_dirs(tmp_path)


# ------------------------------------------------------------------ bad input

def test_a_stream_of_three_bytes_is_a_clear_error_and_writes_nothing(tmp_path, cli, fake_stdin):
    fake_stdin(b"the")
    result = cli("train", "-", "-o", tmp_path / "v.txt", "--min-count", "1")
    assert result.returncode != 0 and "standard input" in result.stderr
    assert "Traceback" not in result.stderr and "nothing to train" in result.stderr
    assert not os.listdir(tmp_path)
    with pytest.raises(ValueError, match="min_count=5"):
        pyw2v.train(io.BytesIO(b"the"))


def test_an_empty_stream_is_refused(tmp_path, cli, fake_stdin):
    fake_stdin(b"")
    result = cli("train", "-", "-o", tmp_path / "v.txt")
    assert result.returncode != 0 and "standard input: the corpus is empty" in result.stderr
    assert not os.listdir(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        pyw2v.train(iter([]))


def test_stdin_given_twice_or_with_files_is_a_usage_error(tmp_path, plain, cli, fake_stdin):
    fake_stdin(b"a b\n" * 50)
    twice = cli("train", "-", "-", "-o", tmp_path / "v.txt")
    assert twice.returncode == 2 and "given twice" in twice.stderr
    mixed = cli("train", plain, "-", "-o", tmp_path / "v.txt")
    assert mixed.returncode == 2 and "with other corpora" in mixed.stderr
    with pytest.raises(ValueError, match="read only once"):
        open_source([plain, "-"])


def test_a_terminal_on_stdin_is_refused_with_a_hint(tmp_path, cli, fake_stdin):
    fake_stdin(b"", tty=True)
    result = cli("train", "-", "-o", tmp_path / "v.txt")
    assert result.returncode == 2 and "terminal" in result.stderr and "cat " in result.stderr
    with pytest.raises(ValueError, match="terminal; pipe"):
        pyw2v.train("-")
    with pytest.raises(ValueError, match="reading a terminal"):
        pyw2v.train(sys.stdin)


def test_tmp_dir_must_be_a_directory(tmp_path, cli, fake_stdin):
    fake_stdin(b"a b\n" * 50)
    result = cli("train", "-", "-o", tmp_path / "v.txt", "--tmp-dir", tmp_path / "nope")
    assert result.returncode == 2 and "--tmp-dir" in result.stderr


def test_stdin_trains_in_process_through_the_cli(tmp_path, plain, text, cli, fake_stdin):
    fake_stdin(text)
    args = ["--min-count", "2", "--dim", "12", "--epochs", "2", "--threads", "1", "-q"]
    assert cli("train", "-", "-o", tmp_path / "a.txt", "--tmp-dir", tmp_path, *args).returncode == 0
    assert cli("train", plain, "-o", tmp_path / "b.txt", *args).returncode == 0
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_a_stream_cannot_be_read_twice(text):
    source = open_source(io.BytesIO(text))
    assert pyw2v.build_vocabulary(source, min_count=2)
    with pytest.raises(ValueError, match="already read"):
        pyw2v.train(source, **OPTIONS)


def test_what_is_not_a_stream_of_lines_says_what_to_pass():
    with pytest.raises(TypeError, match="one-shot iterator"):
        pyw2v.train(iter([["a", "b"], ["c"]]))
    with pytest.raises(TypeError, match="LineStream"):
        pyw2v.train(["the cat sat", "a dog ran"] * 20, min_count=1)
    with pytest.raises(TypeError, match="line 1 of the stream is a int"):
        pyw2v.train(LineStream(["a b", 3]))
