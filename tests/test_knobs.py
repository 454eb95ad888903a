"""The knobs for graphs and recommendations (ns_exponent, cbow_mean, shrink_windows) and the
per-row lock factors: each step and whole one-thread epochs against the reference twin,
each knob changing what it should and nothing else, their checks, saving and the CLI."""
import json
import math
import os

import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference
from pyw2v.cli import main

N_WORDS, DIM = 12, 7
COUNTS = np.array([60, 41, 30, 30, 22, 15, 11, 9, 6, 3, 2, 1], dtype=np.int64)
TREE = _core.build_huffman(COUNTS)
pytestmark = pytest.mark.usefixtures("simd_core")   # every test, on each SIMD path
SHAPES = ((N_WORDS, DIM), (N_WORDS, DIM), (N_WORDS - 1, DIM))
#: Mixed factors: 0 (frozen), 0.5, 1 and one above 1; rows 2 and 4 are frozen.
LOCKS = np.array([1, 0.5, 0, 1, 0, 0.5, 1, 2, 0.5, 1, 0, 1], dtype=np.float32)
NEGATIVES = [3, 3, 6, 11]


# --- one step -----------------------------------------------------------------------

def _step(kernel, compiled, matrices, context, hs, cbow_mean=True, lock_factors=LOCKS):
    """One update (word 6 predicted) with lock factors, compiled or reference; its loss."""
    center, outside, nodes = matrices
    negs = None if hs else NEGATIVES
    if compiled:
        negs = None if negs is None else np.array(negs, np.int32)
        layers = dict(node_vectors=nodes if hs else None, huffman=TREE if hs else None,
                      lock_factors=lock_factors)
        ids = np.array(context, np.int32)
        if kernel == "pair":
            return _core.skipgram_pair_update(center, outside, context[0], 6, negs, 0.1,
                                              **layers)
        if kernel == "window":
            return _core.cbow_update(center, outside, ids, 6, negs, 0.1, cbow_mean=cbow_mean,
                                     **layers)
        return _core.skipgram_batch_update(center, outside, ids, 6, negs, 0.1,
                                           lock_factors=lock_factors)
    layers = dict(node_vectors=nodes if hs else None, tree=TREE if hs else None,
                  lock_factors=lock_factors)
    if kernel == "pair":
        return reference.skipgram_pair_step(center, outside, context[0], 6, negs, 0.1, **layers)
    if kernel == "window":
        return reference.cbow_step(center, outside, context, 6, negs, 0.1, cbow_mean=cbow_mean,
                                   **layers)
    return reference.skipgram_batch_step(center, outside, context, 6, negs, 0.1,
                                         lock_factors=lock_factors)


STEP_CASES = [   # (kernel, context, hs, cbow_mean); rows 2 and 4 are frozen
    ("pair", [1], False, True), ("pair", [2], False, True), ("pair", [1], True, True),
    ("window", [1, 2, 2, 5, 7], False, True), ("window", [1, 2, 2, 5, 7], True, True),
    ("window", [1, 2, 2, 5, 7], False, False), ("window", [1, 2, 2, 5, 7], True, False),
    ("batch", [1, 2, 2, 5, 7, 9, 0], False, True)]


@pytest.mark.parametrize("kernel, context, hs, cbow_mean", STEP_CASES)
def test_locked_steps_match_the_reference(kernel, context, hs, cbow_mean, random_matrices):
    """Compiled and reference steps agree with mixed lock factors (and CBOW's sum); a row
    with factor 0 stays bit-equal, a row with factor 0.5 moves half as far as unlocked."""
    ours = random_matrices(4, *SHAPES, scale=0.3)
    twin = tuple(m.astype(np.float64) for m in ours)
    loss = _step(kernel, True, ours, context, hs, cbow_mean)
    ref_loss = _step(kernel, False, twin, context, hs, cbow_mean)
    for mine, theirs in zip(ours, twin):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    start = random_matrices(4, *SHAPES, scale=0.3)
    touched = sorted(set(context))
    frozen = [w for w in touched if LOCKS[w] == 0]
    moving = [w for w in touched if LOCKS[w] != 0]
    for w in frozen:
        np.testing.assert_array_equal(ours[0][w], start[0][w])
    free = [m.copy() for m in start]
    _step(kernel, True, free, context, hs, cbow_mean, lock_factors=None)
    for w in moving:   # the locked move is the factor times the free one
        np.testing.assert_allclose(ours[0][w] - start[0][w],
                                   LOCKS[w] * (free[0][w] - start[0][w]), atol=2e-6)
    output = 2 if hs else 1
    np.testing.assert_array_equal(ours[output], free[output])     # output rows: never locked
    assert np.abs(ours[output] - start[output]).max() > 1e-3      # ... and they did move


