"""OpenSLO documents over the integration data set, imported, against a hand-written slokit definition of
the same objectives on the real Prometheus of the integration suite (``promdata``, backfilled with
promtool).

The OpenSLO side is written as OpenSLO tools expect: sums of counters with ``counter: true`` (imported as
``sum(increase(...[{{ window }}]))``), per-interval increases with ``counter: false`` (the range becomes
``{{ window }}``), a histogram's bucket over its count (imported as slokit's latency SLI). ``slokit report
--format json`` at the same ``--at`` gives the same SLI and event counts on both, and both hold to the events
the data set was generated from. And the hand-written definition exported to OpenSLO and imported again
reports the same figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slokit.cli import run

from .promdata import END_TS, Dataset

pytestmark = pytest.mark.integration

AT = "2026-11-01T00:00:00Z"
START = END_TS - 30 * 86400
EVENTS_TOLERANCE = 5e-3  # relative, as test_sources: the scrape gap on checkout-3 is seen from one side only
SAME = 1e-9  # relative: both definitions read the same increases

OPENSLO = """\
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prometheus}
spec: {type: Prometheus, connectionDetails: {}}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-errors
  labels: {slokit.dev/kind: application}
  annotations: {slokit.dev/team: shop-dev}
spec:
  service: shop
  indicator:
    metadata: {name: checkout-errors}
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum(http_requests_total{job="checkout",code=~"5.."})'}
        total:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum by (instance) (http_requests_total{job="checkout"})'}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.995}]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-latency
  labels: {slokit.dev/kind: application}
  annotations: {slokit.dev/team: shop-dev}
spec:
  service: shop
  indicator:
    metadata: {name: search-latency}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'http_request_duration_seconds_bucket{job="search",le="0.25"}'}
        total:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'http_request_duration_seconds_count{job="search"}'}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99}]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: payments-answered
  labels: {slokit.dev/kind: application}
  annotations: {slokit.dev/team: shop-dev}
spec:
  service: shop
  indicator:
    metadata: {name: payments-answered}
    spec:
      ratioMetric:
        counter: false
        good:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum(increase(app_ok_total{job="payments"}[5m]))'}
        total:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum(increase(app_all_total{job="payments"}[5m]))'}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99.5}]
"""

HAND_WRITTEN = """\
apiVersion: slokit/v1
service: shop
owners:
  application: {team: shop-dev}
window: 30d
objectives:
  - name: checkout-errors
    kind: application
    target: 99.5
    sli:
      ratio:
        bad: http_requests_total{job="checkout",code=~"5.."}
        total: http_requests_total{job="checkout"}
  - name: search-latency
    kind: application
    target: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{job="search"}
        threshold: 0.25
  - name: payments-answered
    kind: application
    target: 99.5
    sli:
      ratio:
        good: app_ok_total{job="payments"}
        total: app_all_total{job="payments"}
