"""Layers: every module imports alone, pyw2v's internal imports form no cycle, and
production code never imports the NumPy twin (pyw2v.reference)."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyw2v

PACKAGE = Path(pyw2v.__file__).parent
#: Every importable module: the .py files and the compiled extensions (__main__ runs the CLI),
#: but not a core path this CPU cannot run (its code could die on an illegal instruction).
UNRUNNABLE = {f"_core_{path}" for path in pyw2v._core.PATHS} - {
    f"_core_{path}" for path in pyw2v.simd_levels()}
MODULES = sorted(f"pyw2v.{info.name}" for info in pkgutil.iter_modules([str(PACKAGE)])
                 if info.name != "__main__" and info.name not in UNRUNNABLE)


@pytest.fixture(scope="module")
def lone_imports():
    """`python -c "import pyw2v.X"` for every module, all started at once; X -> result."""
    runs = {name: subprocess.Popen([sys.executable, "-c", f"import {name}"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name in MODULES}
    return {name: (proc.wait(timeout=120), proc.stderr.read()) for name, proc in runs.items()}


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_alone(lone_imports, name):
    code, stderr = lone_imports[name]
    assert code == 0, stderr


def _imported_modules(source: str, module: str, known: set[str]) -> set[str]:
    """The modules of `known` that `source` imports, at module level or inside functions.

    `from pkg import x` is an import of pkg.x when that is a module, else of pkg
    itself (x is then a name its __init__ defines, the kind of import that cycles).
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:   # relative: resolve against the importing module's package
                parts = module.split(".")
                base = parts if "." not in module else parts[:-node.level]   # __init__: itself
                origin = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                name = f"{origin}.{alias.name}"
                found.add(name if name in known else origin)
    return found & known - {module}


def import_graph(root: Path, package: str = "pyw2v") -> dict[str, set[str]]:
    """module -> the modules of `package` (files under `root`) it imports."""
    files = {(package if path.stem == "__init__" else f"{package}.{path.stem}"): path
             for path in root.glob("*.py")}
    known = set(files) | {f"{package}.{info.name}" for info in pkgutil.iter_modules([str(root)])}
    return {name: _imported_modules(path.read_text(), name, known)
            for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path [a, b, ..., a], or None."""
    state: dict[str, str] = {}   # "open" while on the DFS stack, "done" after

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [node])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [])
            if cycle:
                return cycle
    return None


def test_the_graph_sees_every_kind_of_import(tmp_path):
    (tmp_path / "__init__.py").write_text("from pkg.a import f\n")
    (tmp_path / "a.py").write_text("import os\nfrom . import b\n\ndef f():\n    import pkg.c\n")
    (tmp_path / "b.py").write_text("from pkg import c, CONSTANT\n")
    (tmp_path / "c.py").write_text("")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b", "pkg.c"},
                     "pkg.b": {"pkg", "pkg.c"}, "pkg.c": set()}


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"b"}}) == ["b", "b"]


def test_no_import_cycle_in_pyw2v():
    graph = import_graph(PACKAGE)
    assert "pyw2v.model" in graph and graph["pyw2v.model"]   # the graph is not empty
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_production_code_never_imports_the_reference_twin():
    graph = import_graph(PACKAGE)
    users = sorted(name for name, imports in graph.items()
                   if "pyw2v.reference" in imports and name != "pyw2v.reference")
    assert users == []
