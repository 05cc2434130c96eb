"""What `slokit report` adds for a review: attribution asked only by the formats that show it, and each
required postmortem's line naming the `slokit postmortem` command that drafts that very incident."""

from __future__ import annotations

import email
import email.policy
import re
import shlex
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from slokit.cli import run
from slokit.sources.insight import LabelShare, Unavailable
from slokit.sources.snapshot import SnapshotSource
from slokit.spec.models import SLI

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
SENDER = "SLO <slo@example.com>"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every objective the snapshot is asked to attribute (it answers as a snapshot does: it cannot)."""
    calls: list[str] = []

    def attribution(
        self: SnapshotSource, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        calls.append(",".join(labels))
        raise Unavailable("a snapshot holds no labels")

    monkeypatch.setattr(SnapshotSource, "attribution", attribution)
    return calls


@pytest.mark.parametrize(
    ("format", "times"), [("markdown", 1), ("html", 1), ("table", 0), ("json", 0), ("openmetrics", 0)]
)
def test_only_markdown_and_html_ask_for_attribution(
    format: str, times: int, asked: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["report", *DEMO, "--format", format, "--out", str(tmp_path / "out")]) == 0
    assert asked == ["instance"] * times  # checkout/order-completion, the one attributed example
    assert capsys.readouterr().err == ""  # a snapshot that cannot attribute is a note, not a warning


def test_check_does_not_ask_for_attribution(asked: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run(["check", *DEMO])
    assert asked == []


def test_the_email_asks_and_shows_the_note(
    asked: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mails"
    code = run(
        ["email", *DEMO, "--dry-run", "--out", str(out), "--smtp-from", SENDER, "--team", "checkout-dev"]
    )
    assert code == 0
    assert asked == ["instance"]
    (path,) = out.iterdir()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    parts = {
        part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()
    }
    note = "unknown from a snapshot (it holds the SLIs' events only)"
    assert note in parts["text/plain"]
    assert note[:1].upper() + note[1:].replace("'", "&#39;") in parts["text/html"]
    # The team's email lists its services' postmortems with their commands, in both parts.
    command = (
        "slokit postmortem slo_definitions --objective checkout/uptime --at 2026-11-11T09:00:00Z "
        "--snapshot slo_definitions/snapshot.json.gz"
    )
    assert f"Draft it: `{command}`" in parts["text/plain"]
    assert "Draft it: <code" in parts["text/html"] and command in parts["text/html"]


# --- postmortem commands --------------------------------------------------------------------------------


def markdown(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run(["report", *args, "--format", "markdown"]) == 0
    return capsys.readouterr().out


def drafts(text: str) -> list[tuple[str, str]]:
    """(the incident's span as the report line gives it, the command that line names)."""
    found = re.findall(
        r"^- \*\*.*?\*\* \(.*?\): incident (.*?) consumed .*? Draft it: `([^`]+)`$", text, re.M
    )
    return [(span, command) for span, command in found]


def when_line(draft: str) -> str:
    return next(line for line in draft.splitlines() if line.startswith("- **When**: "))


def test_each_required_postmortem_names_the_command_that_drafts_that_incident(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = drafts(markdown(capsys, *DEMO))
    # The demo's five incidents over their policy's share (checked by hand in test_report_golden.py), each
    # named by its start: the window moving on does not renumber it.
    assert [command for _, command in lines] == [
        f"slokit postmortem slo_definitions --objective {key} --at {start} "
        "--snapshot slo_definitions/snapshot.json.gz"
        for key, start in [
            ("checkout/order-completion", "2026-11-14T09:00:00Z"),
            ("checkout/uptime", "2026-11-11T09:00:00Z"),
            ("payments/queue-health", "2026-10-31T09:00:00Z"),
            ("payments/queue-health", "2026-11-09T09:00:00Z"),
            ("payments/queue-health", "2026-11-17T09:00:00Z"),
        ]
    ]
    # Run as printed, each drafts the incident of its line: the same span as the report gives.
    for span, command in lines:
        words = shlex.split(command)
        assert words[:2] == ["slokit", "postmortem"]
        assert run(words[1:]) == 0
        draft = capsys.readouterr().out
        assert when_line(draft) == f"- **When**: {span}", command


def test_the_command_names_the_incident_by_its_start_whatever_at_the_report_had(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Unix seconds of 2026-11-20 09:00 UTC, the snapshot's own time: the command does not repeat the
    # evaluation time (a later draft evaluates now) but names the incident's start in RFC 3339.
    lines = drafts(markdown(capsys, *DEMO, "--at", "1795165200"))
    assert len(lines) == 5
    span, command = lines[-1]
    assert "2026-11-17 09:00 to 09:15 UTC" in span
    assert command == (
        "slokit postmortem slo_definitions --objective payments/queue-health --at 2026-11-17T09:00:00Z "
        "--snapshot slo_definitions/snapshot.json.gz"
    )
    assert run(shlex.split(command)[1:]) == 0
    assert when_line(capsys.readouterr().out) == "- **When**: 2026-11-17 09:00 to 09:15 UTC"


def test_paths_are_quoted_for_a_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "our slos"
    shutil.copytree(ROOT / "slo_definitions", folder)
    snapshot = str(folder / "snapshot.json.gz")
    table = run(["report", str(folder), "--snapshot", snapshot])
    assert table == 0
    out = capsys.readouterr().out
    commands = [line.removeprefix("    draft it: ") for line in out.splitlines() if "draft it:" in line]
    assert len(commands) == 5
    objective = "--objective checkout/order-completion --at 2026-11-14T09:00:00Z"
    assert commands[0] == f"slokit postmortem '{folder}' {objective} --snapshot '{snapshot}'"
    assert shlex.split(commands[0])[2] == str(folder)


def test_a_report_from_the_python_api_prints_no_command() -> None:
    from slokit import pipeline
    from slokit.report.markdown import render_markdown
    from slokit.spec import load

    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    text = render_markdown(report)
    assert "Draft it:" not in text
    assert "incident since 2026-11-14 09:00 UTC (ongoing) consumed 56.2% of the error budget" in text
