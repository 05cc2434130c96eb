"""OpenMetrics / Prometheus text rendering of a report: exact output, escaping, omissions, naming rules."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slokit.engine import (
    BURN_RATE_KEYS,
    BURN_WINDOWS,
    AlertState,
    Coverage,
    ErrorBudget,
    Incident,
    ObjectiveResult,
    Policy,
    WindowCoverage,
    failed_result,
)
from slokit.report.model import STATUSES, ObjectiveReport, Report
from slokit.report.openmetrics import (
    EVALUATION_TIMESTAMP,
    FAMILIES,
    escape_label_value,
    format_value,
    render_openmetrics,
)

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def coverage(data: timedelta | None) -> Coverage:
    """Coverage of a 30d objective whose data started ``data`` before AT (None: no data at all)."""
    covered = data or timedelta(0)

    def window(length: timedelta) -> WindowCoverage:
        return WindowCoverage(length, min(covered, length), covered >= length)

    return Coverage(
        first_data=None if data is None else AT - data,
        window=window(timedelta(days=30)),
        burn_windows={key: window(w) for key, w in BURN_WINDOWS.items()},
        covered_burn_rates=dict.fromkeys(BURN_RATE_KEYS),
    )


def result(key: str, **changes: Any) -> ObjectiveResult:
    """A healthy result (half the budget left, one ticket tier firing); ``changes`` override fields."""
    base = ObjectiveResult(
        key=key,
        status="ok",
        sli=0.9995,
        good_events=19990.0,
        total_events=20000.0,
        bad_events=10.0,
        error_budget=ErrorBudget(
            allowed_bad_events=20.0,
            consumed=0.5,
            remaining=0.5,
            remaining_events=10.0,
            remaining_minutes=21.6,
        ),
        burn_rates={"5m": 0.0, "30m": 0.25, "1h": 1.5, "2h": 2.0, "6h": 1.0, "1d": 0.75, "3d": None},
        alerts=(
            AlertState("page", timedelta(hours=1), timedelta(minutes=5), 14.4, 1.5, 0.0, False),
            AlertState("ticket", timedelta(days=3), timedelta(hours=6), 1.0, None, 1.0, True),
        ),
        time_to_exhaustion=timedelta(days=10),
        incidents=(
            Incident(
                datetime(2026, 11, 18, 3, 0, tzinfo=UTC),
                datetime(2026, 11, 18, 3, 30, tzinfo=UTC),
                4.0,
                0.2,
                False,
            ),
        ),
        calendar=None,
        series=None,
        coverage=coverage(timedelta(days=2)),  # so the 3d burn rate is undefined
    )
    return dataclasses.replace(base, **changes)


def objective(
    service: str = "checkout",
    name: str = "availability",
    *,
    kind: str = "operational",
    team: str = "platform-ops",
    target: float = 0.999,
    labels: dict[str, str] | None = None,
    outcome: ObjectiveResult | None = None,
) -> ObjectiveReport:
    return ObjectiveReport(
        service=service,
        objective=name,
        kind=kind,  # type: ignore[arg-type]
        team=team,
        emails=(),
        description="",
        target=target,
        window="30d",
        sli_kind="ratio",
        labels={} if labels is None else labels,
        location="slo_definitions/test.yaml:1",
        policy=Policy(),
        result=outcome or result(f"{service}/{name}"),
    )


NO_DATA = result(
    "search/latency",
    status="no_data",
    sli=None,
    good_events=None,
    total_events=None,
    bad_events=None,
    error_budget=None,
    burn_rates=dict.fromkeys(BURN_RATE_KEYS),
    alerts=(AlertState("page", timedelta(hours=1), timedelta(minutes=5), 14.4, None, None, False),),
    time_to_exhaustion=None,
    incidents=(),
    coverage=coverage(None),
)


def small_report() -> Report:
    return Report(
        AT,
        (
            objective(labels={"tier": "1", "domain": "commerce"}),
            objective("search", "latency", kind="application", team="search-dev", outcome=NO_DATA),
            objective(
                "payments", "auth", team="payments-dev", outcome=failed_result("payments/auth", "timeout")
            ),
        ),
    )


# Reviewed by hand, line by line, against the fields of small_report(): checkout/availability has every
# value (2 days of data: its 3d burn rate is undefined, so absent; coverage 2/30 of its window, 2/3 of the 3d
# burn window); search/latency has no data (target, status, coverage 0, its one alert tier and 0 incidents
# only); payments/auth failed (target and status only).
GOLDEN = """\
# TYPE slokit_evaluation_timestamp_seconds gauge
# UNIT slokit_evaluation_timestamp_seconds seconds
# HELP slokit_evaluation_timestamp_seconds Evaluation time of the report in Unix seconds; all values are as of this time
slokit_evaluation_timestamp_seconds 1795165200.0
# TYPE slokit_objective_target gauge
# HELP slokit_objective_target Objective target as a fraction (0.999 for 99.9%)
slokit_objective_target{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 0.999
slokit_objective_target{service="search",objective="latency",kind="application",team="search-dev"} 0.999
slokit_objective_target{service="payments",objective="auth",kind="operational",team="payments-dev"} 0.999
# TYPE slokit_objective_status gauge
# HELP slokit_objective_status Objective status as a state set: 1 for the current status, 0 for each other status
slokit_objective_status{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",status="exhausted"} 0
slokit_objective_status{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",status="warning"} 0
slokit_objective_status{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",status="error"} 0
slokit_objective_status{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",status="no_data"} 0
slokit_objective_status{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",status="ok"} 1
slokit_objective_status{service="search",objective="latency",kind="application",team="search-dev",status="exhausted"} 0
slokit_objective_status{service="search",objective="latency",kind="application",team="search-dev",status="warning"} 0
slokit_objective_status{service="search",objective="latency",kind="application",team="search-dev",status="error"} 0
slokit_objective_status{service="search",objective="latency",kind="application",team="search-dev",status="no_data"} 1
slokit_objective_status{service="search",objective="latency",kind="application",team="search-dev",status="ok"} 0
slokit_objective_status{service="payments",objective="auth",kind="operational",team="payments-dev",status="exhausted"} 0
slokit_objective_status{service="payments",objective="auth",kind="operational",team="payments-dev",status="warning"} 0
slokit_objective_status{service="payments",objective="auth",kind="operational",team="payments-dev",status="error"} 1
slokit_objective_status{service="payments",objective="auth",kind="operational",team="payments-dev",status="no_data"} 0
slokit_objective_status{service="payments",objective="auth",kind="operational",team="payments-dev",status="ok"} 0
# TYPE slokit_sli gauge
# HELP slokit_sli SLI over the objective window as a fraction of good events
slokit_sli{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 0.9995
# TYPE slokit_good_events gauge
# HELP slokit_good_events Good events over the objective window (good slices for time-slice objectives)
slokit_good_events{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 19990.0
# TYPE slokit_bad_events gauge
# HELP slokit_bad_events Bad events over the objective window (bad slices for time-slice objectives)
slokit_bad_events{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 10.0
# TYPE slokit_total_events gauge
# HELP slokit_total_events All events over the objective window (slices with data for time-slice objectives)
slokit_total_events{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 20000.0
# TYPE slokit_error_budget_allowed_bad_events gauge
# HELP slokit_error_budget_allowed_bad_events Bad events the error budget allows over the window: (1 - target) * total events
slokit_error_budget_allowed_bad_events{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 20.0
# TYPE slokit_error_budget_consumed gauge
# HELP slokit_error_budget_consumed Share of the error budget consumed (1 = all of it; above 1 once overspent)
slokit_error_budget_consumed{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 0.5
# TYPE slokit_error_budget_remaining gauge
# HELP slokit_error_budget_remaining Share of the error budget remaining: 1 - consumed (negative once overspent)
slokit_error_budget_remaining{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 0.5
# TYPE slokit_burn_rate gauge
# HELP slokit_burn_rate Error-budget burn rate over the trailing window (1 = the budget lasts exactly the objective window)
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="5m"} 0.0
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="30m"} 0.25
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="1h"} 1.5
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="2h"} 2.0
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="6h"} 1.0
slokit_burn_rate{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="1d"} 0.75
# TYPE slokit_window_coverage_ratio gauge
# HELP slokit_window_coverage_ratio Share of the objective window that holds data, counted from the first step with data (1 = complete)
slokit_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 0.06666666666666667
slokit_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev"} 0.0
# TYPE slokit_burn_window_coverage_ratio gauge
# HELP slokit_burn_window_coverage_ratio Share of the trailing burn window that holds data; below 1 it has no slokit_burn_rate sample
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="5m"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="30m"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="1h"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="2h"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="6h"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="1d"} 1.0
slokit_burn_window_coverage_ratio{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",window="3d"} 0.6666666666666666
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="5m"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="30m"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="1h"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="2h"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="6h"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="1d"} 0.0
slokit_burn_window_coverage_ratio{service="search",objective="latency",kind="application",team="search-dev",window="3d"} 0.0
# TYPE slokit_alert_firing gauge
# HELP slokit_alert_firing Multiwindow burn-rate alert tier: 1 when both its long and short window burn above its factor
slokit_alert_firing{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",severity="page",long_window="1h",short_window="5m"} 0
slokit_alert_firing{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1",severity="ticket",long_window="3d",short_window="6h"} 1
slokit_alert_firing{service="search",objective="latency",kind="application",team="search-dev",severity="page",long_window="1h",short_window="5m"} 0
# TYPE slokit_time_to_exhaustion_seconds gauge
# UNIT slokit_time_to_exhaustion_seconds seconds
# HELP slokit_time_to_exhaustion_seconds Seconds until the error budget is gone, the window rolling on at the last hour's rates
slokit_time_to_exhaustion_seconds{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 864000.0
# TYPE slokit_incidents gauge
# HELP slokit_incidents Incidents (runs of burn rate above 1) within the objective window
slokit_incidents{service="checkout",objective="availability",kind="operational",team="platform-ops",label_domain="commerce",label_tier="1"} 1
slokit_incidents{service="search",objective="latency",kind="application",team="search-dev"} 0
# EOF
"""  # noqa: E501


def test_exact_openmetrics_output_of_a_small_report() -> None:
    assert render_openmetrics(small_report()) == GOLDEN


def test_textfile_flavour_is_the_same_without_unit_and_eof() -> None:
    expected = "".join(
        line for line in GOLDEN.splitlines(keepends=True) if not line.startswith(("# UNIT ", "# EOF"))
    )
    assert render_openmetrics(small_report(), textfile=True) == expected


def test_an_empty_report_still_has_every_family_and_the_evaluation_time() -> None:
    text = render_openmetrics(Report(AT, ()))
    assert text.endswith(
        "slokit_evaluation_timestamp_seconds 1795165200.0\n"
        + "".join(
            f"# TYPE {f.name} gauge\n"
            + (f"# UNIT {f.name} {f.unit}\n" if f.unit else "")
            + f"# HELP {f.name} {f.help}\n"
            for f in FAMILIES
        )
        + "# EOF\n"
    )


HOSTILE = 'say "hi"\\n\nnew line \\ é ☃ 日本 \t tab'
HOSTILE_ESCAPED = 'say \\"hi\\"\\\\n\\nnew line \\\\ é ☃ 日本 \t tab'


def test_label_value_escaping() -> None:
    assert escape_label_value(HOSTILE) == HOSTILE_ESCAPED
    assert escape_label_value("") == ""
    assert escape_label_value("\\") == "\\\\"
    assert escape_label_value('"') == '\\"'
    assert escape_label_value("\n") == "\\n"


@pytest.mark.parametrize("textfile", [False, True])
def test_hostile_label_values_are_escaped_everywhere(textfile: bool) -> None:
    report = Report(
        AT,
        (
            objective(
                "svc",
                'obj"ective',
                team=HOSTILE,
                labels={"owner": HOSTILE, "z": "\\"},
                outcome=result("svc/x", alerts=(), burn_rates=dict.fromkeys(BURN_RATE_KEYS)),
            ),
        ),
    )
    text = render_openmetrics(report, textfile=textfile)
    lines = text.splitlines()
    # A raw line feed in a value would start a line that is neither metadata nor a sample.
    assert all(line.startswith(("# TYPE ", "# UNIT ", "# HELP ", "# EOF", "slokit_")) for line in lines)
    expected_labels = (
        f'{{service="svc",objective="obj\\"ective",kind="operational",team="{HOSTILE_ESCAPED}",'
        f'label_owner="{HOSTILE_ESCAPED}",label_z="\\\\"}}'
    )
    assert f"slokit_sli{expected_labels} 0.9995" in lines
    samples = [line for line in lines if not line.startswith(("#", EVALUATION_TIMESTAMP.name))]
    # target, 5 statuses, SLI, 3 event counts, 3 budget figures, window and 7 burn-window coverages,
    # time to exhaustion, incidents
    assert len(samples) == 23
    assert all(line.split("{", 1)[1].startswith(expected_labels[1:-1]) for line in samples)


def test_undefined_numbers_are_omitted_not_nan() -> None:
    report = Report(AT, (objective(outcome=dataclasses.replace(NO_DATA, sli=float("nan"))),))
    text = render_openmetrics(report)
    assert "NaN" not in text
    assert "\nslokit_sli{" not in text
    assert "\nslokit_burn_rate{" not in text
    assert '\nslokit_objective_status{service="checkout"' in text


def test_user_labels_are_prefixed_and_sorted() -> None:
    item = objective(labels={"zone": "eu", "job": "x", "service": "impostor", "__meta": "m"})
    text = render_openmetrics(Report(AT, (item,)))
    assert (
        'slokit_sli{service="checkout",objective="availability",kind="operational",team="platform-ops",'
        'label___meta="m",label_job="x",label_service="impostor",label_zone="eu"} 0.9995'
    ) in text.splitlines()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1, "1"),
        (True, "1"),
        (False, "0"),
        (37, "37"),
        (0.0, "0.0"),
        (-0.25, "-0.25"),
        (0.999, "0.999"),
        (103623126.0, "103623126.0"),
        (1e-05, "1e-05"),
        (1e16, "1e+16"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
    ],
)
def test_number_format(value: float, text: str) -> None:
    assert format_value(value) == text
    # Every finite rendering must match the OpenMetrics ABNF's realnumber.
    if "Inf" not in text:
        assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\d*\.\d+)(e[+-]?\d+)?", text)


def test_family_names_follow_the_naming_rules() -> None:
    families = (EVALUATION_TIMESTAMP, *FAMILIES)
    names = [f.name for f in families]
    assert len(set(names)) == len(names)
    reserved = ("_total", "_created", "_count", "_sum", "_bucket", "_gcount", "_gsum", "_info")
    for family in families:
        assert re.fullmatch(r"slokit_[a-z][a-z0-9_]*", family.name), family.name
        assert not family.name.endswith(reserved), (
            f"{family.name}: a gauge must not use another type's suffix"
        )
        assert not family.unit or family.name.endswith("_" + family.unit)
        # One HELP spelling serves both formats only without characters they escape differently.
        assert not set(family.help) & {"\\", '"', "\n"}, family.name
        assert family.help


def test_exactly_one_status_per_objective_and_families_not_interleaved() -> None:
    text = render_openmetrics(small_report())
    samples = [line for line in text.splitlines() if not line.startswith("#")]
    names = [line.split("{", 1)[0].split(" ", 1)[0] for line in samples]
    # Each family's samples are contiguous (both formats forbid interleaving).
    seen: list[str] = []
    for name in names:
        if not seen or seen[-1] != name:
            assert name not in seen, f"{name} interleaved"
            seen.append(name)
    status = [line for line in samples if line.startswith("slokit_objective_status{")]
    assert len(status) == len(STATUSES) * 3
    assert sum(line.endswith(" 1") for line in status) == 3
