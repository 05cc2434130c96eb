"""The postmortem draft's data on constructed series whose answers are known by formula.

Every objective sees 100 events a minute. ``shop/api`` (99.9 % over 30 d, 5-minute steps, the workbook's
tiers: page 1h/5m at 14.4x) fails 8 % of them (an 80x burn) from T0 for 40 minutes, except the 5 minutes
from T0+20m, when 20 % fail (200x); and 8 % for 10 minutes from EARLY, an older, smaller incident. So:

- incident 2 spans exactly [T0, T0+40m]; bad = 100 * (35 * 0.08 + 5 * 0.2) = 380 of 4,000 events (SLI 90.5 %),
  of a budget of 0.001 * 100 * 43,200 = 4,320 bad events (8.796 %); incident 1 has 80 bad events (1.852 %);
- the peak is the 5-minute step ending at T0+25m, at 0.2 / 0.001 = 200x;
- an 80x burn reaches the page's 14.4x over its 1h window after 60 * 14.4 / 80 = 10.8 minutes: at the first
  5-minute step end after that, T0+15m (its 5m window burns at 80x from the first step); the page clears at
  the first step end whose 5-minute window is clean again, T0+45m.

``edge/api`` has a 20 h window, so 1-minute steps, and writes a page tier of 72 % of its budget in 1h: factor
0.72 * 20 = 14.4 again, so its 20-minute 80x burn from T1 pages after 10.8 minutes: at T1+11m.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from slokit import engine
from slokit.errors import SourceError, UsageError
from slokit.review.postmortem import Draft, draft, evaluation_time
from slokit.sources.base import BAD, GOOD, TOTAL, FetchedSeries, SeriesQuery
from slokit.sources.insight import FROM_SNAPSHOT, InsightFailed, LabelShare, Release, Unavailable
from slokit.spec import load
from slokit.spec.loader import Definitions
from slokit.spec.models import SLI, Releases

AT = datetime(2026, 11, 20, tzinfo=UTC)
T0 = datetime(2026, 11, 18, 10, tzinfo=UTC)
EARLY = datetime(2026, 11, 10, 6, tzinfo=UTC)
T1 = datetime(2026, 11, 19, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PER_MINUTE = 100.0
BUDGET = 0.001 * PER_MINUTE * 30 * 1440  # shop/api's allowed bad events over 30 d

SHOP = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: platform-ops, email: [ops@example.com]}
  application: {team: shop-dev, email: [shop-dev@example.com, shop-lead@example.com]}
window: 30d
releases: {query: 'shop_build_info{job="shop"}', label: version, within: 1h}
objectives:
  - name: api
    kind: operational
    target: 99.9
    attribute_by: [handler]
    sli:
      ratio: {good: 'http_requests_total{job="shop",code!~"5.."}', total: 'http_requests_total{job="shop"}'}
  - name: orders
    kind: application
    target: 99
    sli: {ratio: {bad: 'orders_total{job="shop",outcome="error"}', total: 'orders_total{job="shop"}'}}
  - name: search
    kind: application
    target: 99
    sli: {ratio: {bad: 'search_total{job="shop",outcome="error"}', total: 'search_total{job="shop"}'}}
"""
EDGE = """\
apiVersion: slokit/v1
service: edge
owners:
  operational: {team: platform-ops, email: [ops@example.com]}
window: 20h
alerting:
  page: [{long: 1h, short: 5m, budget: 72}]
objectives:
  - name: api
    kind: operational
    target: 99.9
    sli: {ratio: {good: 'edge_requests_total{code!~"5.."}', total: 'edge_requests_total'}}
"""

