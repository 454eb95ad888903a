"""Where workers run: the protocol the driver speaks, and the serial backend.

A backend starts one Worker per shard and runs a named Worker method on all of
them at once (`call`) or on one (`call_one`). `put` stores a value every
worker will read (the model, a merged delta) once, and hands back what to pass
in its place. A worker that died is reported as a WorkerLost in `call`'s
results (the others' results stay good); `restart` gives that index a fresh
Worker, which the driver then sets up again and re-runs. Any other exception a
worker raises reaches the driver as it was raised.

SerialBackend runs the workers one after another in this process: the same
protocol with no engine, the oracle the algorithm is tested with (and what
`cluster="serial"` runs). pyw2v.distributed.ray_backend is the engine.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pyw2v.distributed.shards import Shard
from pyw2v.distributed.worker import Worker


class WorkerLost(Exception):
    """A worker's process died (or its node was lost) while it ran a method."""

    def __init__(self, index: int, detail: str) -> None:
        super().__init__(f"worker {index} was lost: {detail}")
        self.index = index


class Backend(Protocol):
    """What the driver needs from an engine; see the module docstring."""

    def start(self, shards: Sequence[Shard], work_dir: str) -> None: ...

    @property
    def workers(self) -> int: ...

    def put(self, value: Any) -> Any: ...

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]: ...

    def call_one(self, index: int, method: str, *args: Any) -> Any: ...

    def restart(self, index: int) -> None: ...

    def shutdown(self) -> None: ...


class SerialBackend:
    """Every worker in this process, run one after another (see the module docstring).

    `worker_class` builds the workers (tests pass a subclass that fails on cue).
    """

    def __init__(self, worker_class: Callable[[int, dict[str, Any], str], Worker] = Worker
                 ) -> None:
        self.worker_class = worker_class
        self._workers: list[Worker] = []
        self._starts: list[tuple[int, dict[str, Any], str]] = []

    def start(self, shards: Sequence[Shard], work_dir: str) -> None:
        self._starts = [(shard.index, shard.to_json(), work_dir) for shard in shards]
        self._workers = [self.worker_class(*args) for args in self._starts]

    @property
    def workers(self) -> int:
        return len(self._workers)

    def put(self, value: Any) -> Any:
        return value

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        results: list[Any] = []
        for index, worker_args in enumerate(args):
            try:
                results.append(getattr(self._workers[index], method)(*worker_args))
            except WorkerLost as lost:
                results.append(lost)
        return results

    def call_one(self, index: int, method: str, *args: Any) -> Any:
        return getattr(self._workers[index], method)(*args)

    def restart(self, index: int) -> None:
        self._workers[index] = self.worker_class(*self._starts[index])

    def shutdown(self) -> None:
        self._workers = []
