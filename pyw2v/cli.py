"""The `pyw2v` command line, thin over the Python API."""
from __future__ import annotations

import argparse
import sys
import time

import pyw2v
from pyw2v.synthetic import make_corpus


def _demo(args: argparse.Namespace) -> int:
    corpus = make_corpus(n_sentences=args.sentences, seed=args.seed)
    print(f"pyw2v {pyw2v.__version__} demo: a generated corpus of {corpus.n_tokens():,} tokens "
          f"with planted word families ({', '.join(corpus.families)})")
    started = time.perf_counter()
    model = pyw2v.train(corpus.sentences, model=args.model, dim=args.dim, epochs=args.epochs,
                        threads=args.threads, seed=args.seed)
    seconds = time.perf_counter() - started
    losses = ", ".join(f"{x:.3f}" for x in model.loss_history)
    print(f"trained {args.model} (dim {args.dim}, {args.epochs} epochs) in {seconds:.1f} s; "
          f"loss per epoch: {losses}\n")
    vectors = model.wv
    print("nearest neighbours:")
    for family in corpus.families.values():
        word = family[0]
        neighbours = ", ".join(f"{w} ({s:.2f})" for w, s in vectors.most_similar(word, topn=5))
        print(f"  {word:>10}: {neighbours}")
    print("\nanalogies (a : b :: c : ?):")
    correct = 0
    for a, b, c, d in corpus.analogies:
        correct += vectors.analogy(a, b, c) == d
    for section in dict.fromkeys(corpus.sections):
        a, b, c, d = corpus.analogies[corpus.sections.index(section)]
        answer = vectors.analogy(a, b, c)
        mark = "ok" if answer == d else f"expected {d}"
        print(f"  {a} : {b} :: {c} : {answer}  [{mark}]")
    print(f"\n{correct} of {len(corpus.analogies)} planted analogies solved "
          f"({100 * correct / len(corpus.analogies):.1f}%)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyw2v", description="Fast word2vec training.")
    parser.add_argument("--version", action="version", version=f"pyw2v {pyw2v.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="train on a generated corpus and show neighbours and analogies",
        description="Train on a corpus pyw2v generates itself (no download) with planted "
                    "word families, then print nearest neighbours and solved analogies.")
    demo.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    demo.add_argument("--dim", type=int, default=50)
    demo.add_argument("--epochs", type=int, default=5)
    demo.add_argument("--sentences", type=int, default=20000)
    demo.add_argument("--threads", type=int, default=None)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"pyw2v {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"pyw2v {args.command}: interrupted", file=sys.stderr)
        return 130
