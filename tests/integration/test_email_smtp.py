"""``slokit email`` against real SMTP servers on 127.0.0.1, started by fixtures.

aiosmtpd serves plain SMTP, STARTTLS and implicit TLS with a self-signed certificate made by the ``openssl``
CLI (the client is told to trust it with ``--smtp-ca-bundle``), and AUTH with a fixed user and password.
A server that is down is a closed port; a server that drops the connection in the middle of a message is a
small socket server below (aiosmtpd only hands a message over once it is complete). Every run replays the
demo snapshot: platform-ops owns the operational objectives of checkout, payments and search, and
checkout-dev, payments-dev and discovery-dev the application ones, so a run sends four emails.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from slokit.cli import run

from .servers import require_binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(ROOT / "slo_definitions"), "--snapshot", str(ROOT / "slo_definitions" / "snapshot.json.gz")]
SENDER = "slo@example.com"
USER = "slokit-bot"
PASSWORD = "correct-h0rse-battery"
WRONG_PASSWORD = "wr0ng-passw0rd-staple"

# The demo's teams in sending order (operational first), their owners' addresses and their subjects.
TEAMS = {
    "platform-ops": (
        {"platform-ops@example.com"},
        "[slokit] checkout, payments, search: 1 exhausted, 1 warning - platform-ops report 2026-11-20",
    ),
    "checkout-dev": (
        {"checkout-dev@example.com", "checkout-lead@example.com"},
        "[slokit] checkout: 1 warning - checkout-dev report 2026-11-20",
    ),
    "discovery-dev": (
        {"discovery-dev@example.com"},
        "[slokit] search: all ok - discovery-dev report 2026-11-20",
    ),
    "payments-dev": (
        {"payments-dev@example.com"},
        "[slokit] payments: 1 exhausted - payments-dev report 2026-11-20",
    ),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    user: str | None


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every message it accepts, with how it came in."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = BytesParser(policy=default).parsebytes(content)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message,
                server.transport is not None and server.transport.get_extra_info("ssl_object") is not None,
                login,
            )
        )
        return "250 2.0.0 OK: queued"


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, auth_data=auth_data if ok else None, handled=False)


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI."""
    openssl = require_binary("openssl", "openssl")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    args = "req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1"
    args += " -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
    subprocess.run(
        [openssl, *args.split(), "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    return Certificate(cert, key)


@dataclass
class Server:
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Server]]:
    """Starts an aiosmtpd server on 127.0.0.1 with the given SMTP/Controller keywords; stops it after."""
    started: list[Controller] = []

    def start(**kwargs: Any) -> Server:
        recorder = Recorder()
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return Server(controller.port, recorder)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(autouse=True)
def quick_retries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings file with short retries, no SMTP environment from the machine running the tests."""
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "TLS", "CA_BUNDLE", "REPLY_TO", "TIMEOUT"):
        monkeypatch.delenv(f"SLOKIT_SMTP_{name}", raising=False)
    (tmp_path / "slokit.yaml").write_text("smtp: {retries: 2, backoff: 0.01, timeout: 5}\n")
    monkeypatch.chdir(tmp_path)


def email(capsys: pytest.CaptureFixture[str], port: int, *args: str) -> tuple[int, str, str]:
    code = run(
        ["email", *DEMO, "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-from", SENDER, *args]
    )
    out, err = capsys.readouterr()
    return code, out, err


def assert_demo_delivered(server: Server, *, tls: bool, user: str | None = None) -> None:
    """The four team emails: envelope, headers, text part, HTML part and the charts it references."""
    by_subject = {r.message["Subject"]: r for r in server.received}
    assert sorted(by_subject) == sorted(subject for _, subject in TEAMS.values())
    for team, (recipients, subject) in TEAMS.items():
        got = by_subject[subject]
        assert got.mail_from == SENDER
        assert set(got.rcpt_tos) == recipients
        assert (got.tls, got.user) == (tls, user)
        message = got.message
        assert message["From"] == SENDER
        assert {a.addr_spec for a in message["To"].addresses} == recipients
        assert message["Reply-To"] and message["Date"] and message["Message-ID"].endswith("@example.com>")
        assert message.get_content_type() == "multipart/alternative"
        text_part, related = message.iter_parts()
        assert text_part.get_content_type() == "text/plain"
        text = text_part.get_content().replace("\r\n", "\n")
        assert text.startswith(f"# SLO report: {team}\n")
        assert f"\n## {team} (" in text  # the team's own section
        assert related.get_content_type() == "multipart/related"
        html_part, *images = related.iter_parts()
        html = html_part.get_content()
        assert html_part.get_content_type() == "text/html"
        assert re.search(rf'<h2 id="team-1"[^>]*>{re.escape(team)} <span', html)  # the team's own section
        referenced = set(re.findall(r'src="cid:([^"]+)"', html))
        attached = {i["Content-ID"].strip("<>") for i in images}
        assert referenced and referenced == attached
        assert all(i.get_content_type() == "image/png" for i in images)
        assert all(i.get_content().startswith(b"\x89PNG") for i in images)


def sent_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("sent: ")]


def test_plain_smtp_delivers_one_email_per_team(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server]
) -> None:
    server = smtp_server()
    code, out, err = email(capsys, server.port, "--smtp-tls", "none")
    assert (code, err) == (0, "")
    assert len(server.received) == 4
    assert_demo_delivered(server, tls=False)
    assert sent_lines(out) == [
        "sent: platform-ops -> platform-ops@example.com: " + TEAMS["platform-ops"][1],
        "sent: checkout-dev -> checkout-dev@example.com, checkout-lead@example.com: "
        + TEAMS["checkout-dev"][1],
        "sent: discovery-dev -> discovery-dev@example.com: " + TEAMS["discovery-dev"][1],
        "sent: payments-dev -> payments-dev@example.com: " + TEAMS["payments-dev"][1],
    ]


def test_starttls_with_a_trusted_self_signed_certificate(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server], certificate: Certificate
) -> None:
    server = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    code, _, err = email(capsys, server.port, "--smtp-ca-bundle", str(certificate.cert))
    assert (code, err) == (0, "")
    assert_demo_delivered(server, tls=True)


def test_starttls_refuses_a_certificate_it_was_not_told_to_trust(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server], certificate: Certificate
) -> None:
    server = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    code, out, err = email(capsys, server.port)
    assert code == 4
    assert sent_lines(out) == []
    assert err.splitlines() == [
        f"error: 127.0.0.1:{server.port}: TLS certificate not trusted (self-signed certificate); give its CA "
        "with --smtp-ca-bundle or SLOKIT_SMTP_CA_BUNDLE",
        "error: 0 of 4 emails sent; not sent: platform-ops, checkout-dev, discovery-dev, payments-dev",
    ]
    assert server.received == []


def test_starttls_is_required_unless_tls_is_turned_off(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server]
) -> None:
    server = smtp_server()  # no TLS at all: the client must not fall back to plain text
    code, _, err = email(capsys, server.port)
    assert code == 4
    assert err.splitlines()[0] == (
        f"error: 127.0.0.1:{server.port}: the server does not offer STARTTLS (SLOKIT_SMTP_TLS=ssl for "
        "implicit TLS, or none on a trusted network)"
    )
    assert server.received == []


def test_implicit_tls(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server], certificate: Certificate
) -> None:
    server = smtp_server(ssl_context=certificate.server_context())
    code, _, err = email(capsys, server.port, "--smtp-tls", "ssl", "--smtp-ca-bundle", str(certificate.cert))
    assert (code, err) == (0, "")
    assert_demo_delivered(server, tls=True)


def auth_server(smtp_server: Callable[..., Server], certificate: Certificate) -> Server:
    return smtp_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )


def test_auth_with_the_right_password(
    capsys: pytest.CaptureFixture[str],
    smtp_server: Callable[..., Server],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = auth_server(smtp_server, certificate)
    monkeypatch.setenv("SLOKIT_SMTP_USER", USER)
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", PASSWORD)
    code, out, err = email(capsys, server.port, "--smtp-ca-bundle", str(certificate.cert))
    assert (code, err) == (0, "")
    assert_demo_delivered(server, tls=True, user=USER)
    assert PASSWORD not in out


def test_auth_with_a_wrong_password_exits_4_without_the_password(
    capsys: pytest.CaptureFixture[str],
    smtp_server: Callable[..., Server],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = auth_server(smtp_server, certificate)
    monkeypatch.setenv("SLOKIT_SMTP_USER", USER)
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", WRONG_PASSWORD)
    args = ["--smtp-port", str(server.port), "--smtp-from", SENDER, "--smtp-ca-bundle", str(certificate.cert)]
    for debug in ([], ["--debug"]):
        code = run([*debug, "email", *DEMO, "--smtp-host", "127.0.0.1", *args])
        out, err = capsys.readouterr()
        assert code == 4
        assert WRONG_PASSWORD not in out + err
        lines = err.splitlines()
        assert lines[-2:] == [
            "error: authentication as 'slokit-bot' refused: 535 5.7.8 Authentication credentials invalid",
            "error: 0 of 4 emails sent; not sent: platform-ops, checkout-dev, discovery-dev, payments-dev",
        ]
        assert len(lines) == 2 or debug  # a permanent failure: tried once, no retry lines
    assert server.received == []


def test_a_refused_connection_fails_in_seconds_without_retries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The default retries (3, from 2 s doubling) took 15.6 s here before a refusal stopped being retried.
    (tmp_path / "defaults.yaml").write_text("smtp: {}\n")
    port = free_port()  # nothing listens there
    started = time.perf_counter()
    code, out, err = email(capsys, port, "--smtp-tls", "none", "--config", str(tmp_path / "defaults.yaml"))
    elapsed = time.perf_counter() - started
    assert code == 4
    assert sent_lines(out) == []
    assert err.splitlines() == [
        f"error: 127.0.0.1:{port} refused the connection (is an SMTP server listening there?)",
        "error: 0 of 4 emails sent; not sent: platform-ops, checkout-dev, discovery-dev, payments-dev",
    ]
    assert elapsed < 5  # a bound, not a benchmark: evaluating the demo and one refused connect


class DroppingServer:
    """Just enough SMTP for smtplib, on a socket: accepts messages, except that it closes the connection
    halfway through the DATA of any message for ``drop_for``."""

    def __init__(self, drop_for: str) -> None:
        self.drop_for = drop_for
        self.accepted: list[list[str]] = []
        self.dropped = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                self.session(conn)

    def session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        conn.sendall(b"220 127.0.0.1 ESMTP test\r\n")
        recipients: list[str] = []
        for raw in reader:
            command = raw.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                conn.sendall(b"250 127.0.0.1\r\n")
            elif command.startswith("MAIL FROM:"):
                recipients = []
                conn.sendall(b"250 2.1.0 OK\r\n")
            elif command.startswith("RCPT TO:"):
                recipients.append(raw.decode().strip()[8:].strip("<> ").lower())
                conn.sendall(b"250 2.1.5 OK\r\n")
            elif command == "DATA":
                conn.sendall(b"354 go ahead\r\n")
                if self.drop_for in recipients:
                    reader.read(2000)  # part of the message, then the connection goes
                    self.dropped += 1
                    return
                for line in reader:
                    if line == b".\r\n":
                        break
                self.accepted.append(recipients)
                conn.sendall(b"250 2.0.0 queued\r\n")
            elif command == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:  # RSET, NOOP
                conn.sendall(b"250 OK\r\n")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.listener.close()


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer(drop_for="checkout-lead@example.com")
    yield server
    server.stop()


def test_a_connection_dropped_mid_message_is_retried_then_reported(
    capsys: pytest.CaptureFixture[str], dropping_server: DroppingServer
) -> None:
    code, out, err = email(capsys, dropping_server.port, "--smtp-tls", "none")
    assert code == 4
    assert dropping_server.dropped == 3  # the first attempt and two retries
    assert sorted(map(sorted, dropping_server.accepted)) == [
        ["discovery-dev@example.com"],
        ["payments-dev@example.com"],
        ["platform-ops@example.com"],
    ]
    assert [line.split(" -> ")[0] for line in sent_lines(out)] == [
        "sent: platform-ops",
        "sent: discovery-dev",
        "sent: payments-dev",
    ]
    assert err.splitlines() == [
        "error: not sent to checkout-dev (checkout-dev@example.com, checkout-lead@example.com): "
        f"127.0.0.1:{dropping_server.port} closed the connection during the message (3 attempts)",
        "error: 3 of 4 emails sent (platform-ops, discovery-dev, payments-dev); not sent: checkout-dev",
    ]


# --- issue 11: temporary AUTH failures, timeouts, non-ASCII subjects ---------------------------------------


@dataclass
class FlakyAuthenticator:
    """Answers AUTH with 454 (temporary failure, RFC 4954) ``failures`` times, then checks the password."""

    failures: int
    calls: int = 0

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.calls += 1
        if self.calls <= self.failures:
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        return authenticator(server, session, envelope, mechanism, auth_data)


def flaky_auth_server(
    smtp_server: Callable[..., Server], certificate: Certificate, failures: int
) -> tuple[Server, FlakyAuthenticator]:
    flaky = FlakyAuthenticator(failures)
    server = smtp_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=flaky,
        auth_required=True,
    )
    return server, flaky


def test_a_454_reply_to_auth_is_retried(
    capsys: pytest.CaptureFixture[str],
    smtp_server: Callable[..., Server],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # smtplib tries each mechanism the server offers (PLAIN, then LOGIN): two 454s fail the first connection.
    server, flaky = flaky_auth_server(smtp_server, certificate, failures=2)
    monkeypatch.setenv("SLOKIT_SMTP_USER", USER)
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", PASSWORD)
    code, _, err = email(capsys, server.port, "--smtp-ca-bundle", str(certificate.cert))
    assert (code, err) == (0, "")
    assert flaky.calls == 3
    assert_demo_delivered(server, tls=True, user=USER)


def test_a_454_reply_to_auth_that_persists_fails_after_the_retries(
    capsys: pytest.CaptureFixture[str],
    smtp_server: Callable[..., Server],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, flaky = flaky_auth_server(smtp_server, certificate, failures=1000)
    monkeypatch.setenv("SLOKIT_SMTP_USER", USER)
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", PASSWORD)
    code, out, err = email(capsys, server.port, "--smtp-ca-bundle", str(certificate.cert))
    assert code == 4
    assert sent_lines(out) == []
    assert err.splitlines() == [
        "error: authentication as 'slokit-bot' refused: 454 4.7.0 Temporary authentication failure "
        "(3 attempts)",
        "error: 0 of 4 emails sent; not sent: platform-ops, checkout-dev, discovery-dev, payments-dev",
    ]
    assert flaky.calls == 6  # three connections, two mechanisms each
    assert PASSWORD not in out + err
    assert server.received == []


@dataclass
class SlowForOne(Recorder):
    """Takes ``delay`` seconds to accept a message for ``slow_for``, far past the client's timeout."""

    slow_for: str = ""
    delay: float = 0.0
    stalled: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.slow_for in envelope.rcpt_tos:
            self.stalled += 1
            await asyncio.sleep(self.delay)
            return "451 4.3.0 too late"
        return await super().handle_DATA(server, session, envelope)