def test_cbow_sum_is_the_mean_times_the_context_size_on_the_input(random_matrices):
    """cbow_mean=False feeds the sum of the context rows: the same step as the mean
    with the context rows scaled by |C| (checked on the loss, which only sees h)."""
    center, outside, _ = random_matrices(5, *SHAPES, scale=0.2)
    context = np.array([1, 3, 5], np.int32)
    summed = _core.cbow_update(center.copy(), outside.copy(), context, 6, None, 0.0,
                               softmax=True, cbow_mean=False)
    h = center[context].astype(np.float64).sum(axis=0)
    expected = -np.log(reference.softmax(outside.astype(np.float64) @ h)[6])
    assert summed == pytest.approx(expected, rel=1e-5)
    mean = _core.cbow_update(center.copy(), outside.copy(), context, 6, None, 0.0,
                             softmax=True)
    assert abs(mean - summed) > 1e-3


# --- whole epochs: the one-thread trainer replays the reference ---------------------------

def _planted_sentences(seed=3, n_sentences=200):
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, 31)
    weights /= weights.sum()
    return [[f"w{i}" for i in rng.choice(30, size=int(rng.integers(1, 14)), p=weights)]
            for _ in range(n_sentences)]


def _id_sentences(sentences, vocab):
    (chunk,) = list(pyw2v.encode(sentences, vocab).chunks())
    return [chunk.token_ids[a:b].tolist()
            for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]


def _mixed_locks(n):
    return np.array([(0.0, 0.5, 1.0)[i % 3] for i in range(n)], dtype=np.float32)


EPOCH_CASES = [   # (model, kernel, loss, negative, knobs)
    ("skipgram", "pair", "negative", 3, dict(ns_exponent=-0.5)),
    ("skipgram", "batch", "negative", 3, dict(ns_exponent=0.0, shrink_windows=False)),
    ("skipgram", "pair", "negative", 3, dict(shrink_windows=False, locks=True)),
    ("skipgram", "batch", "negative", 3, dict(locks=True)),
    ("skipgram", "pair", "hs", 0, dict(locks=True)),
    ("skipgram", "pair", "softmax", 0, dict(locks=True, shrink_windows=False)),
    ("cbow", "window", "negative", 3, dict(cbow_mean=False)),
    ("cbow", "window", "negative", 3, dict(cbow_mean=False, locks=True, ns_exponent=1.0)),
    ("cbow", "window", "hs", 2, dict(shrink_windows=False, locks=True)),
]


@pytest.mark.parametrize("model, kernel, loss, negative, knobs", EPOCH_CASES)
def test_one_thread_trainer_with_knobs_equals_train_reference(model, kernel, loss, negative,
                                                              knobs):
    """Each knob, and the lock factors, replayed: same vectors, same losses, two calls."""
    knobs = dict(knobs)
    locks = knobs.pop("locks", False)
    sentences = _planted_sentences()
    params = pyw2v.TrainingParams(
        model=model, dim=8, window=3, negative=negative, sample=1e-2, min_count=2, epochs=1,
        alpha=0.05 if loss != "softmax" else 0.02, min_alpha=0.001, seed=7, kernel=kernel,
        loss=loss, exact_sigmoid=True, **knobs)
    vocab = pyw2v.build_vocabulary(sentences, min_count=2)
    trained = pyw2v.Word2Vec(vocab, params, lock_factors=_mixed_locks(len(vocab)) if locks
                             else None)
    start = trained.center_vectors.copy()
    twin = [None if m is None else m.astype(np.float64)
            for m in (trained.center_vectors, trained.outside_vectors, trained.node_vectors)]
    ids = _id_sentences(sentences, vocab)
    for call in range(2):
        trained.train(sentences, threads=1)
        ref_losses = reference.train_reference(
            ids, twin[0], twin[1], vocab.counts, model=model, window=3, negative=negative,
            sample=1e-2, alpha=params.alpha, min_alpha=0.001, epochs=1, seed=7, call=call,
            publish_every=_core.PUBLISH_INTERVAL, kernel=kernel, loss=loss,
            node_vectors=twin[2], lock_factors=trained.lock_factors,
            batch_windows=trained.params.windows_per_step, **knobs)
        assert np.abs(trained.center_vectors - twin[0]).max() < 1e-4
        assert np.abs(trained.outside_vectors - twin[1]).max() < 1e-4
        if twin[2] is not None:
            assert np.abs(trained.node_vectors - twin[2]).max() < 1e-4
        np.testing.assert_allclose(trained.loss_history[-1:], ref_losses, rtol=1e-5)
    if locks:
        frozen = trained.lock_factors == 0
        np.testing.assert_array_equal(trained.center_vectors[frozen], start[frozen])
        assert np.abs(trained.center_vectors[~frozen] - start[~frozen]).max() > 1e-3


