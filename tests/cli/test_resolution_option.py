"""``--resolution adaptive|full`` (issue 13): adaptive by default on report, check and email, full by default
on record (a snapshot keeps every step); either way on request. Adaptive asks each role's steps before the
last 3 days as one hourly range (``step=1h``) besides the 5m one; full asks only 5m ranges."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

from .test_record import serve
from .test_report_faults import AT, DEFINITIONS


def steps_asked(httpserver: HTTPServer) -> set[str]:
    """The ``step`` of every range query, as sent (the fake rewrites ``args`` to seconds for itself)."""
    ranges = (r for r, _ in httpserver.log if r.path == "/api/v1/query_range")
    return {parse_qs(r.query_string.decode())["step"][0] for r in ranges}


def command(name: str, slo: Path, tmp_path: Path) -> list[str]:
    if name == "report":
        return ["report", str(slo), "-f", "json"]
    if name == "check":
        return ["check", str(slo)]
    if name == "email":
        out = ["--dry-run", "--out", str(tmp_path / "mail"), "--smtp-from", "slo@example.com"]
        return ["email", str(slo), *out, "--to", "ops@example.com"]
    return ["record", str(slo), "--out", str(tmp_path / "snap.json")]


@pytest.mark.parametrize(
    ("name", "chosen", "steps"),
    [
        ("report", None, {"1h", "5m"}),
        ("report", "full", {"5m"}),
        ("check", None, {"1h", "5m"}),
        ("check", "full", {"5m"}),
        ("email", None, {"1h", "5m"}),
        ("email", "full", {"5m"}),
        ("record", None, {"5m"}),
        ("record", "adaptive", {"1h", "5m"}),
    ],
)
def test_each_command_fetches_at_its_default_resolution_or_the_one_asked(
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    chosen: str | None,
    steps: set[str],
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    url = serve(httpserver)
    resolution = [] if chosen is None else ["--resolution", chosen]
    code = run([*command(name, slo, tmp_path), "--at", AT, "--prometheus-url", url, *resolution])
    capsys.readouterr()
    assert code in (0, 3), code  # the fake's "faulty" objective has no data
    assert steps_asked(httpserver) == steps


def test_an_unknown_resolution_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    assert run(["report", str(slo), "--resolution", "hourly"]) == 2
    assert "'hourly' is not one of 'adaptive', 'full'" in capsys.readouterr().err
