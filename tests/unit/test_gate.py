"""The gate logic on hand-built reports: every status against every gate, exit codes and verdicts exactly."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import ObjectiveInput, ObjectiveResult, Policy, Status, evaluate
from slokit.engine.results import BURN_RATE_KEYS, AlertState, ErrorBudget, failed_result
from slokit.errors import ExitCode, UsageError
from slokit.gate import (
    FailOn,
    Gate,
    GateResult,
    Outcome,
    breach,
    evaluate_gate,
    exemption,
    objective_lines,
)
from slokit.report.junit import render_junit
from slokit.report.model import ObjectiveReport, Report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Remaining budget per status (a warning below the default warn_below of 25 %).
REMAINING = {"ok": 0.6, "warning": 0.118, "exhausted": -0.042}


def alert(severity: str, long: int, short: int, firing: bool) -> AlertState:
    return AlertState(
        severity,  # type: ignore[arg-type]
        timedelta(minutes=long),
        timedelta(minutes=short),
        14.4,
        20.0 if firing else 0.1,
        20.0 if firing else 0.1,
        firing,
    )


def result(key: str, status: Status, page: bool = False, ticket: bool = False) -> ObjectiveResult:
    if status == "error":
        return failed_result(key, f"{key}: Prometheus answered HTTP 503: busy")
    alerts = (alert("page", 60, 5, page), alert("page", 360, 30, False), alert("ticket", 1440, 120, ticket))
    budget = None
    if status != "no_data":
        remaining = REMAINING[status]
        budget = ErrorBudget(1000.0, 1 - remaining, remaining, 1000 * remaining, 43.2 * remaining)
    return ObjectiveResult(
        key=key,
        status=status,
        sli=None if status == "no_data" else 0.999,
        good_events=None,
        total_events=None,
        bad_events=None,
        error_budget=budget,
        burn_rates=dict.fromkeys(BURN_RATE_KEYS),
        alerts=alerts if status != "no_data" else (),
        time_to_exhaustion=None,
        incidents=(),
        calendar=None,
        series=None,
    )


def objective(
    name: str,
    status: Status,
    *,
    service: str = "shop",
    kind: str = "operational",
    freeze_on: str = "exhausted",
    page: bool = False,
    ticket: bool = False,
) -> ObjectiveReport:
    team = "platform-ops" if kind == "operational" else "shop-dev"
    return ObjectiveReport(
        service=service,
        objective=name,
        kind=kind,  # type: ignore[arg-type]
        team=team,
        emails=(),
        description="",
        target=0.999,
        window="30d",
        sli_kind="ratio",
        labels={},
        location=f"slo/{service}.yaml:7",
        policy=Policy(freeze_on=freeze_on),  # type: ignore[arg-type]
        result=result(f"{service}/{name}", status, page, ticket),
    )


def report(*objectives: ObjectiveReport) -> Report:
    return Report(evaluated_at=AT, objectives=objectives)


# status (and alert) x gate -> does the gate fail? (no_data and error are never a breach)
CASES: list[tuple[str, Status, bool, dict[Gate, bool]]] = [
    ("ok", "ok", False, {"exhausted": False, "page": False, "warning": False, "never": False}),
    ("ok, ticket firing", "ok", False, {"exhausted": False, "page": False, "warning": False, "never": False}),
    (
        "warning, low budget",
        "warning",
        False,
        {"exhausted": False, "page": False, "warning": True, "never": False},
    ),
    (
        "warning, page firing",
        "warning",
        True,
        {"exhausted": False, "page": True, "warning": True, "never": False},
    ),
    ("exhausted", "exhausted", False, {"exhausted": True, "page": True, "warning": True, "never": False}),
    (
        "exhausted, page firing",
        "exhausted",
        True,
        {"exhausted": True, "page": True, "warning": True, "never": False},
    ),
    ("no data", "no_data", False, {"exhausted": False, "page": False, "warning": False, "never": False}),
    ("error", "error", False, {"exhausted": False, "page": False, "warning": False, "never": False}),
]


@pytest.mark.parametrize(("label", "status", "page", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_status_against_each_gate(
    label: str, status: Status, page: bool, expected: dict[Gate, bool]
) -> None:
    item = objective("x", status, page=page, ticket=label.endswith("ticket firing"))
    for gate, fails in expected.items():
        assert (breach(item, gate) is not None) == fails, (label, gate)


@pytest.mark.parametrize("freeze_on", ["exhausted", "warning", "never"])
@pytest.mark.parametrize("fail_on", [None, "exhausted", "page", "warning"])
@pytest.mark.parametrize("status", ["ok", "warning", "exhausted"])
def test_fail_on_overrides_the_policy(freeze_on: str, fail_on: FailOn | None, status: Status) -> None:
    gate = evaluate_gate(report(objective("x", status, freeze_on=freeze_on)), fail_on)
    effective = fail_on or freeze_on
    fails = (status == "exhausted" and effective != "never") or (
        status == "warning" and effective == "warning"
    )
    assert gate.exit_code == (ExitCode.GATE_FAILED if fails else ExitCode.OK)
    assert gate.outcomes[0].outcome == ("fail" if fails else "pass")
    assert gate.outcomes[0].gate_text == (f"{fail_on} (--fail-on)" if fail_on else f"{freeze_on} (policy)")


WHO = "shop/{} (operational, platform-ops)"


def test_all_pass() -> None:
    gate = evaluate_gate(report(objective("a", "ok"), objective("b", "warning"), objective("c", "ok")))
    assert gate.exit_code == ExitCode.OK
    assert gate.verdict == "PASS: all 3 objectives pass their gates"
    assert gate.warnings() == []
    assert evaluate_gate(report(objective("a", "ok"))).verdict == "PASS: 1 objective passes its gate"


def test_exhausted_fails_by_default() -> None:
    gate = evaluate_gate(report(objective("uptime", "exhausted"), objective("latency", "ok")))
    assert gate.exit_code == ExitCode.GATE_FAILED
    assert gate.verdict == (
        "FAIL: 1 objective has exhausted its budget: shop/uptime (operational, platform-ops) -4.2% remaining"
    )


def test_two_exhausted() -> None:
    gate = evaluate_gate(report(objective("a", "exhausted"), objective("b", "exhausted")))
    assert gate.verdict == (
        f"FAIL: 2 objectives have exhausted their budgets: {WHO.format('a')} -4.2% remaining, "
        f"{WHO.format('b')} -4.2% remaining"
    )


def test_mixed_breaches_name_each_reason() -> None:
    gate = evaluate_gate(
        report(objective("a", "exhausted"), objective("b", "warning", page=True), objective("c", "warning")),
        "page",
    )
    assert gate.exit_code == ExitCode.GATE_FAILED
    assert gate.verdict == (
        f"FAIL: 2 objectives fail their gates: {WHO.format('a')} EXHAUSTED -4.2% remaining, "
        f"{WHO.format('b')} PAGE ALERT 1h/5m 11.8% remaining"
    )
    warning = evaluate_gate(report(objective("c", "warning")), "warning")
    assert warning.verdict == f"FAIL: 1 objective fails its gate: {WHO.format('c')} WARNING 11.8% remaining"


def test_freeze_on_never_passes_an_exhausted_budget() -> None:
    gate = evaluate_gate(report(objective("a", "exhausted", freeze_on="never")))
    assert (gate.exit_code, gate.verdict) == (ExitCode.OK, "PASS: 1 objective passes its gate")


def test_no_data_never_fails_but_is_listed() -> None:
    gate = evaluate_gate(report(objective("a", "ok"), objective("quiet", "no_data")), "warning")
    assert gate.exit_code == ExitCode.OK
    assert gate.verdict == (
        "PASS: 1 of 2 objectives pass their gates; "
        f"1 objective has no data (not gated): {WHO.format('quiet')}"
    )
    both = evaluate_gate(
        report(objective("a", "exhausted"), objective("q", "no_data"), objective("r", "no_data"))
    )
    assert both.verdict == (
        f"FAIL: 1 objective has exhausted its budget: {WHO.format('a')} -4.2% remaining; "
        f"2 objectives have no data (not gated): {WHO.format('q')}, {WHO.format('r')}"
    )


def test_source_error_fails_with_3_by_default() -> None:
    gate = evaluate_gate(report(objective("a", "ok"), objective("faulty", "error")))
    assert gate.exit_code == ExitCode.SOURCE
    assert gate.verdict == (
        f"ERROR: the data source failed for 1 objective: {WHO.format('faulty')}; "
        "1 of 2 objectives pass their gates"
    )
    assert gate.warnings() == []


def test_source_error_passes_loudly_with_on_error_pass() -> None:
    gate = evaluate_gate(report(objective("a", "ok"), objective("faulty", "error")), on_error="pass")
    assert gate.exit_code == ExitCode.OK
    assert gate.verdict == (
        "PASS (source errors ignored: --on-error pass): 1 of 2 objectives pass their gates; "
        f"the data source failed for 1 objective: {WHO.format('faulty')}"
    )
    assert gate.warnings() == [
        "PASSING DESPITE SOURCE ERRORS (--on-error pass): the gate was NOT checked for 1 objective: "
        f"{WHO.format('faulty')}"
    ]


@pytest.mark.parametrize("on_error", ["fail", "pass"])
def test_gate_failure_beats_source_error(on_error: str) -> None:
    gate = evaluate_gate(report(objective("a", "exhausted"), objective("faulty", "error")), on_error=on_error)  # type: ignore[arg-type]
    assert gate.exit_code == ExitCode.GATE_FAILED
    assert gate.verdict == (
        f"FAIL: 1 objective has exhausted its budget: {WHO.format('a')} -4.2% remaining; "
        f"the data source failed for 1 objective: {WHO.format('faulty')}"
    )


def errored(name: str, kind: str) -> ObjectiveReport:
    """An objective that could not be evaluated, for the given kind of error (issue 10, points 4 and 5)."""
    item = objective(name, "error")
    return ObjectiveReport(**{**item.__dict__, "error_kind": kind})


def test_selector_matching_no_series_fails_with_3_and_says_definition() -> None:
    """Before, a typo in a counter name gave no_data and "PASS: no objective could be gated", forever."""
    gate = evaluate_gate(report(objective("a", "ok"), errored("typo", "definition")))
    assert gate.exit_code == ExitCode.SOURCE
    assert gate.verdict == (
        f"ERROR: the definition of 1 objective does not match the server's data: {WHO.format('typo')}; "
        "1 of 2 objectives pass their gates"
    )


def test_definition_error_passes_loudly_with_on_error_pass() -> None:
    gate = evaluate_gate(
        report(objective("a", "ok"), errored("typo", "definition"), errored("down", "source")),
        on_error="pass",
    )
    assert gate.exit_code == ExitCode.OK
    assert gate.verdict == (
        "PASS (source and definition errors ignored: --on-error pass): 1 of 3 objectives pass their gates; "
        f"the data source failed for 1 objective: {WHO.format('down')}; "
        f"the definition of 1 objective does not match the server's data: {WHO.format('typo')}"
    )
    assert gate.warnings() == [
        "PASSING DESPITE SOURCE AND DEFINITION ERRORS (--on-error pass): the gate was NOT checked for "
        f"2 objectives: {WHO.format('typo')}, {WHO.format('down')}"
    ]


@pytest.mark.parametrize("on_error", ["fail", "pass"])
def test_malformed_expression_exits_2_whatever_on_error_and_gate_failures(on_error: str) -> None:
    """Before, the server's parse error was a source error that --on-error pass let through the gate."""
    gate = evaluate_gate(
        report(objective("a", "exhausted"), errored("broken", "malformed")),
        on_error=on_error,  # type: ignore[arg-type]
    )
    assert gate.exit_code == ExitCode.USAGE
    assert gate.verdict == (
        f"ERROR: 1 objective has exhausted its budget: {WHO.format('a')} -4.2% remaining; "
        f"the server refused the PromQL of 1 objective as malformed: {WHO.format('broken')}"
    )
    assert gate.warnings() == []


