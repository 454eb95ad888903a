"""Hierarchical softmax and the full softmax: the Huffman tree, the reference's gradients,
the compiled updates against the reference."""
import heapq

import numpy as np
import pytest

import pyw2v
from pyw2v import _core, reference

TOL = 1e-6  # largest gradcheck error accepted for a correct gradient


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


def _tree_problem(seed, n_words=9, dim=5, scale=0.5):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 50, size=n_words)
    V = rng.normal(0.0, scale, (n_words, dim))
    nodes = rng.normal(0.0, scale, (n_words - 1, dim))
    return rng, reference.huffman_tree(counts), V, nodes


@pytest.mark.parametrize("seed", range(5))
def test_hs_pair_gradient_matches_finite_differences(seed):
    rng, tree, V, nodes = _tree_problem(seed)
    word = int(rng.integers(0, len(V)))
    path = reference._path(tree, word)
    dim = V.shape[1]

    def f(x):
        loss, g_x, g_nodes = reference.hs_loss_and_gradient(
            x[:dim], *path, x[dim:].reshape(nodes.shape))
        return loss, np.concatenate([g_x, g_nodes.ravel()])

    assert reference.gradcheck(f, np.concatenate([V[0], nodes.ravel()])) < TOL


@pytest.mark.parametrize("seed", range(4))
def test_skipgram_and_cbow_hs_gradients_match_finite_differences(seed):
    rng, tree, V, nodes = _tree_problem(seed)
    words = rng.integers(0, len(V), size=4)
    words[1] = words[2]                      # a repeated word counts twice

    def window(fn, *args):
        def f(x):
            Vx, Nx = x[:V.size].reshape(V.shape), x[V.size:].reshape(nodes.shape)
            loss, gV, gN = fn(*args, Vx, Nx, tree)
            return loss, np.concatenate([gV.ravel(), gN.ravel()])
        return reference.gradcheck(f, np.concatenate([V.ravel(), nodes.ravel()]))

    assert window(reference.skipgram_hs, int(words[0]), words[1:]) < TOL
    assert window(reference.cbow_hs, words[1:], int(words[0])) < TOL


def test_hs_probabilities_over_all_words_sum_to_one():
    """Each word's exp(-loss) is the product of its branch probabilities: a distribution
    over the leaves, which pins the codes' orientation (label = 1 - code)."""
    _, tree, V, nodes = _tree_problem(7, n_words=30, scale=1.0)
    for x in V[:3]:
        total = sum(np.exp(-reference.hs_loss_and_gradient(x, *reference._path(tree, w),
                                                            nodes)[0])
                    for w in range(len(V)))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_hs_loss_checks_its_path():
    _, tree, V, nodes = _tree_problem(0)
    with pytest.raises(ValueError, match="path_codes must hold one 0 or 1"):
        reference.hs_loss_and_gradient(V[0], [7, 6], [0, 2], nodes)
    with pytest.raises(ValueError, match="path_nodes contains word id 8"):
        reference.hs_loss_and_gradient(V[0], [7, 8], [0, 1], nodes)


# --- the compiled updates against the reference ------------------------------------------

COUNTS = np.array([60, 41, 30, 30, 22, 15, 11, 9, 6, 3, 2, 1], dtype=np.int64)
LAYERS = {
    "hs": dict(negatives=None, hs=True, softmax=False),
    "hs+negative": dict(negatives=[3, 3, 6, 11], hs=True, softmax=False),  # 6 hits the word
    "softmax": dict(negatives=None, hs=False, softmax=True),
}


def _start(seed):
    rng = np.random.default_rng(seed)
    center = rng.normal(scale=0.5, size=(12, 7)).astype(np.float32)
    outside = rng.normal(scale=0.5, size=(12, 7)).astype(np.float32)
    nodes = rng.normal(scale=0.5, size=(11, 7)).astype(np.float32)
    return center, outside, nodes


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("layers", LAYERS)
@pytest.mark.parametrize("model, context", [("skipgram", None), ("cbow", [0]),
                                            ("cbow", [4, 4, 9, 1])])
