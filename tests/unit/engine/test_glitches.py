"""Broken counts (issue 11, point 1): reported for that objective, never folded into a budget.

Infinite counts, counts above 2^63 a step, negative counts and good above total (beyond one event or
0.1 % of the step's total) make the objective an ``error`` naming what was wrong and when; another
objective evaluated in the same block keeps its figures.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from slokit.engine import WindowTotals, evaluate

from .conftest import AT, MakeInput

STEPS = 4 * 288  # a 1d window and 3 days of history before it
ADVICE = "the counter or the query is broken (see 'Broken counts' in docs/engine.md)"
# Step i ends at AT - (STEPS - 1 - i) * 5m; the one below is 2 hours before AT.
AT_MINUS_2H = "2026-11-26T10:00:00Z"
TWO_HOURS_BACK = STEPS - 1 - 24


def steady() -> tuple[np.ndarray, np.ndarray]:
    total = np.full(STEPS, 1000.0)
    return total - 0.5, total


@pytest.mark.parametrize(
    ("good_value", "total_value", "counted", "what"),
    [
        (999.5, math.inf, "good", "total is +Inf events, beyond any counter (limit 2^63, about 9.2e18)"),
        (999.5, 1e308, "good", "total is 1e+308 events, beyond any counter (limit 2^63, about 9.2e18)"),
        (-math.inf, 1000.0, "good", "good is -Inf events, beyond any counter (limit 2^63, about 9.2e18)"),
        (-math.inf, 1000.0, "bad", "bad is +Inf events, beyond any counter (limit 2^63, about 9.2e18)"),
        (0.0, -50.0, "good", "total is -50 events, a negative count"),
        (-20.0, 1000.0, "good", "good is -20 events, a negative count (total 1000)"),
        (1050.0, 1000.0, "good", "good (1050) exceeds total (1000)"),
        # A bad counter that went backwards by 50: good = total - bad = 1050.
        (1050.0, 1000.0, "bad", "bad is -50 events, a negative count (total 1000)"),
        (-300.0, 1000.0, "bad", "bad (1300) exceeds total (1000)"),
    ],
)
def test_a_broken_count_is_an_error_naming_it_and_its_step(
    make_input: MakeInput, good_value: float, total_value: float, counted: str, what: str
) -> None:
    good, total = steady()
    good[TWO_HOURS_BACK], total[TWO_HOURS_BACK] = good_value, total_value
    healthy_good, healthy_total = steady()
    broken, healthy = evaluate(
        [
            make_input(good, total, key="svc/broken", window=timedelta(days=1), counted=counted),
            make_input(healthy_good, healthy_total, key="svc/healthy", window=timedelta(days=1)),
        ],
        AT,
    )
    assert broken.status == "error"
    assert broken.error == f"svc/broken: {what} in the step ending {AT_MINUS_2H}; {ADVICE}"
    assert (broken.sli, broken.error_budget, broken.bad_events) == (None, None, None)
    # The healthy objective shares the block: 0.5 bad in 1000 a step, against a 99.9 % target.
    assert healthy.status == "ok"
    assert healthy.sli == pytest.approx(0.9995)
    assert healthy.total_events == 288 * 1000.0
    assert healthy.burn_rates["1h"] == pytest.approx(0.5)


def test_every_broken_step_is_counted(make_input: MakeInput) -> None:
    good, total = steady()
    total[[10, 500, TWO_HOURS_BACK]] = -7.0  # one in the history before the window: a broken counter too
    [result] = evaluate([make_input(good, total, window=timedelta(days=1))], AT)
    assert result.error == (
        "svc/avail: total is -7 events, a negative count in the step ending 2026-11-22T12:55:00Z, "
        f"and in 2 more steps; {ADVICE}"
    )


def test_counts_within_the_slack_are_clipped_not_refused(make_input: MakeInput) -> None:
    """One event, or 0.1 % of a big step's total: increase() extrapolation, not a broken counter."""
    good, total = steady()
    total[-1] = 1_000_000.0
    good[-1] = 1_000_900.0  # 0.09 % above total
    good[-2] = 1000.9
    total[-3], good[-3] = -0.5, -0.5
    [result] = evaluate([make_input(good, total, window=timedelta(days=1))], AT)
    assert result.status != "error"
    want_total = 285 * 1000.0 + 1000.0 + 1_000_000.0  # the -0.5 step counts 0
    assert result.total_events == want_total
    assert result.bad_events == 285 * 0.5  # clipped steps have no bad events


def test_a_broken_step_after_the_evaluation_time_is_not_read(make_input: MakeInput) -> None:
    good, total = np.full(STEPS + 1, 999.5), np.full(STEPS + 1, 1000.0)
    total[-1] = math.inf
    [result] = evaluate([make_input(good, total, window=timedelta(days=1), at=AT + timedelta(minutes=5))], AT)
    assert result.status == "ok"
    assert result.total_events == 288 * 1000.0


def test_a_broken_window_total_is_an_error(make_input: MakeInput) -> None:
    good, total = steady()
    windows = (timedelta(hours=1), timedelta(days=1))
    totals = WindowTotals(AT, windows, np.array([11_976.0, 287_424.0]), np.array([12_000.0, -1e19]))
    [result] = evaluate([make_input(good, total, window=timedelta(days=1), window_totals=totals)], AT)
    assert result.error == (
        "svc/avail: total is -1e+19 events, beyond any counter (limit 2^63, about 9.2e18) over the 1d "
        f"window ending 2026-11-26T12:00:00Z; {ADVICE}"
    )


def test_time_slices_are_not_judged_as_counts(make_input: MakeInput) -> None:
    values = np.ones(STEPS)
    [result] = evaluate([make_input(values, values, window=timedelta(days=1), timeslices=True)], AT)
    assert result.status == "ok"
