"""WordVectors: lookup, queries and analogies, and their parity with gensim."""

import numpy as np
import pytest

import pyw2v.vectors as vectors_module
from pyw2v.vectors import WordVectors


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


def test_missing_word_names_the_word(random_wv):
    wv = random_wv(20)
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


def test_argument_errors(random_wv):
    wv = random_wv(20)
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
        wv.most_similar(positive=[("w1", "w2")])
    with pytest.raises(ValueError, match="weight of 'w1' must be finite"):
        wv.most_similar(positive=[("w1", float("nan"))])
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


def test_norm_cache_invalidation(random_wv):
    wv = random_wv(10, dim=4)
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


def _reference_most_similar(unit64, wv, positive, negative, topn, stop=None):
    """most_similar in float64 from its definition; unit64 is the conftest fixture."""
    unit = unit64(wv.vectors)
    stop = len(wv) if stop is None else stop
    terms = [(t, 1) for t in positive] + [(t, -1) for t in negative]
    query = sum(
        sign * (unit[wv.key_to_index[t]] if isinstance(t, str) else unit64(t)) for t, sign in terms
    )
    scores = unit[:stop] @ unit64(query)
    exclude = {wv.key_to_index[t] for t, _ in terms if isinstance(t, str)}
    order = [i for i in np.argsort(-scores, kind="stable") if i not in exclude]
    return [(wv.index_to_key[i], scores[i]) for i in order[:topn]]


def _assert_same_ranking(got, expected):
    assert [w for w, _ in got] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)


def test_most_similar_matches_reference(random_wv, unit64):
    wv = random_wv(400, dim=20)
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
        expected = _reference_most_similar(unit64, wv, positive, negative, topn, stop)
        _assert_same_ranking(got, expected)
    assert len(wv.most_similar("w3", topn=400)) == 399
    assert all(int(w[1:]) < 50 for w, _ in wv.most_similar("w3", restrict_vocab=50))
    _assert_same_ranking(
        wv.most_similar_to_vector(free_vector, topn=5),
        _reference_most_similar(unit64, wv, [free_vector], [], 5),
    )


def test_batch_queries_match_single_queries(random_wv):
    wv = random_wv(500, dim=12)
    queries = np.random.default_rng(2).standard_normal((37, 12))
    batched = wv.most_similar_to_vectors(queries, topn=6, restrict_vocab=300)
    assert len(batched) == 37
    for query, got in zip(queries, batched):
        _assert_same_ranking(got, wv.most_similar_to_vector(query, topn=6, restrict_vocab=300))


def test_similarity_and_doesnt_match(random_wv, unit64):
    wv = random_wv(50, dim=8)
    unit = unit64(wv.vectors)
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


def test_3cosmul_matches_formula(random_wv, unit64):
    wv = random_wv(300, dim=10)
    unit = unit64(wv.vectors)
    a, b, c = (wv.key_to_index[w] for w in ("w1", "w2", "w3"))
    shifted = (unit @ unit[[a, b, c]].T + 1) / 2
    scores = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + 1e-3)
    scores[[a, b, c]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:8]
    got = wv.analogy("w1", "w2", "w3", topn=8, method="3cosmul")
    assert [w for w, _ in got] == [wv.index_to_key[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], scores[order], rtol=1e-5)


# ---------------------------------------------------------------- gensim parity: queries


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
def test_queries_match_gensim(random_wv, to_gensim, monkeypatch):
    wv = random_wv(600, dim=20)
    kv = to_gensim(wv)
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


# ---------------------------------------------------------------- gensim-named methods: our rules


def test_gensim_methods_name_unknown_words(random_wv):
    wv = random_wv(20)
    calls = [
        lambda: wv.get_vector("nope"),
        lambda: wv.n_similarity(["w1", "nope"], ["w2"]),
        lambda: wv.get_mean_vector(["w1", "nope"], ignore_missing=False),
        lambda: wv.most_similar_cosmul(positive=["w1"], negative=["nope"]),
        lambda: wv.distance("w1", "nope"),
        lambda: wv.distances("w1", ["w2", "nope"]),
        lambda: wv.closer_than("nope", "w1"),
        lambda: wv.rank("w1", "nope"),
        lambda: wv.similar_by_word("nope"),
    ]
    for call in calls:
        with pytest.raises(KeyError, match="'nope'"):
            call()
    assert wv.get_index("nope", default=-1) == -1 and not wv.has_index_for("nope")


def test_gensim_methods_reject_empty_and_bad_input(random_wv):
    wv = random_wv(20, dim=4)
    with pytest.raises(ValueError, match="non-empty"):
        wv.n_similarity([], ["w1"])
    with pytest.raises(ValueError, match="at least one key"):
        wv.get_mean_vector([])
    with pytest.raises(ValueError, match="one entry per key"):
        wv.get_mean_vector(["w1", "w2"], weights=[1.0])
    with pytest.raises(ValueError, match="NaN"):
        wv.get_mean_vector(["w1"], weights=[np.nan])
    with pytest.raises(TypeError, match="words or vectors"):
        wv.get_mean_vector([3])
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        wv.get_mean_vector([np.ones(3)])
    with pytest.raises(ValueError, match="positive"):
        wv.most_similar_cosmul(negative=["w1"])
    with pytest.raises(ValueError, match="topn"):
        wv.most_similar_cosmul("w1", topn=0)
    with pytest.raises(ValueError, match="vectors_all"):
        WordVectors.cosine_similarities(np.ones(3), np.ones((2, 4)))
    with pytest.raises(ValueError, match="similarity_function"):
        wv.evaluate_word_analogies("q.txt", similarity_function="most_similar_cosmul")


