"""Generated rules through Prometheus's own readers: `promtool check rules` on the examples and on
hypothesis-made definitions (every SLI kind, window form and tier form, hostile label values), a ratio of
sums over uneven traffic under `promtool test rules`, and a real Prometheus loading the file."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slokit.cli import run
from slokit.errors import DefinitionError
from slokit.rules import build, render_prometheus
from slokit.spec import load

from .servers import _start, require_binary

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    promtool = require_binary("promtool", "prometheus")
    return subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_accepts_the_examples_rules(tmp_path: Path) -> None:
    out = tmp_path / "rules.yaml"
    assert run(["rules", str(ROOT / "slo_definitions"), "-o", str(out)]) == 0
    done = _check(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_accepts_the_kubernetes_objects_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["rules", str(ROOT / "slo_definitions"), "--format", "kubernetes"]) == 0
    groups = [g for o in yaml.safe_load_all(capsys.readouterr().out) for g in o["spec"]["groups"]]
    (tmp_path / "groups.yaml").write_text(json.dumps({"groups": groups}), encoding="utf-8")
    done = _check(tmp_path / "groups.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_queries_ending_in_a_promql_comment(tmp_path: Path) -> None:
    # A comment runs to the end of its line: wrapped as sum(QUERY), it swallowed the closing parenthesis
    # ("unclosed left parenthesis") although validate accepts the query and Prometheus runs it alone.
    definition = tmp_path / "commented.yaml"
    definition.write_text(
        "apiVersion: slokit/v1\nservice: commented\nowners: {operational: {team: ops}}\nobjectives:\n"
        "  - name: ratio\n    kind: operational\n    target: 99.9\n    sli:\n      ratio:\n"
        "        good_query: 'sum(increase(http_requests_total{code!~\"5..\"}[{{ window }}])) # good'\n"
        "        total_query: 'sum(increase(http_requests_total[{{ window }}])) # all'\n"
        "  - name: slices\n    kind: operational\n    target: 99\n    sli:\n      timeslices:\n"
        "        query: 'min(probe_success) # every region'\n        good: '>= 1'\n        slice: 1m\n",
        encoding="utf-8",
    )
    out = tmp_path / "rules.yaml"
    assert run(["rules", str(definition), "-o", str(out)]) == 0
    done = _check(out)
    assert done.returncode == 0, done.stdout + done.stderr


# Label values and team names a definition may hold: quotes, backslashes, template braces, other scripts.
TEXT = st.sampled_from(["plain", 'say "hi"', "back\\slash", "{{ $value }}", "{{", "größe", "a'b", "日本", ""])
WINDOWS = st.sampled_from(
    [
        "30d",
        "28d",
        "7d",
        "1d",
        "6h",
        "1h",
        {"calendar": "month", "timezone": "Europe/Berlin"},
        {"calendar": "week"},
        {"calendar": "quarter"},
    ]
)


@st.composite
def slis(draw: Any, job: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["good", "bad", "good_query", "bad_query", "latency", "timeslices"]))
    sel = f'{{job="{job}",path=~"/a.*"}}'
    if kind in ("good", "bad"):
        return {
            "ratio": {
                kind: f'http_requests_total{sel[:-1]},code!~"5.."}}',
                "total": f"http_requests_total{sel}",
            }
        }
    if kind in ("good_query", "bad_query"):
        q = f"sum(rate(x_total{sel}[{{{{ window }}}}])) * 300"
        return {"ratio": {kind: q, "total_query": f"sum(increase(y_total{sel}[{{{{window}}}}]))"}}
    if kind == "latency":
        threshold = draw(st.sampled_from([0.005, 0.25, 1, 2.5, 10, 1e-05, 300]))
        return {"latency": {"histogram": f"h_seconds{sel}", "threshold": threshold}}
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    return {
        "timeslices": {
            "query": f"min(up{sel})",
            "good": f"{op} {draw(st.sampled_from([0, 1, 0.5, 1000]))}",
            "slice": draw(st.sampled_from(["10s", "1m", "5m"])),
        }
    }


@st.composite
def definitions(draw: Any) -> dict[str, Any]:
    objectives = [
        {
            "name": f"o{i}",
            "kind": draw(st.sampled_from(["operational", "application"])),
            "target": draw(st.sampled_from([90, 99, 99.5, 99.9, 99.95, 99.999])),
            "sli": draw(slis(f"j{i}")),
            **({"window": w} if (w := draw(st.none() | WINDOWS)) is not None else {}),
        }
        for i in range(draw(st.integers(1, 4)))
    ]
    spec: dict[str, Any] = {
        "apiVersion": "slokit/v1",
        "service": draw(st.sampled_from(["api", "Web_1", "a.b-c"])),
        "owners": {
            "operational": {"team": draw(TEXT.filter(bool))},
            "application": {"team": draw(TEXT.filter(bool))},
        },
        "window": draw(WINDOWS),
        "labels": draw(
            st.dictionaries(st.sampled_from(["tier", "severity", "team", "env", "y"]), TEXT, max_size=3)
        ),
        "objectives": objectives,
        "policy": {"warn_below": draw(st.sampled_from([0, 25, 50, 100]))},
    }
    alerting: dict[str, Any] = {}
    if draw(st.booleans()):
        alerting["page"] = [{"long": "1h", "short": "5m", "budget": draw(st.sampled_from([5, 10]))}]
        alerting["ticket"] = [{"long": "6h", "short": "30m", "budget": 20}]
    if draw(st.booleans()):
        alerting["min_events"] = draw(st.sampled_from([1, 100, 10**9]))
    if draw(st.booleans()):
        alerting["absent_for"] = draw(st.sampled_from(["10m", "1h"]))
    if alerting:
        spec["alerting"] = alerting
    if draw(st.booleans()):
        objectives[0]["min_events"] = 5
        objectives[0]["runbook"] = "https://runbooks.example.com/a?b={{x}}&c='d'"
    return spec


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=definitions())
def test_promtool_accepts_rules_of_generated_definitions(spec: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "def.yaml"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    try:
        loaded = load([path])
    except DefinitionError:
        assume(False)  # e.g. tiers that do not fit a 1h window: refused before rules are made
        raise
    text = render_prometheus([r.group for r in build(loaded)], loaded.files)
    out = tmp_path / "rules.yaml"
    out.write_text(text, encoding="utf-8")
    done = _check(out)
    assert done.returncode == 0, done.stdout + done.stderr
    # Label values arrive as written (the info series is not a template).
    info = [
        r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if r.get("record") == "slokit_slo_info"
    ]
    assert {r["labels"]["team"] for r in info} <= {o["team"] for o in spec["owners"].values()}
    for r in info:
        for key, value in spec["labels"].items():
            if key not in ("team",):
                assert r["labels"][key] == value


def test_the_error_ratio_of_a_window_is_bad_over_total_events_not_a_mean_of_ratios(tmp_path: Path) -> None:
    # 55 minutes of 1,000 clean requests a minute, then 5 minutes of 10 failing ones: over the hour 50 bad
    # of 55,050 (0.09 %); the mean of the twelve 5-minute ratios would be 1/12 (8.3 %).
    (tmp_path / "api.yaml").write_text(
        "apiVersion: slokit/v1\nservice: api\nowners: {operational: {team: ops}}\nobjectives:\n"
        "  - {name: avail, kind: operational, target: 99.9,\n"
        "     sli: {ratio: {bad: 'e_total', total: 't_total'}}}\n",
        encoding="utf-8",
    )
    assert run(["rules", str(tmp_path / "api.yaml"), "-o", str(tmp_path / "rules.yaml")]) == 0
    series = 'slokit:sli_error:ratio1h{objective="avail",service="api"}'
    test = {
        "rule_files": [str(tmp_path / "rules.yaml")],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": "t_total", "values": "0+1000x55 55010+10x4"},
                    {"series": "e_total", "values": "0x55 10+10x4"},
                ],
                "promql_expr_test": [
                    {
                        "expr": series,
                        "eval_time": "1h",
                        "exp_samples": [{"labels": series, "value": 50 / 55050}],
                    },
                    # The budget figure follows the same sums: 1 - 0.000908 / 0.001.
                    {
                        "expr": 'slokit:error_budget_remaining:ratio{service="api"}',
                        "eval_time": "1h",
                        "exp_samples": [
                            {
                                "labels": "slokit:error_budget_remaining:ratio"
                                '{objective="avail",service="api"}',
                                "value": 1 - 50 / 55050 / 0.001,
                            }
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(json.dumps(test), encoding="utf-8")
    promtool = require_binary("promtool", "prometheus")
    done = subprocess.run(
        [promtool, "test", "rules", str(tmp_path / "test.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_prometheus_loads_the_examples_rules_and_every_group_evaluates_healthy(tmp_path: Path) -> None:
    prometheus = require_binary("prometheus", "prometheus")
    rules = tmp_path / "slokit.yaml"
    assert run(["rules", str(ROOT / "slo_definitions"), "-o", str(rules)]) == 0
    text = rules.read_text(encoding="utf-8")
    # The same rules every second, so that each group has been evaluated (and found healthy or not) within
    # the test rather than at its first 5-minute tick.
    fast = tmp_path / "fast.yaml"
    fast.write_text(
        "\n".join(
            "    interval: 1s" if line.startswith("    interval: ") else line for line in text.splitlines()
        ),
        encoding="utf-8",
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global: {{}}\nrule_files: [{json.dumps(str(rules))}, {json.dumps(str(fast))}]\n")

    def argv(port: int) -> list[str]:
        return [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]

    server = _start("prometheus", argv, "/-/ready", tmp_path / "prometheus.log")
    try:
        names = [g["name"] for g in yaml.safe_load(text)["groups"]]
        deadline = time.monotonic() + 30
        while True:
            groups = requests.get(server.url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
            loaded = {(Path(g["file"]).name, g["name"]): g for g in groups}
            fast_rules = [r for g in groups if Path(g["file"]).name == "fast.yaml" for r in g["rules"]]
            if all(r["health"] != "unknown" for r in fast_rules) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert sorted(loaded) == sorted(
            [("fast.yaml", n) for n in names] + [("slokit.yaml", n) for n in names]
        )
        assert {g["interval"] for g in groups if Path(g["file"]).name == "slokit.yaml"} == {300.0, 60.0}
        unhealthy = [(r["name"], r["health"], r.get("lastError")) for r in fast_rules if r["health"] != "ok"]
        assert unhealthy == []
        assert len(fast_rules) == sum(len(g["rules"]) for g in yaml.safe_load(text)["groups"])
    finally:
        server.stop()
