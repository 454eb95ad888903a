"""The one place that decides how many threads training uses."""
from __future__ import annotations

import os

from pyw2v import _core


def _cgroup_cpu_limit() -> int | None:
    """CPUs allowed by a cgroup v2 / v1 quota, or None when unlimited or unknown."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            return max(1, int(int(quota) // int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as fh:
            quota_us = int(fh.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as fh:
            period_us = int(fh.read())
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

    None means every usable core (or OMP_NUM_THREADS when set). Without OpenMP
    the answer is always 1. An explicit count is used as given.
    """
    if threads is None:
        threads = usable_cores()
        env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
        if env.isdigit() and int(env) > 0:
            threads = int(env)
    elif isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, got {type(threads).__name__}")
    elif threads < 1:
        raise ValueError(f"threads must be >= 1 (or None for all usable cores), got {threads}")
    return threads if _core.openmp_enabled() else 1
