"""``slokit validate --prometheus-url``: the server parses every expression and looks up every selector.

Offline validation (:mod:`slokit.promql_syntax`) knows the selector grammar but only the shape of full
queries; the server knows its own PromQL (or MetricsQL) and its series. For every objective this sends the
exact expressions ``slokit report`` would send to the server's parser (``/api/v1/format_query``), and looks
up each selector over the lookback ``report`` would query, unlike ``report`` not lazily: every selector.

Findings are definition problems (``FILE:LINE: field: message``, exit 2): an expression the server refuses,
a total, good or histogram selector (or a time-slice query's selector) that matches no series. A ``bad``
selector that matches nothing is a note: it counts zero, as in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from slokit.durations import format_duration
from slokit.errors import Problem
from slokit.sources import promql
from slokit.sources.missing import SeriesLookup, expressions, look_up
from slokit.spec.yamlsafe import Path, format_path

if TYPE_CHECKING:
    from slokit.pipeline import Planned


class ExpressionServer(Protocol):
    def refusal(self, expression: str) -> str | None:
        """The server's reason for refusing to parse ``expression``; None when it parses."""
        ...

    def lookup(self, start: datetime, end: datetime) -> SeriesLookup: ...


@dataclass
class Findings:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    expressions: int = 0
    selectors: int = 0


def verify(plans: Sequence[Planned], server: ExpressionServer) -> Findings:
    findings = Findings()
    for plan in plans:
        _objective(plan, server, findings)
    return findings


def _field_path(plan: Planned, role: str) -> Path:
    sli = plan.objective.sli
    base: Path = ("objectives", plan.index, "sli")
    if sli.ratio is not None:
        return (*base, "ratio", f"{role}_query" if sli.ratio.uses_queries else role)
    if sli.latency is not None:
        return (*base, "latency", "histogram")
    return (*base, "timeslices", "query")


def _problem(plan: Planned, role: str, message: str) -> Problem:
    path = _field_path(plan, role)
    return Problem(plan.service.file, plan.service.line_of(path), format_path(path), message)


def _objective(plan: Planned, server: ExpressionServer, findings: Findings) -> None:
    query = plan.query
    latency = query.sli.latency
    # The threshold's own spelling stands in for the server's le value: only the syntax matters here.
    le = f"{latency.threshold:g}" if latency is not None else None
    sent = promql.queries(query.sli, query.step, le)
    refused = False
    for role, expression in sent.items():
        findings.expressions += 1
        reason = server.refusal(expression)
        if reason is not None:
            refused = True
            findings.problems.append(_problem(plan, role, f"the server refuses {expression}: {reason}"))
    if refused:
        return  # its selectors would be looked up from text the server does not accept
    bucket = count = None
    if latency is not None:
        bucket = promql.with_matcher(latency.histogram, "_bucket")
        count = promql.with_matcher(latency.histogram, "_count")
    lookup = server.lookup(query.start - query.step, query.end)
    lookback = format_duration(query.end - query.start + query.step)
    reported: set[str] = set()
    for role, wanted in expressions(query.sli, bucket, count).items():
        for selector in wanted.selectors:
            findings.selectors += 1
            finding = look_up(wanted, selector, lookup, lookback)
            if finding is None:
                continue
            problem = _problem(plan, role, f"note: {finding.text}" if finding.note else finding.text)
            # A histogram's _bucket and _count are one field: one line for it, not one per series.
            if problem.path in reported and latency is not None:
                continue
            reported.add(problem.path)
            (findings.notes if finding.note else findings.problems).append(problem)
