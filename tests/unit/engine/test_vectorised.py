"""Batching: a mixed fleet evaluated at once equals each objective evaluated alone, in input order."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from slokit.engine import CalendarWindow, ObjectiveInput, ObjectiveResult, evaluate, timeslice_events
from slokit.engine import compute as compute_module

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def comparable(result: ObjectiveResult) -> dict[str, Any]:
    out = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "series"}
    if result.series is not None:
        out["series"] = (
            result.series.timestamps.tolist(),
            np.round(result.series.remaining, 12).tolist(),
            np.round(result.series.burn_rate, 12).tolist(),
        )
    return out


@pytest.fixture
def fleet(make_input) -> list[ObjectiveInput]:
    rng = np.random.default_rng(3)

    def noisy(steps: int) -> tuple[np.ndarray, np.ndarray]:
        total = rng.poisson(500, steps).astype(float)
        good = total - rng.poisson(0.8, steps)
        total[rng.random(steps) < 0.02] = np.nan
        return good, total

    slices = timeslice_events(rng.random(4 * 1440 + 60), ">", 0.01)
    return [
        make_input(*noisy(33 * 288), key="a"),
        make_input(*noisy(10 * 288), key="b", window=timedelta(days=7), target=0.99),
        make_input(*noisy(33 * 288), key="c", target=0.95),
        make_input(*slices, key="d", window=timedelta(days=1), step=timedelta(minutes=1), timeslices=True),
        make_input(*noisy(29 * 288), key="e", window=CalendarWindow("month", "Europe/Paris")),
        make_input(np.array([1.0]), np.array([1.0, 2.0]), key="broken"),
        make_input(*noisy(33 * 288), key="f"),
        make_input(*noisy(10 * 288), key="g", window=timedelta(days=7)),
    ]


def test_batch_equals_one_by_one_in_input_order(fleet: list[ObjectiveInput], monkeypatch) -> None:
    alone = [evaluate([inp], AT)[0] for inp in fleet]
    # Tiny chunks force several blocks per group.
    monkeypatch.setattr(compute_module, "CHUNK_CELLS", 10_000)
    together = evaluate(fleet, AT)

    assert [r.key for r in together] == [inp.key for inp in fleet]
    for one, batched in zip(alone, together, strict=True):
        assert comparable(one) == comparable(batched)


def test_invalid_input_becomes_an_error_result(fleet: list[ObjectiveInput]) -> None:
    results = {r.key: r for r in evaluate(fleet, AT)}
    assert results["broken"].status == "error"
    assert results["broken"].error is not None
    assert "one length" in results["broken"].error
    assert all(r.status != "error" for key, r in results.items() if key != "broken")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": 99.9}, "fraction"),
        ({"window": CalendarWindow("month", "Mars/Olympus_Mons")}, "Mars"),
        ({"step": timedelta(0)}, "step"),
    ],
)
def test_bad_parameters_are_reported_per_objective(make_input, change: dict[str, Any], message: str) -> None:
    ok = make_input(np.ones(10), np.ones(10), key="ok", window=timedelta(minutes=30))
    bad = make_input(np.ones(10), np.ones(10), key="bad", **{"window": timedelta(minutes=30), **change})
    good_result, bad_result = evaluate([ok, bad], AT)
    assert good_result.status == "ok"
    assert bad_result.status == "error"
    assert message in (bad_result.error or "")


def test_unsorted_timestamps_are_an_error(make_input) -> None:
    inp = make_input(np.ones(3), np.ones(3))
    shuffled = ObjectiveInput(
        key=inp.key,
        target=inp.target,
        window=inp.window,
        step=inp.step,
        timestamps=inp.timestamps[::-1].copy(),
        good=inp.good,
        total=inp.total,
    )
    (r,) = evaluate([shuffled], AT)
    assert r.status == "error"
    assert "increasing" in (r.error or "")


def test_naive_evaluation_time_is_a_caller_bug(make_input) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate([make_input(np.ones(3), np.ones(3))], datetime(2026, 11, 26))


def test_empty_input_gives_empty_output() -> None:
    assert evaluate([], AT) == []


def test_empty_series_is_no_data(make_input) -> None:
    (r,) = evaluate([make_input(np.zeros(0), np.zeros(0))], AT)
    assert r.status == "no_data"
    assert r.incidents == () and r.series is None


def test_inputs_are_not_modified(make_input) -> None:
    good = np.array([5.0, np.nan, 12.0, -1.0])
    total = np.array([4.0, 3.0, 10.0, 2.0])
    inp = make_input(good.copy(), total.copy(), window=timedelta(minutes=20))
    evaluate([inp], AT)
    np.testing.assert_array_equal(inp.good, good)
    np.testing.assert_array_equal(inp.total, total)


def test_incidents_and_series_can_be_skipped(fleet: list[ObjectiveInput]) -> None:
    full = evaluate(fleet, AT)
    lean = evaluate(fleet, AT, incidents=False, series=False)
    assert any(r.incidents for r in full) and any(r.series is not None for r in full)
    for a, b in zip(full, lean, strict=True):
        assert b.incidents == () and b.series is None
        assert (a.status, a.sli, a.error_budget, a.burn_rates, a.alerts) == (
            b.status,
            b.sli,
            b.error_budget,
            b.burn_rates,
            b.alerts,
        )
