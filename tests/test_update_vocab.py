"""Word2Vec.update_vocab: growing a trained model's vocabulary, then training old and new words."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import pyw2v
from pyw2v import params as params_module
from pyw2v.formats import FormatError
from pyw2v.vocab import Vocabulary

TOPICS, OLD_PER_TOPIC = 5, 6


def topic_corpus(seed: int, n_sentences: int, new_words: bool) -> list[list[str]]:
    """Sentences drawn from one topic each: topic t's words are t0w0..t0w5 (and, with
    new_words, the new word new{t}), so words of a topic share their contexts."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        topic = int(rng.integers(TOPICS))
        words = [f"t{topic}w{i}" for i in range(OLD_PER_TOPIC)]
        if new_words:
            words += [f"new{topic}"] * 2
        sentences.append([words[i] for i in rng.integers(len(words), size=8)])
    return sentences


OLD = topic_corpus(0, 1500, new_words=False)
NEW = topic_corpus(1, 1500, new_words=True)
NEW_WORDS = [f"new{t}" for t in range(TOPICS)]
SETTINGS = dict(dim=16, min_count=5, sample=0.0, epochs=2, threads=1, seed=3)


def trained(**overrides) -> pyw2v.Word2Vec:
    return pyw2v.train(OLD, **{**SETTINGS, **overrides})


def snapshot(model: pyw2v.Word2Vec) -> dict[str, np.ndarray]:
    arrays = {"center": model.center_vectors.copy(), "outside": model.outside_vectors.copy()}
    if model.node_vectors is not None:
        arrays["nodes"] = model.node_vectors.copy()
    return arrays


def topic_similarity(model: pyw2v.Word2Vec, topic: int, other: int) -> float:
    """Mean cosine of new{topic} with the old words of topic `other`."""
    wv = model.wv
    return float(np.mean([wv.similarity(f"new{topic}", f"t{other}w{i}")
                          for i in range(OLD_PER_TOPIC)]))


# ---------------------------------------------------------------- Vocabulary.grown

def test_grown_adds_counts_of_known_words_and_appends_new_ones_in_from_counts_order():
    vocab = Vocabulary(["a", "b", "c"], [9, 5, 2])
    grown = vocab.grown({"b": 4, "z": 3, "y": 3, "x": 7, "rare": 1}, min_count=3)
    assert grown.words == ["a", "b", "c", "x", "y", "z"]        # old ids first, kept
    assert grown.counts.tolist() == [9, 9, 2, 7, 3, 3]          # b: 5 + 4, unseen a, c as they were
    assert [grown.index[w] for w in vocab.words] == [0, 1, 2]
    assert vocab.words == ["a", "b", "c"] and vocab.counts.tolist() == [9, 5, 2]   # untouched


def test_grown_vocabulary_is_not_sorted_and_its_tables_still_follow_the_counts():
    grown = Vocabulary(["a", "b"], [5, 4]).grown({"hot": 50}, min_count=1)
    assert grown.words == ["a", "b", "hot"]
    keep = grown.keep_probabilities(0.01)
    assert keep[2] < keep[0] < 1.0                               # the frequent new word is cut most
    assert np.argmax(grown.noise_distribution()) == 2
    starts, _, _ = grown.huffman_tree()
    assert np.argmin(np.diff(starts)) == 2                       # shortest code: the most frequent


# ---------------------------------------------------------------- rows and counts

@pytest.mark.parametrize("options", [{}, {"model": "cbow"}, {"hs": True, "negative": 0}],
                         ids=["skipgram", "cbow", "hs"])
def test_existing_rows_stay_bit_identical_and_new_rows_are_fresh(options):
    model = trained(**options)
    before, old_vocab = snapshot(model), model.vocab
    added = model.update_vocab(NEW)
    assert added == TOPICS
    assert model.vocab.words[:len(old_vocab)] == old_vocab.words
    assert sorted(model.vocab.words[len(old_vocab):]) == NEW_WORDS
    n, dim = len(old_vocab), SETTINGS["dim"]
    assert np.array_equal(model.center_vectors[:n], before["center"])
    assert np.array_equal(model.outside_vectors[:n], before["outside"])
    expected = (np.random.default_rng((SETTINGS["seed"], n)).random((added, dim), dtype=np.float32)
                - 0.5) / np.float32(dim)
    assert np.array_equal(model.center_vectors[n:], expected)
    assert not model.outside_vectors[n:].any()
    for matrix in (model.center_vectors, model.outside_vectors):
        assert matrix.dtype == np.float32 and matrix.flags.c_contiguous
    if "nodes" in before:
        assert model.node_vectors.shape == (len(model.vocab) - 1, dim)
        assert np.array_equal(model.node_vectors[:n - 1], before["nodes"])
        assert not model.node_vectors[n - 1:].any()


