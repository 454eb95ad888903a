"""pyw2v.Phrases against a plain-Python twin, gensim, and bad input."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import pyw2v
from pyw2v import corpus as corpus_module
from pyw2v.formats import FormatError
from pyw2v.params import ParameterValueError
from pyw2v.phrases import Phrases

PLANTED = [("new", "york"), ("los", "angeles"), ("hong", "kong"), ("machine", "learning")]


# ---------------------------------------------------------------------- the twin


def reference_phrases(sentences, min_count, threshold, scoring="word2phrase"):
    """{(a, b): (count(ab), score)} by dict counting, as pyw2v.phrases defines it."""
    unigrams = Counter(token for sentence in sentences for token in sentence)
    bigrams = Counter(pair for sentence in sentences for pair in zip(sentence, sentence[1:]))
    n = float(sum(unigrams.values()))
    kept = {}
    for (a, b), count in bigrams.items():
        if min(count, unigrams[a], unigrams[b]) < min_count:
            continue
        if scoring == "word2phrase":
            score = (count - min_count) / (float(unigrams[a]) * float(unigrams[b])) * n
        else:
            p_ab = count / n
            score = math.log(p_ab / ((unigrams[a] / n) * (unigrams[b] / n))) / -math.log(p_ab)
        if score > threshold:
            kept[(a, b)] = (count, score)
    return kept


def reference_transform(sentence, phrases, delimiter="_"):
    out, i = [], 0
    while i < len(sentence):
        if i + 1 < len(sentence) and (sentence[i], sentence[i + 1]) in phrases:
            out.append(sentence[i] + delimiter + sentence[i + 1])
            i += 2
        else:
            out.append(sentence[i])
            i += 1
    return out


def generated_sentences(n_sentences=3000, seed=0):
    """Zipf filler words with planted collocations, some in runs ("new york new york")."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(300)]
    weights = 1 / np.arange(1, 301)
    weights /= weights.sum()
    sentences = []
    for _ in range(n_sentences):
        words = [str(w) for w in rng.choice(filler, size=rng.integers(1, 15), p=weights)]
        for _ in range(rng.integers(0, 3)):
            a, b = PLANTED[rng.integers(len(PLANTED))]
            at = int(rng.integers(len(words) + 1))
            words[at:at] = [a, b]
        sentences.append(words)
    return sentences


@pytest.fixture(scope="module")
def sentences():
    return generated_sentences()


def written(tmp_path, sentences, name="corpus.txt"):
    path = tmp_path / name
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    return path


def learned(model):
    return {pair: value for layer in model.layers for pair, value in layer.phrases.items()}


# ---------------------------------------------------------------------- equality with the twin


@pytest.mark.parametrize("from_file", [False, True])
@pytest.mark.parametrize("scoring, min_count, threshold, at_most",
                         [("word2phrase", 5, 20.0, 10), ("word2phrase", 2, 10.0, None),
                          ("npmi", 5, 0.3, 10), ("npmi", 1, 0.0, None)])
def test_matches_reference(tmp_path, sentences, from_file, scoring, min_count, threshold,
                           at_most):
    corpus = written(tmp_path, sentences) if from_file else sentences
    model = Phrases(corpus, min_count=min_count, threshold=threshold, scoring=scoring)
    expected = reference_phrases(sentences, min_count, threshold, scoring)
    got = learned(model)
    assert got.keys() == expected.keys()
    assert set(PLANTED) <= got.keys()
    if at_most is not None:
        assert len(got) <= at_most     # the filler pairs are not phrases
    for pair, (count, score) in expected.items():
        assert got[pair][0] == count
        if scoring == "word2phrase":
            assert got[pair][1] == score    # same float operations, same order
        else:
            assert got[pair][1] == pytest.approx(score, rel=1e-12)
    for sentence in sentences:
        assert model.transform(sentence) == reference_transform(sentence, expected)


