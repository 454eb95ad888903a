"""Training with subwords: the 1-thread replay, the model's vectors, files and errors."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference
from pyw2v.formats import FormatError
from pyw2v.params import ParameterError

WORDS = ["walk", "walks", "walked", "walking", "talk", "talks", "talked", "talking",
         "jump", "jumps", "jumped", "jumping", "the", "a", "dog", "cat"]


def _sentences(seed=3, n_sentences=300):
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    return [[WORDS[i] for i in rng.choice(len(WORDS), size=int(rng.integers(2, 14)), p=weights)]
            for _ in range(n_sentences)]


def _id_sentences(sentences, vocab):
    (chunk,) = list(pyw2v.encode(sentences, vocab).chunks())
    return [chunk.token_ids[a:b].tolist()
            for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]


def _train_and_replay(sentences, params, min_count):
    """Train with one thread and replay the same training with
    reference.train_reference; assert the matrices agree and return the trained
    model, its vocabulary and the reference's per-epoch losses."""
    vocab = pyw2v.build_vocabulary(sentences, min_count=min_count)
    trained = pyw2v.Word2Vec(vocab, params)
    layout = trained.subword_layout
    inputs = np.concatenate([trained.center_vectors, trained.ngram_vectors]).astype(np.float64)
    outside = trained.outside_vectors.astype(np.float64)
    trained.train(sentences, threads=1)
    losses = reference.train_reference(
        _id_sentences(sentences, vocab), inputs, outside, vocab.counts, model=params.model,
        window=params.window, negative=params.negative, sample=params.sample,
        alpha=params.alpha, min_alpha=params.min_alpha, epochs=params.epochs, seed=params.seed,
        ns_exponent=params.ns_exponent, publish_every=_core.PUBLISH_INTERVAL,
        kernel=params.kernel, batch_windows=params.windows_per_step,
        subwords=(layout.part_offsets, layout.part_rows))
    n = len(vocab)
    assert np.abs(trained.center_vectors - inputs[:n]).max() < 1e-4
    assert np.abs(trained.ngram_vectors - inputs[n:]).max() < 1e-4
    assert np.abs(trained.outside_vectors - outside).max() < 1e-4
    return trained, vocab, losses


@pytest.mark.parametrize("model, kernel, batch_windows", [
    ("skipgram", "pair", 1), ("skipgram", "batch", 1), ("skipgram", "batch", 4),
    ("cbow", "batch", 1), ("cbow", "batch", 4)])
@pytest.mark.parametrize("subwords", [(3, 6), (1, 2)])
def test_one_thread_training_equals_train_reference(model, kernel, batch_windows, subwords):
    params = pyw2v.TrainingParams(model=model, dim=8, window=3, negative=4, sample=1e-2,
                                  min_count=2, kernel=kernel,
                                  epochs=2, alpha=0.05, min_alpha=0.001, seed=11,
                                  exact_sigmoid=True, batch_windows=batch_windows,
                                  subwords=subwords, buckets=1000)
    trained, vocab, ref_losses = _train_and_replay(_sentences(), params, min_count=2)
    np.testing.assert_allclose(trained.loss_history, ref_losses, rtol=1e-5)
    assert np.abs(trained.ngram_vectors - pyw2v.Word2Vec(vocab, params).ngram_vectors).max() > 1e-3


@pytest.mark.parametrize("window", [1, 40, 1000])
def test_the_cached_inputs_hold_any_window(window):
    """The batch kernel's ring of composed inputs serves the narrowest window and the
    widest (params' limit, far wider than these sentences): the 1-thread run
    replays the reference."""
    params = pyw2v.TrainingParams(dim=8, window=window, negative=3, sample=0, min_count=1,
                                  epochs=1, seed=2, exact_sigmoid=True, subwords=(2, 4),
                                  buckets=500)
    _train_and_replay(_sentences(seed=5, n_sentences=60), params, min_count=1)


