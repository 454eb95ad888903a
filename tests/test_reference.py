"""The NumPy reference against the math: finite differences, explicit formulas, limits."""
import numpy as np
import pytest

from pyw2v import reference as ref

SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture
def random_problem(random_matrices):
    """random_problem(seed, scale=0.5) -> (rng, V, U): float64 (V, U) of a random small
    shape; rng left to draw indices. scale keeps sigmoids unsaturated."""
    def problem(seed, scale=0.5):
        rng = np.random.default_rng(seed)
        shape = (int(rng.integers(5, 12)), int(rng.integers(3, 8)))
        return (rng, *random_matrices(rng, shape, shape, scale=scale, dtype=np.float64))
    return problem


def naive_pair(center_vec, o, U):
    return ref.naive_softmax_loss_and_gradient(center_vec, o, U)


def neg_pair(center_vec, o, U, negs):
    return ref.neg_sampling_loss_and_gradient(center_vec, o, U, negs)


# --- sigmoid, log_sigmoid, softmax -------------------------------------------


def test_sigmoid_exact_limits_without_fp_warnings():
    with np.errstate(all="raise"):
        assert ref.sigmoid(1000.0) == 1.0
        assert ref.sigmoid(-1000.0) == 0.0
        assert ref.sigmoid(0.0) == 0.5
        out = ref.sigmoid(np.array([-1e308, -745.0, -710.0, -1000.0, 0.0, 710.0, 1e308]))
    assert out[0] == 0.0 and out[3] == 0.0 and out[-1] == 1.0 and out[-2] == 1.0
    assert 0.0 < out[2] < 1e-300  # still resolved, not flushed, just before underflow
    assert np.all((out >= 0.0) & (out <= 1.0))


def test_sigmoid_scalar_and_array_shapes():
    assert np.ndim(ref.sigmoid(0.3)) == 0
    assert ref.sigmoid(0.3) == pytest.approx(1.0 / (1.0 + np.exp(-0.3)), rel=1e-15)
    x = np.linspace(-5, 5, 12).reshape(3, 4)
    out = ref.sigmoid(x)
    assert out.shape == (3, 4) and out.dtype == np.float64
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-x)), rtol=1e-15)


def test_sigmoid_symmetry_and_derivative():
    x = np.random.default_rng(0).normal(0, 10, 200)
    # 1 - sigmoid(x) cancels for large x, so compare absolutely.
    np.testing.assert_allclose(ref.sigmoid(-x), 1.0 - ref.sigmoid(x), rtol=0, atol=2e-16)
    h = 1e-6
    numeric = (ref.sigmoid(x + h) - ref.sigmoid(x - h)) / (2 * h)
    s = ref.sigmoid(x)
    np.testing.assert_allclose(numeric, s * (1 - s), rtol=0, atol=1e-9)


def test_sigmoid_small_values_keep_relative_precision():
    # For x << 0 the naive 1 - 1/(1 + e^-x) would give 0; the stable form keeps e^x.
    x = np.array([-30.0, -100.0, -700.0])
    np.testing.assert_allclose(ref.sigmoid(x), np.exp(x), rtol=1e-12)


def test_log_sigmoid_stable_and_exact():
    with np.errstate(all="raise"):
        assert -ref.log_sigmoid(-1000.0) == 1000.0
        assert ref.log_sigmoid(1000.0) == 0.0
        big = ref.log_sigmoid(np.array([-1e308, 1e308]))
    assert np.all(np.isfinite(big)) and big[0] == -1e308 and big[1] == 0.0
    # log(sigmoid(x)) is accurate where sigmoid(x) <= 1/2; above, log of a number
    # near 1 loses digits, so compare with -log1p(exp(-x)) there.
    x = np.linspace(-30, 0, 31)
    np.testing.assert_allclose(ref.log_sigmoid(x), np.log(ref.sigmoid(x)), rtol=1e-14)
    np.testing.assert_allclose(ref.log_sigmoid(-x), -np.log1p(np.exp(x)), rtol=1e-14)
    x = np.linspace(-30, 30, 61)
    # log sigma(x) - log sigma(-x) = x exactly in exact arithmetic
    np.testing.assert_allclose(ref.log_sigmoid(x) - ref.log_sigmoid(-x), x, atol=1e-13)


