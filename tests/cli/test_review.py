"""``slokit review`` through the command line: output, usage errors with their exact text, exit codes.

The demo (``slo_definitions/``) is replayed from its snapshot (recorded 2026-11-20T09:00Z at 5-minute steps,
1-minute slices): the review sums those steps into its hourly history, so its weeks are checked against the
snapshot's own steps, decoded here from the file.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import pty
import re
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from slokit.cli import run
from slokit.review.json_review import schema

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "slo_definitions" / "snapshot.json.gz"
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
WEEKS = ["--period", "week", "--periods", "2"]


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)


def _review(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert run(["review", *DEMO, "-f", "json", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    document: dict[str, Any] = json.loads(out)
    return document


def _recorded(key: str) -> tuple[datetime, timedelta, dict[str, np.ndarray]]:
    """The snapshot's steps of one objective: first step end, step, role -> values."""
    with gzip.open(SNAPSHOT) as handle:
        item = json.load(handle)["objectives"][key]
    series = {
        role: np.frombuffer(base64.b64decode(v["float64le"]), dtype="<f8")
        for role, v in item["series"].items()
    }
    start = datetime.fromisoformat(item["start"].replace("Z", "+00:00"))
    return start, timedelta(seconds=item["step_seconds"]), series


def _between(key: str, role: str, start: datetime, end: datetime) -> float:
    """The snapshot's events of ``role`` in the steps ending in ``(start, end]``."""
    first, step, series = _recorded(key)
    values = series[role]
    ends = [first + i * step for i in range(values.size)]
    return float(sum(v for e, v in zip(ends, values, strict=True) if start < e <= end and not np.isnan(v)))


