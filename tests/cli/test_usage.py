"""Usage mistakes: one line on stderr naming the problem, exit 2, nothing half done."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(ROOT / "slo_definitions"), "--snapshot", str(ROOT / "slo_definitions" / "snapshot.json.gz")]


def error_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert run(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    return err.rstrip("\n")


def test_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(capsys, ["report", *DEMO, "--bogus"]) == (
        "error: No such option: --bogus (Possible options: --out) (see 'slokit report --help')"
    )


def test_bad_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(capsys, ["report", *DEMO, "--format", "pdf"]).startswith(
        "error: Invalid value for '--format' / '-f':"
    )


@pytest.mark.parametrize("command", ["report", "check", "email", "record"])
def test_source_other_than_auto_raw_recorded_is_refused(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = ["-o", str(ROOT / "never-written.json")] if command == "record" else []
    assert error_of(capsys, [command, str(ROOT / "slo_definitions"), *out, "--source", "rules"]) == (
        "error: Invalid value for '--source': Value error, 'rules' is not one of 'auto', 'raw', 'recorded'. "
        f"(see 'slokit {command} --help')"
    )


def test_source_from_the_environment_is_checked_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOKIT_PROMETHEUS_SOURCE", "rules")
    argv = ["report", str(ROOT / "slo_definitions"), "--prometheus-url", "http://127.0.0.1:9"]
    assert (
        error_of(capsys, argv)
        == "error: SLOKIT_PROMETHEUS_SOURCE must be auto, raw or recorded (got 'rules')"
    )


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(capsys, ["frobnicate"]) == "error: No such command 'frobnicate'. (see 'slokit --help')"


def test_no_arguments_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: slokit [OPTIONS] COMMAND [ARGS]...")
    assert "report" in out and "check" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e20", "error: --at: '1e20' Unix seconds is not a date slokit can use"),
        ("inf", "error: --at: 'inf' Unix seconds is not a date slokit can use"),
        (
            "yesterday",
            "error: --at must be RFC 3339 (2026-11-01T00:00:00Z) or Unix seconds (got 'yesterday')",
        ),
        (
            "2026-11-01T00:00:00",
            "error: --at needs a timezone, e.g. 2026-11-01T00:00:00Z (got '2026-11-01T00:00:00')",
        ),
    ],
)
def test_bad_at(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    assert error_of(capsys, ["report", *DEMO, "--at", value]) == message


def test_output_to_a_directory_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert error_of(capsys, ["report", *DEMO, "-o", str(tmp_path)]) == (
        f"error: {tmp_path}: is a directory; give a file name"
    )
    assert error_of(capsys, ["report", *DEMO, "-o", str(tmp_path / "no" / "r.md")]) == (
        f"error: {tmp_path / 'no' / 'r.md'}: no such directory {tmp_path / 'no'}"
    )
    assert error_of(capsys, ["check", *DEMO, "--junit", str(tmp_path)]) == (
        f"error: {tmp_path}: is a directory; give a file name"
    )


def test_a_selection_that_matches_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(capsys, ["report", *DEMO, "--service", "nope"]) == (
        "error: nothing to report: no objective matches the selection (--team, --service, --objective)"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ht!tp://x", "error: Prometheus URL must look like http://host:9090 (got 'ht!tp://x')"),
        ("prometheus:9090", "error: Prometheus URL must look like http://host:9090 (got 'prometheus:9090')"),
        (
            "http://u:pw-1234@host:99999",
            "error: Prometheus URL 'http://***@host:99999' is not valid: Port out of range 0-65535",
        ),
    ],
)
def test_bad_prometheus_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    url: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no slokit.yaml here
    assert error_of(capsys, ["report", str(ROOT / "slo_definitions"), "--prometheus-url", url]) == message
