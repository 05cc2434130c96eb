"""``slokit report``: evaluate and print (or write) the report in one format."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection
from slokit.errors import UsageError

if TYPE_CHECKING:
    from slokit.report.model import Report
    from slokit.sources.base import Source
    from slokit.spec.loader import Definitions

# The formats that show "What ate the budget": the others are not asked to query for it.
ATTRIBUTED_FORMATS = ("markdown", "html")


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
        paths,
        at,
        snapshot,
        selection(team, services, objectives),
        connection,
        adaptive=adaptive,
        then=attributed if format in ATTRIBUTED_FORMATS else None,
    )
    result = with_invocation(result, paths, snapshot)
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


def attributed(report: Report, definitions: Definitions, source: Source) -> Report:
    """The report with its objectives' attribution, asked of ``source`` (a failure warns on stderr)."""
    from slokit.report.attribution import attribute

    return attribute(report, definitions, source, warn=lambda line: typer.echo(f"warning: {line}", err=True))


def with_invocation(report: Report, paths: Sequence[Path], snapshot: Path | None) -> Report:
    """The report with how it was asked for, for the commands it prints (``slokit postmortem ...``)."""
    from slokit.report.model import Invocation

    # No --at: the commands name each incident by its start, which a later run finds whatever the window.
    return replace(
        report, invocation=Invocation(tuple(str(p) for p in paths), str(snapshot) if snapshot else None)
    )
