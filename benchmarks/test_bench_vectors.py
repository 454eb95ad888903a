"""Query speed of WordVectors: one matrix-vector product per query, one matrix product per batch.

    pytest benchmarks/test_bench_vectors.py --benchmark-enable

The 1M x 300 case (1.2 GB of float32) runs only with --benchmark-enable; without
it (CI's smoke run) a small matrix exercises the same code once.
"""
import numpy as np
import pytest

from pyw2v.vectors import WordVectors


@pytest.fixture(scope="module", params=[(20_000, 300), (1_000_000, 300)],
                ids=["20k x 300", "1M x 300"])
def vectors(request, pytestconfig):
    n, dim = request.param
    disabled = pytestconfig.getoption("benchmark_disable") and not pytestconfig.getoption(
        "benchmark_enable")
    if n > 100_000 and disabled:
        pytest.skip("the 1M-word matrix is only built for real benchmark runs")
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((n, dim), dtype=np.float32)
    wv = WordVectors([f"w{i}" for i in range(n)], matrix)
    wv.most_similar("w0", topn=1)      # norms computed once, outside the timing
    return wv


def test_most_similar(benchmark, vectors):
    result = benchmark(vectors.most_similar, "w1", topn=10)
    assert len(result) == 10 and result[0][0] != "w1"


def test_most_similar_batch_of_100(benchmark, vectors):
    queries = vectors.vectors[:100]
    result = benchmark(vectors.most_similar_to_vectors, queries, topn=10)
    assert len(result) == 100


def test_analogy_3cosmul(benchmark, vectors):
    answer = benchmark(vectors.analogy, "w1", "w2", "w3", method="3cosmul")
    assert answer not in ("w1", "w2", "w3")
