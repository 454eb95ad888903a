"""The compiled core agrees with pyw2v.reference: every step function, the samplers, the
random streams and whole one-thread epochs, over (model, kernel, loss); and the Trainer's
checks. Every test runs on each SIMD path this machine supports (conftest's simd_core)."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference

N_WORDS, DIM = 12, 7
COUNTS = np.array([60, 41, 30, 30, 22, 15, 11, 9, 6, 3, 2, 1], dtype=np.int64)
TREE = _core.build_huffman(COUNTS)
pytestmark = pytest.mark.usefixtures("simd_core")


SHAPES = ((N_WORDS, DIM), (N_WORDS, DIM), (N_WORDS - 1, DIM))  # V, U, the Huffman node rows


# --- one step of each kernel, over the output layers ------------------------------------

LOSSES = {   # negatives (6 and the predicted word are skipped when they hit it), hs, softmax
    "negative": ([3, 3, 6, 11], False, False),
    "hs": (None, True, False),
    "hs+negative": ([3, 3, 6, 11], True, False),
    "softmax": (None, False, True),
}
CONTEXTS = {"pair": [[2], [9]], "window": [[2], [4, 4, 9, 1]], "batch": [[2], [4, 4, 9, 1]]}
STEP_CASES = [(kernel, loss, context) for kernel in ("pair", "window", "batch")
              for loss in (LOSSES if kernel != "batch" else ["negative", "hs", "hs+negative"])
              for context in CONTEXTS[kernel]]


def _step(kernel, loss, compiled, matrices, context, alpha=0.1):
    """One update of `kernel` (word 6 predicted) in place, compiled or reference; its loss."""
    center, outside, nodes = matrices
    negatives, hs, softmax = LOSSES[loss]
    if compiled:
        negs = None if negatives is None else np.array(negatives, np.int32)
        layers = dict(node_vectors=nodes if hs else None, huffman=TREE if hs else None,
                      softmax=softmax)
        ids = np.array(context, np.int32)
        if kernel == "pair":
            return _core.skipgram_pair_update(center, outside, context[0], 6, negs, alpha,
                                              exact=True, **layers)
        if kernel == "window":
            return _core.cbow_update(center, outside, ids, 6, negs, alpha, exact=True, **layers)
        return _core.skipgram_batch_update(center, outside, ids, 6, negs, alpha, exact=True,
                                           node_vectors=layers["node_vectors"],
                                           huffman=layers["huffman"])
    layers = dict(node_vectors=nodes if hs else None, tree=TREE if hs else None,
                  softmax=softmax)
    if kernel == "pair":
        return reference.skipgram_pair_step(center, outside, context[0], 6, negatives, alpha,
                                            **layers)
    if kernel == "window":
        return reference.cbow_step(center, outside, context, 6, negatives, alpha, **layers)
    return reference.skipgram_batch_step(center, outside, context, 6, negatives, alpha,
                                         tree=layers["tree"], node_vectors=layers["node_vectors"])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kernel, loss, context", STEP_CASES)
def test_each_step_matches_its_reference_twin(kernel, loss, context, seed, random_matrices):
    """Every (kernel, output layer) step against the reference: V, U, the node rows and
    the loss, with a repeated context word and negatives that hit the predicted word
    (a pair's context is its one center word)."""
    ours = random_matrices(seed, *SHAPES)
    twin = tuple(m.astype(np.float64) for m in ours)
    loss_value = _step(kernel, loss, True, ours, context)
    ref_loss = _step(kernel, loss, False, twin, context)
    for mine, theirs in zip(ours, twin):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=0)
    assert loss_value == pytest.approx(ref_loss, rel=1e-5)
    start = random_matrices(seed, *SHAPES)
    assert np.abs(ours[0] - start[0]).max() > 1e-3                  # the input rows moved
    moved = ours[2] - start[2] if LOSSES[loss][1] else ours[1] - start[1]
    assert np.abs(moved).max() > 1e-3                               # and the output side
    if not LOSSES[loss][1]:
        np.testing.assert_array_equal(ours[2], start[2])            # nodes are HS's alone
    if loss == "hs":
        np.testing.assert_array_equal(ours[1], start[1])            # U is the others'


