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

from slokit.commands.common import Connection, echo_server_warnings, progress, prometheus_source, selection
from slokit.errors import UsageError

if TYPE_CHECKING:
    from slokit.engine.periods import PeriodKind
    from slokit.review.model import Review
    from slokit.sources.base import Source
    from slokit.sources.prometheus import PrometheusSource

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
    if periods < 1:
        raise UsageError(f"--periods must be at least 1, got {periods}")
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
    from slokit import pipeline
    from slokit.review.build import build_review, selected
    from slokit.spec import load
    from slokit.timeparse import parse_at, refuse_after_snapshot, refuse_future, utcnow

    if periods < 1:
        raise UsageError(f"--periods must be at least 1, got {periods}")
    now = utcnow()
    moment = parse_at(at) if isinstance(at, str) else at
    if moment is not None:
        refuse_future(moment, now)
    definitions = load(list(paths))
    kept = selection(team, services, objectives)
    kept.check(definitions)
    count = len(selected(definitions, kept))
    if count == 0:
        raise UsageError(NOTHING_SELECTED)
    source: Source
    server: PrometheusSource | None = None
    if snapshot is not None:
        from slokit.review.snapshot import SnapshotHistory

        history = SnapshotHistory(snapshot)
        source = history
        if moment is None:
            moment = history.evaluated_at
        else:
            refuse_after_snapshot(moment, history.evaluated_at, str(snapshot))
    else:
        source = server = prometheus_source(connection or Connection())
        if server.settings.source == "recorded":
            server.close()
            raise UsageError(RECORDED)
    pinned = pipeline.pin(moment or now)
    try:
        with progress(count if show_progress else 0) as advance:
            result = build_review(
                definitions,
                source,
                pinned,
                periods=periods,
                period_kind=period_kind,
                selection=kept,
                on_done=advance,
            )
    finally:
        source.close()
    if server is not None:
        echo_server_warnings(server.warnings)
    return result


def echo_errors(result: Review) -> None:
    """The run's source errors on stderr, identical ones collapsed into one line (as the report does)."""
    from slokit.report.model import source_errors

    for line in source_errors(result.objectives):
        typer.echo(f"error: {line}", err=True)
