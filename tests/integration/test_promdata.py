"""The integration data is right: the servers hold it, and their own PromQL answers equal the truth the
generator computed. Other integration tests compare slokit's figures with the same truth, so this is what
makes those comparisons meaningful."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pytest
import requests

from . import promdata as pd
from .promdata import END_TS, Dataset
from .servers import require_binary

pytestmark = pytest.mark.integration

# The acceptance tolerance for event counts. With minute-aligned samples both servers are in fact exact
# (see the promdata docstring), which EXACT checks, so a drift shows up here before it eats the margin.
TOLERANCE = 5e-3
EXACT = 1e-9
DAY = 86400
W30 = END_TS - 30 * DAY
CHECKOUT = 'http_requests_total{job="checkout"}'
CHECKOUT_5XX = 'http_requests_total{job="checkout",code=~"5.."}'
CHECKOUT_3 = 'http_requests_total{job="checkout",instance="checkout-3:8080"}'
BUCKET = "http_request_duration_seconds_bucket"


class Backend(NamedTuple):
    name: str
    url: str


@pytest.fixture(params=["prometheus", "victoriametrics"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(request.param, request.getfixturevalue(f"{request.param}_url"))


def query(url: str, promql: str, at: float = END_TS) -> list[dict[str, Any]]:
    r = requests.post(f"{url}/api/v1/query", data={"query": promql, "time": str(at)}, timeout=60)
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()["data"]["result"]
    return result


def scalar(url: str, promql: str, at: float = END_TS) -> float:
    result = query(url, promql, at)
    assert len(result) == 1, f"{promql}: {result}"
    return float(result[0]["value"][1])


def query_range(url: str, promql: str, start: int, end: int, step: int) -> dict[int, float]:
    """The single result series as {timestamp: value}; chunked under Prometheus' 11,000 points limit."""
    out: dict[int, float] = {}
    chunk = step * 10_000
    lo = start
    while lo <= end:
        hi = min(lo + chunk - step, end)
        r = requests.post(
            f"{url}/api/v1/query_range",
            data={"query": promql, "start": str(lo), "end": str(hi), "step": str(step)},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        result = r.json()["data"]["result"]
        assert len(result) <= 1, result
        for series in result:
            out.update({int(t): float(v) for t, v in series["values"]})
        lo = hi + step
    return out


def assert_events(got: float, truth: float, tolerance: float = TOLERANCE) -> None:
    assert got == pytest.approx(truth, rel=tolerance, abs=1e-6), f"got {got}, truth {truth}"


# (id, selector, start, end): windows are (start, end], queried as increase(SEL[end-start]) at end.
CASES: list[tuple[str, str, int, int]] = [
    ("checkout-30d", CHECKOUT, W30, END_TS),
    ("checkout-5xx-30d", CHECKOUT_5XX, W30, END_TS),
    ("checkout-good-30d", 'http_requests_total{job="checkout",code!~"5.."}', W30, END_TS),
    # 40 days back to the very first sample: sees checkout-3's restart before the 30d window.
    ("checkout-5xx-40d", CHECKOUT_5XX, pd.START_TS, END_TS),
    ("outage-5xx-1h-around-start", CHECKOUT_5XX, pd.OUTAGE[0] - 1800, pd.OUTAGE[0] + 1800),
    ("outage-5xx-1h-from-start", CHECKOUT_5XX, pd.OUTAGE[0], pd.OUTAGE[0] + 3600),
    ("outage-all-1h-around-end", CHECKOUT, pd.OUTAGE[1] - 1800, pd.OUTAGE[1] + 1800),
    (
        "outage-restart-checkout-1-1h",
        'http_requests_total{job="checkout",instance="checkout-1:8080"}',
        pd.RESTARTS["checkout-1:8080"][0] - 1800,
        pd.RESTARTS["checkout-1:8080"][0] + 1800,
    ),
    ("admin-30d", 'http_requests_total{job="admin"}', W30, END_TS),
    ("admin-500-30d", 'http_requests_total{job="admin",code="500"}', W30, END_TS),
    ("admin-500-burst-1h", 'http_requests_total{job="admin",code="500"}', *pd.ADMIN_FAILURE_BURST),
    ("newsvc-30d", 'http_requests_total{job="newsvc"}', W30, END_TS),
    ("newsvc-500-30d", 'http_requests_total{job="newsvc",code="500"}', W30, END_TS),
    (
        "newsvc-1h-around-first",
        'http_requests_total{job="newsvc"}',
        pd.NEWSVC_START - 1800,
        pd.NEWSVC_START + 1800,
    ),
    ("gap-instance-30d", CHECKOUT_3, W30, END_TS),
    # Up to the last sample before the gap; windows reaching into it are test_windows_touching_the_gap.
    ("gap-instance-1h-before", CHECKOUT_3, pd.GAP[0] - 60 - 3600, pd.GAP[0] - 60),
    ("gap-instance-1h-after", CHECKOUT_3, pd.GAP[1], pd.GAP[1] + 3600),
    ("search-le-0.25-30d", f'{BUCKET}{{job="search",le="0.25"}}', W30, END_TS),
    ("search-le-1.0-30d", f'{BUCKET}{{job="search",le="1.0"}}', W30, END_TS),
    ("search-le-inf-30d", f'{BUCKET}{{job="search",le="+Inf"}}', W30, END_TS),
    ("search-count-30d", 'http_request_duration_seconds_count{job="search"}', W30, END_TS),
    ("search-sum-30d", 'http_request_duration_seconds_sum{job="search"}', W30, END_TS),
    ("search-le-0.25-slow-2h", f'{BUCKET}{{job="search",le="0.25"}}', *pd.SLOW_SEARCH),
    ("payments-ok-30d", 'app_ok_total{job="payments"}', W30, END_TS),
    ("payments-all-30d", 'app_all_total{job="payments"}', W30, END_TS),
]


@pytest.mark.parametrize(("selector", "start", "end"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_increase_equals_truth(
    backend: Backend, promdata: Dataset, selector: str, start: int, end: int
) -> None:
    truth = promdata.increase(selector, start=start, end=end)
    got = scalar(backend.url, f"sum(increase({selector}[{end - start}s]))", at=end)
    assert truth > 0
    assert_events(got, truth)
    assert_events(got, truth, EXACT)


def test_the_data_has_what_the_scenarios_need(promdata: Dataset) -> None:
    """Guards the generator's parameters: each scenario must weigh enough to be tested at all."""
    total = promdata.increase(CHECKOUT, start=W30)
    bad = promdata.increase(CHECKOUT_5XX, start=W30)
    outage_bad = promdata.increase(CHECKOUT_5XX, start=pd.OUTAGE[0], end=pd.OUTAGE[1])
    assert 30e6 < total < 50e6  # a few hundred req/min per instance
    assert 0.3 < outage_bad / bad < 0.8  # the burst matters, but so does the baseline
    assert 0 < 1 - (total - bad) / total < 1e-3  # 99.9 % objective not breached ...
    assert bad / (1e-3 * total) > 0.5  # ... but more than half the budget spent
    assert 5 <= promdata.increase('http_requests_total{job="admin",code="500"}', start=W30) <= 60
    assert 5000 < promdata.increase('http_requests_total{job="admin"}', start=W30) < 10000
    assert promdata.gap_jump(CHECKOUT_3) > 10_000
    newsvc = promdata.select('http_requests_total{job="newsvc"}')
    assert {int(s.timestamps[0]) for s in newsvc} == {pd.NEWSVC_START}
    assert all(s.values[0] == 0 for s in newsvc)
    # Both restart kinds are present: a reset to a small value, visible as a drop.
    for series in promdata.select(CHECKOUT):
        drops = np.flatnonzero(np.diff(series.values) < 0)
        assert len(drops) == len(pd.RESTARTS.get(series.labels["instance"], [])), series.selector()


def test_generation_is_deterministic(promdata: Dataset) -> None:
    again = pd.generate()
    assert len(again.series) == len(promdata.series)
    for a, b in zip(again.series, promdata.series, strict=True):
        assert a.selector() == b.selector()
        np.testing.assert_array_equal(a.timestamps, b.timestamps)
        np.testing.assert_array_equal(a.values, b.values)


def test_truth_steps_add_up(promdata: Dataset) -> None:
    ends, events = promdata.step_events(CHECKOUT_5XX, start=W30, end=END_TS, step=300)
    assert len(ends) == 30 * 288
    assert ends[0] == W30 + 300
    assert ends[-1] == END_TS
    assert math.isclose(events.sum(), promdata.increase(CHECKOUT_5XX, start=W30), rel_tol=1e-12)


def test_stepwise_increase(backend: Backend, promdata: Dataset) -> None:
    """``sum(increase(SEL[5m]))`` every 5m over 30 days, as slokit queries it, equals the truth step by
    step, except next to checkout-3's scrape gap on Prometheus: the step ending at the gap start is
    extrapolated by one minute, and the step ending at the first sample after the gap has one sample of
    checkout-3 only, so the gap's events are lost. VictoriaMetrics bridges the gap from the last sample
    before it (it is inside the fetched range) and is exact throughout."""
    for selector in (CHECKOUT, CHECKOUT_5XX):
        ends, truth = promdata.step_events(selector, start=W30, end=END_TS, step=300)
        got = query_range(backend.url, f"sum(increase({selector}[5m]))", int(ends[0]), END_TS, 300)
        values = np.array([got.get(int(t), 0.0) for t in ends])
        differ = {int(t) for t in ends[~np.isclose(values, truth, rtol=1e-9, atol=1e-6)]}
        jump = promdata.gap_jump(selector)
        lost = truth.sum() - values.sum()
        print(
            f"\n[{backend.name} stepwise] {selector}: truth {truth.sum():.0f}, got {values.sum():.1f}, "
            f"gap jump {jump:.0f}, relative difference {lost / truth.sum():.2e}"
        )
        if backend.name == "prometheus":
            assert differ <= {pd.GAP[0], pd.GAP[1]}, differ
            at_gap_end = ends == pd.GAP[1]
            assert truth[at_gap_end].sum() - values[at_gap_end].sum() == pytest.approx(jump)
            assert 0 < lost <= jump
        else:
            assert not differ, sorted(differ)[:10]
        assert_events(values.sum(), truth.sum())


def test_windows_touching_the_gap(backend: Backend, promdata: Dataset) -> None:
    """Where the servers part from the truth, and from each other, next to a scrape gap.

    A window ending inside the gap: Prometheus extrapolates past the last sample when the distance to the
    window's end is under 1.1 scrape intervals (here exactly one minute); VictoriaMetrics never
    extrapolates. A window starting inside the gap: neither instant query sees the gap's events (nothing
    before the window is fetched), and Prometheus extrapolates its 30 minutes of samples by half an
    interval towards the window start."""
    before = promdata.increase(CHECKOUT_3, start=pd.GAP[0] - 3600, end=pd.GAP[0])
    got_before = scalar(backend.url, f"sum(increase({CHECKOUT_3}[1h]))", at=pd.GAP[0])
    after = promdata.increase(CHECKOUT_3, start=pd.GAP[1] - 1800, end=pd.GAP[1] + 1800)
    got_after = scalar(backend.url, f"sum(increase({CHECKOUT_3}[1h]))", at=pd.GAP[1] + 1800)
    jump = promdata.gap_jump(CHECKOUT_3)
    if backend.name == "prometheus":
        assert got_before == pytest.approx(before * 60 / 59, rel=EXACT)
        assert got_after == pytest.approx((after - jump) * 30.5 / 30, rel=EXACT)
    else:
        assert got_before == pytest.approx(before, rel=EXACT)
        assert got_after == pytest.approx(after - jump, rel=EXACT)
    # A window spanning the whole gap is exact on both.
    spanning = promdata.increase(CHECKOUT_3, start=pd.GAP[0] - 3600, end=pd.GAP[1] + 3600)
    got = scalar(backend.url, f"sum(increase({CHECKOUT_3}[8h]))", at=pd.GAP[1] + 3600)
    assert got == pytest.approx(spanning, rel=EXACT)


PROBE_MIN = 'min(probe_success{job="blackbox"})'


def test_probe_min_per_minute(backend: Backend, promdata: Dataset) -> None:
    """The timeslice SLI: ``min(probe_success)`` at each minute of the 30 days equals the truth's
    per-minute minimum over the probe instances (samples are on the minute, so the lookback always picks
    the sample of that very minute)."""
    minutes, truth = promdata.gauge_min("probe_success", {"job": "blackbox"}, W30, END_TS)
    got = query_range(backend.url, PROBE_MIN, int(minutes[0]), END_TS, 60)
    assert len(got) == len(minutes) == 30 * 1440
    values = np.array([got[int(t)] for t in minutes])
    np.testing.assert_array_equal(values, truth)
    bad = int((truth < 1).sum())
    outage_minutes = (pd.OUTAGE[1] - pd.OUTAGE[0]) // 60
    eu_only = (pd.PROBE_EU_ONLY_FAILURE[1] - pd.PROBE_EU_ONLY_FAILURE[0]) // 60
    assert outage_minutes + eu_only < bad < outage_minutes + eu_only + 100
    in_outage = (minutes >= pd.OUTAGE[0]) & (minutes < pd.OUTAGE[1])
    assert (truth[in_outage] == 0).all()


def test_probe_bad_minutes_subquery(backend: Backend, promdata: Dataset) -> None:
    """Counting slices server-side with a subquery differs by one slice between the servers: Prometheus
    2.x evaluates ``[7d:1m]`` at the aligned instants of the closed range [t - 7d, t] (10081 of them),
    VictoriaMetrics at those of (t - 7d, t] (10080). Over 7 days because VictoriaMetrics refuses
    subqueries of more than 30,000 points by default (-search.maxPointsPerTimeseries)."""
    start = END_TS - 7 * DAY
    if backend.name == "prometheus":
        start -= 60
    minutes, truth = promdata.gauge_min("probe_success", {"job": "blackbox"}, start, END_TS)
    slices = scalar(backend.url, f"count_over_time({PROBE_MIN}[7d:1m])")
    bad = scalar(backend.url, f"sum_over_time(({PROBE_MIN} < bool 1)[7d:1m])")
    assert (slices, bad) == (len(minutes), float((truth < 1).sum()))
    assert bad > 0


def _bucket_quantile(q: float, bounds: list[float], counts: list[float]) -> float:
    """Prometheus' histogram_quantile for cumulative ``counts`` at upper ``bounds`` (the last is +Inf)."""
    rank = q * counts[-1]
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(bounds) - 1:
        return bounds[-2]
    start, below = (bounds[b - 1], counts[b - 1]) if b > 0 else (0.0, 0.0)
    return start + (bounds[b] - start) * (rank - below) / (counts[b] - below)


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99, 0.999])
@pytest.mark.parametrize(("start", "end"), [(W30, END_TS), pd.SLOW_SEARCH], ids=["30d", "slow-2h"])
def test_histogram_quantile(backend: Backend, promdata: Dataset, q: float, start: int, end: int) -> None:
    bounds = [float(le) for le in pd.HISTOGRAM_BOUNDS]
    counts = [
        promdata.increase(BUCKET, {"job": "search", "le": le}, start=start, end=end)
        for le in pd.HISTOGRAM_BOUNDS
    ]
    truth = _bucket_quantile(q, bounds, counts)
    got = scalar(
        backend.url,
        f'histogram_quantile({q}, sum by (le) (increase({BUCKET}{{job="search"}}[{end - start}s])))',
        at=end,
    )
    assert got == pytest.approx(truth, rel=1e-9)


def test_le_label_is_stored_as_written(backend: Backend) -> None:
    """``le="1.0"`` stays "1.0" on both servers (Prometheus only normalises it from 3.0 on): a source
    mapping ``threshold: 1`` to a selector must match the bound numerically, not as the string "1"."""
    assert query(backend.url, f'{BUCKET}{{job="search",le="1"}}') == []
    assert len(query(backend.url, f'{BUCKET}{{job="search",le="1.0"}}')) == 2


def test_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must not be skipped"):
        require_binary("slokit-no-such-server", "no-such-package")


def test_missing_server_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y no-such-package"):
        require_binary("slokit-no-such-server", "no-such-package")
