"""Distributed training on a local Ray cluster against single-process training, same run.

    python benchmarks/distributed.py                        # corpus-dev, 3 seeds, 5 epochs
    python benchmarks/distributed.py --sync-every 1 0.1 0.02 --merge sum mean --markdown
    python benchmarks/distributed.py --interleave on off --seeds 1 2 3 4 5 6
    python benchmarks/distributed.py --seeds 1 2 3 --single-repeats 3 --rotate on off

For each seed: pyw2v.train(threads=W x T) and pyw2v.distributed.train(workers=W,
threads_per_worker=T) at every sync_every, merge, interleave and rotate, on one Ray cluster of
W x T CPUs started once. Prints per configuration the medians over the seeds of
words/s (the whole call: sharding, counting, encoding, rounds; the workers
count and encode in parallel, the single process does both once), questions-words
accuracy (30k most frequent words) and WordSim-353 Spearman, the rounds, the
median rows merged and bytes moved per round (to and from the driver) and the share of time spent
synchronising; then each configuration's differences to single-process
training (the difference of the medians, and the median of per-seed differences) and
its words/s ratio to it (median of per-seed ratios).

With one thread per worker a distributed run is deterministic, while Hogwild's threads
are not (a seed's accuracy moves by about a point between runs): --single-repeats N
trains the single process N times per seed and takes the median of each measure.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyw2v
from pyw2v.distributed import RoundLog, train as distributed_train

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def quality(model: pyw2v.Word2Vec, eval_dir: Path) -> tuple[float, float]:
    analogies = model.wv.evaluate_analogies(eval_dir / "questions-words.txt",
                                            restrict_vocab=30000)
    pairs = model.wv.evaluate_word_pairs(eval_dir / "wordsim353.tsv")
    return analogies.accuracy, pairs.spearman


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--eval", default=str(DATA / "eval"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--sync-every", type=float, nargs="+", default=[0.02])
    parser.add_argument("--merge", nargs="+", choices=["sum", "mean"], default=["sum"])
    parser.add_argument("--interleave", nargs="+", choices=["on", "off"], default=["on"],
                        help="workers train their shards' halves in turn (on) or in order")
    parser.add_argument("--rotate", nargs="+", choices=["on", "off"], default=["on"],
                        help="each epoch starts further into the shards (on) or at the start")
    parser.add_argument("--frequent-rows", type=int, default=None,
                        help="rows from this id up sync every --rare-sync-every rounds")
    parser.add_argument("--rare-sync-every", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--single-repeats", type=int, default=1,
                        help="single-process runs per seed (the median of each measure)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.single_repeats < 1:
        parser.error("--single-repeats must be at least 1")

    import ray
    cpus = args.workers * args.threads_per_worker
    ray.init(num_cpus=cpus, object_store_memory=512 << 20, include_dashboard=False,
             log_to_driver=False)
    settings = dict(epochs=args.epochs, dim=args.dim, min_count=args.min_count)
    configs = [("single", None, None, None, None)] + [
        ("ray", s, m, i, r) for s in args.sync_every for m in args.merge
        for i in args.interleave for r in args.rotate]
    results: dict[tuple, list[dict]] = {c: [] for c in configs}
    try:
        for seed in args.seeds:
            for config in configs:
                if config[0] == "single":
                    runs = [run_single(args, cpus, seed, settings)
                            for _ in range(args.single_repeats)]
                    results[config].append({key: statistics.median(r[key] for r in runs)
                                            for key in runs[0]})
                else:
                    results[config].append(run_distributed(args, config, seed, settings))
    finally:
        ray.shutdown()
    report(results, configs, args)


def run_single(args: argparse.Namespace, threads: int, seed: int, settings: dict) -> dict:
    """One pyw2v.train call: its words/s and quality."""
    started = time.perf_counter()
    model = pyw2v.train(args.corpus, threads=threads, seed=seed, **settings)
    row = measured(args, model, time.perf_counter() - started, [])
    print(f"seed {seed} single threads={threads}: {summary(row)}", flush=True)
    return row


def run_distributed(args: argparse.Namespace, config: tuple, seed: int, settings: dict) -> dict:
    """One pyw2v.distributed.train call on the Ray cluster: words/s, quality, rounds."""
    _, sync_every, merge, interleave, rotate = config
    rounds: list[RoundLog] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        model = distributed_train(
            args.corpus, cluster="ray", workers=args.workers,
            threads_per_worker=args.threads_per_worker, sync_every=sync_every,
            merge=merge, interleave=interleave == "on", rotate_epochs=rotate == "on",
            frequent_rows=args.frequent_rows,
            rare_sync_every=args.rare_sync_every, seed=seed, rounds=rounds,
            work_dir=work, **settings)
    row = measured(args, model, time.perf_counter() - started, rounds)
    print(f"seed {seed} ray sync_every={sync_every} merge={merge} interleave={interleave} "
          f"rotate={rotate}: {summary(row)}", flush=True)
    return row


def measured(args: argparse.Namespace, model: pyw2v.Word2Vec, wall: float,
             rounds: list[RoundLog]) -> dict:
    """A call's words/s, quality and (distributed) round figures, as report() reads them."""
    analogy, spearman = quality(model, Path(args.eval))
    words = args.epochs * model.vocab.total_words
    return dict(rate=words / wall, analogy=analogy, spearman=spearman, rounds=len(rounds),
                bytes=statistics.median([r.bytes_up + r.bytes_down for r in rounds])
                if rounds else 0.0,
                rows=statistics.median([r.rows_synced for r in rounds]) if rounds else 0.0,
                sync=sum(r.sync_seconds for r in rounds) / wall)


