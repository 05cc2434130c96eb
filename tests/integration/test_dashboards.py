"""The dashboards' queries against a real Prometheus that evaluates the generated rules over live data.

A tiny exporter (a thread in this process) serves counters that grow with the clock: a shop answering
25 requests a second, 5 of them 5xx (20 % errors: a burn of 20 on a 99 % target, over the 14.4x page
factor) and 30 % of them slower than the latency threshold, and a probe that always succeeds. Prometheus
scrapes it every second and loads `slokit rules`'s output as its rule file. Every panel's query is then
accepted by `/api/v1/format_query` and, once the rules have run, returns data for the objectives it shows,
with the dashboard's variables replaced by a real team, service and objective as Grafana would.

The one change to the generated rules: each group's `interval` (1m, 5m, the 10s slice) becomes 1s, so
that the first evaluation comes within a second instead of up to five minutes into the test. Names,
labels and expressions stay as generated, so the series the dashboards read are those production records.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from slokit.cli import run

from .servers import Server, _start, require_binary

pytestmark = pytest.mark.integration

DEFINITION = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: platform-ops}
  application: {team: shop-devs}
window: 30d
objectives:
  - name: availability
    kind: operational
    target: 99
    sli:
      ratio:
        bad: shop_requests_total{job="shop",code=~"5.."}
        total: shop_requests_total{job="shop"}
  - name: latency
    kind: application
    target: 99
    window: 7d
    sli:
      latency: {histogram: 'shop_request_seconds{job="shop"}', threshold: 0.5}
  - name: probe
    kind: application
    target: 99
    sli:
      timeslices: {query: 'min(shop_up{job="shop"})', good: '>= 1', slice: 10s}
alerting:
  name: ShopBudgetBurn
  page_alert: {labels: {severity: critical}}
"""
OBJECTIVES = {"availability": "platform-ops", "latency": "shop-devs", "probe": "shop-devs"}
ALERTING = {"availability", "latency"}  # 20 % errors and 30 % slow requests burn; the probe never fails
PER_SECOND, ERRORS, SLOW = 25.0, 5.0, 7.5
DEADLINE = 45.0  # seconds for every panel to have data


