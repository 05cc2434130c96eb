"""Golden files: the demo snapshot rendered as table, markdown and JSON, compared byte for byte.

The goldens were checked by hand once (checkout/uptime: 12 bad one-minute slices of 43,200 against a budget
of 21.6 -> SLI 99.972 %, 44.4 % left = 9m36s of outage; payments/queue-health: 46 bad slices of 40,320 against
40.32 -> -14.1 %, exhausted, releases frozen by its `freeze_on: warning` policy; checkout/availability:
60.2 % left at 0.28x burn lasts 0.602 * 30 d / 0.282 = 64d2h, and 0.001 * 103,664,358 - 41,232 bad =
62,432 bad events still allowed, shown as 62.4k; the JSON has the exact figures). After a deliberate
change, regenerate them with ``SLOKIT_UPDATE_GOLDEN=1 pytest tests/cli/test_report_golden.py`` and read
the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
ARGS = [str(ROOT / "slo_definitions"), "--snapshot", str(ROOT / "slo_definitions" / "snapshot.json.gz")]
# As a user in a checkout types them: the postmortem commands in the report repeat them.
RELATIVE = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]


@pytest.mark.parametrize(
    ("format", "name"), [("table", "demo.txt"), ("markdown", "demo.md"), ("json", "demo.json")]
)
def test_demo_report_matches_golden(
    format: str,
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # definition paths in the output are relative, as a user would type them
    out = tmp_path / name
    assert run(["report", *RELATIVE, "--format", format, "--out", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    rendered = out.read_text(encoding="utf-8")
    golden = GOLDEN / name
    if os.environ.get("SLOKIT_UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def test_stdout_equals_the_file(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert run(["report", *RELATIVE, "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "demo.md").read_text(encoding="utf-8")
    assert run(["report", *RELATIVE]) == 0  # table, the default; piped: no colour
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert out == (GOLDEN / "demo.txt").read_text(encoding="utf-8")


def test_team_filter_keeps_one_teams_objectives(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert run(["report", *ARGS, "--format", "json", "--team", "application"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(o["service"], o["objective"], o["team"]) for o in document["objectives"]] == [
        ("checkout", "order-completion", "checkout-dev"),
        ("payments", "authorisation-success", "payments-dev"),
        ("search", "search-latency", "discovery-dev"),
    ]


def test_out_is_atomic_and_leaves_nothing_behind_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.md"
    out.write_text("last week's report\n")
    code = run(
        ["report", *ARGS, "--format", "markdown", "--out", str(out), "--templates", str(tmp_path / "nope")]
    )
    assert code == 2  # a typo in --templates must not quietly fall back to the bundled templates
    assert capsys.readouterr().err == f"error: --templates {tmp_path / 'nope'}: no such directory\n"
    assert out.read_text() == "last week's report\n"
    (tmp_path / "empty").mkdir()
    assert (
        run(
            [
                "report",
                *ARGS,
                "--format",
                "markdown",
                "--out",
                str(out),
                "--templates",
                str(tmp_path / "empty"),
            ]
        )
        == 0
    )
    assert out.read_text().startswith("# SLO report")  # no override for this file: the bundled one
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "report.md.j2").write_text("{{ no_such_variable }}\n")
    out.write_text("last week's report\n")
    code = run(
        ["report", *ARGS, "--format", "markdown", "--out", str(out), "--templates", str(tmp_path / "broken")]
    )
    assert code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: template {tmp_path / 'broken' / 'report.md.j2'}: 'no_such_variable' is undefined"
    )
    assert out.read_text() == "last week's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "empty", "report.md"]


def test_openmetrics_format_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from slokit import pipeline
    from slokit.report.model import Selection
    from slokit.report.openmetrics import render_openmetrics
    from slokit.sources.snapshot import SnapshotSource
    from slokit.spec import load

    assert run(["report", *ARGS, "--format", "openmetrics", "--objective", "uptime"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("# EOF\n")
    assert (
        'slokit_error_budget_remaining{service="checkout",objective="uptime",kind="operational",'
        'team="platform-ops",label_domain="commerce",label_tier="1"} 0.44444444444'
    ) in out
    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(
        load([ROOT / "slo_definitions"]),
        source,
        pipeline.pin(source.evaluated_at),
        Selection(objectives=("uptime",)),
    )
    assert out == render_openmetrics(report)


def test_out_gets_ordinary_file_permissions(tmp_path: Path) -> None:
    new = tmp_path / "new.md"
    assert run(["report", *ARGS, "--format", "markdown", "--out", str(new)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    existing = tmp_path / "existing.md"
    existing.write_text("old\n")
    existing.chmod(0o640)
    assert run(["report", *ARGS, "--format", "markdown", "--out", str(existing)]) == 0
    assert existing.stat().st_mode & 0o777 == 0o640


def test_html_format_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run(["report", *ARGS, "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('src="data:image/png;base64,') == 16  # two charts for each of the 8 objectives
