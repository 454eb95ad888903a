"""Side-by-side word2vec training: pyw2v, gensim and fastText (each when installed) in one run.

Trains each with the same settings on the same file, then prints words/second
(in-vocabulary tokens x epochs / training seconds, vocabulary building excluded
and timed separately, except for fastText, whose Python API builds its
vocabulary inside training), the analogy accuracy on questions-words (30,000
most frequent words, the same for every trainer; 3CosAdd, gensim's counting
rules; see scoring.py) and WordSim-353 Spearman, and pyw2v's ratios to each. gensim trains from `corpus_file`, its
fastest path; fastText trains without subwords (minn=maxn=0), i.e. word2vec.

It also prints the arithmetic bound measured in the same run (see bound.py):
the machine's float32 sgemm FLOP/s over the FLOP a corpus word costs, from the
pairs (or windows) per word computed exactly for this corpus, subsampling and
window, and pyw2v's fraction of it (--no-bound skips it).

    python benchmarks/compare.py                       # corpus-dev, skip-gram
    python benchmarks/compare.py --model cbow --repeats 3
    python benchmarks/compare.py --model cbow --kernel batch --batch-windows 4
    python benchmarks/compare.py --markdown            # the README's table rows
    python benchmarks/compare.py --hs                  # hierarchical softmax, negative 0
    python benchmarks/compare.py --corpus my.txt --epochs 1 --no-gensim
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import time

import numpy as np

import pyw2v
from bound import expected_work, flop_per_token, sgemm_rate
from pyw2v.encoding import concatenate
from pyw2v.model import TrainingParams, Word2Vec
from pyw2v.vectors import WordVectors
from scoring import DATA, score
from settings import add_training_flags

def run_pyw2v(args) -> dict:
    params = TrainingParams(model=args.model, dim=args.dim, window=args.window,
                            negative=args.negative, sample=args.sample,
                            min_count=args.min_count, epochs=args.epochs, seed=args.seed,
                            kernel=args.kernel, loss="hs" if args.hs else "negative",
                            batch_windows=args.batch_windows)
    started = time.perf_counter()
    vocab = pyw2v.build_vocabulary(args.corpus, min_count=params.min_count)
    vocab_seconds = time.perf_counter() - started
    model = Word2Vec(vocab, params)
    started = time.perf_counter()
    model.train(args.corpus, threads=args.threads, _epoch_words=vocab.total_words)
    train_seconds = time.perf_counter() - started
    return dict(name=f"pyw2v {pyw2v.__version__}", vectors=model.wv, vocab_seconds=vocab_seconds,
                train_seconds=train_seconds, words=vocab.total_words * args.epochs)


def measure_bound(args) -> dict:
    """The run's arithmetic bound: sgemm FLOP/s over FLOP per corpus word (bound.py)."""
    vocab = pyw2v.build_vocabulary(args.corpus, min_count=args.min_count)
    chunk = concatenate(list(pyw2v.encode(args.corpus, vocab).chunks()))
    paths = np.diff(vocab.huffman_tree()[0]) if args.hs else None
    work = expected_work(chunk.token_ids, chunk.sentence_starts,
                         vocab.keep_probabilities(args.sample), args.window, paths)
    flop = flop_per_token(work, args.model, args.dim, args.negative, args.hs)
    rate, how = sgemm_rate(args.threads)
    return dict(work=work, flop=flop, rate=rate, how=how, words_per_second=rate / flop)


def print_bound(bound: dict, pyw2v_rate: float, args) -> None:
    work = bound["work"]
    per_row = "path node" if args.hs else "output row"
    cbow = ", 2 x d per context word" if args.model == "cbow" else ""
    print(f"\narithmetic bound: sgemm {bound['rate'] / 1e9:.1f} GFLOP/s ({bound['how']}); "
          f"per corpus word: keep fraction {work.kept / work.tokens:.3f}, "
          f"{work.pairs / work.tokens:.3f} pairs, {work.windows / work.tokens:.3f} windows")
    if args.hs:
        mean_path = (work.pair_path / work.pairs if args.model == "skipgram"
                     else work.window_path / work.windows)
        print(f"  mean Huffman path {mean_path:.2f} nodes per prediction")
    print(f"  {bound['flop']:,.0f} FLOP per word (3 x d x 2 per {per_row} and prediction{cbow}) -> "
          f"bound {bound['words_per_second']:,.0f} words/s; "
          f"pyw2v at {100 * pyw2v_rate / bound['words_per_second']:.1f}% of it")


def run_gensim(args) -> dict:
    import gensim
    from gensim.models import Word2Vec as GensimWord2Vec

    model = GensimWord2Vec(sg=int(args.model == "skipgram"), vector_size=args.dim,
                           window=args.window, negative=args.negative, hs=int(args.hs),
                           sample=args.sample, min_count=args.min_count, epochs=args.epochs,
                           workers=args.threads, seed=args.seed,
                           alpha=0.025 if args.model == "skipgram" else 0.05)
    started = time.perf_counter()
    model.build_vocab(corpus_file=args.corpus)
    vocab_seconds = time.perf_counter() - started
    started = time.perf_counter()
    model.train(corpus_file=args.corpus, total_words=model.corpus_total_words,
                total_examples=model.corpus_count, epochs=args.epochs)
    train_seconds = time.perf_counter() - started
    wv = model.wv
    counts = [wv.get_vecattr(w, "count") for w in wv.index_to_key]
    vectors = WordVectors(list(wv.index_to_key), wv.vectors, counts)
    words = sum(counts) * args.epochs
    return dict(name=f"gensim {gensim.__version__}", vectors=vectors,
                vocab_seconds=vocab_seconds, train_seconds=train_seconds, words=words)


def _version(*distributions: str) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return "?"


