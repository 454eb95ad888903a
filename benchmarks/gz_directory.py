"""A corpus split into many .gz files trains as the plain file does, at about its speed.

    python benchmarks/gz_directory.py                 # corpus-dev in 40 .gz files
    python benchmarks/gz_directory.py --corpus my.txt --files 8 --dim 20 --epochs 2

Splits --corpus at line ends into --files gzip files in a temporary directory,
then, in the same run: (a) asserts the directory's vocabulary equals the plain
file's, (b) trains threads=1 for one epoch (dim --check-dim) on both and asserts
the vectors are bit-identical (max abs difference 0.0), (c) times a default run
(--epochs, --dim, --threads) on the directory and on the plain file, best of
--repeats, and prints the wall-time ratio. Compression time is not measured.
"""
import argparse
import gzip
import tempfile
import time
from pathlib import Path

import numpy as np

import pyw2v

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def split_gz(corpus: str, directory: Path, n_files: int) -> int:
    """corpus's lines in n_files gzip files part000.gz, ...; the compressed bytes written."""
    lines = Path(corpus).read_bytes().splitlines(keepends=True)
    step = -(-len(lines) // n_files)
    written = 0
    for i in range(n_files):
        path = directory / f"part{i:03d}.gz"
        path.write_bytes(gzip.compress(b"".join(lines[i * step:(i + 1) * step]), compresslevel=6))
        written += path.stat().st_size
    return written


def wall_seconds(corpora: dict[str, str], repeats: int, **options) -> dict[str, float]:
    """Best wall time of `repeats` pyw2v.train runs on each corpus, counting and
    encoding included; the corpora take turns, so a busy spell hits both."""
    best = dict.fromkeys(corpora, float("inf"))
    for _ in range(repeats):
        for name, corpus in corpora.items():
            started = time.perf_counter()
            pyw2v.train(corpus, **options)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--check-dim", type=int, default=50)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    size = Path(args.corpus).stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        packed = split_gz(args.corpus, directory, args.files)
        gz_dir = str(directory)
        print(f"{args.corpus}: {size / 1e6:.1f} MB of text in {args.files} .gz files "
              f"({packed / 1e6:.1f} MB)")

        plain_vocab = pyw2v.build_vocabulary(args.corpus, min_count=args.min_count)
        dir_vocab = pyw2v.build_vocabulary(gz_dir, min_count=args.min_count)
        assert dir_vocab == plain_vocab, "the .gz directory's vocabulary differs from the plain file's"
        print(f"(a) vocabulary: {len(plain_vocab)} words, identical: {dir_vocab == plain_vocab}")

        check = dict(dim=args.check_dim, epochs=1, threads=1, min_count=args.min_count, seed=1)
        plain_model, dir_model = pyw2v.train(args.corpus, **check), pyw2v.train(gz_dir, **check)
        diff = max(float(np.max(np.abs(a - b), initial=0.0))
                   for a, b in ((plain_model.center_vectors, dir_model.center_vectors),
                                (plain_model.outside_vectors, dir_model.outside_vectors)))
        print(f"(b) threads=1, dim {args.check_dim}, 1 epoch: max abs difference {diff}")
        assert diff == 0.0, "threads=1 vectors of the .gz directory differ from the plain file's"

        run = dict(dim=args.dim, epochs=args.epochs, threads=args.threads,
                   min_count=args.min_count)
        times = wall_seconds({"gz": gz_dir, "plain": args.corpus}, args.repeats, **run)
        gz_time, plain_time = times["gz"], times["plain"]
        print(f"(c) {args.epochs} epochs, dim {args.dim}, {args.threads} threads, best of "
              f"{args.repeats}: .gz directory {gz_time:.2f} s, plain file {plain_time:.2f} s, "
              f"ratio {gz_time / plain_time:.3f}")


if __name__ == "__main__":
    main()
