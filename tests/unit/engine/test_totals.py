"""Window totals (issue 10, point 0): where the source counted a window whole, its figures come from that.

The step series here lose events on purpose, as summed 5m increases do at scrape gaps and restarts: the totals
hold the events the steps missed, and every window figure must follow the totals, while charts, incidents and
coverage keep using the steps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from slokit.engine import (
    BURN_WINDOWS,
    DEFAULT_ALERT_TIERS,
    AlertTier,
    CalendarWindow,
    WindowTotals,
    evaluate,
    totals_windows,
)

from .conftest import AT, FIVE_MIN, MakeInput

DAY = timedelta(days=1)
STEPS = 33 * 288  # 30 days and 3 days of burn history at 5m
WINDOWS = (*BURN_WINDOWS.values(), timedelta(days=30))


def steady(bad_per_step: float = 1.0, total_per_step: float = 1000.0) -> tuple[np.ndarray, np.ndarray]:
    total = np.full(STEPS, total_per_step)
    return total - bad_per_step, total


def totals(good: dict[timedelta, float], total: dict[timedelta, float], at: datetime = AT) -> WindowTotals:
    windows = tuple(sorted(total))
    return WindowTotals(
        at,
        windows,
        np.array([good.get(w, np.nan) for w in windows]),
        np.array([total[w] for w in windows]),
    )


def counted_as_steps(bad_per_step: float, total_per_step: float, extra_bad: float = 0.0) -> WindowTotals:
    """Totals that agree with steady steps, plus ``extra_bad`` events in every window the steps never saw."""
    steps = {w: w / FIVE_MIN for w in WINDOWS}
    total = {w: n * total_per_step + extra_bad for w, n in steps.items()}
    good = {w: n * (total_per_step - bad_per_step) for w, n in steps.items()}
    return totals(good, total)


def test_window_events_budget_and_burn_rates_come_from_the_totals(make_input: MakeInput) -> None:
    """Steps of 1 bad in 2000 events; the totals hold 300 more bad events in every window (first errors after
    restarts, say, which the steps could not see). Events, SLI, budget, every burn rate and so the alert tiers
    are the totals'."""
    good, total = steady(bad_per_step=0.5)
    extra = 300.0
    [with_totals] = evaluate([make_input(good, total, window_totals=counted_as_steps(0.5, 1000, extra))], AT)
    [steps_only] = evaluate([make_input(good, total)], AT)

    bad_30d = 30 * 288 * 0.5 + extra
    total_30d = 30 * 288 * 1000 + extra
    assert steps_only.bad_events == 30 * 288 * 0.5
    assert with_totals.bad_events == pytest.approx(bad_30d)
    assert with_totals.total_events == pytest.approx(total_30d)
    assert with_totals.sli == pytest.approx(1 - bad_30d / total_30d)
    assert with_totals.error_budget is not None
    assert with_totals.error_budget.remaining == pytest.approx(1 - bad_30d / (0.001 * total_30d))
    for key, window in BURN_WINDOWS.items():
        n = window / FIVE_MIN
        expected = (n * 0.5 + extra) / (n * 1000 + extra) / 0.001
        assert with_totals.burn_rates[key] == pytest.approx(expected), key
        assert steps_only.burn_rates[key] == pytest.approx(0.5), key
    # 1h/5m at 14.4: 306 bad in 12,300 events is 24.9x, 300.5 in 1,300 is 231.2x.
    page = with_totals.alerts[0]
    assert (page.long_window, page.short_window) == (timedelta(hours=1), timedelta(minutes=5))
    assert (page.long_burn_rate, page.short_burn_rate) == (
        with_totals.burn_rates["1h"],
        with_totals.burn_rates["5m"],
    )
    assert page.firing and not steps_only.alerts[0].firing
    assert (with_totals.status, steps_only.status) == ("warning", "ok")


def test_the_chart_still_ends_at_the_reported_budget(make_input: MakeInput) -> None:
    """The budget line is drawn from the steps, with the events they missed spread like those they saw."""
    good, total = steady()
    [result] = evaluate([make_input(good, total, window_totals=counted_as_steps(1, 1000, 500.0))], AT)
    assert result.series is not None and result.error_budget is not None
    assert result.series.remaining[-1] == pytest.approx(result.error_budget.remaining)
    assert np.all(np.diff(result.series.remaining) <= 1e-12)  # still a burn-down
    assert result.series.remaining[0] > result.error_budget.remaining


