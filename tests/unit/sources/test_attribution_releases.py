"""Releases from Prometheus (issue 14, point 5): the range query sent and the steps read as releases.

A fake Prometheus answers the range query with the steps chosen here (which version is present where, or the
marker's value); the releases expected are read off those steps by hand. A release first seen at the step
ending at ``t`` happened in ``(t - step, t]`` and is located, as an incident, at the step start ``t - step``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.settings import PrometheusSettings
from slokit.sources.insight import InsightFailed, Release
from slokit.sources.prometheus import PrometheusSource
from slokit.spec.models import Releases

HOUR = timedelta(hours=1)
START = datetime(2026, 10, 1, tzinfo=UTC)
BUILD = Releases(query='app_build_info{job="shop"}', label="version")
MARKER = Releases(query='deploy_marker{job="shop"}')


def matrix(series: list[tuple[dict[str, str], list[tuple[float, float]]]]) -> Response:
    result = [{"metric": m, "values": [[t, str(v)] for t, v in points]} for m, points in series]
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    return Response(json.dumps(body), content_type="application/json")


def steps(first: datetime, present: str, step: timedelta = HOUR) -> list[tuple[float, float]]:
    """``present`` as one character per step from ``first``: ``x`` a count of 1, anything else absent."""
    return [(first.timestamp() + i * step.total_seconds(), 1.0) for i, c in enumerate(present) if c == "x"]


def serve(httpserver: HTTPServer, answer: Callable[[dict[str, str]], Response]) -> list[dict[str, str]]:
    sent: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        form = dict(request.args)
        sent.append(form)
        return answer(form)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(handler)
    return sent


def releases(
    httpserver: HTTPServer, spec: Releases, start: datetime, end: datetime, step: timedelta = HOUR
) -> list[Release]:
    url = httpserver.url_for("/").rstrip("/")
    prom = PrometheusSource(PrometheusSettings(url=url, retries=0))
    try:
        return prom.releases(spec, start, end, step)
    finally:
        prom.close()


def at(hours: int) -> datetime:
    return START + hours * HOUR


def test_a_release_is_the_first_step_a_new_version_appears_and_a_rollback_is_one_too(
    httpserver: HTTPServer,
) -> None:
    """1.0 runs from before the span; 1.1 rolls out at step 3 (both present there), 1.0 comes back at 7
    (rollback), nothing at all is seen at 9 (a scrape gap: 1.0 after it is no release), 1.2 at 11."""
    sent = serve(
        httpserver,
        lambda form: matrix(
            [
                ({"version": "1.0"}, steps(START, "xxxx...xxx.x")),
                ({"version": "1.1"}, steps(START, "...xxxx.....")),
                ({"version": "1.2"}, steps(START, "...........x")),
            ]
        ),
    )
    found = releases(httpserver, BUILD, START, at(11))
    assert sent == [
        {
            "query": 'count by (version) (max_over_time(app_build_info{job="shop"}[1h]))',
            "start": str(int(START.timestamp())),
            "end": str(int(at(11).timestamp())),
            "step": "1h",
        }
    ]
    assert found == [Release(at(2), "1.1", HOUR), Release(at(6), "1.0", HOUR), Release(at(10), "1.2", HOUR)]


def test_a_version_present_at_the_step_before_the_span_predates_it(httpserver: HTTPServer) -> None:
    """The span starts at 10:30: the query starts at the step 10:00, whose version is no release; a version
    first seen at 11:00 (the span's first step) is one."""
    serve(
        httpserver,
        lambda form: matrix(
            [({"version": "1.0"}, steps(at(10), "xx")), ({"version": "1.1"}, steps(at(10), ".x"))]
        ),
    )
    found = releases(httpserver, BUILD, at(10) + HOUR / 2, at(11) + HOUR / 2)
    assert found == [Release(at(10), "1.1", HOUR)]


def test_a_service_first_seen_inside_the_span_is_released_then(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda form: matrix([({"version": "2.0"}, steps(START, "..xx"))]))
    assert releases(httpserver, BUILD, START, at(3)) == [Release(at(1), "2.0", HOUR)]


def test_series_without_the_version_label_are_no_release(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        lambda form: matrix([({}, steps(START, "..xx")), ({"version": "1.0"}, steps(START, "xxxx"))]),
    )
    assert releases(httpserver, BUILD, START, at(3)) == []


def test_a_marker_release_is_the_first_step_of_each_run_above_zero(httpserver: HTTPServer) -> None:
    """Above 0 at steps 0-1 (before the span: no release), 4, 6-7; 0 and no data elsewhere."""
    values = [1, 1, 0, 0, 1, float("nan"), 1, 2, 0]
    points = [(at(i).timestamp(), v) for i, v in enumerate(values) if not np.isnan(v)]
    sent = serve(httpserver, lambda form: matrix([({}, points)]))
    found = releases(httpserver, MARKER, START, at(8))
    assert sent[0]["query"] == 'max(max_over_time(deploy_marker{job="shop"}[1h]))'
    assert found == [Release(at(3), None, HOUR), Release(at(5), None, HOUR)]


def test_a_marker_expression_is_read_over_each_step_through_a_subquery(httpserver: HTTPServer) -> None:
    sent = serve(httpserver, lambda form: matrix([]))
    spec = Releases(query='changes(app_build_info{job="shop"}[5m]) > 0')
    assert releases(httpserver, spec, START, at(8)) == []
    assert sent[0]["query"] == 'max(max_over_time((changes(app_build_info{job="shop"}[5m]) > 0)[1h:1m]))'


def test_releases_over_more_than_11000_steps_are_fetched_in_chunks(httpserver: HTTPServer) -> None:
    """12,000 one-minute steps after the first: two requests, the second starting a step after the first
    ends; a version new in the second chunk is found at its step."""
    minute = timedelta(minutes=1)
    end = START + 12_000 * minute
    switch = START + 11_500 * minute

    def answer(form: dict[str, str]) -> Response:
        lo, hi = int(form["start"]), int(form["end"])
        old = [(float(t), 1.0) for t in range(lo, min(hi, int(switch.timestamp()) - 60) + 1, 60)]
        new = [(float(t), 1.0) for t in range(max(lo, int(switch.timestamp())), hi + 1, 60)]
        return matrix(
            [(labels, pts) for labels, pts in (({"version": "1"}, old), ({"version": "2"}, new)) if pts]
        )

    sent = serve(httpserver, answer)
    found = releases(httpserver, BUILD, START, end, minute)
    assert [(int(f["start"]), int(f["end"])) for f in sent] == [
        (int(START.timestamp()), int((START + 10_999 * minute).timestamp())),
        (int((START + 11_000 * minute).timestamp()), int(end.timestamp())),
    ]
    assert found == [Release(switch - minute, "2", minute)]


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda form: Response("unavailable", status=503), r"^releases: .*HTTP 503"),
        (
            lambda form: Response(
                json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}})
            ),
            r'^releases: Prometheus at .* sent a malformed answer to .*: resultType "vector" where a range '
            r"query answers matrix$",
        ),
        (
            lambda form: matrix([({"version": "1"}, [(START.timestamp() + 90, 1.0)])]),
            r"^releases: Prometheus answered the releases query with timestamps off the 1h grid",
        ),
        (
            lambda form: matrix(
                [({"version": "1"}, steps(START, "x")), ({"version": "1"}, steps(START, ".x"))]
            ),
            r"^releases: releases query returned an unexpected series",
        ),
        (
            lambda form: Response(
                json.dumps(
                    {"status": "error", "errorType": "bad_data", "error": "1:5: parse error: unexpected"}
                ),
                status=400,
            ),
            r"^releases: the server refused the releases query count by \(version\) .* as malformed: "
            r"1:5: parse",
        ),
    ],
)
def test_a_failed_or_malformed_releases_answer_is_insight_failed(
    httpserver: HTTPServer, respond: Callable[[dict[str, str]], Response], message: str
) -> None:
    serve(httpserver, respond)
    with pytest.raises(InsightFailed, match=message) as raised:
        releases(httpserver, BUILD, START, at(3))
    assert "\n" not in str(raised.value)
