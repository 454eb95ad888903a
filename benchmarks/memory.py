"""Peak memory of training on large generated text files (issue 6, item 4).

    python benchmarks/memory.py --sizes 200M 2G          # what the closing note reports
    python benchmarks/memory.py --sizes 200M --stream    # force streaming (CACHE_TOKENS = 0)

For each size, a text file of about that many bytes is written to a temporary
directory (words drawn from a fixed vocabulary with Zipf frequencies, ~20 tokens
a line), one epoch of skip-gram (dim 100, 2 threads, min_count 5) is trained on
it in a child process, the child's peak resident memory is read (VmHWM from
/proc, and ru_maxrss from wait4 as a cross-check), and the file is deleted.
The child also samples its resident memory four times a second, so the output
shows whether memory climbs while the corpus streams by.

The formula
-----------
Peak RSS is bounded by

    baseline                    interpreter + NumPy + pyw2v, measured in the child (~35 MB)
  + 2 * V * d * 4               center and outside matrices, float32
  + V * VOCAB_BYTES_PER_WORD    vocabulary: word strings, index dict, counts, the two
                                compiled token tables (<= 2 x 32 bytes x 2.9 slots a
                                word), the counting pass's Counter; ~600 bytes a word
  + corpus term, either
      cached (N <= CACHE_TOKENS in-vocabulary tokens):
        2 * N * (4 + 8 / L)     uint32 ids and int64 sentence starts (L tokens a
                                sentence); x2 because the chunks of the first pass
                                and their concatenation coexist for a moment
      streamed (N > CACHE_TOKENS):
        STREAM_BLOCKS * BLOCK_BYTES   = 6 x 16 MiB: the block being encoded, the next
                                block cut ahead, the one the read-ahead thread
                                holds (pyw2v.compressed.ReadAhead), the carried tail
                                joined to it, the block's ids, allocator slack

with V the vocabulary size, d the dimension, CACHE_TOKENS = 2**28 (pyw2v.encoding) and
BLOCK_BYTES = 16 MiB (pyw2v.corpus). The corpus size enters only through the
cached term, which is itself capped: at most 2 * CACHE_TOKENS * (4 + 8 / L),
about 2.3 GB for L = 20, for a corpus just small enough to cache. Beyond
CACHE_TOKENS, peak memory is independent of corpus size. (When the token count
is not known before the first pass, e.g. Word2Vec.train on a new corpus or
max_vocab_size pruning, a streamed corpus's first pass may hold up to
CACHE_TOKENS * (4 + 8 / L), about 1.15 GB, before it gives up caching; train()
knows the count and streams from the start.)

Measured (--window 2 --negative 2 --sample 1e-4 to spare the CPU: these change
the time, not the memory), V = 150,000, d = 100, 2 threads:

    200 MB   37.7M tokens, cached     peak 573 MiB   formula 551 MiB
    2 GB    380.6M tokens, streamed   peak 319 MiB   formula 315 MiB, flat at
                                      285-309 MiB over 387 s of training
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

# Per vocabulary word: the str (~55 B), list and dict slots (~110 B), count, alias and
# keep-probability entries (~30 B), the two compiled token tables (<= 2 x 93 B) and the
# Counter built while counting (~200 B, freed but kept by the allocator).
VOCAB_BYTES_PER_WORD = 600
# Blocks of BLOCK_BYTES: the one encoded, the one cut ahead, the read-ahead thread's,
# the carried tail joined to it, the block's ids and starts, and what the allocator
# keeps of earlier ones.
STREAM_BLOCKS = 6

CHILD = r"""
import json, os, sys, threading, time
def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
import numpy as np
import pyw2v
from pyw2v import corpus, encoding
path, dim, threads, cache_tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
window, negative, sample = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
if cache_tokens != "default":
    encoding.CACHE_TOKENS = int(cache_tokens)
baseline = status("VmRSS")
samples, done = [], threading.Event()
def watch():
    start = time.perf_counter()
    while not done.wait(0.25):
        samples.append((round(time.perf_counter() - start, 2), status("VmRSS")))
threading.Thread(target=watch, daemon=True).start()
started = time.perf_counter()
model = pyw2v.train(path, model="skipgram", dim=dim, window=window, negative=negative,
                    sample=sample, min_count=5, epochs=1, threads=threads, seed=1)
elapsed = time.perf_counter() - started
done.set()
assert np.isfinite(model.center_vectors).all()
print(json.dumps({"vocab": len(model.vocab), "tokens": model.vocab.total_words,
                  "cache_tokens": encoding.CACHE_TOKENS, "block_bytes": corpus.BLOCK_BYTES,
                  "baseline": baseline, "hwm": status("VmHWM"), "seconds": elapsed,
                  "loss": float(model.loss_history[-1]), "samples": samples}))
