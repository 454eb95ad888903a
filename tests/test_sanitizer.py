"""The compiled code under AddressSanitizer: no out-of-bounds access, no use after free.

Slow (two Cython translations and two unoptimised C builds, then training under
ASan), so it is marked slow and runs only when asked for:

    pytest --runslow tests/test_sanitizer.py       # or: pytest -m slow

What it does, by hand:

    cp pyw2v/*.py pyw2v/*.pyx pyw2v/*.pxi pyw2v/*.h pyw2v/*.pyi $TMP/pyw2v/
    cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True \\
        -X initializedcheck=False $TMP/pyw2v/_core_baseline.pyx   # (and _text.pyx)
    gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer -fopenmp \\
        -march=native -I<python include> -I<numpy include> -I$TMP/pyw2v \\
        $TMP/pyw2v/_core_baseline.c -o $TMP/pyw2v/_core_baseline$(python3-config --extension-suffix)
    LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \\
        PYTHONPATH=$TMP python train_script.py

The script trains skip-gram and CBOW (every kernel and loss) with 2 and 4
threads on a text file with a tiny vocabulary and lines of over 30,000 tokens
(then token lists, pruning, save, memory-mapped load and resumed training), and
last a diverging run whose NaN scores must end in FloatingPointError, not in a
read outside the sigmoid tables.

The directives are setup.py's: bounds checks stay off, so ASan sees the raw
accesses the release build makes. Leak detection is off because CPython itself
keeps memory until exit.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRECTIVES = ["boundscheck=False", "wraparound=False", "cdivision=True",
              "initializedcheck=False"]

TRAIN = textwrap.dedent("""
    import os, sys, warnings
    import numpy as np
    root, tmp = sys.argv[1], sys.argv[2]
    import pyw2v
    from pyw2v import _core, _core_baseline, _text, corpus
    assert _core_baseline.__file__.startswith(root) and _text.__file__.startswith(root)
    assert pyw2v.simd_level() == "baseline"   # the only path built here
    warnings.simplefilter("ignore", UnicodeWarning)

    # A tiny vocabulary (Hogwild collisions on every update), lines far longer than
    # MAX_SENTENCE_LENGTH (segments are cut), tokens longer than 16 bytes (the
    # scanner's arena), invalid UTF-8 and every kind of ASCII whitespace.
    rng = np.random.default_rng(0)
    words = [b"a", b"b", b"c", b"d", b"e", b"a-token-longer-than-sixteen-bytes", b"caf\\xe9"]
    seps = [b" ", b"\\t", b" \\x0b ", b"  "]
    lines = []
    for i in range(5):
        n = 3 * _core.MAX_SENTENCE_LENGTH + 1000 * i + 7
        picks = rng.integers(0, len(words), n)
        lines.append(b"".join(words[j] + seps[j % len(seps)] for j in picks))
    lines += [b"a b", b"", b"c"]
    path = os.path.join(tmp, "corpus.txt")
    with open(path, "wb") as fh:
        fh.write(b"\\r\\n".join(lines) + b"\\n")
    corpus.BLOCK_BYTES = 40_000        # many blocks, cut inside lines

    variants = [{"model": "skipgram"}, {"model": "cbow"}]
    if "kernel" in pyw2v.TrainingParams.__dataclass_fields__:
        variants.append({"model": "skipgram", "kernel": "batch"})
        variants += [{"model": "cbow", "kernel": "window"},
                     {"model": "cbow", "kernel": "batch", "batch_windows": 64}]
    variants += [{"model": "skipgram", "loss": "hs", "negative": 0},
                 {"model": "cbow", "loss": "hs"}, {"model": "skipgram", "loss": "softmax"},
                 {"model": "cbow", "loss": "softmax"}]
    for variant in variants:
        for threads, dim in ((2, 13), (4, 64)):     # a vector tail, and full vectors
            m = pyw2v.train(path, dim=dim, window=5, min_count=1, sample=1e-2, epochs=2,
                            threads=threads, seed=threads, **{"negative": 5, **variant})
            assert np.isfinite(m.center_vectors).all() and np.isfinite(m.loss_history).all()
            print(variant, threads, dim, len(m.vocab), m.loss_history.round(3).tolist())
    sentences = [line.decode("utf-8", "replace").split() for line in lines]
    m = pyw2v.train(sentences, dim=7, min_count=1, epochs=1, threads=3, exact_sigmoid=True)
    m = pyw2v.train(path, dim=5, min_count=1, epochs=1, threads=2, max_vocab_size=3)
    m.save(os.path.join(tmp, "model"))
    again = pyw2v.load_model(os.path.join(tmp, "model"), mmap=True)
    again.train(path, epochs=1, threads=2)
    m = pyw2v.train(path, dim=6, min_count=1, epochs=1, threads=2, loss="hs")
    m.save(os.path.join(tmp, "hs-model"))
    pyw2v.load_model(os.path.join(tmp, "hs-model"), mmap=True).train(path, threads=2)
    print("ASAN-RUN-OK", len(again.vocab))

    # Divergence: NaN scores must be reported (FloatingPointError), never used as an
    # index into the sigmoid tables.
    for variant in variants:
        try:
            pyw2v.train(path, dim=8, min_count=1, alpha=5.0, sample=0, epochs=2, threads=2,
                        **{"negative": 5, **variant})
            raise AssertionError("alpha=5 did not diverge")
        except FloatingPointError as exc:
            assert "alpha" in str(exc)
    print("ASAN-DIVERGENCE-OK")
