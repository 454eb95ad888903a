"""Hierarchical softmax and the full softmax: the Huffman tree, the reference's gradients,
training, parameters and saved models (the compiled steps against the reference are in
test_core_vs_reference.py)."""
import heapq
import json

import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference
from pyw2v.model import SOFTMAX_MAX_VOCAB
from pyw2v.synthetic import make_corpus


def _optimal_cost(counts):
    """sum(count * code length) of an optimal prefix code: the sum of Huffman's merges."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def _codes(tree):
    starts, _, codes = tree
    return ["".join(map(str, codes[a:b])) for a, b in zip(starts[:-1], starts[1:])]


COUNT_CASES = {
    "zipf": np.sort(np.random.default_rng(0).zipf(1.5, size=3000))[::-1],
    "ties": np.array([9, 5, 5, 5, 5, 3, 3, 1, 1, 1, 1, 1]),
    "equal": np.full(16, 7),
    "two": np.array([3, 1]),
    "fibonacci": np.array([89, 55, 34, 21, 13, 8, 5, 3, 2, 1, 1]),   # the deepest tree
    "unsorted": np.array([1, 40, 3, 3, 17, 2, 8]),
}


# --- the Huffman tree ---------------------------------------------------------------


@pytest.mark.parametrize("name", COUNT_CASES)
def test_huffman_tree_is_an_optimal_prefix_code_over_inner_nodes(name):
    counts = COUNT_CASES[name].astype(np.int64)
    n = len(counts)
    starts, nodes, codes = tree = _core.build_huffman(counts)
    assert starts.dtype == np.int64 and nodes.dtype == np.int32 and codes.dtype == np.uint8
    lengths = np.diff(starts)
    assert (lengths >= 1).all()
    assert int((counts * lengths).sum()) == _optimal_cost(counts)
    words = _codes(tree)
    ordered = sorted(words)
    assert all(not b.startswith(a) for a, b in zip(ordered, ordered[1:])), "not prefix-free"
    assert sum(2.0 ** -len(c) for c in words) == pytest.approx(1.0)   # a full binary tree
    # Every path starts at the root, and one prefix always reaches the same inner node:
    # the n - 1 nodes are exactly the n - 1 distinct proper prefixes.
    node_of = {}
    for word, code in enumerate(words):
        path = nodes[starts[word]:starts[word + 1]]
        assert path[0] == n - 2
        for depth, node in enumerate(path):
            assert node_of.setdefault(code[:depth], node) == node
    assert sorted(node_of.values()) == list(range(n - 1))
    # A rarer word never gets a shorter code (sorted by count, then length, lengths grow).
    order = np.lexsort((lengths, -counts))
    assert (np.diff(lengths[order]) >= 0).all()


@pytest.mark.usefixtures("simd_core")
@pytest.mark.parametrize("name", COUNT_CASES)
def test_huffman_tree_is_the_reference_twin_bit_for_bit(name):
    counts = COUNT_CASES[name].astype(np.int64)
    for ours, theirs in zip(_core.build_huffman(counts), reference.huffman_tree(counts)):
        np.testing.assert_array_equal(ours, theirs)


def test_huffman_ties_are_deterministic_and_balanced():
    counts = np.full(8, 5, dtype=np.int64)
    starts, nodes, codes = _core.build_huffman(counts)
    assert (np.diff(starts) == 3).all()
    again = _core.build_huffman(counts.copy())
    for a, b in zip((starts, nodes, codes), again):
        np.testing.assert_array_equal(a, b)
    # Ties go to the lower word id first, and the lighter side gets code 0.
    assert _codes((starts, nodes, codes))[:2] == ["000", "001"]
    # The same counts in another order give the same codes, moved with their words.
    counts = COUNT_CASES["zipf"].astype(np.int64)
    perm = np.random.default_rng(1).permutation(len(counts))
    shuffled = _codes(_core.build_huffman(counts[perm]))
    lengths = np.diff(_core.build_huffman(counts)[0])
    assert sorted(map(len, shuffled)) == sorted(lengths.tolist())


def test_huffman_tree_refuses_what_it_cannot_build():
    with pytest.raises(ValueError, match="at least 2 words, got 1"):
        _core.build_huffman(np.array([5], dtype=np.int64))
    with pytest.raises(ValueError, match="counts must be >= 0"):
        _core.build_huffman(np.array([5, -1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match="at least 2 words"):
        reference.huffman_tree([3])


def test_vocabulary_tree_follows_its_counts():
    vocab = pyw2v.Vocabulary(["a", "b", "c", "d"], np.array([10, 6, 2, 1]))
    starts, _, _ = vocab.huffman_tree()
    np.testing.assert_array_equal(np.diff(starts), [1, 2, 3, 3])


# --- reference: the loss and its gradients -------------------------------------------


@pytest.fixture
def tree_problem(random_matrices):
    """tree_problem(seed, n_words=9, dim=5, scale=0.5) -> (rng, tree, V, node rows):
    a Huffman tree over random counts and float64 matrices, rng left to draw words."""
    def problem(seed, n_words=9, dim=5, scale=0.5):
        rng = np.random.default_rng(seed)
        tree = reference.huffman_tree(rng.integers(1, 50, size=n_words))
        V, nodes = random_matrices(rng, (n_words, dim), (n_words - 1, dim), scale=scale,
                                   dtype=np.float64)
        return rng, tree, V, nodes
    return problem


@pytest.mark.parametrize("seed", range(5))
def test_hs_pair_gradient_matches_finite_differences(seed, tree_problem, joint_gradcheck,
                                                     gradcheck_tol):
    rng, tree, V, nodes = tree_problem(seed)
    path = reference._path(tree, int(rng.integers(0, len(V))))
    error = joint_gradcheck(lambda x, nodes: reference.hs_loss_and_gradient(x, *path, nodes),
                            V[0], nodes)
    assert error < gradcheck_tol


@pytest.mark.parametrize("seed", range(4))
def test_skipgram_and_cbow_hs_gradients_match_finite_differences(seed, tree_problem,
                                                                 joint_gradcheck,
                                                                 gradcheck_tol):
    rng, tree, V, nodes = tree_problem(seed)
    words = rng.integers(0, len(V), size=4)
    words[1] = words[2]                      # a repeated word counts twice
    center, others = int(words[0]), words[1:]
    skipgram = joint_gradcheck(lambda V, N: reference.skipgram_hs(center, others, V, N, tree),
                               V, nodes)
    cbow = joint_gradcheck(lambda V, N: reference.cbow_hs(others, center, V, N, tree), V, nodes)
    assert skipgram < gradcheck_tol and cbow < gradcheck_tol


@pytest.mark.parametrize("negatives", [None, [1, 1, 4]])
@pytest.mark.parametrize("seed", range(3))
def test_batch_hs_step_is_a_gradient_step(seed, negatives, tree_problem, joint_gradcheck,
                                          gradcheck_tol):
    """The batch kernel's twin (context rows walk their center's path, plus negative
    sampling on the same rows) moves V, U and the node rows by exactly alpha times the
    gradient of the loss it returns."""
    rng, tree, V, nodes = tree_problem(seed)
    U = rng.normal(0.0, 0.5, V.shape)
    words = rng.integers(0, len(V), size=4)
    pairs = [(int(words[1]), int(words[0])), (int(words[2]), int(words[0])),
             (int(words[1]), int(words[0])), (int(words[3]), int(words[0]))]

    def step(V, U, N):
        after = V.copy(), U.copy(), N.copy()
        loss = reference.skipgram_block_step(*after[:2], pairs, negatives, 1.0, tree=tree,
                                             node_vectors=after[2])
        return (loss, *(before - moved for before, moved in zip((V, U, N), after)))
    assert joint_gradcheck(step, V, U, nodes) < gradcheck_tol


def test_hs_probabilities_over_all_words_sum_to_one(tree_problem):
    """Each word's exp(-loss) is the product of its branch probabilities: a distribution
    over the leaves, which pins the codes' orientation (label = 1 - code)."""
    _, tree, V, nodes = tree_problem(7, n_words=30, scale=1.0)
    for x in V[:3]:
        total = sum(np.exp(-reference.hs_loss_and_gradient(x, *reference._path(tree, w),
                                                            nodes)[0])
                    for w in range(len(V)))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_hs_loss_checks_its_path(tree_problem):
    _, tree, V, nodes = tree_problem(0)
    with pytest.raises(ValueError, match="path_codes must hold one 0 or 1"):
        reference.hs_loss_and_gradient(V[0], [7, 6], [0, 2], nodes)
    with pytest.raises(ValueError, match="path_nodes contains word id 8"):
        reference.hs_loss_and_gradient(V[0], [7, 8], [0, 1], nodes)


