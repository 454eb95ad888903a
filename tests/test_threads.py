"""pyw2v._threads: cgroup quotas, CPU affinity, OMP_NUM_THREADS and explicit counts."""
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import pyw2v
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


@pytest.mark.parametrize("threads", [_threads.MAX_THREADS + 1, 10**6])
def test_counts_above_the_limit_are_refused(machine, threads):
    assert _threads.effective_threads(_threads.MAX_THREADS) == _threads.MAX_THREADS
    with pytest.raises(ParameterValueError, match=f"threads must be at most 1024 .*got "
                       f"{threads}; .*leave it unset for every usable core \\(4 here\\)") as info:
        _threads.effective_threads(threads)
    assert info.value.param == "threads"


def test_omp_num_threads_above_the_limit_is_refused_by_name(machine, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "5000")
    with pytest.raises(ParameterValueError, match="got 5000 from OMP_NUM_THREADS"):
        _threads.effective_threads(None)
    assert _threads.effective_threads(2) == 2          # an explicit count wins


def test_the_default_never_exceeds_the_limit(machine, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(3000)), raising=False)
    assert _threads.effective_threads(None) == _threads.MAX_THREADS


def test_a_million_threads_is_an_error_not_an_abort(planted, tmp_path):
    """Before the limit, the OpenMP runtime ended the process ("Thread creation failed")."""
    with pytest.raises(ParameterValueError, match="threads must be at most 1024"):
        pyw2v.train(planted.sentences[:100], threads=10**6)
    model = pyw2v.train(planted.sentences[:500], dim=8, epochs=1, threads=2)
    with pytest.raises(ParameterValueError, match="threads must be at most 1024"):
        model.train(planted.sentences[:100], threads=10**6)
    corpus = tmp_path / "corpus.txt"
    planted.write_text(corpus)
    run = subprocess.run([sys.executable, "-m", "pyw2v", "-train", str(corpus), "-output",
                          str(tmp_path / "v.txt"), "-threads", "1000000"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().endswith("pyw2v train: error: --threads (-threads) must be at "
                                       "most 1024 (pyw2v._threads.MAX_THREADS), got 1000000; "
                                       "more threads than cores only slows training: leave it "
                                       f"unset for every usable core ({_threads.usable_cores()} "
                                       "here)")
    assert "Thread creation failed" not in run.stderr and not (tmp_path / "v.txt").exists()
