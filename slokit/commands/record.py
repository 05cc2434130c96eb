"""``slokit record``: fetch every objective's series and save them to a snapshot file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection


def record(paths: Sequence[Path], *, out: Path, at: str | None, connection: Connection) -> int:
    from slokit.sources.snapshot import write_snapshot
    from slokit.timeparse import rfc3339

    result, fetched, definitions = evaluate(paths, at, None, selection(None, None, None), connection)
    write_snapshot(out, result.evaluated_at, fetched, {s.file: s.fingerprint for s in definitions.services})
    typer.echo(f"recorded {len(fetched)} objectives at {rfc3339(result.evaluated_at)} to {out}")
    echo_errors(result)
    return int(result.exit_code)
