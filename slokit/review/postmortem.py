"""``slokit postmortem``: the data of a blameless postmortem draft for one incident of one objective.

The objective's service is fetched at full resolution (every step at the objective's own step, however
old), so that an incident's bounds are exact to the step anywhere in the window. The incidents are numbered
1-based oldest first, as the report's engine order numbers them. ``--at TIME`` selects the incident in
progress at TIME (see :func:`select`); the evaluation time is the latest there is (now, or a snapshot's
time), moved back for an incident older than the window then (:func:`evaluation_time`). The draft's figures
come from the same fetched step series: the incident's events and SLI, the peak step burn rate, and the
objective's alert tiers replayed over the series (:func:`slokit.engine.replay.replay_tiers`). Releases and
attribution are asked of the source (:mod:`slokit.sources.insight`); a snapshot cannot answer either, which
the draft says.

:func:`draft` runs the whole thing against a source; :func:`build` is the pure part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from slokit import engine, pipeline
from slokit.engine.compute import error_budget_ratio
from slokit.engine.inputs import AlertTier, FloatArray, Resolution, TimeArray
from slokit.engine.replay import Episode, overlaps, replay_tiers
from slokit.engine.results import Incident
from slokit.errors import SourceError, UsageError
from slokit.report import fmt
from slokit.report.model import ObjectiveReport, Report, Selection
from slokit.sources import resolution as resolutions
from slokit.sources.base import FetchedSeries, Source
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
from slokit.spec.models import KINDS, Kind
from slokit.timeparse import rfc3339

BOTH = (
    "--incident and --at both choose the incident: give one (--incident N counts the incidents in the window "
    "now, --at TIME picks the one in progress at TIME)"
)


@dataclass(frozen=True, slots=True)
class OwnerLine:
    kind: Kind
    team: str
    emails: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PeakBurn:
    """The highest burn rate of one step inside the incident: ``(bad / total) / (1 - target)`` of the step
    ending at ``at``, ``over`` long (the coarse step where the series are coarse: known only to that)."""

    burn_rate: float
    at: datetime
    over: timedelta
    located_to: timedelta | None = None


@dataclass(frozen=True, slots=True)
class TierAlerts:
    """One alert tier and the episodes of its replay that overlap the incident (firing at some step end in
    ``[start, end]``); none when it would not have fired."""

    tier: AlertTier
    factor: float
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class RelatedIncident:
    """An incident of another objective of the same service overlapping this one."""

    objective: str
    kind: Kind
    incident: Incident


@dataclass(frozen=True, slots=True)
class ReleaseMark:
    release: Release
    before_start: timedelta  # incident start - release time; negative for a release inside the incident

    @property
    def during(self) -> bool:
        return self.before_start < timedelta(0)


TimelineKind = Literal["release", "start", "peak", "fired", "cleared", "end"]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: TimelineKind
    text: str
    located_to: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Postmortem:
    service: str
    objective: str
    kind: Kind
    description: str
    sli_kind: str
    target: float  # fraction
    window: str
    location: str  # FILE:LINE of the objective's definition
    evaluated_at: datetime
    number: int  # 1-based, oldest first, as the report numbers the objective's incidents
    count: int  # incidents of the objective in its window
    incident: Incident
    postmortem_over: float  # the policy's percent
    step: timedelta  # the objective's step
    good_events: float | None  # during the incident (None: no step with data)
    total_events: float | None
    sli: float | None
    peak: PeakBurn | None
    alerts: tuple[TierAlerts, ...]
    releases: tuple[ReleaseMark, ...] | None  # None: unknown or not defined, see releases_note
    releases_note: str | None
    releases_within: timedelta | None
    related: tuple[RelatedIncident, ...]
    related_unknown: tuple[str, ...]  # objectives of the service whose data could not be fetched
    owners: tuple[OwnerLine, ...]
    attribute_by: tuple[str, ...]
    attribution: tuple[LabelShare, ...] | None  # None: not asked for, or unknown (attribution_note)
    attribution_note: str | None
    timeline: tuple[TimelineEntry, ...]
    runbook: str | None = None
    dashboard: str | None = None
    notes: tuple[str, ...] = ()  # what the figures rest on (the report's notes of the objective)

    @property
    def ongoing(self) -> bool:
        return self.incident.end >= self.evaluated_at

    @property
    def duration(self) -> timedelta:
        return self.incident.end - self.incident.start

    @property
    def located(self) -> str | None:
        """``located to the hour`` when the incident lies where the series are coarse."""
        return fmt.located(self.incident.located_to)


@dataclass(frozen=True, slots=True, eq=False)
class StepSeries:
    """The objective's fetched events per step (``timestamps`` are step ends, as the engine's inputs)."""

    timestamps: TimeArray
    good: FloatArray
    total: FloatArray
    step: timedelta
    resolution: Resolution | None = None


@dataclass(frozen=True, slots=True)
class Insight:
    """What the source told about releases and attribution over the incident (None: not asked)."""

    releases: tuple[Release, ...] | None = None
    releases_note: str | None = None
    attribution: tuple[LabelShare, ...] | None = None
    attribution_note: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    postmortem: Postmortem
    errors: tuple[str, ...]  # source failures besides the objective's own (other objectives, insight)


def split_key(key: str) -> tuple[str, str]:
    service, slash, objective = key.partition("/")
    if not slash or not service or not objective:
        raise UsageError(f"--objective {key!r}: give it as SERVICE/OBJECTIVE, e.g. checkout/availability")
    return service, objective


def find(definitions: Definitions, key: str) -> tuple[LoadedService, int]:
    """The service and the objective's index that ``--objective SERVICE/OBJECTIVE`` names."""
    service_name, name = split_key(key)
    services = {s.spec.service: s for s in definitions.services}
    loaded = services.get(service_name)
    if loaded is None:
        raise UsageError(
            f"--objective {key}: no service {service_name!r} in the definitions "
            f"(services: {', '.join(sorted(services)) or 'none'})"
        )
    names = [o.name for o in loaded.spec.objectives]
    if name not in names:
        raise UsageError(
            f"--objective {key}: service {service_name} has no objective {name!r} "
            f"(objectives: {', '.join(names)})"
        )
    return loaded, names.index(name)


