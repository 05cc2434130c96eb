"""slokit against a real Prometheus, and google/slo-generator 2.6.0 on the same objectives (issue 4).

Usage: ``python benchmarks/bench_prometheus.py [--objectives 200] [--runs 5] [--peer-runs 3]``

1. Starts a promtool-backfilled Prometheus on 127.0.0.1 holding the integration dataset (40 days of
   1-minute samples, ``tests/integration/promdata.py``), through the same helper the integration tests
   use (``tests/integration/servers.py``).
2. Writes ``--objectives`` ratio objectives over label combinations of that data
   (``benchmarks/prometheus/objectives.py``): slokit definitions with a 30 d window, and the same good/total
   selectors and targets as slo-generator SLO configs under its 4-step default policy.
3. Times ``slokit report DIR --format json --at <end of data>`` as a subprocess (one untimed warm-up, then
   ``--runs``; median), so interpreter start-up, loading, fetching, the engine and JSON rendering all count.
   Two more runs in-process count slokit's HTTP queries (``PrometheusSource.http_queries``), split the
   time into fetch and engine, and measure the fetch again with uncompressed responses (a what-if).
4. Times ``slo-generator compute -f DIR -c config.yaml -t <end>`` ``--peer-runs`` times (median),
   interleaved with the slokit runs. Its virtualenv is created if missing::

       python3 -m venv /tmp/slogen-venv
       /tmp/slogen-venv/bin/pip install 'setuptools<70' 'slo-generator[prometheus]==2.6.0'

   (setuptools<70: slo-generator 2.6.0 imports ``pkg_resources``.)

The Prometheus-side figures come from the server's own ``/metrics`` before and after each run: requests
and handler seconds per API endpoint, and the engine's ``prometheus_engine_query_duration_seconds`` sum;
plus the CPU seconds of the Prometheus process and of the tool (``/proc``, ``RUSAGE_CHILDREN``).
The last line is ``prometheus: slokit <S> s (<Q> HTTP queries), slo-generator <P> s, ratio <P/S>x``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.prometheus import objectives as bench_objectives  # noqa: E402
from tests.integration import servers  # noqa: E402
from tests.integration.promdata import END, END_TS  # noqa: E402

SLOGEN_VERSION = "2.6.0"
SLOGEN_VENV = Path("/tmp/slogen-venv")
SLOGEN_CONFIG = ROOT / "benchmarks" / "prometheus" / "slo_generator_config.yaml"
SLOGEN_STEPS = 4  # the default policy's 1h / 12h / 7d / 28d
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# ------------------------------------------------------------------------------------- Prometheus's view


@dataclass
class ServerStats:
    """What Prometheus itself measured, from its /metrics counters (so deltas between two scrapes)."""

    requests: dict[str, float] = field(default_factory=dict)  # handler -> requests answered
    handler_seconds: dict[str, float] = field(default_factory=dict)  # handler -> seconds spent answering
    engine_seconds: float = 0.0  # PromQL engine: queue + prepare + inner_eval + result_sort
    engine_queries: float = 0.0

    def minus(self, before: ServerStats) -> ServerStats:
        def sub(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
            return {k: v - b.get(k, 0.0) for k, v in a.items() if v - b.get(k, 0.0) > 0}

        return ServerStats(
            sub(self.requests, before.requests),
            sub(self.handler_seconds, before.handler_seconds),
            self.engine_seconds - before.engine_seconds,
            self.engine_queries - before.engine_queries,
        )

    @property
    def api_requests(self) -> int:
        # /metrics itself is our own scrape, not the tool's.
        return round(sum(v for k, v in self.requests.items() if k.startswith("/api/")))

    @property
    def api_seconds(self) -> float:
        return sum(v for k, v in self.handler_seconds.items() if k.startswith("/api/"))


def scrape(url: str) -> ServerStats:
    stats = ServerStats()
    text = requests.get(url + "/metrics", timeout=30).text
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m is None:
            continue
        name, raw_labels, raw_value = m.groups()
        labels = dict(_LABEL.findall(raw_labels or ""))
        value = float(raw_value)
        handler = labels.get("handler", "")
        if name == "prometheus_http_requests_total":
            stats.requests[handler] = stats.requests.get(handler, 0.0) + value  # summed over codes
        elif name == "prometheus_http_request_duration_seconds_sum":
            stats.handler_seconds[handler] = stats.handler_seconds.get(handler, 0.0) + value
        elif name == "prometheus_engine_query_duration_seconds_sum":
            stats.engine_seconds += value  # one summary per slice: the slices add up to the query
        elif name == "prometheus_engine_query_duration_seconds_count" and labels.get("slice") == "inner_eval":
            stats.engine_queries += value
    return stats


# -------------------------------------------------------------------------------------------- the runs


@dataclass
class Run:
    wall: float
    client_cpu: float  # user + system seconds of the tool's process
    server_cpu: float  # user + system seconds of the Prometheus process
    server: ServerStats


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], server: servers.Server, env: dict[str, str] | None = None) -> tuple[Run, str]:
    # CPU seconds next to wall time: the machine may be shared, and CPU time is what load changes least.
    url = server.url
    before = scrape(url)
    server_cpu, client_cpu = process_cpu(server.process.pid), children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    server_cpu = process_cpu(server.process.pid) - server_cpu
    client_cpu = children_cpu() - client_cpu
    after = scrape(url)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[:3])} ... exited with {done.returncode}:\n{done.stderr[-3000:]}"
            f"\n{done.stdout[-2000:]}"
        )
    return Run(wall, client_cpu, server_cpu, after.minus(before)), done.stdout


def slokit_binary() -> str:
    # The venv's console script, as a user runs it (interpreter start-up included in the figure).
    for candidate in (Path(sys.executable).parent / "slokit", ROOT / ".venv" / "bin" / "slokit"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("slokit is not installed: run scripts/setup or `pip install -e .` in .venv")


def check_slokit_output(stdout: str, expected: int) -> None:
    """A fast run that computed nothing would be a lie: every objective must have been evaluated."""
    report = json.loads(stdout)
    objectives = report["objectives"]
    errors = [o for o in objectives if o["status"] == "error" or o["error"] or o["sli"] is None]
    if len(objectives) != expected or errors:
        raise SystemExit(f"slokit report: {len(objectives)} objectives, {len(errors)} errors: {errors[:2]}")


def in_process(
    definitions_dir: Path, server: servers.Server, concurrency: int | None, gzip: bool = True
) -> dict[str, float]:
    """Count HTTP queries with slokit's own counters and split the time into fetch and engine.

    ``gzip`` sets slokit's ``compression`` setting explicitly (on, or off: ``Accept-Encoding: identity``),
    so both costs are measured whatever ``auto`` would pick for this loopback server.
    """
    from slokit import pipeline
    from slokit.settings import PrometheusSettings
    from slokit.sources.prometheus import PrometheusSource
    from slokit.spec import load

    settings = PrometheusSettings(url=server.url, compression=gzip)
    if concurrency is not None:
        settings = PrometheusSettings(url=server.url, compression=gzip, concurrency=concurrency)
    t0 = time.perf_counter()
    definitions = load([definitions_dir])
    at = pipeline.pin(END)
    plans = pipeline.plan(definitions, at)
    source = PrometheusSource(settings)
    t1 = time.perf_counter()
    server_cpu, client_cpu = process_cpu(server.process.pid), time.process_time()
    try:
        fetched = source.fetch([p.query for p in plans])
    finally:
        source.close()
    t2 = time.perf_counter()
    server_cpu = process_cpu(server.process.pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    results = pipeline.evaluate(plans, fetched, at)
    t3 = time.perf_counter()
    failed = [f.error for f in fetched if f.error]
    if failed:
        raise SystemExit(f"in-process fetch failed for {len(failed)} objectives: {failed[:2]}")
    return {
        "objectives": len(results),
        "http_queries": source.http_queries,
        "client_request_seconds": source.server_seconds,
        "points_per_query": plans[0].query.points,
        "load_plan": t1 - t0,
        "fetch": t2 - t1,
        "fetch_client_cpu": client_cpu,
        "fetch_server_cpu": server_cpu,
        "engine": t3 - t2,
    }


def ensure_slo_generator(venv: Path) -> Path:
    binary = venv / "bin" / "slo-generator"
    if binary.exists():
        return binary
    python = shutil.which("python3") or sys.executable
    print(f"creating {venv} for slo-generator {SLOGEN_VERSION} ...", file=sys.stderr)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            *("install", "--quiet", "setuptools<70", f"slo-generator[prometheus]=={SLOGEN_VERSION}"),
        ],
        check=True,
    )
    return binary


def check_slo_generator_output(stdout: str, expected: int) -> None:
    """One INFO line per SLO and policy step; an invalid step is logged as ERROR instead."""
    reports = sum(" | SLI: " in line for line in stdout.splitlines())
    errors = [line for line in stdout.splitlines() if line.startswith(("ERROR", "WARNING"))]
    if reports != expected or errors:
        raise SystemExit(f"slo-generator: {reports} step reports (expected {expected}); {errors[:3]}")


# ----------------------------------------------------------------------------------------------- report


def _median(runs: list[Run], get: str) -> float:
    values = {
        "wall": [r.wall for r in runs],
        "client_cpu": [r.client_cpu for r in runs],
        "server_cpu": [r.server_cpu for r in runs],
        "requests": [r.server.api_requests for r in runs],
        "api": [r.server.api_seconds for r in runs],
        "engine": [r.server.engine_seconds for r in runs],
    }[get]
    return statistics.median(values)


def _row(name: str, runs: list[Run]) -> str:
    walls = ", ".join(f"{r.wall:.2f}" for r in runs)
    return (
        f"{name:<15} {_median(runs, 'wall'):>7.2f} {_median(runs, 'client_cpu'):>8.2f} "
        f"{_median(runs, 'server_cpu'):>8.2f} {_median(runs, 'requests'):>8.0f} "
        f"{_median(runs, 'api'):>9.2f} {_median(runs, 'engine'):>9.2f}   [{walls}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="timed slokit runs (after one warm-up)")
    parser.add_argument("--peer-runs", type=int, default=3, help="timed slo-generator runs")
    parser.add_argument("--concurrency", type=int, default=None, help="slokit --concurrency (default 8)")
    parser.add_argument("--serial", action="store_true", help="also time slokit with --concurrency 1")
    parser.add_argument("--no-peer", action="store_true", help="skip slo-generator")
    parser.add_argument(
        "--compression",
        choices=("auto", "true", "false"),
        default="auto",
        help="slokit's SLOKIT_PROMETHEUS_COMPRESSION (auto, the default, is off for this loopback server)",
    )
    parser.add_argument("--slo-generator-venv", type=Path, default=SLOGEN_VENV)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-prom-"))
    server = None
    try:
        t0 = time.perf_counter()
        (workdir / "prometheus").mkdir()
        server = servers.start_prometheus(workdir / "prometheus")
        print(f"prometheus ready at {server.url} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        objectives = bench_objectives.build(servers.dataset(), args.objectives)
        slokit_dir = workdir / "slokit"
        bench_objectives.write_slokit(objectives, slokit_dir)
        at = END.strftime("%Y-%m-%dT%H:%M:%SZ")

        def slokit_argv(concurrency: int | None) -> list[str]:
            argv = [slokit_binary(), "report", str(slokit_dir), "--format", "json"]
            argv += ["--prometheus-url", server.url, "--at", at]
            return argv + (["--concurrency", str(concurrency)] if concurrency is not None else [])

        peer: list[str] = []
        env: dict[str, str] = {}
        if not args.no_peer:
            binary = ensure_slo_generator(args.slo_generator_venv)
            peer_dir = workdir / "slo-generator"
            bench_objectives.write_slo_generator(objectives, peer_dir, END_TS)
            peer = [str(binary), "compute", "-f", str(peer_dir), "-c", str(SLOGEN_CONFIG)]
            peer += ["-t", str(END_TS)]  # ignored by its Prometheus backend, see objectives.py
            env = {**os.environ, "PROMETHEUS_URL": server.url, "COLORED_OUTPUT": "0", "DEBUG": "0"}

        # One untimed run each first (page cache, .pyc files), then the timed runs interleaved, so that
        # whatever else runs on the machine meanwhile weighs on both tools alike.
        slokit_env = {**os.environ, "SLOKIT_PROMETHEUS_COMPRESSION": args.compression}
        _, stdout = timed(slokit_argv(args.concurrency), server, slokit_env)
        check_slokit_output(stdout, len(objectives))
        if peer:
            _, stdout = timed(peer, server, env)
            check_slo_generator_output(stdout, SLOGEN_STEPS * len(objectives))
        slokit_runs: list[Run] = []
        serial_runs: list[Run] = []
        peer_runs: list[Run] = []
        for i in range(max(args.runs, args.peer_runs if peer else 0)):
            if i < args.runs:
                run, stdout = timed(slokit_argv(args.concurrency), server, slokit_env)
                check_slokit_output(stdout, len(objectives))
                slokit_runs.append(run)
            if args.serial and i < max(1, args.runs // 2):
                run, stdout = timed(slokit_argv(1), server, slokit_env)
                check_slokit_output(stdout, len(objectives))
                serial_runs.append(run)
            if peer and i < args.peer_runs:
                run, stdout = timed(peer, server, env)
                check_slo_generator_output(stdout, SLOGEN_STEPS * len(objectives))
                peer_runs.append(run)
        counts = in_process(slokit_dir, server, args.concurrency)
        identity = in_process(slokit_dir, server, args.concurrency, gzip=False)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    n = len(objectives)
    print(f"\n{n} ratio objectives, data end {at}, Prometheus on 127.0.0.1, medians of the runs")
    print(
        f"{'':<15} {'wall s':>7} {'cli CPU':>8} {'prom CPU':>8} {'queries':>8} {'handler':>9} "
        f"{'engine':>9}   [wall of each run]"
    )
    print(_row("slokit", slokit_runs))
    if serial_runs:
        print(_row("slokit -c 1", serial_runs))
    if peer_runs:
        print(_row("slo-generator", peer_runs))
    print(
        "  cli CPU / prom CPU: user+system seconds of the tool / of Prometheus; queries: API requests\n"
        "  Prometheus answered; handler / engine: seconds summed over requests, from Prometheus's\n"
        "  prometheus_http_request_duration_seconds / prometheus_engine_query_duration_seconds (latency,\n"
        "  so concurrent requests waiting for a CPU each count their wait)"
    )
    print(
        f"slokit in-process: {counts['http_queries']} HTTP queries "
        f"({counts['http_queries'] / n:g} per objective, {counts['points_per_query']} points each); "
        f"load+plan {counts['load_plan']:.2f} s, engine {counts['engine']:.2f} s"
    )
    for label, c in (("compression on", counts), ("compression off", identity)):
        print(
            f"  fetch, {label:<18}: {c['fetch']:6.2f} s wall, client CPU {c['fetch_client_cpu']:5.2f} s, "
            f"Prometheus CPU {c['fetch_server_cpu']:5.2f} s"
        )
    if peer_runs:
        steps = f"{SLOGEN_STEPS} policy steps x 2 instant queries per objective"
        print(f"slo-generator {SLOGEN_VERSION}: {steps}, one after the other, a new connection each")
    s = _median(slokit_runs, "wall")
    if peer_runs:
        p = _median(peer_runs, "wall")
        print(
            f"prometheus: slokit {s:.2f} s ({counts['http_queries']} HTTP queries), "
            f"slo-generator {p:.2f} s, ratio {p / s:.1f}x"
        )
    else:
        print(f"prometheus: slokit {s:.2f} s ({counts['http_queries']} HTTP queries), slo-generator not run")


if __name__ == "__main__":
    main()
