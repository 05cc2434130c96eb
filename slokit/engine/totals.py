"""Window totals: the events of a whole window, counted by the source in one go, over summed steps.

A sum of per-step counts loses the events no step holds whole. A counter's step count is the increase
between samples inside the step, so the events of a scrape gap (the first sample after it carries them,
but no step holds the sample before it) and the first event of a series that appears after a restart
(nothing before it to compare with) fall between steps. Over a whole window the source sees both
sides: Prometheus's ``sum(increase(sel[30d]))`` at the evaluation time is within a few thousandths of
a percent of the events, where the step sum lost a percent of a low-traffic service's bad events.

So where an input carries :class:`WindowTotals` for a window, the engine takes that window's events
from them: the SLO window (events, SLI, budget), every burn window (burn rates, alert tiers) and the
last day (calendar projection). The step series still serve the charts, incidents and coverage. A
window is taken from the totals only when they were counted at the evaluation time and its total has
data; otherwise, and for time slices (slice values, not event counts), the step sums are used as
before. Totals are cleaned like steps: negative counts clipped to 0, ``good`` to at most ``total``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from slokit.engine.burn import BURN_WINDOWS, tier_windows
from slokit.engine.events import BoolArray, ratio
from slokit.engine.inputs import AlertTier, FloatArray, ObjectiveInput, Window
from slokit.engine.windows import window_bounds


def totals_windows(window: Window, at: datetime, tiers: Iterable[AlertTier] = ()) -> tuple[timedelta, ...]:
    """The windows ``(at - w, at]`` the engine reads from totals, shortest first.

    The objective's window (for a calendar window, the period so far), the seven burn windows and the
    alert tiers' windows; ``at`` is the evaluation time aligned to the objective's step.
    """
    start, end = window_bounds(window, at)
    wanted = {end - start, *BURN_WINDOWS.values(), *tier_windows(tiers)}
    return tuple(sorted(w for w in wanted if w > timedelta(0)))


@dataclass(frozen=True, slots=True, eq=False)
class WindowEvents:
    """Good and bad events of one window per row; ``counted`` marks the rows that took them from totals."""

    good: FloatArray
    bad: FloatArray
    counted: BoolArray

    def over(self, good: FloatArray, bad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """These events where counted, ``good``/``bad`` (the step sums) elsewhere."""
        return np.where(self.counted, self.good, good), np.where(self.counted, self.bad, bad)

    def burn_over(self, burn: FloatArray, error_budget_ratio: FloatArray) -> FloatArray:
        """The burn rate of these events where counted (NaN without events), ``burn`` elsewhere."""
        return np.where(self.counted, ratio(self.bad, self.good + self.bad) / error_budget_ratio, burn)


class TotalsTable:
    """A block's window totals as ``rows x windows`` arrays, NaN where a row has no usable total."""

    __slots__ = ("_column", "_good", "_total")

    def __init__(self, objectives: Sequence[ObjectiveInput], at: datetime, windows: Iterable[timedelta]):
        self._column = {w: i for i, w in enumerate(sorted(set(windows)))}
        shape = (len(objectives), len(self._column))
        self._good = np.full(shape, np.nan)
        self._total = np.full(shape, np.nan)
        for row, objective in enumerate(objectives):
            totals = objective.window_totals
            if totals is None or objective.timeslices or totals.at != at:
                continue
            for window, good, total in zip(
                totals.windows, totals.good.tolist(), totals.total.tolist(), strict=True
            ):
                column = self._column.get(window)
                if column is not None:
                    self._good[row, column] = good
                    self._total[row, column] = total

    @classmethod
    def of(
        cls, objectives: Sequence[ObjectiveInput], at: datetime, windows: Iterable[timedelta]
    ) -> TotalsTable | None:
        """The table, or None when no objective carries totals (the engine then only sums steps)."""
        if all(o.window_totals is None for o in objectives):
            return None
        return cls(objectives, at, windows)

    def window(self, window: timedelta) -> WindowEvents:
        """The events of ``window`` for every row."""
        rows = np.arange(self._good.shape[0])
        return self._events(rows, np.full(rows.size, self._column.get(window, -1)))

    def per_row(self, windows: Sequence[timedelta]) -> WindowEvents:
        """The events of ``windows[row]`` for each row (SLO windows differ by objective)."""
        rows = np.arange(self._good.shape[0])
        return self._events(rows, np.array([self._column.get(w, -1) for w in windows], dtype=np.int64))

    def _events(self, rows: np.ndarray, columns: np.ndarray) -> WindowEvents:
        known = columns >= 0
        safe = np.where(known, columns, 0)
        good = self._good[rows, safe]
        total = self._total[rows, safe]
        counted = known & np.isfinite(good) & np.isfinite(total)
        total = np.where(counted, np.maximum(total, 0.0), 0.0)
        good = np.where(counted, np.clip(good, 0.0, total), 0.0)
        return WindowEvents(good, total - good, counted)
