"""End-to-end training: quality on planted structure, determinism, schedule, resume, interrupt."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core


@pytest.mark.parametrize("model_name, kernel, floor", [
    ("skipgram", "pair", 0.9), ("skipgram", "batch", 0.9), ("cbow", "window", 0.8)])
def test_two_threads_learn_planted_analogies(planted, analogy_accuracy, model_name, kernel,
                                             floor):
    model = pyw2v.train(planted.sentences, model=model_name, kernel=kernel, dim=40, epochs=5,
                        threads=2, seed=3)
    assert analogy_accuracy(model, planted.analogies) >= floor
    losses = model.loss_history
    assert losses.dtype == np.float64 and len(losses) == 5
    assert (np.diff(losses) < 0).all(), losses
    assert model.center_vectors.dtype == np.float32 and model.center_vectors.flags.c_contiguous
    assert model.outside_vectors.dtype == np.float32 and model.outside_vectors.flags.c_contiguous


def test_untrained_vectors_do_not_solve_analogies(planted, analogy_accuracy):
    """The accuracy check above is sharp: random vectors score near zero."""
    params = pyw2v.TrainingParams(dim=40)
    vocab = pyw2v.build_vocabulary(planted.sentences, min_count=params.min_count)
    assert analogy_accuracy(pyw2v.Word2Vec(vocab, params), planted.analogies) < 0.05


@pytest.mark.parametrize("model_name", ["skipgram", "cbow"])
def test_one_thread_runs_are_bit_identical(planted, model_name):
    kwargs = dict(model=model_name, dim=20, epochs=2, threads=1, seed=5)
    first = pyw2v.train(planted.sentences, **kwargs)
    second = pyw2v.train(planted.sentences, **kwargs)
    np.testing.assert_array_equal(first.center_vectors, second.center_vectors)
    np.testing.assert_array_equal(first.outside_vectors, second.outside_vectors)
    np.testing.assert_array_equal(first.loss_history, second.loss_history)
    other = pyw2v.train(planted.sentences, **{**kwargs, "seed": 6})
    assert not np.array_equal(first.center_vectors, other.center_vectors)


def test_file_and_token_lists_train_identically(planted, tmp_path):
    path = tmp_path / "corpus.txt"
    planted.write_text(path)
    kwargs = dict(dim=16, epochs=1, threads=1, seed=2)
    from_file = pyw2v.train(str(path), **kwargs)
    from_lists = pyw2v.train(planted.sentences, **kwargs)
    assert from_file.vocab.words == from_lists.vocab.words
    np.testing.assert_array_equal(from_file.center_vectors, from_lists.center_vectors)


def test_learning_rate_decays_linearly_with_words_done(planted):
    snapshots = []
    alpha, min_alpha = 0.04, 0.002
    model = pyw2v.train(planted.sentences, dim=16, epochs=3, threads=2, alpha=alpha,
                        min_alpha=min_alpha, progress=snapshots.append)
    assert snapshots, "the progress callback was never called"
    total = snapshots[-1].total_words
    assert total == 3 * model.vocab.total_words
    for snap in snapshots:
        expected = alpha - (alpha - min_alpha) * snap.words_done / total
        # A thread refreshes its rate once PUBLISH_INTERVAL words have gone by since
        # its last refresh (chunk ends publish words but refresh nothing), so the
        # lowest rate lags by under PUBLISH_INTERVAL words per thread.
        lag = (alpha - min_alpha) * 2 * _core.PUBLISH_INTERVAL / total
        assert expected - 1e-12 <= snap.alpha <= expected + lag + 1e-12
    assert snapshots[-1].words_done == total
    assert min_alpha <= snapshots[-1].alpha <= min_alpha + lag
    assert [s.epoch for s in snapshots] == sorted(s.epoch for s in snapshots)


def test_continued_training_keeps_vocabulary_and_appends_losses(planted):
    model = pyw2v.train(planted.sentences, dim=16, epochs=2, threads=2)
    before = model.center_vectors.copy()
    words = list(model.vocab.words)
    model.train(planted.sentences[:2000] + [["never-seen", "words"]], epochs=1)
    assert model.vocab.words == words
    assert len(model.loss_history) == 3
    assert not np.array_equal(before, model.center_vectors)


def test_interrupt_stops_training_and_leaves_a_usable_model(planted):
    model = pyw2v.train(planted.sentences, dim=16, epochs=1, threads=2)
    calls = []

    def interrupt(progress):
        calls.append(progress)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.train(planted.sentences * 20, epochs=5, progress=interrupt, report_every=0.01)
    assert len(calls) == 1 and calls[0].words_done < calls[0].total_words
    assert np.isfinite(model.center_vectors).all()
    assert len(model.loss_history) == 1          # the interrupted epoch is not recorded
    model.train(planted.sentences, epochs=1)     # and training can go on
    assert len(model.loss_history) == 2


def test_diverging_learning_rate_is_reported():
    rng = np.random.default_rng(0)
    sentences = [[f"w{i}" for i in rng.integers(0, 5, size=20)] for _ in range(200)]
    with pytest.raises(FloatingPointError, match="lower alpha"):
        pyw2v.train(sentences, dim=10, min_count=1, alpha=1e6, min_alpha=1e5, threads=1,
                    sample=0, exact_sigmoid=True)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"model": "glove"}, ValueError, "model must be one of"),
    ({"kernel": "fast"}, ValueError, "kernel must be one of"),
    ({"kernel": "batch", "model": "cbow", "hs": True, "negative": 0}, ValueError,
     "negative-sampling only"),
    ({"kernel": "pair", "model": "cbow"}, ValueError, "kernel='pair' is skip-gram's kernel"),
    ({"kernel": "window"}, ValueError, "kernel='window' is CBOW's"),
    ({"dim": 0}, ValueError, "dim must be in"),
    ({"window": -1}, ValueError, "window must be in"),
    ({"negative": 0}, ValueError, "negative must be >= 1 for negative sampling"),
    ({"epochs": 0}, ValueError, "epochs must be"),
    ({"min_count": 0}, ValueError, "min_count must be"),
    ({"sample": -1e-3}, ValueError, "sample must be"),
    ({"alpha": float("nan")}, ValueError, "alpha must be"),
    ({"min_alpha": 1.0}, ValueError, "min_alpha"),
    ({"threads": 0}, ValueError, "threads must be"),
    ({"dim": 10.5}, TypeError, "dim must be an int"),
    ({"threads": "2"}, TypeError, "threads must be an int"),
])
def test_bad_parameters_are_named(planted, kwargs, error, message):
    with pytest.raises(error, match=message):
        pyw2v.train(planted.sentences[:10], **kwargs)


def test_no_word_reaching_min_count_names_it():
    with pytest.raises(ValueError, match=r"min_count=5 .* occurs 2 times"):
        pyw2v.train([["a", "b", "a"]])


def test_a_corpus_of_single_word_sentences_is_an_error():
    with pytest.raises(ValueError, match="nothing to train"):
        pyw2v.train([["hello"]] * 10, min_count=1)


def test_empty_corpus_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n  \n")
    with pytest.raises(ValueError, match="empty"):
        pyw2v.train(str(path))


def test_auto_kernel_is_batch_with_negative_sampling(planted):
    assert pyw2v.TrainingParams().kernel == "batch"
    assert pyw2v.TrainingParams(model="cbow").kernel == "batch"
    assert pyw2v.TrainingParams(model="cbow", loss="hs", negative=0).kernel == "window"
    model = pyw2v.train(planted.sentences, dim=20, epochs=1, threads=1)
    explicit = pyw2v.train(planted.sentences, dim=20, epochs=1, threads=1, kernel="batch")
    np.testing.assert_array_equal(model.center_vectors, explicit.center_vectors)
    assert model.params.kernel == "batch"
