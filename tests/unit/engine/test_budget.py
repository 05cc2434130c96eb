"""SLI, budget, burn rates, status and no-data handling on small hand-checked series."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import BURN_RATE_KEYS, AlertTier, Policy, evaluate, failed_result

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
STEP = timedelta(minutes=5)


def test_sli_and_budget_are_sums_of_events_not_averages_of_ratios(make_input) -> None:
    # 1 h window of 12 steps: one busy step with 10 % errors, eleven quiet clean ones.
    total = np.array([1000.0] + [10.0] * 11)
    good = total.copy()
    good[0] = 900.0
    (r,) = evaluate([make_input(good, total, window=HOUR, target=0.99)], AT)

    assert r.total_events == 1110.0
    assert r.bad_events == 100.0
    assert r.good_events == 1010.0
    assert r.sli == pytest.approx(1010 / 1110)  # the average of ratios would be 0.99167
    assert r.error_budget is not None
    assert r.error_budget.allowed_bad_events == pytest.approx(11.1)
    assert r.error_budget.consumed == pytest.approx(100 / 11.1)
    assert r.error_budget.remaining == pytest.approx(1 - 100 / 11.1)
    assert r.error_budget.remaining_events == pytest.approx(11.1 - 100)
    assert r.status == "exhausted"


def test_remaining_minutes_is_full_outage_time_left(make_input) -> None:
    # 30 d at 99.9 %: 43.2 minutes of full outage; 25 % spent leaves 32.4.
    steps = 33 * 288
    total = np.full(steps, 1000.0)
    good = total.copy()
    good[-3:] -= 0.25 * 0.001 * 1000.0 * 30 * 288 / 3  # 2160 bad of 8640 allowed
    (r,) = evaluate([make_input(good, total)], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining == pytest.approx(0.75)
    assert r.error_budget.remaining_minutes == pytest.approx(32.4)


def test_remaining_minutes_is_negative_once_overspent(make_input) -> None:
    total = np.full(12 + 36, 100.0)
    good = total.copy()
    good[-1] = 0.0  # 100 bad of 1.2 allowed
    (r,) = evaluate([make_input(good, total, window=HOUR)], AT)
    assert r.error_budget is not None
    assert r.error_budget.remaining_minutes < 0
    assert r.error_budget.remaining_minutes == pytest.approx((1 - 100 / 1.2) * 0.001 * 60)


def test_window_covers_steps_ending_in_at_minus_w_to_at(make_input) -> None:
    # A step ending exactly at at - W belongs to the previous window.
    total = np.full(13, 10.0)
    good = total.copy()
    good[0] = 0.0
    (r,) = evaluate([make_input(good, total, window=HOUR)], AT)
    assert r.total_events == 120.0
    assert r.bad_events == 0.0


def test_at_is_aligned_down_to_the_step(make_input) -> None:
    total = np.full(24, 10.0)
    good = total.copy()
    good[-1] = 5.0
    inp = make_input(good, total, window=HOUR)
    (r,) = evaluate([inp], AT + timedelta(minutes=4, seconds=59))
    assert r.bad_events == 5.0
    assert r.total_events == 120.0


def test_burn_rates_per_window(make_input) -> None:
    steps = 4 * 288
    total = np.full(steps, 100.0)
    good = total.copy()
    good[-1] = 99.0  # 1 % errors in the last 5m, 0 before
    (r,) = evaluate([make_input(good, total, target=0.99, window=timedelta(days=1))], AT)
    expected = {
        "5m": 1.0,
        "30m": 1 / 6,
        "1h": 1 / 12,
        "2h": 1 / 24,
        "6h": 1 / 72,
        "1d": 1 / 288,
        "3d": 1 / 864,
    }
    assert list(r.burn_rates) == list(BURN_RATE_KEYS)
    for key, value in expected.items():
        assert r.burn_rates[key] == pytest.approx(value), key


def test_time_to_exhaustion_uses_the_1h_burn(make_input) -> None:
    steps = 2 * 288
    total = np.full(steps, 100.0)
    good = total.copy()
    good[-12:] = 98.0  # 2x for 99 % over the last hour
    (r,) = evaluate([make_input(good, total, target=0.99, window=timedelta(days=1))], AT)
    assert r.error_budget is not None
    remaining = 1 - (12 * 2) / (0.01 * 288 * 100)
    assert r.error_budget.remaining == pytest.approx(remaining)
    assert r.burn_rates["1h"] == pytest.approx(2.0)
    assert r.time_to_exhaustion == pytest.approx(
        timedelta(days=1) * remaining / 2, abs=timedelta(milliseconds=1)
    )


def test_no_burn_means_no_time_to_exhaustion(make_input) -> None:
    total = np.full(48, 10.0)
    (r,) = evaluate([make_input(total, total, window=HOUR)], AT)
    assert r.status == "ok"
    assert r.burn_rates["1h"] == 0.0
    assert r.time_to_exhaustion is None
    assert r.incidents == ()


@pytest.mark.parametrize(
    ("bad_share", "warn_below", "expected"),
    [
        (0.5, 25.0, "ok"),
        (0.80, 25.0, "warning"),
        (0.80, 10.0, "ok"),
        (1.01, 25.0, "exhausted"),
        (1.5, 25.0, "exhausted"),
    ],
)
def test_status_follows_the_policy(make_input, bad_share: float, warn_below: float, expected: str) -> None:
    # 1 h window, spread the bad events evenly so no page tier fires on a spike.
    total = np.full(12 * 4, 10_000.0)
    good = total.copy()
    good[-12:] -= bad_share * 0.001 * 120_000 / 12
    # Slow-burning tiers only, so the status comes from the budget alone.
    tiers = (AlertTier("page", timedelta(hours=1), timedelta(minutes=5), 1000.0),)
    inp = make_input(good, total, window=HOUR, policy=Policy(warn_below=warn_below), alert_tiers=tiers)
    (r,) = evaluate([inp], AT)
    assert r.status == expected


def test_window_without_events_is_no_data_and_never_a_number(make_input) -> None:
    nan = np.full(48, np.nan)
    (r,) = evaluate([make_input(nan, nan, window=HOUR)], AT)

    assert r.status == "no_data"
    assert r.sli is None
    assert r.error_budget is None
    assert r.good_events is None and r.total_events is None and r.bad_events is None
    assert all(v is None for v in r.burn_rates.values())
    assert not any(a.firing for a in r.alerts)
    assert all(a.long_burn_rate is None and a.short_burn_rate is None for a in r.alerts)
    assert r.time_to_exhaustion is None
    assert r.series is None


def test_zero_traffic_is_no_data_but_counts_zero_events(make_input) -> None:
    zeros = np.zeros(48)
    (r,) = evaluate([make_input(zeros, zeros, window=HOUR)], AT)
    assert r.status == "no_data"
    assert r.sli is None
    assert r.total_events == 0.0
    assert r.burn_rates["5m"] is None


def test_nan_steps_are_left_out_not_counted_as_bad(make_input) -> None:
    total = np.full(24, 100.0)
    good = np.full(24, 100.0)
    good[-1] = 90.0
    total[-2] = np.nan
    good[-3] = np.nan
    (r,) = evaluate([make_input(good, total, window=HOUR)], AT)
    assert r.total_events == 1000.0
    assert r.bad_events == 10.0
    assert r.sli == pytest.approx(0.99)
    assert r.burn_rates["5m"] == pytest.approx(100.0)


def test_recent_gap_leaves_short_burn_windows_undefined(make_input) -> None:
    total = np.full(48, 100.0)
    total[-3:] = np.nan
    (r,) = evaluate([make_input(total, total, window=HOUR)], AT)
    assert r.status == "ok"
    assert r.burn_rates["5m"] is None
    assert r.burn_rates["30m"] == 0.0


def test_counter_artefacts_within_one_event_are_clipped(make_input) -> None:
    # increase() extrapolation: good a fraction above total; a - b arithmetic: a hair below 0. Beyond
    # one event (or 0.1 % of the total) the count is broken and the objective an error (test_glitches).
    total = np.array([100.0, 100.0, -0.4, 100.0])
    good = np.array([100.5, 90.0, -0.4, -1.0])
    (r,) = evaluate([make_input(good, total, window=timedelta(minutes=20))], AT)
    assert r.total_events == 300.0
    assert r.bad_events == 110.0
    assert all(v is None or v >= 0 for v in r.burn_rates.values())


def test_failed_result_is_an_error_with_no_numbers() -> None:
    r = failed_result("svc/x", "prometheus timed out")
    assert r.status == "error"
    assert r.error == "prometheus timed out"
    assert r.sli is None and r.error_budget is None and r.series is None
    assert r.burn_rates == dict.fromkeys(BURN_RATE_KEYS)


def test_no_float_field_is_ever_nan(make_input) -> None:
    rng = np.random.default_rng(7)
    total = rng.integers(0, 50, 600).astype(float)
    good = np.maximum(total - rng.integers(0, 3, 600), 0.0)
    total[rng.random(600) < 0.3] = np.nan
    (r,) = evaluate([make_input(good, total, window=timedelta(days=1))], AT)

    def floats(obj: object) -> list[float]:
        out: list[float] = []
        for f in fields(obj):  # type: ignore[arg-type]
            value = getattr(obj, f.name)
            if isinstance(value, float):
                out.append(value)
            elif hasattr(value, "__dataclass_fields__") and f.name != "series":
                out.extend(floats(value))
        return out

    values = floats(r) + [v for v in r.burn_rates.values() if v is not None]
    for alert in r.alerts:
        values += floats(alert)
    for incident in r.incidents:
        values += floats(incident)
    assert values
    assert not any(math.isnan(v) for v in values)
