"""Runbook and dashboard URLs (issue 12): validated in definitions, the objective's over the service's, and
shown in every human format and in JSON; OpenMetrics carries no links (a URL is not a measurement, and a
label that changes with a URL edit would start a new series)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slokit.cli import run
from slokit.engine import Policy
from slokit.report.html import EMAIL_TEMPLATE, render_html
from slokit.report.model import ObjectiveReport, Report
from slokit.report.render import render_text
from slokit.spec import load

from .builders import healthy_report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RUNBOOK = "https://runbooks.example.com/admin?q=a&b=<c>"
DASHBOARD = "https://grafana.example.com/d/admin"

SERVICE = """\
apiVersion: slokit/v1
service: admin
owners:
  operational: {team: platform-ops}
  application: {team: admin-dev}
runbook: https://runbooks.example.com/admin
dashboard: https://grafana.example.com/d/admin
objectives:
  - name: availability
    kind: operational
    target: 99.9
    sli:
      ratio: {good: ok_total, total: all_total}
  - name: login
    kind: application
    target: 99.5
    runbook: https://runbooks.example.com/admin/login
    sli:
      ratio: {good: ok_total, total: all_total}
"""


def test_the_objective_runbook_overrides_the_service_runbook(tmp_path: Path) -> None:
    path = tmp_path / "admin.yaml"
    path.write_text(SERVICE)
    spec = load([path]).services[0].spec
    availability, login = spec.objectives
    assert (spec.runbook_for(availability), spec.dashboard_for(availability)) == (
        "https://runbooks.example.com/admin",
        "https://grafana.example.com/d/admin",
    )
    assert (spec.runbook_for(login), spec.dashboard_for(login)) == (
        "https://runbooks.example.com/admin/login",
        "https://grafana.example.com/d/admin",
    )


def test_bad_urls_are_definition_errors_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SERVICE.replace(
        "runbook: https://runbooks.example.com/admin\n", "runbook: 'javascript:alert(1)'\n"
    ).replace("dashboard: https://grafana.example.com/d/admin\n", "dashboard: grafana.example.com/d/admin\n")
    text = text.replace(
        "runbook: https://runbooks.example.com/admin/login",
        'runbook: "https://runbooks.example.com/a\\nb"\n    dashboard: "https:///no-host"',
    )
    path = tmp_path / "admin.yaml"
    path.write_text(text)
    assert run(["validate", str(path)]) == 2
    rule = "must be an absolute http:// or https:// URL"
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:6: runbook: {rule} (got 'javascript:alert(1)'): scheme 'javascript'",
        f"{path}:7: dashboard: {rule} (got 'grafana.example.com/d/admin'): no scheme",
        f"{path}:17: objectives[1].runbook: {rule} (got 'https://runbooks.example.com/a\\nb'): "
        "spaces and control characters are not allowed",
        f"{path}:18: objectives[1].dashboard: {rule} (got 'https:///no-host'): no host",
    ]


def _report(runbook: str | None, dashboard: str | None) -> Report:
    return healthy_report(runbook=runbook, dashboard=dashboard)


def test_json_has_runbook_and_dashboard_or_null() -> None:
    [objective] = json.loads(render_text(_report(RUNBOOK, DASHBOARD), "json"))["objectives"]
    assert (objective["runbook"], objective["dashboard"]) == (RUNBOOK, DASHBOARD)
    [plain] = json.loads(render_text(_report(None, None), "json"))["objectives"]
    assert (plain["runbook"], plain["dashboard"]) == (None, None)


ESCAPED = "https://runbooks.example.com/admin?q=a&amp;b=&lt;c&gt;"


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("table", f"Links:\n  admin/errors: runbook {RUNBOOK} · dashboard {DASHBOARD}\n"),
        (
            "markdown",
            "- admin/errors: [runbook](<https://runbooks.example.com/admin?q=a&b=%3Cc%3E>) · "
            f"[dashboard](<{DASHBOARD}>)\n",
        ),
        (
            "html",
            f'<a href="{ESCAPED}" rel="noopener noreferrer">Runbook</a> · '
            f'<a href="{DASHBOARD}" rel="noopener noreferrer">Dashboard</a>',
        ),
    ],
)
def test_every_human_format_shows_the_links(fmt: str, line: str) -> None:
    assert line in render_text(_report(RUNBOOK, DASHBOARD), fmt)
    without = render_text(_report(None, None), fmt)
    assert "Links:" not in without and "runbooks.example.com" not in without and "Runbook" not in without


def test_the_email_links_runbook_and_dashboard() -> None:
    html = render_html(_report(RUNBOOK, DASHBOARD), images="cid", template=EMAIL_TEMPLATE, title="t").html
    assert f'<a href="{ESCAPED}" style="color:#0969da;">Runbook</a>' in html
    assert f'<a href="{DASHBOARD}" style="color:#0969da;">Dashboard</a>' in html


def test_a_single_link_is_shown_alone() -> None:
    text = render_text(_report(None, DASHBOARD), "table")
    assert f"  admin/errors: dashboard {DASHBOARD}\n" in text


def test_openmetrics_carries_no_links() -> None:
    assert "example.com" not in render_text(_report(RUNBOOK, DASHBOARD), "openmetrics")


def test_a_report_takes_the_effective_links_from_the_definitions(tmp_path: Path) -> None:
    path = tmp_path / "admin.yaml"
    path.write_text(SERVICE)
    loaded = load([path]).services[0]
    result = _report(None, None).objectives[0].result
    login = ObjectiveReport.build(loaded, 1, result, Policy())
    assert (login.runbook, login.dashboard) == (
        "https://runbooks.example.com/admin/login",
        "https://grafana.example.com/d/admin",
    )
