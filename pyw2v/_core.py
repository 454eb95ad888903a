"""The compiled core, in the fastest build this CPU runs (chosen once, at import).

setup.py compiles the core (_core.pyx) once per instruction-set path:
pyw2v._core_baseline (any CPU of the architecture), _core_avx2 (x86-64-v3) and
_core_avx512 (x86-64-v4). Choosing per module, not per call, keeps the hot loops
free of indirect calls. The baseline module asks the CPU (and the OS, for the
wide registers) which paths it can run; the best of those that were built is
imported and its names are re-exported here, so `_core.Trainer(...)` is the
chosen build's. `_core.pyi` is the typed interface.

PYW2V_SIMD=baseline|avx2|avx512 forces a path (for tests and benchmarks). A path
this CPU cannot run is an ImportError, never a silent fallback: its code would
die on an illegal instruction.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os

_NOT_BUILT = (f"pyw2v's compiled core is not built in {os.path.dirname(os.path.abspath(__file__))}"
              ": build it there with `pip install -e .`, or run Python from another "
              "directory so that the installed pyw2v is imported")

try:
    from pyw2v import _core_baseline
except ImportError as exc:   # a source tree that was never built (or cwd shadows the install)
    raise ImportError(_NOT_BUILT) from exc

#: Every path, lowest first.
PATHS = ("baseline", "avx2", "avx512")
ENV_VARIABLE = "PYW2V_SIMD"


def _built(path: str) -> bool:
    """True when this package's directory has the module of `path` (a compiler may have
    lacked one). Only that directory counts: an editable install's finder could otherwise
    hand out another tree's build."""
    here = [os.path.dirname(os.path.abspath(__file__))]
    return importlib.machinery.PathFinder.find_spec(f"pyw2v._core_{path}", here) is not None


def runnable_paths() -> tuple[str, ...]:
    """The paths this CPU and OS run and this install has, lowest first."""
    return tuple(path for path in _core_baseline.cpu_paths() if _built(path))


def _chosen_path() -> str:
    """PYW2V_SIMD's path when set (checked), else the best runnable one."""
    runnable = runnable_paths()
    if not runnable:   # the baseline came from elsewhere (an editable install's finder)
        raise ImportError(_NOT_BUILT)
    forced = os.environ.get(ENV_VARIABLE, "").strip().lower()
    if not forced:
        return runnable[-1]
    if forced not in PATHS:
        raise ImportError(f"{ENV_VARIABLE}={forced!r} is not a path; use one of "
                          f"{', '.join(PATHS)} (or unset it for the best this CPU runs)")
    if forced not in runnable:
        raise ImportError(f"{ENV_VARIABLE}={forced!r}: this machine runs only "
                          f"{', '.join(runnable)}; set one of those or unset {ENV_VARIABLE}")
    return forced


SIMD_PATH = _chosen_path()
_module = importlib.import_module(f"pyw2v._core_{SIMD_PATH}")
globals().update({name: value for name, value in vars(_module).items()
                  if not name.startswith("__")})
