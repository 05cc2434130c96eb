"""Alert tiers written in a definition, held against the windows they watch.

A service's tiers apply to every objective of the service, each on its own window. A tier whose long
window is longer than an objective's window reads events from before the window began (a 3d tier on a 1h
objective), and a page tier whose factor is below 1 pages while the budget would last longer than the
window: both are refused, at the tier's field, naming the window (the service's, or the objective's own
``window:`` that it exceeds). Tiers left to their defaults are scaled to each window and need no check.

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
from slokit.spec.models import MAX_WINDOW, MIN_WINDOW, SEVERITIES
from slokit.spec.yamlsafe import Document, format_path

DEFAULT_WINDOW = timedelta(days=30)
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
    problems: list[Problem] = []
    for severity in SEVERITIES:
        tiers = alerting.get(severity)
        for index, tier in enumerate(tiers if isinstance(tiers, list) else []):
            if isinstance(tier, dict):
                path = ("alerting", severity, index)
                problems.extend(_tier_problems(file, doc, path, severity, tier, watched))
    return problems


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
