"""The progress bar on stderr when it is a terminal, never when piped or in CI; colour unless NO_COLOR."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [
    sys.executable,
    "-m",
    "slokit",
    "report",
    str(ROOT / "slo_definitions"),
    "--snapshot",
    str(ROOT / "slo_definitions" / "snapshot.json.gz"),
]


def on_terminal(command: list[str], env: dict[str, str], stream: str) -> tuple[str, str]:
    """Run with ``stream`` ("stdout" or "stderr") on a pseudo-terminal and the other one on a pipe.

    Returns (what the pipe got, what the terminal got).
    """
    leader, follower = pty.openpty()
    pipe = subprocess.PIPE
    stdout, stderr = (follower, pipe) if stream == "stdout" else (pipe, follower)
    try:
        done = subprocess.run(command, stdout=stdout, stderr=stderr, env=env, timeout=60, check=True)
    finally:
        os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    piped = done.stdout if stream == "stderr" else done.stderr
    return piped.decode(), b"".join(chunks).decode(errors="replace")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "COLUMNS", "NO_COLOR")}
    return {**env, "TERM": "xterm", **extra}


def test_progress_bar_on_a_terminal() -> None:
    stdout, terminal = on_terminal([*COMMAND, "--format", "json"], environment(), "stderr")
    assert "querying" in terminal
    assert "100%" in terminal
    assert stdout.startswith("{")  # the report itself is untouched by the bar


def test_no_progress_bar_in_ci() -> None:
    _, terminal = on_terminal([*COMMAND, "--format", "json"], environment(CI="true"), "stderr")
    assert "querying" not in terminal


def test_no_progress_bar_when_piped() -> None:
    command = [*COMMAND, "--format", "json"]
    done = subprocess.run(command, check=False, capture_output=True, env=environment(), timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")


def test_table_on_a_terminal_is_coloured_unless_no_color_is_set() -> None:
    _, coloured = on_terminal(COMMAND, environment(CI="1"), "stdout")
    assert "\x1b[32m" in coloured  # green OK
    _, plain = on_terminal(COMMAND, environment(CI="1", NO_COLOR="1"), "stdout")
    assert "checkout/availability" in plain
    assert "\x1b[3" not in plain and "\x1b[9" not in plain  # no foreground colours
