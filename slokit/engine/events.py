"""2-D event blocks: many objectives on one shared time axis, with prefix sums for window queries.

Every window sum in the engine (the SLO window, the seven burn windows, alert windows, incidents,
chart buckets) is a difference of two prefix sums, so a query costs O(objectives) whatever the window
length, and the only passes over the steps are the few array operations in :func:`build_block`.

Cleaning rules, applied per step before summing:

- a step counts only when both ``good`` and ``total`` are finite (NaN in either = no data);
- negative counts are clipped to 0 and ``good`` to at most ``total`` -- ``increase()`` extrapolation
  and counter resets can produce both, and a negative bad count would make burn rates negative;
- ``bad = total - good`` after clipping, so ``good + bad == total`` per step.

Prefix sums of non-negative values are non-decreasing in floating point too, so window sums are never
negative and a window without bad events sums to exactly 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from slokit.engine.inputs import FloatArray

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ObjectArray: TypeAlias = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True, eq=False)
class EventBlock:
    """Cleaned events of ``c`` objectives over ``n`` shared steps, and their prefix sums.

    ``cs_*[:, i]`` is the sum over steps ``[0, i)``; ``end`` is the exclusive index of the last step
    at or before the evaluation time.
    """

    ts_ns: IntArray
    end: int
    good: FloatArray
    bad: FloatArray
    valid: BoolArray
    cs_good: FloatArray
    cs_bad: FloatArray

    @property
    def rows(self) -> IntArray:
        return np.arange(self.good.shape[0], dtype=np.int64)

    def first_step_after(self, since_ns: int | IntArray) -> IntArray:
        """Index of the first step ending after ``since_ns``: where a ``(since, at]`` window starts."""
        return np.asarray(np.searchsorted(self.ts_ns, since_ns, side="right"), dtype=np.int64)

    def sums(self, start: int | IntArray) -> tuple[FloatArray, FloatArray]:
        """Good and bad events per row over steps ``[start, end)``; ``start`` is scalar or per row."""
        start_idx = np.minimum(np.asarray(start, dtype=np.int64), self.end)
        if start_idx.ndim == 0:
            return (
                self.cs_good[:, self.end] - self.cs_good[:, start_idx],
                self.cs_bad[:, self.end] - self.cs_bad[:, start_idx],
            )
        rows = self.rows
        return (
            self.cs_good[:, self.end] - self.cs_good[rows, start_idx],
            self.cs_bad[:, self.end] - self.cs_bad[rows, start_idx],
        )

    def any_in_window(self, starts: IntArray, values: BoolArray) -> BoolArray:
        """``values[r, starts[r]:end].any()`` per row, one slice per distinct start (usually one)."""
        out = np.zeros(values.shape[0], dtype=bool)
        for start in np.unique(starts).tolist():
            rows = starts == start
            out[rows] = values[rows, start : self.end].any(axis=1)
        return out

    def clear_before(self, starts: IntArray, values: BoolArray) -> BoolArray:
        """``values`` restricted to steps ``[starts[r], end)`` of each row (in place)."""
        values[:, self.end :] = False
        for start in np.unique(starts).tolist():
            if start > 0:
                values[starts == start, :start] = False
        return values


def _prefix_sum(values: FloatArray) -> FloatArray:
    out = np.zeros((values.shape[0], values.shape[1] + 1), dtype=np.float64)
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def build_block(
    ts_ns: IntArray, end: int, goods: Sequence[FloatArray], totals: Sequence[FloatArray]
) -> EventBlock:
    good = np.stack(goods).astype(np.float64, copy=False)
    total = np.stack(totals).astype(np.float64, copy=False)
    valid = np.isfinite(good)
    valid &= np.isfinite(total)
    invalid = ~valid
    # Cleaning in place keeps the block at a handful of c x n arrays (memory is the bench's limit).
    np.copyto(total, 0.0, where=invalid)
    np.copyto(good, 0.0, where=invalid)
    np.maximum(total, 0.0, out=total)
    np.minimum(good, total, out=good)
    np.maximum(good, 0.0, out=good)
    bad = np.subtract(total, good, out=total)
    return EventBlock(
        ts_ns=ts_ns,
        end=end,
        good=good,
        bad=bad,
        valid=valid,
        cs_good=_prefix_sum(good),
        cs_bad=_prefix_sum(bad),
    )


def ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator`` with NaN (later: None) where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
