"""``slokit record``: fetch every objective's series and save them to a snapshot file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection
from slokit.errors import SourceError


def record(
    paths: Sequence[Path],
    *,
    out: Path,
    at: str | None,
    allow_partial: bool,
    connection: Connection,
    adaptive: bool = False,
) -> int:
    from slokit.fsutil import check_writable
    from slokit.report.fmt import plural
    from slokit.sources.snapshot import write_snapshot
    from slokit.timeparse import rfc3339

    check_writable(out)  # before the queries, not after
    result, fetched, definitions = evaluate(
        paths, at, None, selection(None, None, None), connection, adaptive=adaptive
    )
    failed = sum(1 for f in fetched if f.error is not None)
    if failed and not allow_partial:
        # A snapshot is kept to replay a report later: one where the server was down is worth less than the
        # good file it would replace at that path.
        echo_errors(result)
        raise SourceError(
            f"{out} not written: the data source failed for {failed} of {len(fetched)} objectives "
            "(--allow-partial writes the snapshot with them as errors)"
        )
    write_snapshot(out, result.evaluated_at, fetched, {s.file: s.fingerprint for s in definitions.services})
    partial = f" ({failed} failed, replayed as errors)" if failed else ""
    recorded = plural(len(fetched), "objective")
    typer.echo(f"recorded {recorded} at {rfc3339(result.evaluated_at)} to {out}{partial}")
    echo_errors(result)
    return int(result.exit_code)
