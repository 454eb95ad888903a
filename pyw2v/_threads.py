"""The one place that decides how many threads training uses."""
from __future__ import annotations

import os

from pyw2v import _core
from pyw2v.params import ParameterValueError, check

#: Where the cgroup CPU controller is mounted; tests point it at a directory of their own.
CGROUP_ROOT = "/sys/fs/cgroup"
#: The most threads training accepts. Far more threads than cores only slows Hogwild
#: training, and past some count the OpenMP runtime aborts the process ("Thread
#: creation failed") instead of raising; a fixed limit keeps a command line that works
#: on one machine working on another.
MAX_THREADS = 1024


def _read(root: str, name: str) -> str:
    with open(os.path.join(root, name)) as fh:
        return fh.read()


def _cgroup_cpu_limit(root: str | None = None) -> int | None:
    """CPUs allowed by a cgroup v2 / v1 quota under `root` (default CGROUP_ROOT),
    rounded down but at least 1, or None when unlimited or unknown."""
    root = CGROUP_ROOT if root is None else root
    try:
        quota, period = _read(root, "cpu.max").split()[:2]
        if quota != "max":
            return max(1, int(int(quota) // int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        quota_us = int(_read(root, "cpu/cpu.cfs_quota_us"))
        period_us = int(_read(root, "cpu/cpu.cfs_period_us"))
        return max(1, quota_us // period_us) if quota_us > 0 else None
    except (OSError, ValueError):
        return None


def usable_cores() -> int:
    """Cores this process may run on: affinity mask, capped by the cgroup CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return max(1, min(cores, limit) if limit else cores)


def effective_threads(threads: int | None) -> int:
    """Thread count for training.

    None means every usable core, at most MAX_THREADS (or OMP_NUM_THREADS when
    set to a positive count). Without OpenMP the answer is always 1. An explicit
    count is used as given; 0, negative counts and counts above MAX_THREADS
    (explicit or from OMP_NUM_THREADS) are refused (ParameterValueError, param
    "threads") before any thread starts.
    """
    check({"threads": threads})
    source = "threads"
    if threads is None:
        threads = min(usable_cores(), MAX_THREADS)
        env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
        if env.isdigit() and int(env) > 0:
            threads, source = int(env), "OMP_NUM_THREADS"
    if threads > MAX_THREADS:
        raise ParameterValueError(
            "threads", f" must be at most {MAX_THREADS} (pyw2v._threads.MAX_THREADS), got "
            f"{threads}{' from OMP_NUM_THREADS' if source != 'threads' else ''}; more threads "
            f"than cores only slows training: leave it unset for every usable core "
            f"({usable_cores()} here)")
    return int(threads) if _core.openmp_enabled() else 1