def test_exempt_passes_a_failing_gate_and_says_why() -> None:
    gate = evaluate_gate(report(objective("a", "exhausted"), objective("b", "ok")), exempt="P0 fix INC-123")
    assert gate.exit_code == ExitCode.OK
    assert [o.outcome for o in gate.outcomes] == ["exempt", "pass"]
    assert gate.verdict == (
        "PASS (exempt: P0 fix INC-123): "
        f"1 objective has exhausted its budget: {WHO.format('a')} -4.2% remaining"
    )
    assert gate.warnings() == [f"gate failure exempted (P0 fix INC-123): {WHO.format('a')} EXHAUSTED"]


def test_exempt_with_nothing_to_exempt_is_recorded() -> None:
    gate = evaluate_gate(report(objective("a", "ok")), exempt="  P0 fix\nINC-123 ")
    assert gate.exempt == "P0 fix INC-123"
    assert gate.verdict == "PASS: 1 objective passes its gate (exemption not needed: P0 fix INC-123)"


def test_exempt_does_not_cover_source_errors() -> None:
    gate = evaluate_gate(
        report(objective("a", "exhausted"), objective("f", "error")), exempt="P0 fix INC-123"
    )
    assert gate.exit_code == ExitCode.SOURCE
    assert gate.verdict == (
        f"ERROR: the data source failed for 1 objective: {WHO.format('f')}; 1 objective has exhausted its "
        f"budget: {WHO.format('a')} -4.2% remaining (exempt: P0 fix INC-123)"
    )
    only_error = evaluate_gate(report(objective("a", "ok"), objective("f", "error")), exempt="P0")
    assert only_error.exit_code == ExitCode.SOURCE
    assert only_error.verdict == (
        f"ERROR: the data source failed for 1 objective: {WHO.format('f')}; "
        "1 of 2 objectives pass their gates (--exempt covers gate failures only, not source errors: P0)"
    )


