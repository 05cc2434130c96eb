"""What each kind of query costs Prometheus on issue 13's fleet: the server's floor, query by query.

Usage: ``python benchmarks/measure_queries.py [--threads 4] [--objectives 200] [--markdown FILE]``

Builds the issue's narrow fleet (``benchmarks/prometheus/fleet.py``: 50 services x 2 counters, 1-minute
samples over 31 days), backfills it with promtool into Debian's Prometheus on 127.0.0.1
(``tests/integration/servers.py``), plans the 200 objectives with slokit's own planner (28 d window), and
sends each set of queries below twice, with ``--threads`` workers and one after the other, each response
read whole and not parsed (a bare ``requests`` session per thread, ``Accept-Encoding: identity``):

* ``totals``: slokit's window-totals instant query, one per objective (``promql.window_totals`` over the
  planned windows: the objective's window and every burn window);
* ``totals, burn windows``: the same without the objective's window; ``totals, window only``: that window
  alone;
* ``1h x 31d``: ``sum(increase(sel[1h]))`` at a 1 h step over the 31 days, one per selector (the floor:
  every sample read once);
* ``5m x 3d``: ``sum(increase(sel[5m]))`` at a 5 m step over the last 3 days, one per selector;
* ``5m x 31d``: the full resolution's range (``--resolution full``, the only one before issue 13), the
  planned start and end at 5 m, one per selector.

Figures: wall, Prometheus's CPU (user + system from ``/proc/PID/stat``), this client's CPU, bytes returned,
and the samples Prometheus read (``stats``' ``totalQueryableSamples``, summed).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.prometheus import fleet  # noqa: E402
from benchmarks.prometheus.harness import process_cpu  # noqa: E402
from tests.integration import servers  # noqa: E402
from tests.integration.promdata import END, END_TS  # noqa: E402

_SAMPLES = re.compile(rb'"totalQueryableSamples":\s*(\d+)')


@dataclass(frozen=True)
class Request:
    endpoint: str  # "query" or "query_range"
    params: dict[str, str]


@dataclass
class Measured:
    name: str
    threads: int
    queries: int
    wall: float
    server_cpu: float
    client_cpu: float
    bytes: int
    samples: int


_local = threading.local()


def _session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.headers["Accept-Encoding"] = "identity"
        _local.session = s
    return s


def _send(url: str, req: Request) -> tuple[int, int]:
    r = _session().post(f"{url}/api/v1/{req.endpoint}", data={**req.params, "stats": "true"}, timeout=600)
    body = r.content
    if r.status_code != 200:
        raise SystemExit(f"{req.endpoint} {req.params['query'][:200]}: {r.status_code} {body[:300]!r}")
    m = _SAMPLES.search(body, max(0, len(body) - 400))
    return len(body), int(m.group(1)) if m else 0


def measure(name: str, url: str, pid: int, requests_: Sequence[Request], threads: int) -> Measured:
    cpu0, client0, t0 = process_cpu(pid), time.process_time(), time.perf_counter()
    if threads == 1:
        results = [_send(url, r) for r in requests_]
    else:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda r: _send(url, r), requests_))
    wall = time.perf_counter() - t0
    return Measured(
        name,
        threads,
        len(requests_),
        wall,
        process_cpu(pid) - cpu0,
        time.process_time() - client0,
        sum(b for b, _ in results),
        sum(s for _, s in results),
    )


def _ranges(selectors: Sequence[str], window: str, start: int, end: int, step: int) -> list[Request]:
    return [
        Request(
            "query_range",
            {
                "query": f"sum(increase({sel}[{window}]))",
                "start": str(start),
                "end": str(end),
                "step": str(step),
            },
        )
        for sel in selectors
    ]


def build_requests(definitions_dir: Path) -> tuple[dict[str, list[Request]], dict[str, str]]:
    from slokit import pipeline
    from slokit.sources import promql
    from slokit.spec import load

    at = pipeline.pin(END)
    plans = pipeline.plan(load([definitions_dir]), at)
    t = str(int(at.timestamp()))
    names = ("totals", "totals, burn windows", "totals, window only")
    sets: dict[str, list[Request]] = {k: [] for k in names}
    selectors: list[str] = []
    ranges_31d_5m: list[Request] = []
    info: dict[str, str] = {}
    for p in plans:
        q = p.query
        window = max(q.windows)
        burn = tuple(w for w in q.windows if w != window)
        sets["totals"].append(Request("query", {"query": promql.window_totals(q.sli, q.windows), "time": t}))
        sets["totals, burn windows"].append(
            Request("query", {"query": promql.window_totals(q.sli, burn), "time": t})
        )
        sets["totals, window only"].append(
            Request("query", {"query": promql.window_totals(q.sli, (window,)), "time": t})
        )
        assert q.sli.ratio is not None and q.sli.ratio.good and q.sli.ratio.total
        for sel in (q.sli.ratio.good, q.sli.ratio.total):
            selectors.append(sel)
            ranges_31d_5m.append(
                Request(
                    "query_range",
                    {
                        "query": promql.increase(sel, q.step),
                        "start": str(int(q.start.timestamp())),
                        "end": str(int(q.end.timestamp())),
                        "step": str(int(q.step.total_seconds())),
                    },
                )
            )
        info = {
            "windows": ", ".join(f"{w / timedelta(hours=1):g}h" for w in q.windows),
            "range": f"{q.start:%Y-%m-%dT%H:%M}Z .. {q.end:%Y-%m-%dT%H:%M}Z step {q.step}",
            "example totals query": promql.window_totals(q.sli, q.windows),
        }
    end = END_TS
    sets["1h x 31d (floor)"] = _ranges(selectors, "1h", end - fleet.DAYS * 86400 + 3600, end, 3600)
    sets["5m x 3d"] = _ranges(selectors, "5m", end - 3 * 86400 + 300, end, 300)
    sets["5m x 31d (full resolution)"] = ranges_31d_5m
    return sets, info


def table(rows: Sequence[Measured]) -> str:
    out = [
        "| queries | threads | n | wall s | Prometheus CPU s | client CPU s | MB returned "
        "| samples read (M) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r.name} | {r.threads} | {r.queries} | {r.wall:.2f} | {r.server_cpu:.2f} | "
            f"{r.client_cpu:.2f} | {r.bytes / 1e6:.1f} | {r.samples / 1e6:.1f} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all the sets")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="slokit-measure-"))
    server = None
    try:
        t0 = time.perf_counter()
        data = fleet.generate(fleet.NARROW)
        (workdir / "prometheus").mkdir()
        server = servers.start_prometheus(workdir / "prometheus", data, name="fleet")
        print(f"prometheus ready at {server.url} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        defs = workdir / "defs"
        fleet.write_slokit(fleet.objectives(fleet.NARROW, args.objectives), defs)
        sets, info = build_requests(defs)
        pid = server.process.pid
        # Warm-up: one pass over the raw data (page cache, chunk decoding caches).
        measure("warm-up", server.url, pid, sets["1h x 31d (floor)"], args.threads)
        rows: list[Measured] = []
        for _ in range(args.repeat):
            for name, reqs in sets.items():
                for threads in (args.threads, 1):
                    row = measure(name, server.url, pid, reqs, threads)
                    print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)
                    rows.append(row)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    text = table(rows)
    extra = "\n".join(f"- {k}: `{v[:600]}`" for k, v in info.items())
    print(text)
    print(extra)
    if args.markdown is not None:
        args.markdown.write_text(text + "\n\n" + extra + "\n", encoding="utf-8")
    print(json.dumps([r.__dict__ for r in rows]), file=sys.stderr)


if __name__ == "__main__":
    main()
