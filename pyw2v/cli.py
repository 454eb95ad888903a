"""The `pyw2v` command line, thin over the Python API.

Subcommands: train, similar, analogy, eval, plot, phrases, export, demo.  word2vec.c's single-dash
flags (``-train -output -size ... -cbow -binary``) are aliases of ``train``'s
options, and a command line that starts with one of them is a ``train`` command,
so ``pyw2v -train text8 -output vec.bin -size 200 ...`` works as it did with
word2vec.c.

Exit codes: 0 success, 1 failure (bad data, unknown word, missing optional
dependency), 2 usage error (bad option value, missing input file, output file
already there), 130 interrupted (Ctrl-C; no output file is written).  Every
error is one line on stderr: ``pyw2v COMMAND: error: ...``.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import pyw2v
from pyw2v import distributed, export, plot
from pyw2v._threads import effective_threads
from pyw2v.corpus import STDIN
from pyw2v.distributed.checkpoint import has_checkpoints
from pyw2v.distributed.ray_backend import check_address
from pyw2v.distributed.rows import MERGES
from pyw2v.files import is_glob
from pyw2v.native_format import META_FILE
from pyw2v.params import (ANALOGY_METHODS, DEFAULT_BATCH_WINDOWS, DEFAULT_CBOW_BATCH_WINDOWS,
                          KERNELS, LOSSES, MODELS, PROGRESS_MODES, SOFTMAX_MAX_VOCAB,
                          ParameterError, TrainingParams)
from pyw2v.phrases import SCORINGS, Phrases
from pyw2v.progress import progress_display
from pyw2v.synthetic import make_corpus

if TYPE_CHECKING:
    from pyw2v.evaluation import SectionScore

    #: What add_subparsers returns; each _add_*_parser adds its commands to it.
    Subcommands = argparse._SubParsersAction["_Parser"]


EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

logger = logging.getLogger("pyw2v")

#: word2vec.c's flags; a command line starting with one of them means `train`.
WORD2VEC_FLAGS = ("-train", "-output", "-size", "-window", "-negative", "-hs", "-sample",
                  "-threads", "-iter", "-min-count", "-alpha", "-cbow", "-binary", "-debug",
                  "-save-vocab", "-read-vocab", "-classes")

#: How parameters are spelt on the command line, for error messages.
_OPTION_NAMES = {
    "model": "--model (-cbow)", "dim": "--dim (-size)", "window": "--window (-window)",
    "negative": "--negative (-negative)", "sample": "--sample (-sample)",
    "min_count": "--min-count (-min-count)", "epochs": "--epochs (-iter)",
    "alpha": "--alpha (-alpha)", "min_alpha": "--min-alpha", "seed": "--seed",
    "threads": "--threads (-threads)", "max_vocab_size": "--max-vocab-size",
    "max_final_vocab": "--max-final-vocab", "ns_exponent": "--ns-exponent",
    "cbow_mean": "--cbow-mean", "shrink_windows": "--shrink-windows",
    "batch_windows": "--batch-windows", "subwords": "--minn/--maxn", "buckets": "--bucket",
}

_TEXT_EXTENSIONS = (".txt", ".vec", ".text")

#: train's options of distributed training (as argparse names them: as spelt); each
#: needs --cluster, and those not given take pyw2v.distributed.train's defaults.
_CLUSTER_FLAGS = {"address": "--address", "workers": "--workers", "sync_every": "--sync-every",
                  "merge": "--merge", "frequent_rows": "--frequent-rows",
                  "rare_sync_every": "--rare-sync-every", "interleave": "--[no-]interleave",
                  "rotate_epochs": "--[no-]rotate-epochs", "checkpoint_dir": "--checkpoint-dir",
                  "checkpoint_every": "--checkpoint-every", "resume": "--resume"}
_CLUSTER_DEFAULTS = {name: param.default for name, param
                     in inspect.signature(distributed.train).parameters.items()}


class CliError(Exception):
    """An error to report as one line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the full usage of `train` is a screenful)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------------- shared helpers


def _exists_message(path: str, what: str = "") -> str:
    what = f"{what} " if what else ""
    return (f"{what}{path} already exists; pass --overwrite to replace it, "
            "or choose another name")


