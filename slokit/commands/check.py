"""``slokit check``: the CI release gate, with JUnit XML and GitHub Actions output."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection

if TYPE_CHECKING:
    from slokit.gate import FailOn, OnError


def check(
    paths: Sequence[Path],
    *,
    team: str | None,
    services: Sequence[str] | None,
    objectives: Sequence[str] | None,
    fail_on: FailOn | None,
    on_error: OnError,
    exempt: str | None,
    junit: Path | None,
    at: str | None,
    snapshot: Path | None,
    connection: Connection,
    adaptive: bool = False,
) -> int:
    from slokit.gate import evaluate_gate, exemption, objective_lines
    from slokit.settings import REDACT

    exemption(exempt)  # a blank reason is refused before any query
    if junit is not None:
        from slokit.fsutil import check_writable

        check_writable(junit)
    # The gate shows neither incidents nor charts: skip computing them.
    chosen = selection(team, services, objectives)
    result, _, _ = evaluate(paths, at, snapshot, chosen, connection, details=False, adaptive=adaptive)
    gate = evaluate_gate(result, fail_on, on_error, exempt)
    typer.echo(REDACT(gate.verdict))
    typer.echo("")
    for line in objective_lines(gate):
        typer.echo(line)
    echo_errors(result)
    warnings = [REDACT(w) for w in gate.warnings()]
    for line in warnings:
        typer.echo(f"warning: {line}", err=True)
    if junit is not None:
        import platform

        from slokit.fsutil import write_atomic
        from slokit.report.junit import render_junit

        write_atomic(junit, render_junit(gate, platform.node() or "localhost", REDACT, warnings))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from slokit import github

        for line in github.workflow_commands(gate, os.environ.get("GITHUB_WORKSPACE"), REDACT):
            typer.echo(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            github.append_step_summary(Path(summary), github.step_summary(gate, REDACT))
    return int(gate.exit_code)
