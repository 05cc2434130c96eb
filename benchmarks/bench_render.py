"""How much rendering adds to a report of 1,000 objectives: markdown and JSON (issue 5), plus table and HTML.

Usage: ``python benchmarks/bench_render.py [--objectives 1000] [--runs 5]``

Builds the same synthetic fleet as ``bench_check.py`` (definitions and a snapshot), evaluates it once with
the engine, then times each renderer on the resulting report, in-process, median of the runs. The engine's
own time is printed for scale. Target: markdown and JSON each add under 1 s. The HTML row leaves the charts
out (``images="none"``): a chart costs 30-45 ms, so a 1,000-objective page with charts takes over a minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import AT, build  # noqa: E402

from slokit import pipeline  # noqa: E402
from slokit.report.html import render_html  # noqa: E402
from slokit.report.json_report import render_json  # noqa: E402
from slokit.report.markdown import render_markdown  # noqa: E402
from slokit.report.model import Report  # noqa: E402
from slokit.report.terminal import render_table_text  # noqa: E402
from slokit.sources.snapshot import SnapshotSource  # noqa: E402
from slokit.spec import load  # noqa: E402


def median_seconds(work: Callable[[], object], runs: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        snapshot = build(directory, args.objectives)
        definitions = load([directory / "slo"])
        plans = pipeline.plan(definitions, AT)
        fetched = SnapshotSource(snapshot).fetch([p.query for p in plans])
        engine_s, _ = median_seconds(lambda: pipeline.evaluate(plans, fetched, AT), 3)
        report, _ = pipeline.execute(plans, SnapshotSource(snapshot), AT)
    assert isinstance(report, Report)
    renderers: dict[str, Callable[[], object]] = {
        "markdown": lambda: render_markdown(report),
        "json": lambda: render_json(report),
        "table": lambda: render_table_text(report),
        "html (no charts)": lambda: render_html(report, images="none").html,
    }
    n = len(report.objectives)
    print(f"{n} objectives, {sum(len(o.result.incidents) for o in report.objectives)} incidents")
    print(f"engine (for scale): {engine_s:.3f} s")
    results = {}
    for name, work in renderers.items():
        seconds, output = median_seconds(work, args.runs)
        results[name] = seconds
        size = len(str(output).encode()) / 1024
        print(f"{name:<17} {seconds:7.3f} s  {size:9.0f} KiB")
    print(f"render: {n} objectives, markdown {results['markdown']:.3f} s, json {results['json']:.3f} s")


if __name__ == "__main__":
    main()
