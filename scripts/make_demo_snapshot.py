"""Write ``slo_definitions/snapshot.json.gz``: made-up but plausible series for the example definitions.

The README's quickstart replays it (``slokit report slo_definitions/ --snapshot ...``), so a first run shows
a real report without a Prometheus server. The series are generated, not recorded, and tell a story worth
reading: checkout had an outage that needs a postmortem, order completion has spent its budget (release
freeze), the payment queue backs up now and then, search is healthy.

Run: ``.venv/bin/python scripts/make_demo_snapshot.py`` (deterministic: same output every time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from slokit import pipeline
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE, FetchedSeries, FloatArray
from slokit.sources.snapshot import write_snapshot
from slokit.spec import load

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OUT = ROOT / "slo_definitions" / "snapshot.json.gz"


def traffic(rng: np.random.Generator, hours: FloatArray, per_step: float) -> FloatArray:
    daily = 1 + 0.6 * np.sin((hours % 24 - 9) / 24 * 2 * np.pi)  # busiest in the European afternoon
    return np.round(rng.poisson(per_step * daily)).astype(np.float64)


def episode(hours: FloatArray, start_h_ago: float, length_h: float) -> np.ndarray:
    end = hours.max()
    return (hours > end - start_h_ago) & (hours <= end - start_h_ago + length_h)


def series_for(key: str, planned: pipeline.Planned, rng: np.random.Generator) -> dict[str, FloatArray]:
    q = planned.query
    hours = (q.timestamps() - q.timestamps()[0]) / np.timedelta64(1, "h")
    hours = hours.astype(np.float64)
    if key == "checkout/availability":
        total = traffic(rng, hours, 12_000)
        bad = rng.binomial(total.astype(np.int64), 0.0002).astype(np.float64)
        outage = episode(hours, 9 * 24, 0.75)  # 45 minutes of 5xx nine days ago
        bad[outage] = np.round(total[outage] * 0.35)
        return {GOOD: total - bad, TOTAL: total}
    if key == "checkout/latency":
        total = traffic(rng, hours, 12_000)
        slow = rng.binomial(total.astype(np.int64), 0.004).astype(np.float64)
        return {GOOD: total - slow, TOTAL: total}
    if key == "checkout/uptime":
        values = np.ones_like(hours)
        values[episode(hours, 9 * 24, 0.15)] = 0.0
        values[rng.random(len(values)) < 0.00005] = 0.0
        return {VALUE: values}
    if key == "checkout/order-completion":
        total = traffic(rng, hours, 3_000)
        rate = np.where(hours > hours.max() - 6 * 24, 0.014, 0.002)  # a bad release six days ago
        return {BAD: rng.binomial(total.astype(np.int64), rate).astype(np.float64), TOTAL: total}
    if key == "payments/authorisation-success":
        total = traffic(rng, hours, 20_000)
        bad = rng.binomial(total.astype(np.int64), 0.0001).astype(np.float64)
        return {GOOD: total - bad, TOTAL: total}
    if key == "payments/queue-health":
        depth = rng.gamma(2.0, 80.0, len(hours))
        for days_ago in (20, 11, 3):
            depth[episode(hours, days_ago * 24, 0.25)] = 4_000.0
        return {VALUE: depth}
    if key == "search/search-latency":
        total = traffic(rng, hours, 5_000)
        slow = rng.binomial(total.astype(np.int64), 0.006).astype(np.float64)
        return {GOOD: total - slow, TOTAL: total}
    if key == "search/search-availability":
        total = traffic(rng, hours, 1_000)  # 1-minute steps: a 7d window
        bad = rng.binomial(total.astype(np.int64), 0.0004).astype(np.float64)
        return {GOOD: total - bad, TOTAL: total}
    raise KeyError(f"no demo series for {key}; add one when adding an example objective")


def main() -> None:
    definitions = load([ROOT / "slo_definitions"])
    plans = pipeline.plan(definitions, AT)
    rng = np.random.default_rng(20261120)
    fetched = [FetchedSeries(p.query, series=series_for(p.key, p, rng)) for p in plans]
    files = {str(Path(s.file).relative_to(ROOT)): s.fingerprint for s in definitions.services}
    write_snapshot(OUT, AT, fetched, files)
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB, {len(fetched)} objectives)")


if __name__ == "__main__":
    main()