NEGATIVE_CASES = [
    [3, 4, 5],
    [3, 3, 3, 9],          # repeated negatives count once per draw
    [1, 2, 1, 8, 0],       # negatives equal to the outside word (1) are skipped
    [1, 1],                # every negative hits the outside word
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("negatives", NEGATIVE_CASES)
def test_negative_sampling_step_handles_repeats_and_hits(seed, negatives, random_matrices):
    center, outside, _ = random_matrices(seed, *SHAPES)
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    loss = _core.skipgram_pair_update(center, outside, 6, 1, np.array(negatives, np.int32),
                                      0.1, exact=True)
    ref_loss = reference.skipgram_pair_step(ref_center, ref_outside, 6, 1, negatives, 0.1)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert not np.allclose(ref_center, random_matrices(seed, *SHAPES)[0])


@pytest.mark.parametrize("dim", [1, 5, 8, 13, 16, 24, 44, 47, 100, 301])
@pytest.mark.parametrize("n_context, n_negatives", [(1, 1), (3, 2), (5, 7), (10, 5), (8, 15)])
def test_batch_step_across_block_shapes(dim, n_context, n_negatives, random_matrices):
    """Every register-block shape and row tail of the dense window products:
    rows not a multiple of 8 (or 24; 44 and 47 end in 16 floats and a tail of 4
    and 7), more context rows or targets than one block."""
    rng = np.random.default_rng(dim * 100 + n_context * 10 + n_negatives)
    n_words = 40
    center, outside = random_matrices(rng, (n_words, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    before = center.copy(), outside.copy()
    context = rng.integers(0, n_words, n_context).tolist()
    negatives = rng.integers(0, 12, n_negatives).tolist()   # small range: repeats likely
    loss = _core.skipgram_batch_update(center, outside, np.array(context, np.int32), 6,
                                       np.array(negatives, np.int32), 0.05, exact=True)
    ref_loss = reference.skipgram_batch_step(ref_center, ref_outside, context, 6, negatives,
                                             0.05)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    # Every context row and the center's output row moved; untouched rows did not.
    assert (np.abs(center - before[0])[context].max(axis=1) > 0).all()
    assert np.abs(outside - before[1])[6].max() > 0
    untouched = np.setdiff1d(np.arange(n_words), context)
    np.testing.assert_array_equal(center[untouched], before[0][untouched])
    untouched = np.setdiff1d(np.arange(n_words), [6] + negatives)
    np.testing.assert_array_equal(outside[untouched], before[1][untouched])


def _random_block(rng, n_kept, count, window, n_words):
    """A sentence, a block of `count` consecutive centers in it with random windows
    (each holding its center; the first's one more word, so that the block has a
    pair), and the (context word, center word) pairs they make."""
    kept = rng.integers(0, n_words, n_kept).astype(np.int32)
    first = int(rng.integers(0, n_kept - count + 1))
    spans, pairs = [], []
    for pos in range(first, first + count):
        win = int(rng.integers(1 if pos == first else 0, window + 1))
        lo, hi = max(0, pos - win), min(n_kept, pos + win + 1)
        spans.append((lo, hi))
        pairs += [(int(kept[j]), int(kept[pos])) for j in range(lo, hi) if j != pos]
    return kept, first, np.array(spans, np.int32), pairs


@pytest.mark.parametrize("dim", [5, 16, 100])
@pytest.mark.parametrize("count", [1, 2, 3, 8])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("locked", [False, True])
def test_block_step_matches_its_twin(dim, count, seed, locked, random_matrices):
    """Several windows sharing one negative set: rows in more than one window,
    repeated words among rows and centers, negatives that hit a center."""
    rng = np.random.default_rng(seed * 1000 + dim * 10 + count)
    n_words = 15
    kept, first, spans, pairs = _random_block(rng, 14, count, 4, n_words)
    center, outside = random_matrices(rng, (n_words, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    negatives = np.concatenate([kept[first:first + 1], rng.integers(0, n_words, 4)])
    lock = rng.uniform(0.0, 1.0, n_words).astype(np.float32) if locked else None
    loss = _core.skipgram_block_update(center, outside, kept, first, spans,
                                       negatives.astype(np.int32), 0.1, exact=True,
                                       lock_factors=lock)
    ref_loss = reference.skipgram_block_step(ref_center, ref_outside, pairs,
                                             negatives.tolist(), 0.1, lock_factors=lock)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


@pytest.mark.parametrize("first, spans, message", [
    (0, [[1, 3]], "must hold center position 0"),
    (2, [[0, 9]], "lie in 0..8"),
    (7, [[5, 8], [6, 8]], "must lie in kept"),
    (0, np.zeros((0, 2)), "shape"),
    (0, [[0, 1]], "no .center, context. pair"),
])
def test_block_update_refuses_bad_blocks(first, spans, message, random_matrices):
    center, outside = random_matrices(0, (10, 4), (10, 4))
    before = center.copy()
    with pytest.raises(ValueError, match=message):
        _core.skipgram_block_update(center, outside, np.arange(8, dtype=np.int32), first,
                                    np.array(spans, np.int32).reshape(-1, 2),
                                    np.array([1, 2], np.int32), 0.1)
    np.testing.assert_array_equal(center, before)


def test_table_mode_hs_agrees_to_the_table_resolution(random_matrices):
    center, outside, nodes = random_matrices(5, *SHAPES)
    ref_center, ref_nodes = center.astype(np.float64), nodes.astype(np.float64)
    alpha = 0.1
    _core.skipgram_pair_update(center, outside, 2, 11, None, alpha, exact=False,
                               node_vectors=nodes, huffman=TREE)
    reference.skipgram_pair_step(ref_center, outside.astype(np.float64), 2, 11, None, alpha,
                                 tree=TREE, node_vectors=ref_nodes)
    # Each node's coefficient is off by at most alpha * sigma' * half a bin.
    step = alpha * 0.25 * _core.SIGMOID_MAX_EXP / _core.SIGMOID_TABLE_BINS
    depth = int(np.diff(TREE[0])[11])
    assert 0 < np.abs(center - ref_center).max() <= depth * step * np.abs(nodes).max() + 1e-6
    assert np.abs(nodes - ref_nodes).max() <= step * np.abs(center).max() + 1e-6


def test_table_mode_agrees_to_the_table_resolution(random_matrices):
    center, outside, _ = random_matrices(5, *SHAPES)
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


@pytest.mark.parametrize("p", [0.0, 2.0**-40, 1 / 3, 0.5, 1 - 2.0**-33, 1 - 2.0**-40, 1.0])
def test_packed_noise_columns_keep_exactly_what_the_float64_coin_keeps(p):
    """_draw_noise compares the coin's 32 bits with an integer bound; at the bound and
    at both ends of the coin's range it decides as r / 2^32 < prob does."""
    columns = _core._noise_columns(np.array([p, 0.25]), np.array([1, 0], np.int32))
    keep_below, alias = int(columns[0, 0]), int(columns[0, 1].view(np.int32))
    for r in {0, 1, keep_below - 1, keep_below, keep_below + 1, 2**32 - 2, 2**32 - 1}:
        if not 0 <= r < 2**32:
            continue
        packed = 0 if r < keep_below else alias
        assert packed == (0 if r * 2.0**-32 < p else 1), r


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


# --- random streams -------------------------------------------------------------------


@pytest.mark.parametrize("seed, call, threads", [(1, 0, 1), (1, 3, 4), (2**64 - 1, 7, 3),
                                                 (0, 2**64 - 1, 2)])
def test_thread_seeds_match_their_twin(seed, call, threads):
    seeds = _core.thread_seeds(seed, call, threads)
    assert seeds == reference.thread_seeds(seed, call, threads)
    assert len(set(seeds)) == threads


def _streams_overlap(starts, length=200):
    """True when two streams of `length` splitmix64 outputs from these states share one."""
    seen = set()
    for state in starts:
        rng = reference.SplitMix64(state)
        outputs = {rng.next() for _ in range(length)}
        if seen & outputs:
            return True
        seen |= outputs
    return False


def test_no_stream_is_reused_across_training_calls():
    starts = [s for call in range(4) for s in _core.thread_seeds(1, call, 4)]
    assert not _streams_overlap(starts)
    # The check can fail: the old per-call seed (seed + gamma * call) made thread t of
    # call k start where thread t + 1 of call k - 1 did.
    gamma = 0x9E3779B97F4A7C15
    old = []
    for call in range(4):
        rng = reference.SplitMix64((1 + gamma * call) % 2**64)
        old += [rng.next() for _ in range(4)]
    assert _streams_overlap(old)


# --- hierarchical softmax's node blocks and masked row tails ----------------------------

DEEP_COUNTS = np.array([2 ** (20 - k) for k in range(20)] + [1], dtype=np.int64)  # paths 1..20
DEEP_TREE = _core.build_huffman(DEEP_COUNTS)


@pytest.mark.parametrize("dim", [5, 8, 9, 16, 23, 100])
@pytest.mark.parametrize("word", [0, 3, 6, 20])          # paths of 1, 4, 7 and 20 nodes
@pytest.mark.parametrize("kernel", ["pair", "window"])
def test_hs_steps_match_their_twins_on_every_row_tail(dim, word, kernel, random_matrices):
    """The compiled HS step scores and moves up to 4 node rows at a time, rows whose
    length is not a multiple of 8 ending in a masked chunk: every block size
    (1-4 and leftovers) and tail (none, 1..7 floats, rows under 8 floats) against
    the reference, with negatives on as well for the window kernel."""
    n_words = DEEP_COUNTS.shape[0]
    assert np.diff(DEEP_TREE[0])[word] == {0: 1, 3: 4, 6: 7, 20: 20}[word]
    ours = random_matrices(dim * 100 + word, (n_words, dim), (n_words, dim), (n_words - 1, dim))
    twin = tuple(m.astype(np.float64) for m in ours)
    negatives = [2, 9] if kernel == "window" else None
    if kernel == "pair":
        loss = _core.skipgram_pair_update(ours[0], ours[1], 1, word, None, 0.1, exact=True,
                                          node_vectors=ours[2], huffman=DEEP_TREE)
        ref_loss = reference.skipgram_pair_step(twin[0], twin[1], 1, word, None, 0.1,
                                                tree=DEEP_TREE, node_vectors=twin[2])
    else:
        context = [1, 4, 4, 11]
        loss = _core.cbow_update(ours[0], ours[1], np.array(context, np.int32), word,
                                 np.array(negatives, np.int32), 0.1, exact=True,
                                 node_vectors=ours[2], huffman=DEEP_TREE)
        ref_loss = reference.cbow_step(twin[0], twin[1], context, word, negatives, 0.1,
                                       tree=DEEP_TREE, node_vectors=twin[2])
    for mine, theirs in zip(ours, twin):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


# --- whole epochs: one thread replays the reference bit for bit -------------------------


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


def _id_sentences(sentences, vocab):
    (chunk,) = list(pyw2v.encode(sentences, vocab).chunks())
    return [chunk.token_ids[a:b].tolist()
            for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]


EPOCH_CASES = [   # (model, kernel, loss, negative)
    ("skipgram", "pair", "negative", 4), ("cbow", "window", "negative", 4),
    ("skipgram", "batch", "negative", 4),
    ("skipgram", "batch", "hs", 0), ("skipgram", "batch", "hs", 4),    # HS as a batch
    ("skipgram", "pair", "hs", 0), ("cbow", "window", "hs", 0),        # hierarchical softmax
    ("skipgram", "pair", "hs", 4), ("cbow", "window", "hs", 4),        # ... with negatives
    ("skipgram", "pair", "softmax", 0), ("cbow", "window", "softmax", 0),
]


@pytest.mark.parametrize("model, kernel, loss, negative", EPOCH_CASES)
@pytest.mark.parametrize("epochs", [1, 2])
def test_one_thread_trainer_equals_train_reference(model, kernel, loss, negative, epochs):
    """Same seed, same random stream, exact sigmoid: the compiled epochs are the
    reference's, in the model's first training call and in its second."""
    sentences = _planted_sentences()
    params = pyw2v.TrainingParams(
        model=model, dim=8, window=3, negative=negative, sample=1e-2, min_count=2,
        epochs=epochs, alpha=0.05, min_alpha=0.001, seed=11,
        kernel=kernel, loss=loss, exact_sigmoid=True)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    trained = pyw2v.Word2Vec(vocab, params)
    twin = [None if m is None else m.astype(np.float64)
            for m in (trained.center_vectors, trained.outside_vectors, trained.node_vectors)]
    ids = _id_sentences(sentences, vocab)
    for call in range(2 if epochs == 1 else 1):
        trained.train(sentences, threads=1)
        ref_losses = reference.train_reference(
            ids, twin[0], twin[1], vocab.counts, model=model, window=3, negative=negative,
            sample=1e-2, alpha=0.05, min_alpha=0.001, epochs=epochs, seed=11, call=call,
            publish_every=_core.PUBLISH_INTERVAL, kernel=kernel, loss=loss,
            node_vectors=twin[2], batch_windows=params.windows_per_step)
        assert np.abs(trained.center_vectors - twin[0]).max() < 1e-4
        assert np.abs(trained.outside_vectors - twin[1]).max() < 1e-4
        if twin[2] is not None:
            assert np.abs(trained.node_vectors - twin[2]).max() < 1e-4
        np.testing.assert_allclose(trained.loss_history[-epochs:], ref_losses, rtol=1e-5)
    moved = trained.outside_vectors if twin[2] is None else trained.node_vectors
    assert np.abs(moved).max() > 0.01   # training did move the vectors


@pytest.mark.parametrize("model, kernel, loss, negative, batch_windows", [
    *[(*case, 0) for case in EPOCH_CASES], ("cbow", "batch", "negative", 4, 0),
    ("cbow", "batch", "negative", 4, 1), ("skipgram", "batch", "negative", 4, 1)])
def test_the_dim_compiled_as_a_constant_replays_too(model, kernel, loss, negative,
                                                    batch_windows):
    """Training at _core.SPECIALIZED_DIM runs the loops GCC compiled for that dim as a
    constant (_train_range); they replay the reference as the general ones do."""
    sentences = _planted_sentences()
    dim = _core.SPECIALIZED_DIM
    params = pyw2v.TrainingParams(
        model=model, dim=dim, window=3, negative=negative, sample=1e-2, min_count=2,
        epochs=1, alpha=0.05, min_alpha=0.001, seed=11, kernel=kernel, loss=loss,
        exact_sigmoid=True, batch_windows=batch_windows)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    trained = pyw2v.Word2Vec(vocab, params)
    twin = [None if m is None else m.astype(np.float64)
            for m in (trained.center_vectors, trained.outside_vectors, trained.node_vectors)]
    trained.train(sentences, threads=1)
    ref_losses = reference.train_reference(
        _id_sentences(sentences, vocab), twin[0], twin[1], vocab.counts, model=model, window=3,
        negative=negative, sample=1e-2, alpha=0.05, min_alpha=0.001, epochs=1, seed=11,
        publish_every=_core.PUBLISH_INTERVAL, kernel=kernel, loss=loss, node_vectors=twin[2],
        batch_windows=params.windows_per_step)
    for ours, theirs in zip((trained.center_vectors, trained.outside_vectors,
                             trained.node_vectors), twin):
        if theirs is not None:
            assert np.abs(ours - theirs).max() < 1e-4
    np.testing.assert_allclose(trained.loss_history, ref_losses, rtol=1e-5)


@pytest.mark.parametrize("batch_windows", [2, 3, 8])
@pytest.mark.parametrize("shrink_windows", [True, False])
def test_one_thread_block_kernel_equals_train_reference(batch_windows, shrink_windows):
    """The skip-gram batch kernel with several windows per step replays too."""
    sentences = _planted_sentences()
    params = pyw2v.TrainingParams(
        dim=8, window=3, negative=4, sample=1e-2, min_count=2, epochs=2, alpha=0.05,
        min_alpha=0.001, seed=11, kernel="batch", exact_sigmoid=True,
        batch_windows=batch_windows, shrink_windows=shrink_windows)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    trained = pyw2v.Word2Vec(vocab, params)
    twin = trained.center_vectors.astype(np.float64), trained.outside_vectors.astype(np.float64)
    trained.train(sentences, threads=1)
    ref_losses = reference.train_reference(
        _id_sentences(sentences, vocab), *twin, vocab.counts, window=3, negative=4,
        sample=1e-2, alpha=0.05, min_alpha=0.001, epochs=2, seed=11,
        publish_every=_core.PUBLISH_INTERVAL, kernel="batch", batch_windows=batch_windows,
        shrink_windows=shrink_windows)
    assert np.abs(trained.center_vectors - twin[0]).max() < 1e-4
    assert np.abs(trained.outside_vectors - twin[1]).max() < 1e-4
    np.testing.assert_allclose(trained.loss_history[-2:], ref_losses, rtol=1e-5)
    # ... and the replay tells block sizes apart.
    other = trained.center_vectors.astype(np.float64), trained.outside_vectors.astype(np.float64)
    reference.train_reference(
        _id_sentences(sentences, vocab), *other, vocab.counts, window=3, negative=4,
        sample=1e-2, alpha=0.05, epochs=1, seed=11, kernel="batch",
        batch_windows=batch_windows - 1, shrink_windows=shrink_windows)
    assert np.abs(other[1] - trained.outside_vectors).max() > 1e-3


@pytest.mark.parametrize("seed, call", [(12, 0), (11, 1)])
def test_one_thread_trainer_differs_from_reference_with_another_stream(seed, call):
    """The replay is sharp: another seed, or another call's stream, gives other vectors."""
    sentences = _planted_sentences()
    params = pyw2v.TrainingParams(dim=8, window=3, negative=4, sample=1e-2, min_count=2,
                                  epochs=1, alpha=0.05, seed=11, exact_sigmoid=True)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    model = pyw2v.Word2Vec(vocab, params)
    ref_center = model.center_vectors.astype(np.float64)
    ref_outside = model.outside_vectors.astype(np.float64)
    model.train(sentences, threads=1)
    reference.train_reference(_id_sentences(sentences, vocab), ref_center, ref_outside,
                              vocab.counts, window=3, negative=4, sample=1e-2, alpha=0.05,
                              epochs=1, seed=seed, call=call)
    assert np.abs(model.outside_vectors - ref_outside).max() > 1e-2


def test_train_reference_refuses_a_kernel_of_the_other_model():
    with pytest.raises(ValueError, match=r"kernel for model='cbow' must be one of \('window', 'batch'\)"):
        reference.train_reference([[0, 1]], np.zeros((2, 2)), np.zeros((2, 2)), [1, 1],
                                  model="cbow", kernel="pair")


# --- the Trainer ----------------------------------------------------------------------


@pytest.fixture
def make_trainer(random_matrices):
    """make_trainer(**overrides) -> a two-thread pair-kernel _core.Trainer over seed 0's V and U;
    an override replaces the positional argument or keyword of its name."""
    def build(**overrides):
        center, outside, _ = random_matrices(0, *SHAPES)
        prob, alias = _core.build_alias_table(COUNTS.astype(np.float64) ** 0.75)
        args = dict(center=center, outside=outside, keep_prob=np.ones(N_WORDS),
                    alias_prob=prob, alias_index=alias)
        kwargs = dict(kernel="pair", window=2, negative=3, exact_sigmoid=False, alpha=0.05,
                      min_alpha=0.001, total_words=1000.0, threads=2, seed=1, call=0)
        for key, value in overrides.items():
            (args if key in args else kwargs)[key] = value
        return _core.Trainer(*args.values(), **kwargs)
    return build


def _chunk(n_sentences=30, length=8, seed=0):
    tokens = np.random.default_rng(seed).integers(0, N_WORDS, n_sentences * length)
    return tokens.astype(np.uint32), np.arange(0, n_sentences * length + 1, length,
                                               dtype=np.int64)


def test_trainer_counts_progress_and_stops_on_request(make_trainer):
    trainer = make_trainer()
    assert trainer.threads == 2 and trainer.alpha == 0.05 and trainer.words_done == 0
    trainer.train_chunk(*_chunk())
    assert trainer.words_done == 240 and trainer.predictions > 0 and trainer.loss > 0
    assert trainer.alpha == 0.05   # no refresh before PUBLISH_INTERVAL words (test_schedule.py)
    stopped = make_trainer()
    stopped.request_stop()
    assert stopped.stop_requested
    stopped.train_chunk(*_chunk())
    assert stopped.words_done == 0 and stopped.predictions == 0


@pytest.mark.parametrize("overrides, error, message", [
    (dict(kernel="cbow"), ValueError, r"kernel must be one of \('pair', 'window', 'batch', 'cbow-batch'\)"),
    (dict(outside=np.zeros((N_WORDS, 3), np.float32)), ValueError, "same shape"),
    (dict(keep_prob=np.ones(3)), ValueError, r"keep_prob has 3 entries, expected one per word"),
    (dict(window=0), ValueError, r"window must be in 1\.\."),
    (dict(threads=0), ValueError, "threads must be >= 1, got 0"),
    (dict(negative=-1), ValueError, "negative must be >= 0"),
    (dict(alpha=0.0), ValueError, "alpha must be a finite number > 0"),
    (dict(min_alpha=0.1), ValueError, r"min_alpha must be in 0\.\.alpha"),
    (dict(total_words=0.0), ValueError, "total_words must be a finite number > 0"),
    (dict(negative=0), ValueError, "no output layer"),
    (dict(kernel="batch", softmax=True), ValueError, "use kernel='pair' for the full softmax"),
    (dict(kernel="batch", negative=0, node_vectors=np.zeros((N_WORDS - 1, DIM), np.float32),
          huffman=TREE, batch_windows=2), ValueError, "batch_windows must be 1 with hierarchical"),
    (dict(huffman=TREE), ValueError, "node_vectors and huffman go together"),
    (dict(node_vectors=np.zeros((3, DIM), np.float32), huffman=TREE), ValueError,
     r"node_vectors has shape \(3, 7\), expected \(11, 7\)"),
])
def test_trainer_refuses_bad_arguments(overrides, error, message, make_trainer):
    with pytest.raises(error, match=message):
        make_trainer(**overrides)


def test_trainer_refuses_chunks_that_would_leave_its_buffers(make_trainer):
    trainer = make_trainer()
    tokens, starts = _chunk()
    with pytest.raises(ValueError, match="sentence_starts must run from 0 to len"):
        trainer.train_chunk(tokens, starts[:-1])
    with pytest.raises(ValueError, match="token_ids holds id 12"):
        trainer.train_chunk(np.full_like(tokens, N_WORDS), starts)
    long = np.zeros(_core.MAX_SENTENCE_LENGTH + 1, np.uint32)
    with pytest.raises(ValueError, match="at most MAX_SENTENCE_LENGTH"):
        trainer.train_chunk(long, np.array([0, len(long)], np.int64))
    assert trainer.words_done == 0


def test_trainer_raises_memory_error_when_scratch_cannot_be_allocated():
    # The batch scratch holds 2 * window rows of dim floats: ~2e14 bytes here, more than
    # any address space a malloc can give.
    dim = 100_000
    center, outside = np.zeros((2, dim), np.float32), np.zeros((2, dim), np.float32)
    with pytest.raises(MemoryError, match="could not allocate scratch buffers for window="):
        _core.Trainer(center, outside, np.ones(2), np.ones(2), np.zeros(2, np.int32),
                      kernel="pair", window=2**28, negative=1, exact_sigmoid=False,
                      alpha=0.05, min_alpha=0.0, total_words=1.0, threads=1, seed=1, call=0)


def test_single_step_entry_points_check_their_arguments(random_matrices):
    center, outside, nodes = random_matrices(0, *SHAPES)
    none = np.array([], np.int32)
    with pytest.raises(IndexError, match="outside=12"):
        _core.skipgram_pair_update(center, outside, 0, 12, none, 0.1)
    with pytest.raises(IndexError, match=r"negatives\[1\]=-1"):
        _core.skipgram_pair_update(center, outside, 0, 1, np.array([2, -1], np.int32), 0.1)
    with pytest.raises(ValueError, match="same shape"):
        _core.cbow_update(center, outside[:, :3].copy(), np.array([1], np.int32), 0, none, 0.1)
    with pytest.raises(ValueError, match="context must not be empty"):
        _core.cbow_update(center, outside, none, 0, none, 0.1)


def test_single_step_entry_points_check_output_layers(random_matrices):
    center, outside, nodes = random_matrices(0, *SHAPES)
    with pytest.raises(ValueError, match="no output layer"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1)
    with pytest.raises(ValueError, match="softmax=True is an output layer of its own"):
        _core.skipgram_pair_update(center, outside, 0, 1, np.array([2], np.int32), 0.1,
                                   softmax=True)
    with pytest.raises(ValueError, match="node_vectors and huffman go together"):
        _core.cbow_update(center, outside, np.array([1], np.int32), 0, None, 0.1,
                          huffman=TREE)
    with pytest.raises(ValueError, match=r"node_vectors has shape \(12, 7\), expected \(11, 7\)"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=center,
                                   huffman=TREE)
    with pytest.raises(ValueError, match="does not describe 12 words"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=nodes,
                                   huffman=_core.build_huffman(COUNTS[:5]))
    starts, path, codes = TREE
    forged = path.copy()
    forged[3] = 11
    with pytest.raises(ValueError, match=r"node ids in 0\.\.10"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=nodes,
                                   huffman=(starts, forged, codes))
    with pytest.raises(TypeError, match="path_nodes must be a 1-D int32 array"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=nodes,
                                   huffman=(starts, path.astype(np.int64), codes))
    with pytest.raises(TypeError, match=r"huffman must be the \(path_starts"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=nodes,
                                   huffman=starts)
