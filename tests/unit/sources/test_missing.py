"""Missing is not empty (issue 10, point 4): the verdicts for roles that came back without data.

The server's series index is a list of label sets here; the integration tests ask a real Prometheus.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from slokit.promql_syntax import parse_selector
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE
from slokit.sources.missing import Verdict, empty_roles, expressions, judge, suggest
from slokit.spec.models import SLI

SERIES = [
    {"__name__": "http_requests_total", "job": "checkout", "code": "200"},
    {"__name__": "http_requests_total", "job": "checkout", "code": "500"},
    {"__name__": "http_requests_total", "job": "admin", "code": "200"},
    {"__name__": "http_request_duration_seconds_bucket", "job": "search", "le": "0.25"},
    {"__name__": "http_request_duration_seconds_count", "job": "search"},
    {"__name__": "app_all_total", "job": "payments"},
]


class Index:
    """A series index answering like Prometheus's series and label-values APIs; counts the requests."""

    def __init__(self, later: tuple[dict[str, str], ...] = ()) -> None:
        self.requests: list[str] = []
        self.later = later  # series that begin after the evaluation time

    def _matching(self, selector: str, series: Any = SERIES) -> list[dict[str, str]]:
        return [labels for labels in series if _matches(selector, labels)]

    def has_series(self, selector: str) -> bool:
        self.requests.append(f"series {selector}")
        return bool(self._matching(selector))

    def appears_later(self, selector: str) -> bool:
        self.requests.append(f"later series {selector}")
        return bool(self._matching(selector, self.later))

    def metric_names(self) -> list[str]:
        self.requests.append("names")
        return sorted({s["__name__"] for s in SERIES})

    def label_values(self, label: str, selector: str) -> list[str]:
        self.requests.append(f"values {label} {selector}")
        return sorted({s[label] for s in self._matching(selector) if label in s})


def _matches(selector: str, labels: dict[str, str]) -> bool:
    parsed = parse_selector(selector)
    if parsed.metric is not None and labels["__name__"] != parsed.metric:
        return False
    ok = True
    for m in parsed.matchers:
        actual = labels.get(m.name, "")
        hit = actual == m.value if m.op in ("=", "!=") else re.fullmatch(m.value, actual) is not None
        ok &= hit if m.op in ("=", "=~") else not hit
    return ok


def sli(data: dict[str, Any]) -> SLI:
    return SLI.model_validate(data)


def ratio(**fields: str) -> SLI:
    return sli({"ratio": fields})


def verdict(s: SLI, empty: list[str], **histogram: str) -> tuple[Verdict, list[str]]:
    index = Index()
    return judge(expressions(s, **histogram), empty, index, "33d5m"), index.requests


def test_typo_in_the_total_counter_names_the_selector_and_suggests_the_metric() -> None:
    got, _ = verdict(ratio(good='http_request_total{code!~"5.."}', total="http_request_total"), [GOOD, TOTAL])
    assert got == Verdict(
        'good selector http_request_total{code!~"5.."} matches no series in the last 33d5m (did you mean '
        "http_requests_total?); total selector http_request_total matches no series in the last 33d5m (did "
        "you mean http_requests_total?)"
    )


def test_a_label_value_that_no_series_has_suggests_the_close_value() -> None:
    got, _ = verdict(ratio(bad='http_requests_total{job="chekout",code="500"}', total='x{job="a"}'), [])
    assert got == Verdict()
    got, _ = verdict(ratio(good='http_requests_total{job="chekout"}', total="http_requests_total"), [GOOD])
    assert got.error == (
        'good selector http_requests_total{job="chekout"} matches no series in the last 33d5m '
        '(http_requests_total exists; did you mean job="checkout"?)'
    )


def test_labels_that_exist_but_never_together() -> None:
    got, _ = verdict(ratio(good='http_requests_total{job="admin",code="500"}', total="x"), [GOOD])
    assert got.error == (
        'good selector http_requests_total{job="admin",code="500"} matches no series in the last 33d5m '
        "(http_requests_total exists, but no series of it has all these labels)"
    )


def test_no_similar_name() -> None:
    got, _ = verdict(ratio(good="zzz_qqq", total="http_requests_total"), [GOOD])
    assert got.error == (
        "good selector zzz_qqq matches no series in the last 33d5m (no metric of that name or a similar one)"
    )


