"""The schedule examples in ``docs/schedule/`` are valid and run a ``slokit email`` that works.

Each file is parsed (YAML with ``yaml.safe_load_all``, systemd units strictly with configparser, and with
``systemd-analyze verify``/``calendar`` where systemd is installed); every cron expression has five fields
in range; every ``slokit`` command is run through ``slokit.cli.run`` with the file's own environment, plus
``--dry-run --out DIR`` and the bundled snapshot instead of Prometheus, from a copy of ``slo_definitions/``.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = ROOT / "docs" / "schedule"
SNAPSHOT = "slo_definitions/snapshot.json.gz"
CRON_FIELDS = [  # (low, high, names) for minute, hour, day of month, month, day of week
    (0, 59, []),
    (0, 23, []),
    (1, 31, []),
    (1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
    (0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
]


def valid_cron(expression: str) -> bool:
    """A standard five-field cron expression: lists of *, N or N-M, each optionally /step, values in range."""
    fields = expression.split()
    if len(fields) != 5:
        return False
    for field, (low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        for item in field.split(","):
            match = re.fullmatch(r"(\*|\w+(?:-\w+)?)(?:/(\d+))?", item.lower())
            if not match or (match.group(2) is not None and int(match.group(2)) < 1):
                return False
            if match.group(1) == "*":
                continue
            for value in match.group(1).split("-"):
                number = names.index(value) + (low if names and low == 1 else 0) if value in names else value
                if not str(number).isdigit() or not low <= int(number) <= high:
                    return False
    return True


def test_the_cron_check_itself() -> None:
    assert valid_cron("0 7 * * 1") and valid_cron("*/15 0-6,22 1 jan-mar mon-fri")
    assert not valid_cron("0 7 * *")  # four fields
    assert not valid_cron("60 7 * * 1") and not valid_cron("0 7 * * 8") and not valid_cron("0 7 * 13 *")
    assert not valid_cron("0 7 * * 1/0") and not valid_cron("@weekly x y z w")


def env_file() -> dict[str, str]:
    """``slokit.env.example``, read the way systemd's EnvironmentFile= and ``set -a; . file`` read it."""
    pairs = {}
    for line in (SCHEDULE / "slokit.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", name), line
            pairs[name] = value
    return pairs


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "slo_definitions", tmp_path / "slo_definitions")
    monkeypatch.chdir(tmp_path)
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "TLS", "CA_BUNDLE", "REPLY_TO", "TIMEOUT"):
        monkeypatch.delenv(f"SLOKIT_SMTP_{name}", raising=False)
    return tmp_path


