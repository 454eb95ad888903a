"""Skip-gram's batch kernel with hierarchical softmax (pyw2v/_batch_hs.pxi) against its
reference twin: every register-block shape, HS alone and with negative sampling, repeated
context words and lock factors; and its argument checks. Runs on each SIMD path."""
import numpy as np
import pytest

from pyw2v import _core, reference

pytestmark = pytest.mark.usefixtures("simd_core")

N_WORDS = 40
#: Zipf-like counts: paths from 2 nodes (frequent words) to about 10 (rare ones).
COUNTS = (1000 / np.arange(1, N_WORDS + 1) ** 1.2).astype(np.int64) + 1
TREE = _core.build_huffman(COUNTS)


def _both_steps(rng, random_matrices, dim, context, center, negatives, locked):
    """The compiled and the reference step on copies of the same matrices; returns
    (compiled (V, U, nodes), reference (V, U, nodes), losses, starting matrices)."""
    start = random_matrices(rng, (N_WORDS, dim), (N_WORDS, dim), (N_WORDS - 1, dim))
    ours = tuple(m.copy() for m in start)
    twin = tuple(m.astype(np.float64) for m in start)
    lock = rng.uniform(0.0, 1.0, N_WORDS).astype(np.float32) if locked else None
    negs = None if negatives is None else np.array(negatives, np.int32)
    loss = _core.skipgram_batch_update(ours[0], ours[1], np.array(context, np.int32), center,
                                       negs, 0.1, exact=True, node_vectors=ours[2],
                                       huffman=TREE, lock_factors=lock)
    ref_loss = reference.skipgram_batch_step(twin[0], twin[1], context, center, negatives, 0.1,
                                             tree=TREE, node_vectors=twin[2], lock_factors=lock)
    return ours, twin, (loss, ref_loss), start


@pytest.mark.parametrize("dim", [1, 5, 8, 13, 16, 24, 100, 301])
@pytest.mark.parametrize("n_context", [1, 3, 5, 10, 20])
@pytest.mark.parametrize("center", [0, 7, 39])           # short, middle and long paths
@pytest.mark.parametrize("n_negatives", [0, 5])
def test_hs_batch_step_matches_its_twin(dim, n_context, center, n_negatives, random_matrices):
    rng = np.random.default_rng(dim * 1000 + n_context * 10 + center + n_negatives)
    context = rng.integers(0, 8, n_context).tolist()      # small range: repeats likely
    negatives = rng.integers(0, 12, n_negatives).tolist() if n_negatives else None
    ours, twin, (loss, ref_loss), start = _both_steps(rng, random_matrices, dim, context,
                                                      center, negatives, locked=False)
    for mine, theirs in zip(ours, twin):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    # The context rows and the center's path moved; nothing else did (nor U without NS).
    path = TREE[1][TREE[0][center]:TREE[0][center + 1]]
    assert (np.abs(ours[0] - start[0])[context].max(axis=1) > 0).all()
    assert (np.abs(ours[2] - start[2])[path].max(axis=1) > 0).all()
    for moved, rows, before in ((ours[0], context, start[0]), (ours[2], path, start[2])):
        untouched = np.setdiff1d(np.arange(before.shape[0]), rows)
        np.testing.assert_array_equal(moved[untouched], before[untouched])
    if negatives is None:
        np.testing.assert_array_equal(ours[1], start[1])


