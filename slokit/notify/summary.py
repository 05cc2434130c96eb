"""What a chat message says: one team's (or every team's) SLO summary, as text lines. Pure: a report in.

The scope follows ``slokit email``: a team's summary covers the services it owns objectives in, both kinds
(an exhausted operational objective freezes the application team's releases too). ``--team`` is a team
name or a kind (every team of that kind); without it the summary covers the whole report.

The summary holds the status counts, one line of counts per team, the objectives that need attention
(exhausted, then warning, then error, each group with the least budget left first) with their budget left
and time to exhaustion, the release freezes and the postmortems due. Every line is plain text; the payload
builders (:mod:`slokit.notify.payloads`) add each platform's markup and cut the lists to its limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from slokit.engine import Status
from slokit.errors import UsageError
from slokit.report import fmt
from slokit.report.model import IncidentRow, ObjectiveReport, Report, TeamSection, counts
from slokit.spec.models import KINDS

# Statuses listed one objective per line: the news a channel needs. "ok" and "no data" are counted only.
ATTENTION: tuple[Status, ...] = ("exhausted", "warning", "error")


@dataclass(frozen=True)
class Item:
    """One line of a list: what it is about (an objective, a service, a team) and what to say about it."""

    title: str
    text: str
    status: Status | None = None


@dataclass(frozen=True)
class Summary:
    team: str | None  # as --team gave it; None: every team
    evaluated_at: datetime
    objectives: tuple[ObjectiveReport, ...]  # the scope: every objective the counts count
    counts: dict[Status, int]
    sections: tuple[TeamSection, ...]  # the teams it is about, with their own objectives
    attention: tuple[ObjectiveReport, ...]
    freezes: tuple[ObjectiveReport, ...]
    postmortems: tuple[IncidentRow, ...]

    @property
    def title(self) -> str:
        return f"SLO summary: {self.team}" if self.team else "SLO summary"

    @property
    def news(self) -> str:
        """``1 exhausted, 1 warning``: the non-zero counts but ok, worst first; ``all ok`` when none."""
        parts = [f"{n} {fmt.STATUS_LABELS[s].lower()}" for s, n in self.counts.items() if s != "ok" and n]
        return ", ".join(parts) or "all ok"

    @property
    def when(self) -> str:
        return f"{self.evaluated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"

    @property
    def headline(self) -> str:
        """One line for a notification or a preview: ``SLO summary: platform-ops: 1 exhausted (date)``."""
        return f"{self.title}: {self.news} ({self.when})"

    def team_items(self) -> list[Item]:
        return [team_item(section) for section in self.sections]

    def attention_items(self) -> list[Item]:
        return [objective_item(item) for item in self.attention]

    def freeze_items(self) -> list[Item]:
        return [freeze_item(item) for item in self.freezes]

    def postmortem_items(self) -> list[Item]:
        return [postmortem_item(row, self.evaluated_at) for row in self.postmortems]


def scope(report: Report, team: str | None) -> tuple[Report, list[TeamSection]]:
    """The objectives a summary counts and the team sections it names, for ``team`` (a name or a kind)."""
    if not report.objectives:
        raise UsageError("no objectives selected: there is no summary to post")
    sections = report.sections()
    if team is None:
        return report, sections
    chosen = [s for s in sections if (s.kind == team if team in KINDS else s.team == team)]
    if not chosen:
        raise UsageError(f"no objectives of {team} in the selection: there is no summary to post")
    services = {item.service for section in chosen for item in section.objectives}
    return replace(report, objectives=tuple(o for o in report.objectives if o.service in services)), chosen


def summarize(report: Report, team: str | None = None) -> Summary:
    scoped, sections = scope(report, team)
    objectives = scoped.objectives

    def worst_first(item: ObjectiveReport) -> tuple[int, float, str]:
        budget = item.result.error_budget
        return (ATTENTION.index(item.status), budget.remaining if budget else 0.0, item.objective)

    attention = sorted((o for o in objectives if o.status in ATTENTION), key=worst_first)
    return Summary(
        team=team,
        evaluated_at=report.evaluated_at,
        objectives=objectives,
        counts=counts(objectives),
        sections=tuple(sections),
        attention=tuple(attention),
        freezes=tuple(scoped.frozen()),
        postmortems=tuple(scoped.postmortems()),
    )


def team_item(section: TeamSection) -> Item:
    found = [f"{n} {fmt.STATUS_LABELS[s].lower()}" for s, n in section.counts.items() if n]
    return Item(f"{section.team} ({section.kind})", ", ".join(found))


def exhaustion(item: ObjectiveReport) -> str:
    """When the budget runs out at the last hour's burn; unknown and "not within the window" read alike,
    as no forecast, never as a time."""
    if item.status == "exhausted":
        return "budget spent"
    left = item.result.time_to_exhaustion
    return f"runs out in {fmt.duration(left)}" if left is not None else "no exhaustion forecast"


def objective_item(item: ObjectiveReport) -> Item:
    owner = f"owner {item.team or 'none'} ({item.kind})"
    label = fmt.STATUS_LABELS[item.status]
    if item.status == "error":
        return Item(
            f"{item.service}/{item.objective}", f"{label} · not evaluated: the data source failed · {owner}"
        )
    budget = item.result.error_budget
    left = fmt.budget_percent(budget.remaining if budget else None)
    text = f"{label} · budget left {left} ({fmt.budget_left(item)}) · {exhaustion(item)} · {owner}"
    return Item(f"{item.service}/{item.objective}", text, item.status)


def freeze_item(item: ObjectiveReport) -> Item:
    return Item(
        item.service,
        f"feature releases stop: {item.objective} is {fmt.STATUS_LABELS[item.status]} "
        f"(freeze_on: {item.policy.freeze_on}, owner {item.team or 'none'})",
        item.status,
    )


def postmortem_item(row: IncidentRow, at: datetime) -> Item:
    item, incident = row.objective, row.incident
    return Item(
        f"{item.service}/{item.objective}",
        f"incident {fmt.incident_span(incident, at)} consumed {fmt.budget_percent(incident.budget_share)} "
        f"of the budget (over {item.policy.postmortem_over:g}%)",
    )
