"""The lean transport of slokit.sources.prometheus_http: what requests worked out per call is worked out once,
and what a session did (redirects, cookies, proxies and ~/.netrc from the environment) still happens."""

from __future__ import annotations

import base64
import json
import socket
import time
from pathlib import Path

import pytest
import requests.sessions
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.settings import PrometheusSettings
from slokit.sources.prometheus_http import PrometheusApi, _Watchdog

ANSWER = {"status": "success", "data": {"resultType": "vector", "result": []}}


def client(url: str, **settings: object) -> PrometheusApi:
    return PrometheusApi(PrometheusSettings(url=url, retries=0, **settings), url)  # type: ignore[arg-type]


def base(httpserver: HTTPServer) -> str:
    return httpserver.url_for("").rstrip("/")


def test_the_environment_is_read_once_per_client_not_per_call(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests' Session.request read every proxy variable of the environment on each call: 0.2 ms of CPU a
    # call, 200 ms for a 200-objective report.
    reads: list[str] = []
    original = requests.sessions.get_environ_proxies

    def counted(url: str, no_proxy: str | None = None) -> dict[str, str]:
        reads.append(url)
        return original(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counted)
    httpserver.expect_request("/api/v1/query").respond_with_json(ANSWER)
    api = client(base(httpserver))
    for _ in range(5):
        assert api.get("query", {"query": "up"}) == ANSWER["data"]
    assert len(reads) == 1


def test_a_redirect_is_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/query").respond_with_response(
        Response(status=302, headers={"Location": "/prometheus/api/v1/query?query=up"})
    )
    httpserver.expect_request("/prometheus/api/v1/query").respond_with_json(ANSWER)
    assert client(base(httpserver)).get("query", {"query": "up"}) == ANSWER["data"]


def test_an_affinity_cookie_is_sent_back_on_later_calls(httpserver: HTTPServer) -> None:
    cookies: list[str | None] = []

    def handler(request: Request) -> Response:
        cookies.append(request.headers.get("Cookie"))
        return Response(json.dumps(ANSWER), headers={"Set-Cookie": "lb=replica-2; Path=/"})

    httpserver.expect_request("/api/v1/query").respond_with_handler(handler)
    api = client(base(httpserver), token="t0ken")
    for _ in range(3):
        api.get("query", {"query": "up"})
    assert cookies == [None, "lb=replica-2", "lb=replica-2"]


def test_the_proxy_of_the_environment_carries_the_calls(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def proxy(request: Request) -> Response:
        seen.append(request.headers.get("Host", ""))
        return Response(json.dumps(ANSWER), content_type="application/json")

    httpserver.expect_request("/api/v1/query").respond_with_handler(proxy)
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", base(httpserver))
    api = client("http://prometheus.invalid:9090")
    assert api.get("query", {"query": "up"}) == ANSWER["data"]
    assert api.get("query", {"query": "up"}) == ANSWER["data"]
    assert seen == ["prometheus.invalid:9090"] * 2


def test_a_netrc_entry_is_sent_when_no_credentials_are_set(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "".join(f"machine {host} login reader password n3trc-secret\n" for host in ("127.0.0.1", "localhost"))
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    expected = "Basic " + base64.b64encode(b"reader:n3trc-secret").decode()
    sent: list[str | None] = []

    def handler(request: Request) -> Response:
        sent.append(request.headers.get("Authorization"))
        return Response(json.dumps(ANSWER), content_type="application/json")

    httpserver.expect_request("/api/v1/query").respond_with_handler(handler)
    api = client(base(httpserver))
    api.get("query", {"query": "up"})
    api.post("query", {"query": "up"})
    assert sent == [expected, expected]


def test_the_parameters_arrive_as_sent_by_get_and_by_post(httpserver: HTTPServer) -> None:
    # The query string is built once per call with urlencode, no longer by requests' prepare_url: the same
    # bytes on the wire (a prefix path, a query in the base URL, PromQL's punctuation, non-ASCII, lists).
    received: list[tuple[str, dict[str, list[str]]]] = []

    def handler(request: Request) -> Response:
        args = request.args if request.method == "GET" else request.form
        received.append((request.full_path, {k: args.getlist(k) for k in args}))
        return Response(json.dumps(ANSWER), content_type="application/json")

    httpserver.expect_request("/prom/api/v1/series").respond_with_handler(handler)
    api = client(base(httpserver) + "/prom")
    values = {"match[]": ['x{code!~"5..",ü="€ &+"}', "up"], "start": 1790640300, "end": "1.5", "skip": None}
    api.get("series", values)
    api.post("series", values)
    sent = {"match[]": ['x{code!~"5..",ü="€ &+"}', "up"], "start": ["1790640300"], "end": ["1.5"]}
    assert [args for _, args in received] == [sent, sent]
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(base(httpserver) + "/prom/api/v1/series", values)
    assert received[0][0] == prepared.path_url


def test_the_watchdog_is_woken_only_for_a_deadline_before_all_it_holds() -> None:
    # Woken on every call, the watchdog thread took a thread switch and a turn of the GIL per request.
    watchdog = _Watchdog()
    woken: list[int] = []
    notify = watchdog._cond.notify

    def counted(n: int = 1) -> None:
        woken.append(n)
        notify(n)

    watchdog._cond.notify = counted  # type: ignore[method-assign]
    sockets = [socket.socket() for _ in range(4)]
    try:
        now = time.monotonic()
        tokens = [watchdog.watch(s, now + 60 + i) for i, s in enumerate(sockets[:3])]  # later and later
        assert len(woken) == 1  # the first: the thread had nothing to wait for
        tokens.append(watchdog.watch(sockets[3], now + 0.05))  # earlier than all: the thread must know
        assert len(woken) == 2
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with watchdog._cond:
                if tokens[3] not in watchdog._sockets:
                    break
            time.sleep(0.01)
        with watchdog._cond:
            assert tokens[3] not in watchdog._sockets  # shut at its deadline
            assert all(t in watchdog._sockets for t in tokens[:3])
    finally:
        for token in tokens:
            watchdog.release(token)
        for s in sockets:
            s.close()
