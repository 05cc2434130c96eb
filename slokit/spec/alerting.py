"""Alert tiers and time slices written in a definition, held against the windows they watch.

A service's tiers apply to every objective of the service, each on its own window. A tier whose long
window is longer than an objective's window reads events from before the window began (a 3d tier on a 1h
objective), and a page tier whose factor is below 1 pages while the budget would last longer than the
window: both are refused, at the tier's field, naming the window (the service's, or the objective's own
``window:`` that it exceeds). Tiers left to their defaults are scaled to each window and need no check.
A tier's short window must also hold at least one evaluation step (:mod:`slokit.spec.steps`) of every
objective, and a time slice must fit in its objective's window: nothing shorter than a step can be measured.

The file's raw data is read, not the validated model, so these problems are reported in the same run as
the schema errors: values that are not valid on their own (a bad duration, a negative budget) are skipped,
their own error says enough. A calendar window counts as its shortest period: 28 days for a month, 7 for
a week, 90 for a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slokit.durations import format_duration, parse_duration
from slokit.errors import Problem
from slokit.spec.models import MAX_SLICE, MAX_WINDOW, MIN_SLICE, MIN_WINDOW, SEVERITIES
from slokit.spec.steps import evaluation_step
from slokit.spec.yamlsafe import Document, format_path

SHORTEST_PERIOD = {"month": timedelta(days=28), "week": timedelta(days=7), "quarter": timedelta(days=90)}


@dataclass(frozen=True)
class _Watched:
    """A window some objectives are evaluated on, and how a message names it."""

    length: timedelta
    name: str


def tier_window_problems(file: str, doc: Document) -> list[Problem]:
    data = doc.data if isinstance(doc.data, dict) else {}
    alerting = data.get("alerting")
    if not isinstance(alerting, dict):
        return []
    watched = _watched(data, doc)
    coarsest = max(_steps(data), default=None, key=lambda step: step.length)
    problems: list[Problem] = []
    for severity in SEVERITIES:
        tiers = alerting.get(severity)
        for index, tier in enumerate(tiers if isinstance(tiers, list) else []):
            if isinstance(tier, dict):
                path = ("alerting", severity, index)
                problems.extend(_tier_problems(file, doc, path, severity, tier, watched))
                problems += _under_one_step(file, doc, (*path, "short"), tier.get("short"), coarsest)
    # The rules record one value per step: an absence shorter than a step is the next missing record.
    problems += _under_one_step(file, doc, ("alerting", "absent_for"), alerting.get("absent_for"), coarsest)
    return problems


def _under_one_step(
    file: str, doc: Document, path: tuple[str | int, ...], raw: Any, coarsest: _Watched | None
) -> list[Problem]:
    """A duration shorter than the longest evaluation step of the objectives it watches."""
    value = _duration(raw)
    if coarsest is None or value is None or value >= coarsest.length:
        return []
    step = format_duration(coarsest.length)
    message = (
        f"{format_duration(value)} is shorter than one evaluation step of {coarsest.name} ({step}): "
        f"make it {step} or longer"
    )
    return [Problem(file, doc.line_of(path), format_path(path), message)]


def slice_window_problems(file: str, doc: Document) -> list[Problem]:
    """A time slice longer than its objective's window: the window would not hold one whole slice."""
    data = doc.data if isinstance(doc.data, dict) else {}
    objectives = data.get("objectives")
    problems: list[Problem] = []
    for index, item in enumerate(objectives if isinstance(objectives, list) else []):
        window = _window_of(data, item)
        if window is None:
            continue
        path = ("objectives", index, "sli", "timeslices", "slice")
        length = _slice_of(item)
        if length is not None and length > window.length:
            problems.append(
                Problem(
                    file,
                    doc.line_of(path),
                    format_path(path),
                    f"{format_duration(length)} is longer than {window.name}: "
                    "a window must hold whole slices",
                )
            )
    return problems


def _window_of(data: dict[str, Any], item: Any) -> _Watched | None:
    """The window an objective is evaluated on, if it is valid on its own."""
    if not isinstance(item, dict):
        return None
    raw = item.get("window")
    whose = "the objective's window"
    if raw is None:
        raw, whose = data.get("window", "30d"), "the service's window"
    length = _length(raw)
    return _Watched(length, f"{whose} ({_spelt(raw)})") if length is not None else None