def test_a_timeout_during_the_message_says_it_timed_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "slokit.yaml").write_text("smtp: {retries: 2, backoff: 0.01, timeout: 1}\n")
    handler = SlowForOne(slow_for="checkout-lead@example.com", delay=3)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        code, out, err = email(capsys, controller.port, "--smtp-tls", "none")
    finally:
        controller.stop()
    assert code == 4
    assert handler.stalled == 3  # the first attempt and two retries
    assert [line.split(" -> ")[0] for line in sent_lines(out)] == [
        "sent: platform-ops",
        "sent: discovery-dev",
        "sent: payments-dev",
    ]
    assert err.splitlines() == [
        "error: not sent to checkout-dev (checkout-dev@example.com, checkout-lead@example.com): "
        f"127.0.0.1:{controller.port} did not answer within 1 s during the message (3 attempts)",
        "error: 3 of 4 emails sent (platform-ops, discovery-dev, payments-dev); not sent: checkout-dev",
    ]


def test_a_long_non_ascii_subject_arrives_with_its_spaces(
    capsys: pytest.CaptureFixture[str], smtp_server: Callable[..., Server], tmp_path: Path
) -> None:
    definitions = tmp_path / "slo"
    shutil.copytree(ROOT / "slo_definitions", definitions)
    for path in definitions.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("team: platform-ops", 'team: "Ünïcødé Öps Plattform-Betrieb"'), "utf-8")
    server = smtp_server()
    code = run(
        [
            "email",
            str(definitions),
            "--snapshot",
            str(definitions / "snapshot.json.gz"),
            "--team",
            "Ünïcødé Öps Plattform-Betrieb",
            "--label",
            "wöchentlicher Überblick",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(server.port),
            "--smtp-from",
            SENDER,
            "--smtp-tls",
            "none",
        ]
    )
    assert (code, capsys.readouterr().err) == (0, "")
    assert [r.message["Subject"] for r in server.received] == [
        "[slokit] checkout, payments, search: 1 exhausted, 1 warning - Ünïcødé Öps Plattform-Betrieb "
        "wöchentlicher Überblick report 2026-11-20"
    ]
