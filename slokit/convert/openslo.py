"""OpenSLO (``openslo/v1``, and the ``openslo/v1alpha`` documents Sloth reads) to slokit/v1 definitions.

Every file's documents are read first, so that an SLO may refer (``indicatorRef``, ``metricSourceRef``,
``alertPolicyRef``, ``conditionRef``) to a document of any given file. Each SLO becomes one objective of
the service it names; one that cannot be converted is a :class:`ConversionProblem` naming its file, line and
name, and the others still convert. docs/import.md says how each construct maps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slokit.convert.counters import Events
from slokit.convert.model import Conversion, ConversionProblem, ConvertedService, FieldPath, ImportOptions
from slokit.convert.openslo_documents import (
    EMAIL_KEY,
    KIND_KEY,
    PREFIX,
    TEAM_KEY,
    V1ALPHA,
    Index,
    OpenSLODoc,
    Refused,
    decimal,
    json_annotation,
    number,
    read,
)
from slokit.convert.openslo_sli import alpha_query, counts, indicator_sli, ratio_sli
from slokit.convert.openslo_time import alert_tiers, time_window
from slokit.convert.shown import shown
from slokit.spec.files import discover
from slokit.spec.models import KINDS, Kind, is_name


@dataclass
class _Objective:
    """One converted SLO, before it joins its service."""

    slo: OpenSLODoc
    service: str
    data: dict[str, Any]
    kind: Kind
    team: str
    emails: tuple[str, ...]
    window: Any  # slokit's spelling: "30d" or {calendar: month, timezone: UTC}; None when not given
    tiers: dict[str, list[dict[str, Any]]] | None
    comments: dict[FieldPath, tuple[str, ...]] = field(default_factory=dict)


def convert(paths: Sequence[str | Path], options: ImportOptions) -> Conversion:
    """Convert every OpenSLO SLO under ``paths``; problems for what cannot be converted."""
    problems: list[ConversionProblem] = []
    index = Index()
    slos: list[OpenSLODoc] = []
    for path in discover(paths):
        for obj in read(path, problems):
            key = (obj.kind, obj.name)
            if key in index.objects:
                first = index.objects[key]
                problems.append(
                    ConversionProblem(
                        obj.file,
                        obj.line("metadata", "name"),
                        obj.name,
                        f"a second {obj.kind} named {obj.name} (the first is at {first.file}:{first.line()})",
                    )
                )
                continue
            index.objects[key] = obj
            if obj.kind == "SLO":
                slos.append(obj)
    converted: list[_Objective] = []
    for slo in slos:
        try:
            converted.extend(_objectives(slo, index, options))
        except Refused as exc:
            problems.append(ConversionProblem(slo.file, exc.line, slo.name, exc.message))
    services, joined = _services(converted, index)
    return Conversion(tuple(services), tuple(problems + joined))


def _objectives(slo: OpenSLODoc, index: Index, options: ImportOptions) -> list[_Objective]:
    spec = slo.spec
    service = spec.get("service")
    if not isinstance(service, str) or not service:
        raise Refused(slo.line("spec"), "spec.service is required: the service this SLO belongs to")
    if not is_name(service):
        raise Refused(slo.line("spec", "service"), f"service name {shown(service)} is not a slokit name")
    kind = _kind(slo, options)
    team = _team(slo, index.get("Service", service), options)
    emails = _emails(slo, options)
    window = time_window(slo)
    if slo.api == V1ALPHA:
        return _alpha_objectives(slo, service, kind, team, emails, window)
    # slokit export names an SLO SERVICE-OBJECTIVE (OpenSLO names are unique across services) and keeps
    # the objective's own name beside it.
    name = slo.annotation(PREFIX + "objective") or slo.name
    if not is_name(name):
        raise Refused(slo.line("metadata", "name"), f"name {shown(name)} is not a slokit objective name")
    target = _one_target(slo)
    data: dict[str, Any] = {"name": name, "kind": kind}
    description = spec.get("description") or slo.section("metadata").get("displayName")
    if isinstance(description, str) and description:
        data["description"] = description
    data["target"] = target
    comments: dict[FieldPath, tuple[str, ...]] = {}
    data["sli"], sli_comments = indicator_sli(slo, index)
    comments.update({("sli", *path): lines for path, lines in sli_comments.items()})
    data.update(_objective_extras(slo))
    tiers = alert_tiers(slo, index, window)
    return [_Objective(slo, service, data, kind, team, emails, window, tiers, comments)]


def _kind(slo: OpenSLODoc, options: ImportOptions) -> Kind:
    value = slo.annotation(KIND_KEY)
    if value is None:
        if options.kind is None:
            raise Refused(
                slo.line("metadata"),
                f"no kind: give --kind operational|application, or the {KIND_KEY} label",
            )
        return options.kind
    kind = next((k for k in KINDS if k == value), None)
    if kind is None:
        raise Refused(slo.line("metadata"), f"{KIND_KEY} {shown(value)} must be operational or application")
    return kind


def _team(slo: OpenSLODoc, service: OpenSLODoc | None, options: ImportOptions) -> str:
    if options.team:
        return options.team
    for obj in (slo, service):
        if obj is None:
            continue
        for key in (TEAM_KEY, "owner", "team"):
            value = obj.annotation(key)
            if value and value.strip():
                return value.strip()
    raise Refused(slo.line("metadata"), f"no team: give --team, or the {TEAM_KEY} annotation")


def _emails(slo: OpenSLODoc, options: ImportOptions) -> tuple[str, ...]:
    if options.emails:
        return options.emails
    value = slo.annotation(EMAIL_KEY)
    return tuple(a.strip() for a in value.split(",") if a.strip()) if value else ()


def _one_target(slo: OpenSLODoc) -> float | int:
    objectives = slo.spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise Refused(slo.line("spec"), "spec.objectives is required: at least one target")
    targets = [_target(slo, i, item) for i, item in enumerate(objectives)]
    distinct = list(dict.fromkeys(targets))
    if len(distinct) > 1:
        shown = ", ".join(f"{t:g} %" for t in distinct)
        raise Refused(
            slo.line("spec", "objectives", 1),
            f"several objectives with different targets ({shown}): a slokit objective has one target; "
            "write one SLO per target",
        )
    return distinct[0]


def _target(slo: OpenSLODoc, i: int, item: Any) -> float | int:
    where = slo.line("spec", "objectives", i)
    if not isinstance(item, dict):
        raise Refused(where, "an objective must be a mapping with target or targetPercent")
    if "target" in item and "targetPercent" in item:
        raise Refused(where, "give target or targetPercent, not both")
    if "targetPercent" in item:
        percent = decimal(item["targetPercent"], slo.line("spec", "objectives", i, "targetPercent"))
    elif "target" in item:
        fraction = decimal(item["target"], slo.line("spec", "objectives", i, "target"))
        if not 0 < fraction < 1:
            raise Refused(where, f"target must be a fraction between 0 and 1 (got {item['target']})")
        percent = fraction * 100
    else:
        raise Refused(where, "an objective needs target (0.999) or targetPercent (99.9)")
    if not 1 <= percent < 100:
        raise Refused(where, f"target {percent.normalize():f} % is outside slokit's 1 to 100 %")
    return number(percent)


def _alpha_objectives(
    slo: OpenSLODoc, service: str, kind: Kind, team: str, emails: tuple[str, ...], window: Any
) -> list[_Objective]:
    spec = slo.spec
    method = spec.get("budgetingMethod")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise Refused(slo.line("spec"), "spec.objectives is required: at least one target")
    defaulted = method is None
    if defaulted:
        # v1alpha, as Sloth reads it, has no budgetingMethod of its own: Sloth counts events (Occurrences).
        method = "Occurrences"
    if method not in ("Occurrences", "Timeslices"):
        raise Refused(
            slo.line("spec", "budgetingMethod"),
            f"budgetingMethod must be Occurrences or Timeslices (got {shown(method)})",
        )
    results: list[_Objective] = []
    for i, item in enumerate(objectives):
        if not isinstance(item, dict):
            raise Refused(slo.line("spec", "objectives", i), "an objective must be a mapping")
        # Each v1alpha objective has its own metrics: one slokit objective each, named as Sloth names them.
        name = slo.name if len(objectives) == 1 else f"{slo.name}-{i}"
        if not is_name(name):
            raise Refused(slo.line("metadata", "name"), f"name {shown(name)} is not a slokit objective name")
        target = _target(slo, i, item)
        metrics = item.get("ratioMetrics")
        comments: dict[FieldPath, tuple[str, ...]] = {}
        if isinstance(metrics, dict):
            if method != "Occurrences":
                raise Refused(
                    slo.line("spec", "budgetingMethod"), "ratioMetrics with Timeslices: use Occurrences"
                )
            counter = metrics.get("counter", False) is True
            found: dict[str, Events] = {}
            for role in ("good", "total"):
                source = metrics.get(role)
                line = slo.line("spec", "objectives", i, "ratioMetrics", role)
                found[role] = counts(alpha_query(source, line), counter, line)
            sli, sli_comments = ratio_sli(found, slo)
        else:
            raise Refused(
                slo.line("spec", "objectives", i),
                "a v1alpha objective needs ratioMetrics with good and total (thresholdMetric is not "
                "converted)",
            )
        comments.update({("sli", *p): lines for p, lines in sli_comments.items()})
        if defaulted:
            comments[("sli",)] = (
                *comments.get(("sli",), ()),
                "no budgetingMethod: Occurrences (events counted), as Sloth reads an openslo/v1alpha SLO",
            )
        data: dict[str, Any] = {"name": name, "kind": kind}
        description = spec.get("description") or item.get("displayName")
        if isinstance(description, str) and description:
            data["description"] = description
        data["target"] = target
        data["sli"] = sli
        data.update(_objective_extras(slo))
        results.append(_Objective(slo, service, data, kind, team, emails, window, None, comments))
    return results


def _objective_extras(slo: OpenSLODoc) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key in ("runbook", "dashboard"):
        value = slo.annotation(PREFIX + key)
        if value:
            extras[key] = value
    events = slo.annotation(PREFIX + "min-events")
    if events:
        if not events.isdigit():
            raise Refused(
                slo.line("metadata"), f"{PREFIX}min-events must be a whole number (got {shown(events)})"
            )
        extras["min_events"] = int(events)
    labels = slo.annotation(PREFIX + "attribute-by")
    if labels:
        extras["attribute_by"] = [label.strip() for label in labels.split(",") if label.strip()]
    output = json_annotation(slo, "alerting")
    if output is not None:
        extras["alerting"] = output
    return extras


def _services(
    converted: list[_Objective], index: Index
) -> tuple[list[ConvertedService], list[ConversionProblem]]:
    problems: list[ConversionProblem] = []
    by_service: dict[str, list[_Objective]] = {}
    for item in converted:
        by_service.setdefault(item.service, []).append(item)
    services: list[ConvertedService] = []
    for name, items in by_service.items():
        kept: list[_Objective] = []
        owners: dict[str, dict[str, Any]] = {}
        tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None = None
        names: dict[str, _Objective] = {}
        for item in items:
            refused = _joins(item, owners, tiers, names)
            if refused is not None:
                problems.append(
                    ConversionProblem(item.slo.file, item.slo.line("metadata"), item.slo.name, refused)
                )
                continue
            _own(item, owners)
            names[item.data["name"]] = item
            if item.tiers is not None and tiers is None:
                tiers = (item, item.tiers)
            kept.append(item)
        if not kept:
            continue
        try:
            services.append(_document(name, kept, owners, tiers, index.get("Service", name)))
        except Refused as exc:
            service = index.get("Service", name)
            file = service.file if service is not None else kept[0].slo.file
            problems.append(ConversionProblem(file, exc.line, name, exc.message))
    return services, problems


def _joins(
    item: _Objective,
    owners: dict[str, dict[str, Any]],
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None,
    names: dict[str, _Objective],
) -> str | None:
    """Why ``item`` cannot join its service's objectives so far, or None."""
    name = item.data["name"]
    if name in names:
        first = names[name].slo
        where = f"{first.file}:{first.line()}"
        return f"a second objective {name} in service {item.service} (the first from {where})"
    owner = owners.get(item.kind)
    if owner is not None and owner["team"] != item.team:
        return (
            f"team {item.team} for a {item.kind} objective of service {item.service}, which has "
            f"{owner['team']}: slokit has one team per kind and service"
        )
    if tiers is not None and item.tiers is not None and item.tiers != tiers[1]:
        first = tiers[0].slo
        return (
            f"alert policies differ from those of SLO {first.name} ({first.file}:{first.line()}): slokit's "
            f"alert tiers are the service's, one set for all of {item.service}'s objectives"
        )
    return None


