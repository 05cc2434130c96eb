"""The markdown report: joint summary, the error-budget policy's consequences, incidents, team sections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from slokit.report import fmt
from slokit.report.model import MAX_LISTED_INCIDENTS, ObjectiveReport, Report, TeamSection
from slokit.report.templates import render
from slokit.report.terminal import summary


def remaining(item: ObjectiveReport) -> float | None:
    budget = item.result.error_budget
    return None if budget is None else budget.remaining


def context(
    report: Report, sections: Sequence[TeamSection] | None = None, title: str | None = None
) -> dict[str, object]:
    """What the markdown template is given."""
    # Each incident once: the postmortem list has every one that needs a postmortem, the incidents table the
    # largest of the others.
    others = [row for row in report.incidents() if not row.incident.postmortem_required]
    return {
        "report": report,
        "sections": report.sections() if sections is None else list(sections),
        "incidents": others[:MAX_LISTED_INCIDENTS],
        "incidents_hidden": max(0, len(others) - MAX_LISTED_INCIDENTS),
        "title": title or "SLO report",
        "summary": summary,
        "remaining": remaining,
        "fmt": fmt,
    }


def render_markdown(
    report: Report,
    templates: Path | None = None,
    sections: Sequence[TeamSection] | None = None,
    title: str | None = None,
) -> str:
    return render("report.md.j2", templates, **context(report, sections, title))
