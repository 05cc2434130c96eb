"""slokit.mail: who gets which email (plan), the subject line, and delivery's retry and failure rules with a
fake SMTP connection (real servers: tests/integration/test_email_smtp.py)."""

from __future__ import annotations

import dataclasses
import smtplib
import socket
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from functools import cache
from pathlib import Path

import pytest

from slokit import pipeline
from slokit.engine import Status
from slokit.errors import UsageError
from slokit.mail import Mail, Outgoing, build, deliver, failure_lines, file_name, news, plan, subject
from slokit.mail.smtp import Connection, classify
from slokit.report.model import ObjectiveReport, Report
from slokit.settings import SmtpSettings
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
BOTH = ("operational", "application")


@cache
def demo() -> Report:
    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    return report


def with_status(item: ObjectiveReport, status: Status) -> ObjectiveReport:
    return dataclasses.replace(item, result=dataclasses.replace(item.result, status=status))


def by_name(mails: Sequence[Mail]) -> dict[str, Mail]:
    return {mail.name: mail for mail in mails}


# --- plan ---------------------------------------------------------------------------------------------------


def test_a_team_owning_several_services_gets_one_email() -> None:
    mails = by_name(plan(demo(), kinds=BOTH))
    assert list(mails) == ["platform-ops", "checkout-dev", "discovery-dev", "payments-dev"]
    ops = mails["platform-ops"]
    assert ops.services == ["checkout", "payments", "search"]
    assert ops.recipients == ("platform-ops@example.com",)
    assert [(s.kind, s.team, len(s.objectives)) for s in ops.sections] == [("operational", "platform-ops", 5)]
    assert len(ops.report.objectives) == 8  # the joint summary: both kinds of its services
    checkout = mails["checkout-dev"]
    assert checkout.services == ["checkout"]
    assert checkout.recipients == ("checkout-dev@example.com", "checkout-lead@example.com")
    assert checkout.reply_to == ("platform-ops@example.com", *checkout.recipients)
    assert {o.service for o in checkout.report.objectives} == {"checkout"}


def test_a_team_owning_both_kinds_gets_both_sections_in_one_email() -> None:
    report = demo()
    merged = tuple(
        dataclasses.replace(o, team="checkout-dev", emails=("checkout-dev@example.com",))
        if o.service == "checkout"
        else o
        for o in report.objectives
    )
    mails = by_name(plan(Report(report.evaluated_at, merged), kinds=BOTH))
    assert [(s.kind, s.team) for s in mails["checkout-dev"].sections] == [
        ("operational", "checkout-dev"),
        ("application", "checkout-dev"),
    ]
    only_ops = by_name(plan(Report(report.evaluated_at, merged), kinds=("operational",)))
    assert [(s.kind, s.team) for s in only_ops["checkout-dev"].sections] == [("operational", "checkout-dev")]
    assert list(only_ops) == ["checkout-dev", "platform-ops"]


def test_joint_and_to() -> None:
    (mail,) = plan(demo(), kinds=("application",), joint=True, to=["a@example.com", "A@example.com"])
    assert mail.name == "joint"  # three teams: too many to name
    assert mail.recipients == ("a@example.com",)  # addresses are deduplicated case-insensitively
    assert len(mail.sections) == 4  # the joint email shows every section, whoever gets it
    two = Report(demo().evaluated_at, tuple(o for o in demo().objectives if o.service == "checkout"))
    assert plan(two, kinds=BOTH, joint=True)[0].name == "platform-ops + checkout-dev"


def test_nothing_to_send_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no objectives selected"):
        plan(Report(demo().evaluated_at, ()), kinds=BOTH)
    ops_only = Report(demo().evaluated_at, tuple(o for o in demo().objectives if o.kind == "operational"))
    with pytest.raises(UsageError, match="no application objectives in the selection"):
        plan(ops_only, kinds=("application",))


def test_a_team_without_addresses_carries_the_problem() -> None:
    report = demo()
    silent = tuple(
        dataclasses.replace(o, emails=()) if o.team == "payments-dev" else o for o in report.objectives
    )
    mails = by_name(plan(Report(report.evaluated_at, silent), kinds=BOTH))
    assert mails["payments-dev"].problem == (
        "no address to send to: payments owners.application.email empty (add one, or pass --to)"
    )
    assert mails["platform-ops"].problem is None


# --- subject ------------------------------------------------------------------------------------------------


def test_news_is_worst_first_and_skips_zero_counts() -> None:
    items = demo().objectives
    statuses: list[Status] = ["ok", "no_data", "warning", "error", "warning", "exhausted", "ok", "ok"]
    report = Report(
        demo().evaluated_at, tuple(with_status(o, s) for o, s in zip(items, statuses, strict=True))
    )
    assert news(report) == "1 exhausted, 2 warning, 1 error, 1 no data"
    assert news(Report(report.evaluated_at, tuple(with_status(o, "ok") for o in items))) == "all ok"


