"""Bad input at the API boundary: parameters, corpus types, hostile files, divergence, memory.

Complements test_train.py (the common bad parameters, the min_count error on token
lists, blank-line files), test_corpus.py (the corpus sources themselves) and
test_text.py (the compiled scanner). Here every case goes through the public
`pyw2v.train` / `Word2Vec.train`, and each asserts the exact outcome.
"""
import gc
import json
import math
import os
import subprocess
import sys
import threading
import warnings
import weakref

import numpy as np
import pytest

import pyw2v
from pyw2v import corpus, encoding
from pyw2v.corpus import TextFileSource, open_source
from pyw2v.encoding import EncodedCorpus

TINY = [["a", "b", "c", "d", "a", "b"]] * 20


@pytest.fixture(scope="module")
def small_model():
    return pyw2v.train(TINY, dim=8, min_count=1, epochs=1, threads=1, sample=0)


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize("name, value, message", [
    ("dim", 10_001, r"dim must be in 1\.\.10000, got 10001"),
    ("dim", -3, r"dim must be in 1\.\.10000, got -3"),
    ("window", 1_001, r"window must be in 1\.\.1000, got 1001"),
    ("window", 0, r"window must be in 1\.\.1000, got 0"),
    ("negative", 1_001, r"negative must be in 0\.\.1000, got 1001"),
    ("negative", -1, r"negative must be in 0\.\.1000, got -1"),
    ("epochs", -2, r"epochs must be >= 1, got -2"),
    ("min_count", -1, r"min_count must be >= 1, got -1"),
    ("threads", -4, r"threads must be >= 1 \(or None for all usable cores\), got -4"),
    ("sample", float("nan"), r"sample must be a finite number >= 0, got nan"),
    ("sample", float("inf"), r"sample must be a finite number >= 0, got inf"),
    ("alpha", -0.025, r"alpha must be a finite number > 0, got -0\.025"),
    ("alpha", 0.0, r"alpha must be a finite number > 0, got 0\.0"),
    ("alpha", float("inf"), r"alpha must be a finite number > 0, got inf"),
    ("min_alpha", -1e-4, r"min_alpha must be a finite number >= 0, got -0\.0001"),
    ("min_alpha", float("nan"), r"min_alpha must be a finite number >= 0, got nan"),
    ("model", "CBOW", r"model must be one of \('skipgram', 'cbow'\), got 'CBOW'"),
    ("model", "sg", r"model must be one of \('skipgram', 'cbow'\), got 'sg'"),
    ("max_vocab_size", 0, r"max_vocab_size must be >= 1, got 0"),
    ("dim", np.int64(0), r"dim must be in 1\.\.10000, got 0"),
])
def test_out_of_range_parameter_names_argument_value_and_range(tmp_path, name, value, message):
    # The corpus does not exist: the parameter is refused before anything is read.
    with pytest.raises(ValueError, match=f"^{message}$"):
        pyw2v.train(str(tmp_path / "not-there.txt"), **{name: value})


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, r"epochs must be >= 1, got 0"),
    ({"alpha": float("nan")}, r"alpha must be a finite number > 0, got nan"),
    ({"min_alpha": -1.0}, r"min_alpha must be a finite number >= 0, got -1\.0"),
    ({"alpha": 1e-5}, r"min_alpha \(0\.0001\) must not exceed alpha \(1e-05\)"),
    ({"threads": 0}, r"threads must be >= 1"),
])
def test_continued_training_validates_and_leaves_the_model_untouched(small_model, kwargs,
                                                                     message):
    before = (small_model.center_vectors.copy(), small_model.outside_vectors.copy(),
              small_model.loss_history.copy(), small_model.training_calls)
    with pytest.raises(ValueError, match=message):
        small_model.train(TINY, **kwargs)
    np.testing.assert_array_equal(small_model.center_vectors, before[0])
    np.testing.assert_array_equal(small_model.outside_vectors, before[1])
    np.testing.assert_array_equal(small_model.loss_history, before[2])
    assert small_model.training_calls == before[3]


