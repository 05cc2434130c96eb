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
    Parts,
    Reader,
    boundaries,
    coverage_asks,
    join,
    plan,
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
    # Records that stopped (rules removed ten days ago) or have a day-long hole are read only after the
    # last day before the burn windows they do not fill: the selectors hold the events the records lack.
    stopped = [288] * 24 + [0] * 10
    holed = [288] * 20 + [150] + [288] * 13
    gaps = replace(ask, keys=frozenset({"api/stopped", "api/holed"}))
    found = boundaries(gaps, [counts("api", "stopped", days, stopped), counts("api", "holed", days, holed)])
    last_before_burns = max(d for d in days if d <= AT.timestamp() - 3 * 86400)
    assert found == {
        "api/stopped": datetime.fromtimestamp(last_before_burns, UTC),
        "api/holed": datetime.fromtimestamp(days[20], UTC),
    }
    stopped_query = replace(query(AT - timedelta(days=33)), key="api/stopped")
    assert plan(stopped_query, found["api/stopped"]) is None  # nothing left to read from records
    # A count at a time that is no bucket's end is not trusted: auto then reads the selectors.
    with pytest.raises(OffGrid, match="off the 1d grid"):
        boundaries(ask, [counts("api", "a", [days[0] + 3600], [288])])
    with pytest.raises(OffGrid, match="outside the range"):
        boundaries(ask, [counts("api", "a", [days[-1] + 86400], [288])])


def test_auto_reads_the_selectors_before_the_records_the_records_and_the_selectors_of_the_burn_windows() -> (
    None
):
    resolution = Resolution(HOUR, AT - timedelta(days=3))
    windows = (HOUR, timedelta(days=3), timedelta(days=30))
    asked = query(AT - timedelta(days=33) + STEP, windows=windows, resolution=resolution)
    boundary = AT - timedelta(days=5, minutes=25)  # inside an hour: the seam moves to its end
    parts = plan(asked, boundary)
    assert isinstance(parts, Parts) and parts.old is not None
    seam = AT - timedelta(days=5)
    assert (parts.begins, parts.recent_from) == (seam, AT - timedelta(days=3))
    # Before the records: the selectors, all coarse, for the 25 days of the 30 d window before the seam.
    old, recorded, recent = parts.old, parts.recorded, parts.recent
    assert (old.start, old.end, old.resolution) == (asked.start, seam, Resolution(HOUR, seam))
    assert old.windows == (timedelta(days=25),)
    # The records: the coarse steps from the seam to the fine steps, and the 2 days of the window there.
    assert (recorded.start, recorded.end) == (seam + STEP, AT - timedelta(days=3))
    assert recorded.resolution == resolution
    assert recorded.windows == (timedelta(days=2),)
    # The fine steps, the burn windows and the 3 days of the 30 d window in them: the selectors.
    assert (recent.start, recent.end, recent.resolution) == (AT - timedelta(days=3) + STEP, AT, None)
    assert recent.windows == (HOUR, timedelta(days=3))
    # Every step read from one part.
    assert old.points + recorded.points + recent.points == asked.points


def test_at_full_resolution_the_recent_part_is_the_longest_burn_or_alert_window() -> None:
    windows = (STEP, HOUR, timedelta(days=3), timedelta(days=7), timedelta(days=28))
    asked = replace(query(AT - timedelta(days=35) + STEP, windows=windows), longest_burn=timedelta(days=7))
    parts = plan(asked, None)  # records all along: nothing before them
    assert isinstance(parts, Parts) and parts.old is None
    assert parts.recent_from == AT - timedelta(days=7)
    assert (parts.recorded.start, parts.recorded.end) == (asked.start, AT - timedelta(days=7))
    assert parts.recorded.windows == (timedelta(days=21),)
    assert parts.recent.windows == (STEP, HOUR, timedelta(days=3), timedelta(days=7))
    assert parts.recorded.points + parts.recent.points == asked.points
    # Without the planner's longest window: the default 3 days; the seam on a step end.
    unplanned = query(AT - timedelta(days=31) + STEP, end=AT - timedelta(minutes=5), windows=windows)
    other = plan(unplanned, None)
    assert other is not None and other.recent_from == AT - timedelta(days=3, minutes=5)
    assert other.recent.windows == (STEP, HOUR, timedelta(days=3))


@pytest.mark.parametrize(
    "boundary",
    [AT - timedelta(days=2, hours=12), AT - timedelta(days=3) + STEP, AT, AT + DAY],
    ids=["in the fine steps", "a step into them", "at the end", "after it"],
)
def test_records_beginning_in_the_recent_part_are_not_read(boundary: datetime) -> None:
    resolution = Resolution(HOUR, AT - timedelta(days=3))
    asked = query(AT - timedelta(days=33) + STEP, resolution=resolution)
    assert plan(asked, boundary) is None


