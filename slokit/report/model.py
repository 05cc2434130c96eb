"""The report model: engine results with the definition facts every renderer needs (team, target, window)."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from slokit.durations import format_duration
from slokit.engine import Incident, ObjectiveResult, Policy, Status
from slokit.errors import ExitCode, ObjectiveErrorKind, UsageError
from slokit.redact import MESSAGE_LIMIT, excerpt
from slokit.settings import REDACT
from slokit.sources.insight import LabelShare
from slokit.spec.loader import Definitions, LoadedService
from slokit.spec.models import KINDS, CalendarWindow, Kind
from slokit.timeparse import rfc3339


def owner_teams(definitions: Definitions) -> list[str]:
    """Every owner ``team`` name in the definitions, sorted."""
    return sorted(
        {
            owner.team
            for loaded in definitions.services
            for owner in map(loaded.spec.owners.for_kind, KINDS)
            if owner
        }
    )


def check_team(team: str, definitions: Definitions, kinds: Sequence[str] = KINDS) -> None:
    """``--team`` must be one of ``kinds`` or an owner's team name: a typo would select nothing."""
    if team in kinds:
        return
    teams = owner_teams(definitions)
    if team not in teams:
        raise UsageError(
            f"--team {team!r} is neither a team nor a kind (teams: {', '.join(teams) or 'none'}; "
            f"kinds: {', '.join(kinds)})"
        )


@dataclass(frozen=True)
class Selection:
    """Which objectives a run covers: ``--team``, ``--service``, ``--objective`` (empty = all).

    ``team`` is a kind (operational, application) or an owner's team name (``platform-ops``); a kind wins
    when a team has a kind's name. ``objectives`` are names, or ``service/objective`` as reports print them.
    """

    team: str | None = None
    services: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()

    def check(self, definitions: Definitions) -> None:
        """Refuse a team that is neither a kind nor in the definitions (before any query)."""
        if self.team is not None:
            check_team(self.team, definitions)

    def matches(self, service: str, objective: str, kind: Kind, team: str = "") -> bool:
        """``team``: the owner team of the objective's kind."""
        return (
            (self.team is None or self.team == kind or (self.team not in KINDS and self.team == team))
            and (not self.services or service in self.services)
            and (
                not self.objectives
                or objective in self.objectives
                or f"{service}/{objective}" in self.objectives
            )
        )


def describe_window(window: timedelta | CalendarWindow) -> str:
    if isinstance(window, CalendarWindow):
        return f"{window.calendar} ({window.timezone})"
    return format_duration(window)


@dataclass(frozen=True)
class Attribution:
    """What ate an objective's budget over its window, by the labels its ``attribute_by`` names.

    ``shares``: per label (in ``labels`` order), the values with the most bad events and "(other)" for the
    rest, as the source ranked them. ``note``: why there are none (the source cannot answer, or failed);
    the objective's figures do not depend on it either way.
    """

    labels: tuple[str, ...]
    shares: tuple[LabelShare, ...] = ()
    note: str | None = None

    def by_label(self) -> list[tuple[str, list[LabelShare]]]:
        """``(label, its shares)`` for each label that has any, in ``labels`` order."""
        grouped = [(label, [s for s in self.shares if s.label == label]) for label in self.labels]
        return [(label, shares) for label, shares in grouped if shares]


@dataclass(frozen=True)
class ObjectiveReport:
    service: str
    objective: str
    kind: Kind
    team: str
    emails: tuple[str, ...]
    description: str
    target: float  # fraction
    window: str
    sli_kind: str
    labels: dict[str, str]
    location: str  # FILE:LINE of the objective's definition
    policy: Policy
    result: ObjectiveResult = field(repr=False)
    # What the figures rest on that a reader should know, e.g. an absent bad counter counted as zero.
    notes: tuple[str, ...] = ()
    error_kind: ObjectiveErrorKind | None = None  # set when status is error
    runbook: str | None = None  # the objective's URL, else the service's (validated http(s))
    dashboard: str | None = None
    # Only for the formats that show it (markdown, HTML, email): fetched after the figures.
    attribution: Attribution | None = None

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def error(self) -> str | None:
        """The source's error text, scrubbed of credentials and cut to a readable length: every renderer
        shows this, never the raw one."""
        return (
            None
            if self.result.error is None
            else excerpt(REDACT, self.result.error, MESSAGE_LIMIT, one_line=False)
        )

    @classmethod
    def build(
        cls,
        service: LoadedService,
        index: int,
        result: ObjectiveResult,
        policy: Policy,
        *,
        notes: Sequence[str] = (),
        error_kind: ObjectiveErrorKind = "source",
    ) -> ObjectiveReport:
        spec = service.spec
        objective = spec.objectives[index]
        owner = spec.owners.for_kind(objective.kind)
        return cls(
            service=spec.service,
            objective=objective.name,
            kind=objective.kind,
            team=owner.team if owner else "",
            emails=tuple(owner.email) if owner else (),
            description=objective.description,
            target=objective.target_fraction,
            window=describe_window(spec.window_for(objective)),
            sli_kind=objective.sli.kind,
            labels=dict(spec.labels),
            location=service.where(index),
            policy=policy,
            result=result,
            notes=tuple(excerpt(REDACT, note, MESSAGE_LIMIT, one_line=False) for note in notes),
            error_kind=error_kind if result.status == "error" else None,
            runbook=spec.runbook_for(objective),
            dashboard=spec.dashboard_for(objective),
        )