def _check_input_file(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise UsageError(f"{what} {path} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{what} {path} is a directory; expected a file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{what} {path} is not readable")


def _check_output(path: str, overwrite: bool, what: str, directory: bool = False) -> None:
    """Refuse before any work is done, rather than after hours of training."""
    if os.path.lexists(path):
        if not overwrite:
            raise UsageError(_exists_message(path, what))
        if os.path.isdir(path) and not directory:
            raise UsageError(f"{what} {path} is a directory; expected a file name")
        if directory and not os.path.isfile(os.path.join(path, META_FILE)):
            raise UsageError(f"{what} {path} exists and is not a saved pyw2v model; "
                             "refusing to replace it")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"cannot write {what} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"cannot write {what} {path}: directory {parent} is not writable")


def _load_vectors(path: str, limit: int | None = None,
                  no_header: bool = False) -> pyw2v.WordVectors:
    """Word vectors from a word2vec (or, no_header, GloVe) file or, for a directory, a
    saved native model."""
    if os.path.isdir(path):
        if no_header:
            raise UsageError(f"--no-header reads GloVe text files, but {path} is a "
                             "directory (a saved model); leave --no-header off")
        return pyw2v.load_model(path).wv
    _check_input_file(path, "vectors file")
    try:
        return pyw2v.load_word2vec(path, limit=limit, no_header=no_header)
    except pyw2v.FormatError as exc:   # its hints spelt as the option
        message = str(exc).replace("no_header=True", "--no-header")
        raise CliError(message.replace("no_header", "--no-header")) from None


def _check_words(vectors: pyw2v.WordVectors, words: Sequence[str]) -> None:
    missing = [w for w in words if w not in vectors]
    if missing:
        raise CliError(f"not in the vocabulary ({len(vectors):,} words): {', '.join(missing)}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _zero_or_one(text: str) -> int:
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")
    return int(text)


def _epoch_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction of an epoch, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction of an epoch in (0, 1], got {value}")
    return value


def _cbow_flag(text: str) -> str:
    return "cbow" if _zero_or_one(text) else "skipgram"


def _binary_for(path: str) -> bool:
    """word2vec binary unless the name says text (.txt, .vec, .text, optionally .gz)."""
    name = path[:-3] if path.endswith(".gz") else path
    return not name.lower().endswith(_TEXT_EXTENSIONS)


def _scores_table(rows: Sequence[tuple[str, float]], first: int = 1) -> str:
    width = max(len(word) for word, _ in rows)
    return "\n".join(f"  {rank:>3}  {word:<{width}}  {score:.4f}"
                     for rank, (word, score) in enumerate(rows, start=first))


@contextlib.contextmanager
def _cli_logging(level: int) -> Iterator[None]:
    """Send the pyw2v logger's records to stderr for the length of a command, and each
    distinct warning once, as one line (a corpus is read twice: counted, then encoded)."""
    shown: set[str] = set()

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        text = " ".join(str(message).split())
        if text not in shown:
            shown.add(text)
            print(f"pyw2v: warning: {text}", file=sys.stderr)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%H:%M:%S"))
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = show
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


# ---------------------------------------------------------------------- train


def _params_error(exc: ParameterError) -> UsageError:
    """The error's message with its parameter spelt as the command-line option."""
    option = _OPTION_NAMES.get(exc.param)
    return UsageError(str(exc.spelt(option) if option else exc))


def _train(args: argparse.Namespace) -> int:
    corpus, options, threads = _train_options(args)
    quiet = args.quiet or args.debug == 0
    binary = _check_outputs(args, corpus)
    cluster = None if args.cluster is None else _cluster_keywords(args)
    progress = "off" if quiet else args.progress
    started = time.perf_counter()
    with progress_display(progress) as callback:
        try:
            if cluster is None:
                model = pyw2v.train(corpus, threads=threads, progress=callback, **options)
            else:
                del options["tmp_dir"]   # --cluster refuses it (see _check_cluster_options)
                model = distributed.train(corpus, threads_per_worker=threads, progress=callback,
                                          **cluster, **options)
        except (ValueError, FloatingPointError) as exc:
            raise CliError(f"{_corpus_label(corpus)}: {exc}") from None
        except RuntimeError as exc:   # a worker that cannot start, or is lost again and again
            raise CliError(str(exc)) from None
    seconds = time.perf_counter() - started
    written = _write_outputs(model, args, binary)
    if not quiet:
        epochs = f"{args.epochs} epoch{'s' if args.epochs != 1 else ''}"
        where = "" if cluster is None else f" ({cluster['workers']} workers, {cluster['cluster']})"
        print(f"trained {args.model} on {_corpus_label(corpus)}{where}: "
              f"{len(model.vocab):,} words x "
              f"{args.dim} dims, {epochs} in {seconds:.1f} s, final loss "
              f"{model.loss_history[-1]:.4f}; wrote {', '.join(written)}")
    return 0


def _corpus_label(corpus: str | list[str]) -> str:
    """How messages name the corpus: its path, or the first of several."""
    if corpus == STDIN:
        return "standard input"
    return corpus if isinstance(corpus, str) else f"{len(corpus)} corpora ({corpus[0]}, ...)"


def _train_options(args: argparse.Namespace) -> tuple[str | list[str], dict[str, Any], int]:
    """The corpus (a path, or a list of several), pyw2v.train's keywords and the thread
    count, all checked."""
    if args.corpus and args.train_file and args.corpus != [args.train_file]:
        raise UsageError(f"two corpora given ({' '.join(args.corpus)} and -train "
                         f"{args.train_file}); give one")
    paths = args.corpus or ([args.train_file] if args.train_file else [])
    corpus = paths[0] if len(paths) == 1 else paths
    if not paths:
        raise UsageError("no corpus given: pyw2v train CORPUS -o VECTORS "
                         "(or -train CORPUS -output VECTORS)")
    _check_cluster_options(args, paths)
    _check_stdin(paths)
    if args.tmp_dir is not None and not os.path.isdir(args.tmp_dir):
        raise UsageError(f"--tmp-dir {args.tmp_dir} is not a directory; create it or choose "
                         "another")
    if args.output is None and args.save_model is None:
        raise UsageError("no output given: -o VECTORS (or -output VECTORS) writes the vectors, "
                         "--save-model DIR the full model")
    if args.hs and args.loss == "softmax":
        raise UsageError("-hs 1 asks for hierarchical softmax and --loss softmax for the full "
                         "softmax; give one")
    if args.classes is not None:
        raise UsageError("-classes is not supported yet")
    if args.read_vocab is not None and args.max_vocab_size is not None:
        raise UsageError("--max-vocab-size bounds counting, but with --read-vocab nothing is "
                         "counted; leave it out")
    options = dict(model=args.model, dim=args.dim, window=args.window, negative=args.negative,
                   sample=args.sample, min_count=args.min_count, epochs=args.epochs,
                   alpha=args.alpha, min_alpha=args.min_alpha, seed=args.seed,
                   max_vocab_size=args.max_vocab_size, max_final_vocab=args.max_final_vocab,
                   kernel=args.kernel, loss="hs" if args.hs else args.loss,
                   ns_exponent=args.ns_exponent, cbow_mean=bool(args.cbow_mean),
                   shrink_windows=bool(args.shrink_windows),
                   batch_windows=args.batch_windows, tmp_dir=args.tmp_dir,
                   subwords=_subwords(args), buckets=args.bucket)
    if args.freeze_pretrained and args.pretrained is None:
        raise UsageError("--freeze-pretrained freezes the rows --pretrained FILE starts; "
                         "give --pretrained FILE")
    if args.pretrained is not None:
        _check_input_file(args.pretrained, "--pretrained")
    try:
        TrainingParams(**{k: v for k, v in options.items() if k != "tmp_dir"})
        # with --cluster: per worker, one unless told (a local Ray has a CPU per worker)
        threads = effective_threads(1 if args.threads is None and args.cluster else args.threads)
    except ParameterError as exc:
        raise _params_error(exc) from None
    if args.read_vocab is not None:
        options["vocab"] = _read_vocab(args.read_vocab)
    if args.pretrained is not None:
        options.update(pretrained=args.pretrained, freeze_pretrained=args.freeze_pretrained)
    return corpus, options, threads


def _check_cluster_options(args: argparse.Namespace, paths: list[str]) -> None:
    """The distributed options need --cluster, and --cluster needs corpus files and none
    of the options pyw2v.distributed.train cannot take."""
    if args.cluster is None:
        for name, flag in _CLUSTER_FLAGS.items():
            if getattr(args, name) is not None:
                raise UsageError(f"{flag} is an option of distributed training; it needs "
                                 "--cluster ray (or --cluster serial)")
        return
    if args.address is not None and args.cluster != "ray":
        raise UsageError(f"--address is a Ray cluster's address; it needs --cluster ray, not "
                         f"--cluster {args.cluster}")
    if STDIN in paths:
        raise UsageError("--cluster needs corpus files every worker can read, not '-' "
                         "(standard input); write the text to a file")
    for flag, given, why in (
            ("--read-vocab", args.read_vocab,
             "the workers count the corpus themselves; leave it out"),
            ("--pretrained", args.pretrained,
             "distributed training starts from new vectors; leave it out"),
            ("--max-vocab-size", args.max_vocab_size,
             "each shard's pruning would not add up to the corpus's; bound the vocabulary "
             "with --max-final-vocab or --min-count"),
            ("--tmp-dir", args.tmp_dir, "it holds the token ids of a '-' corpus; leave it out")):
        if given is not None:
            raise UsageError(f"{flag} does not work with --cluster: {why}")
    folder = args.checkpoint_dir
    if args.resume and folder is None:
        raise UsageError("--resume continues the job in --checkpoint-dir DIR; give it")
    if folder is not None and os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"--checkpoint-dir {folder} is a file; expected a directory")
    if folder is not None and not args.resume and has_checkpoints(folder):
        raise UsageError(f"--checkpoint-dir {folder} holds an earlier job's checkpoints; pass "
                         "--resume to continue it, or choose another directory")


def _subwords(args: argparse.Namespace) -> tuple[int, int] | None:
    """--minn/--maxn as train's subwords: on when --maxn > 0 (fastText's rule)."""
    if args.maxn is None or args.maxn == 0:
        if args.minn is not None and args.maxn is None:
            raise UsageError("--minn sets the shortest n-gram of subwords; give --maxn too "
                             "(e.g. --minn 3 --maxn 6)")
        return None
    return (3 if args.minn is None else args.minn, args.maxn)


def _cluster_keywords(args: argparse.Namespace) -> dict[str, Any]:
    """pyw2v.distributed.train's own keywords; before any work, an address nothing
    answers at (exit 2) and a missing Ray (exit 1) are errors."""
    keywords = {name: _CLUSTER_DEFAULTS[name] if getattr(args, name) is None
                else getattr(args, name) for name in _CLUSTER_FLAGS if name != "address"}
    keywords["cluster"] = args.address or args.cluster
    if args.address is not None:
        try:
            check_address(args.address)
        except ValueError as exc:
            raise UsageError(f"--address: {exc}") from None
    if args.cluster == "ray" and importlib.util.find_spec("ray") is None:
        raise CliError("--cluster ray needs Ray: pip install 'pyw2v[ray]' (or --cluster serial "
                       "runs the workers in this process)")
    return keywords


def _check_stdin(paths: list[str]) -> None:
    """`-` (standard input) must come alone, once, and not from a terminal."""
    if STDIN not in paths:
        return
    if len(paths) > 1:
        twice = "given twice" if paths.count(STDIN) > 1 else "given with other corpora"
        raise UsageError(f"'-' (standard input) is {twice}, but it can be read only once and "
                         "alone; give '-' once, or write the text to a file")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("'-' reads the corpus from standard input, which is a terminal; pipe "
                         "it in: cat corpus.txt | pyw2v train - -o vectors.txt")


def _read_vocab(path: str) -> pyw2v.Vocabulary:
    """-read-vocab's file, loaded before any training; its counts are the model's."""
    _check_input_file(path, "vocabulary file")
    try:
        return pyw2v.Vocabulary.load(path)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None


def _check_outputs(args: argparse.Namespace, corpus: str | list[str]) -> bool:
    """Refuse an output that is missing its overwrite flag or names another file of the
    run, before any training; returns whether the vectors file is binary."""
    paths = [] if corpus == STDIN else [corpus] if isinstance(corpus, str) else corpus
    for path in paths:   # a directory or glob is checked file by file as training opens it
        if not os.path.isdir(path) and not (is_glob(path) and not os.path.exists(path)):
            _check_input_file(path, "corpus")
    outputs = [(args.output, "vectors file", False), (args.save_vocab, "vocabulary file", False),
               (args.save_model, "model directory", True)]
    outputs = [(path, what, is_dir) for path, what, is_dir in outputs if path is not None]
    seen = {os.path.realpath(path): "corpus" for path in paths}
    if args.read_vocab is not None:
        seen[os.path.realpath(args.read_vocab)] = "vocabulary read (-read-vocab)"
    for path, what, is_dir in outputs:
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(f"{what} {path} is also the {seen[real]}; choose another name")
        seen[real] = what
        _check_output(path, args.overwrite, what, directory=is_dir)
    return args.binary if args.binary is not None else (
        _binary_for(args.output) if args.output else True)


def _write_outputs(model: pyw2v.Word2Vec, args: argparse.Namespace, binary: bool) -> list[str]:
    """Write the files asked for; their descriptions, for the summary line."""
    written = []
    if args.output is not None:
        model.wv.save_word2vec(args.output, binary=binary, overwrite=args.overwrite)
        written.append(f"{args.output} ({'binary' if binary else 'text'})")
    if args.save_vocab is not None:
        model.vocab.save(args.save_vocab, overwrite=args.overwrite)
        written.append(args.save_vocab)
    if args.save_model is not None:
        model.save(args.save_model, overwrite=args.overwrite)
        written.append(f"{args.save_model} (model)")
    return written


def _add_train_parser(commands: Subcommands) -> None:
    p = commands.add_parser(
        "train", help="train word vectors on a text file", allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train word2vec on CORPUS (a UTF-8 text file, one sentence per line,\n"
                    "tokens separated by whitespace) and write the vectors in word2vec's "
                    "format.",
        epilog="word2vec.c's flags work as aliases, also without the `train` word:\n"
               "  pyw2v -train text8 -output vec.bin -size 200 -window 8 -negative 25 -hs 0 \\\n"
               "        -sample 1e-4 -threads 2 -binary 1 -iter 15 -cbow 1\n"
               "Differences from word2vec.c: the model defaults to skip-gram (word2vec.c:\n"
               "-cbow 1); the output is binary unless its name ends in .txt/.vec (word2vec.c:\n"
               "-binary 0); -threads defaults to all usable cores; -classes is not supported;\n"
               "an existing output is kept unless --overwrite; -read-vocab drops a first\n"
               "line </s> (word2vec.c's sentence marker) and --min-count filters it.\n"
               "Losses: -hs 1 -negative 0 is hierarchical softmax alone, -hs 1 -negative N\n"
               "adds negative sampling (as word2vec.c); --loss softmax is the full softmax.")
    p.add_argument("corpus", nargs="*", metavar="CORPUS",
                   help="training text: files (.gz .bz2 .xz .zst are decompressed), "
                        "directories of files, quoted glob patterns such as 'dir/**/*.bz2', "
                        "or - for standard input (read once: cat a.txt | pyw2v train - ...)")
    p.add_argument("-train", dest="train_file", metavar="CORPUS",
                   help="word2vec.c spelling of CORPUS")
    p.add_argument("-o", "--output", "-output", dest="output", metavar="VECTORS",
                   help="write the vectors here (word2vec format)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--binary", dest="binary", action="store_const", const=True,
                     help="word2vec binary format (default, unless VECTORS ends in .txt/.vec)")
    fmt.add_argument("--text", dest="binary", action="store_const", const=False,
                     help="word2vec text format")
    fmt.add_argument("-binary", dest="binary", type=lambda t: bool(_zero_or_one(t)),
                     metavar="1|0", help="word2vec.c spelling: 1 binary, 0 text")
    p.add_argument("--save-model", metavar="DIR",
                   help="also save the full model (both matrices, vocabulary, parameters) "
                        "to resume training later")
    p.add_argument("--save-vocab", "-save-vocab", dest="save_vocab", metavar="FILE",
                   help="write the vocabulary as `word count` lines")
    p.add_argument("--read-vocab", "-read-vocab", dest="read_vocab", metavar="FILE",
                   help="train with this vocabulary (`word count` lines) instead of counting "
                        "the corpus; its counts drive subsampling and negative sampling")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--tmp-dir", metavar="DIR", default=None,
                   help="with CORPUS '-', where its token ids go once they outgrow memory "
                        "(default: the system's temporary directory); deleted at the end")
    _add_model_options(p.add_argument_group("model"))
    _add_cluster_options(p.add_argument_group(
        "distributed training",
        "Workers train on shards of the corpus files from a common model and merge\n"
        "their row changes every --sync-every of an epoch (pyw2v.distributed.train);\n"
        "the output files are those of single-process training. Example:\n"
        "  pyw2v train corpus.txt -o vec.bin --cluster ray --workers 4 -threads 2"))
    o = p.add_argument_group("output")
    o.add_argument("--progress", choices=PROGRESS_MODES, default="auto",
                   help="auto (default): a progress bar on a terminal, log lines otherwise")
    o.add_argument("-q", "--quiet", action="store_true",
                   help="no progress and no log lines, only errors")
    o.add_argument("-debug", dest="debug", type=int, default=None, metavar="N",
                   help="word2vec.c spelling: 0 is --quiet")
    p.set_defaults(run=_train, log_level=logging.INFO)


def _add_cluster_options(c: argparse._ArgumentGroup) -> None:
    """train's distributed options; all but --cluster default to None (not given)."""
    d = _CLUSTER_DEFAULTS
    c.add_argument("--cluster", choices=("ray", "serial"), default=None,
                   help="ray: workers as Ray actors, on the cluster at --address or else on a "
                        "local Ray this command starts and stops (pip install 'pyw2v[ray]'); "
                        "serial: every worker in this process, one after another (a check); "
                        "default: none, single-process training")
    c.add_argument("--address", metavar="ADDR",
                   help="with --cluster ray: a running Ray cluster, host:port or "
                        "ray://host:port; every node must read the corpus at the same path")
    c.add_argument("--workers", type=_positive_int, metavar="N",
                   help=f"workers, one shard each (default: {d['workers']})")
    c.add_argument("--sync-every", dest="sync_every", type=_epoch_fraction, metavar="F",
                   help="fraction of an epoch between merges (default: "
                        f"{d['sync_every']}, {round(1 / d['sync_every'])} rounds per epoch)")
    c.add_argument("--merge", choices=sorted(MERGES, reverse=True),
                   help=f"sum: workers' changes to a row add up (default: {d['merge']}); "
                        "mean: a row is the mean of theirs (learns far less per epoch)")
    c.add_argument("--frequent-rows", dest="frequent_rows", type=_positive_int, metavar="N",
                   help="merge the rows of words N and rarer only every --rare-sync-every "
                        "rounds (default: every row every round)")
    c.add_argument("--rare-sync-every", dest="rare_sync_every", type=_positive_int,
                   metavar="K", help=f"default: {d['rare_sync_every']}")
    c.add_argument("--interleave", action=argparse.BooleanOptionalAction, default=None,
                   help="each worker trains its shard's halves in alternating runs of 20 "
                        "sentences, as two threads train a chunk's halves (default); "
                        "--no-interleave: in corpus order")
    c.add_argument("--rotate-epochs", dest="rotate_epochs",
                   action=argparse.BooleanOptionalAction, default=None,
                   help="each epoch starts 1/epochs further into the shards, so epochs do "
                        "not repeat one order (default); --no-rotate-epochs: every epoch "
                        "from the start")
    c.add_argument("--checkpoint-dir", dest="checkpoint_dir", metavar="DIR",
                   help="write a checkpoint there every --checkpoint-every rounds and at the "
                        "end (the workers keep their encoded shards under it too)")
    c.add_argument("--checkpoint-every", dest="checkpoint_every", type=_positive_int,
                   metavar="K", help=f"rounds (default: {d['checkpoint_every']})")
    c.add_argument("--resume", action="store_true", default=None,
                   help="continue from the newest checkpoint in --checkpoint-dir (a fresh "
                        "start if there is none)")


def _add_model_options(m: argparse._ArgumentGroup) -> None:
    """train's model options, each under its pyw2v and word2vec.c spellings."""
    d = TrainingParams()
    m.add_argument("--model", choices=MODELS, default=d.model,
                   help="default: %(default)s")
    m.add_argument("-cbow", dest="model", type=_cbow_flag, metavar="1|0",
                   help="word2vec.c spelling: 1 cbow, 0 skipgram")
    m.add_argument("--kernel", choices=KERNELS, default="auto",
                   help="skip-gram update: batch (one update per window, negatives or the "
                        "center's Huffman path shared by the window; the default via auto) "
                        "or pair (one per center and outside word); CBOW: batch (windows of "
                        "--batch-windows sentences share negatives; auto picks it with "
                        "negative sampling) or window (one update per window)")
    m.add_argument("--dim", "-size", dest="dim", type=int, default=d.dim, metavar="N",
                   help="vector size (default: %(default)s)")
    m.add_argument("--window", "-window", dest="window", type=int, default=d.window,
                   metavar="N", help="max context distance (default: %(default)s)")
    m.add_argument("--negative", "-negative", dest="negative", type=int, default=d.negative,
                   metavar="N", help="negative samples per prediction, 0 for none with "
                                     "--loss hs (default: %(default)s)")
    m.add_argument("--loss", choices=LOSSES, default=d.loss,
                   help="negative: negative sampling (default); hs: hierarchical softmax, "
                        "plus negative sampling unless --negative 0; softmax: the full "
                        f"softmax (vocabularies up to {SOFTMAX_MAX_VOCAB:,} words)")
    m.add_argument("-hs", dest="hs", type=_zero_or_one, default=0, metavar="1|0",
                   help="word2vec.c spelling: 1 is --loss hs")
    m.add_argument("--sample", "-sample", dest="sample", type=float, default=d.sample,
                   metavar="T", help="subsampling threshold, 0 turns it off "
                                     "(default: %(default)s)")
    m.add_argument("--min-count", "-min-count", dest="min_count", type=int,
                   default=d.min_count, metavar="N",
                   help="drop words rarer than this (default: %(default)s)")
    m.add_argument("--max-vocab-size", type=int, default=None, metavar="N",
                   help="prune rare words while counting to bound memory")
    m.add_argument("--max-final-vocab", type=int, default=None, metavar="N",
                   help="keep only the N most frequent words")
    m.add_argument("--epochs", "-iter", dest="epochs", type=int, default=d.epochs,
                   metavar="N", help="passes over the corpus (default: %(default)s)")
    m.add_argument("--alpha", "-alpha", dest="alpha", type=float, default=None, metavar="A",
                   help="initial learning rate (default: 0.025 skipgram, 0.05 cbow)")
    m.add_argument("--min-alpha", type=float, default=d.min_alpha, metavar="A",
                   help="final learning rate (default: %(default)s)")
    m.add_argument("--threads", "-threads", dest="threads", type=int, default=None,
                   metavar="N", help="default: all usable cores; with --cluster, threads per "
                                     "worker (default: 1)")
    m.add_argument("--seed", type=int, default=d.seed, help="default: %(default)s")
    m.add_argument("--ns-exponent", "-ns-exponent", dest="ns_exponent", type=float,
                   default=None, metavar="P",
                   help="noise distribution count**P; 0 uniform, negative favours rare "
                        "words (default: 0.75, with subwords 0.5 as fastText)")
    m.add_argument("--cbow-mean", "-cbow-mean", dest="cbow_mean", type=_zero_or_one,
                   default=int(d.cbow_mean), metavar="1|0",
                   help="CBOW input: 1 the mean of the context vectors, 0 their sum "
                        "(default: %(default)s)")
    m.add_argument("--shrink-windows", "-shrink-windows", dest="shrink_windows",
                   type=_zero_or_one, default=int(d.shrink_windows), metavar="1|0",
                   help="1 draws each window's size in 1..window, 0 always uses the full "
                        "window (default: %(default)s)")
    m.add_argument("--batch-windows", dest="batch_windows", type=int, default=0,
                   metavar="N", help="windows one batch step takes, sharing one set "
                                     "of negatives (skip-gram: consecutive ones; CBOW: from "
                                     "that many sentences; default: 0, the kernel's own: "
                                     f"{DEFAULT_BATCH_WINDOWS} for skip-gram (1 with subwords), "
                                     f"{DEFAULT_CBOW_BATCH_WINDOWS} for CBOW, else 1)")
    m.add_argument("--minn", "-minn", dest="minn", type=int, default=None, metavar="N",
                   help="subwords: the shortest character n-gram (fastText's -minn; default "
                        "3 when --maxn is given)")
    m.add_argument("--maxn", "-maxn", dest="maxn", type=int, default=None, metavar="N",
                   help="subwords: the longest character n-gram; a value > 0 trains "
                        "fastText's subword model (negative sampling), 0 or "
                        "absent trains word vectors alone (fastText's -maxn)")
    m.add_argument("--bucket", "-bucket", dest="bucket", type=int, default=d.buckets,
                   metavar="N", help="subwords: hash buckets for the n-grams; only those "
                                     "the vocabulary hits take memory (default: %(default)s)")
    m.add_argument("--pretrained", "-pretrained", dest="pretrained", metavar="FILE",
                   default=None, help="word2vec file (text or binary) whose vectors start "
                                      "the rows of the words it shares with the vocabulary")
    m.add_argument("--freeze-pretrained", "-freeze-pretrained", dest="freeze_pretrained",
                   action="store_true", help="keep the --pretrained rows as they are")
    m.add_argument("-classes", dest="classes", help=argparse.SUPPRESS)


# ---------------------------------------------------------------------- queries


def _similar(args: argparse.Namespace) -> int:
    vectors = _load_vectors(args.vectors, args.limit)
    _check_words(vectors, args.words)
    for i, word in enumerate(args.words):
        rows = vectors.most_similar(word, topn=args.topn)
        print(("\n" if i else "") + f"nearest to {word}:")
        print(_scores_table(rows))
    return 0


def _analogy(args: argparse.Namespace) -> int:
    vectors = _load_vectors(args.vectors, args.limit)
    _check_words(vectors, [args.a, args.b, args.c])
    rows = vectors.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method)
    print(f"{args.a} : {args.b} :: {args.c} : ?   ({args.method})")
    print(_scores_table(rows))
    return 0


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _eval(args: argparse.Namespace) -> int:
    if not args.analogies and not args.pairs:
        raise UsageError("nothing to evaluate: give --analogies FILE and/or --pairs FILE")
    for path in args.analogies + args.pairs:
        _check_input_file(path, "evaluation file")
    vectors = _load_vectors(args.vectors)
    case_insensitive = not args.case_sensitive
    restrict = {} if args.restrict_vocab is None else {"restrict_vocab": args.restrict_vocab}
    print(f"{args.vectors}: {len(vectors):,} words, dim {vectors.dim}")
    for path in args.analogies:
        result = vectors.evaluate_analogies(path, case_insensitive=case_insensitive,
                                            method=args.method, **restrict)
        print(f"\nanalogies: {path} ({result.method}, {result.restrict_vocab:,} most frequent "
              f"words, case-{'insensitive' if case_insensitive else 'sensitive'})")
        print(_analogy_table(result))
    if args.pairs:
        results = [(path, vectors.evaluate_word_pairs(path, case_insensitive=case_insensitive,
                                                      **restrict))
                   for path in args.pairs]
        width = max(len(name) for name in [p for p, _ in results] + ["word pairs"])
        print(f"\n  {'word pairs':<{width}}  {'pairs':>6}  {'oov':>5}  {'Pearson':>8}  "
              f"{'Spearman':>8}")
        print("  " + "-" * (width + 35))
        for path, r in results:
            print(f"  {path:<{width}}  {r.n_pairs:>6}  {r.n_oov:>5}  {r.pearson:>8.4f}  "
                  f"{r.spearman:>8.4f}")
    return 0