""")


def _libasan() -> str | None:
    cc = shutil.which("gcc")
    if cc is None:
        return None
    found = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True,
                           text=True).stdout.strip()
    return found if os.path.isabs(found) and os.path.exists(found) else None


def _build(package: str) -> None:
    """Cython-translate and compile both extensions with -fsanitize=address."""
    include = [sysconfig.get_paths()["include"], np.get_include(), package]
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for name in ("_core_baseline", "_text"):
        source = os.path.join(package, f"{name}.pyx")
        translate = [sys.executable, "-m", "cython", "-3", source, "-o",
                     os.path.join(package, f"{name}.c"), "-I", package]
        for directive in DIRECTIVES:
            translate += ["-X", directive]
        done = subprocess.run(translate, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        compile_ = ["gcc", "-shared", "-fPIC", "-O1", "-g", "-fsanitize=address",
                    "-fno-omit-frame-pointer", "-fopenmp", "-march=native",
                    "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION",
                    *(f"-I{path}" for path in include),
                    os.path.join(package, f"{name}.c"),
                    "-o", os.path.join(package, f"{name}{suffix}")]
        done = subprocess.run(compile_, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]


def test_training_is_clean_under_address_sanitizer(tmp_path):
    libasan = _libasan()
    if libasan is None:
        pytest.skip("needs gcc with libasan")
    started = time.perf_counter()
    root = tmp_path / "asan"
    package = root / "pyw2v"
    package.mkdir(parents=True)
    for name in os.listdir(os.path.join(ROOT, "pyw2v")):
        if name.endswith((".py", ".pyx", ".pxd", ".pxi", ".h", ".pyi")):
            shutil.copy(os.path.join(ROOT, "pyw2v", name), package / name)
    _build(str(package))
    built = time.perf_counter()
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "LD_PRELOAD": libasan, "PYTHONPATH": str(root),
           "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:halt_on_error=1",
           "OMP_NUM_THREADS": "4"}
    done = subprocess.run([sys.executable, "-c", TRAIN, str(root), str(work)], env=env,
                          cwd=str(work), capture_output=True, text=True, timeout=1800)
    print(f"build {built - started:.0f} s, run {time.perf_counter() - built:.0f} s")
    print(done.stdout)
    assert "ERROR: AddressSanitizer" not in done.stderr, done.stderr[-6000:]
    assert done.returncode == 0, done.stderr[-6000:]
    assert "ASAN-RUN-OK" in done.stdout and "ASAN-DIVERGENCE-OK" in done.stdout