@pytest.mark.parametrize("n_negatives", [0, 4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hs_batch_step_applies_lock_factors_to_v_only(n_negatives, seed, random_matrices):
    rng = np.random.default_rng(seed)
    context = [3, 3, 17, 5, 30]
    negatives = rng.integers(0, N_WORDS, n_negatives).tolist() if n_negatives else None
    ours, twin, (loss, ref_loss), _ = _both_steps(rng, random_matrices, 16, context, 25,
                                                  negatives, locked=True)
    for mine, theirs in zip(ours, twin):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def test_hs_batch_step_is_one_pair_step_per_context_row_for_a_single_row(random_matrices):
    """One context row: the batch step is the pair step of the reversed pair (the
    context row walks the center's path), so both kernels' HS math agree."""
    V, U, nodes = random_matrices(3, (N_WORDS, 8), (N_WORDS, 8), (N_WORDS - 1, 8))
    V2, U2, nodes2 = V.copy(), U.copy(), nodes.copy()
    batch = _core.skipgram_batch_update(V, U, np.array([4], np.int32), 21, None, 0.1,
                                        node_vectors=nodes, huffman=TREE)
    pair = _core.skipgram_pair_update(V2, U2, 4, 21, None, 0.1, node_vectors=nodes2,
                                      huffman=TREE)
    assert batch == pytest.approx(pair, rel=1e-6)
    np.testing.assert_allclose(V, V2, atol=1e-6)
    np.testing.assert_allclose(nodes, nodes2, atol=1e-6)


@pytest.mark.parametrize("scale", [0.3, 3.0])     # scores inside [-6, 6], and mostly outside
def test_table_mode_hs_batch_reads_the_pair_kernels_bins(scale, random_matrices):
    """The batch step's branch-free table lookup (saturated bins at both ends) moves
    the rows as the pair kernel's branching one does, saturation included. The
    losses agree to the table's resolution: the pair kernel reads log sigma(-f)
    from -f's bin, the batch step as log sigma(f) - f from f's."""
    for center in (0, 39):
        V, U, nodes = random_matrices(11, (N_WORDS, 16), (N_WORDS, 16), (N_WORDS - 1, 16),
                                      scale=scale)
        V2, nodes2 = V.copy(), nodes.copy()
        batch = _core.skipgram_batch_update(V, U, np.array([6], np.int32), center, None, 0.1,
                                            exact=False, node_vectors=nodes, huffman=TREE)
        pair = _core.skipgram_pair_update(V2, U.copy(), 6, center, None, 0.1, exact=False,
                                          node_vectors=nodes2, huffman=TREE)
        depth = int(np.diff(TREE[0])[center])
        assert batch == pytest.approx(pair, abs=depth * _core.SIGMOID_MAX_EXP
                                      / _core.SIGMOID_TABLE_BINS)
        np.testing.assert_allclose(V, V2, atol=1e-5 * scale)
        np.testing.assert_allclose(nodes, nodes2, atol=1e-5 * scale)


def test_table_mode_hs_batch_agrees_to_the_table_resolution(random_matrices):
    V, U, nodes = random_matrices(5, (N_WORDS, 8), (N_WORDS, 8), (N_WORDS - 1, 8))
    ref = [m.astype(np.float64) for m in (V, U, nodes)]
    context = [2, 9, 9, 30]
    _core.skipgram_batch_update(V, U, np.array(context, np.int32), 39, None, 0.1, exact=False,
                                node_vectors=nodes, huffman=TREE)
    reference.skipgram_batch_step(ref[0], ref[1], context, 39, None, 0.1, tree=TREE,
                                  node_vectors=ref[2])
    # Each coefficient is off by at most alpha * sigma' * half a bin.
    step = 0.1 * 0.25 * _core.SIGMOID_MAX_EXP / _core.SIGMOID_TABLE_BINS
    depth = int(np.diff(TREE[0])[39])
    assert 0 < np.abs(V - ref[0]).max() <= depth * step * np.abs(nodes).max() + 1e-6
    assert np.abs(nodes - ref[2]).max() <= len(context) * step * np.abs(V).max() + 1e-6


def test_hs_batch_update_checks_its_arguments(random_matrices):
    V, U, nodes = random_matrices(0, (N_WORDS, 4), (N_WORDS, 4), (N_WORDS - 1, 4))
    context = np.array([1, 2], np.int32)
    before = V.copy(), nodes.copy()
    with pytest.raises(ValueError, match="no output layer: give negatives, or node_vectors"):
        _core.skipgram_batch_update(V, U, context, 3, None, 0.1)
    with pytest.raises(ValueError, match="node_vectors and huffman go together"):
        _core.skipgram_batch_update(V, U, context, 3, None, 0.1, huffman=TREE)
    with pytest.raises(ValueError, match="node_vectors and huffman go together"):
        _core.skipgram_batch_update(V, U, context, 3, np.array([5], np.int32), 0.1,
                                    node_vectors=nodes)
    with pytest.raises(ValueError, match=r"node_vectors has shape \(40, 4\), expected \(39, 4\)"):
        _core.skipgram_batch_update(V, U, context, 3, None, 0.1, node_vectors=V, huffman=TREE)
    with pytest.raises(ValueError, match="does not describe 40 words"):
        _core.skipgram_batch_update(V, U, context, 3, None, 0.1, node_vectors=nodes,
                                    huffman=_core.build_huffman(COUNTS[:5]))
    with pytest.raises(TypeError, match="negatives must be a 1-D int32 array"):
        _core.skipgram_batch_update(V, U, context, 3, np.array([5], np.int64), 0.1,
                                    node_vectors=nodes, huffman=TREE)
    with pytest.raises(ValueError, match="hierarchical softmax takes one window per block"):
        _core.skipgram_block_update(V, U, np.arange(6, dtype=np.int32), 1,
                                    np.array([[0, 3], [0, 4]], np.int32), None, 0.1,
                                    node_vectors=nodes, huffman=TREE)
    np.testing.assert_array_equal(V, before[0])
    np.testing.assert_array_equal(nodes, before[1])


def test_reference_block_step_checks_its_layers():
    V = np.zeros((N_WORDS, 2))
    with pytest.raises(ValueError, match="tree and node_vectors go together"):
        reference.skipgram_block_step(V, V.copy(), [(1, 2)], None, 0.1, tree=TREE)
    with pytest.raises(ValueError, match="no output layer"):
        reference.skipgram_block_step(V, V.copy(), [(1, 2)], None, 0.1)