class _Exporter(BaseHTTPRequestHandler):
    started = time.time()

    def do_GET(self) -> None:
        t = time.time() - self.started
        n, bad, slow = PER_SECOND * t, ERRORS * t, SLOW * t
        body = (
            "# TYPE shop_requests_total counter\n"
            f'shop_requests_total{{code="200"}} {n - bad}\n'
            f'shop_requests_total{{code="500"}} {bad}\n'
            "# TYPE shop_request_seconds histogram\n"
            f'shop_request_seconds_bucket{{le="0.1"}} {(n - slow) / 2}\n'
            f'shop_request_seconds_bucket{{le="0.5"}} {n - slow}\n'
            f'shop_request_seconds_bucket{{le="+Inf"}} {n}\n'
            f"shop_request_seconds_count {n}\n"
            f"shop_request_seconds_sum {0.3 * n}\n"
            "# TYPE shop_up gauge\n"
            "shop_up 1\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Live:
    server: Server
    dashboards: list[dict[str, Any]]
    groups: int


@contextlib.contextmanager
def _exporter() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Exporter)
    thread = threading.Thread(target=httpd.serve_forever, name="exporter", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    prometheus = require_binary("prometheus", "prometheus")
    work = tmp_path_factory.mktemp("dashboards")
    definitions = work / "shop.yaml"
    definitions.write_text(DEFINITION)
    rules = work / "rules.yaml"
    assert run(["rules", str(definitions), "-o", str(rules)]) == 0
    generated = rules.read_text()
    fast, groups = re.subn(r"(?m)^( +interval: )\S+$", r"\g<1>1s", generated)
    assert groups == len(OBJECTIVES)
    rules.write_text(fast)
    out = work / "dashboards"
    assert run(["dashboards", str(definitions), "--out-dir", str(out)]) == 0
    dashboards = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    with _exporter() as target:
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{rules}']\n"
            f"scrape_configs:\n  - job_name: shop\n    static_configs: [{{targets: ['{target}']}}]\n"
        )

        def argv(port: int) -> list[str]:
            return [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={work / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]

        server = _start("prometheus (dashboards)", argv, "/-/ready", work / "prometheus.log")
        try:
            yield Live(server, dashboards, groups)
        finally:
            server.stop()


MACROS = {"$__rate_interval": "1m", "$__interval": "1s", "$__range": "1m"}


def _grafana_regex(value: str) -> str:
    """A variable's value in a `=~` matcher, as Grafana's Prometheus data source escapes it."""
    return re.sub(r"([\\^$*+?.()|{}\[\]])", r"\\\\\1", value)


def substitute(expr: str, team: str, objective: str) -> str:
    for macro, value in MACROS.items():
        expr = expr.replace(macro, value)
    values = {"team": team, "service": "shop", "objective": objective}
    expr = re.sub(r"\$(team|service|objective)\b", lambda m: _grafana_regex(values[m.group(1)]), expr)
    assert "$" not in expr, expr
    return expr


def _panels(live: Live) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for dashboard in live.dashboards:
        for panel in dashboard["panels"]:
            yield dashboard, panel


def _scope(dashboard: dict[str, Any]) -> dict[str, str]:
    """The objectives a dashboard shows, with their team: the team's, or all (the overview)."""
    if dashboard["uid"] == "slokit-overview":
        return OBJECTIVES
    team = dashboard["title"].removeprefix("SLOs: ")
    return {name: t for name, t in OBJECTIVES.items() if t == team}


def _query(server: Server, target: dict[str, Any], expr: str) -> list[dict[str, Any]]:
    now = time.time()
    if target["instant"]:
        r = requests.post(f"{server.url}/api/v1/query", data={"query": expr, "time": now}, timeout=10)
    else:
        params = {"query": expr, "start": now - 60, "end": now, "step": 1}
        r = requests.post(f"{server.url}/api/v1/query_range", data=params, timeout=10)
    r.raise_for_status()
    result: list[dict[str, Any]] = r.json()["data"]["result"]
    return result


def _answers(live: Live) -> dict[tuple[str, int, str, str], list[dict[str, Any]]]:
    """Every target of every panel, for every objective its dashboard shows."""
    out = {}
    for dashboard, panel in _panels(live):
        for name, team in _scope(dashboard).items():
            for target in panel["targets"]:
                expr = substitute(target["expr"], team, name)
                out[(dashboard["uid"], panel["id"], target["refId"], name)] = _query(
                    live.server, target, expr
                )
    return out


def _shown(dashboard: dict[str, Any], panel: dict[str, Any]) -> set[str]:
    """The objectives a panel should have data for: its dashboard's; only those with alerts firing for the
    alert table; for a burn-rate panel of some objectives (another tier set), the ones it names."""
    shown = set(_scope(dashboard))
    if panel["title"] == "Alerts firing now":
        return shown & ALERTING
    if panel["title"].startswith("Burn rate") and "Objectives:" in panel["description"]:
        return {name for name in shown if f"shop/{name}" in panel["description"]}
    return shown


def _missing(live: Live, answers: dict[tuple[str, int, str, str], list[dict[str, Any]]]) -> list[str]:
    """The targets that do not answer exactly the objectives their panel shows."""
    missing = []
    for dashboard, panel in _panels(live):
        for target in panel["targets"]:
            key = (dashboard["uid"], panel["id"], target["refId"])
            got = {name for (*k, name), rows in answers.items() if tuple(k) == key and rows}
            if got != _shown(dashboard, panel):
                where = f"{dashboard['uid']} / {panel['title']} / {target['refId']}"
                missing.append(f"{where}: {sorted(got)} != {sorted(_shown(dashboard, panel))}")
    return missing


def test_every_panel_query_is_accepted_by_format_query(live: Live) -> None:
    exprs = [t["expr"] for _, p in _panels(live) for t in p["targets"]]
    for expr in exprs:
        for text in (expr, substitute(expr, "platform-ops", "availability")):
            r = requests.post(f"{live.server.url}/api/v1/format_query", data={"query": text}, timeout=10)
            assert r.status_code == 200, (text, r.text)
            assert r.json()["status"] == "success"
    assert len(exprs) >= 3 * 9  # three dashboards, budget, alerts (2), SLI (2), four burn panels at least


def test_every_panel_query_returns_data_for_the_objectives_it_shows(live: Live) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        answers = _answers(live)
        missing = _missing(live, answers)
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert missing == [], live.server.log_tail()
    # The burn alerts, renamed and with their page severity replaced by the definition, are still shown.
    table = next(
        (d["uid"], p["id"])
        for d, p in _panels(live)
        if d["title"] == "SLOs: platform-ops" and p["title"] == "Alerts firing now"
    )
    shown = {
        (r["metric"]["alertname"], r["metric"]["severity"]) for r in answers[(*table, "A", "availability")]
    }
    assert {("ShopBudgetBurn", "critical"), ("ShopBudgetBurn", "ticket")} <= shown
    # Each answer is about the objective substituted in the variables, not every objective of the team.
    for (_uid, _panel, _ref, name), rows in answers.items():
        for row in rows:
            assert (row["metric"].get("service"), row["metric"].get("objective")) == ("shop", name)


def test_the_variables_offer_the_teams_services_and_objectives_the_rules_record(live: Live) -> None:
    # Grafana answers label_values(SELECTOR, LABEL) with the label's values among SELECTOR's series. The
    # info series exist once the groups have run (the test above waits for that).
    for dashboard in live.dashboards:
        wanted = {
            "team": sorted(set(OBJECTIVES.values())),
            "service": ["shop"],
            "objective": sorted(_scope(dashboard)),
        }
        variables = [v for v in dashboard["templating"]["list"] if v["type"] == "query"]
        assert [v["name"] for v in variables] == [
            *(["team"] if dashboard["uid"] == "slokit-overview" else []),
            "service",
            "objective",
        ]
        for variable in variables:
            match = re.fullmatch(r"label_values\((.+), (\w+)\)", variable["query"])
            assert match is not None and match.group(2) == variable["name"]
            # "All" is the variable's allValue, ".*".
            selector = match.group(1).replace("$team", ".*").replace("$service", "shop")
            r = requests.get(
                f"{live.server.url}/api/v1/label/{variable['name']}/values",
                params={"match[]": selector},
                timeout=10,
            )
            r.raise_for_status()
            assert r.json()["data"] == wanted[variable["name"]], (dashboard["title"], variable["name"])
