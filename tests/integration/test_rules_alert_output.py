"""The burn alerts' name, labels and annotations from a definition's ``alerting`` (the service's, and an
objective's over it), and ``disable``, in the rules `slokit rules` writes: checked by promtool (`check rules`,
and `test rules` on series that burn the budget 50 times over, so that every tier fires)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from slokit.cli import run

from .servers import require_binary

pytestmark = pytest.mark.integration

MINUTES = 60 * 3
DEFINITION = """\
apiVersion: slokit/v1
service: shop
owners: {application: {team: web}}
labels: {domain: retail}
alerting:
  name: ShopBudgetBurn
  labels: {category: availability}
  annotations: {runbook: "https://runbooks.example/shop", summary: "Shop burns {{ $value }}"}
  page_alert:
    labels: {severity: critical, route: pager}
    annotations: {summary: "Shop pages"}
  ticket_alert:
    labels: {severity: warning}
objectives:
  - name: orders
    kind: application
    target: 99
    sli: {ratio: {bad: 'req_total{job="orders",code="500"}', total: 'req_total{job="orders"}'}}
  - name: search
    kind: application
    target: 99
    sli: {ratio: {bad: 'req_total{job="search",code="500"}', total: 'req_total{job="search"}'}}
    alerting:
      name: SearchBurn
      labels: {category: search}
      ticket_alert: {disable: true}
"""


def _series(job: str) -> list[dict[str, str]]:
    # 1000 requests a minute, half of them failing: a burn of 50 on a 1 % budget, over every tier's factor.
    return [
        {"series": f'req_total{{job="{job}",code="200"}}', "values": f"0+500x{MINUTES}"},
        {"series": f'req_total{{job="{job}",code="500"}}', "values": f"0+500x{MINUTES}"},
    ]


def _rules(tmp_path: Path) -> Path:
    (tmp_path / "shop.yaml").write_text(DEFINITION, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    assert run(["rules", str(tmp_path / "shop.yaml"), "-o", str(rules)]) == 0
    return rules


def test_alert_names_labels_and_annotations_from_the_definition_pass_promtool(tmp_path: Path) -> None:
    promtool = require_binary("promtool", "prometheus")
    rules = _rules(tmp_path)
    checked = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    alerts = [
        rule
        for group in yaml.safe_load(rules.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule and rule["alert"] not in ("ErrorBudgetExhausted", "ErrorBudgetLow")
    ]
    orders = [a for a in alerts if a["labels"]["objective"] == "orders"]
    search = [a for a in alerts if a["labels"]["objective"] == "search"]
    # The default tiers: two page and two ticket tiers for orders; search's tickets are disabled.
    assert sorted((a["alert"], a["labels"]["severity"]) for a in orders) == [
        ("ShopBudgetBurn", "critical"),
        ("ShopBudgetBurn", "critical"),
        ("ShopBudgetBurn", "warning"),
        ("ShopBudgetBurn", "warning"),
    ]
    assert sorted((a["alert"], a["labels"]["severity"]) for a in search) == [
        ("SearchBurn", "critical"),
        ("SearchBurn", "critical"),
    ]
    page = next(a for a in orders if a["labels"]["severity"] == "critical")
    assert page["labels"]["route"] == "pager"
    assert page["labels"]["category"] == "availability"
    assert page["labels"]["domain"] == "retail"  # the service's labels stay
    assert page["labels"]["team"] == "web"  # slokit's labels stay
    assert page["annotations"]["summary"] == "Shop pages"  # the page's own over the common one
    assert page["annotations"]["runbook"] == "https://runbooks.example/shop"
    assert page["annotations"]["description"].startswith("Application objective shop/orders")  # slokit's
    ticket = next(a for a in orders if a["labels"]["severity"] == "warning")
    assert "route" not in ticket["labels"]
    assert ticket["annotations"]["summary"] == "Shop burns {{ $value }}"  # a template, as in Prometheus
    assert next(a for a in search)["labels"]["category"] == "search"  # the objective's over the service's


def test_the_renamed_alerts_fire_with_their_labels_under_promtool(tmp_path: Path) -> None:
    promtool = require_binary("promtool", "prometheus")
    rules = _rules(tmp_path)
    firing = 'count by (alertname, objective, severity, route) (ALERTS{alertstate="firing"})'

    def sample(alert: str, objective: str, severity: str, count: int, route: str = "") -> dict[str, object]:
        labels = f'alertname="{alert}",objective="{objective}",severity="{severity}"'
        return {"labels": "{" + labels + (f',route="{route}"' if route else "") + "}", "value": count}

    test = {
        "rule_files": [str(rules)],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": _series("orders") + _series("search"),
                "promql_expr_test": [
                    {
                        "expr": firing,
                        "eval_time": "2h",
                        "exp_samples": [
                            sample("ShopBudgetBurn", "orders", "critical", 2, "pager"),
                            sample("ShopBudgetBurn", "orders", "warning", 2),
                            sample("SearchBurn", "search", "critical", 2, "pager"),
                            sample("ErrorBudgetExhausted", "orders", "ticket", 1),
                            sample("ErrorBudgetExhausted", "search", "ticket", 1),
                        ],
                    }
                ],
            }
        ],
    }
    test_file = tmp_path / "test.yaml"
    test_file.write_text(json.dumps(test, indent=1), encoding="utf-8")
    done = subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
