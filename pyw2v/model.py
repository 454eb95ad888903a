"""Training orchestration: parameters, the epoch loop over encoded chunks, progress, resume."""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from os import PathLike
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pyw2v import _core
from pyw2v._threads import effective_threads
from pyw2v._version import __version__
from pyw2v.callbacks import as_callbacks, run_hooks
from pyw2v.corpus import Corpus, EncodedChunk, StreamSource, as_stream
from pyw2v.encoding import EncodedCorpus, encode_stream, encoded_for
from pyw2v.formats import FormatError
from pyw2v.grow import update_vocab as _update_vocab
from pyw2v.native_format import load_model_dir, save_model_dir
from pyw2v.params import (  # noqa: F401  (re-exported: pyw2v.model.TrainingParams etc.)
    DEFAULT_ALPHA, KERNELS, LOSSES, MODELS, SOFTMAX_MAX_VOCAB, TrainingParams,
    check, check_loss_fits_vocabulary, resolve_loss, saved_params)
from pyw2v.pretrained import intersect
from pyw2v.progress import Progress, ProgressArg, progress_display
from pyw2v.subword_vectors import SubwordVectors
from pyw2v.subwords import SubwordLayout, compose
from pyw2v.vectors import WordVectors
from pyw2v.vocab import Vocabulary, build_vocabulary

logger = logging.getLogger("pyw2v")



