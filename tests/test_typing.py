"""mypy --strict passes on the package, on a typed client of its public API and on
the README's Python examples; and it fails on a misuse, so these checks can fail.

The settings are pyproject.toml's [tool.mypy]. mypy runs in-process (mypy.api)
from the repository root, so `import pyw2v` resolves to this tree (its .py
files and the compiled modules' .pyi stubs) or, for an installed wheel, to the
installed package, which must then ship py.typed.
"""
import re
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
CLIENT = Path(__file__).with_name("typing_client.py")
STUBTEST_ALLOWLIST = Path(__file__).with_name("stubtest_allowlist.txt")
# Names the README's examples leave to the reader, declared for the checker.
README_PREAMBLE = """\
import pyw2v

sentences: list[list[str]] = [["a", "b"]]
more_sentences: list[list[str]] = [["b", "c"]]
"""


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """Run mypy --strict with the project's settings; (report, exit status)."""
    cache = tmp_path_factory.mktemp("mypy-cache")

    def run(*targets):
        report, errors, status = api.run(
            ["--strict", "--config-file", str(ROOT / "pyproject.toml"),
             "--cache-dir", str(cache), "--no-error-summary", "--hide-error-context",
             *map(str, targets)])
        return report + errors, status
    return run


@pytest.fixture(autouse=True)
def _from_the_repository(monkeypatch):
    monkeypatch.chdir(ROOT)


def readme_python_blocks():
    """The README's ```python blocks, the gensim script ported by the ```diff after it."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    diff = re.search(r"### From gensim\n.*?```diff\n(.*?)```", text, re.S).group(1)
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
    for i, block in enumerate(blocks):
        if removed[0] in block:
            for old, new in zip(removed, added):
                block = block.replace(old, new)
            blocks[i] = block
    return blocks


def write_readme_examples(directory):
    """The README's examples as modules: the gensim script alone, the rest as one session."""
    blocks = readme_python_blocks()
    ported = [b for b in blocks if "load_word2vec_format" in b]
    assert len(ported) == 1 and "gensim" not in ported[0], ported
    session = [b for b in blocks if b is not ported[0]]
    paths = [directory / "readme_session.py", directory / "readme_gensim.py"]
    paths[0].write_text(README_PREAMBLE + "\n".join(session))
    paths[1].write_text(ported[0])
    return paths


def test_package_passes_strict(mypy):
    report, status = mypy("-p", "pyw2v")
    assert status == 0, report


def test_stubs_match_the_compiled_modules(capsys):
    """Every public name of _core, _text, _phrases and _subwords is in its .pyi, with the runtime's
    parameters, and the stubs name nothing the modules lack (mypy.stubtest)."""
    from mypy import stubtest

    options = stubtest.parse_options([
        "--mypy-config-file", str(ROOT / "pyproject.toml"),
        "--allowlist", str(STUBTEST_ALLOWLIST), "pyw2v._core", "pyw2v._text", "pyw2v._phrases",
        "pyw2v._subwords"])
    status = stubtest.test_stubs(options)
    assert status == 0, capsys.readouterr().out


def test_public_api_client_passes_strict(mypy):
    report, status = mypy(CLIENT)
    assert status == 0, report


def test_readme_examples_pass_strict(mypy, tmp_path):
    paths = write_readme_examples(tmp_path)
    assert "pyw2v.train(" in paths[0].read_text()
    report, status = mypy(*paths)
    assert status == 0, report


@pytest.mark.parametrize("line, error", [
    ('model = pyw2v.train("corpus.txt", dim="100")', "arg-type"),
    ('best: str = pyw2v.load_word2vec("v.bin").most_similar("paris", topn=None)',
     "assignment"),
    ("pyw2v.Word2Vec.train_on_corpus", "attr-defined"),
])
def test_a_misuse_fails(mypy, tmp_path, line, error):
    """The README check fails when an example misuses the API."""
    paths = write_readme_examples(tmp_path)
    paths[0].write_text(paths[0].read_text() + line + "\n")
    report, status = mypy(*paths)
    assert status == 1, report
    assert f"[{error}]" in report and "readme_session.py" in report, report
