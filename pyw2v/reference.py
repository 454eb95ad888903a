"""Readable NumPy twin of the compiled core: word2vec's losses and their gradients.

Everything here is float64 and written to be checked, not to be fast. The
formulas follow ``docs/math.md`` (§1 notation, §3-§5 losses); words are rows, so

- ``center_vectors`` is V, shape ``(n_words, dim)``, row ``v_w`` ("input" vectors),
- ``outside_vectors`` is U, shape ``(n_words, dim)``, row ``u_w`` ("output" vectors).

Every ``*_loss_and_gradient`` function returns ``(loss, grad_..., grad_...)`` with
the gradients shaped like the arguments they differentiate, so a training step is
``param -= alpha * grad`` and :func:`gradcheck` can verify any of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pyw2v.params import LOSSES

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "softmax",
    "naive_softmax_loss_and_gradient",
    "neg_sampling_loss_and_gradient",
    "hs_loss_and_gradient",
    "skipgram",
    "cbow",
    "skipgram_hs",
    "cbow_hs",
    "huffman_tree",
    "gradcheck",
    "sgd_step",
    "skipgram_pair_step",
    "cbow_step",
    "cbow_batch_step",
    "skipgram_batch_step",
    "skipgram_block_step",
    "SplitMix64",
    "thread_seeds",
    "keep_probabilities",
    "alias_table",
    "fasttext_hash",
    "ngram_buckets",
    "subword_input",
    "subword_skipgram",
    "subword_pair_step",
    "subword_window_step",
    "subword_block_step",
    "train_reference",
]


_F64 = NDArray[np.float64]
#: Matrices updated in place (float64 here; float32 works too).
_Floats = NDArray[np.floating[Any]]
#: (path_starts, path_nodes, path_codes), as huffman_tree returns them.
Tree = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.uint8]]
#: What a loss returns: (loss, gradient w.r.t. the input vector, w.r.t. a matrix).
_LossGrads = tuple[float, _F64, _F64]
#: Skip-gram's negatives: one row of K word ids per outside word.
_NegativeRows = Union[Sequence[ArrayLike], NDArray[np.integer[Any]]]

# --- elementwise functions ---------------------------------------------------


@overload
def sigmoid(x: float) -> float: ...
@overload
def sigmoid(x: NDArray[Any] | Sequence[float]) -> _F64: ...


def sigmoid(x: ArrayLike) -> float | _F64:
    """Logistic function ``1 / (1 + exp(-x))``, elementwise.

    x : float or array of any shape. Returns float64 of the same shape
    (a NumPy scalar for scalar input).

    Never overflows: it only exponentiates ``-|x|``. Saturates exactly, e.g.
    ``sigmoid(1000) == 1.0`` and ``sigmoid(-1000) == 0.0``.
    """
    x = np.asarray(x, dtype=np.float64)
    # exp(-|x|) lies in (0, 1]; for |x| > ~708 it underflows to a subnormal or 0,
    # which is the correctly rounded answer, so underflow is not an error here.
    with np.errstate(under="ignore"):
        z = np.exp(-np.abs(x))
        # For x < 0, z / (1 + z) avoids the cancellation in 1 - 1 / (1 + z).
        out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    result: float | _F64 = out[()]
    return result


@overload
def log_sigmoid(x: float) -> float: ...
@overload
def log_sigmoid(x: NDArray[Any] | Sequence[float]) -> _F64: ...


def log_sigmoid(x: ArrayLike) -> float | _F64:
    """``log(sigmoid(x))``, elementwise, without overflow or ``-inf``.

    x : float or array of any shape. Returns float64 of the same shape.

    Uses ``log sigma(x) = min(x, 0) - log1p(exp(-|x|))``, so
    ``-log_sigmoid(-1000) == 1000.0`` where ``-log(sigmoid(-1000))`` is ``inf``.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):  # exp(-|x|) -> 0 is the right limit
        out = np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))
    result: float | _F64 = out[()]
    return result


def softmax(x: ArrayLike) -> _F64:
    """Softmax along the last axis: ``exp(x) / sum(exp(x))``.

    x : array, shape ``(..., n)``. Returns float64, same shape, each slice along
    the last axis non-negative and summing to 1.

    Subtracting the row maximum first leaves the result unchanged (softmax is
    shift invariant) and keeps every ``exp`` argument ``<= 0``, so nothing overflows.
    """
    x = np.asarray(x, dtype=np.float64)
    # A score far below the maximum gives exp -> 0 (or x - max -> -inf when the
    # spread exceeds the float range): both are the correct limit, not an error.
    with np.errstate(under="ignore", over="ignore"):
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    probabilities: _F64 = e / np.sum(e, axis=-1, keepdims=True)
    return probabilities


def _log_softmax_at(scores: _F64, idx: int) -> float:
    """``log softmax(scores)[idx]`` for 1-D scores, via log-sum-exp (no log(0))."""
    shift = np.max(scores)
    with np.errstate(under="ignore"):
        log_norm = shift + np.log(np.sum(np.exp(scores - shift)))
    value: float = scores[idx] - log_norm
    return value


# --- argument checks ----------------------------------------------------------


def _check_vectors(name: str, vectors: ArrayLike) -> _F64:
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_words, dim), got shape {vectors.shape}"
        )
    return vectors


def _check_matrices(center_vectors: ArrayLike, outside_vectors: ArrayLike
                    ) -> tuple[_F64, _F64]:
    """V and U as float64 arrays of the same (n_words, dim) shape."""
    center_vectors = _check_vectors("center_vectors", center_vectors)
    outside_vectors = _check_vectors("outside_vectors", outside_vectors)
    if center_vectors.shape != outside_vectors.shape:
        raise ValueError(
            f"center_vectors {center_vectors.shape} and outside_vectors "
            f"{outside_vectors.shape} must have the same shape"
        )
    return center_vectors, outside_vectors


def _check_vec(name: str, vec: ArrayLike, dim: int) -> _F64:
    vec = np.asarray(vec, dtype=np.float64)
    if vec.shape != (dim,):
        raise ValueError(
            f"{name} must have shape ({dim},) to match the vector matrices, "
            f"got shape {vec.shape}"
        )
    return vec


def _check_context(context_indices: ArrayLike, n_words: int) -> NDArray[np.intp]:
    """A CBOW window's context ids (:func:`_check_indices`), refusing an empty one."""
    context = _check_indices("context_indices", context_indices, n_words)
    if context.size == 0:
        raise ValueError(
            "context_indices is empty; CBOW needs at least one context word to average"
        )
    return context


def _check_indices(name: str, indices: ArrayLike, n_words: int, ndim: int = 1
                   ) -> NDArray[np.intp]:
    """Integer word ids as an intp array, all in ``[0, n_words)``.

    Checked explicitly because NumPy would silently read a negative id from the
    end of the matrix.
    """
    arr = np.asarray(indices)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer word ids, got dtype {arr.dtype}")
    arr = arr.astype(np.intp, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= n_words):
        bad = arr[(arr < 0) | (arr >= n_words)].ravel()[0]
        raise ValueError(
            f"{name} contains word id {bad}, outside [0, {n_words}); "
            "ids must index rows of the vector matrices"
        )
    return arr


# --- one prediction: a center vector scores one outside word ------------------


