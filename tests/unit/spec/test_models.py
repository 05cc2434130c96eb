"""Every SLI kind and window form, parsed from YAML through the loader into the right model values."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from slokit.spec import load
from slokit.spec.models import SLI, AlertTier, CalendarWindow, ServiceSpec

REPO = Path(__file__).resolve().parents[3]

HEAD = """\
apiVersion: slokit/v1
service: checkout
owners:
  operational: {team: platform-ops, email: [ops@example.com, oncall@example.com]}
  application: {team: checkout-dev}
"""


def spec_of(tmp_path: Path, yaml_text: str) -> ServiceSpec:
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(yaml_text))
    definitions = load([path])
    assert len(definitions.services) == 1
    return definitions.services[0].spec


def with_sli(tmp_path: Path, sli: str, extra: str = "") -> ServiceSpec:
    """A one-objective service whose ``sli:`` block is ``sli`` (written at column 0)."""
    body = textwrap.indent(textwrap.dedent(sli), " " * 6)
    objective = f"objectives:\n  - name: obj\n    kind: operational\n    target: 99.5\n    sli:\n{body}"
    return spec_of(tmp_path, HEAD + objective + textwrap.dedent(extra))


def sli_of(tmp_path: Path, sli: str) -> SLI:
    return with_sli(tmp_path, sli).objectives[0].sli


RATIO = """\
ratio:
  good: http_requests_total{code!~"5.."}
  total: http_requests_total