# --- training -----------------------------------------------------------------------


@pytest.mark.parametrize("model_name, kwargs, floor", [
    ("skipgram", dict(hs=True, negative=0), 0.9),
    ("cbow", dict(hs=True, negative=0), 0.8),
    ("skipgram", dict(hs=True, negative=3), 0.9),
    ("skipgram", dict(hs=True, negative=0, kernel="batch"), 0.9),
    ("skipgram", dict(hs=True, negative=3, kernel="batch"), 0.9),
])
def test_two_threads_learn_planted_analogies_with_hs(planted, model_name, kwargs, floor,
                                                     analogy_accuracy):
    model = pyw2v.train(planted.sentences, model=model_name, dim=40, epochs=5, threads=2,
                        seed=3, **kwargs)
    assert model.params.loss == "hs"
    assert analogy_accuracy(model, planted.analogies) >= floor
    assert (np.diff(model.loss_history) < 0).all(), model.loss_history
    assert model.node_vectors.shape == (len(model.vocab) - 1, 40)
    assert model.node_vectors.dtype == np.float32 and model.node_vectors.flags.c_contiguous
    if kwargs["negative"] == 0:
        assert not model.outside_vectors.any()      # negative sampling's U never moved


@pytest.mark.parametrize("model_name, kwargs, floor", [
    ("skipgram", dict(window=2, dim=20, alpha=0.05), 0.8),
    # CBOW's full softmax updates all ~500 rows of U every window, so its two Hogwild
    # threads collide on every step: measured 0.82 when they share one core, 0.47-0.81
    # when they run at once (before and after the chunk-invariant schedule); untrained
    # vectors score < 0.05.
    ("cbow", dict(dim=30), 0.4),
])
def test_two_threads_learn_planted_analogies_with_full_softmax(model_name, kwargs, floor,
                                                               analogy_accuracy):
    small = make_corpus(n_sentences=5000, seed=0, n_filler_words=100)   # ~500 words
    model = pyw2v.train(small.sentences, model=model_name, loss="softmax", epochs=5,
                        threads=2, seed=3, **kwargs)
    assert model.params.loss == "softmax" and model.params.negative == 0
    assert model.node_vectors is None
    # Mean loss per prediction starts near log(vocabulary) and falls every epoch.
    assert model.loss_history[0] < np.log(len(model.vocab)) + 0.1
    assert (np.diff(model.loss_history) < 0).all(), model.loss_history
    assert analogy_accuracy(model, small.analogies) >= floor


