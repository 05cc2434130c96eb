"""Alert replay and alert quality: what the objective's burn-rate tiers would have done over a history.

Pure numpy; see docs/review.md. Owned by the alert-quality work of issue 14 (helper H3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slokit.engine.inputs import AlertTier, FloatArray, TimeArray
from slokit.engine.results import Incident


@dataclass(frozen=True, slots=True)
class Episode:
    """One alert episode: the tier fires at ``start`` (the end of the first step where both of its windows
    burn at or above the factor) and clears at ``end`` (the end of the first step after that where they no
    longer do; the end of the history when it never clears, with ``open`` set)."""

    start: datetime
    end: datetime
    open: bool = False


@dataclass(frozen=True, slots=True)
class TierReplay:
    tier: AlertTier
    factor: float
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class TierQuality:
    """The SRE workbook's four criteria for one tier, measured on a history; None where undefined (no
    episode for precision, no qualifying incident for recall, nothing detected for the times)."""

    tier: AlertTier
    factor: float
    episodes: int
    precision: float | None
    recall: float | None
    detection_seconds_median: float | None
    detection_seconds_max: float | None
    reset_seconds_median: float | None


def replay_tiers(
    timestamps: TimeArray,
    good: FloatArray,
    total: FloatArray,
    target: float,
    window_length: timedelta,
    step: timedelta,
    tiers: Sequence[AlertTier],
) -> tuple[TierReplay, ...]:
    """Evaluate every tier at every step end, as Prometheus would evaluate the generated alert rules."""
    raise NotImplementedError


def alert_quality(replays: Sequence[TierReplay], incidents: Sequence[Incident]) -> tuple[TierQuality, ...]:
    """Precision, recall, detection and reset times of each replayed tier against the incidents."""
    raise NotImplementedError
