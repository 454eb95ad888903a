"""The gensim KeyedVectors API on WordVectors gives gensim's answers on the same vectors.

One matrix (2,000 words, dim 32, planted analogies, case variants) is loaded into
pyw2v and into gensim twice: through gensim's own API and through ``to_gensim``.
Every gensim-named method is compared: equal words, scores within float32 rounding.
"""
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from pyw2v import WordVectors

gensim_models = pytest.importorskip("gensim.models")
KeyedVectors = gensim_models.KeyedVectors

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT.parent / "shared" / "data" / "eval"
RTOL, ATOL = 1e-5, 1e-6

#: word = concept + gender (king = royal + male), country/capital = entity + role.
GENDERED = [("man", "woman"), ("king", "queen"), ("boy", "girl"), ("prince", "princess"),
            ("father", "mother"), ("son", "daughter"), ("uncle", "aunt"), ("brother", "sister")]
CAPITALS = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"),
            ("spain", "madrid"), ("japan", "tokyo"), ("china", "beijing"),
            ("egypt", "cairo"), ("russia", "moscow")]


def _planted_matrix(n_words=2000, dim=32, seed=7):
    """(words, matrix, counts): planted families first, case variants, then fillers."""
    rng = np.random.default_rng(seed)
    rows = {}
    for pairs in (GENDERED, CAPITALS):
        roles = rng.standard_normal((2, dim))
        for a, b in pairs:
            entity = rng.standard_normal(dim)
            for word, role in ((a, roles[0]), (b, roles[1])):
                rows[word] = entity + role + 0.3 * rng.standard_normal(dim)
    for word in ("Paris", "KING", "Woman"):  # rarer spellings: case folding keeps the first
        rows[word] = rng.standard_normal(dim)
    for i in range(n_words - len(rows)):
        rows[f"w{i}"] = rng.standard_normal(dim)
    words = list(rows)
    counts = np.arange(len(words), 0, -1, dtype=np.int64) * 3
    return words, np.array([rows[w] for w in words], dtype=np.float32), counts


@pytest.fixture(scope="module")
def wv():
    words, matrix, counts = _planted_matrix()
    return WordVectors(words, matrix, counts)


@pytest.fixture(scope="module", params=["gensim_api", "to_gensim"])
def kv(request, wv):
    """The same vectors in gensim, built by gensim's own API and by WordVectors.to_gensim."""
    if request.param == "to_gensim":
        return wv.to_gensim()
    kv = KeyedVectors(wv.dim)
    kv.add_vectors(list(wv.index_to_key), wv.vectors.copy())
    return kv


def assert_same(ours, theirs):
    """Same words in the same order and scores within float32 rounding (or equal arrays)."""
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
        return
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=RTOL, atol=ATOL)


def _unit(vector):
    return vector / np.linalg.norm(vector)


# ---------------------------------------------------------------- queries

QUERIES = [
    dict(positive=["king"]),
    dict(positive="king"),
    dict(positive=["king", "woman"], negative=["man"]),
    dict(positive=["paris", "germany"], negative=["france"], topn=5),
    dict(positive=["w5"], negative=["w7", "w9"], topn=20),
    dict(positive=["queen"], restrict_vocab=100),
    dict(negative=["king"], topn=3),
    dict(positive=[("king", 2.0), ("woman", 0.5)], negative=[("man", -1.5)]),
    dict(positive=["king", "woman"], negative=["man"], topn=None),
    dict(positive=["w3"], topn=None, restrict_vocab=300),
]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_most_similar(wv, kv, query):
    assert_same(wv.most_similar(**query), kv.most_similar(**query))


def test_most_similar_with_vectors(wv, kv):
    unit = _unit(wv["king"] - wv["man"] + wv["woman"])   # gensim adds vectors as given
    assert_same(wv.most_similar(positive=[unit, "w3"]), kv.most_similar(positive=[unit, "w3"]))
    assert_same(wv.similar_by_vector(unit, topn=7), kv.similar_by_vector(unit, topn=7))
    assert_same(wv.similar_by_vector(unit, topn=None), kv.similar_by_vector(unit, topn=None))


@pytest.mark.parametrize("topn", [1, 10, None])
def test_similar_by_word_and_key(wv, kv, topn):
    assert_same(wv.similar_by_word("tokyo", topn=topn), kv.similar_by_word("tokyo", topn=topn))
    assert_same(wv.similar_by_key("w11", topn, 500), kv.similar_by_key("w11", topn, 500))