def summary(row: dict) -> str:
    return (f"{row['rate']:,.0f} words/s, analogy {row['analogy']:.4f}, "
            f"WS-353 {row['spearman']:.4f}")


def report(results: dict[tuple, list[dict]], configs: list[tuple], args: argparse.Namespace
           ) -> None:
    single = results[configs[0]]
    sep = "|" if args.markdown else " "
    rare = "" if args.frequent_rows is None else (
        f"; rows from {args.frequent_rows} up synced every {args.rare_sync_every} rounds")
    repeats = "" if args.single_repeats == 1 else (
        f"; threads: the median of {args.single_repeats} runs per seed")
    print(f"\n{args.workers} workers x {args.threads_per_worker} thread(s) vs threads="
          f"{args.workers * args.threads_per_worker}; medians over seeds {args.seeds}"
          f"{repeats}{rare}")
    header = ["configuration", "words/s", "vs single", "analogy", "diff", "diff per seed",
              "WS-353", "diff", "diff per seed", "rounds", "rows/round", "MB/round",
              "sync share"]
    print(sep.join(["", *header, ""]) if args.markdown else "  ".join(header))
    if args.markdown:
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for config in configs:
        rows = results[config]
        name = ("threads" if config[0] == "single"
                else f"sync_every={config[1]} {config[2]} interleave {config[3]} "
                     f"rotate {config[4]}")

        def med(key: str, rows: list[dict] = rows) -> float:
            return statistics.median(r[key] for r in rows)
        ratio = statistics.median(r["rate"] / s["rate"] for r, s in zip(rows, single))
        d_analogy = statistics.median(100 * (r["analogy"] - s["analogy"])
                                      for r, s in zip(rows, single))
        d_spearman = statistics.median(r["spearman"] - s["spearman"] for r, s in zip(rows, single))
        cells = [name, f"{med('rate'):,.0f}", f"x{ratio:.2f}", f"{100 * med('analogy'):.2f}",
                 f"{100 * (med('analogy') - med('analogy', single)):+.2f}", f"{d_analogy:+.2f}",
                 f"{med('spearman'):.3f}", f"{med('spearman') - med('spearman', single):+.3f}",
                 f"{d_spearman:+.3f}",
                 f"{med('rounds'):.0f}", f"{med('rows'):,.0f}", f"{med('bytes') / 1e6:.1f}",
                 f"{100 * med('sync'):.1f}%"]
        print(sep.join(["", *cells, ""]) if args.markdown else "  ".join(cells))


if __name__ == "__main__":
    main()
