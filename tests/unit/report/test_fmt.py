"""The number formatting every human-facing format shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest

from slokit.report import fmt

from .test_html import demo


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


@pytest.mark.parametrize(
    ("render", "value", "text"),
    [
        (fmt.count, 0.3, "0.3"),  # "0 slices allowed" on a short window
        (fmt.count, 0.39, "0.4"),  # "0 events" left
        (fmt.count, 0.5, "0.5"),  # round() would make it 0 (half to even)
        (fmt.count, 0.004, "0.004"),
        (fmt.budget_percent, 0.0004, "0.04%"),
        (fmt.budget_percent, 0.00000096, "0.0001%"),
        (fmt.burn, 0.04, "0.04x"),
        (fmt.burn, 0.004, "0.004x"),
        (fmt.percent, 0.00003, "0.003%"),
        (fmt.duration, 0.4, "0.4s"),
    ],
)
def test_a_positive_figure_never_reads_as_zero(
    render: Callable[[float], str], value: float, text: str
) -> None:
    assert render(value) == text


@pytest.mark.parametrize(
    ("render", "value", "text"),
    [
        (fmt.count, -0.3, "-0.3"),
        (fmt.budget_percent, -0.0004, "-0.04%"),
        (fmt.duration, -0.3, "-0.3s"),
        # a zero is a zero, whatever its sign bit
        (fmt.budget_percent, -0.0, "0.0%"),
        (fmt.count, -0.0, "0"),
        (fmt.duration, -0.0, "0m"),
    ],
)
def test_a_negative_figure_never_reads_as_minus_zero(
    render: Callable[[float], str], value: float, text: str
) -> None:
    assert render(value) == text


def test_an_sli_below_100_percent_never_reads_as_100() -> None:
    # 3 bad events in 7.5 million: 99.99996 %, not a perfect record
    assert fmt.percent(1 - 3 / 7_500_000) == "99.99996%"
    assert fmt.percent(1.0) == "100%"


def test_float_noise_reads_as_below_a_bound_not_as_a_long_string_of_zeros() -> None:
    assert fmt.burn(1e-15) == "<0.000001x"
    assert fmt.budget_percent(-1e-15) == ">-0.000001%"


def test_budget_left_keeps_a_fraction_of_an_event_and_says_event_for_one() -> None:
    item = demo().objectives[0]
    assert item.sli_kind != "timeslices"

    def left(events: float) -> str:
        budget = dataclasses.replace(item.result.error_budget, remaining_events=events)  # type: ignore[type-var]
        return fmt.budget_left(
            dataclasses.replace(item, result=dataclasses.replace(item.result, error_budget=budget))
        )

    assert left(0.39) == "0.4 events"
    assert left(1.0) == "1 event"
    assert left(0.0) == "0 events"


def test_plural() -> None:
    assert [fmt.plural(n, "objective") for n in (0, 1, 2)] == ["0 objectives", "1 objective", "2 objectives"]
