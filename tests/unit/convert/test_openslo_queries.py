"""OpenSLO Prometheus queries as event counts over {{ window }}: what is rewritten, what is kept, what is
refused (slokit.convert.counters)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.convert.counters import events
from slokit.convert.model import ImportOptions
from slokit.convert.openslo import convert


@pytest.mark.parametrize(
    ("query", "counter", "selector", "expected"),
    [
        ('http_requests_total{code!~"5.."}', True, 'http_requests_total{code!~"5.."}', None),
        ("sum(jobs_total)", True, None, "sum(increase(jobs_total[{{ window }}]))"),
        (
            'sum by (code) (a_total{x="}"}) + b_total',
            True,
            None,
            'sum(sum by (code) (increase(a_total{x="}"}[{{ window }}]))) + '
            "sum(increase(b_total[{{ window }}]))",
        ),
        ("sum(a_total) by (job)", True, None, "sum(sum(increase(a_total[{{ window }}])) by (job))"),
        ("sum(increase(a_total[5m]))", False, None, "sum(increase(a_total[{{ window }}]))"),
        ("(increase(a_total[1h]))", True, None, "sum((increase(a_total[{{ window }}])))"),
    ],
)
def test_counter_queries_become_increases_over_the_window(
    query: str, counter: bool, selector: str | None, expected: str | None
) -> None:
    found = events(query, counter)
    assert found.selector == selector
    if expected is not None:
        assert found.query == expected
        assert found.rewritten


@pytest.mark.parametrize(
    ("query", "counter", "message"),
    [
        ("irate(a_total[5m])", True, "irate() at character 1"),
        ("sum(a_total) / sum(b_total)", True, "/ at character 14"),
        ("max(a_total)", True, "max() at character 1"),
        ("a_total + 1", True, "1 at character 11"),
        ("sum(increase(a_total[5m:1m]))", False, "a subquery at character 21"),
    ],
)
def test_queries_that_are_not_counts_are_refused_with_where(query: str, counter: bool, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        events(query, counter)
    assert str(caught.value) == (
        f"{message}: only series selectors, increase() over a range, sum (by/without) and + add up to "
        "event counts"
    )


def test_v1alpha_query_written_for_sloth_uses_sloths_rate_conversion(tmp_path: Path) -> None:
    path = tmp_path / "sloth-openslo.yaml"
    path.write_text(
        """apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: requests
spec:
  service: api
  budgetingMethod: Occurrences
  timeWindows: [{count: 30, unit: Day, isRolling: true}]
  objectives:
    - ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'sum(rate(api_total{code!~"5.."}[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(api_total[{{.window}}]))'}
      target: 0.999
"""
    )
    conversion = convert([path], ImportOptions(kind="operational", team="ops"))
    assert conversion.problems == ()
    (service,) = conversion.services
    assert service.document["objectives"][0]["sli"] == {
        "ratio": {
            "good_query": 'sum(increase(api_total{code!~"5.."}[{{ window }}]))',
            "total_query": "sum(increase(api_total[{{ window }}]))",
        }
    }
    assert service.document["objectives"][0]["target"] == 99.9
