"""Rule groups as Prometheus reads them: plain frozen dataclasses, rendered by :mod:`slokit.rules.render`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AlertingRule:
    alert: str
    expr: str
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RuleGroup:
    """One group: its rules run in order at every ``interval``, so later rules read this round's records."""

    name: str
    interval: timedelta
    rules: tuple[RecordingRule | AlertingRule, ...]
