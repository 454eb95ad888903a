"""Training orchestration: parameters, the epoch loop over encoded chunks, progress, resume."""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from os import PathLike
from typing import Union

import numpy as np

from pyw2v import _core
from pyw2v._threads import effective_threads
from pyw2v.corpus import EncodedChunk, EncodedCorpus, TextFileSource, open_source
from pyw2v.formats import FormatError
from pyw2v.native_format import load_model_dir, save_model_dir
from pyw2v.vectors import WordVectors
from pyw2v.vocab import Vocabulary, count_text, count_words

logger = logging.getLogger("pyw2v")

MODELS = ("skipgram", "cbow")
KERNELS = ("auto", "pair", "batch")
LOSSES = ("negative", "hs", "softmax")
#: loss="softmax" costs O(vocabulary x dim) per prediction; larger vocabularies are refused.
SOFTMAX_MAX_VOCAB = 10_000
DEFAULT_ALPHA = {"skipgram": 0.025, "cbow": 0.05}
Corpus = Union[str, PathLike, Iterable[list[str]]]
#: train(progress=...): a callback, True / "auto" / "bar" / "log" for a display, None / False
ProgressArg = Union[bool, str, Callable[["Progress"], None], None]


def _check_int(name: str, value: object, low: int, high: int | None = None,
               allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in {low}..{high}"
        raise ValueError(f"{name} must be {allowed}, got {value}")


def _check_float(name: str, value: object, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {kind}, got {value}")


@dataclass(frozen=True)
class TrainingParams:
    """Everything that shapes a model; validated on construction.

    alpha=None means the model's default (0.025 skip-gram, 0.05 CBOW).
    exact_sigmoid computes sigma with exp() instead of the lookup table.
    kernel (skip-gram): "batch", one update per window with negatives shared by
    the window (faster; see pyw2v._core; negative sampling only); or "pair", one
    update per (center, outside) pair, exactly word2vec.c's. "auto" (the
    default) becomes "batch" for skip-gram with negative sampling and "pair"
    otherwise (CBOW's kernel is per window already).
    loss: "negative", negative sampling with `negative` >= 1 draws; "hs",
    hierarchical softmax, plus negative sampling on the same input when
    negative > 0 (word2vec.c's -hs 1 -negative N; negative=0 for HS alone);
    "softmax", the full softmax over the vocabulary (at most SOFTMAX_MAX_VOCAB
    words; computed with exp() whatever exact_sigmoid says; negative is
    stored as 0, as no negatives are drawn).
    """

    model: str = "skipgram"
    dim: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    min_count: int = 5
    epochs: int = 5
    alpha: float | None = None
    min_alpha: float = 0.0001
    seed: int = 1
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    exact_sigmoid: bool = False
    kernel: str = "auto"
    loss: str = "negative"

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {self.kernel!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.kernel == "auto":
            batch = self.model == "skipgram" and self.loss == "negative"
            object.__setattr__(self, "kernel", "batch" if batch else "pair")
        if self.kernel == "batch" and self.model != "skipgram":
            raise ValueError("kernel='batch' is implemented for model='skipgram' only")
        if self.kernel == "batch" and self.loss != "negative":
            raise ValueError(f"kernel='batch' is negative-sampling only (loss='negative'); "
                             f"use kernel='pair' with loss={self.loss!r}")
        _check_int("dim", self.dim, 1, 10_000)
        _check_int("window", self.window, 1, 1_000)
        _check_int("negative", self.negative, 0, 1_000)
        if self.loss == "negative" and self.negative == 0:
            raise ValueError("negative must be >= 1 for negative sampling (loss='negative'), "
                             "got 0; for hierarchical softmax alone use loss='hs' (hs=True, "
                             "-hs 1) with negative=0, or loss='softmax'")
        if self.loss == "softmax":
            object.__setattr__(self, "negative", 0)
        _check_int("min_count", self.min_count, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("seed", self.seed, 0, 2**64 - 1)
        _check_int("max_vocab_size", self.max_vocab_size, 1, allow_none=True)
        _check_int("max_final_vocab", self.max_final_vocab, 1, allow_none=True)
        _check_float("sample", self.sample)
        if self.alpha is None:
            object.__setattr__(self, "alpha", DEFAULT_ALPHA[self.model])
        _check_float("alpha", self.alpha, positive=True)
        _check_float("min_alpha", self.min_alpha)
        if self.min_alpha > self.alpha:
            raise ValueError(f"min_alpha ({self.min_alpha}) must not exceed alpha ({self.alpha})")


@dataclass(frozen=True)
class Progress:
    """A snapshot of training, handed to progress callbacks."""

    epoch: int               # 1-based, within this training call
    epochs: int
    words_done: int          # in-vocabulary tokens processed in this call
    total_words: int         # words_done when the call ends
    alpha: float             # current learning rate
    loss: float              # mean loss per prediction so far in this epoch
    elapsed: float           # seconds since the call started

    @property
    def fraction(self) -> float:
        return self.words_done / self.total_words if self.total_words else 1.0

    @property
    def words_per_second(self) -> float:
        return self.words_done / self.elapsed if self.elapsed > 0 else 0.0


class Word2Vec:
    """A word2vec model: vocabulary, both matrices, parameters and loss history.

    center_vectors (V, the embeddings) and outside_vectors (U) are float32,
    C-contiguous, shape (len(vocab), dim). node_vectors, with loss="hs" only
    (None otherwise), holds hierarchical softmax's inner-node vectors, float32
    (len(vocab) - 1, dim). loss_history holds the mean loss per prediction of
    every epoch trained so far, float64.
    """

    def __init__(self, vocab: Vocabulary, params: TrainingParams,
                 center_vectors: np.ndarray | None = None,
                 outside_vectors: np.ndarray | None = None,
                 loss_history: Iterable[float] = (),
                 node_vectors: np.ndarray | None = None):
        self.vocab = vocab
        self.params = params
        _check_loss_fits_vocabulary(params, len(vocab))
        if center_vectors is None:
            rng = np.random.default_rng(params.seed)
            center_vectors = (rng.random((len(vocab), params.dim), dtype=np.float32) - 0.5)
            center_vectors /= params.dim
        if outside_vectors is None:
            outside_vectors = np.zeros((len(vocab), params.dim), dtype=np.float32)
        shape = (len(vocab), params.dim)
        for name, matrix in (("center_vectors", center_vectors),
                             ("outside_vectors", outside_vectors)):
            if matrix.shape != shape:
                raise ValueError(f"{name} has shape {matrix.shape}, expected {shape}")
        self.center_vectors = np.ascontiguousarray(center_vectors, dtype=np.float32)
        self.outside_vectors = np.ascontiguousarray(outside_vectors, dtype=np.float32)
        self.node_vectors = _node_vectors(node_vectors, params, len(vocab))
        self._losses = [float(x) for x in loss_history]
        self.training_calls = 0
        self._wv: WordVectors | None = None

    @property
    def wv(self) -> WordVectors:
        """The word vectors (rows of center_vectors, not a copy): queries, evaluation, files."""
        if self._wv is None:
            self._wv = WordVectors(self.vocab.words, self.center_vectors, self.vocab.counts)
        return self._wv

    @property
    def loss_history(self) -> np.ndarray:
        return np.array(self._losses, dtype=np.float64)

    def save(self, path: str | PathLike, *, overwrite: bool = False) -> None:
        """Save the whole model (both matrices, vocabulary with counts, parameters,
        loss history) as a directory; see pyw2v.native_format. Refuses to replace
        an existing path unless overwrite=True."""
        from pyw2v import __version__

        meta = {"pyw2v_version": __version__, "params": asdict(self.params),
                "words": self.vocab.words, "loss_history": self._losses,
                "training_calls": self.training_calls}
        arrays = {"center_vectors": self.center_vectors,
                  "outside_vectors": self.outside_vectors, "counts": self.vocab.counts}
        if self.node_vectors is not None:
            arrays["node_vectors"] = self.node_vectors
        save_model_dir(path, meta, arrays, overwrite=overwrite)

    def __repr__(self) -> str:
        p = self.params
        return (f"Word2Vec(model={p.model!r}, loss={p.loss!r}, vocab={len(self.vocab)}, "
                f"dim={p.dim}, epochs trained={len(self._losses)})")

    def train(self, corpus: Corpus, *, epochs: int | None = None, alpha: float | None = None,
              min_alpha: float | None = None, threads: int | None = None,
              progress: ProgressArg = None,
              report_every: float = 0.5, _epoch_words: int | None = None) -> "Word2Vec":
        """Train (further) on `corpus` with this model's vocabulary; unknown words are skipped.

        `corpus` is a path, a re-iterable of token lists, or an EncodedCorpus
        made with this model's `vocab.index` (to encode once, train many times).

        The learning rate decays linearly from `alpha` (default: the model's) to
        `min_alpha` over all words of this call's `epochs` (default: the
        model's), whatever earlier calls did. `progress`, if given, is called
        from the calling thread about every `report_every` seconds and at the
        end of each epoch; `progress=True` shows a tqdm bar on a terminal (log
        lines elsewhere), "bar"/"log" force one (see pyw2v.progress), and
        None/False shows nothing. Ctrl-C stops the compiled loop within a fraction of
        a second and leaves the model consistent (and trainable again).
        """
        if progress is not None and not callable(progress):
            if progress is False:
                progress = None
            else:
                from pyw2v.progress import progress_display   # tqdm only when asked for
                with progress_display(progress) as callback:
                    return self.train(corpus, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
                                      threads=threads, progress=callback,
                                      report_every=report_every, _epoch_words=_epoch_words)
        params = replace(self.params,
                         epochs=self.params.epochs if epochs is None else epochs,
                         alpha=self.params.alpha if alpha is None else alpha,
                         min_alpha=self.params.min_alpha if min_alpha is None else min_alpha)
        threads = effective_threads(threads)
        if isinstance(corpus, EncodedCorpus):
            if corpus.index is not self.vocab.index:
                raise ValueError("corpus was encoded with another vocabulary; pass the text "
                                 "or encode it with this model's vocab.index")
            encoded = corpus
        else:
            encoded = EncodedCorpus(open_source(corpus), self.vocab.index, _epoch_words)
        if _epoch_words is None:
            for _ in encoded.chunks():   # one pass to count (and cache small corpora)
                pass
            _epoch_words = encoded.n_tokens
        if not _epoch_words:
            raise ValueError("the corpus has no word of the model's vocabulary; nothing to train")
        total_words = params.epochs * _epoch_words
        trainer = self._trainer(params, threads, total_words)
        self.training_calls += 1
        started = time.perf_counter()

        def snapshot(epoch: int, loss_before: float, predictions_before: float) -> Progress:
            predictions = trainer.predictions - predictions_before
            loss = (trainer.loss - loss_before) / max(predictions, 1.0)
            return Progress(epoch, params.epochs, trainer.words_done, total_words, trainer.alpha,
                            loss, time.perf_counter() - started)

        try:
            for epoch in range(1, params.epochs + 1):
                loss_before = trainer.loss
                predictions_before = trainer.predictions
                tick = (lambda: progress(snapshot(epoch, loss_before, predictions_before))) \
                    if progress else None
                for chunk in encoded.chunks():
                    _train_chunk(trainer, chunk, tick, report_every)
                report = snapshot(epoch, loss_before, predictions_before)
                self._check_epoch(report, trainer, params)
                self._losses.append(report.loss)
                if progress:
                    progress(report)
                logger.info("epoch %d/%d: loss %.4f, alpha %.6f, %.0f words/s", epoch,
                            params.epochs, report.loss, report.alpha, report.words_per_second)
        finally:
            if self._wv is not None:   # the matrix changed under its cached norms
                self._wv.invalidate_norms()
        return self

    def _trainer(self, params: TrainingParams, threads: int, total_words: int) -> _core.Trainer:
        """The compiled trainer for one call: this model's matrices and tables, its own
        random streams (the call's index is mixed into the seed)."""
        alias_prob, alias_index = self.vocab.noise_alias_table()
        # TODO(merge): params.kernel == "window" for CBOW once params.py allows it.
        kernel = "window" if params.model == "cbow" else params.kernel
        keep_prob = self.vocab.keep_probabilities(params.sample)
        return _core.Trainer(
            self.center_vectors, self.outside_vectors, keep_prob, alias_prob, alias_index,
            kernel=kernel, window=params.window,
            negative=params.negative, exact_sigmoid=params.exact_sigmoid, alpha=params.alpha,
            min_alpha=params.min_alpha, total_words=float(total_words), threads=threads,
            seed=params.seed, call=self.training_calls, node_vectors=self.node_vectors,
            huffman=self.vocab.huffman_tree() if params.loss == "hs" else None,
            softmax=params.loss == "softmax")

    def _check_epoch(self, report: Progress, trainer: _core.Trainer,
                     params: TrainingParams) -> None:
        """Refuse an epoch that trained nothing or left non-finite numbers."""
        if trainer.predictions == 0 and not trainer.stop_requested:
            raise ValueError(
                f"nothing to train: no sentence kept two in-vocabulary words after "
                f"subsampling (sample={params.sample}); use a larger corpus, a lower "
                "min_count or a smaller sample")
        if not (math.isfinite(report.loss) and np.isfinite(self.center_vectors).all()
                and np.isfinite(self.outside_vectors).all()
                and (self.node_vectors is None or np.isfinite(self.node_vectors).all())):
            raise FloatingPointError(
                f"training diverged in epoch {report.epoch} (loss {report.loss}); "
                f"lower alpha (got {params.alpha})")


def _train_chunk(trainer: _core.Trainer, chunk: EncodedChunk, tick: Callable[[], None] | None,
                 report_every: float) -> None:
    """Run the compiled loop on one chunk in a worker thread; poll it from here."""
    if chunk.n_tokens == 0:
        return
    failure: list[BaseException] = []

    def work() -> None:
        try:
            trainer.train_chunk(chunk.token_ids, chunk.sentence_starts)
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="pyw2v-train", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(report_every)
            if tick and worker.is_alive():
                tick()
    except KeyboardInterrupt:
        trainer.request_stop()
        worker.join()
        raise
    if failure:
        raise failure[0]


def load_model(path: str | PathLike, *, mmap: bool = False) -> Word2Vec:
    """Load a model saved with Word2Vec.save, ready to query or to train further.

    mmap=True maps the matrices copy-on-write: pages load on demand, and
    training changes the model in memory, never the saved files.
    """
    meta, arrays = load_model_dir(path, mmap=mmap)
    try:
        params = TrainingParams(**meta["params"])
        vocab = Vocabulary(meta["words"], arrays["counts"])
        losses = [float(x) for x in meta.get("loss_history", [])]
        training_calls = meta.get("training_calls", 0)
        _check_int("training_calls", training_calls, 0)
        if not len(vocab):
            raise ValueError("the model has no words")
        if vocab.counts.min() < 1:
            raise ValueError(f"counts must be >= 1, found {vocab.counts.min()}")
        model = Word2Vec(vocab, params, arrays["center_vectors"], arrays["outside_vectors"],
                         losses, arrays.get("node_vectors"))
    except (TypeError, ValueError) as exc:
        raise FormatError(path, f"invalid model metadata ({exc})") from None
    model.training_calls = training_calls
    return model


def _check_loss_fits_vocabulary(params: TrainingParams, n_words: int) -> None:
    if params.loss == "hs" and n_words < 2:
        raise ValueError(f"loss='hs' (hierarchical softmax) needs at least 2 words in the "
                         f"vocabulary, got {n_words}; lower min_count or use loss='negative'")
    if params.loss == "softmax" and n_words > SOFTMAX_MAX_VOCAB:
        raise ValueError(
            f"loss='softmax' scores the whole vocabulary for every prediction and is limited "
            f"to {SOFTMAX_MAX_VOCAB:,} words, got {n_words:,}; pass max_final_vocab="
            f"{SOFTMAX_MAX_VOCAB} (or a higher min_count), or use loss='negative' or hs=True")


def _node_vectors(node_vectors: np.ndarray | None, params: TrainingParams,
                  n_words: int) -> np.ndarray | None:
    """Hierarchical softmax's inner-node matrix (zeros when new), None for other losses."""
    if params.loss != "hs":
        if node_vectors is not None:
            raise ValueError(f"node_vectors belong to loss='hs', not loss={params.loss!r}")
        return None
    shape = (n_words - 1, params.dim)
    if node_vectors is None:
        return np.zeros(shape, dtype=np.float32)
    if node_vectors.shape != shape:
        raise ValueError(f"node_vectors has shape {node_vectors.shape}, expected {shape}")
    return np.ascontiguousarray(node_vectors, dtype=np.float32)


def _resolve_loss(loss: str, hs: bool) -> str:
    """`loss`, with hs=True (word2vec.c's and gensim's spelling) meaning loss='hs'."""
    if not isinstance(hs, (bool, np.bool_)):
        raise TypeError(f"hs must be a bool, got {type(hs).__name__} ({hs!r})")
    if hs and loss == "softmax":
        raise ValueError("hs=True asks for hierarchical softmax but loss='softmax' asks for "
                         "the full softmax; choose one")
    return "hs" if hs else loss


def build_vocabulary(corpus: Corpus, params: TrainingParams) -> Vocabulary:
    """Count the corpus and keep what `params` asks for; a clear error if nothing is left."""
    source = open_source(corpus)
    if isinstance(source, TextFileSource):
        counts = count_text(source.byte_blocks(), params.max_vocab_size)
    else:
        counts = count_words((b.tokens for b in source.blocks()), params.max_vocab_size)
    odd = [token for token in counts if not isinstance(token, str)]
    if odd:   # the source checked only the first token of each sentence
        raise TypeError(f"corpus holds a token of type {type(odd[0]).__name__} ({odd[0]!r}); "
                        "tokens must be str, e.g. [['the', 'cat'], ['a', 'dog']]")
    vocab = Vocabulary.from_counts(counts, params.min_count, params.max_final_vocab)
    if not counts:
        raise ValueError("the corpus is empty: it has no tokens")
    if not len(vocab):
        raise ValueError(
            f"no word reaches min_count={params.min_count} (the most frequent word occurs "
            f"{max(counts.values())} times); lower min_count or use a larger corpus")
    return vocab


def train(corpus: Corpus, *, model: str = "skipgram", dim: int = 100, window: int = 5,
          negative: int = 5, sample: float = 1e-3, min_count: int = 5, epochs: int = 5,
          alpha: float | None = None, min_alpha: float = 0.0001, threads: int | None = None,
          seed: int = 1, max_vocab_size: int | None = None, max_final_vocab: int | None = None,
          exact_sigmoid: bool = False, kernel: str = "auto", loss: str = "negative",
          hs: bool = False, progress: ProgressArg = None) -> Word2Vec:
    """Build a vocabulary from `corpus` and train word2vec on it.

    corpus: a path to a text file (one sentence per line, whitespace-separated
    tokens) or a re-iterable of token lists. model: "skipgram" or "cbow".
    loss: "negative" (negative sampling), "hs" (hierarchical softmax, with
    negative sampling too unless negative=0) or "softmax" (full softmax, small
    vocabularies); hs=True means loss="hs" (see TrainingParams).
    alpha defaults to 0.025 (skip-gram) or 0.05 (CBOW). threads=None uses
    every usable core; threads=1 with a fixed seed is bit-reproducible.
    progress: a callback taking pyw2v.Progress, True for a progress bar (see
    Word2Vec.train), or None/False for none.
    """
    params = TrainingParams(model=model, dim=dim, window=window, negative=negative,
                            sample=sample, min_count=min_count, epochs=epochs, alpha=alpha,
                            min_alpha=min_alpha, seed=seed, max_vocab_size=max_vocab_size,
                            max_final_vocab=max_final_vocab, exact_sigmoid=exact_sigmoid,
                            kernel=kernel, loss=_resolve_loss(loss, hs))
    threads = effective_threads(threads)
    vocab = build_vocabulary(corpus, params)
    logger.info("vocabulary: %d words, %d tokens (%s)", len(vocab), vocab.total_words,
                asdict(params))
    w2v = Word2Vec(vocab, params)
    exact_count = vocab.total_words if max_vocab_size is None else None
    return w2v.train(corpus, threads=threads, progress=progress, _epoch_words=exact_count)