class Word2Vec:
    """A word2vec model: vocabulary, both matrices, parameters and loss history.

    center_vectors (V, the embeddings) and outside_vectors (U) are float32,
    C-contiguous, shape (len(vocab), dim). node_vectors, with loss="hs" only
    (None otherwise), holds hierarchical softmax's inner-node vectors, float32
    (len(vocab) - 1, dim). loss_history holds the mean loss per prediction of
    every epoch trained so far, float64. lock_factors (see the property) scales
    each row's updates of center_vectors; None means all 1.
    """

    def __init__(self, vocab: Vocabulary, params: TrainingParams,
                 center_vectors: NDArray[Any] | None = None,
                 outside_vectors: NDArray[Any] | None = None,
                 loss_history: Iterable[float] = (),
                 node_vectors: NDArray[Any] | None = None,
                 lock_factors: ArrayLike | None = None,
                 ngram_vectors: NDArray[Any] | None = None) -> None:
        self.vocab = vocab
        self.params = params
        check_loss_fits_vocabulary(params, len(vocab))
        self.subword_layout = None if params.subwords is None else \
            SubwordLayout.build(vocab.words, *params.subwords, params.buckets)
        if outside_vectors is None:
            outside_vectors = np.zeros((len(vocab), params.dim), dtype=np.float32)
        shape = (len(vocab), params.dim)
        if outside_vectors.shape != shape:
            raise ValueError(f"outside_vectors has shape {outside_vectors.shape}, expected "
                             f"{shape}")
        self._inputs = self._input_matrix(center_vectors, ngram_vectors)
        self._center = self._inputs[:len(vocab)]
        self.ngram_vectors = None if self.subword_layout is None else self._inputs[len(vocab):]
        self.outside_vectors = np.ascontiguousarray(outside_vectors, dtype=np.float32)
        self.node_vectors = _node_vectors(node_vectors, params, len(vocab))
        self.lock_factors = lock_factors
        self._losses = [float(x) for x in loss_history]
        self.training_calls = 0
        self._wv: WordVectors | None = None

    def _input_matrix(self, center_vectors: NDArray[Any] | None,
                      ngram_vectors: NDArray[Any] | None) -> NDArray[np.float32]:
        """V, or with subwords V+ (the word rows, then one row per stored n-gram bucket):
        drawn as word2vec.c draws V when new, else the given rows (checked)."""
        n_words, dim = len(self.vocab), self.params.dim
        n_grams = 0 if self.subword_layout is None else len(self.subword_layout.stored_buckets)
        if center_vectors is None:
            rng = np.random.default_rng(self.params.seed)
            inputs = rng.random((n_words + n_grams, dim), dtype=np.float32) - 0.5
            inputs /= dim
            return inputs
        if center_vectors.shape != (n_words, dim):
            raise ValueError(f"center_vectors has shape {center_vectors.shape}, expected "
                             f"{(n_words, dim)}")
        if self.subword_layout is None:
            if ngram_vectors is not None:
                raise ValueError("ngram_vectors belong to a model with subwords")
            return np.ascontiguousarray(center_vectors, dtype=np.float32)
        if ngram_vectors is None or ngram_vectors.shape != (n_grams, dim):
            got = None if ngram_vectors is None else ngram_vectors.shape
            raise ValueError(f"ngram_vectors has shape {got}, expected {(n_grams, dim)}: one "
                             "row per n-gram bucket the vocabulary's words hit")
        return np.concatenate([center_vectors, ngram_vectors]).astype(np.float32, copy=False)

    @property
    def center_vectors(self) -> NDArray[np.float32]:
        """V, the word rows (float32 (len(vocab), dim); with subwords, a view of the
        first rows of the input matrix, whose n-gram rows are ngram_vectors)."""
        return self._center

    @center_vectors.setter
    def center_vectors(self, value: NDArray[Any]) -> None:
        if self.subword_layout is not None:
            raise ValueError("a model with subwords keeps its word rows in one matrix with "
                             "its n-gram rows; write into center_vectors instead")
        self._inputs = self._center = np.ascontiguousarray(value, dtype=np.float32)

    @property
    def wv(self) -> WordVectors:
        """The word vectors: queries, evaluation, files. Without subwords, the rows of
        center_vectors (not a copy); with them, SubwordVectors holding each word's
        composed vector (computed when asked for after training) and answering for
        unseen words from their n-grams."""
        if self._wv is None:
            layout = self.subword_layout
            if layout is None:
                self._wv = WordVectors(self.vocab.words, self.center_vectors, self.vocab.counts)
            else:
                minn, maxn = cast(tuple[int, int], self.params.subwords)
                self._wv = SubwordVectors(
                    self.vocab.words, compose(self._inputs, layout.part_offsets,
                                              layout.part_rows),
                    cast(NDArray[np.float32], self.ngram_vectors), minn=minn, maxn=maxn,
                    buckets=self.params.buckets, bucket_rows=layout.bucket_rows(),
                    counts=self.vocab.counts)
        return self._wv

    def _vectors_changed(self) -> None:
        """The matrices moved: drop what wv derived from them."""
        if self.subword_layout is not None:
            self._wv = None
        elif self._wv is not None:
            self._wv.invalidate_norms()

    @property
    def lock_factors(self) -> NDArray[np.float32] | None:
        """Per-row lock factors, float32 (len(vocab),), or None (all 1, the fast path):
        training moves row w of center_vectors by lock_factors[w] times its step, so 0
        freezes it (gensim's vectors_lockf). outside_vectors are never locked."""
        return self._lock_factors

    @lock_factors.setter
    def lock_factors(self, value: ArrayLike | None) -> None:
        # Checked against V's rows, not the vocabulary: growing the vocabulary sets
        # the grown rows and their factors before the new vocabulary.
        if value is not None and self.params.subwords is not None:
            raise ValueError("lock factors do not combine with subwords (a word's n-gram "
                             "rows are shared with other words); train without freezing")
        self._lock_factors = _core.checked_lock_factors(value, self.center_vectors.shape[0])

    def intersect_word2vec(self, path: str | PathLike[str], *, lockf: float = 0.0,
                           binary: bool | None = None,
                           unicode_errors: str = "strict") -> int:
        """Start the rows of the words this model shares with a word2vec file from
        that file's vectors, and set their lock factor to `lockf`; returns how many
        rows were taken. lockf=0.0 (gensim's default) freezes them, 1.0 trains them
        as any other row. See pyw2v.pretrained for the rules and errors."""
        taken, locks = intersect(self.vocab, self.center_vectors, self.lock_factors, path,
                                 lockf=lockf, binary=binary, unicode_errors=unicode_errors)
        self.lock_factors = locks
        self._vectors_changed()
        return taken

    #: gensim's name for intersect_word2vec.
    intersect_word2vec_format = intersect_word2vec

    @property
    def loss_history(self) -> NDArray[np.float64]:
        return np.array(self._losses, dtype=np.float64)

    def save(self, path: str | PathLike[str], *, overwrite: bool = False) -> None:
        """Save the whole model (both matrices, vocabulary with counts, parameters,
        loss history) as a directory; see pyw2v.native_format. Refuses to replace
        an existing path unless overwrite=True."""
        meta = {"pyw2v_version": __version__, "params": asdict(self.params),
                "words": self.vocab.words, "loss_history": self._losses,
                "training_calls": self.training_calls}
        arrays: dict[str, NDArray[Any]] = {"center_vectors": self.center_vectors,
                  "outside_vectors": self.outside_vectors, "counts": self.vocab.counts}
        if self.node_vectors is not None:
            arrays["node_vectors"] = self.node_vectors
        if self.lock_factors is not None:
            arrays["lock_factors"] = self.lock_factors
        if self.subword_layout is not None:
            arrays["ngram_vectors"] = cast(NDArray[np.float32], self.ngram_vectors)
            arrays["ngram_buckets"] = self.subword_layout.stored_buckets
            meta["ngram_rows"] = len(self.subword_layout.stored_buckets)
        save_model_dir(path, meta, arrays, overwrite=overwrite)

    def update_vocab(self, corpus: Corpus, *, min_count: int | None = None) -> int:
        """Grow the vocabulary with `corpus`'s new words (gensim's build_vocab(update=True));
        train on it afterwards with `train(corpus)`, which then trains old and new words.

        `corpus` is a path, directory, glob, list of files or token lists (not a
        stream nor an EncodedCorpus: it is read here and again by train). Known
        words' counts grow by their new counts; words not yet known with a count
        >= min_count (default: the model's) get rows after the existing ones,
        drawn as fresh rows are; existing rows, ids and saved files stay valid,
        but the vocabulary is no longer sorted by count. With loss="hs" the tree
        is rebuilt from the new counts (see pyw2v.grow for the details).
        `model.wv` afterwards is a new WordVectors holding the new words.
        Returns the number of words added; 0 (with a UserWarning) when no new
        word reaches min_count, which is not an error: the counts still grew.
        """
        if self.subword_layout is not None:
            raise ValueError("update_vocab does not grow a model with subwords yet (its "
                             "n-gram rows would need new buckets); train a new model, or ask "
                             "model.wv for the new words' vectors from their n-grams")
        added = _update_vocab(self, corpus, min_count)
        self._wv = None   # it holds the old words, counts and matrix
        return added

    def __repr__(self) -> str:
        p = self.params
        return (f"Word2Vec(model={p.model!r}, loss={p.loss!r}, vocab={len(self.vocab)}, "
                f"dim={p.dim}, epochs trained={len(self._losses)})")

    def train(self, corpus: Corpus | EncodedCorpus, *, epochs: int | None = None,
              alpha: float | None = None, min_alpha: float | None = None,
              threads: int | None = None,
              progress: ProgressArg = None,
              report_every: float = 0.5, tmp_dir: str | PathLike[str] | None = None,
              callbacks: Iterable[Any] | None = None,
              _epoch_words: int | None = None) -> "Word2Vec":
        """Train (further) on `corpus` with this model's vocabulary; unknown words are skipped.

        `corpus` is a path, a re-iterable of token lists, or an EncodedCorpus
        made with this model's vocabulary, `pyw2v.encode(corpus, model.vocab)`
        (to encode once, train many times), or a stream read once (its ids kept,
        beyond memory in files under `tmp_dir`; see pyw2v.encoding).

        The learning rate decays linearly from `alpha` (default: the model's) to
        `min_alpha` over all words of this call's `epochs` (default: the
        model's), whatever earlier calls did. `progress`, if given, is called
        from the calling thread about every `report_every` seconds and at the
        end of each epoch; `progress=True` shows a tqdm bar on a terminal (log
        lines elsewhere), "bar"/"log" force one (see pyw2v.progress), and
        None/False shows nothing. `callbacks`: objects with on_train_begin,
        on_epoch_begin, on_epoch_end and/or on_train_end(model, report) hooks
        (see pyw2v.callbacks); one returning False or raising pyw2v.StopTraining
        ends training after the current epoch. Ctrl-C, or any exception from
        `progress` or a callback, stops the compiled loop (within a fraction of a
        second) before it propagates, leaving the model consistent, saveable
        and trainable again.
        """
        callbacks = as_callbacks(callbacks)
        if progress is not None and not callable(progress):
            if progress is False:
                progress = None
            else:
                with progress_display(progress) as callback:
                    return self.train(corpus, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
                                      threads=threads, progress=callback,
                                      report_every=report_every, tmp_dir=tmp_dir,
                                      callbacks=callbacks, _epoch_words=_epoch_words)
        params = replace(self.params,
                         epochs=self.params.epochs if epochs is None else epochs,
                         alpha=self.params.alpha if alpha is None else alpha,
                         min_alpha=self.params.min_alpha if min_alpha is None else min_alpha)
        threads = effective_threads(threads)
        encoded = encoded_for(corpus, self.vocab, _epoch_words, tmp_dir)
        if _epoch_words is None:
            _epoch_words = encoded.tokens_per_pass()
        if not _epoch_words:
            raise ValueError("the corpus has no word of the model's vocabulary; nothing to train")
        total_words = params.epochs * _epoch_words
        trainer = self.compiled_trainer(params, threads, total_words)
        self.training_calls += 1
        try:
            self._train_epochs(trainer, encoded, params, total_words, progress, report_every,
                               callbacks)
        finally:
            if self._wv is not None:   # the matrix changed under its cached norms
                self._wv.invalidate_norms()
        return self

    def _train_epochs(self, trainer: _core.Trainer, encoded: EncodedCorpus,
                      params: TrainingParams, total_words: int,
                      progress: Callable[[Progress], None] | None,
                      report_every: float, callbacks: tuple[Any, ...] = ()) -> None:
        """The epoch loop: every chunk through the trainer, a report per epoch, the
        callbacks' hooks between epochs (pyw2v.callbacks: when they run, how they stop)."""
        started = time.perf_counter()

        def snapshot(epoch: int, loss_before: float, predictions_before: float) -> Progress:
            predictions = trainer.predictions - predictions_before
            loss = (trainer.loss - loss_before) / max(predictions, 1.0)
            return Progress(epoch, params.epochs, trainer.words_done, total_words, trainer.alpha,
                            loss, time.perf_counter() - started)

        matrices = (self.center_vectors, self.outside_vectors, self.node_vectors,
                    self.lock_factors)

        def hook(name: str, report: Progress) -> bool:
            self._vectors_changed()   # a hook may query the vectors trained so far
            stop = run_hooks(callbacks, name, self, report)
            now = (self.center_vectors, self.outside_vectors, self.node_vectors,
                   self.lock_factors)
            if any(a is not b for a, b in zip(matrices, now)):
                raise RuntimeError(
                    f"a callback's {name} replaced the model's arrays (update_vocab, "
                    "intersect_word2vec or an assignment), but this train() call goes on "
                    "with the old ones; change the model after train() returns, or change "
                    "the arrays in place")
            return stop

        report = snapshot(1, trainer.loss, trainer.predictions)
        stop = hook("on_train_begin", report)
        for epoch in range(1, params.epochs + 1):
            loss_before = trainer.loss
            predictions_before = trainer.predictions
            if stop or hook("on_epoch_begin", snapshot(epoch, loss_before, predictions_before)):
                break
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
            stop = hook("on_epoch_end", report)
        hook("on_train_end", report)

    def compiled_trainer(self, params: TrainingParams, threads: int,
                         total_words: int) -> _core.Trainer:
        """The compiled trainer for one training call (or one distributed worker): this
        model's matrices and tables, its own random streams (the call's index is mixed
        into the seed)."""
        alias_prob, alias_index = self.vocab.noise_alias_table(cast(float, params.ns_exponent))
        keep_prob = self.vocab.keep_probabilities(params.sample)
        layout = self.subword_layout
        return _core.Trainer(
            self._inputs, self.outside_vectors, keep_prob, alias_prob, alias_index,
            kernel=params.core_kernel, window=params.window,
            negative=params.negative, exact_sigmoid=params.exact_sigmoid,
            alpha=cast(float, params.alpha),   # TrainingParams fills in the default
            min_alpha=params.min_alpha, total_words=float(total_words), threads=threads,
            seed=params.seed, call=self.training_calls, node_vectors=self.node_vectors,
            huffman=self.vocab.huffman_tree() if params.loss == "hs" else None,
            softmax=params.loss == "softmax", cbow_mean=params.cbow_mean,
            shrink_windows=params.shrink_windows, lock_factors=self.lock_factors,
            batch_windows=params.windows_per_step,
            subwords=None if layout is None else (layout.part_offsets, layout.part_rows))

    def _check_epoch(self, report: Progress, trainer: _core.Trainer,
                     params: TrainingParams) -> None:
        """Refuse an epoch that trained nothing or left non-finite numbers."""
        if trainer.predictions == 0 and not trainer.stop_requested:
            raise ValueError(
                f"nothing to train: no sentence kept two in-vocabulary words after "
                f"subsampling (sample={params.sample}); use a larger corpus, a lower "
                "min_count or a smaller sample")
        if not (math.isfinite(report.loss) and np.isfinite(self._inputs).all()
                and np.isfinite(self.outside_vectors).all()
                and (self.node_vectors is None or np.isfinite(self.node_vectors).all())):
            raise FloatingPointError(
                f"training diverged in epoch {report.epoch} (loss {report.loss}); "
                f"lower alpha (got {params.alpha})")