# (start, minutes, failing share) per objective key: the events each minute, by formula.
FAILURES: dict[str, list[tuple[datetime, int, float]]] = {
    "shop/api": [(EARLY, 10, 0.08), (T0, 20, 0.08), (T0 + 20 * MINUTE, 5, 0.2), (T0 + 25 * MINUTE, 15, 0.08)],
    # 5 % of orders fail (5x at 99 %) from T0+10m for 40 minutes: 200 bad of a 43,200 budget (0.463 %)
    "shop/orders": [(T0 + 10 * MINUTE, 40, 0.05)],
    "shop/search": [],
    "edge/api": [(T1, 20, 0.08)],
}
RELEASES = [
    Release(T0 - timedelta(hours=2), "1.41", timedelta(minutes=5)),
    Release(T0 - 12 * MINUTE, "1.42", timedelta(minutes=5)),
    Release(T0 + 20 * MINUTE, "1.43", timedelta(minutes=5)),
]
SHARES = [LabelShare("handler", "/pay", 300.0, 300 / 380), LabelShare("handler", "/cart", 80.0, 80 / 380)]


def step_events(query: SeriesQuery, failures: list[tuple[datetime, int, float]]) -> tuple[np.ndarray, ...]:
    """Bad and total events of each step ``(t - step, t]``, from the minutes that end inside it."""
    per_step = int(query.step / MINUTE)
    first_minute_end = query.start - query.step + MINUTE
    minutes = first_minute_end + MINUTE * np.arange(query.points * per_step)
    share = np.zeros(minutes.size)
    for start, length, failing in failures:
        lo = int((start + MINUTE - first_minute_end) / MINUTE)
        if 0 <= lo < share.size:
            share[lo : lo + length] = failing
    bad = (PER_MINUTE * share).reshape(query.points, per_step).sum(axis=1)
    total = np.full(query.points, PER_MINUTE * per_step)
    return bad, total


@dataclass
class FakeSource:
    """Answers from FAILURES; records what it was asked besides the series."""

    fail: set[str] = field(default_factory=set)
    insight: Exception | None = None
    asked: list[tuple[str, object, datetime, datetime]] = field(default_factory=list)
    known_releases: list[Release] = field(default_factory=lambda: list(RELEASES))
    notes: tuple[str, ...] = ()

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        out = []
        for query in queries:
            if query.key in self.fail:
                out.append(FetchedSeries(query, error=f"{query.key}: connection refused"))
                continue
            bad, total = step_events(query, FAILURES[query.key])
            roles = {TOTAL: total, BAD: bad} if query.sli.ratio and query.sli.ratio.bad else {}
            notes = self.notes if query.key == "shop/api" else ()
            out.append(FetchedSeries(query, roles or {TOTAL: total, GOOD: total - bad}, notes=notes))
        return out

    def close(self) -> None:
        pass

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        self.asked.append(("attribution", tuple(labels), start, end))
        if self.insight is not None:
            raise self.insight
        return list(SHARES)

    def releases(self, releases: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        self.asked.append(("releases", releases.label, start, end))
        if self.insight is not None:
            raise self.insight
        return [r for r in self.known_releases if start < r.at <= end]


@pytest.fixture
def definitions(tmp_path: Path) -> Definitions:
    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "edge.yaml").write_text(EDGE)
    return load([tmp_path])


def make(
    definitions: Definitions,
    key: str = "shop/api",
    number: int | None = None,
    source: FakeSource | None = None,
    *,
    at: datetime | None = None,
    latest: datetime = AT,
    snapshot: str | None = None,
) -> Draft:
    return draft(definitions, source or FakeSource(), latest, key, number, at=at, snapshot=snapshot)


def test_incidents_are_numbered_oldest_first_and_the_default_is_the_largest(definitions: Definitions) -> None:
    default = make(definitions).postmortem
    assert (default.number, default.count, default.incident.start) == (2, 2, T0)
    first = make(definitions, number=1).postmortem
    assert (first.incident.start, first.incident.end) == (EARLY, EARLY + 10 * MINUTE)
    assert first.incident.bad_events == pytest.approx(0.08 * 1000)
    assert first.incident.budget_share == pytest.approx(80 / BUDGET)


