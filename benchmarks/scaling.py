"""Kernel throughput at 1 and 2 (or more) threads: words/s and scaling efficiency.

    python benchmarks/scaling.py                       # corpus-dev, 1 and 2 threads
    python benchmarks/scaling.py --threads 1 2 4 8     # on a larger machine

The corpus is encoded once; each run trains one epoch on it, so the figures
are the compiled loop's alone. Runs alternate kernels and thread counts and
the medians of --repeats runs are printed.
"""
import argparse
import statistics
import time
from pathlib import Path

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KERNELS = {"skipgram-pair": ("skipgram", "pair"), "skipgram-batch": ("skipgram", "batch"),
           "cbow": ("cbow", "window")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kernels", nargs="+", choices=list(KERNELS), default=list(KERNELS))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    vocab = pyw2v.build_vocabulary(args.corpus)
    encoded = pyw2v.encode(args.corpus, vocab)
    rates: dict = {}
    for _ in range(args.repeats):
        for name in args.kernels:
            model_name, kernel = KERNELS[name]
            for threads in args.threads:
                model = Word2Vec(vocab, TrainingParams(epochs=1, model=model_name, kernel=kernel))
                started = time.perf_counter()
                model.train(encoded, threads=threads)
                rate = encoded.n_tokens / (time.perf_counter() - started)
                rates.setdefault((name, threads), []).append(rate)
    base = min(args.threads)
    for name in args.kernels:
        cells = []
        for threads in args.threads:
            rate = statistics.median(rates[name, threads])
            speedup = rate / statistics.median(rates[name, base])
            cells.append(f"{threads} threads {rate:>11,.0f} words/s (x{speedup:.2f})")
        print(f"{name:<16}" + "   ".join(cells))


if __name__ == "__main__":
    main()
