"""Does the progress bar slow training? Paired runs, bar on and off, order alternating.

    python benchmarks/progress_overhead.py --pairs 6

Trains one epoch (skip-gram, 2 threads) on an already-encoded corpus with and
without pyw2v.progress.ProgressBar (drawn to /dev/null) and prints the median
of the per-pair throughput ratios bar/off. On a shared machine single runs
swing by tens of percent; the paired median is the figure to read.
"""
import argparse
import os
import statistics
import time
from pathlib import Path

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.progress import ProgressBar

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    params = TrainingParams(epochs=1)
    vocab = pyw2v.build_vocabulary(args.corpus, min_count=params.min_count)
    encoded = pyw2v.encode(args.corpus, vocab)
    sink = open(os.devnull, "w")

    def rate(mode: str) -> float:
        model = Word2Vec(vocab, params)
        bar = ProgressBar(file=sink) if mode == "bar" else None
        started = time.perf_counter()
        model.train(encoded, threads=args.threads, progress=bar)
        seconds = time.perf_counter() - started
        if bar:
            bar.close()
        return encoded.n_tokens / seconds

    ratios = []
    for i in range(args.pairs):
        order = ("off", "bar") if i % 2 == 0 else ("bar", "off")
        rates = {mode: rate(mode) for mode in order}
        ratios.append(rates["bar"] / rates["off"])
        print(f"pair {i + 1}: off {rates['off']:,.0f}, bar {rates['bar']:,.0f} words/s, "
              f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"median bar/off throughput ratio over {args.pairs} pairs: "
          f"{statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
