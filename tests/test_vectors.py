"""WordVectors: lookup, queries, analogies, and evaluation parity with gensim."""

from pathlib import Path

import numpy as np
import pytest

import pyw2v.vectors as vectors_module
from pyw2v.vectors import WordVectors, _average_ranks, _pearson

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"


def _random_wv(n=300, dim=16, seed=0, prefix="w"):
    rng = np.random.default_rng(seed)
    return WordVectors(
        [f"{prefix}{i}" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32)
    )


def _unit64(matrix):
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def _planted_family(noise=0.05, n_fillers=300, dim=24, seed=1):
    """Vectors where king - man + woman lands on queen (and kin)."""
    rng = np.random.default_rng(seed)
    base = {w: rng.standard_normal(dim) for w in ["man", "woman", "boy", "girl", "uncle", "aunt"]}
    royal = rng.standard_normal(dim)
    plural = rng.standard_normal(dim)
    pairs = {
        "king": "man",
        "queen": "woman",
        "prince": "boy",
        "princess": "girl",
        "duke": "uncle",
        "duchess": "aunt",
    }
    vecs = dict(base)
    for royal_word, plain in pairs.items():
        vecs[royal_word] = base[plain] + royal + noise * rng.standard_normal(dim)
    for word in list(vecs):
        vecs[word + "s"] = vecs[word] + plural + noise * rng.standard_normal(dim)
    for i in range(n_fillers):
        vecs[f"filler{i}"] = rng.standard_normal(dim) * 1.5
    keys = list(vecs)
    return WordVectors(keys, np.array([vecs[k] for k in keys], dtype=np.float32))


# ---------------------------------------------------------------- container


def test_container_basics():
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((4, 3)).astype(np.float32)
    wv = WordVectors(["a", "b", "c", "d"], matrix, counts=[9, 5, 5, 1])
    assert wv.vectors is matrix
    assert len(wv) == 4 and wv.dim == 3
    assert "b" in wv and "z" not in wv and 3 not in wv
    assert wv.key_to_index == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert wv.index_to_key == ["a", "b", "c", "d"] and list(wv) == wv.index_to_key
    row = wv["c"]
    assert np.shares_memory(row, matrix) and np.array_equal(row, matrix[2])
    np.testing.assert_array_equal(wv[["d", "a"]], matrix[[3, 0]])
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [9, 5, 5, 1]
    converted = WordVectors(["a"], [[1, 2]])
    assert converted.vectors.dtype == np.float32 and converted.vectors.flags.c_contiguous


@pytest.mark.parametrize(
    "keys, matrix, counts, match",
    [
        (["a", "a"], np.zeros((2, 2)), None, "more than once"),
        (["a", "b"], np.zeros((3, 2)), None, "shape"),
        (["a"], np.zeros(2), None, "shape"),
        (["a"], np.zeros((1, 0)), None, "shape"),
        (["a"], np.zeros((1, 2)), [1, 2], "counts"),
        (["a"], np.zeros((1, 2)), [-1], "counts"),
    ],
)
def test_constructor_validates(keys, matrix, counts, match):
    with pytest.raises(ValueError, match=match):
        WordVectors(keys, matrix, counts)
    with pytest.raises(TypeError, match="must be str"):
        WordVectors([1], np.zeros((1, 2)))


def test_missing_word_names_the_word():
    wv = _random_wv(20)
    calls = [
        lambda: wv["nope"],
        lambda: wv.get_index("nope"),
        lambda: wv.most_similar("nope"),
        lambda: wv.most_similar(positive=["w1"], negative=["nope"]),
        lambda: wv.similarity("w1", "nope"),
        lambda: wv.analogy("w1", "w2", "nope"),
        lambda: wv.analogy("w1", "nope", "w2", method="3cosmul"),
        lambda: wv.doesnt_match(["w1", "nope"]),
    ]
    for call in calls:
        with pytest.raises(KeyError, match="'nope'"):
            call()


def test_argument_errors():
    wv = _random_wv(20)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="topn"):
            wv.most_similar("w1", topn=bad)
    with pytest.raises(ValueError, match="restrict_vocab"):
        wv.most_similar("w1", restrict_vocab=0)
    with pytest.raises(ValueError, match="at least one"):
        wv.most_similar()
    with pytest.raises(ValueError, match="method"):
        wv.analogy("w1", "w2", "w3", method="3cosfoo")
    with pytest.raises(ValueError, match="shape"):
        wv.most_similar_to_vector(np.zeros(3))
    with pytest.raises(ValueError, match="a word or a vector"):
        wv.most_similar(positive=[("w1", 2.0)])
    with pytest.raises(ValueError, match="NaN"):
        wv.most_similar_to_vector(np.full(wv.dim, np.nan))


