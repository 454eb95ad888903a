"""One worker of distributed training: its shard, its copy of the model, its trainer.

A backend creates `Worker(index, shard, work_dir)` in a process of its own (or,
for the serial backend, in the driver's) and calls its methods by name; all
that goes in or out is plain data (dicts, lists, NumPy arrays, the frozen
dataclasses below), so a Ray actor holds a Worker unchanged.

The life of a worker: `count` its shard (for the vocabulary), `encode` it once
with the vocabulary (the ids go to a file under work_dir and are memory-mapped;
a restarted worker finds them there; by default in the order of
`interleave_halves`), `setup` with the common model and its
threads' states, then per round `run_round` (train its next slice, find the rows
that changed), `changes` (those rows, one range at a time) and `apply` (the
merged rows every worker then holds).
"""
from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pyw2v._version import __version__
from pyw2v.corpus import EncodedChunk
from pyw2v.distributed.rows import RowUpdate, changed_rows, fingerprints
from pyw2v.distributed.shards import Shard, ShardSource
from pyw2v.encoding import concatenate
from pyw2v.model import Word2Vec
from pyw2v.params import TrainingParams, saved_params
from pyw2v.vocab import Vocabulary

#: Sentences per run when a worker interleaves its shard's halves.
INTERLEAVE_SENTENCES = 20

#: A thread's state in the compiled trainer: (random state, learning rate, words
#: since its last learning-rate refresh); see pyw2v._core.Trainer.thread_states.
ThreadState = tuple[int, float, int]


def interleave_halves(chunk: EncodedChunk,
                      sentences: int = INTERLEAVE_SENTENCES) -> EncodedChunk:
    """The chunk's sentences in the order a worker trains them: `sentences` from its
    first half, then as many from its second half, in turn.

    Text keeps related sentences together (a document, a source, a date), so a worker
    training its shard in corpus order spends each round on one stretch of it, and
    every worker on the same stretch (shards are dealt round-robin). Threads of one
    process do not: each trains its own part of a chunk at the same time. The
    alternation gives a one-thread worker that mixing (README, "Scaling out": +0.4
    analogy points on corpus-dev, median of 6 seeds; interleaving a single process's
    one thread the same way gained about as much, docs/distributed.md §2).
    """
    starts = np.asarray(chunk.sentence_starts, dtype=np.int64)
    n = len(starts) - 1
    half = (n + 1) // 2
    runs = [(a, min(a + sentences, end)) for first in range(0, half, sentences)
            for a, end in ((first, half), (half + first, n)) if a < end]
    if len(runs) < 2:
        return chunk
    ids = np.concatenate([chunk.token_ids[starts[a]:starts[b]] for a, b in runs])
    lengths = np.concatenate([np.diff(starts[a:b + 1]) for a, b in runs])
    new_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_starts[1:])
    return EncodedChunk(ids, new_starts)


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to train: the parameters (TrainingParams as a dict), the
    vocabulary's counts (for subsampling, noise and the Huffman tree), its threads,
    the words of the whole job (for the learning-rate schedule) and its threads'
    states; the model's matrices travel beside it, as one object for all workers."""

    params: dict[str, Any]
    counts: NDArray[np.int64]
    threads: int
    total_words: int
    thread_states: list[ThreadState]


@dataclass(frozen=True)
class RoundSpec:
    """One round for one worker: train slice `part` of its shard (of `parts` per epoch);
    the learning rate goes on from `words_before` words of the whole job, each of this
    worker's words counting `scale` words (the round's words over this worker's);
    report the rows below `sync_rows` (rarer rows stay local this round)."""

    round: int
    part: int
    words_before: int
    scale: float
    sync_rows: int


@dataclass(frozen=True)
class RoundReport:
    """What a round did: words trained, summed loss and predictions, compute seconds,
    the threads' states after it, and the changed rows and bytes waiting in `changes`."""

    worker: int
    words: int
    loss: float
    predictions: float
    seconds: float
    thread_states: list[ThreadState]
    changed_rows: int
    changed_bytes: int


