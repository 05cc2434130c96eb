"""The report's "What ate the budget": each attributed objective's bad events by label over its window.

Asked of the source after the figures, only for the formats that show it (markdown, HTML, the email), and
only for objectives whose definition names ``attribute_by`` and whose figures were computed. The span is the
objective's window at the report's evaluation time, ending at its last step, as the figures' window does.

Attribution never changes the figures nor the exit code: a source that cannot answer (a snapshot holds no
labels) gives a note saying so; a query that fails gives a note naming the failure, and a warning on stderr
(through ``warn``), since a report read later would otherwise hide that the server refused something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slokit import engine, pipeline
from slokit.redact import MESSAGE_LIMIT, excerpt
from slokit.report.model import Attribution, ObjectiveReport, Report
from slokit.settings import REDACT
from slokit.sources.insight import CANNOT_TELL, FROM_SNAPSHOT, InsightFailed, InsightSource, Unavailable
from slokit.spec.loader import Definitions

UNAVAILABLE = FROM_SNAPSHOT
FORMATS = ("markdown", "html")


def attribute(
    report: Report, definitions: Definitions, source: Any, warn: Callable[[str], None] | None = None
) -> Report:
    """``report`` with the attribution of every objective that asks for one."""
    wanted = {f"{s.spec.service}/{o.name}" for s, o in definitions.objectives() if o.attribute_by}
    if not any(_key(item) in wanted and item.status != "error" for item in report.objectives):
        return report
    plans = {p.key: p for p in pipeline.plan(definitions, report.evaluated_at)}
    objectives = []
    for item in report.objectives:
        planned = plans.get(_key(item))
        if planned is None or not planned.objective.attribute_by or item.status == "error":
            objectives.append(item)
            continue
        found = _ask(source, planned)
        if found.note is not None and found.note not in (UNAVAILABLE, CANNOT_TELL) and warn is not None:
            warn(f"{_key(item)}: {found.note}")
        objectives.append(replace(item, attribution=found))
    return replace(report, objectives=tuple(objectives))


def _ask(source: Any, planned: pipeline.Planned) -> Attribution:
    labels = planned.objective.attribute_by
    if not isinstance(source, InsightSource):
        return Attribution(labels, note=CANNOT_TELL)
    insight: InsightSource = source
    start, end = engine.window_bounds(planned.window, planned.query.end)
    try:
        shares = insight.attribution(planned.objective.sli, labels, start, end)
    except Unavailable:
        return Attribution(labels, note=UNAVAILABLE)
    except InsightFailed as exc:
        reason = str(exc).removeprefix("attribution: ")
        return Attribution(labels, note=excerpt(REDACT, f"attribution failed: {reason}", MESSAGE_LIMIT))
    return Attribution(labels, tuple(shares))


def _key(item: ObjectiveReport) -> str:
    return f"{item.service}/{item.objective}"
