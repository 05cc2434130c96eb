"""``slokit notify``: the SLO summary posted to a chat webhook (Slack, Microsoft Teams, or plain JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from slokit.commands.common import Connection, echo_errors, evaluate, selection


def notify(
    paths: Sequence[Path],
    *,
    webhook: str | None,
    format: str,
    team: str | None,
    services: Sequence[str] | None,
    dry_run: bool,
    at: str | None,
    snapshot: Path | None,
    connection: Connection,
    adaptive: bool = False,
) -> int:
    from slokit.notify import build, encode, post, summarize, webhook_url
    from slokit.notify.sender import encrypted, host
    from slokit.report.model import check_team
    from slokit.settings import REDACT
    from slokit.spec.models import KINDS

    # The URL is checked (and registered for redaction) before any query: a scheduled job fails fast.
    url = None if dry_run else webhook_url(webhook)
    if url is not None and not encrypted(url):
        typer.echo(
            f"warning: the webhook URL is plain http: its key crosses the network to {host(url)} unencrypted",
            err=True,
        )
    # Every objective of the chosen services is evaluated: a team's summary counts the other kind's
    # objectives of its services too (they freeze its releases as well).
    result, _, _ = evaluate(
        paths,
        at,
        snapshot,
        selection(None, services, None),
        connection,
        check=None if team is None else lambda definitions: check_team(team, definitions, KINDS),
        adaptive=adaptive,
    )
    summary = summarize(result, team)
    payload = encode(build(summary, format))
    if url is None:
        typer.echo(payload.decode())
        echo_errors(result)
        return int(result.exit_code)
    delivered = post(url, payload)
    waited = f" after {delivered.attempts} attempts" if delivered.attempts > 1 else ""
    typer.echo(
        REDACT(f"posted to {host(url)} ({format}, HTTP {delivered.status}{waited}): {summary.headline}")
    )
    # Delivered: a source error still makes the run exit 3 (the summary counts those objectives as errors).
    echo_errors(result)
    return int(result.exit_code)
