"""OpenSLO export of the repository's example definitions: the documents other OpenSLO tools read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from slokit.convert.export import export
from slokit.spec import load

EXAMPLES = Path(__file__).parents[3] / "slo_definitions"


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    text, problems = export(load([EXAMPLES]))
    assert problems == []
    return list(yaml.safe_load_all(text))


def _slo(documents: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(d for d in documents if d["kind"] == "SLO" and d["metadata"]["name"] == name)


def test_export_writes_one_prometheus_datasource_without_url_or_secret(
    documents: list[dict[str, Any]],
) -> None:
    sources = [d for d in documents if d["kind"] == "DataSource"]
    assert len(sources) == 1
    assert sources[0]["metadata"]["name"] == "slokit-prometheus"
    assert sources[0]["spec"]["type"] == "Prometheus"
    assert sources[0]["spec"]["connectionDetails"] == {}
    assert {d["apiVersion"] for d in documents} == {"openslo/v1"}
    kinds = [d["kind"] for d in documents]
    assert kinds.count("Service") == 3 and kinds.count("SLO") == 8


def test_export_carries_kind_team_and_email_as_slokit_labels_and_annotations(
    documents: list[dict[str, Any]],
) -> None:
    slo = _slo(documents, "checkout-order-completion")
    assert slo["metadata"]["labels"] == {"slokit.dev/kind": "application"}
    annotations = slo["metadata"]["annotations"]
    assert annotations["slokit.dev/team"] == "checkout-dev"
    assert annotations["slokit.dev/email"] == "checkout-dev@example.com, checkout-lead@example.com"
    assert annotations["slokit.dev/objective"] == "order-completion"
    assert annotations["slokit.dev/attribute-by"] == "instance"
    assert slo["spec"]["objectives"] == [{"displayName": "order-completion", "targetPercent": 99.5}]
    assert slo["spec"]["timeWindow"] == [{"duration": "30d", "isRolling": True}]


def test_latency_sli_is_a_ratio_of_the_bucket_at_the_threshold_over_the_count(
    documents: list[dict[str, Any]],
) -> None:
    ratio = _slo(documents, "checkout-latency")["spec"]["indicator"]["spec"]["ratioMetric"]
    assert ratio["counter"] is True
    good = ratio["good"]["metricSource"]["spec"]["query"]
    total = ratio["total"]["metricSource"]["spec"]["query"]
    assert good == 'http_request_duration_seconds_bucket{job="checkout",le=~"0\\\\.25"}'
    assert total == 'http_request_duration_seconds_count{job="checkout"}'


def test_timeslices_sli_is_a_threshold_metric_budgeted_by_timeslices(documents: list[dict[str, Any]]) -> None:
    spec = _slo(documents, "payments-queue-health")["spec"]
    assert spec["budgetingMethod"] == "Timeslices"
    query = spec["indicator"]["spec"]["thresholdMetric"]["metricSource"]["spec"]["query"]
    assert query == 'max(payment_queue_depth{job="payments"})'
    assert spec["objectives"] == [
        {
            "displayName": "queue-health",
            "op": "lt",
            "value": 1000,
            "timeSliceTarget": 1,
            "timeSliceWindow": "1m",
            "targetPercent": 99.9,
        }
    ]


def test_calendar_window_and_alert_tiers_as_burn_rate_conditions(documents: list[dict[str, Any]]) -> None:
    spec = _slo(documents, "search-search-latency")["spec"]
    assert spec["timeWindow"] == [
        {
            "duration": "1M",
            "calendar": {"startTime": "2024-01-01 00:00:00", "timeZone": "Europe/Berlin"},
            "isRolling": False,
        }
    ]
    conditions = [p["spec"]["conditions"][0]["spec"] for p in spec["alertPolicies"]]
    # threshold = budget / 100 x window / long: 5 % of a 30-day month in 1 h is 36x; 20 % in 1 d is 6x.
    assert [(c["severity"], c["condition"]) for c in conditions] == [
        (
            "page",
            {"kind": "burnrate", "op": "gte", "threshold": 36.0, "lookbackWindow": "1h", "alertAfter": "5m"},
        ),
        (
            "ticket",
            {"kind": "burnrate", "op": "gte", "threshold": 6.0, "lookbackWindow": "1d", "alertAfter": "2h"},
        ),
    ]
    # The 7-day objective of the same service: 5 % of 7 days in 1 h is 8.4x.
    other = _slo(documents, "search-search-availability")["spec"]["alertPolicies"][0]["spec"]
    assert other["conditions"][0]["spec"]["condition"]["threshold"] == 8.4


def test_a_slice_of_seconds_cannot_be_exported_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "fast.yaml"
    path.write_text(
        """apiVersion: slokit/v1
service: fast
owners: {operational: {team: ops}}
objectives:
  - name: probe
    kind: operational
    target: 99
    sli: {timeslices: {query: min(up), good: ">= 1", slice: 30s}}
"""
    )
    _, problems = export(load([path]))
    assert [str(p) for p in problems] == [
        f"{path}:5: objectives[0]: the slice 30s: OpenSLO's durations are whole minutes"
    ]


def test_alert_names_labels_and_rule_options_survive_export_and_import(tmp_path: Path) -> None:
    from slokit.convert.model import ImportOptions
    from slokit.convert.openslo import convert
    from slokit.convert.write import render

    path = tmp_path / "cart.yaml"
    path.write_text(
        """apiVersion: slokit/v1
service: cart
owners: {operational: {team: ops}}
objectives:
  - name: checkout
    kind: operational
    target: 99.5
    sli: {ratio: {good: 'cart_total{code="200"}', total: cart_total}}
    alerting:
      name: CartCheckoutBurn
      ticket_alert: {disable: true}
alerting:
  name: CartBurn
  labels: {channel: cart}
  annotations: {summary: "cart burns"}
  page: [{long: 1h, short: 5m, budget: 2}]
  min_events: 20
  absent_for: 15m
"""
    )
    original = load([path])
    text, problems = export(original)
    assert problems == []
    exported = tmp_path / "cart.openslo.yaml"
    exported.write_text(text)
    (converted,) = convert([exported], ImportOptions()).services
    back = tmp_path / "back"
    back.mkdir()
    (back / "cart.yaml").write_text(render(converted))
    (before,) = original.services
    (after,) = load([back]).services
    assert after.spec.alerting == before.spec.alerting
    assert after.spec.alerting.written("ticket") is None  # left to the defaults, as the original
    assert after.spec.objectives[0].alerting == before.spec.objectives[0].alerting
