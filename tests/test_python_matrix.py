"""scripts/python_matrix.sh, the every-Python check: it names an interpreter it cannot run
before building anything, and (slow, ~2 minutes) builds the sdist, a wheel from it in a
fresh venv, and runs the sdist's tests against the installed wheel, not the source tree.
"""
from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "python_matrix.sh"


def _matrix(*args: str, work: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYW2V_MATRIX_DIR": str(work)})


def test_an_interpreter_that_is_not_there_is_named_and_nothing_is_built(tmp_path):
    done = _matrix("2.1", work=tmp_path, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no working interpreter for '2.1'" in done.stderr
    assert not (tmp_path / "sdist").exists()


@pytest.mark.slow
def test_the_installed_wheel_passes_the_selected_tests(tmp_path):
    done = _matrix(sys.executable, "--", "tests/test_imports.py", work=tmp_path, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = re.search(rf"^Python {re.escape(platform.python_version())} +pyw2v-\S+\.whl"
                        r" \| (\d+) passed.* \| wall \d+ s$", done.stdout, re.M)
    assert summary and int(summary.group(1)) > 0, done.stdout
    assert re.search(r"pyw2v imported from \S+/site-packages/pyw2v/__init__\.py$",
                     done.stderr, re.M), done.stderr