@pytest.mark.usefixtures("simd_core")
def test_one_thread_hs_runs_are_bit_identical(planted):
    kwargs = dict(hs=True, negative=2, dim=16, epochs=1, threads=1, seed=5)
    first = pyw2v.train(planted.sentences[:3000], **kwargs)
    second = pyw2v.train(planted.sentences[:3000], **kwargs)
    np.testing.assert_array_equal(first.center_vectors, second.center_vectors)
    np.testing.assert_array_equal(first.node_vectors, second.node_vectors)
    np.testing.assert_array_equal(first.outside_vectors, second.outside_vectors)


# --- parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, error, message", [
    ({"negative": 0}, ValueError, r"negative must be >= 1 for negative sampling .* loss='hs'"),
    ({"loss": "ns"}, ValueError, r"loss must be one of \('negative', 'hs', 'softmax'\)"),
    ({"hs": True, "loss": "softmax"}, ValueError, "choose one"),
    ({"hs": 1}, TypeError, "hs must be a bool"),
    ({"hs": True, "kernel": "batch", "batch_windows": 2}, ValueError,
     "batch_windows=2 needs a batch kernel with negative sampling"),
    ({"loss": "softmax", "kernel": "batch"}, ValueError, "use kernel='pair' with loss='softmax'"),
    ({"hs": True, "negative": -1}, ValueError, r"negative must be in 0\.\.1000, got -1"),
])
def test_bad_loss_parameters_are_named(tmp_path, kwargs, error, message):
    # The corpus does not exist: the parameters are refused before anything is read.
    with pytest.raises(error, match=message):
        pyw2v.train(str(tmp_path / "not-there.txt"), **kwargs)


def test_softmax_refuses_a_vocabulary_above_its_limit():
    sentences = [[f"w{i}" for i in range(SOFTMAX_MAX_VOCAB + 1)]]
    with pytest.raises(ValueError, match=rf"loss='softmax' .* limited to {SOFTMAX_MAX_VOCAB:,} "
                                         rf"words, got {SOFTMAX_MAX_VOCAB + 1:,}.*max_final_vocab"):
        pyw2v.train(sentences, loss="softmax", min_count=1)
    params = pyw2v.TrainingParams(loss="softmax", min_count=1, dim=4,
                                  max_final_vocab=SOFTMAX_MAX_VOCAB)
    vocab = pyw2v.build_vocabulary(sentences, min_count=1, max_final_vocab=SOFTMAX_MAX_VOCAB)
    assert pyw2v.Word2Vec(vocab, params).outside_vectors.shape == (SOFTMAX_MAX_VOCAB, 4)


