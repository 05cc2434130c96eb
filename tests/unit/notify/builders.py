"""Reports for the notify tests: objectives evaluated by the engine from constant event rates, so that their
figures follow by hand (30 days of 1,000 events every 5 minutes: 8,640,000 events in the window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from slokit.engine import ObjectiveInput, Policy, evaluate
from slokit.report.model import ObjectiveReport, Report
from slokit.spec.models import Kind

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
PER_STEP = 1000.0
WINDOW_EVENTS = 30 * 288 * PER_STEP  # 8,640,000
TARGET = 0.999


def objective(
    key: str,
    bad_share: float,
    *,
    team: str = "platform-ops",
    kind: Kind = "operational",
    policy: Policy | None = None,
) -> ObjectiveReport:
    """``key`` (service/objective) at a constant share of bad events over 33 days, 30-day window, 99.9 %."""
    ends = np.datetime64("2026-11-20T09:00", "ns") - np.arange(33 * 288 - 1, -1, -1) * np.timedelta64(STEP)
    total = np.full(len(ends), PER_STEP)
    good = total - PER_STEP * bad_share
    policy = policy or Policy()
    [result] = evaluate(
        [ObjectiveInput(key, TARGET, timedelta(days=30), STEP, ends, good, total, policy=policy)], AT
    )
    service, name = key.split("/")
    return ObjectiveReport(
        service=service,
        objective=name,
        kind=kind,
        team=team,
        emails=(),
        description="",
        target=TARGET,
        window="30d",
        sli_kind="ratio",
        labels={},
        location=f"slo/{service}.yaml:7",
        policy=policy,
        result=result,
    )


def report(*objectives: ObjectiveReport) -> Report:
    return Report(AT, tuple(objectives))
