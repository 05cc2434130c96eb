"""``slokit email``: one report email per owner team (or one joint email) over SMTP, or a dry run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection
from slokit.errors import UsageError

if TYPE_CHECKING:
    from slokit.mail import Mail, Outgoing
    from slokit.report.model import Report


# A dry run's emails need a From: header, but trying the reports out should not need a mail setup first.
DRY_RUN_SENDER = "slokit <slokit@localhost>"


@dataclass(frozen=True)
class SmtpOptions:
    """The SMTP options as given on the command line (settings layer them with env/file)."""

    host: str | None = None
    port: int | None = None
    sender: str | None = None
    tls: str | None = None
    ca_bundle: str | None = None
    reply_to: Sequence[str] = ()


def email(
    paths: Sequence[Path],
    *,
    teams: str,
    joint: bool,
    to: Sequence[str],
    label: str | None,
    services: Sequence[str] | None,
    dry_run: bool,
    out: Path | None,
    at: str | None,
    snapshot: Path | None,
    smtp_options: SmtpOptions,
    templates: Path | None,
    connection: Connection,
    adaptive: bool = False,
) -> int:
    from slokit.commands.report import attributed, with_invocation
    from slokit.mail import DeliveryFailed, Outgoing, build, deliver, failure_lines, plan
    from slokit.mail.smtp import Outcome
    from slokit.report.model import check_team
    from slokit.settings import REDACT, load_smtp_settings, parse_mailbox
    from slokit.spec.models import KINDS

    # Every usage problem is found before any query: a scheduled job should fail fast and say why.
    if out is not None and not dry_run:
        raise UsageError("--out writes the emails of a --dry-run: add --dry-run, or drop --out to send")
    if label is not None and (not label.strip() or not label.isprintable()):
        raise UsageError(f"--label must be a word or two on one line (got {label!r})")
    smtp = load_smtp_settings(
        host=smtp_options.host,
        port=smtp_options.port,
        sender=smtp_options.sender,
        tls=smtp_options.tls,
        ca_bundle=smtp_options.ca_bundle,
        reply_to=smtp_options.reply_to,
        config=connection.config,
    )
    if smtp.sender is None and not dry_run:
        raise UsageError("no sender: set --smtp-from or SLOKIT_SMTP_FROM, e.g. 'SLO <slo@example.com>'")
    if not dry_run and not smtp.host:
        raise UsageError("no SMTP server: set --smtp-host or SLOKIT_SMTP_HOST (or use --dry-run)")
    recipients = [parse_mailbox("--to", address) for address in to]

    # Every objective is evaluated, whatever --team says: each team's email has the joint summary.
    result, _, _ = evaluate(
        paths,
        at,
        snapshot,
        selection(None, services, None),
        connection,
        check=lambda definitions: check_team(teams, definitions, (*KINDS, "both")),
        adaptive=adaptive,
        then=attributed,  # the email is the markdown and HTML reports
    )
    result = with_invocation(result, paths, snapshot)
    by_kind = teams == "both" or teams in KINDS
    kinds = tuple(kind for kind in KINDS if teams in ("both", kind)) if by_kind else KINDS
    mails = plan(
        result,
        kinds=kinds,
        joint=joint,
        to=recipients,
        reply_to=smtp.reply_to,
        team=None if by_kind else teams,
    )
    now = datetime.now(UTC)  # the Date header: when the message was written (RFC 5322)
    sender = smtp.sender or DRY_RUN_SENDER
    outgoing = [
        Outgoing(
            mail.name,
            mail.envelope,
            None if mail.problem else build(mail, sender=sender, date=now, label=label, templates=templates),
            mail.problem,
        )
        for mail in mails
    ]
    if dry_run:
        _write_dry_run(result, mails, outgoing, out)
        unsendable = [f"not sent to {item.name}: {item.problem}" for item in outgoing if item.problem]
        if unsendable:
            raise DeliveryFailed(unsendable)
        return int(result.exit_code)

    def show(outcome: Outcome) -> None:
        if outcome.sent:
            typer.echo(f"sent: {_line(outcome.outgoing)}")

    delivery = deliver(outgoing, smtp, on_outcome=show)
    echo_errors(result)
    if not delivery.ok:
        raise DeliveryFailed([REDACT(text) for text in failure_lines(delivery)])
    # Delivered: a source error still makes the run exit 3 (the reports show the objectives as errors).
    return int(result.exit_code)


def _line(item: Outgoing) -> str:
    from slokit.settings import REDACT

    assert item.message is not None
    return REDACT(f"{item.name} -> {', '.join(item.recipients)}: {item.message['Subject']}")


def _write_dry_run(
    result: Report, mails: Sequence[Mail], outgoing: Sequence[Outgoing], out: Path | None
) -> None:
    """List what would be sent, or write each email to ``out`` as a .eml file."""
    from slokit.fsutil import failure, write_atomic
    from slokit.mail import file_name

    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise failure(out, exc, "cannot create the directory") from None
    for index, (mail, item) in enumerate(zip(mails, outgoing, strict=True), start=1):
        if item.message is None:
            continue
        if out is None:
            typer.echo(f"would send: {_line(item)}")
            continue
        path = out / file_name(index, mail)
        write_atomic(path, item.message.as_bytes())
        typer.echo(f"wrote {path}: {_line(item)}")
    echo_errors(result)
