"""What the Prometheus benchmarks share: the fleets, a server per fleet, timed child processes, the floor.

* A **fleet** is a dataset plus ratio objectives over it: ``integration`` (the integration dataset and
  ``objectives.py``, 30 d window), ``issue13`` (issue 13's 50 services x 2 counters, 28 d window, see
  ``fleet.py``) and ``wide`` (the same 200 objectives over selectors matching 50 series each).
* A **run** is one child process timed from outside: wall, its own user + system CPU from ``os.wait4``
  (the child's rusage alone, not every child's so far), its peak RSS (``VmHWM``, written at exit by
  ``peak.py``, which runs slokit; see there why not ``ru_maxrss``), the Prometheus process's CPU over the
  same span from ``/proc/PID/stat``, the requests Prometheus counted per API endpoint (its ``/metrics``) and
  the 1-minute load average when the run started.
* The **floor** is what no client can go below on this server: one ``sum(increase(sel[1h]))`` range at a
  1 h step per selector over the span slokit reads (window + longest burn window), so every sample is read
  once, sent from a bare ``requests`` session per thread, each answer read whole and not parsed.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import requests

from benchmarks.prometheus import fleet as issue_fleet
from benchmarks.prometheus import objectives as bench_objectives
from benchmarks.prometheus.objectives import RatioObjective
from tests.integration import servers
from tests.integration.promdata import END, Dataset

ROOT = Path(__file__).resolve().parents[2]
FLEETS = ("integration", "issue13", "wide")
BURN_LOOKBACK = timedelta(days=3)  # slokit's longest default burn / alert window
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# ---------------------------------------------------------------------------------------------- fleets


@dataclass
class Fleet:
    name: str
    data: Dataset
    objectives: list[RatioObjective]
    window: timedelta
    end: datetime = END
    description: str = ""

    @property
    def at(self) -> str:
        return self.end.strftime("%Y-%m-%dT%H:%M:%SZ")

    def write_slokit(self, directory: Path) -> Path:
        if self.name == "integration":
            bench_objectives.write_slokit(self.objectives, directory)
        else:
            issue_fleet.write_slokit(self.objectives, directory, f"{self.window.days}d")
        return directory

    @property
    def selectors(self) -> list[str]:
        return [sel for o in self.objectives for sel in (o.good, o.total)]


def dataset(name: str) -> Dataset:
    if name == "integration":
        return servers.dataset()
    return issue_fleet.generate(issue_fleet.WIDE if name == "wide" else issue_fleet.NARROW)


def objectives(name: str, data: Dataset, count: int) -> Fleet:
    """The fleet's ``count`` objectives; ``data`` is reused, so several counts share one server."""
    if name == "integration":
        objs = bench_objectives.build(data, count)
        return Fleet(name, data, objs, timedelta(days=30), description=_describe(data, objs, "30d"))
    shape = issue_fleet.WIDE if name == "wide" else issue_fleet.NARROW
    objs = issue_fleet.objectives(shape, count)
    return Fleet(name, data, objs, timedelta(days=28), description=_describe(data, objs, issue_fleet.WINDOW))


def _describe(data: Dataset, objs: Sequence[RatioObjective], window: str) -> str:
    services = len({o.service for o in objs})
    return (
        f"{len(data.series)} series, {data.n_samples / 1e6:.2f} M samples; {len(objs)} objectives over "
        f"{services} services, window {window}"
    )


