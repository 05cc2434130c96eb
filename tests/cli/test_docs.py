"""The README documents what the CLI has: every command, and every option of `report` (against --help)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slokit.cli import run

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def help_text(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run([*args, "--help"]) == 0
    return capsys.readouterr().out


def test_every_command_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys)
    commands = re.findall(r"^  (\w+)\s{2,}", text.split("Commands:")[1], flags=re.MULTILINE)
    assert {"validate", "report", "record"} <= set(commands)
    for command in commands:
        assert f"`slokit {command}" in README, f"README does not document `slokit {command}`"


def test_every_report_option_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text(capsys, "report"))) - {"--help"}
    assert {"--format", "--team", "--snapshot", "--out", "--templates"} <= options
    missing = sorted(
        o for o in options if f"`{o}" not in README and f" {o} " not in README and f"[{o}" not in README
    )
    assert missing == []


def test_the_readme_quickstart_report_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    first = next(line for line in quickstart.splitlines() if line and not line.startswith("#"))
    command = first.split("&& .venv/bin/slokit ", 1)[1].split()
    assert command[0] == "report"
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    assert run(command) == 0
    out = capsys.readouterr().out
    assert out.startswith("slokit report · evaluated 2026-11-20 09:00 UTC · 8 objectives")
    assert "payments/queue-health" in out


def test_validate_help_speaks_of_no_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    # validate has no --snapshot; its --at help, shared with report, said "a snapshot's own time".
    text = " ".join(help_text(capsys, "validate").split())
    assert "--at TIME With --prometheus-url: look selectors up" in text
    assert "snapshot" not in text.lower()
