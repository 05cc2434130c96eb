"""``slokit dashboards``: Grafana dashboards (one per owner team, one overview) over the recorded series."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.errors import ExitCode, UsageError
from slokit.redact import redact_url


def dashboards(paths: Sequence[Path], *, out_dir: Path | None = None, datasource: str | None = None) -> int:
    """Print the dashboards' JSON, one document after another (``jq`` reads such a stream), or write each to
    ``out_dir/UID.json``. Every file is written only once all the dashboards are built."""
    from slokit.dashboards import DatasourceRef, build, render
    from slokit.dashboards.build import DEFAULT_DATASOURCE
    from slokit.fsutil import failure, write_atomic
    from slokit.spec import load

    ref = DEFAULT_DATASOURCE if datasource is None else DatasourceRef(_datasource(datasource))
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: not a directory")
    built = [(d.file_name, render(d)) for d in build(load(list(paths)), ref)]
    if out_dir is None:
        typer.echo("".join(text for _, text in built), nl=False)
        return ExitCode.OK
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, no permission, a full disk: not "this is a bug"
        raise failure(out_dir, exc, "cannot create this directory") from None
    for name, text in built:
        path = out_dir / name
        write_atomic(path, text)
        typer.echo(f"wrote {path}", err=True)
    return ExitCode.OK


def _datasource(value: str) -> str:
    """A data source's UID or name, as Grafana's ``datasource.uid`` takes either. A URL is refused: it is not
    a reference Grafana resolves, and one with credentials would end up in every dashboard file."""
    text = value.strip()
    if not text or not text.isprintable():
        raise UsageError("--datasource: give the UID or the name of a Grafana data source")
    if "://" in text:
        raise UsageError(
            f"--datasource {redact_url(text)!r}: give the UID or the name of a Grafana data source, "
            "not its URL"
        )
    return text
