"""One fact, one wording: what a snapshot cannot tell (attribution, releases) and what a source without those
questions cannot tell read the same in ``slokit report``, ``slokit review`` and ``slokit postmortem``; and one
check (``isinstance(source, InsightSource)``) decides which sources are asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.cli import run
from slokit.review.snapshot import SnapshotHistory
from slokit.sources.insight import CANNOT_TELL, FROM_SNAPSHOT, InsightSource
from slokit.sources.snapshot import SnapshotSource

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "slo_definitions" / "snapshot.json.gz"
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_what_a_snapshot_cannot_tell_reads_the_same_in_report_review_and_postmortem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert FROM_SNAPSHOT == "unknown from a snapshot (it holds the SLIs' events only)"
    assert run(["report", *DEMO, "-f", "markdown"]) == 0
    report = capsys.readouterr().out
    assert f"**checkout/order-completion** (over 30d, by instance): {FROM_SNAPSHOT}.\n" in report
    assert run(["review", *DEMO, "--period", "week", "--periods", "1", "-f", "markdown"]) == 0
    review = capsys.readouterr().out
    assert f"- attribution: {FROM_SNAPSHOT}\n" in review
    assert f"- releases: {FROM_SNAPSHOT}\n" in review
    assert run(["postmortem", *DEMO, "--objective", "checkout/uptime"]) == 0
    postmortem = capsys.readouterr().out
    assert f"Releases: {FROM_SNAPSHOT}.\n" in postmortem
    for text in (report, review, postmortem):
        assert "holds no labels" not in text and "not known to this data source" not in text


def test_one_protocol_check_tells_which_sources_can_be_asked() -> None:
    class Plain:  # a Source without attribution or releases: it cannot tell
        def fetch(self, queries: object, on_done: object = None) -> list[object]:
            return []

        def close(self) -> None:
            pass

    snapshot = SnapshotSource(SNAPSHOT)
    assert isinstance(snapshot, InsightSource)
    assert isinstance(SnapshotHistory(SNAPSHOT), InsightSource)
    assert not isinstance(Plain(), InsightSource)
    assert CANNOT_TELL == "unknown: the data source cannot tell"
