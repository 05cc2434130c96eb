"""slokit definitions as OpenSLO v1 documents (``slokit export openslo``).

One Prometheus ``DataSource`` (no URL, no secret: the server is the reader's), a ``Service`` per service and
an ``SLO`` with its SLI inline per objective. What OpenSLO has a field for goes there; what only slokit
knows (owner kinds and teams, links, policy, query forms) goes into ``slokit.dev/`` labels and annotations,
which ``slokit import openslo`` reads back, so that export then import gives the same objectives.
docs/import.md lists the mapping.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import yaml

from slokit.convert.openslo_documents import EMAIL_KEY, KIND_KEY, NOMINAL, PREFIX, TEAM_KEY
from slokit.durations import format_duration
from slokit.errors import Problem
from slokit.rules.sli import le_pattern
from slokit.sources.promql import with_matcher
from slokit.spec.loader import Definitions
from slokit.spec.models import SEVERITIES, AlertTier, CalendarWindow, Objective, ServiceSpec

DATASOURCE = "slokit-prometheus"
_OPS = {"<=": "lte", ">=": "gte", "<": "lt", ">": "gt"}
_PERIODS = {"month": "1M", "week": "1w", "quarter": "1Q"}
# A Monday and the first day of a month and of a quarter: where slokit's calendar periods are aligned.
_ALIGNED_START = "2024-01-01 00:00:00"
_OUTPUT = {"name", "labels", "annotations", "page_alert", "ticket_alert"}


class _Unexportable(Exception):
    pass


def export(definitions: Definitions) -> tuple[str, list[Problem]]:
    """The OpenSLO documents (``---`` between them), and the objectives OpenSLO cannot carry."""
    documents: list[dict[str, Any]] = [_datasource()]
    problems: list[Problem] = []
    for loaded in definitions.services:
        documents.append(_service(loaded.spec))
        for index, objective in enumerate(loaded.spec.objectives):
            try:
                documents.append(_slo(loaded.spec, objective))
            except _Unexportable as exc:
                line = loaded.line_of(("objectives", index))
                problems.append(Problem(loaded.file, line, f"objectives[{index}]", str(exc)))
    text = yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=1_000_000)
    return text, problems


def _datasource() -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "DataSource",
        "metadata": {"name": DATASOURCE, "displayName": "Prometheus"},
        "spec": {
            "description": "The Prometheus (or compatible) server the SLIs are read from: give its URL and "
            "credentials to the tool that reads these documents.",
            "type": "Prometheus",
            "connectionDetails": {},
        },
    }


def _service(spec: ServiceSpec) -> dict[str, Any]:
    annotations: dict[str, str] = {PREFIX + "window": _window_annotation(spec.window)}
    if "policy" in spec.model_fields_set:
        annotations[PREFIX + "policy"] = _json(spec.policy.model_dump(mode="json", exclude_unset=True))
    alerting = _alerting_annotation(spec)
    if alerting:
        annotations[PREFIX + "alerting"] = _json(alerting)
    if spec.releases is not None:
        releases: dict[str, Any] = {"query": spec.releases.query}
        if spec.releases.label is not None:
            releases["label"] = spec.releases.label
        releases["within"] = format_duration(spec.releases.within)
        annotations[PREFIX + "releases"] = _json(releases)
    for key in ("runbook", "dashboard"):
        value = getattr(spec, key)
        if value is not None:
            annotations[PREFIX + key] = value
    metadata: dict[str, Any] = {"name": spec.service}
    if spec.labels:
        metadata["labels"] = dict(spec.labels)
    metadata["annotations"] = annotations
    body: dict[str, Any] = {"description": spec.description} if spec.description else {}
    return {"apiVersion": "openslo/v1", "kind": "Service", "metadata": metadata, "spec": body}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _window_annotation(window: timedelta | CalendarWindow) -> str:
    if isinstance(window, CalendarWindow):
        return _json({"calendar": window.calendar, "timezone": window.timezone})
    return format_duration(window)


def _alerting_annotation(spec: ServiceSpec) -> dict[str, Any]:
    """What the SLOs' alert policies cannot say: a severity with no tiers, one left to the defaults."""
    alerting = spec.alerting
    extra: dict[str, Any] = {}
    written = {severity: alerting.written(severity) for severity in SEVERITIES}
    if any(tiers is not None for tiers in written.values()):
        defaults = [severity for severity, tiers in written.items() if tiers is None]
        if defaults:
            extra["default"] = defaults
        for severity, tiers in written.items():
            if tiers == ():
                extra[severity] = []
    # The burn alerts' name, labels and annotations (slokit rules writes them), as the definition gives them.
    extra.update(alerting.model_dump(mode="json", exclude_unset=True, include=_OUTPUT))
    if alerting.min_events is not None:
        extra["min_events"] = alerting.min_events
    if alerting.absent_for is not None:
        extra["absent_for"] = format_duration(alerting.absent_for)
    return extra


