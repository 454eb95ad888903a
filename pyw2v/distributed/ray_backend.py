"""The Ray backend: each worker a Ray actor, the model shared through Ray's object store.

Kept small on purpose: the algorithm lives in the driver and the Worker, and is
tested on the serial backend; this adapter only maps the backend protocol
(pyw2v.distributed.backends) onto actors. Ray restarts an actor whose process
died (max_restarts); its calls meanwhile fail, which `call` reports as
WorkerLost, and `restart` waits until the new process answers. An exception a
worker raises (a corpus file missing on its node, say) reaches the driver as
itself, not wrapped. Needs the optional extra: ``pip install pyw2v[ray]``.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from typing import Any

from pyw2v.distributed.backends import WorkerLost
from pyw2v.distributed.shards import Shard
from pyw2v.distributed.worker import Worker

#: Seconds to wait for a restarted actor, or for a new one's first answer.
START_TIMEOUT = 120.0


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("distributed training on Ray needs Ray: pip install 'pyw2v[ray]' "
                          "(or pass cluster='serial' to run the workers in this process)"
                          ) from None
    return ray


def check_address(address: str, timeout: float = 5.0) -> None:
    """A ValueError at once for an address nothing listens on (ray.init would retry
    for minutes): "host:port" or "ray://host:port"."""
    where = address.split("://", 1)[-1]
    host, _, port = where.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"cluster address {address!r} is not host:port or ray://host:port")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ValueError(f"no Ray cluster answers at {address!r} ({exc.strerror or exc}); "
                         "start one with `ray start --head` there, or check the address"
                         ) from None


class RayBackend:
    """Workers as Ray actors: on a running cluster at `address`, on the Ray this process
    already started, or on a new local one (`num_cpus` CPUs, `object_store_memory`
    bytes) that shutdown() stops again. `threads_per_worker` CPUs are reserved per
    actor; `runtime_env` goes to the actors (Ray's option)."""

    def __init__(self, address: str | None = None, *, threads_per_worker: int = 1,
                 num_cpus: int | None = None, object_store_memory: int | None = None,
                 runtime_env: dict[str, Any] | None = None, max_restarts: int = 3) -> None:
        self.ray = _ray()
        self.owns_ray = False
        if address:
            check_address(address)
        if not self.ray.is_initialized():
            if address:
                self.ray.init(address=address, log_to_driver=False)
            else:
                self.ray.init(num_cpus=num_cpus, object_store_memory=object_store_memory,
                              include_dashboard=False, log_to_driver=False)
            self.owns_ray = True
        options: dict[str, Any] = dict(num_cpus=threads_per_worker, max_restarts=max_restarts,
                                       max_task_retries=0)
        if runtime_env is not None:
            options["runtime_env"] = runtime_env
        self.actor_class = self.ray.remote(**options)(Worker)
        self.actors: list[Any] = []

    def start(self, shards: Sequence[Shard], work_dir: str) -> None:
        self.actors = [self.actor_class.remote(shard.index, shard.to_json(), work_dir)
                       for shard in shards]
        hosts = self.call("hello", [()] * len(self.actors))
        for index, answer in enumerate(hosts):
            if isinstance(answer, WorkerLost):
                raise RuntimeError(f"worker {index} did not start: {answer}")

    @property
    def workers(self) -> int:
        return len(self.actors)

    def put(self, value: Any) -> Any:
        return self.ray.put(value)

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        refs = [getattr(actor, method).remote(*a) for actor, a in zip(self.actors, args)]
        return [self._get(index, ref) for index, ref in enumerate(refs)]

    def call_one(self, index: int, method: str, *args: Any) -> Any:
        result = self._get(index, getattr(self.actors[index], method).remote(*args))
        if isinstance(result, WorkerLost):
            raise result
        return result

    def _get(self, index: int, ref: Any) -> Any:
        """The call's result; WorkerLost if the actor died; the worker's own exception
        unwrapped; an actor that cannot even start (pyw2v missing on its node) is a
        RuntimeError saying so."""
        exceptions = self.ray.exceptions
        try:
            return self.ray.get(ref)
        except exceptions.RayTaskError as exc:   # the worker's own exception
            raise (exc.cause if isinstance(exc.cause, BaseException) else exc) from None
        except exceptions.RayActorError as exc:
            if isinstance(exc, exceptions.ActorDiedError) and "creation task" in str(exc):
                raise self._start_failure(index, exc) from None
            return WorkerLost(index, str(exc).splitlines()[0])

    @staticmethod
    def _start_failure(index: int, exc: BaseException) -> RuntimeError:
        detail = str(exc).strip().splitlines()
        return RuntimeError(f"worker {index} could not start (does every node have pyw2v, "
                            f"the same version, importable?): {detail[-1] if detail else exc}")

    def restart(self, index: int) -> None:
        """Wait until Ray has restarted the actor and it answers (it starts empty)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            answer = self._get(index, self.actors[index].hello.remote())
            if not isinstance(answer, WorkerLost):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {index} did not come back within {START_TIMEOUT:.0f}"
                                   f" s after it was lost ({answer}); Ray's max_restarts may "
                                   "be used up")
            time.sleep(0.5)

    def shutdown(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor, no_restart=True)
        self.actors = []
        if self.owns_ray:
            self.ray.shutdown()