@pytest.mark.parametrize("bad, error, message, also_when_continuing", [
    (42, TypeError, r"corpus must be a path to a text file or an iterable of token lists, "
                    r"got int", True),
    ("the cat sat on the mat", TypeError,
     r"not a path to a file; pass a path, or token lists such as "
     r"\[line\.split\(\) for line in text\.splitlines\(\)\]", True),
    (["the cat sat", "on the mat"], TypeError,
     r"corpus sentence 0 is a str, not a list of str tokens; pass e\.g\. "
     r"\[\['the', 'cat'\], \['a', 'dog'\]\]", True),
    # A str without whitespace is taken for a path: it names the missing file.
    ("corpus", FileNotFoundError, r"corpus file 'corpus' does not exist", True),
    # Only the first token of a sentence is checked as it streams by; the rest are
    # checked once counted. (Continued training skips them as unknown words.)
    ([["the", "cat"], ["on", 7]], TypeError,
     r"corpus holds a token of type int \(7\); tokens must be str", False),
    ([["the", None, "cat"]] * 3, TypeError, r"token of type NoneType \(None\)", False),
])
def test_wrong_corpus_types_say_what_to_pass(small_model, bad, error, message,
                                             also_when_continuing):
    with pytest.raises(error, match=message):
        pyw2v.train(bad, min_count=1)
    if also_when_continuing:
        with pytest.raises(error, match=message):
            small_model.train(bad)


# ---------------------------------------------------------------- corpus files

@pytest.mark.parametrize("data", [b"", b"\n", b"\n\n  \r\n\t\x0b\x0c\n   "])
def test_empty_or_blank_file(write_corpus, data):
    with pytest.raises(ValueError, match=r"^the corpus is empty: it has no tokens$"):
        pyw2v.train(write_corpus(data))


def test_no_word_reaching_min_count_names_it_and_the_largest_count(write_corpus):
    path = write_corpus(b"a b a\nc a b\r\na d\n")          # a: 4, b: 2
    with pytest.raises(ValueError, match=r"no word reaches min_count=5 \(the most frequent "
                                         r"word occurs 4 times\); lower min_count"):
        pyw2v.train(path)


def test_a_single_word(write_corpus):
    once = write_corpus(b"hello\n", "once.txt")
    with pytest.raises(ValueError, match=r"min_count=5 \(the most frequent word occurs 1 "):
        pyw2v.train(once)
    # In the vocabulary, but one token makes no (center, context) pair.
    with pytest.raises(ValueError, match=r"nothing to train: no sentence kept two"):
        pyw2v.train(once, min_count=1)
    # The same word many times is a real, if trivial, one-word model.
    model = pyw2v.train(write_corpus(b"hello " * 200 + b"\n", "many.txt"), dim=6,
                        min_count=1, sample=0, epochs=2, threads=1)
    assert model.vocab.words == ["hello"] and model.vocab.counts.tolist() == [200]
    assert model.center_vectors.shape == (1, 6) and np.isfinite(model.center_vectors).all()
    assert np.isfinite(model.loss_history).all() and len(model.loss_history) == 2


def test_a_line_without_spaces_across_many_blocks_stays_one_token(write_corpus, monkeypatch):
    """A token spanning 6 read blocks must stay one token: if the blocks cut it, its
    6 equal pieces would count 6 and reach min_count. (Blocks are 16 MiB; patched
    small, the same carry logic runs on a 6 kB file instead of a 100 MB one.)"""
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 1000)
    spaced = write_corpus(b"ab " * 2000, "spaced.txt")
    assert len(list(TextFileSource(spaced).byte_blocks())) >= 6       # the patch holds
    path = write_corpus(b"x" * 6000)
    assert list(TextFileSource(path).byte_blocks()) == [b"x" * 6000]
    with pytest.raises(ValueError, match=r"min_count=5 \(the most frequent word occurs 1 times"):
        pyw2v.train(path)
    with pytest.raises(ValueError, match=r"nothing to train"):
        pyw2v.train(path, min_count=1)


