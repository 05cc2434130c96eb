"""``slokit review --format json``: the issue's JSON contract, field by field from :mod:`slokit.review.model`.

Keys of the contract are never renamed; the others (period labels, the default tiers' quality, incidents
with their release, priorities, notes) are additions. Undefined numbers are null. The shipped JSON Schema
is ``slokit/review/schema.json``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from typing import Any

from slokit.durations import format_duration
from slokit.engine import CalendarWindow, Window
from slokit.engine.history import PeriodFigures
from slokit.engine.replay import TierQuality
from slokit.report.json_report import dumps, incident_dict
from slokit.review.model import ObjectiveReview, Review, ReviewIncident, TeamPriorities, TeamPriority
from slokit.sources.insight import LabelShare, Release
from slokit.timeparse import rfc3339


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def describe_window(window: Window) -> str:
    """As the report writes it: ``30d``, or ``month (Europe/Berlin)``."""
    if isinstance(window, CalendarWindow):
        return f"{window.period} ({window.timezone})"
    return format_duration(window)


def period_dict(figures: PeriodFigures) -> dict[str, Any]:
    """A period without data has unknown incidents, alerts and freeze time (null), as the tables show them:
    nothing was measured, which is not the same as nothing happening."""
    period = figures.period
    seen = figures.total_events is not None

    def counted(value: float) -> float | None:
        return value if seen else None

    return {
        "start": rfc3339(period.start),
        "end": rfc3339(period.end),
        "label": period.label,
        "sli": figures.sli,
        "good_events": figures.good_events,
        "total_events": figures.total_events,
        "bad_events": figures.bad_events,
        "budget_consumed": figures.budget_consumed,
        "met": figures.met,
        "incidents": counted(figures.incidents),
        "largest_incident_share": figures.largest_incident_share,
        "postmortems_required": counted(figures.postmortems_required),
        "alerts": {
            "page": counted(figures.alerts.get("page", 0)),
            "ticket": counted(figures.alerts.get("ticket", 0)),
        },
        "freeze_seconds": counted(figures.freeze_seconds),
        "releases": figures.releases,
        "coverage": figures.coverage,
    }


def quality_dict(quality: TierQuality) -> dict[str, Any]:
    tier = quality.tier
    return {
        "severity": tier.severity,
        "long_window": format_duration(tier.long),
        "short_window": format_duration(tier.short),
        "factor": quality.factor,
        "budget_percent": tier.budget_percent,
        "episodes": quality.episodes,
        "precision": quality.precision,
        "recall": quality.recall,
        "detection_seconds_median": quality.detection_seconds_median,
        "detection_seconds_max": quality.detection_seconds_max,
        "reset_seconds_median": quality.reset_seconds_median,
    }


def release_dict(release: Release) -> dict[str, Any]:
    return {
        "at": rfc3339(release.at),
        "version": release.version,
        "located_to_seconds": _seconds(release.located_to),
    }


def review_incident_dict(item: ReviewIncident) -> dict[str, Any]:
    return {
        **incident_dict(item.incident),
        "release": None if item.release is None else release_dict(item.release),
        "after_release_seconds": _seconds(item.after_release),
    }


def share_dict(share: LabelShare) -> dict[str, Any]:
    return {"label": share.label, "value": share.value, "bad_events": share.bad_events, "share": share.share}


def objective_dict(item: ObjectiveReview) -> dict[str, Any]:
    return {
        "service": item.service,
        "objective": item.objective,
        "kind": item.kind,
        "team": item.team,
        "target": item.target,
        "window": describe_window(item.window),
        "timeslices": item.timeslices,
        "period_kind": item.period_kind,
        "timezone": item.timezone,
        "step_seconds": _seconds(item.step),
        "periods": [period_dict(f) for f in item.periods],
        "alert_quality": [quality_dict(q) for q in item.alert_quality],
        "default_alert_quality": [quality_dict(q) for q in item.default_alert_quality],
        "advice": {
            "achievable_target": item.advice.achievable_target,
            "flags": list(item.advice.flags),
            "budget_consumed": list(item.advice.budget_consumed),
            "partial_periods": item.advice.partial_periods,
        },
        "attribution": None if item.attribution is None else [share_dict(s) for s in item.attribution],
        "incidents": [review_incident_dict(i) for i in item.incidents],
        "releases": None if item.releases is None else [release_dict(r) for r in item.releases],
        "notes": list(item.notes),
        "error": item.error,
        "error_kind": item.error_kind,
    }


def _priority(item: TeamPriority) -> dict[str, Any]:
    return {
        "service": item.service,
        "objective": item.objective,
        "budget_consumed": item.budget_consumed,
        "trend": item.trend,
    }


def priorities_dict(item: TeamPriorities) -> dict[str, Any]:
    return {
        "team": item.team,
        "kind": item.kind,
        "by_budget": [_priority(p) for p in item.by_budget],
        "by_trend": [_priority(p) for p in item.by_trend],
    }


def review_dict(review: Review) -> dict[str, Any]:
    return {
        "evaluated_at": rfc3339(review.evaluated_at),
        "period_kind": review.period_kind,
        "objectives": [objective_dict(o) for o in review.objectives],
        "priorities": [priorities_dict(p) for p in review.priorities],
    }


def render_review_json(review: Review) -> str:
    return dumps(review_dict(review)) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`render_review_json`'s document, shipped as package data."""
    text = resources.files("slokit.review").joinpath("schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
