"""build_review against a fake source fed from constructed events, whose answers are known by formula.

The shop's traffic is 1,000 requests an hour, every hour. Bad events: none in August 2026; an 80x burn for
one hour in September (80 bad requests: 80 / (0.001 x 1,000) = 80x); half the requests for two hours in
October (1,000 bad). Reviewed at 2026-11-15 over the three complete months before it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from slokit.engine import AlertTier, default_alert_tiers
from slokit.errors import UsageError
from slokit.report.model import Selection
from slokit.review.build import build_review, plan
from slokit.sources.base import GOOD, TOTAL, VALUE, FetchedSeries, SeriesQuery
from slokit.sources.insight import InsightFailed, LabelShare, Release, Unavailable
from slokit.spec import load
from slokit.spec.models import SLI, Releases

AT = datetime(2026, 11, 15, tzinfo=UTC)
HOUR = timedelta(hours=1)
PER_HOUR = 1_000.0
SEP_BURST = datetime(2026, 9, 10, 12, tzinfo=UTC)  # the hour (12:00, 13:00]
SEP_BAD = 80.0
OCT_BURST = datetime(2026, 10, 5, 12, tzinfo=UTC)  # two hours (12:00, 14:00]
OCT_BAD_PER_HOUR = 500.0
RELEASE = Release(datetime(2026, 10, 5, 11, 30, tzinfo=UTC), "1.42", HOUR)

SHOP = """
    apiVersion: slokit/v1
    service: shop
    owners:
      operational: {team: platform-ops, email: [ops@example.com]}
      application: {team: shop-dev, email: [dev@example.com]}
    window: 30d
    releases:
      query: app_build_info{job="shop"}
      label: version
      within: 1h
    objectives:
      - name: availability
        kind: operational
        target: 99.9
        attribute_by: [code]
        sli:
          ratio:
            good: http_requests_total{job="shop",code!~"5.."}
            total: http_requests_total{job="shop"}
      - name: checkout
        kind: application
        target: 99.9
        sli:
          ratio:
            good: checkout_total{job="shop",code!~"5.."}
            total: checkout_total{job="shop"}
