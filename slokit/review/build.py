"""From definitions to the review: plan each objective's history, fetch it, and run the history engine.

For each selected objective:

- **Periods** (:func:`slokit.engine.periods.review_periods`): the kind asked for, by default a calendar
  window's own period in its timezone and months in UTC for a rolling window. A calendar window's "window"
  is its calendar period, so ``--period window`` reviews its complete calendar periods. Window periods end
  at the evaluation time aligned down to the hour, the history's step.
- **Step**: 1 hour for event SLIs, 15 minutes (5, 1) when a period bound is off the hour (a timezone at
  +05:30); a time slice's own length for time slices, whose values cannot be summed into hours.
- **Range**: from the first period's start back the objective's window (the rolling budget and freeze at
  the first period's steps) or the longest alert tier window (the replayed tiers' first evaluations),
  whichever is longer, to the last period's end; no window totals (the periods' figures are sums of
  steps).
- Then the history engine: incidents over the span, the configured and the default alert tiers replayed,
  their quality, per-period figures, target advice; attribution and releases from the source where it can
  tell; and each team's priorities over every reviewed objective.

A source error for an objective makes that objective's ``error``; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import get_args

import numpy as np

from slokit import engine, pipeline
from slokit.durations import format_duration
from slokit.engine import history as engine_history
from slokit.engine import replay as engine_replay
from slokit.engine.history import Advice, HistoryInput, PeriodFigures
from slokit.engine.periods import Period, PeriodKind, review_periods
from slokit.engine.replay import TierQuality, TierReplay
from slokit.errors import ObjectiveErrorKind, UsageError
from slokit.report.model import Selection
from slokit.review.impact import attribute_incidents, releases_per_period
from slokit.review.model import ObjectiveReview, Review, ReviewIncident
from slokit.review.priorities import team_priorities
from slokit.sources.base import FetchedSeries, SeriesQuery, Source
from slokit.sources.insight import (
    CANNOT_TELL,
    FROM_SNAPSHOT,
    InsightFailed,
    InsightSource,
    LabelShare,
    Release,
    Unavailable,
)
from slokit.spec.loader import Definitions, LoadedService
from slokit.spec.models import Objective, Releases
from slokit.timeparse import rfc3339

HOUR = timedelta(hours=1)
# The history's step: the first of these that every period bound falls on.
STEPS: tuple[timedelta, ...] = (HOUR, timedelta(minutes=15), timedelta(minutes=5), timedelta(minutes=1))
DEFAULT_PERIODS = 6
# A review spans at most 10 years (and 120 periods): the history is held in memory step by step, hourly for
# events (a review of 2,000 weeks took 3.5 GB; 20,000 windows ran the machine out of memory), and a span
# longer than that asks a server for decades of range queries.
MAX_PERIODS = 120
MAX_SPAN = timedelta(days=3653)
_CALENDAR_LIMITS: dict[str, int] = {"month": 120, "week": MAX_PERIODS, "quarter": 40}
_KINDS: tuple[str, ...] = get_args(PeriodKind)


@dataclass(frozen=True)
class Planned:
    """One objective's review plan: its periods, tiers and the query of its history."""

    service: LoadedService
    objective: Objective
    team: str
    window: engine.Window
    period_kind: PeriodKind
    timezone: str
    periods: tuple[Period, ...]
    tiers: tuple[engine.AlertTier, ...]  # as configured (defaults scaled for a severity left out)
    default_tiers: tuple[engine.AlertTier, ...]
    policy: engine.Policy
    query: SeriesQuery

    @property
    def key(self) -> str:
        return self.query.key

    @property
    def span(self) -> tuple[datetime, datetime]:
        """What the review covers: the first period's start to the last one's end."""
        return self.periods[0].start, self.periods[-1].end


def history_step(periods: Sequence[Period]) -> timedelta:
    """The coarsest step of :data:`STEPS` that every period bound falls on."""
    bounds = {p.start for p in periods} | {p.end for p in periods}
    for step in STEPS:
        if all(engine.align_down(b, step) == b for b in bounds):
            return step
    return STEPS[-1]


def objective_periods(
    window: engine.Window, kind: PeriodKind | None, count: int, at: datetime
) -> tuple[PeriodKind, str, tuple[Period, ...]]:
    """The objective's period kind, timezone and periods (see the module docstring)."""
    if isinstance(window, engine.CalendarWindow):
        own: PeriodKind = window.period
        chosen = own if kind in (None, "window") else kind
        assert chosen is not None
        return chosen, window.timezone, review_periods(chosen, count, at, timezone=window.timezone)
    if kind == "window":
        ends = engine.align_down(at, HOUR)
        return "window", "UTC", review_periods("window", count, ends, timezone="UTC", window=window)
    chosen = kind or "month"
    return chosen, "UTC", review_periods(chosen, count, at, timezone="UTC")


