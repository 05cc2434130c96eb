"""Prometheus-style durations (``5m``, ``1h30m``, ``30d``), parsed and formatted."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """Parse ``30d``, ``1h30m``, ``90s`` (units largest first, like Prometheus); ValueError if not."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"must be a duration like 5m, 1h or 30d (got {text!r})")
    seconds = sum(int(g) * unit for g, unit in zip(match.groups(), _UNITS.values(), strict=True) if g)
    if seconds == 0:
        raise ValueError(f"must be longer than 0 (got {text!r})")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest Prometheus spelling of a duration: 2592000 s -> ``30d``, 5400 s -> ``1h30m``."""
    seconds = int(value.total_seconds())
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
