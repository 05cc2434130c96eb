"""A Sloth spec over the integration data set, imported, against a hand-written slokit definition of the same
objectives on the real Prometheus of the integration suite (``promdata``, backfilled with promtool).

Sloth's queries are per-second ``sum(rate(...[{{.window}}]))``; the import writes them as
``sum(increase(...[{{ window }}]))``. ``slokit report --format json`` at the same ``--at`` on the imported
file and on the hand-written one (selectors, a latency histogram) gives the same SLI and event counts, and
both hold to the events the data set was generated from. ``slokit validate`` accepts the imported file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slokit.cli import run
from slokit.convert import sloth
from slokit.convert.model import ImportOptions
from slokit.convert.write import render

from .promdata import END_TS, Dataset

pytestmark = pytest.mark.integration

AT = "2026-11-01T00:00:00Z"
START = END_TS - 30 * 86400
EVENTS_TOLERANCE = 5e-3  # relative, as test_sources: the scrape gap on checkout-3 is seen from one side only
SAME = 1e-9  # relative: the imported and the hand-written definitions read the same increases

SLOTH_SPEC = """\
version: "prometheus/v1"
service: "shop"
labels:
  owner: "shop-dev"
  slokit.dev/kind: application
slos:
  - name: "checkout-errors"
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
    alerting:
      name: CheckoutErrors
  - name: "search-latency"
    objective: 99
    sli:
      events:
        error_query: |
          sum(rate(http_request_duration_seconds_count{job="search"}[{{.window}}]))
          -
          sum(rate(http_request_duration_seconds_bucket{job="search",le="0.25"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="search"}[{{.window}}]))
    alerting:
      name: SearchSlow
      ticket_alert: {disable: true}
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
"""


def _report(path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    code = run(["report", str(path), "--format", "json", "--prometheus-url", url, "--at", AT])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return {o["objective"]: o for o in json.loads(out)["objectives"]}


def _imported(tmp_path: Path) -> Path:
    spec = tmp_path / "shop.sloth.yaml"
    spec.write_text(SLOTH_SPEC, encoding="utf-8")
    conversion = sloth.convert([spec], ImportOptions())
    assert conversion.problems == ()
    (service,) = conversion.services
    path = tmp_path / "imported" / "shop.yaml"
    path.parent.mkdir()
    path.write_text(render(service), encoding="utf-8")
    return path


def _close(actual: float, expected: float, tolerance: float) -> bool:
    return abs(actual - expected) <= tolerance * abs(expected)


def test_imported_rate_queries_count_the_same_events_as_a_hand_written_definition(
    tmp_path: Path, prometheus_url: str, promdata: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = _imported(tmp_path)
    assert 'sum(increase(http_requests_total{job="checkout"}[{{ window }}]))' in imported.read_text()
    hand = tmp_path / "hand" / "shop.yaml"
    hand.parent.mkdir()
    hand.write_text(HAND_WRITTEN, encoding="utf-8")
    converted = _report(imported, prometheus_url, capsys)
    written = _report(hand, prometheus_url, capsys)
    assert sorted(converted) == sorted(written) == ["checkout-errors", "search-latency"]
    # The truth: events generated in the 30 days before --at.
    checkout_total = promdata.increase('http_requests_total{job="checkout"}', start=START)
    checkout_bad = promdata.increase('http_requests_total{job="checkout",code=~"5.."}', start=START)
    search_total = promdata.increase('http_request_duration_seconds_count{job="search"}', start=START)
    search_fast = promdata.increase(
        'http_request_duration_seconds_bucket{job="search",le="0.25"}', start=START
    )
    truth = {
        "checkout-errors": (checkout_bad, checkout_total),
        "search-latency": (search_total - search_fast, search_total),
    }
    for name, (bad, total) in truth.items():
        ours, theirs = converted[name], written[name]
        for key in ("total_events", "bad_events", "good_events"):
            assert _close(ours[key], theirs[key], SAME), (name, key, ours[key], theirs[key])
        assert abs(ours["sli"] - theirs["sli"]) <= 1e-12, (name, ours["sli"], theirs["sli"])
        assert _close(ours["total_events"], total, EVENTS_TOLERANCE), (name, ours["total_events"], total)
        assert _close(ours["bad_events"], bad, EVENTS_TOLERANCE), (name, ours["bad_events"], bad)
        assert abs(ours["sli"] - (1 - bad / total)) <= 1e-5, (name, ours["sli"], 1 - bad / total)
        assert ours["error_budget"]["remaining"] == pytest.approx(
            theirs["error_budget"]["remaining"], rel=SAME
        )
        assert ours["status"] == theirs["status"]


def test_slokit_validates_the_imported_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imported = _imported(tmp_path)
    capsys.readouterr()
    assert run(["validate", str(imported)]) == 0
    out, err = capsys.readouterr()
    assert (out.splitlines()[-1:], err) == (
        ["ok: 1 file, 1 service, 2 objectives (0 operational, 2 application)"],
        "",
    )
    assert run(["rules", str(imported), "-o", str(tmp_path / "rules.yaml")]) == 0
    rules = (tmp_path / "rules.yaml").read_text()
    assert "alert: 'CheckoutErrors'" in rules
    assert "alert: 'SearchSlow'" in rules