def _train_chunk(trainer: _core.Trainer, chunk: EncodedChunk, tick: Callable[[], None] | None,
                 report_every: float) -> None:
    """Run the compiled loop on one chunk in a worker thread; poll it from here.

    Whatever ends the polling early (Ctrl-C, an exception from `tick`) first
    stops the compiled loop and joins the worker, so nothing writes the
    matrices once the exception reaches the caller.
    """
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
    except BaseException:
        trainer.request_stop()
        worker.join()
        raise
    if failure:
        raise failure[0]


def load_model(path: str | PathLike[str], *, mmap: bool = False) -> Word2Vec:
    """Load a model saved with Word2Vec.save, ready to query or to train further.

    mmap=True maps the matrices copy-on-write: pages load on demand, and
    training changes the model in memory, never the saved files.
    """
    meta, arrays = load_model_dir(path, mmap=mmap)
    try:
        params = saved_params(meta["params"])
        vocab = Vocabulary(meta["words"], arrays["counts"])
        losses = [float(x) for x in meta.get("loss_history", [])]
        training_calls = meta.get("training_calls", 0)
        check({"training_calls": training_calls})
        if not len(vocab):
            raise ValueError("the model has no words")
        if vocab.counts.min() < 1:
            raise ValueError(f"counts must be >= 1, found {vocab.counts.min()}")
        model = Word2Vec(vocab, params, arrays["center_vectors"], arrays["outside_vectors"],
                         losses, arrays.get("node_vectors"), arrays.get("lock_factors"),
                         arrays.get("ngram_vectors"))
        if model.subword_layout is not None and not np.array_equal(
                arrays["ngram_buckets"], model.subword_layout.stored_buckets):
            raise ValueError("its n-gram rows are not the buckets its words' n-grams hit")
    except (TypeError, ValueError) as exc:
        raise FormatError(path, f"invalid model metadata ({exc})") from None
    model.training_calls = training_calls
    return model


