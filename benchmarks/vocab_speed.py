"""How fast the vocabulary is counted from a large text file, against reading it.

    python benchmarks/vocab_speed.py                # a 1 GB file made of corpus-dev copies
    python benchmarks/vocab_speed.py --size-mb 200 --corpus my.txt

Writes the test file into a temporary directory and deletes it afterwards.
Prints MB/s for a plain read of the file (warm page cache) and for
pyw2v.build_vocabulary, plus the peak RSS of this process.
"""
import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from pyw2v import build_vocabulary

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"),
                        help="text repeated to make the test file")
    parser.add_argument("--size-mb", type=int, default=1000)
    args = parser.parse_args()
    piece = Path(args.corpus).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.txt")
        with open(path, "wb") as fh:
            while fh.tell() < args.size_mb * 1_000_000:
                fh.write(piece)
        size_mb = os.path.getsize(path) / 1e6
        started = time.perf_counter()
        with open(path, "rb") as fh:
            while fh.read(16 << 20):
                pass
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        vocab = build_vocabulary(path)
        count_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size_mb:,.0f} MB file: plain read {size_mb / read_seconds:,.0f} MB/s; "
          f"build_vocabulary {size_mb / count_seconds:,.0f} MB/s ({count_seconds:.1f} s, "
          f"{len(vocab):,} words, {vocab.total_words:,} tokens); peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
