"""The SRE workbook's figures (chapter 5, "Alerting on SLOs"), computed by hand and checked end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import DEFAULT_ALERT_TIERS, AlertTier, evaluate, tier_factor
from slokit.engine.burn import time_to_exhaustion

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
DAYS_30 = timedelta(days=30)
STEPS_PER_HOUR = 12
WINDOW_STEPS = 30 * 24 * STEPS_PER_HOUR
LOOKBACK_STEPS = WINDOW_STEPS + 3 * 24 * STEPS_PER_HOUR


def burning_for(hours: int, burn: float, per_step: float = 1200.0) -> tuple[np.ndarray, np.ndarray]:
    """Constant traffic; the last ``hours`` fail at ``burn`` times the 99.9 % error budget rate."""
    total = np.full(LOOKBACK_STEPS, per_step)
    bad = np.zeros(LOOKBACK_STEPS)
    bad[-hours * STEPS_PER_HOUR :] = per_step * burn * 0.001
    return total - bad, total


def test_default_tier_factors_for_30_days_are_14_4_6_3_1() -> None:
    factors = [tier_factor(t, DAYS_30) for t in DEFAULT_ALERT_TIERS]
    assert factors == pytest.approx([14.4, 6.0, 3.0, 1.0])


def test_tier_factor_scales_with_the_window() -> None:
    # 2 % of a 7 d budget in 1 h: 0.02 * 168 h / 1 h
    tier = AlertTier("page", timedelta(hours=1), timedelta(minutes=5), 2.0)
    assert tier_factor(tier, timedelta(days=7)) == pytest.approx(3.36)


def test_burning_14_4x_for_one_hour_consumes_2_percent(make_input) -> None:
    good, total = burning_for(hours=1, burn=14.4)
    (result,) = evaluate([make_input(good, total)], AT)

    assert result.error_budget is not None
    assert result.error_budget.consumed == pytest.approx(0.02, rel=1e-9)
    assert result.error_budget.remaining == pytest.approx(0.98, rel=1e-9)
    assert result.burn_rates["1h"] == pytest.approx(14.4, rel=1e-9)
    assert result.burn_rates["5m"] == pytest.approx(14.4, rel=1e-9)
    # The 2h window holds one burning hour and one clean one.
    assert result.burn_rates["2h"] == pytest.approx(7.2, rel=1e-9)


def test_burning_6x_for_six_hours_consumes_5_percent(make_input) -> None:
    good, total = burning_for(hours=6, burn=6.0)
    (result,) = evaluate([make_input(good, total)], AT)

    assert result.error_budget is not None
    assert result.error_budget.consumed == pytest.approx(0.05, rel=1e-9)
    assert result.burn_rates["6h"] == pytest.approx(6.0, rel=1e-9)
    assert result.burn_rates["1d"] == pytest.approx(1.5, rel=1e-9)


def test_page_tier_fires_just_above_its_factor_and_not_at_it(make_input) -> None:
    above = evaluate([make_input(*burning_for(hours=1, burn=14.5))], AT)[0]
    at_factor = evaluate([make_input(*burning_for(hours=1, burn=14.0))], AT)[0]

    assert [a.firing for a in above.alerts] == [True, False, False, False]
    assert above.status == "warning"  # a firing page tier warns even with 98 % left
    assert not any(a.firing for a in at_factor.alerts)
    assert at_factor.status == "ok"


def test_low_traffic_one_failure_in_an_hour_is_100x_and_13_9_percent(make_input) -> None:
    # 10 requests per hour: one per 6 minutes does not fit a 5m grid, so use 1h steps here.
    step = timedelta(hours=1)
    hours = 33 * 24
    total = np.full(hours, 10.0)
    good = total.copy()
    good[-1] = 9.0
    (result,) = evaluate([make_input(good, total, step=step)], AT)

    # Error ratio 1/10 over an error budget ratio of 1/1000. The workbook prints "1,000x" here; the
    # arithmetic (and its own 13.9 %) gives 100x: 100x for 1 h of a 720 h window is 100/720 = 13.9 %.
    assert result.burn_rates["1h"] == pytest.approx(100.0)
    assert result.error_budget is not None
    assert result.error_budget.allowed_bad_events == pytest.approx(7.2)  # 0.001 * 10 * 720
    assert result.error_budget.consumed == pytest.approx(1 / 7.2)
    assert round(result.error_budget.consumed * 100, 1) == 13.9
    assert result.alerts[0].firing  # "would page immediately"


def test_full_budget_burning_at_2x_lasts_15_days() -> None:
    assert time_to_exhaustion(1.0, 2.0, DAYS_30) == timedelta(days=15)


def test_constant_2x_burn_exhausts_a_fresh_30d_budget_after_15_days(make_input) -> None:
    # Clean history, then a steady 2x burn from `start` on; look at the budget as days go by.
    burn_steps = 16 * 24 * STEPS_PER_HOUR
    steps = LOOKBACK_STEPS + burn_steps
    total = np.full(steps, 1200.0)
    bad = np.where(np.arange(steps) >= LOOKBACK_STEPS, 1200.0 * 2 * 0.001, 0.0)
    start = AT - 16 * timedelta(days=1)  # the burn's first step ends at start + 5m

    def at_offset(offset: timedelta):
        at = start + offset
        upto = LOOKBACK_STEPS + offset // STEP
        return evaluate([make_input((total - bad)[:upto], total[:upto], at=at)], at)[0]

    day_14 = at_offset(timedelta(days=14))
    before = at_offset(timedelta(days=15) - STEP)
    after = at_offset(timedelta(days=15) + STEP)

    assert day_14.error_budget is not None
    assert day_14.error_budget.remaining == pytest.approx(1 - 2 * 14 / 30)
    assert day_14.time_to_exhaustion == pytest.approx(timedelta(days=1), abs=timedelta(milliseconds=1))
    assert day_14.status == "warning"
    assert before.status == "warning"
    assert before.time_to_exhaustion == pytest.approx(STEP, abs=timedelta(milliseconds=1))
    assert after.status == "exhausted"
    assert after.time_to_exhaustion is None