def run_email(
    words: list[str],
    env: dict[str, str],
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> list[Path]:
    """Run ``slokit email ...`` (words after the program) as a dry run; return the .eml files it wrote."""
    assert words[0] == "email", words
    for name, value in env.items():
        if name.startswith("SLOKIT_"):  # not MPLCONFIGDIR: a test must not write to /var/cache
            monkeypatch.setenv(name, value)
    out = workdir / "out"
    shutil.rmtree(out, ignore_errors=True)
    code = run([*words, "--dry-run", "--out", str(out), "--snapshot", SNAPSHOT])
    stdout, stderr = capsys.readouterr()
    assert (code, stderr) == (0, ""), stdout
    files = sorted(out.glob("*.eml"))
    assert files and all(" weekly report 2026-11-20" in line for line in stdout.splitlines())
    return files


def test_crontab(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    entries = [
        line
        for line in (SCHEDULE / "slokit-email.cron").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"\w+=", line)
    ]
    assert len(entries) == 1
    *schedule, user, command = entries[0].split(None, 6)
    assert valid_cron(" ".join(schedule)) and user == "slokit"
    assert "%" not in command  # cron would turn it into a newline
    steps = [shlex.split(step) for step in command.split("&&")]
    assert steps[1:4] == [["set", "-a"], [".", "/etc/slokit/slokit.env"], ["set", "+a"]]
    program, *words = steps[-1]
    assert program.endswith("/slokit") and words[-1] == ">/dev/null"
    files = run_email(words[:-1], env_file(), workdir, monkeypatch, capsys)
    assert len(files) == 4  # one per team of the demo


def systemd_units() -> tuple[configparser.ConfigParser, configparser.ConfigParser]:
    units = []
    for name in ("slokit-email.service", "slokit-email.timer"):
        parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
        parser.read_string((SCHEDULE / name).read_text())
        units.append(parser)
    return units[0], units[1]


def test_systemd_units(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service, timer = systemd_units()
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["EnvironmentFile"] == "/etc/slokit/slokit.env"
    assert "Restart" not in service["Service"]  # a second run would send duplicates
    assert timer["Timer"]["Unit"] == "slokit-email.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    program, *words = shlex.split(service["Service"]["ExecStart"])
    assert program.endswith("/slokit")
    assert len(run_email(words, env_file(), workdir, monkeypatch, capsys)) == 4

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # the strict parse and the key checks above are the documented equivalent
    units = workdir / "units"
    units.mkdir()
    text = (SCHEDULE / "slokit-email.service").read_text()
    (units / "slokit-email.service").write_text(text.replace(f"ExecStart={program}", "ExecStart=/bin/true"))
    shutil.copy(SCHEDULE / "slokit-email.timer", units / "slokit-email.timer")
    verify = subprocess.run(
        [analyze, "verify", "slokit-email.service", "slokit-email.timer"],
        cwd=units,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (verify.returncode, verify.stderr) == (0, ""), verify.stderr
    calendar = subprocess.run(
        [analyze, "calendar", timer["Timer"]["OnCalendar"]], capture_output=True, text=True, check=False
    )
    assert calendar.returncode == 0, calendar.stderr
    assert "Normalized form: Mon *-*-* 07:00:00 UTC" in calendar.stdout


def test_github_actions_schedule(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow: dict[Any, Any] = yaml.safe_load((SCHEDULE / "github-actions-schedule.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert "workflow_dispatch" in triggers
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert crons == ["0 7 * * 1"] and all(valid_cron(c) for c in crons)
    job = workflow["jobs"]["email"]
    env = job["env"]
    for secret in ("SLOKIT_SMTP_USER", "SLOKIT_SMTP_PASSWORD", "SLOKIT_PROMETHEUS_TOKEN"):
        assert env[secret] == f"${{{{ secrets.{secret} }}}}"
    # Stand-ins for the repository variables and secrets: the example environment's values.
    example = env_file()
    values = {
        name: re.sub(r"\$\{\{ (vars|secrets)\.(\w+) \}\}", lambda m: example.get(m.group(2), "dummy"), value)
        for name, value in env.items()
    }
    commands = [step["run"] for step in job["steps"] if "run" in step]
    assert commands[0].startswith("pip install ")
    emails = [shlex.split(c) for c in commands if c.startswith("slokit email ")]
    assert len(emails) == 1
    assert len(run_email(emails[0][1:], values, workdir, monkeypatch, capsys)) == 4


def test_kubernetes_cronjob(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = list(yaml.safe_load_all((SCHEDULE / "k8s-cronjob.yaml").read_text()))
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    cronjob = by_kind["CronJob", "slokit-email"]
    assert cronjob["apiVersion"] == "batch/v1"
    spec = cronjob["spec"]
    assert valid_cron(spec["schedule"]) and spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 0  # a second pod would send duplicates
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    sources = container["envFrom"]
    assert {"secretRef": {"name": "slokit-smtp"}} in sources
    settings = by_kind["ConfigMap", "slokit-settings"]["data"]
    assert not any("PASSWORD" in name or "USER" in name for name in settings)  # credentials: the Secret

    # The placeholder definitions are valid SLO files.
    definitions = by_kind["ConfigMap", "slo-definitions"]["data"]
    (workdir / "cm").mkdir()
    for name, text in definitions.items():
        (workdir / "cm" / name).write_text(text)
    assert run(["validate", str(workdir / "cm")]) == 0
    capsys.readouterr()

    assert container["command"] == ["slokit"]
    secret = {"SLOKIT_SMTP_USER": "slo-reports@example.com", "SLOKIT_SMTP_PASSWORD": "dummy"}
    files = run_email(container["args"], {**settings, **secret}, workdir, monkeypatch, capsys)
    assert [f.name for f in files] == ["01-platform-ops.eml", "02-checkout-dev.eml"]  # checkout.yaml only


def test_readmes_link_the_examples() -> None:
    schedule_readme = (SCHEDULE / "README.md").read_text()
    for path in sorted(SCHEDULE.iterdir()):
        if path.name != "README.md":
            assert f"]({path.name})" in schedule_readme, path.name
    assert "docs/schedule/" in (ROOT / "README.md").read_text()
