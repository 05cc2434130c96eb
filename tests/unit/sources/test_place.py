"""Placing Prometheus's [[time, "value"], ...] answers on the step grid, and refusing what does not fit it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slokit.sources.grid import OffGrid, check_instant, place
from slokit.sources.prometheus_answer import points

START = 1_790_640_300.0  # 2026-09-29T00:05:00Z, on the 5m grid
STEP = 300.0
ASKED = (START, START + 5 * STEP)


def placed(values: list[list[object]]) -> np.ndarray:
    out = np.full(6, np.nan)
    parsed = points(values)  # as the source parses an answer before placing it
    place(out, parsed, start_s=START, step_s=STEP, asked=ASKED, what="total query", step="5m")
    return out


def test_samples_land_on_their_step_nan_is_no_data_and_infinities_are_kept() -> None:
    out = placed(
        [
            [START, "1"],
            [START + 300.0004, "2.5"],  # float jitter in the timestamp still lands on step 1
            [START + 600, "NaN"],
            [START + 900, "+Inf"],  # kept: the engine refuses it as a broken count, naming the step
            [START + 1200, "-Inf"],
        ]
    )
    assert np.array_equal(out, [1.0, 2.5, np.nan, math.inf, -math.inf, np.nan], equal_nan=True)


def test_timestamps_half_a_step_off_the_grid_are_refused() -> None:
    with pytest.raises(OffGrid) as caught:
        placed([[START + 150 + i * STEP, "1000"] for i in range(5)])
    assert str(caught.value) == (
        "Prometheus answered the total query with timestamps off the 5m grid (first at "
        "2026-09-29T00:07:30Z: 150 s past a step; 5 of 5 points)"
    )


def test_a_duplicated_timestamp_is_refused() -> None:
    with pytest.raises(OffGrid) as caught:
        placed([[START, "1"], [START + 300, "2"], [START + 300, "3"]])
    assert str(caught.value) == (
        "Prometheus answered the total query with duplicated timestamps "
        "(first 2026-09-29T00:10:00Z; 1 repeated)"
    )


@pytest.mark.parametrize(
    ("when", "first"), [(START - 300, "2026-09-29T00:00:00Z"), (START + 1800, "2026-09-29T00:35:00Z")]
)
def test_a_point_outside_the_range_asked_for_is_refused(when: float, first: str) -> None:
    with pytest.raises(OffGrid) as caught:
        placed([[START, "1"], [when, "7"]])
    assert str(caught.value) == (
        f"Prometheus answered the total query with points outside the range asked for (first at {first}, "
        "asked 2026-09-29T00:05:00Z to 2026-09-29T00:30:00Z; 1 of 2 points)"
    )


def test_a_timestamp_that_is_not_a_time_is_off_the_grid() -> None:
    with pytest.raises(OffGrid, match=r"off the 5m grid \(first at nan s since 1970"):
        placed([[math.nan, "1"]])


def test_an_instant_answer_must_be_at_the_time_asked_for() -> None:
    check_instant(START + 0.0004, START, "window totals query")
    with pytest.raises(OffGrid) as caught:
        check_instant(START - 150, START, "window totals query")
    assert str(caught.value) == (
        "Prometheus answered the window totals query at 2026-09-29T00:02:30Z, not at the "
        "2026-09-29T00:05:00Z asked for"
    )
