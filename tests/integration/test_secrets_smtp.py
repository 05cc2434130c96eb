"""An SMTP server that quotes the credentials back when it refuses them (issue 11, point 4).

aiosmtpd on 127.0.0.1 with STARTTLS (a self-signed certificate the client is told to trust) refuses every
login with a reply that echoes what it was sent: the base64 of ``AUTH PLAIN`` (``\\0user\\0password``), the
base64 of the password as ``AUTH LOGIN`` sends it, the password itself, URL-encoded, and cut short. The
password comes from the environment with a trailing newline and holds characters that URL-encode. Nothing
of it may reach stdout or stderr; the demo's reports are replayed from its snapshot.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from slokit.settings import REDACT

from .test_email_smtp import DEMO, SENDER, Certificate, Server, certificate, quick_retries, smtp_server

pytestmark = pytest.mark.integration

__all__ = ["certificate", "quick_retries", "smtp_server"]  # fixtures used here, defined there

USER = "slo-bot"
PASSWORD = "smtp/pw+77 a1&=%q"


@pytest.fixture(autouse=True)
def restore_redactor() -> Iterator[None]:
    """The secrets a test registers leave with it: their prefixes must not mask other tests' output."""
    secrets, credentials = set(REDACT.secrets), set(REDACT.credentials)
    yield
    REDACT.secrets, REDACT.credentials = secrets, credentials


def leaks(text: str) -> list[str]:
    forms = {
        PASSWORD,
        quote(PASSWORD, safe=""),
        quote_plus(PASSWORD),
        base64.b64encode(PASSWORD.encode()).decode(),
    }
    forms.add(base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()[12:])  # past the user's part
    return sorted({f[i : i + 8] for f in forms for i in range(len(f) - 7)} & _pieces(text))


def _pieces(text: str) -> set[str]:
    return {text[i : i + 8] for i in range(len(text) - 7)}


def echoing(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    assert isinstance(auth_data, LoginPassword)
    password = auth_data.password.decode()
    plain = base64.b64encode(b"\0" + auth_data.login + b"\0" + auth_data.password).decode()
    login = base64.b64encode(auth_data.password).decode()
    message = (
        f"535 5.7.8 {mechanism} refused: {plain} / {login} / {password} / {quote_plus(password)} / "
        f"{plain[:20]}..."
    )
    return AuthResult(success=False, handled=False, message=message)


def test_an_smtp_server_echoing_the_credentials_leaks_nothing(
    capsys: pytest.CaptureFixture[str],
    smtp_server: Callable[..., Server],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from slokit.cli import run

    monkeypatch.setenv("SLOKIT_SMTP_USER", USER)
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", PASSWORD + "\n")
    server = smtp_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=echoing,
        auth_required=True,
    )
    code = run(
        [
            "email",
            *DEMO,
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(server.port),
            "--smtp-from",
            SENDER,
            "--smtp-ca-bundle",
            str(certificate.cert),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 4, err
    assert server.received == []
    lines = err.splitlines()
    assert lines[0].startswith(f"error: authentication as '{USER}' refused: 535 5.7.8 LOGIN refused: ***")
    assert (
        lines[-1]
        == "error: 0 of 4 emails sent; not sent: platform-ops, checkout-dev, discovery-dev, payments-dev"
    )
    assert leaks(out + err) == [], err
