"""The review document: what ``slokit review`` computed for each objective, ready for any renderer.

Plain frozen dataclasses; JSON follows them field by field (``slokit/review/schema.json``). Undefined
numbers are None (``null`` in JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slokit.engine.history import Advice, PeriodFigures
from slokit.engine.inputs import Window
from slokit.engine.periods import PeriodKind
from slokit.engine.replay import TierQuality
from slokit.engine.results import Incident
from slokit.errors import ExitCode, ObjectiveErrorKind
from slokit.sources.insight import LabelShare, Release
from slokit.spec.models import Kind


@dataclass(frozen=True, slots=True)
class ReviewIncident:
    """An incident of the span, with the release it followed (if it started within ``within`` of one)."""

    incident: Incident
    release: Release | None = None
    after_release: timedelta | None = None  # incident start - release time


@dataclass(frozen=True, slots=True)
class ObjectiveReview:
    service: str
    objective: str
    kind: Kind
    team: str
    target: float  # fraction
    window: Window
    periods: tuple[PeriodFigures, ...]
    # The configured tiers' quality, and the default tiers' beside them (empty when they are the same).
    alert_quality: tuple[TierQuality, ...]
    default_alert_quality: tuple[TierQuality, ...]
    advice: Advice
    # None: unknown (the source cannot tell, or its query failed: ``notes`` says why); empty: no attribute_by.
    attribution: tuple[LabelShare, ...] | None
    incidents: tuple[ReviewIncident, ...]
    releases: tuple[Release, ...] | None  # None: the service defines none, or the source cannot tell
    notes: tuple[str, ...] = ()  # what a reader should know (attribution unavailable from a snapshot, ...)
    error: str | None = None  # the source failed for this objective: nothing else is filled
    timeslices: bool = False  # a time-slice SLI: its events are slices (renderers say "slices")
    # The periods' kind and timezone for this objective (a calendar window's own by default), and the step
    # its history was fetched at (1 h for events, 15 min when a period bound is off the hour, the slice
    # length for time slices); None for an objective whose periods could not be set.
    period_kind: PeriodKind = "month"
    timezone: str = "UTC"
    step: timedelta | None = None
    error_kind: ObjectiveErrorKind | None = None  # set with ``error``: what failed (as in the report)


@dataclass(frozen=True, slots=True)
class TeamPriority:
    """One objective in a team's ranking: budget consumed over the span and its trend."""

    service: str
    objective: str
    budget_consumed: float | None  # over all periods of the span
    trend: float | None  # last period's budget consumed minus the one before


@dataclass(frozen=True, slots=True)
class TeamPriorities:
    team: str
    kind: Kind | None  # the kind when every objective of the team has one kind
    by_budget: tuple[TeamPriority, ...]  # most consumed first
    by_trend: tuple[TeamPriority, ...]  # fastest rising first


@dataclass(frozen=True, slots=True)
class Review:
    evaluated_at: datetime
    period_kind: PeriodKind
    step: timedelta  # the history's step ("located to the hour")
    objectives: tuple[ObjectiveReview, ...]
    priorities: tuple[TeamPriorities, ...]

    @property
    def exit_code(self) -> ExitCode:
        """As the report's: 2 when the server refused an expression as malformed, else 3 when any objective
        could not be reviewed, else 0."""
        if any(o.error_kind == "malformed" for o in self.objectives):
            return ExitCode.USAGE
        return ExitCode.SOURCE if any(o.error is not None for o in self.objectives) else ExitCode.OK
