"""CPU of slokit's Prometheus client per request and per point, before and after issue 13's lean client.

Usage: ``python benchmarks/bench_client.py [--url URL] [--before REV] [--requests 200]``

Starts a promtool-backfilled Prometheus on 127.0.0.1 holding the integration dataset (the helper the
integration tests use, ``tests/integration/servers.py``), unless ``--url`` names one already serving it.
Asks ``sum(increase(http_requests_total{job="checkout",code!~"5.."}[STEP]))`` over three ranges: the answer
sizes of a report's queries (720 points: 30 days at 1 h, the coarse range; 864: 3 days at 5 m, the fine
range; 9,504: 33 days at 5 m, ``--resolution full``).

For each size, the CPU seconds of this process (``time.process_time``: every thread, user + system) per
request, median of ``--rounds`` rounds of ``--requests`` requests each, for:

- ``transport``: the call up to the body's bytes (the envelope not parsed), slokit's client at ``--before``
  (loaded from git) and now; a bare ``http.client`` connection as the floor;
- ``decode``: the envelope's JSON and the range answer's check and parse into arrays, on the body already
  read, before and now (and with orjson, when it is importable, as the candidate it was);
- ``call``: both together, as ``PrometheusSource`` makes them.

Then the whole call (now) from 1, 2, 4 and 8 threads sharing one client: wall and CPU for the same
requests, to see whether the GIL serialises them. Last, a report's calls for ``--objectives`` objectives
(two roles, each a coarse 720-point and a fine 864-point range, and one instant query per objective) on 8
threads, before and now: the client's CPU for the whole fetch.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slokit.settings import PrometheusSettings  # noqa: E402
from slokit.sources import prometheus_answer, prometheus_http, prometheus_json  # noqa: E402
from tests.integration.promdata import END_TS  # noqa: E402

QUERY = 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[%s]))'
SIZES = {720: 3600, 864: 300, 9504: 300}  # points -> step seconds
BEFORE = "060a3ae"  # main before issue 13's client work


def params(points: int) -> dict[str, Any]:
    step = SIZES[points]
    return {"query": QUERY % f"{step}s", "start": END_TS - (points - 1) * step, "end": END_TS, "step": step}


def load(rev: str, module: str, name: str) -> ModuleType:
    """``slokit/sources/<module>.py`` as it was at ``rev``, importable beside today's."""
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:slokit/sources/{module}.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded  # dataclasses look their module up
    spec.loader.exec_module(loaded)
    return loaded


def transport_only(http: ModuleType, url: str) -> Any:
    """``http.PrometheusApi`` whose calls return the body's bytes, the envelope not parsed."""

    class Raw(http.PrometheusApi):  # type: ignore[name-defined,misc]
        def _envelope(self, body: bytearray, content_type: str) -> bytearray:
            return body

    return Raw(PrometheusSettings(url=url), url)


def answers_json(when: str, body: bytearray) -> Any:
    """The answer's ``data`` as the client parses it: ``json.loads`` before, ``decode`` now."""
    return (json.loads(body) if when == "before" else prometheus_json.decode(body))["data"]


def cpu_per_call(call: Callable[[], object], count: int, rounds: int) -> float:
    """Milliseconds of this process's CPU per call: median over rounds."""
    call()
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            call()
        per_round.append((time.process_time() - started) / count * 1e3)
    return statistics.median(per_round)


