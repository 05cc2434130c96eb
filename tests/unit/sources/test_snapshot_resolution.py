"""Snapshots record the resolution their series hold, and replay it (issue 13)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from slokit import pipeline
from slokit.engine import Resolution
from slokit.sources.base import BAD, TOTAL, FetchedSeries, SeriesQuery
from slokit.sources.snapshot import SnapshotSource, write_snapshot
from slokit.spec import load
from slokit.spec.models import SLI

ROOT = Path(__file__).resolve().parents[3]
END = datetime(2026, 11, 1, tzinfo=UTC)
FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)
# Two coarse hours (24 steps) then 12 fine steps: (END - 3h, END].
FINE_FROM = END - HOUR
ADAPTIVE = Resolution(HOUR, FINE_FROM)
SLI_RATIO = SLI.model_validate({"ratio": {"bad": 'x{code="500"}', "total": "x"}})


def query(start: datetime, resolution: Resolution | None = None) -> SeriesQuery:
    return SeriesQuery("shop/api", SLI_RATIO, FIVE, start, END, resolution=resolution)


def recorded(tmp_path: Path, resolution: Resolution | None) -> Path:
    asked = query(END - 3 * HOUR + FIVE, resolution)
    series = {BAD: np.zeros(asked.points), TOTAL: np.ones(asked.points)}
    path = tmp_path / "snap.json"
    write_snapshot(path, END, [FetchedSeries(asked, series=series, resolution=resolution)], {})
    return path


def test_record_writes_the_resolution_and_replay_hands_it_back(tmp_path: Path) -> None:
    path = recorded(tmp_path, ADAPTIVE)
    item = json.loads(path.read_text())["objectives"]["shop/api"]
    assert item["resolution"] == {"coarse_step_seconds": 3600, "fine_from": "2026-10-31T23:00:00Z"}
    # Asked at full resolution (what report asks a snapshot for): the recorded resolution comes back.
    [replayed] = SnapshotSource(path).fetch([query(END - 3 * HOUR + FIVE)])
    assert replayed.error is None and replayed.resolution == ADAPTIVE


def test_a_replay_after_the_coarse_steps_is_all_fine(tmp_path: Path) -> None:
    path = recorded(tmp_path, ADAPTIVE)
    [inside] = SnapshotSource(path).fetch([query(FINE_FROM - FIVE)])  # one coarse step's last 5 minutes
    assert inside.resolution == ADAPTIVE
    [after] = SnapshotSource(path).fetch([query(FINE_FROM + FIVE)])
    assert after.error is None and after.resolution is None


def test_a_full_resolution_snapshot_has_no_resolution_field(tmp_path: Path) -> None:
    path = recorded(tmp_path, None)
    assert "resolution" not in json.loads(path.read_text())["objectives"]["shop/api"]
    [replayed] = SnapshotSource(path).fetch([query(END - 3 * HOUR + FIVE)])
    assert replayed.error is None and replayed.resolution is None


def test_the_bundled_snapshot_recorded_before_resolutions_replays_as_full() -> None:
    snapshot = ROOT / "slo_definitions" / "snapshot.json.gz"
    with gzip.open(snapshot, "rt") as handle:
        assert all("resolution" not in o for o in json.load(handle)["objectives"].values())
    source = SnapshotSource(snapshot)
    plans = pipeline.plan(load([ROOT / "slo_definitions"]), pipeline.pin(source.evaluated_at))
    fetched = source.fetch([p.query for p in plans])
    assert [f.error for f in fetched] == [None] * len(plans)
    assert all(f.resolution is None for f in fetched)
    inputs = [pipeline.engine_input(p, f) for p, f in zip(plans, fetched, strict=True)]
    assert all(i.resolution is None for i in inputs)


def test_a_replay_whose_burn_windows_reach_the_coarse_steps_is_refused(tmp_path: Path) -> None:
    """Replayed 12 hours before it was recorded, a snapshot whose fine steps began 3 days before its own
    time has coarse steps inside the burn windows, which would be read from them: an error, not hourly
    averages passed off as 5-minute burn rates."""
    begins = END - timedelta(days=4)
    fine_from = END - timedelta(days=3)
    asked = SeriesQuery(
        "shop/api", SLI_RATIO, FIVE, begins + FIVE, END, resolution=Resolution(HOUR, fine_from)
    )
    series = {BAD: np.zeros(asked.points), TOTAL: np.ones(asked.points)}
    path = tmp_path / "snap.json"
    write_snapshot(path, END, [FetchedSeries(asked, series=series, resolution=asked.resolution)], {})
    [same_time] = SnapshotSource(path).fetch([query(begins + FIVE)])
    assert same_time.error is None
    earlier = SeriesQuery("shop/api", SLI_RATIO, FIVE, begins + FIVE, END - 12 * HOUR)
    [replayed] = SnapshotSource(path).fetch([earlier])
    assert replayed.error == (
        f"shop/api: snapshot {path} holds coarse steps until 2026-10-29T00:00:00Z, inside the burn windows "
        "at this time: replay it at its own time, or record it with --resolution full"
    )
