"""`slokit export openslo` on the command line: stdout or -o, and back with `slokit import openslo`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slokit.cli import run
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "slo_definitions"


def test_export_prints_openslo_documents_and_writes_the_same_with_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["export", "openslo", str(EXAMPLES)]) == 0
    printed = capsys.readouterr().out
    kinds = [d["kind"] for d in yaml.safe_load_all(printed)]
    assert kinds[:2] == ["DataSource", "Service"] and kinds.count("SLO") == 8
    out = tmp_path / "openslo.yaml"
    assert run(["export", "openslo", str(EXAMPLES), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed


def test_export_then_import_gives_the_examples_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "openslo.yaml"
    assert run(["export", "openslo", str(EXAMPLES), "-o", str(exported)]) == 0
    assert run(["import", "openslo", str(exported), "--out-dir", str(tmp_path / "back")]) == 0
    before = {s.spec.service: s.spec for s in load([EXAMPLES]).services}
    after = {s.spec.service: s.spec for s in load([tmp_path / "back"]).services}
    assert before.keys() == after.keys()
    for name, spec in before.items():
        back = after[name]
        assert [o.name for o in back.objectives] == [o.name for o in spec.objectives]
        for old, new in zip(spec.objectives, back.objectives, strict=True):
            assert (new.kind, new.target, new.sli, new.description) == (
                old.kind,
                old.target,
                old.sli,
                old.description,
            )
            assert (new.runbook, new.attribute_by) == (old.runbook, old.attribute_by)
            assert back.window_for(new) == spec.window_for(old)
            assert back.owners.for_kind(new.kind) == spec.owners.for_kind(old.kind)
        assert (back.alerting, back.policy, back.releases, back.labels) == (
            spec.alerting,
            spec.policy,
            spec.releases,
            spec.labels,
        )


def test_export_of_invalid_definitions_is_exit_2_with_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: slokit/v1\nservice: x\n")
    out = tmp_path / "openslo.yaml"
    assert run(["export", "openslo", str(path), "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"{path}:1: owners: required field is missing\n")
    assert not out.exists()