@pytest.mark.parametrize("knob, value", [("ns_exponent", 0.0), ("ns_exponent", -0.75),
                                         ("shrink_windows", False), ("cbow_mean", False)])
def test_each_knob_changes_training_and_the_replay_sees_it(knob, value):
    """A knob changes the vectors, and a reference run without it does not match (the
    replay test above is sharp for it)."""
    sentences = _planted_sentences()
    model = "cbow" if knob == "cbow_mean" else "skipgram"
    common = dict(model=model, dim=8, window=3, negative=3, sample=1e-2, min_count=2,
                  epochs=1, alpha=0.05, seed=7, exact_sigmoid=True)
    vocab = pyw2v.build_vocabulary(sentences, min_count=2)
    default = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(**common)).train(sentences, threads=1)
    knobbed = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(**common, **{knob: value}))
    twin = [knobbed.center_vectors.astype(np.float64), knobbed.outside_vectors.astype(float)]
    knobbed.train(sentences, threads=1)
    assert np.abs(knobbed.outside_vectors - default.outside_vectors).max() > 1e-2
    reference.train_reference(_id_sentences(sentences, vocab), *twin, vocab.counts,
                              model=model, window=3, negative=3, sample=1e-2, alpha=0.05,
                              epochs=1, seed=7)
    assert np.abs(knobbed.outside_vectors - twin[1]).max() > 1e-2


def test_defaults_are_the_plain_behaviour():
    """The knobs' defaults are word2vec.c's: an all-ones lock vector trains bit for bit
    as no lock vector at all, with several threads too."""
    sentences = _planted_sentences()
    vocab = pyw2v.build_vocabulary(sentences, min_count=2)
    params = pyw2v.TrainingParams(dim=8, min_count=2, epochs=1, seed=3)
    assert (params.ns_exponent, params.cbow_mean, params.shrink_windows) == (0.75, True, True)
    for model in ("skipgram", "cbow"):
        p = pyw2v.TrainingParams(model=model, dim=8, min_count=2, epochs=1, seed=3)
        plain = pyw2v.Word2Vec(vocab, p).train(sentences, threads=1)
        ones = pyw2v.Word2Vec(vocab, p, lock_factors=np.ones(len(vocab), np.float32))
        ones.train(sentences, threads=1)
        np.testing.assert_array_equal(plain.center_vectors, ones.center_vectors)
        np.testing.assert_array_equal(plain.outside_vectors, ones.outside_vectors)


def test_frozen_rows_stay_bit_equal_with_several_threads():
    sentences = _planted_sentences() * 3
    vocab = pyw2v.build_vocabulary(sentences, min_count=2)
    locks = _mixed_locks(len(vocab))
    for model in ("skipgram", "cbow"):
        w2v = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(model=model, dim=16, min_count=2,
                                                         epochs=2), lock_factors=locks)
        start = w2v.center_vectors.copy()
        w2v.train(sentences, threads=2)
        frozen = locks == 0
        np.testing.assert_array_equal(w2v.center_vectors[frozen], start[frozen])
        assert np.abs(w2v.center_vectors[~frozen] - start[~frozen]).max() > 1e-3


# --- checks -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_ns_exponent_must_be_finite(value):
    with pytest.raises(ValueError, match="ns_exponent must be a finite number, got"):
        pyw2v.TrainingParams(ns_exponent=value)
    with pytest.raises(ValueError, match="ns_exponent"):
        pyw2v.train([["a", "b"]] * 5, min_count=1, ns_exponent=value)


@pytest.mark.parametrize("name, value", [("ns_exponent", "0.75"), ("ns_exponent", True),
                                         ("cbow_mean", 1), ("shrink_windows", "no")])
def test_knobs_refuse_the_wrong_type(name, value):
    with pytest.raises(TypeError, match=name):
        pyw2v.TrainingParams(**{name: value})


def test_an_exponent_that_overflows_the_noise_weights_is_refused_by_name():
    vocab = pyw2v.Vocabulary(["a", "b"], np.array([10**9, 5]))
    with pytest.raises(ValueError, match=r"ns_exponent=400\.0 makes count \*\* ns_exponent"):
        vocab.noise_alias_table(400.0)
    prob, _ = vocab.noise_alias_table(-1.0)      # negative: the rare word is drawn more
    assert prob.shape == (2,)
    np.testing.assert_allclose(vocab.noise_distribution(-1.0), [5 / (10**9 + 5),
                                                                10**9 / (10**9 + 5)])


