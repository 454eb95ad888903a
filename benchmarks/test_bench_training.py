"""pytest-benchmark timings of the compiled kernel and of a full training call.

    pytest benchmarks --benchmark-enable            # timings (medians, not one run)
    PYW2V_BENCH_CORPUS=path pytest benchmarks --benchmark-enable   # on your own text

Without --benchmark-enable (the default in CI) each runs once as a smoke test.
The corpus is generated (pyw2v.synthetic) unless PYW2V_BENCH_CORPUS names a file.
"""
import os

import numpy as np
import pytest

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.synthetic import make_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = os.environ.get("PYW2V_BENCH_CORPUS")
    if path:
        return path
    path = tmp_path_factory.mktemp("bench") / "synthetic.txt"
    make_corpus(n_sentences=20000, seed=0).write_text(path)
    return str(path)


@pytest.fixture(scope="module")
def prepared(corpus):
    params = TrainingParams(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1)
    vocab = pyw2v.build_vocabulary(corpus, min_count=params.min_count)
    encoded = pyw2v.encode(corpus, vocab)   # encoded (and cached) once, outside the timings
    return params, vocab, encoded


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("model, kernel", [("skipgram", "batch"), ("skipgram", "pair"),
                                           ("cbow", "window")])
def test_kernel_epoch(benchmark, prepared, threads, model, kernel):
    """One epoch of the compiled loop on an already-encoded chunk: words/s of the kernel."""
    params, vocab, encoded = prepared
    w2v = Word2Vec(vocab, TrainingParams(**{**params.__dict__, "model": model, "alpha": None,
                                            "kernel": kernel}))
    benchmark.extra_info["words"] = encoded.n_tokens
    benchmark(lambda: w2v.train(encoded, threads=threads))
    assert np.isfinite(w2v.center_vectors).all()


def test_train_call(benchmark, corpus):
    """pyw2v.train end to end: vocabulary, encoding and one epoch."""
    model = benchmark(lambda: pyw2v.train(corpus, dim=100, epochs=1))
    assert len(model.loss_history) == 1