def _analogy_table(result: pyw2v.AnalogyResult) -> str:
    """Sections, then semantic/syntactic (when both kinds are present) and the total."""
    def asked(s: SectionScore) -> int:
        return s.total + s.skipped

    totals = [result.semantic, result.syntactic] \
        if asked(result.semantic) and asked(result.syntactic) else []
    totals.append(result.overall)
    width = max(len(s.name) for s in (*result.sections, *totals))
    width = max(width, len("section"))

    def row(name: str, correct: object, total: object, skipped: object, accuracy: str) -> str:
        return f"  {name:<{width}}  {correct:>7}  {total:>6}  {skipped:>7}  {accuracy:>8}"

    lines = [row("section", "correct", "asked", "skipped", "accuracy")]
    lines += [row(s.name, s.correct, s.total, s.skipped, _percent(s.correct, s.total))
              for s in result.sections]
    lines.append("  " + "-" * (width + 40))
    lines += [row(s.name, s.correct, s.total, s.skipped, _percent(s.correct, s.total))
              for s in totals]
    if result.n_invalid:
        lines.append(f"  ({result.n_invalid} malformed lines ignored)")
    return "\n".join(lines)


def _check_plot_output(path: str, overwrite: bool) -> None:
    """Refuse an existing image or an extension matplotlib cannot write (needs matplotlib)."""
    _check_output(path, overwrite, "plot file")
    try:
        plot.image_format(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _plot(args: argparse.Namespace) -> int:
    if not plot.matplotlib_available():   # before loading a large file
        raise plot.MatplotlibMissing()
    _check_output(args.output, args.overwrite, "plot file")
    vectors = _load_vectors(args.vectors, args.limit)
    _check_words(vectors, args.words)
    _check_plot_output(args.output, args.overwrite)
    plot.plot_words(vectors, args.words, args.output, pairs=args.pairs, title=args.title,
                    overwrite=args.overwrite)
    print(f"wrote {args.output} ({len(args.words)} words)")
    return 0


def _vectors_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("vectors", metavar="VECTORS",
                   help="word2vec text or binary file (or a saved model directory)")


def _limit_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="read only the first (most frequent) N words of VECTORS")


