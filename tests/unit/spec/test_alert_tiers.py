"""Alert tiers of a definition on short windows (issue 10, point 2): the defaults are scaled to each
objective's window and step, tiers written in the file are kept as written, and tiers that do not fit the
window they watch are refused with the other problems of the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slokit import pipeline
from slokit.errors import DefinitionError
from slokit.spec import load

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)

HEAD = """\
apiVersion: slokit/v1
service: checkout
owners:
  operational: {team: platform-ops}
"""


def objective(name: str, window: str | None = None) -> str:
    own = f"    window: {window}\n" if window else ""
    return f"""\
  - name: {name}
    kind: operational
    target: 99.9
{own}    sli:
      ratio:
        good: http_requests_total{{code!~"5.."}}
        total: http_requests_total
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checkout.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def tiers_by_objective(path: Path) -> dict[str, list[tuple[str, timedelta, timedelta, float]]]:
    return {
        p.objective.name: [(t.severity, t.long, t.short, round(t.budget_percent, 6)) for t in p.tiers]
        for p in pipeline.plan(load([path]), AT)
    }


def test_default_tiers_are_scaled_to_each_objectives_window(tmp_path: Path) -> None:
    # The service's 1h window (1m steps) and a 30d override: 1h gets the scaled table (2m/1m at 6x is
    # 20 % of the budget, 2m/1m at 3x 10 %, 5m/1m at 1x 5/60 = 8.33 %), 30d the workbook's own.
    text = HEAD + "window: 1h\nobjectives:\n" + objective("fast") + objective("monthly", "30d")
    tiers = tiers_by_objective(write(tmp_path, text))
    assert tiers["fast"] == [
        ("page", 2 * M, M, 20.0),
        ("ticket", 2 * M, M, 10.0),
        ("ticket", 5 * M, M, round(100 / 12, 6)),
    ]
    assert tiers["monthly"] == [
        ("page", H, 5 * M, 2.0),
        ("page", 6 * H, 30 * M, 5.0),
        ("ticket", D, 2 * H, 10.0),
        ("ticket", 3 * D, 6 * H, 10.0),
    ]


def test_tiers_written_in_the_file_are_kept_and_the_other_severity_is_scaled(tmp_path: Path) -> None:
    text = (
        HEAD
        + "window: 7d\nobjectives:\n"
        + objective("weekly")
        + "alerting:\n  page:\n    - {long: 2h, short: 10m, budget: 7}\n"
    )
    assert tiers_by_objective(write(tmp_path, text))["weekly"] == [
        ("page", 2 * H, 10 * M, 7.0),
        # 1d and 3d times 7/30 (5h36m/28m, 16h48m/1h24m) snapped to round durations: 6h/30m and 18h/1h,
        # keeping 3x and 1x: 3 * 6h / 7d and 1 * 18h / 7d of the budget
        ("ticket", 6 * H, 30 * M, pytest.approx(3 * 360 / 10080 * 100)),
        ("ticket", 18 * H, H, pytest.approx(1 * 1080 / 10080 * 100)),
    ]


def test_a_severity_turned_off_stays_off(tmp_path: Path) -> None:
    text = HEAD + "window: 1h\nobjectives:\n" + objective("fast") + "alerting: {page: []}\n"
    assert [t[0] for t in tiers_by_objective(write(tmp_path, text))["fast"]] == ["ticket", "ticket"]


def test_a_tier_as_long_as_the_window_fits(tmp_path: Path) -> None:
    text = (
        HEAD
        + "window: 1d\nobjectives:\n"
        + objective("daily")
        + "alerting:\n  ticket:\n    - {long: 1d, short: 1h, budget: 100}\n"
    )
    assert tiers_by_objective(write(tmp_path, text))["daily"][-1] == ("ticket", D, H, 100.0)


def test_the_services_window_is_not_held_against_tiers_when_every_objective_has_its_own(
    tmp_path: Path,
) -> None:
    text = (
        HEAD
        + "window: 1h\nobjectives:\n"
        + objective("monthly", "30d")
        + "alerting:\n  ticket:\n    - {long: 3d, short: 6h, budget: 10}\n"
    )
    assert tiers_by_objective(write(tmp_path, text))["monthly"][-1] == ("ticket", 3 * D, 6 * H, 10.0)


def test_a_tier_longer_than_the_window_is_reported_beside_schema_errors(tmp_path: Path) -> None:
    text = (
        HEAD
        + "window: 1h\nobjectives:\n"
        + objective("fast").replace("target: 99.9", "target: 120")
        + "alerting:\n  ticket:\n    - {long: 3d, short: 6h, budget: 10}\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load([path])
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:9: objectives[0].target: must be below 100 (got 120)",
        f"{path}:16: alerting.ticket[0].long: 3d is longer than the service's window (1h): a tier must fit "
        "in the window it watches (leave out alerting.ticket for tiers scaled to each window)",
    ]


def test_default_tiers_are_scaled_once_per_window_and_step_and_each_objective_keeps_its_own(
    tmp_path: Path,
) -> None:
    """Planning caches the scaled tiers (the exact scaling was 90 % of planning 200 objectives): five
    objectives on three (window, step) pairs scale three times, and each still gets its own window's
    tiers, as the uncached scaling gives them."""
    from slokit.engine import default_alert_tiers

    text = (
        HEAD
        + "window: 28d\nobjectives:\n"
        + objective("a")
        + objective("b", "1h")
        + objective("c")
        + objective("d", "1h")
        + objective("e", "7d")
    )
    path = write(tmp_path, text)
    default_alert_tiers.cache_clear()
    plans = {p.objective.name: p for p in pipeline.plan(load([path]), AT)}
    info = default_alert_tiers.cache_info()
    assert (info.misses, info.hits) == (3, 2)
    for p in plans.values():
        assert p.tiers == default_alert_tiers.__wrapped__(p.window, p.query.step), p.objective.name
    assert [plans[name].query.step for name in "abcde"] == [5 * M, M, 5 * M, M, 5 * M]
    assert plans["a"].tiers == plans["c"].tiers
    assert plans["b"].tiers == plans["d"].tiers
    assert len({plans["a"].tiers, plans["b"].tiers, plans["e"].tiers}) == 3
    assert plans["a"].tiers[0].long == H and plans["b"].tiers[0].long == 2 * M