def bare_client(url: str) -> Callable[[int], bytes]:
    """One keep-alive http.client connection: the least a Python client can spend on a call."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def get(points: int) -> bytes:
        connection.request("GET", "/api/v1/query_range?" + urlencode(params(points)))
        return connection.getresponse().read()

    return get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a Prometheus already serving the integration dataset")
    parser.add_argument("--before", default=BEFORE, help=f"the git revision to compare (default {BEFORE})")
    parser.add_argument("--requests", type=int, default=200, help="requests per round (9,504 points: /4)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--objectives", type=int, default=200, help="objectives of the fleet run")
    args = parser.parse_args()
    server = None
    if args.url is None:
        from tests.integration import servers

        server = servers.start_prometheus(Path(tempfile.mkdtemp(prefix="slokit-bench-client-")))
        args.url = server.url
    try:
        run(args)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace) -> None:
    url = args.url
    old_http = load(args.before, "prometheus_http", "before_prometheus_http")
    old_answer = load(args.before, "prometheus_answer", "before_prometheus_answer")
    try:
        import orjson  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        orjson = None
    bare = bare_client(url)
    raw = {"before": transport_only(old_http, url), "now": transport_only(prometheus_http, url)}
    api = {
        "before": old_http.PrometheusApi(PrometheusSettings(url=url), url),
        "now": prometheus_http.PrometheusApi(PrometheusSettings(url=url), url),
    }
    answers = {"before": old_answer, "now": prometheus_answer}
    print(f"Prometheus {url}; CPU ms per request, median of {args.rounds} rounds")
    header = f"{'points':>6} {'bytes':>7}  {'floor':>6} {'transport':>17} {'decode':>17} {'call':>17}"
    print(header + (f" {'orjson decode':>13}" if orjson else ""))
    for points in SIZES:
        count = args.requests if points < 5000 else max(10, args.requests // 4)
        asked = params(points)
        body = raw["now"].get("query_range", asked)
        row: dict[str, dict[str, float]] = {"transport": {}, "decode": {}, "call": {}}
        for when in ("before", "now"):
            row["transport"][when] = cpu_per_call(
                lambda w=when, a=asked: raw[w].get("query_range", a), count, args.rounds
            )
            check = answers[when].matrix
            row["decode"][when] = cpu_per_call(
                lambda c=check, b=body, w=when: c(answers_json(w, b)), count * 4, args.rounds
            )
            row["call"][when] = cpu_per_call(
                lambda w=when, c=check, a=asked: c(api[w].get("query_range", a)), count, args.rounds
            )
        floor = cpu_per_call(lambda p=points: bare(p), count, args.rounds)
        cells = " ".join(
            f"{row[k]['before']:7.3f} -> {row[k]['now']:6.3f}" for k in ("transport", "decode", "call")
        )
        line = f"{points:>6} {len(body):>7}  {floor:6.3f} {cells}"
        if orjson is not None:
            fast = cpu_per_call(
                lambda b=body: prometheus_answer.matrix(orjson.loads(b)["data"]), count * 4, args.rounds
            )
            line += f" {fast:13.3f}"
        print(line)
        before, now = row["call"]["before"], row["call"]["now"]
        print(f"{'':>6} per point: call {before * 1e3 / points:.2f} -> {now * 1e3 / points:.2f} us")
    concurrency(api["now"], args.requests)
    fleet(api, answers, args.objectives, args.rounds)


def concurrency(api: Any, total: int) -> None:
    """The same ``total`` calls (864 points each) from 1, 2, 4 and 8 threads sharing one client."""
    asked = params(864)
    print(f"\n{total} calls of 864 points, one shared client: threads, wall s, CPU s, calls/s")
    for threads in (1, 2, 4, 8):
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda _: api.get("query_range", asked), range(threads)))  # connections up
            wall, cpu = time.perf_counter(), time.process_time()
            list(pool.map(lambda _: prometheus_answer.matrix(api.get("query_range", asked)), range(total)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{threads:>7} {wall:7.2f} {cpu:6.2f} {total / wall:8.0f}")


def fleet(api: dict[str, Any], answers: dict[str, ModuleType], objectives: int, rounds: int) -> None:
    """A report's calls, as ``PrometheusSource`` makes them: per objective a coarse and a fine range for
    each of two roles and one instant query, objectives on 8 threads sharing one client; before and now
    alternating, medians."""
    ranges = [params(720), params(720), params(864), params(864)]
    instant = {"query": 'sum by (code) (increase(http_requests_total{job="checkout"}[30d]))', "time": END_TS}

    def one(when: str) -> None:
        for asked in ranges:
            answers[when].matrix(api[when].get("query_range", asked))
        answers[when].vector(api[when].get("query", instant))

    print(f"\n{objectives} objectives x 5 calls (2 x 720 + 2 x 864 points, 1 instant), 8 threads: s")
    figures: dict[str, list[tuple[float, float, float]]] = {"before": [], "now": []}
    for _ in range(rounds):
        for when in ("before", "now"):
            with ThreadPoolExecutor(max_workers=8) as pool:
                opened = accepted(api[when].url)
                wall, cpu = time.perf_counter(), time.process_time()
                list(pool.map(lambda _, w=when: one(w), range(objectives)))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                figures[when].append((wall, cpu, accepted(api[when].url) - opened - 1))
    for when, runs in figures.items():
        wall, cpu, connections = (statistics.median(run[i] for run in runs) for i in range(3))
        per_call = cpu / objectives / 5 * 1e3
        print(
            f"{when:>7}: client CPU {cpu:5.2f} s ({per_call:.2f} ms a call), wall {wall:5.2f} s, "
            f"{connections:.0f} connections opened"
        )


def accepted(url: str) -> float:
    """Connections Prometheus has accepted so far (its /metrics; this scrape's own included)."""
    with urlopen(f"{url}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith('net_conntrack_listener_conn_accepted_total{listener_name="http"}'):
                return float(line.split()[-1])
    return float("nan")


if __name__ == "__main__":
    main()
