"""The wide fleet: raw selectors against slokit's recorded series, side by side (issue 13).

Usage: ``python benchmarks/bench_sources.py [--objectives 200] [--runs 3] [--sources raw,recorded]``

1. The wide fleet of ``benchmarks/prometheus/fleet.py`` (``WIDE``): 4 services x 10 instances x 5 status
   codes (200, 201, 404, 500, 503) of ``http_requests_total``, 1-minute samples over 31 days (200 series,
   8.9 M samples), backfilled with promtool into a Prometheus on 127.0.0.1 (``tests/integration/servers.py``).
   Fewer services with more objectives each keep the backfill short: 200 objectives, 50 per service, 28 d
   window; each total selector matches 50 series (10 instances x 5 codes), each good selector 20 to 40.
2. ``slokit rules`` on the definitions; the history of the two step records of every objective
   (``slokit:sli_events_total:increase5m`` and ``..._bad``) is evaluated by ``query_range`` over the 31 days
   before the data's end and backfilled as TSDB blocks into the running server's storage
   (``bench_rule_eval.backfill_records``, as that benchmark does); the script waits until Prometheus has
   merged them with the raw blocks they overlap (its minutely compaction), so that no compaction runs while
   measuring.
3. ``slokit report DIR --format json --at <end> --source S`` for each ``--sources`` (default raw and
   recorded), alternating, after one warm-up each: wall, slokit's CPU and peak RSS, Prometheus's CPU and
   requests (``benchmarks/prometheus/harness.py``). Every objective of a ``recorded`` run must carry the
   note that it read the recorded series; the objectives' SLIs and budgets of the sources are compared
   (largest difference printed). The whole run takes about 10 minutes on 2 CPUs, most of it the raw runs
   and the recorded history (800 range queries over the wide selectors).

The last line: ``sources: raw <S> s (Prometheus CPU <P> s), recorded <S> s (Prometheus CPU <P> s)``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_prometheus import check_slokit_output  # noqa: E402
from benchmarks.bench_rule_eval import backfill_records, step_rules, wait_merged  # noqa: E402
from benchmarks.prometheus import fleet as issue_fleet  # noqa: E402
from benchmarks.prometheus import harness  # noqa: E402
from benchmarks.prometheus.harness import Run, Table, median  # noqa: E402
from tests.integration import servers  # noqa: E402

Figures = dict[str, tuple[float | None, float | None]]


def _figures(stdout: str) -> Figures:
    """``service/objective`` -> (SLI, budget remaining), from ``slokit report --format json``."""
    return {
        f"{o['service']}/{o['objective']}": (o["sli"], o["error_budget"]["remaining"])
        for o in json.loads(stdout)["objectives"]
    }


def _largest(a: Figures, b: Figures, i: int) -> float:
    diffs = []
    for key, x in a.items():
        mine, theirs = x[i], b.get(key, (None, None))[i]
        if mine is not None and theirs is not None:
            diffs.append(abs(mine - theirs))
    return max(diffs, default=0.0)


def _largest_difference(a: Figures, b: Figures) -> str:
    sli, budget = _largest(a, b, 0), _largest(a, b, 1)
    both = sum(1 for k, x in a.items() if x[0] is not None and b.get(k, (None, None))[0] is not None)
    return (
        f"{both} objectives with an SLI from both: largest SLI difference {sli:.3g}, "
        f"largest budget-remaining difference {budget:.3g}"
    )


def _check_read_records(stdout: str) -> None:
    """A recorded run that quietly read the raw selectors would measure the wrong thing."""
    objectives = json.loads(stdout)["objectives"]
    raw = [o["objective"] for o in objectives if not any("recorded series" in n for n in o["notes"])]
    if raw:
        raise SystemExit(
            f"--source recorded: {len(raw)} objectives without the recorded-series note: {raw[:3]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per source, after one warm-up")
    parser.add_argument("--sources", default="raw,recorded", help="comma-separated --source values")
    parser.add_argument("--slokit-tree", type=Path, default=None, help="run slokit from this checkout")
    args = parser.parse_args()
    sources = args.sources.split(",")

    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-sources-"))
    server: servers.Server | None = None
    runs: dict[str, list[Run]] = {s: [] for s in sources}
    outputs: dict[str, str] = {}
    try:
        data = harness.dataset("wide")
        fleet = harness.objectives("wide", data, args.objectives)
        server = harness.start("wide", data, workdir)
        storage = workdir / "prometheus" / "tsdb"
        defs = fleet.write_slokit(workdir / "slokit")
        base, env = harness.slokit_argv(args.slokit_tree)
        rules_file = workdir / "rules.yml"
        subprocess.run([*base, "rules", str(defs), "-o", str(rules_file)], check=True, env=env)
        parsed = yaml.load(rules_file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        end = int(fleet.end.timestamp())
        t0 = time.perf_counter()
        written = backfill_records(
            server.url, step_rules(parsed), end, workdir, storage, days=issue_fleet.DAYS
        )
        print(f"recorded history: {written} samples in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        merged = wait_merged(storage)
        print(f"overlapping blocks merged by Prometheus in {merged:.0f} s", file=sys.stderr)

        def report(source: str) -> Run:
            argv = [*base, "report", str(defs), "--format", "json", "--prometheus-url", server.url]
            run = harness.timed([*argv, "--at", fleet.at, "--source", source], server, env)
            check_slokit_output(run.stdout, len(fleet.objectives))
            if source == "recorded":
                _check_read_records(run.stdout)
            return run

        for source in sources:
            outputs[source] = report(source).stdout  # warm-up
        for _ in range(args.runs):
            for source in sources:
                runs[source].append(report(source))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    table = Table()
    for source in sources:
        table.add(f"slokit --source {source}", runs[source])
    print(f"[wide] {fleet.description}; data end {fleet.at}; recorded history {written} samples")
    print(table.text())
    figures = {s: _figures(o) for s, o in outputs.items()}
    for s in sources[1:]:
        print(f"{sources[0]} vs {s}: {_largest_difference(figures[sources[0]], figures[s])}")
    print(
        "sources: "
        + ", ".join(
            f"{s} {median(runs[s], 'wall'):.2f} s (Prometheus CPU {median(runs[s], 'server_cpu'):.2f} s, "
            f"{median(runs[s], 'queries'):.0f} queries)"
            for s in sources
        )
    )


if __name__ == "__main__":
    main()
