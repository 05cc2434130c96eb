"""OpenSLO import: each construct of tests/unit/convert/openslo/shop.yaml (written from the OpenSLO README)
gives the objective a person would write by hand, field by field, and the result passes slokit's loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slokit.convert.model import ImportOptions
from slokit.convert.openslo import convert
from slokit.convert.write import render
from slokit.spec.loader import load_file

SHOP = Path(__file__).parent / "openslo" / "shop.yaml"


@pytest.fixture(scope="module")
def shop() -> dict[str, Any]:
    conversion = convert([SHOP], ImportOptions())
    assert conversion.problems == ()
    (service,) = conversion.services
    return service.document


def _objective(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in document["objectives"] if o["name"] == name)


def test_service_description_owners_and_window_from_service_and_annotations(shop: dict[str, Any]) -> None:
    assert shop["service"] == "shop"
    assert shop["description"] == "The web shop"
    # The Service's slokit.dev/team for the SLO without its own; the checkout SLO's annotation for its kind.
    assert shop["owners"] == {"operational": {"team": "shop-ops"}, "application": {"team": "shop-dev"}}
    assert shop["window"] == "28d"  # 4w (availability) and 28d: the most common window


def test_inline_ratio_metric_of_plain_counters_becomes_selectors(shop: dict[str, Any]) -> None:
    assert _objective(shop, "availability") == {
        "name": "availability",
        "kind": "operational",
        "description": "Requests without a 5xx",
        "target": 99.9,  # target: 0.999
        "sli": {
            "ratio": {
                "good": 'http_requests_total{job="shop",code!~"5.."}',
                "total": 'http_requests_total{job="shop"}',
            }
        },
    }


def test_indicator_ref_with_datasource_ref_sums_of_counters_and_calendar_month(shop: dict[str, Any]) -> None:
    assert _objective(shop, "checkout") == {
        "name": "checkout",
        "kind": "application",
        "target": 99.5,  # targetPercent: 99.5
        "window": {"calendar": "month", "timezone": "Europe/Berlin"},
        "sli": {
            "ratio": {
                "bad_query": 'sum(increase(checkout_total{outcome="error"}[{{ window }}]))',
                "total_query": "sum(increase(checkout_total[{{ window }}]))",
            }
        },
    }


def test_threshold_metric_with_timeslices_becomes_a_timeslices_sli(shop: dict[str, Any]) -> None:
    assert _objective(shop, "uptime")["sli"] == {
        "timeslices": {"query": 'min(probe_success{job="shop"})', "good": ">= 1", "slice": "1m"}
    }
    # timeSliceTarget 0.75: the share of the slice's values that pass, at least 0.75.
    assert _objective(shop, "queue")["sli"] == {
        "timeslices": {
            "query": 'avg_over_time(((max(queue_depth{job="shop"})) < bool 1000)[2m:])',
            "good": ">= 0.75",
            "slice": "2m",
        }
    }


def test_ratio_metric_with_timeslices_is_good_when_the_slice_ratio_reaches_the_slice_target(
    shop: dict[str, Any],
) -> None:
    latency = _objective(shop, "latency")
    assert latency["target"] == 95
    assert latency["sli"] == {
        "timeslices": {
            "query": '(sum(increase(http_request_duration_seconds_bucket{job="shop",le="0.3"}[5m]))) / '
            '(sum(increase(http_request_duration_seconds_count{job="shop"}[5m])))',
            "good": ">= 0.9",
            "slice": "5m",  # timeSliceWindow: 5, minutes by the spec
        }
    }


def test_burn_rate_alert_conditions_become_tiers_with_budget_by_formula(shop: dict[str, Any]) -> None:
    # budget = threshold x lookbackWindow / window x 100, on the 28-day window:
    # 13.44 x 1 h / 672 h x 100 = 2; 1.4 x 72 h / 672 h x 100 = 15.
    assert shop["alerting"] == {
        "page": [{"long": "1h", "short": "5m", "budget": 2}],
        "ticket": [{"long": "3d", "short": "6h", "budget": 15}],
    }


def test_the_converted_shop_passes_slokits_loader_and_keeps_comments_to_the_source(tmp_path: Path) -> None:
    (service,) = convert([SHOP], ImportOptions()).services
    text = render(service)
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    loaded = load_file(path)
    assert loaded.problems == []
    assert f"# from {SHOP}:39, SLO availability" in text
    assert "# counter: true: each counter is taken as its increase over {{ window }}" in text


def test_v1alpha_slo_as_sloth_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "alpha.yaml"
    path.write_text(
        """apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: api-availability
spec:
  service: api
  description: API requests without errors
  budgetingMethod: Occurrences
  timeWindows:
    - count: 30
      unit: Day
      isRolling: true
  objectives:
    - ratioMetrics:
        counter: true
        good: {source: prometheus, queryType: promql, query: 'api_requests_total{code!~"5.."}'}
        total: {source: prometheus, queryType: promql, query: api_requests_total}
      target: 0.995
"""
    )
    conversion = convert(
        [path], ImportOptions(kind="operational", team="api-ops", emails=("ops@example.com",))
    )
    assert conversion.problems == ()
    (service,) = conversion.services
    assert service.document["owners"] == {"operational": {"team": "api-ops", "email": ["ops@example.com"]}}
    assert service.document["window"] == "30d"
    assert service.document["objectives"] == [
        {
            "name": "api-availability",
            "kind": "operational",
            "description": "API requests without errors",
            "target": 99.5,
            "sli": {"ratio": {"good": 'api_requests_total{code!~"5.."}', "total": "api_requests_total"}},
        }
    ]