def test_zero_vectors_do_not_make_nan():
    matrix = np.array([[1, 0], [0, 0], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    wv = WordVectors(["a", "zero", "b", "c"], matrix)
    assert wv.norms.tolist() == [1, 0, 1, 1]
    assert np.isfinite(wv.unit_vectors()).all()
    assert wv.similarity("a", "zero") == 0.0
    result = wv.most_similar("a", topn=3)
    assert [w for w, _ in result] == ["b", "zero", "c"]
    assert all(np.isfinite(s) for _, s in result)
    assert all(s == 0.0 for _, s in wv.most_similar("zero", topn=3))
    assert wv.analogy("a", "zero", "b", method="3cosmul", topn=2)


def test_norm_cache_invalidation():
    wv = _random_wv(10, dim=4)
    wv.most_similar("w0", topn=1)  # fills the cache
    wv.vectors[3] *= 10  # written in place: the cache is stale until invalidated
    assert not np.isclose(wv.norms[3], np.linalg.norm(wv.vectors[3]))
    wv.invalidate_norms()
    assert np.isclose(wv.norms[3], np.linalg.norm(wv.vectors[3]))
    wv.vectors = np.ones((10, 4))  # assignment resets the cache
    np.testing.assert_allclose(wv.norms, 2.0)
    with pytest.raises(ValueError, match="shape"):
        wv.vectors = np.ones((3, 4))


# ---------------------------------------------------------------- queries against a reference


def _reference_most_similar(wv, positive, negative, topn, stop=None):
    unit = _unit64(wv.vectors)
    stop = len(wv) if stop is None else stop
    terms = [(t, 1) for t in positive] + [(t, -1) for t in negative]
    query = sum(
        sign * (unit[wv.key_to_index[t]] if isinstance(t, str) else _unit64(t)) for t, sign in terms
    )
    scores = unit[:stop] @ _unit64(query)
    exclude = {wv.key_to_index[t] for t, _ in terms if isinstance(t, str)}
    order = [i for i in np.argsort(-scores, kind="stable") if i not in exclude]
    return [(wv.index_to_key[i], scores[i]) for i in order[:topn]]


def _assert_same_ranking(got, expected):
    assert [w for w, _ in got] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)


def test_most_similar_matches_reference():
    wv = _random_wv(400, dim=20)
    rng = np.random.default_rng(5)
    free_vector = rng.standard_normal(20)
    cases = [
        (["w3"], [], 10, None),
        (["w3", "w7"], ["w11"], 7, None),
        ([], ["w5"], 5, None),
        (["w3", free_vector], ["w9"], 12, 200),
        (["w3"], [], 400, None),  # asks for more than exist: all but the query word
    ]
    for positive, negative, topn, stop in cases:
        got = wv.most_similar(positive=positive, negative=negative, topn=topn, restrict_vocab=stop)
        _assert_same_ranking(got, _reference_most_similar(wv, positive, negative, topn, stop))
    assert len(wv.most_similar("w3", topn=400)) == 399
    assert all(int(w[1:]) < 50 for w, _ in wv.most_similar("w3", restrict_vocab=50))
    _assert_same_ranking(
        wv.most_similar_to_vector(free_vector, topn=5),
        _reference_most_similar(wv, [free_vector], [], 5),
    )


def test_batch_queries_match_single_queries():
    wv = _random_wv(500, dim=12)
    queries = np.random.default_rng(2).standard_normal((37, 12))
    batched = wv.most_similar_to_vectors(queries, topn=6, restrict_vocab=300)
    assert len(batched) == 37
    for query, got in zip(queries, batched):
        _assert_same_ranking(got, wv.most_similar_to_vector(query, topn=6, restrict_vocab=300))


def test_similarity_and_doesnt_match():
    wv = _random_wv(50, dim=8)
    unit = _unit64(wv.vectors)
    assert wv.similarity("w1", "w2") == pytest.approx(unit[1] @ unit[2], abs=1e-6)
    assert wv.similarity("w4", "w4") == pytest.approx(1.0, abs=1e-6)
    assert wv.similarity("w1", wv["w2"] * 7) == pytest.approx(unit[1] @ unit[2], abs=1e-6)
    rng = np.random.default_rng(3)
    centre = rng.standard_normal(30)
    animals = {w: centre + 0.1 * rng.standard_normal(30) for w in ["cat", "dog", "mouse", "horse"]}
    words = {**animals, "carburettor": -centre + rng.standard_normal(30)}
    clustered = WordVectors(list(words), np.array(list(words.values())))
    assert clustered.doesnt_match(["cat", "dog", "carburettor", "mouse"]) == "carburettor"
    assert clustered.doesnt_match(["horse"]) == "horse"


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_planted_analogies(method):
    wv = _planted_family()
    assert wv.analogy("man", "king", "woman", method=method) == "queen"
    assert wv.analogy("king", "man", "queen", method=method) == "woman"
    assert wv.analogy("boy", "prince", "aunt", method=method) == "duchess"
    assert wv.analogy("girl", "girls", "duke", method=method) == "dukes"
    ranked = wv.analogy("man", "king", "woman", topn=3, method=method)
    assert ranked[0][0] == "queen" and len(ranked) == 3
    assert not {"man", "king", "woman"} & {w for w, _ in ranked}
    assert wv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"


def test_3cosmul_matches_formula():
    wv = _random_wv(300, dim=10)
    unit = _unit64(wv.vectors)
    a, b, c = (wv.key_to_index[w] for w in ("w1", "w2", "w3"))
    shifted = (unit @ unit[[a, b, c]].T + 1) / 2
    scores = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + 1e-3)
    scores[[a, b, c]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:8]
    got = wv.analogy("w1", "w2", "w3", topn=8, method="3cosmul")
    assert [w for w, _ in got] == [wv.index_to_key[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], scores[order], rtol=1e-5)


