"""An incident older than the fine region is located to the coarse step, and the report says so (issue 13).

``slokit report`` at ``END`` against the session's Prometheus, for ``checkout/availability`` (30 d window,
99.9 %): at the default adaptive resolution the steps before the longest burn window (3 d, so before
2026-10-29T00:00Z) are fetched hourly and spread over their 5-minute steps. The checkout outage the generator
injected (``promdata.OUTAGE``, 2026-10-26 09:40 to 10:25, 5.5 days back) is then an incident on hour bounds,
``located_to_seconds`` 3600 and "located to the hour" in markdown; ``--resolution full`` locates the same
incident to its 5-minute steps, inside those hours.

The expected bounds come from the generator's events (``Dataset.step_events``, per hour and per 5 minutes):
the run of steps burning faster than 1x around the outage, merged across gaps under 15 minutes, as
docs/engine.md defines an incident.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from slokit.cli import run

from . import promdata as pd
from .promdata import Dataset, Matcher

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
AT = "2026-11-01T00:00:00Z"
OBJECTIVE = "checkout/availability"
TARGET = 0.999
HOUR = 3600
FIVE_MINUTES = 300
MERGE_GAP = 15 * 60
FINE_FROM = pd.END_TS - 3 * 86400  # the longest burn window before END


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def truth_incident(promdata: Dataset, step: int) -> tuple[int, int]:
    """Start and end of the incident around the outage, from the generator's events at ``step``."""
    lo, hi = pd.OUTAGE[0] - 6 * HOUR, pd.OUTAGE[1] + 6 * HOUR
    ends, bad = promdata.step_events(
        "http_requests_total", {"job": "checkout", "code": Matcher("=~", "5..")}, lo, hi, step
    )
    _, total = promdata.step_events("http_requests_total", {"job": "checkout"}, lo, hi, step)
    burning = bad > (1 - TARGET) * total
    inside = (ends > pd.OUTAGE[0]) & (ends - step < pd.OUTAGE[1])
    assert burning[inside].all()  # the outage burns in every step it touches
    first, last = int(np.flatnonzero(inside)[0]), int(np.flatnonzero(inside)[-1])
    hot = np.flatnonzero(burning)
    # Extend over burning steps whose gap to the run is under MERGE_GAP (end of one to start of the next).
    while (before := hot[hot < first]).size and (ends[first] - step) - ends[before[-1]] < MERGE_GAP:
        first = int(before[-1])
    while (after := hot[hot > last]).size and (ends[after[0]] - step) - ends[last] < MERGE_GAP:
        last = int(after[0])
    return int(ends[first] - step), int(ends[last])


def report(prometheus_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    argv = ["report", str(SLO_DIR), "--prometheus-url", prometheus_url, "--at", AT, "--objective", OBJECTIVE]
    capsys.readouterr()
    code = run([*argv, *extra])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


def outage_incident(text: str) -> dict[str, Any]:
    (objective,) = json.loads(text)["objectives"]
    around = [
        i for i in objective["incidents"] if i["start"] < iso(pd.OUTAGE[1]) and i["end"] > iso(pd.OUTAGE[0])
    ]
    assert len(around) == 1, objective["incidents"]
    return around[0]


def test_generator_truth_puts_the_outage_in_the_coarse_region_on_two_whole_hours(promdata: Dataset) -> None:
    start, end = truth_incident(promdata, HOUR)
    assert end <= FINE_FROM
    assert (iso(start), iso(end)) == ("2026-10-26T09:00:00Z", "2026-10-26T11:00:00Z")


@pytest.mark.parametrize("server", ["prometheus_url", "victoriametrics_url"])
def test_adaptive_report_locates_the_old_incident_to_the_hour(
    promdata: Dataset, server: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = truth_incident(promdata, HOUR)
    incident = outage_incident(report(request.getfixturevalue(server), capsys, "--format", "json"))
    assert (incident["start"], incident["end"]) == (iso(start), iso(end))
    assert incident["located_to_seconds"] == 3600


def test_adaptive_markdown_says_located_to_the_hour(
    promdata: Dataset, prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = truth_incident(promdata, HOUR)
    text = report(prometheus_url, capsys, "--format", "markdown")
    span = f"incident {iso(start)[:10]} {iso(start)[11:16]} to {iso(end)[11:16]} UTC (located to the hour)"
    assert span in text


def test_full_resolution_locates_the_same_incident_to_its_5_minute_steps_inside_the_hours(
    promdata: Dataset, prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = truth_incident(promdata, FIVE_MINUTES)
    hour_start, hour_end = truth_incident(promdata, HOUR)
    assert hour_start <= start < end <= hour_end
    assert (start, end) != (hour_start, hour_end)  # the fine bounds say more than the hours do

    incident = outage_incident(report(prometheus_url, capsys, "--format", "json", "--resolution", "full"))
    assert (incident["start"], incident["end"]) == (iso(start), iso(end))
    assert incident["located_to_seconds"] is None
    markdown = report(prometheus_url, capsys, "--format", "markdown", "--resolution", "full")
    assert "located to" not in markdown


def test_first_data_in_the_coarse_region_is_located_to_the_hour(
    prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # newsvc's counters start 12 days before END: in the coarse region of its 30-day window.
    argv = ["report", str(SLO_DIR), "--prometheus-url", prometheus_url, "--at", AT, "--service", "newsvc"]
    capsys.readouterr()
    assert run([*argv, "--format", "json"]) == 0
    (objective,) = json.loads(capsys.readouterr().out)["objectives"]
    coverage = objective["coverage"]
    assert (coverage["first_data"], coverage["first_data_located_to_seconds"]) == (iso(pd.NEWSVC_START), 3600)

    assert run([*argv, "--format", "markdown"]) == 0
    assert "partial window: 12d of 30d (data start located to the hour)" in capsys.readouterr().out
