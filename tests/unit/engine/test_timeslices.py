"""Window-based (time-slice) objectives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import evaluate, timeslice_events

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("<", [1, 0, 0]),
        ("<=", [1, 1, 0]),
        (">", [0, 0, 1]),
        (">=", [0, 1, 1]),
        ("==", [0, 1, 0]),
        ("!=", [1, 0, 1]),
    ],
)
def test_timeslice_events_applies_the_comparison(op: str, expected: list[int]) -> None:
    good, total = timeslice_events(np.array([0.5, 1.0, 2.0, np.nan]), op, 1.0)
    np.testing.assert_array_equal(good[:3], expected)
    np.testing.assert_array_equal(total[:3], [1, 1, 1])
    assert np.isnan(good[3]) and np.isnan(total[3])


def test_timeslice_events_rejects_an_unknown_operator() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        timeslice_events(np.array([1.0]), "=>", 1.0)


def test_slice_budget_counts_every_slice_of_the_window(make_input) -> None:
    # 1 h window of 1m slices at 95 %: 3 bad slices allowed whatever the data coverage.
    values = np.ones(60 + 3 * 24 * 60)
    window = values[-60:]
    window[:10] = np.nan  # the probe returned nothing for 10 minutes: neither good nor bad
    window[20] = 0.0
    window[40] = 0.0
    good, total = timeslice_events(values, ">=", 1.0)
    inp = make_input(
        good, total, target=0.95, window=timedelta(hours=1), step=MINUTE, timeslices=True, alert_tiers=()
    )
    (r,) = evaluate([inp], AT)

    assert r.total_events == 50.0
    assert r.bad_events == 2.0
    assert r.sli == pytest.approx(48 / 50)
    assert r.error_budget is not None
    assert r.error_budget.allowed_bad_events == pytest.approx(3.0)
    assert r.error_budget.consumed == pytest.approx(2 / 3)
    assert r.error_budget.remaining_events == pytest.approx(1.0)
    assert r.error_budget.remaining_minutes == pytest.approx(1.0)
    assert r.status == "ok"
    assert r.burn_rates["1h"] == pytest.approx((2 / 50) / 0.05)
    # Each bad slice is its own incident (the gap of 19 minutes is too long to merge them).
    assert [i.bad_events for i in r.incidents] == [1.0, 1.0]
    assert r.incidents[0].budget_share == pytest.approx(1 / 3)
    assert r.incidents[0].end - r.incidents[0].start == MINUTE


def test_slice_objective_without_any_slice_is_no_data(make_input) -> None:
    good, total = timeslice_events(np.full(200, np.nan), ">=", 1.0)
    inp = make_input(good, total, window=timedelta(hours=1), step=MINUTE, timeslices=True)
    (r,) = evaluate([inp], AT)
    assert r.status == "no_data"
    assert r.sli is None and r.error_budget is None
