"""Build the compiled core: Cython + OpenMP, -O3, one core per instruction-set path.

The core (pyw2v/_core.pyx) is compiled once per path into its own module,
pyw2v._core_<path>; pyw2v._core picks the best one the CPU runs, at import. On
x86-64 the paths are baseline (any x86-64), avx2 (x86-64-v3) and avx512
(x86-64-v4); elsewhere only the baseline (on aarch64 it includes NEON). So one
build, or one wheel, runs on any CPU of its architecture at that CPU's speed.

OpenMP is probed by compiling a tiny program; without it every path is built
single-threaded and `pyw2v.openmp_enabled()` reports False. The probes use the
compiler and flags the build uses: CC (may be several words, "ccache gcc"),
CFLAGS and LDFLAGS.

Environment knobs:
  PYW2V_NO_OPENMP=1  build without OpenMP even if the compiler has it
  PYW2V_PORTABLE=1   accepted for old build scripts; every build is portable now
"""
import os
import shlex
import subprocess
import sysconfig
import tempfile

_OPENMP_PROBE = r"""
#include <omp.h>
int main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }
"""
_EMPTY_PROBE = "int main(void) { return 0; }"
_X86_64_PROBE = """
#ifndef __x86_64__
#error not an x86-64 target
#endif
int main(void) { return 0; }
"""

#: path -> candidate flag sets, the first the compiler accepts is used.
X86_PATHS = {
    "baseline": [["-march=x86-64", "-mtune=generic"]],
    "avx2": [["-march=x86-64-v3", "-mtune=generic"],
             ["-mavx2", "-mfma", "-mbmi", "-mbmi2", "-mf16c", "-mlzcnt", "-mmovbe"]],
    "avx512": [["-march=x86-64-v4", "-mtune=generic"],
               ["-march=skylake-avx512", "-mtune=generic"]],
}


def _compiler():
    """The C compiler command as a list of words: CC, else the one Python was built with."""
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def _compiler_accepts(flags, source=_OPENMP_PROBE):
    """True when the C compiler builds and links `source` with CFLAGS, `flags` and LDFLAGS."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as fh:
            fh.write(source)
        cmd = [*_compiler(), *shlex.split(os.environ.get("CFLAGS", "")), src,
               "-o", os.path.join(tmp, "probe"), *flags,
               *shlex.split(os.environ.get("LDFLAGS", ""))]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0


def simd_paths():
    """{path: compiler flags} for each path this compiler can build for its target."""
    if not _compiler_accepts([], _X86_64_PROBE):
        return {"baseline": []}
    paths = {}
    for path, candidates in X86_PATHS.items():
        usable = [flags for flags in candidates if _compiler_accepts(flags, _EMPTY_PROBE)]
        if usable:
            paths[path] = usable[0]
        else:
            print(f"pyw2v: the compiler cannot build the {path} path; skipping it")
    return paths


def openmp_flags():
    """(compile, link) flags for OpenMP, or empty lists (with a notice) without it."""
    if not os.environ.get("PYW2V_NO_OPENMP") and _compiler_accepts(["-fopenmp"]):
        return ["-fopenmp"], ["-fopenmp"]
    print("pyw2v: building WITHOUT OpenMP (training will be single-threaded)")
    return [], []


def extensions():
    """One core module per SIMD path, plus the tokenizer, the phrase counter and the
    n-gram hasher."""
    import numpy
    from setuptools import Extension

    compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math"]
    omp_compile, omp_link = openmp_flags()
    # Python's own CFLAGS carry -fno-strict-overflow (-fwrapv): with wrapping int
    # arithmetic GCC cannot widen the kernels' int indices once per loop, and the
    # compiled loop runs more instructions (callgrind per trained word, dim 100:
    # skip-gram HS batch 12,121 -> 9,978, skip-gram NS batch 4,492 -> 3,751). The
    # core never relies on signed overflow (its RNG works in unsigned 64-bit
    # words), so its modules turn it back off.
    strict = ["-fstrict-overflow"]
    core_args = strict if _compiler_accepts(strict, _EMPTY_PROBE) else []
    modules = [(f"pyw2v._core_{path}", core_args + flags,
                ["pyw2v/_core.pyx", "pyw2v/_core_types.pxi", "pyw2v/_cbow_batch.pxi",
                 "pyw2v/_batch_hs.pxi", "pyw2v/_hot_nodes.pxi", "pyw2v/_subword.pxi",
                 "pyw2v/_kernels.h",
                 "pyw2v/_hs_kernels.h", "pyw2v/_cpu.h"])
               for path, flags in simd_paths().items()]
    modules += [("pyw2v._text", [], ["pyw2v/_text.h"]), ("pyw2v._phrases", [], []),
                ("pyw2v._subwords", [], [])]
    return [
        Extension(name, [f"pyw2v/{name.split('.')[-1]}.pyx"],
                  include_dirs=[numpy.get_include(), "pyw2v"],
                  extra_compile_args=compile_args + flags + omp_compile,
                  extra_link_args=omp_link,
                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                  depends=depends)   # rebuild when a header or an include changes
        for name, flags, depends in modules
    ]


def remove_stale_single_core(package="pyw2v"):
    """Delete a pre-dispatch in-place build of the core (pyw2v/_core.c and
    _core.<abi>.so): an extension module beside pyw2v/_core.py would shadow it
    on import, and the dispatcher with it."""
    for name in os.listdir(package):
        if name == "_core.c" or (name.startswith("_core.") and name.endswith((".so", ".pyd"))):
            os.remove(os.path.join(package, name))
            print(f"pyw2v: removed {package}/{name}, a build from before the per-path core")


def main():
    from Cython.Build import cythonize
    from setuptools import setup
    from setuptools.command.build_ext import build_ext

    class ParallelBuildExt(build_ext):
        """Compiles the extensions in parallel (the core is built three times)."""

        def finalize_options(self):
            super().finalize_options()
            if not self.parallel:
                self.parallel = os.cpu_count() or 1

    remove_stale_single_core()
    directives = {"language_level": "3", "boundscheck": False, "wraparound": False,
                  "cdivision": True, "initializedcheck": False}
    setup(ext_modules=cythonize(extensions(), compiler_directives=directives,
                                nthreads=os.cpu_count() or 1),
          cmdclass={"build_ext": ParallelBuildExt})


if __name__ == "__main__":
    main()