def _own(item: _Objective, owners: dict[str, dict[str, Any]]) -> None:
    owner = owners.setdefault(item.kind, {"team": item.team})
    if item.emails:
        known = owner.setdefault("email", [])
        known.extend(a for a in item.emails if a not in known)


def _document(
    name: str,
    items: list[_Objective],
    owners: dict[str, dict[str, Any]],
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None,
    service: OpenSLODoc | None,
) -> ConvertedService:
    files = list(dict.fromkeys([*(i.slo.file for i in items), *([service.file] if service else [])]))
    comments: dict[FieldPath, tuple[str, ...]] = {
        (): (f"Imported by slokit import openslo from {', '.join(files)}",)
    }
    document: dict[str, Any] = {"apiVersion": "slokit/v1", "service": name}
    if service is not None:
        description = service.spec.get("description") or service.section("metadata").get("displayName")
        if isinstance(description, str) and description:
            document["description"] = description
    document["owners"] = {kind: owners[kind] for kind in KINDS if kind in owners}
    window = _service_window(items, service)
    if window is not None:
        document["window"] = window
    else:
        comments[("objectives",)] = ("no timeWindow given: slokit's default window, 30 days rolling",)
    labels = _service_labels(service)
    if labels:
        document["labels"] = labels
    objectives: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        data = dict(item.data)
        if item.window is not None and item.window != window:
            data = _with_window(data, item.window)
        objectives.append(data)
        comments[("objectives", i)] = (f"from {item.slo.file}:{item.slo.line()}, SLO {item.slo.name}",)
        comments.update({("objectives", i, *path): lines for path, lines in item.comments.items()})
    document["objectives"] = objectives
    if service is not None:
        for key in ("policy",):
            value = json_annotation(service, key)
            if value is not None:
                document[key] = value
    alerting = _alerting(tiers, service)
    if alerting:
        document["alerting"] = alerting
        if tiers is not None:
            first = tiers[0].slo
            comments[("alerting",)] = (
                f"from the alert policies of SLO {first.name} ({first.file}:{first.line()}): budget = "
                "threshold x lookbackWindow / window x 100",
            )
    if service is not None:
        releases = json_annotation(service, "releases")
        if releases is not None:
            document["releases"] = releases
        for key in ("runbook", "dashboard"):
            value = service.annotation(PREFIX + key)
            if value:
                document[key] = value
    return ConvertedService(name, ", ".join(files), document, comments)


