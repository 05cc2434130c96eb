"""Hostile Prometheus answers and time bounds (issue 11, points 6, 7, 8 and the response part of 10).

Each fault hits one objective's queries; the other objective of the same run is answered correctly (995 of
1,000 events good at every step) and must keep its figures. The faulty objective shows ``error`` with a
message that says what the server sent, the run exits 3, and neither the bearer token nor the basic-auth
password appears anywhere (every test runs once with each, see ``secrets``).

pytest-httpserver fakes where werkzeug can send the fault; a bare socket server (:mod:`tests.cli.rawserver`)
for a status line that is not HTTP, a connection closed without an answer, and a server that drips bytes.
"""

from __future__ import annotations

import gzip
import itertools
import json
import socket
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run
from tests.cli.rawserver import RawServer, drip, raw_response
from tests.cli.test_report_faults import (  # noqa: F401 - fake and secrets are fixtures
    AT,
    DEFINITIONS,
    PASSWORD,
    TOKEN,
    Handler,
    assert_clean,
    assert_healthy,
    by_name,
    fake,
    matrix,
    parse_step,
    report,
    secrets,
    url_of,
    window_totals,
)

GOOD_QUERY = 'sum(increase(faulty_total{code="ok"}[5m]))'
START = 1790640300  # the first step of the faulty objective's range queries at AT


def answer(body: object, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type)


def success(data: object) -> Response:
    return answer({"status": "success", "data": data})


def values(request: Request, pairs: list[list[object]]) -> Response:
    return success({"resultType": "matrix", "result": [{"metric": {}, "values": pairs}]})


def first(request: Request) -> int:
    return int(float(request.args["start"]))


def faulty_error(document: dict) -> tuple[str, str, str]:
    faulty = by_name(document)["faulty"]
    return faulty["status"], faulty["error_kind"], faulty["error"]


def run_report(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict, str]:
    argv = ["report", str(tmp_path / "slo.yaml"), "--format", "json", "--at", AT, "--prometheus-url", url]
    # One range per expression, as these answers were written for; both ranges of the adaptive resolution
    # meet the same checks (tests/cli/test_report_resolution.py).
    code = run([*argv, "--config", str(tmp_path / "slokit.yaml"), "--resolution", "full", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else {}, err


# --------------------------------------------------------------------------------------------- point 6

MALFORMED: dict[str, tuple[Handler, str]] = {
    "vector": (
        lambda r: success({"resultType": "vector", "result": []}),
        'resultType "vector" where a range query answers matrix',
    ),
    "scalar": (
        lambda r: success({"resultType": "scalar", "result": [first(r), "1"]}),
        'resultType "scalar" where a range query answers matrix',
    ),
    "string": (
        lambda r: success({"resultType": "string", "result": [first(r), "hello"]}),
        'resultType "string" where a range query answers matrix',
    ),
    "not a number": (
        lambda r: values(r, [[first(r), "1000"], [first(r) + 300, "abc"]]),
        f'a value "abc" at {START + 300} that is not a number',
    ),
    "boolean": (
        lambda r: values(r, [[first(r), "1000"], [first(r) + 300, True]]),
        f"a value true at {START + 300} that is not a number",
    ),
    "underscores": (
        lambda r: values(r, [[first(r), "1000"], [first(r) + 300, "1_000"]]),
        f'a value "1_000" at {START + 300} that is not a number',
    ),
    "pair of 1": (
        lambda r: values(r, [[first(r)]]),
        f'a value pair of 1 element [{START}] where [time, "value"] belongs',
    ),
    "pair of 3": (
        lambda r: values(r, [[first(r), "1", "2"]]),
        f'a value pair of 3 elements [{START}, "1", "2"] where [time, "value"] belongs',
    ),
    "result null": (
        lambda r: success({"resultType": "matrix", "result": None}),
        '"result": null where a list of series belongs',
    ),
}


@pytest.mark.parametrize("fault", MALFORMED)
def test_a_malformed_range_answer_fails_only_its_objective_saying_what_was_sent(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    handler, said = MALFORMED[fault]
    fake(handler)
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: Prometheus at {url_of(httpserver)} sent a malformed answer to {GOOD_QUERY}: {said}"
    )
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def test_a_matrix_for_the_window_totals_fails_only_its_objective(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")

    def steps(request: Request) -> Response:
        parse_step(request)
        return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)

    healthy_totals = window_totals(steps)

    def totals(request: Request) -> Response:
        if "faulty" in request.values["query"]:
            at = float(request.values["time"])
            return success({"resultType": "matrix", "result": [{"metric": {}, "values": [[at, "1"]]}]})
        return healthy_totals(request)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(steps)
    httpserver.expect_request("/api/v1/query").respond_with_handler(totals)
    code, document, err = run_report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: Prometheus at {url_of(httpserver)} sent a malformed answer to the window totals "
        'query: resultType "matrix" where an instant query answers vector'
    )
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)


LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in &middot; Example SSO</title></head>
<body><form action="/oauth2/start"><button>Sign in with Example</button></form></body></html>
"""


def test_an_html_page_with_http_200_is_named_as_such(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(lambda _: Response(LOGIN_PAGE, content_type="text/html; charset=utf-8"))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: Prometheus at {url_of(httpserver)} sent an HTML page, not Prometheus API JSON "
        "(a login page or a proxy in the way?): 'Sign in &middot; Example SSO'"
    )
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def test_status_error_with_http_200_quotes_prometheus(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = "query processing would load too many samples into memory in query execution"
    fake(lambda _: answer({"status": "error", "errorType": "execution", "error": error}))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = f"shop/faulty: Prometheus answered status error with HTTP 200: execution: {error}"
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


# --------------------------------------------------------------------------------------------- point 7


@pytest.mark.parametrize(
    ("status", "failed"),
    [
        (401, "authentication failed: Prometheus at {url} answered HTTP 401 to {sent}"),
        (403, "authorisation failed: Prometheus at {url} answered HTTP 403 (forbidden) to {sent}"),
    ],
)
def test_401_and_403_say_which_credential_was_sent_never_its_value(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    secrets: str,  # noqa: F811 - the fixture
    status: int,
    failed: str,
) -> None:
    # The server echoes the Authorization header it got, as some proxies do.
    fake(lambda r: Response(f"denied: {r.headers.get('Authorization')}", status=status))
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    sent = (
        "a bearer token (SLOKIT_PROMETHEUS_TOKEN)"
        if secrets.startswith("Bearer")
        else "basic auth (SLOKIT_PROMETHEUS_USER/_PASSWORD)"
    )
    kind = secrets.split(maxsplit=1)[0]
    message = f"shop/faulty: {failed.format(url=url_of(httpserver), sent=sent)}: denied: {kind} ***"
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err + json.dumps(document))
    assert secrets.split()[1] not in err + json.dumps(document)  # nor the base64 of user:password


def test_401_without_credentials_says_none_were_sent(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TOKEN", "USER", "PASSWORD"):
        monkeypatch.delenv(f"SLOKIT_PROMETHEUS_{name}", raising=False)
    fake(lambda _: Response("Unauthorized", status=401))
    code, document, _ = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    message = (
        f"shop/faulty: authentication failed: Prometheus at {url_of(httpserver)} answered HTTP 401 to no "
        "credentials: Unauthorized"
    )
    assert faulty_error(document) == ("error", "source", message)
    assert_healthy(document)

    # user:password@ in the URL is basic auth too
    url = url_of(httpserver).replace("://", f"://reporter:{PASSWORD}@")
    code, document, err = report(url, tmp_path, capsys)
    masked = url_of(httpserver).replace("://", "://***@")
    message = (
        f"shop/faulty: authentication failed: Prometheus at {masked} answered HTTP 401 to basic auth "
        "(user:password@ in the URL): Unauthorized"
    )
    assert (code, faulty_error(document)) == (3, ("error", "source", message))
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def healthy_or(faulty: Callable[[socket.socket, Request], None]) -> Callable[[socket.socket, Request], None]:
    """A raw-server behaviour: the healthy objective answered as by the fakes, the rest by ``faulty``."""

    def steps(request: Request) -> Response:
        parse_step(request)
        return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)

    totals = window_totals(steps)

    def behave(conn: socket.socket, request: Request) -> None:
        if "healthy" not in request.values.get("query", ""):
            faulty(conn, request)
        elif request.path.endswith("/query_range"):
            conn.sendall(raw_response(steps(request)))
        else:
            conn.sendall(raw_response(totals(request)))

    return behave


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 2, backoff: 0.01, timeout: 2}\n")
    return tmp_path


TRANSPORT: dict[str, tuple[Callable[[socket.socket, Request], None], str]] = {
    "garbage status line": (
        lambda conn, _: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
        "Prometheus at {url} answered with something that is not HTTP: SSH-2.0-OpenSSH_9.6",
    ),
    "closed without answering": (
        lambda conn, _: None,
        "Prometheus at {url} closed the connection without answering",
    ),
    "closed in the middle of the body": (
        lambda conn, _: conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            b'{"status":"success","data":'
        ),
        "Prometheus at {url} closed the connection before the end of its answer",
    ),
}


@pytest.mark.parametrize("fault", TRANSPORT)
def test_a_broken_connection_is_a_plain_sentence_not_max_retries(
    files: Path, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    behave, said = TRANSPORT[fault]
    with RawServer(healthy_or(behave)) as server:
        code, document, err = run_report(server.url, files, capsys)
    assert code == 3
    message = f"shop/faulty: {said.format(url=server.url)}"
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert "Max retries" not in err
    assert_healthy(document)
    assert_clean(err + json.dumps(document))


def test_prometheus_warnings_are_shown_once_per_run(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    counter = 'PromQL info: metric might not be a counter, name does not end in _total: "faulty_total"'

    def warned(request: Request) -> Response:
        body = json.loads(matrix(request, 990 if 'code="ok"' in request.args["query"] else 1000).get_data())
        body["warnings"] = [counter, "  remote read  of\tsome store failed  "]
        return answer(body)

    fake(warned)
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 0, err
    # two range queries of the faulty objective carried both warnings: each is shown once, whitespace tidied
    assert err.splitlines() == [
        f"warning: Prometheus: {counter}",
        "warning: Prometheus: remote read of some store failed",
    ]
    faulty = by_name(document)["faulty"]
    assert (faulty["status"], faulty["sli"]) == ("exhausted", pytest.approx(0.99))
    assert_healthy(document)


# --------------------------------------------------------------------------------------------- point 8

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
DRIPS: dict[str, Callable[[socket.socket, Request], None]] = {
    # headers at once, then the body at a byte every half second: each read is quick, the request is not
    "body": lambda conn, _: (conn.sendall(HEADERS), drip(conn, b'{"status":"success",' + b" " * 1000, 0.5)),
    # the status line itself, a byte at a time
    "status line": lambda conn, _: drip(conn, HEADERS, 0.5),
}


@pytest.mark.parametrize("where", DRIPS)
def test_a_dripping_server_is_cut_off_at_the_timeout_of_the_whole_request(
    files: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    with RawServer(healthy_or(DRIPS[where])) as server:
        started = time.monotonic()
        code, document, err = run_report(server.url, files, capsys, "--timeout", "2")
        elapsed = time.monotonic() - started
    assert code == 3
    message = f"shop/faulty: Prometheus at {server.url} did not answer within 2 s"
    assert faulty_error(document) == ("error", "source", message)
    assert err.splitlines() == [f"error: {message}"]
    assert_healthy(document)
    assert_clean(err + json.dumps(document))
    # three tries of 2 s and two waits of 0.01 s; it ran for over 150 s when each read had its own timeout
    assert 5.9 < elapsed < 10


def test_retries_wait_a_doubling_backoff_and_no_longer_whatever_retry_after_says(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen = fake(lambda _: Response("busy", status=503, headers={"Retry-After": "3600"}))
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 3, backoff: 0.25, timeout: 5}\n")
    started = time.monotonic()
    code, document, _ = report(url_of(httpserver), tmp_path, capsys)
    elapsed = time.monotonic() - started
    assert code == 3
    assert faulty_error(document) == ("error", "source", "shop/faulty: Prometheus answered HTTP 503: busy")
    assert sum("faulty" in q for q in seen) == 4  # the first try and 3 retries
    assert_healthy(document)
    # waits of 0.25, 0.5 and 1 s: within timeout x 4 + 0.25 x (2^3 - 1), nowhere near Retry-After's hour
    assert 1.75 <= elapsed < 5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("nan", "must be a finite number (got {got})"),
        ("inf", "must be a finite number (got {got})"),
        ("1e308", "must be at most 3600 (got {got})"),
        ("0", "must be at least 0.1 (got {got})"),
        ("-1", "must be at least 0.1 (got {got})"),
    ],
)
def test_a_timeout_that_is_not_a_sane_number_is_a_usage_error_naming_its_source(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    problem: str,
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    url = "http://127.0.0.1:9"  # nothing is asked: the settings are refused first

    (tmp_path / "slokit.yaml").write_text("prometheus: {}\n")
    code, document, err = run_report(url, tmp_path, capsys, f"--timeout={value}")
    assert (code, document) == (2, {})
    assert err == f"error: --timeout {problem.format(got=repr(float(value)))}\n"

    monkeypatch.setenv("SLOKIT_PROMETHEUS_TIMEOUT", value)
    code, document, err = run_report(url, tmp_path, capsys)
    assert (code, err) == (2, f"error: SLOKIT_PROMETHEUS_TIMEOUT {problem.format(got=repr(value))}\n")
    monkeypatch.delenv("SLOKIT_PROMETHEUS_TIMEOUT")

    (tmp_path / "slokit.yaml").write_text(f"prometheus: {{timeout: '{value}'}}\n")
    code, document, err = run_report(url, tmp_path, capsys)
    config = tmp_path / "slokit.yaml"
    assert (code, err) == (2, f"error: {config}: prometheus.timeout {problem.format(got=repr(value))}\n")


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_concurrency_below_one_is_a_usage_error_not_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text(f"prometheus: {{concurrency: {value}}}\n")
    code, _, err = run_report("http://127.0.0.1:9", tmp_path, capsys, f"--concurrency={value}")
    assert (code, err) == (2, f"error: --concurrency must be at least 1 (got {value})\n")
    code, _, err = run_report("http://127.0.0.1:9", tmp_path, capsys)
    config = tmp_path / "slokit.yaml"
    assert (code, err) == (2, f"error: {config}: prometheus.concurrency must be at least 1 (got {value})\n")


# -------------------------------------------------------------------------------------- point 10


def padded(request: Request, size: int) -> bytes:
    """A well-formed range answer of ``size`` bytes, padded with the whitespace JSON allows."""
    data = matrix(request, 990 if 'code="ok"' in request.args["query"] else 1000).get_data()
    return data + b" " * (size - len(data))


TOO_LARGE = (
    "shop/faulty: Prometheus's answer is over 1 MiB, the limit of a response (prometheus.max_response_mib in "
    "slokit.yaml): narrow the query, or raise the limit if it is expected"
)


@pytest.mark.parametrize("length", ["declared", "chunked"])
def test_an_answer_over_the_size_limit_fails_only_its_objective(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    length: str,
) -> None:
    def large(request: Request) -> Response:
        data = padded(request, 3 * 1024 * 1024)
        if length == "declared":
            return Response(data, content_type="application/json")
        chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))  # no Content-Length
        return Response(chunks, content_type="application/json")

    fake(large)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 2, backoff: 0.01, max_response_mib: 1}\n")
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    assert faulty_error(document) == ("error", "source", TOO_LARGE)
    assert err.splitlines() == [f"error: {TOO_LARGE}"]
    assert_healthy(document)


def test_a_compressed_answer_is_limited_by_its_decompressed_size(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sent: list[int] = []

    def bomb(request: Request) -> Response:
        data = gzip.compress(padded(request, 3 * 1024 * 1024))
        sent.append(len(data))
        return Response(data, content_type="application/json", headers={"Content-Encoding": "gzip"})

    fake(bomb)
    settings = "prometheus: {retries: 0, compression: true, max_response_mib: 1}\n"
    (tmp_path / "slokit.yaml").write_text(settings)
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert code == 3
    assert sent and max(sent) < 100_000  # a few kB on the wire, 3 MiB once decompressed
    assert faulty_error(document) == ("error", "source", TOO_LARGE)
    assert err.splitlines() == [f"error: {TOO_LARGE}"]
    assert_healthy(document)


def test_an_answer_just_under_the_limit_is_read(
    fake: Callable[[Handler], list[str]],  # noqa: F811 - the fixture
    httpserver: HTTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake(lambda r: Response(padded(r, 1024 * 1024 - 1), content_type="application/json"))
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0, max_response_mib: 1}\n")
    code, document, err = report(url_of(httpserver), tmp_path, capsys)
    assert (code, err) == (0, "")
    assert by_name(document)["faulty"]["sli"] == pytest.approx(0.99)
    assert_healthy(document)


def test_an_answer_over_the_limit_is_not_held_in_memory(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Answers built before tracing starts, streamed without a Content-Length: the client must count as it
    # reads. A 40 MB answer must cost no more than a 2 MB one (both over the limit); read whole, as before,
    # it cost some 80 MB more (the body, then its text).
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0, max_response_mib: 1}\n")
    head = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pad":"'
    size = [0]

    def steps(request: Request) -> Response:
        parse_step(request)
        if "faulty" in request.args["query"]:
            chunk = b"x" * 65536
            chunks = itertools.chain([head], itertools.repeat(chunk, size[0] // len(chunk)))
            return Response(chunks, content_type="application/json")
        return matrix(request, 995 if 'code="ok"' in request.args["query"] else 1000)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(steps)
    httpserver.expect_request("/api/v1/query").respond_with_handler(window_totals(steps))

    def peak(body: int) -> int:
        size[0] = body
        tracemalloc.start()
        try:
            code, document, _ = run_report(url_of(httpserver), tmp_path, capsys)
            traced = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert code == 3
        assert faulty_error(document) == ("error", "source", TOO_LARGE)
        assert_healthy(document)
        return traced

    peak(2_000_000)  # imports and caches of a first run
    small, large = peak(2_000_000), peak(40_000_000)
    assert large < small + 10_000_000, (small, large)  # 38 MB more to read: none of it kept