class Worker:
    """See the module docstring."""

    def __init__(self, index: int, shard: dict[str, Any], work_dir: str) -> None:
        self.index = index
        self.shard = Shard.from_json(shard)
        self.work_dir = work_dir
        self.ids: NDArray[np.uint32] | None = None
        self.starts: NDArray[np.int64] | None = None
        self.part_bounds: list[tuple[int, int]] = []
        self.model: Word2Vec | None = None
        self.trainer: Any = None
        self.known: dict[str, NDArray[np.uint64]] = {}
        self.pending: dict[str, RowUpdate] = {}

    def hello(self) -> dict[str, Any]:
        """Where this worker runs (host, pid) and its pyw2v version."""
        return {"worker": self.index, "host": socket.gethostname(), "pid": os.getpid(),
                "version": __version__}

    def count(self) -> dict[str, int]:
        """The token counts of this worker's shard."""
        return dict(ShardSource(self.shard).count())

    def encode(self, words: list[str], parts: int, interleave: bool) -> list[int]:
        """Encode the shard with `words`' ids (once: a file under work_dir, reused by
        a restarted worker), its sentences in interleave_halves' order if `interleave`
        (else the corpus's), and cut it at sentence starts into `parts` slices of
        about equal tokens; returns the tokens of each slice."""
        ids_path, starts_path = self._encoded_paths(words, interleave)
        if not (os.path.exists(ids_path) and os.path.exists(starts_path)):
            index = {word: i for i, word in enumerate(words)}
            chunk = concatenate(list(ShardSource(self.shard).encode(index)))
            if interleave:
                chunk = interleave_halves(chunk)
            os.makedirs(self.work_dir, exist_ok=True)
            for path, array in ((ids_path, chunk.token_ids), (starts_path, chunk.sentence_starts)):
                tmp = f"{path}.{os.getpid()}.tmp.npy"
                np.save(tmp, array)
                os.replace(tmp, path)
        self.ids = np.load(ids_path, mmap_mode="r")
        self.starts = np.load(starts_path, mmap_mode="r")
        n_tokens = int(self.starts[-1])
        targets = [n_tokens * p // parts for p in range(parts + 1)]
        cuts = np.searchsorted(self.starts, targets).tolist()
        cuts[-1] = len(self.starts) - 1
        self.part_bounds = list(zip(cuts[:-1], cuts[1:]))
        return [int(self.starts[b] - self.starts[a]) for a, b in self.part_bounds]

    def _encoded_paths(self, words: list[str], interleave: bool) -> tuple[str, str]:
        """Files named by the shard, the vocabulary and the order, so a stale encoding
        is never reused."""
        key = hashlib.sha256("\n".join(words).encode("utf-8", "surrogatepass"))
        key.update(repr((self.shard.to_json(), interleave)).encode())
        stem = os.path.join(self.work_dir, f"shard-{self.index}-{key.hexdigest()[:16]}")
        return f"{stem}.ids.npy", f"{stem}.starts.npy"

    def setup(self, setup: WorkerSetup, arrays: dict[str, NDArray[np.float32]],
              words: list[str]) -> None:
        """Take the common model (copied: the arrays may be read-only shared memory)
        and build the compiled trainer with the given thread states."""
        params: TrainingParams = saved_params(setup.params)
        vocab = Vocabulary(words, setup.counts)
        node = arrays.get("node_vectors")
        self.model = Word2Vec(vocab, params, np.array(arrays["center_vectors"]),
                              np.array(arrays["outside_vectors"]),
                              node_vectors=None if node is None else np.array(node))
        self.trainer = self.model.compiled_trainer(params, setup.threads, setup.total_words)
        self.trainer.restore_thread_states(setup.thread_states)
        self.known = {name: fingerprints(matrix) for name, matrix in self._matrices().items()}

    def _matrices(self) -> dict[str, NDArray[np.float32]]:
        assert self.model is not None, "setup() comes first"
        out = {"center_vectors": self.model.center_vectors,
               "outside_vectors": self.model.outside_vectors}
        if self.model.node_vectors is not None:
            out["node_vectors"] = self.model.node_vectors
        return out

    def run_round(self, spec: RoundSpec) -> RoundReport:
        """Train slice spec.part of the shard, then find the rows it changed."""
        if self.ids is None or self.starts is None or self.trainer is None:
            raise RuntimeError(f"worker {self.index}: encode() and setup() come before rounds")
        trainer = self.trainer
        started = time.perf_counter()
        words_before, loss_before, predictions_before = (
            trainer.words_done, trainer.loss, trainer.predictions)
        a, b = self.part_bounds[spec.part]
        if b > a:
            first, last = int(self.starts[a]), int(self.starts[b])
            trainer.set_schedule(spec.words_before, spec.scale)
            trainer.train_chunk(self.ids[first:last],
                                np.ascontiguousarray(self.starts[a:b + 1]) - first)
        self.pending = {name: changed_rows(matrix, self.known[name], spec.sync_rows)
                        for name, matrix in self._matrices().items()}
        return RoundReport(self.index, trainer.words_done - words_before,
                           trainer.loss - loss_before, trainer.predictions - predictions_before,
                           time.perf_counter() - started, trainer.thread_states(),
                           sum(len(u.rows) for u in self.pending.values()),
                           sum(u.nbytes for u in self.pending.values()))

    def changes(self, lo: int, hi: int) -> dict[str, RowUpdate]:
        """The changed rows lo <= row < hi of every matrix, with their new values."""
        return {name: update.within(lo, hi) for name, update in self.pending.items()}

    def apply(self, merged: dict[str, RowUpdate]) -> None:
        """Set the merged rows: this worker's copy is the common model again (for
        every row synchronised this round)."""
        matrices = self._matrices()
        for name, update in merged.items():
            matrices[name][update.rows] = update.values
            self.known[name][update.rows] = fingerprints(update.values)
        self.pending = {}
