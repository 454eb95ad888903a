"""Thread scaling of each model's default kernel: words/s at 1 and 2 (or more) threads.

    python benchmarks/scaling.py                       # corpus-dev, 1 and 2 threads, 5 repeats
    python benchmarks/scaling.py --threads 1 2 4 8     # on a larger machine

The corpus is encoded once; each run trains one epoch on it, so the figures
are the compiled loop's alone. Each repeat runs every kernel at every thread
count in turn (kernel by kernel, fewest threads first), so a busy spell on a
shared machine hits a repeat's runs alike; the printed speedup is the median of
the per-repeat ratios (n-thread rate / fewest-thread rate of the same repeat),
besides the medians of the rates. CPU/wall is the process's CPU time (user +
system, os.times) over the wall time of a run: near the thread count when the
threads run, lower when they wait for a core another job holds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Each model with its default kernel ("auto"): NS and hierarchical softmax alone.
KERNELS = {"skipgram-ns": dict(model="skipgram"), "cbow-ns": dict(model="cbow"),
           "skipgram-hs": dict(model="skipgram", loss="hs", negative=0),
           "cbow-hs": dict(model="cbow", loss="hs", negative=0)}


def timed_run(vocab: pyw2v.Vocabulary, encoded, settings: dict, threads: int,
              ) -> tuple[float, float]:
    """(words/s, CPU seconds / wall seconds) of one epoch on `threads` threads."""
    model = Word2Vec(vocab, TrainingParams(epochs=1, **settings))
    cpu_before, started = os.times(), time.perf_counter()
    model.train(encoded, threads=threads)
    wall = time.perf_counter() - started
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return encoded.n_tokens / wall, cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kernels", nargs="+", choices=list(KERNELS), default=list(KERNELS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    args = parser.parse_args()
    vocab = pyw2v.build_vocabulary(args.corpus)
    encoded = pyw2v.encode(args.corpus, vocab)
    threads = sorted(set(args.threads))
    rates: dict[tuple[str, int], list[float]] = {}
    usage: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.repeats):
        for name in args.kernels:
            for n in threads:
                rate, cpu_share = timed_run(vocab, encoded, dict(KERNELS[name], dim=args.dim), n)
                rates.setdefault((name, n), []).append(rate)
                usage.setdefault((name, n), []).append(cpu_share)
    base = threads[0]
    kernels = {name: TrainingParams(**KERNELS[name]).kernel for name in args.kernels}
    print(f"{encoded.n_tokens:,} tokens, 1 epoch, dim {args.dim}, {args.repeats} repeats; "
          f"medians; speedup = median of per-repeat ratios to {base} thread(s)")
    print(f"{'kernel':<24}{'threads':>8}{'words/s':>13}{'speedup':>9}{'CPU/wall':>10}")
    for name in args.kernels:
        for n in threads:
            ratios = [r / b for r, b in zip(rates[name, n], rates[name, base])]
            print(f"{name + ' (' + kernels[name] + ')':<24}{n:>8}"
                  f"{statistics.median(rates[name, n]):>13,.0f}"
                  f"{statistics.median(ratios):>9.2f}{statistics.median(usage[name, n]):>10.2f}")


if __name__ == "__main__":
    main()
