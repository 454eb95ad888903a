"""Do callbacks slow training? Paired runs with a no-op callback and without, order alternating.

    python benchmarks/callback_overhead.py --repeats 3

Trains `--epochs` (default 5) epochs (skip-gram, defaults otherwise) on an
already-encoded corpus, once with ``callbacks=[pyw2v.Callback()]`` (all four
hooks, each a no-op) and once without, the order alternating between pairs, and prints
each pair's times and the median of the per-pair time ratios callback/none. Hooks
run between epochs, never beside the compiled loop, so the ratio should sit at
1.00 within the machine's noise; the dispatch cost alone, timed without training,
is printed last. Exits cleanly when the corpus is missing.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import pyw2v
from pyw2v.callbacks import as_callbacks, run_hooks
from pyw2v.model import TrainingParams, Word2Vec

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--repeats", type=int, default=3, help="pairs of runs")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not Path(args.corpus).is_file():
        print(f"skipped: no corpus at {args.corpus} (pass --corpus FILE)")
        return
    params = TrainingParams(epochs=args.epochs, dim=args.dim, min_count=args.min_count)
    vocab = pyw2v.build_vocabulary(args.corpus, min_count=params.min_count)
    encoded = pyw2v.encode(args.corpus, vocab)
    print(f"{args.corpus}: {encoded.n_tokens:,} tokens, vocabulary {len(vocab):,}; "
          f"{args.epochs} epochs, dim {args.dim}, {args.threads} threads", flush=True)

    def seconds(mode: str) -> tuple[float, float]:
        """(wall, CPU) seconds of one run; CPU time (all threads) is less blurred by
        other processes on a shared machine than wall time."""
        model = Word2Vec(vocab, params)
        wall, cpu = time.perf_counter(), time.process_time()
        model.train(encoded, threads=args.threads,
                    callbacks=[pyw2v.Callback()] if mode == "callback" else None)
        return time.perf_counter() - wall, time.process_time() - cpu

    wall_ratios, cpu_ratios = [], []
    for i in range(args.repeats):
        order = ("none", "callback") if i % 2 == 0 else ("callback", "none")
        runs = {mode: seconds(mode) for mode in order}
        wall_ratios.append(runs["callback"][0] / runs["none"][0])
        cpu_ratios.append(runs["callback"][1] / runs["none"][1])
        print(f"pair {i + 1}: none {runs['none'][0]:.2f} s (CPU {runs['none'][1]:.2f} s), "
              f"callback {runs['callback'][0]:.2f} s (CPU {runs['callback'][1]:.2f} s), "
              f"ratio {wall_ratios[-1]:.3f} (CPU {cpu_ratios[-1]:.3f})", flush=True)
    print(f"median callback/none time ratio over {args.repeats} pairs: "
          f"{statistics.median(wall_ratios):.3f} (CPU time {statistics.median(cpu_ratios):.3f})")
    per_hook = _dispatch_seconds()
    hooks = 2 + 2 * args.epochs   # train begin/end, and epoch begin/end per epoch
    print(f"hook dispatch alone: {per_hook * 1e6:.2f} us per hook, {hooks} hooks per run = "
          f"{per_hook * hooks * 1e6:.1f} us per run")


def _dispatch_seconds(calls: int = 100_000) -> float:
    """Seconds per hook call through the trainer's dispatcher, timed without training:
    the floor under the paired runs' ratio, which a shared machine blurs."""
    callbacks = as_callbacks([pyw2v.Callback()])
    started = time.perf_counter()
    for _ in range(calls):
        run_hooks(callbacks, "on_epoch_end", None, None)
    return (time.perf_counter() - started) / calls


if __name__ == "__main__":
    sys.exit(main())
