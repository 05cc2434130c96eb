"""``--at`` in the future is refused (exit 2) before any query: there are no samples for it yet.

A minute of clock skew is allowed; with ``--snapshot`` nothing after the snapshot's own time is accepted.
The clock is pinned (``slokit.timeparse.utcnow``) so that the messages, which quote it, are exact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

from .test_record import serve
from .test_report_faults import DEFINITIONS

NOW = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
DEMO_SNAPSHOT = "slo_definitions/snapshot.json.gz"  # recorded at 2026-11-20T09:00:00Z


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slokit.timeparse.utcnow", lambda: NOW)


@pytest.fixture
def slo(tmp_path: Path) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(DEFINITIONS)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["check"],
        ["record", "--out", "{tmp}/snap.json"],
        ["email", "--dry-run", "--smtp-from", "slo@example.com"],
    ],
)
@pytest.mark.parametrize(
    ("at", "shown"),
    [
        ("2026-11-01T00:01:01Z", "2026-11-01T00:01:01Z"),
        ("2999-01-01T00:00:00+02:00", "2998-12-31T22:00:00Z"),
        (str(int(NOW.timestamp()) + 3600), "2026-11-01T01:00:00Z"),  # Unix seconds
    ],
)
def test_at_in_the_future_is_refused_by_every_command_before_any_query(
    httpserver: HTTPServer,
    tmp_path: Path,
    slo: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    at: str,
    shown: str,
) -> None:
    url = serve(httpserver)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in command]
    code = run([*args, str(slo), "--at", at, "--prometheus-url", url])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"error: --at {shown} is in the future (now 2026-11-01T00:00:00Z): there is no data yet\n"
    assert httpserver.log == []
    assert not (tmp_path / "snap.json").exists()


@pytest.mark.parametrize("at", ["2026-11-01T00:01:00Z", "2026-10-31T23:00:00Z", "2026-11-01T00:00:59+00:00"])
def test_at_up_to_a_minute_ahead_of_the_clock_is_accepted(
    httpserver: HTTPServer, slo: Path, capsys: pytest.CaptureFixture[str], at: str
) -> None:
    code = run(["report", "-f", "json", str(slo), "--at", at, "--prometheus-url", serve(httpserver)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert httpserver.log  # it did query
    assert '"evaluated_at": "2026-1' in out


def test_at_after_the_snapshot_was_recorded_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slokit.timeparse.utcnow", lambda: datetime(2026, 12, 1, tzinfo=UTC))
    monkeypatch.chdir(ROOT)
    demo = ["slo_definitions", "--snapshot", DEMO_SNAPSHOT]
    assert run(["report", *demo, "--at", "2026-11-20T09:00:01Z"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: --at 2026-11-20T09:00:01Z is after {DEMO_SNAPSHOT} was recorded (2026-11-20T09:00:00Z): "
        "a snapshot has no data after its own time\n"
    )
    assert run(["check", *demo, "--at", "2026-11-21T00:00:00Z"]) == 2
    assert "is after slo_definitions/snapshot.json.gz was recorded" in capsys.readouterr().err
    assert run(["report", *demo, "-f", "json", "--at", "2026-11-20T09:00:00Z"]) == 0  # its own time replays
