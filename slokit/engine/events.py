"""2-D event blocks: many objectives on one shared time axis, with prefix sums for window queries.

Every window sum in the engine (the SLO window, the seven burn windows, alert windows, incidents,
chart buckets) is a difference of two prefix sums, so a query costs O(objectives) whatever the window
length, and the only passes over the steps are the few array operations in :func:`build_block`.

Prefix sums are compensated (:class:`PrefixSum`) where it matters: beside the rounded running total, the
running total of its roundings, which TwoSum recovers exactly. A plain running total cannot give back
small numbers after a huge one: after one step of 2e17 events it moves in multiples of 32, so every later
step's thousand events came back rounded, and a glitch before the window once turned SLI 0.985 into 1.0.
With the roundings kept, values outside a window do not change its sums.

Cleaning rules, applied per step before summing (steps beyond them are refused earlier, see
:mod:`slokit.engine.glitches`):

- a step counts only when both ``good`` and ``total`` are finite (NaN in either = no data);
- negative counts are clipped to 0 and ``good`` to at most ``total`` -- ``increase()`` extrapolation
  can produce both by a fraction of an event, and a negative bad count would make burn rates negative;
- ``bad = total - good`` after clipping, so ``good + bad == total`` per step.

Window sums are clipped at 0, so they are never negative, and a window without bad events sums to
exactly 0 (adding 0 rounds nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from slokit.engine.inputs import FloatArray

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ObjectArray: TypeAlias = npt.NDArray[np.object_]


# A window sum may be off by at most this many events: below it, a row's plain running total is exact enough.
MAX_ROUNDING = 2.0**-10


class PrefixSum:
    """Compensated prefix sums of a ``rows x n`` array: ``between(r, a, b)`` is the sum over ``[a, b)``.

    ``hi[:, i]`` is numpy's running total of steps ``[0, i)``, each addition rounded to the total's
    precision. A sum over ``[a, b)`` read as ``hi[b] - hi[a]`` carries the roundings of the steps in
    between, each at most half a unit in the last place (ulp) of the row's grand total. Where ``n`` of them
    could add up to more than :data:`MAX_ROUNDING` events, ``lo[r, i]`` keeps the running total of those
    roundings, recovered exactly by TwoSum, and ``between`` adds them back. Otherwise (totals below about
    1e9 events at 9,504 steps: most rows, and all of the benchmark's) ``lo`` stays 0 and costs nothing.
    """

    __slots__ = ("hi", "lo")

    def __init__(self, values: FloatArray) -> None:
        rows, n = values.shape
        hi = np.zeros((rows, n + 1), dtype=np.float64)
        np.cumsum(values, axis=1, out=hi[:, 1:])
        self.hi = hi
        self.lo = _rounding_errors(hi, values)

    def between(self, rows: IntArray | int, a: IntArray | int, b: IntArray | int) -> FloatArray:
        """Sums over steps ``[a, b)``, indices broadcast like numpy fancy indexing; never negative.

        After a huge value before ``a``, ``hi[b]`` and ``hi[a]`` are within a factor of 2 of each other, so
        their difference is exact (Sterbenz) and adding the roundings made in between restores the rest.
        """
        out: FloatArray = np.asarray(self.hi[rows, b] - self.hi[rows, a])
        if self.lo is not None:
            out += self.lo[rows, b] - self.lo[rows, a]
        return np.maximum(out, 0.0)


def _rounding_errors(hi: FloatArray, values: FloatArray) -> FloatArray | None:
    """Running totals of the rounding of each addition ``hi[:, i+1] = fl(hi[:, i] + values[:, i])``, for the
    rows whose roundings can matter (see :class:`PrefixSum`); None when no row's can.

    Knuth's TwoSum gives each rounding exactly and without branches, so it runs on whole rows at once.
    Values are non-negative, so a row's last running total is its largest.
    """
    bound = np.spacing(hi[:, -1]) * (values.shape[1] / 2)
    rows = np.flatnonzero(bound > MAX_ROUNDING)
    if rows.size == 0:
        return None
    part = hi[rows]
    before, after = part[:, :-1], part[:, 1:]
    added = np.subtract(after, before)  # the part of values[i] the total took in
    err = np.subtract(after, added)
    np.subtract(before, err, out=err)  # what the addition lost of the total before it
    np.subtract(values[rows], added, out=added)  # what it lost of values[i]
    err += added
    lo = np.zeros_like(hi)
    lo[rows, 1:] = np.cumsum(err, axis=1)
    return lo


@dataclass(frozen=True, slots=True, eq=False)
class EventBlock:
    """Cleaned events of ``c`` objectives over ``n`` shared steps, and their prefix sums.

    ``cs_*.between(r, a, b)`` sums steps ``[a, b)``; ``end`` is the exclusive index of the last step at
    or before the evaluation time.
    """

    ts_ns: IntArray
    end: int
    good: FloatArray
    bad: FloatArray
    valid: BoolArray
    cs_good: PrefixSum
    cs_bad: PrefixSum

    @property
    def rows(self) -> IntArray:
        return np.arange(self.good.shape[0], dtype=np.int64)

    def first_step_after(self, since_ns: int | IntArray) -> IntArray:
        """Index of the first step ending after ``since_ns``: where a ``(since, at]`` window starts."""
        return np.asarray(np.searchsorted(self.ts_ns, since_ns, side="right"), dtype=np.int64)

    def sums(self, start: int | IntArray) -> tuple[FloatArray, FloatArray]:
        """Good and bad events per row over steps ``[start, end)``; ``start`` is scalar or per row."""
        start_idx = np.minimum(np.asarray(start, dtype=np.int64), self.end)
        rows = self.rows
        return self.cs_good.between(rows, start_idx, self.end), self.cs_bad.between(rows, start_idx, self.end)

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


def build_block(ts_ns: IntArray, end: int, good: FloatArray, total: FloatArray) -> EventBlock:
    """The block of ``rows x steps`` events; ``good`` and ``total`` (the caller's own copies) are cleaned
    in place."""
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
        cs_good=PrefixSum(good),
        cs_bad=PrefixSum(bad),
    )


def ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator`` with NaN (later: None) where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