# How far after an old ``--at`` the draft is evaluated: the incident then lies well inside the window
# (a day of its aftermath in view), and the window does not reach back further than it must.
LEAD = timedelta(days=1)


def _no_incidents(key: str, at: datetime) -> UsageError:
    return UsageError(
        f"{key} had no incidents in its window at {at:%Y-%m-%d %H:%M} UTC: there is nothing to draft a "
        "postmortem for"
    )


def choose(incidents: Sequence[Incident], number: int | None, key: str, at: datetime) -> int:
    """The 1-based number of the incident to draft: ``number``, or the largest that needs a postmortem,
    else the largest (the oldest of equals)."""
    if not incidents:
        raise _no_incidents(key, at)
    if number is not None:
        if not 1 <= number <= len(incidents):
            raise UsageError(
                f"--incident {number}: {key} had {fmt.plural(len(incidents), 'incident')} in its window at "
                f"{at:%Y-%m-%d %H:%M} UTC (choose 1 to {len(incidents)})"
            )
        return number
    required = [i for i, incident in enumerate(incidents) if incident.postmortem_required]
    pool = required or list(range(len(incidents)))
    return max(pool, key=lambda i: (incidents[i].budget_share, -i)) + 1


def select(
    incidents: Sequence[Incident], time: datetime, key: str, at: datetime, within: timedelta | None = None
) -> int:
    """The 1-based number of the incident in progress at ``time`` (``start <= time < end``; an ongoing one
    until the evaluation time ``at``).

    When none is, the first starting less than ``within`` after ``time``: a report that read old steps
    coarse (``within`` is its coarse step) located the incident to that step and printed the step's
    start, where the full-resolution incident may begin a little later."""
    if not incidents:
        raise _no_incidents(key, at)
    for number, incident in enumerate(incidents, 1):
        if incident.start <= time and (time < incident.end or incident.end >= at):
            return number
    if within is not None:
        for number, incident in enumerate(incidents, 1):
            if time <= incident.start < time + within:
                return number
    spans = "; ".join(fmt.incident_span(incident, at) for incident in incidents)
    raise UsageError(
        f"--at {rfc3339(time)}: {key} had no incident in progress then "
        f"({fmt.plural(len(incidents), 'incident')} in its window at {at:%Y-%m-%d %H:%M} UTC: {spans})"
    )


