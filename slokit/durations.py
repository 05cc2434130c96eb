"""Prometheus-style durations (``5m``, ``1h30m``, ``30d``), parsed and formatted."""

from __future__ import annotations

import re
from datetime import timedelta

from slokit.redact import cut

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# ASCII digits only: Python's \d also matches other scripts' digits (Arabic-Indic, Devanagari).
_DURATION = re.compile(r"(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
# Nothing in a definition is longer than the longest window (400 days): a tier must fit in its window, a
# slice is at most an hour. Checked on the integer before a timedelta is made, so `99999999999999d` is a
# one-line error rather than an overflow.
MAX_DURATION = timedelta(days=400)
SHOWN = 100  # characters of a value echoed in an error message


def shown(value: object) -> str:
    """``repr(value)`` for an error message, cut to a readable length (a file may hold a 1 MiB string)."""
    return cut(repr(value), SHOWN, one_line=False)


def parse_duration(
    text: str, minimum: timedelta | None = None, maximum: timedelta = MAX_DURATION
) -> timedelta:
    """Parse ``30d``, ``1h30m``, ``90s`` (units largest first, like Prometheus); ValueError if not, or if
    outside ``minimum`` (default: anything above 0) to ``maximum`` (default :data:`MAX_DURATION`)."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"must be a duration like 5m, 1h or 30d (got {shown(text)})")
    groups = [g.lstrip("0") or "0" if g else "0" for g in match.groups()]
    # Beyond 12 digits is out of range whatever the unit; int() of thousands of digits is itself refused.
    seconds = sum(int(g[:13]) * unit for g, unit in zip(groups, _UNITS.values(), strict=True))
    if seconds == 0:
        raise ValueError(f"must be longer than 0 (got {shown(text)})")
    low = int(minimum.total_seconds()) if minimum is not None else 1
    high = int(maximum.total_seconds())
    if max(len(g) for g in groups) > 12 or not low <= seconds <= high:
        limits = (
            f"between {_spell(low)} and {_spell(high)}" if minimum is not None else f"at most {_spell(high)}"
        )
        raise ValueError(f"must be {limits} (got {cut(text.strip(), 24)})")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest Prometheus spelling of a duration: 2592000 s -> ``30d``, 5400 s -> ``1h30m``."""
    return _spell(int(value.total_seconds()))


def _spell(seconds: int) -> str:
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if unit == "w":
            continue  # 14d reads better than 2w in reports and matches how objectives are usually written
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