COSMUL = [
    dict(positive=["king", "woman"], negative=["man"]),
    dict(positive=["paris", "germany"], negative=["france"], topn=3),
    dict(positive="w4", negative="w8"),
    dict(positive=["w4", "w5", "w6"], negative=["w1", "w2"], topn=15),
    dict(positive=["w4"]),
    dict(positive=["king", "woman"], negative=["man"], topn=None),
]


@pytest.mark.parametrize("query", COSMUL, ids=str)
def test_most_similar_cosmul(wv, kv, query):
    assert_same(wv.most_similar_cosmul(**query), kv.most_similar_cosmul(**query))


def test_most_similar_cosmul_with_vector(wv, kv):
    unit = _unit(wv["queen"])
    assert_same(
        wv.most_similar_cosmul(positive=[unit, "w3"], negative=["w4"]),
        kv.most_similar_cosmul(positive=[unit, "w3"], negative=["w4"]),
    )


def test_pairwise_scores(wv, kv):
    pairs = [("king", "queen"), ("w1", "w2"), ("paris", "Paris"), ("tokyo", "tokyo")]
    for a, b in pairs:
        assert wv.similarity(a, b) == pytest.approx(float(kv.similarity(a, b)), abs=ATOL)
        assert wv.distance(a, b) == pytest.approx(float(kv.distance(a, b)), abs=ATOL)
    for ws1, ws2 in [(["king", "queen"], ["man", "woman"]), (["w1"], ["w2", "w3", "w4"]),
                     (["paris"], ["berlin", "rome"])]:
        assert wv.n_similarity(ws1, ws2) == pytest.approx(float(kv.n_similarity(ws1, ws2)),
                                                           abs=ATOL)
    for words in (["king", "queen", "prince", "tokyo"], ["w1", "w2", "w3", "w4", "w5"]):
        assert wv.doesnt_match(words) == kv.doesnt_match(words)


def test_distances(wv, kv):
    assert_same(wv.distances("king"), kv.distances("king"))
    assert_same(wv.distances("king", ["queen", "w9", "king"]),
                kv.distances("king", ["queen", "w9", "king"]))
    vector = wv["w12"] * 3
    assert_same(wv.distances(vector, ("w1", "w2")), kv.distances(vector, ("w1", "w2")))
    rows = wv.vectors[:50]
    assert_same(WordVectors.cosine_similarities(vector, rows),
                KeyedVectors.cosine_similarities(vector, rows))


@pytest.mark.parametrize("key1, key2", [("king", "queen"), ("w3", "w1500"), ("paris", "w2")])
def test_closer_than_and_rank(wv, kv, key1, key2):
    assert wv.closer_than(key1, key2) == kv.closer_than(key1, key2)
    assert wv.words_closer_than(key1, key2) == kv.words_closer_than(key1, key2)
    assert wv.rank(key1, key2) == kv.rank(key1, key2)
    assert wv.rank(key1, key2) > 1  # the comparison is not vacuous


MEANS = [
    dict(keys=["king", "queen"]),
    dict(keys=["king", "queen"], weights=[2.0, -0.5]),
    dict(keys=["king", "nope", "queen"], pre_normalize=False),
    dict(keys=["king", "w9"], post_normalize=True),
    dict(keys=["w1", "w2", "w3"], weights=np.array([1.0, 2.0, 3.0]), pre_normalize=False,
         post_normalize=True),
    dict(keys=["nope"]),
]


@pytest.mark.parametrize("kwargs", MEANS, ids=str)
def test_get_mean_vector(wv, kv, kwargs):
    ours = wv.get_mean_vector(**kwargs)
    assert ours.dtype == np.float32
    assert_same(ours, kv.get_mean_vector(**kwargs))


def test_get_mean_vector_with_vectors(wv, kv):
    keys = [wv["w40"] * 2, "king"]
    assert_same(wv.get_mean_vector(keys, weights=[1.0, 3.0]),
                kv.get_mean_vector(keys, weights=[1.0, 3.0]))


def test_lookup_and_norms(wv, kv):
    assert wv.vector_size == kv.vector_size == 32
    assert wv.index_to_key == kv.index_to_key and wv.key_to_index == kv.key_to_index
    for key in ("king", "w7", "nope", 3, None):
        assert wv.has_index_for(key) == (isinstance(key, str) and kv.has_index_for(key))
    for norm in (False, True):
        assert_same(wv.get_vector("queen", norm=norm), kv.get_vector("queen", norm=norm))
    wv.fill_norms(force=True)
    kv.fill_norms(force=True)
    assert_same(wv.norms, kv.norms)
    assert_same(wv.get_normed_vectors(), kv.get_normed_vectors())