def test_hs_needs_two_words():
    with pytest.raises(ValueError, match="needs at least 2 words in the vocabulary, got 1"):
        pyw2v.train([["a", "a", "b"]] * 3, hs=True, min_count=4)


# --- saved models -----------------------------------------------------------------------


@pytest.mark.usefixtures("simd_core")
@pytest.mark.parametrize("mmap", [False, True])
def test_hs_training_resumes_after_loading_exactly_as_without_saving(planted, tmp_path, mmap):
    sentences = planted.sentences[:1500]
    kept = pyw2v.train(sentences, hs=True, negative=2, dim=12, epochs=1, threads=1, seed=4)
    kept.save(tmp_path / "m")
    kept.train(sentences, epochs=1, threads=1)
    resumed = pyw2v.load_model(tmp_path / "m", mmap=mmap)
    assert resumed.params.loss == "hs" and resumed.params.negative == 2
    resumed.train(sentences, epochs=1, threads=1)
    np.testing.assert_array_equal(resumed.center_vectors, kept.center_vectors)
    np.testing.assert_array_equal(resumed.node_vectors, kept.node_vectors)
    np.testing.assert_array_equal(resumed.outside_vectors, kept.outside_vectors)
    np.testing.assert_array_equal(resumed.loss_history, kept.loss_history)


def test_saved_models_remember_their_loss(planted, tmp_path):
    sentences = planted.sentences[:500]
    for loss in ("negative", "softmax", "hs"):
        model = pyw2v.train(sentences, loss=loss, dim=4, epochs=1, threads=1)
        model.save(tmp_path / loss)
        loaded = pyw2v.load_model(tmp_path / loss)
        assert loaded.params == model.params and loaded.params.loss == loss
        assert (tmp_path / loss / "node_vectors.npy").exists() == (loss == "hs")
        assert (loaded.node_vectors is None) == (loss != "hs")
    np.testing.assert_array_equal(loaded.node_vectors, model.node_vectors)
    (tmp_path / "hs" / "node_vectors.npy").unlink()
    with pytest.raises(pyw2v.FormatError, match="node_vectors.npy: missing"):
        pyw2v.load_model(tmp_path / "hs")


def test_models_saved_before_the_loss_parameter_load_as_negative_sampling(planted, tmp_path):
    model = pyw2v.train(planted.sentences[:500], dim=4, epochs=1, threads=1)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    del meta["params"]["loss"]
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    loaded = pyw2v.load_model(tmp_path / "m")
    assert loaded.params.loss == "negative" and loaded.node_vectors is None
    np.testing.assert_array_equal(loaded.center_vectors, model.center_vectors)


# --- hot nodes ------------------------------------------------------------------------


@pytest.mark.parametrize("kernel, window", [("window", 3), ("batch", 3), ("pair", 2)])
def test_hot_node_copies_lose_no_step(kernel, window):
    # With several threads each one moves the top of the tree in a copy of its own and
    # syncs it with the shared rows (_hot_nodes.pxi). Chunks of one sentence leave the
    # second thread idle, so two threads must train as one does, up to the rounding of
    # the sync's shared + (copy - base); 30 words have 29 inner nodes, all of them hot.
    # (Exact sigmoid: in table mode that rounding can move a score across a bin.)
    rng = np.random.default_rng(7)
    n_words, dim = 30, 12
    counts = rng.integers(1, 200, n_words).astype(np.int64)
    prob, alias = _core.build_alias_table(np.ones(n_words))
    sentences = [rng.integers(0, n_words, rng.integers(5, 40)).astype(np.uint32)
                 for _ in range(200)]

    start = ((np.random.default_rng(1).random((n_words, dim)) - 0.5) / dim).astype(np.float32)

    def train(threads):
        center = start.copy()
        outside = np.zeros((n_words, dim), np.float32)
        nodes = np.zeros((n_words - 1, dim), np.float32)
        trainer = _core.Trainer(center, outside, np.ones(n_words), prob, alias, kernel=kernel,
                                window=window, negative=0, exact_sigmoid=True, alpha=0.05,
                                min_alpha=0.001, total_words=5000.0, threads=threads, seed=3,
                                call=0, node_vectors=nodes, huffman=_core.build_huffman(counts))
        for sentence in sentences:
            trainer.train_chunk(sentence, np.array([0, len(sentence)], np.int64))
        return center, nodes

    one, two = train(1), train(2)
    assert np.abs(one[1]).max() > 0.01                  # the tree learned
    for single, shared in zip(one, two):
        np.testing.assert_allclose(shared, single, rtol=1e-4, atol=1e-6)
