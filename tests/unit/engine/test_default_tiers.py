"""Default alert tiers scaled to the window (issue 10, point 2).

The workbook's 30-day table (1h/5m at 14.4x, 6h/30m at 6x, 1d/2h at 3x, 3d/6h at 1x) has each window
multiplied by ``W / 30d``, snapped to the nearest round duration on a log scale (1m, 2m, 5m, 10m, 15m, 20m,
30m, 45m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 18h, 1d, 2d, 3d, 4d, 5d, 7d, 10d, 14d, ...) and rounded to whole
evaluation steps (1m under a day, 5m otherwise); the factor stays. The expected tables below are worked
out by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import CalendarWindow, default_alert_tiers, evaluate, tier_factor
from slokit.engine.inputs import AlertTier

M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)
AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def table(
    window: timedelta | CalendarWindow, step: timedelta
) -> list[tuple[str, timedelta, timedelta, float]]:
    length = window if isinstance(window, timedelta) else timedelta(days=30)
    return [
        (t.severity, t.long, t.short, round(tier_factor(t, length), 9))
        for t in default_alert_tiers(window, step)
    ]


@pytest.mark.parametrize(
    ("window", "step", "expected"),
    [
        # 30 d: the workbook itself.
        (
            30 * D,
            5 * M,
            [
                ("page", H, 5 * M, 14.4),
                ("page", 6 * H, 30 * M, 6),
                ("ticket", D, 2 * H, 3),
                ("ticket", 3 * D, 6 * H, 1),
            ],
        ),
        # 90 d: everything times 3; 90m lies above 85m (the log-scale midpoint of 1h and 2h) -> 2h, and 9d
        # above 8.4d (of 7d and 10d) -> 10d.
        (
            90 * D,
            5 * M,
            [
                ("page", 3 * H, 15 * M, 14.4),
                ("page", 18 * H, 2 * H, 6),
                ("ticket", 3 * D, 6 * H, 3),
                ("ticket", 10 * D, 18 * H, 1),
            ],
        ),
        # 28 d, times 14/15: 56m -> 1h, 4m40s -> 5m; 5h36m -> 6h, 28m -> 30m; 22h24m -> 1d (above 20.8h,
        # the midpoint of 18h and 1d), 1h52m -> 2h; 67h12m -> 3d, 5h36m -> 6h: the workbook's windows.
        (
            28 * D,
            5 * M,
            [
                ("page", H, 5 * M, 14.4),
                ("page", 6 * H, 30 * M, 6),
                ("ticket", D, 2 * H, 3),
                ("ticket", 3 * D, 6 * H, 1),
            ],
        ),
        # 7 d, times 7/30: 14m -> 15m, 70s -> 1m -> 5m (one step); 84m -> 1h (under 85m), 7m -> 5m (under
        # 7.07m); 5h36m -> 6h, 28m -> 30m; 16h48m -> 18h (above 14.7h), 84m -> 1h.
        (
            7 * D,
            5 * M,
            [
                ("page", 15 * M, 5 * M, 14.4),
                ("page", H, 5 * M, 6),
                ("ticket", 6 * H, 30 * M, 3),
                ("ticket", 18 * H, H, 1),
            ],
        ),
        # 1 d, times 1/30, 5m steps: 2m -> 2m -> 10m and 12m -> 10m (a step more than the 5m short
        # window), so the 14.4x page tier has the 6x tier's windows and is left out (6x fires first);
        # 48m -> 45m, 4m -> 5m; 2h24m -> 2h (under 2h27m), 12m -> 10m.
        (
            1 * D,
            5 * M,
            [("page", 10 * M, 5 * M, 6), ("ticket", 45 * M, 5 * M, 3), ("ticket", 2 * H, 10 * M, 1)],
        ),
        # 1 h, times 1/720, 1m steps: 5s and 30s -> 1m -> 2m (a step more than the short window), short
        # windows -> 1m; 2m stays; 6m -> 5m (under 7.07m).
        (1 * H, M, [("page", 2 * M, M, 6), ("ticket", 2 * M, M, 3), ("ticket", 5 * M, M, 1)]),
        # 5 m: every window is floored to 2m/1m; only the 1x tier spends under the whole budget there
        # (1 * 2m / 5m = 40 %; 3x would be 120 %).
        (5 * M, M, [("ticket", 2 * M, M, 1)]),
        # A calendar month scales by its nominal 30 days: the workbook table.
        (
            CalendarWindow("month"),
            5 * M,
            [
                ("page", H, 5 * M, 14.4),
                ("page", 6 * H, 30 * M, 6),
                ("ticket", D, 2 * H, 3),
                ("ticket", 3 * D, 6 * H, 1),
            ],
        ),
    ],
    ids=["30d", "90d", "28d", "7d", "1d", "1h", "5m", "month"],
)
def test_default_tiers_scale_with_the_window_and_keep_the_factors(
    window: timedelta | CalendarWindow,
    step: timedelta,
    expected: list[tuple[str, timedelta, timedelta, float]],
) -> None:
    assert table(window, step) == [(s, long, short, pytest.approx(f)) for s, long, short, f in expected]


@pytest.mark.parametrize(
    "minutes", [5, 7, 10, 15, 30, 45, 60, 90, 6 * 60, 23 * 60, 24 * 60, 3 * 1440, 7 * 1440, 400 * 1440]
)
def test_no_default_tier_fires_below_a_burn_rate_of_1_or_spans_more_than_the_window(minutes: int) -> None:
    window = timedelta(minutes=minutes)
    step = M if window < D else 5 * M
    tiers = default_alert_tiers(window, step)
    assert tiers  # the 1x ticket tier always fits
    for tier in tiers:
        assert tier_factor(tier, window) >= 1.0 - 1e-12
        assert tier.budget_percent < 100.0
        assert step <= tier.short < tier.long <= window
        assert tier.short % step == timedelta(0) and tier.long % step == timedelta(0)


def test_explicit_tiers_are_used_as_given(make_input) -> None:
    mine = (AlertTier("page", 30 * M, 2 * M, 50.0),)
    total = np.full(60 + 3 * 1440, 1000.0)
    (r,) = evaluate([make_input(total, total, window=H, step=M, alert_tiers=mine)], AT)
    assert [(a.long_window, a.short_window, a.factor) for a in r.alerts] == [
        (30 * M, 2 * M, pytest.approx(1.0))
    ]


def test_a_1h_objective_with_a_few_bad_events_in_steady_traffic_does_not_page(make_input) -> None:
    # 250 requests a minute at 99.9 %: 15 bad events allowed in the hour. Four single failures (50, 35, 20
    # and 3 minutes ago) leave 11/15 = 73 % of the budget. Unscaled, the 1h/5m page tier had a factor of
    # 0.02 * 1h / 1h = 0.02 and paged on any of them (status warning); scaled, it pages at 6x over 2m:
    # one failure in 2 * 250 requests is 2x.
    steps = 60 + 3 * 1440
    total = np.full(steps, 250.0)
    good = total.copy()
    for minutes_ago in (50, 35, 20, 3):
        good[-1 - minutes_ago] -= 1
    (r,) = evaluate([make_input(good, total, window=H, step=M)], AT)

    assert r.error_budget is not None
    assert r.error_budget.remaining == pytest.approx(11 / 15)
    assert [(a.severity, a.long_window, a.short_window, a.factor) for a in r.alerts] == [
        ("page", 2 * M, M, pytest.approx(6.0)),
        ("ticket", 2 * M, M, pytest.approx(3.0)),
        ("ticket", 5 * M, M, pytest.approx(1.0)),
    ]
    assert not any(a.firing for a in r.alerts)
    assert r.status == "ok"