def run_fasttext(args) -> dict:
    import fasttext

    started = time.perf_counter()
    model = fasttext.train_unsupervised(
        args.corpus, model=args.model, dim=args.dim, ws=args.window, neg=args.negative,
        t=args.sample, minCount=args.min_count, epoch=args.epochs, thread=args.threads,
        lr=0.025 if args.model == "skipgram" else 0.05, minn=0, maxn=0, wordNgrams=1,
        loss="hs" if args.hs else "ns", verbose=0)
    train_seconds = time.perf_counter() - started
    words, counts = model.get_words(include_freq=True)
    keep = [i for i, word in enumerate(words) if word != "</s>"]   # fastText's line ends
    vectors = WordVectors([words[i] for i in keep],
                          np.array([model.get_word_vector(words[i]) for i in keep]),
                          [int(counts[i]) for i in keep])
    return dict(name=f"fastText {_version('fasttext-wheel', 'fasttext')}",
                vectors=vectors, vocab_seconds=float("nan"), train_seconds=train_seconds,
                words=sum(int(counts[i]) for i in keep) * args.epochs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--kernel", choices=["auto", "pair", "window", "batch"], default="auto",
                        help="pyw2v's kernel (skip-gram: pair, batch; CBOW: window, batch)")
    parser.add_argument("--batch-windows", type=int, default=0,
                        help="windows per batch step (0: the kernel's default)")
    add_training_flags(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1,
                        help="train each this many times, alternating, run i with seed "
                             "--seed + i (pyw2v and gensim alike); report medians")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--no-fasttext", action="store_true")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the summary as Markdown table rows (the README's)")
    parser.add_argument("--hs", action="store_true",
                        help="hierarchical softmax alone (negative 0) in every trainer")
    parser.add_argument("--no-bound", action="store_true",
                        help="skip the sgemm measurement and the arithmetic bound")
    args = parser.parse_args()
    if args.hs:
        args.negative = 0
    if not os.path.isfile(args.corpus):
        parser.error(f"corpus {args.corpus} not found (pass --corpus)")

    runners = [run_pyw2v]
    if not args.no_gensim:
        try:
            import gensim  # noqa: F401
            runners.append(run_gensim)
        except ImportError:
            print("gensim is not installed: pip install gensim (comparison skipped)")
    if not args.no_fasttext:
        try:
            import fasttext  # noqa: F401
            runners.append(run_fasttext)
        except ImportError:
            print("fasttext is not installed: pip install fasttext-wheel (comparison skipped)")
    bound = None if args.no_bound else measure_bound(args)
    runs: dict[str, list[dict]] = {}
    for repeat in range(args.repeats):
        seeded = argparse.Namespace(**{**vars(args), "seed": args.seed + repeat})
        for runner in runners:
            result = runner(seeded)
            result.update(score(result["vectors"]))
            del result["vectors"]
            runs.setdefault(result["name"], []).append(result)
            print(f"  {result['name']}, seed {seeded.seed}: "
                  f"{result['words'] / result['train_seconds']:,.0f} words/s, "
                  f"analogy {100 * result['analogy']:.2f}%, spearman {result['spearman']:.3f}",
                  flush=True)

    print(f"\n{args.model} (pyw2v kernel {args.kernel}, batch windows {args.batch_windows}), dim {args.dim}, window {args.window}, "
          f"negative {args.negative}, hs {int(args.hs)}, "
          f"sample {args.sample}, min_count {args.min_count}, {args.epochs} epochs, "
          f"{args.threads} threads, {args.repeats} run(s) each (seeds {args.seed} to "
          f"{args.seed + args.repeats - 1}), medians; corpus {args.corpus}")
    header = f"{'trainer':<16}{'words/s':>12}{'train s':>10}{'vocab s':>10}{'analogy %':>11}" \
             f"{'ws353':>8}"
    print(header)
    summary = {}
    for name, results in runs.items():
        med = {k: statistics.median(r[k] for r in results)
               for k in ("train_seconds", "vocab_seconds", "analogy", "spearman")}
        med["words_per_second"] = statistics.median(r["words"] / r["train_seconds"]
                                                    for r in results)
        summary[name] = med
        print(f"{name:<16}{med['words_per_second']:>12,.0f}{med['train_seconds']:>10.1f}"
              f"{med['vocab_seconds']:>10.1f}{100 * med['analogy']:>11.2f}"
              f"{med['spearman']:>8.3f}")
    ours = next(iter(summary.values()))
    for name, theirs in list(summary.items())[1:]:
        print(f"pyw2v / {name}: speed x{ours['words_per_second'] / theirs['words_per_second']:.2f}, "
              f"analogy {100 * (ours['analogy'] - theirs['analogy']):+.2f} points, "
              f"spearman {ours['spearman'] - theirs['spearman']:+.3f}")
    if bound is not None:
        print_bound(bound, ours["words_per_second"], args)
    if args.markdown:
        print("\n| trainer | words/s | speed vs pyw2v | analogy (30k) | WS-353 |\n|---|---|---|---|---|")
        for name, med in summary.items():
            print(f"| {name} | {med['words_per_second']:,.0f} | "
                  f"{med['words_per_second'] / ours['words_per_second']:.2f} | "
                  f"{100 * med['analogy']:.2f}% | {med['spearman']:.3f} |")
        if bound is not None:
            print(f"\nArithmetic bound (sgemm {bound['rate'] / 1e9:.1f} GFLOP/s, "
                  f"{bound['flop']:,.0f} FLOP per word): {bound['words_per_second']:,.0f} "
                  f"words/s; pyw2v at "
                  f"{100 * ours['words_per_second'] / bound['words_per_second']:.1f}%.")


if __name__ == "__main__":
    main()