"""


def bad_at(end: datetime) -> float:
    """Bad events of the hour ending at ``end``."""
    if end == SEP_BURST + HOUR:
        return SEP_BAD
    if OCT_BURST < end <= OCT_BURST + 2 * HOUR:
        return OCT_BAD_PER_HOUR
    return 0.0


@dataclass
class FakeSource:
    """A Source and InsightSource answering from the constructed events; records what it was asked."""

    failing: set[str] = field(default_factory=set)
    data_from: datetime | None = None  # no data (NaN) in the steps ending at or before this
    insight_error: InsightFailed | None = None
    asked: list[SeriesQuery] = field(default_factory=list)
    attributions: list[tuple[str, tuple[str, ...], datetime, datetime]] = field(default_factory=list)
    releases_asked: list[tuple[Releases, datetime, datetime, timedelta]] = field(default_factory=list)

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        out = []
        for query in queries:
            self.asked.append(query)
            if query.key in self.failing:
                result = FetchedSeries(query, error=f"{query.key}: connection refused")
            else:
                ends = [query.start + i * query.step for i in range(query.points)]
                scale = query.step / HOUR
                total = np.full(query.points, PER_HOUR * scale)
                bad = np.array([bad_at(e) if query.step == HOUR else 0.0 for e in ends])
                if self.data_from is not None:
                    before = np.array([e <= self.data_from for e in ends])
                    total[before] = np.nan
                if query.sli.timeslices is not None:
                    result = FetchedSeries(query, series={VALUE: np.ones(query.points)})
                else:
                    result = FetchedSeries(query, series={GOOD: total - bad, TOTAL: total})
            if on_done is not None:
                on_done(result)
            out.append(result)
        return out

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        self.attributions.append((str(sli.ratio.good if sli.ratio else ""), tuple(labels), start, end))
        if self.insight_error is not None:
            raise self.insight_error
        return [LabelShare("code", "503", 1_050.0, 0.975), LabelShare("code", "500", 30.0, 0.025)]

    def releases(self, releases: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        self.releases_asked.append((releases, start, end, step))
        if self.insight_error is not None:
            raise self.insight_error
        return [RELEASE]

    def close(self) -> None:
        pass


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(textwrap.dedent(SHOP))
    return path


def _definitions(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "defs.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_periods_are_the_complete_months_before_at_oldest_first(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    item = review.objectives[0]
    assert [f.period.label for f in item.periods] == ["2026-08", "2026-09", "2026-10"]
    assert [f.period.start for f in item.periods] == [
        datetime(2026, 8, 1, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
        datetime(2026, 10, 1, tzinfo=UTC),
    ]
    assert item.periods[-1].period.end == datetime(2026, 11, 1, tzinfo=UTC)
    assert (item.period_kind, item.timezone, item.step) == ("month", "UTC", HOUR)


def test_per_period_events_are_the_constructed_ones(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    item = review.objectives[0]
    hours = [31 * 24, 30 * 24, 31 * 24]  # August, September, October
    bad = [0.0, SEP_BAD, 2 * OCT_BAD_PER_HOUR]
    for figures, n, b in zip(item.periods, hours, bad, strict=True):
        assert figures.total_events == pytest.approx(n * PER_HOUR)
        assert figures.bad_events == pytest.approx(b)
        assert figures.good_events == pytest.approx(n * PER_HOUR - b)
        # Budget consumed: bad / ((1 - 0.999) x total).
        assert figures.budget_consumed == pytest.approx(b / (0.001 * n * PER_HOUR))
    assert [f.met for f in item.periods] == [True, True, False]  # October: 1,000 bad > 744 allowed


def test_the_incidents_appear_with_the_alerts_they_would_have_fired(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    item = review.objectives[0]
    starts = [r.incident.start for r in item.incidents]
    assert starts == [SEP_BURST, OCT_BURST]
    assert [r.incident.bad_events for r in item.incidents] == pytest.approx([SEP_BAD, 2 * OCT_BAD_PER_HOUR])
    assert [f.incidents for f in item.periods] == [0, 1, 1]
    # An 80x burn over an hour trips the 1h/5m page tier (14.4x); both bursts page once, August never.
    assert [f.alerts["page"] for f in item.periods] == [0, 1, 1]
    # The 1d/2h ticket tier (3x) sees 80 / (0.001 x 24,000) = 3.3x over the day: a ticket too.
    assert [f.alerts["ticket"] for f in item.periods] == [0, 1, 1]


def test_configured_tiers_that_are_the_defaults_leave_no_second_table(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    item = review.objectives[0]
    expected = default_alert_tiers(timedelta(days=30), timedelta(minutes=5))
    assert [q.tier for q in item.alert_quality] == list(expected)
    assert item.default_alert_quality == ()


def test_custom_tiers_are_shown_beside_the_defaults(shop: Path, tmp_path: Path) -> None:
    text = SHOP.replace("    window: 30d\n", "    window: 30d\n    alerting:\n      page:\n"
                        "        - {long: 2h, short: 10m, budget: 4}\n")  # fmt: skip
    review = build_review(load([_definitions(tmp_path, text)]), FakeSource(), AT, periods=3)
    item = review.objectives[0]
    page = [q.tier for q in item.alert_quality if q.tier.severity == "page"]
    assert page == [AlertTier("page", timedelta(hours=2), timedelta(minutes=10), 4.0)]
    assert [q.tier for q in item.default_alert_quality] == list(
        default_alert_tiers(timedelta(days=30), timedelta(minutes=5))
    )


def test_history_is_fetched_hourly_from_the_window_before_the_first_period(shop: Path) -> None:
    source = FakeSource()
    build_review(load([shop]), source, AT, periods=3)
    query = source.asked[0]
    assert query.step == HOUR
    assert query.windows == ()
    # The first step ends one hour after August 1st minus the 30-day window (longer than any tier).
    assert query.start == datetime(2026, 8, 1, tzinfo=UTC) - timedelta(days=30) + HOUR
    assert query.end == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_source_error_fails_that_objective_and_the_rest_goes_on(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(failing={"shop/checkout"}), AT, periods=3)
    by_name = {o.objective: o for o in review.objectives}
    assert by_name["checkout"].error == "shop/checkout: connection refused"
    failed = by_name["checkout"].periods  # the planned months, every figure unknown
    assert [f.period.label for f in failed] == ["2026-08", "2026-09", "2026-10"]
    assert all(f.sli is None and f.total_events is None and f.coverage == 0.0 for f in failed)
    assert by_name["availability"].error is None
    assert len(by_name["availability"].periods) == 3
    assert int(review.exit_code) == 3


def test_attribution_is_asked_over_the_reviewed_span_for_the_labels_given(shop: Path) -> None:
    source = FakeSource()
    review = build_review(load([shop]), source, AT, periods=3)
    assert source.attributions == [
        (
            'http_requests_total{job="shop",code!~"5.."}',
            ("code",),
            datetime(2026, 8, 1, tzinfo=UTC),
            datetime(2026, 11, 1, tzinfo=UTC),
        )
    ]
    item = review.objectives[0]
    assert [(s.value, s.share) for s in item.attribution] == [("503", 0.975), ("500", 0.025)]
    # No attribute_by on the other objective: not asked, nothing shown.
    assert review.objectives[1].attribution == ()


def test_attribution_unavailable_is_a_note_not_an_error(shop: Path) -> None:
    source = FakeSource(insight_error=Unavailable("a snapshot holds no labels"))
    review = build_review(load([shop]), source, AT, periods=3)
    item = review.objectives[0]
    assert item.error is None
    assert item.attribution is None  # unknown, not "nothing to attribute"
    # The snapshot's fact in the words the report and the postmortem use, whatever the source said.
    assert item.notes == (
        "attribution: unknown from a snapshot (it holds the SLIs' events only)",
        "releases: unknown from a snapshot (it holds the SLIs' events only)",
    )
    assert item.releases is None
    assert [f.releases for f in item.periods] == [None, None, None]


def test_releases_are_asked_once_per_service_and_counted_per_period(shop: Path) -> None:
    source = FakeSource()
    review = build_review(load([shop]), source, AT, periods=3)
    assert len(source.releases_asked) == 1
    spec, start, end, step = source.releases_asked[0]
    assert spec.label == "version"
    assert (start, end, step) == (
        datetime(2026, 8, 1, tzinfo=UTC) - HOUR,
        datetime(2026, 11, 1, tzinfo=UTC),
        HOUR,
    )
    for item in review.objectives:
        assert item.releases == (RELEASE,)
        assert [f.releases for f in item.periods] == [0, 0, 1]


def test_an_incident_starting_within_the_release_window_is_attributed_to_it(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    september, october = review.objectives[0].incidents
    assert september.release is None
    assert october.release == RELEASE
    assert october.after_release == timedelta(minutes=30)  # 12:00 - 11:30


def test_team_priorities_cover_every_reviewed_objective(shop: Path) -> None:
    review = build_review(load([shop]), FakeSource(), AT, periods=3)
    teams = {p.team: [(i.service, i.objective) for i in p.by_budget] for p in review.priorities}
    assert teams == {"platform-ops": [("shop", "availability")], "shop-dev": [("shop", "checkout")]}


def test_window_periods_end_at_the_hour_before_at(shop: Path) -> None:
    at = datetime(2026, 11, 15, 12, 35, tzinfo=UTC)
    review = build_review(load([shop]), FakeSource(), at, periods=2, period_kind="window")
    item = review.objectives[0]
    ends = datetime(2026, 11, 15, 12, tzinfo=UTC)
    assert [(f.period.start, f.period.end) for f in item.periods] == [
        (ends - timedelta(days=60), ends - timedelta(days=30)),
        (ends - timedelta(days=30), ends),
    ]
    assert item.period_kind == "window"


def test_a_calendar_window_reviews_its_own_periods_in_its_timezone(tmp_path: Path) -> None:
    text = SHOP.replace("window: 30d", "window: {calendar: week, timezone: Asia/Kolkata}")
    plans = plan(load([_definitions(tmp_path, text)]), AT, periods=2)
    first = plans[0]
    assert (first.period_kind, first.timezone) == ("week", "Asia/Kolkata")
    # ISO weeks from Monday 00:00 in Kolkata (UTC+05:30), 18:30 UTC on Sundays, off the hour. AT is
    # Sunday 2026-11-15 05:30 there: the week running since Monday 9th is not complete.
    assert [(p.start, p.end) for p in first.periods] == [
        (datetime(2026, 10, 25, 18, 30, tzinfo=UTC), datetime(2026, 11, 1, 18, 30, tzinfo=UTC)),
        (datetime(2026, 11, 1, 18, 30, tzinfo=UTC), datetime(2026, 11, 8, 18, 30, tzinfo=UTC)),
    ]
    assert first.query.step == timedelta(minutes=15)


def test_a_time_slice_objective_keeps_its_slice_step(tmp_path: Path) -> None:
    text = """
        apiVersion: slokit/v1
        service: probes
        owners:
          operational: {team: platform-ops, email: [ops@example.com]}
        objectives:
          - name: uptime
            kind: operational
            target: 99.5
            sli:
              timeslices:
                query: min(probe_success{job="blackbox"})
                good: ">= 1"
                slice: 5m
    """
    source = FakeSource()
    review = build_review(load([_definitions(tmp_path, text)]), source, AT, periods=1)
    assert source.asked[0].step == timedelta(minutes=5)
    item = review.objectives[0]
    assert item.timeslices is True
    assert item.periods[0].total_events == 31 * 24 * 12  # October's slices, all good
    assert item.periods[0].bad_events == 0


def test_a_time_slice_objective_is_budgeted_on_all_the_periods_slices(tmp_path: Path) -> None:
    """Half of October's 5-minute slices have no data and 4 of the rest are bad: 4 / (0.005 x 8,928)."""
    text = """
        apiVersion: slokit/v1
        service: probes
        owners:
          operational: {team: platform-ops, email: [ops@example.com]}
        objectives:
          - name: uptime
            kind: operational
            target: 99.5
            sli:
              timeslices:
                query: min(probe_success{job="blackbox"})
                good: ">= 1"
                slice: 5m
    """
    october = datetime(2026, 10, 1, tzinfo=UTC)

    class Probes(FakeSource):
        def fetch(
            self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
        ) -> list[FetchedSeries]:
            (query,) = queries
            ends = [query.start + i * query.step for i in range(query.points)]
            values = np.array([np.nan if i % 2 else 1.0 for i in range(query.points)])
            bad = [i for i, e in enumerate(ends) if e > october and not i % 2][:4]
            values[bad] = 0.0
            return [FetchedSeries(query, series={VALUE: values})]

    review = build_review(load([_definitions(tmp_path, text)]), Probes(), AT, periods=1)
    (period,) = review.objectives[0].periods
    slices = 31 * 24 * 12
    assert period.total_events == slices / 2
    assert period.bad_events == 4
    assert period.budget_consumed == pytest.approx(4 / (0.005 * slices))