# Per-step incidents can be many on a noisy objective; reports list the ones that consumed the most budget.
MAX_LISTED_INCIDENTS = 20
STATUSES: tuple[Status, ...] = ("exhausted", "warning", "error", "no_data", "ok")  # worst news first
_FREEZING: dict[str, tuple[Status, ...]] = {
    "exhausted": ("exhausted",),
    "warning": ("exhausted", "warning"),
    "never": (),
}


def counts(objectives: Iterable[ObjectiveReport]) -> dict[Status, int]:
    """Objectives per status, in :data:`STATUSES` order, every status present (0 when none)."""
    found = Counter(o.status for o in objectives)
    return {status: found[status] for status in STATUSES}


class _Failable(Protocol):
    """What :func:`source_errors` reads of an objective (a report's or a review's)."""

    @property
    def service(self) -> str: ...
    @property
    def objective(self) -> str: ...
    @property
    def error(self) -> str | None: ...


_F = TypeVar("_F", bound=_Failable)


def source_errors(objectives: Iterable[_F]) -> list[str]:
    """Each distinct source error once, in order of first appearance: ``SERVICE/OBJECTIVE: message`` for one
    objective, ``N objectives: message`` for several (a server that is down fails them all the same way)."""
    grouped: dict[str, list[_F]] = {}
    for item in objectives:
        if item.error:
            # Sources start the text with the objective's key; without it, identical failures compare equal.
            grouped.setdefault(item.error.removeprefix(f"{item.service}/{item.objective}: "), []).append(item)
    return [
        f"{items[0].service}/{items[0].objective}: {message}"
        if len(items) == 1
        else f"{len(items)} objectives: {message}"
        for message, items in grouped.items()
    ]


def freezes_releases(item: ObjectiveReport) -> bool:
    """Whether the error-budget policy stops feature releases for this objective's service."""
    return item.status in _FREEZING[item.policy.freeze_on]


def links(item: ObjectiveReport) -> list[tuple[str, str]]:
    """``(name, url)`` for the runbook and dashboard the definition gives, in that order."""
    pairs = (("runbook", item.runbook), ("dashboard", item.dashboard))
    return [(name, url) for name, url in pairs if url]


@dataclass(frozen=True)
class TeamSection:
    """One team's objectives: the operational ones for DevOps, the application ones for the software team."""

    kind: Kind
    team: str
    objectives: tuple[ObjectiveReport, ...]

    @property
    def counts(self) -> dict[Status, int]:
        return counts(self.objectives)


@dataclass(frozen=True)
class IncidentRow:
    objective: ObjectiveReport
    incident: Incident


@dataclass(frozen=True)
class Invocation:
    """How the report was asked for, as far as a command the report prints must repeat it: the definition
    paths as given, ``--snapshot`` when read."""

    paths: tuple[str, ...]
    snapshot: str | None = None

    def postmortem(self, item: ObjectiveReport, incident: Incident) -> str:
        """The ``slokit postmortem`` command that drafts ``incident`` of ``item``, shell-quoted: it names the
        incident by its start (``--at``), which still finds it when the window has moved on since."""
        words = ["slokit", "postmortem", *self.paths, "--objective", f"{item.service}/{item.objective}"]
        words += ["--at", rfc3339(incident.start)]
        if self.snapshot is not None:
            words += ["--snapshot", self.snapshot]
        return shlex.join(words)


@dataclass(frozen=True)
class Report:
    evaluated_at: datetime
    objectives: tuple[ObjectiveReport, ...]
    invocation: Invocation | None = None  # None: not run from the command line (no commands to print)

    @property
    def exit_code(self) -> ExitCode:
        """3 when any objective could not be evaluated: the report is incomplete; 2 when the server refused
        an expression as malformed, a bad definition however the other objectives fared."""
        if any(o.error_kind == "malformed" for o in self.objectives):
            return ExitCode.USAGE
        return ExitCode.SOURCE if any(o.status == "error" for o in self.objectives) else ExitCode.OK

    @property
    def counts(self) -> dict[Status, int]:
        return counts(self.objectives)

    def sections(self) -> list[TeamSection]:
        """Per team, operational teams first, then application teams, each in name order."""
        grouped: dict[tuple[int, str], list[ObjectiveReport]] = {}
        for item in self.objectives:
            grouped.setdefault((KINDS.index(item.kind), item.team), []).append(item)
        return [
            TeamSection(KINDS[kind], team, tuple(items)) for (kind, team), items in sorted(grouped.items())
        ]

    def frozen(self) -> list[ObjectiveReport]:
        """Objectives whose policy freezes feature releases right now."""
        return [o for o in self.objectives if freezes_releases(o)]

    def incidents(self) -> list[IncidentRow]:
        """Every incident of every objective, the most budget-consuming first."""
        rows = [IncidentRow(o, i) for o in self.objectives for i in o.result.incidents]
        return sorted(rows, key=lambda row: row.incident.budget_share, reverse=True)

    def postmortems(self) -> list[IncidentRow]:
        """Incidents over their objective's ``postmortem_over`` share, largest first."""
        return [row for row in self.incidents() if row.incident.postmortem_required]

    def postmortem_command(self, item: ObjectiveReport, incident: Incident) -> str | None:
        """The command that drafts the postmortem of ``incident`` of ``item`` (None outside the CLI)."""
        if self.invocation is None:
            return None
        return self.invocation.postmortem(item, incident)
