"""``slokit validate``: check definition files and print a summary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.errors import ExitCode


def validate(paths: Sequence[Path]) -> int:
    from slokit.spec import load
    from slokit.spec.summary import summarize

    definitions = load(list(paths))
    typer.echo(summarize(definitions))
    return ExitCode.OK
