"""Burn rates and multiwindow, multi-burn-rate alert tiers.

Burn rate over ``w`` at ``at``: ``(bad_w / total_w) / (1 - target)`` over the steps whose END lies in
``(at - w, at]``. When ``w`` is not a multiple of the step this rounds the window up to whole steps
(a 5m burn on 10m steps is the burn of the last step), which keeps a ratio honest where a partial
step cannot be split. A window without events has no burn rate (None), never 0.

Tier factor: ``budget_percent / 100 * W / long`` -- the burn rate that spends ``budget_percent`` of the
window's budget within ``long`` (30 d: 14.4, 6, 3, 1 for the workbook tiers). A tier fires when the burn
over both its long and its short window is strictly above the factor, as in the workbook's
``rate > factor * (1 - target)`` rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from slokit.engine.events import EventBlock, ratio
from slokit.engine.inputs import AlertTier, FloatArray

BURN_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}

_NS_PER_US = 1000


def to_ns(delta: timedelta) -> int:
    return (delta // timedelta(microseconds=1)) * _NS_PER_US


def tier_factor(tier: AlertTier, window_length: timedelta) -> float:
    return tier.budget_percent / 100.0 * (window_length / tier.long)


def burn_rates(
    block: EventBlock, at_ns: int, error_budget_ratio: FloatArray, windows: Iterable[timedelta]
) -> dict[timedelta, FloatArray]:
    """Burn rate per row for each window (NaN where the window has no events)."""
    out: dict[timedelta, FloatArray] = {}
    for window in windows:
        if window in out:
            continue
        good, bad = block.sums(block.first_step_after(at_ns - to_ns(window)))
        out[window] = ratio(bad, good + bad) / error_budget_ratio
    return out


def tier_windows(tiers: Iterable[AlertTier]) -> set[timedelta]:
    return {w for tier in tiers for w in (tier.long, tier.short)}


def firing(long_burn: float | None, short_burn: float | None, factor: float) -> bool:
    return long_burn is not None and short_burn is not None and long_burn > factor and short_burn > factor


def time_to_exhaustion(remaining: float | None, burn_1h: float | None, window: timedelta) -> timedelta | None:
    """At a steady burn, when the remaining budget runs out: ``remaining * W / burn``.

    Burning at 1x spends the whole budget in exactly ``W``, hence the formula. It holds while the events
    leaving a rolling window are clean and as many as those arriving (a budget burning from full, for
    instance); the report's forecast rolls the real window forward instead (:mod:`slokit.engine.forecast`).
    None when nothing is burning or the budget is already gone.
    """
    if remaining is None or burn_1h is None or burn_1h <= 0 or remaining <= 0:
        return None
    return window * (remaining / burn_1h)
