"""``slokit review`` against the real Prometheus of the source tests (``promdata``: 40 days to 2026-11-01).

- One window-long period ending at ``--at`` holds the events of ``slokit report``'s window at the same time:
  each rolling objective's bad and total events within 0.5 % of the report's (the report counts whole
  windows; the review sums hourly steps, which on Prometheus lose the events checkout-3's first sample
  after its scrape gap carries, 25 of 38,328 5xx, see test_sources.py; VictoriaMetrics bridges the gap:
  equal there).
- October (UTC) reviewed at 2026-11-01: its bad events are the generator's truth within 0.5 %, and the
  incidents the generator made appear, located to the hour, with the alerts a fast burn fires.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slokit.cli import run

from . import promdata as pd
from .promdata import Dataset

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
AT = "2026-11-01T00:00:00Z"
OCTOBER = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
TOLERANCE = 5e-3
# Calendar objectives review their own complete calendar periods, not the report's running one.
CALENDAR = {"checkout/availability-month", "checkout/availability-month-utc"}


def _json(capsys: pytest.CaptureFixture[str], command: str, url: str, *args: str) -> dict[str, Any]:
    assert run([command, str(SLO_DIR), "--at", AT, "--prometheus-url", url, "-f", "json", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    document: dict[str, Any] = json.loads(out)
    return document


def _by_key(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def october(prometheus_url: str) -> dict[str, dict[str, Any]]:
    """October reviewed at 2026-11-01 (one period), by objective; run once for the module's tests."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        args = ["review", str(SLO_DIR), "--at", AT, "--prometheus-url", prometheus_url, "--periods", "1"]
        code = run([*args, "-f", "json"])
    assert (code, err.getvalue()) == (0, "")
    return _by_key(json.loads(out.getvalue()))


