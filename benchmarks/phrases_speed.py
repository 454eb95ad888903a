"""Phrase learning + transforming speed: pyw2v.Phrases against gensim's Phrases.

    python benchmarks/phrases_speed.py                 # first 20 MB of corpus-dev
    python benchmarks/phrases_speed.py --size-mb 5 --corpus my.txt

Both learn one layer of bigrams (min_count 5, gensim's "default" scorer and
word2phrase's differ only in a constant factor, so each uses its own threshold
100) from the same text, then write it back with the phrases joined; pyw2v
reads the file itself, gensim reads token lists split in Python (the way its
users feed it). Prints MB/s of learn+transform for each, the ratio, and the
number of phrases each found.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pyw2v import Phrases

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def head_of(path: str, size_mb: float, target: str) -> float:
    """Copy whole lines of `path` up to size_mb MB to `target`; return the MB written."""
    limit = int(size_mb * 1_000_000)
    with open(path, "rb") as src, open(target, "wb") as dst:
        for line in src:
            if dst.tell() + len(line) > limit:
                break
            dst.write(line)
        return dst.tell() / 1e6


def time_pyw2v(path: str, out: str) -> tuple[float, int]:
    started = time.perf_counter()
    model = Phrases(path, min_count=5, threshold=100)
    model.transform_file(path, out, overwrite=True)
    return time.perf_counter() - started, len(model.phrases)


def time_gensim(path: str, out: str) -> tuple[float, int] | None:
    try:
        from gensim.models.phrases import Phrases as GensimPhrases
    except ImportError:
        return None

    class Lines:
        def __iter__(self):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    yield line.split()

    started = time.perf_counter()
    model = GensimPhrases(Lines(), min_count=5, threshold=100)
    with open(out, "w", encoding="utf-8") as fh:
        for sentence in Lines():
            fh.write(" ".join(model[sentence]) + "\n")
    return time.perf_counter() - started, len(model.export_phrases())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--size-mb", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "head.txt")
        size_mb = head_of(args.corpus, args.size_mb, path)
        print(f"corpus: first {size_mb:.1f} MB of {args.corpus}; learn (min_count 5, "
              "threshold 100) + transform to a file")
        ours, n_ours = time_pyw2v(path, os.path.join(tmp, "pyw2v.txt"))
        print(f"pyw2v  Phrases: {ours:7.2f} s  {size_mb / ours:8.1f} MB/s  {n_ours:,} phrases")
        theirs = time_gensim(path, os.path.join(tmp, "gensim.txt"))
        if theirs is None:
            print("gensim is not installed; pip install gensim to compare")
            return
        seconds, n_theirs = theirs
        print(f"gensim Phrases: {seconds:7.2f} s  {size_mb / seconds:8.1f} MB/s  "
              f"{n_theirs:,} phrases")
        print(f"pyw2v / gensim: {seconds / ours:.1f}x")


if __name__ == "__main__":
    main()
