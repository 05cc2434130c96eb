"""The ``slokit`` command line: parse options, call the library, print. Nothing else lives here.

Heavy modules (pandas, the Prometheus client, pydantic) are imported inside the commands, so that
``slokit --version`` and ``slokit --help`` start fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from slokit import __version__
from slokit.errors import DefinitionError, ExitCode, SlokitError, UsageError

if TYPE_CHECKING:
    from slokit.report.model import Report, Selection
    from slokit.sources.base import FetchedSeries, Source
    from slokit.spec.loader import Definitions

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
        metavar="PATHS",
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


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"
    openmetrics = "openmetrics"


class Team(StrEnum):
    operational = "operational"
    application = "application"


At = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        help="Evaluation time: RFC 3339 or Unix seconds (default: now; a snapshot's own time).",
    ),
]
SnapshotOpt = Annotated[
    Path | None,
    typer.Option(
        "--snapshot", metavar="FILE", help="Replay a file written by `slokit record` instead of querying."
    ),
]
TeamOpt = Annotated[
    Team | None,
    typer.Option("--team", metavar="operational|application", help="Keep one team's objectives."),
]
ServiceOpt = Annotated[
    list[str] | None, typer.Option("--service", metavar="SERVICE", help="Keep this service (repeatable).")
]
ObjectiveOpt = Annotated[
    list[str] | None,
    typer.Option("--objective", metavar="OBJECTIVE", help="Keep this objective (repeatable)."),
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
    float | None, typer.Option("--timeout", metavar="SECONDS", help="Seconds per HTTP request (default 30).")
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


@dataclass(frozen=True)
class _Connection:
    url: str | None
    headers: list[str] | None
    ca_bundle: str | None
    insecure: bool
    timeout: float | None
    concurrency: int | None
    config: Path | None


def _evaluate(
    paths: list[Path],
    at: str | None,
    snapshot: Path | None,
    selection: Selection,
    connection: _Connection,
    *,
    details: bool = True,
) -> tuple[Report, list[FetchedSeries], Definitions]:
    from slokit import pipeline
    from slokit.spec import load
    from slokit.timeparse import parse_at

    definitions = load(paths)
    source: Source
    if snapshot is not None:
        from slokit.sources.snapshot import SnapshotSource

        source = SnapshotSource(snapshot)
        moment: datetime | None = parse_at(at) if at else source.evaluated_at
    else:
        from slokit.settings import load_prometheus_settings
        from slokit.sources.prometheus import PrometheusSource

        settings = load_prometheus_settings(
            url=connection.url,
            headers=connection.headers or (),
            ca_bundle=connection.ca_bundle,
            insecure=connection.insecure,
            timeout=connection.timeout,
            concurrency=connection.concurrency,
            config=connection.config,
        )
        source = PrometheusSource(settings)
        if not settings.verify_tls:
            typer.echo("warning: TLS certificate verification is off (--insecure)", err=True)
        moment = parse_at(at) if at else None
    pinned = pipeline.pin(moment)
    plans = pipeline.plan(definitions, pinned, selection)
    try:
        with _progress(len(plans)) as advance:
            report, fetched = pipeline.execute(plans, source, pinned, advance, details=details)
    finally:
        source.close()
    return report, fetched, definitions


@contextmanager
def _progress(total: int) -> Iterator[Callable[[FetchedSeries], None]]:
    """A progress bar on stderr when it is a terminal; nothing when piped or in CI."""
    if not sys.stderr.isatty() or os.environ.get("CI") or total < 2:
        yield lambda _: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_stderr_console()) as bar:
        task = bar.add_task("querying", total=total)
        yield lambda _: bar.advance(task)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _selection(team: Team | None, service: list[str] | None, objective: list[str] | None) -> Selection:
    from slokit.report.model import Selection

    return Selection(
        team=team.value if team else None,
        services=tuple(service or ()),
        objectives=tuple(objective or ()),
    )


@app.command()
def report(
    paths: Paths,
    format: Annotated[
        Format,
        typer.Option("--format", "-f", metavar="FORMAT", help="table, markdown, html, json or openmetrics."),
    ] = Format.table,
    team: TeamOpt = None,
    service: ServiceOpt = None,
    objective: ObjectiveOpt = None,
    at: At = None,
    snapshot: SnapshotOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    config: ConfigOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the report to FILE (atomically) instead."),
    ] = None,
    templates: TemplatesOpt = None,
) -> int:
    """Compute error budgets, burn rates and alert states and print the report.

    Exit codes: 0 fine, 2 bad definitions or usage, 3 the data source failed for some objective (the report
    still shows every other one).
    """
    from slokit.report.render import render_text

    if out is not None:
        from slokit.fsutil import check_writable

        check_writable(out)  # before the queries, not after
    connection = _Connection(prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config)
    result, _, _ = _evaluate(paths, at, snapshot, _selection(team, service, objective), connection)
    if not result.objectives:
        raise UsageError(
            "nothing to report: no objective matches the selection (--team, --service, --objective)"
        )
    if out is not None:
        from slokit.fsutil import write_atomic

        write_atomic(out, render_text(result, format.value, templates))
    elif format == Format.table:
        from rich.console import Console

        from slokit.report.render import FILE_TABLE_WIDTH
        from slokit.report.terminal import render_table

        fits = sys.stdout.isatty() or "COLUMNS" in os.environ
        render_table(result, Console(width=None if fits else FILE_TABLE_WIDTH, soft_wrap=False))
    else:
        typer.echo(render_text(result, format.value, templates), nl=False)
    _echo_errors(result)
    return int(result.exit_code)


@app.command()
def record(
    paths: Paths,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Snapshot file to write (.json or .json.gz).")
    ],
    at: At = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    config: ConfigOpt = None,
) -> int:
    """Fetch the event series of every objective and save them to a snapshot file for later replay."""
    from slokit.sources.snapshot import write_snapshot

    connection = _Connection(prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config)
    result, fetched, definitions = _evaluate(paths, at, None, _selection(None, None, None), connection)
    write_snapshot(out, result.evaluated_at, fetched, {s.file: s.fingerprint for s in definitions.services})
    from slokit.timeparse import rfc3339

    typer.echo(f"recorded {len(fetched)} objectives at {rfc3339(result.evaluated_at)} to {out}")
    _echo_errors(result)
    return int(result.exit_code)


class FailOn(StrEnum):
    exhausted = "exhausted"
    warning = "warning"
    page = "page"


class OnError(StrEnum):
    fail = "fail"
    pass_ = "pass"


@app.command()
def check(
    paths: Paths,
    team: TeamOpt = None,
    service: ServiceOpt = None,
    objective: ObjectiveOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            metavar="STATUS",
            help="Fail on this for every objective, overriding the policies' freeze_on: exhausted (budget "
            "spent), page (spent, or a page alert tier firing) or warning (status warning or exhausted).",
        ),
    ] = None,
    on_error: Annotated[
        OnError,
        typer.Option(
            "--on-error",
            metavar="fail|pass",
            help="When the data source fails for an objective: fail (exit 3, the default) or pass (exit 0 "
            "with a loud warning).",
        ),
    ] = OnError.fail,
    exempt: Annotated[
        str | None,
        typer.Option(
            "--exempt",
            metavar="REASON",
            help="Pass a failing gate (the policy's exception for P0 and security fixes), e.g. 'P0 fix "
            "INC-123'; the reason is printed and recorded. Source errors still fail.",
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit", metavar="FILE", help="Also write a JUnit XML report, one testcase per objective."
        ),
    ] = None,
    at: At = None,
    snapshot: SnapshotOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    config: ConfigOpt = None,
) -> int:
    """CI release gate: exit 1 when a gating objective's error budget is spent (policy freeze_on).

    Exit codes: 0 pass, 1 gate failed, 2 bad definitions or usage, 3 data source failed. Prints a verdict
    line, then one line per objective. Under GitHub Actions also annotations and a step summary.
    """
    from slokit.gate import evaluate_gate, exemption, objective_lines
    from slokit.settings import REDACT

    exemption(exempt)  # a blank reason is refused before any query
    if junit is not None:
        from slokit.fsutil import check_writable

        check_writable(junit)
    connection = _Connection(prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config)
    # The gate shows neither incidents nor charts: skip computing them.
    selection = _selection(team, service, objective)
    result, _, _ = _evaluate(paths, at, snapshot, selection, connection, details=False)
    gate = evaluate_gate(result, fail_on.value if fail_on else None, on_error.value, exempt)
    typer.echo(REDACT(gate.verdict))
    typer.echo("")
    for line in objective_lines(gate):
        typer.echo(line)
    _echo_errors(result)
    warnings = [REDACT(w) for w in gate.warnings()]
    for line in warnings:
        typer.echo(f"warning: {line}", err=True)
    if junit is not None:
        import platform

        from slokit.fsutil import write_atomic
        from slokit.report.junit import render_junit

        write_atomic(junit, render_junit(gate, platform.node() or "localhost", REDACT, warnings))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from slokit import github

        for line in github.workflow_commands(gate, os.environ.get("GITHUB_WORKSPACE"), REDACT):
            typer.echo(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            github.append_step_summary(Path(summary), github.step_summary(gate, REDACT))
    return int(gate.exit_code)


class MailTeams(StrEnum):
    operational = "operational"
    application = "application"
    both = "both"


@app.command(name="email")
def email_command(
    paths: Paths,
    team: Annotated[
        MailTeams,
        typer.Option(
            "--team",
            metavar="TEAM",
            help="Which teams get mail: operational (DevOps), application (software team) or both.",
        ),
    ] = MailTeams.both,
    joint: Annotated[
        bool,
        typer.Option("--joint", help="One email with the whole report to all those teams, not one per team."),
    ] = False,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to", metavar="ADDR", help="Send to ADDR instead of the owners' addresses (repeatable)."
        ),
    ] = None,
    reply_to: Annotated[
        list[str] | None,
        typer.Option(
            "--reply-to",
            metavar="ADDR",
            help="Reply-To address (repeatable) [env: SLOKIT_SMTP_REPLY_TO]; default: every owner of the "
            "email's services, so a reply reaches both teams.",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", metavar="WORD", help="Word before 'report' in the subject, e.g. weekly."),
    ] = None,
    service: ServiceOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Build the emails and list them, but send nothing.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="DIR", help="With --dry-run: write each email to DIR as a .eml file."
        ),
    ] = None,
    at: At = None,
    snapshot: SnapshotOpt = None,
    smtp_host: Annotated[
        str | None, typer.Option("--smtp-host", metavar="HOST", help="SMTP server [env: SLOKIT_SMTP_HOST].")
    ] = None,
    smtp_port: Annotated[
        int | None,
        typer.Option(
            "--smtp-port",
            metavar="PORT",
            help="SMTP port [env: SLOKIT_SMTP_PORT] (default 587; 465 with ssl, 25 with none).",
        ),
    ] = None,
    smtp_from: Annotated[
        str | None,
        typer.Option(
            "--smtp-from",
            metavar="ADDR",
            help="Sender, 'Name <addr>' or addr [env: SLOKIT_SMTP_FROM]. Required.",
        ),
    ] = None,
    smtp_tls: Annotated[
        str | None,
        typer.Option(
            "--smtp-tls",
            metavar="MODE",
            help="starttls (default), ssl (implicit TLS) or none [env: SLOKIT_SMTP_TLS].",
        ),
    ] = None,
    smtp_ca_bundle: Annotated[
        str | None,
        typer.Option(
            "--smtp-ca-bundle",
            metavar="FILE",
            help="CA bundle to verify the SMTP server's certificate [env: SLOKIT_SMTP_CA_BUNDLE].",
        ),
    ] = None,
    templates: TemplatesOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    config: ConfigOpt = None,
) -> int:
    """Email each team its report (markdown text + HTML with inline charts) over SMTP.

    One email per team to the owners' addresses, covering the services it owns: the joint summary, then its
    own objectives. Credentials: SLOKIT_SMTP_USER and SLOKIT_SMTP_PASSWORD (environment only). Exit codes:
    0 sent, 2 bad usage, 3 sent but the data source failed for some objectives, 4 delivery failed.
    """
    from datetime import UTC

    from slokit.fsutil import write_atomic
    from slokit.mail import DeliveryFailed, Outgoing, build, deliver, failure_lines, file_name, plan
    from slokit.mail.smtp import Outcome
    from slokit.settings import REDACT, load_smtp_settings, parse_mailbox
    from slokit.spec.models import KINDS

    # Every usage problem is found before any query: a scheduled job should fail fast and say why.
    if out is not None and not dry_run:
        raise UsageError("--out writes the emails of a --dry-run: add --dry-run, or drop --out to send")
    if label is not None and (not label.strip() or not label.isprintable()):
        raise UsageError(f"--label must be a word or two on one line (got {label!r})")
    smtp = load_smtp_settings(
        host=smtp_host,
        port=smtp_port,
        sender=smtp_from,
        tls=smtp_tls,
        ca_bundle=smtp_ca_bundle,
        reply_to=reply_to or (),
        config=config,
    )
    if smtp.sender is None:
        raise UsageError("no sender: set --smtp-from or SLOKIT_SMTP_FROM, e.g. 'SLO <slo@example.com>'")
    if not dry_run and not smtp.host:
        raise UsageError("no SMTP server: set --smtp-host or SLOKIT_SMTP_HOST (or use --dry-run)")
    recipients = [parse_mailbox("--to", address) for address in to or ()]

    connection = _Connection(prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config)
    # Every objective is evaluated, whatever --team says: each team's email has the joint summary.
    result, _, _ = _evaluate(paths, at, snapshot, _selection(None, service, None), connection)
    kinds = tuple(kind for kind in KINDS if team in (MailTeams.both, kind))
    mails = plan(result, kinds=kinds, joint=joint, to=recipients, reply_to=smtp.reply_to)
    now = datetime.now(UTC)  # the Date header: when the message was written (RFC 5322)
    sender = smtp.sender
    outgoing = [
        Outgoing(
            mail.name,
            mail.envelope,
            None if mail.problem else build(mail, sender=sender, date=now, label=label, templates=templates),
            mail.problem,
        )
        for mail in mails
    ]

    def line(item: Outgoing) -> str:
        assert item.message is not None
        return REDACT(f"{item.name} -> {', '.join(item.recipients)}: {item.message['Subject']}")

    if dry_run:
        if out is not None:
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{out}: cannot create the directory ({exc.strerror})") from None
        for index, (mail, item) in enumerate(zip(mails, outgoing, strict=True), start=1):
            if item.message is None:
                continue
            if out is None:
                typer.echo(f"would send: {line(item)}")
                continue
            path = out / file_name(index, mail)
            write_atomic(path, item.message.as_bytes())
            typer.echo(f"wrote {path}: {line(item)}")
        _echo_errors(result)
        unsendable = [f"not sent to {item.name}: {item.problem}" for item in outgoing if item.problem]
        if unsendable:
            raise DeliveryFailed(unsendable)
        return int(result.exit_code)

    def show(outcome: Outcome) -> None:
        if outcome.sent:
            typer.echo(f"sent: {line(outcome.outgoing)}")

    delivery = deliver(outgoing, smtp, on_outcome=show)
    _echo_errors(result)
    if not delivery.ok:
        raise DeliveryFailed([REDACT(text) for text in failure_lines(delivery)])
    # Delivered: a source error still makes the run exit 3 (the reports show the objectives as errors).
    return int(result.exit_code)


def _echo_errors(result: Report) -> None:

    for item in result.objectives:
        if item.error:
            typer.echo(f"error: {item.error}", err=True)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; the single place where errors become exit codes."""
    _State.debug = False
    try:
        result = app(args=argv, prog_name="slokit", standalone_mode=False)
    except SlokitError as exc:
        from slokit.settings import REDACT

        if _State.debug:
            typer.echo(REDACT(traceback.format_exc()), err=True, nl=False)
        # Definition problems start with FILE:LINE:, which editors and CI annotate; keep those bare.
        prefix = "" if isinstance(exc, DefinitionError) else "error: "
        for line in exc.lines():
            typer.echo(REDACT(prefix + line), err=True)
        return int(exc.exit_code)
    except typer.TyperException as exc:  # bad options or arguments, reported by typer's own parser
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `slokit`: the help is the answer
            typer.echo(exc.format_message())
            return ExitCode.OK
        known = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
        command = next((a for a in argv or [] if a in known), None)
        where = f"slokit {command} --help" if command else "slokit --help"
        message = " ".join(exc.format_message().split())
        typer.echo(f"error: {message} (see '{where}')", err=True)
        return ExitCode.USAGE
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line (and no secret) unless --debug asks for the traceback
        from slokit.settings import REDACT

        if _State.debug:
            typer.echo(REDACT(traceback.format_exc()), err=True, nl=False)
        typer.echo(REDACT(f"error: internal error: {type(exc).__name__}: {exc}"), err=True)
        if not _State.debug:
            typer.echo("(this is a bug in slokit; run with --debug for the traceback)", err=True)
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK


def main() -> None:
    sys.exit(run(sys.argv[1:]))