def test_topn_none_and_indexer(random_wv):
    wv = random_wv(50, dim=6)
    scores = wv.most_similar(positive=["w1"], negative=["w2"], topn=None, restrict_vocab=30)
    assert scores.shape == (30,) and scores.dtype == np.float32
    best = wv.most_similar(positive=["w1"], negative=["w2"], topn=3, restrict_vocab=30)
    order = [i for i in np.argsort(-scores).tolist() if i not in (1, 2)]
    assert [w for w, _ in best] == [wv.index_to_key[i] for i in order[:3]]
    np.testing.assert_allclose([s for _, s in best], scores[order[:3]], rtol=1e-6)

    class Indexer:
        def most_similar(self, query, topn):
            self.query = query
            return [("from-the-index", 1.0)] * topn

    indexer = Indexer()
    assert wv.most_similar("w1", topn=2, indexer=indexer) == [("from-the-index", 1.0)] * 2
    np.testing.assert_allclose(indexer.query, wv.get_vector("w1", norm=True), rtol=1e-6)


def test_cosmul_honours_restrict_vocab(random_wv):
    wv = random_wv(200, dim=8)
    full = wv.most_similar_cosmul(["w150", "w3"], ["w4"], topn=None)
    assert full.shape == (200,)
    limited = wv.most_similar_cosmul(["w150", "w3"], ["w4"], topn=100, restrict_vocab=60)
    assert all(wv.get_index(w) < 60 for w, _ in limited) and len(limited) == 58
    expected = np.sort(np.delete(full[:60], [3, 4]))[::-1]
    np.testing.assert_allclose([s for _, s in limited], expected, rtol=1e-6)


def test_get_vector_is_read_only_view(random_wv):
    wv = random_wv(10, dim=4)
    row = wv.get_vector("w3")
    assert np.shares_memory(row, wv.vectors) and not row.flags.writeable
    with pytest.raises(ValueError):
        row[0] = 1.0
    assert wv["w3"].flags.writeable  # the plain lookup is unchanged


def test_add_vectors_keeps_norm_cache_exact(random_wv):
    wv = random_wv(30, dim=5)
    wv.counts = np.arange(30, 0, -1, dtype=np.int64)
    cached = wv.norms  # fills the cache
    rng = np.random.default_rng(2)
    wv.add_vectors(["new1", "w0", "new2"], rng.standard_normal((3, 5)), replace=True)
    wv.add_vector("new3", rng.standard_normal(5))
    wv["w5"] = rng.standard_normal(5) * 7
    assert len(wv) == 33 and wv.index_to_key[-3:] == ["new1", "new2", "new3"]
    assert wv.counts.tolist()[-3:] == [0, 0, 0] and len(wv.counts) == 33
    incremental = wv.norms.copy()
    wv.fill_norms(force=True)
    np.testing.assert_array_equal(incremental, wv.norms)  # bit-equal to a fresh computation
    assert cached.shape == (30,)  # arrays handed out earlier are not changed under the caller
    assert wv.most_similar("new1", topn=1)[0][1] <= 1.0
    assert wv.add_vector("w1", np.zeros(5)) == 1 and np.any(wv["w1"] != 0)  # known word kept


@pytest.mark.parametrize(
    "keys, weights, error, match",
    [
        (["a", "b"], np.zeros((3, 4)), ValueError, r"\(2, 4\), got \(3, 4\)"),
        (["a"], np.zeros((1, 3)), ValueError, r"\(1, 4\), got \(1, 3\)"),
        (["a", "b"], [[0, 0, 0, np.nan], [0, 0, 0, 0]], ValueError, "NaN"),
        (["a", "a"], np.zeros((2, 4)), ValueError, "more than once"),
        ([1], np.zeros((1, 4)), TypeError, "must be str"),
        (["a"], [["x", "y", "z", "w"]], ValueError, "numbers"),
    ],
)
def test_add_vectors_bad_input(random_wv, keys, weights, error, match):
    wv = random_wv(10, dim=4)
    wv.fill_norms()
    with pytest.raises(error, match=match):
        wv.add_vectors(keys, weights)
    assert len(wv) == 10 and wv.vectors.shape == (10, 4) and wv.norms.shape == (10,)


def test_gensim_conversion_without_gensim(random_wv, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(ImportError, match="pip install gensim"):
        random_wv(5).to_gensim()
    with pytest.raises(ImportError, match="pip install gensim"):
        WordVectors.from_gensim(object())


def test_word_pairs_result_unpacks_like_gensim(monkeypatch):
    import sys

    from pyw2v.evaluation import WordPairsResult

    result = WordPairsResult(pearson=0.5, spearman=0.25, n_pairs=30, n_oov=10, n_invalid=0)
    pearson, spearman, oov = result
    pytest.importorskip("scipy.special")
    assert pearson[0] == 0.5 and spearman.statistic == 0.25 and oov == pytest.approx(25.0)
    assert 0 < pearson.pvalue < 0.01 and result[2] == oov and len(result) == 3
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    assert np.isnan(result[0].pvalue)  # no SciPy: no p-value, the correlations still work


def test_load_word2vec_format_with_vocab_file(random_wv, tmp_path):
    wv = random_wv(6, dim=3)
    wv.save_word2vec(tmp_path / "v.txt", binary=False)
    (tmp_path / "vocab.txt").write_text("w0 50\nw1 40\nw2 30\nw4 5\n")
    loaded = WordVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")
    assert loaded.index_to_key == wv.index_to_key
    assert loaded.counts.tolist() == [50, 40, 30, 0, 5, 0]
    np.testing.assert_array_equal(loaded.vectors, wv.vectors)
    with pytest.raises(ValueError, match="encoding"):
        WordVectors.load_word2vec_format(tmp_path / "v.txt", encoding="latin-1")
