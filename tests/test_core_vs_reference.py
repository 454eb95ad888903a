"""The compiled core agrees with pyw2v.reference: single updates, samplers, whole epochs."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference


def _matrices(seed, n_words=12, dim=7):
    rng = np.random.default_rng(seed)
    center = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    outside = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    return center, outside


NEGATIVE_CASES = [
    [3, 4, 5],
    [3, 3, 3, 9],          # repeated negatives count once per draw
    [1, 2, 1, 8, 0],       # negatives equal to the outside word (1) are skipped
    [1, 1],                # every negative hits the outside word
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("negatives", NEGATIVE_CASES)
def test_skipgram_pair_update_matches_reference_sgd_step(seed, negatives):
    center, outside = _matrices(seed)
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    alpha = 0.1
    loss = _core.skipgram_pair_update(center, outside, 6, 1, np.array(negatives, np.int32),
                                      alpha, exact=True)
    ref_loss = reference.skipgram_pair_step(ref_center, ref_outside, 6, 1, negatives, alpha)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    # Something actually moved, in both.
    assert not np.allclose(ref_center, _matrices(seed)[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("context", [[0], [0, 2, 5, 7], [4, 4, 9]])
def test_cbow_update_matches_reference_sgd_step(seed, context):
    center, outside = _matrices(seed)
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    negatives = [3, 3, 6, 11]   # includes the center word 6: skipped
    alpha = 0.05
    loss = _core.cbow_update(center, outside, np.array(context, np.int32), 6,
                             np.array(negatives, np.int32), alpha, exact=True)
    ref_loss = reference.cbow_step(ref_center, ref_outside, context, 6, negatives, alpha)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def _batch_update_matches_reference(center, outside, context, negatives, alpha=0.05):
    """Apply the compiled batch step for center word 6 in place and assert it equals
    reference.skipgram_batch_step (exact sigmoid, 1e-5); return the reference's U."""
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    loss = _core.skipgram_batch_update(center, outside, np.array(context, np.int32), 6,
                                       np.array(negatives, np.int32), alpha, exact=True)
    ref_loss = reference.skipgram_batch_step(ref_center, ref_outside, context, 6, negatives,
                                             alpha)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    return ref_outside


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("context, negatives", [
    ([0], [3, 4]),
    ([0, 2, 5, 7], [3, 3, 9]),         # a negative drawn twice
    ([4, 4, 9, 1], [6, 1, 11, 6]),     # a repeated context word; negatives equal to the center
])
def test_skipgram_batch_update_matches_reference(seed, context, negatives):
    center, outside = _matrices(seed)
    ref_outside = _batch_update_matches_reference(center, outside, context, negatives)
    assert np.abs(ref_outside - _matrices(seed)[1])[6].max() > 1e-3   # the center's row moved


@pytest.mark.parametrize("dim", [1, 5, 8, 13, 16, 24, 100, 301])
@pytest.mark.parametrize("n_context, n_negatives", [(1, 1), (3, 2), (5, 7), (10, 5), (8, 15)])
def test_skipgram_batch_update_matches_reference_across_block_shapes(dim, n_context,
                                                                    n_negatives):
    """Every register-block shape and row tail of the dense window products:
    rows not a multiple of 8 (or 16), more context rows or targets than one block."""
    rng = np.random.default_rng(dim * 100 + n_context * 10 + n_negatives)
    n_words = 40
    center = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    outside = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    before = center.copy(), outside.copy()
    context = rng.integers(0, n_words, n_context).tolist()
    negatives = rng.integers(0, 12, n_negatives).tolist()   # small range: repeats likely
    _batch_update_matches_reference(center, outside, context, negatives)
    # Every context row and the center's output row moved; untouched rows did not.
    assert (np.abs(center - before[0])[context].max(axis=1) > 0).all()
    assert np.abs(outside - before[1])[6].max() > 0
    untouched = np.setdiff1d(np.arange(n_words), context)
    np.testing.assert_array_equal(center[untouched], before[0][untouched])
    untouched = np.setdiff1d(np.arange(n_words), [6] + negatives)
    np.testing.assert_array_equal(outside[untouched], before[1][untouched])


def test_table_mode_agrees_to_the_table_resolution():
    center, outside = _matrices(5)
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    alpha = 0.1
    _core.skipgram_pair_update(center, outside, 2, 3, np.array([4, 5, 6], np.int32),
                               alpha, exact=False)
    reference.skipgram_pair_step(ref_center, ref_outside, 2, 3, [4, 5, 6], alpha)
    # A bin is 12/1000 wide and sigma' <= 1/4: each coefficient is off by <= alpha * 0.0015.
    step = alpha * 0.25 * (2 * _core.SIGMOID_MAX_EXP / _core.SIGMOID_TABLE_BINS) / 2
    bound = 4 * step * np.abs(outside).max() + 1e-6
    assert np.abs(center - ref_center).max() <= bound
    assert np.abs(outside - ref_outside).max() <= 4 * step * np.abs(center).max() + 1e-6