def test_invalid_utf8_is_replaced_counted_and_trained(write_corpus):
    # Per line: b"caf\xe9" (1 bad sequence), b"\xff\xfe" (2), a truncated 3-byte
    # character b"\xe6\x97" (1); 4 a line, 30 lines.
    line = b"caf\xe9 ok \xff\xfe ok \xe6\x97 ok fine\n"
    path = write_corpus(line * 30)
    with pytest.warns(UnicodeWarning, match=r"corpus\.txt: 120 invalid UTF-8 byte sequences "
                                            r"were replaced by U\+FFFD"):
        model = pyw2v.train(path, dim=4, min_count=1, sample=0, epochs=1, threads=1)
    assert sorted(model.vocab.words) == sorted(["caf\ufffd", "ok", "\ufffd\ufffd", "\ufffd",
                                                "fine"])
    assert dict(zip(model.vocab.words, model.vocab.counts.tolist()))["ok"] == 90
    assert np.isfinite(model.center_vectors).all()


def test_a_multibyte_character_across_a_block_boundary_is_not_replaced(write_corpus, monkeypatch):
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 7)            # cuts inside "é" (2 bytes)
    path = write_corpus(("é" * 50 + " ab\n").encode() * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnicodeWarning)
        blocks = list(TextFileSource(path).blocks())
    assert [t for b in blocks for t in b.tokens] == ["é" * 50, "ab"] * 3


def test_crlf_file_trains_exactly_like_lf(write_corpus, planted_text):
    lf = write_corpus(planted_text, "lf.txt")
    crlf = write_corpus(planted_text.replace(b"\n", b"\r\n"), "crlf.txt")
    kwargs = dict(dim=8, epochs=1, threads=1, seed=3)
    a, b = pyw2v.train(lf, **kwargs), pyw2v.train(crlf, **kwargs)
    assert a.vocab.words == b.vocab.words and not any("\r" in w for w in b.vocab.words)
    np.testing.assert_array_equal(a.center_vectors, b.center_vectors)


@pytest.fixture(scope="module")
def planted_text():
    from pyw2v.synthetic import make_corpus
    return "".join(" ".join(s) + "\n" for s in make_corpus(n_sentences=600, seed=2)
                   .sentences).encode()


def test_which_whitespace_splits_tokens_and_which_ends_sentences(write_corpus):
    """ASCII whitespace (space, \\t, \\r, \\v, \\f, \\n) splits tokens, as bytes.split()
    and word2vec.c do; only \\n ends a sentence. Unicode spaces (NBSP, em space,
    ideographic space, NEL) and the \\x1c-\\x1f separators are part of tokens,
    unlike str.split(): a text file is split the same way whatever its language."""
    text = ("a\tb\x0bc\x0cd\re f\n"
            "g\u00a0h i\u2003j k\u3000l m\u0085n o\x1cp\n").encode()
    path = write_corpus(text)
    blocks = list(TextFileSource(path).blocks())
    tokens = [t for b in blocks for t in b.tokens]
    assert tokens == ["a", "b", "c", "d", "e", "f",
                      "g\u00a0h", "i\u2003j", "k\u3000l", "m\u0085n", "o\x1cp"]
    assert [n for b in blocks for n in b.sentence_lengths] == [6, 5]
    model = pyw2v.train(path, dim=4, min_count=1, sample=0, epochs=1, threads=1)
    assert sorted(model.vocab.words) == sorted(tokens)


def test_cr_only_line_ends_keep_blocks_bounded(write_corpus, monkeypatch):
    """Classic Mac files end lines with \\r alone: tokens split, but without space,
    tab or newline the reader must still cut blocks (it once carried the whole file)."""
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 64)
    path = write_corpus(b"word\r" * 2000 + b"tail\x0b" * 100 + b"end\x0c" * 100)
    sizes = [len(data) for data in TextFileSource(path).byte_blocks()]
    assert max(sizes) <= 2 * 64 and sum(sizes) == os.path.getsize(path)
    tokens = [t for b in TextFileSource(path).blocks() for t in b.tokens]
    assert tokens == ["word"] * 2000 + ["tail"] * 100 + ["end"] * 100


