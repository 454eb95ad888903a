"""The driver of distributed training: shards, vocabulary, rounds, merges, checkpoints.

One job: plan the shards; count them on the workers and merge the counts into the
vocabulary (single-node's, pruning aside); have each worker encode its shard
once (its halves interleaved, see worker.interleave_halves, unless
interleave=False), cut into `parts` slices per epoch (parts = round(1 / sync_every)); start
every worker from the common model. Then per round every worker trains its next
slice (each epoch starting 1/epochs of the slices further on, see round_part, unless
rotate_epochs=False), the learning rate going on from the words the whole job has
done (the single-node schedule, see Worker.run_round), and the driver pulls the changed
rows range by range, merges them (pyw2v.distributed.rows) and sends the merged
rows back, so every worker starts the next round from the same model.

With `frequent_rows=F`, rows F and up (the rarer words: ids follow counts) are
synchronised only every `rare_sync_every` rounds and in the last one, as
pWord2Vec does; between, each worker trains its own copy of them.

A worker lost in a round (its process killed) is restarted, set up again from
the model and thread states the round started with, and its round re-run: the
result is the undisturbed run's (with threads_per_worker=1 and rare rows synced
every round; an unsynced rare row's changes die with the worker).
"""
from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pyw2v import _core
from pyw2v.distributed.backends import Backend, WorkerLost
from pyw2v.distributed.checkpoint import latest_checkpoint, save_checkpoint
from pyw2v.distributed.rows import MERGES, RowUpdate, concatenate, merge_range, range_bounds
from pyw2v.distributed.shards import Shard, shard_vocabulary
from pyw2v.distributed.worker import RoundReport, RoundSpec, ThreadState, WorkerSetup
from pyw2v.model import Word2Vec
from pyw2v.params import TrainingParams
from pyw2v.progress import Progress

logger = logging.getLogger("pyw2v")

#: Times one worker may be lost in one round before the job gives up.
MAX_LOSSES_PER_ROUND = 3


@dataclass(frozen=True)
class RoundLog:
    """One round: compute seconds (the slowest worker's), sync seconds (pull, merge,
    send back), bytes from the workers and to them, rows merged, words, mean loss."""

    round: int
    epoch: int
    compute_seconds: float
    sync_seconds: float
    bytes_up: int
    bytes_down: int
    rows_synced: int
    words: int
    loss: float


@dataclass(frozen=True)
class Settings:
    """How the job is distributed (everything but the model's TrainingParams)."""

    workers: int
    threads_per_worker: int
    parts: int                       # rounds per epoch
    merge: str
    frequent_rows: int | None
    rare_sync_every: int
    checkpoint_every: int
    interleave: bool                 # workers train their shards' halves in turn
    rotate_epochs: bool              # each epoch starts further into the shards (round_part)