def test_small_blocks_give_the_same_counts(tmp_path, sentences, monkeypatch):
    """Blocks cut mid-line are re-cut at line ends: no pair is lost or made across lines."""
    path = written(tmp_path, sentences)
    whole = learned(Phrases(path, min_count=2, threshold=5))
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 97)
    assert learned(Phrases(path, min_count=2, threshold=5)) == whole


def test_no_pair_across_lines(tmp_path):
    lines = [["x", "new"], ["york", "y"]] * 20
    model = Phrases(written(tmp_path, lines), min_count=1, threshold=1e-9)
    assert ("new", "york") not in learned(model)
    assert ("x", "new") in learned(model)


def test_greedy_left_to_right():
    model = Phrases([["a", "b", "c"]] * 10 + [["b", "c"]] * 10, min_count=1, threshold=1e-9)
    assert {("a", "b"), ("b", "c")} <= learned(model).keys()
    assert model.transform(["a", "b", "c"]) == ["a_b", "c"]
    assert model.transform(["b", "c", "a", "b"]) == ["b_c", "a_b"]


def test_transform_file_matches_transform(tmp_path, sentences):
    path = written(tmp_path, sentences)
    model = Phrases(path, min_count=3, threshold=20, passes=2)
    out = tmp_path / "phrased.txt"
    model.transform_file(path, out)
    expected = "".join(" ".join(model.transform(s)) + "\n" for s in sentences)
    assert out.read_text(encoding="utf-8") == expected
    with pytest.raises(FileExistsError):
        model.transform_file(path, out)
    model.transform_file(path, out, overwrite=True)


def test_transform_file_keeps_other_whitespace(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"  new \t york\tcity\r\n\nnew  york\n" * 20)
    model = Phrases(path, min_count=1, threshold=1, delimiter="+")
    model.transform_file(path, tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == b"  new+york\tcity\r\n\nnew+york\n" * 20


def test_two_passes_make_longer_phrases(sentences):
    text = [["i", "love", "new", "york", "city"]] * 50 + sentences
    one = Phrases(text, min_count=5, threshold=10)
    two = Phrases(text, min_count=5, threshold=10, passes=2)
    assert "new_york" in one.phrases and not any(p.count("_") >= 2 for p in one.phrases)
    assert any(p.count("_") >= 2 for p in two.phrases)
    assert len(two.transform(["i", "love", "new", "york", "city"])) < \
        len(one.transform(["i", "love", "new", "york", "city"]))
    # the second layer is the twin's on the text the first layer joined
    joined = [one.transform(s) for s in text]
    assert two.layers[1].phrases.keys() == reference_phrases(joined, 5, 10).keys()


def test_pruning_bounds_the_table_and_keeps_frequent_phrases(sentences, monkeypatch):
    seen = []
    original = pyw2v.phrases._Counts._prune

    def spy(self):
        original(self)
        seen.append(len(self.ids) + len(self.pairs))
    monkeypatch.setattr(pyw2v.phrases._Counts, "_prune", spy)
    monkeypatch.setattr(corpus_module, "BLOCK_TOKENS", 500)
    model = Phrases(sentences, min_count=5, threshold=20, max_vocab_size=400)
    assert seen and seen[-1] <= 400       # it did prune, down to the bound
    assert set(PLANTED) <= learned(model).keys()


def test_save_load_round_trip(tmp_path, sentences):
    model = Phrases(sentences, min_count=3, threshold=0.2, scoring="npmi", passes=2,
                    delimiter="::")
    path = tmp_path / "phrases.json"
    model.save(path)
    loaded = Phrases.load(path)
    assert loaded.layers[0].phrases == model.layers[0].phrases
    assert loaded.layers[1].phrases == model.layers[1].phrases
    assert (loaded.min_count, loaded.threshold, loaded.scoring, loaded.delimiter,
            loaded.passes) == (3, 0.2, "npmi", "::", 2)
    for sentence in sentences[:200]:
        assert loaded.transform(sentence) == model.transform(sentence)
    with pytest.raises(FileExistsError):
        model.save(path)
    assert json.loads(path.read_text())["format"] == "pyw2v-phrases"


@pytest.mark.parametrize("content", [b"not json", b'{"format": "other"}',
                                     b'{"format": "pyw2v-phrases", "version": 1}',
                                     b'{"format": "pyw2v-phrases", "version": 1, "settings": '
                                     b'{"min_count": 0}, "layers": []}'])
def test_load_refuses_other_files(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FormatError, match="bad.json"):
        Phrases.load(path)


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, param, fix", [
    ({"threshold": 0}, "threshold", "threshold=100"),
    ({"threshold": -5}, "threshold", "threshold=100"),
    ({"scoring": "npmi", "threshold": 2}, "threshold", "-1..1"),
    ({"min_count": 0}, "min_count", "min_count=1"),
    ({"delimiter": " "}, "delimiter", "use e.g. '_'"),
    ({"delimiter": "a\tb"}, "delimiter", "use e.g. '_'"),
    ({"delimiter": ""}, "delimiter", "use e.g. '_'"),
    ({"scoring": "pmi"}, "scoring", "npmi"),
    ({"passes": 0}, "passes", ">= 1"),
])
def test_bad_settings(kwargs, param, fix):
    with pytest.raises(ParameterValueError, match=param) as info:
        Phrases([["a", "b"]], **kwargs)
    assert info.value.param == param
    assert fix in str(info.value)


