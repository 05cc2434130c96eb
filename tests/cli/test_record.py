"""``slokit record`` then ``report --snapshot``: the replay renders exactly what the live run rendered."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run

from .test_report_faults import AT, DEFINITIONS, matrix, parse_step


def serve(httpserver: HTTPServer) -> str:
    def dispatch(request: Request) -> Response:
        parse_step(request)
        query = request.args["query"]
        if "faulty" in query:  # no data at all for this one: recorded as such, replayed as no_data
            return Response(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}))
        return matrix(request, 997 if 'code="ok"' in query else 1000)

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(dispatch)
    return httpserver.url_for("/").rstrip("/")


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_replay_gives_identical_json(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    url = serve(httpserver)
    snapshot = tmp_path / name

    assert run(["record", str(slo), "--out", str(snapshot), "--at", AT, "--prometheus-url", url]) == 0
    assert capsys.readouterr().out == f"recorded 2 objectives at {AT} to {snapshot}\n"
    assert run(["report", "-f", "json", str(slo), "--at", AT, "--prometheus-url", url]) == 0
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