def test_incident_bounds_bad_events_and_sli_during_it(definitions: Definitions) -> None:
    pm = make(definitions, number=2).postmortem
    assert (pm.incident.start, pm.incident.end) == (T0, T0 + 40 * MINUTE)
    assert pm.duration == 40 * MINUTE
    assert pm.incident.bad_events == pytest.approx(380)
    assert pm.total_events == pytest.approx(4000)
    assert pm.sli == pytest.approx(1 - 380 / 4000)
    assert pm.incident.budget_share == pytest.approx(380 / BUDGET)
    assert not pm.incident.postmortem_required  # 8.8 % is under the default policy's 20 %
    assert not pm.ongoing


def test_peak_burn_is_the_fastest_step_and_when(definitions: Definitions) -> None:
    peak = make(definitions).postmortem.peak
    assert peak is not None
    assert peak.burn_rate == pytest.approx(200)
    assert (peak.at, peak.over, peak.located_to) == (T0 + 25 * MINUTE, timedelta(minutes=5), None)


def test_page_tier_fires_at_the_first_5m_step_end_after_10_8_minutes_and_clears_when_the_5m_window_is_clean(
    definitions: Definitions,
) -> None:
    pm = make(definitions).postmortem
    page = next(a for a in pm.alerts if a.tier.long == timedelta(hours=1))
    assert page.factor == pytest.approx(14.4)
    assert [(e.start, e.end, e.open) for e in page.episodes] == [(T0 + 15 * MINUTE, T0 + 45 * MINUTE, False)]
    fired = [e for e in pm.timeline if e.kind == "fired" and "page 1h/5m" in e.text]
    assert [(e.at, e.text) for e in fired] == [
        (T0 + 15 * MINUTE, "Alert page 1h/5m (14.4x) would have fired (15m after the start)")
    ]


def test_page_tier_at_1m_steps_fires_after_10_8_minutes(definitions: Definitions) -> None:
    pm = make(definitions, "edge/api").postmortem
    assert pm.step == MINUTE
    assert (pm.incident.start, pm.incident.end) == (T1, T1 + 20 * MINUTE)
    (page,) = [a for a in pm.alerts if a.tier.severity == "page"]
    assert page.factor == pytest.approx(14.4)
    # ceil(60 * 14.4 / 80) = ceil(10.8) = 11 minutes; it clears at the first minute whose 5m window is clean
    assert [(e.start, e.end) for e in page.episodes] == [(T1 + 11 * MINUTE, T1 + 25 * MINUTE)]


def test_timeline_is_in_time_order_from_release_to_end(definitions: Definitions) -> None:
    # The page 6h/30m tier (6x): by T0+25m the 6h window holds 100 * (20 * 0.08 + 5 * 0.2) = 260 bad of 36,000
    # (7.2x; 4.4x at T0+20m); it clears when its 30m window is clean, T0+70m. The ticket tiers stay below
    # their 3x and 1x: 380 bad over 1 d is 2.6x, over 3 d 0.88x.
    pm = make(definitions).postmortem
    assert [(e.at - T0, e.kind) for e in pm.timeline] == [
        (-12 * MINUTE, "release"),
        (0 * MINUTE, "start"),
        (15 * MINUTE, "fired"),
        (20 * MINUTE, "release"),
        (25 * MINUTE, "fired"),
        (25 * MINUTE, "peak"),
        (40 * MINUTE, "end"),
        (45 * MINUTE, "cleared"),
        (70 * MINUTE, "cleared"),
    ]
    assert [a.tier.severity for a in pm.alerts if not a.episodes] == ["ticket", "ticket"]


