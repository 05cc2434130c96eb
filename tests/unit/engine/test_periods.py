"""Review periods: calendar months, ISO weeks and quarters in a timezone (DST-correct), window periods."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slokit.engine.periods import Period, review_periods

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def local(*args: int, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_month_periods_in_berlin_across_both_dst_changes_are_743_and_745_hours() -> None:
    periods = review_periods("month", 9, local(2026, 11, 15, 9, 30), timezone="Europe/Berlin")
    assert [p.label for p in periods] == [f"2026-{m:02d}" for m in range(2, 11)]
    hours = {p.label: p.length / HOUR for p in periods}
    # 2026: summer time starts 29 March, ends 25 October.
    assert hours["2026-03"] == 31 * 24 - 1 == 743
    assert hours["2026-10"] == 31 * 24 + 1 == 745
    assert hours["2026-02"] == 28 * 24
    assert hours["2026-06"] == 30 * 24
    # Bounds are local midnights: 23:00 UTC in winter, 22:00 UTC in summer.
    by_label = {p.label: p for p in periods}
    assert by_label["2026-03"].start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert by_label["2026-03"].end == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert by_label["2026-10"].start == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert by_label["2026-10"].end == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))


def test_month_periods_end_before_the_running_month() -> None:
    periods = review_periods("month", 6, datetime(2026, 12, 1, 5, 51, tzinfo=UTC))
    assert [p.label for p in periods] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert periods[-1].end == datetime(2026, 12, 1, tzinfo=UTC)
    assert periods[0].start == datetime(2026, 6, 1, tzinfo=UTC)


def test_at_exactly_on_a_boundary_makes_the_period_ending_there_the_last_complete_one() -> None:
    at = local(2026, 11, 1)
    periods = review_periods("month", 2, at, timezone="Europe/Berlin")
    assert [p.label for p in periods] == ["2026-09", "2026-10"]
    assert periods[-1].end == at
    one_second_before = review_periods("month", 1, at - timedelta(seconds=1), timezone="Europe/Berlin")
    assert one_second_before[0].label == "2026-09"


def test_month_periods_cross_a_year_boundary() -> None:
    periods = review_periods("month", 3, datetime(2027, 2, 10, tzinfo=UTC))
    assert [p.label for p in periods] == ["2026-11", "2026-12", "2027-01"]


def test_week_periods_start_on_monday_and_carry_iso_week_numbers() -> None:
    # Thursday 26 November 2026 is in ISO week 48.
    periods = review_periods("week", 3, local(2026, 11, 26, 12), timezone="Europe/Berlin")
    assert [p.label for p in periods] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [p.start.astimezone(BERLIN).date().isoweekday() for p in periods] == [1, 1, 1]
    assert periods[-1].start == local(2026, 11, 16)
    assert periods[-1].end == local(2026, 11, 23)
    assert all(p.length == timedelta(days=7) for p in periods)


def test_week_across_the_october_dst_change_is_169_hours() -> None:
    (week,) = review_periods("week", 1, local(2026, 10, 28), timezone="Europe/Berlin")
    assert week.label == "2026-W43"
    assert week.length == timedelta(hours=7 * 24 + 1)


def test_week_labels_use_the_iso_year() -> None:
    # Monday 28 December 2026 starts 2026-W53; Monday 4 January 2027 starts 2027-W01.
    periods = review_periods("week", 2, datetime(2027, 1, 12, tzinfo=UTC))
    assert [p.label for p in periods] == ["2026-W53", "2027-W01"]


def test_quarter_periods() -> None:
    periods = review_periods("quarter", 5, local(2026, 12, 1), timezone="Europe/Berlin")
    assert [p.label for p in periods] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    q1 = periods[2]
    assert q1.start == local(2026, 1, 1)
    assert q1.end == local(2026, 4, 1)
    assert q1.length == timedelta(days=31 + 28 + 31) - HOUR  # the March change falls in Q1


def test_window_periods_are_consecutive_windows_ending_at_at() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    periods = review_periods("window", 3, at, window=timedelta(days=30))
    assert [(p.start, p.end) for p in periods] == [
        (at - timedelta(days=90), at - timedelta(days=60)),
        (at - timedelta(days=60), at - timedelta(days=30)),
        (at - timedelta(days=30), at),
    ]
    assert [p.label for p in periods] == [
        "2026-09-02/2026-10-02",
        "2026-10-02/2026-11-01",
        "2026-11-01/2026-12-01",
    ]


def test_window_period_labels_carry_times_when_not_at_midnight() -> None:
    at = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    (period,) = review_periods("window", 1, at, window=timedelta(days=7), timezone="Europe/Berlin")
    assert period.label == "2026-11-24T14:00/2026-12-01T14:00"
    assert period == Period(at - timedelta(days=7), at, period.label)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "month", "count": 0}, "the number of periods must be at least 1, got 0"),
        ({"kind": "window", "count": 2}, "window periods need a positive window length"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        review_periods(at=datetime(2026, 12, 1, tzinfo=UTC), **kwargs)  # type: ignore[arg-type]


def test_naive_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        review_periods("month", 1, datetime(2026, 12, 1))
