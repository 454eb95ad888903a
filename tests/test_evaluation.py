"""Evaluation: analogy accuracy and word-pair correlation, as functions and as WordVectors methods.

Counting is checked against gensim 4.4 and a per-question reference; the
functions and the methods must give identical results.
"""

import ast
import inspect
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import pyw2v
import pyw2v._cosine as cosine_module
import pyw2v.evaluation as evaluation_module
import pyw2v.vectors as vectors_module
from pyw2v.evaluation import _average_ranks, _pearson, evaluate_analogies, evaluate_word_pairs
from pyw2v.vectors import WordVectors

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"


# ---------------------------------------------------------------- analogy evaluation


def _plant_relations(pairs_by_section, dim, noise, rng):
    """Vectors where each section's pairs (x, y) share an offset: y = x + offset + noise."""
    vecs = {}
    for pairs in pairs_by_section.values():
        offset = rng.standard_normal(dim)
        for x, y in pairs:
            if x not in vecs:
                vecs[x] = rng.standard_normal(dim)
            if y not in vecs:
                vecs[y] = vecs[x] + offset + noise * rng.standard_normal(dim)
    return vecs


def _vocabulary(vecs, rng, dim, n_fillers, variant_share=0.15):
    """Planted words, other spellings of some (for case folding) and fillers, shuffled."""
    words = dict(vecs)
    for word in list(vecs):
        if rng.random() < variant_share:
            other = word.lower() if word != word.lower() else word.capitalize()
            if other != word and other not in words:
                # Near the original, so it often ranks first and must be passed over.
                words[other] = vecs[word] + 0.3 * rng.standard_normal(dim)
    for i in range(n_fillers):
        words[f"filler{i}"] = rng.standard_normal(dim) * 1.2
    keys = list(words)
    rng.shuffle(keys)
    return WordVectors(keys, np.array([words[k] for k in keys], dtype=np.float32))


def _synthetic_questions(path, rng):
    """A questions-words style file with planted relations plus every edge case we handle."""
    sections = {}
    lines = []
    for s, name in enumerate(
        ["capital-alpha", "family", "gram1-beta", "gram2-gamma", "city-delta"]
    ):
        pairs = [(f"Src{s}x{i}", f"dst{s}X{i}") for i in range(9)]
        sections[name] = pairs
        lines.append(f": {name}")
        for i, (a, b) in enumerate(pairs):
            for j, (c, d) in enumerate(pairs):
                if i != j:
                    lines.append(f"{a} {b} {c} {d}")
        lines.append(
            f"{pairs[0][0]} {pairs[0][1]} {pairs[0][0]} {pairs[0][1]}"
        )  # d is among a, b, c
        lines.append(f"{pairs[1][0].upper()} {pairs[1][1]} {pairs[2][0]} {pairs[2][1].lower()}")
        lines.append(f"{pairs[1][0]} oovword {pairs[2][0]} {pairs[2][1]}")  # out of vocabulary
        lines.append(f"{pairs[1][0]} {pairs[1][1]} {pairs[2][0]}")  # three words: invalid
        lines.append("")  # blank: ignored
    lines.insert(0, ": empty-section")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sections


