"""Counts no counter can produce: an ``error`` for that objective, never folded into a budget.

Each step (up to the evaluation time) and each window total is judged on its ``total`` and on the count
the definition reads (``good``, or ``bad = total - good`` for a bad counter). NaN is no data, as always.
A count is broken when it is

- not finite (``+Inf``, ``-Inf``);
- above :data:`MAX_EVENTS` (2^63, about 9.2e18) in one step or window: more events than a signed 64-bit
  counter holds, which no traffic reaches (a billion events a second for 290 years) but a broken
  exporter does -- an unsigned counter that went below zero reads about 1.8e19, an overflowed float
  1e308;
- negative, or (the read count) above ``total``, by more than the slack: 1 event or 0.1 % of the step's
  total, whichever is larger. Within the slack the count is clipped as before: ``increase()``
  extrapolates each series on its own, so good can end a fraction of an event above total, and
  ``a - b`` arithmetic can end a hair below 0. Beyond it the counter went backwards (Prometheus's
  ``increase()`` never does; a ``delta()``, a subtraction or a snapshot can) or counts something else.

The message names the objective, what was wrong, the end of the first broken step (or the window) and how
many more steps are broken. Large finite counts below the limit are data: a counter that jumped by 2e17
once is summed exactly (see :class:`slokit.engine.events.PrefixSum`) and only moves the windows it is in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from slokit.durations import format_duration
from slokit.engine.events import BoolArray, IntArray
from slokit.engine.inputs import FloatArray

Counted = Literal["good", "bad"]

MAX_EVENTS = 2.0**63
SLACK_EVENTS = 1.0
SLACK_SHARE = 1e-3


def broken_rows(good: FloatArray, total: FloatArray) -> BoolArray:
    """Rows of ``rows x steps`` arrays with at least one broken step; a cheap screen of whole rows.

    Comparisons with NaN are False, so steps without data never count as broken.
    """
    if good.shape[1] == 0:
        return np.zeros(good.shape[0], dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.subtract(good, total)
        rows: BoolArray = np.fmax.reduce(excess, axis=1) > SLACK_EVENTS
        rows |= np.fmin.reduce(good, axis=1) < -SLACK_EVENTS
        rows |= np.fmin.reduce(total, axis=1) < -SLACK_EVENTS
        rows |= np.fmax.reduce(total, axis=1) > MAX_EVENTS
        rows |= np.fmax.reduce(good, axis=1) > MAX_EVENTS
    return rows & _confirmed(good, total, rows)


def _confirmed(good: FloatArray, total: FloatArray, rows: BoolArray) -> BoolArray:
    """The screened rows that break the exact rules (the screen ignores the 0.1 % slack)."""
    out = np.zeros(rows.shape, dtype=bool)
    for row in np.flatnonzero(rows).tolist():
        out[row] = bool(_broken(good[row], total[row]).any())
    return out


def _slack(total: FloatArray) -> FloatArray:
    return np.maximum(SLACK_EVENTS, SLACK_SHARE * np.where(np.isfinite(total), total, 0.0))


def _broken(good: FloatArray, total: FloatArray) -> BoolArray:
    with np.errstate(invalid="ignore", over="ignore"):
        slack = _slack(total)
        bad = (np.abs(total) > MAX_EVENTS) | (np.abs(good) > MAX_EVENTS)
        bad |= (total < -SLACK_EVENTS) | (good < -slack) | (good > total + slack)
        bad |= np.isinf(good) | np.isinf(total)
    has_data = ~(np.isnan(good) | np.isnan(total))
    return np.asarray(bad & has_data, dtype=bool)


def describe_steps(key: str, good: FloatArray, total: FloatArray, ts_ns: IntArray, counted: Counted) -> str:
    """The error text for a row :func:`broken_rows` flagged: its first broken step, and how many there are."""
    broken = np.flatnonzero(_broken(good, total))
    first = int(broken[0])
    more = broken.size - 1
    end = _utc(int(ts_ns[first]))
    text = f"{key}: {_what(float(good[first]), float(total[first]), counted)} in the step ending {end}"
    if more:
        text += f", and in {more} more step{'s' if more > 1 else ''}"
    return text + "; " + _ADVICE


def describe_totals(
    key: str,
    windows: tuple[timedelta, ...],
    good: FloatArray,
    total: FloatArray,
    at: datetime,
    counted: Counted,
) -> str | None:
    """The error text for the first broken window total, None when all are fine."""
    broken = np.flatnonzero(_broken(good, total))
    if broken.size == 0:
        return None
    first = int(broken[0])
    window = format_duration(windows[first])
    what = _what(float(good[first]), float(total[first]), counted)
    return f"{key}: {what} over the {window} window ending {_utc_dt(at)}; {_ADVICE}"


_ADVICE = "the counter or the query is broken (see 'Broken counts' in docs/engine.md)"


def _what(good: float, total: float, counted: Counted) -> str:
    """What is wrong with one step, the total first, then the count the definition reads."""
    read = good if counted == "good" else total - good
    for name, value in (("total", total), (counted, read)):
        if np.isinf(value) or abs(value) > MAX_EVENTS:
            return f"{name} is {_number(value)} events, beyond any counter (limit 2^63, about 9.2e18)"
    if total < -SLACK_EVENTS:
        return f"total is {_number(total)} events, a negative count"
    slack = float(_slack(np.array([total]))[0])
    if read < -slack:
        return f"{counted} is {_number(read)} events, a negative count (total {_number(total)})"
    return f"{counted} ({_number(read)}) exceeds total ({_number(total)})"


def _number(value: float) -> str:
    if np.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.6g}"


def _utc(ns: int) -> str:
    return _utc_dt(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000))


def _utc_dt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
