"""Glitches in the data (issue 11, point 1), end to end from a pytest-httpserver fake.

The faulty objective (target 99 %) answers 985 good of 1000 a step, SLI 0.985 and its budget -50 %, but one
step holds a glitch. Its range starts at 2026-09-29T00:05:00Z (the 30d window ending at AT,
2026-11-01T00:00:00Z, and 3 days of burn history before it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run
from tests.cli.test_report_faults import (
    Handler,
    assert_clean,
    assert_healthy,
    by_name,
    fake,  # noqa: F401 - a fixture
    matrix,
    report,
    secrets,  # noqa: F401 - an autouse fixture: every test runs with a bearer token and with basic auth
    url_of,
)

Install = Callable[[Handler], list[str]]
FIRST_STEP = 1_790_640_300.0  # 2026-09-29T00:05:00Z, in the history before the window
TWELVE_HOURS_BACK = 1_793_491_200.0 - 12 * 3600  # 2026-10-31T12:00:00Z, in the window


def glitched(at: float, total: float) -> Handler:
    """985 good of 1000 a step, except ``total`` events in the step ending at ``at``."""

    def handler(request: Request) -> Response:
        if 'code="ok"' in request.args["query"]:
            return matrix(request, 985)
        body = json.loads(matrix(request, 1000).get_data())
        values = body["data"]["result"][0]["values"]
        body["data"]["result"][0]["values"] = [[t, str(total) if t == at else v] for t, v in values]
        return Response(json.dumps(body), content_type="application/json")

    return handler


def test_a_huge_count_before_the_window_fails_the_gate_on_its_true_budget(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's example: one step of 2e17 before the window, then normal traffic. Replayed from a
    snapshot without window totals (recorded before slokit counted them), the figures come from the steps:
    SLI 0.985, budget -50 %, and check fails -- it passed with SLI 1.0 and a full budget."""
    fake(glitched(FIRST_STEP, 2e17))
    snapshot = tmp_path / "snap.json"
    slo = str(tmp_path / "slo.yaml")
    url = url_of(httpserver)
    assert (
        run(["record", slo, "-o", str(snapshot), "--at", "2026-11-01T00:00:00Z", "--prometheus-url", url])
        == 0
    )
    document = json.loads(snapshot.read_text())
    for recorded in document["objectives"].values():
        del recorded["totals"]
    snapshot.write_text(json.dumps(document))
    capsys.readouterr()

    assert run(["report", slo, "--snapshot", str(snapshot), "--format", "json"]) == 0
    faulty = by_name(json.loads(capsys.readouterr().out))["faulty"]
    assert faulty["status"] == "exhausted"
    assert faulty["sli"] == pytest.approx(0.985, rel=1e-12)
    assert faulty["error_budget"]["remaining"] == pytest.approx(-0.5, rel=1e-9)
    assert faulty["total_events"] == 8640 * 1000

    assert run(["check", slo, "--snapshot", str(snapshot)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == "FAIL: 1 objective has exhausted its budget: shop/faulty (operational, ops) -50.0% remaining"
    )
    assert "  PASS  shop/healthy  operational  ops  OK          50.0% left  gate: exhausted (policy)" in out


@pytest.mark.parametrize(
    ("total", "what"),
    [
        (math.inf, "total is +Inf events, beyond any counter (limit 2^63, about 9.2e18)"),
        (1e308, "total is 1e+308 events, beyond any counter (limit 2^63, about 9.2e18)"),
        (-5000.0, "total is -5000 events, a negative count"),
        (900.0, "good (985) exceeds total (900)"),
    ],
)
def test_a_broken_count_in_the_window_is_an_error_naming_its_step(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    total: float,
    what: str,
) -> None:
    fake(glitched(TWELVE_HOURS_BACK, total))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: {what} in the step ending 2026-10-31T12:00:00Z; the counter or the query is broken "
        "(see 'Broken counts' in docs/engine.md)"
    )
    faulty = by_name(document)["faulty"]
    assert (faulty["status"], faulty["sli"], faulty["error_budget"]["remaining"]) == ("error", None, None)
    assert faulty["error"] == message
    assert f"error: {message}" in err.splitlines()
    assert_healthy(document)
    assert_clean(err + json.dumps(document))
