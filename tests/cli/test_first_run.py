"""The first hour: an email dry run without a mail setup, a settings error that says where the bad value came
from, and a Prometheus URL copied from the browser or the API docs."""

from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "SMTP_FROM", "PROMETHEUS_URL", "PROMETHEUS_COMPRESSION", "PROMETHEUS_TIMEOUT"):
        monkeypatch.delenv(f"SLOKIT_{name}", raising=False)
    monkeypatch.chdir(ROOT)


def test_email_dry_run_needs_no_sender(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["email", *DEMO, "--dry-run", "--team", "operational", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"wrote {tmp_path}/01-platform-ops.eml: platform-ops -> platform-ops@example.com: ")
    message = BytesParser(policy=default).parsebytes((tmp_path / "01-platform-ops.eml").read_bytes())
    assert str(message["From"]) == "slokit <slokit@localhost>"
    assert message["Message-ID"].endswith("@localhost>")
    # Sending still needs one: the placeholder is no address a mail server would take.
    assert run(["email", *DEMO, "--smtp-host", "mail.example.com"]) == 2
    assert capsys.readouterr().err == (
        "error: no sender: set --smtp-from or SLOKIT_SMTP_FROM, e.g. 'SLO <slo@example.com>'\n"
    )


def report(*args: str) -> list[str]:
    return ["report", "slo_definitions", "-f", "json", *args]


@pytest.mark.parametrize("value", ["gzip", "yes please"])
def test_bad_compression_lists_auto_and_names_the_environment_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SLOKIT_PROMETHEUS_COMPRESSION", value)
    assert run(report("--prometheus-url", "http://127.0.0.1:9")) == 2
    assert capsys.readouterr().err == (
        f"error: SLOKIT_PROMETHEUS_COMPRESSION must be auto, true or false (got {value!r})\n"
    )


def test_bad_settings_name_the_file_and_key_or_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {url: 'http://127.0.0.1:9', compression: gzip}\n")
    assert run(report("--config", str(config))) == 2
    assert capsys.readouterr().err == (
        f"error: {config}: prometheus.compression must be auto, true or false (got 'gzip')\n"
    )
    config.write_text("prometheus: {url: 'http://127.0.0.1:9', timeout: fast}\n")
    assert run(report("--config", str(config))) == 2
    assert capsys.readouterr().err == f"error: {config}: prometheus.timeout must be a number (got 'fast')\n"
    monkeypatch.setenv("SLOKIT_PROMETHEUS_TIMEOUT", "fast")  # the environment beats the file: it is named
    assert run(report("--config", str(config))) == 2
    assert capsys.readouterr().err == "error: SLOKIT_PROMETHEUS_TIMEOUT must be a number (got 'fast')\n"


@pytest.mark.parametrize(
    ("path", "suffix", "base"),
    [
        ("/api/v1", "/api/v1", ""),
        ("/api/v1/", "/api/v1", ""),
        ("/api/v1/query", "/api/v1/query", ""),
        ("/prometheus/api/v1/query_range", "/api/v1/query_range", "/prometheus"),
        ("/graph?g0.expr=up&g0.tab=0", "/graph", ""),
        ("/query", "/query", ""),
    ],
)
def test_a_url_that_is_not_the_base_gets_a_hint_to_give_the_base_url(
    capsys: pytest.CaptureFixture[str], httpserver: HTTPServer, path: str, suffix: str, base: str
) -> None:
    server = httpserver.url_for("/").rstrip("/")
    assert run(report("--prometheus-url", server + path)) == 2
    shown = re.sub(r"=[^&]*", "=***", path)  # query values are masked wherever a URL is printed
    assert capsys.readouterr().err == (
        f"error: Prometheus URL '{server}{shown}' ends in {suffix}: give the server's base URL, "
        f"e.g. '{server}{base}' (slokit adds the /api/v1/... paths itself)\n"
    )
    assert httpserver.log == []  # refused before any query


def test_a_base_url_with_a_path_prefix_is_fine(
    capsys: pytest.CaptureFixture[str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    url = httpserver.url_for("/select/0/prometheus").rstrip("/")
    code = run(
        [
            *report(
                "--prometheus-url", url, "--config", str(tmp_path / "slokit.yaml"), "--team", "checkout-dev"
            )
        ]
    )
    assert code == 3  # the fake answers nothing: the URL was taken and queried
    assert httpserver.log and httpserver.log[0][0].path.startswith("/select/0/prometheus/api/v1/")
    assert "base URL" not in capsys.readouterr().err
