"""Incidents: runs of steps burning above 1x, merged across short gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import Policy, evaluate

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
DAY_STEPS = 288
STEPS = 4 * DAY_STEPS  # 1 d window + 3 d lookback
WINDOW_START = STEPS - DAY_STEPS


def step_end(index: int) -> datetime:
    return AT - (STEPS - 1 - index) * STEP


def test_runs_merge_across_gaps_shorter_than_15_minutes(make_input) -> None:
    total = np.full(STEPS, 100.0)
    bad = np.zeros(STEPS)
    w = WINDOW_START
    bad[w - 1] = 50.0  # before the window: not an incident of this window
    bad[w + 100 : w + 103] = 5.0  # run A (5x at 99 %)
    bad[w + 103] = 1.0  # exactly 1x: quiet, but its bad events belong to the merged incident
    bad[w + 105] = 5.0  # run B, 10 minutes after A: merged
    bad[w + 109 : w + 111] = 5.0  # run C, 15 minutes after B: separate
    bad[w + 200] = 5.0  # run D, with data missing around it
    total[w + 199] = np.nan
    total[w + 201] = np.nan
    inp = make_input(
        total - bad, total, target=0.99, window=timedelta(days=1), policy=Policy(postmortem_over=5.0)
    )
    (r,) = evaluate([inp], AT)

    allowed = 0.01 * 100 * (DAY_STEPS - 2)  # two NaN steps carry no events
    assert r.error_budget is not None
    assert r.error_budget.allowed_bad_events == pytest.approx(allowed)
    got = [(i.start, i.end, i.bad_events) for i in r.incidents]
    assert got == [
        (step_end(w + 100) - STEP, step_end(w + 105), 21.0),
        (step_end(w + 109) - STEP, step_end(w + 110), 10.0),
        (step_end(w + 200) - STEP, step_end(w + 200), 5.0),
    ]
    assert [i.budget_share for i in r.incidents] == pytest.approx([21 / allowed, 10 / allowed, 5 / allowed])
    assert [i.postmortem_required for i in r.incidents] == [True, False, False]
    assert all(i.start.tzinfo is not None for i in r.incidents)


def test_gap_of_two_quiet_steps_merges_three_do_not(make_input) -> None:
    def incidents_with_gap(quiet: int) -> int:
        total = np.full(STEPS, 100.0)
        bad = np.zeros(STEPS)
        bad[-20] = 10.0
        bad[-20 + quiet + 1] = 10.0
        (r,) = evaluate([make_input(total - bad, total, target=0.99, window=timedelta(days=1))], AT)
        return len(r.incidents)

    assert incidents_with_gap(1) == 1
    assert incidents_with_gap(2) == 1
    assert incidents_with_gap(3) == 2


def test_an_incident_still_open_at_the_evaluation_time_ends_at_it(make_input) -> None:
    total = np.full(STEPS, 100.0)
    good = total.copy()
    good[-3:] = 0.0
    (r,) = evaluate([make_input(good, total, window=timedelta(days=1))], AT)
    assert len(r.incidents) == 1
    assert r.incidents[0].end == AT
    assert r.incidents[0].start == AT - 3 * STEP
    assert r.incidents[0].postmortem_required  # 300 bad of 28.8 allowed


@pytest.mark.parametrize(
    ("target", "total"), [(0.999, 1000.0), (0.99, 100.0), (0.995, 200.0), (0.9999, 10_000.0)]
)
def test_a_step_burning_exactly_1x_is_not_an_incident(make_input, target: float, total: float) -> None:
    totals = np.full(STEPS, total)
    good = totals.copy()
    good[-5:] -= 1.0
    (r,) = evaluate([make_input(good, totals, target=target, window=timedelta(days=1))], AT)
    assert r.incidents == ()
    good[-5] -= 1.0
    (r,) = evaluate([make_input(good, totals, target=target, window=timedelta(days=1))], AT)
    assert len(r.incidents) == 1


def test_runs_below_a_thousandth_of_the_budget_are_noise_not_incidents(make_input) -> None:
    # 30 d at 99.9 % with 1,000 requests per step: the window allows 8,640 bad events.
    steps = 33 * DAY_STEPS
    total = np.full(steps, 1000.0)
    bad = np.zeros(steps)
    bad[-2000] = 2.0  # one step at 2x: 2 events, 0.023 % of the budget
    bad[-1000] = 8.0  # one step at 8x: 8 events, 0.093 %
    bad[-500:-498] = 10.0  # ten minutes at 10x: 20 events, 0.23 %
    inp = make_input(total - bad, total, target=0.999, window=timedelta(days=30))
    (r,) = evaluate([inp], AT)
    assert r.error_budget is not None
    assert r.error_budget.allowed_bad_events == pytest.approx(8640.0)
    assert [(i.bad_events, i.budget_share) for i in r.incidents] == [(20.0, pytest.approx(20 / 8640))]
    assert r.bad_events == 30.0  # the noise still counts against the budget


def test_one_failure_on_a_low_traffic_service_is_an_incident(make_input) -> None:
    # The SRE workbook's low-traffic case: 10 requests an hour, one fails: 13.9 % of a 30 d 99.9 % budget.
    steps = 33 * 24
    total = np.full(steps, 10.0)
    bad = np.zeros(steps)
    bad[-5] = 1.0
    inp = make_input(total - bad, total, target=0.999, window=timedelta(days=30), step=timedelta(hours=1))
    (r,) = evaluate([inp], AT)
    assert [i.budget_share for i in r.incidents] == [pytest.approx(1 / 7.2)]
