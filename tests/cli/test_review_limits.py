"""``slokit review`` and ``slokit.history``: how many periods a review may have, the options the Python API
checks as the command line does, and ``--source recorded``, each refused with one line and exit 2."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import slokit
from slokit.cli import run
from slokit.engine.periods import review_periods
from slokit.errors import UsageError
from slokit.review.build import plan
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
SNAPSHOT = "slo_definitions/snapshot.json.gz"
CAP = "--periods must be at most 120 (10 years of months), got {}"
AT = datetime(2026, 11, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


TOO_MANY = {
    "a million months": (["--periods", "1000000"], CAP.format(1000000)),
    "121 months": (["--periods", "121"], CAP.format(121)),
    "20000 windows": (["--period", "window", "--periods", "20000"], CAP.format(20000)),
    "41 quarters": (
        ["--period", "quarter", "--periods", "41"],
        "--periods must be at most 40 for checkout/availability's quarters (a review spans at most 10 "
        "years), got 41",
    ),
}


@pytest.mark.parametrize("case", TOO_MANY.values(), ids=TOO_MANY.keys())
def test_review_refuses_more_periods_than_the_cap_exit_2(
    case: tuple[list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    args, message = case
    assert run(["review", *DEMO, *args, "-f", "json"]) == 2
    assert capsys.readouterr() == ("", f"error: {message}\n")


def _objective(tmp_path: Path, window: str) -> Path:
    path = tmp_path / "long.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            apiVersion: slokit/v1
            service: shop
            owners:
              operational: {{team: ops, email: [ops@example.com]}}
            window: {window}
            objectives:
              - name: availability
                kind: operational
                target: 99.9
                sli:
                  ratio:
                    good: requests_total{{code!~"5.."}}
                    total: requests_total
            """
        )
    )
    return path


def test_review_window_periods_span_at_most_10_years(tmp_path: Path) -> None:
    # 90-day windows: 40 of them are 3,600 days (under 10 years of 3,652.5), 41 are 3,690.
    definitions = load([_objective(tmp_path, "90d")])
    (planned,) = plan(definitions, AT, periods=40, period_kind="window")
    assert planned.periods[-1].end - planned.periods[0].start == timedelta(days=3600)
    with pytest.raises(UsageError) as refused:
        plan(definitions, AT, periods=41, period_kind="window")
    assert str(refused.value) == (
        "--periods must be at most 40 for shop/availability's windows of 90d (a review spans at most 10 "
        "years), got 41"
    )


def test_review_allows_ten_years_of_months_and_quarters(tmp_path: Path) -> None:
    definitions = load([_objective(tmp_path, "30d")])
    (months,) = plan(definitions, AT, periods=120, period_kind="month")
    assert (months.periods[0].label, months.periods[-1].label) == ("2016-11", "2026-10")
    (quarters,) = plan(definitions, AT, periods=40, period_kind="quarter")
    assert (quarters.periods[0].label, quarters.periods[-1].label) == ("2016-Q4", "2026-Q3")


def test_review_periods_outside_the_calendar_are_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="reach outside the calendar"):
        review_periods("month", 30_000, AT)
    with pytest.raises(ValueError, match="reach outside the calendar"):
        review_periods("window", 10**9, AT, window=timedelta(days=30))


def test_history_refuses_what_the_command_refuses_with_its_words() -> None:
    cases = {
        "--periods must be at most 120 (10 years of months), got 100000": {"periods": 100000},
        "--period must be one of month, week, quarter, window, got 'year'": {"period": "year"},
        "--periods must be a whole number, got '3'": {"periods": "3"},
        "--periods must be a whole number, got 2.5": {"periods": 2.5},
    }
    for message, options in cases.items():
        with pytest.raises(UsageError) as refused:
            slokit.history("slo_definitions/", snapshot=SNAPSHOT, **options)  # type: ignore[arg-type]
        assert str(refused.value) == message


def test_review_refuses_source_recorded_with_a_snapshot_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["review", *DEMO, "--source", "recorded"]) == 2
    assert capsys.readouterr() == (
        "",
        "error: the review reads hourly steps over months, which the recorded series of `slokit rules` (one "
        "per evaluation step) do not hold: use --source auto or raw (auto reads the selectors for the "
        "review)\n",
    )


def test_a_failed_objective_keeps_its_reason_whole_and_its_periods_in_the_saved_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = tmp_path / "slokit.yaml"
    config.write_text("prometheus: {retries: 0}\n")
    url = f"http://127.0.0.1:{port}"
    args = ["review", "slo_definitions", "--at", "2026-11-20T09:00:00Z", "--prometheus-url", url,
            "--config", str(config), "--periods", "2", "--service", "search"]  # fmt: skip
    reason = f"cannot connect to Prometheus at {url}: connection refused"
    table = tmp_path / "review.txt"
    assert run([*args, "-o", str(table)]) == 3
    lines = table.read_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "slokit review · 2 months, 2026-09 to 2026-10 · 2 objectives"
    # Folded over two lines at 80 columns, not cut: joined, the whole reason is there.
    joined = " ".join(line.strip() for line in lines)
    assert f"error: search/search-latency: {reason}" in joined
    assert f"error: search/search-availability: {reason}" in joined
    markdown = tmp_path / "review.md"
    assert run([*args, "-f", "markdown", "-o", str(markdown)]) == 3
    assert (
        "**Error**: the data source failed, nothing was computed for months 2026-09, 2026-10: "
        f"search/search-latency: {reason}\n"
    ) in markdown.read_text()
    capsys.readouterr()


def test_review_json_has_each_objectives_step_and_no_top_level_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    assert run(["review", *DEMO, "--period", "week", "--periods", "1", "-f", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert "step_seconds" not in document
    steps = {f"{o['service']}/{o['objective']}": o["step_seconds"] for o in document["objectives"]}
    assert steps["checkout/availability"] == 3600  # events: hourly
    assert steps["payments/queue-health"] == steps["checkout/uptime"] == 60  # slices of a minute
