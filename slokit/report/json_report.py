"""The JSON output contract of DESIGN.md ("Output contract"); extra keys are additions, never renames."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from importlib import resources
from json.encoder import encode_basestring
from typing import Any

from slokit.durations import format_duration
from slokit.engine import Coverage, Incident, ObjectiveResult, WindowCoverage
from slokit.report.model import ObjectiveReport, Report
from slokit.timeparse import rfc3339


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def objective_dict(item: ObjectiveReport) -> dict[str, Any]:
    r: ObjectiveResult = item.result
    budget = r.error_budget
    return {
        "service": item.service,
        "objective": item.objective,
        "kind": item.kind,
        "team": item.team,
        "target": item.target,
        "window": item.window,
        "sli": r.sli,
        "good_events": r.good_events,
        "total_events": r.total_events,
        "bad_events": r.bad_events,
        "error_budget": {
            "allowed_bad_events": budget.allowed_bad_events if budget else None,
            "consumed": budget.consumed if budget else None,
            "remaining": budget.remaining if budget else None,
            "remaining_events": budget.remaining_events if budget else None,
            "remaining_minutes": budget.remaining_minutes if budget else None,
        },
        "burn_rates": dict(r.burn_rates),
        "alerts": [
            {
                "severity": a.severity,
                "long_window": format_duration(a.long_window),
                "short_window": format_duration(a.short_window),
                "factor": a.factor,
                "firing": a.firing,
                "long_burn_rate": a.long_burn_rate,
                "short_burn_rate": a.short_burn_rate,
                "long_window_coverage": a.long_coverage,
                "partial": a.partial,
            }
            for a in r.alerts
        ],
        "status": r.status,
        "time_to_exhaustion_seconds": _seconds(r.time_to_exhaustion),
        "incidents": [incident_dict(i) for i in r.incidents],
        "calendar": None
        if r.calendar is None
        else {
            "period_start": rfc3339(r.calendar.period_start),
            "period_end": rfc3339(r.calendar.period_end),
            "elapsed_share": r.calendar.elapsed_share,
            "projected_sli": r.calendar.projected_sli,
        },
        "coverage": None if r.coverage is None else coverage_dict(r.coverage),
        "sli_kind": item.sli_kind,
        "description": item.description,
        "labels": item.labels,
        "definition": item.location,
        "error": item.error,
        "error_kind": item.error_kind,
        "notes": list(item.notes),
        "runbook": item.runbook,
        "dashboard": item.dashboard,
    }


def incident_dict(incident: Incident) -> dict[str, Any]:
    """One incident; ``located_to_seconds`` is null unless its bounds are known only to a coarser step than
    the objective's (the coarse region of an adaptive resolution)."""
    return {
        "start": rfc3339(incident.start),
        "end": rfc3339(incident.end),
        "bad_events": incident.bad_events,
        "budget_share": incident.budget_share,
        "postmortem_required": incident.postmortem_required,
        "located_to_seconds": _seconds(incident.located_to),
    }


def _window(coverage: WindowCoverage) -> dict[str, Any]:
    return {
        "length_seconds": coverage.length.total_seconds(),
        "covered_seconds": coverage.covered.total_seconds(),
        "share": coverage.share,
        "complete": coverage.complete,
    }


def coverage_dict(coverage: Coverage) -> dict[str, Any]:
    """How much of the window and of each burn window holds data; ``burn_rate`` is the burn over that data
    (``burn_rates`` has null for a burn window the data does not fill)."""
    return {
        "first_data": None if coverage.first_data is None else rfc3339(coverage.first_data),
        "first_data_located_to_seconds": _seconds(coverage.first_data_located_to),
        "partial": coverage.partial,
        "window": _window(coverage.window),
        "burn_windows": {
            key: {**_window(window), "burn_rate": coverage.covered_burn_rates[key]}
            for key, window in coverage.burn_windows.items()
        },
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "evaluated_at": rfc3339(report.evaluated_at),
        "objectives": [objective_dict(o) for o in report.objectives],
    }


def render_json(report: Report) -> str:
    return dumps(report_dict(report)) + "\n"


def dumps(document: Any) -> str:
    """``json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)``, byte for byte, in half the
    time: with ``indent`` the standard library uses its pure-Python encoder, a chain of generators per
    level (70 ms for 200 objectives). Anything but str keys and JSON's own types (a NaN, a number type of
    numpy's) is handed to ``json.dumps``, which gives its own answer or error."""
    try:
        return _indented(document)
    except (TypeError, ValueError):
        return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)


def _indented(document: Any) -> str:
    parts: list[str] = []
    append = parts.append

    def value(o: Any, indent: str) -> None:
        # The standard encoder's order of checks: str, None, True, False, int, float, list/tuple, dict.
        if isinstance(o, str):
            append(encode_basestring(o))
        elif o is None:
            append("null")
        elif o is True:
            append("true")
        elif o is False:
            append("false")
        elif isinstance(o, int):
            append(int.__repr__(o))
        elif isinstance(o, float):
            if not math.isfinite(o):
                raise ValueError("not a JSON number")
            append(float.__repr__(o))
        elif isinstance(o, dict):
            if not o:
                append("{}")
                return
            inner = indent + "  "
            separator = ",\n" + inner
            append("{\n" + inner)
            first = True
            for key, item in o.items():
                if type(key) is not str:
                    raise TypeError("not a str key")
                if first:
                    first = False
                else:
                    append(separator)
                append(encode_basestring(key))
                append(": ")
                value(item, inner)
            append("\n" + indent + "}")
        elif isinstance(o, (list, tuple)):
            if not o:
                append("[]")
                return
            inner = indent + "  "
            separator = ",\n" + inner
            append("[\n" + inner)
            first = True
            for item in o:
                if first:
                    first = False
                else:
                    append(separator)
                value(item, inner)
            append("\n" + indent + "]")
        else:
            raise TypeError("not a JSON type")

    value(document, "")
    return "".join(parts)


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`render_json`'s document, shipped as package data."""
    text = resources.files("slokit.report").joinpath("schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
