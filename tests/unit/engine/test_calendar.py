"""Calendar windows: period bounds in a timezone across DST, and their evaluation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import (
    DEFAULT_ALERT_TIERS,
    AlertTier,
    CalendarWindow,
    evaluate,
    lookback,
    period_bounds,
    window_bounds,
    window_length,
)

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "timezone", "at", "start", "end"),
    [
        ("month", "UTC", AT, utc(2026, 11, 1), utc(2026, 12, 1)),
        ("month", "UTC", utc(2026, 12, 31, 23, 59), utc(2026, 12, 1), utc(2027, 1, 1)),
        ("week", "UTC", AT, utc(2026, 11, 23), utc(2026, 11, 30)),  # Thursday -> ISO Monday
        ("quarter", "UTC", AT, utc(2026, 10, 1), utc(2027, 1, 1)),
        ("quarter", "UTC", utc(2026, 3, 31, 23), utc(2026, 1, 1), utc(2026, 4, 1)),
        # Berlin springs forward on 29 March 2026: the month is 31 d - 1 h long.
        ("month", "Europe/Berlin", utc(2026, 3, 15), utc(2026, 2, 28, 23), utc(2026, 3, 31, 22)),
        # ... and the week around it 7 d - 1 h.
        ("week", "Europe/Berlin", utc(2026, 3, 27), utc(2026, 3, 22, 23), utc(2026, 3, 29, 22)),
        # New York falls back on 1 November 2026: that month is 30 d + 1 h long.
        ("month", "America/New_York", AT, utc(2026, 11, 1, 4), utc(2026, 12, 1, 5)),
        # Local time decides the period: 23:30 UTC on 30 Nov is already December in Tokyo.
        ("month", "Asia/Tokyo", utc(2026, 11, 30, 23, 30), utc(2026, 11, 30, 15), utc(2026, 12, 31, 15)),
    ],
)
def test_period_bounds(period: str, timezone: str, at: datetime, start: datetime, end: datetime) -> None:
    window = CalendarWindow(period, timezone)  # type: ignore[arg-type]
    assert period_bounds(window, at) == (start, end)
    assert window_bounds(window, at) == (start, at)
    assert window_length(window, at) == end - start


def test_dst_changes_the_period_length() -> None:
    march = CalendarWindow("month", "Europe/Berlin")
    assert window_length(march, utc(2026, 3, 10)) == timedelta(days=31) - timedelta(hours=1)
    assert window_length(march, utc(2026, 10, 10)) == timedelta(days=31) + timedelta(hours=1)


def test_rolling_window_bounds_and_lookback() -> None:
    assert window_bounds(timedelta(days=30), AT) == (AT - timedelta(days=30), AT)
    assert lookback(timedelta(days=30), AT, DEFAULT_ALERT_TIERS) == timedelta(days=33)
    assert lookback(timedelta(hours=1), AT) == timedelta(hours=1, days=3)
    slow = (AlertTier("ticket", timedelta(days=7), timedelta(hours=12), 10.0),)
    assert lookback(timedelta(days=30), AT, slow) == timedelta(days=37)
    assert lookback(CalendarWindow("month"), AT) == timedelta(days=25, hours=12) + timedelta(days=3)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        window_bounds(timedelta(days=1), datetime(2026, 11, 26))


def test_calendar_month_uses_events_since_the_period_start(make_input) -> None:
    # Hourly steps; 25.5 days into November plus 3 days of October history.
    step = timedelta(hours=1)
    in_period = 25 * 24 + 12
    steps = in_period + 72
    total = np.full(steps, 1000.0)
    bad = np.ones(steps)
    bad[:72] = 500.0  # a disaster in October must not count against November
    bad[-24:] = 2.0  # the last day fails twice as often
    inp = make_input(total - bad, total, window=CalendarWindow("month", "UTC"), step=step)
    (r,) = evaluate([inp], AT)

    bad_so_far = (in_period - 24) * 1.0 + 24 * 2.0
    assert r.total_events == in_period * 1000.0
    assert r.bad_events == bad_so_far
    assert r.error_budget is not None
    assert r.error_budget.consumed == pytest.approx(bad_so_far / (0.001 * in_period * 1000.0))
    # W is the month (30 d), not the elapsed part.
    assert r.alerts[0].factor == pytest.approx(14.4)
    assert r.error_budget.remaining_minutes == pytest.approx(r.error_budget.remaining * 0.001 * 30 * 24 * 60)

    assert r.calendar is not None
    assert r.calendar.period_start == utc(2026, 11, 1)
    assert r.calendar.period_end == utc(2026, 12, 1)
    assert r.calendar.elapsed_share == pytest.approx(25.5 / 30)
    # The remaining 4.5 days at November's traffic rate, failing at the last day's ratio (0.2 %).
    expected_rest = in_period * 1000.0 * (4.5 / 25.5)
    projected = 1 - (bad_so_far + 0.002 * expected_rest) / (in_period * 1000.0 + expected_rest)
    assert r.calendar.projected_sli == pytest.approx(projected)
    assert r.series is not None
    assert r.series.timestamps[0] == np.datetime64("2026-11-01T01:00", "ns")
    assert r.series.remaining[-1] == pytest.approx(r.error_budget.remaining)


def test_calendar_factor_follows_the_dst_length(make_input) -> None:
    at = utc(2026, 3, 31, 12)
    steps = 31 * 24 + 72
    total = np.full(steps, 10.0)
    inp = make_input(
        total, total, window=CalendarWindow("month", "Europe/Berlin"), step=timedelta(hours=1), at=at
    )
    (r,) = evaluate([inp], at)
    assert r.alerts[0].factor == pytest.approx(0.02 * (31 * 24 - 1))
    assert r.calendar is not None
    assert r.calendar.elapsed_share == pytest.approx((30 * 24 + 13) / (31 * 24 - 1))


def test_calendar_window_at_its_first_instant_has_no_data(make_input) -> None:
    at = utc(2026, 11, 1)
    total = np.full(96, 10.0)
    inp = make_input(total, total, window=CalendarWindow("month"), step=timedelta(hours=1), at=at)
    (r,) = evaluate([inp], at)
    assert r.status == "no_data"
    assert r.calendar is not None
    assert r.calendar.elapsed_share == 0.0
    assert r.calendar.projected_sli is None
    # Burn rates look back across the period boundary.
    assert r.burn_rates["1h"] == 0.0


# November (UTC), evaluated on the 26th at noon: 25.5 days (7,344 steps of 5m) are behind, 4.5 ahead.
ELAPSED_STEPS = 7344


@pytest.mark.parametrize(
    ("recent_bad", "expected_steps"),
    [
        # 10x for the last two hours: the 60,060 bad events still allowed go at 100 - 10 per step, as
        # the allowance grows by 1 % of the 1,000 requests each step brings
        (100.0, (0.01 * 1000 * ELAPSED_STEPS - (1.5 * (ELAPSED_STEPS - 24) + 100 * 24)) / (100 - 10)),
        # 2x: 61,980 allowed at 20 - 10 per step would take 21.5 days, after the budget starts afresh
        (20.0, None),
        # 0.15x: a calendar budget grows faster than it is spent, so it never runs out
        (1.5, None),
    ],
)
def test_time_to_exhaustion_on_a_calendar_window_only_before_the_period_end(
    make_input, recent_bad: float, expected_steps: float | None
) -> None:
    window = CalendarWindow("month", "UTC")
    step = timedelta(minutes=5)
    steps = int(lookback(window, AT, DEFAULT_ALERT_TIERS) / step)
    total = np.full(steps, 1000.0)
    bad = np.full(steps, 1.5)  # 0.15x all month
    bad[-24:] = recent_bad  # the last two hours
    (r,) = evaluate([make_input(total - bad, total, target=0.99, window=window)], AT)
    assert r.error_budget is not None
    assert r.error_budget.remaining_events == pytest.approx(
        0.01 * 1000 * ELAPSED_STEPS - (1.5 * (ELAPSED_STEPS - 24) + recent_bad * 24)
    )
    if expected_steps is None:
        assert r.time_to_exhaustion is None
    else:
        assert AT + expected_steps * step < utc(2026, 12, 1)
        assert r.time_to_exhaustion == pytest.approx(expected_steps * step, abs=timedelta(milliseconds=1))
