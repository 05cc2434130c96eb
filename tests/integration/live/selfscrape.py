"""A real Prometheus that scrapes itself for about a minute before a 5-minute boundary, for the coverage test.

slokit pins its evaluation time to a 5-minute boundary, so "a minute of data" means the minute before one.
Waiting for the next boundary inside the test would block the suite for up to 6 minutes; instead, as soon
as collection is over (``pytest_collection_finish`` in this folder's ``conftest.py``), a background thread
picks the first boundary ``at`` that leaves enough time, starts Prometheus at ``at - LEAD_SECONDS`` and lets
it scrape itself every second while the rest of the suite runs. The test runs last and waits for what is
left, then reports with ``--at`` pinned to that boundary: later scrapes do not count.

While it scrapes, the thread sends a few malformed queries (HTTP 400): the bad events of the test's
availability objective (good = 2xx) among the ~60 scrapes of ``/metrics``: a modest error rate.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from integration.servers import Server, _start, require_binary

STEP_SECONDS = 300  # slokit aligns the evaluation time down to 5 minutes
LEAD_SECONDS = 70  # Prometheus starts this long before ``at``: about a minute of samples
SETTLE_SECONDS = 3  # after ``at``, so that the sample scraped at ``at`` is in the head block
BAD_REQUESTS_AT = (5, 25, 45)  # seconds after the start: 400s among ~60 scrapes
SCRAPE_INTERVAL = "1s"


def next_boundary(now: float) -> int:
    """The first 5-minute boundary that leaves LEAD_SECONDS (and start-up slack) from ``now``."""
    return math.ceil((now + LEAD_SECONDS + 5) / STEP_SECONDS) * STEP_SECONDS


@dataclass
class SelfScrape:
    workdir: Path
    at: int = field(default_factory=lambda: next_boundary(time.time()))
    server: Server | None = None
    error: str | None = None
    started_at: float | None = None
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="selfscrape", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            if self._stop.wait(max(0.0, self.at - LEAD_SECONDS - time.time())):
                return
            self.started_at = time.time()
            self.server = start_self_scraping(self.workdir)
            for offset in BAD_REQUESTS_AT:
                if self._stop.wait(max(0.0, self.started_at + offset - time.time())):
                    return
                requests.get(self.server.url + "/api/v1/query", params={"query": "("}, timeout=5)
        except BaseException as exc:  # pytest.fail() raises a BaseException; the test reports it
            self.error = f"{type(exc).__name__}: {exc}"

    def wait(self) -> Server:
        """Block until the minute of data before ``at`` is in Prometheus; return the server."""
        assert self._thread is not None, "SelfScrape.start() was not called"
        time.sleep(max(0.0, self.at + SETTLE_SECONDS - time.time()))
        self._thread.join(timeout=STEP_SECONDS)
        if self.error is not None or self.server is None:
            raise RuntimeError(f"the self-scraping Prometheus did not run: {self.error}")
        return self.server

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.server is not None:
            self.server.stop()


def start_self_scraping(workdir: Path) -> Server:
    """Prometheus with an empty TSDB, scraping its own ``/metrics`` every second."""
    prometheus = require_binary("prometheus", "prometheus")
    storage = workdir / "tsdb"
    config = workdir / "prometheus.yml"

    def argv(port: int) -> list[str]:
        config.write_text(
            f"global: {{scrape_interval: {SCRAPE_INTERVAL}, evaluation_interval: {SCRAPE_INTERVAL}}}\n"
            "scrape_configs:\n"
            "  - job_name: prometheus\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        )
        return [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]

    return _start("prometheus (self-scraping)", argv, "/-/ready", workdir / "prometheus.log")
