"""The native model format: round trips, resuming, atomic and refusing writes, bad files."""
import json
import os

import numpy as np
import pytest

import pyw2v
from pyw2v.synthetic import make_corpus


@pytest.fixture(scope="module")
def sentences():
    return make_corpus(n_sentences=1500, seed=1).sentences


@pytest.fixture(scope="module")
def trained(sentences):
    return pyw2v.train(sentences, dim=12, epochs=1, threads=1, seed=4)


def test_round_trip_keeps_everything(trained, tmp_path):
    trained.save(tmp_path / "m")
    loaded = pyw2v.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.center_vectors, trained.center_vectors)
    np.testing.assert_array_equal(loaded.outside_vectors, trained.outside_vectors)
    np.testing.assert_array_equal(loaded.vocab.counts, trained.vocab.counts)
    assert loaded.vocab.words == trained.vocab.words
    assert loaded.params == trained.params
    np.testing.assert_array_equal(loaded.loss_history, trained.loss_history)
    word = trained.vocab.words[10]
    assert loaded.wv.most_similar(word, topn=3) == trained.wv.most_similar(word, topn=3)


@pytest.mark.parametrize("mmap", [False, True])
def test_training_resumes_after_loading_exactly_as_without_saving(sentences, tmp_path, mmap):
    kept = pyw2v.train(sentences, dim=12, epochs=1, threads=1, seed=4)
    kept.save(tmp_path / "m")
    on_disk = np.load(tmp_path / "m" / "center_vectors.npy")
    kept.train(sentences, epochs=1, threads=1)
    resumed = pyw2v.load_model(tmp_path / "m", mmap=mmap)
    resumed.train(sentences, epochs=1, threads=1)
    np.testing.assert_array_equal(resumed.center_vectors, kept.center_vectors)
    np.testing.assert_array_equal(resumed.loss_history, kept.loss_history)
    # Training a loaded (even memory-mapped) model never changes the saved files.
    np.testing.assert_array_equal(np.load(tmp_path / "m" / "center_vectors.npy"), on_disk)


def test_unicode_words_survive(tmp_path):
    sentences = [["naïve", "café", "日本", "über", "naïve"]] * 10
    model = pyw2v.train(sentences, dim=4, min_count=1, epochs=1, threads=1, sample=0)
    model.save(tmp_path / "u")
    assert pyw2v.load_model(tmp_path / "u").vocab.words == model.vocab.words


def test_existing_path_is_not_replaced_without_asking(trained, tmp_path):
    target = tmp_path / "m"
    trained.save(target)
    stamp = (target / "model.json").read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        trained.save(target)
    assert (target / "model.json").read_bytes() == stamp
    trained.save(target, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["m"]          # no temporary left behind
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a pyw2v model"):
        trained.save(other, overwrite=True)
    assert (other / "mine.txt").read_text() == "keep me"


def _saved(trained, tmp_path):
    path = tmp_path / "m"
    trained.save(path)
    return path


def test_truncated_array_is_reported(trained, tmp_path):
    path = _saved(trained, tmp_path)
    data = (path / "outside_vectors.npy").read_bytes()
    (path / "outside_vectors.npy").write_bytes(data[:-100])
    with pytest.raises(pyw2v.FormatError, match="outside_vectors.npy.*truncated"):
        pyw2v.load_model(path)


def test_forged_shape_is_refused_before_allocating(trained, tmp_path):
    path = _saved(trained, tmp_path)
    meta = json.loads((path / "model.json").read_text())
    meta["params"]["dim"] = 10**9
    (path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(pyw2v.FormatError, match="expected float32"):
        pyw2v.load_model(path)


@pytest.mark.parametrize("mutate, message", [
    (lambda m: "{not json", "not valid JSON"),
    (lambda m: json.dumps({**m, "format": "other"}), "not a pyw2v model"),
    (lambda m: json.dumps({**m, "version": 99}), "version 99"),
    (lambda m: json.dumps({**m, "words": m["words"][:-1]}), "expected"),
    (lambda m: json.dumps({**m, "params": {**m["params"], "window": -3}}), "window"),
    (lambda m: json.dumps({**m, "params": {**m["params"], "colour": 1}}), "colour"),
])
def test_bad_metadata_is_reported(trained, tmp_path, mutate, message):
    path = _saved(trained, tmp_path)
    meta = json.loads((path / "model.json").read_text())
    (path / "model.json").write_text(mutate(meta))
    with pytest.raises(pyw2v.FormatError, match=message):
        pyw2v.load_model(path)


def test_missing_pieces(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        pyw2v.load_model(tmp_path / "nothing")
    path = _saved(trained, tmp_path)
    (path / "counts.npy").unlink()
    with pytest.raises(pyw2v.FormatError, match="counts.npy: missing"):
        pyw2v.load_model(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(pyw2v.FormatError, match="no model.json"):
        pyw2v.load_model(tmp_path / "empty")