"""


# --- ratio -----------------------------------------------------------------------------------------------


def test_ratio_good_and_total(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, RATIO)
    assert sli.kind == "ratio"
    assert sli.ratio is not None
    assert (sli.ratio.good, sli.ratio.bad, sli.ratio.total) == (
        'http_requests_total{code!~"5.."}',
        None,
        "http_requests_total",
    )
    assert not sli.ratio.uses_queries


def test_ratio_bad_and_total(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, 'ratio: {bad: "errors_total{job=\\"x\\"}", total: requests_total}')
    assert sli.ratio is not None
    assert (sli.ratio.good, sli.ratio.bad, sli.ratio.total) == (
        None,
        'errors_total{job="x"}',
        "requests_total",
    )


def test_ratio_selector_whitespace_is_trimmed(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, 'ratio: {good: "  ok_total  ", total: all_total}')
    assert sli.ratio is not None
    assert sli.ratio.good == "ok_total"


def test_ratio_good_query_and_total_query(tmp_path: Path) -> None:
    sli = sli_of(
        tmp_path,
        """\
        ratio:
          good_query: sum(increase(app_ok_total[{{ window }}]))
          total_query: sum(increase(app_all_total[{{window}}]))
        """,
    )
    assert sli.ratio is not None
    assert sli.ratio.uses_queries
    assert sli.ratio.good_query == "sum(increase(app_ok_total[{{ window }}]))"
    assert sli.ratio.total_query == "sum(increase(app_all_total[{{window}}]))"
    assert (sli.ratio.good, sli.ratio.bad, sli.ratio.bad_query, sli.ratio.total) == (None, None, None, None)


def test_ratio_bad_query_and_total_query(tmp_path: Path) -> None:
    sli = sli_of(
        tmp_path,
        """\
        ratio:
          bad_query: sum(increase(app_failed_total[{{ window }}]))
          total_query: sum(increase(app_all_total[{{ window }}]))
        """,
    )
    assert sli.ratio is not None
    assert sli.ratio.uses_queries
    assert sli.ratio.bad_query == "sum(increase(app_failed_total[{{ window }}]))"
    assert sli.ratio.good_query is None


# --- latency ---------------------------------------------------------------------------------------------


def test_latency(tmp_path: Path) -> None:
    sli = sli_of(
        tmp_path,
        """\
        latency:
          histogram: http_request_duration_seconds{job="search"}
          threshold: 0.25
        """,
    )
    assert sli.kind == "latency"
    assert sli.latency is not None
    assert sli.latency.histogram == 'http_request_duration_seconds{job="search"}'
    assert sli.latency.threshold == 0.25


def test_latency_integer_threshold_is_a_float(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, "latency: {histogram: rpc_duration_seconds, threshold: 1}")
    assert sli.latency is not None
    assert sli.latency.threshold == 1.0
    assert type(sli.latency.threshold) is float  # so it renders as le="1.0" like Prometheus does, not "1"


# --- timeslices ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "op", "value"),
    [
        (">= 1", ">=", 1.0),
        ("> 0", ">", 0.0),
        ("<= 0.5", "<=", 0.5),
        ("< 1000", "<", 1000.0),
        ("== 1", "==", 1.0),
        ("!= 0", "!=", 0.0),
        ("<1e3", "<", 1000.0),
        (">= -2.5", ">=", -2.5),
        ("  >=  .5  ", ">=", 0.5),
    ],
)
def test_timeslices_comparison(tmp_path: Path, written: str, op: str, value: float) -> None:
    sli = sli_of(tmp_path, f"timeslices: {{query: min(probe_success), good: '{written}'}}")
    assert sli.kind == "timeslices"
    assert sli.timeslices is not None
    assert sli.timeslices.query == "min(probe_success)"
    assert (sli.timeslices.good.op, sli.timeslices.good.value) == (op, value)


def test_timeslices_comparison_prints_as_written(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, "timeslices: {query: up, good: '>=1'}")
    assert sli.timeslices is not None
    assert str(sli.timeslices.good) == ">= 1"


def test_timeslices_slice_defaults_to_one_minute(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, "timeslices: {query: up, good: '>= 1'}")
    assert sli.timeslices is not None
    assert sli.timeslices.slice == timedelta(minutes=1)


def test_timeslices_explicit_slice(tmp_path: Path) -> None:
    sli = sli_of(tmp_path, "timeslices: {query: up, good: '>= 1', slice: 30s}")
    assert sli.timeslices is not None
    assert sli.timeslices.slice == timedelta(seconds=30)


# --- windows ---------------------------------------------------------------------------------------------


def test_window_defaults_to_30_days(tmp_path: Path) -> None:
    assert with_sli(tmp_path, RATIO).window == timedelta(days=30)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("30d", timedelta(days=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("400d", timedelta(days=400)),
        ("4w", timedelta(days=28)),
    ],
)
def test_rolling_window(tmp_path: Path, written: str, expected: timedelta) -> None:
    assert with_sli(tmp_path, RATIO, f"window: {written}\n").window == expected


@pytest.mark.parametrize("calendar", ["month", "week", "quarter"])
def test_calendar_window_defaults_to_utc(tmp_path: Path, calendar: str) -> None:
    window = with_sli(tmp_path, RATIO, f"window: {{calendar: {calendar}}}\n").window
    assert window == CalendarWindow(calendar=calendar, timezone="UTC")


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Sao_Paulo", "Asia/Kolkata"])
def test_calendar_window_with_timezone(tmp_path: Path, timezone: str) -> None:
    window = with_sli(tmp_path, RATIO, f"window:\n  calendar: quarter\n  timezone: {timezone}\n").window
    assert isinstance(window, CalendarWindow)
    assert (window.calendar, window.timezone) == ("quarter", timezone)
    assert str(window) == f"calendar quarter ({timezone})"


def test_per_objective_window_override(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path,
        HEAD
        + """\
window: {calendar: month, timezone: Europe/Berlin}
objectives:
  - name: monthly
    kind: application
    target: 99
    sli: {latency: {histogram: rpc_duration_seconds, threshold: 0.5}}
  - name: weekly
    kind: operational
    target: 99.5
    window: 7d
    sli: {ratio: {good: ok_total, total: all_total}}