def evaluation_time(
    window: engine.Window, latest: datetime, time: datetime | None, key: str, snapshot: str | None = None
) -> datetime:
    """When the draft is evaluated (pinned): ``latest`` (now, or the snapshot's time), or for an incident
    at ``time`` before the window then, ``min(latest, time + 1 day)`` so that it lies in the window (in the
    calendar period of ``time`` for a calendar window; half the window after it for a window under two
    days). A snapshot holds one window only: an older ``time`` is a usage error naming it."""
    pinned = pipeline.pin(latest)
    start, _ = engine.window_bounds(window, pinned)
    if time is None or time >= start:
        return pinned
    if snapshot is not None:
        raise UsageError(
            f"--at {rfc3339(time)} is before {key}'s window in {snapshot} ({start:%Y-%m-%d %H:%M} to "
            f"{pinned:%Y-%m-%d %H:%M} UTC): a snapshot holds the window up to its own time only"
        )
    moment = min(latest, time + min(LEAD, engine.window_length(window, time) / 2))
    if isinstance(window, engine.CalendarWindow):
        moment = min(moment, engine.period_bounds(window, time)[1] - timedelta(seconds=1))
    return pipeline.pin(moment)


def draft(
    definitions: Definitions,
    source: Source,
    latest: datetime,
    key: str,
    number: int | None,
    *,
    at: datetime | None = None,
    snapshot: str | None = None,
    on_done: Callable[[FetchedSeries], None] | None = None,
) -> Draft:
    """Fetch the objective's service at full resolution, find the incident (``number``, or the one in
    progress at ``at``) and ask the source about it. ``latest`` is now or the snapshot's time (named by
    ``snapshot``): see :func:`evaluation_time`."""
    if number is not None and at is not None:
        raise UsageError(BOTH)
    loaded, index = find(definitions, key)
    objective = loaded.spec.objectives[index]
    window = pipeline.engine_window(loaded.spec.window_for(objective))
    evaluated = evaluation_time(window, latest, at, key, snapshot)
    plans = pipeline.plan(definitions, evaluated, Selection(services=(loaded.spec.service,)), adaptive=False)
    report, fetched = pipeline.execute(plans, source, evaluated, on_done)
    item = _item(report, loaded.spec.service, objective.name)
    if item.result.status == "error":
        message = f"{key}: {_unprefixed(item)}"
        raise UsageError(message) if item.error_kind == "malformed" else SourceError(message)
    plan = next(p for p in plans if p.key == key)
    incidents = item.result.incidents
    if at is None:
        chosen = choose(incidents, number, key, evaluated)
    else:
        # The report reads a server's old steps coarse (not a snapshot's: it replays them as recorded, nor
        # time slices): the start it prints may be up to a coarse step before the incident's.
        coarse = snapshot is None and objective.sli.timeslices is None
        length = engine.window_length(plan.window, evaluated)
        within = resolutions.coarse_step(length, plan.query.step) if coarse else None
        chosen = select(incidents, at, key, evaluated, within)
    incident = incidents[chosen - 1]
    series = next(f for f in fetched if f.query.key == key)
    good, total = pipeline.events(plan, series)
    steps = StepSeries(series.query.timestamps(), good, total, plan.query.step, series.resolution)
    errors: list[str] = []
    insight = ask(source, loaded, index, incident, plan.query.step, errors)
    siblings = [
        o for o in report.objectives if o.service == loaded.spec.service and o.objective != objective.name
    ]
    errors.extend(f"{o.service}/{o.objective}: {_unprefixed(o)}" for o in siblings if o.status == "error")
    postmortem = build(
        loaded,
        index,
        item,
        incident=incident,
        number=chosen,
        count=len(incidents),
        evaluated_at=evaluated,
        steps=steps,
        tiers=plan.tiers,
        window_length=engine.window_length(plan.window, evaluated),
        siblings=siblings,
        insight=insight,
    )
    return Draft(postmortem, tuple(errors))


def _unprefixed(item: ObjectiveReport) -> str:
    # Sources start their messages with the objective's key.
    return (item.error or "").removeprefix(f"{item.service}/{item.objective}: ")


def _item(report: Report, service: str, objective: str) -> ObjectiveReport:
    return next(o for o in report.objectives if o.service == service and o.objective == objective)


