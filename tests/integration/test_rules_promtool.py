"""The generated alerts under `promtool test rules`, one scenario per SLI kind and burn level.

Each definition has two objectives of the kind under test: `hot`, fed the scenario's error fraction, and
`calm`, fed clean traffic. Expected alerts follow from the fractions alone: target 99 (budget 1 %), the
default tiers for 30 days page at burn 14.4 (1h/5m) and 6 (6h/30m) and open tickets at 3 (1d/2h) and
1 (3d/6h); burn = fraction / 0.01. promtool evaluates every group each `evaluation_interval`, which is set
to the group's own interval (5m; the slice length for time slices).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from slokit.cli import run

from .servers import require_binary

pytestmark = pytest.mark.integration

MINUTES = 60 * 14  # 14 hours of input, one sample a minute


def _counter(per_minute: float) -> str:
    return f"0+{per_minute:g}x{MINUTES}"


@dataclass(frozen=True)
class Kind:
    name: str
    sli: Callable[[str], str]  # the `sli:` block (YAML) reading job=<job>
    series: Callable[[str, float | None], list[tuple[str, str]]]  # job, bad fraction (None: no traffic)
    interval: str = "5m"
    slices: bool = False


def _ratio_series(job: str, fraction: float | None) -> list[tuple[str, str]]:
    rate = 0.0 if fraction is None else 1000.0
    bad = rate * (fraction or 0.0)
    return [
        (f'http_requests_total{{job="{job}",code="200"}}', _counter(rate - bad)),
        (f'http_requests_total{{job="{job}",code="500"}}', _counter(bad)),
    ]


def _query_series(job: str, fraction: float | None) -> list[tuple[str, str]]:
    rate = 0.0 if fraction is None else 1000.0
    return [
        (f'app_ok_total{{job="{job}"}}', _counter(rate * (1 - (fraction or 0.0)))),
        (f'app_all_total{{job="{job}"}}', _counter(rate)),
    ]


def _histogram_series(job: str, fraction: float | None) -> list[tuple[str, str]]:
    # Exported by a Python client: the 1 s bound is spelt "1.0"; the definition says `threshold: 1`.
    rate = 0.0 if fraction is None else 1000.0
    fast = rate * (1 - (fraction or 0.0))
    return [
        (f'latency_seconds_bucket{{job="{job}",le="0.5"}}', _counter(fast / 2)),
        (f'latency_seconds_bucket{{job="{job}",le="1.0"}}', _counter(fast)),
        (f'latency_seconds_bucket{{job="{job}",le="+Inf"}}', _counter(rate)),
        (f'latency_seconds_count{{job="{job}"}}', _counter(rate)),
    ]


def _slice_series(job: str, fraction: float | None) -> list[tuple[str, str]]:
    if fraction is None:
        return [(f'probe_success{{job="{job}"}}', f"_x{MINUTES}")]  # no samples: no slices
    every = round(1 / fraction) if fraction else 0
    values = ["0" if every and (i + 1) % every == 0 else "1" for i in range(MINUTES + 1)]
    return [(f'probe_success{{job="{job}"}}', " ".join(values))]


KINDS = [
    Kind(
        "ratio-good",
        lambda job: (
            f'ratio: {{good: \'http_requests_total{{job="{job}",code!~"5.."}}\', '
            f"total: 'http_requests_total{{job=\"{job}\"}}'}}"
        ),
        _ratio_series,
    ),
    Kind(
        "ratio-bad",
        lambda job: (
            f'ratio: {{bad: \'http_requests_total{{job="{job}",code=~"5.."}}\', '
            f"total: 'http_requests_total{{job=\"{job}\"}}'}}"
        ),
        _ratio_series,
    ),
    Kind(
        "query",
        lambda job: (
            f"ratio: {{good_query: 'sum(increase(app_ok_total{{job=\"{job}\"}}[{{{{ window }}}}]))', "
            f"total_query: 'sum(increase(app_all_total{{job=\"{job}\"}}[{{{{ window }}}}]))'}}"
        ),
        _query_series,
    ),
    Kind(
        "latency",
        lambda job: f"latency: {{histogram: 'latency_seconds{{job=\"{job}\"}}', threshold: 1}}",
        _histogram_series,
    ),
    Kind(
        "timeslices",
        lambda job: f"timeslices: {{query: 'min(probe_success{{job=\"{job}\"}})', good: '>= 1', slice: 1m}}",
        _slice_series,
        interval="1m",
        slices=True,
    ),
]


def _definition(kind: Kind) -> str:
    objectives = "".join(
        f"  - name: {job}\n    kind: application\n    target: 99\n    sli:\n      {kind.sli(job)}\n"
        for job in ("hot", "calm")
    )
    return (
        "apiVersion: slokit/v1\nservice: api\n"
        "owners:\n  operational: {team: platform-ops}\n  application: {team: api-dev}\n"
        "labels: {domain: shop}\nwindow: 30d\n"
        f"objectives:\n{objectives}"
    )


BURN = "ErrorBudgetBurn"


def _counts(*rows: tuple[str, str, int]) -> list[dict[str, object]]:
    return [
        {"labels": f'{{alertname="{alert}",objective="hot",severity="{severity}"}}', "value": n}
        for alert, severity, n in rows
    ]


FIRING = 'count by (alertname, objective, severity) (ALERTS{alertstate="firing"})'

# Scenario: the hot objective's bad fraction, and the alerts firing at each time (count per alert/severity).
SCENARIOS: dict[str, tuple[float | None, list[tuple[str, list[dict[str, object]]]]]] = {
    # 50x: both page tiers and both ticket tiers, and the budget (of the 2 hours seen) is gone.
    "far-above-page": (
        0.5,
        [("2h", _counts((BURN, "page", 2), (BURN, "ticket", 2), ("ErrorBudgetExhausted", "ticket", 1)))],
    ),
    # 4x: over 3 (1d/2h) and 1 (3d/6h), under 6 and 14.4: tickets and no page.
    "between-ticket-and-page": (
        0.04,
        [("3h", _counts((BURN, "ticket", 2), ("ErrorBudgetExhausted", "ticket", 1)))],
    ),
    # 0.5x for hours: nothing at all (half the budget is left, above the 25 % warning).
    "under-1x": (0.005, [(t, []) for t in ("1h", "6h", "12h")]),
    # No traffic: no error ratio, so no burn alert, and no budget figure to alert on.
    "zero-traffic": (None, [(t, []) for t in ("1h", "6h", "12h")]),
    # 0.8x: 20 % of the budget left (below the policy's 25 %): ErrorBudgetLow only.
    "low-budget": (0.008, [("12h", _counts(("ErrorBudgetLow", "ticket", 1)))]),
}


# Time slices: the budget is 1 % of all 43,200 slices of 30 days (432), however few have data so far. Half of
# 2 hours bad (60 slices) leaves most of it; every slice bad spends it in 7.2 hours.
SLICE_SCENARIOS = {
    **{name: scenario for name, scenario in SCENARIOS.items() if name != "low-budget"},
    "far-above-page": (0.5, [("2h", _counts((BURN, "page", 2), (BURN, "ticket", 2)))]),
    "between-ticket-and-page": (0.04, [("3h", _counts((BURN, "ticket", 2)))]),
    # 360 bad slices of 432 allowed at 6 h: 17 % left (low); 480 at 8 h: exhausted.
    "low-then-exhausted": (
        1.0,
        [
            ("6h", _counts((BURN, "page", 2), (BURN, "ticket", 2), ("ErrorBudgetLow", "ticket", 1))),
            ("8h", _counts((BURN, "page", 2), (BURN, "ticket", 2), ("ErrorBudgetExhausted", "ticket", 1))),
        ],
    ),
}


def _test_file(kind: Kind, rules: Path) -> dict[str, object]:
    tests = []
    for name, (fraction, checks) in (SLICE_SCENARIOS if kind.slices else SCENARIOS).items():
        series = kind.series("hot", fraction) + kind.series("calm", 0.0)
        tests.append(
            {
                "name": f"{kind.name}: {name}",
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series],
                "promql_expr_test": [
                    {"expr": FIRING, "eval_time": at, "exp_samples": expected} for at, expected in checks
                ],
            }
        )
    return {"rule_files": [str(rules)], "evaluation_interval": kind.interval, "tests": tests}


def _promtool_test(tmp_path: Path, definition: str, test: dict[str, object]) -> None:
    promtool = require_binary("promtool", "prometheus")
    (tmp_path / "api.yaml").write_text(definition, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    assert run(["rules", str(tmp_path / "api.yaml"), "-o", str(rules)]) == 0
    test_file = tmp_path / "test.yaml"
    test_file.write_text(json.dumps(test, indent=1), encoding="utf-8")  # JSON is YAML
    done = subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_burn_alerts_fire_by_tier_for_the_burning_objective_only(kind: Kind, tmp_path: Path) -> None:
    test = _test_file(kind, tmp_path / "rules.yaml")
    _promtool_test(tmp_path, _definition(kind), test)


def test_a_page_carries_the_owner_labels_and_says_what_burns(tmp_path: Path) -> None:
    kind = KINDS[1]
    series = kind.series("hot", 0.5) + kind.series("calm", 0.0)
    labels = {
        "domain": "shop",
        "kind": "application",
        "long_window": "1h",
        "objective": "hot",
        "service": "api",
        "severity": "page",
        "short_window": "5m",
        "team": "api-dev",
    }
    test = {
        "rule_files": [str(tmp_path / "rules.yaml")],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series],
                "promql_expr_test": [
                    {
                        "expr": 'ALERTS{alertname="ErrorBudgetBurn",severity="page",long_window="1h"}',
                        "eval_time": "2h",
                        "exp_samples": [
                            {
                                "labels": "ALERTS{"
                                + ",".join(
                                    f'{k}="{v}"'
                                    for k, v in {"alertname": BURN, "alertstate": "firing", **labels}.items()
                                )
                                + "}",
                                "value": 1,
                            }
                        ],
                    }
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "2h",
                        "alertname": "ErrorBudgetExhausted",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **labels,
                                    "severity": "ticket",
                                    "long_window": "30d",
                                    "short_window": "30d",
                                },
                                "exp_annotations": {
                                    # 500 bad of 1000 a minute: error ratio 0.5, 50x the 1 % budget.
                                    "summary": "api/hot: error budget exhausted",
                                    "description": "api/hot has spent its error budget over 30d "
                                    "(-4900% left); policy: releases freeze (exhausted).",
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }
    _promtool_test(tmp_path, _definition(kind), test)


def _quiet_definition(extra: str) -> str:
    return (
        "apiVersion: slokit/v1\nservice: api\nowners: {application: {team: api-dev}}\n"
        f"alerting: {{{extra}}}\n"
        "objectives:\n"
        "  - name: hot\n    kind: application\n    target: 99\n    sli:\n      " + KINDS[1].sli("hot") + "\n"
    )


@pytest.mark.parametrize(("extra", "burning"), [("", True), ("min_events: 1000", False)])
def test_min_events_keeps_a_low_traffic_service_quiet(extra: str, burning: bool, tmp_path: Path) -> None:
    # 10 requests a minute, half of them failing (50x): 900 requests in 90 minutes, under 1,000 in every long
    # window (1h, 6h, 1d, 3d), so no burn alert; the spent budget still says so.
    series = [
        ('http_requests_total{job="hot",code="200"}', _counter(5)),
        ('http_requests_total{job="hot",code="500"}', _counter(5)),
    ]
    burns = [(BURN, "page", 2), (BURN, "ticket", 2)] if burning else []
    test = {
        "rule_files": [str(tmp_path / "rules.yaml")],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series],
                "promql_expr_test": [
                    {
                        "expr": FIRING,
                        "eval_time": "90m",
                        "exp_samples": _counts(*burns, ("ErrorBudgetExhausted", "ticket", 1)),
                    }
                ],
            }
        ],
    }
    _promtool_test(tmp_path, _quiet_definition(extra), test)


def test_absent_series_fire_their_own_alert_after_absent_for(tmp_path: Path) -> None:
    # The counters stop after 30 minutes (a renamed metric): 15 minutes later the alert fires; before, not.
    series = [
        ('http_requests_total{job="hot",code="200"}', "0+10x30 _x60"),
        ('http_requests_total{job="hot",code="500"}', "0x30 _x60"),
    ]
    absent = 'count by (alertname, objective, severity, long_window) (ALERTS{alertstate="firing"})'
    test = {
        "rule_files": [str(tmp_path / "rules.yaml")],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series],
                "promql_expr_test": [
                    {"expr": absent, "eval_time": "40m", "exp_samples": []},
                    {
                        "expr": absent,
                        "eval_time": "55m",
                        "exp_samples": [
                            {
                                "labels": '{alertname="SLISeriesAbsent",long_window="15m",objective="hot",'
                                'severity="ticket"}',
                                "value": 1,
                            }
                        ],
                    },
                ],
            }
        ],
    }
    _promtool_test(tmp_path, _quiet_definition("absent_for: 15m"), test)
