"""Budget attribution and releases against a real Prometheus (issue 14, points 4 and 5).

A small data set of its own (two days of 1-minute samples, ~100,000 samples: a few seconds of promtool) on a
dedicated Prometheus, generated here with known answers:

* ``shop_requests_total{job="shop", handler, code="200"|"500"}``: the 5xx of seven handlers drawn so that
  /pay, /cart and /search carry about 60 %, 25 % and 8 % of them and four small handlers the rest, plus a
  series without a ``handler`` label; the truth is counted from the generated increments, not from the
  shares asked for.
* the histogram ``shop_request_duration_seconds{job="shop", handler}`` (``le`` 0.1, 0.25, +Inf): its slow
  requests (over 0.25 s) per handler.
* ``shop_build_info{job="shop", version}``: 1.0 until ``SWITCHES[0]``, then 1.1, 1.2, and a rollback to
  1.1, each version's series stopping when the next starts (as a restarted process stops exporting the old).
* ``shop_deploy_marker{job="shop"}``: 1 at the minutes of ``MARKERS``, 0 otherwise.

A release happening at ``T`` is seen first at the step ending ``ceil(T / step) * step`` and located, as an
incident, at that step's start.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.settings import PrometheusSettings
from slokit.sources.insight import LabelShare, Release
from slokit.sources.prometheus import PrometheusSource
from slokit.spec.models import SLI, Releases

from .promdata import Dataset, Series, ts
from .servers import start_prometheus

pytestmark = pytest.mark.integration

END = datetime(2026, 11, 1, tzinfo=UTC)
END_TS = int(END.timestamp())
DAYS = 2
START_TS = END_TS - DAYS * 86400
TIMES = START_TS + 60 * np.arange(DAYS * 1440 + 1, dtype=np.int64)
SPAN_START = END - timedelta(days=1, hours=12)  # attribution over the last 36 hours
SEED = 20261114
# Share of the 5xx per handler asked of the generator; the test's truth is what it drew.
BAD_SHARES = {"/pay": 0.60, "/cart": 0.25, "/search": 0.08, "/a": 0.025, "/b": 0.02, "/c": 0.015, "/d": 0.01}
BAD_PER_MINUTE = 20.0
SLOW_SHARES = {"/pay": 0.2, "/cart": 0.7, "/search": 0.1}
VERSIONS = ("1.0", "1.1", "1.2", "1.1")
SWITCHES = (ts("2026-10-30T09:20:00Z"), ts("2026-10-31T02:00:00Z"), ts("2026-10-31T15:47:00Z"))
MARKERS = (ts("2026-10-30T06:13:00Z"), ts("2026-10-30T18:00:00Z"), ts("2026-10-31T21:59:00Z"))
HOUR = timedelta(hours=1)


def counter(name: str, labels: dict[str, str], per_minute: np.ndarray, base: float) -> Series:
    increments = per_minute.astype(np.float64)
    increments[0] = 0.0
    return Series(name, labels, "counter", TIMES.copy(), base + np.cumsum(increments))


def generate() -> Dataset:
    rng = np.random.Generator(np.random.PCG64(SEED))
    n = len(TIMES)
    series: list[Series] = []
    for handler, share in BAD_SHARES.items():
        for code, lam in (("200", 400.0 * share + 50.0), ("500", BAD_PER_MINUTE * share)):
            labels = {"job": "shop", "handler": handler, "code": code}
            series.append(
                counter("shop_requests_total", labels, rng.poisson(lam, n), float(rng.integers(1, 10**6)))
            )
    # A series without the handler label (a middleware counting its own refusals): value "".
    series.append(counter("shop_requests_total", {"job": "shop", "code": "500"}, rng.poisson(0.4, n), 7.0))
    for handler, share in SLOW_SHARES.items():
        fast, medium = rng.poisson(300.0, n), rng.poisson(60.0, n)
        slow = rng.poisson(10.0 * share, n)
        base = float(rng.integers(1, 10**5))
        labels = {"job": "shop", "handler": handler}
        for le, counts in (("0.1", fast), ("0.25", fast + medium), ("+Inf", fast + medium + slow)):
            series.append(counter("shop_request_duration_seconds_bucket", {**labels, "le": le}, counts, base))
        series.append(counter("shop_request_duration_seconds_count", labels, fast + medium + slow, base))
        series.append(counter("shop_request_duration_seconds_sum", labels, fast + medium + slow, base))
    bounds, times = (START_TS, *SWITCHES, END_TS + 60), TIMES
    for version in dict.fromkeys(VERSIONS):  # 1.1 runs twice: before 1.2 and after the rollback
        live = np.zeros(len(TIMES), dtype=bool)
        for k in (k for k, v in enumerate(VERSIONS) if v == version):
            live |= np.logical_and(times >= bounds[k], times < bounds[k + 1])
        labels = {"job": "shop", "version": version}
        series.append(Series("shop_build_info", labels, "gauge", TIMES[live], np.ones(int(live.sum()))))
    marker = np.isin(TIMES, MARKERS).astype(np.float64)
    series.append(Series("shop_deploy_marker", {"job": "shop"}, "gauge", TIMES.copy(), marker))
    families = {
        "shop_requests": ("counter", ("shop_requests_total",)),
        "shop_request_duration_seconds": (
            "histogram",
            tuple(f"shop_request_duration_seconds_{s}" for s in ("bucket", "count", "sum")),
        ),
        "shop_build_info": ("gauge", ("shop_build_info",)),
        "shop_deploy_marker": ("gauge", ("shop_deploy_marker",)),
    }
    return Dataset(series, families)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return generate()


@pytest.fixture(scope="module")
def prometheus(data: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusSource]:
    server = start_prometheus(tmp_path_factory.mktemp("insight-prometheus"), data, "insight-prometheus")
    source = PrometheusSource(PrometheusSettings(url=server.url))
    try:
        yield source
    finally:
        source.close()
        server.stop()


def truth(data: Dataset, metric: str, minus: str | None = None, **matchers: str) -> dict[str, float]:
    """Events over ``(SPAN_START, END]`` per handler ("" without one), counted from the generated increments:
    of ``metric``'s series matching ``matchers``, minus those of ``minus`` (a histogram's bucket)."""
    out: dict[str, float] = {}
    for name, sign in ((metric, 1.0), *(((minus, -1.0),) if minus else ())):
        wanted = {**matchers, **({"le": "0.25"} if sign < 0 else {})}
        for s in data.select(name, wanted):
            handler = s.labels.get("handler", "")
            out[handler] = out.get(handler, 0.0) + sign * s.increase(SPAN_START.timestamp(), END_TS)
    return out


def expected(bad: dict[str, float]) -> list[tuple[str, float, float]]:
    """The five handlers with the most bad events, then the rest summed, each with its share of all."""
    ranked = sorted(bad.items(), key=lambda kv: -kv[1])
    everything = math.fsum(bad.values())
    rest = math.fsum(v for _, v in ranked[5:])
    return [(h, v, v / everything) for h, v in [*ranked[:5], ("(other)", rest)]]


def assert_close(got: list[LabelShare], want: list[tuple[str, float, float]]) -> None:
    assert [s.value for s in got] == [h for h, _, _ in want]
    for share, (_, events, fraction) in zip(got, want, strict=True):
        assert share.bad_events == pytest.approx(events, rel=0.01)
        assert share.share == pytest.approx(fraction, rel=0.01)


def test_attribution_of_a_bad_selector_matches_the_generated_5xx_per_handler(
    prometheus: PrometheusSource, data: Dataset
) -> None:
    sli = SLI.model_validate(
        {
            "ratio": {
                "bad": 'shop_requests_total{job="shop",code="500"}',
                "total": 'shop_requests_total{job="shop"}',
            }
        }
    )
    got = prometheus.attribution(sli, ("handler",), SPAN_START, END)
    want = expected(truth(data, "shop_requests_total", code="500"))
    assert [h for h, _, _ in want[:3]] == ["/pay", "/cart", "/search"]
    assert want[0][2] == pytest.approx(0.6, abs=0.02)  # the data carries the shares it was drawn with
    assert_close(got, want)


def test_attribution_of_good_and_total_matches_the_generated_5xx_per_handler(
    prometheus: PrometheusSource, data: Dataset
) -> None:
    sli = SLI.model_validate(
        {
            "ratio": {
                "good": 'shop_requests_total{job="shop",code="200"}',
                "total": 'shop_requests_total{job="shop"}',
            }
        }
    )
    got = prometheus.attribution(sli, ("handler", "code"), SPAN_START, END)
    assert_close(
        [s for s in got if s.label == "handler"], expected(truth(data, "shop_requests_total", code="500"))
    )
    assert [(s.value, s.share) for s in got if s.label == "code"] == [("500", 1.0)]


def test_attribution_of_latency_matches_the_generated_slow_requests_per_handler(
    prometheus: PrometheusSource, data: Dataset
) -> None:
    sli = SLI.model_validate(
        {"latency": {"histogram": 'shop_request_duration_seconds{job="shop"}', "threshold": 0.25}}
    )
    got = prometheus.attribution(sli, ("handler",), SPAN_START, END)
    bad = truth(data, "shop_request_duration_seconds_count", minus="shop_request_duration_seconds_bucket")
    everything = math.fsum(bad.values())
    want = [(h, v, v / everything) for h, v in sorted(bad.items(), key=lambda kv: -kv[1])]
    assert [h for h, _, _ in want] == ["/cart", "/pay", "/search"]
    assert_close(got, want)


def located(moment: int, step: timedelta) -> datetime:
    """The start of the step ``(t - step, t]`` holding ``moment``."""
    seconds = int(step.total_seconds())
    return datetime.fromtimestamp(-(-moment // seconds) * seconds - seconds, UTC)


@pytest.mark.parametrize("step", [HOUR, timedelta(minutes=15)], ids=["1h", "15m"])
def test_releases_of_a_version_label_are_found_at_the_generated_switches(
    prometheus: PrometheusSource, step: timedelta
) -> None:
    spec = Releases(query='shop_build_info{job="shop"}', label="version")
    got = prometheus.releases(spec, datetime.fromtimestamp(START_TS, UTC) + 2 * HOUR, END, step)
    assert got == [
        Release(located(switch, step), version, step)
        for switch, version in zip(SWITCHES, VERSIONS[1:], strict=True)
    ]


@pytest.mark.parametrize("step", [HOUR, timedelta(minutes=15)], ids=["1h", "15m"])
def test_releases_of_a_marker_are_found_at_the_generated_minutes(
    prometheus: PrometheusSource, step: timedelta
) -> None:
    spec = Releases(query='shop_deploy_marker{job="shop"}')
    got = prometheus.releases(spec, datetime.fromtimestamp(START_TS, UTC) + 2 * HOUR, END, step)
    assert got == [Release(located(marker, step), None, step) for marker in MARKERS]
