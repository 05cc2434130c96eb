"""How slokit report scales with the number of objectives: wall, CPU and peak memory (issue 13).

Usage: ``python benchmarks/bench_curve.py [--counts 200,1000,2000] [--runs 3]``

One Prometheus on 127.0.0.1 holding issue 13's fleet (``benchmarks/prometheus/fleet.py``: 50 services x 2
counters, 1-minute samples over 31 days), and for each count N, N ratio objectives spread evenly over the
50 services (4, 20, 40 per service for 200, 1,000, 2,000): more objectives over the same series, targets
cycling 99.9 / 99.5 / 99 / 95, 28 d window. So the server's data stays the same and the queries grow with
N (the objectives of a service send the same selectors; Prometheus has no result cache).

Times ``slokit report DIR --format json --at <end>`` ``--runs`` times per count (after one warm-up at the
smallest count), counts interleaved: wall, slokit's own user + system CPU and peak RSS (``VmHWM``, see
``benchmarks/prometheus/peak.py``), Prometheus's CPU, requests. Target: 2,000 objectives under 1 GB.

The last line: ``curve: <N> objectives <S> s <C> s CPU <M> MB; ...``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_prometheus import check_slokit_output  # noqa: E402
from benchmarks.prometheus import harness  # noqa: E402
from benchmarks.prometheus.harness import Run, Table, median  # noqa: E402
from tests.integration import servers  # noqa: E402

TARGET_RSS_MB = 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="200,1000,2000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slokit-tree", type=Path, default=None, help="run slokit from this checkout")
    parser.add_argument("--slokit-arg", action="append", default=[], help="extra `slokit report` option")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    print(f"slokit from {harness.slokit_version(args.slokit_tree)}", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-curve-"))
    server: servers.Server | None = None
    runs: dict[int, list[Run]] = {n: [] for n in counts}
    try:
        data = harness.dataset("issue13")
        server = harness.start("issue13", data, workdir)
        base, env = harness.slokit_argv(args.slokit_tree)
        argv: dict[int, list[str]] = {}
        for n in counts:
            fleet = harness.objectives("issue13", data, n)
            defs = fleet.write_slokit(workdir / f"defs-{n}")
            argv[n] = [*base, "report", str(defs), "--format", "json", "--prometheus-url", server.url]
            argv[n] += ["--at", fleet.at, *args.slokit_arg]
        harness.timed(argv[counts[0]], server, env)  # warm-up
        for _ in range(args.runs):
            for n in counts:
                run = harness.timed(argv[n], server, env)
                check_slokit_output(run.stdout, n)
                run.stdout = ""
                runs[n].append(run)
                print(f"  {n} objectives: {run.wall:.2f} s, {run.rss_mb:.0f} MB", file=sys.stderr, flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    table = Table()
    for n in counts:
        table.add(f"{n} objectives", runs[n])
    print(f"[issue13] {data.n_samples / 1e6:.2f} M samples, 50 services; medians of {args.runs} runs")
    print(table.text())
    for n in counts:
        wall, cpu = median(runs[n], "wall"), median(runs[n], "cpu")
        print(
            f"  {n}: {1000 * wall / n:.1f} ms wall, {1000 * cpu / n:.1f} ms CPU and "
            f"{1024 * median(runs[n], 'rss_mb') / n:.0f} kB peak RSS per objective"
        )
    peak = max(median(runs[n], "rss_mb") for n in counts)
    print(
        "curve: "
        + "; ".join(
            f"{n} objectives {median(runs[n], 'wall'):.2f} s {median(runs[n], 'cpu'):.2f} s CPU "
            f"{median(runs[n], 'rss_mb'):.0f} MB"
            for n in counts
        )
        + f" (largest peak {peak:.0f} MB, target < {TARGET_RSS_MB} MB)"
    )


if __name__ == "__main__":
    main()
