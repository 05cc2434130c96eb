"""Placing a range answer on the step grid asked for, and refusing one that does not fit it.

A range query asks for points at ``start, start + step, ..., end``. An answer with a point between two
steps, the same step twice or a point outside the range is not what was asked: placed by rounding, points
half a step off collided two by two and halved the totals, and duplicated steps overwrote each other. Such
an answer is refused with what was wrong and where (:class:`OffGrid`), so that objective shows ``error``.
Timestamps may be off by :data:`JITTER` (Prometheus answers in milliseconds, as floats).

At the adaptive resolution a coarse range is placed on its own grid, then spread onto the fine one
(:func:`spread`), so that every series has one value per fine step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from slokit.sources.base import FloatArray

if TYPE_CHECKING:
    from slokit.sources.prometheus_answer import Points

JITTER = 0.001  # seconds


class OffGrid(Exception):
    """The answer does not fit the grid or the range asked for; the message says how."""


def place(
    out: FloatArray,
    points: Points,
    *,
    start_s: float,
    step_s: float,
    asked: tuple[float, float],
    what: str,
    step: str,
) -> None:
    """Put a series' points (parsed ``[[time, "value"], ...]``) into ``out`` by step index from ``start_s``.

    ``asked`` is the range of this request (first and last step end, seconds); ``what`` names the query
    and ``step`` the step as the user wrote it, for the message. ``NaN`` is no data; ``+Inf`` and
    ``-Inf`` are kept for the engine to refuse as broken counts.
    """
    seconds = points.seconds
    position = (seconds - start_s) / step_s
    nearest = np.rint(position)
    stray = np.flatnonzero(~(np.abs(position - nearest) * step_s <= JITTER))  # NaN and Inf too
    if stray.size:
        first = int(stray[0])
        past = (seconds[first] - start_s) % step_s
        raise OffGrid(
            f"Prometheus answered the {what} with timestamps off the {step} grid (first at "
            f"{_utc(seconds[first])}: {past:g} s past a step; {stray.size} of {seconds.size} points)"
        )
    low, high = asked
    outside = np.flatnonzero((seconds < low - JITTER) | (seconds > high + JITTER))
    if outside.size:
        first = int(outside[0])
        raise OffGrid(
            f"Prometheus answered the {what} with points outside the range asked for (first at "
            f"{_utc(seconds[first])}, asked {_utc(low)} to {_utc(high)}; {outside.size} of "
            f"{seconds.size} points)"
        )
    index = nearest.astype(np.int64)
    unique, counts = np.unique(index, return_counts=True)
    if unique.size < index.size:
        repeated = unique[counts > 1]
        first_repeated = _utc(start_s + float(repeated[0]) * step_s)
        raise OffGrid(
            f"Prometheus answered the {what} with duplicated timestamps (first {first_repeated}; "
            f"{repeated.size} repeated)"
        )
    out[index] = points.samples


def spread(coarse: FloatArray, per_coarse: int) -> FloatArray:
    """Coarse steps' events spread evenly over the ``per_coarse`` fine steps each covers: the fine grid
    keeps one time axis, and a sum over whole coarse steps is what the source counted. No data (NaN)
    stays no data on all of them; an infinite count stays infinite, for the engine to refuse."""
    return np.repeat(coarse / per_coarse, per_coarse)


def check_instant(seconds: float, at_s: float, what: str) -> None:
    """An instant answer must be at the time asked for."""
    if abs(seconds - at_s) > JITTER:
        raise OffGrid(f"Prometheus answered the {what} at {_utc(seconds)}, not at the {_utc(at_s)} asked for")


def _utc(seconds: float) -> str:
    try:
        moment = datetime.fromtimestamp(float(seconds), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return f"{seconds:g} s since 1970"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"
