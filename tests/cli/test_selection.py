"""Selection: ``--team`` takes an owner's team name as well as a kind; ``--objective`` takes
SERVICE/OBJECTIVE.

The demo (``slo_definitions/``, replayed from its snapshot): platform-ops owns the operational objectives of
checkout, payments and search; checkout-dev, payments-dev and discovery-dev one application objective each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
TEAMS = "teams: checkout-dev, discovery-dev, payments-dev, platform-ops"


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("HOST", "FROM"):
        monkeypatch.delenv(f"SLOKIT_SMTP_{name}", raising=False)


def selected(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert run(["report", *DEMO, "-f", "json", *args]) == 0
    return [f"{o['service']}/{o['objective']}" for o in json.loads(capsys.readouterr().out)["objectives"]]


def test_team_name_selects_the_objectives_that_team_owns(capsys: pytest.CaptureFixture[str]) -> None:
    assert selected(capsys, "--team", "platform-ops") == [
        "checkout/availability",
        "checkout/latency",
        "checkout/uptime",
        "payments/queue-health",
        "search/search-availability",
    ]
    assert selected(capsys, "--team", "checkout-dev") == ["checkout/order-completion"]
    assert selected(capsys, "--team", "application") == [
        "checkout/order-completion",
        "payments/authorisation-success",
        "search/search-latency",
    ]
    assert selected(capsys, "--team", "platform-ops", "--service", "payments") == ["payments/queue-health"]

    assert run(["check", *DEMO, "--team", "payments-dev"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "PASS: 1 objective passes its gate"
    assert [line.split()[1] for line in out[2:]] == ["payments/authorisation-success"]


def test_objective_accepts_service_slash_objective_as_reports_print_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert selected(capsys, "--objective", "payments/queue-health") == ["payments/queue-health"]
    assert selected(capsys, "--objective", "checkout/uptime", "--objective", "search-latency") == [
        "checkout/uptime",
        "search/search-latency",
    ]
    # The service part must match too.
    assert run(["report", *DEMO, "--objective", "payments/uptime"]) == 2
    assert capsys.readouterr().err == (
        "error: nothing to report: no objective matches the selection (--team, --service, --objective)\n"
    )
    assert run(["check", *DEMO, "--objective", "payments/queue-health"]) == 1
    assert capsys.readouterr().out.startswith(
        "FAIL: 1 objective has exhausted its budget: payments/queue-health"
    )


@pytest.mark.parametrize("command", ["report", "check"])
def test_unknown_team_is_a_usage_error_listing_the_teams_and_kinds(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert run([command, *DEMO, "--team", "platfrom-ops"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: --team 'platfrom-ops' is neither a team nor a kind ({TEAMS}; "
        "kinds: operational, application)\n"
    )


def test_email_team_takes_a_team_name_and_still_both(capsys: pytest.CaptureFixture[str]) -> None:
    sender = ["--dry-run", "--smtp-from", "slo@example.com"]
    assert run(["email", *DEMO, *sender, "--team", "checkout-dev"]) == 0
    assert capsys.readouterr().out == (
        "would send: checkout-dev -> checkout-dev@example.com, checkout-lead@example.com: "
        "[slokit] checkout: 1 warning - checkout-dev report 2026-11-20\n"
    )
    assert run(["email", *DEMO, *sender, "--team", "both"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # every team

    assert run(["email", *DEMO, *sender, "--team", "checkout"]) == 2
    assert capsys.readouterr().err == (
        f"error: --team 'checkout' is neither a team nor a kind ({TEAMS}; "
        "kinds: operational, application, both)\n"
    )
    assert run(["email", *DEMO, *sender, "--team", "checkout-dev", "--service", "payments"]) == 2
    assert capsys.readouterr().err == (
        "error: no team checkout-dev's objectives in the selection: no team to send to\n"
    )