def _slo(spec: ServiceSpec, objective: Objective) -> dict[str, Any]:
    owner = spec.owners.for_kind(objective.kind)
    name = f"{spec.service}-{objective.name}"
    annotations: dict[str, str] = {PREFIX + "objective": objective.name}
    if owner is not None:
        annotations[TEAM_KEY] = owner.team
        if owner.email:
            annotations[EMAIL_KEY] = ", ".join(owner.email)
    for key in ("runbook", "dashboard"):
        value = getattr(objective, key)
        if value is not None:
            annotations[PREFIX + key] = value
    if objective.min_events is not None:
        annotations[PREFIX + "min-events"] = str(objective.min_events)
    if objective.alerting is not None:
        annotations[PREFIX + "alerting"] = _json(
            objective.alerting.model_dump(mode="json", exclude_unset=True)
        )
    if objective.attribute_by:
        annotations[PREFIX + "attribute-by"] = ", ".join(objective.attribute_by)
    window = spec.window_for(objective)
    indicator, method, threshold, sli_annotations = _indicator(objective)
    annotations.update(sli_annotations)
    target: dict[str, Any] = {"displayName": objective.name}
    target.update(threshold)
    target["targetPercent"] = objective.target
    body: dict[str, Any] = {}
    if objective.description:
        body["description"] = objective.description
    body["service"] = spec.service
    body["indicator"] = {"metadata": {"name": name}, "spec": indicator}
    body["timeWindow"] = [_time_window(window)]
    body["budgetingMethod"] = method
    body["objectives"] = [target]
    policies = _policies(spec, window, owner.team if owner is not None else spec.service)
    if policies:
        body["alertPolicies"] = policies
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {
            "name": name,
            "displayName": objective.name,
            "labels": {KIND_KEY: objective.kind},
            "annotations": annotations,
        },
        "spec": body,
    }


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"metricSourceRef": DATASOURCE, "type": "Prometheus", "spec": {"query": query}}}


