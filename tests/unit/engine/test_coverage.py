"""Data coverage (issue 10, point 1): how much of the window and of each burn window holds data.

Each case builds the events by hand, so the expected coverage, burn rates and alert states follow from
the construction (how many steps hold data, how many of their events are bad), not from the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import (
    AlertTier,
    CalendarWindow,
    evaluate,
    failed_result,
)

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
THIRTY_DAYS = timedelta(days=30)
LOOKBACK_MINUTES = 33 * 24 * 60  # the window plus the 3d burn window, at 1m steps
BURN_KEYS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def recent_data(minutes: int, per_step: float, bad_per_step: float) -> tuple[np.ndarray, np.ndarray]:
    """A lookback of 1m steps with no data (NaN) except the last ``minutes`` steps."""
    total = np.full(LOOKBACK_MINUTES, np.nan)
    total[-minutes:] = per_step
    good = total - bad_per_step
    return good, total


def test_17_minutes_of_data_on_a_30d_window_is_a_partial_window_of_17m(make_input) -> None:
    good, total = recent_data(17, per_step=1000.0, bad_per_step=2.0)  # 0.2 % errors: 2x on 99.9 %
    (r,) = evaluate([make_input(good, total, step=MINUTE)], AT)

    c = r.coverage
    assert c is not None
    assert c.partial
    assert c.first_data == AT - 17 * MINUTE
    assert c.window.length == THIRTY_DAYS
    assert c.window.covered == 17 * MINUTE
    assert not c.window.complete
    assert c.window.share == pytest.approx(17 / (30 * 24 * 60))
    # Only the 5m burn window is filled by 17 minutes of data.
    assert c.burn_windows["5m"].complete and c.burn_windows["5m"].covered == 5 * MINUTE
    for key in BURN_KEYS[1:]:
        assert not c.burn_windows[key].complete, key
        assert c.burn_windows[key].covered == 17 * MINUTE, key
    # Every burn window holds the same 17 minutes at 2x; only the full one has a burn rate of its own.
    assert c.covered_burn_rates == pytest.approx(dict.fromkeys(BURN_KEYS, 2.0))
    assert r.burn_rates["5m"] == pytest.approx(2.0)
    assert all(r.burn_rates[key] is None for key in BURN_KEYS[1:])


def test_a_modest_error_rate_on_17_minutes_of_data_fires_no_tier(make_input) -> None:
    # 2x on a 30d objective would fire both ticket tiers (factors 3 and 1 are for 1d and 3d of data, the
    # 3d one at 2x > 1) if 17 minutes stood for 3 days.
    good, total = recent_data(17, per_step=1000.0, bad_per_step=2.0)
    (r,) = evaluate([make_input(good, total, step=MINUTE)], AT)

    assert [(a.severity, a.long_window, a.firing) for a in r.alerts] == [
        ("page", timedelta(hours=1), False),
        ("page", timedelta(hours=6), False),
        ("ticket", timedelta(days=1), False),
        ("ticket", timedelta(days=3), False),
    ]
    ticket_3d = r.alerts[3]
    assert ticket_3d.partial
    assert ticket_3d.long_coverage == pytest.approx(17 / (3 * 24 * 60))
    assert ticket_3d.long_burn_rate == pytest.approx(2.0)  # the burn over the data it holds
    assert ticket_3d.short_burn_rate == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("bad_per_step", "fires"),
    [
        # 3d / 17m = 254.1: the burn at which 17 minutes alone spend the 3d tier's 10 % of the budget
        (0.250, False),  # 250x
        (0.260, True),  # 260x
    ],
)
def test_a_partial_long_window_fires_when_the_covered_part_alone_spends_the_tiers_budget(
    make_input, bad_per_step: float, fires: bool
) -> None:
    good, total = recent_data(17, per_step=1.0, bad_per_step=bad_per_step)
    tier = AlertTier("ticket", timedelta(days=3), timedelta(hours=6), 10.0)  # factor 1 on 30 days
    (r,) = evaluate([make_input(good, total, step=MINUTE, alert_tiers=(tier,))], AT)
    (alert,) = r.alerts
    assert alert.factor == pytest.approx(1.0)
    assert alert.long_burn_rate == pytest.approx(bad_per_step / 0.001)
    assert alert.firing is fires


def test_gaps_later_in_the_window_do_not_reset_its_start(make_input) -> None:
    step = timedelta(minutes=5)
    steps = 33 * 288
    total = np.full(steps, np.nan)
    total[-10 * 288 :] = 100.0  # data since 10 days ago ...
    total[-2 * 288 : -1 * 288] = np.nan  # ... with a one-day scrape gap the day before yesterday
    good = total - 1.0  # 1 % errors: 10x
    (r,) = evaluate([make_input(good, total, step=step)], AT)

    c = r.coverage
    assert c is not None
    assert c.first_data == AT - timedelta(days=10)
    assert c.window.covered == timedelta(days=10)
    assert c.partial
    # The 3d burn window starts after the first data: complete despite the gap inside it.
    assert c.burn_windows["3d"].complete
    assert r.burn_rates["3d"] == pytest.approx(10.0)
    assert r.burn_rates["1d"] == pytest.approx(10.0)


def test_a_fully_covered_window_shows_no_partial_marker(make_input) -> None:
    total = np.full(33 * 288, 100.0)
    (r,) = evaluate([make_input(total - 0.05, total)], AT)  # 0.5x

    c = r.coverage
    assert c is not None
    assert not c.partial
    assert c.window.complete and c.window.share == 1.0 and c.window.covered == THIRTY_DAYS
    assert all(c.burn_windows[key].complete and c.burn_windows[key].share == 1.0 for key in BURN_KEYS)
    assert r.burn_rates == pytest.approx(dict.fromkeys(BURN_KEYS, 0.5))
    assert all(not a.partial and a.long_coverage == 1.0 for a in r.alerts)


@pytest.mark.parametrize(("data_steps", "complete"), [(30 * 288, True), (30 * 288 - 1, False)])
def test_data_from_the_windows_first_step_on_is_complete(make_input, data_steps: int, complete: bool) -> None:
    total = np.full(33 * 288, np.nan)
    total[-data_steps:] = 10.0
    (r,) = evaluate([make_input(total, total)], AT)
    assert r.coverage is not None
    assert r.coverage.window.complete is complete
    assert r.coverage.window.covered == data_steps * timedelta(minutes=5)
    assert r.coverage.partial is not complete


def test_series_start_at_the_first_data(make_input) -> None:
    good, total = recent_data(17, per_step=1000.0, bad_per_step=0.5)
    (r,) = evaluate([make_input(good, total, step=MINUTE)], AT)
    s = r.series
    assert s is not None and r.error_budget is not None
    # One point per minute of data, the first at the end of the first step with data: no 30-day history.
    assert len(s.timestamps) == 17
    assert s.timestamps[0] == np.datetime64("2026-11-26T11:44", "ns")
    assert s.timestamps[-1] == np.datetime64("2026-11-26T12:00", "ns")
    assert s.remaining[-1] == pytest.approx(r.error_budget.remaining)
    assert s.remaining[0] == pytest.approx(1 - 0.5 / (0.001 * 17 * 1000))


def test_a_window_without_any_data_is_no_data_not_partial(make_input) -> None:
    total = np.full(33 * 288, np.nan)
    (r,) = evaluate([make_input(total, total)], AT)
    assert r.status == "no_data"
    assert r.coverage is not None
    assert r.coverage.first_data is None
    assert not r.coverage.partial
    assert r.coverage.window.covered == timedelta(0)
    assert r.coverage.window.share == 0.0


def test_a_calendar_window_is_covered_against_its_elapsed_part(make_input) -> None:
    # 2026-11-26 12:00 UTC is 25.5 days into November; data exists for the last 2 days only.
    total = np.full(30 * 288, np.nan)
    total[-2 * 288 :] = 50.0
    (r,) = evaluate([make_input(total, total, window=CalendarWindow("month"))], AT)
    c = r.coverage
    assert c is not None
    assert c.window.length == timedelta(days=25, hours=12)
    assert c.window.covered == timedelta(days=2)
    assert c.partial


def test_a_failed_objective_has_no_coverage() -> None:
    assert failed_result("svc/x", "boom").coverage is None
