"""Typed view of the compiled n-gram hasher (pyw2v/_subwords.pyx)."""
import numpy as np
from numpy.typing import NDArray

def ngram_buckets(
    words: list[str] | list[bytes], minn: int, maxn: int, buckets: int
) -> tuple[NDArray[np.int64], NDArray[np.int32]]: ...