def test_exempt_and_on_error_pass_together() -> None:
    gate = evaluate_gate(
        report(objective("a", "exhausted"), objective("f", "error")), on_error="pass", exempt="security fix"
    )
    assert gate.exit_code == ExitCode.OK
    assert gate.verdict == (
        "PASS (exempt: security fix; source errors ignored: --on-error pass): "
        f"1 objective has exhausted its budget: {WHO.format('a')} -4.2% remaining; "
        f"the data source failed for 1 objective: {WHO.format('f')}"
    )


def test_blank_exemption_and_empty_selection_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="--exempt needs a reason"):
        exemption("  ")
    with pytest.raises(UsageError, match="--exempt needs a reason"):
        evaluate_gate(report(objective("a", "ok")), exempt="")
    with pytest.raises(UsageError, match="nothing to check"):
        evaluate_gate(report())


def test_objective_lines_worst_first_and_aligned() -> None:
    gate = evaluate_gate(
        report(
            objective("a", "ok"),
            objective("quiet", "no_data"),
            objective("burning", "warning", page=True, kind="application"),
            objective("f", "error"),
        ),
        "page",
    )
    assert objective_lines(gate) == [
        "  FAIL     shop/burning  application  shop-dev      WARNING  11.8% left  gate: page (--fail-on), "
        "page alert 1h/5m firing",
        "  ERROR    shop/f        operational  platform-ops  ERROR        — left  gate: page (--fail-on)",
        "  NO DATA  shop/quiet    operational  platform-ops  NO DATA      — left  gate: page (--fail-on)",
        "  PASS     shop/a        operational  platform-ops  OK       60.0% left  gate: page (--fail-on)",
    ]


