"""The report model: engine results with the definition facts every renderer needs (team, target, window)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slokit.durations import format_duration
from slokit.engine import ObjectiveResult, Policy, Status
from slokit.errors import ExitCode
from slokit.spec.loader import LoadedService
from slokit.spec.models import CalendarWindow, Kind


@dataclass(frozen=True)
class Selection:
    """Which objectives a run covers: ``--team``, ``--service``, ``--objective`` (empty = all)."""

    team: Kind | None = None
    services: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()

    def matches(self, service: str, objective: str, kind: Kind) -> bool:
        return (
            (self.team is None or kind == self.team)
            and (not self.services or service in self.services)
            and (not self.objectives or objective in self.objectives)
        )


def describe_window(window: timedelta | CalendarWindow) -> str:
    if isinstance(window, CalendarWindow):
        return f"{window.calendar} ({window.timezone})"
    return format_duration(window)


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

    @property
    def status(self) -> Status:
        return self.result.status

    @classmethod
    def build(
        cls, service: LoadedService, index: int, result: ObjectiveResult, policy: Policy
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
        )


@dataclass(frozen=True)
class Report:
    evaluated_at: datetime
    objectives: tuple[ObjectiveReport, ...]

    @property
    def exit_code(self) -> ExitCode:
        """3 when the data source failed for any objective: the report is incomplete."""
        return ExitCode.SOURCE if any(o.status == "error" for o in self.objectives) else ExitCode.OK