def test_bad_tokens():
    with pytest.raises(ValueError, match="whitespace"):
        Phrases([["new york", "city"]])
    with pytest.raises(TypeError, match="one-shot"):
        Phrases(iter([["a", "b"]]))


# ---------------------------------------------------------------------- gensim


def gensim_phrases(sentences, **kwargs):
    phrases = pytest.importorskip("gensim.models.phrases")
    return phrases.Phrases(sentences, delimiter="_", **kwargs)


def test_npmi_agrees_with_gensim(sentences):
    """gensim's npmi is the same formula on the same counts: same phrases, same scores."""
    theirs = gensim_phrases(sentences, min_count=5, threshold=0.3, scoring="npmi")
    ours = Phrases(sentences, min_count=5, threshold=0.3, scoring="npmi")
    exported = theirs.export_phrases()
    assert set(exported) == set(ours.phrases)
    for phrase, score in exported.items():
        assert ours.phrases[phrase] == pytest.approx(score, rel=1e-12)
    for sentence in sentences[:500]:
        assert ours.transform(sentence) == theirs[sentence]


def test_word2phrase_is_gensims_default_scaled(sentences):
    """gensim's "default" scorer multiplies by its table size (unigrams + bigrams),
    word2phrase by the number of tokens N: scores differ by that factor only."""
    theirs = gensim_phrases(sentences, min_count=5, threshold=1.0)
    ours = Phrases(sentences, min_count=5, threshold=1e-3)
    n = ours.layers[0].train_words
    factor = len(theirs.vocab) / n
    assert factor != pytest.approx(1)
    exported = theirs.export_phrases()
    assert set(PLANTED) <= {tuple(p.split("_")) for p in exported}
    for phrase, score in exported.items():
        assert ours.phrases[phrase] * factor == pytest.approx(score, rel=1e-12)
    # with the threshold scaled by the same factor, the same phrases are kept
    assert {p for p, s in ours.phrases.items() if s * factor > 1.0} == set(exported)


# ---------------------------------------------------------------------- command line


def test_cli_phrases(cli, tmp_path, sentences):
    path = written(tmp_path, sentences)
    out = tmp_path / "phrased.txt"
    done = cli("phrases", str(path), "-o", str(out), "--min-count", "3", "--threshold", "20")
    assert done.returncode == 0, done.stderr
    model = Phrases(path, min_count=3, threshold=20, passes=2)
    assert out.read_text() == "".join(" ".join(model.transform(s)) + "\n" for s in sentences)
    assert "phrases" in done.stdout
    again = cli("phrases", str(path), "-o", str(out), "--passes", "1", "--scoring", "npmi",
                "--threshold", "0.5", "--delimiter", "+", "--overwrite")
    assert again.returncode == 0, again.stderr
    assert "new+york" in out.read_text()


