"""GitHub Actions output for ``slokit check``: workflow-command annotations and a job step summary.

Used when ``GITHUB_ACTIONS=true`` (the CLI decides; these functions only format text).

Annotations are workflow commands on stdout, in GitHub's documented syntax
``::error file={name},line={line},title={title}::{message}`` (also ``::warning`` and ``::notice``), escaped as
the Actions toolkit does: in the message ``%``, ``\\r``, ``\\n`` become ``%25``, ``%0D``, ``%0A``; in property
values also ``:`` and ``,`` become ``%3A`` and ``%2C``. Each annotation points at the objective's definition
(``FILE:LINE``), so it shows on that line of the SLO file:

- ``::error`` for an objective that fails its gate, and for a source error with ``--on-error fail``;
- ``::warning`` for an exempted failure (with the reason), a source error ignored by ``--on-error pass``, and
  an objective that passes its gate with a ``warning`` or ``exhausted`` status (budget low, not gating);
- ``::notice`` for an objective without data (not gated).

The step summary is GitHub-flavoured markdown appended to the file named by ``$GITHUB_STEP_SUMMARY``: a
heading with the result, the verdict, a table of every objective (worst first) and, when given, the exemption.
Free text (reasons, error messages, team names) is escaped so it cannot break the table or inject markup.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from slokit.gate import OUTCOME_LABELS, GateResult, ObjectiveOutcome
from slokit.report import fmt

Level = Literal["error", "warning", "notice"]


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: Level, message: str, **properties: str) -> str:
    """``::level key=value,...::message``, properties in the order given, empty ones left out."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items() if v)
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def _location(location: str, workspace: str | None) -> tuple[str, str]:
    """``FILE:LINE`` -> (file relative to the workspace when under it, line)."""
    file, _, line = location.rpartition(":")
    if not file or not line.isdigit():
        file, line = location, ""
    if workspace and os.path.isabs(file):
        with contextlib.suppress(ValueError):  # outside the workspace: keep it absolute
            file = Path(file).resolve().relative_to(Path(workspace).resolve()).as_posix()
    return file, line


def _annotation(o: ObjectiveOutcome, gate: GateResult) -> tuple[Level, str, str] | None:
    if o.outcome == "fail":
        return "error", f"SLO gate failed: {o.key}", f"{o.who} {o.reason} {o.remaining} (gate {o.gate_text})"
    if o.outcome == "exempt":
        return (
            "warning",
            f"SLO gate exempted: {o.key}",
            f"{o.who} {o.reason} {o.remaining} (gate {o.gate_text}); exempt: {gate.exempt}",
        )
    if o.outcome == "error":
        level: Level = "warning" if gate.on_error == "pass" else "error"
        ignored = " (ignored: --on-error pass)" if gate.on_error == "pass" else ""
        return level, f"SLO data source failed: {o.key}", f"{o.item.error}{ignored}"
    if o.outcome == "no_data":
        return "notice", f"SLO without data: {o.key}", f"{o.who} has no data; not gated"
    if o.item.status in ("warning", "exhausted"):
        label = fmt.STATUS_LABELS[o.item.status]
        return (
            "warning",
            f"SLO budget low: {o.key}",
            f"{o.who} {label} {o.remaining}; passes its gate {o.gate_text}",
        )
    return None


def workflow_commands(
    gate: GateResult, workspace: str | None = None, redact: Callable[[str], str] = lambda text: text
) -> list[str]:
    """Workflow commands for the objectives worth a look, worst first, plus one for ignored source errors."""
    lines = []
    if gate.errors_ignored:
        errors = gate.having("error")
        lines.append(
            command(
                "warning",
                f"passing despite source errors for {len(errors)} of {len(gate.outcomes)} objectives "
                "(--on-error pass): the gate was not checked for " + ", ".join(o.key for o in errors),
                title="slokit check: source errors ignored",
            )
        )
    for o in gate.worst_first():
        found = _annotation(o, gate)
        if found is None:
            continue
        level, title, message = found
        file, line = _location(o.item.location, workspace)
        lines.append(command(level, redact(message), file=file, line=line, title=title))
    return lines


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md(text: str) -> str:
    """Escape free text for a markdown table cell: no markup, no HTML, no line breaks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split())).replace("&", "&amp;")


def step_summary(gate: GateResult, redact: Callable[[str], str] = lambda text: text) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``."""
    icons = {"PASS": "✅", "FAIL": "❌", "ERROR": "⚠️"}
    lines = [
        f"### {icons[gate.head]} SLO release gate: {gate.head}",
        "",
        md(redact(gate.verdict)),
        "",
        "| result | objective | kind | team | status | budget left | SLI / target | gate |",
        "| --- | --- | --- | --- | --- | ---: | --- | --- |",
    ]
    for o in gate.worst_first():
        item = o.item
        budget = item.result.error_budget
        cells = [
            OUTCOME_LABELS[o.outcome],
            o.key,
            item.kind,
            item.team,
            fmt.status(item.status),
            fmt.budget_percent(budget.remaining if budget else None),
            f"{fmt.percent(item.result.sli)} / {fmt.percent(item.target)}",
            o.gate_text + (f", page alert {o.page_tiers}" if o.page_tiers else ""),
        ]
        lines.append("| " + " | ".join(md(c) for c in cells) + " |")
    lines.append("")
    notes = [f"Evaluated at {gate.evaluated_at:%Y-%m-%d %H:%M} UTC."]
    if gate.exempt is not None:
        notes.append(f"**Exempt:** {md(gate.exempt)}")
    for o in gate.having("error"):
        notes.append(f"**Source error** ({md(o.key)}): {md(o.item.error or '')}")
    lines.extend(f"{note}\n" for note in notes)
    return "\n".join(lines)


def append_step_summary(path: Path, markdown: str) -> None:
    """Append (GitHub concatenates every step's summary file; earlier content is not ours to replace)."""
    from slokit.errors import UsageError

    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot append the step summary ({exc.strerror})") from None
