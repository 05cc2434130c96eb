"""Reading slokit's recorded series (slokit.sources.recorded): the queries, where the records begin, and
the seam between the selectors' steps and the records'."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from slokit.engine import Resolution
from slokit.sources.base import BAD, GOOD, TOTAL, FetchedSeries, FetchedTotals, SeriesQuery
from slokit.sources.grid import OffGrid
from slokit.sources.prometheus import QueryFailed
from slokit.sources.prometheus_answer import Points, Series
from slokit.sources.recorded import (
    RECORDED_NOTE,
    Reader,
    Split,
    boundaries,
    coverage_asks,
    join,
    split,
    step_expressions,
    totals_expression,
)
from slokit.spec.models import SLI

GOOD_SLI = SLI.model_validate({"ratio": {"good": 'x{code="200"}', "total": "x"}})
SLICES = SLI.model_validate({"timeslices": {"query": "min(up)", "good": ">= 1", "slice": "1m"}})
AT = datetime(2026, 11, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def query(
    start: datetime,
    end: datetime = AT,
    windows: tuple[timedelta, ...] = (),
    resolution: Resolution | None = None,
    key: str = "shop.eu/availability",
) -> SeriesQuery:
    return SeriesQuery(key, GOOD_SLI, STEP, start, end, windows, resolution)


def test_a_step_reads_the_one_record_ending_in_it_whatever_the_groups_offset() -> None:
    # (T - 5m, T]: a record exactly 5 minutes old (a group evaluated on the multiples of its interval)
    # belongs to the step before; Prometheus 2 would include it in a [5m] range.
    record = 'slokit:sli_events_{}:increase5m{{service="shop.eu",objective="availability"}}'
    assert step_expressions("shop.eu/availability", STEP, STEP) == {
        TOTAL: f"sum_over_time({record.format('total')}[4m59s999ms])",
        BAD: f"sum_over_time({record.format('bad')}[4m59s999ms])",
    }
    # A coarse step of an hour: the 12 records in it.
    coarse = step_expressions("shop.eu/availability", STEP, HOUR)
    assert coarse[TOTAL] == f"sum_over_time({record.format('total')}[59m59s999ms])"


def test_window_totals_are_one_instant_query_labelled_as_the_selectors_are() -> None:
    expr = totals_expression("a/b", STEP, (HOUR,))
    total = 'sum_over_time(slokit:sli_events_total:increase5m{service="a",objective="b"}[59m59s999ms])'
    bad = 'sum_over_time(slokit:sli_events_bad:increase5m{service="a",objective="b"}[59m59s999ms])'
    assert expr == (
        f'label_replace({total}, "slokit_window", "total/3600", "", "")'
        f' or label_replace({bad}, "slokit_window", "bad/3600", "", "")'
    )


def test_where_records_begin_is_one_request_per_record_step_for_every_objective() -> None:
    queries = [
        query(AT - timedelta(days=33)),
        query(AT - timedelta(days=10), key="api/latency"),
        SeriesQuery("probe/up", SLICES, timedelta(minutes=1), AT - DAY, AT),  # read from its query
    ]
    (ask,) = coverage_asks(queries)
    assert ask.expr == (
        'count_over_time(slokit:sli_events_total:increase5m{service=~"api|shop\\\\.eu"}[23h59m59s999ms])'
    )
    assert (ask.bucket, ask.full, ask.last) == (DAY, 288, AT)
    assert ask.first - DAY <= AT - timedelta(days=33) - STEP  # the first bucket reaches the first step
    assert ask.keys == {"shop.eu/availability", "api/latency"}


def test_records_cover_the_steps_after_the_first_day_they_fill() -> None:
    (ask,) = coverage_asks([query(AT - timedelta(days=33))])
    first = ask.first.timestamp()
    days = [first + i * 86400 for i in range(34)]

    def counts(service: str, objective: str, days: list[float], counts: list[float]) -> Series:
        return Series({"service": service, "objective": objective}, Points(np.array(days), np.array(counts)))

    answer = [
        counts("shop.eu", "availability", days, [288] * 34),  # all along
        counts("other", "availability", days, [288] * 34),  # not asked
        counts("api", "a", days[-5:], [100, 288, 288, 288, 288]),  # began in a day
        counts("api", "b", days[-5:], [288] * 5),  # began at a day's start
    ]
    ask = replace(ask, keys=frozenset({"shop.eu/availability", "api/a", "api/b"}))
    found = boundaries(ask, answer)
    five_days_ago = datetime.fromtimestamp(days[-5], UTC)
    assert found == {
        "shop.eu/availability": None,
        "api/a": five_days_ago,  # that day is read from the selectors
        "api/b": five_days_ago - DAY,
    }
    # A count at a time that is no bucket's end is not trusted: auto then reads the selectors.
    with pytest.raises(OffGrid, match="off the 1d grid"):
        boundaries(ask, [counts("api", "a", [days[0] + 3600], [288])])
    with pytest.raises(OffGrid, match="outside the range"):
        boundaries(ask, [counts("api", "a", [days[-1] + 86400], [288])])


def test_split_joins_the_selectors_and_the_records_on_a_coarse_step_end() -> None:
    resolution = Resolution(HOUR, AT - timedelta(days=3))
    windows = (HOUR, timedelta(days=3), timedelta(days=30))
    asked = query(AT - timedelta(days=33) + STEP, windows=windows, resolution=resolution)
    boundary = AT - timedelta(days=5, minutes=25)  # inside an hour: the seam moves to its end
    part = split(asked, boundary)
    assert isinstance(part, Split)
    seam = AT - timedelta(days=5)
    assert part.boundary == seam
    assert (part.raw.start, part.raw.end, part.raw.resolution) == (asked.start, seam, Resolution(HOUR, seam))
    assert part.raw.windows == (timedelta(days=25),)  # 30 d less the 5 recorded days, ending at the seam
    assert (part.recorded.start, part.recorded.end) == (seam + STEP, AT)
    assert part.recorded.resolution == resolution
    assert part.recorded.windows == (HOUR, timedelta(days=3), timedelta(days=5))
    # The steps read from each side, counted: every step once.
    assert part.raw.points + part.recorded.points == asked.points


def test_split_in_the_fine_region_keeps_the_records_fine() -> None:
    resolution = Resolution(HOUR, AT - timedelta(days=3))
    asked = query(AT - timedelta(days=33) + STEP, resolution=resolution)
    part = split(asked, AT - DAY)
    assert isinstance(part, Split)
    assert (part.boundary, part.raw.resolution, part.recorded.resolution) == (AT - DAY, resolution, None)


@pytest.mark.parametrize(
    ("boundary", "read"),
    [(None, "records"), (AT - timedelta(days=40), "records"), (AT, "selectors"), (AT + DAY, "selectors")],
)
def test_records_covering_everything_or_nothing_need_no_seam(boundary: datetime | None, read: str) -> None:
    asked = query(AT - timedelta(days=33))
    assert split(asked, boundary) is (asked if read == "records" else None)


def test_join_counts_each_step_once_and_adds_the_window_parts() -> None:
    asked = query(AT - 5 * STEP, windows=(2 * STEP, 4 * STEP))
    part = split(asked, AT - 3 * STEP)
    assert isinstance(part, Split)
    assert part.raw.windows == (STEP,) and part.recorded.windows == (2 * STEP, 3 * STEP)
    nan = np.nan
    raw = FetchedSeries(
        part.raw,
        series={GOOD: np.array([9.0, nan, 4.0]), TOTAL: np.array([10.0, 5.0, nan])},
        http_queries=3,
        totals=FetchedTotals(part.raw.end, (STEP,), {GOOD: np.array([nan]), TOTAL: np.array([5.0])}),
        notes=("a note of the selectors",),
    )
    recorded = FetchedSeries(
        part.recorded,
        series={BAD: np.array([1.0, 0.0, 2.0]), TOTAL: np.array([10.0, 20.0, 30.0])},
        http_queries=3,
        totals=FetchedTotals(
            part.recorded.end,
            (2 * STEP, 3 * STEP),
            {BAD: np.array([2.0, 3.0]), TOTAL: np.array([50.0, 60.0])},
        ),
        notes=(RECORDED_NOTE,),
    )
    joined = join(asked, part, raw, recorded)
    # Good absent where the total has data: no good events, all bad (as the report counts them).
    np.testing.assert_array_equal(joined.series[TOTAL], [10, 5, nan, 10, 20, 30])
    np.testing.assert_array_equal(joined.series[BAD], [1, 5, nan, 1, 0, 2])
    assert joined.totals is not None
    assert joined.totals.windows == (2 * STEP, 4 * STEP)
    np.testing.assert_array_equal(joined.totals.series[TOTAL], [50, 65])
    np.testing.assert_array_equal(joined.totals.series[BAD], [2, 8])
    assert joined.http_queries == 6
    assert joined.notes == (
        "a note of the selectors",
        "events after 2026-10-31T23:45:00Z read from the recorded series of `slokit rules`, before it from "
        "the selectors",
    )


def test_join_of_a_failed_part_is_that_failure() -> None:
    asked = query(AT - 5 * STEP)
    part = split(asked, AT - 3 * STEP)
    assert isinstance(part, Split)
    raw = FetchedSeries(part.raw, series={GOOD: np.zeros(3), TOTAL: np.zeros(3)}, http_queries=2)
    failed = FetchedSeries(part.recorded, error="shop.eu/availability: timed out", http_queries=1)
    joined = join(asked, part, raw, failed)
    assert (joined.query, joined.error, joined.http_queries) == (asked, "shop.eu/availability: timed out", 3)


class _Unreachable:
    """A Prometheus source whose every request fails; the selectors' fetch answers with a marker."""

    def _query_range(self, *args: object) -> None:
        raise AssertionError("called through _call only")

    def _call(self, counter: list[int], request: object) -> None:
        raise QueryFailed("cannot connect to Prometheus at http://prometheus:9090: connection refused")

    def _fetch_one(self, query: SeriesQuery) -> FetchedSeries:
        return FetchedSeries(query, notes=("read from the selectors",))


