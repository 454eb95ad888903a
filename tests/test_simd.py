"""Runtime SIMD dispatch (pyw2v/_core.py): each path module is built for its instruction set,
the best runnable path is the default, PYW2V_SIMD forces a path, and a path the CPU cannot
run or a bad value is a clear ImportError. (The cross-checks against the reference run on
every path in test_core_vs_reference.py, test_knobs.py and test_hs.py.)"""
from __future__ import annotations

import importlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyw2v
from pyw2v import _core

FORCE_AND_REPORT = ("import pyw2v; from pyw2v import _core; "
                    "print(pyw2v.simd_level(), _core.Trainer.__module__, _core.compiled_path())")


def _python(code: str, simd: str | None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYW2V_SIMD"}
    if simd is not None:
        env["PYW2V_SIMD"] = simd
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


def test_each_path_module_is_compiled_for_its_path(simd_core, request):
    path = request.node.callspec.params["simd_core"]
    assert simd_core.compiled_path() == path
    assert pyw2v.model._core is simd_core        # the fixture really swaps what training uses


def test_the_default_is_the_best_path_this_machine_runs():
    done = _python(FORCE_AND_REPORT, None)
    assert done.returncode == 0, done.stderr
    best = pyw2v.simd_levels()[-1]
    assert done.stdout.split() == [best, f"pyw2v._core_{best}", best]


def test_the_cpu_reports_at_least_the_baseline_and_paths_in_order():
    levels = pyw2v.simd_levels()
    assert levels[0] == "baseline"
    assert list(levels) == [path for path in _core.PATHS if path in levels]
    assert pyw2v.simd_level() in levels


@pytest.mark.parametrize("path", pyw2v.simd_levels())
def test_pyw2v_simd_forces_each_runnable_path(path):
    done = _python(FORCE_AND_REPORT, path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [path, f"pyw2v._core_{path}", path]


@pytest.mark.parametrize("value", ["sse", "AVX-512", "native"])
def test_a_bad_pyw2v_simd_value_is_a_clear_import_error(value):
    done = _python("import pyw2v", value)
    assert done.returncode != 0
    assert "ImportError" in done.stderr and "PYW2V_SIMD" in done.stderr
    assert "baseline, avx2, avx512" in done.stderr


def test_a_path_the_cpu_cannot_run_is_an_import_error_not_a_fallback(monkeypatch):
    """Forcing AVX-512 on a CPU without it must not run its code (SIGILL) nor silently
    run another path."""
    class OldCpu:
        @staticmethod
        def cpu_paths():
            return ("baseline",)

    monkeypatch.setattr(_core, "_core_baseline", OldCpu)
    monkeypatch.setenv("PYW2V_SIMD", "avx512")
    with pytest.raises(ImportError, match="runs only baseline"):
        _core._chosen_path()
    monkeypatch.setenv("PYW2V_SIMD", "")
    assert _core._chosen_path() == "baseline"


def test_the_value_is_case_and_space_tolerant(monkeypatch):
    monkeypatch.setenv("PYW2V_SIMD", " Baseline ")
    assert _core._chosen_path() == "baseline"


def _disassembly(path: str) -> str:
    module = importlib.import_module(f"pyw2v._core_{path}")
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", module.__file__],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("objdump") is None or "avx2" not in pyw2v.simd_levels(),
                    reason="needs objdump and an x86-64 build with the avx2 path")
def test_the_baseline_uses_no_avx_registers_and_avx2_no_avx512_ones():
    """The paths differ in the machine code, not only in name: the baseline runs on any
    x86-64 (SSE2 at most), the avx2 path uses 256-bit registers but never AVX-512's."""
    baseline, avx2 = _disassembly("baseline"), _disassembly("avx2")
    assert "%ymm" not in baseline and "%zmm" not in baseline
    assert "%ymm" in avx2 and "%zmm" not in avx2 and "{%k" not in avx2


def test_the_simd_paths_benchmark_prints_a_row_per_path(tmp_path):
    from pyw2v.synthetic import make_corpus

    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks",
                          "simd_paths.py")
    out = subprocess.run([sys.executable, script, "--corpus", str(corpus), "--lines", "300",
                          "--dim", "8", "--repeats", "1"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")]
    assert rows == ["path", *pyw2v.simd_levels()]
    assert "| baseline | " in out and "(1.00x)" in out


def test_only_builds_beside_the_dispatcher_count(monkeypatch, tmp_path):
    """A path module found elsewhere (another tree, via an editable install's finder)
    is not this install's: it could be a different build of the core."""
    assert all(_core._built(path) for path in pyw2v.simd_levels())
    monkeypatch.setattr(_core, "__file__", str(tmp_path / "_core.py"))
    assert not any(_core._built(path) for path in _core.PATHS)


def test_an_unbuilt_source_tree_says_how_to_build_it(tmp_path):
    """Importing a checkout whose core was never compiled names the fix, not a circular import."""
    package = Path(pyw2v.__file__).parent
    shutil.copytree(package, tmp_path / "pyw2v",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    done = subprocess.run([sys.executable, "-c", "import pyw2v"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "compiled core is not built in" in done.stderr and "pip install -e ." in done.stderr


#: The prefetch instruction pyw2v_prefetch_line emits, by machine.
PREFETCH_MNEMONIC = {"x86_64": "prefetcht0", "AMD64": "prefetcht0",
                     "aarch64": "prfm", "arm64": "prfm"}


@pytest.mark.parametrize("path", _core.PATHS)
def test_each_built_path_prefetches_rows(path):
    """The drivers prefetch every row a step will touch; GCC once deleted every
    prefetch of the core (it judged the helper pure and its calls dead), silently,
    at a cost of about a tenth of the NS kernels' speed. The built module must have them."""
    mnemonic = PREFETCH_MNEMONIC.get(platform.machine())
    objdump = shutil.which("objdump")
    if mnemonic is None or objdump is None:
        pytest.skip("needs objdump and an x86-64 or aarch64 build")
    if not _core._built(path):
        pytest.skip(f"the {path} path is not built here")
    module = importlib.util.find_spec(f"pyw2v._core_{path}").origin
    listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", module],
                             capture_output=True, text=True, timeout=300, check=True).stdout
    found = listing.count(f"\t{mnemonic}")
    assert found >= 20, f"{module} has {found} prefetch instructions"
