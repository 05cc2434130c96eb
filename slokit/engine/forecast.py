"""Time to exhaustion: roll the window forward and see whether the budget runs out.

Model. Bad and total events keep arriving at their rates over the last hour of data (per step:
``bad_1h / n`` and ``total_1h / n``, ``n`` the steps of that hour that hold data), spread evenly over
time. A rolling window also loses its oldest steps as it moves, each one leaving evenly over one step;
they are known from the series. A calendar window loses nothing and ends with its period.

The budget is spent when the window's bad events reach the allowed ones. Request-based budgets allow
``(1 - target) * total``, so they move with the traffic that enters and leaves; time-slice budgets allow a
fixed number of bad slices. After ``k`` steps (``k`` fractional) the gap left is::

    g(k) = arrival * k - (net of the steps that left) - remaining_events
    arrival = bad_rate - allow * total_rate;   a leaving step's net = bad - allow * total

with ``allow = 1 - target`` for requests and 0 for time slices. The first ``k`` with ``g(k) >= 0`` is the
time to exhaustion. ``g`` is linear within a step, so the crossing is interpolated exactly.

- Rolling windows look one window length ahead at most: after that the window holds only arrivals, and
  ``g`` stays where it is -- negative unless the current burn is at least 1. So a steady burn below 1
  never exhausts a rolling window, and a burn of 2 from a full budget takes half the window.
- Calendar windows look as far as the period end; nothing leaves, so ``k = remaining_events / arrival``.
- No forecast when the budget is already spent, there is no budget, or the last hour holds no events.

Cost: a full scan of the leaving steps is ``objectives x window steps``, as much as building the block.
Most objectives never come close, so each row is first bounded on a coarse grid (:data:`COARSE`
steps): between two grid points ``g`` can rise by no more than the allowance the leaving steps take with
them plus the arrivals, and only rows whose bound reaches 0 somewhere are scanned step by step.
"""

from __future__ import annotations

import numpy as np

from slokit.engine.events import BoolArray, EventBlock, IntArray
from slokit.engine.inputs import FloatArray

COARSE = 64


def exhaustion_steps(
    block: EventBlock,
    *,
    remaining_events: FloatArray,
    allow: FloatArray,
    recent_bad: FloatArray,
    recent_total: FloatArray,
    recent_steps: FloatArray,
    rolling: BoolArray,
    starts: IntArray,
    window_steps: IntArray,
    horizon: FloatArray,
) -> FloatArray:
    """Steps from the evaluation time until the budget is spent, per row; NaN when it is not within reach.

    ``recent_*``: events of the last hour and how many steps of it hold data; ``starts``: first step of
    each row's window in ``block``; ``window_steps``: a rolling window's length in steps; ``horizon``:
    how many steps a calendar window has left.
    """
    out = np.full(remaining_events.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        arrival = (recent_bad - allow * recent_total) / recent_steps
    usable = (remaining_events > 0) & (recent_total > 0) & (recent_steps > 0) & np.isfinite(arrival)
    rising = usable & (arrival > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = remaining_events / arrival  # where nothing leaves
    # Calendar: nothing leaves; the period end is the horizon.
    calendar = rising & ~rolling & (straight <= horizon)
    out[calendar] = straight[calendar]
    # Rolling: the part of the window before the series begins leaves without events.
    before = np.maximum(window_steps - (block.end - starts), 0)
    early = rising & rolling & (straight <= before)
    out[early] = straight[early]
    scan = np.flatnonzero(usable & rolling & ~early)
    for start in np.unique(starts[scan]).tolist():
        rows = scan[starts[scan] == start]
        rows = rows[_may_cross(block, rows, start, remaining_events, allow, arrival, before)]
        if rows.size:
            out[rows] = _first_crossing(block, rows, start, remaining_events, allow, arrival, before)
    return out


def _sums(block: EventBlock, rows: IntArray, start: int, cols: IntArray) -> tuple[FloatArray, FloatArray]:
    """Bad and total events of steps ``[start, col)`` per row: what will have left the window by ``col``."""
    row_col, col = rows[:, None], cols[None, :]
    bad = block.cs_bad.between(row_col, start, col)
    return bad, bad + block.cs_good.between(row_col, start, col)


def _gap(
    bad: FloatArray,
    total: FloatArray,
    k: IntArray,
    rows: IntArray,
    remaining_events: FloatArray,
    allow: FloatArray,
    arrival: FloatArray,
) -> FloatArray:
    """``g`` after ``k`` steps, given the events of the steps that will have left by then."""
    net = bad - allow[rows, None] * total
    return arrival[rows, None] * k - net - remaining_events[rows, None]


def _may_cross(
    block: EventBlock,
    rows: IntArray,
    start: int,
    remaining_events: FloatArray,
    allow: FloatArray,
    arrival: FloatArray,
    before: IntArray,
) -> BoolArray:
    """Rows whose gap can reach 0 between two points of a coarse grid (an upper bound, never a miss)."""
    cols = np.unique(np.append(np.arange(start, block.end, COARSE), block.end))
    k = (cols - start)[None, :] + before[rows, None]
    bad, total = _sums(block, rows, start, cols)
    gap = _gap(bad, total, k, rows, remaining_events, allow, arrival)
    # Within a coarse span the leaving steps take at most their allowance with them (bad >= 0), and the
    # arrivals add at most their own rise: a bound on g, from which a row that cannot cross is dropped.
    reach = gap[:, :-1]
    reach += np.diff(total, axis=1) * allow[rows, None]
    reach += np.maximum(arrival[rows], 0.0)[:, None] * np.diff(cols)[None, :]
    return np.asarray((reach >= 0).any(axis=1), dtype=bool)


def _first_crossing(
    block: EventBlock,
    rows: IntArray,
    start: int,
    remaining_events: FloatArray,
    allow: FloatArray,
    arrival: FloatArray,
    before: IntArray,
) -> FloatArray:
    cols = np.arange(start, block.end + 1)
    k = (cols - start)[None, :] + before[rows, None]
    gap = _gap(*_sums(block, rows, start, cols), k, rows, remaining_events, allow, arrival)
    spent = gap >= 0
    crossed = spent.any(axis=1)
    first = np.maximum(spent.argmax(axis=1), 1)
    at = np.arange(rows.size)
    low, high = gap[at, first - 1], gap[at, first]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(high > low, -low / (high - low), 1.0)
    steps = before[rows] + first - 1 + np.clip(within, 0.0, 1.0)
    return np.where(crossed, steps, np.nan)
