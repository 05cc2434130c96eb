"""The dashboards built from definitions: Grafana's structure, one per team and an overview, what each panel
reads (the series `slokit rules` records, filtered by team and variables), thresholds at the tier factors,
stable UIDs and bytes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slokit.dashboards import DatasourceRef, build, render
from slokit.dashboards.build import team_uid
from slokit.promql_syntax import check_query, selectors_in
from slokit.rules import AlertingRule, RecordingRule
from slokit.rules import build as build_rules
from slokit.spec import load

SCHEMA = json.loads((Path(__file__).parent / "grafana-dashboard.schema.json").read_text())
ODD_TEAM = 'Payments "EU" \\ ops'

SHOP = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: platform-ops}
  application: {team: shop-devs}
window: 30d
objectives:
  - name: availability
    kind: operational
    target: 99.9
    sli:
      ratio: {bad: 'http_requests_total{job="shop",code=~"5.."}', total: 'http_requests_total{job="shop"}'}
  - name: latency
    kind: application
    target: 99
    window: 7d
    sli:
      latency: {histogram: 'request_seconds{job="shop"}', threshold: 0.5}
"""
BILLING = f"""\
apiVersion: slokit/v1
service: billing.v2
owners:
  operational: {{team: platform-ops}}
  application: {{team: '{ODD_TEAM}'}}
window: 30d
objectives:
  - name: invoices
    kind: application
    target: 99.5
    sli:
      ratio: {{good: 'invoices_total{{ok="true"}}', total: 'invoices_total'}}
  - name: refunds
    kind: application
    target: 99.5
    sli:
      ratio: {{good: 'refunds_total{{ok="true"}}', total: 'refunds_total'}}
    alerting: {{name: RefundsBurn, ticket_alert: {{disable: true}}}}
alerting:
  page:
    - {{long: 1h, short: 5m, budget: 2}}
  ticket:
    - {{long: 1d, short: 2h, budget: 10}}
"""


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "billing.yaml").write_text(BILLING)
    return tmp_path


def _json(definitions: Path, datasource: DatasourceRef | None = None) -> list[dict[str, Any]]:
    loaded = load([definitions])
    built = build(loaded) if datasource is None else build(loaded, datasource)
    return [json.loads(render(d)) for d in built]


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def _by_title(dashboards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["title"]: d for d in dashboards}


def test_every_dashboard_has_the_structure_grafana_provisioning_loads(definitions: Path) -> None:
    for dashboard in _json(definitions):
        jsonschema.validate(dashboard, SCHEMA)


def test_the_schema_refuses_what_grafana_would_not_load(definitions: Path) -> None:
    # The schema is the test's yardstick: it must fail on a dashboard without a uid, a panel without
    # targets or a datasource, a variable without a query, a uid over 40 characters.
    good = _json(definitions)[0]
    broken = [
        {k: v for k, v in good.items() if k != "uid"},
        {**good, "uid": "x" * 41},
        {**good, "panels": [{**good["panels"][0], "targets": []}]},
        {**good, "panels": [{k: v for k, v in good["panels"][0].items() if k != "datasource"}]},
        {**good, "templating": {"list": [{"name": "service", "type": "query"}]}},
    ]
    for dashboard in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(dashboard, SCHEMA)


def test_one_dashboard_per_owner_team_and_an_overview(definitions: Path) -> None:
    titles = [d["title"] for d in _json(definitions)]
    assert titles == [
        "SLOs: overview",
        f"SLOs: {ODD_TEAM}",
        "SLOs: platform-ops",
        "SLOs: shop-devs",
    ]


def test_uids_are_stable_short_and_distinct_for_names_that_differ_only_in_case() -> None:
    digest = hashlib.sha256(b"platform-ops").hexdigest()[:8]
    assert team_uid("platform-ops") == f"slokit-platform-ops-{digest}"
    assert team_uid("Payments") != team_uid("payments")
    long = "a very long team name " * 10
    assert len(team_uid(long)) <= 40
    assert re.fullmatch(r"[a-z0-9-]{1,40}", team_uid(long))
    assert re.fullmatch(r"slokit-[a-z0-9-]+-[0-9a-f]{8}", team_uid("Équipe Données ✓"))
    assert team_uid("データ基盤") == "slokit-team-" + hashlib.sha256("データ基盤".encode()).hexdigest()[:8]


def test_file_names_are_the_uids(definitions: Path) -> None:
    for dashboard in build(load([definitions])):
        assert dashboard.file_name == f"{dashboard.uid}.json"


