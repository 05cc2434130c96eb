"""Chart series: bounded size, aligned to the evaluation time, consistent with the headline numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import evaluate

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
AT64 = np.datetime64("2026-11-26T12:00", "ns")
STEP = timedelta(minutes=5)


def test_30_days_at_5m_is_720_hourly_points(make_input) -> None:
    steps = 33 * 288
    total = np.full(steps, 1000.0)
    good = total.copy()
    good[-24 * 12 :] = 999.0  # the last day burns at 1x
    (r,) = evaluate([make_input(good, total)], AT)

    s = r.series
    assert s is not None and r.error_budget is not None
    assert len(s.timestamps) == len(s.remaining) == len(s.burn_rate) == 720
    assert s.timestamps[-1] == AT64
    assert s.timestamps[0] == AT64 - np.timedelta64(30 * 24 - 1, "h")
    assert np.all(np.diff(s.timestamps) == np.timedelta64(1, "h"))
    assert s.remaining[-1] == pytest.approx(r.error_budget.remaining)
    assert s.remaining[-25] == pytest.approx(1.0)
    assert np.all(np.diff(s.remaining) <= 0)
    np.testing.assert_allclose(s.burn_rate[-24:], 1.0)
    np.testing.assert_allclose(s.burn_rate[:-24], 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="read-only"):
        s.remaining[0] = 0.5


def test_7_days_at_5m_keeps_an_hourly_burn_at_15_minute_points(make_input) -> None:
    steps = 10 * 288
    total = np.full(steps, 100.0)
    good = total.copy()
    good[-1] = 98.8  # one step at 12x for 99.9 %: the 1h burn is 1x for the next hour of points
    (r,) = evaluate([make_input(good, total, window=timedelta(days=7))], AT)

    s = r.series
    assert s is not None
    assert len(s.timestamps) == 672  # 2016 steps in buckets of 3
    assert np.all(np.diff(s.timestamps) == np.timedelta64(15, "m"))
    assert s.burn_rate[-1] == pytest.approx(1.0)
    assert s.burn_rate[-2] == pytest.approx(0.0)


def test_short_window_is_not_downsampled(make_input) -> None:
    total = np.full(12 * 4, 10.0)
    good = total.copy()
    good[-12] = 9.0  # first step of the 1 h window
    (r,) = evaluate([make_input(good, total, window=timedelta(hours=1))], AT)
    s = r.series
    assert s is not None
    assert len(s.timestamps) == 12
    # The first point already includes the first step's bad event.
    assert s.remaining[0] == pytest.approx(1 - 1 / (0.001 * 120))
    assert s.remaining[0] == pytest.approx(s.remaining[-1])


def test_gaps_in_data_show_as_nan_in_the_burn_series(make_input) -> None:
    total = np.full(12 * 4, 10.0)
    total[-24:] = np.nan
    total[-1] = 10.0
    (r,) = evaluate([make_input(total, total, window=timedelta(hours=2))], AT)
    s = r.series
    assert s is not None
    assert np.isnan(s.burn_rate[11])  # an hour without any step
    assert s.burn_rate[-1] == 0.0
    assert not np.isnan(s.remaining).any()
