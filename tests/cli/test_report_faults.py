"""Faults a real Prometheus won't produce on demand, injected with pytest-httpserver.

Each test runs ``slokit report`` against a fake server where one objective's query misbehaves and checks
that the objective shows ``error`` (or ``no_data``), the healthy objective's figures are right, the exit
code is 3 when anything failed, and no traceback or secret reaches the output.
"""

from __future__ import annotations

import base64
import json
import math
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.test import EnvironBuilder

from slokit.cli import run

AT = "2026-11-01T00:00:00Z"
TOKEN = "tok-3f9a77c1e2"
PASSWORD = "pw-91bd0e5a"

DEFINITIONS = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: ops}
objectives:
  - name: healthy
    kind: operational
    target: 99
    sli:
      ratio:
        good: healthy_total{code="ok"}
        total: healthy_total
  - name: faulty
    kind: operational
    target: 99
    sli:
      ratio:
        good: faulty_total{code="ok"}
        total: faulty_total
"""

Handler = Callable[[Request], Response]


def matrix(request: Request, per_step: float) -> Response:
    """A Prometheus range answer with ``per_step`` events at every step of the requested range."""
    start, end, step = (float(request.args[k]) for k in ("start", "end", "step"))
    values = [[start + i * step, str(per_step)] for i in range(int((end - start) / step) + 1)]
    body = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]},
    }
    return Response(json.dumps(body), content_type="application/json")


def parse_step(request: Request) -> None:
    # slokit sends the step as a duration string (5m); our fake needs seconds.
    step = request.args["step"]
    seconds = {"m": 60, "h": 3600, "s": 1}[step[-1]] * int(step[:-1])
    request.args = request.args.copy()  # type: ignore[misc]
    request.args["step"] = str(seconds)  # type: ignore[index]


_TOTALS_PART = re.compile(r'label_replace\((.*?), "slokit_window", "([a-z]+/(\d+))", "", ""\)')


def window_totals(per_step: Handler) -> Handler:
    """Answer the instant query of window totals as ``per_step`` answers range queries.

    Each part of the query (``label_replace(<expr>, "slokit_window", "<role>/<seconds>", "", "")``) is
    asked of ``per_step`` as a 5m range over its window, and the window's total is the sum of those
    steps: the fake's totals then agree with its steps, and a failing range answer fails the totals.
    """

    def handler(request: Request) -> Response:
        args = request.form if request.method == "POST" else request.args
        at = float(args["time"])
        result = []
        for expr, label, seconds in _TOTALS_PART.findall(args["query"]):
            query = {"query": expr, "start": str(at - int(seconds) + 300), "end": str(at), "step": "5m"}
            answer = per_step(EnvironBuilder(path="/api/v1/query_range", query_string=query).get_request())
            if answer.status_code != 200:
                return answer
            for series in json.loads(answer.get_data())["data"]["result"]:
                events = math.fsum(float(v) for _, v in series["values"])
                metric = {**series["metric"], "slokit_window": label}
                result.append({"metric": metric, "value": [at, str(events)]})
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return Response(json.dumps(body), content_type="application/json")

    return handler


@pytest.fixture
def fake(httpserver: HTTPServer, tmp_path: Path) -> Iterator[Callable[[Handler], list[str]]]:
    """Route the faulty objective's queries to a handler; the healthy one gets 995 of 1000 good per step."""
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 2, backoff: 0.01, timeout: 1}\n")

    def install(faulty: Handler) -> list[str]:
        seen: list[str] = []

        def answer(request: Request) -> Response:
            parse_step(request)
            query = request.args["query"]
            if "healthy" in query:
                return matrix(request, 995 if 'code="ok"' in query else 1000)
            return faulty(request)

        def recorded(handler: Handler) -> Handler:
            def record(request: Request) -> Response:
                seen.append(request.values["query"])
                return handler(request)

            return record

        httpserver.expect_request("/api/v1/query_range").respond_with_handler(recorded(answer))
        httpserver.expect_request("/api/v1/query").respond_with_handler(recorded(window_totals(answer)))
        # Asked only when a query came back empty: the faulty objective's series exist (empty is no_data).
        exist = {"status": "success", "data": [{"__name__": "faulty_total"}]}
        httpserver.expect_request("/api/v1/series").respond_with_json(exist)
        return seen

    yield install