def lookback_start(window: engine.Window, first: datetime, tiers: Sequence[engine.AlertTier]) -> datetime:
    """How far before the first period the history reaches: the objective's window at the first period's
    start (its budget and freeze there) or the longest tier's long window (its first evaluations),
    whichever reaches further."""
    if isinstance(window, engine.CalendarWindow):
        window_start = engine.period_bounds(window, first)[0]
    else:
        window_start = first - window
    longest = max((t.long for t in tiers), default=timedelta(0))
    return min(window_start, first - longest)


def selected(
    definitions: Definitions, selection: Selection | None = None
) -> list[tuple[LoadedService, Objective, str]]:
    """The objectives ``selection`` keeps, with the team owning each one's kind."""
    selection = selection or Selection()
    kept = []
    for service, objective in definitions.objectives():
        owner = service.spec.owners.for_kind(objective.kind)
        team = owner.team if owner else ""
        if selection.matches(service.spec.service, objective.name, objective.kind, team):
            kept.append((service, objective, team))
    return kept


def check_periods(periods: object, period_kind: object = None) -> None:
    """Refuse a period count or kind that no review can have, in the command line's words."""
    if isinstance(periods, bool) or not isinstance(periods, int):
        raise UsageError(f"--periods must be a whole number, got {periods!r}")
    if periods < 1:
        raise UsageError(f"--periods must be at least 1, got {periods}")
    if periods > MAX_PERIODS:
        raise UsageError(f"--periods must be at most {MAX_PERIODS} (10 years of months), got {periods}")
    if period_kind is not None and period_kind not in _KINDS:
        raise UsageError(f"--period must be one of {', '.join(_KINDS)}, got {period_kind!r}")


