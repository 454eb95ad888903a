"""Pretrained starts: rows of shared words taken from a word2vec file, frozen or not."""
import numpy as np
import pytest

import pyw2v
from pyw2v.formats import write_word2vec

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "log"],
             ["the", "dog", "ate", "the", "cat", "food"]] * 40


def _file(tmp_path, words, dim=8, seed=0, binary=False, name="pre"):
    vectors = np.random.default_rng(seed).normal(0, 1, (len(words), dim)).astype(np.float32)
    path = tmp_path / f"{name}.{'bin' if binary else 'txt'}"
    write_word2vec(path, words, vectors, binary=binary)
    return path, dict(zip(words, vectors))


def _model(dim=8, model="skipgram"):
    vocab = pyw2v.build_vocabulary(SENTENCES, min_count=1)
    return pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(model=model, dim=dim, min_count=1,
                                                      epochs=2, sample=0))


@pytest.mark.parametrize("binary", [False, True])
def test_shared_rows_are_taken_and_locked(binary, tmp_path):
    path, given = _file(tmp_path, ["cat", "zebra", "dog", "mat"], binary=binary)
    model = _model()
    before = model.center_vectors.copy()
    outside = model.outside_vectors.copy()
    assert model.intersect_word2vec(path) == 3
    for word in ("cat", "dog", "mat"):
        np.testing.assert_array_equal(model.wv[word], given[word])
        assert model.lock_factors[model.vocab.index[word]] == 0.0
    others = [i for w, i in model.vocab.index.items() if w not in given]
    np.testing.assert_array_equal(model.center_vectors[others], before[others])
    assert (model.lock_factors[others] == 1.0).all()
    np.testing.assert_array_equal(model.outside_vectors, outside)
    assert "zebra" not in model.vocab.index


def test_frozen_rows_stay_bit_equal_and_the_others_move(tmp_path):
    path, given = _file(tmp_path, ["cat", "dog", "sat"])
    for kind in ("skipgram", "cbow"):
        model = _model(model=kind)
        model.intersect_word2vec_format(path, lockf=0.0)     # gensim's name
        model.train(SENTENCES, threads=2)
        for word in given:
            np.testing.assert_array_equal(model.wv[word], given[word])
        assert np.abs(model.wv["mat"] - _model(model=kind).wv["mat"]).max() > 1e-3


def test_lockf_one_trains_the_pretrained_rows_and_keeps_the_fast_path(tmp_path):
    path, given = _file(tmp_path, ["cat", "dog"])
    model = _model()
    assert model.intersect_word2vec(path, lockf=1.0) == 2
    assert model.lock_factors is None
    model.train(SENTENCES, threads=1)
    assert np.abs(model.wv["cat"] - given["cat"]).max() > 1e-3


def test_lockf_keeps_other_rows_factors(tmp_path):
    path, _ = _file(tmp_path, ["cat"])
    model = _model()
    model.lock_factors = np.full(len(model.vocab), 0.5, np.float32)
    model.intersect_word2vec(path, lockf=0.25)
    expected = np.full(len(model.vocab), 0.5, np.float32)
    expected[model.vocab.index["cat"]] = 0.25
    np.testing.assert_array_equal(model.lock_factors, expected)


def test_cached_norms_see_the_new_rows(tmp_path):
    path, _ = _file(tmp_path, ["cat", "dog"], seed=4)
    model = _model()
    model.wv.most_similar("cat", topn=1)                  # caches the norms
    model.intersect_word2vec(path)
    ((word, score),) = model.wv.most_similar("cat", topn=1)
    cat, other = model.wv["cat"], model.wv[word]
    assert score == pytest.approx(float(cat @ other / np.linalg.norm(cat)
                                        / np.linalg.norm(other)), abs=1e-5)


def test_a_file_of_another_dimension_is_refused_naming_both(tmp_path):
    path, _ = _file(tmp_path, ["cat", "dog"], dim=5)
    model = _model(dim=8)
    with pytest.raises(ValueError, match=rf"{path}.*holds vectors of dim 5, but the model's "
                                         r"dim is 8"):
        model.intersect_word2vec(path)
    assert model.lock_factors is None


def test_a_file_sharing_no_word_is_refused(tmp_path):
    path, _ = _file(tmp_path, ["zebra", "Cat"])
    with pytest.raises(ValueError, match="shares no word with the model's vocabulary"):
        _model().intersect_word2vec(path)


@pytest.mark.parametrize("lockf", [float("nan"), float("inf"), "0", True])
def test_lockf_must_be_a_finite_number(lockf, tmp_path):
    path, _ = _file(tmp_path, ["cat"])
    with pytest.raises(ValueError, match="lockf must be a finite number"):
        _model().intersect_word2vec(path, lockf=lockf)


@pytest.mark.parametrize("freeze", [False, True])
def test_train_starts_from_a_pretrained_file(freeze, tmp_path):
    path, given = _file(tmp_path, ["cat", "dog", "zebra"])
    model = pyw2v.train(SENTENCES, dim=8, min_count=1, epochs=2, threads=1,
                        pretrained=path, freeze_pretrained=freeze)
    moved = np.abs(model.wv["cat"] - given["cat"]).max()
    assert (moved == 0.0) if freeze else (moved > 1e-3)
    assert (model.lock_factors is not None) == freeze


def test_train_from_a_stream_starts_from_a_pretrained_file(tmp_path):
    path, given = _file(tmp_path, ["cat"])
    lines = (" ".join(s) for s in SENTENCES)
    model = pyw2v.train(lines, dim=8, min_count=1, epochs=1, threads=1, pretrained=path,
                        freeze_pretrained=True)
    np.testing.assert_array_equal(model.wv["cat"], given["cat"])


def test_freeze_without_a_file_is_refused():
    with pytest.raises(ValueError, match="freeze_pretrained=True needs pretrained="):
        pyw2v.train(SENTENCES, dim=8, min_count=1, freeze_pretrained=True)


def test_cli_starts_from_a_pretrained_file(tmp_path, cli):
    path, given = _file(tmp_path, ["cat", "dog"])
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in SENTENCES) + "\n")
    result = cli("train", str(corpus), "--save-model", str(tmp_path / "m"), "-size", "8",
                 "-min-count", "1", "-iter", "1", "-threads", "1", "-q",
                 "-pretrained", str(path), "-freeze-pretrained")
    assert result.returncode == 0, result.stderr
    model = pyw2v.load_model(tmp_path / "m")
    np.testing.assert_array_equal(model.wv["dog"], given["dog"])
    assert model.lock_factors[model.vocab.index["dog"]] == 0.0
    wrong, _ = _file(tmp_path, ["cat"], dim=3, name="wrong")
    result = cli("train", str(corpus), "-o", str(tmp_path / "v.txt"), "-size", "8",
                 "-min-count", "1", "-q", "-pretrained", str(wrong))
    assert result.returncode != 0 and "dim 3, but the model's dim is 8" in result.stderr