def naive_softmax_loss_and_gradient(center_vec: ArrayLike, outside_idx: int,
                                    outside_vectors: ArrayLike) -> _LossGrads:
    """Full-softmax cross-entropy for one (center, outside) pair.

    center_vec : (dim,) float64, ``v_c`` (or CBOW's ``h``).
    outside_idx : int, the observed outside word ``o``.
    outside_vectors : (n_words, dim) float64, U.

    Returns ``(loss, grad_center_vec, grad_outside_vectors)``:
    ``loss = -log softmax(U v_c)[o]`` (float), ``grad_center_vec = U^T (y_hat - y)``
    of shape (dim,), ``grad_outside_vectors = (y_hat - y) v_c^T`` of shape
    (n_words, dim), where ``y`` is one-hot at ``o``. Cost O(n_words * dim).
    """
    outside_vectors = _check_vectors("outside_vectors", outside_vectors)
    n_words, dim = outside_vectors.shape
    center_vec = _check_vec("center_vec", center_vec, dim)
    (o,) = _check_indices("outside_idx", [outside_idx], n_words)

    scores = outside_vectors @ center_vec  # (n_words,)
    # -log y_hat_o through log-sum-exp: finite even when y_hat_o underflows to 0.
    loss = -_log_softmax_at(scores, o)

    delta = softmax(scores)  # y_hat - y, built in place
    delta[o] -= 1.0
    grad_center_vec = delta @ outside_vectors  # = U^T (y_hat - y)
    grad_outside_vectors = np.outer(delta, center_vec).astype(np.float64, copy=False)
    return float(loss), grad_center_vec, grad_outside_vectors


def neg_sampling_loss_and_gradient(
    center_vec: ArrayLike, outside_idx: int, outside_vectors: ArrayLike,
    negative_indices: ArrayLike
) -> _LossGrads:
    """Negative-sampling loss for one (center, outside) pair and K negatives.

    center_vec : (dim,) float64, ``v_c`` (or CBOW's ``h``).
    outside_idx : int, the observed outside word ``o``.
    outside_vectors : (n_words, dim) float64, U.
    negative_indices : (K,) int, the sampled words ``w_1..w_K``.

    ``loss = -log sigma(u_o . v_c) - sum_s log sigma(-u_{w_s} . v_c)``.
    Returns ``(loss, grad_center_vec (dim,), grad_outside_vectors (n_words, dim))``;
    only rows ``o`` and ``w_s`` of the latter are non-zero. Cost O(K * dim).

    Every draw is its own term of the loss, so a word drawn n times gets n times
    its gradient, and a negative equal to ``o`` simply adds a second term to row
    ``o``; the gradient is exact in both cases.
    """
    outside_vectors = _check_vectors("outside_vectors", outside_vectors)
    n_words, dim = outside_vectors.shape
    center_vec = _check_vec("center_vec", center_vec, dim)
    (o,) = _check_indices("outside_idx", [outside_idx], n_words)
    negatives = _check_indices("negative_indices", negative_indices, n_words)

    # The K+1 terms share one form, -log sigma(sign * u . v_c), with sign +1 for
    # the observed word and -1 for each negative (docs/math.md §4).
    rows = np.concatenate(([o], negatives))  # (K+1,)
    signs = np.ones(rows.size)
    signs[1:] = -1.0
    margins = signs * (outside_vectors[rows] @ center_vec)  # (K+1,)
    loss = -np.sum(log_sigmoid(margins))

    # d/d(u . v_c) of -log sigma(sign * u . v_c) is sign * (sigma(margin) - 1):
    # sigma(u_o . v_c) - 1 for o, sigma(u_w . v_c) for a negative.
    coeffs = signs * (sigmoid(margins) - 1.0)  # (K+1,)
    grad_center_vec = coeffs @ outside_vectors[rows]
    grad_outside_vectors = np.zeros_like(outside_vectors)
    # np.add.at accumulates repeated rows; grad[rows] += ... would keep only one.
    np.add.at(grad_outside_vectors, rows, np.outer(coeffs, center_vec))
    return float(loss), grad_center_vec, grad_outside_vectors


def hs_loss_and_gradient(center_vec: ArrayLike, path_nodes: ArrayLike, path_codes: ArrayLike,
                         node_vectors: ArrayLike) -> _LossGrads:
    """Hierarchical-softmax loss for one prediction: ``x = center_vec`` walks the
    predicted word's path in the Huffman tree.

    center_vec : (dim,) float64, the input ``x`` (``v_c``, or CBOW's ``h``).
    path_nodes : (L,) int, the inner nodes ``n_1..n_L`` on the word's path, root first.
    path_codes : (L,) 0/1, the branch ``b_k`` taken at each node (the word's code).
    node_vectors : (n_words - 1, dim) float64, one row per inner node.

    Each node is a binary logistic decision with label ``1 - b_k`` (word2vec.c's
    convention), so with ``f_k = n_k . x``::

        loss = -sum_k log sigma((1 - 2 b_k) f_k)
        d loss / d x   = sum_k (sigma(f_k) - (1 - b_k)) n_k
        d loss / d n_k = (sigma(f_k) - (1 - b_k)) x

    Returns ``(loss, grad_center_vec (dim,), grad_node_vectors (n_words - 1, dim))``;
    only the path's rows of the latter are non-zero. Cost O(L * dim).
    """
    node_vectors = _check_vectors("node_vectors", node_vectors)
    n_nodes, dim = node_vectors.shape
    center_vec = _check_vec("center_vec", center_vec, dim)
    nodes = _check_indices("path_nodes", path_nodes, n_nodes)
    codes = np.asarray(path_codes)
    if codes.shape != nodes.shape or not np.isin(codes, (0, 1)).all():
        raise ValueError(
            f"path_codes must hold one 0 or 1 per path node ({nodes.size}), got {codes!r}"
        )
    scores = node_vectors[nodes] @ center_vec  # (L,)
    loss = -np.sum(log_sigmoid((1.0 - 2.0 * codes) * scores))
    coeffs = sigmoid(scores) - (1.0 - codes)  # (L,)
    grad_center_vec = coeffs @ node_vectors[nodes]
    grad_node_vectors = np.zeros_like(node_vectors)
    np.add.at(grad_node_vectors, nodes, np.outer(coeffs, center_vec))
    return float(loss), grad_center_vec, grad_node_vectors


def _path(tree: Tree, word: int) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """(nodes, codes) of ``word`` in a tree laid out as :func:`huffman_tree` returns it."""
    starts, nodes, codes = tree
    return nodes[starts[word] : starts[word + 1]], codes[starts[word] : starts[word + 1]]


def _pair_loss_and_gradient(center_vec: ArrayLike, outside_idx: int, outside_vectors: ArrayLike,
                            negatives: ArrayLike | None) -> _LossGrads:
    if negatives is None:
        return naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors)
    return neg_sampling_loss_and_gradient(
        center_vec, outside_idx, outside_vectors, negatives
    )


# --- one window: the two word2vec models --------------------------------------


def skipgram(center_idx: int, outside_indices: ArrayLike, center_vectors: ArrayLike,
             outside_vectors: ArrayLike, negatives: _NegativeRows | None = None) -> _LossGrads:
    """Skip-gram loss for one window: the center word predicts each outside word.

    center_idx : int, the center word ``c``.
    outside_indices : (n_outside,) int, the words in the window (may repeat).
    center_vectors : (n_words, dim) float64, V.
    outside_vectors : (n_words, dim) float64, U.
    negatives : None for the naive softmax loss, or (n_outside, K) int where
        ``negatives[j]`` are the K negatives drawn for ``outside_indices[j]``.

    Returns ``(loss, grad_center_vectors, grad_outside_vectors)``: the summed
    per-pair loss and its gradients w.r.t. the full V and U (each
    (n_words, dim)). Only row ``c`` of ``grad_center_vectors`` is non-zero.
    """
    center_vectors, outside_vectors = _check_matrices(center_vectors, outside_vectors)
    n_words = center_vectors.shape[0]
    (c,) = _check_indices("center_idx", [center_idx], n_words)
    outside = _check_indices("outside_indices", outside_indices, n_words)
    if negatives is not None and len(negatives) != outside.size:
        raise ValueError(
            f"negatives has {len(negatives)} rows but outside_indices has "
            f"{outside.size} words; pass one row of negatives per outside word"
        )

    center_vec = center_vectors[c]
    loss = 0.0
    grad_center_vec = np.zeros(center_vectors.shape[1])
    grad_outside_vectors = np.zeros_like(outside_vectors)
    for j, o in enumerate(outside):
        negs = None if negatives is None else negatives[j]
        pair_loss, g_center, g_outside = _pair_loss_and_gradient(
            center_vec, o, outside_vectors, negs
        )
        loss += pair_loss
        grad_center_vec += g_center
        grad_outside_vectors += g_outside

    grad_center_vectors = np.zeros_like(center_vectors)
    grad_center_vectors[c] = grad_center_vec
    return loss, grad_center_vectors, grad_outside_vectors


