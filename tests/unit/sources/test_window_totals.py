"""Window totals in the sources (issue 10, point 0): read from one instant query, recorded and replayed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.settings import PrometheusSettings
from slokit.sources.base import BAD, TOTAL, FetchedSeries, FetchedTotals, SeriesQuery
from slokit.sources.prometheus import PrometheusSource
from slokit.sources.snapshot import SnapshotSource, write_snapshot
from slokit.spec.models import SLI

END = datetime(2026, 11, 1, tzinfo=UTC)
FIVE = timedelta(minutes=5)
WINDOWS = (FIVE, timedelta(hours=1), timedelta(days=30))


def query(sli: dict[str, object], windows: tuple[timedelta, ...] = WINDOWS) -> SeriesQuery:
    return SeriesQuery("shop/api", SLI.model_validate(sli), FIVE, END - 11 * FIVE, END, windows)


RATIO = {"ratio": {"bad": 'x{code="500"}', "total": "x"}}


def answer(result: list[dict[str, object]], kind: str) -> Response:
    body = {"status": "success", "data": {"resultType": kind, "result": result}}
    return Response(json.dumps(body), content_type="application/json")


def serve(httpserver: HTTPServer, vector: list[dict[str, object]]) -> list[Request]:
    instants: list[Request] = []

    def instant(request: Request) -> Response:
        request.form  # noqa: B018 - parsed while the body can still be read
        instants.append(request)
        return answer(vector, "vector")

    steps = [{"metric": {}, "values": [[END.timestamp(), "1"]]}]
    httpserver.expect_request("/api/v1/query_range").respond_with_handler(lambda _: answer(steps, "matrix"))
    httpserver.expect_request("/api/v1/query").respond_with_handler(instant)
    return instants


def fetch(httpserver: HTTPServer, q: SeriesQuery) -> FetchedSeries:
    source = PrometheusSource(PrometheusSettings(url=httpserver.url_for("/").rstrip("/"), retries=0))
    try:
        [fetched] = source.fetch([q])
    finally:
        source.close()
    return fetched


def part(label: str, value: str) -> dict[str, object]:
    return {"metric": {"slokit_window": label}, "value": [END.timestamp(), value]}


def test_totals_are_read_by_their_window_label_in_any_order(httpserver: HTTPServer) -> None:
    """A part the server has nothing for (no series over that window) is no data, NaN; so is a NaN."""
    instants = serve(
        httpserver,
        [
            part("total/2592000", "86400.5"),
            part("bad/300", "0"),
            part("total/300", "10"),
            part("bad/2592000", "12"),
            part("total/3600", "NaN"),
        ],
    )
    fetched = fetch(httpserver, query(RATIO))
    assert fetched.error is None
    assert fetched.http_queries == 3  # two range queries, one instant query
    assert fetched.totals is not None
    assert (fetched.totals.at, fetched.totals.windows) == (END, WINDOWS)
    np.testing.assert_array_equal(fetched.totals.series[TOTAL], [10.0, np.nan, 86400.5])
    np.testing.assert_array_equal(fetched.totals.series[BAD], [0.0, np.nan, 12.0])
    [request] = instants
    assert request.form["time"] == f"{END.timestamp():.3f}"
    assert (
        'label_replace(sum(increase(x[30d])), "slokit_window", "total/2592000", "", "")'
        in request.form["query"]
    )


def test_the_window_totals_query_is_posted_not_put_in_the_url(httpserver: HTTPServer) -> None:
    """A ratio objective's totals query is 1-2 kB (every expression once per window): in a URL, urllib3
    re-encodes it byte by byte, 0.1 s of a 200-objective report's CPU. The range queries stay GET."""
    instants = serve(httpserver, [part("total/300", "10")])
    fetched = fetch(httpserver, query(RATIO))
    assert fetched.error is None
    [request] = instants
    assert (request.method, request.query_string) == ("POST", b"")
    assert set(request.form) == {"query", "time"}
    assert len(request.form["query"]) < 2000  # under the length that posts any query
    ranges = [r for r, _ in httpserver.log if r.path == "/api/v1/query_range"]
    assert ranges and {r.method for r in ranges} == {"GET"}


def test_a_query_returning_several_series_over_a_window_asks_for_sum(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        [
            part("total/300", "1"),
            {**part("total/300", "2"), "metric": {"slokit_window": "total/300", "i": "b"}},
        ],
    )
    fetched = fetch(httpserver, query(RATIO))
    expected = "total query returned more than one series over 5m, expected one; aggregate it with sum()"
    assert fetched.error == f"shop/api: {expected}"


def test_time_slices_have_no_totals(httpserver: HTTPServer) -> None:
    instants = serve(httpserver, [])
    fetched = fetch(httpserver, query({"timeslices": {"query": "min(up)", "good": ">= 1"}}, windows=()))
    assert fetched.error is None and fetched.totals is None
    assert instants == []


def totals_of(windows: tuple[timedelta, ...], at: datetime = END) -> FetchedTotals:
    return FetchedTotals(
        at, windows, {BAD: np.arange(len(windows), dtype=float), TOTAL: 10.0 + np.arange(len(windows))}
    )


def test_a_snapshot_replays_the_totals_at_the_recorded_time(tmp_path: Path) -> None:
    recorded = query(RATIO)
    steps = {BAD: np.zeros(recorded.points), TOTAL: np.ones(recorded.points)}
    path = tmp_path / "snap.json"
    write_snapshot(path, END, [FetchedSeries(recorded, series=steps, totals=totals_of(WINDOWS))], {})

    [replayed] = SnapshotSource(path).fetch([recorded])
    assert replayed.totals is not None
    assert (replayed.totals.at, replayed.totals.windows) == (END, WINDOWS)
    np.testing.assert_array_equal(replayed.totals.series[TOTAL], [10.0, 11.0, 12.0])

    # Fewer windows asked (another alert tier set): the ones asked, in order.
    [fewer] = SnapshotSource(path).fetch([query(RATIO, (timedelta(days=30), FIVE))])
    assert fewer.totals is not None
    np.testing.assert_array_equal(fewer.totals.series[BAD], [2.0, 0.0])

    # A window that was not counted: no totals, the report sums the steps.
    [other] = SnapshotSource(path).fetch([query(RATIO, (FIVE, timedelta(days=7)))])
    assert other.error is None and other.totals is None

    # Another evaluation time within the snapshot: its windows end elsewhere, so the steps are summed.
    earlier = SeriesQuery("shop/api", recorded.sli, FIVE, recorded.start, END - FIVE, WINDOWS)
    [sliced] = SnapshotSource(path).fetch([earlier])
    assert sliced.error is None and sliced.totals is None


def test_a_snapshot_without_totals_reads_as_before(tmp_path: Path) -> None:
    """Snapshots recorded before window totals existed have no ``totals`` key; writing one without totals
    leaves the key out, so such snapshots keep their bytes."""
    recorded = query(RATIO)
    steps = {BAD: np.zeros(recorded.points), TOTAL: np.ones(recorded.points)}
    path = tmp_path / "old.json"
    write_snapshot(path, END, [FetchedSeries(recorded, series=steps)], {})
    document = json.loads(path.read_text())
    assert "totals" not in document["objectives"]["shop/api"]
    [replayed] = SnapshotSource(path).fetch([recorded])
    assert replayed.error is None and replayed.totals is None
    np.testing.assert_array_equal(replayed.series[TOTAL], steps[TOTAL])
