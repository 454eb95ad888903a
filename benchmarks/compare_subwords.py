"""Subword training side by side: pyw2v, the fastText CLI and gensim's FastText in one run.

Each trains fastText's model (a word's input vector is the mean of its row and its
character n-gram rows) with the same settings on the same file. Printed per
trainer: training words/s (pyw2v and gensim: in-vocabulary tokens x epochs over
the training seconds, vocabulary building excluded; the fastText CLI: the
words/sec/thread of its own last progress line times the threads, which times
training alone and counts its end-of-line tokens too, so it flatters fastText
slightly), questions-words accuracy (30,000 most frequent words, the same for every
trainer, 3CosAdd; see scoring.py) overall and on its syntactic sections,
WordSim-353 Spearman, and pyw2v's ratios. With --repeats N every trainer trains N
times, round-robin, so a busy spell of a shared machine falls on all of them: words/s
is the median of the N runs and each speed-up the median of the N same-round ratios
(quality is scored on the first run).

Unseen words (--held-out N, 0 to skip): N inflected forms (ending in -s, -ed, -ing,
-ly, -er; seen 10 to 300 times, their stem in the vocabulary, in neither
evaluation file) are deleted from a copy of the corpus and each trainer trains
once more on it. For each deleted word, its vector composed from n-grams alone is
compared with the same word's in-vocabulary vector from that trainer's full-corpus
model: the share of their 10 nearest neighbours (among the 30,000 most frequent
words both models know) that agree, averaged over the words.

    python benchmarks/compare_subwords.py                  # corpus-dev, skip-gram
    python benchmarks/compare_subwords.py --markdown       # the README's rows
    python benchmarks/compare_subwords.py --repeats 3 --held-out 0 --fasttext ""
    python benchmarks/compare_subwords.py --kernel batch --batch-windows 4 --fasttext "" --no-gensim
    python benchmarks/compare_subwords.py --corpus my.txt --epochs 1 --held-out 0
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

import numpy as np

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.vectors import WordVectors
from scoring import DATA, score
from settings import add_training_flags
SUFFIXES = ("ing", "ed", "ly", "er", "s")
NEIGHBOURS = 10


def run_pyw2v(args, corpus: str) -> dict:
    params = TrainingParams(model=args.model, dim=args.dim, window=args.window,
                            negative=args.negative, sample=args.sample,
                            min_count=args.min_count, epochs=args.epochs, seed=args.seed,
                            alpha=args.alpha, ns_exponent=args.ns_exponent,
                            subwords=(args.minn, args.maxn),
                            buckets=args.buckets, kernel=args.kernel,
                            batch_windows=args.batch_windows)
    vocab = pyw2v.build_vocabulary(corpus, min_count=params.min_count)
    model = Word2Vec(vocab, params)
    started = time.perf_counter()
    model.train(corpus, threads=args.threads, _epoch_words=vocab.total_words)
    seconds = time.perf_counter() - started
    return dict(name=f"pyw2v {pyw2v.__version__}", vectors=model.wv,
                words_per_second=vocab.total_words * args.epochs / seconds, wall=seconds)


def run_fasttext_cli(args, corpus: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model")
        command = [args.fasttext, args.model, "-input", corpus, "-output", out,
                   "-dim", str(args.dim), "-ws", str(args.window), "-neg", str(args.negative),
                   "-t", str(args.sample), "-minCount", str(args.min_count),
                   "-epoch", str(args.epochs), "-thread", str(args.threads),
                   "-lr", str(args.alpha), "-minn", str(args.minn), "-maxn", str(args.maxn),
                   "-bucket", str(args.buckets), "-loss", "ns", "-seed", str(args.seed),
                   "-verbose", "2"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        rates = re.findall(r"words/sec/thread:\s*(\d+)", done.stderr + done.stdout)
        if not rates:
            raise RuntimeError(f"no progress line in fastText's output: {done.stderr[-500:]}")
        vectors = pyw2v.load_fasttext(out + ".bin")
    version = subprocess.run([args.fasttext], capture_output=True, text=True).stdout
    return dict(name=f"fastText CLI {_debian_version() or version.strip()[:20]}",
                vectors=vectors, words_per_second=int(rates[-1]) * args.threads, wall=wall)


def _debian_version() -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fasttext"],
                              capture_output=True, text=True).stdout.split("+")[0]
    except OSError:
        return ""


def run_gensim(args, corpus: str) -> dict:
    import gensim
    from gensim.models import FastText

    model = FastText(sg=int(args.model == "skipgram"), vector_size=args.dim,
                     window=args.window, negative=args.negative, sample=args.sample,
                     min_count=args.min_count, epochs=args.epochs, workers=args.threads,
                     seed=args.seed, alpha=args.alpha, min_n=args.minn, max_n=args.maxn,
                     bucket=args.buckets,
                     **({} if args.ns_exponent is None else {"ns_exponent": args.ns_exponent}))
    model.build_vocab(corpus_file=corpus)
    started = time.perf_counter()
    model.train(corpus_file=corpus, total_words=model.corpus_total_words,
                total_examples=model.corpus_count, epochs=args.epochs)
    seconds = time.perf_counter() - started
    wv = model.wv
    counts = [wv.get_vecattr(w, "count") for w in wv.index_to_key]
    return dict(name=f"gensim FastText {gensim.__version__}", vectors=_GensimVectors(wv, counts),
                words_per_second=sum(counts) * args.epochs / seconds, wall=seconds)


class _GensimVectors(WordVectors):
    """gensim's FastTextKeyedVectors as WordVectors, answering unseen words through gensim."""

    def __init__(self, wv, counts) -> None:
        super().__init__(list(wv.index_to_key), wv.vectors, counts)
        self._gensim = wv

    def oov_vector(self, word: str) -> np.ndarray:
        return self._gensim.get_vector(word)