def test_outcome_helpers() -> None:
    gate: GateResult = evaluate_gate(report(objective("a", "exhausted"), objective("b", "no_data")))
    outcomes: list[Outcome] = [o.outcome for o in gate.worst_first()]
    assert outcomes == ["fail", "no_data"]
    assert gate.head == "FAIL"
    assert not gate.passed
    assert [o.key for o in gate.having("no_data")] == ["shop/b"]


def _partial_objective(name: str, bad_per_minute: float) -> ObjectiveReport:
    """A 30d, 99.9 % objective whose data started 17 minutes ago: 1,000 events a minute, some bad."""
    steps = 33 * 24 * 60
    total = np.full(steps, np.nan)
    total[-17:] = 1000.0
    ends = np.datetime64("2026-11-20T09:00", "ns") - np.arange(steps - 1, -1, -1) * np.timedelta64(1, "m")
    (result,) = evaluate(
        [
            ObjectiveInput(
                f"shop/{name}",
                0.999,
                timedelta(days=30),
                timedelta(minutes=1),
                ends,
                total - bad_per_minute,
                total,
            )
        ],
        AT,
    )
    item = objective(name, "ok")
    return ObjectiveReport(**{**item.__dict__, "result": result})


def test_gate_on_partial_data_judges_the_events_so_far_and_says_so_per_objective() -> None:
    quiet = _partial_objective("new-quiet", 0.5)  # 0.5x: half the budget of the 17 minutes' traffic
    burning = _partial_objective("new-burning", 2.0)  # 2x: the events so far overspend their budget
    assert quiet.status == "ok" and burning.status == "exhausted"
    assert not any(a.firing for a in burning.result.alerts)  # 17 minutes at 2x fire no tier

    gate = evaluate_gate(report(quiet, burning))
    assert gate.exit_code == ExitCode.GATE_FAILED
    assert objective_lines(gate) == [
        "  FAIL  shop/new-burning  operational  platform-ops  EXHAUSTED  -100.0% left  "
        "gate: exhausted (policy); partial window: 17m of 30d",
        "  PASS  shop/new-quiet    operational  platform-ops  OK           50.0% left  "
        "gate: exhausted (policy); partial window: 17m of 30d",
    ]
    passing = evaluate_gate(report(quiet))
    assert passing.exit_code == ExitCode.OK
    assert passing.verdict == "PASS: 1 objective passes its gate"


def test_junit_says_when_an_objective_was_judged_on_partial_data() -> None:
    gate = evaluate_gate(report(_partial_objective("new-burning", 2.0), objective("old", "ok")))
    root = ET.fromstring(render_junit(gate))
    failure = root.find(".//testcase[@name='new-burning (operational, platform-ops)']/failure")
    assert failure is not None
    assert failure.get("message", "").endswith("-100.0% remaining; partial window: 17m of 30d")
    assert "coverage: partial window: 17m of 30d (burn rates over longer windows are unknown)\n" in (
        failure.text or ""
    )
    assert "burn rate 1h/6h/1d/3d: — — — —\n" in (failure.text or "")
    out = root.find(".//system-out")
    assert out is not None and out.text is not None
    lines = out.text.splitlines()
    assert [line.endswith("partial window: 17m of 30d") for line in lines[2:]] == [True, False]
