"""Option and argument types shared by the commands' typer signatures (one definition, one help text each)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"
    openmetrics = "openmetrics"


class FailOn(StrEnum):
    exhausted = "exhausted"
    warning = "warning"
    page = "page"


class OnError(StrEnum):
    fail = "fail"
    pass_ = "pass"


Paths = Annotated[
    list[Path],
    typer.Argument(
        metavar="PATHS",
        help="SLO definition files or directories (searched recursively for *.yaml, *.yml).",
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        help="Evaluation time: RFC 3339 or Unix seconds (default: now; a snapshot's own time). A time "
        "more than a minute ahead of the clock, or after the snapshot's time, is refused.",
    ),
]
SnapshotOpt = Annotated[
    Path | None,
    typer.Option(
        "--snapshot", metavar="FILE", help="Replay a file written by `slokit record` instead of querying."
    ),
]
TeamOpt = Annotated[
    str | None,
    typer.Option(
        "--team",
        metavar="TEAM",
        help="Keep one team's objectives: an owner's team name from the definitions (e.g. platform-ops), "
        "or a kind: operational or application.",
    ),
]
ServiceOpt = Annotated[
    list[str] | None, typer.Option("--service", metavar="SERVICE", help="Keep this service (repeatable).")
]
ObjectiveOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--objective",
        metavar="OBJECTIVE",
        help="Keep this objective: its name, or SERVICE/OBJECTIVE as reports print it (repeatable).",
    ),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--prometheus-url",
        metavar="URL",
        help="Prometheus-compatible API base URL [env: SLOKIT_PROMETHEUS_URL].",
    ),
]
HeaderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        metavar="'NAME: VALUE'",
        help="Extra HTTP header, 'Name: value' (repeatable), e.g. 'X-Scope-OrgID: team-a'.",
    ),
]
CaOpt = Annotated[
    str | None,
    typer.Option("--ca-bundle", metavar="FILE", help="CA bundle to verify the server's certificate."),
]
InsecureOpt = Annotated[bool, typer.Option("--insecure", help="Do not verify TLS certificates.")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", metavar="SECONDS", help="Seconds per try of an HTTP request, all of it (default 30)."
    ),
]


class SourceMode(StrEnum):
    auto = "auto"
    raw = "raw"
    recorded = "recorded"


SourceOpt = Annotated[
    SourceMode | None,
    typer.Option(
        "--source",
        metavar="auto|raw|recorded",
        help="Where the events come from: the series `slokit rules` records, where Prometheus has them "
        "(recorded), the definitions' selectors (raw), or auto: recorded series for the part of the lookback "
        "they cover, selectors for the rest (default) [env: SLOKIT_PROMETHEUS_SOURCE].",
    ),
]


class ResolutionMode(StrEnum):
    adaptive = "adaptive"
    full = "full"


ResolutionOpt = Annotated[
    ResolutionMode,
    typer.Option(
        "--resolution",
        metavar="adaptive|full",
        help="adaptive: the steps before the longest burn window (3 d by default) fetched at a coarse step, "
        "about 720 across the window (incidents there are located to that step); full: every step at the "
        "evaluation step, for exact incident bounds over the whole window. A snapshot replays the "
        "resolution it was recorded at.",
    ),
]

ConcurrencyOpt = Annotated[
    int | None, typer.Option("--concurrency", metavar="N", help="Parallel queries (default 8).")
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option("--templates", metavar="DIR", help="Markdown/HTML templates overriding the bundled ones."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Settings file (default: ./slokit.yaml when present)."),
]


class RulesFormat(StrEnum):
    prometheus = "prometheus"
    kubernetes = "kubernetes"


class ReviewPeriod(StrEnum):
    month = "month"
    week = "week"
    quarter = "quarter"
    window = "window"


class ReviewFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"


class NotifyFormat(StrEnum):
    slack = "slack"
    teams = "teams"
    json = "json"


class ImportFormat(StrEnum):
    sloth = "sloth"
    openslo = "openslo"


class ExportFormat(StrEnum):
    openslo = "openslo"


class KindChoice(StrEnum):
    operational = "operational"
    application = "application"
