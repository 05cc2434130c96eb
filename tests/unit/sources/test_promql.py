from __future__ import annotations

from datetime import timedelta

import pytest

from slokit.sources.promql import match_le, parse_window_label, queries, window_totals, with_matcher
from slokit.spec.models import SLI

FIVE = timedelta(minutes=5)


def sli(data: dict) -> SLI:
    return SLI.model_validate(data)


def test_ratio_selectors_become_one_increase_per_role() -> None:
    got = queries(sli({"ratio": {"good": 'x{code!~"5.."}', "total": "x"}}), FIVE)
    assert got == {"good": 'sum(increase(x{code!~"5.."}[5m]))', "total": "sum(increase(x[5m]))"}


def test_bad_selector() -> None:
    got = queries(sli({"ratio": {"bad": 'x{code=~"5.."}', "total": 'x{job="a"}'}}), timedelta(minutes=1))
    assert got == {"bad": 'sum(increase(x{code=~"5.."}[1m]))', "total": 'sum(increase(x{job="a"}[1m]))'}


def test_custom_queries_get_the_step_for_the_window_placeholder() -> None:
    got = queries(
        sli(
            {
                "ratio": {
                    "bad_query": "sum(increase(e[{{window}}]))",
                    "total_query": "sum(rate(t[{{ window }}]))*300",
                }
            }
        ),
        FIVE,
    )
    assert got == {"bad": "sum(increase(e[5m]))", "total": "sum(rate(t[5m]))*300"}


def test_latency_uses_bucket_and_count_with_the_servers_le_spelling() -> None:
    got = queries(sli({"latency": {"histogram": 'h{job="s"}', "threshold": 1}}), FIVE, le="1.0")
    assert got == {
        "good": 'sum(increase(h_bucket{job="s",le="1.0"}[5m]))',
        "total": 'sum(increase(h_count{job="s"}[5m]))',
    }


def test_latency_without_le_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="le"):
        queries(sli({"latency": {"histogram": "h", "threshold": 1}}), FIVE)


def test_timeslices_query_is_used_as_is() -> None:
    got = queries(sli({"timeslices": {"query": "min(up)", "good": ">= 1"}}), timedelta(minutes=1))
    assert got == {"value": "min(up)"}


@pytest.mark.parametrize(
    ("selector", "suffix", "matcher", "expected"),
    [
        ("h", "_bucket", 'le="0.25"', 'h_bucket{le="0.25"}'),
        ("h{}", "_count", None, "h_count{}"),
        ('h{job="a",}', "_bucket", 'le="1"', 'h_bucket{job="a",le="1"}'),
        (' h { job="a" } ', "_count", None, 'h_count{job="a"}'),
    ],
)
def test_with_matcher(selector: str, suffix: str, matcher: str | None, expected: str) -> None:
    assert with_matcher(selector, suffix, matcher) == expected


@pytest.mark.parametrize(
    ("threshold", "values", "expected"),
    [
        (0.25, ["0.1", "0.250", "+Inf"], "0.250"),
        (1.0, ["0.5", "1.0", "2.5"], "1.0"),
        (1.0, ["1", "1.0"], "1"),
        (0.3, ["0.25", "0.5", "+Inf"], None),
        (0.3, ["garbage"], None),
    ],
)
def test_match_le_compares_numbers_not_strings(
    threshold: float, values: list[str], expected: str | None
) -> None:
    assert match_le(threshold, values) == expected


def test_window_totals_ask_every_role_over_every_window_in_one_query() -> None:
    """Each window's own increase, labelled ``<role>/<seconds>`` so the parts survive ``or``."""
    got = window_totals(sli({"ratio": {"bad": 'x{code="5xx"}', "total": "x"}}), [FIVE, timedelta(days=30)])
    assert got == (
        'label_replace(sum(increase(x{code="5xx"}[5m])), "slokit_window", "bad/300", "", "")'
        ' or label_replace(sum(increase(x[5m])), "slokit_window", "total/300", "", "")'
        ' or label_replace(sum(increase(x{code="5xx"}[30d])), "slokit_window", "bad/2592000", "", "")'
        ' or label_replace(sum(increase(x[30d])), "slokit_window", "total/2592000", "", "")'
    )


def test_window_totals_put_the_window_into_custom_queries_and_calendar_lengths() -> None:
    """A ``*_query`` gets the window for its placeholder; a calendar month so far is an odd length."""
    so_far = timedelta(days=30, hours=20)
    got = window_totals(
        sli(
            {
                "ratio": {
                    "good_query": "sum(increase(ok[{{ window }}]))",
                    "total_query": "sum(increase(all[{{window}}]))",
                }
            }
        ),
        [so_far],
    )
    assert got == (
        'label_replace(sum(increase(ok[30d20h])), "slokit_window", "good/2664000", "", "")'
        ' or label_replace(sum(increase(all[30d20h])), "slokit_window", "total/2664000", "", "")'
    )


def test_window_totals_of_a_histogram_use_bucket_and_count() -> None:
    got = window_totals(sli({"latency": {"histogram": 'h{job="s"}', "threshold": 1}}), [FIVE], le="1.0")
    assert got == (
        'label_replace(sum(increase(h_bucket{job="s",le="1.0"}[5m])), "slokit_window", "good/300", "", "")'
        ' or label_replace(sum(increase(h_count{job="s"}[5m])), "slokit_window", "total/300", "", "")'
    )


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("total/300", ("total", FIVE)),
        ("good/2592000", ("good", timedelta(days=30))),
        ("total", None),
        ("/5", None),
    ],
)
def test_parse_window_label(label: str, expected: tuple[str, timedelta] | None) -> None:
    assert parse_window_label(label) == expected


def test_window_totals_end_a_commented_query_with_a_line_break() -> None:
    # A PromQL comment runs to the end of the line: without the break it swallowed label_replace's arguments
    # and closing parenthesis, and the server refused a query that runs fine alone.
    got = window_totals(
        sli(
            {
                "ratio": {
                    "bad_query": "sum(increase(err[{{ window }}])) # 5xx",
                    "total_query": "sum(increase(all[{{ window }}]))",
                }
            }
        ),
        [FIVE],
    )
    assert got == (
        'label_replace(sum(increase(err[5m])) # 5xx\n, "slokit_window", "bad/300", "", "")'
        ' or label_replace(sum(increase(all[5m])), "slokit_window", "total/300", "", "")'
    )