def test_releases_are_asked_for_the_within_before_the_start_through_the_end(definitions: Definitions) -> None:
    source = FakeSource()
    pm = make(definitions, source=source).postmortem
    assert ("releases", "version", T0 - timedelta(hours=1), T0 + 40 * MINUTE) in source.asked
    assert pm.releases is not None
    assert [(m.release.version, m.before_start, m.during) for m in pm.releases] == [
        ("1.42", 12 * MINUTE, False),
        ("1.43", -20 * MINUTE, True),
    ]
    texts = [e.text for e in pm.timeline if e.kind == "release"]
    assert texts == ["Release 1.42 (12m before the start)", "Release 1.43 (20m after the start)"]


def test_attribution_is_asked_for_the_incident_span(definitions: Definitions) -> None:
    source = FakeSource()
    pm = make(definitions, source=source).postmortem
    assert ("attribution", ("handler",), T0, T0 + 40 * MINUTE) in source.asked
    assert pm.attribution == tuple(SHARES)
    assert pm.attribution_note is None


def test_a_source_that_cannot_tell_leaves_releases_and_attribution_unknown(definitions: Definitions) -> None:
    result = make(definitions, source=FakeSource(insight=Unavailable("a snapshot holds no labels")))
    pm = result.postmortem
    assert (pm.releases, pm.releases_note) == (None, FROM_SNAPSHOT)
    assert (pm.attribution, pm.attribution_note) == (None, FROM_SNAPSHOT)
    assert result.errors == ()


def test_a_failing_insight_query_is_unknown_and_an_error(definitions: Definitions) -> None:
    result = make(definitions, source=FakeSource(insight=InsightFailed("HTTP 503 from the server")))
    assert result.postmortem.releases_note == "unknown: HTTP 503 from the server"
    assert result.errors == (
        "shop/api: releases: HTTP 503 from the server",
        "shop/api: attribution: HTTP 503 from the server",
    )


def test_other_objectives_of_the_service_with_overlapping_incidents_and_their_shares(
    definitions: Definitions,
) -> None:
    pm = make(definitions).postmortem
    assert [(r.objective, r.kind, r.incident.start, r.incident.end) for r in pm.related] == [
        ("orders", "application", T0 + 10 * MINUTE, T0 + 50 * MINUTE)
    ]
    assert pm.related[0].incident.budget_share == pytest.approx(200 / (0.01 * PER_MINUTE * 30 * 1440))
    assert pm.related_unknown == ()


def test_another_objective_failing_is_unknown_and_an_error(definitions: Definitions) -> None:
    result = make(definitions, source=FakeSource(fail={"shop/orders"}))
    assert result.postmortem.related == ()
    assert result.postmortem.related_unknown == ("orders",)
    assert result.errors == ("shop/orders: connection refused",)


def test_the_objective_failing_is_a_source_error(definitions: Definitions) -> None:
    with pytest.raises(SourceError, match=r"^shop/api: .*connection refused$"):
        make(definitions, source=FakeSource(fail={"shop/api"}))


def test_owners_of_both_kinds(definitions: Definitions) -> None:
    owners = make(definitions).postmortem.owners
    assert [(o.kind, o.team, o.emails) for o in owners] == [
        ("operational", "platform-ops", ("ops@example.com",)),
        ("application", "shop-dev", ("shop-dev@example.com", "shop-lead@example.com")),
    ]