def cbow(context_indices: ArrayLike, center_idx: int, center_vectors: ArrayLike,
         outside_vectors: ArrayLike, negatives: ArrayLike | None = None) -> _LossGrads:
    """CBOW loss for one window: the mean context vector predicts the center word.

    context_indices : (n_context,) int, n_context >= 1, the words around the
        center; a word appearing twice counts twice in the mean.
    center_idx : int, the center word, the one being predicted.
    center_vectors : (n_words, dim) float64, V (the context words' rows are read).
    outside_vectors : (n_words, dim) float64, U.
    negatives : None for the naive softmax loss, or (K,) int, the negatives for
        this single prediction.

    With ``h = mean(V[context_indices])`` the loss is that of
    :func:`naive_softmax_loss_and_gradient` / :func:`neg_sampling_loss_and_gradient`
    at ``(h, center_idx)``. Returns ``(loss, grad_center_vectors,
    grad_outside_vectors)``, both (n_words, dim), the TRUE gradient: each context
    occurrence contributes ``(1 / n_context) dJ/dh`` to its row.

    Note: the training step (``sgd_step``) follows word2vec.c and gensim, which
    move each context row by ``alpha * dJ/dh``, i.e. ``n_context`` times this
    gradient. The tests check this function against finite differences and
    ``sgd_step`` against the trainers' convention.
    """
    center_vectors, outside_vectors = _check_matrices(center_vectors, outside_vectors)
    n_words = center_vectors.shape[0]
    context = _check_context(context_indices, n_words)
    (c,) = _check_indices("center_idx", [center_idx], n_words)

    h = center_vectors[context].mean(axis=0)  # (dim,)
    loss, grad_h, grad_outside_vectors = _pair_loss_and_gradient(
        h, c, outside_vectors, negatives
    )
    grad_center_vectors = np.zeros_like(center_vectors)
    # dh/dv_w = (count of w in the context) / n_context; add.at counts repeats.
    np.add.at(grad_center_vectors, context, grad_h / context.size)
    return loss, grad_center_vectors, grad_outside_vectors


def skipgram_hs(center_idx: int, outside_indices: ArrayLike, center_vectors: ArrayLike,
                node_vectors: ArrayLike, tree: Tree) -> _LossGrads:
    """Skip-gram with hierarchical softmax for one window: ``v_c`` walks the path of
    each outside word (docs/math.md §6, as the trainer's pair kernel).

    center_vectors : (n_words, dim) float64, V.
    node_vectors : (n_words - 1, dim) float64, the inner-node vectors.
    tree : ``(path_starts, path_nodes, path_codes)`` as :func:`huffman_tree` returns.

    Returns ``(loss, grad_center_vectors (n_words, dim), grad_node_vectors
    (n_words - 1, dim))``: the summed :func:`hs_loss_and_gradient` and its gradients.
    """
    center_vectors = _check_vectors("center_vectors", center_vectors)
    n_words = center_vectors.shape[0]
    (c,) = _check_indices("center_idx", [center_idx], n_words)
    outside = _check_indices("outside_indices", outside_indices, n_words)
    loss = 0.0
    grad_center_vectors = np.zeros_like(center_vectors)
    grad_node_vectors = np.zeros_like(np.asarray(node_vectors, dtype=np.float64))
    for o in outside:
        pair_loss, g_center, g_nodes = hs_loss_and_gradient(
            center_vectors[c], *_path(tree, o), node_vectors
        )
        loss += pair_loss
        grad_center_vectors[c] += g_center
        grad_node_vectors += g_nodes
    return loss, grad_center_vectors, grad_node_vectors


def cbow_hs(context_indices: ArrayLike, center_idx: int, center_vectors: ArrayLike,
            node_vectors: ArrayLike, tree: Tree) -> _LossGrads:
    """CBOW with hierarchical softmax for one window: ``h = mean(V[context])`` walks
    the center word's path. Arguments as :func:`skipgram_hs`.

    Returns ``(loss, grad_center_vectors, grad_node_vectors)``, the TRUE gradient
    (each context occurrence gets ``(1 / n_context) dJ/dh``, as in :func:`cbow`).
    """
    center_vectors = _check_vectors("center_vectors", center_vectors)
    n_words = center_vectors.shape[0]
    context = _check_context(context_indices, n_words)
    (c,) = _check_indices("center_idx", [center_idx], n_words)
    h = center_vectors[context].mean(axis=0)
    loss, grad_h, grad_node_vectors = hs_loss_and_gradient(h, *_path(tree, c), node_vectors)
    grad_center_vectors = np.zeros_like(center_vectors)
    np.add.at(grad_center_vectors, context, grad_h / context.size)
    return loss, grad_center_vectors, grad_node_vectors


def huffman_tree(counts: Iterable[int]) -> Tree:
    """word2vec's Huffman tree over words with these counts, as flat arrays.

    Returns ``(path_starts int64 (n+1,), path_nodes int32, path_codes uint8)``: word
    ``w``'s path from the root is ``path_nodes[path_starts[w]:path_starts[w+1]]``
    (inner nodes numbered 0..n-2 in the order they are made; the root is n-2),
    and ``path_codes`` the branch taken at each. Two queues: leaves by ascending
    count (ties: lower id first) and merged nodes as made; each merge joins the
    two lightest heads, a leaf before a merged node of equal weight, the first
    on branch 0. ``pyw2v._core.build_huffman`` is the compiled twin.
    """
    counts = [int(c) for c in counts]
    n = len(counts)
    if n < 2:
        raise ValueError(f"a Huffman tree needs at least 2 words, got {n}")
    leaves = sorted(range(n), key=lambda w: counts[w])  # stable: ties by id
    weight = counts + [0] * (n - 1)
    parent, branch = [0] * (2 * n - 1), [0] * (2 * n - 1)
    leaf, merged = 0, n
    for made in range(n, 2 * n - 1):
        for code in (0, 1):
            if leaf < n and (merged == made or weight[leaves[leaf]] <= weight[merged]):
                pick, leaf = leaves[leaf], leaf + 1
            else:
                pick, merged = merged, merged + 1
            parent[pick], branch[pick] = made, code
            weight[made] += weight[pick]
    root = 2 * n - 2
    paths = []
    for w in range(n):
        path, node = [], w
        while node != root:
            path.append((parent[node] - n, branch[node]))
            node = parent[node]
        paths.append(path[::-1])
    starts = np.cumsum([0] + [len(p) for p in paths]).astype(np.int64)
    nodes = np.array([node for p in paths for node, _ in p], dtype=np.int32)
    codes = np.array([code for p in paths for _, code in p], dtype=np.uint8)
    return starts, nodes, codes


# --- verification -------------------------------------------------------------

