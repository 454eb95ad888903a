"""pyw2v._threads: cgroup quotas, CPU affinity, OMP_NUM_THREADS and explicit counts."""
import os
import types

import numpy as np
import pytest

from pyw2v import _threads
from pyw2v.params import ParameterTypeError, ParameterValueError


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize("files, limit", [
    ({"cpu.max": "200000 100000\n"}, 2),
    ({"cpu.max": "150000 100000\n"}, 1),                  # rounded down
    ({"cpu.max": "50000 100000\n"}, 1),                   # but never below one
    ({"cpu.max": "max 100000\n"}, None),                  # v2, unlimited
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),   # v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu.max": "garbage", "cpu/cpu.cfs_quota_us": "400000",
      "cpu/cpu.cfs_period_us": "100000"}, 4),             # unreadable v2 falls back to v1
    ({"cpu/cpu.cfs_quota_us": "x", "cpu/cpu.cfs_period_us": "100000"}, None),
    ({}, None),                                           # no cgroup files at all
])
def test_cgroup_quota(tmp_path, files, limit):
    _write(tmp_path, files)
    assert _threads._cgroup_cpu_limit(str(tmp_path)) == limit


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """Four cores in the affinity mask, no cgroup quota, no OMP_NUM_THREADS, OpenMP on."""
    monkeypatch.setattr(_threads, "CGROUP_ROOT", str(tmp_path))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_threads, "_core", types.SimpleNamespace(openmp_enabled=lambda: True))
    return tmp_path


def test_usable_cores_is_the_affinity_mask_capped_by_the_quota(machine):
    assert _threads.usable_cores() == 4
    _write(machine, {"cpu.max": "200000 100000"})
    assert _threads.usable_cores() == 2
    _write(machine, {"cpu.max": "800000 100000"})    # a quota above the mask changes nothing
    assert _threads.usable_cores() == 4


def test_usable_cores_without_sched_getaffinity(machine, monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert _threads.usable_cores() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert _threads.usable_cores() == 1


@pytest.mark.parametrize("env, threads", [
    ("3", 3), ("6", 6), ("4,2", 4), (" 2 ", 2),          # nested lists: the outer level
    ("0", 4), ("-2", 4), ("many", 4), ("", 4),           # not a positive count: ignored
])
def test_omp_num_threads_sets_the_default(machine, monkeypatch, env, threads):
    monkeypatch.setenv("OMP_NUM_THREADS", env)
    assert _threads.effective_threads(None) == threads


def test_default_is_every_usable_core(machine):
    assert _threads.effective_threads(None) == 4
    _write(machine, {"cpu.max": "100000 100000"})
    assert _threads.effective_threads(None) == 1


def test_an_explicit_count_is_used_as_given(machine, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert _threads.effective_threads(7) == 7
    count = _threads.effective_threads(np.int64(3))
    assert count == 3 and type(count) is int


@pytest.mark.parametrize("threads", [0, -1, -8])
def test_zero_and_negative_counts_are_refused(machine, threads):
    with pytest.raises(ParameterValueError, match=r"threads must be >= 1 \(or None") as info:
        _threads.effective_threads(threads)
    assert info.value.param == "threads"


@pytest.mark.parametrize("threads", ["2", 2.0, True])
def test_a_count_that_is_not_an_int_is_refused(machine, threads):
    with pytest.raises(ParameterTypeError, match="threads must be an int or None") as info:
        _threads.effective_threads(threads)
    assert info.value.param == "threads"


def test_without_openmp_training_uses_one_thread(machine, monkeypatch):
    monkeypatch.setattr(_threads, "_core", types.SimpleNamespace(openmp_enabled=lambda: False))
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _threads.effective_threads(None) == 1
    assert _threads.effective_threads(4) == 1
    with pytest.raises(ParameterValueError):   # still checked
        _threads.effective_threads(0)