def test_compiled_update_matches_reference_step(seed, layers, model, context):
    center, outside, nodes = _start(seed)
    ref_center, ref_outside, ref_nodes = (m.astype(np.float64) for m in (center, outside, nodes))
    spec = LAYERS[layers]
    tree = _core.build_huffman(COUNTS)
    negatives = None if spec["negatives"] is None else np.array(spec["negatives"], np.int32)
    compiled = dict(node_vectors=nodes if spec["hs"] else None,
                    huffman=tree if spec["hs"] else None, softmax=spec["softmax"])
    twin = dict(node_vectors=ref_nodes if spec["hs"] else None,
                tree=tree if spec["hs"] else None, softmax=spec["softmax"])
    alpha = 0.1
    if model == "skipgram":
        loss = _core.skipgram_pair_update(center, outside, 2, 6, negatives, alpha, exact=True,
                                          **compiled)
        ref_loss = reference.skipgram_pair_step(ref_center, ref_outside, 2, 6,
                                                spec["negatives"], alpha, **twin)
    else:
        loss = _core.cbow_update(center, outside, np.array(context, np.int32), 6, negatives,
                                 alpha, exact=True, **compiled)
        ref_loss = reference.cbow_step(ref_center, ref_outside, context, 6,
                                       spec["negatives"], alpha, **twin)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    np.testing.assert_allclose(nodes, ref_nodes, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    before_center, before_outside, before_nodes = _start(seed)
    assert np.abs(center - before_center).max() > 1e-3          # the input moved
    moved = nodes - before_nodes if spec["hs"] else outside - before_outside
    assert np.abs(moved).max() > 1e-3                           # and so did the output side
    if not spec["hs"]:
        np.testing.assert_array_equal(nodes, before_nodes)
    if spec["negatives"] is None and spec["hs"]:
        np.testing.assert_array_equal(outside, before_outside)  # U is negative sampling's


def test_table_mode_hs_agrees_to_the_table_resolution():
    center, outside, nodes = _start(5)
    ref_center, ref_nodes = center.astype(np.float64), nodes.astype(np.float64)
    tree = _core.build_huffman(COUNTS)
    alpha = 0.1
    _core.skipgram_pair_update(center, outside, 2, 11, None, alpha, exact=False,
                               node_vectors=nodes, huffman=tree)
    reference.skipgram_pair_step(ref_center, outside.astype(np.float64), 2, 11, None, alpha,
                                 tree=tree, node_vectors=ref_nodes)
    # Each node's coefficient is off by at most alpha * sigma' * half a bin.
    step = alpha * 0.25 * _core.SIGMOID_MAX_EXP / _core.SIGMOID_TABLE_BINS
    depth = int(np.diff(tree[0])[11])
    assert 0 < np.abs(center - ref_center).max() <= depth * step * np.abs(nodes).max() + 1e-6
    assert np.abs(nodes - ref_nodes).max() <= step * np.abs(center).max() + 1e-6


def test_single_step_entry_points_check_output_layers():
    center, outside, nodes = _start(0)
    tree = _core.build_huffman(COUNTS)
    with pytest.raises(ValueError, match="no output layer"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1)
    with pytest.raises(ValueError, match="softmax=True is an output layer of its own"):
        _core.skipgram_pair_update(center, outside, 0, 1, np.array([2], np.int32), 0.1,
                                   softmax=True)
    with pytest.raises(ValueError, match="node_vectors and huffman go together"):
        _core.cbow_update(center, outside, np.array([1], np.int32), 0, None, 0.1,
                          huffman=tree)
    with pytest.raises(ValueError, match=r"node_vectors has shape \(12, 7\), expected \(11, 7\)"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=center,
                                   huffman=tree)
    with pytest.raises(ValueError, match="does not describe 12 words"):
        _core.skipgram_pair_update(center, outside, 0, 1, None, 0.1, node_vectors=nodes,
                                   huffman=_core.build_huffman(COUNTS[:5]))
    starts, path, codes = tree
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
