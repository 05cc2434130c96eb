"""Default alert tiers: the SRE workbook's table, scaled to the objective's window.

The workbook's tiers (1h/5m, 6h/30m, 1d/2h, 3d/6h) are written for a 30-day window, where they page
at burn rates of 14.4 and 6 and open tickets at 3 and 1. Taken as is on a 1-hour window the same
budget shares give factors of 0.02 to 0.0014: every bad event would page. So, as Pyrra does, both
windows of each tier are scaled by ``W / 30d`` and the factor is kept:

- each scaled window snaps to the nearest "round" duration (1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h,
  12h, 1d, 2d, 3d, 7d, ...; nearest on a log scale), so that alert names and rules read as durations
  people use, and windows close to 30 days (a 28-day window, Pyrra's default) keep the workbook's own
  windows; then to whole evaluation steps (the engine sums whole steps anyway), the short one to at
  least one step and the long one to at least one step more than the short one;
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

import functools
import itertools
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


@functools.lru_cache(maxsize=256)
def default_alert_tiers(window: Window, step: timedelta) -> tuple[AlertTier, ...]:
    """The workbook's tiers scaled to ``window`` on a grid of ``step`` (see the module docstring).

    Cached: a fleet has a few (window, step) pairs, and the exact scaling in fractions cost 0.15 ms per
    objective, 90 % of planning a report (the tiers are frozen, so sharing them is safe)."""
    length = nominal_length(window)
    if length <= timedelta(0) or step <= timedelta(0):
        return DEFAULT_ALERT_TIERS  # not evaluable anyway: the engine reports the input as an error
    scale = Fraction(length // _US, WORKBOOK_WINDOW // _US)
    tiers: list[AlertTier] = []
    for base in DEFAULT_ALERT_TIERS:
        short = _whole_steps(_round(base.short // _US * scale), step, minimum=1)
        exact_long = base.long // _US * scale
        long = _whole_steps(_round(exact_long), step, minimum=short // step + 1)
        # The same factor on the rounded long window: budget share = factor * long / W.
        budget = base.budget_percent * float((long // _US) / exact_long)
        if budget >= 100.0:
            continue
        tiers.append(AlertTier(base.severity, long, short, budget))
    return tuple(t for t in tiers if not _outdone(t, tiers))


_M = 60_000_000  # a minute in microseconds
ROUND_DURATIONS: tuple[int, ...] = tuple(
    [m * _M for m in (1, 2, 5, 10, 15, 20, 30, 45)]
    + [h * 60 * _M for h in (1, 2, 3, 4, 6, 8, 12, 18)]
    + [d * 1440 * _M for d in (1, 2, 3, 4, 5, 7, 10, 14, 21, 28, 30, 45, 60, 90, 120, 180, 270, 365)]
)


def _round(exact: Fraction) -> Fraction:
    """The round duration nearest to ``exact`` (microseconds) on a log scale, ties to the shorter one."""
    if exact <= ROUND_DURATIONS[0]:
        return Fraction(ROUND_DURATIONS[0])
    for shorter, longer in itertools.pairwise(ROUND_DURATIONS):
        if exact <= longer:
            # Nearest on a log scale: compare exact^2 with the geometric mean's square, in integers.
            return Fraction(longer if exact * exact > shorter * longer else shorter)
    return exact  # beyond the table (windows over about 11 years are refused anyway): as scaled


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