@pytest.mark.filterwarnings("ignore:Adding single vectors:UserWarning")
def test_add_vectors_matches_gensim(wv):
    ours = WordVectors(list(wv.index_to_key), wv.vectors.copy(), wv.counts)
    theirs = KeyedVectors(wv.dim)
    theirs.add_vectors(list(ours.index_to_key), ours.vectors.copy())
    ours.fill_norms()
    theirs.fill_norms()
    rng = np.random.default_rng(3)
    new = rng.standard_normal((4, wv.dim)).astype(np.float32)
    for kv_like in (ours, theirs):
        kv_like.add_vectors(["king", "fresh1", "fresh2"], new[:3])       # king kept
        kv_like.add_vectors(["queen", "fresh3"], new[:2] * 2, replace=True)
        kv_like.add_vector("fresh4", new[2] * -1)
        kv_like["w3"] = new[3]                                            # replaces
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    theirs.fill_norms(force=True)
    assert_same(ours.norms, theirs.norms)      # our cache was updated, theirs recomputed
    assert_same(ours.most_similar("fresh1"), theirs.most_similar("fresh1"))
    assert_same(ours.most_similar("queen"), theirs.most_similar("queen"))
    assert_same(ours.most_similar("w3"), theirs.most_similar("w3"))
    assert ours.counts[-4:].tolist() == [0, 0, 0, 0]


# ---------------------------------------------------------------- conversion


def test_to_and_from_gensim_carry_counts(wv):
    kv = wv.to_gensim()
    assert isinstance(kv, KeyedVectors) and kv.vectors is wv.vectors
    assert kv.get_vecattr("king", "count") == wv.counts[wv.get_index("king")]
    back = WordVectors.from_gensim(kv)
    assert back.index_to_key == wv.index_to_key and back.vectors is wv.vectors
    np.testing.assert_array_equal(back.counts, wv.counts)
    own = KeyedVectors(4)
    own.add_vectors(["a", "b"], np.eye(2, 4, dtype=np.float32))
    assert WordVectors.from_gensim(own).counts is None
    with pytest.raises(TypeError, match="gensim KeyedVectors"):
        WordVectors.from_gensim(wv)



def test_glove_text_loads_as_gensim_loads_it(wv, tmp_path):
    """Headerless GloVe text: load_word2vec_format(no_header=True) reads what gensim reads."""
    path = tmp_path / "glove.txt"
    rows = (f"{w} " + " ".join(f"{x:.6f}" for x in v) for w, v in zip(wv.index_to_key[:300],
                                                                       wv.vectors[:300]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ours = WordVectors.load_word2vec_format(path, no_header=True)
    theirs = KeyedVectors.load_word2vec_format(str(path), no_header=True)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)


# ---------------------------------------------------------------- evaluation


def _write_questions(path):
    lines = [": family"]
    lines += [f"{a} {b} {c} {d}" for (a, b) in GENDERED for (c, d) in GENDERED if a != c]
    lines += [": capital-common-countries"]
    lines += [f"{a} {b} {c} {d}".upper() for (a, b) in CAPITALS for (c, d) in CAPITALS if a != c]
    lines += [": gram-oov", "king queen nope nada", "w1 w2 w3", "w1 w2 w3 w4", "Paris France x y",
              "", ": empty-section"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 20])
def test_evaluate_word_analogies(wv, kv, tmp_path, case_insensitive, dummy4unknown,
                                 restrict_vocab):
    path = tmp_path / "questions.txt"
    _write_questions(path)
    kwargs = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                  dummy4unknown=dummy4unknown)
    score, sections = wv.evaluate_word_analogies(path, **kwargs)
    their_score, their_sections = kv.evaluate_word_analogies(str(path), **kwargs)
    assert sections == their_sections
    assert score == pytest.approx(their_score, rel=1e-12)
    if case_insensitive and restrict_vocab > 20:
        assert score > 0.5 and len(sections[0]["correct"]) > 40   # the planted families solve