def _indicator(objective: Objective) -> tuple[dict[str, Any], str, dict[str, Any], dict[str, str]]:
    """The SLI spec, the budgeting method, the objective's threshold fields, and annotations."""
    sli = objective.sli
    annotations: dict[str, str] = {}
    if sli.latency is not None:
        histogram, threshold = sli.latency.histogram, sli.latency.threshold
        good = with_matcher(histogram, "_bucket", f'le=~"{le_pattern(threshold)}"')
        ratio = {"counter": True, "good": _source(good), "total": _source(with_matcher(histogram, "_count"))}
        return {"ratioMetric": ratio}, "Occurrences", {}, annotations
    if sli.ratio is not None:
        r = sli.ratio
        metric: dict[str, Any] = {}
        if r.uses_queries:
            # OpenSLO has no window placeholder: the counts of one minute (counter: false), and slokit's
            # own query beside them for the way back.
            metric["counter"] = False
            for role in ("good", "bad", "total"):
                query = getattr(r, f"{role}_query")
                if query is not None:
                    metric[role] = _source(_minute(query))
                    annotations[f"{PREFIX}{role}-query"] = query
        else:
            metric["counter"] = True
            for role in ("good", "bad", "total"):
                selector = getattr(r, role)
                if selector is not None:
                    metric[role] = _source(selector)
            if r.good is not None and r.good.split("{")[0].strip().endswith("_bucket"):
                annotations[PREFIX + "sli"] = "ratio"  # not the latency SLI its shape suggests
        return {"ratioMetric": metric}, "Occurrences", {}, annotations
    assert sli.timeslices is not None
    t = sli.timeslices
    query, op, value = t.query, _OPS.get(t.good.op), t.good.value
    if op is None:
        # == and != have no OpenSLO op: the comparison as a 0/1 series, and slokit's own form beside it.
        annotations[PREFIX + "query"] = t.query
        annotations[PREFIX + "good"] = str(t.good)
        query, op, value = f"({t.query}) {t.good.op} bool {t.good.value:g}", "gte", 1
    fields: dict[str, Any] = {
        "op": op,
        "value": int(value) if float(value).is_integer() else value,
        "timeSliceTarget": 1,
        "timeSliceWindow": _shorthand(t.slice, "the slice"),
    }
    return {"thresholdMetric": _source(query)}, "Timeslices", fields, annotations


def _minute(query: str) -> str:
    return re.sub(r"\{\{\s*window\s*\}\}", "1m", query)


def _shorthand(value: timedelta, what: str) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise _Unexportable(f"{what} {format_duration(value)}: OpenSLO's durations are whole minutes")


def _time_window(window: timedelta | CalendarWindow) -> dict[str, Any]:
    if isinstance(window, CalendarWindow):
        return {
            "duration": _PERIODS[window.calendar],
            "calendar": {"startTime": _ALIGNED_START, "timeZone": window.timezone},
            "isRolling": False,
        }
    return {"duration": _shorthand(window, "the window"), "isRolling": True}


def _length(window: timedelta | CalendarWindow) -> timedelta:
    return NOMINAL[window.calendar] if isinstance(window, CalendarWindow) else window


def _policies(spec: ServiceSpec, window: timedelta | CalendarWindow, team: str) -> list[dict[str, Any]]:
    policies: list[dict[str, Any]] = []
    for severity in SEVERITIES:
        for tier in spec.alerting.written(severity) or ():
            policies.append(_policy(severity, tier, window, team))
    return policies


def _policy(severity: str, tier: AlertTier, window: timedelta | CalendarWindow, team: str) -> dict[str, Any]:
    long, short = _shorthand(tier.long, "the long window"), _shorthand(tier.short, "the short window")
    # The burn rate at which the tier spends its share of the budget over its long window.
    factor = (
        Decimal(str(tier.budget))
        / 100
        * Decimal(int(_length(window).total_seconds()))
        / Decimal(int(tier.long.total_seconds()))
    )
    threshold = float(round(factor, 12).normalize())
    name = f"{severity}-{long}-{short}"
    condition = {
        "kind": "AlertCondition",
        "metadata": {"name": name},
        "spec": {
            "description": f"{tier.budget:g} % of the error budget spent in {long}, still burning over "
            f"{short}",
            "severity": severity,
            "condition": {
                "kind": "burnrate",
                "op": "gte",
                "threshold": threshold,
                "lookbackWindow": long,
                "alertAfter": short,
            },
        },
    }
    target = {
        "kind": "AlertNotificationTarget",
        "metadata": {"name": f"{team}-{severity}"},
        "spec": {
            "target": "alertmanager",
            "description": "the alerts of `slokit rules` carry team and severity labels to route on",
        },
    }
    return {
        "kind": "AlertPolicy",
        "metadata": {"name": name},
        "spec": {"alertWhenBreaching": True, "conditions": [condition], "notificationTargets": [target]},
    }
