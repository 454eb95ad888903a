"""Typed view of the compiled core: pyw2v/_core.py re-exports the names of the build it
picks (pyw2v/_core_<path>.pyx, which include _core.pyx; C types in _core_types.pxi)."""
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_SENTENCE_LENGTH: int
PUBLISH_INTERVAL: int
SPECIALIZED_DIM: int
BATCH_WINDOWS_LIMIT: int
SIGMOID_TABLE_BINS: int
SIGMOID_MAX_EXP: float
KERNELS: tuple[Literal["pair"], Literal["window"], Literal["batch"], Literal["cbow-batch"]]

# Stub-only alias (not a runtime name): build_huffman's arrays.
_Huffman = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.uint8]]

PATHS: tuple[str, ...]
ENV_VARIABLE: str
SIMD_PATH: str

def runnable_paths() -> tuple[str, ...]: ...
def openmp_enabled() -> bool: ...
def compiled_path() -> str: ...
def cpu_paths() -> tuple[str, ...]: ...
def checked_lock_factors(lock_factors: ArrayLike | None, n_words: int) -> NDArray[np.float32] | None: ...
def claim_runs(bounds: ArrayLike, claimants: Sequence[int]) -> list[tuple[int, int, int]]: ...
def thread_seeds(seed: int, call: int, threads: int) -> list[int]: ...

class Trainer:
    """One training call's compiled state; see the class docstring in _core.pyx."""

    # Cython's __cinit__ is the type's __new__: the arguments go there.
    def __new__(
        cls,
        center: NDArray[np.float32],
        outside: NDArray[np.float32],
        keep_prob: NDArray[np.float64],
        alias_prob: NDArray[np.float64],
        alias_index: NDArray[np.int32],
        *,
        kernel: str,   # one of KERNELS, checked at run time
        window: int,
        negative: int,
        exact_sigmoid: bool,
        alpha: float,
        min_alpha: float,
        total_words: float,
        threads: int,
        seed: int,
        call: int,
        node_vectors: NDArray[np.float32] | None = None,
        huffman: _Huffman | None = None,
        softmax: bool = False,
        cbow_mean: bool = True,
        shrink_windows: bool = True,
        lock_factors: ArrayLike | None = None,
        batch_windows: int = 1,
        subwords: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> Trainer: ...
    def train_chunk(
        self, token_ids: NDArray[np.uint32], sentence_starts: NDArray[np.int64]
    ) -> None: ...
    def set_schedule(self, words_before: int, scale: float = 1.0) -> None: ...
    def thread_states(self) -> list[tuple[int, float, int]]: ...
    def restore_thread_states(self, states: Sequence[tuple[int, float, int]]) -> None: ...
    def request_stop(self) -> None: ...
    @property
    def stop_requested(self) -> bool: ...
    @property
    def threads(self) -> int: ...
    @property
    def words_done(self) -> int: ...
    @property
    def loss(self) -> float: ...
    @property
    def predictions(self) -> float: ...
    @property
    def alpha(self) -> float: ...

def build_huffman(counts: NDArray[np.int64]) -> _Huffman: ...
def build_alias_table(
    weights: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.int32]]: ...
def draw_noise(
    alias_prob: NDArray[np.float64], alias_index: NDArray[np.int32], n: int, seed: int
) -> NDArray[np.int32]: ...
def subsample(
    tokens: NDArray[np.uint32], keep_prob: NDArray[np.float64], seed: int
) -> NDArray[np.bool_]: ...
def sigmoid_lookup(
    x: NDArray[np.float32], exact: bool = False, log_sigmoid: bool = False
) -> NDArray[np.float64]: ...

# Single-step entry points: the trainer's update for one prediction, in place (tests).
def skipgram_pair_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    center: int,
    outside: int,
    negatives: ArrayLike | None,
    alpha: float,
    exact: bool = True,
    *,
    node_vectors: NDArray[np.float32] | None = None,
    huffman: _Huffman | None = None,
    softmax: bool = False,
    lock_factors: ArrayLike | None = None,
) -> float: ...
def skipgram_window_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    center: int,
    outsides: NDArray[np.int32],
    negatives: NDArray[np.int32],
    alpha: float,
    exact: bool = True,
    *,
    subwords: tuple[ArrayLike, ArrayLike] | None = None,
) -> float: ...
def cbow_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    context: NDArray[np.int32],
    center: int,
    negatives: ArrayLike | None,
    alpha: float,
    exact: bool = True,
    *,
    node_vectors: NDArray[np.float32] | None = None,
    huffman: _Huffman | None = None,
    softmax: bool = False,
    cbow_mean: bool = True,
    lock_factors: ArrayLike | None = None,
) -> float: ...
def cbow_batch_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    contexts: Sequence[ArrayLike],
    centers: Sequence[int],
    negatives: NDArray[np.int32],
    alpha: float,
    exact: bool = True,
    *,
    cbow_mean: bool = True,
    lock_factors: ArrayLike | None = None,
    subwords: tuple[ArrayLike, ArrayLike] | None = None,
) -> float: ...
def skipgram_batch_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    context: NDArray[np.int32],
    center: int,
    negatives: NDArray[np.int32] | None,
    alpha: float,
    exact: bool = True,
    *,
    node_vectors: NDArray[np.float32] | None = None,
    huffman: _Huffman | None = None,
    lock_factors: ArrayLike | None = None,
) -> float: ...
def skipgram_block_update(
    center_vectors: NDArray[np.float32],
    outside_vectors: NDArray[np.float32],
    kept: NDArray[np.int32],
    first: int,
    spans: NDArray[np.int32],
    negatives: NDArray[np.int32] | None,
    alpha: float,
    exact: bool = True,
    *,
    node_vectors: NDArray[np.float32] | None = None,
    huffman: _Huffman | None = None,
    lock_factors: ArrayLike | None = None,
    subwords: tuple[ArrayLike, ArrayLike] | None = None,
) -> float: ...