def test_selection_and_period_count_are_checked(shop: Path) -> None:
    definitions = load([shop])
    assert plan(definitions, AT, selection=Selection(team="shop-dev")) != []
    assert [p.key for p in plan(definitions, AT, selection=Selection(team="shop-dev"))] == ["shop/checkout"]
    with pytest.raises(UsageError, match=r"^--periods must be at least 1, got 0$"):
        plan(definitions, AT, periods=0)


def test_data_beginning_after_the_first_period_leaves_it_unknown_with_a_note(shop: Path) -> None:
    begins = datetime(2026, 9, 20, tzinfo=UTC)
    review = build_review(load([shop]), FakeSource(data_from=begins), AT, periods=3)
    item = review.objectives[0]
    assert item.periods[0].total_events is None and item.periods[0].sli is None
    assert item.periods[1].total_events == pytest.approx(11 * 24 * PER_HOUR)  # September 20th to 30th
    assert item.notes[0] == (
        "data from 2026-09-20T00:00:00Z on: periods before it are unknown, the one it begins in is partial"
    )


def test_releases_are_asked_at_the_history_step_of_the_service(tmp_path: Path) -> None:
    """Weeks in Kolkata start at 18:30 UTC: the history and the releases are read at 15 minutes."""
    text = SHOP.replace("window: 30d", "window: {calendar: week, timezone: Asia/Kolkata}")
    source = FakeSource()
    build_review(load([_definitions(tmp_path, text)]), source, AT, periods=2)
    assert [q.step for q in source.asked] == [timedelta(minutes=15)] * 2
    assert [asked[3] for asked in source.releases_asked] == [timedelta(minutes=15)]


def test_attribution_unknown_is_none_and_empty_only_without_attribute_by(shop: Path) -> None:
    failed = build_review(load([shop]), FakeSource(insight_error=InsightFailed("HTTP 503")), AT, periods=3)
    assert failed.objectives[0].attribution is None
    assert "attribution: HTTP 503" in failed.objectives[0].notes

    class Plain:  # a source that cannot tell: no attribution or releases methods
        def __init__(self) -> None:
            self.inner = FakeSource()

        def fetch(
            self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
        ) -> list[FetchedSeries]:
            return self.inner.fetch(queries, on_done)

        def close(self) -> None:
            pass

    plain = build_review(load([shop]), Plain(), AT, periods=3)  # type: ignore[arg-type]
    assert plain.objectives[0].attribution is None
    assert "attribution: unknown: the data source cannot tell" in plain.objectives[0].notes
    # No attribute_by on checkout: nothing to attribute, an empty list, whatever the source.
    assert failed.objectives[1].attribution == () and plain.objectives[1].attribution == ()
