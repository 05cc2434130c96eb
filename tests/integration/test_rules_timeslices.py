"""Time-slice rules count one slice per step, never one per series (issue 12, found in review).

The report refuses a slice query that returns several series ("expected one series"); before this, the rules
counted such a query once per series, spending the budget that many times too fast. Now a step whose query
returns several series records no slice, and one series records one, checked by ``promtool test rules``.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path

import pytest

from slokit.cli import run

from .servers import require_binary

pytestmark = pytest.mark.integration

DEFINITION = """\
apiVersion: slokit/v1
service: probes
owners:
  operational: {team: platform-ops}
window: 1d
objectives:
  - name: aggregated
    kind: operational
    target: 99
    sli: {timeslices: {query: 'min(probe_success{job="blackbox"})', good: '>= 1', slice: 1m}}
  - name: per-region
    kind: operational
    target: 99
    sli: {timeslices: {query: 'probe_success{job="blackbox"}', good: '>= 1', slice: 1m}}
"""

TESTS = """\
rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'probe_success{job="blackbox",region="eu"}', values: '1x30'}
      - {series: 'probe_success{job="blackbox",region="us"}', values: '0x30'}
    promql_expr_test:
      - expr: slokit:sli_events_total:increase1m{objective="aggregated"}
        eval_time: 10m
        exp_samples:
          - labels: '{__name__="slokit:sli_events_total:increase1m",objective="aggregated",service="probes"}'
            value: 1
      - expr: slokit:sli_events_bad:increase1m{objective="aggregated"}
        eval_time: 10m
        exp_samples:
          - labels: '{__name__="slokit:sli_events_bad:increase1m",objective="aggregated",service="probes"}'
            value: 1
      - expr: slokit:sli_events_total:increase1m{objective="per-region"}
        eval_time: 10m
        exp_samples: []
      - expr: slokit:sli_events_bad:increase1m{objective="per-region"}
        eval_time: 10m
        exp_samples: []
"""


def test_a_slice_query_returning_several_series_records_no_slice(tmp_path: Path) -> None:
    promtool = require_binary("promtool", "prometheus")
    (tmp_path / "probes.yaml").write_text(DEFINITION, encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = run(["rules", str(tmp_path / "probes.yaml"), "-o", str(tmp_path / "rules.yaml")])
    assert code == 0, err.getvalue()
    (tmp_path / "tests.yaml").write_text(TESTS, encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
