"""Window arithmetic: step alignment, rolling and calendar window bounds, how much history to fetch.

Calendar periods are computed on local wall-clock dates in the window's IANA timezone and only then
converted to UTC, so a month that contains a DST change is 1 hour shorter or longer in real time --
which is what the window length ``W`` (budget, alert factors, outage minutes) uses.
A local midnight that does not exist (a DST jump at 00:00) resolves, with ``fold=0``, to the instant of
the jump, i.e. the first real instant of that day; an ambiguous one resolves to its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from slokit.engine.inputs import AlertTier, CalendarWindow, Window

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The longest burn-rate window the engine reports ("3d"); history must reach that far back.
LONGEST_BURN_WINDOW = timedelta(days=3)


def require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"evaluation time must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def align_down(at: datetime, step: timedelta) -> datetime:
    """Align to the step grid counted from the Unix epoch, as Prometheus range queries are."""
    at = require_aware(at)
    return at - (at - _EPOCH) % step


def period_bounds(window: CalendarWindow, at: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the calendar period containing ``at``."""
    tz = ZoneInfo(window.timezone)
    local = require_aware(at).astimezone(tz)
    if window.period == "month":
        start_date = local.date().replace(day=1)
        end_date = _add_months(start_date.year, start_date.month, 1)
    elif window.period == "quarter":
        first_month = 3 * ((local.month - 1) // 3) + 1
        start_date = local.date().replace(month=first_month, day=1)
        end_date = _add_months(start_date.year, start_date.month, 3)
    elif window.period == "week":
        start_date = local.date() - timedelta(days=local.weekday())
        end_date = start_date + timedelta(days=7)
    else:  # pragma: no cover - Literal exhausts the cases
        raise ValueError(f"unknown calendar period {window.period!r}")
    start = datetime(start_date.year, start_date.month, start_date.day, tzinfo=tz).astimezone(UTC)
    end = datetime(end_date.year, end_date.month, end_date.day, tzinfo=tz).astimezone(UTC)
    return start, end


def _add_months(year: int, month: int, months: int) -> date:
    index = year * 12 + (month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def window_length(window: Window, at: datetime) -> timedelta:
    """``W``: the rolling length, or the real-time length of the current calendar period."""
    if isinstance(window, CalendarWindow):
        start, end = period_bounds(window, at)
        return end - start
    return window


def window_bounds(window: Window, at: datetime) -> tuple[datetime, datetime]:
    """The range of events the window covers at ``at``: ``(start, at]`` in UTC.

    Rolling: ``(at - W, at]``. Calendar: from the start of the current period to ``at`` (the events
    so far); the full period is :func:`period_bounds`.
    """
    at = require_aware(at)
    if isinstance(window, CalendarWindow):
        return period_bounds(window, at)[0], at
    return at - window, at


def longest_burn_window(alert_tiers: Iterable[AlertTier] = ()) -> timedelta:
    """The longest burn window (3d) or alert tier long window: how far back the burn figures read."""
    return max([LONGEST_BURN_WINDOW, *(tier.long for tier in alert_tiers)])


def lookback(window: Window, at: datetime, alert_tiers: Iterable[AlertTier] = ()) -> timedelta:
    """How far before ``at`` the source must fetch events.

    The window itself plus the longest burn window (the 3d burn rate, or a longer custom alert tier),
    so burn rates at ``at`` and the chart's burn-rate series at the window start have full history.
    """
    start, end = window_bounds(window, at)
    return (end - start) + longest_burn_window(alert_tiers)
