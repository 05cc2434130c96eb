"""SMTP settings: options over SLOKIT_SMTP_* over slokit.yaml's ``smtp:`` section; credentials from the
environment only; TLS modes and their default ports; the password registered for redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.errors import UsageError
from slokit.settings import REDACT, load_smtp_settings


def test_cli_beats_environment_beats_file(tmp_path: Path) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text(
        "prometheus: {url: 'http://prometheus:9090'}\n"
        "smtp: {host: file-mail, port: 2525, from: file@example.com, tls: ssl, retries: 5, backoff: 0.5,"
        " reply_to: [team@example.com]}\n"
    )
    s = load_smtp_settings(config=config, env={})
    assert (s.host, s.port, s.sender, s.tls, s.retries, s.backoff) == (
        "file-mail",
        2525,
        "file@example.com",
        "ssl",
        5,
        0.5,
    )
    assert s.reply_to == ("team@example.com",)
    env = {
        "SLOKIT_SMTP_HOST": "env-mail",
        "SLOKIT_SMTP_FROM": "SLO <env@example.com>",
        "SLOKIT_SMTP_TLS": "none",
    }
    s = load_smtp_settings(config=config, env=env)
    assert (s.host, s.port, s.sender, s.tls) == ("env-mail", 2525, "SLO <env@example.com>", "none")
    s = load_smtp_settings(host="cli-mail", port=25, sender="cli@example.com", config=config, env=env)
    assert (s.host, s.port, s.sender) == ("cli-mail", 25, "cli@example.com")


@pytest.mark.parametrize(("tls", "port"), [(None, 587), ("starttls", 587), ("SSL", 465), ("none", 25)])
def test_default_port_follows_the_tls_mode(tls: str | None, port: int) -> None:
    s = load_smtp_settings(tls=tls, env={})
    assert s.port == port
    assert s.tls == (tls or "starttls").lower()


def test_credentials_come_from_the_environment_only(tmp_path: Path) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text("smtp: {host: mail, password: hunter22}\n")
    with pytest.raises(UsageError, match="SMTP credentials belong in SLOKIT_SMTP_USER/_PASSWORD"):
        load_smtp_settings(config=config, env={})
    s = load_smtp_settings(env={"SLOKIT_SMTP_USER": "bot", "SLOKIT_SMTP_PASSWORD": "smtp-pass-value"})
    assert (s.user, s.password, s.secrets) == ("bot", "smtp-pass-value", ("smtp-pass-value",))
    assert "smtp-pass-value" not in repr(s)
    assert REDACT("login smtp-pass-value failed") == "login *** failed"


def test_verification_is_on_and_the_ca_bundle_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"SMTP CA bundle .*nope.pem: no such file"):
        load_smtp_settings(ca_bundle=str(tmp_path / "nope.pem"), env={})
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert load_smtp_settings(env={"SLOKIT_SMTP_CA_BUNDLE": str(bundle)}).ca_bundle == str(bundle)


@pytest.mark.parametrize(
    ("kwargs", "env", "message"),
    [
        ({"port": 0}, {}, "SMTP port must be at least 1"),
        ({"port": 70000}, {}, "SMTP port must be at most 65535"),
        ({}, {"SLOKIT_SMTP_PORT": "smtp"}, "SMTP port must be a number"),
        ({"tls": "tls"}, {}, "SMTP TLS mode must be one of starttls, ssl, none"),
        ({"sender": "slokit"}, {}, "SMTP sender: not an email address: 'slokit'"),
        ({"reply_to": ["ok@example.com", "bad"]}, {}, "reply-to: not an email address: 'bad'"),
        ({}, {"SLOKIT_SMTP_USER": "bot"}, "SLOKIT_SMTP_USER is set but SLOKIT_SMTP_PASSWORD is not"),
    ],
)
def test_bad_settings_are_usage_errors(kwargs: dict[str, object], env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_smtp_settings(**kwargs, env=env)  # type: ignore[arg-type]


def test_reply_to_from_the_environment_is_comma_separated() -> None:
    s = load_smtp_settings(env={"SLOKIT_SMTP_REPLY_TO": "a@example.com, B <b@example.com>"})
    assert s.reply_to == ("a@example.com", "B <b@example.com>")