def test_an_empty_directory_is_refused(tmp_path, small_model):
    """A directory is a corpus of its files (tests/test_sources.py); an empty one is refused."""
    with pytest.raises(ValueError, match=r"holds no regular file"):
        pyw2v.train(str(tmp_path))
    with pytest.raises(ValueError, match=r"holds no regular file"):
        small_model.train(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX pipes")
def test_a_pipe_or_device_is_refused_without_reading_it(tmp_path):
    """Training reads the corpus several times; a pipe (e.g. bash's <(zcat c.gz)) can
    be read once, /dev/null is empty. Both are refused by name, neither is opened."""
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    # Should the FIFO be opened anyway, this writer lets the open return (EOF), so
    # the test fails instead of hanging.
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
    writer.start()
    try:
        for path in (str(fifo), os.devnull):
            with pytest.raises(ValueError, match=r"is not a regular file \(a pipe, device or "
                                                 r"socket\); .* write it to a file first"):
                pyw2v.train(path)
    finally:
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # releases the writer
        writer.join(5)
        os.close(reader)


_DROP_FILE_READ_OVERRIDE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for cap in (1, 2):          # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    if libc.prctl(24, cap, 0, 0, 0) != 0:     # PR_CAPBSET_DROP
        raise SystemExit(77)
os.execv(sys_executable, [sys_executable, "-c", code])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file permissions")
def test_an_unreadable_file_raises_permission_error_naming_it(write_corpus):
    path = write_corpus(b"a b c\n" * 10)
    os.chmod(path, 0)
    code = ("import json, pyw2v\n"
            f"try:\n    pyw2v.train({path!r}, min_count=1)\n"
            "except Exception as exc:\n"
            "    print(json.dumps([type(exc).__name__, str(exc)]))\n")
    if os.geteuid() != 0:
        command = [sys.executable, "-c", code]
    else:
        # Root reads any file; drop the two capabilities that let it (from the
        # bounding set, so the exec'd interpreter starts without them).
        launcher = f"sys_executable = {sys.executable!r}\ncode = {code!r}\n" \
                   + _DROP_FILE_READ_OVERRIDE
        command = [sys.executable, "-c", launcher]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode == 77:
        pytest.skip("running as root without CAP_SETPCAP: cannot make a file unreadable")
    assert done.returncode == 0, done.stderr
    name, message = json.loads(done.stdout)
    assert name == "PermissionError" and path in message


# ---------------------------------------------------------------- numerical safety

_DIVERGE = """
import json, sys
import numpy as np
import pyw2v
model, exact = sys.argv[1], sys.argv[2] == "1"
rng = np.random.default_rng(0)
sentences = [[f"w{i}" for i in rng.integers(0, 5, size=20)] for _ in range(200)]
out = []
for threads in (1, 2):
    for alpha in (1e6, 5.0):
        try:
            m = pyw2v.train(sentences, model=model, dim=10, min_count=1, alpha=alpha,
                            min_alpha=alpha / 10, threads=threads, sample=0, epochs=3,
                            exact_sigmoid=exact)
            out.append(["returned", bool(np.isfinite(m.center_vectors).all()
                                         and np.isfinite(m.outside_vectors).all())])
        except FloatingPointError as exc:
            out.append(["FloatingPointError", str(exc)])
print(json.dumps(out))
"""


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("exact", [False, True], ids=["table-sigmoid", "exact-sigmoid"])
def test_a_diverging_learning_rate_is_an_error_naming_alpha(model, exact):
    """Run in a child process: a crash (NaN reaching a table lookup) must fail
    this test, not kill the test run."""
    done = subprocess.run([sys.executable, "-c", _DIVERGE, model, str(int(exact))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (
        f"training with a huge alpha crashed (exit code {done.returncode}): "
        f"{done.stderr[-2000:]}")
    outcomes = json.loads(done.stdout)
    for (kind, detail), alpha in zip(outcomes, [1e6, 5.0] * 2):
        assert kind == "FloatingPointError", (alpha, kind, detail)
        assert f"lower alpha (got {alpha})" in detail and "loss nan" in detail


def test_vectors_are_float32_and_losses_float64_everywhere(small_model, tmp_path):
    assert small_model.center_vectors.dtype == np.float32
    assert small_model.wv.vectors.dtype == np.float32
    assert small_model.loss_history.dtype == np.float64
    small_model.save(tmp_path / "m")
    for mmap in (False, True):
        loaded = pyw2v.load_model(tmp_path / "m", mmap=mmap)
        assert loaded.center_vectors.dtype == loaded.outside_vectors.dtype == np.float32
        assert loaded.loss_history.dtype == np.float64
    wide = pyw2v.Word2Vec(small_model.vocab, small_model.params,
                          small_model.center_vectors.astype(np.float64),
                          small_model.outside_vectors.astype(np.float64))
    assert wide.center_vectors.dtype == wide.outside_vectors.dtype == np.float32
    snapshots = []
    small_model.train(TINY, epochs=1, progress=snapshots.append)
    assert snapshots and all(type(s.loss) is float and type(s.alpha) is float
                             for s in snapshots)


def test_the_mean_loss_of_millions_of_predictions_is_exact():
    """With a vanishing learning rate every score stays 0, so each of the 1 + K terms
    of a prediction costs exactly log 2, except negatives that hit the positive word
    (skipped; one window per step, so that the positive is the only center). Over ~6
    million predictions the reported mean must match that to 1e-4: the sums are
    float64 (a float32 running sum would be off by far more)."""
    vocab_size, negative = 1000, 5
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(vocab_size)])
    ids = rng.integers(0, vocab_size, size=1_000_000)
    sentences = [list(words[ids[i:i + 1000]]) for i in range(0, len(ids), 1000)]
    model = pyw2v.train(sentences, dim=4, negative=negative, window=5, min_count=1, sample=0,
                        alpha=1e-30, min_alpha=0.0, epochs=1, threads=2, exact_sigmoid=True,
                        batch_windows=1)
    p = model.vocab.counts / model.vocab.counts.sum()
    noise = model.vocab.noise_distribution()
    expected = math.log(2) * (1 + negative * (1 - float(p @ noise)))
    assert abs(model.loss_history[0] - expected) < 1e-4, (model.loss_history[0], expected)


# ---------------------------------------------------------------- memory

def test_a_corpus_known_to_be_too_large_streams_from_the_first_pass(monkeypatch):
    """When the caller knows the token count (train() does, from the vocabulary), a
    corpus over CACHE_TOKENS never holds more than the chunk in hand, even on the
    first pass; with an unknown count it is cached only if it fits."""
    monkeypatch.setattr(encoding, "CACHE_TOKENS", 40)
    monkeypatch.setattr(corpus, "BLOCK_TOKENS", 8)
    sentences = [["a", "b", "c", "d"]] * 20             # 80 tokens, blocks of 8
    vocab = pyw2v.Vocabulary(["a", "b", "c", "d"], np.full(4, 20))
    encoded = EncodedCorpus(open_source(sentences), vocab, expected_tokens=80)
    previous = None
    for chunk in encoded.chunks():
        gc.collect()
        assert previous is None or previous() is None, "an earlier chunk is still held"
        previous = weakref.ref(chunk.token_ids)
        del chunk
    assert encoded.n_tokens == 80 and encoded._cached is None
    monkeypatch.setattr(encoding, "CACHE_TOKENS", 100)
    cached = EncodedCorpus(open_source(sentences), vocab)
    assert sum(c.n_tokens for c in cached.chunks()) == 80
    assert cached._cached is not None and [c.n_tokens for c in cached._cached] == [80]
