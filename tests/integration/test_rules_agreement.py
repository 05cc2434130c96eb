"""The rules agree with the report (issue 12, acceptance): on the data set of the Prometheus tests, the burn
rates and the budget the generated rules compute at an instant equal `slokit report --at` that instant.

How the rules are evaluated at a past instant: each recorded series the rules read is replaced by the
expression that records it, and a range over a recorded series by a subquery at the group's interval
(`sum_over_time(X[1h-1s])` -> `sum_over_time((expr of X)[59m59s:5m])`). A subquery's steps fall on multiples
of its step, as a group's evaluations fall on multiples of its interval, so the expanded expression, asked as
one instant query at the report's time, is what the rules would have recorded then.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from slokit.cli import run
from slokit.durations import format_duration
from slokit.rules import RecordingRule, build
from slokit.rules.build import ERROR_RATIO, REMAINING
from slokit.spec import load

from .servers import _instant

pytestmark = pytest.mark.integration

SLO_DIR = Path(__file__).parent / "slo"
AT = "2026-11-01T00:00:00Z"
BURN_TOLERANCE = 0.02  # relative
REMAINING_TOLERANCE = 0.005  # absolute
_RECORDED = re.compile(r'([a-z_]+:[a-z_:0-9]+)\{service="[^"]*",objective="[^"]*"\}(\[([^\]]+)\])?')


def expand(expr: str, records: dict[str, str], step: str) -> str:
    """``expr`` with every recorded series replaced by the expression that records it."""

    def replace(match: re.Match[str]) -> str:
        inner = f"({expand(records[match.group(1)], records, step)})"
        return f"{inner}[{match.group(3)}:{step}]" if match.group(2) else inner

    return _RECORDED.sub(replace, expr)


def _report(tmp_path: Path, url: str) -> dict[str, dict[str, Any]]:
    out = tmp_path / "report.json"
    code = run(
        ["report", str(SLO_DIR), "--format", "json", "--prometheus-url", url, "--at", AT, "-o", str(out)]
    )
    assert code in (0, 3)
    return {f"{o['service']}/{o['objective']}": o for o in json.loads(out.read_text())["objectives"]}


def _close(reported: float | None, ruled: float | None, *, rel: float = 0.0, abs_: float = 0.0) -> bool:
    if reported is None or ruled is None:
        return reported is None and ruled is None  # no events: no figure on either side
    return math.isclose(reported, ruled, rel_tol=rel, abs_tol=abs_ or 1e-12)


def test_rules_burn_rates_and_budget_equal_the_reports(prometheus_url: str, tmp_path: Path) -> None:
    report = _report(tmp_path, prometheus_url)
    at = 1_793_491_200  # AT in Unix seconds
    compared: dict[str, set[str]] = {}
    disagreements = []
    for item in build(load([SLO_DIR])):
        key = item.group.name.removeprefix("slokit/")
        reported = report[key]
        if reported["error"] is not None:
            continue
        records = {r.record: r.expr for r in item.group.rules if isinstance(r, RecordingRule)}
        step = format_duration(item.group.interval)
        budget = 1 - reported["target"]
        for window, burn in reported["burn_rates"].items():
            name = f"{ERROR_RATIO}{window}"
            if name not in records:
                name = f"{ERROR_RATIO}{step}"  # a window no longer than the step is the step's own
            ratio = _instant(prometheus_url, expand(records[name], records, step), at)
            ruled = None if ratio is None else ratio / budget
            if not _close(burn, ruled, rel=BURN_TOLERANCE):
                disagreements.append((key, window, burn, ruled))
        compared.setdefault(reported["sli_kind"], set()).add(key)
        if reported["calendar"] is not None:
            continue  # the rules' budget is of the last 30 days, the report's of the month (docs/rules.md)
        remaining = _instant(prometheus_url, expand(records[REMAINING], records, step), at)
        if not _close(reported["error_budget"]["remaining"], remaining, abs_=REMAINING_TOLERANCE):
            disagreements.append((key, "remaining", reported["error_budget"]["remaining"], remaining))
    assert disagreements == []
    # Every SLI kind was compared, on objectives with traffic and burning budget.
    assert set(compared) >= {"ratio", "latency", "timeslices"}, compared
    assert sum(len(keys) for keys in compared.values()) >= 10, compared