"""


def _report(path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    code = run(["report", str(path), "--format", "json", "--prometheus-url", url, "--at", AT])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return {o["objective"]: o for o in json.loads(out)["objectives"]}


def _close(actual: float, expected: float, tolerance: float) -> bool:
    return abs(actual - expected) <= tolerance * abs(expected)


def _same(ours: dict[str, Any], theirs: dict[str, Any], name: str) -> None:
    for key in ("total_events", "bad_events", "good_events"):
        assert _close(ours[key], theirs[key], SAME), (name, key, ours[key], theirs[key])
    assert abs(ours["sli"] - theirs["sli"]) <= 1e-12, (name, ours["sli"], theirs["sli"])
    assert ours["status"] == theirs["status"]


def test_imported_openslo_counts_the_same_events_as_a_hand_written_definition(
    tmp_path: Path, prometheus_url: str, promdata: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "shop.openslo.yaml"
    source.write_text(OPENSLO, encoding="utf-8")
    imported = tmp_path / "imported" / "shop.yaml"
    imported.parent.mkdir()
    assert run(["import", "openslo", str(source), "-o", str(imported)]) == 0
    text = imported.read_text()
    assert (
        'total_query: sum(sum by (instance) (increase(http_requests_total{job="checkout"}[{{ window }}])))'
        in text
    )
    assert 'good_query: sum(increase(app_ok_total{job="payments"}[{{ window }}]))' in text
    assert 'histogram: http_request_duration_seconds{job="search"}' in text
    hand = tmp_path / "hand" / "shop.yaml"
    hand.parent.mkdir()
    hand.write_text(HAND_WRITTEN, encoding="utf-8")
    converted = _report(imported, prometheus_url, capsys)
    written = _report(hand, prometheus_url, capsys)
    assert sorted(converted) == sorted(written) == ["checkout-errors", "payments-answered", "search-latency"]
    # The truth: events generated in the 30 days before --at.
    checkout_total = promdata.increase('http_requests_total{job="checkout"}', start=START)
    checkout_bad = promdata.increase('http_requests_total{job="checkout",code=~"5.."}', start=START)
    search_total = promdata.increase('http_request_duration_seconds_count{job="search"}', start=START)
    search_fast = promdata.increase(
        'http_request_duration_seconds_bucket{job="search",le="0.25"}', start=START
    )
    payments_total = promdata.increase('app_all_total{job="payments"}', start=START)
    payments_good = promdata.increase('app_ok_total{job="payments"}', start=START)
    truth = {
        "checkout-errors": (checkout_bad, checkout_total),
        "search-latency": (search_total - search_fast, search_total),
        "payments-answered": (payments_total - payments_good, payments_total),
    }
    for name, (bad, total) in truth.items():
        ours = converted[name]
        _same(ours, written[name], name)
        assert _close(ours["total_events"], total, EVENTS_TOLERANCE), (name, ours["total_events"], total)
        assert _close(ours["bad_events"], bad, EVENTS_TOLERANCE), (name, ours["bad_events"], bad)


def test_exported_then_imported_definition_reports_the_same_figures(
    tmp_path: Path, prometheus_url: str, promdata: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    hand = tmp_path / "hand" / "shop.yaml"
    hand.parent.mkdir()
    hand.write_text(HAND_WRITTEN, encoding="utf-8")
    exported = tmp_path / "shop.openslo.yaml"
    assert run(["export", "openslo", str(hand), "-o", str(exported)]) == 0
    back = tmp_path / "back" / "shop.yaml"
    back.parent.mkdir()
    assert run(["import", "openslo", str(exported), "-o", str(back)]) == 0
    before = _report(hand, prometheus_url, capsys)
    after = _report(back, prometheus_url, capsys)
    assert sorted(after) == sorted(before)
    for name in before:
        _same(after[name], before[name], name)
        assert after[name]["error_budget"]["remaining"] == before[name]["error_budget"]["remaining"]


def test_every_query_the_import_writes_is_accepted_by_prometheus(prometheus_url: str) -> None:
    """The rewritten queries of the unit tests' OpenSLO file (sums of increases, a slice's ratio, the share
    of a slice's values that pass) parse on a real Prometheus."""
    import requests

    from slokit.convert.model import ImportOptions
    from slokit.convert.openslo import convert

    shop = Path(__file__).parents[1] / "unit" / "convert" / "openslo" / "shop.yaml"
    (service,) = convert([shop], ImportOptions()).services
    queries: list[str] = []
    for objective in service.document["objectives"]:
        sli = objective["sli"]
        if "timeslices" in sli:
            queries.append(sli["timeslices"]["query"])
        for key, value in sli.get("ratio", {}).items():
            if key.endswith("_query"):
                queries.append(value.replace("{{ window }}", "5m"))
    assert any("[2m:]" in q for q in queries) and any(" / " in q for q in queries)
    for query in queries:
        answer = requests.post(f"{prometheus_url}/api/v1/format_query", data={"query": query}, timeout=10)
        assert answer.json()["status"] == "success", (query, answer.text)
