"""Placing Prometheus's [[time, "value"], ...] answers on the step grid."""

from __future__ import annotations

import numpy as np

from slokit.sources.prometheus import _place


def test_samples_land_on_their_step_and_non_finite_values_are_no_data() -> None:
    start = 1_790_640_300.0
    out = np.full(6, np.nan)
    values = [
        [start - 300, "7"],  # before the range: dropped
        [start, "1"],
        [start + 300.0004, "2.5"],  # float jitter in the timestamp still lands on step 1
        [start + 600, "NaN"],
        [start + 900, "+Inf"],
        [start + 1200, "-Inf"],
        [start + 1800, "9"],  # past the range: dropped
    ]
    _place(out, values, start, 300.0)
    assert np.array_equal(out, [1.0, 2.5, np.nan, np.nan, np.nan, np.nan], equal_nan=True)
