"""slokit against real servers (issue 4): its figures equal the truth the data generator computed.

Every objective of ``tests/integration/slo/`` is reported by ``slokit report`` at ``END``
(2026-11-01T00:00:00Z) against the Prometheus and the VictoriaMetrics of the session fixtures, and compared
with ``promdata``'s truth over the objective's window, ``(window start, END]``:

* bad and total events within 0.5 % relative, the SLI within 1e-5 absolute (the acceptance tolerances);
* Prometheus's own instant ``sum(increase(SEL[<window>]))`` at ``END``, within the same tolerances;
* time slices, burn rates, alert states and the status, computed here from the truth;
* the HTTP queries per objective, the snapshot replay and the exit code of the real command.

Each comparison runs at both resolutions, ``--resolution adaptive`` (the default: the steps before the last
3 days fetched hourly and spread over their 5m steps) and ``--resolution full``: the window figures do not
depend on it.

The window and burn figures come from each window's own increase at ``END`` (the window totals), and are
exact on both servers. The step series, which charts and incidents use, part from the truth on Prometheus
next to the scrape gap: its step-wise ``sum(increase(x[5m]))`` loses the events carried by checkout-3's first
sample after its 6-hour gap (no 5m window holds both sides of it) and extrapolates the step ending at the gap
start by one minute: 61,075.5 of 39,265,521 checkout events and 25 of 38,328 5xx (1.6e-3 and 6.5e-4
relative, see ``test_promdata.test_stepwise_increase``). VictoriaMetrics bridges the gap from the last sample
before it. ``test_window_totals`` holds the window totals to the truth on data scraped as real servers do.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

import numpy as np
import pytest
import requests

from slokit import pipeline
from slokit.cli import run
from slokit.report.json_report import render_json
from slokit.settings import PrometheusSettings
from slokit.sources.base import TOTAL
from slokit.sources.prometheus import MAX_POINTS, PrometheusSource
from slokit.spec import load
from slokit.timeparse import parse_at

from . import promdata as pd
from .promdata import END, END_TS, Dataset
from .resolutions import largest_differences

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
AT = "2026-11-01T00:00:00Z"
EVENTS_TOLERANCE = 5e-3  # relative, bad and total events (and the burn rates made of them)
SLI_TOLERANCE = 1e-5  # absolute
DAY = 86400
W30 = END_TS - 30 * DAY
W7 = END_TS - 7 * DAY
# October in America/New_York: 2026-10-01T00:00 EDT to 2026-11-01T00:00 EDT (DST ends at 02:00 that day).
NY_OCTOBER = (pd.ts("2026-10-01T04:00:00Z"), pd.ts("2026-11-01T04:00:00Z"))
# November in UTC starts at END itself: at END the period so far is empty.
UTC_NOVEMBER = (END_TS, pd.ts("2026-12-01T00:00:00Z"))

BURN_WINDOWS = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 6 * 3600, "1d": DAY, "3d": 3 * DAY}
# Default alerting: (severity, long, short, budget %).
TIERS = (
    ("page", "1h", "5m", 2),
    ("page", "6h", "30m", 5),
    ("ticket", "1d", "2h", 10),
    ("ticket", "3d", "6h", 10),
)
WARN_BELOW = 25.0

CHECKOUT = 'http_requests_total{job="checkout"}'
CHECKOUT_GOOD = 'http_requests_total{job="checkout",code!~"5.."}'
CHECKOUT_BAD = 'http_requests_total{job="checkout",code=~"5.."}'
SEARCH_COUNT = 'http_request_duration_seconds_count{job="search"}'
PROBE_MIN = 'min(probe_success{job="blackbox"})'


@dataclass(frozen=True)
class Case:
    """One objective of ``slo/`` and how to compute its truth: the selectors of its events (written out
    here, independently of slokit's PromQL building) and its window ``(start, END]`` of length ``length``
    (a calendar window's whole period)."""

    service: str
    objective: str
    target: float
    start: int
    length: int
    total: str = ""
    good: str | None = None
    bad: str | None = None
    timeslices: bool = False

    @property
    def key(self) -> str:
        return f"{self.service}/{self.objective}"


CASES = [
    Case("checkout", "availability", 0.999, W30, 30 * DAY, CHECKOUT, good=CHECKOUT_GOOD),
    Case("checkout", "errors", 0.995, W30, 30 * DAY, CHECKOUT, bad=CHECKOUT_BAD),
    Case("checkout", "availability-7d", 0.999, W7, 7 * DAY, CHECKOUT, good=CHECKOUT_GOOD),
    Case(
        "checkout",
        "availability-month",
        0.999,
        NY_OCTOBER[0],
        NY_OCTOBER[1] - NY_OCTOBER[0],
        CHECKOUT,
        good=CHECKOUT_GOOD,
    ),
    Case(
        "checkout",
        "availability-month-utc",
        0.999,
        UTC_NOVEMBER[0],
        UTC_NOVEMBER[1] - UTC_NOVEMBER[0],
        CHECKOUT,
        good=CHECKOUT_GOOD,
    ),
    Case(
        "search",
        "latency-250ms",
        0.99,
        W30,
        30 * DAY,
        SEARCH_COUNT,
        good='http_request_duration_seconds_bucket{job="search",le="0.25"}',
    ),
    Case(
        "search",
        "latency-1s",
        0.995,
        W30,
        30 * DAY,
        SEARCH_COUNT,
        good='http_request_duration_seconds_bucket{job="search",le="1.0"}',
    ),
    Case(
        "admin",
        "availability",
        0.999,
        W30,
        30 * DAY,
        'http_requests_total{job="admin"}',
        good='http_requests_total{job="admin",code!~"5.."}',
    ),
    Case(
        "newsvc",
        "availability",
        0.995,
        W30,
        30 * DAY,
        'http_requests_total{job="newsvc"}',
        good='http_requests_total{job="newsvc",code!~"5.."}',
    ),
    Case(
        "payments",
        "success",
        0.995,
        W30,
        30 * DAY,
        'app_all_total{job="payments"}',
        good='app_ok_total{job="payments"}',
    ),
    Case("blackbox", "uptime", 0.995, W30, 30 * DAY, timeslices=True),
]
BY_KEY = {c.key: c for c in CASES}
EVENT_CASES = [c for c in CASES if not c.timeslices]
# Objectives whose window holds events (the UTC month has just begun at END).
NON_EMPTY = [c for c in CASES if c.start < END_TS]
# Checkout's 30d and month windows hold checkout-3's scrape gap: their step series differ between the servers.
GAP_CASES = {"checkout/availability", "checkout/errors", "checkout/availability-month"}


def ids(cases: list[Case]) -> list[str]:
    return [c.key for c in cases]


# ------------------------------------------------------------------------------------------------ truth


@dataclass(frozen=True)
class Truth:
    total: float
    bad: float
    burn: dict[str, float | None]
    firing: dict[tuple[str, str], bool]  # (long, short) -> firing
    allowed: float
    status: str

    @property
    def sli(self) -> float | None:
        return (self.total - self.bad) / self.total if self.total else None

    @property
    def remaining(self) -> float | None:
        return 1 - self.bad / self.allowed if self.total else None


def counts(data: Dataset, case: Case, start: int, end: int = END_TS) -> tuple[float, float]:
    """Total and bad events (or slices with data and bad slices) in ``(start, end]``."""
    if case.timeslices:
        _, minimum = data.gauge_min("probe_success", {"job": "blackbox"}, start, end)
        with_data = minimum[~np.isnan(minimum)]
        return float(len(with_data)), float((with_data < 1).sum())
    # 5m step events, as an SLO engine sums them; their sum equals Dataset.increase over the same range.
    total = float(data.step_events(case.total, start=start, end=end)[1].sum())
    if case.bad is not None:
        return total, float(data.step_events(case.bad, start=start, end=end)[1].sum())
    assert case.good is not None
    return total, total - float(data.step_events(case.good, start=start, end=end)[1].sum())


def truth(data: Dataset, case: Case) -> Truth:
    total, bad = counts(data, case, case.start)
    budget_ratio = 1 - case.target
    burn: dict[str, float | None] = {}
    for name, seconds in BURN_WINDOWS.items():
        w_total, w_bad = counts(data, case, END_TS - seconds)
        burn[name] = w_bad / w_total / budget_ratio if w_total else None
    firing = {}
    for _severity, long, short, budget in TIERS:
        factor = budget / 100 * case.length / BURN_WINDOWS[long]
        long_burn, short_burn = burn[long], burn[short]
        firing[(long, short)] = (
            long_burn is not None and short_burn is not None and long_burn > factor and short_burn > factor
        )
    # Time slices: the budget is a share of all the window's slices, with data or not.
    allowed = budget_ratio * (case.length // 60 if case.timeslices else total)
    if not total:
        status = "no_data"
    elif bad >= allowed:
        status = "exhausted"
    elif (1 - bad / allowed) * 100 < WARN_BELOW or firing[("1h", "5m")] or firing[("6h", "30m")]:
        status = "warning"
    else:
        status = "ok"
    return Truth(total, bad, burn, firing, allowed, status)


@pytest.fixture(scope="module")
def truths(promdata: Dataset) -> dict[str, Truth]:
    return {c.key: truth(promdata, c) for c in CASES}


def test_truth_covers_every_status(truths: dict[str, Truth]) -> None:
    """The definitions are chosen so that the comparisons below exercise every status but ``error``, alert
    tiers that fire (3d/6h on the 7d window, factor 0.23) and burn windows without events (admin's 5m)."""
    assert {t.status for t in truths.values()} == {"ok", "warning", "exhausted", "no_data"}
    assert {t.status for k, t in truths.items() if k in GAP_CASES} == {"ok", "warning"}
    assert any(any(t.firing.values()) for t in truths.values())
    assert truths["admin/availability"].burn["5m"] is None


# ------------------------------------------------------------------------------------------------ reports


class Backend(NamedTuple):
    name: str
    url: str


@pytest.fixture(params=["prometheus", "victoriametrics"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(request.param, request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(scope="module", params=["adaptive", "full"])
def resolution(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def _report_cache() -> dict[str, str]:
    return {}


def report_command(url: str, resolution: str | None = None) -> list[str]:
    """The report command; ``resolution`` None leaves the default (adaptive)."""
    chosen = [] if resolution is None else ["--resolution", resolution]
    return ["report", str(SLO_DIR), "--format", "json", "--prometheus-url", url, "--at", AT, *chosen]


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(argv)
    out, err = capsys.readouterr()
    return code, out, err


def live_text(
    backend: Backend, capsys: pytest.CaptureFixture[str], cache: dict[str, str], resolution: str
) -> str:
    """``slokit report --format json`` against ``backend``, run once per module, backend and resolution."""
    key = f"{backend.name}/{resolution}"
    if key not in cache:
        code, out, err = cli(report_command(backend.url, resolution), capsys)
        assert (code, err) == (0, ""), err
        cache[key] = out
    return cache[key]


def by_key(text: str) -> dict[str, dict[str, Any]]:
    document = json.loads(text)
    assert document["evaluated_at"] == AT
    return {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}


@pytest.fixture
def report(
    backend: Backend, capsys: pytest.CaptureFixture[str], _report_cache: dict[str, str], resolution: str
) -> dict[str, Any]:
    return by_key(live_text(backend, capsys, _report_cache, resolution))


@pytest.fixture
def prometheus_report(
    prometheus_url: str, capsys: pytest.CaptureFixture[str], _report_cache: dict[str, str], resolution: str
) -> dict[str, Any]:
    return by_key(live_text(Backend("prometheus", prometheus_url), capsys, _report_cache, resolution))


@pytest.fixture
def victoriametrics_report(
    victoriametrics_url: str,
    capsys: pytest.CaptureFixture[str],
    _report_cache: dict[str, str],
    resolution: str,
) -> dict[str, Any]:
    return by_key(
        live_text(Backend("victoriametrics", victoriametrics_url), capsys, _report_cache, resolution)
    )


def relative(got: float, want: float) -> float:
    return abs(got - want) / abs(want) if want else abs(got)


def assert_events(got: float | None, want: float, what: str) -> None:
    assert got is not None, what
    assert got == pytest.approx(want, rel=EVENTS_TOLERANCE, abs=1e-9), f"{what}: got {got}, want {want}"


def assert_sli(got: float | None, want: float | None, what: str) -> None:
    if want is None:
        assert got is None, what
        return
    assert got is not None, what
    assert abs(got - want) <= SLI_TOLERANCE, f"{what}: got {got}, want {want} (diff {got - want:.2e})"


# ------------------------------------------------------------------------------------------ against truth


def test_report_lists_every_objective(report: dict[str, Any]) -> None:
    assert sorted(report) == sorted(BY_KEY)
    assert all(o["error"] is None for o in report.values())


@pytest.mark.parametrize("case", NON_EMPTY, ids=ids(NON_EMPTY))
def test_events_and_sli_equal_truth(
    backend: Backend, report: dict[str, Any], truths: dict[str, Truth], case: Case
) -> None:
    got, want = report[case.key], truths[case.key]
    print(
        f"\n[{backend.name}] {case.key}: bad {got['bad_events']} / truth {want.bad:.1f} "
        f"(rel {relative(got['bad_events'], want.bad):.2e}), total {got['total_events']} / truth "
        f"{want.total:.1f} (rel {relative(got['total_events'], want.total):.2e}), "
        f"sli diff {got['sli'] - (want.sli or 0):.2e}"
    )
    assert_events(got["total_events"], want.total, "total_events")
    assert_events(got["bad_events"], want.bad, "bad_events")
    assert_sli(got["sli"], want.sli, "sli")
    assert got["good_events"] + got["bad_events"] == pytest.approx(got["total_events"], rel=1e-12)
    assert got["error_budget"]["allowed_bad_events"] == pytest.approx(
        (1 - case.target) * (case.length // 60 if case.timeslices else got["total_events"]), rel=1e-12
    )
    # Exact, not merely within tolerance: the window totals see the scrape gap's events on both servers.
    assert got["total_events"] == pytest.approx(want.total, rel=1e-12)
    assert got["bad_events"] == pytest.approx(want.bad, rel=1e-12, abs=1e-9)


def test_new_service_sli_covers_only_its_events(report: dict[str, Any], promdata: Dataset) -> None:
    """newsvc exists for 12 of the 30 days: its events are those since its first sample, the 18 days
    before are missing data (not good, not bad), and its SLI is that of the events that exist."""
    got = report["newsvc/availability"]
    since_start = promdata.increase('http_requests_total{job="newsvc"}', start=pd.NEWSVC_START)
    assert got["total_events"] == pytest.approx(since_start, rel=1e-12)
    assert 0.99 < got["sli"] < 1
    assert got["status"] == "ok"


def test_calendar_month_starts_at_the_period_start(report: dict[str, Any], truths: dict[str, Truth]) -> None:
    """October in New York holds the events from 2026-10-01T04:00Z; at END (2026-10-31T20:00 EDT) the
    period is 30 d 20 h / 31 d elapsed. November in UTC begins at END itself: nothing has happened in it
    yet, so the SLI is undefined and the status ``no_data`` (never 100 %, never 0)."""
    month = report["checkout/availability-month"]
    assert month["calendar"]["period_start"] == "2026-10-01T04:00:00Z"
    assert month["calendar"]["period_end"] == "2026-11-01T04:00:00Z"
    assert month["calendar"]["elapsed_share"] == pytest.approx((30 * 24 + 20) / (31 * 24), rel=1e-12)
    assert month["window"] == "month (America/New_York)"
    utc = report["checkout/availability-month-utc"]
    assert utc["calendar"]["period_start"] == AT
    assert utc["calendar"]["elapsed_share"] == 0
    assert utc["sli"] is None
    assert utc["good_events"] is None and utc["bad_events"] is None and utc["total_events"] is None
    assert all(v is None for v in utc["error_budget"].values())
    assert utc["status"] == truths["checkout/availability-month-utc"].status == "no_data"
    # Burn rates do not depend on the window: the last hour of checkout is the same for every objective.
    assert utc["burn_rates"] == month["burn_rates"] == report["checkout/availability"]["burn_rates"]


def test_time_slices_equal_truth(backend: Backend, report: dict[str, Any], promdata: Dataset) -> None:
    """Slice ``(t - 1m, t]`` is judged by ``min(probe_success)`` at its end ``t``; the window's slices end
    at END-30d+1m .. END: 43,200 of them. The sample at END-30d itself judges the slice ending there,
    which lies before the window (see ``test_first_slice_boundary``)."""
    got = report["blackbox/uptime"]
    minutes, minimum = promdata.gauge_min("probe_success", {"job": "blackbox"}, W30, END_TS)
    assert (len(minutes), int(minutes[0]), int(minutes[-1])) == (30 * 1440, W30 + 60, END_TS)
    good = int((minimum >= 1).sum())
    bad = int((minimum < 1).sum())
    assert (got["good_events"], got["bad_events"], got["total_events"]) == (good, bad, 30 * 1440)
    assert got["sli"] == good / (good + bad)
    assert got["error_budget"]["allowed_bad_events"] == pytest.approx(0.005 * 30 * 1440, rel=1e-12)
    assert bad > (pd.OUTAGE[1] - pd.OUTAGE[0]) // 60  # the outage and more


def test_first_slice_boundary(
    prometheus_url: str, prometheus_report: dict[str, Any], promdata: Dataset
) -> None:
    """Prometheus 2.x evaluates a ``[30d:1m]`` subquery at the instants of the closed range [END-30d, END]:
    43,201 slices, one more than slokit's window (END-30d, END], the extra being the slice that ends at
    END-30d. slokit counts 30 days of slices, as the budget ``(1 - target) * 43,200`` does."""
    got = prometheus_report["blackbox/uptime"]
    slices = instant(prometheus_url, f"count_over_time({PROBE_MIN}[30d:1m])")
    bad = instant(prometheus_url, f"sum_over_time(({PROBE_MIN} < bool 1)[30d:1m])")
    _, at_window_start = promdata.gauge_min("probe_success", {"job": "blackbox"}, W30 - 60, W30)
    assert slices == got["total_events"] + 1
    assert bad == got["bad_events"] + float(at_window_start[0] < 1)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_burn_rates_equal_truth(
    backend: Backend, report: dict[str, Any], truths: dict[str, Truth], case: Case
) -> None:
    """All seven burn windows (1h, 6h and 1d among them) against the truth's 5m step events; none of them
    reaches back to the scrape gap, so they are exact on both servers."""
    got, want = report[case.key]["burn_rates"], truths[case.key].burn
    assert list(got) == list(BURN_WINDOWS)
    for window, expected in want.items():
        if expected is None:
            assert got[window] is None, window
        else:
            assert got[window] == pytest.approx(expected, rel=1e-9, abs=1e-12), window
    assert any(v for v in want.values())  # not all zero: the comparison has teeth


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_status_and_alerts_equal_truth(
    backend: Backend, report: dict[str, Any], truths: dict[str, Truth], case: Case
) -> None:
    got, want = report[case.key], truths[case.key]
    assert got["status"] == want.status
    alerts = {(a["long_window"], a["short_window"]): a for a in got["alerts"]}
    assert list(alerts) == [(long, short) for _, long, short, _ in TIERS]
    for severity, long, short, budget in TIERS:
        alert = alerts[(long, short)]
        assert alert["severity"] == severity
        assert alert["factor"] == pytest.approx(budget / 100 * case.length / BURN_WINDOWS[long], rel=1e-12)
        assert alert["firing"] == want.firing[(long, short)]
    if want.remaining is None:
        assert got["error_budget"]["remaining"] is None
    else:
        assert got["error_budget"]["remaining"] == pytest.approx(want.remaining, abs=EVENTS_TOLERANCE)


# ------------------------------------------------------------------------------- against Prometheus itself


def instant(url: str, query: str, at: int = END_TS) -> float:
    r = requests.post(f"{url}/api/v1/query", data={"query": query, "time": str(at)}, timeout=60)
    assert r.status_code == 200, r.text
    result = r.json()["data"]["result"]
    assert len(result) == 1, f"{query}: {result}"
    return float(result[0]["value"][1])


INSTANT_CASES = [c for c in EVENT_CASES if c in NON_EMPTY]


@pytest.mark.parametrize("case", INSTANT_CASES, ids=ids(INSTANT_CASES))
def test_events_equal_prometheus_instant_increase(
    prometheus_url: str, prometheus_report: dict[str, Any], truths: dict[str, Truth], case: Case
) -> None:
    """Prometheus's own ``sum(increase(SEL[<window>]))`` at END (one range over the whole window, which
    sees the scrape gap's events) against slokit's figures: the same, from its window totals."""
    window = f"{END_TS - case.start}s"
    total = instant(prometheus_url, f"sum(increase({case.total}[{window}]))")
    if case.bad is not None:
        bad = instant(prometheus_url, f"sum(increase({case.bad}[{window}]))")
    else:
        bad = total - instant(prometheus_url, f"sum(increase({case.good}[{window}]))")
    got = prometheus_report[case.key]
    print(
        f"\n[prometheus instant] {case.key}: slokit bad {got['bad_events']} / {bad:.1f} "
        f"(rel {relative(got['bad_events'], bad):.2e}), total {got['total_events']} / {total:.1f} "
        f"(rel {relative(got['total_events'], total):.2e})"
    )
    assert_events(got["total_events"], total, "total_events")
    assert_events(got["bad_events"], bad, "bad_events")
    assert_sli(got["sli"], (total - bad) / total, "sli")
    # And Prometheus's answer is the truth: the comparison above measures slokit, not the server.
    want = truths[case.key]
    assert total == pytest.approx(want.total, rel=1e-9)
    assert bad == pytest.approx(want.bad, rel=1e-9, abs=1e-9)


# ------------------------------------------------------------------------------------------ queries


SENT: dict[str, list[str]] = defaultdict(list)  # the requests of the in-process run, by resolution


@pytest.fixture(scope="module")
def in_process(prometheus_url: str, resolution: str) -> Iterator[tuple[PrometheusSource, str, list[Any]]]:
    """The pipeline run in-process on a PrometheusSource, to count its HTTP requests."""
    source = PrometheusSource(PrometheusSettings(url=prometheus_url))
    call = source.api.call

    def recorded(method: str, endpoint: str, values: Mapping[str, Any]) -> Any:
        SENT[resolution].append(f"{endpoint}?{urlencode(sorted(values.items()))}")
        return call(method, endpoint, values)

    source.api.call = recorded  # type: ignore[method-assign]
    try:
        adaptive = resolution == "adaptive"
        result, fetched = pipeline.run(load([SLO_DIR]), source, pipeline.pin(END), adaptive=adaptive)
        yield source, render_json(result), fetched
    finally:
        source.close()


# Adaptive resolution at END (on the hour): the coarse step and the coarse steps before fine_from, END - 3d.
# The UTC month has just begun at END: its 3 days of burn history are all fine steps.
COARSE = {
    **{c.key: (timedelta(hours=1), 720) for c in EVENT_CASES if c.start == W30},
    "checkout/availability-7d": (timedelta(minutes=15), 672),  # 7d / 15m
    "checkout/availability-month": (timedelta(hours=2), 370),  # 745 h / 720 -> 2h over 30 d 20 h
}


def test_http_queries_per_objective(
    in_process: tuple[PrometheusSource, str, list[Any]], resolution: str
) -> None:
    """One range query per SLI expression whatever the number of windows, and one instant query for the
    window totals of every role and window: 3 per ratio objective (good or bad, and total; a 30 d window plus
    3 d of burn history is 9,504 5m points, under the 11,000-point limit; then the totals), 4 per latency
    objective (the ``le`` label lookup first), and for the 1m time slices, which count slices and have no
    window totals, one per 11,000-point chunk of the 33 days. At the adaptive resolution each range of an
    event objective is two, a coarse one up to END - 3d and a 5m one after it (720 + 864 points instead of
    9,504 for 30 d): 5 per ratio objective, 6 per latency objective. A range request that objectives of one
    service send alike (checkout's availability and errors share their total; its 7d and month windows share
    the fine ranges of the last 3 days; search's two thresholds their ``_count``) is sent once and counted by
    the objective that sent it: those objectives send at most that many."""
    source, _, fetched = in_process
    assert all(f.error is None for f in fetched)
    per_objective = {f.query.key: f.http_queries for f in fetched}
    alone = {"admin", "newsvc", "payments", "blackbox"}  # a service of one objective shares nothing
    for f in fetched:
        kind = BY_KEY[f.query.key]
        coarse = COARSE.get(f.query.key) if resolution == "adaptive" else None
        ranges = 1 if coarse is None else 2
        if kind.timeslices:
            assert f.query.points == 33 * 1440
            assert f.http_queries == math.ceil(f.query.points / MAX_POINTS) == 5
        else:
            own = (2 if f.query.sli.latency is not None else 1) + 2 * ranges
            if f.query.key.split("/")[0] in alone:
                assert f.http_queries == own, f.query.key
            else:
                assert 1 <= f.http_queries <= own, f.query.key
        assert (f.totals is None) == kind.timeslices, f.query.key
        if coarse is None:
            assert f.resolution is None, f.query.key
            continue
        step, count = coarse
        assert f.resolution is not None and f.resolution.coarse_step == step, f.query.key
        assert f.resolution.fine_from == END - timedelta(days=3), f.query.key
        assert (f.resolution.fine_from - (f.query.start - f.query.step)) / step == count, f.query.key
    # And one look-up of where slokit's recorded series begin, for all objectives (source auto, the
    # default; this server has none, so every objective reads its selectors).
    assert source.http_queries == sum(per_objective.values()) + 1 == len(SENT[resolution])


def test_no_request_is_sent_twice_in_a_run(
    in_process: tuple[PrometheusSource, str, list[Any]], resolution: str
) -> None:
    """The shared ranges of test_http_queries_per_objective: every request of the run is a different one.
    Before they were shared, 3 requests were sent twice at full resolution and 6 were sent 11 times too
    many at the adaptive one (checkout's total, search's ``_count`` and the look-up of its ``le`` values,
    and the 3 days of fine steps that checkout's 30d, 7d and month windows read alike)."""
    assert in_process[2]  # the run is done
    sent = SENT[resolution]
    repeated = [request for request, times in Counter(sent).items() if times > 1]
    assert repeated == []


def test_window_is_exactly_the_objective_window(
    in_process: tuple[PrometheusSource, str, list[Any]], prometheus_report: dict[str, Any]
) -> None:
    """The step ending at END-30d covers (END-30d-5m, END-30d] and is fetched (burn-rate history) but left
    out; the window starts with the step ending END-30d+5m, so it is exactly (END-30d, END], the window
    the totals count whole (search has no scrape gap: there its steps add up to the window's increase)."""
    _, _, fetched = in_process
    f = next(f for f in fetched if f.query.key == "search/latency-250ms")
    stamps = f.query.timestamps().astype("datetime64[s]").astype(int)
    total = f.series[TOTAL]
    in_window = (stamps > W30) & (stamps <= END_TS)
    assert stamps[in_window][0] == W30 + 300 and stamps[-1] == END_TS
    assert in_window.sum() == 30 * 288
    assert total[stamps == W30][0] > 0  # including that step would show
    assert f.totals is not None
    assert f.totals.at == END and f.totals.windows[-1] == timedelta(days=30)
    assert f.totals.series[TOTAL][-1] == pytest.approx(float(total[in_window].sum()), rel=1e-12)
    assert prometheus_report["search/latency-250ms"]["total_events"] == pytest.approx(
        float(total[in_window].sum()), rel=1e-12
    )


def test_library_and_command_give_the_same_report(
    in_process: tuple[PrometheusSource, str, list[Any]],
    prometheus_url: str,
    capsys: pytest.CaptureFixture[str],
    _report_cache: dict[str, str],
    resolution: str,
) -> None:
    _, text, _ = in_process
    assert text == live_text(Backend("prometheus", prometheus_url), capsys, _report_cache, resolution)


def test_adaptive_and_full_give_the_same_figures(
    backend: Backend, capsys: pytest.CaptureFixture[str], _report_cache: dict[str, str]
) -> None:
    """The events, SLI, budget left, burn rates, status and alerts come from the window totals, which the
    adaptive resolution asks exactly as the full one: the same figures, only the step series differ."""
    adaptive = by_key(live_text(backend, capsys, _report_cache, "adaptive"))
    full = by_key(live_text(backend, capsys, _report_cache, "full"))
    differences = largest_differences(adaptive, full)
    print(f"\n[{backend.name}] largest relative difference, adaptive against full: {differences}")
    assert differences == dict.fromkeys(differences, 0.0)


# ------------------------------------------------------------------------------------- VictoriaMetrics


def test_victoriametrics_report_equals_prometheus_report(
    prometheus_report: dict[str, Any], victoriametrics_report: dict[str, Any], resolution: str
) -> None:
    """The same data in VictoriaMetrics gives the same report: identical except next to the scrape gap,
    where VictoriaMetrics' 5m steps keep the events Prometheus's lose (charts, incidents and the forecast
    differ there); the window figures, from the window totals, are the same."""
    assert list(prometheus_report) == list(victoriametrics_report)
    for key, prom in prometheus_report.items():
        vm = victoriametrics_report[key]
        if key not in GAP_CASES:
            assert _without_first_data(vm) == _without_first_data(prom), key
            _assert_first_data_at_the_first_sample(key, prom, vm, resolution)
            continue
        for figure in ("total_events", "bad_events", "sli"):
            assert vm[figure] == pytest.approx(prom[figure], rel=1e-12), f"{key} {figure}"
        assert vm["error_budget"]["remaining"] == pytest.approx(prom["error_budget"]["remaining"], rel=1e-9)
        assert vm["status"] == prom["status"]
        assert vm["burn_rates"] == prom["burn_rates"]
        assert [a["firing"] for a in vm["alerts"]] == [a["firing"] for a in prom["alerts"]]
        assert [(i["start"], i["end"]) for i in vm["incidents"]] == [
            (i["start"], i["end"]) for i in prom["incidents"]
        ]


def _without_first_data(report: dict[str, Any]) -> dict[str, Any]:
    coverage = report.get("coverage") or {}
    trimmed = {k: v for k, v in coverage.items() if k not in ("first_data", "window")}
    window = coverage.get("window") or {}
    window = {k: v for k, v in window.items() if k not in ("covered_seconds", "share")}
    return {**report, "coverage": {**trimmed, "window": window}}


def _assert_first_data_at_the_first_sample(
    key: str, prom: dict[str, Any], vm: dict[str, Any], resolution: str
) -> None:
    """A series that starts inside the window has data from its first sample on. Prometheus needs two
    samples in a step to see an increase, so its first step with data starts at the first sample;
    VictoriaMetrics also counts the step that ends on the first sample (from zero), one step earlier: at
    the adaptive resolution newsvc starts 12 days before END, among the hourly steps, so an hour earlier."""
    if not prom["coverage"]["partial"]:
        assert prom["coverage"] == vm["coverage"], key
        return
    first = datetime.fromtimestamp(pd.NEWSVC_START, UTC)
    assert key.startswith("newsvc/"), key
    assert parse_at(prom["coverage"]["first_data"]) == first, key
    step = timedelta(hours=1) if resolution == "adaptive" else timedelta(minutes=5)
    assert parse_at(vm["coverage"]["first_data"]) in (first, first - step), key


# ---------------------------------------------------------------------------------- snapshot and command


def test_snapshot_replay_is_byte_identical(
    prometheus_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    _report_cache: dict[str, str],
    resolution: str,
) -> None:
    """Recorded at either resolution, replayed by report's default: the live report at that resolution."""
    live = live_text(Backend("prometheus", prometheus_url), capsys, _report_cache, resolution)
    snapshot = tmp_path / "run.json"
    argv = ["record", str(SLO_DIR), "--out", str(snapshot), "--prometheus-url", prometheus_url, "--at", AT]
    code, out, err = cli([*argv, "--resolution", resolution], capsys)
    assert (code, err) == (0, "")
    assert out == f"recorded {len(CASES)} objectives at {AT} to {snapshot}\n"
    # No --at and no server: the snapshot's own evaluation time and series.
    code, replayed, err = cli(
        ["report", str(SLO_DIR), "--format", "json", "--snapshot", str(snapshot)], capsys
    )
    assert (code, err) == (0, "")
    assert replayed == live


def test_report_command_exit_code(prometheus_url: str, tmp_path: Path) -> None:
    """The real ``python -m slokit report``, output piped: exit code 0, nothing on stderr (no progress
    bar, no warnings), and the JSON of every objective on stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOKIT_")}
    done = subprocess.run(
        [sys.executable, "-m", "slokit", *report_command(prometheus_url)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no slokit.yaml there
        env=env,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    document = json.loads(done.stdout)
    assert len(document["objectives"]) == len(CASES)
    assert all(o["error"] is None for o in document["objectives"])