# A central difference of f carries rounding noise of about
# |f(x)| * 1e-16 / eps per entry (measured: ~2e-10 * |f(x)| at eps = 1e-6), so an
# entry whose true derivative is much smaller than that cannot be resolved to a
# relative 1e-6. gradcheck therefore divides by at least
# GRADCHECK_FLOOR * max(1, |f(x)|): errors are relative for entries above that
# floor and absolute, on the loss's own scale, for entries that are both ~0.
GRADCHECK_FLOOR = 1e-2


def gradcheck(f: Callable[[_F64], tuple[float, ArrayLike]], x: ArrayLike,
              eps: float = 1e-6) -> float:
    """Compare an analytic gradient with central finite differences.

    f : callable, ``f(x) -> (loss, grad)`` with ``loss`` a scalar and ``grad`` an
        array shaped like ``x``.
    x : float64 array of any shape; it is copied, never modified.
    eps : float, half the finite-difference step; 1e-6 balances truncation
        (~eps**2) against rounding (~1e-16 / eps).

    Returns the largest error over all entries ``i`` of ``x``::

        |a_i - n_i| / max(|a_i| + |n_i|, GRADCHECK_FLOOR * max(1, |f(x)|))

    where ``a`` is the analytic gradient at ``x`` and
    ``n_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. It is 0 for a perfect
    match (including entries where both are exactly 0), at most 1, and near 1
    when the two disagree in sign; a correct gradient gives ~1e-8.
    """
    x = np.array(x, dtype=np.float64)  # a private copy that we perturb in place
    loss, analytic = f(x.copy())
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(
            f"f returned a gradient of shape {analytic.shape} for x of shape "
            f"{x.shape}; the gradient must be shaped like x"
        )
    floor = GRADCHECK_FLOOR * max(1.0, abs(float(loss)))

    worst = 0.0
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        plus, step_up = f(x.copy())[0], x[i]
        x[i] = original - eps
        minus, step_down = f(x.copy())[0], x[i]
        x[i] = original
        # Divide by the step actually taken: original +- eps is rounded.
        numeric = (plus - minus) / (step_up - step_down)
        a = analytic[i]
        worst = max(worst, abs(a - numeric) / max(abs(a) + abs(numeric), floor))
    return float(worst)


# --- training (sgd_step, train_reference) below ---


def sgd_step(center_vectors: _Floats, outside_vectors: _Floats, grad_center_vectors: _Floats,
             grad_outside_vectors: _Floats, alpha: float, lock_factors: ArrayLike | None = None
             ) -> None:
    """One simultaneous gradient step, in place: ``V -= alpha dJ/dV``, ``U -= alpha dJ/dU``.

    Both gradients must have been computed from the vectors before this call,
    which is what makes the step simultaneous (docs/math.md §7). lock_factors,
    (n_words,) or None (all 1), scales row w of V's step by lock_factors[w]
    (0 freezes it); U is never locked (docs/math.md §14).
    """
    if lock_factors is not None:
        grad_center_vectors = grad_center_vectors * np.asarray(lock_factors,
                                                               dtype=np.float64)[:, None]
    center_vectors -= alpha * grad_center_vectors
    outside_vectors -= alpha * grad_outside_vectors


def _output_layers(x: _F64, word: int, outside_vectors: _Floats, negatives: Sequence[int] | None,
                   tree: Tree | None, node_vectors: _Floats | None, softmax: bool
                   ) -> tuple[float, _F64, _Floats, _Floats | None]:
    """Loss and gradients (w.r.t. x, U, the node vectors) of every output layer the
    trainer has on for input ``x`` predicting ``word``: negative sampling when
    ``negatives`` is non-empty (those equal to ``word`` skipped), hierarchical
    softmax when ``tree`` is given, the full softmax when ``softmax``."""
    loss, grad_x = 0.0, np.zeros(x.shape)
    grad_outside: _Floats = np.zeros_like(outside_vectors)
    grad_nodes = None if tree is None else np.zeros_like(node_vectors)
    # node_vectors (hence grad_nodes) come with tree: _check_replay, or an error here.
    if negatives is not None and len(negatives):
        kept = [w for w in negatives if w != word]
        part, g_x, g_outside = neg_sampling_loss_and_gradient(x, word, outside_vectors, kept)
        loss, grad_x, grad_outside = loss + part, grad_x + g_x, grad_outside + g_outside
    if tree is not None:
        part, g_x, g_nodes = hs_loss_and_gradient(x, *_path(tree, word),
                                                  cast(_Floats, node_vectors))
        loss, grad_x = loss + part, grad_x + g_x
        grad_nodes = cast(_Floats, grad_nodes) + g_nodes
    if softmax:
        part, g_x, g_outside = naive_softmax_loss_and_gradient(x, word, outside_vectors)
        loss, grad_x, grad_outside = loss + part, grad_x + g_x, grad_outside + g_outside
    return loss, grad_x, grad_outside, grad_nodes


def skipgram_pair_step(center_vectors: _Floats, outside_vectors: _Floats, center: int,
                       outside: int, negatives: Sequence[int] | None, alpha: float, *,
                       tree: Tree | None = None, node_vectors: _Floats | None = None,
                       softmax: bool = False, lock_factors: ArrayLike | None = None) -> float:
    """The trainer's update for one (center, outside) pair; returns the pair's loss.

    ``v_center`` predicts ``outside`` through the output layers that are on:
    negative sampling with ``negatives`` (None or empty: off; those equal to
    ``outside`` are skipped, as the trainer and word2vec.c do), hierarchical
    softmax with ``tree`` and ``node_vectors`` (updated in place), the full
    softmax with ``softmax=True``. One simultaneous step for all of them;
    ``lock_factors`` as in :func:`sgd_step`.
    """
    loss, grad_x, grad_outside, grad_nodes = _output_layers(
        center_vectors[center], outside, outside_vectors, negatives, tree, node_vectors, softmax
    )
    grad_center = np.zeros_like(center_vectors)
    grad_center[center] = grad_x
    sgd_step(center_vectors, outside_vectors, grad_center, grad_outside, alpha, lock_factors)
    if grad_nodes is not None:   # then node_vectors was given (see _output_layers)
        node_vectors -= alpha * grad_nodes  # type: ignore[operator]
    return loss


def cbow_step(center_vectors: _Floats, outside_vectors: _Floats, context: Iterable[int],
              center: int, negatives: Sequence[int] | None, alpha: float, *,
              tree: Tree | None = None, node_vectors: _Floats | None = None,
              softmax: bool = False, cbow_mean: bool = True,
              lock_factors: ArrayLike | None = None) -> float:
    """The trainer's update for one CBOW window; returns its loss.

    ``h = mean(V[context])`` (the sum with ``cbow_mean=False``) predicts
    ``center`` through the output layers of :func:`skipgram_pair_step`. Each
    context row moves by ``alpha * dJ/dh`` (word2vec.c's and gensim's
    convention), which for the mean is ``len(context)`` times the true gradient
    that :func:`cbow` and :func:`cbow_hs` return, and for the sum is the true
    gradient; ``lock_factors`` as in :func:`sgd_step`.
    """
    context = list(context)
    rows = np.asarray(center_vectors, dtype=np.float64)[context]
    h = rows.mean(axis=0) if cbow_mean else rows.sum(axis=0)
    loss, grad_h, grad_outside, grad_nodes = _output_layers(
        h, center, outside_vectors, negatives, tree, node_vectors, softmax
    )
    grad_center = np.zeros_like(center_vectors)
    np.add.at(grad_center, context, grad_h)
    sgd_step(center_vectors, outside_vectors, grad_center, grad_outside, alpha, lock_factors)
    if grad_nodes is not None:   # then node_vectors was given (see _output_layers)
        node_vectors -= alpha * grad_nodes  # type: ignore[operator]
    return loss