def test_sigmoid_table_and_exact_mode():
    x = np.linspace(-8, 8, 4001).astype(np.float32)
    exact = reference.sigmoid(x.astype(np.float64))
    np.testing.assert_allclose(_core.sigmoid_lookup(x, exact=True), exact, atol=1e-12)
    table = _core.sigmoid_lookup(x, exact=False)
    inside = np.abs(x) < _core.SIGMOID_MAX_EXP
    half_bin = _core.SIGMOID_MAX_EXP / _core.SIGMOID_TABLE_BINS
    assert np.abs(table - exact)[inside].max() <= 0.25 * half_bin + 1e-7
    assert (table[x >= 6] == 1.0).all() and (table[x <= -6] == 0.0).all()
    log_table = _core.sigmoid_lookup(x, exact=False, log_sigmoid=True)
    log_exact = reference.log_sigmoid(x.astype(np.float64))
    assert np.abs(log_table - log_exact)[inside].max() <= half_bin + 1e-7
    # Beyond the table, -log sigma(x) ~ -x for x << 0: off by at most log(1 + e^-6).
    assert np.abs(log_table - log_exact)[~inside].max() <= np.log1p(np.exp(-6)) + 1e-7


def test_alias_table_matches_reference_bit_for_bit():
    counts = np.random.default_rng(0).zipf(1.3, size=5000).astype(np.float64) ** 0.75
    prob, alias = _core.build_alias_table(counts)
    ref_prob, ref_alias = reference.alias_table(counts)
    np.testing.assert_array_equal(prob, ref_prob)
    np.testing.assert_array_equal(alias, ref_alias)


def _chi_square(observed, expected_prob):
    expected = expected_prob * observed.sum()
    return float(((observed - expected) ** 2 / expected).sum())


def test_negative_samples_follow_count_to_the_three_quarters():
    counts = np.array([5000, 1200, 800, 300, 120, 60, 30, 10, 7, 5, 5, 5], dtype=np.int64)
    vocab = pyw2v.Vocabulary([f"w{i}" for i in range(len(counts))], counts)
    prob, alias = vocab.noise_alias_table()
    draws = _core.draw_noise(prob, alias, 400_000, 12345)
    observed = np.bincount(draws, minlength=len(counts)).astype(np.float64)
    df = len(counts) - 1
    # chi-square with 11 degrees of freedom: P(> 40) is about 3e-5.
    assert _chi_square(observed, vocab.noise_distribution()) < 40
    # The test can fail: the plain unigram distribution is rejected by a mile.
    assert _chi_square(observed, counts / counts.sum()) > 1000 * df


def test_noise_draws_match_the_reference_stream():
    counts = np.array([50, 20, 9, 9, 3, 1], dtype=np.float64) ** 0.75
    prob, alias = _core.build_alias_table(counts)
    rng = reference.SplitMix64(99)
    expected = [rng.noise(prob, alias) for _ in range(2000)]
    np.testing.assert_array_equal(_core.draw_noise(prob, alias, 2000, 99), expected)


def test_subsampling_keep_rates_follow_word2vec_formula():
    counts = np.array([200_000, 50_000, 10_000, 2_000, 500, 100], dtype=np.int64)
    vocab = pyw2v.Vocabulary([f"w{i}" for i in range(len(counts))], counts)
    sample = 1e-3
    keep = vocab.keep_probabilities(sample)
    np.testing.assert_array_equal(keep, reference.keep_probabilities(counts, sample))
    f, threshold = counts.astype(float), sample * counts.sum()
    np.testing.assert_allclose(keep, np.minimum(1, (np.sqrt(f / threshold) + 1) * threshold / f))
    assert keep[0] < 0.2 and keep[-1] == 1.0
    tokens = np.repeat(np.arange(len(counts), dtype=np.uint32), 100_000)
    mask = _core.subsample(tokens, keep, 7)
    rates = mask.reshape(len(counts), -1).mean(axis=1)
    tolerance = 5 * np.sqrt(keep * (1 - keep) / 100_000) + 1e-12
    assert (np.abs(rates - keep) <= tolerance).all()
    np.testing.assert_array_equal(vocab.keep_probabilities(0.0), np.ones(len(counts)))


