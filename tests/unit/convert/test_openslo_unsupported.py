"""What slokit cannot express is an error naming the file, the line and the SLO, and the file's other SLOs
still convert: one test per construct."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.convert.model import ImportOptions
from slokit.convert.openslo import convert

GOOD = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: fine
spec:
  service: shop
  indicator:
    metadata: {name: fine}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code!~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"""


def _slo(
    name: str, indicator: str, *, method: str = "Occurrences", objectives: str = "    - target: 0.99\n"
) -> str:
    return f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
spec:
  service: shop
{indicator}  budgetingMethod: {method}
  objectives:
{objectives}"""


def _ratio(kind: str, query: str = "x_total", *, counter: str = "true", marker: str = "  # marker") -> str:
    return f"""  indicator:
    metadata: {{name: i}}
    spec:
      ratioMetric:
        counter: {counter}
        good: {{metricSource: {{type: {kind}, spec: {{query: '{query}'}}}}}}{marker}
        total: {{metricSource: {{type: {kind}, spec: {{query: y_total}}}}}}
"""


CASES = {
    "datadog": (
        _slo("dd", _ratio("Datadog", "sum:trace.hits{*}.as_count()")),
        "dd: data source type Datadog: slokit reads Prometheus (and Prometheus-compatible servers) only",
    ),
    "cloudwatch": (
        _slo("cw", _ratio("CloudWatch")),
        "cw: data source type CloudWatch: slokit reads Prometheus (and Prometheus-compatible servers) only",
    ),
    "any": (
        _slo("anything", _ratio("Any")),
        "anything: data source type Any: slokit reads Prometheus (and Prometheus-compatible servers) only",
    ),
    "ratio-timeslices": (
        _slo("rts", _ratio("Prometheus", marker=""), method="RatioTimeslices  # marker"),
        "rts: budgetingMethod RatioTimeslices (the average of the slices' ratios) cannot be expressed: "
        "slokit counts events (Occurrences) or good slices (Timeslices)",
    ),
    "several-targets": (
        _slo(
            "two",
            _ratio("Prometheus", marker=""),
            objectives="    - target: 0.99\n    - target: 0.95  # marker\n",
        ),
        "two: several objectives with different targets (99 %, 95 %): a slokit objective has one target; "
        "write one SLO per target",
    ),
    "missing-indicator-ref": (
        _slo("lost", "  indicatorRef: nowhere  # marker\n"),
        "lost: indicatorRef 'nowhere': no SLI named nowhere in the given files",
    ),
    "missing-datasource-ref": (
        _slo(
            "noref",
            """  indicator:
    metadata: {name: i}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {metricSourceRef: nowhere, spec: {query: x_total}}}  # marker
        total: {metricSource: {type: Prometheus, spec: {query: y_total}}}
""",
        ),
        "noref: metricSourceRef 'nowhere': no DataSource named nowhere in the given files",
    ),
    "raw-ratio": (
        _slo(
            "raw",
            """  indicator:
    metadata: {name: i}
    spec:
      ratioMetric:
        rawType: success
        raw: {metricSource: {type: Prometheus, spec: {query: ratio}}}  # marker
""",
        ),
        "raw: a raw ratioMetric (precomputed ratios) gives no event counts: slokit needs good or bad, "
        "and total",
    ),
    "rate-query": (
        _slo("rated", _ratio("Prometheus", "sum(rate(x_total[5m]))")),
        "rated: query 'sum(rate(x_total[5m]))': rate() at character 5: only series selectors, increase() "
        "over a range, sum (by/without) and + add up to event counts",
    ),
    "gauge-counter-false": (
        _slo("gauge", _ratio("Prometheus", "x_good", counter="false")),
        "gauge: query 'x_good': x_good with counter: false is a value per data point, not a count of events: "
        "give counter: true for a counter, or increase(...[range]) for events",
    ),
    "threshold-occurrences": (
        _slo(
            "points",
            """  indicator:
    metadata: {name: i}
    spec:
      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: up}}}
""",
            method="Occurrences  # marker",
        ),
        "points: thresholdMetric with budgetingMethod Occurrences: slokit counts good values only as time "
        "slices; use Timeslices with a timeSliceWindow",
    ),
    "threshold-op-not-an-operator": (
        _slo(
            "odd",
            """  indicator:
    metadata: {name: i}
    spec:
      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: up}}}
""",
            method="Timeslices",
            objectives="    - {op: {gte: 1}, value: 1, target: 0.99, timeSliceWindow: 1m}  # marker\n",
        ),
        "odd: a thresholdMetric objective needs op lte, gte, lt or gt (got {gte: 1})",
    ),
    "rolling-month": (
        _slo("monthly", _ratio("Prometheus", marker="") + "  timeWindow:\n    - duration: 1M  # marker\n"),
        "monthly: a rolling window of 1M has no fixed length: give days, e.g. 30d or 4w",
    ),
    "two-month-calendar": (
        _slo(
            "bimonthly",
            _ratio("Prometheus", marker="")
            + "  timeWindow:\n    - duration: 2M  # marker\n      calendar: {timeZone: UTC}\n",
        ),
        "bimonthly: calendar window 2M: slokit's are a month (1M), a week (1w) or a quarter (1Q)",
    ),
    "calendar-not-aligned": (
        _slo(
            "shifted",
            _ratio("Prometheus", marker="")
            + "  timeWindow:\n    - duration: 1M\n      calendar:\n"
            + "        startTime: 2020-01-21 12:30:00  # marker\n        timeZone: UTC\n",
        ),
        "shifted: calendar window starting 2020-01-21 12:30:00: slokit's months start on the 1st at 00:00",
    ),
    "alert-severity": (
        _slo(
            "paged",
            _ratio("Prometheus", marker="")
            + """  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: p}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: c}
            spec:  # marker
              severity: sev1
              condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
""",
        ),
        "paged: alert severity 'sev1': slokit's alert tiers are page or ticket",
    ),
    "missing-alert-policy-ref": (
        _slo(
            "unpaged",
            _ratio("Prometheus", marker="") + "  alertPolicies:\n    - alertPolicyRef: gone  # marker\n",
        ),
        "unpaged: alertPolicyRef 'gone': no AlertPolicy named gone in the given files",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_unsupported_construct_is_an_error_with_file_and_line_and_the_rest_converts(
    case: str, tmp_path: Path
) -> None:
    bad, message = CASES[case]
    text = GOOD + "---\n" + bad
    path = tmp_path / "slos.yaml"
    path.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "# marker" in row)
    conversion = convert([path], ImportOptions(kind="operational", team="ops"))
    assert [str(p) for p in conversion.problems] == [f"{path}:{line}: {message}"]
    (service,) = conversion.services
    assert [o["name"] for o in service.document["objectives"]] == ["fine"]
