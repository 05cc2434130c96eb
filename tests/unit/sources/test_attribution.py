"""Budget attribution from Prometheus (issue 14, point 4): the PromQL sent and how its answers are read.

A fake Prometheus (pytest-httpserver) records each instant query and answers with bad events per label value
chosen here; the expected shares are those numbers divided by their sum, written out by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.settings import REDACT, PrometheusSettings
from slokit.sources.insight import InsightFailed, LabelShare, Unavailable
from slokit.sources.prometheus import PrometheusSource
from slokit.sources.snapshot import SnapshotSource, write_snapshot
from slokit.spec.models import SLI, Releases

END = datetime(2026, 11, 1, tzinfo=UTC)
START = END - timedelta(days=30)
SPAN = "2592000s"
BAD_RATIO = SLI.model_validate(
    {"ratio": {"bad": 'http_requests_total{job="shop",code=~"5.."}', "total": "x"}}
)
GOOD_TOTAL = SLI.model_validate(
    {
        "ratio": {
            "good": 'http_requests_total{job="shop",code!~"5.."}',
            "total": 'http_requests_total{job="shop"}',
        }
    }
)
LATENCY = SLI.model_validate({"latency": {"histogram": 'h{job="shop"}', "threshold": 0.25}})


@pytest.fixture(autouse=True)
def restore_redactor() -> Iterator[None]:
    secrets, credentials = set(REDACT.secrets), set(REDACT.credentials)
    yield
    REDACT.secrets, REDACT.credentials = secrets, credentials


def vector(by_value: Mapping[str, float], label: str, at: float = END.timestamp()) -> Response:
    result = [
        {"metric": {label: value} if value else {}, "value": [at, str(events)]}
        for value, events in by_value.items()
    ]
    body = {"status": "success", "data": {"resultType": "vector", "result": result}}
    return Response(json.dumps(body), content_type="application/json")


def serve(httpserver: HTTPServer, answer: Callable[[str], Response]) -> list[dict[str, str]]:
    """Answers each instant query with ``answer(query)``; returns the forms sent, in order."""
    sent: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        form = dict(request.form)
        sent.append(form)
        return answer(form["query"])

    httpserver.expect_request("/api/v1/query").respond_with_handler(handler)
    return sent


def source(httpserver: HTTPServer, **settings: object) -> PrometheusSource:
    url = httpserver.url_for("/").rstrip("/")
    return PrometheusSource(PrometheusSettings(url=url, retries=0, **settings))  # type: ignore[arg-type]


def attribute(httpserver: HTTPServer, sli: SLI, labels: tuple[str, ...]) -> list[LabelShare]:
    prom = source(httpserver)
    try:
        return prom.attribution(sli, labels, START, END)
    finally:
        prom.close()


def test_attribution_sends_sum_by_label_of_the_bad_selector_over_the_span_at_its_end(
    httpserver: HTTPServer,
) -> None:
    sent = serve(httpserver, lambda q: vector({"/pay": 60, "/cart": 30, "/search": 10}, "handler"))
    shares = attribute(httpserver, BAD_RATIO, ("handler",))
    assert [f["query"] for f in sent] == [
        f'sum by (handler) (increase(http_requests_total{{job="shop",code=~"5.."}}[{SPAN}]))'
    ]
    assert sent[0]["time"] == f"{END.timestamp():.3f}"
    assert shares == [
        LabelShare("handler", "/pay", 60.0, 0.6),
        LabelShare("handler", "/cart", 30.0, 0.3),
        LabelShare("handler", "/search", 10.0, 0.1),
    ]


def test_attribution_keeps_the_top_five_values_and_sums_the_rest_as_other(httpserver: HTTPServer) -> None:
    bad = {"/a": 40, "/b": 20, "/c": 15, "/d": 10, "/e": 6, "/f": 5, "/g": 4, "/h": 0}
    serve(httpserver, lambda q: vector(bad, "handler"))
    shares = attribute(httpserver, BAD_RATIO, ("handler",))
    assert [(s.value, s.bad_events, s.share) for s in shares] == [
        ("/a", 40.0, 0.40),
        ("/b", 20.0, 0.20),
        ("/c", 15.0, 0.15),
        ("/d", 10.0, 0.10),
        ("/e", 6.0, 0.06),
        ("(other)", 9.0, 0.09),  # /f 5 + /g 4; /h ate nothing
    ]


def test_attribution_asks_each_label_in_turn(httpserver: HTTPServer) -> None:
    answers = {"handler": {"/pay": 3, "/cart": 1}, "code": {"500": 2, "503": 2}}
    sent = serve(httpserver, lambda q: vector(*next((answers[k], k) for k in answers if f"by ({k})" in q)))
    shares = attribute(httpserver, BAD_RATIO, ("handler", "code"))
    assert [f["query"].split(" (increase")[0] for f in sent] == ["sum by (handler)", "sum by (code)"]
    assert [(s.label, s.value, s.share) for s in shares] == [
        ("handler", "/pay", 0.75),
        ("handler", "/cart", 0.25),
        ("code", "500", 0.5),  # ties in value order
        ("code", "503", 0.5),
    ]


def test_objectives_over_the_same_selectors_and_span_send_each_attribution_query_once(
    httpserver: HTTPServer,
) -> None:
    """Four targets of one SLI (issue 13's fleet): the same PromQL at the same time is asked once a run; a
    different span is asked anew."""
    sent: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        sent.append(dict(request.form))
        return vector({"/pay": 3, "/cart": 1}, "handler", at=float(request.form["time"]))

    httpserver.expect_request("/api/v1/query").respond_with_handler(handler)
    prom = source(httpserver)
    try:
        answers = [prom.attribution(BAD_RATIO, ("handler",), START, END) for _ in range(4)]
        later = prom.attribution(BAD_RATIO, ("handler",), START, END + timedelta(hours=1))
    finally:
        prom.close()
    assert len(sent) == 2
    assert answers == [later] * 4
    assert answers[0] == [LabelShare("handler", "/pay", 3.0, 0.75), LabelShare("handler", "/cart", 1.0, 0.25)]


def test_attribution_of_good_and_total_subtracts_per_value_clips_at_zero(httpserver: HTTPServer) -> None:
    """/pay: 100 - 40 = 60 bad; /cart: 50 - 55 is no bad event, not -5; /new only in total: all 5 bad;
    series without the label: 10 - 10."""
    total = {"/pay": 100, "/cart": 50, "/new": 5, "": 10}
    good = {"/pay": 40, "/cart": 55, "": 10}
    sent = serve(httpserver, lambda q: vector(good if "code!~" in q else total, "handler"))
    shares = attribute(httpserver, GOOD_TOTAL, ("handler",))
    assert [f["query"] for f in sent] == [
        f'sum by (handler) (increase(http_requests_total{{job="shop",code!~"5.."}}[{SPAN}]))',
        f'sum by (handler) (increase(http_requests_total{{job="shop"}}[{SPAN}]))',
    ]
    assert shares == [
        LabelShare("handler", "/pay", 60.0, 60 / 65),
        LabelShare("handler", "/new", 5.0, 5 / 65),
    ]


def test_attribution_of_latency_is_count_minus_the_threshold_bucket(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/label/le/values").respond_with_json(
        {"status": "success", "data": ["0.1", "0.25", "+Inf"]}
    )
    counts = {"/pay": 1000, "/cart": 200}
    fast = {"/pay": 900, "/cart": 150}
    sent = serve(httpserver, lambda q: vector(fast if "_bucket" in q else counts, "handler"))
    shares = attribute(httpserver, LATENCY, ("handler",))
    assert [f["query"] for f in sent] == [
        f'sum by (handler) (increase(h_bucket{{job="shop",le="0.25"}}[{SPAN}]))',
        f'sum by (handler) (increase(h_count{{job="shop"}}[{SPAN}]))',
    ]
    assert shares == [
        LabelShare("handler", "/pay", 100.0, 100 / 150),
        LabelShare("handler", "/cart", 50.0, 50 / 150),
    ]


def test_series_without_the_label_are_the_empty_value(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: vector({"/pay": 3, "": 1}, "handler"))
    shares = attribute(httpserver, BAD_RATIO, ("handler",))
    assert [(s.value, s.share) for s in shares] == [("/pay", 0.75), ("", 0.25)]


def test_a_span_without_bad_events_has_no_shares(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: vector({"/pay": 0, "/cart": 0}, "handler"))
    shares = attribute(httpserver, BAD_RATIO, ("handler",))
    assert shares == [LabelShare("handler", "/cart", 0.0, None), LabelShare("handler", "/pay", 0.0, None)]


def test_attribution_of_a_query_sli_is_refused_without_a_request(httpserver: HTTPServer) -> None:
    queries = {"good_query": "sum(rate(a[{{ window }}]))", "total_query": "sum(rate(b[{{ window }}]))"}
    sli = SLI.model_validate({"ratio": queries})
    sent = serve(httpserver, lambda q: vector({}, "handler"))
    with pytest.raises(InsightFailed, match=r"^attribution: attribution needs selectors"):
        attribute(httpserver, sli, ("handler",))
    assert sent == []


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (
            lambda q: Response("boom", status=500),
            r"^attribution: .*HTTP 500",
        ),
        (
            lambda q: Response(
                json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}),
                content_type="application/json",
            ),
            r"^attribution: Prometheus at .* sent a malformed answer to the bad attribution query: "
            r'resultType "matrix" where an instant query answers vector$',
        ),
        (
            lambda q: vector({"/pay": 1}, "handler", at=END.timestamp() - 60),
            r"^attribution: Prometheus answered the bad attribution query at 2026-10-31T23:59:00Z",
        ),
        (
            lambda q: vector({"/pay": float("inf")}, "handler"),
            r"^attribution: the bad attribution query returned an infinite count for handler='/pay'",
        ),
    ],
)
def test_a_failed_or_malformed_answer_is_insight_failed(
    httpserver: HTTPServer, respond: Callable[[str], Response], message: str
) -> None:
    serve(httpserver, respond)
    with pytest.raises(InsightFailed, match=message) as raised:
        attribute(httpserver, BAD_RATIO, ("handler",))
    assert "\n" not in str(raised.value)


def test_a_refusal_quoting_the_token_never_shows_it(httpserver: HTTPServer) -> None:
    token = "s3cr3t-t0ken-value"
    REDACT.add(token)

    def echo(request: Request) -> Response:
        said = {
            "status": "error",
            "errorType": "internal",
            "error": f"denied {request.headers['Authorization']}",
        }
        return Response(json.dumps(said), status=500, content_type="application/json")

    httpserver.expect_request("/api/v1/query").respond_with_handler(echo)
    prom = source(httpserver, token=token)
    try:
        with pytest.raises(InsightFailed) as raised:
            prom.attribution(BAD_RATIO, ("handler",), START, END)
    finally:
        prom.close()
    assert "denied" in str(raised.value)
    assert "s3cr3t" not in str(raised.value)


def test_a_snapshot_has_no_attribution_nor_releases(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    write_snapshot(path, END, [], {})
    snapshot = SnapshotSource(path)
    with pytest.raises(Unavailable, match="a snapshot holds no labels"):
        snapshot.attribution(BAD_RATIO, ("handler",), START, END)
    with pytest.raises(Unavailable, match="a snapshot holds no labels"):
        snapshot.releases(Releases(query="app_build_info", label="version"), START, END, timedelta(hours=1))
