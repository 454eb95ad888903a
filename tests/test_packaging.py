"""What a release ships: the license, the typing files, the changelog entry, one version.

The fast tests read the source tree and pyproject.toml. The slow test builds the sdist and
the wheel with `python -m build` (a few minutes: it compiles the core) and checks their
file lists: Cython sources but no generated C in the sdist, tests for packagers, and the
compiled modules with their stubs and `py.typed` in the wheel.
"""
from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:   # Python 3.9/3.10: the test extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pyw2v"
#: `## 0.2.0 (unreleased)`, `## 0.1.0 (2026-05-01)` or `## 0.1.0`.
HEADING = re.compile(r"^## (\d+\.\d+\.\d+\S*)(?: \((unreleased|\d{4}-\d{2}-\d{2})\))?$", re.M)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _version() -> str:
    """The version as pyw2v/_version.py states it, read without importing the package."""
    found = re.search(r'^__version__ = "([^"]+)"$',
                      (PACKAGE / "_version.py").read_text(encoding="utf-8"), re.M)
    assert found, "pyw2v/_version.py must assign __version__ = \"X.Y.Z\" on one line"
    return found.group(1)


def _package_data() -> list[str]:
    return _pyproject()["tool"]["setuptools"]["package-data"]["pyw2v"]


def _shipped(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in _package_data())


def _changelog_versions() -> list[tuple[str, str]]:
    """(version, date or 'unreleased') of each `## VERSION (...)` heading, newest first."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return [(m.group(1), m.group(2) or "") for m in HEADING.finditer(text)]


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


# ---------------------------------------------------------------- license

def test_license_file_is_mit_and_declared():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the pyw2v authors" in text
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]


def test_classifiers_match_requires_python():
    project = _pyproject()["project"]
    floor = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert floor, f"requires-python {project['requires-python']!r}: expected '>=3.N'"
    minors = sorted(int(c.rsplit(".", 1)[1]) for c in project["classifiers"]
                    if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c))
    assert minors == list(range(int(floor.group(1)), minors[-1] + 1)), minors
    assert "Typing :: Typed" in project["classifiers"]


def test_release_matrix_builds_the_classified_pythons():
    """[tool.cibuildwheel] builds a wheel for each Python the classifiers name."""
    project, matrix = _pyproject()["project"], _pyproject()["tool"]["cibuildwheel"]
    classified = {c.rsplit(" ", 1)[1].replace(".", "") for c in project["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    built = {selector.split("-")[0][2:] for selector in matrix["build"].split()}
    assert built == classified
    assert matrix["linux"]["archs"] == ["x86_64", "aarch64"]
    assert matrix["macos"]["archs"] == ["arm64"]
    assert matrix["test-extras"] == "test"


# ---------------------------------------------------------------- typing files

def test_py_typed_exists_and_is_package_data():
    assert (PACKAGE / "py.typed").is_file()
    assert _shipped("py.typed")


def _stub_name(module: str) -> str:
    """The stub that types a compiled module: the per-CPU-path builds of the core
    (_core_baseline, _core_avx2, ...) are reached only through pyw2v._core."""
    return "_core" if module.startswith("_core_") else module


def test_every_compiled_module_has_a_shipped_stub():
    compiled = sorted({_stub_name(path.stem) for path in PACKAGE.glob("*.pyx")})
    assert compiled, "no .pyx found: the test reads the wrong directory"
    missing = [name for name in compiled if not (PACKAGE / f"{name}.pyi").is_file()]
    assert not missing, f"compiled modules without a .pyi stub: {missing}"
    assert all(_shipped(f"{name}.pyi") for name in compiled)


def test_package_data_globs_all_match_files():
    """A glob matching nothing ships nothing: the py.typed-listed-but-absent mistake."""
    for pattern in _package_data():
        assert list(PACKAGE.glob(pattern)), f"package-data {pattern!r} matches no file"


def test_generated_c_is_never_package_data_and_excluded_from_the_sdist():
    assert not _shipped("_core.c")
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    assert "pyw2v/*.c" in manifest


# ---------------------------------------------------------------- version and changelog

def test_version_is_single_sourced():
    assert _pyproject()["project"]["dynamic"] == ["version"]
    assert "version" not in _pyproject()["project"]
    dynamic = _pyproject()["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "pyw2v._version.__version__"}
    import pyw2v
    assert pyw2v.__version__ == _version()
    # no other file restates the version
    stated = [path.name for path in PACKAGE.glob("*.py")
              if path.name != "_version.py" and _version() in path.read_text(encoding="utf-8")]
    assert not stated, f"the version is written out in {stated}; import it from _version"


def test_changelog_has_the_current_version():
    entries = _changelog_versions()
    versions = [version for version, _ in entries]
    assert _version() in versions, f"CHANGELOG.md has no '## {_version()} (...)' heading"
    assert _release(versions[0]) >= _release(_version()), "newest entry first"
    unreleased = [version for version, date in entries if date == "unreleased"]
    assert unreleased in ([], versions[:1]), "only the newest entry may be unreleased"
    assert versions == sorted(versions, key=_release, reverse=True)


# ---------------------------------------------------------------- the built files (slow)

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(sdist names, wheel names, sdist path, wheel path) from `python -m build`."""
    pytest.importorskip("build.__main__")   # a checkout's build/ folder is not pypa build
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    sdist, = out.glob("*.tar.gz")
    wheel, = out.glob("*.whl")
    with tarfile.open(sdist) as tar:
        sdist_names = [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]
    with zipfile.ZipFile(wheel) as whl:
        wheel_names = whl.namelist()
    return sdist_names, wheel_names, sdist, wheel


@pytest.mark.slow
def test_sdist_ships_sources_and_tests_not_generated_c(built):
    names, _, sdist, _ = built
    assert sdist.name == f"pyw2v-{_version()}.tar.gz"
    assert not [n for n in names if n.endswith((".c", ".so", ".pyc"))], names
    for pyx in PACKAGE.glob("*.pyx"):
        assert f"pyw2v/{pyx.name}" in names
    for required in ("LICENSE", "CHANGELOG.md", "README.md", "setup.py", "pyproject.toml",
                     "tests/conftest.py", "tests/test_train.py", "docs/math.md", ".ci/run",
                     "pyw2v/_kernels.h", "pyw2v/_core.pyx", "pyw2v/py.typed"):
        assert required in names, f"{required} missing from the sdist"


@pytest.mark.slow
def test_wheel_ships_extensions_stubs_and_py_typed(built):
    _, names, _, wheel = built
    assert wheel.name.startswith(f"pyw2v-{_version()}-")
    assert not [n for n in names if n.endswith(".c")], names
    for pyx in PACKAGE.glob("*.pyx"):
        if pyx.name == "_core.pyx":   # the core's source, built as the _core_<path> modules
            continue
        assert [n for n in names if re.fullmatch(rf"pyw2v/{pyx.stem}\..*\.so", n)], pyx.stem
        assert f"pyw2v/{_stub_name(pyx.stem)}.pyi" in names
    assert "pyw2v/py.typed" in names
    assert f"pyw2v-{_version()}.dist-info/licenses/LICENSE" in names