def _with_window(data: dict[str, Any], window: Any) -> dict[str, Any]:
    """The objective's own window, after its target, where slokit's documentation puts it."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        result[key] = value
        if key == "target":
            result["window"] = window
    return result


def _service_window(items: list[_Objective], service: OpenSLODoc | None) -> Any:
    if service is not None:
        written = service.annotation(PREFIX + "window")
        if written:
            # What export wrote: a duration, or a calendar window as JSON.
            return json_annotation(service, "window") if written.startswith("{") else written
    windows = [json.dumps(i.window, sort_keys=True) for i in items if i.window is not None]
    if not windows:
        return None
    # The most common window is the service's (the first of equals); the others are the objectives' own.
    best = max(dict.fromkeys(windows), key=windows.count)
    return json.loads(best)


def _service_labels(service: OpenSLODoc | None) -> dict[str, str]:
    if service is None:
        return {}
    labels: dict[str, str] = {}
    for key, value in service.labels().items():
        name_ok = isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) is not None
        value_ok = isinstance(value, str | int | float) and not isinstance(value, bool)
        if name_ok and value_ok and not key.startswith("__"):
            labels[key] = str(value)
    return labels


def _alerting(
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None, service: OpenSLODoc | None
) -> dict[str, Any]:
    alerting: dict[str, Any] = {}
    extra = json_annotation(service, "alerting") if service is not None else None
    given = tiers[1] if tiers is not None else {}
    defaults = extra.get("default", []) if isinstance(extra, dict) else []
    for severity in ("page", "ticket"):
        if severity in defaults:
            continue  # export's mark: the service left this severity to slokit's defaults
        if given.get(severity):
            alerting[severity] = given[severity]
        elif isinstance(extra, dict) and extra.get(severity) == []:
            alerting[severity] = []
        elif tiers is not None:
            alerting[severity] = []  # the SLOs' policies give none of this severity: none, not the defaults
    if isinstance(extra, dict):
        for key in (
            "name",
            "labels",
            "annotations",
            "page_alert",
            "ticket_alert",
            "min_events",
            "absent_for",
        ):
            if key in extra:
                alerting[key] = extra[key]
    return alerting