@pytest.mark.parametrize(
    ("key", "number", "message"),
    [
        (
            "shop/api",
            3,
            "--incident 3: shop/api had 2 incidents in its window at 2026-11-20 00:00 UTC (choose 1 to 2)",
        ),
        (
            "shop/api",
            0,
            "--incident 0: shop/api had 2 incidents in its window at 2026-11-20 00:00 UTC (choose 1 to 2)",
        ),
        (
            "shop/search",
            None,
            "shop/search had no incidents in its window at 2026-11-20 00:00 UTC: there is nothing to draft a "
            "postmortem for",
        ),
        ("shop", None, "--objective 'shop': give it as SERVICE/OBJECTIVE, e.g. checkout/availability"),
        (
            "shop/nope",
            None,
            "--objective shop/nope: service shop has no objective 'nope' (objectives: api, orders, search)",
        ),
        (
            "nope/api",
            None,
            "--objective nope/api: no service 'nope' in the definitions (services: edge, shop)",
        ),
    ],
)
def test_usage_errors_name_what_exists(
    definitions: Definitions, key: str, number: int | None, message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        make(definitions, key, number)
    assert str(raised.value) == message


def render(result: Draft) -> str:
    from slokit.report.templates import render as render_template

    return render_template("postmortem.md.j2", None, pm=result.postmortem)


def test_bundled_template_renders_attribution_releases_and_unknowns(definitions: Definitions) -> None:
    text = render(make(definitions, source=FakeSource(fail={"shop/orders"})))
    assert "| Label | Value | Bad events | Share |\n| --- | --- | ---: | ---: |\n" in text
    assert "| handler | /pay | 300 | 78.9% |\n| handler | /cart | 80 | 21.1% |\n" in text
    assert "| 2026-11-18 09:48 | Release 1.42 (12m before the start) |\n" in text
    assert "| 2026-11-18 10:20 | Release 1.43 (20m after the start) |\n" in text
    assert "Unknown for orders: the data source failed for it.\n" in text
    assert "Alert tiers that would not have fired: ticket 1d/2h (3.0x), ticket 3d/6h (1.0x).\n" in text
    assert "| Bad events | 380 of 4,000 |\n" in text
    assert "| SLI during the incident | 90.5% (target 99.9%) |\n" in text


def test_bundled_template_says_what_a_snapshot_cannot_tell(definitions: Definitions) -> None:
    text = render(make(definitions, source=FakeSource(insight=Unavailable("no labels"))))
    assert f"Releases: {FROM_SNAPSHOT}.\n" in text
    assert f"Bad events by handler: {FROM_SNAPSHOT}.\n" in text
    quiet = render(make(definitions, "edge/api"))
    assert "Releases: the service defines no releases.\n" in quiet
    assert "The objective names no `attribute_by` labels" in quiet
    assert "No other objective of edge had an incident overlapping this one.\n" in quiet


def test_a_release_in_the_step_the_incident_started_in_is_at_the_start(definitions: Definitions) -> None:
    # Releases are dated by the start of the step they happened in, like an incident's start.
    source = FakeSource(known_releases=[Release(T0, "2.0", timedelta(minutes=5))])
    pm = make(definitions, source=source).postmortem
    assert [(e.at, e.text) for e in pm.timeline if e.kind == "release"] == [
        (T0, "Release 2.0 (at the start)")
    ]
    assert pm.timeline[0].kind == "release"  # before the start entry of the same time


def test_the_reports_notes_on_the_objective_are_in_the_impact(definitions: Definitions) -> None:
    note = "no series matched the good selector over the range: counted as 0 good events"
    text = render(make(definitions, source=FakeSource(notes=(note,))))
    assert f"| SLI during the incident | 90.5% (target 99.9%) |\n\nNote: {note}\n" in text


def test_a_source_without_releases_or_attribution_says_it_cannot_tell(definitions: Definitions) -> None:
    class SeriesOnly:
        fetch = FakeSource().fetch

        def close(self) -> None:
            pass

    result = draft(definitions, SeriesOnly(), AT, "shop/api", None)
    pm = result.postmortem
    assert (pm.releases, pm.releases_note) == (None, "unknown: the data source cannot tell")
    assert (pm.attribution, pm.attribution_note) == (None, "unknown: the data source cannot tell")
    assert result.errors == ()


# --- --at TIME: the incident in progress then ------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "number"),
    [(T0, 2), (T0 + 39 * MINUTE, 2), (EARLY + 5 * MINUTE, 1), (EARLY, 1), (T0 - 30 * MINUTE, 2)],
)
def test_at_selects_the_incident_in_progress_then(
    definitions: Definitions, at: datetime, number: int
) -> None:
    # T0 - 30m is in no incident: the next starts 30 minutes later, within the 1h step a report reads a
    # 30-day window's old steps at (it printed that step's start).
    pm = make(definitions, at=at).postmortem
    assert (pm.number, pm.count, pm.evaluated_at) == (number, 2, AT)