def test_a_failed_look_up_of_records_leaves_auto_on_the_selectors_and_fails_recorded() -> None:
    asked = query(AT - timedelta(days=33))
    source: Any = _Unreachable()
    assert Reader(source, "auto", [asked]).fetch(asked).notes == ("read from the selectors",)
    failed = Reader(source, "recorded", [asked]).fetch(asked)
    assert failed.error == (
        "shop.eu/availability: cannot look up its recorded series (source: recorded): cannot connect to "
        "Prometheus at http://prometheus:9090: connection refused"
    )
    assert failed.error_kind == "source"
    # Time slices read their query under every setting.
    slices = SeriesQuery("probe/up", SLICES, timedelta(minutes=1), AT - DAY, AT)
    assert Reader(source, "recorded", [slices]).fetch(slices).notes == ("read from the selectors",)


class _Duplicated(_Unreachable):
    """A server holding the records of one objective twice: from Prometheus and from a ruler."""

    def _call(self, counter: list[int], request: Any) -> list[Series]:
        ask = request.args[1:3]  # the look-up's first and last bucket end
        days = np.arange(ask[0].timestamp(), ask[1].timestamp() + 1, 86400)
        full = Points(days, np.full(days.size, 288.0))
        return [
            Series({"service": "shop.eu", "objective": "availability", "prometheus": "eu-1"}, full),
            Series({"service": "shop.eu", "objective": "availability", "ruler": "thanos"}, full),
        ]


def test_an_objective_recorded_twice_reads_its_selectors_under_auto_and_fails_under_recorded() -> None:
    asked = query(AT - timedelta(days=33))
    source: Any = _Duplicated()
    why = (
        '2 recorded series slokit:sli_events_total:increase5m{service="shop.eu",objective="availability"}, '
        'expected one (other labels: prometheus="eu-1"; ruler="thanos"): are its rules loaded more than once?'
    )
    assert Reader(source, "auto", [asked]).fetch(asked).notes == (
        "read from the selectors",
        f"read from the selectors: {why}",
    )
    failed = Reader(source, "recorded", [asked]).fetch(asked)
    assert failed.error == f"shop.eu/availability: {why} (source: recorded)"