def ask(
    source: object, loaded: LoadedService, index: int, incident: Incident, step: timedelta, errors: list[str]
) -> Insight:
    """Releases around the incident and its attribution, where the definitions ask for them; a failure is
    noted in the draft and added to ``errors``."""
    objective = loaded.spec.objectives[index]
    key = f"{loaded.spec.service}/{objective.name}"
    releases: tuple[Release, ...] | None = None
    releases_note: str | None = "the service defines no releases"
    spec = loaded.spec.releases
    asked = source if isinstance(source, InsightSource) else None
    if spec is not None and asked is None:
        releases_note = CANNOT_TELL
    elif spec is not None and asked is not None:
        try:
            found = asked.releases(spec, incident.start - spec.within, incident.end, step)
            releases, releases_note = tuple(found), None
        except Unavailable:
            releases_note = FROM_SNAPSHOT
        except InsightFailed as exc:
            releases_note = f"unknown: {exc}"
            errors.append(f"{key}: releases: {exc}")
    attribution: tuple[LabelShare, ...] | None = None
    attribution_note: str | None = None
    if objective.attribute_by and asked is None:
        attribution_note = CANNOT_TELL
    elif objective.attribute_by and asked is not None:
        try:
            shares = asked.attribution(objective.sli, objective.attribute_by, incident.start, incident.end)
            attribution = tuple(shares)
        except Unavailable:
            attribution_note = FROM_SNAPSHOT
        except InsightFailed as exc:
            attribution_note = f"unknown: {exc}"
            errors.append(f"{key}: attribution: {exc}")
    return Insight(releases, releases_note, attribution, attribution_note)


def build(
    loaded: LoadedService,
    index: int,
    item: ObjectiveReport,
    *,
    incident: Incident,
    number: int,
    count: int,
    evaluated_at: datetime,
    steps: StepSeries,
    tiers: Sequence[AlertTier],
    window_length: timedelta,
    siblings: Sequence[ObjectiveReport],
    insight: Insight,
) -> Postmortem:
    """The draft's data from the objective's series and what the source told (pure)."""
    spec = loaded.spec
    objective = spec.objectives[index]
    inside = _inside(steps, incident)
    good, total = _sum(steps.good[inside]), _sum(steps.total[inside])
    sli = None if good is None or total is None or total <= 0 else good / total
    peak = peak_burn(steps, inside, item.target)
    replays = replay_tiers(
        steps.timestamps, steps.good, steps.total, item.target, window_length, steps.step, tiers
    )
    alerts = tuple(
        TierAlerts(r.tier, r.factor, tuple(e for e in r.episodes if overlaps(e, incident))) for r in replays
    )
    marks = None
    if insight.releases is not None:
        marks = tuple(ReleaseMark(r, incident.start - r.at) for r in insight.releases)
    related = tuple(
        RelatedIncident(o.objective, o.kind, i)
        for o in siblings
        for i in o.result.incidents
        if i.start < incident.end and i.end > incident.start
    )
    owners = tuple(
        OwnerLine(kind, owner.team, tuple(owner.email))
        for kind in KINDS
        if (owner := spec.owners.for_kind(kind)) is not None
    )
    postmortem = Postmortem(
        service=spec.service,
        objective=objective.name,
        kind=objective.kind,
        description=objective.description,
        sli_kind=objective.sli.kind,
        target=item.target,
        window=item.window,
        location=item.location,
        evaluated_at=evaluated_at,
        number=number,
        count=count,
        incident=incident,
        postmortem_over=item.policy.postmortem_over,
        step=steps.step,
        good_events=good,
        total_events=total,
        sli=sli,
        peak=peak,
        alerts=alerts,
        releases=marks,
        releases_note=insight.releases_note,
        releases_within=spec.releases.within if spec.releases is not None else None,
        related=related,
        related_unknown=tuple(o.objective for o in siblings if o.status == "error"),
        owners=owners,
        attribute_by=tuple(objective.attribute_by),
        attribution=insight.attribution,
        attribution_note=insight.attribution_note,
        timeline=(),
        runbook=item.runbook,
        dashboard=item.dashboard,
        notes=item.notes,
    )
    return replace(postmortem, timeline=timeline(postmortem, steps.resolution))


def _inside(steps: StepSeries, incident: Incident) -> np.ndarray:
    ends = steps.timestamps.astype("datetime64[ns]")
    start = np.datetime64(incident.start.replace(tzinfo=None), "ns")
    end = np.datetime64(incident.end.replace(tzinfo=None), "ns")
    mask: np.ndarray = (ends > start) & (ends <= end)
    return mask


def _sum(values: FloatArray) -> float | None:
    finite = values[~np.isnan(values)]
    return float(finite.sum()) if finite.size else None