def _check_span(key: str, kind: PeriodKind, periods: Sequence[Period]) -> None:
    """At most 10 years: 40 quarters, or as many windows of the objective's length as fit."""
    length = periods[0].length
    limit = _CALENDAR_LIMITS.get(kind) or max(1, MAX_SPAN // length)
    if len(periods) > limit:
        what = f"{kind}s" if kind != "window" else f"windows of {format_duration(length)}"
        raise UsageError(
            f"--periods must be at most {limit} for {key}'s {what} (a review spans at most 10 years), "
            f"got {len(periods)}"
        )


def plan(
    definitions: Definitions,
    at: datetime,
    *,
    periods: int = DEFAULT_PERIODS,
    period_kind: PeriodKind | None = None,
    selection: Selection | None = None,
) -> list[Planned]:
    """The objectives ``selection`` keeps, each with its periods and the query of its history.

    Raises :class:`~slokit.errors.UsageError` for a period count or kind out of bounds (see
    :func:`check_periods`) and for periods spanning more than 10 years."""
    check_periods(periods, period_kind)
    planned = []
    for service, objective, team in selected(definitions, selection):
        spec = service.spec
        policy = engine.Policy(spec.policy.warn_below, spec.policy.freeze_on, spec.policy.postmortem_over)
        window = pipeline.engine_window(spec.window_for(objective))
        try:
            kind, timezone, chosen = objective_periods(window, period_kind, periods, at)
        except ValueError as exc:  # before year 1: only a window of centuries gets there
            raise UsageError(f"--periods {periods}: {exc}") from None
        _check_span(f"{spec.service}/{objective.name}", kind, chosen)
        # The tiers as they run in production, at the objective's evaluation step; the replay then
        # evaluates a window shorter than the history's step as one step.
        evaluation = pipeline.step_for(objective, window, at)
        tiers = pipeline.alert_tiers(service, window, evaluation)
        defaults = engine.default_alert_tiers(window, evaluation)
        timeslices = objective.sli.timeslices
        step = timeslices.slice if timeslices is not None else history_step(chosen)
        first = engine.align_down(lookback_start(window, chosen[0].start, (*tiers, *defaults)), step)
        end = engine.align_down(chosen[-1].end, step)
        query = SeriesQuery(
            key=f"{spec.service}/{objective.name}",
            sli=objective.sli,
            step=step,
            start=first + step,
            end=end,
            windows=(),
        )
        planned.append(
            Planned(service, objective, team, window, kind, timezone, chosen, tiers, defaults, policy, query)
        )
    return planned


def build_review(
    definitions: Definitions,
    source: Source,
    at: datetime,
    *,
    periods: int = DEFAULT_PERIODS,
    period_kind: PeriodKind | None = None,
    selection: Selection | None = None,
    on_done: Callable[[FetchedSeries], None] | None = None,
) -> Review:
    """The review of the objectives ``selection`` keeps, over ``periods`` periods before ``at``.

    ``source`` answers the histories; attribution and releases are asked of it when it is also an
    :class:`~slokit.sources.insight.InsightSource` (a note otherwise)."""
    plans = plan(definitions, at, periods=periods, period_kind=period_kind, selection=selection)
    fetched = source.fetch([p.query for p in plans], on_done)
    by_key = {f.query.key: f for f in fetched}
    releases = _service_releases(plans, source)
    objectives = tuple(_review(p, by_key[p.key], source, releases.get(p.service.spec.service)) for p in plans)
    return Review(
        evaluated_at=at,
        period_kind=period_kind or "month",
        step=HOUR,
        objectives=objectives,
        priorities=team_priorities(objectives),
    )


@dataclass(frozen=True)
class _Releases:
    """A service's releases over the union of its objectives' spans, or why there are none."""

    spec: Releases
    found: tuple[Release, ...] | None
    note: str | None = None


def _insight(source: Source) -> InsightSource | None:
    return source if isinstance(source, InsightSource) else None


def _service_releases(plans: Sequence[Planned], source: Source) -> dict[str, _Releases]:
    """Each service's releases, asked once over all its objectives' spans (the release window before)."""
    out: dict[str, _Releases] = {}
    insight = _insight(source)
    spans: dict[str, list[Planned]] = {}
    for p in plans:
        if p.service.spec.releases is not None:
            spans.setdefault(p.service.spec.service, []).append(p)
    for service, items in spans.items():
        spec = items[0].service.spec.releases
        assert spec is not None
        start = min(p.span[0] for p in items) - spec.within
        end = max(p.span[1] for p in items)
        if insight is None:
            out[service] = _Releases(spec, None, f"releases: {CANNOT_TELL}")
            continue
        # At the history's step (15 minutes where a period starts off the hour): a release is then
        # located as precisely as the incidents it is set against. Time slices' steps are not events'.
        step = min((p.query.step for p in items if p.objective.sli.timeslices is None), default=HOUR)
        try:
            found = tuple(insight.releases(spec, start, end, step))
        except InsightFailed as exc:
            out[service] = _Releases(spec, None, _said("releases", exc))
        else:
            out[service] = _Releases(spec, found)
    return out


def _failed(p: Planned, message: str, kind: ObjectiveErrorKind = "source") -> ObjectiveReview:
    """The objective's planned periods, every figure unknown: a reader sees which periods failed."""
    unknown = tuple(_unknown(period) for period in p.periods)
    return replace(_empty(p), periods=unknown, error=message, error_kind=kind)


def _unknown(period: Period) -> PeriodFigures:
    return PeriodFigures(
        period=period,
        sli=None,
        good_events=None,
        total_events=None,
        bad_events=None,
        budget_consumed=None,
        met=None,
        incidents=0,  # not Optional: a period without data is known by total_events None (as period_figures)
        largest_incident_share=None,
        postmortems_required=0,
        freeze_seconds=0.0,
        alerts=dict.fromkeys(engine_history.SEVERITIES, 0),
        coverage=0.0,
    )


def _empty(p: Planned) -> ObjectiveReview:
    return ObjectiveReview(
        service=p.service.spec.service,
        objective=p.objective.name,
        kind=p.objective.kind,
        team=p.team,
        target=p.objective.target_fraction,
        window=p.window,
        periods=(),
        alert_quality=(),
        default_alert_quality=(),
        advice=Advice(achievable_target=None, budget_consumed=(), flags=()),
        attribution=() if not p.objective.attribute_by else None,  # unknown until asked
        incidents=(),
        releases=None,
        timeslices=p.objective.sli.timeslices is not None,
        period_kind=p.period_kind,
        timezone=p.timezone,
        step=p.query.step,
    )


def _review(
    p: Planned, fetched: FetchedSeries, source: Source, releases: _Releases | None
) -> ObjectiveReview:
    if fetched.error is not None:
        return _failed(p, fetched.error, fetched.error_kind)
    good, total = pipeline.events(_as_pipeline_plan(p), fetched)
    history = HistoryInput(
        key=p.key,
        target=p.objective.target_fraction,
        window=p.window,
        step=p.query.step,
        timestamps=p.query.timestamps(),
        good=good,
        total=total,
        policy=p.policy,
        alert_tiers=p.tiers,
        timeslices=p.objective.sli.timeslices is not None,
    )
    start, end = p.span
    try:
        incidents = engine_history.history_incidents(history, p.periods)
        replays = _replay(history, p.tiers, start)
        figures = engine_history.period_figures(history, p.periods, incidents, replays)
        quality = engine_replay.alert_quality(replays, incidents)
        default_quality: tuple[TierQuality, ...] = ()
        if set(p.default_tiers) != set(p.tiers):
            default_quality = engine_replay.alert_quality(_replay(history, p.default_tiers, start), incidents)
        advice = engine_history.target_advice(figures, p.objective.target_fraction)
    except ValueError as exc:  # counts the engine refuses (negative, infinite): the input is unusable
        return _failed(p, f"{p.key}: {exc}")
    notes = [*fetched.notes, *_coverage(history, start)]
    attribution = _attribution(p, source, start, end, notes)
    reviewed = tuple(ReviewIncident(i) for i in incidents)
    known: tuple[Release, ...] | None = None
    if releases is not None:
        if releases.note is not None:
            notes.append(releases.note)
        if releases.found is not None:
            known = tuple(r for r in releases.found if start <= r.at < end)
            counts = releases_per_period(p.periods, known)
            figures = tuple(replace(f, releases=n) for f, n in zip(figures, counts, strict=True))
            # A release shortly before the first period can still be what the first incident followed.
            reviewed = attribute_incidents(incidents, releases.found, releases.spec.within)
    return replace(
        _empty(p),
        periods=figures,
        alert_quality=quality,
        default_alert_quality=default_quality,
        advice=advice,
        attribution=attribution,
        incidents=reviewed,
        releases=known,
        notes=tuple(notes),
    )


def _replay(
    history: HistoryInput, tiers: Sequence[engine.AlertTier], start: datetime
) -> tuple[TierReplay, ...]:
    """The tiers replayed over the whole history; episodes that cleared before the review began are the
    lookback's, not the review's."""
    length = engine.window_length(history.window, start)
    replays = engine_replay.replay_tiers(
        history.timestamps, history.good, history.total, history.target, length, history.step, tiers
    )
    return tuple(replace(r, episodes=tuple(e for e in r.episodes if e.end > start)) for r in replays)


def _attribution(
    p: Planned, source: Source, start: datetime, end: datetime, notes: list[str]
) -> tuple[LabelShare, ...] | None:
    """The bad events by label value; None (unknown, with a note saying why) when the source cannot tell
    or its query failed; empty only without ``attribute_by``."""
    labels = p.objective.attribute_by
    if not labels:
        return ()
    insight = _insight(source)
    if insight is None:
        notes.append(f"attribution: {CANNOT_TELL}")
        return None
    try:
        return tuple(insight.attribution(p.objective.sli, labels, start, end))
    except InsightFailed as exc:  # Unavailable too: a note, not an error of the objective
        notes.append(_said("attribution", exc))
    return None


def _coverage(history: HistoryInput, start: datetime) -> list[str]:
    """Where the data begins, when that is after the review does: the periods before it are unknown, and
    the one it begins in holds only part of its time (its figures are of that part)."""
    has = ~np.isnan(history.total)
    if not has.any():
        return ["no data over the reviewed periods"]
    index = int(np.argmax(has))
    first = datetime.fromtimestamp(
        int(history.timestamps[index].astype("datetime64[s]").astype(np.int64)), UTC
    )
    first -= history.step
    if first <= start:
        return []
    return [f"data from {rfc3339(first)} on: periods before it are unknown, the one it begins in is partial"]


def _said(topic: str, exc: InsightFailed) -> str:
    """The source's message, naming what it is about (sources usually do already); a source that cannot
    answer at all (a snapshot) in the words the report and the postmortem use."""
    if isinstance(exc, Unavailable):
        return f"{topic}: {FROM_SNAPSHOT}"
    message = str(exc)
    return message if message.lower().startswith(topic) else f"{topic}: {message}"


def _as_pipeline_plan(p: Planned) -> pipeline.Planned:
    """The report pipeline's view of the plan, for its event rules (absent bad counters, time slices)."""
    return pipeline.Planned(p.service, 0, p.objective, p.window, p.tiers, p.policy, p.query)
