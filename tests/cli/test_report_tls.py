"""Prometheus over HTTPS: certificates are verified, against the system store or --ca-bundle."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import warnings
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run

from .test_report_faults import AT, DEFINITIONS, matrix, parse_step, window_totals


@pytest.fixture
def https_url(tmp_path: Path) -> tuple[str, Path]:
    """A fake Prometheus on https://127.0.0.1 with a self-signed certificate; returns (url, its cert)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is needed to make the test certificate (apt-get install openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", ssl_context=context)

    def dispatch(request: Request) -> Response:
        parse_step(request)
        return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)

    server.expect_request("/api/v1/query_range").respond_with_handler(dispatch)
    server.expect_request("/api/v1/query").respond_with_handler(window_totals(dispatch))
    server.start()
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    yield server.url_for("/").rstrip("/"), cert
    server.clear()
    server.stop()


def report(tmp_path: Path, url: str, *extra: str) -> list[str]:
    config = str(tmp_path / "slokit.yaml")
    command = ["report", str(tmp_path / "slo.yaml"), "-f", "json", "--at", AT, "--prometheus-url", url]
    return [*command, "--config", config, *extra]


def test_an_untrusted_certificate_fails_the_objectives(
    https_url: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = https_url
    assert run(report(tmp_path, url)) == 3
    out, err = capsys.readouterr()
    untrusted = "its TLS certificate is not trusted (give the CA with --ca-bundle)"
    reason = f"cannot connect to Prometheus at {url}: {untrusted}"
    assert err.splitlines() == [f"error: 2 objectives: {reason}"]
    assert [o["status"] for o in json.loads(out)["objectives"]] == ["error", "error"]


def test_ca_bundle_makes_it_trusted(
    https_url: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, cert = https_url
    assert run(report(tmp_path, url, "--ca-bundle", str(cert))) == 0
    document = json.loads(capsys.readouterr().out)
    assert [o["sli"] for o in document["objectives"]] == [pytest.approx(0.995)] * 2


def test_insecure_skips_verification(
    https_url: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = https_url
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # urllib3's per-request warning would fail here
        assert run(report(tmp_path, url, "--insecure")) == 0
    out, err = capsys.readouterr()
    assert [o["status"] for o in json.loads(out)["objectives"]] == ["ok", "ok"]
    assert err == "warning: TLS certificate verification is off (--insecure)\n"
