from __future__ import annotations

import re
from pathlib import Path

import pytest

from slokit.errors import UsageError
from slokit.settings import Redactor, compress_responses, load_prometheus_settings, parse_header, redact_url


def test_cli_beats_environment_beats_file(tmp_path: Path) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text(
        "prometheus:\n  url: http://file:9090\n  timeout: 5\n  concurrency: 2\n"
        "  headers: {X-Scope-OrgID: from-file}\n"
    )
    env = {"SLOKIT_PROMETHEUS_URL": "http://env:9090", "SLOKIT_PROMETHEUS_TIMEOUT": "7"}
    s = load_prometheus_settings(config=config, env=env)
    assert (s.url, s.timeout, s.concurrency) == ("http://env:9090", 7.0, 2)
    s = load_prometheus_settings(url="http://cli:9090/", timeout=9, config=config, env=env)
    assert (s.url, s.timeout) == ("http://cli:9090", 9.0)
    s = load_prometheus_settings(headers=["X-Scope-OrgID: team-a"], config=config, env={})
    assert s.headers == (("X-Scope-OrgID", "from-file"), ("X-Scope-OrgID", "team-a"))


def test_secrets_come_from_the_environment_only(tmp_path: Path) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {url: 'http://x', password: hunter22}\n")
    with pytest.raises(UsageError, match="secrets belong in SLOKIT_PROMETHEUS_TOKEN/_PASSWORD"):
        load_prometheus_settings(config=config, env={})
    s = load_prometheus_settings(url="http://x", env={"SLOKIT_PROMETHEUS_TOKEN": "t0ken-value"})
    assert s.secrets == ("t0ken-value",)
    s = load_prometheus_settings(
        url="http://x", env={"SLOKIT_PROMETHEUS_USER": "me", "SLOKIT_PROMETHEUS_PASSWORD": "pw-value"}
    )
    assert (s.user, s.secrets) == ("me", ("pw-value",))
    assert "pw-value" not in repr(s)


def test_tls_verification_is_on_unless_asked_off() -> None:
    assert load_prometheus_settings(url="https://x", env={}).verify_tls is True
    assert load_prometheus_settings(url="https://x", insecure=True, env={}).verify_tls is False
    assert (
        load_prometheus_settings(url="https://x", env={"SLOKIT_PROMETHEUS_VERIFY_TLS": "false"}).verify_tls
        is False
    )


@pytest.mark.parametrize("raw", ["no colon", ": empty name", "Bad Name: x"])
def test_bad_header_is_a_usage_error(raw: str) -> None:
    with pytest.raises(UsageError, match="--header must look like 'Name: value'"):
        parse_header(raw)


def test_unknown_settings_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {url: 'http://x', timeuot: 3}\n")
    with pytest.raises(UsageError, match="unknown keys timeuot"):
        load_prometheus_settings(config=config, env={})


def test_redaction() -> None:
    assert redact_url("https://u:p@host:9090/x") == "https://***@host:9090/x"
    assert (
        redact_url("see http://token@host/ and https://a:b@c/") == "see http://***@host/ and https://***@c/"
    )
    redactor = Redactor()
    redactor.add("s3cret-token", None, "")
    assert redactor("Authorization: Bearer s3cret-token at https://me:pw@h/") == (
        "Authorization: Bearer *** at https://***@h/"
    )


def test_compression_is_auto_unless_set(tmp_path: Path) -> None:
    assert load_prometheus_settings(url="http://x", env={}).compression is None
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {url: 'http://x', compression: false}\n")
    assert load_prometheus_settings(config=config, env={}).compression is False
    env = {"SLOKIT_PROMETHEUS_COMPRESSION": "true"}
    assert load_prometheus_settings(config=config, env=env).compression is True
    env = {"SLOKIT_PROMETHEUS_COMPRESSION": "auto"}
    assert load_prometheus_settings(config=config, env=env).compression is None


@pytest.mark.parametrize(
    ("url", "compressed"),
    [
        ("http://127.0.0.1:9090", False),
        ("http://127.8.0.1:9090", False),
        ("http://localhost:9090", False),
        ("http://[::1]:9090", False),
        ("http://prometheus.monitoring.svc:9090", True),
        ("https://10.0.0.5", True),
        ("https://mimir.example.com/prometheus", True),
    ],
)
def test_auto_compression_is_off_only_for_loopback(url: str, compressed: bool) -> None:
    assert compress_responses(load_prometheus_settings(url=url, env={})) is compressed
    forced = load_prometheus_settings(url=url, env={"SLOKIT_PROMETHEUS_COMPRESSION": "true"})
    assert compress_responses(forced) is True


def test_source_setting_is_auto_unless_set_and_layers_like_the_others(tmp_path: Path) -> None:
    assert load_prometheus_settings(url="http://x", env={}).source == "auto"
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {url: 'http://x', source: Recorded}\n")
    assert load_prometheus_settings(config=config, env={}).source == "recorded"
    env = {"SLOKIT_PROMETHEUS_SOURCE": "raw"}
    assert load_prometheus_settings(config=config, env=env).source == "raw"
    assert load_prometheus_settings(source="auto", config=config, env=env).source == "auto"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"env": {"SLOKIT_PROMETHEUS_SOURCE": "rules"}}, "SLOKIT_PROMETHEUS_SOURCE must be auto, raw or "),
        ({"source": "both"}, "--source must be auto, raw or recorded (got 'both')"),
        ({"file": "source: true"}, "slokit.yaml: prometheus.source must be auto, raw or recorded (got True)"),
    ],
)
def test_source_setting_refuses_other_values_naming_where_they_came_from(
    tmp_path: Path, given: dict[str, object], message: str
) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text(f"prometheus: {{url: 'http://x', {given.get('file', 'timeout: 1')}}}\n")
    env = given.get("env", {})
    source = given.get("source")
    assert isinstance(env, dict)
    assert source is None or isinstance(source, str)
    with pytest.raises(UsageError, match=re.escape(message)):
        load_prometheus_settings(source=source, config=config, env=env)
