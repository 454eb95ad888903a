"""setup.py's compiler probes use the build's compiler and flags: a multi-word CC
("ccache gcc", here "env gcc"), CFLAGS and LDFLAGS; and they find the SIMD paths and OpenMP."""
from __future__ import annotations

import importlib.util
import platform
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

SETUP = Path(__file__).resolve().parents[1] / "setup.py"
NEEDS_MACRO = """
#ifndef PYW2V_PROBE_MACRO
#error CFLAGS did not reach the probe
#endif
int main(void) { return 0; }
"""


@pytest.fixture
def setup_py(monkeypatch):
    """setup.py as a module (its setup() runs only as __main__), under CC="env gcc"."""
    for name in ("CFLAGS", "LDFLAGS", "PYW2V_NO_OPENMP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CC", "env gcc")
    spec = importlib.util.spec_from_file_location("pyw2v_setup", SETUP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_multi_word_cc_is_split_into_its_words(setup_py, monkeypatch):
    assert setup_py._compiler() == ["env", "gcc"]
    monkeypatch.setenv("CC", "ccache  gcc -m64")
    assert setup_py._compiler() == ["ccache", "gcc", "-m64"]


def test_a_multi_word_cc_compiles(setup_py):
    assert setup_py._compiler_accepts([], setup_py._EMPTY_PROBE)


def test_cflags_reach_the_probe(setup_py, monkeypatch):
    assert not setup_py._compiler_accepts([], NEEDS_MACRO)
    monkeypatch.setenv("CFLAGS", "-O2 -DPYW2V_PROBE_MACRO")
    assert setup_py._compiler_accepts([], NEEDS_MACRO)


def test_ldflags_reach_the_probe(setup_py, monkeypatch):
    monkeypatch.setenv("LDFLAGS", "-lpyw2v_no_such_library")
    assert not setup_py._compiler_accepts([], setup_py._EMPTY_PROBE)


def test_a_missing_compiler_is_a_failed_probe_not_a_crash(setup_py, monkeypatch):
    monkeypatch.setenv("CC", "pyw2v-no-such-compiler")
    assert not setup_py._compiler_accepts([], setup_py._EMPTY_PROBE)
    assert setup_py.simd_paths() == {"baseline": []}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 paths")
def test_x86_64_gets_three_paths_each_with_its_flags(setup_py):
    paths = setup_py.simd_paths()
    assert list(paths) == ["baseline", "avx2", "avx512"]
    assert paths["baseline"][0] == "-march=x86-64"
    assert paths["avx2"] in setup_py.X86_PATHS["avx2"]
    assert paths["avx512"] in setup_py.X86_PATHS["avx512"]


def test_no_openmp_is_honoured(setup_py, monkeypatch, capsys):
    assert setup_py.openmp_flags() == (["-fopenmp"], ["-fopenmp"])
    monkeypatch.setenv("PYW2V_NO_OPENMP", "1")
    assert setup_py.openmp_flags() == ([], [])
    assert "WITHOUT OpenMP" in capsys.readouterr().out


def test_a_pre_dispatch_core_build_is_removed(setup_py, tmp_path, capsys):
    """An old in-place pyw2v/_core.<abi>.so would shadow pyw2v/_core.py on import."""
    package = tmp_path / "pyw2v"
    package.mkdir()
    stale = ["_core.c", "_core.cpython-311-x86_64-linux-gnu.so"]
    kept = ["_core.py", "_core.pyi", "_core_avx2.c", "_core_avx2.cpython-311-x86_64-linux-gnu.so"]
    for name in stale + kept:
        (package / name).write_text("")
    setup_py.remove_stale_single_core(str(package))
    assert sorted(p.name for p in package.iterdir()) == sorted(kept)
    assert "_core.cpython-311-x86_64-linux-gnu.so" in capsys.readouterr().out