class Job:
    """One distributed training job on a started backend (see the module docstring)."""

    def __init__(self, backend: Backend, shards: Sequence[Shard], params: TrainingParams,
                 settings: Settings, checkpoint_dir: str | None,
                 progress: Callable[[Progress], None] | None,
                 rounds_log: list[RoundLog] | None) -> None:
        self.backend, self.shards, self.params, self.settings = backend, shards, params, settings
        self.checkpoint_dir, self.progress, self.rounds_log = checkpoint_dir, progress, rounds_log
        self.model: Word2Vec | None = None
        self.words: list[str] = []
        self.part_words: list[list[int]] = []
        self.states: list[list[ThreadState]] = []
        self.setup: WorkerSetup | None = None
        self.rounds_done = 0
        self.words_done = 0
        self.epoch_loss = 0.0
        self.epoch_predictions = 0.0
        self.started = time.perf_counter()

    # -- start ------------------------------------------------------------------------
    def start_new(self) -> None:
        """Vocabulary from the shards' counts, encodings, a new model, seeded threads."""
        counts = self._all("count", [()] * len(self.shards))
        vocab = shard_vocabulary(counts, self.params.min_count, self.params.max_final_vocab)
        self.model = Word2Vec(vocab, self.params)
        self.words = vocab.words
        self._encode()
        t = self.settings.threads_per_worker
        seeds = _core.thread_seeds(self.params.seed, 0, len(self.shards) * t)
        alpha = float(self.params.alpha)   # type: ignore[arg-type]  # resolved by TrainingParams
        self.states = [[(seeds[w * t + i], alpha, 0) for i in range(t)]
                       for w in range(len(self.shards))]
        self._setup_all()

    def start_from(self, model: Word2Vec, state: dict[str, Any]) -> None:
        """Continue from a checkpoint's model and state."""
        self.model = model
        self.words = model.vocab.words
        self._encode()
        if self.part_words != state["part_words"]:
            raise ValueError("the checkpoint's shards hold other words than the corpus's "
                             "shards now; the corpus changed since the checkpoint was written")
        self.states = [[(int(r), float(a), int(u)) for r, a, u in worker]
                       for worker in state["thread_states"]]
        self.rounds_done, self.words_done = state["rounds_done"], state["words_done"]
        self.epoch_loss, self.epoch_predictions = state["epoch_loss"], state["epoch_predictions"]
        self._setup_all()

    def _encode(self) -> None:
        how = (self.words, self.settings.parts, self.settings.interleave)
        self.part_words = self._all("encode", [how] * len(self.shards))
        if not sum(map(sum, self.part_words)):
            raise ValueError("the corpus has no word of the vocabulary; nothing to train")

    @property
    def total_words(self) -> int:
        return self.params.epochs * sum(map(sum, self.part_words))

    def _setup_all(self) -> None:
        assert self.model is not None
        counts = self.model.vocab.counts
        self.setup = WorkerSetup(params=asdict(self.params), counts=counts,
                                 threads=self.settings.threads_per_worker,
                                 total_words=self.total_words, thread_states=[])
        arrays = self.backend.put(self._arrays())
        words = self.backend.put(self.words)
        self._all("setup", [(self._setup_of(w), arrays, words) for w in range(len(self.shards))])

    def _setup_of(self, worker: int) -> WorkerSetup:
        assert self.setup is not None
        return WorkerSetup(self.setup.params, self.setup.counts, self.setup.threads,
                           self.setup.total_words, self.states[worker])

    def _arrays(self) -> dict[str, np.ndarray]:
        assert self.model is not None
        arrays = {"center_vectors": self.model.center_vectors,
                  "outside_vectors": self.model.outside_vectors}
        if self.model.node_vectors is not None:
            arrays["node_vectors"] = self.model.node_vectors
        return arrays

    # -- calls and recovery -----------------------------------------------------------
    def _all(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        """`method` on every worker; a lost worker is an error here (before rounds)."""
        results = self.backend.call(method, args)
        for result in results:
            if isinstance(result, WorkerLost):
                raise RuntimeError(f"{result} while it ran {method}(); the job cannot go on")
        return results

    def _recover(self, worker: int, spec: RoundSpec) -> RoundReport:
        """Restart a lost worker from the round's starting model and states; re-run its round."""
        assert self.model is not None
        for attempt in range(1, MAX_LOSSES_PER_ROUND + 1):
            logger.warning("worker %d lost in round %d; restarting it (attempt %d)", worker,
                           spec.round, attempt)
            try:
                self._reset(worker)
                report: RoundReport = self.backend.call_one(worker, "run_round", spec)
                return report
            except WorkerLost:
                continue
        raise RuntimeError(f"worker {worker} was lost {MAX_LOSSES_PER_ROUND} times in round "
                           f"{spec.round}; giving up")

    # -- rounds -----------------------------------------------------------------------
    def run(self) -> Word2Vec:
        parts = self.settings.parts
        last = self.params.epochs * parts
        while self.rounds_done < last:
            self._round(self.rounds_done, final=self.rounds_done == last - 1)
            self.rounds_done += 1
            if self.rounds_done % parts == 0:
                self._end_epoch(self.rounds_done // parts)
            if self.checkpoint_dir and (self.rounds_done % self.settings.checkpoint_every == 0
                                        or self.rounds_done == last):
                self._checkpoint()
        assert self.model is not None
        return self.model

    def _specs(self, round_index: int, final: bool) -> list[RoundSpec]:
        part = round_part(round_index, self.settings.parts, self.params.epochs,
                          self.settings.rotate_epochs)
        words = [w[part] for w in self.part_words]
        rows = len(self.words)
        s = self.settings
        if s.frequent_rows is not None and not final and (round_index + 1) % s.rare_sync_every:
            rows = min(rows, s.frequent_rows)
        return [RoundSpec(round_index, part, self.words_done, sum(words) / n if n else 1.0, rows)
                for n in words]

    def _round(self, round_index: int, final: bool) -> None:
        assert self.model is not None
        specs = self._specs(round_index, final)
        reports: list[Any] = self.backend.call("run_round", [(spec,) for spec in specs])
        for w, report in enumerate(reports):
            if isinstance(report, WorkerLost):
                reports[w] = self._recover(w, specs[w])
        computed = time.perf_counter()
        merged, bytes_up = self._pull_and_merge(specs, reports)
        for name, update in merged.items():
            getattr(self.model, name)[update.rows] = update.values
        self.states = [report.thread_states for report in reports]
        handle = self.backend.put(merged)
        for w, done in enumerate(self.backend.call("apply", [(handle,)] * len(reports))):
            if isinstance(done, WorkerLost):   # lost after its round: it restarts from the new model
                self._reset(w)
        round_words = sum(r.words for r in reports)
        round_loss, round_predictions = sum(r.loss for r in reports), sum(r.predictions for r in reports)
        self.words_done += round_words
        self.epoch_loss += round_loss
        self.epoch_predictions += round_predictions
        rows_synced = sum(len(u.rows) for u in merged.values())
        down = sum(u.nbytes for u in merged.values()) * len(reports)
        log = RoundLog(round_index, round_index // self.settings.parts + 1,
                       max(r.seconds for r in reports), time.perf_counter() - computed,
                       bytes_up, down, rows_synced, round_words,
                       round_loss / max(round_predictions, 1.0))
        logger.info("round %d (epoch %d): compute %.2f s, sync %.2f s, %.1f MB up, %.1f MB "
                    "down, %d rows synced, %d words", log.round + 1, log.epoch,
                    log.compute_seconds, log.sync_seconds, log.bytes_up / 1e6,
                    log.bytes_down / 1e6, log.rows_synced, log.words)
        if self.rounds_log is not None:
            self.rounds_log.append(log)
        if self.progress:
            self.progress(self._snapshot(log.epoch))

    def _pull_and_merge(self, specs: list[RoundSpec], reports: list[Any]
                        ) -> tuple[dict[str, RowUpdate], int]:
        """Every worker's changed rows, range by range, merged; a worker lost while its
        rows are pulled re-runs its round (from the unchanged model) and the pull restarts."""
        assert self.model is not None
        while True:
            merged: dict[str, list[RowUpdate]] = {}
            bytes_up = 0
            lost = None
            for name, matrix in self._arrays().items():
                for lo, hi in range_bounds(*matrix.shape):
                    pulled = self.backend.call("changes", [(lo, hi)] * len(reports))
                    lost = next((p for p in pulled if isinstance(p, WorkerLost)), None)
                    if lost is not None:
                        break
                    updates = [p[name] for p in pulled]
                    bytes_up += sum(u.nbytes for u in updates)
                    merged.setdefault(name, []).append(
                        merge_range(matrix, lo, hi, updates, self.settings.merge))
                if lost is not None:
                    break
            if lost is None:
                return {name: concatenate(parts, self.params.dim)
                        for name, parts in merged.items()}, bytes_up
            reports[lost.index] = self._recover(lost.index, specs[lost.index])

    def _reset(self, worker: int) -> None:
        """Restart a lost worker and set it up from the driver's model and its states."""
        self.backend.restart(worker)
        self.backend.call_one(worker, "encode", self.words, self.settings.parts,
                              self.settings.interleave)
        self.backend.call_one(worker, "setup", self._setup_of(worker),
                              self.backend.put(self._arrays()), self.words)

    def _end_epoch(self, epoch: int) -> None:
        assert self.model is not None
        loss = self.epoch_loss / max(self.epoch_predictions, 1.0)
        if not (math.isfinite(loss) and np.isfinite(self.model.center_vectors).all()):
            raise FloatingPointError(f"training diverged in epoch {epoch} (loss {loss}); "
                                     f"lower alpha (got {self.params.alpha})")
        self.model._losses.append(loss)
        logger.info("epoch %d/%d: loss %.4f", epoch, self.params.epochs, loss)
        self.epoch_loss = self.epoch_predictions = 0.0

    def _snapshot(self, epoch: int) -> Progress:
        alpha = min(a for states in self.states for _, a, _ in states)
        loss = self.epoch_loss / max(self.epoch_predictions, 1.0)
        return Progress(min(epoch, self.params.epochs), self.params.epochs, self.words_done,
                        self.total_words, alpha, loss, time.perf_counter() - self.started)

    def _checkpoint(self) -> None:
        assert self.model is not None and self.checkpoint_dir is not None
        state = {"rounds_done": self.rounds_done, "words_done": self.words_done,
                 "epoch_loss": self.epoch_loss, "epoch_predictions": self.epoch_predictions,
                 "thread_states": self.states, "part_words": self.part_words,
                 "shards": [shard.to_json() for shard in self.shards],
                 "settings": asdict(self.settings), "params": asdict(self.params)}
        path = save_checkpoint(self.checkpoint_dir, self.rounds_done, self.model, state)
        logger.info("checkpoint: %s", path)


def resume_state(checkpoint_dir: str, shards: Sequence[Shard], params: TrainingParams,
                 settings: Settings) -> tuple[Word2Vec, dict[str, Any]] | None:
    """The last checkpoint, checked to belong to this job (same shards, settings and
    parameters), or None when there is none yet."""
    found = latest_checkpoint(checkpoint_dir)
    if found is None:
        return None
    model, state = found
    same = {"shards": [s.to_json() for s in shards] == state["shards"],
            "settings": {**asdict(settings), "checkpoint_every": 0}
            == {**state["settings"], "checkpoint_every": 0},
            "training parameters": asdict(params) == state["params"]}
    for what, ok in same.items():
        if not ok:
            raise ValueError(f"the checkpoint in {checkpoint_dir!r} was written by a job with "
                             f"other {what}; resume with the same ones, or use another "
                             "checkpoint_dir")
    return model, state


def work_directory(work_dir: str | None, checkpoint_dir: str | None) -> tuple[str, bool]:
    """Where workers keep their encoded shards, and whether the job made it (and removes
    it at the end): under the checkpoint directory when there is one, so a resumed job
    finds them."""
    if work_dir is not None:
        return os.fspath(work_dir), False
    if checkpoint_dir is not None:
        return os.path.join(checkpoint_dir, "shards"), False
    return tempfile.mkdtemp(prefix="pyw2v-shards-"), True


def round_part(round_index: int, parts: int, epochs: int, rotate: bool) -> int:
    """The slice (of `parts` per epoch) that round `round_index` trains: in order, and
    with `rotate` epoch e starts at slice e * parts // epochs and wraps around.

    Training the same order every epoch costs accuracy: one sequential thread with
    each epoch's start moved on scored 0.5 analogy points higher on corpus-dev, on
    every one of 9 seeds (docs/distributed.md §2).
    """
    epoch, k = divmod(round_index, parts)
    return (k + epoch * parts // epochs) % parts if rotate else k


def sync_parts(sync_every: float) -> int:
    """Rounds per epoch for `sync_every` (a fraction of an epoch, in (0, 1])."""
    if isinstance(sync_every, bool) or not isinstance(sync_every, (int, float)) \
            or not 0 < sync_every <= 1:
        raise ValueError(f"sync_every must be a fraction of an epoch in (0, 1], got "
                         f"{sync_every!r}")
    return max(1, round(1 / sync_every))


def check_settings(workers: int, threads_per_worker: int, merge: str,
                   frequent_rows: int | None, rare_sync_every: int,
                   checkpoint_every: int) -> None:
    """A ValueError naming the first bad setting."""
    for name, value, low in (("workers", workers, 1), ("threads_per_worker", threads_per_worker, 1),
                             ("rare_sync_every", rare_sync_every, 1),
                             ("checkpoint_every", checkpoint_every, 1),
                             ("frequent_rows", frequent_rows, 1)):
        if value is None and name == "frequent_rows":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if merge not in MERGES:
        raise ValueError(f"merge must be one of {MERGES}, got {merge!r}")
