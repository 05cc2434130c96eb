"""Report objects for the renderer tests, evaluated by the engine from constructed events."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from slokit.engine import ObjectiveInput, ObjectiveResult, Policy, evaluate
from slokit.report.model import ObjectiveReport, Report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def objective_report(result: ObjectiveResult, location: str) -> ObjectiveReport:
    """A 30d operational ratio objective owned by platform-ops, around an engine result."""
    service, objective = result.key.split("/")
    return ObjectiveReport(
        service=service,
        objective=objective,
        kind="operational",
        team="platform-ops",
        emails=(),
        description="",
        target=0.999,
        window="30d",
        sli_kind="ratio",
        labels={},
        location=location,
        policy=Policy(),
        result=result,
    )


def healthy_report(**changes: Any) -> Report:
    """``admin/errors``: 33 days of 10 good events every 5 minutes at 99.9 %; ``changes`` to its report."""
    step = timedelta(minutes=5)
    ends = np.datetime64("2026-11-20T09:00", "ns") - np.arange(33 * 288 - 1, -1, -1) * np.timedelta64(step)
    total = np.full(len(ends), 10.0)
    [result] = evaluate(
        [ObjectiveInput("admin/errors", 0.999, timedelta(days=30), step, ends, total, total)], AT
    )
    return Report(AT, (dataclasses.replace(objective_report(result, "slo/admin.yaml:7"), **changes),))
