"""Running a benchmark under valgrind's callgrind and reading the compiled loop's counts.

Instruction counts (and simulated cache misses) do not depend on how busy the
machine is, so the benchmarks compare kernels with them where timings on a
shared machine cannot. The compiled training loop is the OpenMP outlined body
of `Trainer.train_chunk` (`..._train_chunk._omp_fn.0` in callgrind's names); its
inclusive count covers every kernel step, the subsampling and the draws, and
nothing of Python's.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

LOOP = re.compile(r"train_chunk\._omp_fn")
_CACHE = Path("/sys/devices/system/cpu/cpu0/cache/index3")


def available() -> bool:
    """Whether valgrind and callgrind_annotate are installed."""
    return shutil.which("valgrind") is not None and shutil.which("callgrind_annotate") is not None


def last_level_cache() -> str | None:
    """valgrind's --LL value (size,associativity,line size) for this machine's L3, or None."""
    try:
        size = (_CACHE / "size").read_text().strip()
        ways = int((_CACHE / "ways_of_associativity").read_text())
        line = int((_CACHE / "coherency_line_size").read_text())
    except (OSError, ValueError):
        return None
    units = {"K": 1 << 10, "M": 1 << 20}
    number = int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
    return f"{number},{ways},{line}"


def run(command: list[str], out_file: Path, cache_sim: bool = False,
        extra: list[str] | None = None) -> str:
    """Run `command` under callgrind, counts written to `out_file`; return its stdout.
    cache_sim adds the cache simulation with this machine's L3 as the last level;
    `extra` are more callgrind options."""
    options = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *(extra or [])]
    if cache_sim:
        options.append("--cache-sim=yes")
        geometry = last_level_cache()
        if geometry is not None:
            options.append(f"--LL={geometry}")
    done = subprocess.run(options + command, capture_output=True, text=True, check=True)
    return done.stdout


def loop_counts(out_file: Path) -> dict[str, int]:
    """The compiled loop's inclusive counts by event (Ir, and with the cache
    simulation D1mr, DLmr, ...): the largest entry callgrind_annotate lists for it."""
    report = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--auto=no",
                             "--threshold=100", str(out_file)],
                            capture_output=True, text=True, check=True).stdout
    events: list[str] = []
    best: dict[str, int] = {}
    for line in report.splitlines():
        if line.startswith("Events shown:"):
            events = line.split(":", 1)[1].split()
        elif LOOP.search(line):
            counts = dict(zip(events, _leading_counts(line)))
            if counts.get("Ir", 0) > best.get("Ir", 0):
                best = counts
    if not best:
        raise RuntimeError(f"no train_chunk._omp_fn entry in {out_file}: did training run?")
    return best


def _leading_counts(line: str) -> list[int]:
    """The event columns of a callgrind_annotate line ("." is zero; percentages skipped)."""
    counts = []
    for field in re.sub(r"\([^)]*\)", " ", line).split():
        if field == ".":
            counts.append(0)
        elif re.fullmatch(r"[\d,]+", field):
            counts.append(int(field.replace(",", "")))
        else:
            break
    return counts


def last_level_misses(counts: dict[str, int]) -> int:
    """Last-level cache misses (instruction reads, data reads, data writes)."""
    return sum(counts.get(event, 0) for event in ("ILmr", "DLmr", "DLmw"))
