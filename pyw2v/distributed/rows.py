"""Row changes: what a worker sends after a round, and how the driver merges them.

A worker finds the rows a round changed by their fingerprints (a 64-bit hash of
each row's bits, taken when the rows were last synchronised), so it keeps one
copy of the model, not a second one to compare with. It sends those rows' new
values; the driver merges them range by range of rows into one delta (the rows
that changed anywhere and their merged values), applies it to its model and
sends it back to every worker, whose copies are then the common model again.

Merging: "mean" gives a row the mean of the new values of the workers that
changed it (model averaging over the workers that touched the row; with one
worker, exactly that worker's row); "sum" adds every worker's change to the
old row (the changes of Hogwild threads on one machine add up this way).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MERGES = ("mean", "sum")

_WEIGHTS = np.random.default_rng(0x5EED_F1A9).integers(
    0, 2**63, size=2048, dtype=np.uint64) * np.uint64(2) + np.uint64(1)   # odd: injective per word


def fingerprints(matrix: NDArray[np.float32]) -> NDArray[np.uint64]:
    """A hash of each row's bits: its 64-bit words (two float32 values each, an odd
    dim's last value alone) times odd weights, summed modulo 2**64, so a change of
    any one value always changes it. One integer matrix-vector product."""
    rows, dim = matrix.shape
    if dim > 2 * len(_WEIGHTS):
        raise ValueError(f"fingerprints cover rows of at most {2 * len(_WEIGHTS)} values, "
                         f"got {dim}")
    matrix = np.ascontiguousarray(matrix)
    pairs = dim // 2
    out = matrix[:, :2 * pairs].view(np.uint64).dot(_WEIGHTS[:pairs]) if pairs \
        else np.zeros(rows, dtype=np.uint64)
    if dim % 2:
        with np.errstate(over="ignore"):
            out += matrix[:, -1].view(np.uint32).astype(np.uint64) * _WEIGHTS[pairs]
    return out


@dataclass(frozen=True)
class RowUpdate:
    """Rows of one matrix and their values: rows int64 ascending (n,), values float32 (n, dim)."""

    rows: NDArray[np.int64]
    values: NDArray[np.float32]

    @property
    def nbytes(self) -> int:
        return int(self.rows.nbytes + self.values.nbytes)

    def within(self, lo: int, hi: int) -> "RowUpdate":
        """The part of the update for rows lo <= row < hi."""
        a, b = np.searchsorted(self.rows, [lo, hi])
        return RowUpdate(self.rows[a:b], self.values[a:b])


#: One update per matrix name ("center_vectors", "outside_vectors", "node_vectors").
Updates = Mapping[str, RowUpdate]


def changed_rows(matrix: NDArray[np.float32], known: NDArray[np.uint64], limit: int
                 ) -> RowUpdate:
    """The rows below `limit` whose fingerprint differs from `known`, with their values."""
    rows = np.flatnonzero(fingerprints(matrix[:limit]) != known[:limit]).astype(np.int64)
    return RowUpdate(rows, matrix[rows])


def merge_range(base: NDArray[np.float32], lo: int, hi: int, updates: Sequence[RowUpdate],
                how: str) -> RowUpdate:
    """The merged rows lo..hi of `base` given every worker's new rows there (each
    worker's rows unique); `base` itself is not changed. A row one worker changed
    takes that worker's value exactly; the others start from the first worker's
    value and add the rest (their changes for "sum", their values for "mean"), in
    float32, in worker order."""
    if how not in MERGES:
        raise ValueError(f"merge must be one of {MERGES}, got {how!r}")
    parts = [update.within(lo, hi) for update in updates]
    rows = np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, np.int64)
    if not len(rows):
        return RowUpdate(rows, np.zeros((0, base.shape[1]), np.float32))
    values = np.concatenate([p.values for p in parts])
    order = np.argsort(rows, kind="stable")          # a row's entries in worker order
    touched, first, count = np.unique(rows[order], return_index=True, return_counts=True)
    merged = values[order[first]]
    for k in range(1, int(count.max())):
        again = np.flatnonzero(count > k)
        more = values[order[first[again] + k]]
        if how == "sum":
            more -= base[touched[again]]
        merged[again] += more
    if how == "mean":
        shared = np.flatnonzero(count > 1)
        merged[shared] /= count[shared, None].astype(np.float32)
    return RowUpdate(touched.astype(np.int64), merged)


def concatenate(parts: Sequence[RowUpdate], dim: int) -> RowUpdate:
    """Updates of consecutive row ranges as one."""
    if not parts:
        return RowUpdate(np.zeros(0, np.int64), np.zeros((0, dim), np.float32))
    return RowUpdate(np.concatenate([p.rows for p in parts]),
                     np.concatenate([p.values for p in parts]))


def range_bounds(rows: int, dim: int, budget_bytes: int = 64 << 20) -> list[tuple[int, int]]:
    """Row ranges of about `budget_bytes` of float32 rows each: merging one range at a
    time, the driver holds the workers' changes to one range, not to the whole model."""
    step = max(1, budget_bytes // (4 * max(dim, 1)))
    return [(lo, min(lo + step, rows)) for lo in range(0, rows, step)] or [(0, 0)]