def start(name: str, data: Dataset, workdir: Path) -> servers.Server:
    """A promtool-backfilled Prometheus on 127.0.0.1 holding ``data`` (the suite's own helper)."""
    (workdir / "prometheus").mkdir(parents=True)
    t0 = time.perf_counter()
    server = servers.start_prometheus(workdir / "prometheus", data, name=f"prometheus-{name}")
    print(f"[{name}] prometheus ready at {server.url} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return server


# ------------------------------------------------------------------------------------------------- runs


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the timed process (or, for the floor, of the bare client)
    server_cpu: float  # user + system seconds of the Prometheus process over the same span
    queries: int  # API requests Prometheus counted
    rss_mb: float  # peak resident set of the timed process (0: not measured, e.g. the in-process floor)
    load: float  # 1-minute load average when the run started
    stdout: str = ""
    endpoints: dict[str, int] = field(default_factory=dict)  # API requests Prometheus counted, per handler


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api_requests(url: str) -> dict[str, int]:
    """API requests Prometheus has answered so far, per handler (not ``/metrics``: that is our scrape)."""
    counts: dict[str, float] = {}
    for line in requests.get(url + "/metrics", timeout=30).text.splitlines():
        m = _SAMPLE.match(line)
        if m is None or m.group(1) != "prometheus_http_requests_total":
            continue
        handler = dict(_LABEL.findall(m.group(2) or "")).get("handler", "")
        if handler.startswith("/api/"):
            counts[handler] = counts.get(handler, 0.0) + float(m.group(3))
    return {k: round(v) for k, v in counts.items()}


def _minus(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


def timed(
    argv: Sequence[str],
    server: servers.Server,
    env: dict[str, str] | None = None,
    ok: Callable[[int], bool] = lambda code: code == 0,
) -> Run:
    """Run ``argv`` to its end; its rusage comes from ``wait4`` on its pid alone."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile() as peak,
    ):
        env = {**(env or os.environ), "BENCH_PEAK_FILE": peak.name}
        before = api_requests(server.url)
        load = os.getloadavg()[0]
        server_cpu = process_cpu(server.process.pid)
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        server_cpu = process_cpu(server.process.pid) - server_cpu
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        endpoints = _minus(api_requests(server.url), before)
        rss_kb = peak.read().strip()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        if not ok(code):
            stderr = err.read().decode(errors="replace")
            command = " ".join(argv[:4])
            raise SystemExit(f"{command} ... exited with {code}:\n{stderr[-3000:]}\n{stdout[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    rss = int(rss_kb) / 1024 if rss_kb else 0.0
    print(
        f"  {Path(argv[0]).name} {' '.join(argv[1:4])[-40:]}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"Prometheus {server_cpu:.2f} s, load {load:.1f}",
        file=sys.stderr,
        flush=True,
    )
    return Run(wall, cpu, server_cpu, sum(endpoints.values()), rss, load, stdout, endpoints)


# ------------------------------------------------------------------------------------------------ slokit


def slokit_argv(tree: Path | None) -> tuple[list[str], dict[str, str]]:
    """slokit run by ``peak.py`` (as ``python -m slokit``) from ``tree``, a checkout (e.g. an older commit's
    ``git archive``), or from this one."""
    env = {**os.environ, "PYTHONPATH": str(tree or ROOT)}
    return [sys.executable, str(ROOT / "benchmarks" / "prometheus" / "peak.py"), "slokit"], env


def slokit_version(tree: Path | None) -> str:
    argv, env = slokit_argv(tree)
    done = subprocess.run(
        [argv[0], "-c", "import slokit; print(slokit.__file__)"],
        cwd="/",  # ``-c`` puts the working directory first on sys.path, ahead of PYTHONPATH
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return done.stdout.strip()


# ------------------------------------------------------------------------------------------------- floor

_local = threading.local()


def _session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.headers["Accept-Encoding"] = "identity"  # as slokit's compression auto on a loopback server
        _local.session = s
    return s


def _read(url: str, params: dict[str, str]) -> int:
    r = _session().post(url + "/api/v1/query_range", data=params, timeout=600)
    if r.status_code != 200:
        raise SystemExit(f"floor query {params['query']}: {r.status_code} {r.text[:300]}")
    return len(r.content)


@dataclass(frozen=True)
class Floor:
    run: Run
    bytes: int
    span: timedelta


def floor(f: Fleet, server: servers.Server, threads: int, step: timedelta = timedelta(hours=1)) -> Floor:
    """One coarse range per selector over the window and the longest burn window before the evaluation."""
    span = f.window + BURN_LOOKBACK
    end = int(f.end.timestamp())
    s = int(step.total_seconds())
    params = [
        {
            "query": f"sum(increase({sel}[{s}s]))",
            "start": str(end - int(span.total_seconds()) + s),
            "end": str(end),
            "step": str(s),
        }
        for sel in f.selectors
    ]
    before = api_requests(server.url)
    load = os.getloadavg()[0]
    server_cpu, cpu, t0 = process_cpu(server.process.pid), time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        sizes = list(pool.map(lambda p: _read(server.url, p), params))
    wall = time.perf_counter() - t0
    run = Run(
        wall,
        time.process_time() - cpu,
        process_cpu(server.process.pid) - server_cpu,
        sum(_minus(api_requests(server.url), before).values()),
        0.0,
        load,
    )
    return Floor(run, sum(sizes), span)


# ------------------------------------------------------------------------------------------------ tables


def median(runs: Sequence[Run], attr: str) -> float:
    return float(statistics.median(float(getattr(r, attr)) for r in runs))


@dataclass
class Table:
    rows: list[tuple[str, list[Run]]] = field(default_factory=list)

    def add(self, name: str, runs: list[Run]) -> None:
        if runs:
            self.rows.append((name, runs))

    def text(self) -> str:
        head = (
            f"{'':<26} {'wall s':>7} {'cli CPU':>8} {'prom CPU':>8} {'queries':>8} {'RSS MB':>7} "
            f"{'load':>5}   [wall of each run]"
        )
        lines = [head]
        for name, runs in self.rows:
            walls = ", ".join(f"{r.wall:.2f}" for r in runs)
            rss = median(runs, "rss_mb")
            lines.append(
                f"{name:<26} {median(runs, 'wall'):>7.2f} {median(runs, 'cpu'):>8.2f} "
                f"{median(runs, 'server_cpu'):>8.2f} {median(runs, 'queries'):>8.0f} "
                f"{(f'{rss:.0f}' if rss else '-'):>7} {median(runs, 'load'):>5.1f}   [{walls}]"
            )
        for name, runs in self.rows:
            if runs[-1].endpoints:
                parts = ", ".join(f"{k} {v}" for k, v in sorted(runs[-1].endpoints.items()))
                lines.append(f"  {name} (last run): {parts}")
        return "\n".join(lines)
