"""A real Prometheus that scraped itself for a minute, reported on as a 30d objective (issue 10, point 1).

What a user would check: the report says how little of the 30 days it has seen ("partial window"), in the
table, the JSON and the HTML; no burn window longer than the data shows a burn rate as if it were complete;
and the modest error rate of that minute fires no alert tier (a 3d/6h ticket fired before, from identical
1h/6h/1d/3d burn rates). The expected coverage comes from Prometheus's own raw samples, not from slokit:
the first scrape's time decides which 5-minute step (ratio) and which 1-minute slices hold data.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime

import pytest
import requests

from slokit.cli import run

from .selfscrape import SelfScrape

pytestmark = pytest.mark.integration

DEFINITIONS = """\
apiVersion: slokit/v1
service: prometheus
owners:
  operational: {team: platform-ops, email: [ops@example.com]}
window: 30d
objectives:
  - name: availability
    kind: operational
    target: 99
    sli:
      ratio:
        good: prometheus_http_requests_total{job="prometheus",code=~"2.."}
        total: prometheus_http_requests_total{job="prometheus"}
  - name: up
    kind: operational
    target: 99.9
    sli:
      timeslices:
        query: min(up{job="prometheus"})
        good: ">= 1"
        slice: 1m
"""
THIRTY_DAYS = 30 * 86400
BURN_WINDOW_SECONDS = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "3d": 259200}


def _raw_samples(url: str, selector: str, at: int) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """Every sample Prometheus stored for ``selector`` in the 10 minutes up to ``at``, per series."""
    r = requests.get(url + "/api/v1/query", params={"query": f"{selector}[10m]", "time": str(at)}, timeout=10)
    r.raise_for_status()
    return [
        (series["metric"], [(float(t), float(v)) for t, v in series["values"]])
        for series in r.json()["data"]["result"]
    ]


def _since(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def live(self_scraping: SelfScrape, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    server, at = self_scraping.server, self_scraping.at
    assert server is not None
    workdir = tmp_path_factory.mktemp("live-coverage")
    definitions = workdir / "prometheus.yaml"
    definitions.write_text(DEFINITIONS)
    outputs: dict[str, object] = {"url": server.url, "at": at, "definitions": definitions}
    for format, name in (("json", "report.json"), ("table", "report.txt"), ("html", "report.html")):
        out = workdir / name
        args = ["report", str(definitions), "--prometheus-url", server.url, "--at", str(at)]
        assert run([*args, "--format", format, "--out", str(out)]) == 0, format
        outputs[format] = out.read_text(encoding="utf-8")
    return outputs


@pytest.fixture(scope="module")
def expected(live: dict[str, object]) -> dict[str, int]:
    """Covered seconds per objective, from the first raw sample Prometheus holds."""
    url, at = str(live["url"]), int(str(live["at"]))
    ((_, up),) = _raw_samples(url, 'up{job="prometheus"}', at)
    first = up[0][0]
    # About a minute of self-scraping at 1s before the boundary.
    assert 55 <= at - first <= 80, at - first
    assert len(up) >= 50
    # Ratio (5m steps): only the step ending at ``at`` has two samples for increase(); it starts at at - 5m.
    # Time slices (1m): a slice has a value from the first slice end at or after the first sample.
    first_slice_end = at - 60 * math.floor((at - first) / 60)
    return {"prometheus/availability": 300, "prometheus/up": at - (first_slice_end - 60)}


def test_json_shows_partial_coverage_and_no_burn_rate_of_a_window_longer_than_the_data(
    live: dict[str, object], expected: dict[str, int]
) -> None:
    document = json.loads(str(live["json"]))
    at = int(str(live["at"]))
    by_key = {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}
    assert set(by_key) == set(expected)
    for key, covered in expected.items():
        item = by_key[key]
        coverage = item["coverage"]
        assert item["status"] != "no_data", key
        assert coverage["partial"] is True, key
        assert coverage["first_data"] == _since(at - covered), key
        assert coverage["window"] == {
            "length_seconds": THIRTY_DAYS,
            "covered_seconds": covered,
            "share": pytest.approx(covered / THIRTY_DAYS),
            "complete": False,
        }, key
        for window, seconds in BURN_WINDOW_SECONDS.items():
            burn = coverage["burn_windows"][window]
            assert burn["complete"] is (seconds <= covered), (key, window)
            assert burn["covered_seconds"] == min(seconds, covered), (key, window)
            if seconds > covered:  # never presented as a complete window's burn rate
                assert item["burn_rates"][window] is None, (key, window)
                assert burn["burn_rate"] is not None, (key, window)
        assert [a["firing"] for a in item["alerts"]] == [False] * 4, key
        assert all(a["partial"] and a["long_window_coverage"] < 1 for a in item["alerts"]), key

    availability = by_key["prometheus/availability"]
    # The 400s among the scrapes burn the budget faster than 1x: on 30 days of such data the 3d/6h ticket tier
    # (factor 1) would fire. A minute of it does not, because it cannot spend 10 % of a month's budget.
    ticket_3d = availability["alerts"][3]
    assert (ticket_3d["long_window"], ticket_3d["factor"]) == ("3d", pytest.approx(1.0))
    assert ticket_3d["long_burn_rate"] > 1
    assert availability["coverage"]["burn_windows"]["3d"]["burn_rate"] > 1
    assert availability["bad_events"] > 0


def test_table_says_partial_window_and_shows_no_burn_rate_longer_than_the_data(
    live: dict[str, object], expected: dict[str, int]
) -> None:
    text = str(live["table"])
    at = int(str(live["at"]))
    for key, covered in expected.items():
        since = datetime.fromtimestamp(at - covered, UTC).strftime("%Y-%m-%d %H:%M")
        assert f"{key}: partial window: {covered // 60}m of 30d, data since {since} UTC" in text
        rows = [line for line in text.splitlines() if f" {key} " in line]
        (row,) = [line for line in rows if "slokit postmortem" not in line]  # not the "draft it" line
        assert "— — — —" in row, row  # burn 1h 6h 1d 3d: none of them is covered by the data


def test_html_says_partial_window_and_marks_each_partial_burn_rate(
    live: dict[str, object], expected: dict[str, int]
) -> None:
    html = str(live["html"])
    for covered in expected.values():
        note = f"partial window: {covered // 60}m of 30d"
        assert f'<span class="sub partial">{note}</span>' in html
        assert f"<strong>Partial window: {covered // 60}m of 30d</strong>" in html
    # Burn rates of windows longer than the data say over how much data they were measured.
    assert re.search(r"3d [0-9.]+x over 5m</dd>", html)  # availability
    assert re.search(rf"5m [0-9.]+x over {expected['prometheus/up'] // 60}m ·", html)  # up
    assert "<strong>firing</strong>" not in html


def test_check_judges_partial_data_and_says_so(
    live: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(str(live["json"]))
    code = run(
        [
            "check",
            str(live["definitions"]),
            "--prometheus-url",
            str(live["url"]),
            "--at",
            str(live["at"]),
        ]
    )
    out = capsys.readouterr().out
    exhausted = any(o["status"] == "exhausted" for o in document["objectives"])
    assert code == (1 if exhausted else 0), out
    lines = [line for line in out.splitlines() if "prometheus/" in line and "gate:" in line]
    assert len(lines) == 2, out
    assert all(re.search(r"partial window: \dm of 30d$", line) for line in lines), out