def report(httpserver_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = run(
        [
            "report",
            str(tmp_path / "slo.yaml"),
            "--format",
            "json",
            "--at",
            AT,
            "--prometheus-url",
            httpserver_url,
            "--config",
            str(tmp_path / "slokit.yaml"),
            # One range per expression, as these answers were written for; both ranges of the adaptive
            # resolution meet the same checks (tests/cli/test_report_resolution.py).
            "--resolution",
            "full",
        ]
    )
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else {}, err


@pytest.fixture(autouse=True, params=["bearer", "basic"])
def secrets(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs once with a bearer token and once with basic auth: neither may leak."""
    if request.param == "bearer":
        monkeypatch.setenv("SLOKIT_PROMETHEUS_TOKEN", TOKEN)
        return f"Bearer {TOKEN}"
    monkeypatch.setenv("SLOKIT_PROMETHEUS_USER", "reporter")
    monkeypatch.setenv("SLOKIT_PROMETHEUS_PASSWORD", PASSWORD)
    return "Basic " + base64.b64encode(f"reporter:{PASSWORD}".encode()).decode()


def by_name(document: dict) -> dict[str, dict]:
    return {o["objective"]: o for o in document["objectives"]}


def assert_healthy(document: dict) -> None:
    healthy = by_name(document)["healthy"]
    assert healthy["status"] == "ok"  # 0.5 % bad against a 1 % budget: half of it left
    assert healthy["sli"] == pytest.approx(0.995)
    assert healthy["error_budget"]["remaining"] == pytest.approx(0.5)
    assert healthy["burn_rates"]["1h"] == pytest.approx(0.5)


def assert_clean(out_and_err: str) -> None:
    assert "Traceback" not in out_and_err
    assert TOKEN not in out_and_err
    assert PASSWORD not in out_and_err


def url_of(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/").rstrip("/")


def test_promql_error_names_the_objective_and_quotes_prometheus(
    fake: Callable[[Handler], list[str]],
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = "1:10: parse error: unexpected character inside braces: '~'"
    fake(
        lambda _: Response(
            json.dumps({"status": "error", "errorType": "bad_data", "error": error}),
            status=400,
            content_type="application/json",
        )
    )
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    # A malformed query is a bad definition (exit 2), not a data source failure (issue 10, point 5).
    assert code == 2
    faulty = by_name(document)["faulty"]
    assert (faulty["status"], faulty["error_kind"], faulty["sli"]) == ("error", "malformed", None)
    message = (
        'shop/faulty: the server refused the good query sum(increase(faulty_total{code="ok"}[5m])) as '
        f"malformed: {error}"
    )
    assert faulty["error"] == message
    assert f"error: {message}" in err.splitlines()
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def empty(_: Request) -> Response:
    body = {"status": "success", "data": {"resultType": "matrix", "result": []}}
    return Response(json.dumps(body), content_type="application/json")


def test_empty_result_is_no_data_not_an_error(
    fake: Callable[[Handler], list[str]],
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(empty)
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 0
    faulty = by_name(document)["faulty"]
    assert faulty["status"] == "no_data"
    assert (faulty["sli"], faulty["error_budget"]["remaining"], faulty["burn_rates"]["1h"]) == (
        None,
        None,
        None,
    )
    assert_healthy(document)
    assert err == ""


def test_invalid_json_is_an_error(
    fake: Callable[[Handler], list[str]],
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(lambda _: Response("<html>gateway says hi", content_type="application/json"))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: Prometheus at {url_of(httpserver)} sent an HTML page, not Prometheus API JSON "
        "(a login page or a proxy in the way?): '<html>gateway says hi'"
    )
    assert by_name(document)["faulty"]["error"] == message
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err)


def test_500_and_503_are_retried_until_success(
    fake: Callable[[Handler], list[str]],
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter([Response("boom", status=500), Response("busy", status=503)])

    def flaky(request: Request) -> Response:
        return next(answers, None) or matrix(request, 98 if 'code="ok"' in request.args["query"] else 100)

    seen = fake(flaky)
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 0, err
    faulty = by_name(document)["faulty"]
    assert faulty["status"] == "exhausted"  # 2 % bad against a 1 % budget
    assert faulty["sli"] == pytest.approx(0.98)
    assert faulty["error_budget"]["consumed"] == pytest.approx(2.0)
    # the first faulty query was answered 500, 503, then 200: two retries on top of the three queries
    assert sum("faulty" in q for q in seen) == 5
    assert_healthy(document)


def test_429_that_persists_is_an_error_after_retries(
    fake: Callable[[Handler], list[str]],
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen = fake(lambda _: Response("rate limited", status=429))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    assert by_name(document)["faulty"]["error"] == "shop/faulty: Prometheus answered HTTP 429: rate limited"
    assert sum("faulty" in q for q in seen) == 3  # the first try and 2 retries, then give up
    assert_healthy(document)
    assert_clean(err)


def test_several_series_from_a_custom_query_asks_for_sum(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slo.yaml").write_text(
        DEFINITIONS.replace(
            'good: faulty_total{code="ok"}\n        total: faulty_total',
            "good_query: sum(increase(ok[{{ window }}]))\n        total_query: increase(all[{{ window }}])",
        )
    )
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")

    def dispatch(request: Request) -> Response:
        parse_step(request)
        query = request.args["query"]
        if query.startswith("increase(all"):
            body = {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [{"metric": {"i": "a"}, "values": []}, {"metric": {"i": "b"}, "values": []}],
                },
            }
            return Response(json.dumps(body), content_type="application/json")
        return matrix(request, 995 if 'code="ok"' in query or "ok[" in query else 1000)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(dispatch)
    httpserver.expect_request("/api/v1/query").respond_with_handler(window_totals(dispatch))
    code, document, _ = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    assert by_name(document)["faulty"]["error"] == (
        "shop/faulty: total query returned 2 series, expected one; aggregate it with sum(): increase(all[5m])"
    )
    assert_healthy(document)


def test_a_hang_past_the_timeout_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 1, backoff: 0, timeout: 0.4}\n")

    def dispatch(request: Request) -> Response:
        parse_step(request)
        if "faulty" in request.args["query"]:
            time.sleep(1.0)
        return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)

    # threaded, so the hanging request does not hold up the healthy objective's queries
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request("/api/v1/query_range").respond_with_handler(dispatch)
    server.expect_request("/api/v1/query").respond_with_handler(window_totals(dispatch))
    server.start()
    try:
        started = time.perf_counter()
        code, document, err = report(url_of(server), tmp_path, capsys)
        elapsed = time.perf_counter() - started
    finally:
        server.clear()
        server.stop()
    assert code == 3
    message = f"shop/faulty: Prometheus at {url_of(server)} did not answer within 0.4 s"
    assert by_name(document)["faulty"]["error"] == message
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert elapsed < 3.0  # two tries of 0.4 s, not the server's full second each


def test_connection_refused_fails_every_objective_without_leaking_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 1, backoff: 0}\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://reporter:{PASSWORD}@127.0.0.1:{port}"
    code, document, err = report(url, tmp_path, capsys)
    assert code == 3
    expected = f"cannot connect to Prometheus at http://***@127.0.0.1:{port}: connection refused"
    assert [o["error"] for o in document["objectives"]] == [
        f"shop/healthy: {expected}",
        f"shop/faulty: {expected}",
    ]
    assert [o["status"] for o in document["objectives"]] == ["error", "error"]
    assert_clean(err + json.dumps(document))


# The fake server is on 127.0.0.1, so "auto" means no compression.
@pytest.mark.parametrize(
    ("setting", "expected"), [("true", "gzip"), ("false", "identity"), ("auto", "identity")]
)
def test_compression_setting_decides_accept_encoding(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, expected: str
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text(f"prometheus: {{compression: {setting}}}\n")
    encodings: list[str] = []

    def answer(request: Request) -> Response:
        parse_step(request)
        return matrix(request, 1)

    def recorded(handler: Handler) -> Handler:
        def record(request: Request) -> Response:
            encodings.append(request.headers.get("Accept-Encoding", ""))
            return handler(request)

        return record

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(recorded(answer))
    httpserver.expect_request("/api/v1/query").respond_with_handler(recorded(window_totals(answer)))
    code, _, _ = report(url_of(httpserver), tmp_path, capsys)
    assert code == 0
    assert len(encodings) == 6  # two range queries and one instant query per objective
    assert all(expected in e for e in encodings), encodings
    assert all(("gzip" in e) == (expected == "gzip") for e in encodings)


def test_a_long_query_is_posted_in_the_form_body(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A custom query of some 3 kB, as generated ones get (many alternatives in a regex matcher).
    routes = "|".join(f"/api/v{i}/resource-{i}" for i in range(120))
    long_total = f'sum(increase(faulty_total{{route=~"{routes}"}}[{{{{ window }}}}]))'
    good = 'sum(increase(faulty_total{code="ok"}[{{ window }}]))'
    sli = f"good_query: '{good}'\n        total_query: '{long_total}'"
    (tmp_path / "slo.yaml").write_text(
        DEFINITIONS.replace('good: faulty_total{code="ok"}\n        total: faulty_total', sli)
    )
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    seen: list[tuple[str, str, int, str]] = []

    def answer(request: Request) -> Response:
        args = request.form if request.method == "POST" else request.args
        query = args["query"]
        request.args = args  # type: ignore[misc]
        parse_step(request)
        return matrix(request, 995 if 'code="ok"' in query else 1000)

    def recorded(handler: Handler) -> Handler:
        def record(request: Request) -> Response:
            query = (request.form if request.method == "POST" else request.args)["query"]
            seen.append((request.method, request.path, len(request.full_path), query[:20]))
            return handler(request)

        return record

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(recorded(answer))
    httpserver.expect_request("/api/v1/query").respond_with_handler(recorded(window_totals(answer)))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert (code, err) == (0, "")
    assert by_name(document)["faulty"]["sli"] == pytest.approx(0.995)
    posted = [s for s in seen if s[0] == "POST"]
    # the long range query, and both objectives' window totals (always posted: see test_window_totals)
    assert sorted(s[1] for s in posted) == ["/api/v1/query"] * 2 + ["/api/v1/query_range"]
    assert all(s[2] < 100 for s in posted)  # the 3 kB query is not in the URL
    assert len(long_total) > 2000
    # the short range queries stay GET, cacheable by query frontends
    assert [s[1] for s in seen if s[0] == "GET"] == ["/api/v1/query_range"] * 3


def test_the_credentials_reach_the_server(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], secrets: str
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    seen: list[str] = []

    def answer(request: Request) -> Response:
        parse_step(request)
        return matrix(request, 1)

    def recorded(handler: Handler) -> Handler:
        def record(request: Request) -> Response:
            seen.append(request.headers.get("Authorization", ""))
            return handler(request)

        return record

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(recorded(answer))
    httpserver.expect_request("/api/v1/query").respond_with_handler(recorded(window_totals(answer)))
    code, _, err = report(url_of(httpserver), tmp_path, capsys)
    assert (code, err) == (0, "")
    assert seen == [secrets] * 6


def test_token_and_basic_auth_together_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOKIT_PROMETHEUS_TOKEN", TOKEN)
    monkeypatch.setenv("SLOKIT_PROMETHEUS_USER", "reporter")
    monkeypatch.setenv("SLOKIT_PROMETHEUS_PASSWORD", PASSWORD)
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {}\n")
    code, document, err = report("http://127.0.0.1:9", tmp_path, capsys)
    assert (code, document) == (2, {})
    assert err == (
        "error: set SLOKIT_PROMETHEUS_TOKEN or SLOKIT_PROMETHEUS_USER/SLOKIT_PROMETHEUS_PASSWORD, not both\n"
    )