def _node_vectors(node_vectors: NDArray[Any] | None, params: TrainingParams,
                  n_words: int) -> NDArray[np.float32] | None:
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


def _vocabulary(corpus: Corpus | EncodedCorpus, params: TrainingParams,
                fixed: Vocabulary | str | PathLike[str] | None = None) -> Vocabulary:
    """The vocabulary `params` asks for: `fixed` (train's vocab=) filtered by the
    options, or an encoded corpus's own, which must agree with the vocabulary
    options (max_vocab_size, max_final_vocab unset, and no word below min_count)."""
    if fixed is not None:
        return _fixed_vocabulary(corpus, params, fixed)
    if not isinstance(corpus, EncodedCorpus):
        return build_vocabulary(corpus, min_count=params.min_count,
                                max_vocab_size=params.max_vocab_size,
                                max_final_vocab=params.max_final_vocab)
    for name in ("max_vocab_size", "max_final_vocab"):
        if getattr(params, name) is not None:
            raise ValueError(f"{name} shapes the vocabulary, but an EncodedCorpus brings its "
                             f"own; pass {name} to pyw2v.build_vocabulary before encoding")
    rarest = int(corpus.vocab.counts.min()) if len(corpus.vocab) else 0
    if rarest < params.min_count:
        raise ValueError(f"min_count={params.min_count}, but the EncodedCorpus's vocabulary "
                         f"holds words seen {rarest} times; pass min_count={rarest} or "
                         "encode with a vocabulary built with this min_count")
    return corpus.vocab


