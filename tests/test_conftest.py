"""The test layer's own switches and helpers (tests/conftest.py) do what they say."""
from pathlib import Path

import numpy as np
import pytest

pytest_plugins = ["pytester"]

SLOW_AND_FAST = """
import pytest

@pytest.mark.slow
def test_slow():
    pass

def test_fast():
    pass
"""


@pytest.mark.parametrize("args, outcomes", [
    ([], {"passed": 1, "skipped": 1}),
    (["--runslow"], {"passed": 2}),
    (["-m", "slow"], {"passed": 1, "deselected": 1}),
    (["-m", "not slow"], {"passed": 1, "deselected": 1}),
])
def test_slow_tests_run_only_when_asked_for(pytester, args, outcomes):
    pytester.makeconftest(Path(__file__).with_name("conftest.py").read_text())
    pytester.makepyfile(SLOW_AND_FAST)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                "-p", "no:benchmark", *args)
    result.assert_outcomes(**outcomes)


def test_joint_gradcheck_accepts_a_right_gradient_and_rejects_a_wrong_one(joint_gradcheck,
                                                                          random_matrices):
    a, b = random_matrices(0, (3, 4), (4,), dtype=np.float64)

    def loss(a, b):             # sum((a @ b)^2): grad a = 2 r b^T, grad b = 2 a^T r
        r = a @ b
        return r @ r, 2 * np.outer(r, b), 2 * a.T @ r

    assert joint_gradcheck(loss, a, b) < 1e-6
    assert joint_gradcheck(lambda a, b: (*loss(a, b)[:2], -loss(a, b)[2]), a, b) > 0.5


def test_random_matrices_draw_in_order_from_one_stream(random_matrices):
    first, second = random_matrices(5, (2, 3), (2, 3))
    assert first.dtype == np.float32 and not np.array_equal(first, second)
    again = random_matrices(np.random.default_rng(5), (2, 3))[0]
    np.testing.assert_array_equal(again, first)
