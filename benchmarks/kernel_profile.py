"""One single-threaded epoch of each kernel, small enough to run under callgrind.

Instruction counts do not depend on how busy the machine is, so they measure a
kernel change where wall-clock timings on a shared machine cannot:

    python benchmarks/kernel_profile.py --callgrind              # every kernel
    python benchmarks/kernel_profile.py --callgrind --markdown --kernels skipgram-ns-batch

With --callgrind the script re-runs itself under `valgrind --tool=callgrind`
once per kernel and prints the inclusive instruction count of the compiled
training loop (`train_chunk._omp_fn`, see callgrind.py) divided by the corpus
words trained. Without it, it trains each kernel once and prints the token
count, for a manual valgrind run:

    valgrind --tool=callgrind --callgrind-out-file=cg.out \\
        python benchmarks/kernel_profile.py --kernels skipgram-ns-batch
    callgrind_annotate --inclusive=yes cg.out | grep -E "omp_fn|_step|pyw2v_"

The kernels are every kernel TrainingParams accepts for skip-gram and CBOW,
with negative sampling and with hierarchical softmax alone (negative 0), named
model-loss-kernel.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from itertools import islice
from pathlib import Path

import callgrind
import pyw2v
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.params import KERNELS as KERNEL_NAMES
from pyw2v.params import MODELS, ParameterError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LOSSES = {"ns": dict(loss="negative", negative=5), "hs": dict(loss="hs", negative=0)}


def _kernels() -> dict[str, dict]:
    """name -> TrainingParams arguments, for every (model, loss, kernel) the rules accept."""
    kernels = {}
    for model in MODELS:
        for loss, loss_args in LOSSES.items():
            for kernel in KERNEL_NAMES:
                if kernel == "auto":
                    continue
                try:
                    TrainingParams(model=model, kernel=kernel, **loss_args)
                except ParameterError:
                    continue
                kernels[f"{model}-{loss}-{kernel}"] = dict(model=model, kernel=kernel, **loss_args)
    return kernels


KERNELS = _kernels()


def train_once(args: argparse.Namespace, name: str) -> int:
    """Train kernel `name` for one epoch on 1 thread; return the tokens trained."""
    with open(args.corpus, encoding="utf-8") as f:
        sentences = [line.split() for line in islice(f, args.lines)]
    params = TrainingParams(dim=args.dim, window=args.window, epochs=1, min_count=2,
                            batch_windows=args.batch_windows, **KERNELS[name])
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    encoded = pyw2v.encode(sentences, vocab)   # encoded here, apart from the training loop
    Word2Vec(vocab, params).train(encoded, threads=1)
    print(f"{name}: {encoded.n_tokens} tokens, vocabulary {len(vocab)}, dim {args.dim}, "
          f"window {args.window}, {params.windows_per_step} window(s) per step", flush=True)
    return int(encoded.n_tokens)


def profile(args: argparse.Namespace, name: str, scratch: Path) -> tuple[int, int]:
    """(loop instructions, tokens) of kernel `name`, from a callgrind run of this script."""
    out_file = scratch / f"{name}.callgrind"
    stdout = callgrind.run([sys.executable, __file__, "--corpus", args.corpus, "--kernels", name,
                            "--lines", str(args.lines), "--dim", str(args.dim),
                            "--window", str(args.window),
                            "--batch-windows", str(args.batch_windows)], out_file)
    tokens = int(stdout.split(": ", 1)[1].split(" tokens", 1)[0])
    return callgrind.loop_counts(out_file)["Ir"], tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--kernels", nargs="+", choices=list(KERNELS), default=list(KERNELS))
    parser.add_argument("--lines", type=int, default=3000, help="first lines of the corpus")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--batch-windows", type=int, default=0,
                        help="windows per batch step (0: each kernel's default; others "
                             "take only 0 or 1)")
    parser.add_argument("--callgrind", action="store_true",
                        help="run each kernel under callgrind; print instructions per word")
    parser.add_argument("--markdown", action="store_true",
                        help="with --callgrind, also print a Markdown table row per kernel")
    args = parser.parse_args()
    if not args.callgrind:
        for name in args.kernels:
            train_once(args, name)
        return
    if not callgrind.available():
        parser.error("--callgrind needs valgrind (apt-get install valgrind)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kernel-profile-") as scratch:
        for name in args.kernels:
            instructions, tokens = profile(args, name, Path(scratch))
            rows.append((name, instructions, tokens))
            print(f"{name}: {instructions / tokens:,.0f} instructions per trained word "
                  f"({instructions:,} in the compiled loop / {tokens:,} words; dim {args.dim}, "
                  f"window {args.window}, 1 thread)", flush=True)
    if args.markdown:
        print("\n| kernel | instructions per word | loop instructions | words |\n|---|---:|---:|---:|")
        for name, instructions, tokens in rows:
            print(f"| {name} | {instructions / tokens:,.0f} | {instructions:,} | {tokens:,} |")


if __name__ == "__main__":
    main()
