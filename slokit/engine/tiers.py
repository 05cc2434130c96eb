"""Default alert tiers: the SRE workbook's table, scaled to the objective's window.

The workbook's tiers (1h/5m, 6h/30m, 1d/2h, 3d/6h) are written for a 30-day window, where they page
at burn rates of 14.4 and 6 and open tickets at 3 and 1. Taken as is on a 1-hour window the same
budget shares give factors of 0.02 to 0.0014: every bad event would page. So, as Pyrra does, both
windows of each tier are scaled by ``W / 30d`` and the factor is kept:

- windows are rounded to whole evaluation steps (the engine sums whole steps anyway), the short one
  to at least one step and the long one to at least one step more than the short one;
- the factor stays 14.4, 6, 3 or 1, so the tier's budget share is ``factor * long / W`` -- the
  workbook's 2 %, 5 %, 10 %, 10 % when rounding changed nothing, a little more or less otherwise;
- a tier whose share reaches 100 % is left out: it could only fire once the whole budget is spent,
  which the ``exhausted`` status already says (this happens on windows of a few steps);
- of two tiers of one severity that ended up with the same windows, only the lower factor is kept:
  it fires whenever the other would.

No default tier ever fires below a burn rate of 1. Calendar windows scale by their nominal period
(month 30 d, week 7 d, quarter 90 d), so a calendar month gets the workbook table itself; its factor
then follows the real length of the month, as it does for tiers written in the definition.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from slokit.engine.inputs import DEFAULT_ALERT_TIERS, AlertTier, CalendarWindow, Window

WORKBOOK_WINDOW = timedelta(days=30)
NOMINAL_PERIOD: dict[str, timedelta] = {
    "month": timedelta(days=30),
    "week": timedelta(days=7),
    "quarter": timedelta(days=90),
}
_US = timedelta(microseconds=1)


def nominal_length(window: Window) -> timedelta:
    """The rolling length, or a calendar period's nominal length (month 30 d, week 7 d, quarter 90 d)."""
    if isinstance(window, CalendarWindow):
        return NOMINAL_PERIOD[window.period]
    return window


def default_alert_tiers(window: Window, step: timedelta) -> tuple[AlertTier, ...]:
    """The workbook's tiers scaled to ``window`` on a grid of ``step`` (see the module docstring)."""
    length = nominal_length(window)
    if length <= timedelta(0) or step <= timedelta(0):
        return DEFAULT_ALERT_TIERS  # not evaluable anyway: the engine reports the input as an error
    scale = Fraction(length // _US, WORKBOOK_WINDOW // _US)
    tiers: list[AlertTier] = []
    for base in DEFAULT_ALERT_TIERS:
        short = _whole_steps(base.short // _US * scale, step, minimum=1)
        exact_long = base.long // _US * scale
        long = _whole_steps(exact_long, step, minimum=short // step + 1)
        # The same factor on the rounded long window: budget share = factor * long / W.
        budget = base.budget_percent * float((long // _US) / exact_long)
        if budget >= 100.0:
            continue
        tiers.append(AlertTier(base.severity, long, short, budget))
    return tuple(t for t in tiers if not _outdone(t, tiers))


def _whole_steps(exact: Fraction, step: timedelta, minimum: int) -> timedelta:
    """``exact`` (a duration in microseconds) to the nearest whole number of steps, halves up."""
    steps = int(exact / (step // _US) + Fraction(1, 2))
    return step * max(minimum, steps)


def _outdone(tier: AlertTier, tiers: list[AlertTier]) -> bool:
    return any(
        other.severity == tier.severity
        and (other.long, other.short) == (tier.long, tier.short)
        and other.budget_percent < tier.budget_percent
        for other in tiers
    )
