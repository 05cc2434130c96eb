"""What several commands share: connection options, opening the source with ``--at`` checked, the evaluate
step with its progress bar, error lines."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import typer

if TYPE_CHECKING:
    from slokit.report.model import Report, Selection
    from slokit.sources.base import FetchedSeries, SeriesQuery, Source
    from slokit.sources.prometheus import PrometheusSource
    from slokit.spec.loader import Definitions


@dataclass(frozen=True)
class Connection:
    """The Prometheus connection options as given on the command line (settings layer them with env/file)."""

    url: str | None = None
    headers: Sequence[str] | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float | None = None
    concurrency: int | None = None
    config: Path | None = None
    source: str | None = None  # auto | raw | recorded


def prometheus_source(connection: Connection) -> PrometheusSource:
    """The Prometheus client the options, environment and settings file describe (warning when TLS is off)."""
    from slokit.settings import load_prometheus_settings
    from slokit.sources.prometheus import PrometheusSource

    settings = load_prometheus_settings(
        url=connection.url,
        headers=connection.headers or (),
        ca_bundle=connection.ca_bundle,
        insecure=connection.insecure,
        timeout=connection.timeout,
        concurrency=connection.concurrency,
        source=connection.source,
        config=connection.config,
    )
    source = PrometheusSource(settings)
    if not settings.verify_tls:
        typer.echo("warning: TLS certificate verification is off (--insecure)", err=True)
    return source


def selection(
    team: str | None, services: Sequence[str] | None, objectives: Sequence[str] | None
) -> Selection:
    from slokit.report.model import Selection

    return Selection(team=team, services=tuple(services or ()), objectives=tuple(objectives or ()))


def evaluate(
    paths: Sequence[Path],
    at: str | None,
    snapshot: Path | None,
    chosen: Selection,
    connection: Connection,
    *,
    details: bool = True,
    check: Callable[[Definitions], None] | None = None,
    adaptive: bool = False,
    then: Callable[[Report, Definitions, Source], Report] | None = None,
) -> tuple[Report, list[FetchedSeries], Definitions]:
    """Load the definitions, fetch from the snapshot or Prometheus, and evaluate the chosen objectives.

    ``check`` is called with the definitions before any query, for usage checks that need them.
    ``adaptive`` fetches from Prometheus at the adaptive resolution (see :mod:`slokit.sources.resolution`).
    ``then`` is given the report while the source is still open, and returns it with what else it asked
    the source (the report's attribution).
    """
    from slokit import pipeline
    from slokit.spec import load

    definitions = load(list(paths))
    chosen.check(definitions)
    if check is not None:
        check(definitions)
    with open_source(snapshot, connection, at) as opened:
        pinned = opened.pinned
        # A snapshot holds the resolution it was recorded at: it is asked for the full range of steps (which
        # both resolutions cover) and replays its own resolution with the series.
        plans = pipeline.plan(definitions, pinned, chosen, adaptive=adaptive and snapshot is None)
        with progress(len(plans)) as advance:
            report, fetched = pipeline.execute(plans, opened.source, pinned, advance, details=details)
        if then is not None:
            report = then(report, definitions, opened.source)
    return report, fetched, definitions


class Recorded(Protocol):
    """A snapshot read as a source (the report's :class:`~slokit.sources.snapshot.SnapshotSource`, the
    review's :class:`~slokit.review.snapshot.SnapshotHistory`)."""

    evaluated_at: datetime

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Opened:
    """A data source opened for one run, and the times it is read at."""

    source: Source
    server: PrometheusSource | None  # None: a snapshot
    at: datetime | None  # --at: not in the future, not after the snapshot's time
    latest: datetime  # the latest time there is data for: the snapshot's time, else now

    @property
    def pinned(self) -> datetime:
        """The evaluation time: ``--at``, else the latest, aligned to the default step."""
        from slokit import pipeline

        return pipeline.pin(self.at or self.latest)


@contextmanager
def open_source(
    snapshot: Path | None,
    connection: Connection,
    at: str | datetime | None,
    *,
    snapshot_type: Callable[[Path], Recorded] | None = None,
) -> Iterator[Opened]:
    """The snapshot (read by ``snapshot_type``, default :class:`~slokit.sources.snapshot.SnapshotSource`)
    or the Prometheus server, with ``--at`` checked against the clock and the snapshot's time; closed on
    leaving, then the server's warnings on stderr (not when the body raised: its error says enough)."""
    from slokit.timeparse import parse_at, refuse_after_snapshot, refuse_future, utcnow

    now = utcnow()
    moment = parse_at(at) if isinstance(at, str) else at
    if moment is not None:
        refuse_future(moment, now)
    if snapshot is not None:
        from slokit.sources.snapshot import SnapshotSource

        source = (snapshot_type or SnapshotSource)(snapshot)
        if moment is not None:
            refuse_after_snapshot(moment, source.evaluated_at, str(snapshot))
        opened = Opened(source, None, moment, source.evaluated_at)
    else:
        server = prometheus_source(connection)
        opened = Opened(server, server, moment, now)
    try:
        yield opened
    finally:
        opened.source.close()
    if opened.server is not None:
        echo_server_warnings(opened.server.warnings)


def echo_server_warnings(warnings: Sequence[str]) -> None:
    """Prometheus's ``warnings`` of the run on stderr, each once (the source collects them deduplicated)."""
    for warning in warnings:
        typer.echo(f"warning: Prometheus: {warning}", err=True)


@contextmanager
def progress(total: int) -> Iterator[Callable[[FetchedSeries], None]]:
    """A progress bar on stderr when it is a terminal; nothing when piped or in CI."""
    if not sys.stderr.isatty() or os.environ.get("CI") or total < 2:
        yield lambda _: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=stderr_console()) as bar:
        task = bar.add_task("querying", total=total)
        yield lambda _: bar.advance(task)


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def echo_errors(result: Report) -> None:
    """The run's source errors on stderr, identical ones collapsed into one line; once per run."""
    from slokit.report.model import source_errors

    for line in source_errors(result.objectives):
        typer.echo(f"error: {line}", err=True)
