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
