"""Answers that do not fit the grid asked for (issue 11, point 2), from a pytest-httpserver fake.

A real Prometheus always answers on the step grid it was asked for; a proxy, a cache or a broken query
frontend may not. Half a step off, the points collided two by two and the totals came out halved;
duplicated timestamps overwrote each other. Each such answer is now an error for that objective, naming
what was wrong and where, the run exits 3, and the healthy objective keeps its figures.

The faulty objective's range starts at 2026-09-29T00:05:00Z (33 days of 5m steps ending at AT: the 30d
window and the 3 days of burn history before it) and ends at AT, 2026-11-01T00:00:00Z.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.cli.test_report_faults import (
    _TOTALS_PART,
    Handler,
    assert_clean,
    assert_healthy,
    by_name,
    fake,  # noqa: F401 - a fixture
    matrix,
    parse_step,
    report,
    secrets,  # noqa: F401 - an autouse fixture: every test runs with a bearer token and with basic auth
    url_of,
    window_totals,
)

Install = Callable[[Handler], list[str]]


def healthy_good(request: Request) -> Response:
    """The faulty objective's good events: 990 of 1000 a step (its total answer is the broken one)."""
    return matrix(request, 990)


def healthy_range(request: Request) -> Response:
    """The healthy objective's range answers, as the ``fake`` fixture gives them: 995 of 1000 good."""
    parse_step(request)
    return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)


def shifted_total(shift: float, extra: list[list[float]] | None = None, repeat: int = 1) -> Handler:
    """Total answers with every timestamp moved by ``shift`` seconds, each point ``repeat`` times, and
    ``extra`` points appended."""

    def handler(request: Request) -> Response:
        if 'code="ok"' in request.args["query"]:
            return healthy_good(request)
        body = json.loads(matrix(request, 1000).get_data())
        series = body["data"]["result"][0]
        series["values"] = [[t + shift, v] for t, v in series["values"] for _ in range(repeat)]
        series["values"] += extra or []
        return Response(json.dumps(body), content_type="application/json")

    return handler


def expect_error(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], message: str
) -> None:
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    faulty = by_name(document)["faulty"]
    assert (faulty["status"], faulty["error_kind"], faulty["sli"]) == ("error", "source", None)
    assert faulty["error"] == f"shop/faulty: {message}"
    assert f"error: shop/faulty: {message}" in err.splitlines()
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def test_timestamps_half_a_step_off_the_grid_are_an_error_not_halved_totals(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(shifted_total(150))
    expect_error(
        httpserver,
        tmp_path,
        capsys,
        "Prometheus answered the total query with timestamps off the 5m grid (first at "
        "2026-09-29T00:07:30Z: 150 s past a step; 9504 of 9504 points)",
    )


def test_duplicated_timestamps_are_an_error_not_no_data(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(shifted_total(0, repeat=2))
    expect_error(
        httpserver,
        tmp_path,
        capsys,
        "Prometheus answered the total query with duplicated timestamps (first 2026-09-29T00:05:00Z; "
        "9504 repeated)",
    )


def test_a_point_outside_the_range_asked_for_is_an_error(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    after_end = 1_793_491_200.0 + 300  # AT + 5m
    fake(shifted_total(0, extra=[[after_end, "1000"]]))
    expect_error(
        httpserver,
        tmp_path,
        capsys,
        "Prometheus answered the total query with points outside the range asked for (first at "
        "2026-11-01T00:05:00Z, asked 2026-09-29T00:05:00Z to 2026-11-01T00:00:00Z; 1 of 9505 points)",
    )


def test_window_totals_answered_at_another_time_are_an_error(
    fake: Install,  # noqa: F811
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    healthy_totals = window_totals(healthy_range)

    def instant(request: Request) -> Response:
        args = request.form if request.method == "POST" else request.args
        if "healthy" in args["query"]:
            return healthy_totals(request)
        at = float(args["time"])
        result = [
            {"metric": {"slokit_window": label}, "value": [at - 150, "1000"]}
            for _, label, _ in _TOTALS_PART.findall(args["query"])
        ]
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return Response(json.dumps(body), content_type="application/json")

    # Registered first, so it answers the instant queries before the fixture's own handler does.
    httpserver.expect_request("/api/v1/query").respond_with_handler(instant)
    fake(shifted_total(0))
    expect_error(
        httpserver,
        tmp_path,
        capsys,
        "Prometheus answered the window totals query at 2026-10-31T23:57:30Z, not at the "
        "2026-11-01T00:00:00Z asked for",
    )
