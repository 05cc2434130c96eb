"""Real servers write range answers in the form slokit reads straight into arrays (prometheus_json): the
fast path is taken for Prometheus and VictoriaMetrics, and its numbers are json's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from slokit.settings import PrometheusSettings
from slokit.sources.prometheus_answer import Points, matrix
from slokit.sources.prometheus_http import PrometheusApi
from slokit.sources.prometheus_json import decode
from tests.integration.promdata import END_TS

pytestmark = pytest.mark.integration

QUERIES = {
    # counts, ratios with long decimals, and NaN (0/0 where nothing happened) in one answer
    "increase": 'sum(increase(http_requests_total{job="checkout"}[5m]))',
    "ratio": 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    "nan": "sum(increase(http_requests_total[5m])) * 0 / 0",
    "series": "increase(http_requests_total[1h])",
}


@pytest.mark.parametrize("server", ["prometheus", "victoriametrics"])
@pytest.mark.parametrize("query", QUERIES)
def test_a_real_servers_range_answer_is_read_straight_into_arrays(
    server: str, query: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(f"{server}_url")
    api = PrometheusApi(PrometheusSettings(url=url), url)
    body = api.session.get(
        f"{url}/api/v1/query_range",
        params={"query": QUERIES[query], "start": END_TS - 3 * 86400, "end": END_TS, "step": "300"},
        timeout=60,
    ).content
    read = decode(body)["data"]["result"]
    expected = json.loads(body)["data"]["result"]
    assert len(read) == len(expected)
    assert expected or (server, query) == ("victoriametrics", "nan")  # VictoriaMetrics leaves NaN points out
    for item, truth in zip(read, expected, strict=True):
        assert isinstance(item["values"], Points), body[:300]
        assert item["metric"] == truth["metric"]
        assert item["values"].seconds.tolist() == [float(t) for t, _ in truth["values"]]
        assert np.array_equal(item["values"].samples, [float(v) for _, v in truth["values"]], equal_nan=True)
    via_client = matrix(
        api.get(
            "query_range", {"query": QUERIES[query], "start": END_TS - 86400, "end": END_TS, "step": "300"}
        )
    )
    assert all(s.points.seconds.size for s in via_client)
    api.close()
