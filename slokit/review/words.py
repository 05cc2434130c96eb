"""How the review reads in every human-facing format: cells, advice, release attribution, priorities.

One place, so that the terminal summary, the markdown and the HTML review never word a figure two ways.
Numbers go through :mod:`slokit.report.fmt`. A figure the data cannot give (a period without data) reads
``unknown``; one that is undefined by its nature (the precision of a tier that never fired) reads ``n/a``.
Neither ever reads as 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from slokit.engine.history import PeriodFigures
from slokit.engine.inputs import CalendarWindow, Window
from slokit.engine.periods import PeriodKind
from slokit.engine.replay import TierQuality
from slokit.report import fmt
from slokit.review import impact
from slokit.review.model import ObjectiveReview, Review, ReviewIncident, TeamPriorities, TeamPriority
from slokit.sources.insight import LabelShare, Release

UNKNOWN = "unknown"
NOT_APPLICABLE = "n/a"
# A figure a float computation lands a hair under the target it meets (1 - 1000/1e6) still meets it.
MET_TOLERANCE = 1e-12
MAX_LISTED_RELEASES = 12

_NOUNS: dict[PeriodKind, str] = {"month": "month", "week": "week", "quarter": "quarter", "window": "window"}


def noun(kind: PeriodKind | None, n: int = 2) -> str:
    """``month``/``months``: how the review names its periods (``period`` for a mix of kinds)."""
    word = "period" if kind is None else _NOUNS[kind]
    return word if n == 1 else f"{word}s"


def percent(value: float | None) -> str:
    return UNKNOWN if value is None else fmt.percent(value)


def budget(value: float | None) -> str:
    return UNKNOWN if value is None else fmt.budget_percent(value)


def count(value: float | None) -> str:
    return UNKNOWN if value is None else fmt.count(value)


def met(value: bool | None) -> str:
    return UNKNOWN if value is None else ("met" if value else "missed")


def has_data(period: PeriodFigures) -> bool:
    return period.total_events is not None


def events(item: ObjectiveReview) -> str:
    """What the objective counts: ``events``, or ``slices`` for a time-slice SLI."""
    return "slices" if item.timeslices else "events"


def window(value: Window) -> str:
    """``30d``; a calendar window as ``month (Europe/Berlin)``."""
    if isinstance(value, CalendarWindow):
        return f"calendar {value.period} ({value.timezone})"
    return fmt.duration(value)


def located(review: Review, item: ObjectiveReview | None = None) -> str:
    """``located to the hour``: how precisely the history places anything in time (its step: the
    objective's own where it has one, a time-slice SLI's slice)."""
    step = review.step if item is None or item.step is None else item.step
    return fmt.located(step) or f"located to {fmt.duration(step)}"


def located_note(review: Review) -> str:
    """The review's header: ``located to the hour`` (the history's step), and how time slices differ."""
    if any(o.timeslices for o in review.objectives):
        return f"{located(review)} (time slices: to their slice)"
    return located(review)


def kind_of(review: Review) -> PeriodKind | None:
    """The period kind every reviewed objective shares (each may have its calendar window's own); None
    when they differ, and the review says "periods"."""
    kinds = {o.period_kind for o in review.objectives if o.periods} or {review.period_kind}
    return kinds.pop() if len(kinds) == 1 else None


def period_label(period: PeriodFigures) -> str:
    return period.period.label


@dataclass(frozen=True, slots=True)
class PeriodCells:
    """One history row as text, the same in every format. Counts of what happened in a period without
    data (incidents, alerts) are unknown: no event means nothing could be seen, not that nothing happened."""

    label: str
    sli: str
    met: str
    good: str
    total: str
    bad: str
    budget: str
    incidents: str
    largest: str
    postmortems: str
    freeze: str
    page: str
    ticket: str
    releases: str


def period_cells(period: PeriodFigures) -> PeriodCells:
    seen = has_data(period)

    def counted(value: int) -> str:
        return str(value) if seen else UNKNOWN

    return PeriodCells(
        label=period_label(period),
        sli=percent(period.sli),
        met=met(period.met),
        good=count(period.good_events),
        total=count(period.total_events),
        bad=count(period.bad_events),
        budget=budget(period.budget_consumed),
        incidents=counted(period.incidents),
        largest=(
            budget(period.largest_incident_share)
            if period.incidents
            else (fmt.NONE if seen else UNKNOWN)  # no incident: no largest one
        ),
        postmortems=counted(period.postmortems_required),
        freeze=(
            UNKNOWN
            if not seen
            else "none"
            if period.freeze_seconds == 0
            else fmt.duration(period.freeze_seconds)
        ),
        page=counted(period.alerts.get("page", 0)),
        ticket=counted(period.alerts.get("ticket", 0)),
        releases=UNKNOWN if period.releases is None else str(period.releases),
    )


@dataclass(frozen=True, slots=True)
class MetCount:
    met: int  # periods with data that met the target
    with_data: int
    periods: int

    def text(self) -> str:
        """``5 of 6``; ``3 of 4 (2 unknown)`` with periods without data."""
        unknown = self.periods - self.with_data
        return f"{self.met} of {self.with_data}" + (f" ({unknown} {UNKNOWN})" if unknown else "")


def met_count(item: ObjectiveReview, target: float | None = None, *, whole: bool = False) -> MetCount:
    """How many periods met ``target`` (default: the objective's own, as each period's ``met`` says);
    ``whole``: counting only the periods the target advice weighs (data for the whole period)."""
    data = [p for p in item.periods if has_data(p) and p.sli is not None and (p.whole or not whole)]
    if target is None:
        hits = sum(1 for p in data if p.met)
    else:
        hits = sum(1 for p in data if p.sli is not None and p.sli >= target - MET_TOLERANCE)
    return MetCount(hits, len(data), len(item.periods))


def advice(item: ObjectiveReview) -> str:
    """The target advice in one sentence that says it is advice: ``Advice: 99.9% was met in 5 of 6
    months; keep it.``"""
    kind = item.period_kind
    current = met_count(item, whole=True)
    n = current.with_data
    periods = noun(kind, n)
    partial = partial_count(item)
    without = current.periods - n - partial
    left_out = [f"{without} without data"] * bool(without) + [f"{partial} partial"] * bool(partial)
    suffix = f" ({', '.join(left_out)} left out)" if left_out else ""
    achievable = item.advice.achievable_target
    target = fmt.percent(item.target)
    if achievable is None:
        if n < 2:
            if partial:
                return (
                    f"Advice: {UNKNOWN}: {n} of {current.periods} {noun(kind, current.periods)} had data "
                    f"for the whole {noun(kind, 1)} ({partial} partial), and advice needs at least 2."
                )
            return (
                f"Advice: {UNKNOWN}: {n} of {current.periods} {noun(kind, current.periods)} had data, "
                "and advice needs at least 2."
            )
        return (
            f"Advice: no target from 90% up was met in {n - 1} of {n} {periods}{suffix} (the current "
            f"{target} in {current.met}): invest in reliability before setting a target."
        )
    best = met_count(item, achievable, whole=True)
    proposed = fmt.percent(achievable)
    if abs(achievable - item.target) <= MET_TOLERANCE:
        return f"Advice: {target} was met in {current.met} of {n} {periods}{suffix}; keep it."
    if achievable > item.target and current.met < n:
        # The N-1-of-N rule forgives one bad period at the tighter target too; tightening a target that was
        # just missed would read as confident advice against the figures above it.
        return (
            f"Advice: {proposed} was met in {best.met} of {n} {periods}, but the current {target} was missed "
            f"in {n - current.met}{suffix}; keep it until it is met in every {noun(kind, 1)}."
        )
    if achievable > item.target:
        return (
            f"Advice: {proposed} was met in {best.met} of {n} {periods}, the current {target} in "
            f"{current.met}{suffix}; consider tightening the target to {proposed}."
        )
    return (
        f"Advice: {target} was met in only {current.met} of {n} {periods}{suffix}; {proposed} was met in "
        f"{best.met}: consider loosening the target to {proposed}, or invest to meet {target}."
    )


def partial_count(item: ObjectiveReview) -> int:
    """Periods with data for only part of their time: the target advice leaves them out."""
    return sum(1 for p in item.periods if has_data(p) and p.sli is not None and not p.whole)


def advice_short(item: ObjectiveReview) -> str:
    """The advice in a summary cell: ``keep 99.9%``, ``tighten to 99.95%``, ``loosen to 99.5%``."""
    if item.error is not None:
        return "error"
    achievable = item.advice.achievable_target
    if achievable is None:
        text = UNKNOWN
    elif abs(achievable - item.target) <= MET_TOLERANCE:
        text = f"keep {fmt.percent(item.target)}"
    elif achievable > item.target and met_count(item, whole=True).met < met_count(item, whole=True).with_data:
        text = f"keep {fmt.percent(item.target)}"  # missed in a period: see advice()
    elif achievable > item.target:
        text = f"tighten to {fmt.percent(achievable)}"
    else:
        text = f"loosen to {fmt.percent(achievable)}"
    flags = ", ".join(item.advice.flags)
    return f"{text} ({flags})" if flags else text


def flags(item: ObjectiveReview) -> list[str]:
    """Each advice flag explained in a sentence."""
    kind = item.period_kind
    lines = []
    current = met_count(item, whole=True)
    spent = [p.budget_consumed for p in item.periods if p.budget_consumed is not None and p.whole]
    for flag in item.advice.flags:
        if flag == "budget_unused":
            most = f" (at most {fmt.budget_percent(max(spent))})" if spent else ""
            lines.append(
                f"Flag budget_unused: no {noun(kind, 1)} spent 10% of its error budget{most}: the objective "
                "is not driving anything; tighten it or drop it."
            )
        elif flag == "aspirational":
            missed = current.with_data - current.met
            lines.append(
                f"Flag aspirational: the target was missed in {missed} of {current.with_data} "
                f"{noun(kind, current.with_data)}: invest in reliability or loosen the target."
            )
        else:
            lines.append(f"Flag {flag}.")
    return lines


def followed(row: ReviewIncident, releases_known: bool) -> str:
    """``started 12 min after release 1.42`` (:func:`slokit.review.impact.followed_release`); ``none within
    the set time`` when it followed no release; ``unknown`` when the releases are not known."""
    text = impact.followed_release(row)
    if text is not None:
        return text
    return "none within the set time" if releases_known else UNKNOWN


def listed_releases(item: ObjectiveReview) -> tuple[list[Release], int]:
    """The latest releases to list by name, oldest first, and how many earlier ones are left out."""
    releases = list(item.releases or ())
    shown = releases[-MAX_LISTED_RELEASES:]
    return shown, len(releases) - len(shown)


def tier_name(quality: TierQuality) -> str:
    """``page 1h/5m``."""
    tier = quality.tier
    return f"{tier.severity} {fmt.duration(tier.long)}/{fmt.duration(tier.short)}"


def share(value: float | None) -> str:
    """A precision or recall: ``n/a`` where undefined (no episode, no qualifying incident)."""
    return NOT_APPLICABLE if value is None else fmt.percent(value, 1)


def seconds(value: float | None) -> str:
    return NOT_APPLICABLE if value is None else fmt.duration(value)


def quality_rows(item: ObjectiveReview) -> list[tuple[str, TierQuality]]:
    """The configured tiers, then the defaults beside them (none when the configured are the defaults)."""
    return [("configured", q) for q in item.alert_quality] + [
        ("default", q) for q in item.default_alert_quality
    ]


def label_value(row: LabelShare) -> str:
    return row.value if row.value else "(no value)"


def attribution_by_label(item: ObjectiveReview) -> list[tuple[str, list[LabelShare]]]:
    """Attribution grouped by label, in the order the labels come."""
    groups: dict[str, list[LabelShare]] = {}
    for row in item.attribution or ():
        groups.setdefault(row.label, []).append(row)
    return list(groups.items())


def no_attribution(item: ObjectiveReview) -> str:
    """Why no attribution is listed: unknown to the source (the notes say why), or no ``attribute_by``."""
    if item.attribution is None:
        return f"Budget attribution {UNKNOWN} (see the notes)."
    return "No attribution."


def trend(value: float | None) -> str:
    """A change in budget consumed, in points of budget: ``+45.0 pts``, ``-12.0 pts``."""
    if value is None:
        return UNKNOWN
    text = fmt.fixed(value * 100, 1)
    return f"{'+' if value > 0 else ''}{text} pts"


def span_budget(review: Review, item: ObjectiveReview) -> float | None:
    """Budget consumed over the whole span, as the team priorities rank it."""
    for team in review.priorities:
        for row in team.by_budget:
            if (row.service, row.objective) == (item.service, item.objective):
                return row.budget_consumed
    return None


def last_budget(item: ObjectiveReview) -> float | None:
    return item.periods[-1].budget_consumed if item.periods else None


def measured(item: ObjectiveReview) -> str:
    """`` (1 of 6 months measured)`` after a figure over the span, when some periods had no data; empty
    when all had."""
    seen = sum(1 for p in item.periods if has_data(p))
    n = len(item.periods)
    return "" if seen == n else f" ({seen} of {n} {noun(item.period_kind, n)} measured)"


def span_budget_text(review: Review, item: ObjectiveReview) -> str:
    """Budget consumed over the span, naming how many periods it measured: ``20.0% (1 of 6 months
    measured)``; unknown when none."""
    value = span_budget(review, item)
    return UNKNOWN if value is None else budget(value) + measured(item)


def priority_budget(review: Review, row: TeamPriority) -> str:
    """A ranked objective's budget consumed over the span, naming how many periods it measured."""
    item = next(
        (o for o in review.objectives if (o.service, o.objective) == (row.service, row.objective)), None
    )
    if row.budget_consumed is None or item is None:
        return budget(row.budget_consumed)
    return budget(row.budget_consumed) + measured(item)


def totals(item: ObjectiveReview) -> tuple[str, str, str]:
    """Incidents, pages and tickets over the span, naming how many periods were measured when not all
    were (``0 (1 of 6 months measured)``); unknown if no period had data."""
    seen = [p for p in item.periods if has_data(p)]
    if not seen:
        return UNKNOWN, UNKNOWN, UNKNOWN
    suffix = measured(item)
    return (
        f"{sum(p.incidents for p in seen)}{suffix}",
        f"{sum(p.alerts.get('page', 0) for p in seen)}{suffix}",
        f"{sum(p.alerts.get('ticket', 0) for p in seen)}{suffix}",
    )


def priority_name(row: TeamPriority | None) -> str:
    return "" if row is None else f"{row.service}/{row.objective}"


def ranked(team: TeamPriorities) -> list[tuple[int, TeamPriority | None, TeamPriority | None]]:
    """The team's two rankings side by side: rank, by budget consumed, by trend."""
    pairs = zip_longest(team.by_budget, team.by_trend)
    return [(rank, by_budget, by_trend) for rank, (by_budget, by_trend) in enumerate(pairs, start=1)]


def span_count(review: Review) -> str:
    """``6 months``: the review's periods (objectives with an error have none)."""
    n = max((len(o.periods) for o in review.objectives), default=0)
    return f"{n} {noun(kind_of(review), n)}"


def span_text(review: Review) -> str:
    """``6 months, 2026-06 to 2026-11``: period labels when every objective has periods of one calendar
    kind (their timezones may differ: a week is 2026-W46 in each), else the span in UTC."""
    periods = [p.period for o in review.objectives for p in o.periods]
    if not periods:
        return f"no {noun(kind_of(review))}"
    first, last = min(periods, key=lambda p: p.start), max(periods, key=lambda p: p.end)
    if kind_of(review) not in (None, "window"):
        if first.label == last.label:  # one period: "1 week, 2026-W46"
            return f"{span_count(review)}, {first.label}"
        return f"{span_count(review)}, {first.label} to {last.label}"
    return f"{span_count(review)}, {first.start:%Y-%m-%d %H:%M} to {last.end:%Y-%m-%d %H:%M} UTC"


def incident_numbers(incidents: Sequence[ReviewIncident]) -> list[tuple[int, ReviewIncident]]:
    """Incidents numbered per objective, oldest first, 1-based."""
    ordered = sorted(incidents, key=lambda row: row.incident.start)
    return list(enumerate(ordered, start=1))
