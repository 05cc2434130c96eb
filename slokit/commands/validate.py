"""``slokit validate``: check definition files and print a summary; with a server, check them there too."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import Connection, echo_server_warnings, prometheus_source
from slokit.errors import DefinitionError, ExitCode, SourceError, UsageError

if TYPE_CHECKING:
    from slokit.sources.verify import Findings
    from slokit.spec.loader import Definitions


def validate(paths: Sequence[Path], connection: Connection | None = None, at: str | None = None) -> int:
    """Offline unless ``connection.url`` is given: then the server parses every expression and looks up
    every selector (:mod:`slokit.sources.verify`) over the ranges a report at ``at`` (default now) would
    read. Problems exit 2, an unreachable server 3."""
    from slokit.spec import load
    from slokit.spec.summary import summarize

    if at is not None and (connection is None or not connection.url):
        raise UsageError("--at is the time of the server check: give --prometheus-url too")
    definitions = load(list(paths))
    if connection is None or not connection.url:
        typer.echo(summarize(definitions))
        return ExitCode.OK
    from slokit.report.fmt import plural
    from slokit.settings import REDACT

    url, findings = _ask_server(definitions, connection, at)
    if findings.problems:
        # Notes among the problems, in file and line order: one list to read, as editors show it.
        files = {loaded.file: i for i, loaded in enumerate(definitions.services)}
        raise DefinitionError(
            sorted(findings.problems + findings.notes, key=lambda p: (files.get(p.file, 0), p.line or 0))
        )
    for note in findings.notes:
        typer.echo(REDACT(str(note)), err=True)
    typer.echo(summarize(definitions))
    zero = f"; {plural(len(findings.notes), 'bad selector')} counted as zero"
    typer.echo(
        REDACT(
            f"checked on {url}: {findings.expressions} expressions parse, {findings.selectors} selectors "
            f"looked up{zero if findings.notes else ''}"
        )
    )
    return ExitCode.OK


def _ask_server(definitions: Definitions, connection: Connection, at: str | None) -> tuple[str, Findings]:
    from slokit import pipeline
    from slokit.sources.prometheus import QueryFailed
    from slokit.sources.prometheus_index import ServerCheck
    from slokit.sources.verify import verify
    from slokit.timeparse import parse_at, refuse_future, utcnow

    moment = parse_at(at) if at else None
    if moment is not None:
        refuse_future(moment, utcnow())
    source = prometheus_source(connection)
    try:
        # The ranges `report` would query now: a selector is looked up over what a report would read.
        plans = pipeline.plan(definitions, pipeline.pin(moment))
        return source.url, verify(plans, ServerCheck(source))
    except QueryFailed as exc:
        raise SourceError(f"cannot check the definitions on the server: {exc}") from None
    finally:
        source.close()
        echo_server_warnings(source.warnings)
