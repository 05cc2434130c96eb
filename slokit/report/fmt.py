"""How numbers read in every human-facing format (terminal, markdown, HTML, email subjects).

One place, so that the terminal and the emailed report never disagree on rounding. Undefined numbers
(``None``) render as an em dash, never as 0 or 100 %.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from slokit.engine import Status
from slokit.report.model import ObjectiveReport

NONE = "—"

STATUS_LABELS: dict[Status, str] = {
    "ok": "OK",
    "warning": "WARNING",
    "exhausted": "EXHAUSTED",
    "no_data": "NO DATA",
    "error": "ERROR",
}
# Readable without colour: each status has its own symbol as well as its own word.
STATUS_SYMBOLS: dict[Status, str] = {
    "ok": "✓",
    "warning": "!",
    "exhausted": "✗",
    "no_data": "?",
    "error": "E",
}


def percent(value: float | None, digits: int = 3) -> str:
    """``0.99962`` -> ``99.962%``; trailing zeros dropped (``0.999`` -> ``99.9%``)."""
    if value is None:
        return NONE
    text = f"{value * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def budget_percent(value: float | None) -> str:
    """Budget remaining, one decimal: ``0.6023`` -> ``60.2%``, ``-0.141`` -> ``-14.1%``."""
    return NONE if value is None else f"{value * 100:.1f}%"


def count(value: float | None) -> str:
    """Event counts: exact up to 9,999 (``1,234``), then three significant digits (``62.4k``, ``1.23M``)."""
    if value is None:
        return NONE
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size < 1e4:
        return f"{sign}{round(size):,}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "G")):
        text = f"{size / scale:.3g}"
        # 999,950 rounds to "1e+03" thousands: that is 1M, so try the next unit
        if float(text) < 1000 or suffix == "G":
            return f"{sign}{float(text):g}{suffix}"
    raise AssertionError("unreachable")


def burn(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def duration(value: timedelta | float | None) -> str:
    """Two largest units: ``1d4h``, ``2h30m``, ``45m``, ``-2h`` for an overspent budget."""
    if value is None:
        return NONE
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if not math.isfinite(seconds):
        return NONE
    sign = "-" if seconds < 0 else ""
    remaining = round(abs(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + ("".join(parts[:2]) if parts else "0m")


def budget_left(item: ObjectiveReport) -> str:
    """What the remaining budget means in practice: minutes of full outage, or bad events still allowed."""
    budget = item.result.error_budget
    if budget is None:
        return NONE
    if item.sli_kind == "timeslices":
        return duration(budget.remaining_minutes * 60)
    return f"{count(budget.remaining_events)} events"


def status(value: Status) -> str:
    return f"{STATUS_SYMBOLS[value]} {STATUS_LABELS[value]}"


def firing(item: ObjectiveReport) -> str:
    tiers = [a for a in item.result.alerts if a.firing]
    if not tiers:
        return NONE
    return ", ".join(f"{a.severity} {duration(a.long_window)}/{duration(a.short_window)}" for a in tiers)


def span(start: datetime, end: datetime, at: datetime | None = None) -> str:
    """An incident's time range (end date left out on the same day); "ongoing" if it lasts until ``at``."""
    if at is not None and end >= at:
        return f"since {start:%Y-%m-%d %H:%M} UTC (ongoing)"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 24) -> str:
    """Remaining budget across the window in ``width`` characters; a space where there is no data."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    # Each character shows the last value of its stretch, so the last one is the budget left now.
    n = len(values)
    buckets = [values[(i + 1) * n // width - 1] for i in range(width)] if n > width else values
    low, high = min(*finite, 0.0), max(*finite, 1.0)
    span = high - low or 1.0
    return "".join(
        SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1) + 0.5))]
        if math.isfinite(v)
        else " "
        for v in buckets
    )