def peak_burn(steps: StepSeries, inside: np.ndarray, target: float) -> PeakBurn | None:
    """The step inside the incident that burned fastest (the first of equals)."""
    good, total = steps.good[inside], steps.total[inside]
    with np.errstate(invalid="ignore", divide="ignore"):
        burn = np.where(total > 0, (total - good) / total, np.nan) / error_budget_ratio(target)
    if np.isnan(burn).all():
        return None
    at = _datetime(steps.timestamps[inside][int(np.nanargmax(burn))])
    resolution = steps.resolution
    if resolution is not None and at <= resolution.fine_from:
        # The coarse step's events were spread over its steps: the peak is that whole coarse step.
        coarse = resolution.coarse_step
        at = resolution.fine_from - ((resolution.fine_from - at) // coarse) * coarse
        return PeakBurn(float(np.nanmax(burn)), at, coarse, coarse)
    return PeakBurn(float(np.nanmax(burn)), at, steps.step)


def _datetime(value: np.datetime64) -> datetime:
    naive: datetime = value.astype("datetime64[us]").astype(object)
    return naive.replace(tzinfo=UTC)


def _tier_name(alerts: TierAlerts) -> str:
    tier = alerts.tier
    return (
        f"{tier.severity} {fmt.duration(tier.long)}/{fmt.duration(tier.short)} ({fmt.factor(alerts.factor)})"
    )


def _located(at: datetime, resolution: Resolution | None) -> timedelta | None:
    """The coarse step when ``at`` lies where the series are coarse, else None (known to the step)."""
    if resolution is not None and at <= resolution.fine_from:
        return resolution.coarse_step
    return None


def timeline(pm: Postmortem, resolution: Resolution | None) -> tuple[TimelineEntry, ...]:
    """Releases, start, peak, each alert tier firing and clearing, end; in time order."""
    incident = pm.incident
    located = incident.located_to
    entries: list[TimelineEntry] = []
    for mark in pm.releases or ():
        release = mark.release
        name = f"release {release.version}" if release.version else "a release"
        if mark.during:
            when = f"{fmt.duration(-mark.before_start)} after the start"
        elif mark.before_start:
            when = f"{fmt.duration(mark.before_start)} before the start"
        else:
            when = "at the start"  # in the step the incident started in
        # Known to the objective's step goes without saying, as for the incident's bounds.
        coarse = release.located_to if release.located_to > pm.step else None
        entries.append(TimelineEntry(release.at, "release", f"{name.capitalize()} ({when})", coarse))
    entries.append(
        TimelineEntry(
            incident.start, "start", "Start: the error budget starts burning faster than 1x", located
        )
    )
    if pm.peak is not None:
        entries.append(
            TimelineEntry(
                pm.peak.at,
                "peak",
                f"Peak burn rate {fmt.burn(pm.peak.burn_rate)} over the {fmt.duration(pm.peak.over)} "
                "ending at this time",
                pm.peak.located_to,
            )
        )
    for alerts in pm.alerts:
        name = _tier_name(alerts)
        for episode in alerts.episodes:
            still = "; still firing at the evaluation time" if episode.open else ""
            if episode.start <= incident.start:
                fired = (
                    f"Alert {name} was already firing at the start (since "
                    f"{episode.start:%Y-%m-%d %H:%M}){still}"
                )
                entries.append(TimelineEntry(incident.start, "fired", fired, located))
            else:
                after = fmt.duration(episode.start - incident.start)
                text = f"Alert {name} would have fired ({after} after the start){still}"
                entries.append(
                    TimelineEntry(episode.start, "fired", text, _located(episode.start, resolution))
                )
            if episode.open:
                continue
            after_end = episode.end - incident.end
            when = (
                f"{fmt.duration(after_end)} after the end"
                if after_end >= timedelta(0)
                else f"{fmt.duration(-after_end)} before the end"
            )
            cleared = f"Alert {name} would have cleared ({when})"
            entries.append(TimelineEntry(episode.end, "cleared", cleared, _located(episode.end, resolution)))
    if pm.ongoing:
        entries.append(
            TimelineEntry(pm.evaluated_at, "end", "Still burning faster than 1x at the evaluation time")
        )
    else:
        entries.append(TimelineEntry(incident.end, "end", "End: burning at 1x or less again", located))
    order = {kind: i for i, kind in enumerate(("release", "start", "fired", "peak", "cleared", "end"))}
    entries.sort(key=lambda e: (e.at, order[e.kind]))
    return tuple(entries)
