"""``slokit notify`` reading the session's real Prometheus: the posted summary holds the figures that
`slokit report` computes from the same server at the same time, for every objective that needs attention,
and the counts of every status. The receiver is a local HTTP server that captures the message (no chat
service runs here).

At 2026-10-27 00:00 the generator's checkout outage (2026-10-26 09:40 to 10:25) lies in the window, so the
summary has objectives to list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
AT = "2026-10-27T00:00:00Z"
HOOK = "/hooks/Ab12Cd34Ef56Gh78"


def test_the_summary_holds_the_reports_figures(
    prometheus_url: str,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLOKIT_WEBHOOK_URL", raising=False)
    server = ["--prometheus-url", prometheus_url, "--at", AT]
    code = run(["report", str(SLO_DIR), *server, "--format", "json"])
    report = json.loads(capsys.readouterr().out)["objectives"]
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    assert (
        run(["notify", str(SLO_DIR), *server, "--format", "json", "--webhook", httpserver.url_for(HOOK)])
        == code
    )
    out = capsys.readouterr().out
    assert out.startswith(f"posted to {httpserver.host}:{httpserver.port} (json, HTTP 200): SLO summary: ")
    [(request, _)] = httpserver.log
    message = json.loads(request.get_data())
    assert message["evaluated_at"] == AT
    statuses = ("exhausted", "warning", "error", "no_data", "ok")
    assert message["counts"] == {s: sum(o["status"] == s for o in report) for s in statuses}
    needing = {
        f"{o['service']}/{o['objective']}": o
        for o in report
        if o["status"] in ("exhausted", "warning", "error")
    }
    assert needing, "the outage should leave something to list"
    listed = {f"{o['service']}/{o['objective']}": o for o in message["attention"]}
    assert listed.keys() == needing.keys()
    for key, item in listed.items():
        assert item["status"] == needing[key]["status"]
        assert item["budget_remaining"] == needing[key]["error_budget"]["remaining"]
        assert item["time_to_exhaustion_seconds"] == needing[key]["time_to_exhaustion_seconds"]
