# cython: language_level=3, cdivision=True
# The compiled core built for the avx2 instruction-set path (setup.py picks the
# flags). Import pyw2v._core instead: it loads the best path this CPU can run.
include "_core.pyx"