@pytest.mark.parametrize(
    "server", ["prometheus_url", "victoriametrics_url"], ids=["prometheus", "victoriametrics"]
)
def test_a_window_period_holds_the_reports_window_events(
    server: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    url: str = request.getfixturevalue(server)
    capsys.readouterr()  # a server started here prints its start-up timings
    review = _by_key(_json(capsys, "review", url, "--period", "window", "--periods", "1"))
    report = _by_key(_json(capsys, "report", url))
    compared = 0
    for key, item in review.items():
        if key in CALENDAR:
            continue
        (period,) = item["periods"]
        expected = report[key]
        assert _utc(period["end"]) == _utc(AT), key
        assert _utc(period["end"]) - _utc(period["start"]) == timedelta(seconds=_window_seconds(item)), key
        for name in ("bad_events", "total_events"):
            assert period[name] == pytest.approx(expected[name], rel=TOLERANCE), (key, name)
        compared += 1
    assert compared == 9  # every rolling objective of slo/, the time slices of blackbox among them


def _window_seconds(item: dict[str, Any]) -> float:
    return {"30d": 30 * 86400.0, "7d": 7 * 86400.0}[item["window"]]


def test_october_bad_events_are_the_generators(october: dict[str, dict[str, Any]], promdata: Dataset) -> None:
    start, end = OCTOBER
    checkout = october["checkout/availability"]["periods"][0]
    assert checkout["label"] == "2026-10"
    bad = promdata.increase('http_requests_total{job="checkout",code=~"5.."}', start=start, end=end)
    total = promdata.increase('http_requests_total{job="checkout"}', start=start, end=end)
    assert checkout["bad_events"] == pytest.approx(bad, rel=TOLERANCE)
    assert checkout["total_events"] == pytest.approx(total, rel=TOLERANCE)
    admin = october["admin/availability"]["periods"][0]
    truth = promdata.increase('http_requests_total{job="admin",code=~"5.."}', start=start, end=end)
    assert admin["bad_events"] == pytest.approx(truth)


def test_the_checkout_outage_is_an_incident_that_pages(october: dict[str, dict[str, Any]]) -> None:
    """The 5xx burst of 09:40-10:25 on October 26th, located to the hour: 09:00 to 11:00."""
    item = october["checkout/availability"]
    outage = [i for i in item["incidents"] if _utc(i["start"]) <= datetime.fromtimestamp(pd.OUTAGE[0], UTC)]
    assert [(i["start"], i["end"]) for i in outage] == [("2026-10-26T09:00:00Z", "2026-10-26T11:00:00Z")]
    period = item["periods"][0]
    assert period["incidents"] == 1
    assert period["alerts"]["page"] > 0 and period["alerts"]["ticket"] > 0
    fast_page = item["alert_quality"][0]
    assert (fast_page["severity"], fast_page["long_window"], fast_page["short_window"]) == (
        "page",
        "1h",
        "5m",
    )
    assert fast_page["episodes"] >= 1 and fast_page["recall"] == 1.0


def test_the_admin_failure_burst_is_an_incident_that_pages(
    october: dict[str, dict[str, Any]], promdata: Dataset
) -> None:
    item = october["admin/availability"]
    burst_start = datetime.fromtimestamp(pd.ADMIN_FAILURE_BURST[0], UTC)
    (burst,) = [i for i in item["incidents"] if _utc(i["start"]) == burst_start]
    truth = promdata.increase(
        'http_requests_total{job="admin",code=~"5.."}',
        start=burst_start,
        end=burst_start + timedelta(hours=1),
    )
    assert truth == 3
    assert burst["bad_events"] == pytest.approx(truth)
    assert item["periods"][0]["alerts"]["page"] > 0


def test_the_slow_search_is_an_incident_of_the_latency_objective(october: dict[str, dict[str, Any]]) -> None:
    item = october["search/latency-1s"]
    starts = [(i["start"], i["end"]) for i in item["incidents"]]
    assert ("2026-10-10T13:00:00Z", "2026-10-10T15:00:00Z") in starts


def test_the_probe_failures_are_incidents_of_the_time_slices(october: dict[str, dict[str, Any]]) -> None:
    """Time slices keep their 1-minute slices: the outage's 45 failed minutes are one incident."""
    item = october["blackbox/uptime"]
    assert item["step_seconds"] == 60.0
    outage = [i for i in item["incidents"] if i["bad_events"] == 45]
    assert [(i["start"], i["end"]) for i in outage] == [("2026-10-26T09:39:00Z", "2026-10-26T10:24:00Z")]
    assert item["periods"][0]["alerts"]["page"] > 0


# --- attribution and releases end to end, on the insight tests' own data (two days of a shop) ----------

SHOP = """\
apiVersion: slokit/v1
service: shop
owners:
  application: {team: shop-dev, email: [shop-dev@example.com]}
window: 1d
releases:
  query: shop_build_info{job="shop"}
  label: version
  within: 1h
objectives:
  - name: requests
    kind: application
    target: 95
    attribute_by: [handler]
    sli:
      ratio:
        bad: shop_requests_total{job="shop",code="500"}
        total: shop_requests_total{job="shop"}
"""


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from .servers import start_prometheus
    from .test_insight import generate

    server = start_prometheus(tmp_path_factory.mktemp("review-shop"), generate(), "review-shop-prometheus")
    try:
        yield server.url
    finally:
        server.stop()


def test_attribution_and_releases_of_the_reviewed_day_are_the_generated_ones(
    shop_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last day (one 1d window ending at 2026-11-01) holds two of the generated version switches, 1.2 at
    02:00 and the rollback to 1.1 at 15:47, located to their hours; its 5xx by handler are the generated
    ones (top five and the rest), counted here from the generator's increments."""
    from .test_insight import SWITCHES, generate

    (tmp_path / "shop.yaml").write_text(SHOP)
    args = ["review", str(tmp_path), "--at", AT, "--prometheus-url", shop_url, "-f", "json"]
    assert run([*args, "--period", "window", "--periods", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    (item,) = json.loads(out)["objectives"]
    (period,) = item["periods"]
    assert (period["start"], period["end"]) == ("2026-10-31T00:00:00Z", AT)
    assert period["releases"] == 2
    assert [(r["at"], r["version"]) for r in item["releases"]] == [
        # 1.2's first sample, at 02:00, ends the hour (01:00, 02:00]: a release dated by its step's start.
        ("2026-10-31T01:00:00Z", "1.2"),
        ("2026-10-31T15:00:00Z", "1.1"),
    ]
    assert [datetime.fromtimestamp(s, UTC) for s in SWITCHES[1:]] == [
        datetime(2026, 10, 31, 2, tzinfo=UTC),
        datetime(2026, 10, 31, 15, 47, tzinfo=UTC),
    ]
    data = generate()
    start, end = _utc(period["start"]).timestamp(), _utc(period["end"]).timestamp()
    bad: dict[str, float] = {}
    for s in data.select('shop_requests_total{job="shop",code="500"}'):
        handler = s.labels.get("handler", "")
        bad[handler] = bad.get(handler, 0.0) + s.increase(start, end)
    ranked = sorted(bad.items(), key=lambda kv: -kv[1])
    total = sum(bad.values())
    want = [*ranked[:5], ("(other)", sum(v for _, v in ranked[5:]))]
    got = [(a["value"], a["bad_events"], a["share"]) for a in item["attribution"]]
    assert [v for v, _, _ in got] == [h for h, _ in want]
    for (_, events, share), (_, truth) in zip(got, want, strict=True):
        assert events == pytest.approx(truth, rel=0.01)
        assert share == pytest.approx(truth / total, rel=0.01)
    # The day's bad events are the generated ones.
    assert period["bad_events"] == pytest.approx(total, rel=TOLERANCE)
