"""``slokit postmortem`` against the session's real Prometheus: the checkout outage's draft (issue 14).

The generator injected a 5xx burst into checkout (``promdata.OUTAGE``, 2026-10-26 09:40 to 10:25). The report
names each incident it requires a postmortem for by ``--at`` its start; run as printed, the postmortem selects
the incident in progress then and reads the service at full resolution (5-minute steps however old), so the
draft's start and end are the generator's burning 5-minute steps (merged across gaps under 15 minutes) whether
it is evaluated a day after the outage (this machine's clock is past the window: TIME + 1 day) or at END, 5.5
days on, where the report itself reads hours and prints the start of the outage's hour. Each alert tier of
checkout (the workbook's table, written out) fires and clears where the generator's events say it would: at
every 5-minute step end t, the burn over (t - long, t] and over (t - short, t] both at or above the tier's
factor. Expected figures come from ``Dataset.step_events``, never from slokit.
"""

from __future__ import annotations

import re
import shlex
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


def report_command(prometheus_url: str, capsys: pytest.CaptureFixture[str], at: str) -> tuple[str, str]:
    """The outage's span and the command the report at ``at`` prints to draft its postmortem."""
    capsys.readouterr()
    argv = ["report", str(SLO_DIR), "--prometheus-url", prometheus_url, "--at", at, "--objective", OBJECTIVE]
    assert run([*argv, "--format", "markdown"]) == 0
    lines = re.findall(
        r"^- \*\*.*?\*\* \(.*?\): incident (.*?) consumed .*? Draft it: `([^`]+)`$",
        capsys.readouterr().out,
        re.M,
    )
    around = [(span, command) for span, command in lines if hhmm(pd.OUTAGE[0])[:10] in span]
    assert len(around) == 1, lines
    return around[0]


def run_printed(prometheus_url: str, capsys: pytest.CaptureFixture[str], command: str) -> str:
    words = shlex.split(command)
    assert words[:5] == ["slokit", "postmortem", str(SLO_DIR), "--objective", OBJECTIVE]
    return draft(prometheus_url, capsys, *words[5:])


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


def assert_exact_outage(promdata: Dataset, text: str) -> None:
    """The draft's bounds, alert times and bad events are the generator's, to the 5-minute step."""
    start, end = truth_incident(promdata, STEP)
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


def test_the_reports_command_drafts_the_outage_a_day_after_it_with_the_generators_bounds_and_alerts(
    promdata: Dataset, prometheus_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, _ = truth_incident(promdata, STEP)
    span, command = report_command(prometheus_url, capsys, AT)
    assert command.endswith(f" --objective {OBJECTIVE} --at {iso(start)}")  # exact: the report read 5m steps
    text = run_printed(prometheus_url, capsys, command)
    # Now is past the window: evaluated a day after --at, the outage the window's latest incident.
    evaluated = datetime.fromtimestamp(start + 86400, UTC)
    assert f"_Drafted by slokit from the SLO data at {evaluated:%Y-%m-%d %H:%M} UTC." in text
    assert re.match(rf"# Postmortem draft: {OBJECTIVE}, incident (\d+) of \1\n", text), text[:80]
    assert f"- **When**: {span}\n" in text
    assert_exact_outage(promdata, text)


def test_evaluated_at_end_the_draft_has_the_exact_bounds_where_the_report_located_them_to_the_hour(
    promdata: Dataset,
    prometheus_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hour_start, hour_end = truth_incident(promdata, HOUR)
    span, command = report_command(prometheus_url, capsys, "2026-11-01T00:00:00Z")
    assert span == f"{hhmm(hour_start)} to {hhmm(hour_end)[11:]} UTC (located to the hour)"
    assert command.endswith(f" --at {iso(hour_start)}")  # the start of the outage's hour, before its own
    monkeypatch.setattr("slokit.timeparse.utcnow", lambda: pd.END)
    text = run_printed(prometheus_url, capsys, command)
    assert "_Drafted by slokit from the SLO data at 2026-11-01 00:00 UTC." in text
    assert_exact_outage(promdata, text)
    # The peak is the generator's fastest-burning 5-minute step (the hour's average at the report's step).
    start, end = truth_incident(promdata, STEP)
    ends, bad = promdata.step_events(
        "http_requests_total", {"job": "checkout", "code": Matcher("=~", "5..")}, start, end, STEP
    )
    _, total = promdata.step_events("http_requests_total", {"job": "checkout"}, start, end, STEP)
    burn = bad / total / (1 - TARGET)
    peak = int(np.argmax(burn))
    rate = f"{burn[peak]:,.0f}x" if burn[peak] >= 100 else f"{burn[peak]:.1f}x"
    assert f"| {hhmm(int(ends[peak]))} | Peak burn rate {rate} over the 5m ending at this time |" in text


def test_at_in_no_incident_is_exit_2_listing_the_windows_incidents(
    promdata: Dataset,
    prometheus_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # At END, checkout's window holds the outage only; 08:00 is in no incident and none starts within the
    # hour after it.
    start, end = truth_incident(promdata, STEP)
    monkeypatch.setattr("slokit.timeparse.utcnow", lambda: pd.END)
    capsys.readouterr()
    argv = ["postmortem", str(SLO_DIR), "--prometheus-url", prometheus_url, "--objective", OBJECTIVE]
    assert run([*argv, "--at", "2026-10-26T08:00:00Z"]) == 2
    assert capsys.readouterr() == (
        "",
        f"error: --at 2026-10-26T08:00:00Z: {OBJECTIVE} had no incident in progress then (1 incident in its "
        f"window at 2026-11-01 00:00 UTC: {hhmm(start)} to {hhmm(end)[11:]} UTC)\n",
    )


def _count(value: float) -> str:
    return f"{round(value):,}" if value < 1e4 else f"{float(f'{value / 1e3:.3g}'):g}k"
