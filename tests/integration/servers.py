"""Real Prometheus and VictoriaMetrics servers loaded with the ``promdata`` dataset, for pytest fixtures.

Both listen on a free 127.0.0.1 port, keep their data under a pytest temporary directory and are stopped when
the session ends. Prometheus gets the data as TSDB blocks built by ``promtool`` before it starts (the way
backfilling is done in production); VictoriaMetrics through its import API once it is up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import requests

from .promdata import END_TS, START_TS, Dataset, generate, write_openmetrics_file

STARTUP_TIMEOUT = 60.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_binary(name: str, package: str) -> str:
    """Path of ``name``; skips the test without it, except in CI, where a missing server is a failure:
    a skipped integration suite there would pass while testing nothing."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        msg = f"{name} not found: install the Debian package `{package}` (apt-get install -y {package})"
        if in_ci():
            pytest.fail(f"{msg}; CI is set, so the integration tests must not be skipped", pytrace=False)
        pytest.skip(msg)
    return path


@dataclass
class Timings:
    """Seconds spent per start-up phase, printed by the fixtures (visible with ``pytest -s``)."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = time.perf_counter() - t0

    def report(self, title: str) -> str:
        parts = ", ".join(f"{k} {v:.2f}s" for k, v in self.phases.items())
        return f"[{title}] {parts}, total {sum(self.phases.values()):.2f}s"


TIMINGS: dict[str, Timings] = {}


@cache
def dataset() -> Dataset:
    """The generated data, built once per process however many fixtures need it."""
    with TIMINGS.setdefault("dataset", Timings()).phase("generate"):
        return generate()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _start(name: str, argv_for_port: Callable[[int], list[str]], ready_path: str, log: Path) -> Server:
    """Start a server and wait until ``ready_path`` answers 200. The port is picked free just before the
    start, so another process may grab it in between: then the server exits and we retry on another port."""
    last_error = ""
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv_for_port(port), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        server = Server(name, url, proc, log)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                last_error = f"{name} exited with code {proc.returncode}"
                break
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + ready_path, timeout=2).status_code == 200:
                    return server
            time.sleep(0.05)
        else:
            server.stop()
            last_error = f"{name} not ready after {STARTUP_TIMEOUT:.0f}s"
            break
    pytest.fail(f"{last_error}; last log lines of {log}:\n{server.log_tail()}", pytrace=False)


def _instant(url: str, query: str, at: float = END_TS) -> float | None:
    r = requests.post(f"{url}/api/v1/query", data={"query": query, "time": str(at)}, timeout=60)
    r.raise_for_status()
    result = r.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def loaded_sample_counts(url: str, start: int = START_TS, end: int = END_TS) -> dict[str, float | None]:
    """Samples stored per metric name over the whole data range, as the server reports them. One query
    per name: count_over_time drops the name, and across names the label sets would collide."""
    r = requests.get(url + "/api/v1/label/__name__/values", params={"start": start, "end": end}, timeout=30)
    r.raise_for_status()
    days = (end - start) // 86400 + 1
    return {name: _instant(url, f"sum(count_over_time({name}[{days}d]))", end) for name in r.json()["data"]}


def expected_sample_counts(data: Dataset) -> dict[str, float | None]:
    counts: dict[str, float | None] = {}
    for s in data.series:
        counts[s.name] = (counts.get(s.name) or 0) + len(s.timestamps)
    return counts


def _wait_loaded(server: Server, data: Dataset, timeout: float) -> None:
    expected = expected_sample_counts(data)
    start = min(int(s.timestamps[0]) for s in data.series)
    end = max(int(s.timestamps[-1]) for s in data.series)
    deadline = time.monotonic() + timeout
    got: dict[str, float | None] = {}
    while time.monotonic() < deadline:
        got = loaded_sample_counts(server.url, start, end)
        if got == expected:
            return
        time.sleep(0.2)
    pytest.fail(f"{server.name} does not hold the generated data: {got} != {expected}", pytrace=False)


def start_prometheus(workdir: Path, data: Dataset | None = None, name: str = "prometheus") -> Server:
    """promtool-backfilled Prometheus serving ``data`` (default: the dataset), read-only (no scrapes)."""
    prometheus = require_binary("prometheus", "prometheus")
    promtool = require_binary("promtool", "prometheus")
    timings = TIMINGS.setdefault(name, Timings())
    data = data or dataset()
    openmetrics = workdir / "data.om"
    with timings.phase("write openmetrics"):
        size = write_openmetrics_file(data, openmetrics)
    storage = workdir / "tsdb"
    with timings.phase("promtool backfill"):
        # promtool re-reads the whole file once per output block; the default 2h blocks would mean 480
        # passes. The hidden --max-block-duration rounds down to 2h * 3^k: 1458h holds the 40 days in one
        # or two blocks.
        done = subprocess.run(
            [
                promtool,
                *("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=1458h"),
                *(str(openmetrics), str(storage)),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        pytest.fail(f"promtool backfill failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    openmetrics.unlink()
    config = workdir / "prometheus.yml"
    config.write_text("global: {}\nscrape_configs: []\n")

    def argv(port: int) -> list[str]:
        return [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            # Retention counts back from the newest block, so the fixed 2026 data stays whatever today is.
            "--storage.tsdb.retention.time=100y",
            # Equal min and max block durations switch compaction off: the backfilled block is queried as
            # is, and no background compaction competes with the tests for the two CPUs.
            "--storage.tsdb.min-block-duration=2h",
            "--storage.tsdb.max-block-duration=2h",
            "--log.level=warn",
        ]

    with timings.phase("server ready"):
        server = _start("prometheus", argv, "/-/ready", workdir / "prometheus.log")
    with timings.phase("verify load"):
        _wait_loaded(server, data, timeout=10)
    print(
        f"\n{TIMINGS.get('dataset', Timings()).report('dataset')}\n{timings.report(name)} "
        f"({len(data.series)} series, {data.n_samples} samples, openmetrics {size / 1e6:.0f} MB)",
        file=sys.stderr,
    )
    return server


def start_victoriametrics(
    workdir: Path, data: Dataset | None = None, name: str = "victoriametrics"
) -> Server:
    """VictoriaMetrics loaded with ``data`` (default: the dataset) through ``/api/v1/import`` (JSON lines,
    one per series)."""
    binary = require_binary("victoria-metrics", "victoria-metrics")
    timings = TIMINGS.setdefault(name, Timings())
    data = data or dataset()
    storage = workdir / "vmdata"

    def argv(port: int) -> list[str]:
        return [
            binary,
            f"-storageDataPath={storage}",
            f"-httpListenAddr=127.0.0.1:{port}",
            # Retention counts back from now, and the data has fixed 2026 dates.
            "-retentionPeriod=100y",
            # Queries answered before the import is flushed would otherwise be cached incomplete.
            "-search.disableCache",
            "-loggerLevel=WARN",
        ]

    with timings.phase("server ready"):
        server = _start("victoria-metrics", argv, "/health", workdir / "victoria-metrics.log")
    with timings.phase("import"):
        r = requests.post(server.url + "/api/v1/import", data=data.vm_json_lines(), timeout=300)
        if r.status_code // 100 != 2:
            server.stop()
            pytest.fail(f"VictoriaMetrics import failed: {r.status_code} {r.text[:500]}", pytrace=False)
        # Imported rows sit in memory buffers until flushed; only then can searches see all of them.
        requests.get(server.url + "/internal/force_flush", timeout=60).raise_for_status()
    with timings.phase("verify load"):
        _wait_loaded(server, data, timeout=30)
    print(f"\n{timings.report(name)}", file=sys.stderr)
    return server