def _add_query_parsers(commands: Subcommands) -> None:
    _add_similar_parser(commands)
    _add_analogy_parser(commands)
    _add_eval_parser(commands)
    _add_plot_parser(commands)
    _add_phrases_parser(commands)
    _add_export_parser(commands)


def _phrases(args: argparse.Namespace) -> int:
    _check_input_file(args.input, "corpus")
    _check_output(args.output, args.overwrite, "output file")
    started = time.perf_counter()
    try:
        model = Phrases(args.input, min_count=args.min_count, threshold=args.threshold,
                        delimiter=args.delimiter, scoring=args.scoring, passes=args.passes)
    except ParameterError as exc:
        raise UsageError(str(exc.spelt("--" + exc.param.replace("_", "-")))) from None
    model.transform_file(args.input, args.output, overwrite=args.overwrite)
    sizes = " + ".join(f"{len(layer.phrases):,}" for layer in model.layers)
    print(f"learned {sizes} phrases in {args.passes} pass{'es' if args.passes > 1 else ''} "
          f"over {args.input}; wrote {args.output} in {time.perf_counter() - started:.1f} s")
    return 0


def _add_phrases_parser(commands: Subcommands) -> None:
    p = commands.add_parser(
        "phrases", help="join frequent word pairs (new york -> new_york), as word2phrase",
        description="Learn phrases from a text file and write it with each phrase joined "
                    "into one token. Each pass joins pairs, so 2 passes make phrases of up "
                    "to 4 words (as word2vec.c's demo-phrases.sh runs word2phrase twice).")
    p.add_argument("input", metavar="IN", help="text file, one sentence a line")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="text file to write")
    p.add_argument("--min-count", type=int, default=5,
                   help="ignore words and pairs seen fewer times (default 5)")
    p.add_argument("--threshold", type=float, default=100.0,
                   help="join pairs scoring above this (default 100; -1..1 for npmi)")
    p.add_argument("--passes", type=int, default=2, help="learning passes (default 2)")
    p.add_argument("--delimiter", default="_", help="joins a phrase's words (default _)")
    p.add_argument("--scoring", choices=SCORINGS, default="word2phrase",
                   help="word2phrase (default) or npmi (gensim's normalized PMI)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.set_defaults(run=_phrases)


def _add_similar_parser(commands: Subcommands) -> None:
    p = commands.add_parser("similar", help="nearest neighbours of words",
                            description="Print the words closest by cosine to each WORD.")
    _vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("--topn", "-n", type=_positive_int, default=10, metavar="N",
                   help="neighbours per word (default: %(default)s)")
    _limit_arg(p)
    p.set_defaults(run=_similar)


def _add_analogy_parser(commands: Subcommands) -> None:
    p = commands.add_parser("analogy", help="solve a : b :: c : ?",
                            description="Solve A : B :: C : ? (e.g. man king woman -> queen).")
    _vectors_arg(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("--topn", "-n", type=_positive_int, default=5, metavar="N",
                   help="answers to show (default: %(default)s)")
    p.add_argument("--method", choices=ANALOGY_METHODS, default="3cosadd",
                   help="3cosadd: cos(d, b - a + c) (default); 3cosmul: Levy & Goldberg")
    _limit_arg(p)
    p.set_defaults(run=_analogy)


def _add_eval_parser(commands: Subcommands) -> None:
    p = commands.add_parser(
        "eval", help="analogy accuracy and word-pair correlations",
        description="Evaluate VECTORS on analogy questions (questions-words format) and/or "
                    "word-pair similarity scores (WordSim-353 layout: word1 TAB word2 TAB "
                    "score), counting as gensim does.")
    _vectors_arg(p)
    p.add_argument("--analogies", action="append", default=[], metavar="FILE",
                   help="questions-words file (repeatable)")
    p.add_argument("--pairs", action="append", default=[], metavar="FILE",
                   help="word-pair similarity file (repeatable)")
    p.add_argument("--method", choices=ANALOGY_METHODS, default="3cosadd")
    p.add_argument("--restrict-vocab", type=_positive_int, default=None, metavar="N",
                   help="use only the N most frequent words (default: 30000 for analogies, "
                        "300000 for pairs, as gensim)")
    p.add_argument("--case-sensitive", action="store_true",
                   help="compare words as spelt (default: case-insensitive)")
    p.set_defaults(run=_eval)


def _add_plot_parser(commands: Subcommands) -> None:
    p = commands.add_parser(
        "plot", help="2-D picture of chosen words (needs matplotlib)",
        description="Project the vectors of the chosen words on their two principal "
                    "components and draw them, labelled, into an image file (.png, .svg, "
                    ".pdf). Needs matplotlib: pip install \"pyw2v[plot]\".")
    _vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-o", "--output", required=True, metavar="IMAGE",
                   help="image file to write, e.g. plot.png")
    p.add_argument("--pairs", action="store_true",
                   help="words are pairs a1 b1 a2 b2 ...: draw an arrow from each a to its b")
    p.add_argument("--title", default=None)
    p.add_argument("--overwrite", action="store_true", help="replace an existing image")
    _limit_arg(p)
    p.set_defaults(run=_plot)


# ---------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:
    try:   # before a large file is read
        export.check_output(args.output, args.format, overwrite=args.overwrite)
    except (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise UsageError(str(exc)) from None
    vectors = _load_vectors(args.vectors, args.limit, no_header=args.no_header)
    written = export.export(vectors, args.output, args.format, limit=args.limit,
                            overwrite=args.overwrite)
    rows = len(vectors) if args.limit is None else min(args.limit, len(vectors))
    print(f"wrote {', '.join(written)} ({rows:,} words x {vectors.dim} dims)")
    if args.format == "tsv":
        print("view them at https://projector.tensorflow.org: Load, then choose "
              f"{written[0]} and {written[1]}")
    elif args.format == "spacy":
        print(f"make a spaCy vectors model: python -m spacy init vectors LANG {written[0]} DIR")
    return 0


def _add_export_parser(commands: Subcommands) -> None:
    p = commands.add_parser(
        "export", help="write vectors for TensorBoard's projector, NumPy or spaCy",
        description="Convert VECTORS (word2vec text or binary, GloVe text with --no-header, "
                    "or a saved model directory). tsv: directory OUT with vectors.tsv and "
                    "metadata.tsv for TensorBoard's projector; npy: directory OUT with "
                    "vectors.npy, vocab.txt and counts.npy (when known), read back by "
                    "pyw2v.export.load_npy; spacy: OUT.txt.gz, gzip-compressed word2vec text "
                    "for `python -m spacy init vectors LANG OUT.txt.gz DIR`.")
    _vectors_arg(p)
    p.add_argument("--format", "-f", choices=export.FORMATS, required=True)
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="directory (tsv, npy) or .txt.gz file (spacy) to write")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="keep only the N most frequent words")
    p.add_argument("--no-header", action="store_true",
                   help="VECTORS is text without the '<n_words> <dim>' line (GloVe)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(run=_export)


# ---------------------------------------------------------------------- demo


def _demo(args: argparse.Namespace) -> int:
    can_plot = plot.matplotlib_available()
    if args.plot is not None:
        _check_output(args.plot, args.overwrite, "plot file")
        if can_plot:
            _check_plot_output(args.plot, args.overwrite)
    corpus = make_corpus(n_sentences=args.sentences, seed=args.seed)
    print(f"pyw2v {pyw2v.__version__} demo: a generated corpus of {corpus.n_tokens():,} tokens "
          f"with planted word families ({', '.join(corpus.families)})")
    started = time.perf_counter()
    with progress_display(args.progress, leave=False) as callback:
        model = pyw2v.train(corpus.sentences, model=args.model, dim=args.dim,
                            epochs=args.epochs, threads=args.threads, seed=args.seed,
                            progress=callback)
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
    _demo_plot(args, vectors, corpus.families, can_plot)
    return 0


def _demo_plot(args: argparse.Namespace, vectors: pyw2v.WordVectors,
               families: dict[str, list[str]], can_plot: bool) -> None:
    if args.plot is None:
        if can_plot:
            print("\nto draw countries and their capitals: pyw2v demo --plot demo.png")
        return
    if not can_plot:
        print(f"pyw2v demo: no plot written: {plot.INSTALL_HINT}", file=sys.stderr)
        return
    words = [w for pair in zip(families["countries"][:10], families["capitals"][:10])
             for w in pair]
    plot.plot_words(vectors, words, args.plot, pairs=True, overwrite=args.overwrite,
                    title="pyw2v demo: countries and their capitals (PCA)")
    print(f"\nwrote {args.plot}: countries and their capitals, projected on 2 principal axes")


def _add_demo_parser(commands: Subcommands) -> None:
    demo = commands.add_parser(
        "demo", help="train on a generated corpus and show neighbours and analogies",
        description="Train on a corpus pyw2v generates itself (no download) with planted "
                    "word families, then print nearest neighbours and solved analogies; "
                    "with --plot, draw countries and capitals (needs matplotlib).")
    demo.add_argument("--model", choices=MODELS, default="skipgram")
    demo.add_argument("--dim", type=_positive_int, default=50)
    demo.add_argument("--epochs", type=_positive_int, default=5)
    demo.add_argument("--sentences", type=_positive_int, default=20000)
    demo.add_argument("--threads", type=_positive_int, default=None)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--plot", metavar="IMAGE", default=None,
                      help="also draw countries and capitals into IMAGE (e.g. demo.png)")
    demo.add_argument("--overwrite", action="store_true", help="replace an existing IMAGE")
    demo.add_argument("--progress", choices=PROGRESS_MODES, default="auto",
                      help="auto (default): a progress bar on a terminal only")
    demo.set_defaults(run=_demo)