def test_known_words_counts_grow_by_their_new_counts():
    model = trained()
    old = dict(zip(model.vocab.words, model.vocab.counts.tolist()))
    model.update_vocab(NEW)
    new = {}
    for sentence in NEW:
        for word in sentence:
            new[word] = new.get(word, 0) + 1
    for word, count in old.items():
        assert model.vocab.counts[model.vocab.index[word]] == count + new.get(word, 0)


def test_the_same_update_of_the_same_model_gives_the_same_rows():
    first, second = trained(), trained()
    first.update_vocab(NEW)
    second.update_vocab(NEW)
    assert np.array_equal(first.center_vectors, second.center_vectors)
    third = trained(seed=4)
    third.update_vocab(NEW)
    n = len(third.vocab) - TOPICS
    assert not np.array_equal(first.center_vectors[n:], third.center_vectors[n:])


def test_min_count_decides_which_new_words_enter():
    model = trained()
    rare = [["brandnew", "t0w0"]] * 3 + [["once", "t0w1"]]
    assert model.update_vocab(rare, min_count=3) == 1
    assert "brandnew" in model.vocab.index and "once" not in model.vocab.index
    with pytest.raises(ValueError, match="min_count must be an int >= 1, got 0"):
        model.update_vocab(rare, min_count=0)


def test_model_min_count_is_the_default():
    model = trained(min_count=4)
    with pytest.warns(UserWarning, match="min_count=4"):
        assert model.update_vocab([["fresh", "t0w0"]] * 3) == 0
    assert model.update_vocab([["fresh", "t0w0"]] * 4) == 1


def test_lock_factors_grow_by_ones_for_the_new_rows():
    model = trained()
    n = len(model.vocab)
    model.lock_factors = np.full(n, 0.5, dtype=np.float32)
    model.update_vocab(NEW)
    assert model.lock_factors.dtype == np.float32
    assert model.lock_factors.tolist() == [0.5] * n + [1.0] * TOPICS


# ---------------------------------------------------------------- the vectors and training

def test_wv_sees_the_new_words_at_once():
    model = trained()
    old_wv = model.wv
    model.update_vocab(NEW)
    assert "new0" in model.wv and "new0" not in old_wv
    assert len(model.wv) == len(model.vocab)
    assert np.array_equal(model.wv["new0"], model.center_vectors[model.vocab.index["new0"]])


@pytest.mark.parametrize("options", [{}, {"model": "cbow"}, {"hs": True, "negative": 0}],
                         ids=["skipgram", "cbow", "hs"])
def test_training_after_the_update_places_new_words_among_their_topic(options):
    model = trained(**options)
    model.update_vocab(NEW)
    n = len(model.vocab) - TOPICS
    fresh = model.center_vectors[n:].copy()
    untrained = [topic_similarity(model, t, t) for t in range(TOPICS)]
    model.train(NEW, threads=1, epochs=3)
    assert np.abs(model.center_vectors[n:] - fresh).min(axis=1).max() > 0     # every new row moved
    for topic in range(TOPICS):
        own = topic_similarity(model, topic, topic)
        others = max(topic_similarity(model, topic, o) for o in range(TOPICS) if o != topic)
        assert own > untrained[topic] + 0.5
        assert own > others + 0.3