def _fixed_vocabulary(corpus: Corpus | EncodedCorpus | StreamSource, params: TrainingParams,
                      fixed: Vocabulary | str | PathLike[str]) -> Vocabulary:
    """train's vocab= (a Vocabulary or a vocabulary file), filtered by min_count and
    max_final_vocab as word2vec.c's -read-vocab applies -min-count."""
    if isinstance(corpus, EncodedCorpus):
        raise ValueError("vocab= and an EncodedCorpus both bring a vocabulary; pass the "
                         "corpus as a path or token lists, or leave vocab out")
    if params.max_vocab_size is not None:
        raise ValueError("max_vocab_size bounds the counting of a corpus, but vocab= is not "
                         "counted from it; leave max_vocab_size out")
    if not isinstance(fixed, Vocabulary):
        if not isinstance(fixed, (str, PathLike)):
            raise TypeError(f"vocab must be a pyw2v.Vocabulary or the path of a vocabulary "
                            f"file, got {type(fixed).__name__}")
        fixed = Vocabulary.load(fixed)
    vocab = fixed.filtered(params.min_count, params.max_final_vocab)
    if not len(vocab):
        most = int(fixed.counts.max()) if len(fixed) else 0
        raise ValueError(f"no word of vocab reaches min_count={params.min_count} (the most "
                         f"frequent has count {most}); lower min_count")
    return vocab


