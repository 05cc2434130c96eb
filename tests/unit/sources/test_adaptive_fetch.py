"""The Prometheus source at the adaptive resolution (issue 13): a coarse and a fine range per role, the coarse
steps spread onto the fine grid, and both ranges held to the same checks (grid, range, chunks, refusals)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.durations import parse_duration
from slokit.engine import Resolution
from slokit.settings import PrometheusSettings
from slokit.sources import prometheus
from slokit.sources.base import BAD, TOTAL, FetchedSeries, SeriesQuery
from slokit.sources.prometheus import PrometheusSource
from slokit.spec.models import SLI

END = datetime(2026, 11, 1, tzinfo=UTC)
FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)
FINE_FROM = END - 3 * HOUR
ADAPTIVE = Resolution(HOUR, FINE_FROM)
SLI_RATIO = SLI.model_validate({"ratio": {"bad": 'x{code="500"}', "total": "x"}})
WINDOWS = (FIVE, HOUR)
Handler = Callable[[Request], Response]


def query(coarse_hours: int = 2) -> SeriesQuery:
    """``coarse_hours`` hours fetched hourly, then the 3 fine hours up to END (36 steps of 5m)."""
    start = FINE_FROM - coarse_hours * HOUR + FIVE
    return SeriesQuery("shop/api", SLI_RATIO, FIVE, start, END, WINDOWS, resolution=ADAPTIVE)


def answer(kind: str, result: object, status: int = 200) -> Response:
    body = {"status": "success", "data": {"resultType": kind, "result": result}}
    return Response(json.dumps(body), status=status, content_type="application/json")


def steps(request: Request) -> tuple[float, float, float]:
    step = parse_duration(request.args["step"]).total_seconds()
    return float(request.args["start"]), float(request.args["end"]), step


def events(request: Request) -> Response:
    """Per 5 minutes: 100 total and 1 bad events before FINE_FROM, 50 and 2 after it. A coarse point is its
    hour's sum; the coarse hours count up (hour i holds i + 1 times that) to show each lands on its own."""
    start, end, step = steps(request)
    bad = 'code="500"' in request.args["query"]
    values = []
    for i in range(int((end - start) / step) + 1):
        at = start + i * step
        if step == 3600:
            per_five = (1.0 if bad else 100.0) * (1 + int((at - start) // 3600))
            values.append([at, str(12 * per_five)])
        else:
            values.append([at, "2" if bad else "50"])
    return answer("matrix", [{"metric": {}, "values": values}])


def serve(httpserver: HTTPServer, ranges: Handler = events) -> list[Request]:
    asked: list[Request] = []

    def recorded(request: Request) -> Response:
        asked.append(request)
        return ranges(request)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(recorded)
    httpserver.expect_request("/api/v1/query").respond_with_handler(lambda _: answer("vector", []))
    return asked


def fetch(httpserver: HTTPServer, q: SeriesQuery) -> FetchedSeries:
    source = PrometheusSource(
        PrometheusSettings(url=httpserver.url_for("/").rstrip("/"), retries=0, source="raw")
    )
    try:
        [fetched] = source.fetch([q])
    finally:
        source.close()
    return fetched


def asked_ranges(asked: list[Request]) -> list[tuple[str, datetime, datetime, str]]:
    def moment(text: str) -> datetime:
        return datetime.fromtimestamp(float(text), tz=UTC)

    return [(r.args["query"], moment(r.args["start"]), moment(r.args["end"]), r.args["step"]) for r in asked]


def test_each_role_is_a_coarse_range_up_to_fine_from_and_a_fine_range_after_it(
    httpserver: HTTPServer,
) -> None:
    asked = serve(httpserver)
    fetched = fetch(httpserver, query())
    assert fetched.error is None
    assert fetched.resolution == ADAPTIVE
    assert fetched.http_queries == 5  # 2 roles x 2 ranges, and the window totals
    assert sorted(asked_ranges(asked)) == sorted(
        [
            ('sum(increase(x{code="500"}[1h]))', END - 4 * HOUR, FINE_FROM, "1h"),
            ('sum(increase(x{code="500"}[5m]))', FINE_FROM + FIVE, END, "5m"),
            ("sum(increase(x[1h]))", END - 4 * HOUR, FINE_FROM, "1h"),
            ("sum(increase(x[5m]))", FINE_FROM + FIVE, END, "5m"),
        ]
    )
    total = fetched.series[TOTAL]
    assert total.shape == (query().points,) == (60,)
    # Each hour's count spread over its twelve 5m steps; the fine steps as they came.
    np.testing.assert_array_equal(total, [100.0] * 12 + [200.0] * 12 + [50.0] * 36)
    np.testing.assert_array_equal(fetched.series[BAD], [1.0] * 12 + [2.0] * 12 + [2.0] * 36)
    assert total[:24].sum() == 12 * 100 + 12 * 200  # the hours' counts, whole


def test_a_range_over_the_point_limit_is_chunked_at_either_step(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prometheus, "MAX_POINTS", 10)
    asked = serve(httpserver)
    fetched = fetch(httpserver, query(coarse_hours=25))
    assert fetched.error is None
    total = [
        (start, end, step) for q, start, end, step in asked_ranges(asked) if q.startswith("sum(increase(x[")
    ]
    coarse_first = FINE_FROM - 24 * HOUR
    assert sorted(total) == [
        (coarse_first, coarse_first + 9 * HOUR, "1h"),
        (coarse_first + 10 * HOUR, coarse_first + 19 * HOUR, "1h"),
        (coarse_first + 20 * HOUR, FINE_FROM, "1h"),
        (FINE_FROM + FIVE, FINE_FROM + 10 * FIVE, "5m"),
        (FINE_FROM + 11 * FIVE, FINE_FROM + 20 * FIVE, "5m"),
        (FINE_FROM + 21 * FIVE, FINE_FROM + 30 * FIVE, "5m"),
        (FINE_FROM + 31 * FIVE, END, "5m"),
    ]
    # The hour counts restart at each chunk (the fake counts from its request's start): 1..10, 1..10, 1..5.
    hours = [*range(1, 11), *range(1, 11), *range(1, 6)]
    expected = np.concatenate([np.repeat(100.0 * np.array(hours), 12), np.full(36, 50.0)])
    np.testing.assert_array_equal(fetched.series[TOTAL], expected)


def shifted(step_wanted: float, shift: float, extra: float | None = None) -> Handler:
    """The ranges as ``events`` gives them, but those of step ``step_wanted`` moved by ``shift`` seconds or
    with one more point at ``extra``."""

    def handler(request: Request) -> Response:
        response = events(request)
        if steps(request)[2] != step_wanted:
            return response
        body = json.loads(response.get_data())
        series = body["data"]["result"][0]
        series["values"] = [[t + shift, v] for t, v in series["values"]]
        if extra is not None:
            series["values"].append([extra, "1"])
        return answer("matrix", body["data"]["result"])

    return handler


@pytest.mark.parametrize(
    ("step", "grid"), [(3600.0, "off the 1h grid (first at 2026-10-31T20:30:00Z"), (300.0, "off the 5m grid")]
)
def test_an_answer_off_its_own_grid_is_an_error_on_either_range(
    httpserver: HTTPServer, step: float, grid: str
) -> None:
    serve(httpserver, shifted(step, 1800.0 if step == 3600.0 else 150.0))
    fetched = fetch(httpserver, query())
    assert fetched.error is not None and fetched.error_kind == "source"
    assert grid in fetched.error


def test_a_fine_answer_reaching_into_the_coarse_steps_is_an_error(httpserver: HTTPServer) -> None:
    # A point at fine_from belongs to the last coarse step, not to the fine range asked for after it.
    serve(httpserver, shifted(300.0, 0.0, extra=FINE_FROM.timestamp()))
    fetched = fetch(httpserver, query())
    assert fetched.error is not None
    assert (
        "points outside the range asked for (first at 2026-10-31T21:00:00Z, asked 2026-10-31T21:05:00Z"
        in (fetched.error)
    )


def test_a_coarse_query_the_server_cannot_parse_is_a_malformed_definition(httpserver: HTTPServer) -> None:
    reason = 'invalid parameter "query": 1:16: parse error: unexpected character'

    def refuse_hours(request: Request) -> Response:
        if request.args["step"] == "1h":
            body = {"status": "error", "errorType": "bad_data", "error": reason}
            return Response(json.dumps(body), status=400, content_type="application/json")
        return events(request)

    serve(httpserver, refuse_hours)
    fetched = fetch(httpserver, query())
    assert fetched.error_kind == "malformed"
    assert fetched.error is not None
    assert "the server refused the " in fetched.error and "[1h])) as malformed: " + reason in fetched.error