""",
    )
    monthly, weekly = spec.objectives
    assert monthly.window is None
    assert weekly.window == timedelta(days=7)
    assert spec.window_for(monthly) == CalendarWindow(calendar="month", timezone="Europe/Berlin")
    assert spec.window_for(weekly) == timedelta(days=7)


# --- policy, alerting, labels, owners --------------------------------------------------------------------


def test_policy_defaults(tmp_path: Path) -> None:
    policy = with_sli(tmp_path, RATIO).policy
    assert (policy.warn_below, policy.freeze_on, policy.postmortem_over) == (25.0, "exhausted", 20.0)


def test_policy_explicit(tmp_path: Path) -> None:
    extra = "policy: {warn_below: 50, freeze_on: warning, postmortem_over: 7.5}\n"
    policy = with_sli(tmp_path, RATIO, extra).policy
    assert (policy.warn_below, policy.freeze_on, policy.postmortem_over) == (50.0, "warning", 7.5)


def test_policy_partly_given_keeps_the_other_defaults(tmp_path: Path) -> None:
    policy = with_sli(tmp_path, RATIO, "policy: {freeze_on: never}\n").policy
    assert (policy.warn_below, policy.freeze_on, policy.postmortem_over) == (25.0, "never", 20.0)


def _tiers(tiers: tuple[AlertTier, ...]) -> list[tuple[timedelta, timedelta, float]]:
    return [(t.long, t.short, t.budget) for t in tiers]


H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


def test_alerting_defaults_are_the_workbook_table(tmp_path: Path) -> None:
    alerting = with_sli(tmp_path, RATIO).alerting
    assert _tiers(alerting.page) == [(1 * H, 5 * M, 2.0), (6 * H, 30 * M, 5.0)]
    assert _tiers(alerting.ticket) == [(1 * D, 2 * H, 10.0), (3 * D, 6 * H, 10.0)]


def test_alerting_custom_tiers(tmp_path: Path) -> None:
    extra = """\
alerting:
  page:
    - {long: 30m, short: 5m, budget: 1.5}
  ticket:
    - {long: 2d, short: 4h, budget: 15}
    - {long: 7d, short: 12h, budget: 25}
"""
    alerting = with_sli(tmp_path, RATIO, extra).alerting
    assert _tiers(alerting.page) == [(30 * M, 5 * M, 1.5)]
    assert _tiers(alerting.ticket) == [(2 * D, 4 * H, 15.0), (7 * D, 12 * H, 25.0)]


def test_alerting_one_severity_given_keeps_the_other_default(tmp_path: Path) -> None:
    alerting = with_sli(tmp_path, RATIO, "alerting: {page: []}\n").alerting
    assert alerting.page == ()
    assert _tiers(alerting.ticket) == [(1 * D, 2 * H, 10.0), (3 * D, 6 * H, 10.0)]


def test_labels_numbers_become_strings(tmp_path: Path) -> None:
    labels = with_sli(tmp_path, RATIO, "labels: {tier: 1, weight: 0.5, team: web}\n").labels
    assert labels == {"tier": "1", "weight": "0.5", "team": "web"}


def test_labels_default_to_empty(tmp_path: Path) -> None:
    assert with_sli(tmp_path, RATIO).labels == {}


def test_owners_per_kind(tmp_path: Path) -> None:
    owners = with_sli(tmp_path, RATIO).owners
    operational = owners.for_kind("operational")
    application = owners.for_kind("application")
    assert operational is not None
    assert application is not None
    assert (operational.team, operational.email) == (
        "platform-ops",
        ["ops@example.com", "oncall@example.com"],
    )
    assert (application.team, application.email) == ("checkout-dev", [])


def test_missing_owner_is_none_in_the_model(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path,
        """\
        apiVersion: slokit/v1
        service: infra
        owners: {operational: {team: platform-ops}}
        objectives:
          - {name: up, kind: operational, target: 99.9, sli: {timeslices: {query: up, good: ">= 1"}}}
        """,
    )
    assert spec.owners.for_kind("application") is None


def test_target_fraction(tmp_path: Path) -> None:
    assert with_sli(tmp_path, RATIO).objectives[0].target_fraction == pytest.approx(0.995)


# --- attribution and releases ----------------------------------------------------------------------------

LATENCY = """\
latency:
  histogram: http_request_duration_seconds{job="checkout"}
  threshold: 0.3