def test_an_absent_bad_counter_counts_zero_with_a_note() -> None:
    got, _ = verdict(
        ratio(bad='http_requests_total{job="admin",code="503"}', total="http_requests_total"), [BAD]
    )
    assert got == Verdict(
        None,
        (
            'bad selector http_requests_total{job="admin",code="503"} matches no series in the last 33d5m '
            '(http_requests_total exists; did you mean code="500"?): counted as zero bad events, as for an '
            "error counter that never fired",
        ),
    )


def test_series_that_exist_but_counted_nothing_are_left_as_no_data() -> None:
    got, requests = verdict(
        ratio(good='http_requests_total{job="admin"}', total="http_requests_total"), [GOOD]
    )
    assert got == Verdict()
    assert requests == ['series http_requests_total{job="admin"}']


def test_nothing_is_looked_up_while_every_role_has_data() -> None:
    got, requests = verdict(ratio(good="nope", total="nope_either"), [])
    assert (got, requests) == (Verdict(), [])


def test_missing_histogram_suggests_the_base_name() -> None:
    s = sli({"latency": {"histogram": 'http_request_duration_second{job="search"}', "threshold": 0.25}})
    got, _ = verdict(
        s,
        [GOOD, TOTAL],
        bucket='http_request_duration_second_bucket{job="search"}',
        count='http_request_duration_second_count{job="search"}',
    )
    histogram = 'histogram http_request_duration_second{job="search"}'
    assert got.error == (
        f'{histogram}: no series http_request_duration_second_bucket{{job="search"}} in the last 33d5m (did '
        f"you mean http_request_duration_seconds?); {histogram}: no series "
        'http_request_duration_second_count{job="search"} in the last 33d5m (did you mean '
        "http_request_duration_seconds?)"
    )


def test_query_slis_name_only_the_selectors_that_match_nothing() -> None:
    s = ratio(
        good_query='sum(increase(app_ok_total{job="payments"}[{{ window }}]))',
        total_query='sum(increase(app_all_total{job="payments"}[{{ window }}])) * on() group_left sum(up)',
    )
    got, _ = verdict(s, [GOOD, TOTAL])
    assert got.error == (
        'good_query selector app_ok_total{job="payments"} matches no series in the last 33d5m (did you mean '
        "app_all_total?); total_query selector up matches no series in the last 33d5m (no metric of that "
        "name or a similar one)"
    )


def test_time_slice_query_with_a_missing_selector() -> None:
    s = sli({"timeslices": {"query": 'min(probe_sucess{job="blackbox"})', "good": ">= 1"}})
    got, _ = verdict(s, [VALUE])
    assert got.error == (
        'query selector probe_sucess{job="blackbox"} matches no series in the last 33d5m '
        "(no metric of that name or a similar one)"
    )


def test_empty_roles() -> None:
    nan = np.full(3, np.nan)
    series = {GOOD: nan, TOTAL: np.array([np.nan, 0.0, np.nan]), BAD: np.array([])}
    assert empty_roles(series) == [GOOD, BAD]


def test_suggest_up_to_three_names() -> None:
    names = ["up", "grpc_requests_total", "http_request_total_x", "http_requests_total"]
    assert suggest("http_request_total", names) == [
        "http_requests_total",
        "http_request_total_x",
        "grpc_requests_total",
    ]
    assert suggest("h_bucket", ["hh_bucket", "hh_count", "x"], "_bucket") == ["hh"]


def test_a_metric_newer_than_the_evaluation_time_is_no_data_with_a_note_not_a_typo() -> None:
    # A counter deployed three minutes ago: the report's time is aligned down to 5 minutes, so the range
    # holds none of its series, but the server has them since. That is no data yet, not a definition error.
    index = Index(later=({"__name__": "orders_total", "job": "shop"},))
    wanted = expressions(ratio(good='orders_total{job="shop",code!~"5.."}', total='orders_total{job="shop"}'))
    got = judge(wanted, [GOOD, TOTAL], index, "33d5m")
    assert got.error is None
    assert got.notes == (
        'good selector orders_total{job="shop",code!~"5.."}: its series begin after the evaluation time; '
        "no data before it",
        'total selector orders_total{job="shop"}: its series begin after the evaluation time; '
        "no data before it",
    )


def test_a_typo_is_still_a_typo_when_the_index_is_asked_about_later_series() -> None:
    index = Index(later=({"__name__": "orders_total", "job": "shop"},))
    got = judge(expressions(ratio(good="ordres_total", total="orders_total")), [GOOD], index, "33d5m")
    assert (
        got.error == "good selector ordres_total matches no series in the last 33d5m "
        "(no metric of that name or a similar one)"
    )