def test_review_json_weeks_are_the_snapshots_steps_summed(capsys: pytest.CaptureFixture[str]) -> None:
    document = _review(capsys, *WEEKS)
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(document))
    assert errors == []
    assert document["evaluated_at"] == "2026-11-20T09:00:00Z"
    by_key = {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}
    item = by_key["checkout/availability"]
    assert [p["label"] for p in item["periods"]] == ["2026-W45", "2026-W46"]
    for period in item["periods"]:
        start = datetime.fromisoformat(period["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(period["end"].replace("Z", "+00:00"))
        total = _between("checkout/availability", "total", start, end)
        good = _between("checkout/availability", "good", start, end)
        assert period["total_events"] == pytest.approx(total, rel=1e-12)
        assert period["bad_events"] == pytest.approx(total - good, rel=1e-9)
        assert period["budget_consumed"] == pytest.approx((total - good) / (0.001 * total))
    # The demo's checkout defines releases; a snapshot cannot tell them: unknown, with a note.
    assert item["releases"] is None
    assert [p["releases"] for p in item["periods"]] == [None, None]
    assert "releases: unknown from a snapshot (it holds the SLIs' events only)" in item["notes"]


def test_review_window_period_covers_the_reports_window(capsys: pytest.CaptureFixture[str]) -> None:
    """One window-long period ending at the snapshot's time holds the report's window events."""
    review = _review(capsys, "--period", "window", "--periods", "1", "--objective", "checkout/availability")
    assert run(["report", *DEMO, "-f", "json", "--objective", "checkout/availability"]) == 0
    report = json.loads(capsys.readouterr().out)["objectives"][0]
    (period,) = review["objectives"][0]["periods"]
    assert (period["start"], period["end"]) == ("2026-10-21T09:00:00Z", "2026-11-20T09:00:00Z")
    assert period["bad_events"] == pytest.approx(report["bad_events"], rel=1e-9)
    assert period["total_events"] == pytest.approx(report["total_events"], rel=1e-9)


USAGE: dict[str, tuple[list[str], str]] = {
    "zero periods": (["--periods", "0"], "error: --periods must be at least 1, got 0\n"),
    "negative periods": (["--periods", "-3"], "error: --periods must be at least 1, got -3\n"),
    "periods not a number": (
        ["--periods", "six"],
        "error: Invalid value for '--periods': Input should be a valid integer, unable to parse string as an "
        "integer (see 'slokit review --help')\n",
    ),
    "unknown period": (
        ["--period", "year"],
        "error: Invalid value for '--period': Value error, 'year' is not one of 'month', 'week', 'quarter', "
        "'window'. (see 'slokit review --help')\n",
    ),
    "unknown format": (
        ["-f", "openmetrics"],
        "error: Invalid value for '--format' / '-f': Value error, 'openmetrics' is not one of 'table', "
        "'markdown', 'html', 'json'. (see 'slokit review --help')\n",
    ),
    "nothing selected": (
        ["--service", "nope"],
        "error: nothing to review: no objective matches the selection (--team, --service, --objective)\n",
    ),
    "unknown team": (
        ["--team", "nobody"],
        "error: --team 'nobody' is neither a team nor a kind (teams: checkout-dev, discovery-dev, "
        "payments-dev, platform-ops; kinds: operational, application)\n",
    ),
    "at after the snapshot": (
        ["--at", "2026-11-21T00:00:00Z"],
        "error: --at 2026-11-21T00:00:00Z is after slo_definitions/snapshot.json.gz was recorded "
        "(2026-11-20T09:00:00Z): a snapshot has no data after its own time\n",
    ),
}


@pytest.mark.parametrize("case", USAGE.values(), ids=USAGE.keys())
def test_review_usage_errors_exit_2_with_one_line(
    case: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    args, message = case
    assert run(["review", *DEMO, *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == message


def test_review_of_bad_definitions_exits_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: slokit/v1\nservice: x\nobjectives: 3\n")
    assert run(["review", str(tmp_path), "--snapshot", str(SNAPSHOT)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{tmp_path / 'bad.yaml'}:")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_review_against_a_prometheus_that_is_down_exits_3_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    url = f"http://127.0.0.1:{_closed_port()}"
    args = ["slo_definitions", "--at", "2026-11-20T09:00:00Z", "--prometheus-url", url]
    assert run(["review", *args, "--config", str(tmp_path / "slokit.yaml"), "-f", "json"]) == 3
    out, err = capsys.readouterr()
    refused = f"cannot connect to Prometheus at {url}: connection refused"
    assert err == f"error: 8 objectives: {refused}\n"
    document = json.loads(out)
    assert document["objectives"][0]["error"] == f"checkout/availability: {refused}"
    assert all(o["error_kind"] == "source" for o in document["objectives"])
    # The planned periods are kept, every figure unknown: a reader sees which months failed.
    months = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    for item in document["objectives"]:
        assert [p["label"] for p in item["periods"]] == months
        assert all(p["sli"] is None and p["bad_events"] is None for p in item["periods"])


def test_review_out_writes_the_file_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "review.json"
    assert run(["review", *DEMO, *WEEKS, "-f", "json", "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert json.loads(target.read_text())["evaluated_at"] == "2026-11-20T09:00:00Z"


@pytest.mark.parametrize("format", ["table", "markdown", "html"])
def test_review_prints_every_objective_in_each_format(
    format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["review", *DEMO, *WEEKS, "-f", format]) == 0
    out = capsys.readouterr().out
    for name in ("availability", "order-completion", "authorisation-success", "search-latency"):
        assert name in out
    assert "2026-W46" in out


def test_review_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["review", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--periods", "--period", "--at", "--team", "--service", "--objective", "--format",
                   "--out", "--snapshot", "--prometheus-url", "--source"):  # fmt: skip
        assert option in out


def test_review_refuses_source_recorded_before_any_query(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"  # nothing listens: a query would fail, not refuse
    assert run(["review", "slo_definitions", "--prometheus-url", url, "--source", "recorded"]) == 2
    assert capsys.readouterr() == (
        "",
        "error: the review reads hourly steps over months, which the recorded series of `slokit rules` (one "
        "per evaluation step) do not hold: use --source auto or raw (auto reads the selectors for the "
        "review)\n",
    )


README = (ROOT / "README.md").read_text(encoding="utf-8")
README_REVIEW = README.split("### `slokit review`", 1)[1].split("\n### ", 1)[0]


def test_every_review_option_is_in_the_readme_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["review", "--help"]) == 0
    options = set(re.findall(r"(--[a-z][a-z-]+)", capsys.readouterr().out)) - {"--help"}
    connection = {"--header", "--ca-bundle", "--insecure", "--timeout", "--concurrency", "--config"}
    missing = sorted(o for o in options - connection if o not in README_REVIEW)
    assert missing == [], missing


def test_the_readme_review_example_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    command = README_REVIEW.split("```sh\n", 1)[1].split("\n```", 1)[0]
    shown = README_REVIEW.split("```sh\n", 1)[1].split("```\n", 2)[2].split("\n```", 1)[0].splitlines()
    args = command.replace("\\\n", " ").split()
    assert args[0] == "slokit"
    assert run(args[1:]) == 0
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    start = printed.index(shown[0])
    assert printed[start : start + len(shown)] == shown


def test_review_shows_the_progress_bar_on_a_terminal_only() -> None:
    from tests.cli.test_progress import environment, on_terminal

    command = [sys.executable, "-m", "slokit", "review", *DEMO, *WEEKS, "-f", "json"]
    stdout, terminal = on_terminal(command, environment(), "stderr")
    assert "querying" in terminal and "100%" in terminal
    assert json.loads(stdout)["evaluated_at"] == "2026-11-20T09:00:00Z"
    _, quiet = on_terminal(command, environment(CI="true"), "stderr")
    assert "querying" not in quiet


def test_review_source_errors_reach_stderr_whole_on_a_terminal_too(tmp_path: Path) -> None:
    """The table names each failed objective; the reason, which a table cell may cut, is on stderr once,
    whole, whether stdout is a terminal or a pipe."""
    from tests.cli.test_progress import environment

    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    url = f"http://127.0.0.1:{_closed_port()}"
    command = [sys.executable, "-m", "slokit", "review", "slo_definitions", "--at", "2026-11-20T09:00:00Z",
               "--prometheus-url", url, "--config", str(tmp_path / "slokit.yaml"),
               "--service", "search"]  # fmt: skip
    env = environment(CI="1")
    line = f"error: 2 objectives: cannot connect to Prometheus at {url}: connection refused\n"
    piped = subprocess.run(command, capture_output=True, env=env, timeout=60, check=False)
    assert (piped.returncode, piped.stderr.decode()) == (3, line)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            command, stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60, check=False
        )
    finally:
        os.close(follower)
    screen = os.read(leader, 65536).decode(errors="replace")
    os.close(leader)
    assert (done.returncode, done.stderr.decode()) == (3, line)
    assert "search/search-latency" in screen and "search/search-availability" in screen
