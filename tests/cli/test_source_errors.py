"""Source errors are printed once per run, identical ones collapsed into one line with the objectives' count.

A Prometheus that is down (nothing listens on the port: a real refused connection, no fake needed) fails every
objective of the demo the same way; that is one line, not eight, and not eight again on stderr.
"""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-11-20T09:00:00Z"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    """The demo definitions against a Prometheus URL where nothing listens; the refusal it gives."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    url = f"http://127.0.0.1:{closed_port()}"
    args = ["slo_definitions", "--at", AT, "--prometheus-url", url, "--config", str(tmp_path / "slokit.yaml")]
    return args, f"cannot connect to Prometheus at {url}: connection refused"


def test_identical_source_errors_are_one_line_with_the_objectives_count(
    down: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    args, refused = down
    assert run(["report", "-f", "json", *args]) == 3
    out, err = capsys.readouterr()
    assert err == f"error: 8 objectives: {refused}\n"
    # The JSON report still names each objective's error.
    errors = [o["error"] for o in json.loads(out)["objectives"]]
    assert errors[0] == f"checkout/availability: {refused}"
    assert len(errors) == 8 and all(e.endswith(refused) for e in errors)

    assert run(["check", *args]) == 3
    out, err = capsys.readouterr()
    assert err == f"error: 8 objectives: {refused}\n"
    assert refused not in out  # the verdict names the objectives; the reason is on stderr, once


def test_piped_table_ends_with_the_errors_and_stderr_has_them_once(
    down: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    args, refused = down
    assert run(["report", *args]) == 3
    out, err = capsys.readouterr()
    assert err == f"error: 8 objectives: {refused}\n"
    assert out.count(refused) == 1
    assert out.endswith(f"\nSource errors:\n  8 objectives: {refused}\n\n")


def test_table_on_a_terminal_shows_the_errors_once_and_not_again_on_stderr(
    down: tuple[list[str], str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args, refused = down
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for the error on one line
    assert run(["report", *args]) == 3
    out, err = capsys.readouterr()
    assert err == ""
    plain = ANSI.sub("", out)
    assert plain.count(refused) == 1
    assert "Source errors:\n  8 objectives: " + refused in plain


MIXED = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: ops}
objectives:
"""


def test_different_errors_stay_apart_and_a_single_one_names_its_objective(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        MIXED
        + "".join(
            f"  - {{name: {name}, kind: operational, target: 99, sli: {{ratio: {{good: {name}_ok, "
            f"total: {name}_total}}}}}}\n"
            for name in ("busy_a", "busy_b", "broken")
        )
    )
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")

    def dispatch(request: Request) -> Response:
        # Whatever API the source calls (range, instant or series queries), the answer is the same error.
        if "busy" in str(request.values):
            body = {"status": "error", "errorType": "unavailable", "error": "too many queries"}
            return Response(json.dumps(body), status=503, content_type="application/json")
        # Not a parse error: that would be a definition error (exit 2), not a source error.
        body = {
            "status": "error",
            "errorType": "execution",
            "error": "query processing would load too many samples",
        }
        return Response(json.dumps(body), status=422, content_type="application/json")

    httpserver.expect_request(re.compile("^/api/v1/")).respond_with_handler(dispatch)
    url = httpserver.url_for("/").rstrip("/")
    config = ["--config", str(tmp_path / "slokit.yaml")]
    assert run(["report", "-f", "json", str(slo), "--at", AT, "--prometheus-url", url, *config]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "error: 2 objectives: Prometheus answered HTTP 503: too many queries",
        "error: shop/broken: Prometheus answered HTTP 422: query processing would load too many samples",
    ]
