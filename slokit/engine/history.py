"""Period history of one objective: per-period figures, incidents over the span, target advice, priorities.

pandas is used here, where it is the natural tool (timezone-aware periods, resampling, trends); the
step arithmetic stays numpy. Owned by the history work of issue 14 (helper H2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from slokit.engine.inputs import AlertTier, FloatArray, Policy, Severity, TimeArray, Window
from slokit.engine.periods import Period
from slokit.engine.replay import TierReplay
from slokit.engine.results import Incident

TARGET_LADDER: tuple[float, ...] = (0.90, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999)


@dataclass(frozen=True, slots=True, eq=False)
class HistoryInput:
    """One objective's event series over the review span (engine series convention: step ends)."""

    key: str
    target: float  # fraction
    window: Window
    step: timedelta
    timestamps: TimeArray
    good: FloatArray
    total: FloatArray
    policy: Policy = field(default_factory=Policy)
    alert_tiers: tuple[AlertTier, ...] = ()


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: Period
    sli: float | None
    good_events: float | None
    total_events: float | None
    bad_events: float | None
    budget_consumed: float | None  # bad / ((1 - target) * total) of the period
    met: bool | None
    incidents: int
    largest_incident_share: float | None
    postmortems_required: int
    freeze_seconds: float
    alerts: dict[Severity, int]  # episodes that started in the period
    releases: int | None = None  # None: releases not known


@dataclass(frozen=True, slots=True)
class Advice:
    achievable_target: float | None  # fraction; None with fewer than two periods of data
    budget_consumed: tuple[float | None, ...]  # at the current target, per period
    flags: tuple[str, ...]  # "budget_unused", "aspirational"


def history_incidents(history: HistoryInput) -> tuple[Incident, ...]:
    """Incidents over the whole span; budget shares are of the objective's window budget at the traffic
    of the period they start in."""
    raise NotImplementedError


def period_figures(
    history: HistoryInput,
    periods: Sequence[Period],
    incidents: Sequence[Incident],
    replays: Sequence[TierReplay],
) -> tuple[PeriodFigures, ...]:
    raise NotImplementedError


def target_advice(history: Sequence[PeriodFigures], target: float) -> Advice:
    raise NotImplementedError
