"""`slokit dashboards` on the command line: files per dashboard, the printed stream, the same bytes whatever
the process, the options' errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "slo_definitions"


def _stream(text: str) -> list[dict[str, Any]]:
    """JSON documents one after another, as `jq` reads them."""
    decoder, out, at = json.JSONDecoder(), [], 0
    while at < len(text):
        document, at = decoder.raw_decode(text, at)
        out.append(document)
        while at < len(text) and text[at].isspace():
            at += 1
    return out


def _teams() -> set[str]:
    from slokit.spec import load

    return {
        owner.team
        for s in load([EXAMPLES]).services
        for owner in (s.spec.owners.operational, s.spec.owners.application)
        if owner is not None
    }


def test_out_dir_gets_one_file_per_team_and_the_overview_named_by_uid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "grafana" / "slokit"
    assert run(["dashboards", str(EXAMPLES), "--out-dir", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    dashboards = [json.loads((out / name).read_text()) for name in files]
    assert files == sorted(f"{d['uid']}.json" for d in dashboards)
    titles = {d["title"] for d in dashboards}
    assert titles == {"SLOs: overview"} | {f"SLOs: {team}" for team in _teams()}
    err = capsys.readouterr().err
    assert err.splitlines() == sorted((f"wrote {out / name}" for name in files), key=err.index)


def test_without_out_dir_the_dashboards_are_printed_one_after_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["dashboards", str(EXAMPLES)]) == 0
    printed = _stream(capsys.readouterr().out)
    assert run(["dashboards", str(EXAMPLES), "--out-dir", str(tmp_path)]) == 0
    written = {p.name: json.loads(p.read_text()) for p in tmp_path.iterdir()}
    assert printed[0]["uid"] == "slokit-overview"
    assert {f"{d['uid']}.json": d for d in printed} == written


def test_same_definitions_give_the_same_bytes_in_any_process(tmp_path: Path) -> None:
    # Different hash seeds reorder sets and dicts built from them: the bytes must not depend on it.
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "slokit", "dashboards", "slo_definitions", "--out-dir", str(out)]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == len(_teams()) + 1


def test_writing_again_replaces_the_files_whole(tmp_path: Path) -> None:
    assert run(["dashboards", str(EXAMPLES), "--out-dir", str(tmp_path)]) == 0
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "slokit-overview.json").write_text("{ stale")
    assert run(["dashboards", str(EXAMPLES), "--out-dir", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first  # no temporary file left


def test_datasource_option_names_it_in_every_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["dashboards", str(EXAMPLES), "--datasource", "prometheus-eu"]) == 0
    for dashboard in _stream(capsys.readouterr().out):
        assert [v["name"] for v in dashboard["templating"]["list"]][-2:] == ["service", "objective"]
        assert all(
            p["datasource"] == {"type": "prometheus", "uid": "prometheus-eu"} for p in dashboard["panels"]
        )


def test_a_datasource_url_is_refused_without_showing_its_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        ["dashboards", str(EXAMPLES), "--out-dir", str(tmp_path), "--datasource", "https://u:s3cret@x/"]
    )
    assert code == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "error: --datasource 'https://***@x/': give the UID or the name of a Grafana data source, "
        "not its URL\n"
    )
    assert "s3cret" not in captured.out + captured.err
    assert list(tmp_path.iterdir()) == []


def test_an_empty_datasource_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["dashboards", str(EXAMPLES), "--datasource", " "]) == 2
    assert (
        capsys.readouterr().err == "error: --datasource: give the UID or the name of a Grafana data source\n"
    )


def test_out_dir_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert run(["dashboards", str(EXAMPLES), "--out-dir", str(target)]) == 2
    assert capsys.readouterr().err == f"error: {target}: not a directory\n"


def test_bad_definitions_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: slokit/v1\nservice: x\nobjectives: []\n")
    out = tmp_path / "out"
    assert run(["dashboards", str(bad), "--out-dir", str(out)]) == 2
    assert str(bad) in capsys.readouterr().err
    assert not out.exists()