def test_panels_read_only_the_series_slokit_rules_records(definitions: Path) -> None:
    recorded = {"ALERTS"}
    for item in build_rules(load([definitions])):
        recorded |= {r.record for r in item.group.rules if isinstance(r, RecordingRule)}
        assert all(isinstance(r, RecordingRule | AlertingRule) for r in item.group.rules)
    for dashboard in _json(definitions):
        for expr in _exprs(dashboard):
            names = {s.name for s in selectors_in(expr)}
            assert names and names <= recorded, (expr, names - recorded)
            assert "http_requests_total" not in expr


def test_every_query_is_well_formed_and_filtered_by_the_variables(definitions: Path) -> None:
    for dashboard in _json(definitions):
        for expr in _exprs(dashboard):
            assert check_query(expr, placeholder=False) is None, expr
            for selector in selectors_in(expr):
                matchers = {(m.name, m.op, m.value) for m in selector.matchers}
                assert ("service", "=~", "$service") in matchers, expr
                assert ("objective", "=~", "$objective") in matchers, expr


def test_each_team_dashboard_joins_on_its_own_team_exactly(definitions: Path) -> None:
    # The team label of slokit_slo_info decides what a dashboard shows; an odd name is escaped, not cut.
    for dashboard in _json(definitions)[1:]:
        team = dashboard["title"].removeprefix("SLOs: ")
        for expr in _exprs(dashboard):
            info = [s for s in selectors_in(expr) if s.name == "slokit_slo_info"]
            assert info, expr
            for selector in info:
                assert ("team", "=", team) in {(m.name, m.op, m.value) for m in selector.matchers}


def test_the_overview_filters_by_a_team_variable(definitions: Path) -> None:
    overview = _json(definitions)[0]
    names = [v["name"] for v in overview["templating"]["list"]]
    assert names == ["datasource", "team", "service", "objective"]
    for expr in _exprs(overview):
        info = [s for s in selectors_in(expr) if s.name == "slokit_slo_info"]
        assert all(("team", "=~", "$team") in {(m.name, m.op, m.value) for m in s.matchers} for s in info)


