"""Each team's priorities: objectives ranked by budget consumed over the span and by its trend."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from slokit.engine.history import Advice, PeriodFigures
from slokit.engine.periods import Period
from slokit.review.model import ObjectiveReview, Review, TeamPriority
from slokit.review.priorities import team_priorities

MONTHS = tuple(
    Period(datetime(2026, m, 1, tzinfo=UTC), datetime(2026, m + 1, 1, tzinfo=UTC), f"2026-{m:02d}")
    for m in range(9, 12)
)


def month(period: Period, events: tuple[float, float] | None, target: float) -> PeriodFigures:
    if events is None:
        return PeriodFigures(period, None, None, None, None, None, None, 0, None, 0, 0.0, {})
    total, bad = events
    return PeriodFigures(
        period,
        1 - bad / total,
        total - bad,
        total,
        bad,
        bad / ((1 - target) * total),
        True,
        0,
        None,
        0,
        0.0,
        {},
    )


def objective(
    name: str, events: Sequence[tuple[float, float] | None], *, team: str = "ops", target: float = 0.999,
    kind: str = "operational", error: str | None = None,
) -> ObjectiveReview:  # fmt: skip
    return ObjectiveReview(
        service="shop",
        objective=name,
        kind=kind,  # type: ignore[arg-type]
        team=team,
        target=target,
        window=timedelta(days=30),
        periods=() if error else tuple(month(p, e, target) for p, e in zip(MONTHS, events, strict=True)),
        alert_quality=(),
        default_alert_quality=(),
        advice=Advice(None, (), ()),
        attribution=(),
        incidents=(),
        releases=None,
        error=error,
    )


def test_objectives_are_ranked_by_the_budget_consumed_over_the_span() -> None:
    # Budget over the span: all bad events over 0.1 % of all events, so a busy month weighs more.
    busy_then_quiet = objective("checkout", [(1_000_000, 900), (100_000, 0), (100_000, 0)])  # 900 / 1200
    steady = objective("search", [(400_000, 200), (400_000, 200), (400_000, 200)])  # 600 / 1200
    quiet = objective("cart", [(10_000, 1), (10_000, 1), (10_000, 1)])  # 3 / 30
    (ops,) = team_priorities([quiet, steady, busy_then_quiet])
    assert [p.objective for p in ops.by_budget] == ["checkout", "search", "cart"]
    assert [p.budget_consumed for p in ops.by_budget] == pytest.approx([0.75, 0.5, 0.1])


def test_objectives_are_ranked_by_trend_last_period_minus_the_one_before() -> None:
    rising = objective("checkout", [(1_000_000, 0), (1_000_000, 100), (1_000_000, 700)])  # 0.1 -> 0.7: +0.6
    falling = objective("search", [(1_000_000, 0), (1_000_000, 900), (1_000_000, 300)])  # 0.9 -> 0.3: -0.6
    flat = objective("cart", [(1_000_000, 0), (1_000_000, 200), (1_000_000, 200)])  # 0
    (ops,) = team_priorities([falling, flat, rising])
    assert [p.objective for p in ops.by_trend] == ["checkout", "cart", "search"]
    assert [p.trend for p in ops.by_trend] == pytest.approx([0.6, 0.0, -0.6])


def test_unknown_figures_are_null_and_ranked_last() -> None:
    new = objective("new", [None, None, (1_000_000, 100)])  # one month of data: budget known, trend not
    gap = objective("gap", [(1_000_000, 100), None, (1_000_000, 100)])  # the month before the last unknown
    failed = objective("failed", [], error="query failed")
    ok = objective("ok", [(1_000_000, 10), (1_000_000, 20), (1_000_000, 50)])
    (ops,) = team_priorities([failed, new, gap, ok])
    by_budget = {p.objective: p for p in ops.by_budget}
    assert by_budget["new"].budget_consumed == pytest.approx(0.1)
    assert by_budget["new"].trend is None
    assert by_budget["gap"].trend is None
    assert by_budget["failed"] == TeamPriority("shop", "failed", None, None)
    assert [p.objective for p in ops.by_budget] == [
        "new",
        "gap",
        "ok",
        "failed",
    ]  # 0.1 (tie: review order), 0.0267, null
    assert [p.objective for p in ops.by_trend] == ["ok", "failed", "new", "gap"]  # +0.03, then unknowns


def test_teams_in_the_order_first_named_each_with_its_kind_when_it_has_one() -> None:
    teams = team_priorities(
        [
            objective("a", [(1, 0)] * 3, team="payments-dev", kind="application"),
            objective("b", [(1, 0)] * 3, team="platform-ops"),
            objective("c", [(1, 0)] * 3, team="payments-dev", kind="application"),
            objective("d", [(1, 0)] * 3, team="platform-ops", kind="application"),
        ]
    )
    assert [(t.team, t.kind) for t in teams] == [("payments-dev", "application"), ("platform-ops", None)]
    assert [p.objective for p in teams[0].by_budget] == ["a", "c"]


def test_time_slices_are_budgeted_on_all_slices_of_the_periods_with_data() -> None:
    # Hourly slices at 99.9 %: September (720 slices) and October (744) have data, November none. Half of
    # October's slices were missing: the budget still counts all of them, as the report does.
    uptime = dataclasses.replace(
        objective("uptime", [(720, 1), (372, 2), None]), timeslices=True, step=timedelta(hours=1)
    )
    (ops,) = team_priorities([uptime])
    assert ops.by_budget[0].budget_consumed == pytest.approx(3 / (0.001 * (720 + 744)))


def test_the_hand_built_review_priorities(review: Review) -> None:
    # The fixture states its priorities from its events (tests/unit/review/fixtures.py).
    computed = team_priorities(review.objectives)
    assert [(t.team, t.kind) for t in computed] == [(t.team, t.kind) for t in review.priorities]
    for got, want in zip(computed, review.priorities, strict=True):
        for ranking in ("by_budget", "by_trend"):
            mine, theirs = getattr(got, ranking), getattr(want, ranking)
            assert [(p.service, p.objective) for p in mine] == [(p.service, p.objective) for p in theirs]
            for p, q in zip(mine, theirs, strict=True):
                assert dataclasses.astuple(p)[2:] == pytest.approx(dataclasses.astuple(q)[2:])