def test_subwords_default_to_fasttexts_noise_exponent():
    assert pyw2v.TrainingParams(subwords=(3, 6)).ns_exponent == 0.5
    assert pyw2v.TrainingParams().ns_exponent == 0.75
    assert pyw2v.TrainingParams(subwords=(3, 6), ns_exponent=0.75).ns_exponent == 0.75


def test_the_vectors_are_the_composed_ones_and_unseen_words_get_theirs():
    model = pyw2v.train(_sentences(), dim=16, min_count=2, epochs=3, threads=1,
                        subwords=(3, 5), buckets=5000)
    wv = model.wv
    assert isinstance(wv, pyw2v.SubwordVectors) and len(wv) == len(model.vocab)
    layout = model.subword_layout
    inputs = np.concatenate([model.center_vectors, model.ngram_vectors])
    i = wv.get_index("walking")
    np.testing.assert_allclose(wv["walking"], inputs[layout.parts(i)].mean(axis=0), rtol=1e-5)
    assert "swimming" not in wv
    rows = wv.ngram_rows("walker")   # "<wa", "wal", "alk", ... are shared with "walk*"
    assert len(rows) > 0
    np.testing.assert_allclose(wv["walker"], model.ngram_vectors[rows].mean(axis=0), rtol=1e-5)
    assert [w for w, _ in wv.most_similar("walker", topn=3)]


def test_a_saved_model_keeps_its_ngram_rows(tmp_path):
    model = pyw2v.train(_sentences(), dim=8, min_count=2, epochs=1, threads=1,
                        subwords=(3, 6), buckets=7919)
    model.save(tmp_path / "m")
    loaded = pyw2v.load_model(tmp_path / "m")
    assert loaded.params.subwords == (3, 6) and loaded.params.buckets == 7919
    np.testing.assert_array_equal(loaded.ngram_vectors, model.ngram_vectors)
    np.testing.assert_array_equal(loaded.wv["walker"], model.wv["walker"])
    loaded.train(_sentences(4), epochs=1, threads=1)   # and trains on
    assert not np.array_equal(loaded.ngram_vectors, model.ngram_vectors)


def test_a_saved_model_with_foreign_ngram_buckets_is_refused(tmp_path):
    model = pyw2v.train(_sentences(), dim=8, min_count=2, epochs=1, threads=1,
                        subwords=(3, 6), buckets=7919)
    model.save(tmp_path / "m")
    buckets = np.load(tmp_path / "m" / "ngram_buckets.npy")
    np.save(tmp_path / "m" / "ngram_buckets.npy", buckets[::-1].copy())
    with pytest.raises(FormatError, match="n-gram rows"):
        pyw2v.load_model(tmp_path / "m")


def test_only_the_hit_buckets_are_allocated():
    model = pyw2v.train(_sentences(), dim=8, min_count=2, epochs=1, threads=1,
                        subwords=(3, 6), buckets=2_000_000)
    hit = {b for w in model.vocab.words for b in reference.ngram_buckets(w, 3, 6, 2_000_000)}
    assert model.ngram_vectors.shape == (len(hit), 8)


@pytest.mark.parametrize("keywords, match", [
    (dict(model="cbow", kernel="window"), "pair or batch"),
    (dict(hs=True, negative=0), "pair or batch"),
    (dict(hs=True, negative=5), "pair or batch"),
    (dict(subwords=(4, 2)), "1 <= minn <= maxn"),
    (dict(subwords=3), "pair .minn, maxn."),
    (dict(buckets=0), "buckets"),
])
def test_bad_subword_settings_are_clear_errors(keywords, match):
    with pytest.raises(ParameterError, match=match):
        pyw2v.train(_sentences(), min_count=2, **{"subwords": (3, 6), **keywords})


def test_lock_factors_and_update_vocab_are_refused_with_subwords(tmp_path):
    model = pyw2v.train(_sentences(), dim=8, min_count=2, epochs=1, threads=1,
                        subwords=(3, 6), buckets=1000)
    with pytest.raises(ValueError, match="lock factors do not combine"):
        model.lock_factors = np.zeros(len(model.vocab), np.float32)
    with pytest.raises(ValueError, match="update_vocab"):
        model.update_vocab(_sentences(5))
