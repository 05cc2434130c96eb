"""The ``slokit`` command line: parse options, call the library, print. Nothing else lives here.

Heavy modules (pandas, the Prometheus client, pydantic) are imported inside the commands, so that
``slokit --version`` and ``slokit --help`` start fast.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from slokit import __version__
from slokit.errors import ExitCode, SlokitError

app = typer.Typer(
    name="slokit",
    help="SLO calculator and error-budget reports for services run by a DevOps team and a software team.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _State:
    debug = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slokit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    _State.debug = debug


Paths = Annotated[
    list[Path],
    typer.Argument(
        metavar="PATHS...",
        help="SLO definition files or directories (searched recursively for *.yaml, *.yml).",
    ),
]


@app.command()
def validate(paths: Paths) -> int:
    """Check SLO definition files; print a summary, or every problem as FILE:LINE: field: message."""
    from slokit.spec import load
    from slokit.spec.summary import summarize

    definitions = load(paths)
    typer.echo(summarize(definitions))
    return ExitCode.OK


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; the single place where errors become exit codes."""
    _State.debug = False
    try:
        result = app(args=argv, prog_name="slokit", standalone_mode=False)
    except SlokitError as exc:
        if _State.debug:
            traceback.print_exc()
        for line in exc.lines():
            typer.echo(f"error: {line}" if not _is_located(line) else line, err=True)
        return int(exc.exit_code)
    except typer.TyperException as exc:  # bad options or arguments, reported by typer's own parser
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        return ExitCode.USAGE
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        return 130
    return int(result) if isinstance(result, int) else ExitCode.OK


def _is_located(line: str) -> bool:
    # Definition problems already start with FILE:LINE:, which editors and CI annotate; keep them bare.
    return ".y" in line.split(":", 1)[0]


def main() -> None:
    sys.exit(run(sys.argv[1:]))
