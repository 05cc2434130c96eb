"""Benchmark of ``slokit check`` on a fleet of 200 objectives replayed from a snapshot.

Usage: ``python benchmarks/bench_check.py [--objectives 200] [--runs 5] [--keep DIR]``

Generates 20 services of 10 objectives each (per service: 6 request ratios, 2 latency, 2 one-minute time
slices; 30 d windows, default alert tiers; a few exhausted and warning), plans their queries with
:func:`slokit.pipeline.plan`, writes a synthetic gzip snapshot with
:func:`slokit.sources.snapshot.write_snapshot`, then times
``python -m slokit check DIR --snapshot FILE --junit FILE`` as a subprocess: the wall time a CI job waits,
interpreter start and imports included. Prints the median of the runs; the last line is
``check: 200 objectives in <S> s (median of N)``. Target: under 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slokit import pipeline  # noqa: E402
from slokit.sources.base import GOOD, TOTAL, VALUE, FetchedSeries  # noqa: E402
from slokit.sources.snapshot import write_snapshot  # noqa: E402
from slokit.spec import load  # noqa: E402

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PER_SERVICE = 10

RATIO = """\
  - name: {name}
    kind: {kind}
    target: 99.9
    sli:
      ratio:
        good: http_requests_total{{job="{service}",route="{name}",code!~"5.."}}
        total: http_requests_total{{job="{service}",route="{name}"}}
"""
LATENCY = """\
  - name: {name}
    kind: application
    target: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{{job="{service}",route="{name}"}}
        threshold: 0.25
"""
SLICES = """\
  - name: {name}
    kind: operational
    target: 99.9
    sli:
      timeslices:
        query: min(probe_success{{job="{service}",probe="{name}"}})
        good: ">= 1"
        slice: 1m
"""


def service_yaml(service: str, count: int) -> str:
    parts = [
        "apiVersion: slokit/v1\n",
        f"service: {service}\n",
        "owners:\n",
        f"  operational: {{team: {service}-ops}}\n",
        f"  application: {{team: {service}-dev}}\n",
        "objectives:\n",
    ]
    for index in range(count):
        name = f"objective-{index}"
        if index < 6:
            kind = ("operational", "application")[index % 2]
            parts.append(RATIO.format(name=name, service=service, kind=kind))
        elif index < 8:
            parts.append(LATENCY.format(name=name, service=service))
        else:
            parts.append(SLICES.format(name=name, service=service))
    return "".join(parts)


def series_for(plan: pipeline.Planned, rng: np.random.Generator, index: int) -> dict[str, np.ndarray]:
    points = plan.query.points
    if plan.objective.sli.timeslices is not None:
        values = np.ones(points)
        values[rng.random(points) < (0.002 if index % 17 == 0 else 0.0002)] = 0.0
        return {VALUE: values}
    total = rng.poisson(1000.0, points).astype(np.float64)
    ratio = 0.003 if index % 23 == 0 else 0.0008 if index % 11 == 0 else 0.0002
    bad = rng.binomial(total.astype(np.int64), ratio).astype(np.float64)
    return {GOOD: total - bad, TOTAL: total}


def build(directory: Path, objectives: int) -> Path:
    definitions = directory / "slo"
    definitions.mkdir()
    services = -(-objectives // PER_SERVICE)
    for number in range(services):
        count = min(PER_SERVICE, objectives - number * PER_SERVICE)
        (definitions / f"service-{number:03d}.yaml").write_text(service_yaml(f"service-{number:03d}", count))
    loaded = load([definitions])
    rng = np.random.default_rng(20261120)
    plans = pipeline.plan(loaded, AT)
    fetched = [FetchedSeries(p.query, series=series_for(p, rng, i)) for i, p in enumerate(plans)]
    snapshot = directory / "snapshot.json.gz"
    write_snapshot(snapshot, AT, fetched, {s.file: s.fingerprint for s in loaded.services})
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the fleet in this (empty) directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        snapshot = build(directory, args.objectives)
        size = snapshot.stat().st_size / 1e6
        print(f"fleet: {args.objectives} objectives, snapshot {size:.1f} MB gzip", flush=True)
        command = [
            sys.executable, "-m", "slokit", "check", str(directory / "slo"),
            "--snapshot", str(snapshot), "--junit", str(directory / "gate.xml"),
        ]  # fmt: skip
        times = []
        codes = set()
        for run in range(args.runs):
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
            codes.add(done.returncode)
            if done.returncode not in (0, 1):
                sys.exit(f"check failed with exit {done.returncode}:\n{done.stderr}")
            if run == 0:
                print(done.stdout.splitlines()[0][:160])
        print(f"runs: {', '.join(f'{t:.2f}' for t in times)} s; exit codes {sorted(codes)}")
        median = statistics.median(times)
        print(f"check: {args.objectives} objectives in {median:.2f} s (median of {args.runs})")


if __name__ == "__main__":
    main()
