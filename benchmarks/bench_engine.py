"""Benchmark of the budget engine: a fleet of 30 d objectives, everything the report needs.

Usage: ``python benchmarks/bench_engine.py [--objectives 1000] [--runs 5] [--steps 1m,5m]``

Each run is a fresh subprocess (``--worker``) so its peak RSS is that run's alone: it builds the inputs
(synthetic Poisson traffic with a baseline error ratio, a few injected incidents and 1 % missing steps),
then times one ``evaluate`` call -- all burn windows, alert tiers, incidents and chart series -- in wall
and CPU time (the CPU figure and the 1-minute load average show how much other work on the machine
inflated the wall time). The peak
RSS is the worker's whole-process maximum (``ru_maxrss``), so it includes the interpreter and the input
series themselves (2 x objectives x steps float64), not only the engine's temporaries.
The parent prints the median of the runs per step size; the last line is the 5m figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slokit.engine import ObjectiveInput, evaluate, lookback  # noqa: E402

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
STEPS = {"5m": timedelta(minutes=5), "1m": timedelta(minutes=1)}


def build_inputs(objectives: int, step: timedelta, seed: int = 42) -> list[ObjectiveInput]:
    """Per-objective generation keeps the generator's own peak memory below the engine's."""
    rng = np.random.default_rng(seed)
    steps = lookback(WINDOW, AT) // step
    step_ns = np.timedelta64(int(step.total_seconds()), "s").astype("timedelta64[ns]")
    end = np.datetime64(AT.replace(tzinfo=None), "ns")
    timestamps = end - np.arange(steps - 1, -1, -1) * step_ns
    per_5m = step / timedelta(minutes=5)
    inputs = []
    for i in range(objectives):
        target = float(rng.choice([0.99, 0.995, 0.999, 0.9995]))
        traffic = 10 ** rng.uniform(2, 4.5) * per_5m
        total = rng.poisson(traffic, steps).astype(np.float64)
        ratio = np.full(steps, (1 - target) * rng.uniform(0.05, 0.5))
        for _ in range(3):
            start = int(rng.integers(0, steps))
            length = int(rng.integers(6, 36) / per_5m)
            ratio[start : start + length] = min(1.0, (1 - target) * rng.uniform(2, 20))
        good = total - rng.binomial(total.astype(np.int64), ratio).astype(np.float64)
        missing = rng.random(steps) < 0.01
        good[missing] = np.nan
        total[missing] = np.nan
        inputs.append(
            ObjectiveInput(
                key=f"svc{i // 4}/obj{i % 4}",
                target=target,
                window=WINDOW,
                step=step,
                timestamps=timestamps,
                good=good,
                total=total,
            )
        )
    return inputs


def worker(objectives: int, step_name: str) -> None:
    inputs = build_inputs(objectives, STEPS[step_name])
    gc.collect()
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    results = evaluate(inputs, AT)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    report = {
        "objectives": objectives,
        "steps": int(inputs[0].timestamps.size),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load": load,
        "peak_rss_mb": peak_mb,
        "incidents": sum(len(r.incidents) for r in results),
        "statuses": statuses,
    }
    print(json.dumps(report))


def measure(objectives: int, step_name: str, runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "--objectives", str(objectives), "--steps", step_name],
            check=True,
            capture_output=True,
            text=True,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    seconds = [s["seconds"] for s in samples]
    cpu = [s["cpu_seconds"] for s in samples]
    load = [s["load"] for s in samples]
    rss = [s["peak_rss_mb"] for s in samples]
    print(
        f"  {step_name}: runs {', '.join(f'{x:.3f}' for x in seconds)} s wall; "
        f"cpu {', '.join(f'{x:.3f}' for x in cpu)} s; "
        f"load {', '.join(f'{x:.1f}' for x in load)}; "
        f"peak RSS {', '.join(f'{x:.0f}' for x in rss)} MB; "
        f"{samples[0]['incidents']} incidents; statuses {samples[0]['statuses']}",
        file=sys.stderr,
    )
    return {
        "objectives": objectives,
        "steps": samples[0]["steps"],
        "seconds": statistics.median(seconds),
        "peak_rss_mb": statistics.median(rss),
    }


def line(step_name: str, m: dict[str, float], last: bool) -> str:
    label = "engine" if last else f"engine ({step_name} steps)"
    return (
        f"{label}: {m['objectives']} objectives x {m['steps']} steps in {m['seconds']:.2f} s, "
        f"peak RSS {m['peak_rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", default="1m,5m", help="comma-separated, of: " + ", ".join(STEPS))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = [n.strip() for n in args.steps.split(",") if n.strip()]
    if args.worker:
        worker(args.objectives, names[0])
        return
    # The 5m figure is the headline: measure it last so it prints as the last line.
    names.sort(key=lambda n: n == "5m")
    figures = {name: measure(args.objectives, name, args.runs) for name in names}
    for i, name in enumerate(names):
        print(line(name, figures[name], last=i == len(names) - 1 and name == "5m"))


if __name__ == "__main__":
    main()
