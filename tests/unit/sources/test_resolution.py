"""The adaptive resolution's arithmetic (coarse step, fine_from, the start moved back) and the spreading of
coarse steps onto the fine grid, against values worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit import engine
from slokit.engine import Resolution
from slokit.sources.grid import spread
from slokit.sources.resolution import adaptive, coarse_step, ranges

M5 = timedelta(minutes=5)
M1 = timedelta(minutes=1)
H1 = timedelta(hours=1)
D3 = timedelta(days=3)
# Not on an hour: the fine region starts at the hour before end - 3d, the series at the hour before.
END = datetime(2026, 11, 20, 9, 35, tzinfo=UTC)


def full_start(window: timedelta, fine: timedelta, end: datetime = END) -> datetime:
    """The first step end at full resolution, as the pipeline plans it (window + 3 d of burn history)."""
    steps = -(-(window + D3) // fine)
    return end - (steps - 1) * fine


def test_a_30_day_window_is_fetched_hourly_before_the_last_3_days() -> None:
    start, resolution = adaptive(timedelta(days=30), M5, full_start(timedelta(days=30), M5), END, D3)
    # end - 3d = 2026-11-17T09:35 -> the hour before; end - 33d = 2026-10-18T09:35 -> the hour before.
    assert resolution == Resolution(H1, datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    assert start == datetime(2026, 10, 18, 9, 5, tzinfo=UTC)  # first fine step (09:00, 09:05]
    bounds = ranges(start, M5, resolution)
    assert bounds.coarse_first == datetime(2026, 10, 18, 10, 0, tzinfo=UTC)
    assert bounds.coarse_last == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert bounds.fine_first == datetime(2026, 11, 17, 9, 5, tzinfo=UTC)
    assert bounds.per_coarse == 12
    # 720 hourly points and 3d35m of 5m points (871) instead of 9,511 5m points.
    points = (END - start) // M5 + 1
    assert points == 9511 == 720 * 12 + 871


def test_28_days_round_up_to_an_hour_and_7_days_to_15_minutes() -> None:
    assert coarse_step(timedelta(days=28), M5) == H1  # 56 minutes
    start, resolution = adaptive(timedelta(days=7), M5, full_start(timedelta(days=7), M5), END, D3)
    assert resolution == Resolution(timedelta(minutes=15), datetime(2026, 11, 17, 9, 30, tzinfo=UTC))
    # end - 10d = 2026-11-10T09:35 -> 09:30; the first fine step is (09:30, 09:35].
    assert start == datetime(2026, 11, 10, 9, 35, tzinfo=UTC)
    assert ranges(start, M5, resolution).per_coarse == 3


def test_a_one_hour_window_stays_at_full_resolution() -> None:
    assert coarse_step(H1, M1) is None
    start = full_start(H1, M1)
    assert adaptive(H1, M1, start, END, D3) == (start, None)


def test_a_two_day_window_needs_no_step_above_5_minutes() -> None:
    assert coarse_step(timedelta(days=2), M5) is None  # 4 minutes: 5m is the step itself
    assert coarse_step(timedelta(days=3), M5) == timedelta(minutes=10)
    assert coarse_step(timedelta(hours=23), M1) == timedelta(minutes=2)


def test_a_coarse_step_is_a_whole_number_of_fine_steps() -> None:
    # 6 minutes of window / 720 would be 2m on a 1m grid, but 10m on a 5m grid.
    assert coarse_step(timedelta(hours=36), M5) is None
    assert coarse_step(timedelta(hours=36), M1) == timedelta(minutes=5)
    assert coarse_step(timedelta(days=400), M5) == timedelta(days=1)
    assert coarse_step(timedelta(days=1000), M5) == timedelta(days=2)


def test_a_calendar_month_of_31_days_is_fetched_every_2_hours() -> None:
    window = engine.CalendarWindow("month", "UTC")
    at = datetime(2026, 12, 20, 9, 35, tzinfo=UTC)
    length = engine.window_length(window, at)
    assert length == timedelta(days=31)  # / 720 = 62 minutes
    start = at - engine.lookback(window, at) + M5  # the pipeline's start: the month so far plus 3 days
    assert start == datetime(2026, 11, 28, 0, 5, tzinfo=UTC)
    new_start, resolution = adaptive(length, M5, start, at, D3)
    assert resolution == Resolution(timedelta(hours=2), datetime(2026, 12, 17, 8, 0, tzinfo=UTC))
    assert new_start == start  # 2026-11-28T00:00 is already on the 2h grid


def test_early_in_a_calendar_month_the_series_is_all_fine() -> None:
    # One hour into the month, the lookback (1h + 3d) is all burn history: no coarse step before fine_from.
    window = engine.CalendarWindow("month", "UTC")
    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    start = at - engine.lookback(window, at) + M5
    assert adaptive(engine.window_length(window, at), M5, start, at, D3) == (start, None)


def test_a_longer_alert_tier_keeps_its_whole_window_fine() -> None:
    _, resolution = adaptive(timedelta(days=30), M5, full_start(timedelta(days=30), M5), END, D3 * 2)
    assert resolution is not None
    assert resolution.fine_from == datetime(2026, 11, 14, 9, 0, tzinfo=UTC)


def test_spread_sums_over_whole_coarse_steps_to_the_coarse_values() -> None:
    coarse = np.array([12.0, 0.0, 7.0, 1e9])
    fine = spread(coarse, 12)
    assert fine.shape == (48,)
    assert np.allclose(fine.reshape(4, 12).sum(axis=1), coarse, rtol=1e-15)
    assert np.all(fine[:12] == 1.0)


def test_spread_keeps_no_data_and_infinities_on_every_fine_step() -> None:
    fine = spread(np.array([math.nan, 3.0, math.inf]), 3)
    assert np.isnan(fine[:3]).all()
    assert np.array_equal(fine[3:6], [1.0, 1.0, 1.0])
    assert np.isposinf(fine[6:]).all()


def test_ranges_refuse_a_resolution_off_the_series_grid() -> None:
    start = datetime(2026, 10, 18, 9, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        ranges(start, M5, Resolution(timedelta(minutes=7), datetime(2026, 11, 17, 9, 0, tzinfo=UTC)))
    with pytest.raises(ValueError):  # the series does not begin on a coarse boundary
        ranges(start + M5, M5, Resolution(H1, datetime(2026, 11, 17, 9, 0, tzinfo=UTC)))


def test_the_pipeline_plans_event_objectives_adaptive_and_time_slices_full() -> None:
    from pathlib import Path

    from slokit import pipeline
    from slokit.spec import load

    definitions = load([Path(__file__).resolve().parents[3] / "slo_definitions"])
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    full = {p.key: p.query for p in pipeline.plan(definitions, at)}
    planned = {p.key: p.query for p in pipeline.plan(definitions, at, adaptive=True)}
    assert all(q.resolution is None for q in full.values())
    coarse = {key: q.resolution.coarse_step if q.resolution else None for key, q in planned.items()}
    assert coarse == {
        "checkout/availability": H1,  # 30d
        "checkout/latency": H1,
        "checkout/uptime": None,  # time slices
        "checkout/order-completion": H1,
        "payments/authorisation-success": H1,  # 28d
        "payments/queue-health": None,
        "search/search-latency": H1,  # November in Berlin: 30 days
        "search/search-availability": timedelta(minutes=15),  # 7d
    }
    for key, query in planned.items():
        assert query.end == full[key].end and query.step == full[key].step, key
        moved = full[key].start - query.start  # back to a coarse boundary: by less than a coarse step
        assert timedelta(0) <= moved < (query.resolution.coarse_step if query.resolution else query.step), key