def test_variables_list_the_services_and_objectives_of_the_recorded_info_series(definitions: Path) -> None:
    team = _by_title(_json(definitions))["SLOs: platform-ops"]
    variables = {v["name"]: v for v in team["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["service"]["query"] == 'label_values(slokit_slo_info{team="platform-ops"}, service)'
    assert (
        variables["objective"]["query"]
        == 'label_values(slokit_slo_info{team="platform-ops",service=~"$service"}, objective)'
    )
    for name in ("service", "objective"):
        assert variables[name]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def _burn_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["title"].startswith("Burn rate")]


def _steps(panel: dict[str, Any]) -> list[tuple[str, float | None]]:
    return [(s["color"], s["value"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def test_burn_rate_thresholds_are_the_tier_factors(definitions: Path) -> None:
    # factor = budget share spent / (long window / objective window)
    written = _by_title(_json(definitions))[f"SLOs: {ODD_TEAM}"]
    panels = {p["title"]: p for p in _burn_panels(written)}
    page = 0.02 * (30 * 24) / 1  # 2 % of 30 days' budget in 1 hour
    ticket = 0.10 * 30 / 1  # 10 % in 1 day
    assert set(panels) == {
        f"Burn rate, page tier: {page:g}x over 1h and 5m",
        f"Burn rate, ticket tier: {ticket:g}x over 1d and 2h (1 of 2 objectives)",
        f"Burn rate, ticket tier: {ticket:g}x over 1d and 2h, alert off (1 of 2 objectives)",
    }
    assert _steps(panels[f"Burn rate, page tier: {page:g}x over 1h and 5m"]) == [
        ("green", None),
        ("red", page),
    ]
    assert _steps(panels[f"Burn rate, ticket tier: {ticket:g}x over 1d and 2h (1 of 2 objectives)"]) == [
        ("green", None),
        ("orange", ticket),
    ]
    for panel in panels.values():
        assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "line"}


def test_a_tier_whose_alerts_are_turned_off_says_so(definitions: Path) -> None:
    written = _by_title(_json(definitions))[f"SLOs: {ODD_TEAM}"]
    off = [p for p in _burn_panels(written) if "alert off" in p["title"]]
    assert [p["title"] for p in off] == [
        "Burn rate, ticket tier: 3x over 1d and 2h, alert off (1 of 2 objectives)"
    ]
    assert "turn the ticket burn alerts off (disable)" in off[0]["description"]
    assert off[0]["description"].endswith("Objectives: billing.v2/refunds.")


def test_burn_rate_panels_plot_the_tier_windows_as_error_ratio_over_budget(definitions: Path) -> None:
    written = _by_title(_json(definitions))[f"SLOs: {ODD_TEAM}"]
    page = next(p for p in _burn_panels(written) if "page" in p["title"])
    names = [[s.name for s in selectors_in(t["expr"])] for t in page["targets"]]
    assert names == [
        ["slokit:sli_error:ratio1h", "slokit_slo_target", "slokit_slo_info"],
        ["slokit:sli_error:ratio5m", "slokit_slo_target", "slokit_slo_info"],
    ]
    assert all(" / on(service, objective) (1 - slokit_slo_target{" in t["expr"] for t in page["targets"])


def test_objectives_with_other_tiers_get_their_own_panels_naming_them(definitions: Path) -> None:
    # shop-devs: one 7d objective; platform-ops: a 30d one with the workbook's tiers and billing's written
    # ones, so each burn panel shows only the objectives with that tier.
    ops = _by_title(_json(definitions))["SLOs: platform-ops"]
    titles = [p["title"] for p in _burn_panels(ops)]
    assert titles == [
        "Burn rate, page tier: 14.4x over 1h and 5m",
        "Burn rate, page tier: 6x over 6h and 30m",
        "Burn rate, ticket tier: 3x over 1d and 2h",
        "Burn rate, ticket tier: 1x over 3d and 6h",
    ]
    overview = _by_title(_json(definitions))["SLOs: overview"]
    seven_days = [p for p in _burn_panels(overview) if "shop/latency" in p["description"]]
    assert seven_days and all("(1 of 4 objectives)" in p["title"] for p in seven_days)
    for panel in seven_days:
        for target in panel["targets"]:
            info = [s for s in selectors_in(target["expr"]) if s.name == "slokit_slo_info"]
            assert len(info) == 1
            matchers = {(m.name, m.op, m.value) for m in info[0].matchers}
            assert {("service", "=", "shop"), ("objective", "=~", "latency")} <= matchers


def test_budget_panel_turns_orange_below_the_policys_warning(definitions: Path) -> None:
    budget = _json(definitions)[0]["panels"][0]
    assert budget["title"] == "Error budget remaining"
    assert _steps(budget) == [("red", None), ("orange", 0.0), ("green", 0.25)]
    assert budget["targets"][0]["instant"] is True


def test_alert_panels_count_every_slokit_alert_and_show_zero_without_one(definitions: Path) -> None:
    panels = {p["title"]: p for p in _json(definitions)[0]["panels"]}
    count = panels["Alerts firing"]["targets"][0]["expr"]
    assert 'ALERTS{alertstate="firing",long_window!="",' in count
    assert "or on(service, objective) 0 * group by (service, objective) (slokit_slo_info{" in count
    assert panels["Alerts firing now"]["targets"][0]["format"] == "table"


def test_panels_do_not_overlap_and_fit_the_grid(definitions: Path) -> None:
    for dashboard in _json(definitions):
        taken: set[tuple[int, int]] = set()
        for panel in dashboard["panels"]:
            g = panel["gridPos"]
            assert g["x"] + g["w"] <= 24
            cells = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
            assert not cells & taken, panel["title"]
            taken |= cells
        assert [p["id"] for p in dashboard["panels"]] == list(range(1, len(dashboard["panels"]) + 1))


def test_a_given_datasource_replaces_the_variable_everywhere(definitions: Path) -> None:
    for dashboard in _json(definitions, DatasourceRef("P1809F7CD0C75ACF3")):
        assert "datasource" not in [v["name"] for v in dashboard["templating"]["list"]]
        refs = [p["datasource"] for p in dashboard["panels"]]
        refs += [t["datasource"] for p in dashboard["panels"] for t in p["targets"]]
        refs += [v["datasource"] for v in dashboard["templating"]["list"]]
        assert refs and all(r == {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"} for r in refs)


def test_same_definitions_give_the_same_bytes(definitions: Path) -> None:
    first = [render(d) for d in build(load([definitions]))]
    second = [render(d) for d in build(load([definitions]))]
    assert first == second
    assert all(text.endswith("}\n") and '"id": null' in text for text in first)


def test_the_docs_quote_the_generated_uid_and_a_provider_reading_the_out_dir() -> None:
    import yaml

    root = Path(__file__).resolve().parents[3]
    docs = (root / "docs" / "dashboards.md").read_text()
    readme = (root / "README.md").read_text()
    assert f"`{team_uid('platform-ops')}`" in docs
    assert f"`{team_uid('platform-ops')}`" in readme
    provider = yaml.safe_load(docs.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert provider["apiVersion"] == 1
    (only,) = provider["providers"]
    assert only["type"] == "file"
    assert only["options"]["path"] == "/var/lib/grafana/dashboards/slokit"
    assert "slokit dashboards slo_definitions/ --out-dir /var/lib/grafana/dashboards/slokit" in docs
