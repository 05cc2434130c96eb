"""Time to exhaustion on rolling windows (issue 10, point 3): roll the window forward.

Old bad events leave a rolling window as new ones arrive, so a steady burn below 1 never spends the budget;
the forecast lets the known old steps leave and new events arrive at the last hour's rates. Each case is
built so the answer follows from the construction with pencil-and-paper arithmetic (written out beside
it); the last test holds the vectorised engine to a plain step-by-step simulation on mixed rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import evaluate

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
DAY_STEPS = 288
WINDOW_STEPS = 30 * DAY_STEPS  # 8,640 steps of 5m in 30 days
LOOKBACK_STEPS = WINDOW_STEPS + 3 * DAY_STEPS
PER_STEP = 1200.0  # requests per 5m step
ALLOWANCE = 0.001 * PER_STEP  # 1.2 bad events allowed per step at 99.9 %
TOLERANCE = timedelta(seconds=1)


def steady(burn: float) -> tuple[np.ndarray, np.ndarray]:
    """Constant traffic failing at ``burn`` times the error budget rate all along."""
    total = np.full(LOOKBACK_STEPS, PER_STEP)
    bad = np.full(LOOKBACK_STEPS, burn * ALLOWANCE)
    return total - bad, total


def window_step(index: int) -> int:
    """Position in the series of the window's ``index``-th step (0: the oldest, which leaves first)."""
    return LOOKBACK_STEPS - WINDOW_STEPS + index


