"""Precision (issue 11, point 1): one huge count must not wipe out the small ones in other windows.

A counter glitch of 2e17 events in one step, then normal traffic: with plain running totals every later
window sum was read back in multiples of 32 events, and the issue's probe got SLI 1.0 and a full budget
for an objective spending it at 1.5x. Expected figures here are plain Python sums (``math.fsum``) of the
events in each window, computed from the series the test built, not from slokit.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from slokit.engine import ObjectiveResult, evaluate

from .conftest import AT, MakeInput

WINDOW = timedelta(days=30)
WINDOW_STEPS = 30 * 288
STEPS = 33 * 288  # the window and 3 days of burn history before it, as the source fetches
GLITCH = 2e17
TARGET = 0.99


def traffic(seed: int, steps: int = STEPS, fractional: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """About 1000 events a step, 1.5 % of them bad (SLI 0.985 against a 99 % target: budget -50 %)."""
    rng = np.random.default_rng(seed)
    total = rng.integers(900, 1100, steps).astype(np.float64)
    if fractional:  # increase() extrapolates: real step counts are rarely whole
        total *= 1.0137
    good = total * 0.985
    return good, total


def in_window(values: np.ndarray, steps: int) -> float:
    """Plain sum of the last ``steps`` steps (the last step ends at the evaluation time)."""
    return math.fsum(values[-steps:].tolist())


def expect_window_figures(result: ObjectiveResult, good: np.ndarray, total: np.ndarray) -> None:
    want_good, want_total = in_window(good, WINDOW_STEPS), in_window(total, WINDOW_STEPS)
    want_bad = want_total - want_good
    assert result.total_events == pytest.approx(want_total, rel=1e-12)
    assert result.bad_events == pytest.approx(want_bad, rel=1e-9)
    assert result.sli == pytest.approx(want_good / want_total, rel=1e-12)
    assert result.error_budget is not None
    assert result.error_budget.remaining == pytest.approx(1 - want_bad / (0.01 * want_total), rel=1e-9)
    for key, steps in (("5m", 1), ("1h", 12), ("1d", 288), ("3d", 864)):
        bad = in_window(total, steps) - in_window(good, steps)
        assert result.burn_rates[key] == pytest.approx(bad / in_window(total, steps) / 0.01, rel=1e-9)


@pytest.mark.parametrize("fractional", [False, True], ids=["whole counts", "extrapolated counts"])
@pytest.mark.parametrize("where", [0, STEPS - WINDOW_STEPS - 1], ids=["first step", "step before window"])
def test_a_huge_count_before_the_window_does_not_change_its_figures(
    make_input: MakeInput, where: int, fractional: bool
) -> None:
    """The issue's example: SLI 0.985 and budget -50 %, not 1.0 and 100 %."""
    good, total = traffic(1, fractional=fractional)
    total[where] = GLITCH
    [result] = evaluate([make_input(good, total, target=TARGET, window=WINDOW)], AT)
    assert result.status == "exhausted"
    assert result.sli == pytest.approx(0.985, rel=1e-12)
    assert result.error_budget is not None
    assert result.error_budget.remaining == pytest.approx(-0.5, rel=1e-9)
    expect_window_figures(result, good, total)
    # The chart ends at the reported budget and burns at 1.5x all along, the glitch an hour or more behind.
    assert result.series is not None
    assert result.series.remaining[-1] == pytest.approx(-0.5, rel=1e-9)
    assert np.allclose(result.series.burn_rate, 1.5, rtol=1e-9)


def test_a_huge_count_inside_the_window_moves_only_the_windows_it_is_in(make_input: MakeInput) -> None:
    good, total = traffic(2)
    glitch = STEPS - 5 * 288  # 5 days before the evaluation: in the 30d window, not in the 3d one
    total[glitch] = GLITCH
    [result] = evaluate([make_input(good, total, target=TARGET, window=WINDOW)], AT)
    expect_window_figures(result, good, total)
    assert result.sli == pytest.approx(in_window(good, WINDOW_STEPS) / (GLITCH + 9_000_000), rel=1e-3)
    assert result.status == "exhausted"
    # Its incident holds the glitch's bad events and the steady 1.5 % of the steps around it.
    assert result.incidents
    biggest = max(result.incidents, key=lambda i: i.bad_events)
    assert biggest.bad_events == pytest.approx(in_window(total, WINDOW_STEPS) - in_window(good, WINDOW_STEPS))
    # Chart points after the glitch burn at 1.5x again, exactly.
    assert result.series is not None
    after = result.series.timestamps > np.datetime64(AT.replace(tzinfo=None) - timedelta(days=4))
    assert np.allclose(result.series.burn_rate[after], 1.5, rtol=1e-9)


def test_a_huge_count_after_the_evaluation_time_changes_nothing(make_input: MakeInput) -> None:
    good, total = traffic(3, steps=STEPS + 12)
    total[-1] = GLITCH  # the last step of the series, an hour after the evaluation time
    [result] = evaluate(
        [make_input(good, total, target=TARGET, window=WINDOW, at=AT + timedelta(hours=1))], AT
    )
    expect_window_figures(result, good[:-12], total[:-12])


def test_the_forecast_sees_the_events_that_leave_after_a_huge_count(make_input: MakeInput) -> None:
    """A budget with room left, after a 2e17 glitch of good events before the window: the steps that leave
    the rolling window are read exactly, so time to exhaustion matches the one without the glitch."""
    good, total = traffic(4)
    good = total * 0.9995  # burning at 0.05x
    good[-12:] = total[-12:] * 0.97  # the last hour burns at 3x
    plain = evaluate([make_input(good, total, target=TARGET, window=WINDOW)], AT)[0]
    good[10] = total[10] = GLITCH
    glitched = evaluate([make_input(good, total, target=TARGET, window=WINDOW)], AT)[0]
    assert plain.time_to_exhaustion is not None
    assert glitched.time_to_exhaustion == plain.time_to_exhaustion
    assert glitched.error_budget is not None and plain.error_budget is not None
    assert glitched.error_budget.remaining == pytest.approx(plain.error_budget.remaining, rel=1e-12)
