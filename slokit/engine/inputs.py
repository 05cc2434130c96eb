"""Engine inputs: plain frozen dataclasses, independent of the SLO definition models.

The spec layer maps definitions onto these (targets as fractions, windows as ``timedelta`` or
:class:`CalendarWindow`); the source layer fills the event series. Keeping the engine free of
``slokit.spec`` lets it be tested and benchmarked on synthetic data alone.

Series convention: ``timestamps[i]`` is the END of step ``i`` (UTC, ``datetime64[ns]``), and
``good[i]`` / ``total[i]`` are the events in ``(timestamps[i] - step, timestamps[i]]``. NaN means the
source returned nothing for that step ("no data"), which is different from zero events.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
TimeArray: TypeAlias = npt.NDArray[np.datetime64]

CalendarPeriod = Literal["month", "week", "quarter"]
Severity = Literal["page", "ticket"]
FreezeOn = Literal["exhausted", "warning", "never"]


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    """A calendar-aligned window: the current month, ISO week (Monday start) or quarter in ``timezone``."""

    period: CalendarPeriod
    timezone: str = "UTC"


Window: TypeAlias = timedelta | CalendarWindow


@dataclass(frozen=True, slots=True)
class AlertTier:
    """One multiwindow burn-rate tier: fires when both windows burn faster than the tier's factor.

    ``budget_percent`` is the share of the window's budget the tier tolerates being spent within
    ``long``; the factor follows from it (see :func:`slokit.engine.burn.tier_factor`).
    """

    severity: Severity
    long: timedelta
    short: timedelta
    budget_percent: float


@dataclass(frozen=True, slots=True)
class Policy:
    """Error-budget policy; percentages are in percent (25.0 means 25 %)."""

    warn_below: float = 25.0
    freeze_on: FreezeOn = "exhausted"
    postmortem_over: float = 20.0


# The SRE workbook's multiwindow, multi-burn-rate table (chapter 5, alerting on SLOs); for a 30 d
# window the factors are 14.4, 6, 3 and 1. Other windows get it scaled (slokit.engine.tiers).
DEFAULT_ALERT_TIERS: tuple[AlertTier, ...] = (
    AlertTier("page", timedelta(hours=1), timedelta(minutes=5), 2.0),
    AlertTier("page", timedelta(hours=6), timedelta(minutes=30), 5.0),
    AlertTier("ticket", timedelta(days=1), timedelta(hours=2), 10.0),
    AlertTier("ticket", timedelta(days=3), timedelta(hours=6), 10.0),
)


@dataclass(frozen=True, slots=True, eq=False)
class WindowTotals:
    """Events of whole windows ``(at - w, at]``, counted by the source in one go rather than per step.

    ``good[i]`` and ``total[i]`` are the events of ``windows[i]``; NaN where the source had none. Where
    present (and ``at`` is the evaluation time aligned to the step) the engine takes each window's
    events from here instead of summing steps, which lose the events between two steps' samples (see
    :mod:`slokit.engine.totals`).
    """

    at: datetime
    windows: tuple[timedelta, ...]
    good: FloatArray
    total: FloatArray


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a step series is coarse: the adaptive resolution of :mod:`slokit.pipeline`.

    Steps ending at or before ``fine_from`` were fetched at ``coarse_step`` (a whole multiple of the
    series' step, aligned so that ``fine_from`` is a coarse step end) and each coarse step's events are
    spread evenly over the fine steps it covers; steps after ``fine_from`` are the series' own step.
    Sums over whole coarse steps are what the source counted; anything located inside a coarse step
    (an incident's start or end, the first data) is known only to ``coarse_step``.
    """

    coarse_step: timedelta
    fine_from: datetime


@dataclass(frozen=True, slots=True, eq=False)
class ObjectiveInput:
    """Everything the engine needs for one objective.

    ``target`` is a fraction (0.999). For time-slice objectives (``timeslices=True``) ``step`` is the
    slice length and ``good``/``total`` come from :func:`timeslice_events` (1/0 and 1 per slice).
    ``window_totals``, when the source counted whole windows, give the window and burn figures; the
    step series then serve charts, incidents and coverage. ``eq=False`` because the fields hold numpy
    arrays, which have no boolean equality.
    """

    key: str
    target: float
    window: Window
    step: timedelta
    timestamps: TimeArray
    good: FloatArray
    total: FloatArray
    policy: Policy = field(default_factory=Policy)
    alert_tiers: tuple[AlertTier, ...] = DEFAULT_ALERT_TIERS
    timeslices: bool = False
    window_totals: WindowTotals | None = None
    # The count the definition reads: "bad" when its source counted bad events (good = total - bad). Only
    # the wording of a broken count's error depends on it (see slokit.engine.glitches).
    counted: Literal["good", "bad"] = "good"
    # None: every step is the series' own step (``--resolution full``).
    resolution: Resolution | None = None

    def __post_init__(self) -> None:
        # Left at the default, the workbook's 30-day table is scaled to this window and step: taken as is
        # it would page at 0.02x on a 1-hour window. Tiers given explicitly are used as given.
        if self.alert_tiers is DEFAULT_ALERT_TIERS:
            from slokit.engine.tiers import default_alert_tiers  # tiers builds on this module

            object.__setattr__(self, "alert_tiers", default_alert_tiers(self.window, self.step))


_COMPARISONS: dict[str, Callable[[FloatArray, float], npt.NDArray[np.bool_]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def timeslice_events(values: npt.ArrayLike, op: str, threshold: float) -> tuple[FloatArray, FloatArray]:
    """Turn slice values into per-slice events: good = 1 when ``value <op> threshold`` holds, else 0.

    ``total`` is 1 per slice with a value; both are NaN where the value is NaN, so a slice the query
    returned nothing for is left out of the SLI instead of counting as bad.
    """
    try:
        compare = _COMPARISONS[op]
    except KeyError:
        raise ValueError(f"unknown comparison {op!r}; expected one of {', '.join(_COMPARISONS)}") from None
    arr = np.asarray(values, dtype=np.float64)
    missing = np.isnan(arr)
    with np.errstate(invalid="ignore"):
        good = compare(arr, threshold).astype(np.float64)
    total = np.ones_like(arr)
    good[missing] = np.nan
    total[missing] = np.nan
    return good, total
