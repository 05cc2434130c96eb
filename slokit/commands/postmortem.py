"""``slokit postmortem``: a blameless postmortem draft (markdown) for one incident of one objective, chosen by
``--incident N`` or by ``--at TIME`` (the incident in progress then)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.commands.common import Connection, open_source, progress
from slokit.errors import ExitCode, UsageError

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
    from slokit.report.templates import environment, render
    from slokit.review.postmortem import BOTH, draft, find
    from slokit.spec import load

    if incident is not None and at is not None:
        raise UsageError(BOTH)
    if out is not None:
        from slokit.fsutil import check_writable

        check_writable(out)  # before the queries, not after
    environment(templates)  # a --templates typo is refused before the queries too
    definitions = load(list(paths))
    loaded, _ = find(definitions, objective)
    with open_source(snapshot, connection, at) as opened, progress(len(loaded.spec.objectives)) as advance:
        result = draft(
            definitions,
            opened.source,
            opened.latest,
            objective,
            incident,
            at=opened.at,
            snapshot=str(snapshot) if snapshot is not None else None,
            on_done=advance,
        )
    text = render(TEMPLATE, templates, pm=result.postmortem)
    if out is not None:
        from slokit.fsutil import write_atomic

        write_atomic(out, text)
    else:
        typer.echo(text, nl=False)
    for line in result.errors:
        typer.echo(f"error: {line}", err=True)
    return int(ExitCode.SOURCE if result.errors else ExitCode.OK)
