"""``slokit report``: evaluate and print (or write) the report in one format."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection
from slokit.errors import UsageError


def report(
    paths: Sequence[Path],
    *,
    format: str,
    team: str | None,
    services: Sequence[str] | None,
    objectives: Sequence[str] | None,
    at: str | None,
    snapshot: Path | None,
    connection: Connection,
    adaptive: bool = False,
    out: Path | None,
    templates: Path | None,
) -> int:
    from slokit.report.render import render_text

    if out is not None:
        from slokit.fsutil import check_writable

        check_writable(out)  # before the queries, not after
    result, _, _ = evaluate(
        paths, at, snapshot, selection(team, services, objectives), connection, adaptive=adaptive
    )
    if not result.objectives:
        raise UsageError(
            "nothing to report: no objective matches the selection (--team, --service, --objective)"
        )
    if out is not None:
        from slokit.fsutil import write_atomic

        write_atomic(out, render_text(result, format, templates))
    elif format == "table":
        from rich.console import Console

        from slokit.report.render import FILE_TABLE_WIDTH
        from slokit.report.terminal import render_table

        fits = sys.stdout.isatty() or "COLUMNS" in os.environ
        render_table(result, Console(width=None if fits else FILE_TABLE_WIDTH, soft_wrap=False))
        if sys.stdout.isatty():
            # The table ends with the source errors, on the same screen: once is enough. Piped, they go
            # to stderr as well, where cron mail and CI logs look for them.
            return int(result.exit_code)
    else:
        typer.echo(render_text(result, format, templates), nl=False)
    echo_errors(result)
    return int(result.exit_code)
