"""The metrics output through the real consumers: promtool's linter, Prometheus's OpenMetrics parser and
node_exporter's textfile collector.

The report is the demo report plus one objective with hostile label values (quotes, backslashes, line feeds,
non-ASCII), so the escaping is checked by the parsers that matter, not only by our own expectations.
"""

from __future__ import annotations

import dataclasses
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from slokit import pipeline
from slokit.report.model import Report
from slokit.report.openmetrics import render_openmetrics
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

from .servers import free_port, require_binary

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
FLAVOURS = {"openmetrics": False, "textfile": True}
HOSTILE = 'say "hi"\\n\nnew line \\ é ☃ 日本 \t tab'
HOSTILE_ESCAPED = 'say \\"hi\\"\\\\n\\nnew line \\\\ é ☃ 日本 \t tab'


@pytest.fixture(scope="module")
def report() -> Report:
    snapshot = SnapshotSource(REPO / "slo_definitions" / "snapshot.json.gz")
    demo, _ = pipeline.run(load([REPO / "slo_definitions"]), snapshot, pipeline.pin(snapshot.evaluated_at))
    hostile = dataclasses.replace(
        demo.objectives[0],
        service="hostile",
        objective='quo"te',
        team=HOSTILE,
        labels={"note": HOSTILE, "path": "C:\\temp\\"},
    )
    return Report(demo.evaluated_at, (*demo.objectives, hostile))


def _sample_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("textfile", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_promtool_check_metrics_accepts_it_without_lint_problems(report: Report, textfile: bool) -> None:
    promtool = require_binary("promtool", "prometheus")
    text = render_openmetrics(report, textfile=textfile)
    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    # Exit 1 is a parse error, 3 lint problems; either way promtool prints what it found.
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_prometheus_openmetrics_parser_ingests_every_sample(report: Report, tmp_path: Path) -> None:
    """``check metrics`` reads the 0.0.4 text format; backfilling reads OpenMetrics with Prometheus's own
    parser (``# UNIT``, ``# EOF`` and all). Backfilling needs timestamps, so the test adds the evaluation time
    to each sample -- the only change -- and expects one series per sample."""
    promtool = require_binary("promtool", "prometheus")
    text = render_openmetrics(report)
    at = int(report.evaluated_at.timestamp())
    stamped = "\n".join(line if line.startswith("#") else f"{line} {at}" for line in text.splitlines()) + "\n"
    source = tmp_path / "report.om"
    source.write_text(stamped, encoding="utf-8")
    done = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tmp_path / "blocks")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    header, row = done.stdout.strip().splitlines()[:2]
    assert "NUM SERIES" in header
    assert int(row.split()[6]) == len(_sample_lines(text))


@pytest.fixture
def textfile_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "textfile"
    directory.mkdir()
    return directory


def _start_node_exporter(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = require_binary("prometheus-node-exporter", "prometheus-node-exporter")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--collector.disable-defaults",
            "--collector.textfile",
            f"--collector.textfile.directory={directory}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, f"http://127.0.0.1:{port}/metrics"


def _scrape(process: subprocess.Popen[bytes], url: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"node_exporter exited with {process.returncode}: {stderr}")
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return response.text
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("node_exporter did not answer within 30 s")
        time.sleep(0.1)


@pytest.fixture
def node_exporter(textfile_dir: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes], str]]:
    process, url = _start_node_exporter(textfile_dir)
    try:
        yield textfile_dir, process, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("textfile", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_node_exporter_textfile_collector_exposes_every_sample(
    report: Report, node_exporter: tuple[Path, subprocess.Popen[bytes], str], textfile: bool
) -> None:
    directory, process, url = node_exporter
    text = render_openmetrics(report, textfile=textfile)
    # Written as the collector's docs advise: a temporary name, then an atomic rename to *.prom.
    partial = directory / "slokit.prom.tmp"
    partial.write_text(text, encoding="utf-8")
    partial.rename(directory / "slokit.prom")

    exposed = _scrape(process, url)
    assert "node_textfile_scrape_error 0" in exposed.splitlines()
    ours = [line for line in _sample_lines(exposed) if line.startswith("slokit_")]
    assert len(ours) == len(_sample_lines(text))
    # node_exporter parsed the escaped values and escaped them again the same way on the way out.
    assert f'team="{HOSTILE_ESCAPED}"' in exposed
    assert 'label_path="C:\\\\temp\\\\"' in exposed
