"""``slokit export openslo``: the definitions as OpenSLO v1 documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.errors import DefinitionError, ExitCode


def export(paths: Sequence[Path], *, out: Path | None = None) -> int:
    """Print the documents, or write them to ``out`` (atomically). An objective OpenSLO cannot carry is a
    definition problem (exit 2) and nothing is written."""
    from slokit.convert.export import export as to_openslo
    from slokit.fsutil import check_writable, write_atomic
    from slokit.spec import load

    if out is not None:
        check_writable(out)
    definitions = load(list(paths))
    text, problems = to_openslo(definitions)
    if problems:
        raise DefinitionError(problems)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
    return ExitCode.OK
