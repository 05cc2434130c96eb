"""A hand-built review with every case a renderer must handle, figures derived here from stated events.

Six calendar months (2026-06 to 2026-11, UTC) evaluated at 2026-12-01 00:00 UTC:

- checkout/availability (platform-ops): ratio at 99.9 %, met in 5 of 6 months (August missed), two August
  incidents (the first an hour after release 1.41), one in November 12 minutes after release 1.42,
  attribution by code and handler, the default tiers (no separate defaults table).
- checkout/latency (platform-ops): 99 %, no data in June and July (a new objective), custom tiers that never
  fired (every quality figure undefined) beside the defaults, flag ``budget_unused``.
- checkout/uptime (platform-ops): time slices at 99.9 %, advice to tighten to 99.95 %.
- payments/authorisation-success (payments-dev): missed in 4 of 6 months, flag ``aspirational``, releases
  not defined (unknown), attribution unavailable from a snapshot (a note).
- search/search-latency (discovery-dev): the data source failed (an error objective).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from slokit.engine.history import Advice, PeriodFigures
from slokit.engine.inputs import DEFAULT_ALERT_TIERS, AlertTier, Severity
from slokit.engine.periods import Period
from slokit.engine.replay import TierQuality
from slokit.engine.results import Incident
from slokit.review.model import ObjectiveReview, Review, ReviewIncident, TeamPriorities, TeamPriority
from slokit.sources.insight import LabelShare, Release

AT = datetime(2026, 12, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
MONTHS = tuple(
    Period(datetime(2026, m, 1, tzinfo=UTC), datetime(2026, m + 1, 1, tzinfo=UTC), f"2026-{m:02d}")
    for m in range(6, 12)
)
WINDOW = timedelta(days=30)
SLICES = tuple(round((p.end - p.start) / timedelta(minutes=1)) for p in MONTHS)  # one-minute slices

# Events per month: (total, bad).
AVAILABILITY = ((1_000_000, 400), (1_200_000, 300), (900_000, 1_800), (1_100_000, 500), (1_000_000, 250),
                (1_250_000, 1_000))  # fmt: skip
LATENCY = (None, None, (500_000, 20), (500_000, 35), (500_000, 10), (500_000, 40))
UPTIME_BAD = (5, 0, 12, 3, 0, 40)
AUTHORISATION = tuple((2_000_000, bad) for bad in (3_000, 2_500, 1_800, 2_600, 2_200, 1_500))


def figures(
    period: Period,
    events: tuple[int, int] | None,
    target: float,
    *,
    incidents: tuple[Incident, ...] = (),
    freeze: float = 0.0,
    alerts: dict[Severity, int] | None = None,
    releases: int | None = 0,
) -> PeriodFigures:
    """One month's figures from its events: SLI = good / total, budget consumed = bad / ((1 - target)
    total)."""
    if events is None:
        return PeriodFigures(period, None, None, None, None, None, None, 0, None, 0, freeze, {}, releases)
    total, bad = events
    sli = (total - bad) / total
    return PeriodFigures(
        period=period,
        sli=sli,
        good_events=float(total - bad),
        total_events=float(total),
        bad_events=float(bad),
        budget_consumed=bad / ((1 - target) * total),
        met=sli >= target,
        incidents=len(incidents),
        largest_incident_share=max((i.budget_share for i in incidents), default=None),
        postmortems_required=sum(1 for i in incidents if i.postmortem_required),
        freeze_seconds=freeze,
        alerts={"page": 0, "ticket": 0, **(alerts or {})},
        releases=releases,
    )


def incident(start: datetime, hours: int, bad: float, period_total: float, period: Period) -> Incident:
    """An incident's share of the 30-day window's budget at the traffic of the month it starts in."""
    share = bad / (0.001 * period_total * (WINDOW / (period.end - period.start)))
    return Incident(start, start + hours * HOUR, bad, share, share > 0.20, located_to=None)


def quality(
    tier: AlertTier,
    factor: float,
    episodes: int,
    precision: float | None,
    recall: float | None,
    detection: tuple[float, float] | None,
    reset: float | None,
) -> TierQuality:
    median, worst = detection if detection else (None, None)
    return TierQuality(tier, factor, episodes, precision, recall, median, worst, reset)


def advice(periods: tuple[PeriodFigures, ...], achievable: float | None, *flags: str) -> Advice:
    return Advice(achievable, tuple(p.budget_consumed for p in periods), flags)


RELEASES = (
    Release(datetime(2026, 6, 9, 14, tzinfo=UTC), "1.40", timedelta(minutes=5)),
    Release(datetime(2026, 8, 12, 13, tzinfo=UTC), "1.41", timedelta(minutes=5)),
    Release(datetime(2026, 11, 16, 9, 48, tzinfo=UTC), "1.42", timedelta(minutes=5)),
)
RELEASES_PER_MONTH = (1, 0, 1, 0, 0, 1)


def availability() -> ObjectiveReview:
    aug, nov = MONTHS[2], MONTHS[5]
    first = incident(datetime(2026, 8, 12, 14, tzinfo=UTC), 2, 1_200, 900_000, aug)
    second = incident(datetime(2026, 8, 20, 3, tzinfo=UTC), 1, 300, 900_000, aug)
    third = incident(datetime(2026, 11, 16, 10, tzinfo=UTC), 1, 600, 1_250_000, nov)
    by_month: dict[int, tuple[Incident, ...]] = {2: (first, second), 5: (third,)}
    alerts: dict[int, dict[Severity, int]] = {2: {"page": 3, "ticket": 1}, 3: {"ticket": 1}, 5: {"page": 2}}
    freeze = {2: 5 * 86400.0, 3: 3 * 86400.0}
    periods = tuple(
        figures(
            month,
            AVAILABILITY[i],
            0.999,
            incidents=by_month.get(i, ()),
            freeze=freeze.get(i, 0.0),
            alerts=alerts.get(i),
            releases=RELEASES_PER_MONTH[i],
        )
        for i, month in enumerate(MONTHS)
    )
    page1, page6, ticket1, ticket3 = DEFAULT_ALERT_TIERS
    bad = sum(b for _, b in AVAILABILITY)  # 4,250
    return ObjectiveReview(
        service="checkout",
        objective="availability",
        kind="operational",
        team="platform-ops",
        target=0.999,
        window=WINDOW,
        periods=periods,
        step=HOUR,
        alert_quality=(
            quality(page1, 14.4, 3, 1.0, 1.0, (660.0, 1320.0), 1800.0),
            quality(page6, 6.0, 2, 1.0, 2 / 3, (1500.0, 2400.0), 5400.0),
            quality(ticket1, 3.0, 1, 1.0, 1 / 3, (7200.0, 7200.0), 36000.0),
            quality(ticket3, 1.0, 1, 0.0, 0.0, None, None),
        ),
        default_alert_quality=(),
        advice=advice(periods, 0.999),
        attribution=(
            LabelShare("code", "500", 0.6 * bad, 0.6),
            LabelShare("code", "503", 0.3 * bad, 0.3),
            LabelShare("code", "(other)", 0.1 * bad, 0.1),
            LabelShare("handler", "/pay", 0.8 * bad, 0.8),
            LabelShare("handler", "", 0.2 * bad, 0.2),
        ),
        incidents=(
            ReviewIncident(first, RELEASES[1], first.start - RELEASES[1].at),
            ReviewIncident(second),
            ReviewIncident(third, RELEASES[2], third.start - RELEASES[2].at),
        ),
        releases=RELEASES,
    )


CUSTOM_TIERS = (
    AlertTier("page", timedelta(hours=2), timedelta(minutes=10), 5.0),
    AlertTier("ticket", timedelta(days=1), timedelta(hours=2), 10.0),
)


def latency() -> ObjectiveReview:
    periods = tuple(
        figures(month, LATENCY[i], 0.99, releases=RELEASES_PER_MONTH[i]) for i, month in enumerate(MONTHS)
    )
    silent = [quality(tier, 0.0, 0, None, None, None, None) for tier in CUSTOM_TIERS]
    defaults = [quality(tier, 0.0, 0, None, None, None, None) for tier in DEFAULT_ALERT_TIERS]
    factors = (18.0, 3.0)
    default_factors = (14.4, 6.0, 3.0, 1.0)
    return ObjectiveReview(
        service="checkout",
        objective="latency",
        kind="operational",
        team="platform-ops",
        target=0.99,
        window=WINDOW,
        periods=periods,
        step=HOUR,
        alert_quality=tuple(dataclasses.replace(q, factor=f) for q, f in zip(silent, factors, strict=True)),
        default_alert_quality=tuple(
            dataclasses.replace(q, factor=f) for q, f in zip(defaults, default_factors, strict=True)
        ),
        advice=advice(periods, 0.9999, "budget_unused"),
        attribution=(),
        incidents=(),
        releases=RELEASES,
        notes=("no attribute_by labels: no budget attribution",),
    )


def uptime() -> ObjectiveReview:
    nov = MONTHS[5]
    outage = incident(datetime(2026, 11, 3, 2, tzinfo=UTC), 2, 40, SLICES[5], nov)
    periods = tuple(
        figures(
            month,
            (SLICES[i], UPTIME_BAD[i]),
            0.999,
            incidents=(outage,) if i == 5 else (),
            alerts={"page": 1} if i == 5 else None,
            releases=RELEASES_PER_MONTH[i],
        )
        for i, month in enumerate(MONTHS)
    )
    page1, _, ticket1, _ = DEFAULT_ALERT_TIERS
    return ObjectiveReview(
        service="checkout",
        objective="uptime",
        kind="operational",
        team="platform-ops",
        target=0.999,
        window=WINDOW,
        periods=periods,
        alert_quality=(
            quality(page1, 14.4, 1, 1.0, 1.0, (0.0, 0.0), 3600.0),
            quality(ticket1, 3.0, 0, None, 0.0, None, None),
        ),
        default_alert_quality=(),
        advice=advice(periods, 0.9995),
        attribution=(),
        incidents=(ReviewIncident(outage),),
        releases=RELEASES,
        timeslices=True,
        step=timedelta(minutes=1),
    )


def authorisation() -> ObjectiveReview:
    jun = MONTHS[0]
    first = incident(datetime(2026, 6, 5, 8, tzinfo=UTC), 4, 1_200, 2_000_000, jun)
    periods = tuple(
        figures(month, AUTHORISATION[i], 0.999, incidents=(first,) if i == 0 else (), releases=None)
        for i, month in enumerate(MONTHS)
    )
    page1, _, ticket1, _ = DEFAULT_ALERT_TIERS
    return ObjectiveReview(
        service="payments",
        objective="authorisation-success",
        kind="application",
        team="payments-dev",
        target=0.999,
        window=WINDOW,
        periods=periods,
        step=HOUR,
        alert_quality=(
            quality(page1, 14.4, 4, 0.25, 1.0, (1800.0, 1800.0), 600.0),
            quality(ticket1, 3.0, 9, 1 / 9, 1.0, (3600.0, 3600.0), 7200.0),
        ),
        default_alert_quality=(),
        advice=advice(periods, 0.995, "aspirational"),
        attribution=(),
        incidents=(ReviewIncident(first),),
        releases=None,
        notes=(
            "attribution unavailable: a snapshot holds no labels",
            "releases unknown: the service defines no releases",
        ),
    )


def search_error() -> ObjectiveReview:
    return ObjectiveReview(
        service="search",
        objective="search-latency",
        kind="application",
        team="discovery-dev",
        target=0.99,
        window=WINDOW,
        periods=(),
        alert_quality=(),
        default_alert_quality=(),
        advice=Advice(None, (), ()),
        attribution=(),
        incidents=(),
        releases=None,
        error="query failed: HTTP 503 Service Unavailable from http://prometheus:9090",
    )


def span_consumed(events: tuple[tuple[int, int] | None, ...], target: float) -> float:
    """Budget consumed over the span: all bad events over the budget of all events."""
    known = [e for e in events if e is not None]
    return sum(b for _, b in known) / ((1 - target) * sum(t for t, _ in known))


def trend(periods: tuple[PeriodFigures, ...]) -> float:
    last, before = periods[-1].budget_consumed, periods[-2].budget_consumed
    assert last is not None and before is not None
    return last - before


def review() -> Review:
    objectives = (availability(), latency(), uptime(), authorisation(), search_error())
    a, lat, up, auth, _ = objectives
    uptime_events = tuple(zip(SLICES, UPTIME_BAD, strict=True))
    ops = {
        "availability": TeamPriority(
            "checkout", "availability", span_consumed(AVAILABILITY, 0.999), trend(a.periods)
        ),
        "latency": TeamPriority("checkout", "latency", span_consumed(LATENCY, 0.99), trend(lat.periods)),
        "uptime": TeamPriority("checkout", "uptime", span_consumed(uptime_events, 0.999), trend(up.periods)),
    }
    payments = TeamPriority(
        "payments", "authorisation-success", span_consumed(AUTHORISATION, 0.999), trend(auth.periods)
    )
    search = TeamPriority("search", "search-latency", None, None)
    return Review(
        evaluated_at=AT,
        period_kind="month",
        step=HOUR,
        objectives=objectives,
        priorities=(
            TeamPriorities(
                "platform-ops",
                "operational",
                by_budget=(ops["availability"], ops["uptime"], ops["latency"]),
                by_trend=(ops["uptime"], ops["availability"], ops["latency"]),
            ),
            TeamPriorities("payments-dev", "application", (payments,), (payments,)),
            TeamPriorities("discovery-dev", "application", (search,), (search,)),
        ),
    )