def test_join_counts_each_step_once_and_adds_the_window_parts() -> None:
    asked = replace(query(AT - 7 * STEP, windows=(STEP, 2 * STEP, 6 * STEP)), longest_burn=2 * STEP)
    parts = plan(asked, AT - 5 * STEP)
    assert isinstance(parts, Parts) and parts.old is not None
    assert parts.old.windows == (STEP,)
    assert parts.recorded.windows == (3 * STEP,)
    assert parts.recent.windows == (STEP, 2 * STEP)
    nan = np.nan
    old = FetchedSeries(
        parts.old,
        series={GOOD: np.array([9.0, nan, 4.0]), TOTAL: np.array([10.0, 5.0, nan])},
        http_queries=3,
        totals=FetchedTotals(parts.old.end, (STEP,), {GOOD: np.array([nan]), TOTAL: np.array([5.0])}),
        notes=("a note of the selectors",),
    )
    recorded = FetchedSeries(
        parts.recorded,
        series={BAD: np.array([1.0, 0.0, 2.0]), TOTAL: np.array([10.0, 20.0, 30.0])},
        http_queries=3,
        totals=FetchedTotals(
            parts.recorded.end, (3 * STEP,), {BAD: np.array([3.0]), TOTAL: np.array([60.0])}
        ),
        notes=(RECORDED_NOTE,),
    )
    recent = FetchedSeries(
        parts.recent,
        series={GOOD: np.array([7.0, 8.0]), TOTAL: np.array([7.5, 10.0])},
        http_queries=3,
        totals=FetchedTotals(
            AT, (STEP, 2 * STEP), {GOOD: np.array([8.0, 15.0]), TOTAL: np.array([10.0, 17.5])}
        ),
        notes=("a note of the selectors",),
    )
    joined = join(asked, parts, old, recorded, recent)
    # Good absent where the total has data: no good events, all bad (as the report counts them).
    np.testing.assert_array_equal(joined.series[TOTAL], [10, 5, nan, 10, 20, 30, 7.5, 10])
    np.testing.assert_array_equal(joined.series[BAD], [1, 5, nan, 1, 0, 2, 0.5, 2])
    assert joined.totals is not None
    assert joined.totals.windows == (STEP, 2 * STEP, 6 * STEP)
    # The burn windows are the selectors' own totals; the long one adds the three parts.
    np.testing.assert_array_equal(joined.totals.series[TOTAL], [10, 17.5, 17.5 + 60 + 5])
    np.testing.assert_array_equal(joined.totals.series[BAD], [2, 2.5, 2.5 + 3 + 5])
    assert joined.http_queries == 9
    assert joined.notes == (
        "a note of the selectors",
        "events after 2026-10-31T23:35:00Z up to 2026-10-31T23:50:00Z read from the recorded series of "
        "`slokit rules`, before and after from the selectors",
    )


def test_join_of_a_failed_part_is_that_failure() -> None:
    asked = replace(query(AT - 5 * STEP), longest_burn=STEP)
    parts = plan(asked, None)
    assert isinstance(parts, Parts) and parts.old is None
    recorded = FetchedSeries(parts.recorded, series={BAD: np.zeros(5), TOTAL: np.zeros(5)}, http_queries=2)
    failed = FetchedSeries(parts.recent, error="shop.eu/availability: timed out", http_queries=1)
    joined = join(asked, parts, None, recorded, failed)
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


class _RecordsTimeOut(_Unreachable):
    """Records all along the lookback, whose ranges time out; the selectors' fetches are counted."""

    def __init__(self) -> None:
        self.raw: list[SeriesQuery] = []

    def _call(self, counter: list[int], request: Any) -> list[Series]:
        counter[0] += 1
        ask = request.args[1:3]
        days = np.arange(ask[0].timestamp(), ask[1].timestamp() + 1, 86400)
        return [Series({"service": "shop.eu", "objective": "availability"}, Points(days, days * 0 + 288))]

    def _steps(self, query: SeriesQuery, *args: object) -> None:
        raise QueryFailed("Prometheus at http://prometheus:9090 timed out after 30 s")

    def _fetch_one(self, query: SeriesQuery) -> FetchedSeries:
        self.raw.append(query)
        return super()._fetch_one(query)


def test_auto_stops_at_the_first_part_that_fails() -> None:
    asked = query(AT - timedelta(days=33), windows=(HOUR, timedelta(days=30)))
    source = _RecordsTimeOut()
    reader: Any = source
    failed = Reader(reader, "auto", [asked]).fetch(asked)
    assert failed.error == "shop.eu/availability: Prometheus at http://prometheus:9090 timed out after 30 s"
    assert failed.query == asked
    assert source.raw == []  # the selectors of the burn windows not asked after the records failed


class _SilentLately(_RecordsTimeOut):
    """Records all along; the selectors match no series over the burn windows (a job silent for the last
    days), but do over the whole lookback."""

    def _steps(self, query: SeriesQuery, role: str, expr: str, coarse: object, counter: list[int]) -> Any:
        counter[0] += 1
        return np.zeros(query.points)

    def _totals(self, query: SeriesQuery, roles: Any, le: object, counter: list[int], expr: str) -> Any:
        counter[0] += 1
        return FetchedTotals(query.end, query.windows, {r: np.zeros(len(query.windows)) for r in roles})

    def _fetch_one(self, query: SeriesQuery) -> FetchedSeries:
        self.raw.append(query)
        if query.start > AT - timedelta(days=4):
            error = "shop.eu/availability: total selector x matches no series in the last 3d5m"
            return FetchedSeries(query, error=error, http_queries=2, error_kind="definition")
        return FetchedSeries(query, http_queries=3, notes=("read from the selectors",))


def test_a_selector_silent_over_the_burn_windows_is_judged_over_the_whole_lookback_as_under_raw() -> None:
    asked = query(AT - timedelta(days=33), windows=(HOUR, timedelta(days=30)))
    source = _SilentLately()
    reader: Any = source
    fetched = Reader(reader, "auto", [asked]).fetch(asked)
    assert (fetched.error, fetched.notes) == (None, ("read from the selectors",))
    assert [q.start for q in source.raw] == [AT - timedelta(days=3) + STEP, asked.start]
    assert fetched.http_queries == 3 + 2 + 3  # the records, the burn windows' selectors, all the selectors
