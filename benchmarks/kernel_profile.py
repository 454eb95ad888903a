"""One single-threaded epoch of one kernel, small enough to run under callgrind.

Instruction counts do not depend on how busy the machine is, so they measure a
kernel change where wall-clock timings on a shared machine cannot:

    valgrind --tool=callgrind --callgrind-out-file=cg.out \\
        python benchmarks/kernel_profile.py --kernel batch
    callgrind_annotate --inclusive=yes cg.out | grep -E "omp_fn|_step|pyw2v_"

Divide the inclusive count of `train_chunk._omp_fn` (the compiled loop) by the
token count printed here for instructions per corpus word; the other lines
show where they go.
"""
import argparse
from itertools import islice
from pathlib import Path

from pyw2v.corpus import EncodedCorpus, open_source
from pyw2v.model import TrainingParams, Word2Vec, build_vocabulary

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KERNELS = {"batch": ("skipgram", "batch"), "pair": ("skipgram", "pair"),
           "cbow": ("cbow", "auto")}   # auto: CBOW's window kernel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DATA / "corpus-dev.txt"))
    parser.add_argument("--kernel", choices=list(KERNELS), default="batch")
    parser.add_argument("--lines", type=int, default=3000, help="first lines of the corpus")
    parser.add_argument("--dim", type=int, default=100)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        sentences = [line.split() for line in islice(f, args.lines)]
    model_name, kernel = KERNELS[args.kernel]
    params = TrainingParams(model=model_name, kernel=kernel, dim=args.dim, epochs=1,
                            min_count=2)
    vocab = build_vocabulary(sentences, params)
    encoded = EncodedCorpus(open_source(sentences), vocab.index)
    for _ in encoded.chunks():   # encode outside the profiled loop's count
        pass
    Word2Vec(vocab, params).train(encoded, threads=1)
    print(f"{args.kernel}: {encoded.n_tokens} tokens, vocabulary {len(vocab)}, dim {args.dim}")


if __name__ == "__main__":
    main()