def test_at_in_no_incident_is_exit_2_listing_the_incidents(definitions: Definitions) -> None:
    # The end is not in the incident; a snapshot's steps are the report's, so no coarse step's leeway.
    cases = [(T0 + 40 * MINUTE, None), (T0 - 30 * MINUTE, "snap.json.gz")]
    for at, snapshot in cases:
        with pytest.raises(UsageError) as raised:
            make(definitions, at=at, snapshot=snapshot)
        assert str(raised.value) == (
            f"--at {at:%Y-%m-%dT%H:%M:%SZ}: shop/api had no incident in progress then (2 incidents in its "
            "window at 2026-11-20 00:00 UTC: 2026-11-10 06:00 to 06:10 UTC; 2026-11-18 10:00 to 10:40 UTC)"
        )


def test_incident_and_at_together_are_a_usage_error(definitions: Definitions) -> None:
    with pytest.raises(UsageError, match=r"^--incident and --at both choose the incident: give one "):
        make(definitions, number=1, at=T0)


def test_an_incident_older_than_the_window_is_drafted_a_day_after_at(definitions: Definitions) -> None:
    # Evaluated 40 days after AT, the window starts after both incidents: --at EARLY+5m evaluates at
    # EARLY+5m plus a day, where incident 1 is the window's only one, with its bounds and bad events.
    pm = make(definitions, at=EARLY + 5 * MINUTE, latest=AT + timedelta(days=40)).postmortem
    assert pm.evaluated_at == EARLY + timedelta(days=1, minutes=5)
    assert (pm.number, pm.count) == (1, 1)
    assert (pm.incident.start, pm.incident.end) == (EARLY, EARLY + 10 * MINUTE)
    assert pm.incident.bad_events == pytest.approx(80)


def test_a_snapshot_cannot_draft_an_incident_older_than_its_window(definitions: Definitions) -> None:
    with pytest.raises(UsageError) as raised:
        make(definitions, at=EARLY, latest=AT + timedelta(days=40), snapshot="snap.json.gz")
    assert str(raised.value) == (
        "--at 2026-11-10T06:00:00Z is before shop/api's window in snap.json.gz (2026-11-30 00:00 to "
        "2026-12-30 00:00 UTC): a snapshot holds the window up to its own time only"
    )


def test_evaluation_time_stays_in_the_calendar_period_of_at_and_within_a_short_window() -> None:
    now = datetime(2026, 12, 1, 6, 47, tzinfo=UTC)
    month = engine.CalendarWindow("month")
    # Within the window now: now, pinned to the 5-minute step.
    assert evaluation_time(month, now, datetime(2026, 12, 1, 1, tzinfo=UTC), "s/o") == datetime(
        2026, 12, 1, 6, 45, tzinfo=UTC
    )
    # October 31 12:00 plus a day is in November: the last step of October instead.
    assert evaluation_time(month, now, datetime(2026, 10, 31, 12, tzinfo=UTC), "s/o") == datetime(
        2026, 10, 31, 23, 55, tzinfo=UTC
    )
    assert evaluation_time(month, now, datetime(2026, 10, 3, tzinfo=UTC), "s/o") == datetime(
        2026, 10, 4, tzinfo=UTC
    )
    # A 6-hour window: half of it after TIME, so TIME lies in the window.
    assert evaluation_time(timedelta(hours=6), now, datetime(2026, 11, 30, tzinfo=UTC), "s/o") == datetime(
        2026, 11, 30, 3, tzinfo=UTC
    )