def test_softmax_sums_to_one_and_matches_definition():
    x = np.random.default_rng(1).normal(size=7)
    p = ref.softmax(x)
    np.testing.assert_allclose(p, np.exp(x) / np.exp(x).sum(), rtol=1e-14)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_huge_values_no_warnings():
    with np.errstate(all="raise"):
        p = ref.softmax(np.array([1000.0, 1001.0, 1002.0]))
        q = ref.softmax(np.array([1e308, -1e308, 0.0]))
        r = ref.softmax(np.array([0.0, -1000.0]))
    for out in (p, q, r):
        assert np.all(np.isfinite(out)) and out.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(p, ref.softmax(np.array([0.0, 1.0, 2.0])), rtol=1e-15)
    np.testing.assert_array_equal(q, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(r, [1.0, 0.0])


def test_softmax_shift_invariance():
    x = np.random.default_rng(2).normal(size=9)
    for shift in (-500.0, -3.0, 7.5, 800.0):
        np.testing.assert_allclose(ref.softmax(x + shift), ref.softmax(x), rtol=1e-12)


def test_softmax_along_last_axis():
    x = np.random.default_rng(3).normal(size=(4, 6))
    p = ref.softmax(x)
    assert p.shape == (4, 6)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    for row_in, row_out in zip(x, p):
        np.testing.assert_allclose(row_out, ref.softmax(row_in), rtol=1e-15)


# --- gradcheck itself ------------------------------------------------------------


def test_gradcheck_accepts_correct_and_rejects_wrong_gradients(gradcheck_tol):
    A = np.random.default_rng(4).normal(size=(5, 5))
    A = A + A.T
    x0 = np.random.default_rng(5).normal(size=5)

    def good(x):
        return 0.5 * x @ A @ x + np.sum(np.sin(x)), A @ x + np.cos(x)

    def scaled(x):
        loss, grad = good(x)
        return loss, 1.01 * grad

    def one_entry_off(x):
        loss, grad = good(x)
        grad = grad.copy()
        grad[3] += 1e-4
        return loss, grad

    assert ref.gradcheck(good, x0) < gradcheck_tol
    assert ref.gradcheck(scaled, x0) > 1e-3
    assert ref.gradcheck(one_entry_off, x0) > 1e-6
    assert ref.gradcheck(lambda x: (good(x)[0], -good(x)[1]), x0) > 0.99


def test_gradcheck_zero_gradient_and_no_mutation(gradcheck_tol):
    x0 = np.arange(6.0).reshape(2, 3)
    before = x0.copy()
    # A loss that ignores x: both gradients are exactly 0, so the error must be 0.
    assert ref.gradcheck(lambda x: (3.0, np.zeros_like(x)), x0) == 0.0
    assert ref.gradcheck(lambda x: (np.sum(x**2), 2 * x), x0) < gradcheck_tol
    np.testing.assert_array_equal(x0, before)
    with pytest.raises(ValueError, match="shape"):
        ref.gradcheck(lambda x: (0.0, np.zeros(3)), x0)


# --- naive softmax ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_naive_softmax_gradients(seed, random_problem, joint_gradcheck, gradcheck_tol):
    rng, V, U = random_problem(seed)
    o = int(rng.integers(U.shape[0]))
    assert joint_gradcheck(lambda c, U: naive_pair(c, o, U), V[0], U) < gradcheck_tol


@pytest.mark.parametrize("seed", SEEDS)
def test_naive_softmax_matches_cross_entropy_form(seed, random_problem):
    rng, V, U = random_problem(seed, scale=1.0)
    o = int(rng.integers(U.shape[0]))
    v = V[0]
    loss, g_center, g_outside = ref.naive_softmax_loss_and_gradient(v, o, U)
    y = np.zeros(U.shape[0])
    y[o] = 1.0
    y_hat = np.exp(U @ v) / np.exp(U @ v).sum()
    assert loss == pytest.approx(-np.sum(y * np.log(y_hat)), rel=1e-13)
    np.testing.assert_allclose(g_center, (y_hat[:, None] * U).sum(0) - U[o], atol=1e-14)
    np.testing.assert_allclose(g_outside, np.outer(y_hat - y, v), atol=1e-14)


def test_naive_softmax_loss_finite_when_probability_underflows():
    U = np.array([[1.0, 0.0], [-1.0, 0.0]])
    loss, g_center, _ = ref.naive_softmax_loss_and_gradient(np.array([1000.0, 0.0]), 1, U)
    assert loss == pytest.approx(2000.0, rel=1e-15)  # exp(-2000) is 0, log of it is not
    np.testing.assert_allclose(g_center, U[0] - U[1])


def test_naive_softmax_center_gradient_vanishes_only_near_one_hot():
    rng = np.random.default_rng(6)
    U = rng.normal(size=(6, 4))
    o = 2
    v = np.linalg.lstsq(U, 50.0 * (np.arange(6) == o), rcond=None)[0]
    # Scores strongly favour o: y_hat ~ y, gradient ~ 0.
    _, g_right, gU_right = ref.naive_softmax_loss_and_gradient(30 * v, o, U)
    assert np.abs(g_right).max() < 1e-10 and np.abs(gU_right).max() < 1e-10
    # Same confidence but on the wrong word: y_hat - y = e_pred - e_o, so the
    # gradient is u_pred - u_o, far from zero.
    v_wrong = np.linalg.lstsq(U, 50.0 * (np.arange(6) == 4), rcond=None)[0]
    _, g_wrong, _ = ref.naive_softmax_loss_and_gradient(30 * v_wrong, o, U)
    np.testing.assert_allclose(g_wrong, U[4] - U[o], atol=1e-10)
    # Uniform prediction (v_c = 0): gradient is mean(U) - u_o.
    _, g_uniform, _ = ref.naive_softmax_loss_and_gradient(np.zeros(4), o, U)
    np.testing.assert_allclose(g_uniform, U.mean(0) - U[o], atol=1e-15)
    assert np.linalg.norm(g_uniform) > 0.1


def test_naive_softmax_center_gradient_can_vanish_for_degenerate_U():
    # docs/math.md §3's "vanishes only when y_hat = y" needs U^T to be injective on
    # y_hat - y: with identical outside rows the prediction is uniform, the loss
    # is log |W| > 0, yet U^T (y_hat - y) = 0. The U gradient still is not zero.
    U = np.tile([0.3, -0.2, 0.5], (5, 1))
    v = np.array([1.0, 2.0, -1.0])
    loss, g_center, g_outside = ref.naive_softmax_loss_and_gradient(v, 1, U)
    assert loss == pytest.approx(np.log(5), rel=1e-14)
    np.testing.assert_allclose(g_center, 0.0, atol=1e-15)
    assert np.abs(g_outside).max() > 0.1


# --- negative sampling --------------------------------------------------------------


def explicit_neg_loss(v, o, U, negs):
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731 - the textbook form on purpose
    return -np.log(sig(U[o] @ v)) - sum(np.log(sig(-U[w] @ v)) for w in negs)


@pytest.mark.parametrize("seed", SEEDS)
def test_neg_sampling_gradients(seed, random_problem, joint_gradcheck, gradcheck_tol):
    rng, V, U = random_problem(seed)
    n_words = U.shape[0]
    o = int(rng.integers(n_words))
    negs = rng.integers(0, n_words, size=int(rng.integers(1, 8)))
    assert joint_gradcheck(lambda c, U: neg_pair(c, o, U, negs), V[0], U) < gradcheck_tol


@pytest.mark.parametrize("seed", SEEDS)
def test_neg_sampling_gradients_repeats_and_outside_word_as_negative(seed, random_problem,
                                                                     joint_gradcheck,
                                                                     gradcheck_tol):
    rng, V, U = random_problem(seed)
    o = 1
    negs = np.array([3, 3, o, 0, 3, o])  # a word drawn thrice, o drawn twice
    assert joint_gradcheck(lambda c, U: neg_pair(c, o, U, negs), V[0], U) < gradcheck_tol


@pytest.mark.parametrize("seed", SEEDS)
def test_neg_sampling_matches_explicit_formula(seed, random_problem):
    rng, V, U = random_problem(seed, scale=1.0)
    n_words = U.shape[0]
    o = int(rng.integers(n_words))
    negs = rng.integers(0, n_words, size=5)
    v = V[0]
    loss, g_center, g_outside = ref.neg_sampling_loss_and_gradient(v, o, U, negs)
    assert loss == pytest.approx(explicit_neg_loss(v, o, U, negs), rel=1e-13)
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    expected_center = (sig(U[o] @ v) - 1) * U[o] + sum(sig(U[w] @ v) * U[w] for w in negs)
    np.testing.assert_allclose(g_center, expected_center, atol=1e-14)
    expected_outside = np.zeros_like(U)
    expected_outside[o] += (sig(U[o] @ v) - 1) * v
    for w in negs:
        expected_outside[w] += sig(U[w] @ v) * v
    np.testing.assert_allclose(g_outside, expected_outside, atol=1e-14)


def test_neg_sampling_counts_each_draw(random_problem):
    rng, V, U = random_problem(7)
    v, o = V[0], 0
    s = lambda w: ref.sigmoid(U[w] @ v)  # noqa: E731
    _, _, g = ref.neg_sampling_loss_and_gradient(v, o, U, np.array([2, 2, 2, 4]))
    np.testing.assert_allclose(g[2], 3 * s(2) * v, rtol=1e-14)
    np.testing.assert_allclose(g[4], s(4) * v, rtol=1e-14)
    # o as a negative: the positive term (s - 1) v plus the negative term s v.
    _, _, g = ref.neg_sampling_loss_and_gradient(v, o, U, np.array([o, 4]))
    np.testing.assert_allclose(g[o], (2 * s(o) - 1) * v, rtol=1e-13)
    untouched = np.setdiff1d(np.arange(U.shape[0]), [o, 4])
    assert np.all(g[untouched] == 0.0)


def test_neg_sampling_saturated_scores_finite():
    # Both terms badly wrong: u_o . v_c = -1000 and u_w . v_c = +1000.
    U = np.array([[1.0], [-1.0]])
    v = np.array([-1000.0])
    with np.errstate(all="raise"):
        loss, g_center, g_outside = ref.neg_sampling_loss_and_gradient(v, 0, U, [1])
    assert loss == 2000.0
    np.testing.assert_array_equal(g_center, [-2.0])  # -(u_o) + 1 * u_w
    np.testing.assert_array_equal(g_outside, [[1000.0], [-1000.0]])


# --- skip-gram ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_skipgram_gradients(seed, sampled, random_problem, joint_gradcheck, gradcheck_tol):
    rng, V, U = random_problem(seed)
    n_words = U.shape[0]
    c = int(rng.integers(n_words))
    outside = rng.integers(0, n_words, size=4)
    outside[1] = c  # the center word may also occur in its own window
    negs = rng.integers(0, n_words, size=(4, 3)) if sampled else None
    if sampled:
        negs[0, :2] = outside[0]  # negatives equal to the outside word, repeated
    error = joint_gradcheck(lambda V, U: ref.skipgram(c, outside, V, U, negatives=negs), V, U)
    assert error < gradcheck_tol


@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_skipgram_window_of_one_word(sampled, random_problem, joint_gradcheck, gradcheck_tol):
    rng, V, U = random_problem(8)
    negs = np.array([[0, 4, 4]]) if sampled else None
    error = joint_gradcheck(lambda V, U: ref.skipgram(2, [3], V, U, negatives=negs), V, U)
    assert error < gradcheck_tol
    loss, gV, gU = ref.skipgram(2, [3], V, U, negs)
    pair = naive_pair(V[2], 3, U) if negs is None else neg_pair(V[2], 3, U, negs[0])
    assert loss == pair[0]
    np.testing.assert_array_equal(gV[2], pair[1])
    np.testing.assert_array_equal(gU, pair[2])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_skipgram_is_sum_of_pairs(seed, sampled, random_problem):
    rng, V, U = random_problem(seed)
    n_words = U.shape[0]
    c = int(rng.integers(n_words))
    outside = rng.integers(0, n_words, size=6)
    negs = rng.integers(0, n_words, size=(6, 4)) if sampled else None
    loss, gV, gU = ref.skipgram(c, outside, V, U, negatives=negs)
    pairs = [
        naive_pair(V[c], o, U) if negs is None else neg_pair(V[c], o, U, negs[j])
        for j, o in enumerate(outside)
    ]
    assert loss == pytest.approx(sum(p[0] for p in pairs), rel=1e-14)
    np.testing.assert_allclose(gV[c], sum(p[1] for p in pairs), atol=1e-14)
    np.testing.assert_allclose(gU, sum(p[2] for p in pairs), atol=1e-14)
    others = np.arange(n_words) != c
    assert np.all(gV[others] == 0.0)  # only the center row of V is used


def test_skipgram_rejects_bad_arguments(random_problem):
    _, V, U = random_problem(0)
    with pytest.raises(ValueError, match="outside_indices.*-1"):
        ref.skipgram(0, [1, -1], V, U)
    with pytest.raises(ValueError, match="center_idx"):
        ref.skipgram(V.shape[0], [1], V, U)
    with pytest.raises(ValueError, match="negatives"):
        ref.skipgram(0, [1, 2], V, U, negatives=np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match="same shape"):
        ref.skipgram(0, [1], V, U[:, :-1])


# --- CBOW ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_cbow_gradients(seed, sampled, random_problem, joint_gradcheck, gradcheck_tol):
    rng, V, U = random_problem(seed)
    n_words = U.shape[0]
    c = int(rng.integers(n_words))
    context = rng.integers(0, n_words, size=4)
    context[2] = context[0]  # a context word repeated
    negs = np.array([c, 1, 1]) if sampled else None  # center drawn as negative, repeats
    error = joint_gradcheck(lambda V, U: ref.cbow(context, c, V, U, negatives=negs), V, U)
    assert error < gradcheck_tol


@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_cbow_window_of_one_word_equals_single_pair(sampled, random_problem, joint_gradcheck,
                                                    gradcheck_tol):
    rng, V, U = random_problem(9)
    negs = np.array([0, 0, 4]) if sampled else None
    error = joint_gradcheck(lambda V, U: ref.cbow([3], 2, V, U, negatives=negs), V, U)
    assert error < gradcheck_tol
    loss, gV, gU = ref.cbow([3], 2, V, U, negs)
    pair = naive_pair(V[3], 2, U) if negs is None else neg_pair(V[3], 2, U, negs)
    assert loss == pair[0]
    np.testing.assert_array_equal(gV[3], pair[1])
    np.testing.assert_array_equal(gU, pair[2])


@pytest.mark.parametrize("sampled", [False, True], ids=["naive", "neg"])
def test_cbow_is_loss_at_mean_and_splits_gradient(sampled, random_problem):
    rng, V, U = random_problem(10)
    context = np.array([1, 4, 1, 0])  # word 1 appears twice
    c = 3
    negs = np.array([2, 4]) if sampled else None
    loss, gV, gU = ref.cbow(context, c, V, U, negatives=negs)
    h = (V[1] + V[4] + V[1] + V[0]) / 4
    pair = naive_pair(h, c, U) if negs is None else neg_pair(h, c, U, negs)
    assert loss == pytest.approx(pair[0], rel=1e-14)
    np.testing.assert_allclose(gU, pair[2], atol=1e-14)
    grad_h = pair[1]
    np.testing.assert_allclose(gV[1], 2 * grad_h / 4, atol=1e-15)
    np.testing.assert_allclose(gV[4], grad_h / 4, atol=1e-15)
    np.testing.assert_allclose(gV[0], grad_h / 4, atol=1e-15)
    assert np.all(gV[[2, 3] + list(range(5, V.shape[0]))] == 0.0)


def test_cbow_rejects_empty_context(random_problem):
    _, V, U = random_problem(0)
    with pytest.raises(ValueError, match="context_indices"):
        ref.cbow([], 1, V, U)


# --- the knobs' steps (docs/math.md §7, §14) ------------------------------------------


def _step_as_gradient(V, U, step):
    """The gradient a step function applies to V: (V - V_after) / alpha, alpha tiny."""
    alpha = 1e-7
    V_after = V.copy()
    step(V_after, U.copy(), alpha)
    return (V - V_after) / alpha


@pytest.mark.parametrize("seed", [0, 1])
def test_cbow_sum_step_is_the_true_gradient_step(seed, random_problem):
    """With cbow_mean=False (h = the context sum) the trainers' step moves each context
    row by exactly its true gradient; with the mean it is |C| times that (§7)."""
    rng, V, U = random_problem(seed)
    context = [int(w) for w in rng.integers(0, V.shape[0], 4)]
    center = int(rng.integers(V.shape[0]))
    negs = [int(w) for w in rng.integers(0, V.shape[0], 3)]

    def loss_and_step_gradient(V_, cbow_mean):
        rows = V_[context]
        h = rows.mean(axis=0) if cbow_mean else rows.sum(axis=0)
        kept = [w for w in negs if w != center]
        loss = ref.neg_sampling_loss_and_gradient(h, center, U, kept)[0]
        grad = _step_as_gradient(V_, U, lambda V2, U2, a: ref.cbow_step(
            V2, U2, context, center, negs, a, cbow_mean=cbow_mean))
        return loss, grad

    assert ref.gradcheck(lambda V_: loss_and_step_gradient(V_, False), V) < 1e-4
    assert ref.gradcheck(lambda V_: loss_and_step_gradient(V_, True), V) > 1e-2


def test_lock_factors_scale_only_the_center_rows(random_problem):
    rng, V, U = random_problem(3)
    locks = np.linspace(0.0, 2.0, V.shape[0])
    grad_V, grad_U = rng.normal(size=V.shape), rng.normal(size=U.shape)
    V_locked, U_locked = V.copy(), U.copy()
    ref.sgd_step(V_locked, U_locked, grad_V, grad_U, 0.1, lock_factors=locks)
    np.testing.assert_allclose(V_locked, V - 0.1 * locks[:, None] * grad_V)
    np.testing.assert_allclose(U_locked, U - 0.1 * grad_U)
    np.testing.assert_array_equal(V_locked[0], V[0])      # factor 0: frozen