def _planted_sentences(seed=3, n_sentences=300):
    """A small corpus with skewed frequencies and some structure."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    weights = 1.0 / np.arange(1, 41)
    weights /= weights.sum()
    sentences = []
    for _ in range(n_sentences):
        length = int(rng.integers(1, 15))
        sentences.append([words[i] for i in rng.choice(40, size=length, p=weights)])
    return sentences


@pytest.mark.parametrize("model, kernel, loss, negative", [
    ("skipgram", "pair", "negative", 4), ("cbow", "window", "negative", 4),
    ("skipgram", "batch", "negative", 4),
    ("skipgram", "pair", "hs", 0), ("cbow", "window", "hs", 0),      # hierarchical softmax
    ("skipgram", "pair", "hs", 4), ("cbow", "window", "hs", 4),      # ... with negative sampling
    ("skipgram", "pair", "softmax", 0), ("cbow", "window", "softmax", 0),
])
@pytest.mark.parametrize("epochs", [1, 2])
def test_one_thread_trainer_equals_train_reference(model, kernel, loss, negative, epochs):
    """Same seed, same random stream, exact sigmoid: the compiled epoch is the reference's."""
    sentences = _planted_sentences()
    kwargs = dict(model=model, dim=8, window=3, negative=negative, sample=1e-2, min_count=2,
                  epochs=epochs, alpha=0.05, min_alpha=0.001, seed=11, kernel=kernel,
                  loss=loss)
    params = pyw2v.TrainingParams(exact_sigmoid=True, **kwargs)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    start = pyw2v.Word2Vec(vocab, params)
    ref_center = start.center_vectors.astype(np.float64)
    ref_outside = start.outside_vectors.astype(np.float64)
    ref_nodes = None if start.node_vectors is None else start.node_vectors.astype(np.float64)
    trained = start.train(sentences, threads=1)

    (chunk,) = list(pyw2v.encode(sentences, vocab).chunks())
    id_sentences = [chunk.token_ids[a:b].tolist()
                    for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]
    ref_losses = reference.train_reference(
        id_sentences, ref_center, ref_outside, vocab.counts, model=model, window=3,
        negative=negative, sample=1e-2, alpha=0.05, min_alpha=0.001, epochs=epochs, seed=11,
        publish_every=_core.PUBLISH_INTERVAL, kernel=kernel, loss=loss, node_vectors=ref_nodes)

    assert np.abs(trained.center_vectors - ref_center).max() < 1e-4
    assert np.abs(trained.outside_vectors - ref_outside).max() < 1e-4
    np.testing.assert_allclose(trained.loss_history, ref_losses, rtol=1e-5)
    moved = trained.outside_vectors if ref_nodes is None else trained.node_vectors
    assert np.abs(moved).max() > 0.01   # training did move the vectors
    if ref_nodes is not None:
        assert np.abs(trained.node_vectors - ref_nodes).max() < 1e-4


def test_one_thread_trainer_differs_from_reference_with_another_seed():
    """The end-to-end check is sharp: a different random stream gives other vectors."""
    sentences = _planted_sentences()
    params = pyw2v.TrainingParams(dim=8, window=3, negative=4, sample=1e-2, min_count=2,
                                  epochs=1, alpha=0.05, seed=11, exact_sigmoid=True)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    model = pyw2v.Word2Vec(vocab, params)
    ref_center = model.center_vectors.astype(np.float64)
    ref_outside = model.outside_vectors.astype(np.float64)
    model.train(sentences, threads=1)
    encoded = next(pyw2v.encode(sentences, vocab).chunks())
    id_sentences = [encoded.token_ids[a:b].tolist()
                    for a, b in zip(encoded.sentence_starts[:-1], encoded.sentence_starts[1:])]
    reference.train_reference(id_sentences, ref_center, ref_outside, vocab.counts, window=3,
                              negative=4, sample=1e-2, alpha=0.05, epochs=1, seed=12)
    assert np.abs(model.outside_vectors - ref_outside).max() > 1e-2


def test_single_step_entry_points_check_their_arguments():
    center, outside = _matrices(0)
    none = np.array([], np.int32)
    with pytest.raises(IndexError, match="outside=12"):
        _core.skipgram_pair_update(center, outside, 0, 12, none, 0.1)
    with pytest.raises(IndexError, match=r"negatives\[1\]=-1"):
        _core.skipgram_pair_update(center, outside, 0, 1, np.array([2, -1], np.int32), 0.1)
    with pytest.raises(ValueError, match="same shape"):
        _core.cbow_update(center, outside[:, :3].copy(), np.array([1], np.int32), 0, none, 0.1)
    with pytest.raises(ValueError, match="context must not be empty"):
        _core.cbow_update(center, outside, none, 0, none, 0.1)
