"""How training cost grows with the work: vocabulary size, dim and window, one at a time.

    python benchmarks/cost_growth.py                         # skip-gram NS, 4M tokens, 2 threads
    python benchmarks/cost_growth.py --callgrind --markdown  # + instructions, LL misses per word
    python benchmarks/cost_growth.py --model cbow --hs --vocab 10000 1000000 --dims 100

Corpora are synthetic token ids, not text: --tokens ids drawn from a Zipf law
(p(rank r) ~ 1/r) over each vocabulary size, in sentences of 20 tokens, ranked
by their drawn counts; a word never drawn keeps a row (count 1) and can be drawn
as a negative. Each factor is varied alone around the base point (--base, default
vocabulary 100k, dim 100, window 5), so the table has one row per value.

Per row: words/s of one epoch (median of --repeats; each run times a second
train() call on the same model, after a first one that faults in the matrices'
pages), the exact pairs per word (bound.py; subsampling takes more from a small
vocabulary, so pairs/s compares rows better) and U+V's size, to set against the
L3 cache. Where `perf stat` can count hardware events (virtual machines often
cannot; checked at start), cycles and cache misses per word of the timed call.
Where it cannot, --callgrind runs each row with --callgrind-tokens tokens on 1 thread
under callgrind's cache simulation, this machine's L3 as its last level, and
prints the compiled loop's instructions and last-level misses per word of a
second epoch (callgrind zeroes its counters as each epoch starts).
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import callgrind
from bound import expected_work
from pyw2v.corpus import EncodedChunk
from pyw2v.encoding import EncodedCorpus
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.vocab import Vocabulary

SENTENCE = 20
PERF_EVENTS = ("cycles", "cache-misses")
#: callgrind zeroes its counters on entering the compiled chunk call (once per epoch here).
EPOCH_START = "*Trainer_*train_chunk"


class _IdSource:
    """A corpus source whose one chunk is already token ids (EncodedCorpus reads it once)."""

    def __init__(self, chunk: EncodedChunk):
        self.chunk = chunk

    def encode(self, index: object) -> Iterator[EncodedChunk]:
        yield self.chunk


def zipf_corpus(vocab_size: int, tokens: int, seed: int = 0) -> EncodedCorpus:
    """`tokens` ids drawn with p(rank r) ~ 1/r over `vocab_size` words, in sentences of
    SENTENCE tokens, renumbered by descending drawn count (a Vocabulary's order)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab_size + 1)
    drawn = rng.choice(vocab_size, size=tokens, p=weights / weights.sum())
    counts = np.bincount(drawn, minlength=vocab_size)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(vocab_size, np.uint32)
    rank[order] = np.arange(vocab_size, dtype=np.uint32)
    vocab = Vocabulary([f"w{i}" for i in range(vocab_size)], np.maximum(counts[order], 1))
    starts = np.append(np.arange(0, tokens, SENTENCE), tokens).astype(np.int64)
    encoded = EncodedCorpus(_IdSource(EncodedChunk(rank[drawn], starts)), vocab)  # type: ignore[arg-type]
    encoded.tokens_per_pass()
    return encoded


def perf_works() -> bool:
    """Whether `perf stat` counts this machine's hardware cycles and cache misses."""
    try:
        done = subprocess.run(["perf", "stat", "-x,", "-e", ",".join(PERF_EVENTS), "true"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "<not" not in done.stderr and all(
        event in done.stderr for event in PERF_EVENTS)


class PerfCounters:
    """`perf stat` attached to this process for the duration of a `with` block."""

    def __init__(self, events: tuple[str, ...] = PERF_EVENTS):
        self.events = events
        self.counts: dict[str, float] = {}

    def __enter__(self) -> "PerfCounters":
        self._perf = subprocess.Popen(["perf", "stat", "-x,", "-e", ",".join(self.events),
                                       "-p", str(os.getpid())],
                                      stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)   # let perf attach before the work starts
        return self

    def __exit__(self, *exc: object) -> None:
        self._perf.send_signal(signal.SIGINT)
        _, report = self._perf.communicate(timeout=30)
        for line in report.splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2] in self.events and fields[0].replace(".", "").isdigit():
                self.counts[fields[2]] = float(fields[0])


def train_timed(encoded: EncodedCorpus, params: TrainingParams, threads: int,
                perf: bool) -> tuple[float, dict[str, float]]:
    """words/s of a second one-epoch train() call (the first faults in the pages), and
    perf's counts of it when `perf`."""
    model = Word2Vec(encoded.vocab, params)
    model.train(encoded, threads=threads)
    counters = PerfCounters() if perf else None
    started = time.perf_counter()
    if counters is not None:
        with counters:
            model.train(encoded, threads=threads)
    else:
        model.train(encoded, threads=threads)
    rate = int(encoded.n_tokens or 0) / (time.perf_counter() - started)
    return rate, counters.counts if counters is not None else {}


def rows(args: argparse.Namespace) -> list[dict[str, int]]:
    """The base point, then each factor's other values with the rest at the base."""
    base = dict(zip(("vocab", "dim", "window"), args.base))
    points = [base]
    for factor, values in (("vocab", args.vocab), ("dim", args.dims), ("window", args.windows)):
        points += [dict(base, **{factor: v}) for v in values if v != base[factor]]
    return points


def params_of(args: argparse.Namespace, point: dict[str, int], epochs: int) -> TrainingParams:
    loss = dict(loss="hs", negative=0) if args.hs else dict(negative=args.negative)
    return TrainingParams(model=args.model, dim=point["dim"], window=point["window"],
                          epochs=epochs, sample=args.sample, **loss)


def profiled(args: argparse.Namespace, point: dict[str, int], scratch: Path) -> dict[str, int]:
    """Callgrind's counts of the compiled loop's second epoch at `point` (1 thread)."""
    out_file = scratch / f"{point['vocab']}-{point['dim']}-{point['window']}.callgrind"
    command = [sys.executable, __file__, "--model", args.model, "--negative", str(args.negative),
               "--sample", str(args.sample), "--tokens", str(args.callgrind_tokens),
               "--one", str(point["vocab"]), str(point["dim"]), str(point["window"])]
    callgrind.run(command + (["--hs"] if args.hs else []), out_file, cache_sim=True,
                  extra=[f"--zero-before={EPOCH_START}"])
    return callgrind.loop_counts(out_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[50, 100, 300])
    parser.add_argument("--windows", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--base", type=int, nargs=3, default=[100_000, 100, 5],
                        metavar=("VOCAB", "DIM", "WINDOW"), help="the point factors vary around")
    parser.add_argument("--tokens", type=int, default=4_000_000)
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--hs", action="store_true", help="hierarchical softmax alone (negative 0)")
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true",
                        help="also run each row under callgrind (instructions, LL misses per word)")
    parser.add_argument("--callgrind-tokens", type=int, default=100_000)
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--one", type=int, nargs=3, metavar=("VOCAB", "DIM", "WINDOW"),
                        help=argparse.SUPPRESS)   # the run --callgrind profiles: 2 epochs, 1 thread
    args = parser.parse_args()
    if args.one:
        point = dict(vocab=args.one[0], dim=args.one[1], window=args.one[2])
        encoded = zipf_corpus(point["vocab"], args.tokens)
        Word2Vec(encoded.vocab, params_of(args, point, epochs=2)).train(encoded, threads=1)
        return
    if args.callgrind and not callgrind.available():
        parser.error("--callgrind needs valgrind (apt-get install valgrind)")
    perf = perf_works()
    l3 = callgrind.last_level_cache()
    l3_mb = int(l3.split(",")[0]) / 2**20 if l3 else float("nan")
    print(f"{args.model}, {'hs' if args.hs else f'negative {args.negative}'}, sample "
          f"{args.sample}, {args.tokens:,} Zipf tokens, {args.threads} threads, median of "
          f"{args.repeats}; L3 {l3_mb:.0f} MB; perf stat "
          f"{'counts cycles and cache misses' if perf else 'cannot count hardware events here'}"
          + (f"; callgrind: {args.callgrind_tokens:,} tokens, 1 thread, 2nd epoch"
             if args.callgrind else ""), flush=True)
    table = []
    scratch = tempfile.TemporaryDirectory(prefix="cost-growth-")
    for point in rows(args):
        encoded = zipf_corpus(point["vocab"], args.tokens)
        chunk = next(encoded.chunks())
        work = expected_work(chunk.token_ids, chunk.sentence_starts,
                             encoded.vocab.keep_probabilities(args.sample), point["window"])
        runs = [train_timed(encoded, params_of(args, point, epochs=1), args.threads, perf)
                for _ in range(args.repeats)]
        row = dict(point, words_per_second=statistics.median(r for r, _ in runs),
                   pairs=work.pairs / work.tokens,
                   pairs_per_second=statistics.median(r for r, _ in runs) * work.pairs / work.tokens,
                   matrices_mb=2 * point["vocab"] * point["dim"] * 4 / 2**20)
        for event in PERF_EVENTS if perf else ():
            row[event] = statistics.median(c.get(event, float("nan")) for _, c in runs) \
                / args.tokens
        if args.callgrind:
            counts = profiled(args, point, Path(scratch.name))
            row["instructions"] = counts["Ir"] / args.callgrind_tokens
            row["ll_misses"] = callgrind.last_level_misses(counts) / args.callgrind_tokens
        table.append(row)
        print(format_row(row), flush=True)
    scratch.cleanup()
    if args.markdown:
        print_markdown(table)


COLUMNS = [("vocab", "vocabulary", "{:,}"), ("dim", "dim", "{}"), ("window", "window", "{}"),
           ("matrices_mb", "U+V MiB", "{:,.1f}"), ("pairs", "pairs/word", "{:.2f}"),
           ("words_per_second", "words/s", "{:,.0f}"),
           ("pairs_per_second", "pairs/s", "{:,.0f}"), ("cycles", "cycles/word", "{:,.0f}"),
           ("cache-misses", "cache misses/word", "{:.2f}"),
           ("instructions", "instructions/word", "{:,.0f}"),
           ("ll_misses", "LL misses/word", "{:.2f}")]


def format_row(row: dict) -> str:
    return "  ".join(f"{title} {fmt.format(row[key])}" for key, title, fmt in COLUMNS
                     if key in row)


def print_markdown(table: list[dict]) -> None:
    shown = [c for c in COLUMNS if c[0] in table[0]]
    print("\n| " + " | ".join(title for _, title, _ in shown) + " |")
    print("|" + "---:|" * len(shown))
    for row in table:
        print("| " + " | ".join(fmt.format(row[key]) for key, _, fmt in shown) + " |")


if __name__ == "__main__":
    main()
