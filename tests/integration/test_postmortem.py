"""``slokit postmortem`` against the session's real Prometheus: the checkout outage's draft (issue 14).

The generator injected a 5xx burst into checkout (``promdata.OUTAGE``, 2026-10-26 09:40 to 10:25). Evaluated
at 2026-10-27 00:00 the outage lies inside the last 3 days, read at 5-minute steps: the draft's start and
end are the generator's burning 5-minute steps (merged across gaps under 15 minutes), and each alert tier of
checkout (the workbook's table, written out) fires and clears where the generator's events say it would: at
every 5-minute step end t, the burn over (t - long, t] and over (t - short, t] both at or above the tier's
factor. Evaluated at END the outage is 5.5 days back, in the hourly region: the draft is located to the hour.
Expected figures come from ``Dataset.step_events``, never from slokit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from slokit.cli import run

from . import promdata as pd
from .promdata import Dataset, Matcher
from .test_located_incidents import HOUR, iso, truth_incident

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
OBJECTIVE = "checkout/availability"
TARGET = 0.999
STEP = 300
AT = "2026-10-27T00:00:00Z"
WINDOW_HOURS = 30 * 24
# The tiers checkout writes out: (severity, long, short, budget %); factor = budget / 100 * 30 d / long.
TIERS = [
    ("page", 3600, 300, 2),
    ("page", 6 * 3600, 1800, 5),
    ("ticket", 86400, 7200, 10),
    ("ticket", 3 * 86400, 6 * 3600, 10),
]


def hhmm(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def span(seconds: int) -> str:
    """A duration as the draft writes one: its two largest units (``1d``, ``2h30m``, ``15m``)."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts[:2]) or "0m"


def draft(prometheus_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    argv = ["postmortem", str(SLO_DIR), "--prometheus-url", prometheus_url, "--objective", OBJECTIVE, *extra]
    code = run(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


def report_number(prometheus_url: str, capsys: pytest.CaptureFixture[str], at: str) -> tuple[int, int]:
    """The outage's number among the report's incidents of the objective (1-based, oldest first)."""
    capsys.readouterr()
    argv = ["report", str(SLO_DIR), "--prometheus-url", prometheus_url, "--at", at, "--objective", OBJECTIVE]
    assert run([*argv, "--format", "json"]) == 0
    (objective,) = json.loads(capsys.readouterr().out)["objectives"]
    incidents = objective["incidents"]  # engine order: oldest first
    around = [
        n
        for n, i in enumerate(incidents, 1)
        if i["start"] < iso(pd.OUTAGE[1]) and i["end"] > iso(pd.OUTAGE[0])
    ]
    assert len(around) == 1, incidents
    return around[0], len(incidents)


def truth_alert_rows(promdata: Dataset, start: int, end: int) -> list[str]:
    """Each tier's firing and clearing around the incident, as the draft's timeline rows word them."""
    lo = start - 4 * 86400
    hi = end + 12 * 3600
    ends, bad = promdata.step_events(
        "http_requests_total", {"job": "checkout", "code": Matcher("=~", "5..")}, lo, hi, STEP
    )
    _, total = promdata.step_events("http_requests_total", {"job": "checkout"}, lo, hi, STEP)
    cum_bad = np.concatenate(([0.0], np.cumsum(bad)))
    cum_total = np.concatenate(([0.0], np.cumsum(total)))

    def burn(window: int) -> np.ndarray:
        n = window // STEP
        idx = np.arange(1, ends.size + 1)
        first = np.maximum(idx - n, 0)
        return (cum_bad[idx] - cum_bad[first]) / (cum_total[idx] - cum_total[first]) / (1 - TARGET)

    rows = []
    valid = ends >= lo + 3 * 86400 + STEP  # every window full
    for severity, long, short, budget in TIERS:
        factor = budget / 100 * WINDOW_HOURS * 3600 / long
        fires = valid & (burn(long) >= factor * (1 - 1e-9)) & (burn(short) >= factor * (1 - 1e-9))
        name = f"{severity} {span(long)}/{span(short)} ({factor:.1f}x)"
        on = np.flatnonzero(fires & (ends >= start) & (ends <= end))
        if on.size == 0:
            assert not fires[(ends >= start) & (ends <= end + STEP)].any()
            continue
        first = int(on[0])
        while first > 0 and fires[first - 1]:
            first -= 1
        last = int(on[-1])
        while fires[last + 1]:
            last += 1
        fired, cleared = int(ends[first]), int(ends[last + 1])
        if fired <= start:
            rows.append(
                f"| {hhmm(start)} | Alert {name} was already firing at the start (since {hhmm(fired)}) |"
            )
        else:
            rows.append(
                f"| {hhmm(fired)} | Alert {name} would have fired ({span(fired - start)} after the start) |"
            )
        rows.append(
            f"| {hhmm(cleared)} | Alert {name} would have cleared ({span(cleared - end)} after the end) |"
        )
    return rows


def test_outage_draft_has_the_generators_bounds_to_the_step_and_its_alerts(
    promdata: Dataset, prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = truth_incident(promdata, STEP)
    number, count = report_number(prometheus_url, capsys, AT)
    text = draft(prometheus_url, capsys, "--at", AT, "--incident", str(number))
    assert text.startswith(f"# Postmortem draft: {OBJECTIVE}, incident {number} of {count}\n")
    assert f"- **When**: {hhmm(start)} to {hhmm(end)[11:]} UTC\n" in text
    assert f"| {hhmm(start)} | Start: the error budget starts burning faster than 1x |" in text
    assert f"| {hhmm(end)} | End: burning at 1x or less again |" in text
    assert "located to" not in text
    rows = truth_alert_rows(promdata, start, end)
    assert any("page 1h/5m" in row for row in rows)  # the outage pages
    for row in rows:
        assert row in text, row
    # the bad events of the span, from the generator's 5-minute steps
    ends, bad = promdata.step_events(
        "http_requests_total", {"job": "checkout", "code": Matcher("=~", "5..")}, start, end, STEP
    )
    assert ends[0] - STEP == start and ends[-1] == end
    assert f"| Bad events | {_count(float(bad.sum()))} of " in text


def _count(value: float) -> str:
    return f"{round(value):,}" if value < 1e4 else f"{float(f'{value / 1e3:.3g}'):g}k"


def test_outage_draft_at_the_end_is_located_to_the_hour(
    promdata: Dataset, prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = truth_incident(promdata, HOUR)
    number, _ = report_number(prometheus_url, capsys, "2026-11-01T00:00:00Z")
    text = draft(prometheus_url, capsys, "--at", "2026-11-01T00:00:00Z", "--incident", str(number))
    assert f"- **When**: {hhmm(start)} to {hhmm(end)[11:]} UTC (located to the hour)\n" in text
    assert (
        f"| {hhmm(start)} (located to the hour) | Start: the error budget starts burning faster than 1x |"
        in text
    )
    # The peak is a whole hour there: the hour of the generator's events that burned fastest.
    ends, bad = promdata.step_events(
        "http_requests_total", {"job": "checkout", "code": Matcher("=~", "5..")}, start, end, HOUR
    )
    _, total = promdata.step_events("http_requests_total", {"job": "checkout"}, start, end, HOUR)
    burn = bad / total / (1 - TARGET)
    peak = int(np.argmax(burn))
    rate = f"{burn[peak]:,.0f}x" if burn[peak] >= 100 else f"{burn[peak]:.1f}x"
    when = f"{hhmm(int(ends[peak]))} (located to the hour)"
    row = f"| {when} | Peak burn rate {rate} over the 1h ending at this time |"
    assert row in text
