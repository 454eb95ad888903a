"""Kernel throughput (words/s) on each SIMD path of the compiled core, as a markdown table.

    python benchmarks/simd_paths.py                    # corpus-dev's first 40,000 lines
    python benchmarks/simd_paths.py --repeats 5 --threads 2
    python benchmarks/simd_paths.py --lines 0          # a synthetic corpus instead

Each (path, repeat) is one subprocess with PYW2V_SIMD set, since the path is
chosen once at import. Paths alternate within a repeat, so a busy machine slows
them alike; the table shows the median of --repeats runs. Each run encodes the
corpus once and times one epoch per kernel: the compiled loop's speed alone.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: column name -> (model, kernel)
KERNELS = {"skip-gram batch": ("skipgram", "batch"), "skip-gram pair": ("skipgram", "pair"),
           "CBOW": ("cbow", "window")}


def load_sentences(corpus: str, lines: int) -> list[list[str]]:
    """The corpus's first `lines` lines as token lists, or a synthetic corpus (lines 0 or no file)."""
    if lines > 0 and os.path.exists(corpus):
        with open(corpus, encoding="utf-8") as f:
            return [line.split() for line in islice(f, lines)]
    from pyw2v.synthetic import make_corpus

    return make_corpus(n_sentences=60000, seed=0).sentences


def worker(args: argparse.Namespace) -> None:
    """Run in the subprocess: print {kernel: words/s} for this process's path as JSON."""
    import pyw2v
    from pyw2v.model import TrainingParams, Word2Vec

    sentences = load_sentences(args.corpus, args.lines)
    vocab = pyw2v.build_vocabulary(sentences, min_count=2)
    encoded = pyw2v.encode(sentences, vocab)
    rates = {}
    for name, (model_name, kernel) in KERNELS.items():
        model = Word2Vec(vocab, TrainingParams(model=model_name, kernel=kernel, epochs=1,
                                               min_count=2, dim=args.dim))
        started = time.perf_counter()
        model.train(encoded, threads=args.threads)
        rates[name] = encoded.n_tokens / (time.perf_counter() - started)
    print(json.dumps(rates))


def run_path(path: str, args: argparse.Namespace) -> dict[str, float]:
    """One worker subprocess on `path`; its {kernel: words/s}."""
    command = [sys.executable, __file__, "--worker", "--corpus", args.corpus,
               "--lines", str(args.lines), "--threads", str(args.threads), "--dim", str(args.dim)]
    done = subprocess.run(command, env={**os.environ, "PYW2V_SIMD": path},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rates: dict[str, list[dict[str, float]]]) -> str:
    """Markdown: one row per path, median words/s per kernel and the ratio to the baseline."""
    medians = {path: {k: statistics.median(run[k] for run in runs) for k in KERNELS}
               for path, runs in rates.items()}
    base = medians.get("baseline")
    rows = ["| path | " + " | ".join(KERNELS) + " |", "|---" * (len(KERNELS) + 1) + "|"]
    for path, med in medians.items():
        cells = [f"{med[k] / 1e6:.2f}M" + (f" ({med[k] / base[k]:.2f}x)" if base else "")
                 for k in KERNELS]
        rows.append(f"| {path} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--lines", type=int, default=40000,
                        help="first lines of the corpus; 0: a synthetic corpus")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paths", nargs="+", help="default: every path this machine runs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    import pyw2v

    paths = args.paths or list(pyw2v.simd_levels())
    rates: dict[str, list[dict[str, float]]] = {path: [] for path in paths}
    for repeat in range(args.repeats):
        order = paths if repeat % 2 == 0 else paths[::-1]
        for path in order:
            rates[path].append(run_path(path, args))
    source = (f"{Path(args.corpus).name}, first {args.lines} lines" if args.lines > 0
              and os.path.exists(args.corpus) else "synthetic corpus")
    print(f"words/s, one epoch, {args.threads} thread(s), dim {args.dim}, {source}, "
          f"median of {args.repeats}\n")
    print(table(rates))


if __name__ == "__main__":
    main()
