"""``slokit postmortem``: a blameless postmortem draft (markdown) for one incident of one objective."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import typer

from slokit.commands.common import Connection, echo_server_warnings, progress, prometheus_source
from slokit.errors import ExitCode

TEMPLATE = "postmortem.md.j2"


def postmortem(
    paths: Sequence[Path],
    *,
    objective: str,
    incident: int | None,
    at: str | None,
    snapshot: Path | None,
    connection: Connection,
    out: Path | None,
    templates: Path | None,
) -> int:
    from slokit import pipeline
    from slokit.report.templates import environment, render
    from slokit.review.postmortem import draft, find
    from slokit.sources.base import Source
    from slokit.sources.prometheus import PrometheusSource
    from slokit.spec import load
    from slokit.timeparse import parse_at, refuse_after_snapshot, refuse_future, utcnow

    if out is not None:
        from slokit.fsutil import check_writable

        check_writable(out)  # before the queries, not after
    environment(templates)  # a --templates typo is refused before the queries too
    now = utcnow()
    moment: datetime | None = parse_at(at) if at else None
    if moment is not None:
        refuse_future(moment, now)
    definitions = load(list(paths))
    loaded, _ = find(definitions, objective)
    source: Source
    server: PrometheusSource | None = None
    if snapshot is not None:
        from slokit.sources.snapshot import SnapshotSource

        source = SnapshotSource(snapshot)
        if moment is None:
            moment = source.evaluated_at
        else:
            refuse_after_snapshot(moment, source.evaluated_at, str(snapshot))
    else:
        source = server = prometheus_source(connection)
    pinned = pipeline.pin(moment or now)
    try:
        with progress(len(loaded.spec.objectives)) as advance:
            # The report's default resolution, so that incident N is the report's incident N; a snapshot
            # replays the resolution it was recorded at.
            result = draft(
                definitions, source, pinned, objective, incident, adaptive=snapshot is None, on_done=advance
            )
    finally:
        source.close()
    if server is not None:
        echo_server_warnings(server.warnings)
    text = render(TEMPLATE, templates, pm=result.postmortem)
    if out is not None:
        from slokit.fsutil import write_atomic

        write_atomic(out, text)
    else:
        typer.echo(text, nl=False)
    for line in result.errors:
        typer.echo(f"error: {line}", err=True)
    return int(ExitCode.SOURCE if result.errors else ExitCode.OK)