def _gensim_counts(kv, path, restrict_vocab, case_insensitive):
    score, sections = kv.evaluate_word_analogies(
        str(path), restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    per_section = [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections
    ]
    return score, per_section[:-1], per_section[-1]


def _assert_analogies_match_gensim(wv, kv, path, restrict_vocab, case_insensitive):
    result = evaluate_analogies(
        wv, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    score, sections, total = _gensim_counts(kv, path, restrict_vocab, case_insensitive)
    assert [(s.name, s.correct, s.total) for s in result.sections] == sections
    assert (result.correct, result.total) == total[1:]
    assert result.accuracy == score
    return result


def _count_questions(path):
    lines = [line.split() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return sum(1 for words in lines if len(words) == 4)


def test_evaluate_analogies_matches_gensim(tmp_path, to_gensim):
    rng = np.random.default_rng(11)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    kv = to_gensim(wv)
    n_questions = _count_questions(path)
    for restrict_vocab in (len(wv), 150, 6):
        for case_insensitive in (True, False):
            result = _assert_analogies_match_gensim(wv, kv, path, restrict_vocab, case_insensitive)
            assert result.total + result.skipped == n_questions
            assert result.n_invalid == 5
    result = evaluate_analogies(wv, path, restrict_vocab=len(wv))
    assert 0.2 < result.accuracy < 0.95, "planted noise should make the test discriminating"
    assert result.sections[0].name == "empty-section" and result.sections[0].total == 0
    assert [s.name for s in result.sections][1:] == list(sections)
    syntactic = [s for s in result.sections if s.name.startswith("gram")]
    assert result.syntactic.total == sum(s.total for s in syntactic)
    assert result.semantic.total + result.syntactic.total == result.total
    assert result.skipped >= 5 and result.oov_ratio == result.skipped / n_questions
    assert "total:" in result.summary()


def _reference_analogies(unit64, wv, path, stop, case_insensitive, method):
    """Per-question re-implementation of gensim's counting, in float64, for either method;
    unit64 is the conftest fixture."""
    fold = str.upper if case_insensitive else str
    vocab = {}
    for i, key in enumerate(wv.index_to_key[:stop]):
        vocab.setdefault(fold(key), i)
    unit = unit64(wv.vectors)[:stop]
    counts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            counts.append([0, 0])
            continue
        words = [fold(w) for w in line.split()]
        if len(words) != 4 or any(w not in vocab for w in words):
            continue
        ids = [vocab[w] for w in words[:3]]
        cos = unit @ unit[ids].T
        if method == "3cosadd":
            scores = cos[:, 1] + cos[:, 2] - cos[:, 0]
        else:
            shifted = (cos + 1) / 2
            scores = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + 1e-3)
        scores[ids] = -np.inf
        ignore = {fold(wv.index_to_key[i]) for i in ids}
        predicted = None
        for i in [i for i in np.argsort(-scores, kind="stable") if i not in ids][:5]:
            predicted = fold(wv.index_to_key[i])
            if predicted not in ignore:
                break
        counts[-1][0] += predicted == words[3]
        counts[-1][1] += 1
    return counts


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_evaluate_analogies_matches_reference(tmp_path, method, unit64):
    rng = np.random.default_rng(12)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    for stop, case_insensitive in [(len(wv), True), (len(wv), False), (150, True)]:
        result = evaluate_analogies(
            wv, path, restrict_vocab=stop, case_insensitive=case_insensitive, method=method
        )
        expected = _reference_analogies(unit64, wv, path, stop, case_insensitive, method)
        assert [[s.correct, s.total] for s in result.sections] == expected
        assert result.method == method


def test_evaluate_analogies_batches_agree(tmp_path, monkeypatch):
    rng = np.random.default_rng(13)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    expected = {m: evaluate_analogies(wv, path, method=m) for m in ("3cosadd", "3cosmul")}
    monkeypatch.setattr(cosine_module, "SCORE_BUDGET", 1000)  # tiny batches, per-batch cosines
    assert cosine_module.batch_size(len(wv)) < 10
    for method, result in expected.items():
        assert evaluate_analogies(wv, path, method=method) == result


def test_evaluate_analogies_file_errors(tmp_path, random_wv):
    wv = random_wv(20)
    bad = tmp_path / "bad.txt"
    bad.write_text("w1 w2 w3 w4\n")
    with pytest.raises(ValueError, match="line 1 comes before the first ': section' header"):
        evaluate_analogies(wv, bad)
    with pytest.raises(ValueError, match="analogy lines: line 2 comes before the first"):
        evaluate_analogies(wv, ["", "w1 w2 w3 w4"])
    bad.write_text(": only-header\nnot a question line at all\n")
    with pytest.raises(ValueError, match="no analogy questions"):
        evaluate_analogies(wv, bad)
    bad.write_bytes(b": s\nw1 w2 w3 \xff\n")
    with pytest.raises(ValueError, match="line 2 is not valid UTF-8"):
        evaluate_analogies(wv, bad)
    with pytest.raises(ValueError, match="restrict_vocab must be a positive integer"):
        evaluate_analogies(wv, [": s", "w1 w2 w3 w4"], restrict_vocab=0)
    with pytest.raises(ValueError, match="method must be one of"):
        evaluate_analogies(wv, [": s", "w1 w2 w3 w4"], method="3cosfoo")
    oov = tmp_path / "oov.txt"
    oov.write_text(": s\nx y z q\n")
    result = evaluate_analogies(wv, oov)
    assert (result.total, result.skipped, result.accuracy, result.oov_ratio) == (0, 1, 0.0, 1.0)


@pytest.mark.skipif(
    not (EVAL_DATA / "questions-words.txt").exists(), reason="shared eval data absent"
)
def test_questions_words_matches_gensim(to_gensim):
    path = EVAL_DATA / "questions-words.txt"
    sections, name = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            name = line[2:].strip()
            sections[name] = []
        else:
            a, b, c, d = line.split()
            sections[name] += [(a, b), (c, d)]
    rng = np.random.default_rng(14)
    wv = _vocabulary(_plant_relations(sections, 32, 0.7, rng), rng, 32, n_fillers=1000)
    kv = to_gensim(wv)
    result = _assert_analogies_match_gensim(wv, kv, path, 1500, True)
    assert result.total + result.skipped == 19544
    assert len(result.sections) == 14
    assert [s.name for s in result.sections[:5]] == [s for s in sections][:5]
    assert result.semantic.total + result.semantic.skipped == 8869
    assert result.syntactic.total + result.syntactic.skipped == 10675
    assert 0 < result.skipped and 0.05 < result.accuracy < 0.95


# ---------------------------------------------------------------- word-pair evaluation


def test_average_ranks():
    np.testing.assert_array_equal(
        _average_ranks(np.array([10.0, 20.0, 10.0, 5.0, 20.0, 20.0])), [2.5, 5, 2.5, 1, 5, 5]
    )
    np.testing.assert_array_equal(_average_ranks(np.array([3.0])), [1])
    stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(0).integers(0, 7, 200).astype(float)
    y = np.random.default_rng(1).standard_normal(200)
    np.testing.assert_array_equal(_average_ranks(x), stats.rankdata(x))
    assert _pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert np.isnan(_pearson(np.ones(5), y[:5]))


def _synthetic_pairs(path, words, rng):
    lines = ["# a comment", "# Word 1\tWord 2\tHuman (mean)"]
    for _ in range(150):
        a, b = rng.choice(words, 2, replace=False)
        if rng.random() < 0.2:
            a = a.upper() if rng.random() < 0.5 else a.lower()
        lines.append(f"{a}\t{b}\t{rng.integers(0, 21) / 2:.2f}")  # coarse scores: many ties
    lines += [
        f"{words[0]}\t{words[0]}\t10.00",
        f"{words[1]}\toovword\t3.0",
        f"OOVWORD\t{words[2]}\t4.5",
        f"{words[1]}\t{words[2]}",  # two fields
        f"{words[1]}\t{words[2]}\t1.0\textra",  # four fields
        f"{words[1]}\t{words[2]}\tmany",  # not a number
        "",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_evaluate_word_pairs_matches_gensim(tmp_path, to_gensim):
    rng = np.random.default_rng(21)
    words = [f"Word{i}" for i in range(60)] + [f"word{i}" for i in range(0, 60, 3)]
    wv = _vocabulary({w: rng.standard_normal(12) for w in words}, rng, 12, n_fillers=50)
    kv = to_gensim(wv)
    path = tmp_path / "pairs.tsv"
    _synthetic_pairs(path, words, rng)
    for stop in (len(wv), 70):
        for case_insensitive in (True, False):
            ours = evaluate_word_pairs(
                wv, path, restrict_vocab=stop, case_insensitive=case_insensitive
            )
            pearson, spearman, oov_percent = kv.evaluate_word_pairs(
                str(path), restrict_vocab=stop, case_insensitive=case_insensitive
            )
            assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
            assert ours.spearman == pytest.approx(spearman[0], abs=1e-9)
            assert ours.oov_ratio * 100 == pytest.approx(oov_percent, rel=1e-12)
            assert ours.n_invalid == 3
            assert ours.n_pairs + ours.n_oov == 153
    assert "Spearman" in ours.summary()


def test_evaluate_word_pairs_errors(tmp_path, random_wv):
    wv = random_wv(10)
    path = tmp_path / "pairs.tsv"
    path.write_text("# nothing useful\nx\ty\t1.0\n")
    with pytest.raises(ValueError, match="no word pair"):
        evaluate_word_pairs(wv, path)
    path.write_text("w1\tw2\t1.0\n")
    with pytest.raises(ValueError, match="need two"):
        evaluate_word_pairs(wv, path)
    with pytest.raises(ValueError, match="restrict_vocab must be a positive integer"):
        evaluate_word_pairs(wv, path, restrict_vocab=2.5)


@pytest.mark.skipif(not (EVAL_DATA / "wordsim353.tsv").exists(), reason="shared eval data absent")
def test_wordsim353_matches_gensim(to_gensim):
    path = EVAL_DATA / "wordsim353.tsv"
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split("\t")[:2])
    rng = np.random.default_rng(22)
    words = sorted(words)
    kept = [w for i, w in enumerate(words) if i % 7]  # some words out of vocabulary
    wv = _vocabulary(
        {w: rng.standard_normal(20) for w in kept}, rng, 20, n_fillers=100, variant_share=0.3
    )
    kv = to_gensim(wv)
    ours = wv.evaluate_word_pairs(path)
    pearson, spearman, oov_percent = kv.evaluate_word_pairs(str(path))
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-9)
    assert ours.oov_ratio * 100 == pytest.approx(oov_percent, rel=1e-12)
    assert ours.n_oov > 0 and ours.n_pairs > 100


# ---------------------------------------------------------------- functions, methods, layering


def _evaluation_setup(tmp_path, seed=31):
    """Planted analogies with case variants, their questions file and a word-pairs file."""
    rng = np.random.default_rng(seed)
    questions = tmp_path / "questions.txt"
    sections = _synthetic_questions(questions, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    pairs = tmp_path / "pairs.tsv"
    _synthetic_pairs(pairs, [w for w in wv.index_to_key if not w.startswith("filler")], rng)
    return wv, questions, pairs


def test_methods_and_functions_agree(tmp_path):
    wv, questions, pairs = _evaluation_setup(tmp_path)
    for method in ("3cosadd", "3cosmul"):
        for restrict_vocab in (None, 150, 6):
            for case_insensitive in (True, False):
                options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
                by_method = wv.evaluate_analogies(questions, method=method, **options)
                assert by_method == evaluate_analogies(wv, questions, method=method, **options)
                assert by_method.restrict_vocab == (restrict_vocab or len(wv))
    for restrict_vocab in (None, 150):
        for case_insensitive in (True, False):
            options = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
            by_method = wv.evaluate_word_pairs(pairs, **options)
            assert by_method == evaluate_word_pairs(wv, pairs, **options)
    assert wv.evaluate_analogies(questions) == evaluate_analogies(wv, questions)
    assert wv.evaluate_word_pairs(pairs) == evaluate_word_pairs(wv, pairs)
    comma = tmp_path / "pairs.csv"
    comma.write_text(pairs.read_text(encoding="utf-8").replace("\t", ","), encoding="utf-8")
    by_method = wv.evaluate_word_pairs(comma, delimiter=",")
    assert by_method == evaluate_word_pairs(wv, comma, delimiter=",")
    assert by_method == wv.evaluate_word_pairs(pairs)
    # The options reach the function: other options, other results.
    assert wv.evaluate_analogies(questions, case_insensitive=False) != wv.evaluate_analogies(
        questions
    )


def test_method_signatures_match_the_functions():
    pairs = [
        (WordVectors.evaluate_analogies, evaluate_analogies),
        (WordVectors.evaluate_word_pairs, evaluate_word_pairs),
    ]
    for method, function in pairs:
        ours = list(inspect.signature(method).parameters.values())[2:]
        theirs = list(inspect.signature(function).parameters.values())[2:]
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


def test_analogies_from_lines_match_the_file(tmp_path):
    wv, questions, _ = _evaluation_setup(tmp_path)
    text = questions.read_text(encoding="utf-8")
    expected = evaluate_analogies(wv, questions, method="3cosmul")
    assert evaluate_analogies(wv, text.splitlines(keepends=True), method="3cosmul") == expected
    assert evaluate_analogies(wv, iter(text.splitlines()), method="3cosmul") == expected
    assert evaluate_analogies(wv, str(questions), method="3cosmul") == expected


def test_any_object_with_words_vectors_and_norms(tmp_path):
    """The evaluators need no WordVectors: three attributes are enough."""
    wv, questions, pairs = _evaluation_setup(tmp_path)
    plain = SimpleNamespace(
        index_to_key=list(wv.index_to_key), vectors=wv.vectors.copy(), norms=wv.norms.copy()
    )
    assert evaluate_analogies(plain, questions) == wv.evaluate_analogies(questions)
    assert evaluate_word_pairs(plain, pairs) == wv.evaluate_word_pairs(pairs)


def test_result_classes_are_one_class_everywhere():
    for name in ("AnalogyResult", "SectionScore", "WordPairsResult"):
        assert getattr(vectors_module, name) is getattr(evaluation_module, name)
    assert pyw2v.AnalogyResult is evaluation_module.AnalogyResult
    assert pyw2v.WordPairsResult is evaluation_module.WordPairsResult


def test_evaluation_does_not_import_vectors():
    """vectors.py imports evaluation.py, so the reverse would be a cycle."""
    tree = ast.parse(Path(evaluation_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(f"{node.module or ''}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {m for m in imported if m.split(".")[-1] == "vectors"}, imported
    assert "_cosine" in imported