@pytest.mark.parametrize("args, message", [
    (["--threshold", "0"], "--threshold must be > 0"),
    (["--min-count", "0"], "--min-count must be >= 1"),
    (["--delimiter", " "], "--delimiter must be"),
    (["--scoring", "npmi", "--threshold", "3"], "--threshold must be in -1..1"),
])
def test_cli_bad_settings(cli, tmp_path, args, message):
    path = written(tmp_path, [["a", "b"]])
    done = cli("phrases", str(path), "-o", str(tmp_path / "out.txt"), *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.txt").exists()


def test_cli_io_errors(cli, tmp_path):
    path = written(tmp_path, [["a", "b"]])
    missing = cli("phrases", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out.txt"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert not (tmp_path / "out.txt").exists()
    (tmp_path / "out.txt").write_text("keep me")
    exists = cli("phrases", str(path), "-o", str(tmp_path / "out.txt"))
    assert exists.returncode == 2 and "--overwrite" in exists.stderr
    assert (tmp_path / "out.txt").read_text() == "keep me"


def test_benchmark_script_runs(tmp_path, sentences):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "phrases_speed.py"
    path = written(tmp_path, sentences)
    out = subprocess.run([sys.executable, str(script), "--corpus", str(path), "--size-mb", "0.05"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "pyw2v  Phrases:" in out and "MB/s" in out
    assert "pyw2v / gensim:" in out or "gensim is not installed" in out


@pytest.mark.parametrize("form", ["gz", "bz2", "xz", "directory"])
def test_learns_the_same_from_compressed_and_many_files(tmp_path, sentences, form):
    """Phrases reads any corpus open_source reads: archives and directories give the
    phrases of the plain text."""
    import bz2
    import gzip
    import lzma

    plain = Path(written(tmp_path, sentences))
    data = plain.read_bytes()
    if form == "directory":
        corpus = tmp_path / "parts"
        corpus.mkdir()
        lines = data.splitlines(keepends=True)
        for k in range(3):
            corpus.joinpath(f"part{k}.txt").write_bytes(b"".join(lines[k::3]))
        # Pairs never cross lines, so the line order does not change any count.
        assert learned(Phrases(str(corpus), min_count=2, threshold=5)) == \
            learned(Phrases(str(plain), min_count=2, threshold=5))
        return
    codec = {"gz": gzip, "bz2": bz2, "xz": lzma}[form]
    corpus = tmp_path / f"corpus.txt.{form}"
    corpus.write_bytes(codec.compress(data))
    assert learned(Phrases(str(corpus), min_count=2, threshold=5)) == \
        learned(Phrases(str(plain), min_count=2, threshold=5))


CORPUS_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus-dev.txt"


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS_DEV.exists(), reason="needs ../shared/data/corpus-dev.txt")
def test_corpus_dev_two_passes_match_the_twin():
    """The CLI's default (min_count 5, threshold 100, 2 passes) on corpus-dev: every
    layer's phrases, counts and scores are the twin's (about a minute)."""
    with open(CORPUS_DEV, "rb") as fh:
        # bytes.split() splits on ASCII whitespace, as the compiled tokenizer does
        text = [[token.decode("utf-8", "replace") for token in line.split()] for line in fh]
    text = [sentence for sentence in text if sentence]
    model = Phrases(str(CORPUS_DEV), min_count=5, threshold=100, passes=2)
    for layer in model.layers:
        expected = reference_phrases(text, 5, 100)
        assert layer.phrases == expected
        text = [reference_transform(sentence, expected) for sentence in text]
    assert len(model.layers) == 2 and all(layer.phrases for layer in model.layers)