def _write_pairs(path):
    lines = ["# comment", "king\tqueen\t8.5", "man\twoman\t8.0", "paris\tfrance\t7.5",
             "KING\tw1\t1.0", "w2\tw3\t2.0", "tokyo\tberlin\t5.0", "nope\tking\t3.0",
             "w4\tw5\tmany", "w4\tw5", "Paris\tmadrid\t6.0", "w9\tw10\t0.5"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_word_pairs(wv, kv, tmp_path, case_insensitive, dummy4unknown):
    path = tmp_path / "pairs.tsv"
    _write_pairs(path)
    kwargs = dict(case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)
    (pearson, spearman, oov) = wv.evaluate_word_pairs(path, **kwargs)
    their_pearson, their_spearman, their_oov = kv.evaluate_word_pairs(str(path), **kwargs)
    for ours, theirs in ((pearson, their_pearson), (spearman, their_spearman)):
        assert ours[0] == pytest.approx(theirs[0], abs=1e-6)
        assert ours.pvalue == pytest.approx(theirs[1], rel=1e-4, abs=1e-9)
    assert spearman.correlation == spearman.statistic
    assert oov == pytest.approx(their_oov, rel=1e-12) and oov > 0


def _vectors_for_eval_words(path, seed=11):
    """WordVectors over every token of an evaluation file (lower- and upper-case) + fillers."""
    tokens = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith((":", "#")):
            tokens.update(line.split("\t")[:2] if "\t" in line else line.split())
    words = list(dict.fromkeys(sorted(tokens) + sorted(t.lower() for t in tokens)))
    words += [f"filler{i}" for i in range(500)]
    rng = np.random.default_rng(seed)
    return WordVectors(words, rng.standard_normal((len(words), 32)).astype(np.float32))


@pytest.mark.skipif(not (EVAL_DIR / "questions-words.txt").exists(),
                    reason="../shared/data/eval/questions-words.txt not present")
def test_real_questions_words():
    """All 19,544 questions (about a second with gensim), every spelling in two cases."""
    path = EVAL_DIR / "questions-words.txt"
    wv = _vectors_for_eval_words(path)
    kv = wv.to_gensim()
    for restrict in (300000, 700):
        score, sections = wv.evaluate_word_analogies(path, restrict_vocab=restrict)
        their_score, their_sections = kv.evaluate_word_analogies(str(path),
                                                                 restrict_vocab=restrict)
        assert sections == their_sections and score == pytest.approx(their_score)
        assert sum(len(s["correct"]) + len(s["incorrect"]) for s in sections[:-1]) > 1000


@pytest.mark.skipif(not (EVAL_DIR / "wordsim353.tsv").exists(),
                    reason="../shared/data/eval/wordsim353.tsv not present")
def test_real_wordsim353():
    path = EVAL_DIR / "wordsim353.tsv"
    wv = _vectors_for_eval_words(path)
    kv = wv.to_gensim()
    pearson, spearman, oov = wv.evaluate_word_pairs(path)
    their_pearson, their_spearman, their_oov = kv.evaluate_word_pairs(str(path))
    assert pearson[0] == pytest.approx(their_pearson[0], abs=1e-6)
    assert spearman[0] == pytest.approx(their_spearman[0], abs=1e-6)
    assert oov == pytest.approx(their_oov)


# ---------------------------------------------------------------- the README's script


def _readme_script_and_diff():
    section = (ROOT / "README.md").read_text().split("### From gensim\n", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    diff = re.search(r"```diff\n(.*?)```", section, re.S).group(1)
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
    return script, list(zip(removed, added))


def _run(script, cwd, monkeypatch):
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(script, "readme_script", "exec"), {"__name__": "__readme__"})
    return out.getvalue()


def test_readme_gensim_script_runs_on_pyw2v_after_the_diff(wv, tmp_path, monkeypatch):
    wv.save_word2vec(tmp_path / "vectors.bin", binary=True)
    _write_questions(tmp_path / "questions-words.txt")
    script, changes = _readme_script_and_diff()
    assert "from gensim" in script and len(changes) == 2
    ported = script
    for old, new in changes:
        assert ported.count(old) == 1, f"the diff's line {old!r} is not in the script"
        ported = ported.replace(old, new)
    assert "gensim" not in ported
    with_gensim = _run(script, tmp_path, monkeypatch)
    with_pyw2v = _run(ported, tmp_path, monkeypatch)
    assert with_pyw2v == with_gensim
    assert with_pyw2v.splitlines()[0].startswith("queen ")
