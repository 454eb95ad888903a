"""Counting + encoding throughput of one text in every corpus form pyw2v reads.

    python benchmarks/sources_speed.py               # the first 50 MB of corpus-dev
    python benchmarks/sources_speed.py --size-mb 5 --corpus my.txt
    python benchmarks/sources_speed.py --no-read-ahead   # decompress on the tokenizer's thread

Writes the text (cut at a line end) into a temporary directory as a plain file,
.gz, .bz2, .xz (.zst when zstandard is installed) and a directory of --files
plain files, then times, for each, a plain decompressing read of the text
(pyw2v.compressed, no tokenizing), build_vocabulary (the counting pass) and
pyw2v.encode (the encoding pass). MB/s are of uncompressed text. Compression
time is not measured (xz uses preset 1 to keep the setup short). Decompression
runs a block ahead on another thread (pyw2v.compressed.ReadAhead); --no-read-ahead
reads on the tokenizer's thread, as before it, and --block-mb changes the read
block (a smaller one shows on a small text the overlap a large corpus gets).
"""
import argparse
import bz2
import gzip
import lzma
import os
import tempfile
import time
from pathlib import Path

import pyw2v
from pyw2v import corpus as corpus_module
from pyw2v.compressed import detect, open_text_bytes

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CODECS = {".gz": gzip.compress, ".bz2": bz2.compress,
          ".xz": lambda data: lzma.compress(data, preset=1)}
try:
    import zstandard
    CODECS[".zst"] = lambda data: zstandard.ZstdCompressor().compress(data)
except ImportError:
    zstandard = None


def write_forms(text: bytes, tmp: str, n_files: int) -> dict[str, str]:
    """The text as a plain file, one file per codec and a directory of n_files files."""
    forms = {"plain": os.path.join(tmp, "corpus.txt")}
    Path(forms["plain"]).write_bytes(text)
    for suffix, compress in CODECS.items():
        forms[suffix.lstrip(".")] = os.path.join(tmp, "corpus.txt" + suffix)
        Path(forms[suffix.lstrip(".")]).write_bytes(compress(text))
    directory = Path(tmp, "files")
    directory.mkdir()
    lines = text.splitlines(keepends=True)
    step = -(-len(lines) // n_files)
    for i in range(n_files):
        (directory / f"part{i:03d}.txt").write_bytes(b"".join(lines[i * step:(i + 1) * step]))
    forms[f"dir of {n_files}"] = str(directory)
    return forms


def read_seconds(corpus: str) -> float:
    """A decompressing read of every file, without tokenizing."""
    paths = sorted(str(p) for p in Path(corpus).iterdir()) if os.path.isdir(corpus) else [corpus]
    started = time.perf_counter()
    for path in paths:
        with open_text_bytes(path, detect(path)) as reader:
            while reader.read(16 << 20):
                pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--size-mb", type=float, default=50)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--block-mb", type=int, default=16)
    parser.add_argument("--no-read-ahead", action="store_true")
    args = parser.parse_args()
    corpus_module.BLOCK_BYTES = args.block_mb << 20
    if args.no_read_ahead:
        corpus_module.ReadAhead = lambda reader, block_bytes: reader
    with open(args.corpus, "rb") as fh:
        text = fh.read(int(args.size_mb * 1_000_000))
    text = text[: text.rfind(b"\n") + 1]
    mb = len(text) / 1e6
    print(f"{mb:.1f} MB of text from {args.corpus}; MB/s of uncompressed text; blocks of "
          f"{args.block_mb} MiB, read-ahead {'off' if args.no_read_ahead else 'on'}")
    print("| form | size on disk MB | read MB/s | count MB/s | encode MB/s | count+encode MB/s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, corpus in write_forms(text, tmp, args.files).items():
            disk = sum(p.stat().st_size for p in Path(corpus).iterdir()) \
                if os.path.isdir(corpus) else os.path.getsize(corpus)
            reading = read_seconds(corpus)
            started = time.perf_counter()
            vocab = pyw2v.build_vocabulary(corpus, min_count=5)
            counting = time.perf_counter() - started
            started = time.perf_counter()
            pyw2v.encode(corpus, vocab)
            encoding = time.perf_counter() - started
            print(f"| {name} | {disk / 1e6:.1f} | {mb / reading:.0f} | {mb / counting:.0f} | "
                  f"{mb / encoding:.0f} | {mb / (counting + encoding):.0f} |")


if __name__ == "__main__":
    main()
