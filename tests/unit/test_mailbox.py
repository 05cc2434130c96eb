"""Owner and operator addresses: syntax only (internal mail domains are fine), display names kept all the
way into the ``To:`` header, one string accepted where a list of addresses is expected."""

from __future__ import annotations

import dataclasses
import email.policy
import textwrap
from datetime import UTC, datetime
from email.parser import BytesParser
from functools import cache
from pathlib import Path

import pytest

from slokit import pipeline
from slokit.errors import UsageError
from slokit.mail import plan
from slokit.mail.message import build
from slokit.mailbox import Mailbox, MailboxError, parse
from slokit.report.model import Report
from slokit.settings import load_smtp_settings, parse_mailbox
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "address",
    [
        "ops@corp.local",  # refused before as "special-use or reserved"
        "oncall@team.test",
        "ops@corp.internal",
        "ops@example.corp",
        "root@localhost",
        "ops@mailhost",  # a bare host name, as inside many companies
        "ops@SUB.Corp.LOCAL",
        "jürgen@bücher.example",
    ],
)
def test_internal_mail_domains_are_accepted(address: str) -> None:
    assert parse(address) == Mailbox("", address)


@pytest.mark.parametrize(
    ("written", "name", "address"),
    [
        ("Jürgen Müller <jm@corp.local>", "Jürgen Müller", "jm@corp.local"),
        ('"Müller, Jürgen" <jm@corp.local>', "Müller, Jürgen", "jm@corp.local"),
        ("Müller, Jürgen <jm@corp.local>", "Müller, Jürgen", "jm@corp.local"),
        ('"Ops \\"24/7\\"" <ops@x>', 'Ops "24/7"', "ops@x"),
        ("  <ops@x>  ", "", "ops@x"),
        ("Ops<ops@x>", "Ops", "ops@x"),
    ],
)
def test_display_names_are_kept(written: str, name: str, address: str) -> None:
    assert parse(written) == Mailbox(name, address)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("platform-ops", "An email address must have an @-sign."),
        ("ops@", "There must be something after the @-sign."),
        ("ops@corp..local", "An email address cannot have two periods in a row."),
        ("ops team@corp.local", "The email address contains invalid characters before the @-sign: SPACE."),
        ("a@x, b@x", "One address per entry: write a list, like [a@example.com, b@example.com]."),
        (
            "Jürgen <jm@corp.local",
            "An address in angle brackets must end the entry, like Name <ops@example.com>.",
        ),
        (
            "Jürgen <jm@corp.local> (ops)",
            "An address in angle brackets must end the entry, like Name <ops@example.com>.",
        ),
        ('"Jürgen <jm@corp.local>', "The display name has an unbalanced quote."),
        (
            "Jürgen\r\nBcc: all@x <jm@corp.local>",
            "The display name contains a line break, a control character or an angle bracket.",
        ),
    ],
)
def test_malformed_addresses_say_why(written: str, reason: str) -> None:
    with pytest.raises(MailboxError) as caught:
        parse(written)
    assert caught.value.reason == reason


def test_a_special_use_name_keeps_the_length_rules() -> None:
    # The swap for neutral letters must not hide a label over 63 characters.
    with pytest.raises(MailboxError, match="periods cannot be separated by so many characters"):
        parse(f"ops@{'a' * 64}.local")


# --- in definition files ---------------------------------------------------------------------------------


def owner_email(tmp_path: Path, email_yaml: str) -> list[str]:
    path = tmp_path / "svc.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: slokit/v1
            service: svc
            owners:
              operational:
                team: platform-ops
                email: {email_yaml}
            objectives:
              - name: up
                kind: operational
                target: 99.9
                sli: {{timeslices: {{query: up, good: ">= 1"}}}}
            """
        )
    )
    owner = load([path]).services[0].spec.owners.operational
    assert owner is not None
    return owner.email


def test_owner_email_accepts_a_single_string(tmp_path: Path) -> None:
    assert owner_email(tmp_path, "ops@corp.local") == ["ops@corp.local"]


def test_owner_email_keeps_internal_domains_and_display_names(tmp_path: Path) -> None:
    written = '[ops@corp.local, "Jürgen Müller <jm@corp.internal>", oncall@team.test]'
    assert owner_email(tmp_path, written) == [
        "ops@corp.local",
        "Jürgen Müller <jm@corp.internal>",
        "oncall@team.test",
    ]


# --- SMTP settings ---------------------------------------------------------------------------------------


def test_smtp_sender_and_reply_to_accept_internal_domains_with_display_names() -> None:
    settings = load_smtp_settings(
        sender="SLO reports <slokit@corp.local>", reply_to=["Jürgen Müller <jm@corp.local>"], env={}
    )
    assert settings.sender == "SLO reports <slokit@corp.local>"
    assert settings.reply_to == ("Jürgen Müller <jm@corp.local>",)


def test_a_bad_operator_address_is_a_usage_error_with_the_reason() -> None:
    with pytest.raises(UsageError) as caught:
        parse_mailbox("--to", "ops team@corp.local")
    assert str(caught.value) == (
        "--to: not an email address: 'ops team@corp.local' "
        "(The email address contains invalid characters before the @-sign: SPACE.)"
    )


# --- the email -------------------------------------------------------------------------------------------


@cache
def demo() -> Report:
    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    return report


def test_the_to_header_keeps_display_names_encoded(tmp_path: Path) -> None:
    emails = owner_email(
        tmp_path, '["Jürgen Müller <jm@corp.local>", "Müller, Anna <am@corp.local>", JM@corp.local]'
    )
    report = demo()
    objectives = tuple(
        dataclasses.replace(o, emails=tuple(emails)) if o.team == "platform-ops" else o
        for o in report.objectives
    )
    mails = plan(Report(report.evaluated_at, objectives), kinds=("operational",))
    mail = next(m for m in mails if m.name == "platform-ops")
    # The same address twice (JM@ is jm@) gets one copy.
    assert mail.recipients == ("Jürgen Müller <jm@corp.local>", "Müller, Anna <am@corp.local>")
    assert mail.envelope == ("jm@corp.local", "am@corp.local")

    message = build(
        mail, sender="SLO reports <slokit@corp.local>", date=datetime(2026, 11, 20, 9, tzinfo=UTC)
    )
    raw = bytes(message)
    headers = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")  # unfolded
    to_line = next(line for line in headers.split(b"\r\n") if line.startswith(b"To: "))
    # RFC 2047 keeps the header 7-bit; the comma inside a name is encoded, so it is not a second address.
    assert to_line == (
        b"To: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@corp.local>, "
        b"=?utf-8?q?M=C3=BCller=2C?= Anna <am@corp.local>"
    )
    parsed = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("Jürgen Müller", "jm@corp.local"),
        ("Müller, Anna", "am@corp.local"),
    ]
    assert [(a.display_name, a.addr_spec) for a in parsed["From"].addresses] == [
        ("SLO reports", "slokit@corp.local")
    ]