def test_a_steady_burn_below_1_never_exhausts_a_rolling_window(make_input) -> None:
    (r,) = evaluate([make_input(*steady(0.5))], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining == pytest.approx(0.5)
    assert r.burn_rates["1h"] == pytest.approx(0.5)
    # The old formula, remaining * W / burn, said 30 days: what leaves is what arrives, for ever.
    assert r.time_to_exhaustion is None


def test_a_steady_0_28x_burn_on_a_1h_window_never_exhausts(make_input) -> None:
    # The report said "exhausted in 2h37m" here (issue 10).
    minute = timedelta(minutes=1)
    steps = 60 + 3 * 24 * 60
    total = np.full(steps, 1000.0)
    bad = np.full(steps, 0.28 * 0.001 * 1000)
    (r,) = evaluate([make_input(total - bad, total, window=timedelta(hours=1), step=minute)], AT)

    assert r.error_budget is not None and r.error_budget.remaining == pytest.approx(0.72)
    assert r.time_to_exhaustion is None


def test_a_2x_burn_from_a_full_budget_runs_out_after_half_the_30d_window(make_input) -> None:
    # Clean history; the last hour (12 steps) at 2x has already spent 2 * 12 * 1.2 = 28.8 of the 10,368
    # allowed bad events. Each step from now brings 2.4 bad events and 1.2 of allowance, and a clean
    # step leaving takes 1.2 of allowance with it: the gap closes by 2.4 per step, so the remaining
    # 10,339.2 go in 4,308 steps = 15 days less the hour already burnt.
    good, total = steady(0.0)
    good[-12:] = PER_STEP - 2 * ALLOWANCE
    (r,) = evaluate([make_input(good, total)], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining_events == pytest.approx(10368 - 28.8)
    assert r.time_to_exhaustion == pytest.approx(timedelta(days=15) - timedelta(hours=1), abs=TOLERANCE)


def spike_aging_out(recent_burn: float) -> tuple[np.ndarray, np.ndarray]:
    """Clean traffic; one day into the window an hour-long spike spent 60 % of the budget; the last
    hour burns at ``recent_burn``."""
    good, total = steady(0.0)
    spike = slice(window_step(DAY_STEPS), window_step(DAY_STEPS + 12))
    good[spike] = PER_STEP - 0.6 * ALLOWANCE * WINDOW_STEPS / 12  # 518.4 bad events per step
    good[-12:] = PER_STEP - recent_burn * ALLOWANCE
    return good, total


def test_a_spike_that_ages_out_gives_its_budget_back_before_a_1_5x_burn_spends_it(make_input) -> None:
    # Left: 10,368 - 6,220.8 - 12 * 1.8 = 4,125.6 bad events. From now on each step brings 1.8 bad and
    # 1.2 of allowance (+0.6 to the gap); a clean step leaving takes 1.2 of allowance (+1.2).
    # - steps 0-287 of the window (clean) leave: the gap grows by 1.8 a step, to -4,125.6 + 518.4;
    # - steps 288-299 (the spike, 517.2 over its allowance each) leave: -3,607.2 + 12 * (0.6 - 517.2)
    #   = -9,806.4, the budget is back;
    # - clean steps again: 9,806.4 / 1.8 = 5,448 more steps. In all 5,748 steps: 19 days 23 hours.
    # The old formula, remaining * W / burn, said 0.398 * 30 d / 1.5 = 7.96 days.
    (r,) = evaluate([make_input(*spike_aging_out(1.5))], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining_events == pytest.approx(4125.6)
    assert r.burn_rates["1h"] == pytest.approx(1.5)
    assert r.time_to_exhaustion == pytest.approx(5748 * STEP, abs=TOLERANCE)


def test_a_spike_that_ages_out_leaves_a_0_8x_burn_that_never_exhausts(make_input) -> None:
    # 40 % of the budget left at 0.8x: the old formula said 0.4 * 30 d / 0.8 = 15 days, but the spike
    # leaves in a day and a 0.8x burn alone never spends a rolling window's budget.
    (r,) = evaluate([make_input(*spike_aging_out(0.8))], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining == pytest.approx(1 - 0.6 - 0.8 / 720)
    assert r.time_to_exhaustion is None


def test_a_spent_budget_has_no_time_to_exhaustion(make_input) -> None:
    (r,) = evaluate([make_input(*steady(1.5))], AT)

    assert r.status == "exhausted"
    assert r.error_budget is not None and r.error_budget.remaining == pytest.approx(-0.5)
    assert r.time_to_exhaustion is None


def test_time_slices_leave_a_rolling_window_too(make_input) -> None:
    # 1h window of 1m slices at 95 %: 3 bad slices allowed. Two bad slices in the hour (the last 45 and
    # 30 minutes ago) and the same two an hour earlier, all along: 2 bad slices an hour is 0.67x, and
    # each bad slice that leaves is replaced by one arriving. The old formula said 1/3 * 1h / 0.67 = 30m.
    minute = timedelta(minutes=1)
    steps = 60 + 3 * 24 * 60
    good = np.ones(steps)
    good[(np.arange(steps) % 60) == 14] = 0.0
    good[(np.arange(steps) % 60) == 29] = 0.0
    total = np.ones(steps)
    (r,) = evaluate(
        [make_input(good, total, target=0.95, window=timedelta(hours=1), step=minute, timeslices=True)], AT
    )

    assert r.bad_events == 2
    assert r.error_budget is not None and r.error_budget.remaining == pytest.approx(1 / 3)
    assert r.time_to_exhaustion is None


def simulate(good: np.ndarray, total: np.ndarray, target: float, window: int) -> float | None:
    """Steps until the budget is spent, rolling the window one whole step at a time, plainly.

    The window is the last ``window`` steps; each step forward drops its oldest step and adds one step of
    the last 12 steps' mean traffic. Between two whole steps the gap between bad and allowed events is a
    straight line (events leave and arrive evenly), so the crossing is interpolated on it.
    """
    allow = 1 - target
    bad_steps = list(total[-window:] - good[-window:])
    total_steps = list(total[-window:])
    new_bad = float(sum(total[-12:] - good[-12:])) / 12
    new_total = float(sum(total[-12:])) / 12

    def gap() -> float:
        return sum(bad_steps) - allow * sum(total_steps)

    before = gap()
    if before >= 0 or new_total == 0:
        return None
    for k in range(1, window + 1):
        bad_steps.pop(0)
        total_steps.pop(0)
        bad_steps.append(new_bad)
        total_steps.append(new_total)
        after = gap()
        if after >= 0:
            return k - 1 + -before / (after - before)
        before = after
    return None


def test_the_vectorised_forecast_matches_a_step_by_step_simulation(make_input) -> None:
    # A 2-day window keeps the plain simulation quick; rows mix bursts at random places, recent burns
    # from 0 to 3x and traffic that changes over time, so some run out and some never do.
    rng = np.random.default_rng(7)
    window = 2 * DAY_STEPS
    steps = window + 3 * DAY_STEPS
    inputs, series = [], []
    for i in range(40):
        total = rng.poisson(rng.uniform(50, 2000), steps).astype(float) * rng.uniform(0.3, 1.5, steps)
        total = np.round(total)
        ratio = np.full(steps, 0.01 * rng.uniform(0, 0.6))
        for _ in range(int(rng.integers(0, 4))):
            at = int(rng.integers(0, steps - 12))
            ratio[at : at + int(rng.integers(1, 40))] = 0.01 * rng.uniform(2, 30)
        ratio[-12:] = 0.01 * rng.uniform(0, 3)
        bad = np.minimum(total, np.round(total * ratio))
        good = total - bad
        series.append((good, total))
        inputs.append(make_input(good, total, key=f"s/{i}", target=0.99, window=timedelta(days=2)))

    results = evaluate(inputs, AT, incidents=False, series=False)

    expected = [simulate(good, total, 0.99, window) for good, total in series]
    got = [None if r.time_to_exhaustion is None else r.time_to_exhaustion / STEP for r in results]
    assert sum(e is not None for e in expected) >= 5  # both kinds of rows are there
    assert sum(e is None for e in expected) >= 5
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert (g is None) == (e is None), (i, g, e)
        if e is not None:
            assert g == pytest.approx(e, rel=1e-6, abs=1e-6), i
