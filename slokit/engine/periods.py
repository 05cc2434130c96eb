"""Review periods: calendar months, ISO weeks and quarters in a timezone, or consecutive windows.

Calendar periods are the engine's calendar windows (:func:`slokit.engine.windows.period_bounds`): local
wall-clock dates in the IANA timezone, converted to UTC only at the end, so a month holding a DST change
is an hour shorter or longer in real time (March in Berlin: 743 hours; October: 745). Using the same
bounds as a calendar window keeps a month of the review equal to a month of ``slokit report``.

A period is complete once its end is at or before ``at``: with ``at`` exactly on a boundary, the period
ending there is the most recent complete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from slokit.engine.inputs import CalendarWindow
from slokit.engine.windows import period_bounds, require_aware

PeriodKind = Literal["month", "week", "quarter", "window"]

_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC; ``label`` as a reader names it ("2026-11", "2026-W47", "2026-Q4", or the
    dates of a window period). Always complete: a review never includes the period still running."""

    start: datetime
    end: datetime
    label: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def review_periods(
    kind: PeriodKind, count: int, at: datetime, *, timezone: str = "UTC", window: timedelta | None = None
) -> tuple[Period, ...]:
    """The ``count`` most recent complete periods before ``at``, oldest first (``window``: consecutive
    windows of that length ending at ``at``)."""
    if count < 1:
        raise ValueError(f"the number of periods must be at least 1, got {count}")
    try:
        return _periods(kind, count, require_aware(at), timezone, window)
    except OverflowError:  # datetime's range (years 1 to 9999): a caller's count or window is out of bounds
        raise ValueError(f"{count} periods before {at.isoformat()} reach outside the calendar") from None


def _periods(
    kind: PeriodKind, count: int, at: datetime, timezone: str, window: timedelta | None
) -> tuple[Period, ...]:
    tz = ZoneInfo(timezone)
    if kind == "window":
        if window is None or window <= timedelta(0):
            raise ValueError("window periods need a positive window length")
        return tuple(
            _window_period(at - (count - i) * window, at - (count - 1 - i) * window, tz) for i in range(count)
        )
    calendar = CalendarWindow(kind, timezone)
    start, _ = period_bounds(calendar, at)
    # The period holding ``at`` is still running unless it starts exactly at ``at``; either way the
    # most recent complete one ends at that start.
    end = start
    out: list[Period] = []
    for _ in range(count):
        start, _ = period_bounds(calendar, end - _INSTANT)
        out.append(Period(start, end, _calendar_label(kind, start.astimezone(tz))))
        end = start
    return tuple(reversed(out))


def _calendar_label(kind: PeriodKind, local_start: datetime) -> str:
    if kind == "month":
        return f"{local_start:%Y-%m}"
    if kind == "quarter":
        return f"{local_start.year}-Q{(local_start.month - 1) // 3 + 1}"
    year, week, _ = local_start.isocalendar()  # the ISO year: the week of 2026-12-28 is 2026-W53
    return f"{year}-W{week:02d}"


def _window_period(start: datetime, end: datetime, tz: ZoneInfo) -> Period:
    """A window period labelled as an ISO 8601 interval of local dates (times when not at midnight)."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    midnight = all(t.time() == datetime.min.time() for t in (local_start, local_end))
    form = "%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M"
    return Period(start.astimezone(UTC), end.astimezone(UTC), f"{local_start:{form}}/{local_end:{form}}")
