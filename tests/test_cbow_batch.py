"""CBOW's batch kernel (kernel="batch" for model="cbow", the core's "cbow-batch"): its step
agrees with reference.cbow_batch_step on every SIMD path, the twin's gradient is the
block loss's, one-thread training replays train_reference, and bad input is refused."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference
from pyw2v.params import ParameterValueError, TrainingParams

pytestmark = pytest.mark.usefixtures("simd_core")


def _random_windows(rng, count, n_words):
    """count windows of 1..6 context words and a center each; words repeat within and
    across windows, and some center appears twice."""
    windows = [(rng.integers(0, n_words, int(rng.integers(1, 7))).tolist(),
                int(rng.integers(0, n_words))) for _ in range(count)]
    if count > 1:
        windows[-1] = (windows[-1][0], windows[0][1])
    return windows


@pytest.mark.parametrize("dim", [5, 16, 47, 100])
@pytest.mark.parametrize("count", [1, 2, 4, 9])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("locked", [False, True])
def test_block_step_matches_its_twin(dim, count, seed, cbow_mean, locked, random_matrices):
    """Every register-block shape, row tails, repeated words and centers, a negative
    drawn twice and negatives equal to a center (skipped for that window only)."""
    rng = np.random.default_rng(seed * 1000 + dim * 10 + count)
    n_words = 15
    windows = _random_windows(rng, count, n_words)
    center, outside = random_matrices(rng, (n_words, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    negatives = np.array([windows[0][1], *rng.integers(0, n_words, 3), 7, 7], np.int32)
    lock = rng.uniform(0.0, 1.0, n_words).astype(np.float32) if locked else None
    loss = _core.cbow_batch_update(center, outside, [np.array(c, np.int32) for c, _ in windows],
                                   [w for _, w in windows], negatives, 0.1, exact=True,
                                   cbow_mean=cbow_mean, lock_factors=lock)
    ref_loss = reference.cbow_batch_step(ref_center, ref_outside, windows, negatives.tolist(),
                                         0.1, cbow_mean=cbow_mean, lock_factors=lock)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def test_one_window_block_is_the_window_kernels_step(random_matrices):
    """A block of one window is CBOW's window step."""
    center, outside = random_matrices(4, (12, 9), (12, 9))
    twin = center.copy(), outside.copy()
    negatives = np.array([3, 3, 6, 11], np.int32)
    loss = _core.cbow_batch_update(center, outside, [np.array([2, 4, 4], np.int32)], [6],
                                   negatives, 0.1)
    twin_loss = _core.cbow_update(*twin, np.array([2, 4, 4], np.int32), 6, negatives, 0.1)
    np.testing.assert_allclose(center, twin[0], atol=1e-6)
    np.testing.assert_allclose(outside, twin[1], atol=1e-6)
    assert loss == pytest.approx(twin_loss, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_twin_steps_along_the_block_loss_gradient(seed, random_matrices, joint_gradcheck,
                                                  gradcheck_tol):
    """With the sum (cbow_mean=False) the twin's step is -alpha times the gradient of the
    block's loss, the sum of reference.cbow's losses with the shared negatives."""
    rng = np.random.default_rng(seed)
    n_words, alpha = 9, 0.1
    windows = _random_windows(rng, 3, n_words)
    negatives = [windows[1][1], *rng.integers(0, n_words, 3).tolist()]
    V, U = random_matrices(rng, (n_words, 5), (n_words, 5), dtype=np.float64)

    def block(V, U):
        loss = 0.0
        for context, word in windows:
            negs = [w for w in negatives if w != word]
            h = V[context].sum(axis=0)
            loss += reference.neg_sampling_loss_and_gradient(h, word, U, negs)[0]
        moved_V, moved_U = V.copy(), U.copy()
        assert reference.cbow_batch_step(moved_V, moved_U, windows, negatives, alpha,
                                         cbow_mean=False) == pytest.approx(loss)
        return loss, (V - moved_V) / alpha, (U - moved_U) / alpha

    assert joint_gradcheck(block, V, U) < gradcheck_tol


def _planted_sentences(seed=3, n_sentences=300):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    weights = 1.0 / np.arange(1, 41)
    sentences = []
    for _ in range(n_sentences):
        length = int(rng.integers(1, 15))
        sentences.append([words[i] for i in rng.choice(40, size=length, p=weights / weights.sum())])
    return sentences


def _id_sentences(sentences, vocab):
    (chunk,) = list(pyw2v.encode(sentences, vocab).chunks())
    return [chunk.token_ids[a:b].tolist()
            for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]


@pytest.mark.parametrize("batch_windows", [1, 2, 3, 8])
@pytest.mark.parametrize("epochs", [1, 2])
@pytest.mark.parametrize("cbow_mean, shrink_windows, locked", [
    (True, True, False), (False, False, False), (True, True, True)])
def test_one_thread_training_equals_train_reference(batch_windows, epochs, cbow_mean,
                                                    shrink_windows, locked):
    """Same seed, same random stream, exact sigmoid: the compiled lanes are the replay's,
    in a model's first and second training calls; another lane count diverges."""
    sentences = _planted_sentences()
    params = TrainingParams(model="cbow", kernel="batch", dim=8, window=3, negative=4,
                            sample=1e-2, min_count=2, epochs=epochs, alpha=0.05,
                            min_alpha=0.001, seed=11, exact_sigmoid=True, cbow_mean=cbow_mean,
                            shrink_windows=shrink_windows, batch_windows=batch_windows)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    trained = pyw2v.Word2Vec(vocab, params)
    lock = None
    if locked:
        lock = np.random.default_rng(0).uniform(0, 1, len(vocab)).astype(np.float32)
        trained.lock_factors = lock
    twin = trained.center_vectors.astype(np.float64), trained.outside_vectors.astype(np.float64)
    ids = _id_sentences(sentences, vocab)
    replay = dict(model="cbow", kernel="batch", window=3, negative=4, sample=1e-2, alpha=0.05,
                  min_alpha=0.001, epochs=epochs, seed=11, cbow_mean=cbow_mean,
                  shrink_windows=shrink_windows, lock_factors=lock,
                  publish_every=_core.PUBLISH_INTERVAL)
    for call in range(2 if epochs == 1 else 1):
        trained.train(sentences, threads=1)
        ref_losses = reference.train_reference(ids, *twin, vocab.counts, call=call,
                                               batch_windows=batch_windows, **replay)
        assert np.abs(trained.center_vectors - twin[0]).max() < 1e-4
        assert np.abs(trained.outside_vectors - twin[1]).max() < 1e-4
        np.testing.assert_allclose(trained.loss_history[-epochs:], ref_losses, rtol=1e-5)
    assert np.abs(trained.outside_vectors).max() > 0.01
    other = trained.center_vectors.astype(np.float64), trained.outside_vectors.astype(np.float64)
    replay.update(epochs=1)
    reference.train_reference(ids, *other, vocab.counts, batch_windows=batch_windows + 1,
                              **replay)
    assert np.abs(other[1] - trained.outside_vectors).max() > 1e-3


@pytest.mark.parametrize("threads, lanes", [(1, 3), (2, 4), (3, 64)])
def test_every_center_with_a_context_is_predicted_once(threads, lanes, random_matrices):
    """Each thread's lanes take all of its sentences (more lanes than sentences too)."""
    rng = np.random.default_rng(lanes)
    lengths = rng.integers(0, 12, 40)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = rng.integers(0, 12, starts[-1]).astype(np.uint32)
    center, outside = random_matrices(0, (12, 8), (12, 8))
    prob, alias = _core.build_alias_table(np.ones(12))
    trainer = _core.Trainer(center, outside, np.ones(12), prob, alias, kernel="cbow-batch",
                            window=2, negative=3, exact_sigmoid=False, alpha=0.05,
                            min_alpha=0.001, total_words=float(starts[-1]), threads=threads,
                            seed=1, call=0, batch_windows=lanes)
    trainer.train_chunk(tokens, starts)
    assert trainer.predictions == (lengths[lengths > 1]).sum()
    assert trainer.words_done == starts[-1]


def test_a_stop_request_ends_the_lanes(random_matrices):
    """After request_stop() no lane loads another sentence: nothing is trained."""
    center, outside = random_matrices(0, (12, 8), (12, 8))
    before = center.copy()
    prob, alias = _core.build_alias_table(np.ones(12))
    trainer = _core.Trainer(center, outside, np.ones(12), prob, alias, kernel="cbow-batch",
                            window=2, negative=3, exact_sigmoid=False, alpha=0.05,
                            min_alpha=0.001, total_words=100.0, threads=2, seed=1, call=0,
                            batch_windows=4)
    trainer.request_stop()
    trainer.train_chunk(np.arange(100, dtype=np.uint32) % 12, np.arange(0, 101, 10))
    assert trainer.predictions == 0 and trainer.words_done == 0
    np.testing.assert_array_equal(center, before)


def test_trainer_refuses_other_output_layers(random_matrices):
    center, outside = random_matrices(0, (12, 8), (12, 8))
    prob, alias = _core.build_alias_table(np.ones(12))
    with pytest.raises(ValueError, match="negative-sampling only"):
        _core.Trainer(center, outside, np.ones(12), prob, alias, kernel="cbow-batch", window=2,
                      negative=0, exact_sigmoid=False, alpha=0.05, min_alpha=0.001,
                      total_words=10.0, threads=1, seed=1, call=0, softmax=True)


@pytest.mark.parametrize("args, message", [
    (dict(centers=[1, 2]), "same length"),
    (dict(contexts=[]), "same length"),
    (dict(negatives=np.zeros(0, np.int32)), "must not be empty"),
    (dict(negatives=np.array([99], np.int32)), "negatives"),
    (dict(centers=[-1]), "centers"),
    (dict(contexts=[np.zeros(0, np.int32)]), "context must not be empty"),
    (dict(contexts=[np.array([12], np.int32)]), "context=12"),
])
def test_step_refuses_bad_input(args, message, random_matrices):
    center, outside = random_matrices(0, (12, 4), (12, 4))
    call = dict(contexts=[np.array([1, 2], np.int32)], centers=[3],
                negatives=np.array([4, 5], np.int32))
    call.update(args)
    with pytest.raises((ValueError, IndexError), match=message):
        _core.cbow_batch_update(center, outside, call["contexts"], call["centers"],
                                call["negatives"], 0.1)


@pytest.mark.parametrize("overrides, message", [
    (dict(loss="hs", negative=0), "negative-sampling only"),
    (dict(loss="softmax"), "negative-sampling only"),
    (dict(kernel="window", batch_windows=4), "batch_windows=4 needs a batch kernel"),
])
def test_params_refuse_bad_combinations(overrides, message):
    with pytest.raises(ParameterValueError, match=message):
        TrainingParams(**{**dict(model="cbow", kernel="batch"), **overrides})


def test_params_resolve_the_lanes():
    assert TrainingParams(model="cbow", kernel="batch").windows_per_step == \
        pyw2v.params.DEFAULT_CBOW_BATCH_WINDOWS
    assert TrainingParams(model="cbow", kernel="batch", batch_windows=2).windows_per_step == 2
    assert TrainingParams(model="cbow", kernel="batch").core_kernel == "cbow-batch"
    assert TrainingParams(model="cbow").core_kernel == "cbow-batch"   # auto, negative sampling
    assert TrainingParams(model="cbow", loss="hs", negative=0).core_kernel == "window"
