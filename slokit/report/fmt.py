"""How numbers read in every human-facing format (terminal, markdown, HTML, email subjects).

One place, so that the terminal and the emailed report never disagree on rounding. Undefined numbers
(``None``) render as an em dash, never as 0 or 100 %.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from slokit.engine import Incident, Status
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


# Past this many decimals a figure is noise (float rounding of a zero): it reads as "<0.000001".
MAX_DECIMALS = 6


def fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, or with as many more as its first significant digit needs.

    A figure that is not zero never reads as zero: ``fixed(0.3, 0)`` is ``0.3`` (not ``0``), ``fixed(-0.04,
    1)`` is ``-0.04`` (not ``-0.0``); a zero never reads as ``-0``.
    """
    if value == 0 or not math.isfinite(value):
        return f"{abs(value) if value == 0 else value:.{decimals}f}"
    text = f"{value:.{decimals}f}"
    if float(text) != 0:
        return text
    first = -math.floor(math.log10(abs(value)))  # the decimal place of the first significant digit
    if first > MAX_DECIMALS:
        bound = f"{10.0**-MAX_DECIMALS:.{MAX_DECIMALS}f}"
        return f"<{bound}" if value > 0 else f">-{bound}"
    # 0.00096 at 4 decimals rounds up to 0.0010: the trailing zero says nothing
    text = f"{value:.{first}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value: float | None, digits: int = 3) -> str:
    """``0.99962`` -> ``99.962%``; trailing zeros dropped (``0.999`` -> ``99.9%``).

    Never ``0%`` for a share above zero nor ``100%`` for one below 1: an SLI of 99.99996 % reads as
    such, not as perfect.
    """
    if value is None:
        return NONE
    scaled = value * 100
    text = fixed(scaled, digits)
    while scaled != 100 and _is(text, 100) and digits < MAX_DECIMALS:
        digits += 1
        text = f"{scaled:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _is(text: str, number: float) -> bool:
    try:
        return float(text) == number
    except ValueError:  # "<0.000001"
        return False


def budget_percent(value: float | None) -> str:
    """Budget remaining, one decimal: ``0.6023`` -> ``60.2%``, ``-0.141`` -> ``-14.1%``, ``0.0004`` ->
    ``0.04%`` (a significant digit, never ``0.0%`` or ``-0.0%`` for a figure that is not zero)."""
    return NONE if value is None else f"{fixed(value * 100, 1)}%"


def count(value: float | None) -> str:
    """Event counts: exact up to 9,999 (``1,234``), then three significant digits (``62.4k``, ``1.23M``).

    A fraction of an event (an allowance of 0.39 bad events) keeps its significant digit: ``0.4``, not ``0``.
    """
    if value is None:
        return NONE
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size < 1e4:
        whole = round(size)
        return f"{sign}{whole:,}" if whole or size == 0 else f"{sign}{fixed(size, 0)}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "G")):
        text = f"{size / scale:.3g}"
        # 999,950 rounds to "1e+03" thousands: that is 1M, so try the next unit
        if float(text) < 1000 or suffix == "G":
            return f"{sign}{float(text):g}{suffix}"
    raise AssertionError("unreachable")


def burn(value: float | None) -> str:
    """``2.8x``, ``0.04x`` (a slow burn keeps its significant digit), ``1,250x``."""
    if value is None:
        return NONE
    return f"{fixed(value, 1)}x" if value < 100 else f"{value:,.0f}x"


def factor(value: float) -> str:
    """An alert tier's burn-rate threshold: ``14.4x``, ``6.0x``; below 1 with up to three significant
    digits (``0.06x``, ``0.0625x``), since a threshold of 0.06 is not one of 0.1."""
    if value >= 1:
        return burn(value)
    text = f"{value:.3g}"
    return f"{text}x" if "e" not in text else f"{fixed(value, 2)}x"


def duration(value: timedelta | float | None) -> str:
    """Two largest units: ``1d4h``, ``2h30m``, ``45m``, ``-2h`` for an overspent budget."""
    if value is None:
        return NONE
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if not math.isfinite(seconds):
        return NONE
    sign = "-" if seconds < 0 else ""
    remaining = round(abs(seconds))
    if remaining == 0 and seconds != 0:
        return f"{sign}{fixed(abs(seconds), 0)}s"  # 0.4 s of budget is not none
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
    text = count(budget.remaining_events)
    return f"{text} event" if text in ("1", "-1") else f"{text} events"


def plural(n: int, word: str) -> str:
    """``1 objective``, ``2 objectives``, ``0 teams``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def status(value: Status) -> str:
    return f"{STATUS_SYMBOLS[value]} {STATUS_LABELS[value]}"


def firing(item: ObjectiveReport) -> str:
    """Firing tiers, ``page 1h/5m, ticket 1d/2h``; ``(partial)`` marks a tier decided on partial data."""
    tiers = [a for a in item.result.alerts if a.firing]
    if not tiers:
        return NONE
    return ", ".join(
        f"{a.severity} {duration(a.long_window)}/{duration(a.short_window)}"
        + (" (partial)" if a.partial else "")
        for a in tiers
    )


def coverage_note(item: ObjectiveReport) -> str | None:
    """``partial window: 17m of 30d`` when the data covers only part of the window; None otherwise.

    Data starting in the coarse region of an adaptive resolution adds ``(data start located to the hour)``.
    """
    coverage = item.result.coverage
    if coverage is None or not coverage.partial:
        return None
    covered = duration(coverage.window.covered)
    start = located(coverage.first_data_located_to)
    where = f" (data start {start})" if start else ""
    if item.result.calendar is not None:  # compared with the elapsed part of the period
        period = item.window.split(" ")[0]
        return f"partial window: {covered} of {duration(coverage.window.length)} so far ({period}){where}"
    return f"partial window: {covered} of {item.window}{where}"


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def located(step: timedelta | None) -> str | None:
    """How precisely a time is known when coarser than the objective's step: ``located to the hour``,
    ``located to 2 hours``, ``located to 30 minutes``; None for None (known to the objective's step)."""
    if step is None:
        return None
    seconds = round(step.total_seconds())
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            amount = seconds // size
            return f"located to the {unit}" if amount == 1 else f"located to {amount} {unit}s"
    return f"located to {duration(step)}"  # under a second: not a step slokit fetches


def incident_span(incident: Incident, at: datetime | None = None) -> str:
    """:func:`span` of an incident, with how precisely its bounds are known when that is coarser than
    its objective's step: ``2026-11-16 09:00 to 10:00 UTC (located to the hour)``."""
    text = span(incident.start, incident.end, at)
    where = located(incident.located_to)
    return f"{text} ({where})" if where else text


def window_burn(item: ObjectiveReport, key: str) -> str:
    """The burn rate over burn window ``key``; for a window the data does not fill (no burn rate of its own),
    the burn over the data it holds and how long that is: ``2.0x over 17m``."""
    value = item.result.burn_rates.get(key)
    coverage = item.result.coverage
    if value is not None or coverage is None or coverage.burn_windows[key].complete:
        return burn(value)
    covered = coverage.covered_burn_rates.get(key)
    if covered is None:
        return NONE
    return f"{burn(covered)} over {duration(coverage.burn_windows[key].covered)}"


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
