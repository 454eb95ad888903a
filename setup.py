"""Build the compiled core: Cython + OpenMP, -O3.

OpenMP is probed by compiling a tiny program; without it the extension is built
single-threaded and `pyw2v.openmp_enabled()` reports False.

Environment knobs:
  PYW2V_PORTABLE=1   do not add -march=native (for wheels meant for other machines)
  PYW2V_NO_OPENMP=1  build without OpenMP even if the compiler has it
"""
import os
import subprocess
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

_OPENMP_PROBE = r"""
#include <omp.h>
int main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }
"""


def _compiler_accepts(flags, source=_OPENMP_PROBE):
    """True when the C compiler builds and links `source` with `flags`."""
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as fh:
            fh.write(source)
        cmd = [cc, src, "-o", os.path.join(tmp, "probe"), *flags]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0


def _build_flags():
    compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math"]
    link_args = []
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    if not os.environ.get("PYW2V_PORTABLE") and _compiler_accepts(
        ["-march=native"], "int main(void) { return 0; }"
    ):
        compile_args.append("-march=native")
    if not os.environ.get("PYW2V_NO_OPENMP") and _compiler_accepts(["-fopenmp"]):
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    else:
        print("pyw2v: building WITHOUT OpenMP (training will be single-threaded)")
    return compile_args, link_args, macros


compile_args, link_args, macros = _build_flags()
extensions = [
    Extension(
        name,
        [f"pyw2v/{name.split('.')[-1]}.pyx"],
        include_dirs=[numpy.get_include(), "pyw2v"],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        define_macros=macros,
        depends=depends,   # rebuild when a header or the .pxd changes
    )
    for name, depends in (("pyw2v._core", ["pyw2v/_core.pxd", "pyw2v/_kernels.h"]),
                          ("pyw2v._text", ["pyw2v/_text.h"]),
                          ("pyw2v._phrases", []))
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )
)