def _train_stream(stream: StreamSource, params: TrainingParams,
                  fixed: Vocabulary | str | PathLike[str] | None, threads: int,
                  progress: ProgressArg, tmp_dir: str | PathLike[str] | None,
                  start: Callable[[Word2Vec], Word2Vec],
                  callbacks: tuple[Any, ...] = ()) -> Word2Vec:
    """train() on a stream: its one pass counts and encodes it (only encodes it, with a
    fixed vocabulary); the ids, in memory or under tmp_dir, are dropped at the end."""
    if fixed is None:
        encoded = encode_stream(stream, min_count=params.min_count,
                                max_vocab_size=params.max_vocab_size,
                                max_final_vocab=params.max_final_vocab, tmp_dir=tmp_dir,
                                join=params.max_vocab_size is not None)
    else:
        encoded = EncodedCorpus(stream, _fixed_vocabulary(stream, params, fixed),
                                tmp_dir=tmp_dir)
    with encoded:
        logger.info("vocabulary: %d words, %d tokens (%s)", len(encoded.vocab),
                    encoded.vocab.total_words, asdict(params))
        return start(Word2Vec(encoded.vocab, params)).train(encoded, threads=threads,
                                                            progress=progress,
                                                            callbacks=callbacks)


def _pretrained_start(pretrained: str | PathLike[str] | None,
                      freeze: bool) -> Callable[[Word2Vec], Word2Vec]:
    """What train() does to a new model before training: intersect it with the
    pretrained file (frozen rows with freeze), or nothing without one."""
    if not isinstance(freeze, (bool, np.bool_)):
        raise TypeError(f"freeze_pretrained must be a bool, got {type(freeze).__name__}")
    if pretrained is None:
        if freeze:
            raise ValueError("freeze_pretrained=True needs pretrained=<word2vec file>")
        return lambda model: model

    def start(model: Word2Vec) -> Word2Vec:
        taken = model.intersect_word2vec(pretrained, lockf=0.0 if freeze else 1.0)
        logger.info("pretrained: %d of %d rows from %s%s", taken, len(model.vocab),
                    pretrained, " (frozen)" if freeze else "")
        return model
    return start