def _slice_of(item: dict[str, Any]) -> timedelta | None:
    """The slice length of a time-slice objective (default 1m); None for other SLIs or a bad slice."""
    sli = item.get("sli")
    timeslices = sli.get("timeslices") if isinstance(sli, dict) else None
    if not isinstance(timeslices, dict):
        return None
    length = _duration(timeslices.get("slice", "1m"))
    return length if length is not None and MIN_SLICE <= length <= MAX_SLICE else None


def _steps(data: dict[str, Any]) -> list[_Watched]:
    """The evaluation step of each objective, named by its objective."""
    objectives = data.get("objectives")
    out = []
    for index, item in enumerate(objectives if isinstance(objectives, list) else []):
        window = _window_of(data, item)
        if window is not None:
            name = item["name"] if isinstance(item.get("name"), str) else f"objectives[{index}]"
            out.append(_Watched(evaluation_step(window.length, _slice_of(item)), f"objective '{name}'"))
    return out


def _watched(data: dict[str, Any], doc: Document) -> list[_Watched]:
    """The windows the file's objectives are evaluated on: the service's (if used) and each override."""
    objectives = data.get("objectives")
    items = [o for o in objectives if isinstance(o, dict)] if isinstance(objectives, list) else []
    out: list[_Watched] = []
    service = _length(data.get("window", "30d"))
    if service is not None and any(o.get("window") is None for o in items):
        out.append(_Watched(service, f"the service's window ({_spelt(data.get('window', '30d'))})"))
    for index, item in enumerate(objectives if isinstance(objectives, list) else []):
        if not isinstance(item, dict) or item.get("window") is None:
            continue
        length = _length(item["window"])
        if length is not None:
            name = item["name"] if isinstance(item.get("name"), str) else f"objectives[{index}]"
            line = doc.line_of(("objectives", index, "window"))
            spelt = _spelt(item["window"])
            out.append(_Watched(length, f"the window of objective '{name}' ({spelt}, line {line})"))
    return out


def _tier_problems(
    file: str,
    doc: Document,
    path: tuple[str, str, int],
    severity: str,
    tier: dict[str, Any],
    watched: list[_Watched],
) -> list[Problem]:
    long, short, budget = _duration(tier.get("long")), _duration(tier.get("short")), tier.get("budget")
    problems: list[Problem] = []
    for window in watched:
        field, value = ("long", long) if long is not None and long > window.length else ("short", short)
        if value is not None and value > window.length:
            problems.append(
                Problem(
                    file,
                    doc.line_of((*path, field)),
                    format_path((*path, field)),
                    f"{format_duration(value)} is longer than {window.name}: a tier must fit in the "
                    f"window it watches (leave out alerting.{severity} for tiers scaled to each window)",
                )
            )
        elif severity == "page" and long is not None and isinstance(budget, int | float) and _percent(budget):
            factor = float(budget) / 100 * (window.length / long)
            if factor < 1:
                needed = 100 * long / window.length
                problems.append(
                    Problem(
                        file,
                        doc.line_of((*path, "budget")),
                        format_path((*path, "budget")),
                        f"pages at a burn rate of {factor:.3g} on {window.name}: below 1x the budget lasts "
                        f"longer than the window; give budget {needed:.3g} or more, or make it a ticket tier",
                    )
                )
    return problems


def _length(raw: Any) -> timedelta | None:
    if isinstance(raw, dict):
        period = raw.get("calendar")
        return SHORTEST_PERIOD.get(period) if isinstance(period, str) else None
    length = _duration(raw)
    return length if length is not None and MIN_WINDOW <= length <= MAX_WINDOW else None


def _spelt(raw: Any) -> str:
    if isinstance(raw, dict):
        return f"calendar {raw.get('calendar')}, at least {format_duration(SHORTEST_PERIOD[raw['calendar']])}"
    return str(raw).strip()


def _duration(raw: Any) -> timedelta | None:
    if not isinstance(raw, str):
        return None
    try:
        return parse_duration(raw)
    except ValueError:
        return None


def _percent(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw <= 100
