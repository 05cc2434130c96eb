"""``slokit review``: each objective's history period by period, alert quality, target advice, attribution,
releases and each team's priorities, printed or written in one format."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import Connection, open_source, progress, selection
from slokit.errors import UsageError

if TYPE_CHECKING:
    from slokit.engine.periods import PeriodKind
    from slokit.review.model import Review

# The records of `slokit rules` hold the evaluation step (5 minutes); the review reads hours over months.
RECORDED = (
    "the review reads hourly steps over months, which the recorded series of `slokit rules` (one per "
    "evaluation step) do not hold: use --source auto or raw (auto reads the selectors for the review)"
)
NOTHING_SELECTED = "nothing to review: no objective matches the selection (--team, --service, --objective)"


def review(
    paths: Sequence[Path],
    *,
    format: str,
    periods: int,
    period: PeriodKind | None,
    team: str | None,
    services: Sequence[str] | None,
    objectives: Sequence[str] | None,
    at: str | None,
    snapshot: Path | None,
    connection: Connection,
    out: Path | None,
    templates: Path | None,
) -> int:
    if out is not None:
        from slokit.fsutil import check_writable

        check_writable(out)  # before the queries, not after
    result = review_from_paths(
        paths,
        periods=periods,
        period_kind=period,
        at=at,
        snapshot=snapshot,
        connection=connection,
        team=team,
        services=services,
        objectives=objectives,
        show_progress=True,
    )
    if out is not None:
        from slokit.fsutil import write_atomic

        write_atomic(out, render(result, format, templates))
    elif format == "table":
        from rich.console import Console

        from slokit.review.render import REVIEW_TABLE_WIDTH, render_review_table

        fits = sys.stdout.isatty() or "COLUMNS" in os.environ
        render_review_table(result, Console(width=None if fits else REVIEW_TABLE_WIDTH, soft_wrap=False))
    else:
        typer.echo(render(result, format, templates), nl=False)
    echo_errors(result)
    return int(result.exit_code)


def render(result: Review, format: str, templates: Path | None) -> str:
    if format == "json":
        from slokit.review.json_review import render_review_json

        return render_review_json(result)
    from slokit.review.render import render_review_text

    return render_review_text(result, format, templates)


def review_from_paths(
    paths: Sequence[Path],
    *,
    periods: int = 6,
    period_kind: PeriodKind | None = None,
    at: str | datetime | None = None,
    snapshot: Path | None = None,
    connection: Connection | None = None,
    team: str | None = None,
    services: Sequence[str] | None = None,
    objectives: Sequence[str] | None = None,
    show_progress: bool = False,
) -> Review:
    """What ``slokit review`` computes, without typer: load the definitions, then review the chosen
    objectives from the snapshot or Prometheus (``connection``; None: the environment and settings file).

    Raises :class:`~slokit.errors.UsageError` (and :class:`~slokit.errors.DefinitionError`) as the command
    does; a data source failing for an objective is that objective's ``error``."""
    from slokit.review.build import build_review, check_periods, selected
    from slokit.review.snapshot import SnapshotHistory
    from slokit.spec import load

    check_periods(periods, period_kind)  # before the definitions are read: a typo fails fast
    if connection is not None and connection.source == "recorded":
        raise UsageError(RECORDED)  # a snapshot holds the selectors' steps, but the option says otherwise
    definitions = load(list(paths))
    kept = selection(team, services, objectives)
    kept.check(definitions)
    count = len(selected(definitions, kept))
    if count == 0:
        raise UsageError(NOTHING_SELECTED)
    with open_source(snapshot, connection or Connection(), at, snapshot_type=SnapshotHistory) as opened:
        if opened.server is not None and opened.server.settings.source == "recorded":
            raise UsageError(RECORDED)
        with progress(count if show_progress else 0) as advance:
            return build_review(
                definitions,
                opened.source,
                opened.pinned,
                periods=periods,
                period_kind=period_kind,
                selection=kept,
                on_done=advance,
            )


def echo_errors(result: Review) -> None:
    """The run's source errors on stderr, identical ones collapsed into one line (as the report does)."""
    from slokit.report.model import source_errors

    for line in source_errors(result.objectives):
        typer.echo(f"error: {line}", err=True)