def test_bad_events_only_the_totals_saw_are_spread_over_the_window(make_input: MakeInput) -> None:
    good, total = steady(bad_per_step=0.0)
    window_totals = counted_as_steps(0, 1000, 2.0)
    [result] = evaluate([make_input(good, total, window_totals=window_totals)], AT)
    assert result.bad_events == pytest.approx(2.0)
    assert result.series is not None and result.error_budget is not None
    assert result.series.remaining[-1] == pytest.approx(result.error_budget.remaining)
    # Half way through the window, half of them are spent.
    spent = 1 - result.series.remaining[len(result.series.remaining) // 2]
    assert spent == pytest.approx(1.0 / (0.001 * (30 * 288 * 1000 + 2)), rel=1e-2)


def test_incidents_and_coverage_stay_with_the_steps(make_input: MakeInput) -> None:
    good, total = steady(bad_per_step=0.0)
    good[-20:-14] = 900.0  # half an hour at 100x, an hour and a half ago
    [steps_only] = evaluate([make_input(good, total)], AT)
    [with_totals] = evaluate([make_input(good, total, window_totals=counted_as_steps(0, 1000, 7.0))], AT)
    assert [(i.start, i.end, i.bad_events) for i in with_totals.incidents] == [
        (i.start, i.end, i.bad_events) for i in steps_only.incidents
    ]
    assert len(with_totals.incidents) == 1
    assert with_totals.coverage is not None and steps_only.coverage is not None
    assert with_totals.coverage.first_data == steps_only.coverage.first_data
    assert with_totals.coverage.window == steps_only.coverage.window
    assert with_totals.coverage.burn_windows == steps_only.coverage.burn_windows


@pytest.mark.parametrize(
    "change",
    ["none", "other instant", "window missing", "total without data"],
)
def test_without_usable_totals_the_steps_are_summed_as_before(make_input: MakeInput, change: str) -> None:
    """Old snapshots and synthetic inputs carry no totals; totals counted at another instant end elsewhere;
    a window the source did not count, or whose total had no data, falls back to the steps."""
    good, total = steady()
    extra = counted_as_steps(1, 1000, 100.0)
    window_totals: WindowTotals | None
    if change == "none":
        window_totals = None
    elif change == "other instant":
        window_totals = WindowTotals(AT - FIVE_MIN, extra.windows, extra.good, extra.total)
    elif change == "window missing":
        keep = [i for i, w in enumerate(extra.windows) if w != timedelta(days=30)]
        window_totals = WindowTotals(
            AT, tuple(extra.windows[i] for i in keep), extra.good[keep], extra.total[keep]
        )
    else:
        window_totals = WindowTotals(AT, extra.windows, extra.good, np.full(len(extra.windows), np.nan))
    [got] = evaluate([make_input(good, total, window_totals=window_totals)], AT)
    [want] = evaluate([make_input(good, total)], AT)
    assert got.bad_events == want.bad_events == 30 * 288
    assert got.error_budget == want.error_budget
    if change != "window missing":
        assert got.burn_rates == want.burn_rates


def test_totals_are_cleaned_like_steps(make_input: MakeInput) -> None:
    """Extrapolation can make good exceed total, or a count go negative: clipped as steps are."""
    good, total = steady()
    window_totals = totals(
        {w: 1001.0 * (w / FIVE_MIN) for w in WINDOWS}, {w: 1000.0 * (w / FIVE_MIN) for w in WINDOWS}
    )
    [result] = evaluate([make_input(good, total, window_totals=window_totals)], AT)
    assert result.bad_events == 0
    assert result.sli == 1.0
    assert all(v == 0 for v in result.burn_rates.values())


def test_time_slices_ignore_totals(make_input: MakeInput) -> None:
    values = np.ones(STEPS)
    values[-3:] = 0.0
    [got] = evaluate(
        [make_input(values, np.ones(STEPS), timeslices=True, window_totals=counted_as_steps(0, 1000, 50.0))],
        AT,
    )
    assert got.bad_events == 3 and got.total_events == 30 * 288


def test_a_calendar_window_reads_the_period_so_far(make_input: MakeInput) -> None:
    """AT is 2026-11-26T12:00Z: November in UTC so far is 25 days and 12 hours."""
    window = CalendarWindow("month", "UTC")
    so_far = timedelta(days=25, hours=12)
    assert so_far in totals_windows(window, AT, DEFAULT_ALERT_TIERS)
    good, total = steady()
    window_totals = totals({so_far: 5000.0}, {so_far: 6000.0})
    [result] = evaluate([make_input(good, total, window=window, window_totals=window_totals)], AT)
    assert (result.good_events, result.bad_events, result.total_events) == (5000.0, 1000.0, 6000.0)


def test_totals_windows_are_the_objective_window_and_every_burn_and_tier_window() -> None:
    tiers = (*DEFAULT_ALERT_TIERS, AlertTier("ticket", 7 * DAY, DAY, 50.0))
    got = totals_windows(timedelta(days=28), AT, tiers)
    assert got == tuple(sorted({*BURN_WINDOWS.values(), 28 * DAY, 7 * DAY}))
    # A calendar period that starts at the evaluation time has nothing to count yet.
    start_of_december = AT.replace(month=12, day=1, hour=0)
    assert totals_windows(CalendarWindow("month", "UTC"), start_of_december) == tuple(BURN_WINDOWS.values())


def test_the_forecast_takes_the_last_hour_from_the_totals(make_input: MakeInput) -> None:
    """Arrivals come at the 1h burn rate the report shows: 20x from the totals, not the steps' 0.5x."""
    good, total = steady(bad_per_step=0.5)
    hour, month = timedelta(hours=1), timedelta(days=30)
    window_totals = totals(
        {hour: 12_000 - 240.0, month: 8_640_000 - 4_320.0}, {hour: 12_000.0, month: 8_640_000.0}
    )
    [steps_only] = evaluate([make_input(good, total)], AT)
    [with_totals] = evaluate([make_input(good, total, window_totals=window_totals)], AT)
    assert with_totals.burn_rates["1h"] == pytest.approx(20.0)
    assert steps_only.time_to_exhaustion is None  # 0.5x never exhausts a rolling window
    assert with_totals.time_to_exhaustion is not None
    # Half the budget left, arriving at 20x while 0.5x leaves: about 0.5 * 30 d / 19.5.
    assert with_totals.time_to_exhaustion.total_seconds() == pytest.approx(0.5 * 30 * 86400 / 19.5, rel=0.01)