def test_training_after_the_update_is_bit_reproducible_with_one_thread():
    runs = []
    for _ in range(2):
        model = trained()
        model.update_vocab(NEW)
        model.train(NEW, threads=1)
        runs.append(snapshot(model))
    assert all(np.array_equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_restrict_vocab_takes_the_first_rows_so_new_words_come_last():
    model = trained()
    model.update_vocab(NEW)
    model.train(NEW, threads=1)
    n = len(model.vocab) - TOPICS
    near = [w for w, _ in model.wv.most_similar("t0w0", topn=n, restrict_vocab=n)]
    assert not any(w.startswith("new") for w in near)
    assert "new0" in [w for w, _ in model.wv.most_similar("t0w0", topn=len(model.vocab))]


# ---------------------------------------------------------------- saving

@pytest.mark.parametrize("options", [{}, {"hs": True}], ids=["negative", "hs"])
def test_a_grown_model_saves_loads_and_trains_again(tmp_path, options):
    model = trained(**options)
    model.update_vocab(NEW)
    model.train(NEW, threads=1)
    model.save(tmp_path / "grown")
    loaded = pyw2v.load_model(tmp_path / "grown")
    assert loaded.vocab == model.vocab                      # same order: not re-sorted
    assert sorted(loaded.vocab.words[-TOPICS:]) == NEW_WORDS
    for name, array in snapshot(model).items():
        assert np.array_equal(array, snapshot(loaded)[name])
    loaded.train(NEW, threads=1)
    model.train(NEW, threads=1)
    assert np.array_equal(loaded.center_vectors, model.center_vectors)
    assert loaded.update_vocab([["later", "t1w1"]] * 5) == 1


def test_a_saved_model_whose_matrix_has_another_dim_names_both(tmp_path):
    model = trained()
    model.update_vocab(NEW)
    model.save(tmp_path / "m")
    np.save(tmp_path / "m" / "center_vectors.npy",
            np.zeros((len(model.vocab), 8), dtype=np.float32))
    with pytest.raises(FormatError, match=rf"\({len(model.vocab)}, 8\).*\({len(model.vocab)}, 16\)"):
        pyw2v.load_model(tmp_path / "m")


# ---------------------------------------------------------------- bad input

def test_a_corpus_of_known_words_adds_nothing_with_a_warning_but_counts_grow():
    model = trained()
    before, counts = snapshot(model), model.vocab.counts.copy()
    with pytest.warns(UserWarning, match="no new word reaches min_count=5"):
        assert model.update_vocab(OLD) == 0
    assert np.array_equal(model.vocab.counts, 2 * counts)
    for name, array in before.items():
        assert np.array_equal(array, snapshot(model)[name])
    model.train(OLD, threads=1)                        # and it trains as before


def unchanged_after(model: pyw2v.Word2Vec, error, match: str, corpus) -> None:
    """update_vocab(corpus) raises `error` and leaves the model as it was."""
    vocab, before = model.vocab, snapshot(model)
    with pytest.raises(error, match=match):
        model.update_vocab(corpus)
    assert model.vocab is vocab
    for name, array in before.items():
        assert np.array_equal(array, snapshot(model)[name])


def test_an_encoded_corpus_is_refused_whatever_its_vocabulary():
    model = trained()
    other = pyw2v.encode(NEW, pyw2v.build_vocabulary(NEW, min_count=1))
    unchanged_after(model, TypeError, rf"EncodedCorpus.*own vocabulary \({len(other.vocab)} words\)",
                    other)
    unchanged_after(model, TypeError, "EncodedCorpus", pyw2v.encode(NEW, model.vocab))


def test_a_stream_is_refused_with_the_way_out(tmp_path):
    model = trained()
    lines = (" ".join(s) for s in NEW)
    unchanged_after(model, TypeError, "stream.*write it to a file and pass the path", lines)
    unchanged_after(model, TypeError, "stream", pyw2v.LineStream([" ".join(s) for s in NEW]))
    path = tmp_path / "new.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in NEW))
    assert model.update_vocab(str(path)) == TOPICS          # the file works


def test_an_empty_corpus_is_an_error():
    unchanged_after(trained(), ValueError, "the corpus is empty", [])


def test_a_matrix_of_another_dim_names_both_dims():
    model = trained()
    model.center_vectors = np.zeros((len(model.vocab), 8), dtype=np.float32)
    with pytest.raises(ValueError, match=r"center_vectors has shape .* \(dim 8\).*params.dim is 16"):
        model.update_vocab(NEW)
    assert "new0" not in model.vocab.index


def test_softmax_refuses_to_grow_past_its_limit(monkeypatch):
    model = trained(loss="softmax", negative=0)
    monkeypatch.setattr(params_module, "SOFTMAX_MAX_VOCAB", len(model.vocab) + 1)
    unchanged_after(model, pyw2v.ParameterError, "softmax.*limited to", NEW)
    monkeypatch.setattr(params_module, "SOFTMAX_MAX_VOCAB", len(model.vocab) + TOPICS)
    assert model.update_vocab(NEW) == TOPICS


def test_model_directory_meta_keeps_the_grown_order(tmp_path):
    model = trained()
    model.update_vocab(NEW)
    model.save(tmp_path / "m")
    with open(os.path.join(tmp_path / "m", "model.json"), encoding="utf-8") as fh:
        assert json.load(fh)["words"] == model.vocab.words


def test_a_grown_vocabulary_file_loads_sorted_by_count_with_the_same_counts(tmp_path):
    grown = Vocabulary(["a", "b"], [5, 4]).grown({"hot": 50}, min_count=1)
    grown.save(tmp_path / "vocab.txt")
    loaded = Vocabulary.load(tmp_path / "vocab.txt")
    assert loaded.words == ["hot", "a", "b"]
    assert dict(zip(loaded.words, loaded.counts.tolist())) == {"a": 5, "b": 4, "hot": 50}


def test_a_memory_mapped_model_grows_in_memory_and_leaves_its_files(tmp_path):
    model = trained()
    model.save(tmp_path / "m")
    on_disk = (tmp_path / "m" / "center_vectors.npy").read_bytes()
    mapped = pyw2v.load_model(tmp_path / "m", mmap=True)
    assert mapped.update_vocab(NEW) == TOPICS
    mapped.train(NEW, threads=1)
    assert (tmp_path / "m" / "center_vectors.npy").read_bytes() == on_disk
    assert not isinstance(mapped.center_vectors, np.memmap)