@pytest.mark.parametrize("locks, message", [
    (np.ones(3, np.float32), r"lock_factors has shape \(3,\), expected \(12,\)"),
    (np.ones((12, 1), np.float32), r"lock_factors has shape \(12, 1\), expected \(12,\)"),
    (np.array([1.0] * 11 + [math.nan]), "lock_factors must be finite, got nan at row 11"),
    (np.array([math.inf] + [1.0] * 11), "lock_factors must be finite, got inf at row 0"),
    (["x"] * 12, "lock_factors must be numbers"),
])
def test_lock_factors_are_checked(locks, message, random_matrices):
    center, outside, _ = random_matrices(0, *SHAPES)
    prob, alias = _core.build_alias_table(COUNTS.astype(np.float64) ** 0.75)
    with pytest.raises(ValueError, match=message):
        _core.Trainer(center, outside, np.ones(N_WORDS), prob, alias, kernel="pair", window=2,
                      negative=2, exact_sigmoid=False, alpha=0.05, min_alpha=0.0,
                      total_words=10.0, threads=1, seed=1, call=0, lock_factors=locks)
    with pytest.raises(ValueError, match=message):
        _core.skipgram_pair_update(center, outside, 0, 1, [2], 0.1, lock_factors=locks)
    vocab = pyw2v.Vocabulary([f"w{i}" for i in range(N_WORDS)], COUNTS)
    model = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(dim=DIM))
    with pytest.raises(ValueError, match=message):
        model.lock_factors = locks
    assert model.lock_factors is None


def test_lock_factors_convert_and_negative_values_are_allowed():
    vocab = pyw2v.Vocabulary(["a", "b", "c"], np.array([3, 2, 1]))
    model = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(dim=4), lock_factors=[1, 0, -0.5])
    assert model.lock_factors.dtype == np.float32 and model.lock_factors.flags.c_contiguous
    np.testing.assert_array_equal(model.lock_factors, [1, 0, -0.5])


# --- saving --------------------------------------------------------------------------------

def test_knobs_and_lock_factors_are_saved(tmp_path):
    sentences = _planted_sentences()
    model = pyw2v.train(sentences, model="cbow", dim=8, min_count=2, epochs=1, threads=1,
                        ns_exponent=-0.25, cbow_mean=False, shrink_windows=False)
    model.lock_factors = _mixed_locks(len(model.vocab))
    model.save(tmp_path / "m")
    loaded = pyw2v.load_model(tmp_path / "m")
    assert loaded.params == model.params
    np.testing.assert_array_equal(loaded.lock_factors, model.lock_factors)
    # Trained further, the loaded model is the original trained further.
    model.train(sentences, threads=1)
    loaded.train(sentences, threads=1)
    np.testing.assert_array_equal(loaded.center_vectors, model.center_vectors)


def test_a_model_saved_before_the_knobs_loads_with_their_defaults(tmp_path):
    model = pyw2v.train(_planted_sentences(), dim=8, min_count=2, epochs=1, threads=1)
    model.save(tmp_path / "m")
    assert not os.path.exists(tmp_path / "m" / "lock_factors.npy")
    meta_path = tmp_path / "m" / "model.json"
    meta = json.loads(meta_path.read_text())
    for name in ("ns_exponent", "cbow_mean", "shrink_windows"):
        del meta["params"][name]
    meta_path.write_text(json.dumps(meta))
    loaded = pyw2v.load_model(tmp_path / "m")
    assert loaded.params == model.params and loaded.lock_factors is None


def test_saved_lock_factors_of_the_wrong_shape_are_refused(tmp_path):
    model = pyw2v.train(_planted_sentences(), dim=8, min_count=2, epochs=1, threads=1)
    model.save(tmp_path / "m")
    np.save(tmp_path / "m" / "lock_factors.npy", np.ones(3, np.float32))
    with pytest.raises(pyw2v.FormatError, match="lock_factors"):
        pyw2v.load_model(tmp_path / "m")


# --- the command line ---------------------------------------------------------------------

def test_cli_passes_the_knobs(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _planted_sentences()) + "\n")
    out = tmp_path / "m"
    assert main(["train", str(corpus), "--save-model", str(out), "-cbow", "1", "-size", "8",
                 "-min-count", "2", "-iter", "1", "-threads", "1", "-ns-exponent", "-0.5",
                 "-cbow-mean", "0", "--shrink-windows", "0", "-q"]) == 0
    params = pyw2v.load_model(out).params
    assert (params.ns_exponent, params.cbow_mean, params.shrink_windows) == (-0.5, False, False)


@pytest.mark.parametrize("flags, message", [
    (["--ns-exponent", "nan"], "--ns-exponent must be a finite number"),
    (["-cbow-mean", "2"], "cbow-mean"),
    (["--freeze-pretrained"], "--freeze-pretrained freezes the rows --pretrained FILE"),
    (["--pretrained", "missing.vec"], "--pretrained missing.vec does not exist"),
])
def test_cli_refuses_bad_knobs(flags, message, tmp_path, cli):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    result = cli("train", str(corpus), "-o", str(tmp_path / "v.txt"), "-q", *flags,
                 cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
