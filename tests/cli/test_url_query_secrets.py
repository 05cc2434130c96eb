"""A token in the Prometheus URL's query string (``?token=...``) is masked wherever the URL is printed, as
its ``user:password`` is: the error lines of ``report``, ``review`` and ``postmortem`` on stderr, and what
they write with ``-o`` (the objective's error), in every format."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import quote

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
AT = ["--at", "2026-11-20T09:00:00Z"]
ENCODED = "s3cr3t/t0k=n+x"  # written URL-encoded in the URL: s3cr3t%2Ft0k%3Dn%2Bx


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


COMMANDS = {
    "report table": ["report", "slo_definitions", *AT],
    "report markdown": ["report", "slo_definitions", *AT, "-f", "markdown"],
    "report json": ["report", "slo_definitions", *AT, "-f", "json"],
    "review table": ["review", "slo_definitions", *AT, "--periods", "1"],
    "review markdown": ["review", "slo_definitions", *AT, "--periods", "1", "-f", "markdown"],
    "review json": ["review", "slo_definitions", *AT, "--periods", "1", "-f", "json"],
    "postmortem": ["postmortem", "slo_definitions", *AT, "--objective", "checkout/availability"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_token_in_the_prometheus_urls_query_is_in_no_output(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {retries: 0}\n")
    port = _closed_port()
    url = f"http://u:pw@127.0.0.1:{port}/?token=abc&key={quote(ENCODED, safe='')}"
    written = tmp_path / "out"
    rc = run([*command, "--prometheus-url", url, "--config", str(config), "-o", str(written)])
    out, err = capsys.readouterr()
    assert rc == 3
    text = out + err + (written.read_text() if written.exists() else "")  # postmortem: no draft written
    for secret in ("abc", "pw", ENCODED, quote(ENCODED, safe=""), quote(ENCODED), "t0k"):
        assert secret not in text
    # The line still says where slokit tried to connect, the values masked as the password is.
    assert f"cannot connect to Prometheus at http://***@127.0.0.1:{port}/?token=***&key=***:" in err
