"""Training beyond one process: a corpus sharded over workers that train in rounds
from a common model, their row changes merged by the driver (see docs/distributed.md).

The algorithm runs on any backend with the same small protocol; an in-process
serial backend is the test oracle, Ray the engine for real clusters (the
optional extra ``pyw2v[ray]``).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import fields
from os import PathLike
from typing import Any

import numpy as np

from pyw2v.corpus import Corpus
from pyw2v.distributed.backends import Backend, SerialBackend, WorkerLost
from pyw2v.distributed.checkpoint import check_checkpoint_dir
from pyw2v.distributed.driver import (
    Job, RoundLog, Settings, check_settings, resume_state, sync_parts, work_directory)
from pyw2v.distributed.shards import plan_shards
from pyw2v.model import Word2Vec
from pyw2v.params import TrainingParams, resolve_loss
from pyw2v.progress import Progress, ProgressArg, progress_display

__all__ = ["Backend", "RoundLog", "SerialBackend", "WorkerLost", "train"]

#: pyw2v.train's keywords that shape the model; the rest of its keywords do not apply.
_MODEL_KEYWORDS = tuple(field.name for field in fields(TrainingParams))


def train(corpus: Corpus, *, cluster: str | Backend = "ray", workers: int = 2,
          threads_per_worker: int = 1, sync_every: float = 0.02, merge: str = "sum",
          frequent_rows: int | None = None, rare_sync_every: int = 1, interleave: bool = True,
          rotate_epochs: bool = True,
          checkpoint_dir: str | PathLike[str] | None = None, checkpoint_every: int = 10,
          resume: bool = False, progress: ProgressArg = None,
          work_dir: str | PathLike[str] | None = None, piece_bytes: int | None = None,
          rounds: list[RoundLog] | None = None, hs: bool = False,
          **keywords: Any) -> Word2Vec:
    """Train word2vec on `workers` workers; returns a plain Word2Vec.

    corpus: a text file, directory, glob or list of files (plain or compressed)
    that every worker reads at the same path; it is cut into shards (see
    pyw2v.distributed.shards). cluster: "ray" (the Ray this process already
    started, else a new local one, stopped at the end), a Ray address
    ("host:port" or "ray://host:port"), "serial" (every worker in this process,
    one after another: the test oracle), or a Backend. Every worker trains with
    `threads_per_worker` threads. sync_every: the fraction of an epoch between
    synchronisations (rounds per epoch = round(1 / sync_every); 0.02, the default,
    is where shorter rounds stopped gaining quality in the README's measurements). merge: "sum"
    (every worker's change to a row adds up, as Hogwild threads' do) or "mean"
    (a changed row is the mean over the workers that changed it: model
    averaging, which shrinks a frequent row's steps N-fold and learns far less
    per epoch; see docs/distributed.md). frequent_rows, rare_sync_every: rows from
    frequent_rows up (rarer words) are synchronised only every rare_sync_every
    rounds. interleave: each worker trains its shard's first and second halves in
    alternating runs of 20 sentences, as two threads would train a chunk's halves at
    once (worker.interleave_halves; it gained 0.4 analogy points in the README's
    measurements); False trains each shard in corpus order. rotate_epochs: epoch e
    starts its rounds at slice e * parts // epochs of the shards and wraps around, so
    the epochs do not repeat one order (2 workers on corpus-dev: +0.4 analogy points
    and +0.007 WS-353, medians of 6 seeds; docs/distributed.md §2); with
    interleave=False and rotate_epochs=False one
    worker is pyw2v.train(threads=1) bit for bit. checkpoint_dir: a checkpoint every
    checkpoint_every rounds (and at the end); resume=True continues from its last
    one (a fresh start if it has none); without resume it must hold no earlier job's
    checkpoints (FileExistsError: a new job would prune them as its own). progress:
    as pyw2v.train's (one bar for the whole job, updated per round). work_dir: where
    workers keep their encoded shards (default: under checkpoint_dir, else a
    temporary directory removed at the end).
    piece_bytes: the size of the pieces files are cut into. rounds: a list that
    receives a RoundLog per round. Every other keyword is pyw2v.train's model
    keyword (model, dim, window, negative, sample, min_count, epochs, alpha, ...,
    loss, hs); max_vocab_size is refused (per-shard pruning does not add up).
    """
    unknown = sorted(set(keywords) - set(_MODEL_KEYWORDS))
    if unknown:
        raise TypeError(f"pyw2v.distributed.train() got unexpected keyword(s) {unknown}; it "
                        f"takes pyw2v.train's model keywords ({', '.join(_MODEL_KEYWORDS)}) "
                        "and its own (see the docstring); threads is threads_per_worker here")
    if keywords.get("subwords") is not None:
        raise ValueError("subwords do not train distributed yet; use pyw2v.train(subwords=...)")
    if keywords.get("max_vocab_size") is not None:
        raise ValueError("max_vocab_size prunes while counting, and each shard's pruning "
                         "would not add up to the corpus's; use max_final_vocab or min_count")
    keywords["loss"] = resolve_loss(keywords.get("loss", "negative"), hs)
    params = TrainingParams(**keywords)
    check_settings(workers, threads_per_worker, merge, frequent_rows, rare_sync_every,
                   checkpoint_every)
    for name, value in (("interleave", interleave), ("rotate_epochs", rotate_epochs)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    settings = Settings(workers, threads_per_worker, sync_parts(sync_every), merge,
                        frequent_rows, rare_sync_every, checkpoint_every, bool(interleave),
                        bool(rotate_epochs))
    folder = None if checkpoint_dir is None else os.fspath(checkpoint_dir)
    check_checkpoint_dir(folder, resume)
    shards = plan_shards(corpus, workers, piece_bytes)
    found = resume_state(folder, shards, params, settings) if resume and folder else None
    if progress is not None and not callable(progress) and progress is not False:
        with progress_display(progress) as callback:
            return _run(cluster, shards, params, settings, folder, found, callback, work_dir,
                        rounds)
    return _run(cluster, shards, params, settings, folder, found,
                progress if callable(progress) else None, work_dir, rounds)


def _run(cluster: str | Backend, shards: list[Any], params: TrainingParams, settings: Settings,
         checkpoint_dir: str | None, found: tuple[Word2Vec, dict[str, Any]] | None,
         progress: Callable[[Progress], None] | None, work_dir: str | PathLike[str] | None,
         rounds: list[RoundLog] | None) -> Word2Vec:
    backend = _backend(cluster, settings.threads_per_worker)
    folder, made = work_directory(None if work_dir is None else str(work_dir), checkpoint_dir)
    try:
        backend.start(shards, folder)
        job = Job(backend, shards, params, settings, checkpoint_dir, progress, rounds)
        if found is None:
            job.start_new()
        else:
            job.start_from(*found)
        return job.run()
    finally:
        backend.shutdown()
        if made:
            shutil.rmtree(folder, ignore_errors=True)


def _backend(cluster: str | Backend, threads_per_worker: int) -> Backend:
    if not isinstance(cluster, str):
        return cluster
    if cluster == "serial":
        return SerialBackend()
    from pyw2v.distributed.ray_backend import RayBackend
    return RayBackend(None if cluster == "ray" else cluster,
                      threads_per_worker=threads_per_worker)
