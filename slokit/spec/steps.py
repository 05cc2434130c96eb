"""The evaluation step of an objective: the grid its events are summed on.

5 minutes; 1 minute for windows under a day (a 1-hour window needs finer steps to show anything); the slice
length for time slices. Shared by the pipeline, which queries on this grid, and by ``slokit validate``,
which refuses alert tiers shorter than one step (nothing shorter can be measured on the grid).
"""

from __future__ import annotations

from datetime import timedelta

DEFAULT_STEP = timedelta(minutes=5)
FINE_STEP = timedelta(minutes=1)
FINE_BELOW = timedelta(days=1)


def evaluation_step(window_length: timedelta, slice_length: timedelta | None = None) -> timedelta:
    if slice_length is not None:
        return slice_length
    return FINE_STEP if window_length < FINE_BELOW else DEFAULT_STEP
