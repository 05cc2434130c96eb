"""`slokit review` of 200 objectives over 6 months against a real Prometheus (issue 14).

Usage: ``python benchmarks/bench_review.py [--runs 3] [--formats json,html] [--attribute-by code]
[--no-releases] [--interval 60]``

1. Generates issue 13's fleet (``benchmarks/prometheus/fleet.py``: 50 services, each a pair of counters
   ``http_requests_total{service, code="200"|"500"}``, 4 objectives per service at 99.9 / 99.5 / 99 / 95,
   good ``code!~"5.."`` over all codes, 28 d window) over ``DAYS`` days (2026-04-01 to 2026-11-01, sampled
   every ``--interval`` seconds): the six complete months May to October before ``--at`` 2026-11-01, and the
   window before May that the first period's freeze time and alert replay read. Each service also gets an
   ``app_build_info{service, version}`` gauge whose version changes about once a week (at a random minute)
   and a ``releases:`` naming it (``--no-releases``: neither).
2. Starts a promtool-backfilled Prometheus on 127.0.0.1 holding it (the integration tests' helper,
   ``tests/integration/servers.py``, through ``benchmarks/prometheus/harness.py``).
3. Times, after one untimed warm-up of each, interleaved, ``--runs`` times each::

       slokit review DIR --periods 6 --period month --at 2026-11-01T00:00:00Z --format F [-o FILE]

   for each format of ``--formats`` (json to stdout; markdown and html to a file, html with its charts).
   ``--attribute-by code`` adds a second definitions tree whose objectives have ``attribute_by: [code]``,
   timed in json beside the first. Every run must review the 200 objectives: no objective in error, six
   periods each with an SLI, releases found where defined, attribution where asked for.

Per run (``harness.timed``): wall, slokit's own user + system CPU (``wait4``), Prometheus's CPU over the run
(``/proc/PID/stat``), peak RSS (``VmHWM``, through ``benchmarks/prometheus/peak.py``), the API requests
Prometheus counted, the 1-minute load when the run started. Medians, as ``bench_prometheus.py`` prints them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.prometheus import fleet as issue_fleet  # noqa: E402
from benchmarks.prometheus import harness  # noqa: E402
from benchmarks.prometheus.harness import Run, Table, median  # noqa: E402
from tests.integration.promdata import END, END_TS, Dataset, Series  # noqa: E402
from tests.integration.servers import Server  # noqa: E402

FIRST_DAY = datetime(2026, 4, 1, tzinfo=UTC)
DAYS = (END - FIRST_DAY).days  # 214
PERIODS = 6
OBJECTIVES = 200
SEED = 14
RELEASE_EVERY_DAYS = 7.0  # mean time between a service's releases
BUILD_INFO = "app_build_info"


def generate(interval: int, releases: bool, days: int = DAYS) -> Dataset:
    """Issue 13's fleet over ``days`` days at ``interval`` seconds, plus each service's build info."""
    data = issue_fleet.generate(issue_fleet.NARROW, days=days, end=END_TS)
    if interval != 60:
        keep = slice(None, None, interval // 60)
        data = Dataset(
            [Series(s.name, s.labels, s.kind, s.timestamps[keep], s.values[keep]) for s in data.series],
            data.families,
        )
    if not releases:
        return data
    rng = np.random.Generator(np.random.PCG64(SEED))
    times = data.series[0].timestamps
    series = list(data.series)
    for s in range(issue_fleet.NARROW.services):
        service = f"svc-{s:03d}"
        span = float(times[-1] - times[0])
        gaps = rng.exponential(RELEASE_EVERY_DAYS * 86400, size=int(days / RELEASE_EVERY_DAYS * 3) + 3)
        switches = times[0] + np.cumsum(gaps)
        switches = np.sort(switches[switches < times[0] + span])
        version = np.searchsorted(switches, times, side="right")  # 0 before the first switch, ...
        for k in np.unique(version).tolist():
            live = version == k
            labels = {"service": service, "version": f"1.{k}"}
            series.append(Series(BUILD_INFO, labels, "gauge", times[live], np.ones(int(live.sum()))))
    families = {**data.families, BUILD_INFO: ("gauge", (BUILD_INFO,))}
    return Dataset(series, families)


def write_definitions(directory: Path, releases: bool, attribute_by: str | None) -> Path:
    """The fleet's files (``fleet.write_slokit``), with each service's ``releases:`` and each objective's
    ``attribute_by`` added."""
    objectives = issue_fleet.objectives(issue_fleet.NARROW, OBJECTIVES)
    for path in issue_fleet.write_slokit(objectives, directory, issue_fleet.WINDOW):
        text = path.read_text(encoding="utf-8")
        if attribute_by is not None:
            text = re.sub(r"(?m)^(    target: .*)$", rf"\1\n    attribute_by: [{attribute_by}]", text)
        if releases:
            service = path.stem
            text += f"releases:\n  query: '{BUILD_INFO}{{service=\"{service}\"}}'\n  label: version\n"
        path.write_text(text, encoding="utf-8")
    return directory


def check_review(document: str, periods: int, releases: bool, attribution: bool) -> None:
    """A fast run that reviewed nothing would be a lie: every objective, every period, every part asked."""
    review = json.loads(document)
    objectives = review["objectives"]
    problems = []
    for o in objectives:
        key = f"{o['service']}/{o['objective']}"
        if o["error"] is not None:
            problems.append(f"{key}: {o['error']}")
        elif len(o["periods"]) != periods or any(p["sli"] is None for p in o["periods"]):
            problems.append(f"{key}: {len(o['periods'])} periods, SLIs {[p['sli'] for p in o['periods']]}")
        elif releases and not o["releases"]:
            problems.append(f"{key}: no releases ({o['notes']})")
        elif attribution and not o["attribution"]:
            problems.append(f"{key}: no attribution ({o['notes']})")
    if len(objectives) != OBJECTIVES or problems:
        raise SystemExit(
            f"slokit review: {len(objectives)} objectives, {len(problems)} problems: {problems[:3]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each variant (after one warm-up)")
    parser.add_argument("--formats", default="json,html", help="comma-separated: json, markdown, html")
    parser.add_argument(
        "--attribute-by", default=None, help="also time objectives with attribute_by: [LABEL]"
    )
    parser.add_argument("--no-releases", action="store_true", help="no build info series, no releases:")
    parser.add_argument("--interval", type=int, default=60, help="seconds between samples (a multiple of 60)")
    parser.add_argument("--days", type=int, default=DAYS, help="days of data before --at (smoke tests)")
    parser.add_argument("--periods", type=int, default=PERIODS, help="months reviewed (smoke tests)")
    parser.add_argument("--slokit-tree", type=Path, default=None, help="run slokit from this checkout")
    args = parser.parse_args()
    if args.interval % 60:
        parser.error("--interval must be a multiple of 60")
    releases = not args.no_releases
    formats = [f for f in args.formats.split(",") if f]

    print(f"slokit from {harness.slokit_version(args.slokit_tree)}", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-review-"))
    try:
        t0 = time.perf_counter()
        data = generate(args.interval, releases, args.days)
        generated = time.perf_counter() - t0
        server = harness.start("review", data, workdir)
        started = time.perf_counter() - t0
        description = (
            f"{len(data.series)} series, {data.n_samples / 1e6:.1f} M samples every {args.interval} s over "
            f"{args.days} days to {END:%Y-%m-%d}; {OBJECTIVES} objectives over {issue_fleet.NARROW.services} "
            f"services, window {issue_fleet.WINDOW}; generated in {generated:.0f} s, server ready after "
            f"{started:.0f} s"
        )
        del data
        try:
            table, lines = bench(args, formats, releases, workdir, server)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"[review] {description}\n{table.text()}")
    print(
        "\n  cli CPU: user+system s of slokit's process (wait4); prom CPU: of the Prometheus process over the"
        "\n  same run (/proc); queries: API requests Prometheus counted; RSS: slokit's peak resident set;"
        "\n  load: 1-min load average at the start of the run"
    )
    print("\n".join(lines))


def bench(
    args: argparse.Namespace, formats: list[str], releases: bool, workdir: Path, server: Server
) -> tuple[Table, list[str]]:
    base, env = harness.slokit_argv(args.slokit_tree)
    at = END.strftime("%Y-%m-%dT%H:%M:%SZ")
    plain = write_definitions(workdir / "slokit", releases, None)
    variants: dict[str, tuple[Path, str, bool]] = {f"review {f}": (plain, f, False) for f in formats}
    if args.attribute_by:
        attributed = write_definitions(workdir / "slokit-attributed", releases, args.attribute_by)
        variants[f"review json, by {args.attribute_by}"] = (attributed, "json", True)

    def argv(defs: Path, fmt: str) -> list[str]:
        out = [*base, "review", str(defs), "--periods", str(args.periods), "--period", "month", "--at", at]
        out += ["--format", fmt, "--prometheus-url", server.url]
        if fmt != "json":
            out += ["-o", str(workdir / f"review.{'md' if fmt == 'markdown' else fmt}")]
        return out

    def run(name: str) -> Run:
        defs, fmt, attribution = variants[name]
        timed = harness.timed(argv(defs, fmt), server, env)
        if fmt == "json":
            check_review(timed.stdout, args.periods, releases, attribution)
        else:
            written = workdir / f"review.{'md' if fmt == 'markdown' else fmt}"
            if written.stat().st_size == 0:
                raise SystemExit(f"slokit review --format {fmt}: empty output")
            written.unlink()
        return timed

    for name in variants:  # warm-up: page cache, .pyc files
        run(name)
    runs: dict[str, list[Run]] = {name: [] for name in variants}
    for _ in range(args.runs):
        for name in variants:
            runs[name].append(run(name))
    table = Table()
    for name, done in runs.items():
        table.add(name, done)
    lines = []
    for name, done in runs.items():
        lines.append(
            f"{name}: {median(done, 'wall'):.2f} s wall, {median(done, 'cpu'):.2f} s CPU, Prometheus "
            f"{median(done, 'server_cpu'):.2f} s, {median(done, 'queries'):.0f} queries, "
            f"{median(done, 'rss_mb'):.0f} MB peak RSS, load {median(done, 'load'):.1f}"
        )
    lines.append(f"machine: nproc {os.cpu_count()}, {cpu_model()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return table, lines


def cpu_model() -> str:
    done = subprocess.run(["lscpu"], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    main()
