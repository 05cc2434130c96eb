"""The ready-to-copy CI examples in ``docs/ci/`` are valid and call commands that exist.

Each YAML file is parsed with ``yaml.safe_load``; every ``slokit ...`` command in its steps or scripts (both
branches of an ``if``) is run through ``slokit.cli.run`` with only the data source rewritten to the bundled
snapshot, from a copy of the repository's ``slo_definitions/``. The demo implies the exit codes: ``validate``
0, ``check`` 1 (payments/queue-health is exhausted), ``check --exempt ...`` 0. ``pre-deploy.sh`` runs under
bash with a ``slokit`` on PATH that replays the snapshot.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from slokit import pipeline
from slokit.cli import run
from slokit.sources.base import FetchedSeries
from slokit.sources.snapshot import SnapshotSource, write_snapshot
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "docs" / "ci"
SNAPSHOT = "slo_definitions/snapshot.json.gz"
EXEMPTION = "P0 fix INC-123"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-like directory: the example definitions and snapshot, and nothing of GitHub's."""
    shutil.copytree(ROOT / "slo_definitions", tmp_path / "slo_definitions")
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def slokit_commands(script: str) -> list[str]:
    """Every ``slokit ...`` command in a shell script: per line or ``;``-separated part, after then/else."""
    found = []
    for part in re.split(r"[;\n]", script):
        command = re.sub(r"^\s*(then|else|do)\s+", "", part).strip()
        if command.startswith("slokit "):
            found.append(command)
    return found


def as_argv(command: str, variables: dict[str, str]) -> list[str]:
    """Split like the shell, expand the workflow's variables, and point the data source at the snapshot."""
    words = [re.sub(r"\$\{?(\w+)\}?", lambda m: variables[m.group(1)], w) for w in shlex.split(command)]
    assert words[0] == "slokit"
    argv = words[1:]
    if "--prometheus-url" in argv:
        index = argv.index("--prometheus-url")
        del argv[index : index + 2]
    if argv[0] in ("check", "report", "record"):
        argv += ["--snapshot", SNAPSHOT]
    return argv


def expected_exit(argv: list[str]) -> int:
    if argv[0] == "validate":
        return 0
    assert argv[0] == "check", argv
    return 0 if "--exempt" in argv else 1  # the demo's exhausted payments/queue-health fails the gate


def run_all(commands: list[str], variables: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert any(c.startswith("slokit check ") for c in commands)
    for command in commands:
        argv = as_argv(command, variables)
        code = run(argv)
        out, err = capsys.readouterr()
        assert code == expected_exit(argv), (command, out, err)
        if argv[0] == "check":
            first = out.splitlines()[0]
            assert first.startswith("PASS (exempt: P0 fix INC-123)" if "--exempt" in argv else "FAIL: "), (
                first
            )
            junit = Path(argv[argv.index("--junit") + 1])
            assert junit.read_bytes().startswith(b"<?xml")
            junit.unlink()


def test_github_actions_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    workflow: dict[Any, Any] = yaml.safe_load((CI / "github-actions.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert "workflow_dispatch" in triggers
    jobs = workflow["jobs"]
    assert jobs["deploy"]["needs"] == "slo-gate"
    gate = jobs["slo-gate"]
    assert gate["env"]["SLOKIT_PROMETHEUS_TOKEN"] == "${{ secrets.SLOKIT_PROMETHEUS_TOKEN }}"
    scripts = [step["run"] for step in gate["steps"] if "run" in step]
    assert any(re.match(r"pip install ", s) for s in scripts)
    commands = [c for s in scripts for c in slokit_commands(s)]
    assert commands == [
        "slokit validate slo_definitions/",
        'slokit check slo_definitions/ --junit slo-gate.xml --exempt "$EXEMPT"',
        "slokit check slo_definitions/ --junit slo-gate.xml",
    ]
    run_all(commands, {"EXEMPT": EXEMPTION}, capsys)


def test_gitlab_ci_job(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline_ = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    job = pipeline_["slo-gate"]
    assert job["stage"] in (".pre", "test")
    assert job["artifacts"]["reports"]["junit"] == "slo-gate.xml"
    assert job["artifacts"]["when"] == "always"
    assert pipeline_["deploy"]["stage"] == "deploy"
    commands = [c for line in job["script"] for c in slokit_commands(line)]
    assert commands == [
        "slokit validate slo_definitions/",
        'slokit check slo_definitions/ --junit slo-gate.xml --exempt "$SLO_EXEMPT"',
        "slokit check slo_definitions/ --junit slo-gate.xml",
    ]
    run_all(commands, {"SLO_EXEMPT": EXEMPTION}, capsys)


@pytest.fixture
def shim(workdir: Path) -> dict[str, str]:
    """A ``slokit`` on PATH that runs this checkout's slokit against ``$SHIM_SNAPSHOT``."""
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    script = bin_dir / "slokit"
    script.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m slokit "$@" --snapshot "$SHIM_SNAPSHOT"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(ROOT),
        SHIM_SNAPSHOT=SNAPSHOT,
    )
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "SLO_DEFINITIONS"):
        env.pop(name, None)
    return env


def pre_deploy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CI / "pre-deploy.sh"), *args], env=env, capture_output=True, text=True, check=False
    )


def test_pre_deploy_script(shim: dict[str, str], workdir: Path) -> None:
    script = (CI / "pre-deploy.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script

    frozen = pre_deploy(shim)
    assert frozen.returncode == 1
    assert frozen.stdout.startswith("FAIL: 1 objective has exhausted its budget: payments/queue-health")
    assert frozen.stderr.splitlines()[0] == (
        "pre-deploy: release frozen: an error budget is spent (see the FAIL line above)."
    )

    exempt = pre_deploy(shim, EXEMPTION)
    assert exempt.returncode == 0, exempt.stderr
    assert exempt.stdout.startswith("PASS (exempt: P0 fix INC-123)")
    assert exempt.stdout.splitlines()[-1] == "pre-deploy: SLO gate passed, deploying."
    assert (workdir / "slo-gate.xml").exists()

    broken = workdir / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("apiVersion: slokit/v1\nservice: x\n")
    invalid = pre_deploy({**shim, "SLO_DEFINITIONS": str(broken)})
    assert invalid.returncode == 2
    assert invalid.stderr.splitlines()[-1] == (
        "pre-deploy: the SLO definitions or the options are invalid (see above); fix them first."
    )


def test_pre_deploy_script_on_a_source_failure(shim: dict[str, str], workdir: Path) -> None:
    source = SnapshotSource(Path(SNAPSHOT))
    plans = pipeline.plan(load([Path("slo_definitions")]), source.evaluated_at)
    failed = [FetchedSeries(p.query, error=f"{p.key}: cannot connect to Prometheus") for p in plans]
    write_snapshot(workdir / "down.json", source.evaluated_at, failed, {})
    down = pre_deploy({**shim, "SHIM_SNAPSHOT": str(workdir / "down.json")})
    assert down.returncode == 3
    assert down.stdout.startswith("ERROR: the data source failed for 8 objectives: ")
    assert down.stderr.splitlines()[-2:] == [
        "pre-deploy: could not read the SLIs from Prometheus, so the gate could not be checked.",
        "pre-deploy: retry, or pass on purpose with: slokit check slo_definitions/ --on-error pass",
    ]


def test_readme_links_the_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("github-actions.yml", "gitlab-ci.yml", "pre-deploy.sh"):
        assert f"(docs/ci/{name})" in readme