def cbow_batch_step(center_vectors: _Floats, outside_vectors: _Floats,
                    windows: Iterable[tuple[Iterable[int], int]], negatives: Iterable[int],
                    alpha: float, *, cbow_mean: bool = True,
                    lock_factors: ArrayLike | None = None,
                    subwords: tuple[ArrayLike, ArrayLike] | None = None) -> float:
    """CBOW's batch kernel's update for a block of windows sharing one set of
    negatives; returns the summed loss.

    ``windows`` holds (context words, center word). Each window is
    :func:`cbow_step`'s prediction with the block's negatives, those equal to
    its own center skipped; the loss is the sum of the windows' losses, and one
    simultaneous step applies the summed updates (V's rows by ``alpha dJ/dh``
    of their windows, as :func:`cbow_step`; ``lock_factors`` as in :func:`sgd_step`).
    ``subwords`` = (part_offsets, part_rows): a context word's input is then
    :func:`subword_input` of its parts, each part moving by the whole ``alpha
    dJ/dh`` (docs/math.md §16).
    """
    negatives = list(negatives)
    grad_center = np.zeros_like(center_vectors)
    grad_outside = np.zeros_like(outside_vectors)
    loss = 0.0
    parts_of = _parts_lookup(subwords)
    for context, center in windows:
        word_parts = [parts_of(word) for word in context]
        rows = np.array([subword_input(center_vectors, parts) for parts in word_parts])
        h = rows.mean(axis=0) if cbow_mean else rows.sum(axis=0)
        part, grad_h, grad_u = neg_sampling_loss_and_gradient(
            h, center, outside_vectors, [w for w in negatives if w != center])
        loss += part
        grad_outside += grad_u
        for parts in word_parts:
            np.add.at(grad_center, parts, grad_h)
    sgd_step(center_vectors, outside_vectors, grad_center, grad_outside, alpha, lock_factors)
    return loss


def _parts_lookup(subwords: tuple[ArrayLike, ArrayLike] | None
                  ) -> Callable[[int], NDArray[np.intp]]:
    """word -> the rows of its input vector: its own row, or with ``subwords`` =
    (part_offsets, part_rows) its parts."""
    if subwords is None:
        return lambda word: np.array([word], dtype=np.intp)
    offsets = np.asarray(subwords[0], dtype=np.intp)
    part_rows = np.asarray(subwords[1], dtype=np.intp)
    return lambda word: part_rows[offsets[word]:offsets[word + 1]]


def skipgram_batch_step(center_vectors: _Floats, outside_vectors: _Floats,
                        context: Iterable[int], center: int, negatives: Iterable[int] | None,
                        alpha: float, *, tree: Tree | None = None,
                        node_vectors: _Floats | None = None,
                        lock_factors: ArrayLike | None = None) -> float:
    """The batch kernel's update for one skip-gram window; returns the summed loss.

    Each context word's center vector predicts ``center`` against the same
    negatives and, with ``tree``, along the center's path:
    :func:`skipgram_block_step` with one window.
    """
    return skipgram_block_step(center_vectors, outside_vectors,
                               [(word, center) for word in context], negatives, alpha,
                               tree=tree, node_vectors=node_vectors, lock_factors=lock_factors)


def skipgram_block_step(center_vectors: _Floats, outside_vectors: _Floats,
                        pairs: Iterable[tuple[int, int]], negatives: Iterable[int] | None,
                        alpha: float, *, tree: Tree | None = None,
                        node_vectors: _Floats | None = None,
                        lock_factors: ArrayLike | None = None,
                        subwords: tuple[ArrayLike, ArrayLike] | None = None) -> float:
    """The batch kernel's update for a block of windows sharing one set of
    negatives; returns the summed loss.

    ``pairs`` holds (context word, center word): the context word's center
    vector predicts the center against the negatives, those equal to the
    center of any pair skipped, with loss :func:`neg_sampling_loss_and_gradient`;
    with ``tree`` and ``node_vectors`` (updated in place) it also walks the
    center's path, loss :func:`hs_loss_and_gradient` (word2vec.c's -hs 1
    orientation, docs/math.md §6). Negative sampling is off when a tree is given
    and ``negatives`` is None or empty. The loss is the sum over pairs and
    layers, and one simultaneous step applies the summed gradients
    (``lock_factors`` as in :func:`sgd_step`). ``subwords`` = (part_offsets,
    part_rows): a context word's input is then :func:`subword_input` of its parts
    (rows of ``center_vectors``, which holds the n-gram rows after the words'),
    each part moving by the word's whole input gradient (docs/math.md §16).
    """
    if (tree is None) != (node_vectors is None):
        raise ValueError("tree and node_vectors go together: give both for hierarchical "
                         "softmax, or neither")
    draws = [] if negatives is None else list(negatives)
    if tree is None and negatives is None:
        raise ValueError("no output layer: give negatives, or tree and node_vectors")
    sampling = tree is None or len(draws) > 0
    pairs = list(pairs)
    centers = {center for _, center in pairs}
    draws = [w for w in draws if w not in centers]
    grad_center = np.zeros_like(center_vectors)
    grad_outside = np.zeros_like(outside_vectors)
    grad_nodes = None if node_vectors is None else np.zeros_like(node_vectors)
    loss = 0.0
    parts_of = _parts_lookup(subwords)
    for word, center in pairs:
        parts = parts_of(word)
        x = subword_input(center_vectors, parts)
        if sampling:
            pair_loss, grad_vec, grad_u = neg_sampling_loss_and_gradient(
                x, center, outside_vectors, draws
            )
            loss += pair_loss
            np.add.at(grad_center, parts, grad_vec)
            grad_outside += grad_u
        if tree is not None:
            pair_loss, grad_vec, grad_n = hs_loss_and_gradient(
                x, *_path(tree, center), cast(_Floats, node_vectors)
            )
            loss += pair_loss
            np.add.at(grad_center, parts, grad_vec)
            grad_nodes = cast(_Floats, grad_nodes) + grad_n
    sgd_step(center_vectors, outside_vectors, grad_center, grad_outside, alpha, lock_factors)
    if grad_nodes is not None:   # then node_vectors was given
        node_vectors -= alpha * grad_nodes  # type: ignore[operator]
    return loss


# --- the random stream the compiled trainer draws from ---------------------------

_MASK64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    """splitmix64's output function: a bijection that scrambles every bit."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class SplitMix64:
    """splitmix64, the compiled core's RNG, with its three ways of using a draw."""

    def __init__(self, state: int) -> None:
        self.state = int(state) & _MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        return _mix64(self.state)

    def uniform(self) -> float:
        """Uniform in [0, 1) from the top 53 bits."""
        return (self.next() >> 11) * 2.0**-53

    def below(self, n: int) -> int:
        """0..n-1 from the top 32 bits (multiply-shift)."""
        return ((self.next() >> 32) * n) >> 32

    def noise(self, alias_prob: NDArray[np.float64], alias_index: NDArray[np.int32]) -> int:
        """One draw from an alias table: top 32 bits pick a column, low 32 its coin."""
        r = self.next()
        col = ((r >> 32) * len(alias_prob)) >> 32
        coin = (r & 0xFFFFFFFF) * 2.0**-32
        return col if coin < alias_prob[col] else int(alias_index[col])