def held_out_words(corpus: str, min_count: int, n: int, seed: int) -> list[str]:
    """n inflected forms seen 10..300 times whose stem is in the vocabulary and that
    neither evaluation file uses, drawn reproducibly."""
    vocab = pyw2v.build_vocabulary(corpus, min_count=min_count)
    counts = dict(zip(vocab.words, vocab.counts.tolist()))
    used = set()
    for name in ("questions-words.txt", "wordsim353.tsv"):
        if (DATA / "eval" / name).is_file():
            used |= set((DATA / "eval" / name).read_text().lower().split())
    candidates = []
    for word, count in counts.items():
        if not (10 <= count <= 300 and word.isalpha() and len(word) >= 5 and word not in used):
            continue
        for suffix in SUFFIXES:
            stem = word[:-len(suffix)]
            if word.endswith(suffix) and (stem in counts or stem + "e" in counts):
                candidates.append(word)
                break
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(sorted(candidates), size=min(n, len(candidates)), replace=False))


def delete_words(corpus: str, words: list[str], out: str) -> None:
    gone = set(words)
    with open(corpus, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(" ".join(t for t in line.split() if t not in gone) + "\n")


def agreement(full: WordVectors, held: WordVectors, words: list[str]) -> float:
    """Mean share of the NEIGHBOURS nearest neighbours that a word's unseen vector
    (from `held`) and its in-vocabulary vector (from `full`) have in common, among
    the 30,000 most frequent words both know."""
    common = [w for w in full.index_to_key[:30000] if w in held.key_to_index]
    full_m = _unit(np.array([full.get_vector(w) for w in common]))
    held_m = _unit(np.array([held.get_vector(w) for w in common]))
    shares = []
    for word in words:
        mine = _top(full_m, _unit(full.get_vector(word)))
        theirs = _top(held_m, _unit(np.asarray(held.oov_vector(word))))
        shares.append(len(mine & theirs) / NEIGHBOURS)
    return float(np.mean(shares))


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _top(matrix: np.ndarray, query: np.ndarray) -> set[int]:
    return set(np.argpartition(-(matrix @ query), NEIGHBOURS)[:NEIGHBOURS].tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    add_training_flags(parser)
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="every trainer's learning rate (default: fastText's for skipgram)")
    parser.add_argument("--ns-exponent", type=float, default=None,
                        help="noise exponent of pyw2v and gensim (default: each one's own, "
                             "pyw2v 0.5 with subwords, gensim 0.75; the fastText CLI's is 0.5, "
                             "fixed)")
    parser.add_argument("--minn", type=int, default=3)
    parser.add_argument("--maxn", type=int, default=6)
    parser.add_argument("--buckets", type=int, default=2_000_000)
    parser.add_argument("--kernel", choices=["auto", "pair", "batch"], default="auto",
                        help="pyw2v's kernel (auto: the default for subwords)")
    parser.add_argument("--batch-windows", type=int, default=0,
                        help="pyw2v's windows per batch step (0: the default for subwords)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--held-out", type=int, default=200,
                        help="inflected words deleted for the unseen-word check (0: skip it)")
    parser.add_argument("--fasttext", default=None,
                        help="the fastText command (default: fasttext on PATH; \"\" skips it)")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--repeats", type=int, default=1,
                        help="train each trainer this many times, round-robin (quality from "
                             "the first); words/s and speed-ups are medians")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not os.path.isfile(args.corpus):
        parser.error(f"corpus {args.corpus} not found (pass --corpus)")

    if args.fasttext is None:
        args.fasttext = shutil.which("fasttext") or ""
        if not args.fasttext:
            print("the fastText CLI is not installed (apt-get install fasttext): "
                  "comparison skipped")
    has_gensim = importlib.util.find_spec("gensim") is not None
    if not (args.no_gensim or has_gensim):
        print("gensim is not installed: pip install gensim (comparison skipped)")
    runners = [run_pyw2v]
    if args.fasttext:
        runners.append(run_fasttext_cli)
    if has_gensim and not args.no_gensim:
        runners.append(run_gensim)
    words = held_out_words(args.corpus, args.min_count, args.held_out, args.seed) \
        if args.held_out else []
    with tempfile.TemporaryDirectory() as tmp:
        reduced = os.path.join(tmp, "held-out.txt")
        if words:
            delete_words(args.corpus, words, reduced)
            print(f"held out {len(words)} words, e.g. {', '.join(words[:8])}")
        results = []
        for runner in runners:
            result = runner(args, args.corpus)
            result.update(score(result["vectors"]))
            if words:
                result["agreement"] = agreement(result["vectors"],
                                                runner(args, reduced)["vectors"], words)
            del result["vectors"]
            results.append(result)
            print(f"  {result['name']}: {result['words_per_second']:,.0f} words/s "
                  f"({result['wall']:.0f} s), analogy {100 * result['analogy']:.2f}% "
                  f"(syntactic {100 * result['syntactic']:.2f}%), "
                  f"spearman {result['spearman']:.3f}"
                  + (f", unseen-word agreement {result['agreement']:.3f}" if words else ""),
                  flush=True)

    speeds = [[r["words_per_second"]] for r in results]
    for _ in range(args.repeats - 1):
        for runner, runs in zip(runners, speeds):
            runs.append(runner(args, args.corpus)["words_per_second"])
    for result, runs in zip(results, speeds):
        result["words_per_second"] = statistics.median(runs)
        result["speed_up"] = statistics.median(a / b for a, b in zip(speeds[0], runs))
        if args.repeats > 1:
            print(f"  {result['name']} words/s: {', '.join(f'{w:,.0f}' for w in runs)} "
                  f"(median {result['words_per_second']:,.0f})")

    print(f"\n{args.model} (pyw2v kernel {args.kernel}, batch windows {args.batch_windows}, "
          f"noise exponent {'default' if args.ns_exponent is None else args.ns_exponent}), "
          f"subwords "
          f"{args.minn}-{args.maxn}, {args.buckets:,} buckets, dim "
          f"{args.dim}, window {args.window}, negative {args.negative}, sample {args.sample}, "
          f"alpha {args.alpha}, min_count {args.min_count}, {args.epochs} epochs, "
          f"{args.threads} threads; corpus {args.corpus}")
    ours = results[0]
    for theirs in results[1:]:
        print(f"pyw2v / {theirs['name']}: speed x{theirs['speed_up']:.2f}, syntactic "
              f"{100 * (ours['syntactic'] - theirs['syntactic']):+.2f} points, spearman "
              f"{ours['spearman'] - theirs['spearman']:+.3f}"
              + (f", agreement {ours['agreement'] - theirs['agreement']:+.3f}" if words else ""))
    if args.markdown:
        print("\n| trainer | words/s | pyw2v's speed-up | analogy (30k) | syntactic | WS-353 "
              "| unseen-word NN agreement |\n|---|---|---|---|---|---|---|")
        for r in results:
            print(f"| {r['name']} | {r['words_per_second']:,.0f} | "
                  f"{r['speed_up']:.2f} | "
                  f"{100 * r['analogy']:.2f}% | {100 * r['syntactic']:.2f}% | "
                  f"{r['spearman']:.3f} | "
                  + (f"{r['agreement']:.3f} |" if words else "- |"))


if __name__ == "__main__":
    main()
