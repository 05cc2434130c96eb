"""Data coverage: how much of a window holds data, counted from the first step with data.

A window ``(start, at]`` is *complete* when the objective's data starts at or before ``start``; otherwise
only ``at - first_data`` of it is covered, whatever gaps come later (a scrape gap in the middle of a
window is missing data inside a covered window, not a later start). ``first_data`` is the START of the
first step at or before ``at`` where the step has data, so coverage is counted in whole steps.

Burn rates over a partly covered window are the burn over the covered part; the result reports them
as ``None`` (the window's burn rate is unknown) and keeps the covered burn beside the coverage.

Alert tiers on partial data: a tier whose long window is only partly covered fires only when the events
of the covered part alone already spend the tier's share of the budget. The missing time is assumed to
bring normal traffic and no bad events, so the long window's burn is the covered burn scaled by
``covered / long``; the short window must still burn above the factor, as always. With 17 minutes of
data on a 30-day objective a modest error rate cannot fire a 3d ticket tier: it would have to burn
``factor * 3d / 17m`` (about 254x for the 1x ticket tier) during those 17 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import numpy as np

from slokit.engine.burn import to_ns
from slokit.engine.events import BoolArray, EventBlock, IntArray

NO_DATA = np.iinfo(np.int64).max  # first-data time of a row without any data at or before ``at``


def first_data_ns(block: EventBlock, step: timedelta) -> IntArray:
    """Per row, the start (ns since the epoch) of the first step with data up to ``at``; NO_DATA if none."""
    if block.end == 0:
        return np.full(block.valid.shape[0], NO_DATA, dtype=np.int64)
    valid = block.valid[:, : block.end]
    any_data = valid.any(axis=1)
    first = valid.argmax(axis=1)
    starts = block.ts_ns[first] - to_ns(step)
    return np.where(any_data, starts, NO_DATA).astype(np.int64)


def covered_ns(first_ns: IntArray, window_start_ns: IntArray | int, at_ns: int) -> IntArray:
    """Nanoseconds of ``(window_start, at]`` from the first data on (0 when there is none)."""
    start = np.maximum(first_ns, window_start_ns)
    covered: IntArray = np.clip(at_ns - start, 0, None).astype(np.int64)
    return covered


def complete(first_ns: IntArray, window_start_ns: IntArray | int) -> BoolArray:
    """Whether the data starts at or before the window does."""
    return np.asarray(first_ns <= window_start_ns, dtype=bool)


def burn_window_coverage(
    first_ns: IntArray, at_ns: int, windows: Iterable[timedelta]
) -> dict[timedelta, tuple[IntArray, BoolArray]]:
    """For each burn window: covered nanoseconds and completeness per row."""
    out: dict[timedelta, tuple[IntArray, BoolArray]] = {}
    for window in windows:
        start = at_ns - to_ns(window)
        out[window] = covered_ns(first_ns, start, at_ns), complete(first_ns, start)
    return out


def effective_long_burn(burn: float | None, covered: timedelta, long: timedelta) -> float | None:
    """The long window's burn when only ``covered`` of it holds data: the missing part adds no bad events."""
    if burn is None or covered >= long:
        return burn
    return burn * (covered / long)
