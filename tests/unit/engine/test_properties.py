"""Property tests (hypothesis) of the engine's invariants, checked against the raw events."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slokit.engine import ObjectiveResult, evaluate

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
WINDOW_STEPS = 36  # a 3 h window
WINDOW = WINDOW_STEPS * STEP
TOL = 1e-9


@dataclass(frozen=True)
class Case:
    good: np.ndarray
    total: np.ndarray
    target: float


@st.composite
def cases(draw: st.DrawFn, min_steps: int = 1) -> Case:
    steps = draw(st.integers(min_steps, 80))
    total = np.array(draw(st.lists(st.integers(0, 10**6), min_size=steps, max_size=steps)), dtype=float)
    bad_share = np.array(draw(st.lists(st.floats(0, 1), min_size=steps, max_size=steps)))
    bad = np.floor(total * bad_share * draw(st.sampled_from([1.0, 0.01, 0.0001])))
    missing = np.array(draw(st.lists(st.booleans(), min_size=steps, max_size=steps)))
    good = total - bad
    total[missing] = np.nan
    good[missing & draw(st.booleans())] = np.nan  # NaN in good alone also means "no data"
    target = draw(st.sampled_from([0.9, 0.99, 0.995, 0.999, 0.9999]))
    return Case(good, total, target)


def run(make_input, case: Case, scale: float = 1.0) -> ObjectiveResult:
    inp = make_input(case.good * scale, case.total * scale, target=case.target, window=WINDOW)
    return evaluate([inp], AT)[0]


def window_events(case: Case, steps: int = WINDOW_STEPS) -> tuple[float, float]:
    good, total = case.good[-steps:], case.total[-steps:]
    keep = ~(np.isnan(good) | np.isnan(total))
    return float(good[keep].sum()), float(total[keep].sum())


def close(a: float | None, b: float | None, tol: float = TOL) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_remaining_is_one_minus_consumed(make_input, case: Case) -> None:
    r = run(make_input, case)
    if r.error_budget is None:
        return
    good, total = window_events(case)
    assert close(r.error_budget.remaining, 1 - r.error_budget.consumed)
    assert close(r.error_budget.consumed, (total - good) / ((1 - case.target) * total))


@settings(max_examples=100, deadline=None)
@given(case=cases(), index=st.integers(0, 79), extra=st.integers(1, 10**6), also_total=st.booleans())
def test_more_bad_events_never_raise_remaining(
    make_input, case: Case, index: int, extra: int, also_total: bool
) -> None:
    before = run(make_input, case)
    i = index % case.total.size
    if np.isnan(case.total[i]) or np.isnan(case.good[i]):
        return
    good, total = case.good.copy(), case.total.copy()
    if also_total:
        total[i] += extra  # extra failed requests
    else:
        good[i] = max(0.0, good[i] - extra)  # successes turned into failures
    after = run(make_input, Case(good, total, case.target))
    if before.error_budget is None or after.error_budget is None:
        return
    assert after.error_budget.remaining <= before.error_budget.remaining + TOL
    for key, rate in after.burn_rates.items():
        prior = before.burn_rates[key]
        if rate is not None and prior is not None:
            assert rate >= prior - TOL


@settings(max_examples=100, deadline=None)
@given(case=cases(), scale=st.sampled_from([0.001, 0.5, 3.0, 1000.0, 2.0**20]))
def test_scaling_all_events_changes_no_ratio(make_input, case: Case, scale: float) -> None:
    a, b = run(make_input, case), run(make_input, case, scale)
    assert a.status == b.status or {a.status, b.status} <= {"ok", "warning", "exhausted"}
    assert close(a.sli, b.sli)
    for key in a.burn_rates:
        assert close(a.burn_rates[key], b.burn_rates[key], 1e-7)
    if a.error_budget is not None:
        assert b.error_budget is not None
        assert close(a.error_budget.consumed, b.error_budget.consumed, 1e-7)
        assert close(a.error_budget.remaining, b.error_budget.remaining, 1e-7)
        assert close(a.error_budget.remaining_minutes, b.error_budget.remaining_minutes, 1e-7)
    if math.frexp(scale)[0] == 0.5:
        # Only a power of two scales exactly: otherwise a step at exactly 1x may round to either side.
        assert [(i.start, i.end) for i in a.incidents] == [(i.start, i.end) for i in b.incidents]
        for x, y in zip(a.incidents, b.incidents, strict=True):
            assert close(x.budget_share, y.budget_share)


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_window_sli_equals_the_sli_of_the_raw_events(make_input, case: Case) -> None:
    r = run(make_input, case)
    good, total = window_events(case)
    if total > 0:
        assert r.sli is not None
        assert close(r.sli, good / total)
        assert close(r.total_events, total) and close(r.good_events, good)
    else:
        assert r.sli is None
        assert r.status == "no_data"


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_burn_rates_are_never_negative(make_input, case: Case) -> None:
    r = run(make_input, case)
    assert all(rate is None or rate >= 0 for rate in r.burn_rates.values())
    assert all(a.long_burn_rate is None or a.long_burn_rate >= 0 for a in r.alerts)
    if r.series is not None:
        burn = r.series.burn_rate
        assert np.all(burn[~np.isnan(burn)] >= 0)


def _numbers(obj: object) -> list[float | None]:
    out: list[float | None] = []
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, float) or value is None:
            out.append(value)
        elif hasattr(value, "__dataclass_fields__") and f.name != "series":
            out.extend(_numbers(value))
    return out


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_nan_steps_never_make_nan_outputs_where_the_window_has_data(make_input, case: Case) -> None:
    r = run(make_input, case)
    values = _numbers(r) + list(r.burn_rates.values())
    for item in (*r.alerts, *r.incidents):
        values += _numbers(item)
    assert not any(isinstance(v, float) and math.isnan(v) for v in values)

    _, total = window_events(case)
    if total > 0:
        assert r.sli is not None and r.error_budget is not None
        assert r.status in {"ok", "warning", "exhausted"}
    assert r.coverage is not None
    covered_burns = r.coverage.covered_burn_rates
    assert not any(isinstance(v, float) and math.isnan(v) for v in covered_burns.values())
    with_data = np.flatnonzero(~(np.isnan(case.good) | np.isnan(case.total)))
    first = int(with_data[0]) if with_data.size else case.total.size
    for key, steps in (("5m", 1), ("30m", 6), ("1h", 12), ("2h", 24)):
        _, burn_total = window_events(case, steps)
        assert (covered_burns[key] is not None) == (burn_total > 0), key
        # A burn window the data does not fill from its start has no burn rate of its own.
        complete = first <= case.total.size - steps
        assert r.burn_rates[key] == (covered_burns[key] if complete else None), key
