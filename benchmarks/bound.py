"""The arithmetic bound of a training run: measured sgemm FLOP/s over FLOP per corpus word.

A word2vec step is three small dense products per output row: the scores, the
output-row updates and the input-row gradient, each d multiply-adds, so one
(input row, output row) couple costs 3 x d x 2 FLOP. Negative sampling has K+1
output rows per prediction; hierarchical softmax has the predicted word's
Huffman path. A skip-gram prediction is one (center, context) pair; a CBOW
prediction is one window, plus 2 x context x d for the context mean and its
gradient's scatter.

How many predictions a corpus word makes is not assumed but computed exactly
over the encoded corpus: tokens survive subsampling independently with the
model's keep probabilities, and a kept center sees a kept word `g` kept
positions away when the window drawn uniformly in 1..window is >= g, within
its sentence. `expected_work` sums these probabilities in numpy; no sampling.

The machine's rate is the best of a few float32 (n x n) @ (n x n) products in
numpy, whose BLAS picks its own threads unless threadpoolctl is installed (then
they are limited to the run's thread count); `sgemm_rate` says which.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Probability mass below which a center's count distribution is considered spent.
_SPENT = 1e-13
#: Centers handled at once: the count distributions take window x BLOCK doubles.
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Work:
    """Expected predictions of one pass, over subsampling and window draws.

    tokens: in-vocabulary tokens; kept: expected kept tokens; pairs: expected
    (center, context) pairs; windows: expected kept centers with a non-empty
    context (CBOW's predictions); pair_path: expected sum over pairs of the
    Huffman path length of the predicted word; window_path: the same over
    windows (the center's path)."""

    tokens: int
    kept: float
    pairs: float
    windows: float
    pair_path: float
    window_path: float


def expected_work(token_ids: NDArray[np.uint32], sentence_starts: NDArray[np.int64],
                  keep: NDArray[np.float64], window: int,
                  path_lengths: NDArray[np.int64] | None = None) -> Work:
    """Exact expectations of one pass over `token_ids` (uint32 (n,)), cut into
    sentences at `sentence_starts` (int64 (m + 1,)), with keep probabilities
    `keep` (float64 (vocab,)) and window sizes uniform in 1..`window`.
    `path_lengths` (vocab,) are Huffman path lengths (zeros when None)."""
    n = len(token_ids)
    p = keep[token_ids]
    lengths = np.zeros(len(keep)) if path_lengths is None else path_lengths.astype(np.float64)
    path = lengths[token_ids]
    sentence = np.repeat(np.arange(len(sentence_starts) - 1), np.diff(sentence_starts))
    pairs = pair_path = 0.0
    for start in range(0, n, _BLOCK):
        block_pairs, block_path = _block_pairs(p, path, sentence, start,
                                               min(start + _BLOCK, n), window)
        pairs += block_pairs
        pair_path += block_path
    nonempty = p * _some_other_kept(p, sentence_starts)
    return Work(tokens=n, kept=float(p.sum()), pairs=2 * pairs, windows=float(nonempty.sum()),
                pair_path=pair_path, window_path=float((nonempty * path).sum()))


def _block_pairs(p: NDArray[np.float64], path: NDArray[np.float64], sentence: NDArray[np.int64],
                 lo: int, hi: int, window: int) -> tuple[float, float]:
    """Expected pairs (i, j), lo <= i < hi, i < j, one direction, and the expected sum of
    their two directions' path lengths (i predicts j, j predicts i).

    between[c, i] is the probability that exactly c of the tokens strictly
    between i and j are kept (c < window; more puts j out of every window). Then
    j is 1 + c kept positions from i, inside a window drawn in 1..window with
    probability (window - c) / window."""
    n = len(p)
    centers = np.arange(lo, hi)
    p_center = p[centers]
    between = np.zeros((window, hi - lo))
    between[0] = 1.0
    seen = (window - np.arange(window, dtype=np.float64)) / window
    pairs = pair_path = 0.0
    for gap in range(1, n - lo):
        other = np.minimum(centers + gap, n - 1)
        alive = (centers + gap < n) & (sentence[other] == sentence[centers])
        between[:, ~alive] = 0.0
        if not alive.any() or between.sum(axis=0).max() < _SPENT:
            break
        p_other = np.where(alive, p[other], 0.0)
        weight = p_center * p_other * (seen @ between)
        pairs += float(weight.sum())
        pair_path += float((weight * (path[centers] + path[other])).sum())
        between[1:] = between[1:] * (1.0 - p_other) + between[:-1] * p_other
        between[0] *= 1.0 - p_other
    return pairs, pair_path


def _some_other_kept(p: NDArray[np.float64], sentence_starts: NDArray[np.int64]
                     ) -> NDArray[np.float64]:
    """Per token, the probability that another token of its sentence is kept."""
    sizes = np.diff(sentence_starts)
    sure = p >= 1.0
    log_drop = np.log1p(-np.where(sure, 0.0, p))
    first = sentence_starts[:-1]
    nonempty = sizes > 0
    sure_in = np.zeros(len(sizes))
    log_in = np.zeros(len(sizes))
    sure_in[nonempty] = np.add.reduceat(sure.astype(np.float64), first[nonempty])
    log_in[nonempty] = np.add.reduceat(log_drop, first[nonempty])
    other_sure = np.repeat(sure_in, sizes) - sure
    all_dropped = np.where(other_sure > 0, 0.0, np.exp(np.repeat(log_in, sizes) - log_drop))
    result: NDArray[np.float64] = 1.0 - all_dropped
    return result


def flop_per_token(work: Work, model: str, dim: int, negative: int, hs: bool) -> float:
    """FLOP per corpus token of a pass whose predictions are `work`."""
    per_row = 3 * dim * 2
    if model == "skipgram":
        flop = work.pairs * negative_rows(negative) * per_row
        flop += work.pair_path * per_row if hs else 0.0
    else:
        flop = work.windows * negative_rows(negative) * per_row + work.pairs * 2 * dim
        flop += work.window_path * per_row if hs else 0.0
    return flop / work.tokens


def negative_rows(negative: int) -> int:
    """Output rows of negative sampling per prediction: the positive and K negatives."""
    return negative + 1 if negative > 0 else 0


def sgemm_rate(threads: int, size: int = 2048, repeats: int = 5) -> tuple[float, str]:
    """Best FLOP/s of `repeats` float32 (size x size) products, and how BLAS threads were set."""
    try:
        from threadpoolctl import threadpool_limits
        limits: contextlib.AbstractContextManager[object] = threadpool_limits(threads)
        how = f"BLAS limited to {threads} threads by threadpoolctl"
    except ImportError:
        limits = contextlib.nullcontext()
        how = "numpy's BLAS default threads (threadpoolctl not installed)"
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    best = float("inf")
    with limits:
        a @ b   # warm-up: thread pool start, page faults
        for _ in range(repeats):
            started = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - started)
    return 2.0 * size ** 3 / best, f"best of {repeats} {size}x{size} float32 products, {how}"