def test_subject_names_up_to_three_services() -> None:
    mails = by_name(plan(demo(), kinds=BOTH))
    assert subject(mails["payments-dev"], "weekly") == (
        "[slokit] payments: 1 exhausted - payments-dev weekly report 2026-11-20"
    )
    renamed = tuple(
        dataclasses.replace(o, service=f"svc-{i % 4}", team="ops") for i, o in enumerate(demo().objectives)
    )
    (many,) = plan(Report(datetime(2026, 1, 2, 23, 59, tzinfo=UTC), renamed), kinds=BOTH, joint=True)
    assert subject(many) == "[slokit] 4 services: 1 exhausted, 1 warning - ops report 2026-01-02"


def headers_of(raw: bytes) -> list[bytes]:
    """The header lines as sent, folds undone: each line break of a fold is followed by a space."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b"\t").split(b"\r\n")


def test_control_characters_never_reach_a_header() -> None:
    mail = plan(demo(), kinds=BOTH)[0]
    hostile = dataclasses.replace(
        mail,
        name="ops\x00\x1b[31m\r\nBcc: all@example.com\u2028\u0085x\u202eevil",
        recipients=("Ops\u2028Team\u0085Lead <ops@example.com>",),
        reply_to=("On\u2029Call <oncall@example.com>",),
    )
    raw = build(hostile, sender="SLO <slo@example.com>", date=datetime(2026, 11, 20, tzinfo=UTC)).as_bytes()
    for line in headers_of(raw):
        assert all(32 <= byte < 127 or byte == 9 for byte in line), line
    message = BytesParser(policy=default).parsebytes(raw)
    assert message["Subject"] == (
        "[slokit] checkout, payments, search: 1 exhausted, 1 warning - ops [31m Bcc: all@example.com x evil "
        "report 2026-11-20"
    )
    assert message["Bcc"] is None
    assert [a.display_name for a in message["To"].addresses] == ["Ops Team Lead"]
    assert [a.display_name for a in message["Reply-To"].addresses] == ["On Call"]


@pytest.mark.parametrize("recipient", ["ops@example.com", "jörg@example.com"], ids=["SMTP", "SMTPUTF8"])
def test_a_long_non_ascii_subject_keeps_its_spaces(recipient: str) -> None:
    mail = dataclasses.replace(
        plan(demo(), kinds=BOTH)[0], name="Ünïcødé Öps Plattform-Betrieb", recipients=(recipient,)
    )
    expected = (
        "[slokit] checkout, payments, search: 1 exhausted, 1 warning - Ünïcødé Öps Plattform-Betrieb "
        "wöchentlicher Überblick report 2026-11-20"
    )
    assert subject(mail, "wöchentlicher Überblick") == expected
    built = build(
        mail,
        sender="slo@example.com",
        date=datetime(2026, 11, 20, tzinfo=UTC),
        label="wöchentlicher Überblick",
    )
    raw = built.as_bytes()
    assert BytesParser(policy=default).parsebytes(raw)["Subject"] == expected
    subject_lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\nFrom:")[0].split(b"\r\n")
    assert len(subject_lines) > 1  # long enough to be folded
    assert max(len(line) for line in subject_lines) <= 78
    assert raw.startswith(b"Subject: [slokit] checkout, payments, search:")  # the ASCII words stay legible


def test_file_names_are_safe_everywhere() -> None:
    mail = plan(demo(), kinds=BOTH)[0]
    assert file_name(1, mail) == "01-platform-ops.eml"
    assert (
        file_name(12, dataclasses.replace(mail, name="Équipe SRE / on-call")) == "12-Equipe-SRE-on-call.eml"
    )
    assert file_name(3, dataclasses.replace(mail, name="../..")) == "03-team.eml"


# --- delivery -----------------------------------------------------------------------------------------------

SETTINGS = SmtpSettings(host="mail.example.com", port=587, sender="slo@example.com", retries=2, backoff=1.5)


def outgoing(*names: str) -> list[Outgoing]:
    items = []
    for name in names:
        message = EmailMessage()
        message["Subject"] = name
        items.append(Outgoing(name, (f"{name}@example.com",), message))
    return items


class FakeServer:
    """Hands out connections that fail as scripted: ``script[n]`` is what the n-th send (or connect) does."""

    def __init__(self, connect: Sequence[BaseException | None] = (), send: Sequence[object] = ()) -> None:
        self.connect_script = list(connect)
        self.send_script = list(send)
        self.connects = 0
        self.sent: list[str] = []
        self.closed = 0

    def open(self, settings: SmtpSettings) -> Connection:
        self.connects += 1
        failure = self.connect_script.pop(0) if self.connect_script else None
        if failure is not None:
            raise failure
        return FakeConnection(self)


class FakeConnection:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        step = self.server.send_script.pop(0) if self.server.send_script else None
        if isinstance(step, BaseException):
            raise step
        self.server.sent.append(str(message["Subject"]))
        return step if isinstance(step, dict) else {}

    def close(self) -> None:
        self.server.closed += 1


def test_transient_failures_are_retried_with_doubling_backoff_on_a_new_connection() -> None:
    server = FakeServer(send=[smtplib.SMTPServerDisconnected("gone"), TimeoutError()])
    waits: list[float] = []
    delivery = deliver(outgoing("a", "b"), SETTINGS, open_connection=server.open, sleep=waits.append)
    assert delivery.ok
    assert server.sent == ["a", "b"]
    assert waits == [1.5, 3.0]
    assert server.connects == 3  # after a failure the session's state is unknown: a fresh connection
    assert [o.attempts for o in delivery.outcomes] == [3, 1]


def test_a_permanent_reply_is_not_retried_and_the_next_team_still_gets_its_email() -> None:
    refused = smtplib.SMTPDataError(554, b"5.6.0 message rejected")
    server = FakeServer(send=[refused])
    waits: list[float] = []
    delivery = deliver(outgoing("a", "b"), SETTINGS, open_connection=server.open, sleep=waits.append)
    assert (delivery.ok, waits, server.sent) == (False, [], ["b"])
    assert failure_lines(delivery) == [
        "not sent to a (a@example.com): 554 5.6.0 message rejected",
        "1 of 2 emails sent (b); not sent: a",
    ]


def test_retries_run_out() -> None:
    server = FakeServer(send=[smtplib.SMTPDataError(451, b"4.3.0 try later")] * 3)
    delivery = deliver(outgoing("a"), SETTINGS, open_connection=server.open, sleep=lambda _: None)
    assert failure_lines(delivery) == [
        "not sent to a (a@example.com): 451 4.3.0 try later (3 attempts)",
        "0 of 1 emails sent; not sent: a",
    ]


def test_a_connection_that_cannot_be_made_stops_the_run() -> None:
    auth = smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication\r\n credentials invalid")
    server = FakeServer(connect=[auth])
    settings = dataclasses.replace(SETTINGS, user="bot", password="s3cret-pw")
    delivery = deliver(outgoing("a", "b", "c"), settings, open_connection=server.open, sleep=lambda _: None)
    assert server.connects == 1  # permanent: no retry, and the others are not attempted
    assert failure_lines(delivery) == [
        "authentication as 'bot' refused: 535 5.7.8 Authentication credentials invalid",
        "0 of 3 emails sent; not sent: a, b, c",
    ]


def test_some_recipients_refused() -> None:
    server = FakeServer(send=[{"x@example.com": "550 5.1.1 no such user"}])
    delivery = deliver(outgoing("a"), SETTINGS, open_connection=server.open, sleep=lambda _: None)
    assert not delivery.ok
    assert failure_lines(delivery) == [
        "not delivered to x@example.com (a): 550 5.1.1 no such user",
        "1 of 1 emails sent (a)",
    ]


def test_unsendable_items_are_reported_without_a_connection() -> None:
    server = FakeServer()
    item = Outgoing("quiet", (), None, "no address to send to")
    delivery = deliver([item], SETTINGS, open_connection=server.open, sleep=lambda _: None)
    assert server.connects == 0
    assert failure_lines(delivery) == [
        "not sent to quiet (nobody): no address to send to",
        "0 of 1 emails sent; not sent: quiet",
    ]


AT = "mail.example.com:587"
CLASSIFIED: list[tuple[BaseException, bool, str, bool]] = [
    (
        ConnectionRefusedError(111, "Connection refused"),
        False,
        f"{AT} refused the connection (is an SMTP server listening there?)",
        False,
    ),
    (TimeoutError(), False, f"{AT} did not answer within 30 s", True),
    (smtplib.SMTPServerDisconnected("x"), True, f"{AT} closed the connection during the message", True),
    (
        ConnectionResetError(104, "Connection reset by peer"),
        True,
        f"connection to {AT} lost during the message (Connection reset by peer)",
        True,
    ),
    (smtplib.SMTPSenderRefused(421, b"4.7.0 too busy", "s@x.org"), False, "421 4.7.0 too busy", True),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 not yours", "s@x.org"), False, "553 5.7.1 not yours", False),
    (
        smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"mailbox busy")}),
        True,
        "every recipient refused: a@x.org: 450 mailbox busy",
        True,
    ),
    (
        smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"busy"), "b@x.org": (550, b"unknown")}),
        True,
        "every recipient refused: a@x.org: 450 busy; b@x.org: 550 unknown",
        False,
    ),
    (
        smtplib.SMTPAuthenticationError(454, b"4.7.0 Temporary authentication failure"),
        False,
        "authentication as None refused: 454 4.7.0 Temporary authentication failure",
        True,
    ),
    (
        smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid"),
        False,
        "authentication as None refused: 535 5.7.8 Authentication credentials invalid",
        False,
    ),
    (
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        False,
        "cannot resolve mail.example.com: Name or service not known",
        False,
    ),
    (
        socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        False,
        "cannot resolve mail.example.com: Temporary failure in name resolution",
        True,
    ),
    (
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        False,
        f"{AT}: TLS failed: [SSL: WRONG_VERSION_NUMBER] wrong version number (is 587 a starttls port?)",
        False,
    ),
]


@pytest.mark.parametrize(("exc", "in_message", "reason", "transient"), CLASSIFIED)
def test_classify(exc: BaseException, in_message: bool, reason: str, transient: bool) -> None:
    failure = classify(exc, SmtpSettings(host="mail.example.com"), in_message=in_message)
    assert (failure.reason, failure.transient) == (reason, transient)