"""


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _words(n: int) -> list[bytes]:
    """n distinct lowercase words, longer for rarer ranks: rank r in base 25 (letters
    a..y), padded with 'z' to 1 + log2(r + 1) / 2 letters, so running text averages
    about 4.6 letters a word (5.6 bytes a token with the space)."""
    letters = b"abcdefghijklmnopqrstuvwxy"
    out = []
    for rank in range(n):
        word, r = bytearray(), rank
        while True:
            word.append(letters[r % 25])
            r //= 25
            if not r:
                break
        length = 1 + int(math.log2(rank + 1) / 2)
        out.append(bytes(word) + b"z" * max(0, length - len(word)))
    return out


def write_corpus(path: str, size: int, vocab: int, seed: int = 0,
                 sentence_length: int = 20, zipf: float = 1.0) -> int:
    """Write ~size bytes of Zipf-distributed words; return the number of tokens written."""
    rng = np.random.default_rng(seed)
    words = _words(vocab)
    table = b" ".join(words) + b" "
    word_len = np.array([len(w) for w in words], dtype=np.int64)
    word_start = np.concatenate(([0], np.cumsum(word_len + 1)[:-1]))
    source = np.frombuffer(table, dtype=np.uint8)
    cdf = np.cumsum(1.0 / np.arange(1, vocab + 1) ** zipf)
    cdf /= cdf[-1]
    written = tokens = 0
    with open(path, "wb") as fh:
        while written < size:
            ids = np.searchsorted(cdf, rng.random(1 << 20))
            lengths = word_len[ids] + 1
            ends = np.cumsum(lengths)
            offsets = np.repeat(word_start[ids] - (ends - lengths), lengths)
            data = source[offsets + np.arange(int(ends[-1]))]
            data[ends[rng.random(len(ids)) < 1.0 / sentence_length] - 1] = ord("\n")
            data[-1] = ord("\n")
            fh.write(data.tobytes())
            written += len(data)
            tokens += len(ids)
    return tokens


def formula(result: dict, dim: int, sentence_length: int = 20) -> dict:
    v, n = result["vocab"], result["tokens"]
    matrices = 2 * v * dim * 4
    vocabulary = v * VOCAB_BYTES_PER_WORD
    if n <= result["cache_tokens"]:
        corpus = 2 * n * (4 + 8 / sentence_length)
        mode = "cached"
    else:
        corpus = STREAM_BLOCKS * result["block_bytes"]
        mode = "streamed"
    total = result["baseline"] + matrices + vocabulary + corpus
    return {"mode": mode, "matrices": matrices, "vocabulary": vocabulary, "corpus": corpus,
            "total": total}


def run_one(size: int, args) -> dict:
    directory = tempfile.mkdtemp(prefix="pyw2v-memory-", dir=args.tmpdir)
    try:
        path = os.path.join(directory, "corpus.txt")
        started = time.perf_counter()
        write_corpus(path, size, args.vocab)
        actual = os.path.getsize(path)
        print(f"wrote {actual / 2**20:.0f} MiB in {time.perf_counter() - started:.0f} s",
              flush=True)
        cache = "0" if args.stream else ("default" if args.cache_tokens is None
                                         else str(args.cache_tokens))
        proc = subprocess.Popen([sys.executable, "-c", CHILD, path, str(args.dim),
                                 str(args.threads), cache, str(args.window), str(args.negative),
                                 str(args.sample)], stdout=subprocess.PIPE)
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"training child failed with exit code {proc.returncode}")
        result = json.loads(stdout)
        result["ru_maxrss"] = usage.ru_maxrss * 1024
        result["file_bytes"] = actual
        return result
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["200M"], help="e.g. 200M 2G")
    parser.add_argument("--vocab", type=int, default=150_000, help="distinct words generated")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    # These change the time, not the memory (per-thread scratch is O(dim * (window + negative))).
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--stream", action="store_true", help="set CACHE_TOKENS = 0")
    parser.add_argument("--cache-tokens", type=int, help="override CACHE_TOKENS")
    parser.add_argument("--tmpdir", help="where to write the corpus (default: the system's)")
    args = parser.parse_args(argv)
    mib = 2.0 ** 20
    for text in args.sizes:
        result = run_one(parse_size(text), args)
        model = formula(result, args.dim)
        print(f"{text}: {result['file_bytes'] / mib:.0f} MiB, {result['tokens']:,} in-vocabulary "
              f"tokens, vocabulary {result['vocab']:,}, {model['mode']}, "
              f"trained in {result['seconds']:.0f} s (loss {result['loss']:.3f})")
        print(f"  measured peak RSS  {result['hwm'] / mib:8.0f} MiB (VmHWM; wait4 ru_maxrss "
              f"{result['ru_maxrss'] / mib:.0f} MiB)")
        print(f"  formula            {model['total'] / mib:8.0f} MiB = baseline "
              f"{result['baseline'] / mib:.0f} + matrices {model['matrices'] / mib:.0f} + "
              f"vocabulary {model['vocabulary'] / mib:.0f} + corpus {model['corpus'] / mib:.0f}")
        samples = result["samples"]
        if samples:
            step = max(1, len(samples) // 12)
            timeline = ", ".join(f"{t:.0f}s {rss / mib:.0f}" for t, rss in samples[::step])
            print(f"  RSS over time (MiB): {timeline}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
