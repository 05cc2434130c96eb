"""What the README says about file formats and email subjects is what slokit does (beyond --help, which
tests/cli/test_docs.py covers)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from slokit import pipeline
from slokit.mail import plan, subject
from slokit.report.model import Report
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # reflowing changes nothing
SNAPSHOT = ROOT / "slo_definitions" / "snapshot.json.gz"


def test_snapshot_series_are_base64_little_endian_doubles_as_the_readme_says() -> None:
    assert "base64-encoded little-endian IEEE 754 doubles" in README
    assert '`{"float64le": "..."}`' in README
    document = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    for objective in document["objectives"].values():
        for series in objective["series"].values():
            assert set(series) == {"float64le"}
            raw = base64.b64decode(series["float64le"])
            assert len(raw) == 8 * objective["points"]


def test_a_joint_email_of_two_teams_is_named_as_the_readme_says() -> None:
    assert "for `--joint` the team names when there are at most two (`platform-ops + checkout-dev`)" in README
    source = SnapshotSource(SNAPSHOT)
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    checkout = Report(report.evaluated_at, tuple(o for o in report.objectives if o.service == "checkout"))
    (two,) = plan(checkout, kinds=("operational", "application"), joint=True)
    assert subject(two).endswith(" - platform-ops + checkout-dev report 2026-11-20")
    (everyone,) = plan(report, kinds=("operational", "application"), joint=True)
    assert subject(everyone).endswith(" - joint report 2026-11-20")