def train(corpus: Corpus | EncodedCorpus, *, model: str = "skipgram", dim: int = 100,
          window: int = 5, negative: int = 5, sample: float = 1e-3, min_count: int = 5,
          epochs: int = 5,
          alpha: float | None = None, min_alpha: float = 0.0001, threads: int | None = None,
          seed: int = 1, max_vocab_size: int | None = None, max_final_vocab: int | None = None,
          exact_sigmoid: bool = False, kernel: str = "auto", loss: str = "negative",
          hs: bool = False, progress: ProgressArg = None,
          vocab: Vocabulary | str | PathLike[str] | None = None,
          tmp_dir: str | PathLike[str] | None = None, ns_exponent: float | None = None,
          cbow_mean: bool = True, shrink_windows: bool = True, batch_windows: int = 0,
          pretrained: str | PathLike[str] | None = None,
          freeze_pretrained: bool = False,
          callbacks: Iterable[Any] | None = None,
          subwords: tuple[int, int] | None = None, buckets: int = 2_000_000) -> Word2Vec:
    """Build a vocabulary from `corpus` (or take `vocab`) and train word2vec on it.

    corpus: a path to a text file (one sentence per line, whitespace-separated
    tokens; .gz/.bz2/.xz/.zst decompressed), a directory, glob or list of such
    files (see pyw2v.corpus.open_source), a re-iterable of token lists, an EncodedCorpus
    (pyw2v.encode), whose vocabulary the model then takes as it is, or a stream
    read once: "-" (standard input), an open file object, pyw2v.LineStream(lines)
    or a generator of str lines; its one pass is counted and encoded together.
    model: "skipgram" or "cbow".
    loss: "negative" (negative sampling), "hs" (hierarchical softmax, with
    negative sampling too unless negative=0) or "softmax" (full softmax, small
    vocabularies); hs=True means loss="hs" (see TrainingParams).
    alpha defaults to 0.025 (skip-gram) or 0.05 (CBOW). threads=None uses
    every usable core; threads=1 with a fixed seed is bit-reproducible.
    progress: a callback taking pyw2v.Progress, True for a progress bar (see
    Word2Vec.train), or None/False for none.
    vocab: a fixed vocabulary, a pyw2v.Vocabulary or the path of a vocabulary
    file (Vocabulary.load): the corpus is not counted, its words outside vocab
    are skipped, and subsampling and noise use vocab's counts. min_count and
    max_final_vocab filter it (as word2vec.c's -read-vocab with -min-count;
    min_count=1 takes it whole); max_vocab_size is an error.
    tmp_dir: where a stream's ids go once they outgrow memory (default
    tempfile.gettempdir()); deleted when training ends.
    ns_exponent, cbow_mean, shrink_windows, batch_windows: see TrainingParams.
    pretrained: a word2vec file (text or binary) whose vectors start the rows of
    the words it shares with the vocabulary (Word2Vec.intersect_word2vec);
    freeze_pretrained=True keeps those rows as they are (lock factor 0).
    callbacks: hook objects called around each epoch (see Word2Vec.train and
    pyw2v.callbacks: Checkpoint, EarlyStopping); checked before any counting.
    subwords: (minn, maxn), e.g. (3, 6), trains fastText's subword model: each
    word's vector is the mean of its row and its character n-grams' rows, hashed
    into `buckets` buckets (only those the vocabulary hits are allocated), and
    model.wv answers for unseen words too (see TrainingParams, docs/math.md §16).
    """
    params = TrainingParams(model=model, dim=dim, window=window, negative=negative,
                            sample=sample, min_count=min_count, epochs=epochs, alpha=alpha,
                            min_alpha=min_alpha, seed=seed, max_vocab_size=max_vocab_size,
                            max_final_vocab=max_final_vocab, exact_sigmoid=exact_sigmoid,
                            kernel=kernel, loss=resolve_loss(loss, hs),
                            ns_exponent=ns_exponent, cbow_mean=cbow_mean,
                            shrink_windows=shrink_windows, batch_windows=batch_windows,
                            subwords=subwords, buckets=buckets)
    start = _pretrained_start(pretrained, freeze_pretrained)
    threads = effective_threads(threads)
    callbacks = as_callbacks(callbacks)
    fixed = vocab is not None
    stream = as_stream(corpus)
    if stream is not None:
        return _train_stream(stream, params, vocab, threads, progress, tmp_dir, start,
                             callbacks)
    vocab = _vocabulary(corpus, params, vocab)
    logger.info("vocabulary: %d words, %d tokens (%s)", len(vocab), vocab.total_words,
                asdict(params))
    w2v = start(Word2Vec(vocab, params))
    # The vocabulary's total is the token count only if counted from this very corpus, unpruned.
    exact = not fixed and max_vocab_size is None and not isinstance(corpus, EncodedCorpus)
    exact_count = vocab.total_words if exact else None
    return w2v.train(corpus, threads=threads, progress=progress, callbacks=callbacks,
                     _epoch_words=exact_count)
