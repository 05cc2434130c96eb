"""Engine results: frozen dataclasses the report layer renders.

Undefined numbers are ``None`` -- never NaN, never a -1 sentinel -- so a renderer cannot print a
made-up figure by accident. The one exception is :class:`BudgetSeries`, which carries numpy arrays
for charts where NaN marks a gap (a chart library breaks the line there); it is not part of the
JSON output contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from slokit.engine.inputs import FloatArray, Severity, TimeArray

Status = Literal["ok", "warning", "exhausted", "no_data", "error"]

# Keys of ObjectiveResult.burn_rates, in display order.
BURN_RATE_KEYS: tuple[str, ...] = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True, slots=True)
class ErrorBudget:
    """Budget over the objective's window.

    ``consumed`` and ``remaining`` are fractions of the budget (``remaining = 1 - consumed``, negative
    once overspent). ``remaining_events`` is in bad events (bad slices for time slices);
    ``remaining_minutes`` is how many minutes of full outage the remaining budget still allows.
    """

    allowed_bad_events: float
    consumed: float
    remaining: float
    remaining_events: float
    remaining_minutes: float


@dataclass(frozen=True, slots=True)
class AlertState:
    """One alert tier at the evaluation time.

    ``long_burn_rate`` is the burn over the data in the long window. ``long_coverage`` is the share of
    the long window that holds data: below 1 the tier was evaluated on partial data, and fires only when
    ``long_burn_rate * long_coverage`` is above the factor (see :mod:`slokit.engine.coverage`).
    """

    severity: Severity
    long_window: timedelta
    short_window: timedelta
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    firing: bool
    long_coverage: float = 1.0

    @property
    def partial(self) -> bool:
        return self.long_coverage < 1.0


@dataclass(frozen=True, slots=True)
class Incident:
    """A period of burning faster than 1x; ``start``/``end`` are timezone-aware UTC datetimes.

    ``located_to`` is how precisely the bounds are known when that is coarser than the objective's step:
    the coarse step of an adaptive resolution (:class:`slokit.engine.Resolution`) when the incident starts
    in the coarse region, where each coarse step's events were spread evenly over its steps and so start
    and end fall on coarse step bounds. None: the bounds are the objective's own steps.
    """

    start: datetime
    end: datetime
    bad_events: float
    budget_share: float
    postmortem_required: bool
    located_to: timedelta | None = None


@dataclass(frozen=True, slots=True)
class CalendarProgress:
    """Where a calendar window stands; ``period_start``/``period_end`` are aware UTC datetimes."""

    period_start: datetime
    period_end: datetime
    elapsed_share: float
    projected_sli: float | None


@dataclass(frozen=True, slots=True, eq=False)
class BudgetSeries:
    """Chart series across the window, at most :data:`slokit.engine.series.MAX_POINTS` points.

    ``timestamps`` (``datetime64[ns]``, UTC) are the ends of equal buckets that tile the window,
    the last one being the evaluation time. ``remaining[i]`` is the budget left after the events up to
    ``timestamps[i]`` (a burn-down ending at the reported ``remaining``); ``burn_rate[i]`` is the burn
    rate over the bucket ending at ``timestamps[i]`` or the last hour, whichever is longer. NaN marks
    a point without data. The arrays are read-only; ``eq=False`` because arrays have no boolean ``==``.
    """

    timestamps: TimeArray
    remaining: FloatArray
    burn_rate: FloatArray


@dataclass(frozen=True, slots=True)
class WindowCoverage:
    """How much of one window holds data: ``covered`` of ``length``, counted from the first data on.

    ``length`` is the window's length (for a calendar window: the elapsed part of the period).
    ``complete`` when the data starts at or before the window does; gaps later on do not matter.
    """

    length: timedelta
    covered: timedelta
    complete: bool

    @property
    def share(self) -> float:
        if self.length <= timedelta(0):  # a calendar period that starts right now
            return 1.0 if self.complete else 0.0
        return min(1.0, self.covered / self.length)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Data coverage of an objective's window and of each burn window (keys of ``burn_rates``).

    ``first_data`` is the start of the first step with data (aware UTC), None when no step up to the
    evaluation time had any. Burn rates of incomplete burn windows are None in
    :attr:`ObjectiveResult.burn_rates`; ``covered_burn_rates`` holds the burn over the data each burn
    window does hold (equal to ``burn_rates`` where the window is complete).
    """

    first_data: datetime | None
    window: WindowCoverage
    burn_windows: dict[str, WindowCoverage]
    covered_burn_rates: dict[str, float | None]
    # The coarse step when the first data lies in the coarse region of an adaptive resolution (known only
    # to that step, like an incident's bounds there); None: known to the objective's step.
    first_data_located_to: timedelta | None = None

    @property
    def partial(self) -> bool:
        """Some data, but less than the window: what reports flag as "partial window"."""
        return self.first_data is not None and not self.window.complete


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    key: str
    status: Status
    sli: float | None
    good_events: float | None
    total_events: float | None
    bad_events: float | None
    error_budget: ErrorBudget | None
    burn_rates: dict[str, float | None]
    alerts: tuple[AlertState, ...]
    time_to_exhaustion: timedelta | None
    incidents: tuple[Incident, ...]
    calendar: CalendarProgress | None
    series: BudgetSeries | None
    error: str | None = None
    coverage: Coverage | None = None  # None only for an ``error`` result


def failed_result(key: str, message: str) -> ObjectiveResult:
    """The result for an objective whose data could not be fetched (or whose input was unusable)."""
    return ObjectiveResult(
        key=key,
        status="error",
        sli=None,
        good_events=None,
        total_events=None,
        bad_events=None,
        error_budget=None,
        burn_rates=dict.fromkeys(BURN_RATE_KEYS),
        alerts=(),
        time_to_exhaustion=None,
        incidents=(),
        calendar=None,
        series=None,
        error=message,
    )
