"""One single-threaded epoch of one kernel, small enough to run under callgrind.

Instruction counts do not depend on how busy the machine is, so they measure a
kernel change where wall-clock timings on a shared machine cannot:

    valgrind --tool=callgrind --callgrind-out-file=cg.out \\
        python benchmarks/kernel_profile.py --kernel batch
    callgrind_annotate --inclusive=yes cg.out | grep -E "omp_fn|_step|pyw2v_"

Divide the inclusive count of `train_chunk._omp_fn` (the compiled loop) by the
token count printed here for instructions per corpus word; the other lines
show where they go. `--kernel hs-pair` / `hs-batch` profile hierarchical softmax
alone (negative 0) with either skip-gram kernel; `--window` sets the window.
"""
import argparse
from itertools import islice
from pathlib import Path

import pyw2v
from pyw2v.model import TrainingParams, Word2Vec

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: name -> (model, kernel, loss); the "hs-" kernels train hierarchical softmax alone.
KERNELS = {"batch": ("skipgram", "batch", "negative"), "pair": ("skipgram", "pair", "negative"),
           "cbow": ("cbow", "window", "negative"), "hs-pair": ("skipgram", "pair", "hs"),
           "hs-batch": ("skipgram", "batch", "hs")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--kernel", choices=list(KERNELS), default="batch")
    parser.add_argument("--lines", type=int, default=3000, help="first lines of the corpus")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        sentences = [line.split() for line in islice(f, args.lines)]
    model_name, kernel, loss = KERNELS[args.kernel]
    params = TrainingParams(model=model_name, kernel=kernel, loss=loss, dim=args.dim,
                            window=args.window, negative=0 if loss == "hs" else 5, epochs=1,
                            min_count=2)
    vocab = pyw2v.build_vocabulary(sentences, min_count=params.min_count)
    encoded = pyw2v.encode(sentences, vocab)   # encoded here, apart from the training loop
    Word2Vec(vocab, params).train(encoded, threads=1)
    print(f"{args.kernel}: {encoded.n_tokens} tokens, vocabulary {len(vocab)}, dim {args.dim}, "
          f"window {args.window}")


if __name__ == "__main__":
    main()
