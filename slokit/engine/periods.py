"""Review periods: calendar months, ISO weeks and quarters in a timezone, or consecutive windows.

Owned by the history work of issue 14 (helper H2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

PeriodKind = Literal["month", "week", "quarter", "window"]


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC; ``label`` as a reader names it ("2026-11", "2026-W47", "2026-Q4", or the
    dates of a window period); ``complete`` is False for a period still running at the evaluation time."""

    start: datetime
    end: datetime
    label: str
    complete: bool = True


def review_periods(
    kind: PeriodKind, count: int, at: datetime, *, timezone: str = "UTC", window: timedelta | None = None
) -> tuple[Period, ...]:
    """The ``count`` most recent complete periods before ``at``, oldest first (``window``: consecutive
    windows of that length ending at ``at``)."""
    raise NotImplementedError