"""


def attributed(tmp_path: Path, sli: str, attribute_by: str) -> tuple[str, ...]:
    """``attribute_by`` of a one-objective service, written as ``attribute_by: <attribute_by>``."""
    body = textwrap.indent(textwrap.dedent(sli), " " * 6)
    objective = (
        "objectives:\n  - name: obj\n    kind: operational\n    target: 99.5\n"
        f"    attribute_by: {attribute_by}\n    sli:\n{body}"
    )
    return spec_of(tmp_path, HEAD + objective).objectives[0].attribute_by


def test_attribute_by_defaults_to_none(tmp_path: Path) -> None:
    assert with_sli(tmp_path, RATIO).objectives[0].attribute_by == ()


@pytest.mark.parametrize(
    "sli", [RATIO, RATIO.replace("good:", "bad:"), LATENCY], ids=["good", "bad", "latency"]
)
def test_attribute_by_on_selector_slis(tmp_path: Path, sli: str) -> None:
    assert attributed(tmp_path, sli, "[handler, code]") == ("handler", "code")


def test_attribute_by_one_label_may_be_written_without_a_list(tmp_path: Path) -> None:
    assert attributed(tmp_path, RATIO, "code") == ("code",)


def test_attribute_by_le_is_a_label_of_a_ratio_selector(tmp_path: Path) -> None:
    # Only a latency SLI reads le as its bucket bound; on a ratio it is whatever the counter carries.
    assert attributed(tmp_path, RATIO, "[le]") == ("le",)


def test_releases_default_to_none(tmp_path: Path) -> None:
    assert with_sli(tmp_path, RATIO).releases is None


def test_releases_with_a_label_and_the_default_within(tmp_path: Path) -> None:
    extra = 'releases:\n  query: app_build_info{job="checkout"}\n  label: version\n'
    releases = with_sli(tmp_path, RATIO, extra).releases
    assert releases is not None
    assert releases.query == 'app_build_info{job="checkout"}'
    assert (releases.label, releases.within) == ("version", H)


def test_releases_marker_expression_with_a_within(tmp_path: Path) -> None:
    extra = 'releases:\n  query: changes(app_build_info{job="checkout"}[5m]) > 0\n  within: 30d\n'
    releases = with_sli(tmp_path, RATIO, extra).releases
    assert releases is not None
    assert (releases.label, releases.within) == (None, 30 * D)


# --- YAML anchors and merge keys -------------------------------------------------------------------------


def test_anchors_merge_keys_and_overrides(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path,
        """\
        apiVersion: slokit/v1
        service: checkout
        owners:
          operational: &ops {team: platform-ops, email: [ops@example.com]}
          application: *ops
        objectives:
          - &availability
            name: availability
            kind: operational
            target: 99.9
            window: 7d
            sli: {ratio: {good: ok_total, total: all_total}}
          - <<: *availability
            name: latency
            target: 99           # a key of the mapping itself wins over the merged one
            sli: {latency: {histogram: rpc_duration_seconds, threshold: 0.5}}
          - <<: [{kind: application, description: first source wins}, *availability]
            name: completion
        """,
    )
    availability, latency, completion = spec.objectives
    assert spec.owners.operational == spec.owners.application
    assert (availability.name, availability.kind, availability.target, availability.window) == (
        "availability",
        "operational",
        99.9,
        timedelta(days=7),
    )
    assert (latency.name, latency.kind, latency.target, latency.window, latency.sli.kind) == (
        "latency",
        "operational",
        99.0,
        timedelta(days=7),
        "latency",
    )
    assert (completion.kind, completion.description, completion.target, completion.sli.kind) == (
        "application",
        "first source wins",
        99.9,
        "ratio",
    )


# --- the examples ----------------------------------------------------------------------------------------


def test_example_definitions_load() -> None:
    definitions = load([REPO / "slo_definitions"])
    services = {s.spec.service: s.spec for s in definitions.services}
    assert sorted(services) == ["checkout", "payments", "search"]
    objectives = [objective for _, objective in definitions.objectives()]
    assert len(objectives) == 8
    assert {o.sli.kind for o in objectives} == {"ratio", "latency", "timeslices"}
    assert {o.kind for o in objectives} == {"operational", "application"}
    assert sum(o.kind == "operational" for o in objectives) == 5

    assert services["checkout"].window == timedelta(days=30)
    assert services["checkout"].labels == {"tier": "1", "domain": "commerce"}
    assert services["payments"].window == timedelta(days=28)
    assert services["payments"].policy.freeze_on == "warning"
    search = services["search"]
    assert search.window == CalendarWindow(calendar="month", timezone="Europe/Berlin")
    by_name = {o.name: o for o in search.objectives}
    assert search.window_for(by_name["search-availability"]) == timedelta(days=7)
    assert search.window_for(by_name["search-latency"]) == search.window
    assert _tiers(search.alerting.page) == [(1 * H, 5 * M, 5.0)]
    assert _tiers(search.alerting.ticket) == [(1 * D, 2 * H, 20.0)]
    for loaded in definitions.services:
        assert len(loaded.fingerprint) == 64
