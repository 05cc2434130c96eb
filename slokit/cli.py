"""The ``slokit`` command line: typer wiring only. Each command parses its options and calls one function
in :mod:`slokit.commands`, which does the work and returns an exit code; :func:`run` is the one place where
errors become exit codes.

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
from slokit.commands.common import Connection
from slokit.errors import DefinitionError, ExitCode, SlokitError
from slokit.options import (
    At,
    CaOpt,
    ConcurrencyOpt,
    ConfigOpt,
    ExportFormat,
    FailOn,
    Format,
    HeaderOpt,
    ImportFormat,
    InsecureOpt,
    KindChoice,
    NotifyFormat,
    ObjectiveOpt,
    OnError,
    Paths,
    ResolutionMode,
    ResolutionOpt,
    ReviewFormat,
    ReviewPeriod,
    RulesFormat,
    ServiceOpt,
    SnapshotOpt,
    SourceMode,
    SourceOpt,
    TeamOpt,
    TemplatesOpt,
    TimeoutOpt,
    UrlOpt,
)

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


def _mode(source: SourceMode | None) -> str | None:
    return None if source is None else source.value


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


@app.command()
def validate(
    paths: Paths,
    prometheus_url: Annotated[
        str | None,
        typer.Option(
            "--prometheus-url",
            metavar="URL",
            help="Also have this server parse every expression and look up every selector (token, headers "
            "and TLS settings as for report). Without it, validate is offline.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="With --prometheus-url: look selectors up over the range a report at this time reads (RFC "
            "3339 or Unix seconds; default: now). A time more than a minute ahead of the clock is refused.",
        ),
    ] = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    config: ConfigOpt = None,
) -> int:
    """Check SLO definition files; print a summary, or every problem as FILE:LINE: field: message.

    Offline it parses every selector strictly and checks full queries (balanced delimiters, quotes, the
    {{ window }} placeholder). Exit codes: 0 fine, 2 problems (or a server refusing an expression, or a
    total/good selector matching no series), 3 the server could not be asked.
    """
    from slokit.commands.validate import validate

    connection = Connection(prometheus_url, header, ca_bundle, insecure, timeout, None, config)
    return validate(paths, connection if prometheus_url else None, at)


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
    source: SourceOpt = None,
    resolution: ResolutionOpt = ResolutionMode.adaptive,
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
    from slokit.commands.report import report

    return report(
        paths,
        format=format.value,
        team=team,
        services=service,
        objectives=objective,
        at=at,
        snapshot=snapshot,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        out=out,
        templates=templates,
        adaptive=resolution is ResolutionMode.adaptive,
    )


@app.command()
def review(
    paths: Paths,
    periods: Annotated[
        int,
        typer.Option(
            "--periods",
            metavar="N",
            help="How many periods: the N most recent complete ones before --at (at most 120, 10 years).",
        ),
    ] = 6,
    period: Annotated[
        ReviewPeriod | None,
        typer.Option(
            "--period",
            metavar="month|week|quarter|window",
            help="Calendar months, ISO weeks or quarters (in a calendar window's own timezone, else UTC), or "
            "consecutive windows of each objective's length ending at --at (default: a calendar window's "
            "own period, else month).",
        ),
    ] = None,
    at: At = None,
    team: TeamOpt = None,
    service: ServiceOpt = None,
    objective: ObjectiveOpt = None,
    format: Annotated[
        ReviewFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="table, markdown, html or json."),
    ] = ReviewFormat.table,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the review to FILE (atomically) instead."),
    ] = None,
    snapshot: SnapshotOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    source: SourceOpt = None,
    config: ConfigOpt = None,
    templates: TemplatesOpt = None,
) -> int:
    """The SLO review: each objective period by period (SLI, budget, incidents, alerts that would have
    fired, freeze time, releases), its alert tiers' precision, recall and detection time, target advice,
    what ate the budget, and each team's priorities.

    Exit codes: 0 fine, 2 bad definitions or usage, 3 the data source failed for some objective (the review
    still shows every other one).
    """
    from slokit.commands.review import review

    return review(
        paths,
        format=format.value,
        periods=periods,
        period=None if period is None else period.value,
        team=team,
        services=service,
        objectives=objective,
        at=at,
        snapshot=snapshot,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        out=out,
        templates=templates,
    )


@app.command()
def record(
    paths: Paths,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Snapshot file to write (.json or .json.gz).")
    ],
    at: At = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Write the snapshot even when the data source failed for some objectives (they replay "
            "as errors). Without it, such a run writes nothing and exits 3.",
        ),
    ] = False,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    source: SourceOpt = None,
    resolution: ResolutionOpt = ResolutionMode.full,
    config: ConfigOpt = None,
) -> int:
    """Fetch the event series of every objective and save them to a snapshot file for later replay.

    Exit codes: 0 written, 2 bad definitions or usage, 3 the data source failed for some objective (nothing
    written, any file at --out left as it was, unless --allow-partial).
    """
    from slokit.commands.record import record

    connection = Connection(
        prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
    )
    adaptive = resolution is ResolutionMode.adaptive
    return record(
        paths, out=out, at=at, allow_partial=allow_partial, connection=connection, adaptive=adaptive
    )


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
    source: SourceOpt = None,
    resolution: ResolutionOpt = ResolutionMode.adaptive,
    config: ConfigOpt = None,
) -> int:
    """CI release gate: exit 1 when a gating objective's error budget is spent (policy freeze_on).

    Exit codes: 0 pass, 1 gate failed, 2 bad definitions or usage, 3 data source failed. Prints a verdict
    line, then one line per objective. Under GitHub Actions also annotations and a step summary.
    """
    from slokit.commands.check import check

    return check(
        paths,
        team=team,
        services=service,
        objectives=objective,
        fail_on=fail_on.value if fail_on else None,
        on_error=on_error.value,
        exempt=exempt,
        junit=junit,
        at=at,
        snapshot=snapshot,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        adaptive=resolution is ResolutionMode.adaptive,
    )


@app.command()
def rules(
    paths: Paths,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the rules to FILE (atomically) instead."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", metavar="DIR", help="Write one file per service into DIR (SERVICE.yaml)."),
    ] = None,
    format: Annotated[
        RulesFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="prometheus (a rule file for Prometheus, Thanos Ruler, the Mimir/Cortex ruler, vmalert) or "
            "kubernetes (PrometheusRule objects for the Prometheus Operator).",
        ),
    ] = RulesFormat.prometheus,
    service: ServiceOpt = None,
    team: TeamOpt = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace", metavar="NAMESPACE", help="With --format kubernetes: the objects' namespace."
        ),
    ] = None,
    label: Annotated[
        list[str] | None,
        typer.Option(
            "--label",
            metavar="NAME=VALUE",
            help="With --format kubernetes: a label on the objects, e.g. for the operator's ruleSelector "
            "(repeatable).",
        ),
    ] = None,
    alertmanager: Annotated[
        bool,
        typer.Option(
            "--alertmanager",
            help="Print the Alertmanager routing instead: a route per owner team on the alerts' team label, "
            "page and ticket sub-routes, receiver stubs (docs/alertmanager.md).",
        ),
    ] = False,
    alertmanager_primary: Annotated[
        str | None,
        typer.Option(
            "--alertmanager-primary",
            metavar="KIND",
            help="With --alertmanager: the owner of KIND (operational: DevOps) receives every alert first; "
            "the other owners get a copy of their own objectives' alerts.",
        ),
    ] = None,
) -> int:
    """Generate Prometheus recording and alerting rules (burn-rate alerts per alert tier, error-budget
    alerts) for the objectives, labelled with the team that owns each one.

    Offline: reads only the definitions. Exit codes: 0 written, 2 bad definitions or usage.
    """
    from slokit.commands.rules import rules

    return rules(
        paths,
        out=out,
        out_dir=out_dir,
        format=format.value,
        services=service,
        team=team,
        namespace=namespace,
        labels=label or (),
        alertmanager=alertmanager,
        alertmanager_primary=alertmanager_primary,
    )


@app.command()
def dashboards(
    paths: Paths,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out-dir",
            metavar="DIR",
            help="Write each dashboard to DIR/UID.json (atomically) for Grafana's file provisioning, "
            "instead of printing them one after another.",
        ),
    ] = None,
    datasource: Annotated[
        str | None,
        typer.Option(
            "--datasource",
            metavar="UID",
            help="The Prometheus data source every panel reads: its UID or name in Grafana (default: a "
            "data source variable on each dashboard).",
        ),
    ] = None,
) -> int:
    """Generate Grafana dashboards, one per owner team and one overview, over the series `slokit rules`
    records: error budget remaining, burn rates against the alert tiers, SLI against target, alerts firing.

    Offline: reads only the definitions. Exit codes: 0 written, 2 bad definitions or usage.
    """
    from slokit.commands.dashboards import dashboards

    return dashboards(paths, out_dir=out_dir, datasource=datasource)


@app.command(name="email")
def email_command(
    paths: Paths,
    team: Annotated[
        str,
        typer.Option(
            "--team",
            metavar="TEAM",
            help="Which teams get mail: operational (the DevOps teams), application (the software teams), "
            "both, or one team by its name (e.g. platform-ops).",
        ),
    ] = "both",
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
            help="Sender, 'Name <addr>' or addr [env: SLOKIT_SMTP_FROM]. Required to send; a --dry-run "
            "without it uses 'slokit <slokit@localhost>'.",
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
    source: SourceOpt = None,
    resolution: ResolutionOpt = ResolutionMode.adaptive,
    config: ConfigOpt = None,
) -> int:
    """Email each team its report (markdown text + HTML with inline charts) over SMTP.

    One email per team to the owners' addresses, covering the services it owns: the joint summary, then its
    own objectives. Credentials: SLOKIT_SMTP_USER and SLOKIT_SMTP_PASSWORD (environment only). Exit codes:
    0 sent, 2 bad usage, 3 sent but the data source failed for some objectives, 4 delivery failed.
    """
    from slokit.commands.email import SmtpOptions, email

    return email(
        paths,
        teams=team,
        joint=joint,
        to=to or (),
        label=label,
        services=service,
        dry_run=dry_run,
        out=out,
        at=at,
        snapshot=snapshot,
        smtp_options=SmtpOptions(smtp_host, smtp_port, smtp_from, smtp_tls, smtp_ca_bundle, reply_to or ()),
        templates=templates,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        adaptive=resolution is ResolutionMode.adaptive,
    )


@app.command()
def postmortem(
    paths: Paths,
    objective: Annotated[
        str,
        typer.Option(
            "--objective", metavar="SERVICE/OBJECTIVE", help="The objective whose incident to draft."
        ),
    ],
    incident: Annotated[
        int | None,
        typer.Option(
            "--incident",
            metavar="N",
            help="Which incident: its number, 1 the oldest in the objective's window now (a snapshot: at its "
            "time). Default: the largest that needs a postmortem, else the largest.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="Which incident: the one in progress at TIME (RFC 3339 or Unix seconds), as the report's "
            "'draft it' commands name it. Evaluated now (a snapshot: at its time), or a day after TIME when "
            "TIME is older than the window then. Not with --incident.",
        ),
    ] = None,
    snapshot: SnapshotOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    source: SourceOpt = None,
    config: ConfigOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the draft to FILE (atomically) instead."),
    ] = None,
    templates: TemplatesOpt = None,
) -> int:
    """Draft a blameless postmortem (markdown) for one incident of an objective, filled from its data.

    The objective's service is read at full resolution, so the incident's bounds are exact to the step. Exit
    codes: 0 drafted, 2 bad definitions or usage (an unknown objective, no such incident), 3 the data source
    failed.
    """
    from slokit.commands.postmortem import postmortem

    return postmortem(
        paths,
        objective=objective,
        incident=incident,
        at=at,
        snapshot=snapshot,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        out=out,
        templates=templates,
    )


@app.command()
def notify(
    paths: Paths,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            metavar="URL",
            help="The chat webhook to post to [env: SLOKIT_WEBHOOK_URL, which keeps it out of shell "
            "history]. A secret: never printed.",
        ),
    ] = None,
    format: Annotated[
        NotifyFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="slack (Block Kit), teams (an Adaptive Card, for Teams incoming webhooks and Workflows) or "
            "json (the figures, with a text field most chat webhooks show).",
        ),
    ] = NotifyFormat.slack,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            metavar="TEAM",
            help="One team's summary: an owner's team name (e.g. platform-ops) or a kind (operational, "
            "application); it covers the services the team owns objectives in. Default: every team.",
        ),
    ] = None,
    service: ServiceOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the message body instead of posting it (no webhook needed)."),
    ] = False,
    at: At = None,
    snapshot: SnapshotOpt = None,
    prometheus_url: UrlOpt = None,
    header: HeaderOpt = None,
    ca_bundle: CaOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    source: SourceOpt = None,
    resolution: ResolutionOpt = ResolutionMode.adaptive,
    config: ConfigOpt = None,
) -> int:
    """Post the SLO summary to a chat webhook: status counts, the exhausted and warning objectives with
    their budget left and time to exhaustion, release freezes and postmortems due.

    Retries on HTTP 429 and 5xx, honouring Retry-After (3 tries within 60 s). Exit codes: 0 posted, 2 bad
    usage, 3 posted but the data source failed for some objectives, 4 delivery failed.
    """
    from slokit.commands.notify import notify

    return notify(
        paths,
        webhook=webhook,
        format=format.value,
        team=team,
        services=service,
        dry_run=dry_run,
        at=at,
        snapshot=snapshot,
        connection=Connection(
            prometheus_url, header, ca_bundle, insecure, timeout, concurrency, config, source=_mode(source)
        ),
        adaptive=resolution is ResolutionMode.adaptive,
    )


@app.command(name="import")
def import_command(
    format: Annotated[ImportFormat, typer.Argument(metavar="sloth|openslo", help="The files' format.")],
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILES", help="Sloth specs or OpenSLO documents (files or directories)."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the one service the import gives to FILE."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", metavar="DIR", help="Write one file per service into DIR (SERVICE.yaml)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that are already there.")] = False,
    kind: Annotated[
        KindChoice | None,
        typer.Option(
            "--kind",
            metavar="operational|application",
            help="The kind of every objective whose SLO does not say its own (slokit.dev/kind label).",
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            metavar="TEAM",
            help="The owner team of every objective (default: Sloth's owner label, OpenSLO's "
            "slokit.dev/team annotation).",
        ),
    ] = None,
    email: Annotated[
        list[str] | None,
        typer.Option("--email", metavar="ADDR", help="The owners' email address (repeatable)."),
    ] = None,
) -> int:
    """Convert Sloth specs or OpenSLO documents into slokit/v1 definitions, with comments pointing at
    their source. Every document is checked as `slokit validate` would before anything is written.

    Without --out/--out-dir the definitions go to stdout, separated by ---. Exit codes: 0 converted, 2 an
    SLO could not be converted (each one an error line with file and line; the others are still written)
    or bad usage.
    """
    from slokit.commands.import_ import import_

    return import_(
        format.value,
        files,
        out=out,
        out_dir=out_dir,
        force=force,
        kind=None if kind is None else kind.value,
        team=team,
        emails=email or (),
    )


@app.command(name="export")
def export_command(
    format: Annotated[ExportFormat, typer.Argument(metavar="openslo", help="The format to write.")],
    paths: Paths,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the documents to FILE (atomically) instead."),
    ] = None,
) -> int:
    """Write the definitions as OpenSLO v1 documents: a Service per service, an SLO with its SLI inline
    per objective, one Prometheus DataSource (no URL, no secret). Owner kinds, teams and what OpenSLO has
    no field for go into slokit.dev/ labels and annotations, so that `slokit import openslo` gives the
    same objectives back.

    Offline. Exit codes: 0 written, 2 bad definitions or usage.
    """
    from slokit.commands.export import export

    return export(paths, out=out)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; the single place where errors become exit codes."""
    _State.debug = False
    try:
        return _run(argv)
    finally:
        settings = sys.modules.get("slokit.settings")
        if settings is not None:  # a later run in this process redacts its own secrets, not these
            settings.REDACT.clear()


def _run(argv: list[str] | None) -> int:
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
