"""``slokit record`` then ``report --snapshot``: the replay renders exactly what the live run rendered."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run

from .test_report_faults import AT, DEFINITIONS, matrix, parse_step, window_totals


def serve(httpserver: HTTPServer, faulty: Callable[[Request], Response] | None = None) -> str:
    def dispatch(request: Request) -> Response:
        parse_step(request)
        query = request.args["query"]
        if "faulty" in query and faulty is not None:
            return faulty(request)
        if "faulty" in query:  # no data at all for this one: recorded as such, replayed as no_data
            return Response(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}))
        return matrix(request, 997 if 'code="ok"' in query else 1000)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(dispatch)
    httpserver.expect_request("/api/v1/query").respond_with_handler(window_totals(dispatch))
    # The faulty objective's series exist and counted nothing (no_data), unlike a selector matching no series.
    series = {"status": "success", "data": [{"__name__": "faulty_total"}]}
    httpserver.expect_request("/api/v1/series").respond_with_json(series)
    return httpserver.url_for("/").rstrip("/")


@pytest.mark.parametrize(
    ("name", "resolution"), [("snap.json", "full"), ("snap.json.gz", "full"), ("snap.json", "adaptive")]
)
def test_replay_gives_identical_json(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, resolution: str
) -> None:
    """Recorded at either resolution (record's default is full), replayed with report's default (adaptive):
    the report is the live one at the resolution recorded, the coarse steps located as such."""
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    url = serve(httpserver)
    snapshot = tmp_path / name
    chosen = [] if resolution == "full" else ["--resolution", resolution]

    assert (
        run(["record", str(slo), "--out", str(snapshot), "--at", AT, "--prometheus-url", url, *chosen]) == 0
    )
    assert capsys.readouterr().out == f"recorded 2 objectives at {AT} to {snapshot}\n"
    live_argv = ["report", "-f", "json", str(slo), "--at", AT, "--prometheus-url", url]
    assert run([*live_argv, "--resolution", resolution]) == 0
    live = capsys.readouterr().out
    httpserver.clear()  # the replay must not need the server

    assert run(["report", "-f", "json", str(slo), "--snapshot", str(snapshot)]) == 0
    replay = capsys.readouterr().out
    assert replay == live
    document = json.loads(replay)
    assert document["evaluated_at"] == AT
    assert [o["status"] for o in document["objectives"]] == ["ok", "no_data"]
    assert document["objectives"][0]["sli"] == pytest.approx(0.997)

    opener = gzip.open if name.endswith(".gz") else open
    with opener(snapshot, "rt") as handle:
        recorded = json.load(handle)
    assert recorded["format"] == "slokit-snapshot/v1"
    assert recorded["definitions"] == {str(slo): pytest.approx(recorded["definitions"][str(slo)])}
    assert set(recorded["objectives"]) == {"shop/healthy", "shop/faulty"}
    healthy = recorded["objectives"]["shop/healthy"]
    if resolution == "full":
        assert "resolution" not in healthy
    else:  # 30 d window: hourly before the hour at or before AT - 3d (AT is 2026-11-01T00:00:00Z)
        assert healthy["resolution"] == {"coarse_step_seconds": 3600, "fine_from": "2026-10-29T00:00:00Z"}


def test_changed_sli_is_not_replayed_from_an_old_snapshot(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    snapshot = tmp_path / "snap.json"
    assert (
        run(["record", str(slo), "-o", str(snapshot), "--at", AT, "--prometheus-url", serve(httpserver)]) == 0
    )
    slo.write_text(DEFINITIONS.replace('healthy_total{code="ok"}', 'healthy_total{code="2xx"}'))
    capsys.readouterr()
    assert run(["report", "-f", "json", str(slo), "--snapshot", str(snapshot)]) == 3
    out, err = capsys.readouterr()
    message = f"shop/healthy: SLI or step changed since snapshot {snapshot} was recorded"
    assert err.splitlines() == [f"error: {message}"]
    assert json.loads(out)["objectives"][0]["error"] == message


def test_report_at_another_time_within_the_snapshot_slices_it(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    snapshot = tmp_path / "snap.json"
    assert (
        run(["record", str(slo), "-o", str(snapshot), "--at", AT, "--prometheus-url", serve(httpserver)]) == 0
    )
    capsys.readouterr()
    assert (
        run(["report", "-f", "json", str(slo), "--snapshot", str(snapshot), "--at", "2026-10-31T00:00:00Z"])
        == 3
    )
    out, err = capsys.readouterr()
    assert "not the range asked for" in err
    assert json.loads(out)["evaluated_at"] == "2026-10-31T00:00:00Z"


def test_missing_snapshot_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    assert run(["report", "-f", "json", str(slo), "--snapshot", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.json'}: snapshot file not found\n"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_record_with_prometheus_down_leaves_the_old_snapshot_untouched(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    config = ["--config", str(tmp_path / "slokit.yaml")]
    snapshot = tmp_path / "snap.json.gz"
    assert (
        run(["record", str(slo), "-o", str(snapshot), "--at", AT, "--prometheus-url", serve(httpserver)]) == 0
    )
    good = snapshot.read_bytes()
    capsys.readouterr()

    down = closed_port_url()
    assert run(["record", str(slo), "-o", str(snapshot), "--at", AT, "--prometheus-url", down, *config]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"error: 2 objectives: cannot connect to Prometheus at {down}: connection refused",
        f"error: {snapshot} not written: the data source failed for 2 of 2 objectives "
        "(--allow-partial writes the snapshot with them as errors)",
    ]
    assert snapshot.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("snap")] == ["snap.json.gz"]  # no temp
    assert run(["report", "-f", "json", str(slo), "--snapshot", str(snapshot)]) == 0  # still replays

    fresh = tmp_path / "fresh.json"
    assert run(["record", str(slo), "-o", str(fresh), "--at", AT, "--prometheus-url", down, *config]) == 3
    assert not fresh.exists()


def test_allow_partial_writes_the_snapshot_and_replays_the_failures_as_errors(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    body = json.dumps({"status": "error", "errorType": "unavailable", "error": "too many queries"})
    url = serve(httpserver, faulty=lambda _: Response(body, status=503, content_type="application/json"))
    snapshot = tmp_path / "snap.json"
    args = ["record", str(slo), "-o", str(snapshot), "--at", AT, "--prometheus-url", url]
    assert run([*args, "--config", str(tmp_path / "slokit.yaml")]) == 3
    assert not snapshot.exists()
    capsys.readouterr()

    assert run([*args, "--config", str(tmp_path / "slokit.yaml"), "--allow-partial"]) == 3
    out, err = capsys.readouterr()
    message = "shop/faulty: Prometheus answered HTTP 503: too many queries"
    assert out == f"recorded 2 objectives at {AT} to {snapshot} (1 failed, replayed as errors)\n"
    assert err == f"error: {message}\n"
    httpserver.clear()

    assert run(["report", "-f", "json", str(slo), "--snapshot", str(snapshot)]) == 3
    out, err = capsys.readouterr()
    assert err == f"error: {message}\n"
    healthy, faulty = json.loads(out)["objectives"]
    assert (healthy["status"], healthy["sli"]) == ("ok", pytest.approx(0.997))
    assert (faulty["status"], faulty["error"]) == ("error", message)