# ---------------------------------------------------------------- gensim parity: queries


@pytest.fixture
def gensim_kv():
    return pytest.importorskip("gensim.models.keyedvectors").KeyedVectors


def _to_gensim(KeyedVectors, wv):
    kv = KeyedVectors(wv.dim)
    kv.add_vectors(wv.index_to_key, wv.vectors.copy())
    return kv


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
def test_queries_match_gensim(gensim_kv, monkeypatch):
    wv = _random_wv(600, dim=20)
    kv = _to_gensim(gensim_kv, wv)
    for positive, negative in [(["w3"], []), (["w3", "w8"], ["w2"]), (["w10"], ["w20", "w30"])]:
        _assert_same_ranking(
            wv.most_similar(positive=positive, negative=negative, topn=10),
            kv.most_similar(positive=positive, negative=negative, topn=10),
        )
    _assert_same_ranking(
        wv.most_similar("w3", restrict_vocab=100), kv.most_similar("w3", restrict_vocab=100)
    )
    _assert_same_ranking(
        wv.analogy("w1", "w2", "w3", topn=5),
        kv.most_similar(positive=["w2", "w3"], negative=["w1"], topn=5),
    )
    monkeypatch.setattr(vectors_module, "COSMUL_EPS", 1e-6)  # gensim's epsilon
    _assert_same_ranking(
        wv.analogy("w1", "w2", "w3", topn=5, method="3cosmul"),
        kv.most_similar_cosmul(positive=["w2", "w3"], negative=["w1"], topn=5),
    )
    assert wv.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    assert wv.doesnt_match(["w1", "w2", "w3", "w4"]) == kv.doesnt_match(["w1", "w2", "w3", "w4"])


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
    result = wv.evaluate_analogies(
        path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    score, sections, total = _gensim_counts(kv, path, restrict_vocab, case_insensitive)
    assert [(s.name, s.correct, s.total) for s in result.sections] == sections
    assert (result.correct, result.total) == total[1:]
    assert result.accuracy == score
    return result


def _count_questions(path):
    lines = [line.split() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return sum(1 for words in lines if len(words) == 4)


def test_evaluate_analogies_matches_gensim(tmp_path, gensim_kv):
    rng = np.random.default_rng(11)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    kv = _to_gensim(gensim_kv, wv)
    n_questions = _count_questions(path)
    for restrict_vocab in (len(wv), 150, 6):
        for case_insensitive in (True, False):
            result = _assert_analogies_match_gensim(wv, kv, path, restrict_vocab, case_insensitive)
            assert result.total + result.skipped == n_questions
            assert result.n_invalid == 5
    result = wv.evaluate_analogies(path, restrict_vocab=len(wv))
    assert 0.2 < result.accuracy < 0.95, "planted noise should make the test discriminating"
    assert result.sections[0].name == "empty-section" and result.sections[0].total == 0
    assert [s.name for s in result.sections][1:] == list(sections)
    syntactic = [s for s in result.sections if s.name.startswith("gram")]
    assert result.syntactic.total == sum(s.total for s in syntactic)
    assert result.semantic.total + result.syntactic.total == result.total
    assert result.skipped >= 5 and result.oov_ratio == result.skipped / n_questions
    assert "total:" in result.summary()


def _reference_analogies(wv, path, stop, case_insensitive, method):
    """Per-question re-implementation of gensim's counting, in float64, for either method."""
    fold = str.upper if case_insensitive else str
    vocab = {}
    for i, key in enumerate(wv.index_to_key[:stop]):
        vocab.setdefault(fold(key), i)
    unit = _unit64(wv.vectors)[:stop]
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
def test_evaluate_analogies_matches_reference(tmp_path, method):
    rng = np.random.default_rng(12)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    for stop, case_insensitive in [(len(wv), True), (len(wv), False), (150, True)]:
        result = wv.evaluate_analogies(
            path, restrict_vocab=stop, case_insensitive=case_insensitive, method=method
        )
        expected = _reference_analogies(wv, path, stop, case_insensitive, method)
        assert [[s.correct, s.total] for s in result.sections] == expected
        assert result.method == method


def test_evaluate_analogies_batches_agree(tmp_path, monkeypatch):
    rng = np.random.default_rng(13)
    path = tmp_path / "questions.txt"
    sections = _synthetic_questions(path, rng)
    wv = _vocabulary(_plant_relations(sections, 16, 0.9, rng), rng, 16, n_fillers=120)
    expected = {m: wv.evaluate_analogies(path, method=m) for m in ("3cosadd", "3cosmul")}
    monkeypatch.setattr(vectors_module, "_SCORE_BUDGET", 1000)  # tiny batches, per-batch cosines
    for method, result in expected.items():
        assert wv.evaluate_analogies(path, method=method) == result


def test_evaluate_analogies_file_errors(tmp_path):
    wv = _random_wv(20)
    bad = tmp_path / "bad.txt"
    bad.write_text("w1 w2 w3 w4\n")
    with pytest.raises(ValueError, match="before the first ': section' header"):
        wv.evaluate_analogies(bad)
    bad.write_text(": only-header\nnot a question line at all\n")
    with pytest.raises(ValueError, match="no analogy questions"):
        wv.evaluate_analogies(bad)
    bad.write_bytes(b": s\nw1 w2 w3 \xff\n")
    with pytest.raises(ValueError, match="line 2 is not valid UTF-8"):
        wv.evaluate_analogies(bad)
    oov = tmp_path / "oov.txt"
    oov.write_text(": s\nx y z q\n")
    result = wv.evaluate_analogies(oov)
    assert (result.total, result.skipped, result.accuracy, result.oov_ratio) == (0, 1, 0.0, 1.0)


@pytest.mark.skipif(
    not (EVAL_DATA / "questions-words.txt").exists(), reason="shared eval data absent"
)
def test_questions_words_matches_gensim(gensim_kv):
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
    kv = _to_gensim(gensim_kv, wv)
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


def test_evaluate_word_pairs_matches_gensim(tmp_path, gensim_kv):
    rng = np.random.default_rng(21)
    words = [f"Word{i}" for i in range(60)] + [f"word{i}" for i in range(0, 60, 3)]
    wv = _vocabulary({w: rng.standard_normal(12) for w in words}, rng, 12, n_fillers=50)
    kv = _to_gensim(gensim_kv, wv)
    path = tmp_path / "pairs.tsv"
    _synthetic_pairs(path, words, rng)
    for stop in (len(wv), 70):
        for case_insensitive in (True, False):
            ours = wv.evaluate_word_pairs(
                path, restrict_vocab=stop, case_insensitive=case_insensitive
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


def test_evaluate_word_pairs_errors(tmp_path):
    wv = _random_wv(10)
    path = tmp_path / "pairs.tsv"
    path.write_text("# nothing useful\nx\ty\t1.0\n")
    with pytest.raises(ValueError, match="no word pair"):
        wv.evaluate_word_pairs(path)
    path.write_text("w1\tw2\t1.0\n")
    with pytest.raises(ValueError, match="need two"):
        wv.evaluate_word_pairs(path)


@pytest.mark.skipif(not (EVAL_DATA / "wordsim353.tsv").exists(), reason="shared eval data absent")
def test_wordsim353_matches_gensim(gensim_kv):
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
    kv = _to_gensim(gensim_kv, wv)
    ours = wv.evaluate_word_pairs(path)
    pearson, spearman, oov_percent = kv.evaluate_word_pairs(str(path))
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-9)
    assert ours.oov_ratio * 100 == pytest.approx(oov_percent, rel=1e-12)
    assert ours.n_oov > 0 and ours.n_pairs > 100
