"""The number formatting every human-facing format shares."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slokit.report import fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0, "0"),
        (7.4, "7"),
        (1234, "1,234"),
        (9999, "9,999"),
        (10_000, "10k"),
        (41_232, "41.2k"),
        (62_432.36, "62.4k"),
        (103_664, "104k"),
        (999_950, "1M"),  # not "1e+03k"
        (1_234_567, "1.23M"),
        (2.5e9, "2.5G"),
        (-62_432, "-62.4k"),
    ],
)
def test_count(value: float | None, text: str) -> None:
    assert fmt.count(value) == text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(0.999, 3, "99.9%"), (0.99962, 3, "99.962%"), (1.0, 0, "100%"), (0.0, 0, "0%"), (0.65, 0, "65%")],
)
def test_percent(value: float, digits: int, text: str) -> None:
    assert fmt.percent(value, digits) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(timedelta(days=64, hours=2, minutes=5), "64d2h"), (576.0, "9m36s"), (-341.0, "-5m41s"), (0.0, "0m")],
)
def test_duration(value: timedelta | float, text: str) -> None:
    assert fmt.duration(value) == text


def test_sparkline_ends_on_the_current_value() -> None:
    values = [1.0] * 99 + [0.0]
    line = fmt.sparkline(values, 10)
    assert len(line) == 10
    assert line[-1] == fmt.SPARK[0] and line[0] == fmt.SPARK[-1]
    assert fmt.sparkline([float("nan")] * 5) == ""
