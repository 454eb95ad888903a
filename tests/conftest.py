"""What the test files share: the --runslow switch, data, and small checking helpers.

Slow tests (``@pytest.mark.slow``) are skipped unless ``--runslow`` is given or
``-m`` selects them (``pytest -m slow``). Fixtures that hand out a helper return
a function, so a test calls e.g. ``random_matrices(seed, (12, 7), (12, 7))``.
"""
from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

import pyw2v
from pyw2v import reference
from pyw2v.synthetic import make_corpus

SLOW_SKIP_REASON = "slow: run with --runslow (or pytest -m slow)"


# ---------------------------------------------------------------- slow tests

def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (skipped by default)")


def _selects_slow(markexpr: str) -> bool:
    """True when `-m` asks for slow tests (e.g. "slow", "slow and not x"), not "not slow"."""
    return "slow" in markexpr and "not slow" not in markexpr


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow") or _selects_slow(config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason=SLOW_SKIP_REASON)
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# ---------------------------------------------------------------- SIMD paths

@pytest.fixture(params=pyw2v.simd_levels())
def simd_core(request, monkeypatch):
    """Each compiled-core path this machine runs, in turn (the test id names it): its module
    replaces `_core` in the test's module and in the modules training calls it from, so
    direct calls and training both run on that path."""
    module = importlib.import_module(f"pyw2v._core_{request.param}")
    for user in (request.module, pyw2v.model, pyw2v.vocab):
        monkeypatch.setattr(user, "_core", module, raising=False)
    return module


# ---------------------------------------------------------------- corpora

@pytest.fixture(scope="session")
def planted():
    """The planted-structure corpus the training tests learn from (12,000 sentences)."""
    return make_corpus(n_sentences=12000, seed=0)


@pytest.fixture
def write_corpus(tmp_path):
    """write_corpus(data, name="corpus.txt") -> path (str) of a file in tmp_path.

    data: bytes (written as they are), str (UTF-8) or token lists (one sentence a
    line, tokens joined by single spaces)."""
    def write(data, name: str = "corpus.txt") -> str:
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, bytes):
            data = "".join(" ".join(sentence) + "\n" for sentence in data).encode("utf-8")
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


# ---------------------------------------------------------------- matrices and vectors

def _random_matrices(seed, *shapes, scale: float = 0.5, dtype=np.float32):
    """One N(0, scale^2) matrix per shape, drawn in order from default_rng(seed)."""
    rng = np.random.default_rng(seed)       # a Generator passes through unchanged
    return tuple(rng.normal(0.0, scale, shape).astype(dtype) for shape in shapes)


@pytest.fixture(scope="session")
def random_matrices():
    """random_matrices(seed, *shapes, scale=0.5, dtype=float32) -> tuple of matrices.

    seed may be an int or a numpy Generator (which then advances). A small scale
    keeps the sigmoids of the kernels' scores unsaturated."""
    return _random_matrices


@pytest.fixture(scope="session")
def random_vectors():
    """random_vectors(n, dim, seed=0) -> float32 (n, dim), standard normal."""
    def vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vectors


@pytest.fixture(scope="session")
def random_wv(random_vectors):
    """random_wv(n=300, dim=16, seed=0, prefix="w") -> WordVectors of words w0, w1, ..."""
    from pyw2v.vectors import WordVectors

    def word_vectors(n: int = 300, dim: int = 16, seed: int = 0, prefix: str = "w"):
        return WordVectors([f"{prefix}{i}" for i in range(n)], random_vectors(n, dim, seed))
    return word_vectors


@pytest.fixture(scope="session")
def gensim_kv():
    """gensim's KeyedVectors class; the test is skipped without gensim."""
    return pytest.importorskip("gensim.models.keyedvectors").KeyedVectors


@pytest.fixture(scope="session")
def to_gensim(gensim_kv):
    """to_gensim(words, vectors) or to_gensim(word_vectors) -> gensim KeyedVectors
    holding a copy of the rows."""
    def build(words, vectors=None):
        if vectors is None:         # a WordVectors
            words, vectors = words.index_to_key, words.vectors
        kv = gensim_kv(np.shape(vectors)[1])
        kv.add_vectors(list(words), np.array(vectors, copy=True))
        return kv
    return build


@pytest.fixture(scope="session")
def unit64():
    """unit64(matrix) -> float64 rows scaled to length 1 (zero rows stay zero)."""
    def unit(matrix) -> np.ndarray:
        matrix = np.asarray(matrix, dtype=np.float64)
        norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
        return matrix / np.where(norms > 0, norms, 1)
    return unit


# ---------------------------------------------------------------- checks

@pytest.fixture(scope="session")
def gradcheck_tol() -> float:
    """The largest gradcheck error accepted for a correct gradient: a right one gives
    ~1e-8, a gradient off by 1% gives more than 1e-3."""
    return 1e-6


@pytest.fixture(scope="session")
def joint_gradcheck():
    """joint_gradcheck(fn, *arrays) -> reference.gradcheck's largest error (correct: ~1e-8).

    fn(*arrays) returns (loss, *gradients), one gradient per array and shaped like
    it; all arrays are checked jointly, as one flat float64 vector."""
    def check(fn, *arrays):
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        bounds = np.cumsum([a.size for a in arrays])[:-1]

        def flat(x):
            pieces = [p.reshape(a.shape) for p, a in zip(np.split(x, bounds), arrays)]
            loss, *grads = fn(*pieces)
            return loss, np.concatenate([np.ravel(g) for g in grads])
        return reference.gradcheck(flat, np.concatenate([a.ravel() for a in arrays]))
    return check


@pytest.fixture(scope="session")
def analogy_accuracy():
    """analogy_accuracy(model, analogies) -> share of (a, b, c, d) whose 3CosAdd answer
    over the model's unit center vectors, a, b and c excluded, is d."""
    def accuracy(model, analogies) -> float:
        vectors = model.center_vectors / np.linalg.norm(model.center_vectors, axis=1,
                                                        keepdims=True)
        index = model.vocab.index
        correct = 0
        for a, b, c, d in analogies:
            scores = vectors @ (vectors[index[b]] - vectors[index[a]] + vectors[index[c]])
            scores[[index[a], index[b], index[c]]] = -np.inf
            correct += model.vocab.words[int(scores.argmax())] == d
        return correct / len(analogies)
    return accuracy


# ---------------------------------------------------------------- environment

@pytest.fixture
def without_matplotlib(monkeypatch):
    """Make `import matplotlib` (and its submodules) fail for the length of the test."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def _run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """pyw2v.cli.main(args) in this process, in `cwd`; what it printed and returned."""
    from pyw2v.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([os.fspath(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def cli():
    """cli(*args, cwd=None) -> CompletedProcess(returncode, stdout, stderr) of `pyw2v args`
    run in this process: no interpreter start-up, same output and exit code. Keep a
    real subprocess for what needs one (signals, `python -m pyw2v`)."""
    return _run_cli