# ---------------------------------------------------------------------- entry point


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pyw2v", description="Fast word2vec training.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `pyw2v COMMAND --help` for a command's options. word2vec.c command lines\n"
               "(pyw2v -train FILE -output FILE ...) are `train` commands.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"pyw2v {pyw2v.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train_parser(commands)
    _add_query_parsers(commands)
    _add_demo_parser(commands)
    parser.set_defaults(log_level=logging.WARNING)
    return parser


def _as_word2vec_command(argv: list[str]) -> list[str]:
    """`pyw2v -train ...` (word2vec.c's command line) is `pyw2v train -train ...`."""
    if argv and argv[0] in WORD2VEC_FLAGS:
        return ["train", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit code."""
    argv = _as_word2vec_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    quiet = getattr(args, "quiet", False) or getattr(args, "debug", None) == 0
    prefix = f"pyw2v {args.command}: error:"
    with _cli_logging(logging.WARNING if quiet else args.log_level):
        try:
            code: int = args.run(args)
            return code
        except CliError as exc:
            message, code = str(exc), exc.code
        except KeyboardInterrupt:
            print(f"pyw2v {args.command}: interrupted; no output written", file=sys.stderr)
            return EXIT_INTERRUPTED
        except FileExistsError as exc:   # lost a race with another writer
            text = str(exc)
            message = _exists_message(text.split(" already exists")[0]) \
                if " already exists" in text else text
            code = EXIT_USAGE
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            message, code = str(exc), EXIT_USAGE
        except KeyError as exc:
            message, code = str(exc.args[0]) if exc.args else "unknown word", EXIT_FAILURE
        except ImportError as exc:   # an optional dependency (matplotlib); the message says how
            message, code = str(exc), EXIT_FAILURE
        except (ValueError, TypeError, OSError, ArithmeticError, MemoryError) as exc:
            message, code = str(exc) or type(exc).__name__, EXIT_FAILURE
    print(f"{prefix} {' '.join(message.split())}", file=sys.stderr)
    return code
