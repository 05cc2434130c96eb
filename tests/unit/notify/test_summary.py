"""What the chat summary says: scope per team, counts, the objectives that need attention with their budget
left (figures by hand from the constant event rates of the builders) and time to exhaustion."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from slokit.engine import Policy, failed_result
from slokit.errors import UsageError
from slokit.notify.summary import summarize
from tests.unit.notify.builders import objective as make
from tests.unit.notify.builders import report


def demo() -> list:  # type: ignore[type-arg]
    return [
        make("checkout/availability", 0.0015),  # 150 % of the budget spent: -50 %
        make("checkout/order-completion", 0.0005, team="checkout-dev", kind="application"),  # 50 % left
        make("payments/queue-health", 0.002),  # -100 %
        make("search/search-latency", 0.0009, team="discovery-dev", kind="application"),  # 10 % left
    ]


def test_counts_and_attention_worst_first_least_budget_first() -> None:
    summary = summarize(report(*demo()))
    assert summary.counts == {"exhausted": 2, "warning": 1, "error": 0, "no_data": 0, "ok": 1}
    assert [f"{o.service}/{o.objective}" for o in summary.attention] == [
        "payments/queue-health",  # -100 %
        "checkout/availability",  # -50 %
        "search/search-latency",  # warning
    ]
    assert summary.news == "2 exhausted, 1 warning"
    assert summary.headline == "SLO summary: 2 exhausted, 1 warning (2026-11-20 09:00 UTC)"


def test_budget_left_by_formula() -> None:
    # allowed = 0.1 % of 8,640,000 = 8,640 bad events; 0.09 % bad spends 7,776: 864 (10 %) left, burn 0.9,
    # which never exhausts a rolling window: no forecast.
    [warning] = summarize(
        report(make("search/search-latency", 0.0009, team="discovery-dev"))
    ).attention_items()
    assert warning.title == "search/search-latency"
    assert warning.text == (
        "WARNING · budget left 10.0% (864 events) · no exhaustion forecast · owner discovery-dev "
        "(operational)"
    )
    # 0.2 % bad spends 17,280 of 8,640: -100 %, 8,640 events over.
    [spent] = summarize(report(make("payments/queue-health", 0.002))).attention_items()
    assert spent.text == (
        "EXHAUSTED · budget left -100.0% (-8,640 events) · budget spent · owner platform-ops (operational)"
    )


def test_time_to_exhaustion_shown_when_forecast() -> None:
    item = make("checkout/order-completion", 0.0009, team="checkout-dev", kind="application")
    item = dataclasses.replace(
        item, result=dataclasses.replace(item.result, time_to_exhaustion=timedelta(days=2, minutes=9))
    )
    [line] = summarize(report(item)).attention_items()
    assert "· runs out in 2d9m ·" in line.text


def test_source_error_listed_without_figures() -> None:
    item = make("payments/queue-health", 0.0005)
    item = dataclasses.replace(item, result=failed_result("payments/queue-health", "connection refused"))
    summary = summarize(report(item, make("search/search-latency", 0.0005)))
    assert summary.counts["error"] == 1
    [line] = summary.attention_items()
    assert line.text == "ERROR · not evaluated: the data source failed · owner platform-ops (operational)"


def test_team_summary_covers_its_services_both_kinds() -> None:
    # checkout-dev owns an objective of checkout: its summary counts checkout's operational one too (it
    # freezes checkout's releases), not payments or search.
    summary = summarize(report(*demo()), "checkout-dev")
    assert sorted(f"{o.service}/{o.objective}" for o in summary.objectives) == [
        "checkout/availability",
        "checkout/order-completion",
    ]
    assert summary.counts["exhausted"] == 1 and summary.counts["ok"] == 1
    assert [(s.team, s.kind) for s in summary.sections] == [("checkout-dev", "application")]
    assert [f.service for f in summary.freezes] == ["checkout"]
    assert summary.title == "SLO summary: checkout-dev"


def test_kind_summary_names_every_team_of_that_kind() -> None:
    summary = summarize(report(*demo()), "application")
    assert [s.team for s in summary.sections] == ["checkout-dev", "discovery-dev"]
    assert [i.title for i in summary.team_items()] == [
        "checkout-dev (application)",
        "discovery-dev (application)",
    ]
    assert [i.text for i in summary.team_items()] == ["1 ok", "1 warning"]


def test_freeze_follows_the_policy() -> None:
    frozen = make("checkout/order-completion", 0.0009, policy=Policy(freeze_on="warning"))
    not_frozen = make("search/search-latency", 0.0009)  # freeze_on: exhausted (default), at warning
    [line] = summarize(report(frozen, not_frozen)).freeze_items()
    assert line.title == "checkout"
    assert line.text == (
        "feature releases stop: order-completion is WARNING (freeze_on: warning, owner platform-ops)"
    )


def test_team_without_objectives_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no objectives of application in the selection"):
        summarize(report(make("payments/queue-health", 0.002)), "application")
    with pytest.raises(UsageError, match="no objectives selected"):
        summarize(report())