def thread_seeds(seed: int, call: int, threads: int) -> list[int]:
    """The states threads 0..threads-1 of training call ``call`` start from: the first
    outputs of splitmix64 started at ``mix(mix(seed) + call)`` (twin of
    ``pyw2v._core.thread_seeds``), so calls never share a stream."""
    rng = SplitMix64(_mix64((_mix64(int(seed) & _MASK64) + int(call)) & _MASK64))
    return [rng.next() for _ in range(threads)]


def keep_probabilities(counts: ArrayLike, sample: float) -> _F64:
    """word2vec.c's subsampling keep-probability per word (ones when sample == 0)."""
    counts = np.asarray(counts, dtype=np.int64)
    if sample <= 0:
        return np.ones(len(counts))
    ratio = counts / (sample * counts.sum())
    keep: _F64 = np.minimum(1.0, (np.sqrt(ratio) + 1.0) / ratio)
    return keep


def alias_table(weights: ArrayLike) -> tuple[_F64, NDArray[np.int32]]:
    """Vose's alias table for weights (float64): returns (prob, alias)."""
    weights = np.asarray(weights, dtype=np.float64)
    n = len(weights)
    total = np.cumsum(weights)[-1]  # summed left to right, as the core does
    prob = weights * n / total
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if prob[i] < 1.0]
    large = [i for i in range(n) if prob[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        alias[s] = g
        prob[g] -= 1.0 - prob[s]
        (small if prob[g] < 1.0 else large).append(g)
    prob[small + large] = 1.0  # leftovers are 1 up to rounding
    return prob, alias


_KERNEL_OF_MODEL = {"skipgram": ("pair", "batch"), "cbow": ("window", "batch")}


def fasttext_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a of ``data``: each byte is sign-extended to 32 bits
    before the xor (fastText hashes C chars), so a byte from 0x80 up xors as
    0xFFFFFF00 | byte."""
    h = 2166136261
    for byte in data:
        h = ((h ^ (0xFFFFFF00 | byte if byte >= 0x80 else byte)) * 16777619) % 2**32
    return h


def ngram_buckets(word: str, minn: int, maxn: int, buckets: int) -> list[int]:
    """The buckets of ``word``'s character n-grams, in fastText's order: the word
    wrapped in ``<`` ``>``, every run of minn to maxn characters by start then
    length, except a lone marker; each run's UTF-8 bytes hashed, modulo buckets."""
    chars = ["<", *word, ">"]
    out = []
    for start in range(len(chars)):
        for stop in range(start + minn, min(start + maxn, len(chars)) + 1):
            if stop - start == 1 and chars[start] in ("<", ">") and start in (0, len(chars) - 1):
                continue
            out.append(fasttext_hash("".join(chars[start:stop]).encode("utf-8")) % buckets)
    return out


def subword_input(center_vectors: ArrayLike, parts: ArrayLike) -> _F64:
    """A word's input vector from its parts (its own row and its n-gram rows of the
    input matrix, docs/math.md §16): their mean, a repeated part counted each time."""
    rows = np.asarray(center_vectors)[np.asarray(parts, dtype=np.intp)].astype(np.float64)
    if rows.shape[0] == 0:
        raise ValueError("parts is empty: a word's input vector needs at least one row")
    mean: _F64 = rows.mean(axis=0)
    return mean


def subword_skipgram(parts: ArrayLike, outside_idx: int, center_vectors: ArrayLike,
                     outside_vectors: ArrayLike, negative_indices: ArrayLike) -> _LossGrads:
    """Negative-sampling loss of one pair whose input word is made of ``parts``
    (rows of the input matrix ``center_vectors``, docs/math.md §16), predicting
    ``outside_idx``. Returns ``(loss, grad_center_vectors, grad_outside_vectors)``,
    the true gradients: each part's row gets ``1/len(parts)`` of the input's, once
    per occurrence."""
    center_vectors, outside_vectors = (_check_vectors("center_vectors", center_vectors),
                                       _check_vectors("outside_vectors", outside_vectors))
    rows = _check_indices("parts", parts, center_vectors.shape[0])
    loss, grad_x, grad_outside = neg_sampling_loss_and_gradient(
        subword_input(center_vectors, rows), outside_idx, outside_vectors, negative_indices)
    grad_center = np.zeros_like(center_vectors)
    np.add.at(grad_center, rows, grad_x / rows.size)
    return loss, grad_center, grad_outside


def subword_pair_step(center_vectors: _Floats, outside_vectors: _Floats, parts: ArrayLike,
                      outside: int, negatives: Sequence[int], alpha: float) -> float:
    """The trainer's update for one pair whose input word is made of ``parts``;
    returns its loss. One simultaneous step, with fastText's convention: every part
    moves by the full ``-alpha dJ/dx`` (``len(parts)`` times its true gradient,
    docs/math.md §16); negatives equal to ``outside`` are skipped."""
    rows = np.asarray(parts, dtype=np.intp)
    loss, grad_x, grad_outside = neg_sampling_loss_and_gradient(
        subword_input(center_vectors, rows), outside, outside_vectors,
        [w for w in negatives if w != outside])
    grad_center = np.zeros_like(center_vectors)
    np.add.at(grad_center, rows, grad_x)
    sgd_step(center_vectors, outside_vectors, grad_center, grad_outside, alpha)
    return loss


def subword_window_step(center_vectors: _Floats, outside_vectors: _Floats, parts: ArrayLike,
                        outsides: Sequence[int], negatives: _NegativeRows,
                        alpha: float) -> float:
    """The skip-gram pair kernel's update for one center's window with subwords;
    returns its loss, summed over the pairs (docs/math.md §16).

    The center's input ``x`` (the mean of ``parts``) is composed once; pair ``i``
    predicts ``outsides[i]`` against ``negatives[i]`` (those equal to it skipped),
    and the window takes one step. The targets line up as the outside words, then
    every pair's kept negatives, pair by pair; each is scored against ``x`` before
    any row moves. Then, target by target, the input's step gathers ``g u`` from
    the target's row as it stands and the row moves by ``g x`` (a row listed twice
    moves twice, its second term read after its first move); last, every part
    moves by the summed step (fastText's convention).
    """
    rows = np.asarray(parts, dtype=np.intp)
    x = subword_input(center_vectors, rows)
    kept = [int(w) for outside, negs in zip(outsides, negatives)
            for w in np.asarray(negs).tolist() if w != outside]
    targets = [int(o) for o in outsides] + kept
    labels = np.r_[np.ones(len(outsides)), np.zeros(len(kept))]
    scores = outside_vectors[targets].astype(np.float64) @ x
    signs = 2.0 * labels - 1.0
    loss = float(-np.sum(log_sigmoid(signs * scores)))
    coefficients = alpha * (labels - sigmoid(scores))
    step = np.zeros_like(x)
    for target, g in zip(targets, coefficients):
        step += g * outside_vectors[target]
        outside_vectors[target] += g * x
    np.add.at(center_vectors, rows, step)
    return loss


def subword_block_step(inputs: ArrayLike, row_centers: Sequence[Sequence[int]],
                       negatives: Iterable[int], outside_vectors: _Floats,
                       alpha: float) -> tuple[float, _F64]:
    """The skip-gram batch kernel's step with subwords, on given inputs (the cached
    compositions of a block's positions, docs/math.md §16); returns the loss and
    each row's step.

    Row ``i`` of ``inputs`` predicts each center in ``row_centers[i]`` (one entry
    per pair) against ``negatives``, those equal to any of the block's centers
    skipped, with :func:`neg_sampling_loss_and_gradient`. One simultaneous step
    moves ``outside_vectors`` in place; row ``i``'s step ``-alpha dJ/dx_i`` is
    returned, to move its cached input and, once its position has left the
    windows, every part of its word.
    """
    x = np.asarray(inputs, dtype=np.float64)
    centers = {center for row in row_centers for center in row}
    draws = [w for w in negatives if w not in centers]
    grad_x = np.zeros_like(x)
    grad_outside = np.zeros(outside_vectors.shape, dtype=np.float64)
    loss = 0.0
    for i, row in enumerate(row_centers):
        for center in row:
            pair_loss, grad_vec, grad_u = neg_sampling_loss_and_gradient(
                x[i], center, outside_vectors, draws)
            loss += pair_loss
            grad_x[i] += grad_vec
            grad_outside += grad_u
    outside_vectors -= alpha * grad_outside
    return loss, -alpha * grad_x


def _check_replay(model: str, kernel: str | None, loss: str, node_vectors: object) -> str:
    """The kernel train_reference replays (None: the model's first), checked."""
    if model not in _KERNEL_OF_MODEL:
        raise ValueError(f"model must be 'skipgram' or 'cbow', got {model!r}")
    kernel = _KERNEL_OF_MODEL[model][0] if kernel is None else kernel
    if kernel not in _KERNEL_OF_MODEL[model]:
        raise ValueError(f"kernel for model={model!r} must be one of "
                         f"{_KERNEL_OF_MODEL[model]}, got {kernel!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if kernel == "batch" and loss == "softmax":
        raise ValueError("kernel='batch' has negative sampling and hierarchical softmax only "
                         "(loss='negative' or 'hs'); use kernel='pair' for loss='softmax'")
    if (loss == "hs") != (node_vectors is not None):
        raise ValueError("node_vectors is needed for loss='hs', and only then")
    return kernel


def _window_span(rng: SplitMix64, pos: int, n: int, window: int,
                 shrink_windows: bool) -> range:
    """Center ``pos``'s window among ``n`` kept words, its shrink drawn first (none
    without ``shrink_windows``): twin of the core's ``_window_span``."""
    win = window - rng.below(window) if shrink_windows else window
    return range(max(0, pos - win), min(n, pos + win + 1))


def _decayed(alpha: float, min_alpha: float, fraction_done: float) -> float:
    """The learning rate after ``fraction_done`` of all words: linear, floored at min_alpha."""
    return max(alpha - (alpha - min_alpha) * fraction_done, min_alpha)


class _Clock:
    """The learning rate one thread uses: linear decay with its words done,
    refreshed whenever ``publish_every`` words have gone by since the last
    refresh, counted at sentence starts; epochs (chunks) do not refresh it."""

    def __init__(self, alpha: float, min_alpha: float, total_words: float,
                 publish_every: int) -> None:
        self.alpha, self.min_alpha, self.total_words = alpha, min_alpha, total_words
        self.publish_every = publish_every
        self.words_done, self.unrefreshed = 0, 0
        self.current = alpha

    def count(self, words: int) -> None:
        self.words_done += words
        self.unrefreshed += words
        if self.unrefreshed >= self.publish_every:
            self.unrefreshed = 0
            self.current = _decayed(self.alpha, self.min_alpha,
                                    self.words_done / self.total_words)


def _replay_lanes(rng: SplitMix64, sentences: Iterator[list[int]],
                  subsample: Callable[[list[int]], list[int]], clock: _Clock,
                  center_vectors: _Floats, outside_vectors: _Floats, window: int,
                  negative: int, noise: tuple[_F64, NDArray[np.int32]], layers: dict[str, Any],
                  shrink_windows: bool) -> tuple[float, int]:
    """CBOW's batch kernel over one epoch: ``layers["batch_windows"]`` lanes, each
    holding a kept sentence; a block takes each lane's next center (a finished
    lane first subsamples the next sentences until one keeps a word), then, if a
    window has a context, draws K shared negatives and steps with the learning
    rate of that moment."""
    lanes = layers["batch_windows"]
    kept: list[list[int]] = [[] for _ in range(lanes)]
    cursor = [0] * lanes
    loss, predictions, active = 0.0, 0, True
    while active:
        active = False
        windows: list[tuple[list[int], int]] = []
        for c in range(lanes):
            while cursor[c] >= len(kept[c]):
                sentence = next(sentences, None)
                if sentence is None:
                    break
                kept[c], cursor[c] = subsample(sentence), 0
            if cursor[c] >= len(kept[c]):
                continue
            words, pos = kept[c], cursor[c]
            cursor[c] += 1
            active = True
            around = [words[j] for j in _window_span(rng, pos, len(words), window, shrink_windows)
                      if j != pos]
            if around:
                windows.append((around, words[pos]))
        if windows:
            negs = [rng.noise(*noise) for _ in range(negative)]
            loss += cbow_batch_step(center_vectors, outside_vectors, windows, negs,
                                    clock.current, cbow_mean=layers["cbow_mean"],
                                    lock_factors=layers["lock_factors"],
                                    subwords=layers["subwords"])
            predictions += len(windows)
    return loss, predictions


def _replay_sentence(rng: SplitMix64, kept: list[int], center_vectors: _Floats,
                     outside_vectors: _Floats, kernel: str, window: int, negative: int,
                     noise: tuple[_F64, NDArray[np.int32]], alpha: float, layers: dict[str, Any],
                     shrink_windows: bool = True) -> tuple[float, int]:
    """One sentence's kept words through ``kernel``; returns (loss, predictions).
    ``layers`` holds the step's keywords (output layers, lock factors, CBOW's cbow_mean)."""
    if kernel == "batch":
        return _replay_blocks(rng, kept, center_vectors, outside_vectors, window, negative,
                              noise, alpha, layers, shrink_windows)
    loss, predictions = 0.0, 0
    for pos, word in enumerate(kept):
        around = [kept[j] for j in _window_span(rng, pos, len(kept), window, shrink_windows)
                  if j != pos]
        if kernel == "pair" and "parts_of" in layers:
            negatives = [[rng.noise(*noise) for _ in range(negative)] for _ in around]
            if around:
                loss += subword_window_step(center_vectors, outside_vectors,
                                            layers["parts_of"](word), around, negatives, alpha)
                predictions += len(around)
        elif kernel == "pair":
            for outside in around:
                negs = [rng.noise(*noise) for _ in range(negative)]
                loss += skipgram_pair_step(center_vectors, outside_vectors, word, outside, negs,
                                           alpha, **layers)
                predictions += 1
        elif around:
            negs = [rng.noise(*noise) for _ in range(negative)]
            loss += cbow_step(center_vectors, outside_vectors, around, word, negs, alpha,
                              **layers)
            predictions += 1
    return loss, predictions


def _replay_blocks(rng: SplitMix64, kept: list[int], center_vectors: _Floats,
                   outside_vectors: _Floats, window: int, negative: int,
                   noise: tuple[_F64, NDArray[np.int32]], alpha: float, layers: dict[str, Any],
                   shrink_windows: bool) -> tuple[float, int]:
    """The skip-gram batch kernel over one sentence: blocks of
    ``layers["batch_windows"]`` consecutive centers, each block drawing its
    centers' window shrinks, then (if it has a pair) K shared negatives."""
    if layers["subwords"] is not None:
        return _replay_subword_blocks(rng, kept, center_vectors, outside_vectors, window,
                                      negative, noise, alpha, layers, shrink_windows)
    loss, predictions = 0.0, 0
    step = layers["batch_windows"]
    for first in range(0, len(kept), step):
        pairs = []
        for pos in range(first, min(first + step, len(kept))):
            pairs += [(kept[j], kept[pos])
                      for j in _window_span(rng, pos, len(kept), window, shrink_windows)
                      if j != pos]
        if pairs:
            negs = [rng.noise(*noise) for _ in range(negative)]
            loss += skipgram_block_step(center_vectors, outside_vectors, pairs, negs, alpha,
                                        tree=layers["tree"], node_vectors=layers["node_vectors"],
                                        lock_factors=layers["lock_factors"],
                                        subwords=layers["subwords"])
            predictions += len(pairs)
    return loss, predictions


def _replay_subword_blocks(rng: SplitMix64, kept: list[int], center_vectors: _Floats,
                           outside_vectors: _Floats, window: int, negative: int,
                           noise: tuple[_F64, NDArray[np.int32]], alpha: float,
                           layers: dict[str, Any], shrink_windows: bool) -> tuple[float, int]:
    """The skip-gram batch kernel with subwords over one sentence: _replay_blocks'
    blocks and draws. A position's input is composed (from its parts as they
    stand) when a block with pairs first reaches it and moves by each step it
    takes; its parts move by the sum of those steps once the next block's first
    center is more than ``window`` past it (docs/math.md §16)."""
    parts_of = _parts_lookup(layers["subwords"])
    step = layers["batch_windows"]
    inputs: dict[int, _F64] = {}
    moves: dict[int, _F64] = {}
    composed = retired = 0
    loss, predictions = 0.0, 0

    def retire(position: int) -> None:
        np.add.at(center_vectors, parts_of(kept[position]), moves.pop(position))
        del inputs[position]

    for first in range(0, len(kept), step):
        rows: dict[int, list[int]] = {}
        end = 0
        for pos in range(first, min(first + step, len(kept))):
            span = _window_span(rng, pos, len(kept), window, shrink_windows)
            end = max(end, span.stop)
            for j in span:
                if j != pos:
                    rows.setdefault(j, []).append(kept[pos])
        if rows:
            negs = [rng.noise(*noise) for _ in range(negative)]
            while composed < end:
                inputs[composed] = subword_input(center_vectors, parts_of(kept[composed]))
                moves[composed] = np.zeros(center_vectors.shape[1])
                composed += 1
            positions = sorted(rows)
            block_loss, steps = subword_block_step([inputs[j] for j in positions],
                                                   [rows[j] for j in positions], negs,
                                                   outside_vectors, alpha)
            for j, e in zip(positions, steps):
                inputs[j] = inputs[j] + e
                moves[j] += e
            loss += block_loss
            predictions += sum(len(centers) for centers in rows.values())
        while retired < min(composed, first + step - window):
            retire(retired)
            retired += 1
    while retired < composed:
        retire(retired)
        retired += 1
    return loss, predictions


def train_reference(sentences: Sequence[Sequence[int]], center_vectors: _Floats,
                    outside_vectors: _Floats, counts: Sequence[int] | NDArray[np.integer[Any]],
                    *, model: str = "skipgram", window: int = 5, negative: int = 5,
                    sample: float = 1e-3, alpha: float = 0.025, min_alpha: float = 0.0001,
                    epochs: int = 1, seed: int = 1, call: int = 0, publish_every: int = 10000,
                    kernel: str | None = None, loss: str = "negative",
                    node_vectors: _Floats | None = None, ns_exponent: float = 0.75,
                    cbow_mean: bool = True, shrink_windows: bool = True,
                    lock_factors: ArrayLike | None = None,
                    batch_windows: int = 1,
                    subwords: tuple[ArrayLike, ArrayLike] | None = None) -> list[float]:
    """Train in place on ``sentences`` (lists of word ids) exactly as one thread of
    the compiled core does in its training call number ``call`` (0 for a new
    model), replaying its random stream. Returns the mean loss per prediction of
    each epoch.

    kernel : "pair" or "batch" for skip-gram (None: "pair"), "window" or "batch"
        for CBOW (None: "window").
    loss : "negative" (negative sampling), "hs" (hierarchical softmax over
        :func:`huffman_tree` of ``counts``, trained into ``node_vectors``, shape
        (n_words - 1, dim); with ``negative`` > 0 negative sampling is added on
        the same input) or "softmax" (the full softmax; no negatives are drawn).

    counts : (n_words,) corpus counts, for subsampling and the count**ns_exponent noise.
    cbow_mean, shrink_windows, lock_factors : as the Trainer's (docs/math.md §14);
        with shrink_windows=False no window is drawn.
    batch_windows : windows per step of a batch kernel (skip-gram: consecutive
        ones, 1 with loss="hs", as each window walks its own center's path; CBOW:
        its number of lanes).
    subwords : (part_offsets, part_rows), as for the Trainer: the inputs are then
        composed from parts (docs/math.md §16; the pair kernel steps a center's
        window at once, :func:`subword_window_step`), and ``center_vectors`` holds
        the n-gram rows after the words'.
    Sentences must already be cut to the core's maximum length. Draw order per
    sentence: a uniform for each token whose keep-probability is < 1; then per
    kept position a window shrink, then K negatives per prediction (skip-gram pair
    kernel: each context position left to right; CBOW: once per non-empty
    window; the skip-gram batch kernel: per block of ``batch_windows`` centers,
    their window shrinks, then K negatives once if the block has a pair; CBOW's
    batch kernel interleaves sentences in lanes, see :func:`_replay_lanes`). The
    learning rate starts at ``alpha`` and decays linearly with words done,
    refreshed whenever ``publish_every`` words have gone by since the last
    refresh, counted at sentence starts (epoch starts refresh nothing).
    """
    kernel = _check_replay(model, kernel, loss, node_vectors)
    if not (1 <= batch_windows <= 64
            and (batch_windows == 1 or (kernel == "batch" and loss == "negative"))):
        raise ValueError(f"batch_windows must be in 1..64, and 1 unless kernel='batch' with "
                         f"loss='negative', got {batch_windows}")
    softmax = loss == "softmax"
    negative = 0 if softmax else negative
    layers: dict[str, Any] = dict(tree=huffman_tree(counts) if loss == "hs" else None,
                                  node_vectors=node_vectors, lock_factors=lock_factors)
    if subwords is not None and (kernel not in ("batch", "pair") or loss != "negative"
                                 or lock_factors is not None):
        raise ValueError("subwords replay skip-gram's pair kernel and the batch kernels, "
                         "with negative sampling and no lock factors")
    if kernel == "batch":
        layers["batch_windows"] = batch_windows
        layers["subwords"] = subwords
    else:
        layers["softmax"] = softmax
        if subwords is not None:
            layers["parts_of"] = _parts_lookup(subwords)
    if model == "cbow":
        layers["cbow_mean"] = cbow_mean
    keep = keep_probabilities(counts, sample)
    noise = alias_table(np.asarray(counts, dtype=np.float64) ** ns_exponent)
    (state,) = thread_seeds(seed, call, 1)
    rng = SplitMix64(state)
    clock = _Clock(alpha, min_alpha, float(epochs * sum(len(s) for s in sentences)),
                   publish_every)

    def subsample(sentence: Sequence[int]) -> list[int]:
        kept = [w for w in sentence if not (keep[w] < 1.0 and keep[w] < rng.uniform())]
        clock.count(len(sentence))
        return kept

    losses = []
    for _ in range(epochs):
        if model == "cbow" and kernel == "batch":
            epoch_loss, predictions = _replay_lanes(
                rng, iter([list(s) for s in sentences]), subsample, clock, center_vectors,
                outside_vectors, window, negative, noise, layers, shrink_windows)
        else:
            epoch_loss, predictions = 0.0, 0
            for sentence in sentences:
                kept = subsample(sentence)
                part, made = _replay_sentence(rng, kept, center_vectors, outside_vectors,
                                              kernel, window, negative, noise, clock.current,
                                              layers, shrink_windows)
                epoch_loss, predictions = epoch_loss + part, predictions + made
        losses.append(epoch_loss / max(predictions, 1))
    return losses
