"""What review R15a found importing Sloth's and OpenSLO's own example files: v1alpha SLOs without
budgetingMethod, PromQL keywords in capitals, YAML values in messages, @ and offset, slokit's own template."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.convert import openslo, sloth
from slokit.convert.counters import events
from slokit.convert.model import ImportOptions
from slokit.convert.openslo_sli import counts
from slokit.convert.sloth_rate import Refused, convert
from slokit.convert.write import render
from slokit.spec.loader import load

HERE = Path(__file__).parent / "openslo"
DEFAULTED = "no budgetingMethod: Occurrences (events counted), as Sloth reads an openslo/v1alpha SLO"
OPTIONS = ImportOptions(kind="operational", team="t")


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "v1alpha-sloth-one.yml",
            {"api-availability": (99.5, 'sum(increase(api_requests_total{code!~"5.."}[{{ window }}]))')},
        ),
        (
            "v1alpha-sloth-two.yml",
            {
                "queue-success": (99, 'sum(increase(jobs_total{result="ok"}[{{ window }}]))'),
                "queue-latency-0": (90, 'sum(increase(job_seconds_bucket{le="1"}[{{ window }}]))'),
                "queue-latency-1": (99, 'sum(increase(job_seconds_bucket{le="10"}[{{ window }}]))'),
            },
        ),
    ],
)
def test_v1alpha_slo_without_budgeting_method_counts_events_as_sloth_does(
    fixture: str, expected: dict[str, tuple[float, str]], tmp_path: Path
) -> None:
    conversion = openslo.convert([HERE / fixture], OPTIONS)
    assert [str(p) for p in conversion.problems] == []
    (service,) = conversion.services
    got = {o["name"]: (o["target"], o["sli"]["ratio"]["good_query"]) for o in service.document["objectives"]}
    assert got == expected
    text = render(service)
    assert text.count(f"# {DEFAULTED}") == len(expected)
    path = tmp_path / "out.yaml"
    path.write_text(text)
    (loaded,) = load([path]).services  # raises on any problem
    assert [o.name for o in loaded.spec.objectives] == list(expected)


def test_v1_slo_without_budgeting_method_is_refused_as_the_spec_requires_it(tmp_path: Path) -> None:
    path = tmp_path / "v1.yaml"
    path.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  service: s\n"
        "  indicator:\n    metadata:\n      name: i\n    spec:\n      ratioMetric:\n        counter: true\n"
        "        good:\n          metricSource:\n            type: Prometheus\n            spec:\n"
        "              query: ok_total\n        total:\n          metricSource:\n"
        "            type: Prometheus\n            spec:\n              query: all_total\n"
        "  objectives:\n    - target: 0.99\n"
    )
    conversion = openslo.convert([path], OPTIONS)
    assert [p.message for p in conversion.problems] == [
        "no budgetingMethod: OpenSLO v1 requires it, Occurrences or Timeslices"
    ]


def test_promql_keywords_in_capitals_are_read_in_sloth_queries() -> None:
    query = "SUM BY (code) (rate(a[{{.window}}])) OR ON() vector(0)"
    assert convert(query).query == "SUM BY (code) (increase(a[{{ window }}])) OR ON() vector(0)"
    # Sloth's home-wifi example: with `OR` read, the real reason shows instead of "unexpected 'OR'".
    with pytest.raises(Refused) as caught:
        convert("sum_over_time((count(x < 0.75))[{{.window}}:]) OR on() vector(0)")
    assert str(caught.value) == (
        "sum_over_time() over {{.window}} is not rate() or increase(): slokit needs the rates only summed "
        "(sum, +, -) to turn them into event counts"
    )


def test_promql_keywords_in_capitals_are_read_in_openslo_queries() -> None:
    assert events("SUM(increase(a[5m]))", counter=True).query == "SUM(increase(a[{{ window }}]))"
    assert events("Sum Without (pod) (b)", counter=True).query == (
        "sum(Sum Without (pod) (increase(b[{{ window }}])))"
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "sum(rate(a[{{.window}}] @ 100))",
            "@ 100: the range would end at a fixed instant, not at the end of each window slokit evaluates, "
            "so its events would not be the window's; remove the @ modifier",
        ),
        (
            "sum(rate(a[{{.window}}] offset 1h))",
            "offset 1h: the range would be shifted away from the window slokit evaluates, so its events "
            "would not be the window's; remove the offset",
        ),
        (
            "sum(rate(a[{{.window}}] OFFSET -5m))",
            "OFFSET -5m: the range would be shifted away from the window slokit evaluates, so its events "
            "would not be the window's; remove the offset",
        ),
    ],
)
def test_at_and_offset_modifiers_are_refused_in_sloth_queries(query: str, message: str) -> None:
    with pytest.raises(Refused) as caught:
        convert(query)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("sum(increase(a[5m] offset 1h))", "offset at character 20"),
        ("increase(a[5m] @ 9)", "@ at character 16"),
    ],
)
def test_at_and_offset_modifiers_are_refused_in_openslo_queries(query: str, where: str) -> None:
    with pytest.raises(ValueError) as caught:
        events(query, counter=True)
    assert str(caught.value) == (
        f"{where}: a range shifted or pinned to a fixed instant is not the window slokit evaluates, "
        "so its events would not be the window's"
    )


def test_openslo_query_with_slokits_own_window_template_is_taken_as_written() -> None:
    query = 'sum(increase(http_requests_total{code=~"5.."}[{{ window }}]))'
    found = counts(query, counter=True, line=62)
    assert found.query == query
    assert found.rewritten == ("slokit's own {{ window }} query, taken as written",)
    assert (
        counts("sum(increase(a[{{window}}]))", counter=False, line=1).query
        == "sum(increase(a[{{ window }}]))"
    )


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ("", "no objective: Sloth's objective is the target percentage, e.g. 99.9"),
        ("objective: true", "objective true is not a percentage"),
        ("objective: .nan", "objective .nan is not a percentage"),
        ("objective: [1]", "objective [1] is not a percentage"),
    ],
)
def test_sloth_objective_values_are_shown_as_yaml_writes_them(
    objective: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "slos.yml"
    path.write_text(
        'version: "prometheus/v1"\nservice: s\nslos:\n  - name: a\n'
        + (f"    {objective}\n" if objective else "")
        + "    sli:\n      events:\n        error_query: sum(rate(e[{{.window}}]))\n"
        "        total_query: sum(rate(t[{{.window}}]))\n"
    )
    conversion = sloth.convert([path], OPTIONS)
    assert [str(p) for p in conversion.problems] == [f"{path}:4: a: {message}"]


def test_a_sloth_spec_given_to_import_openslo_says_so_without_python_none(tmp_path: Path) -> None:
    path = tmp_path / "slos.yml"
    path.write_text('version: "prometheus/v1"\nservice: s\nslos: []\n')
    conversion = openslo.convert([path], OPTIONS)
    assert [p.message for p in conversion.problems] == [
        "no apiVersion is not OpenSLO's: openslo/v1 or openslo/v1alpha "
        "(this looks like a Sloth spec: use `slokit import sloth`)"
    ]


SLOTH_WITH_FOR_AND_PLUGINS = """version: "prometheus/v1"
service: web
slo_plugins:
  chain:
    - id: "sloth.dev/contrib/alert_for/v1"
slos:
  - name: availability
    objective: 99.9
    plugins:
      chain:
        - id: "example.org/tweak/v1"
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
    alerting:
      name: WebErrors
      page_alert:
        for: 5m
        labels:
          severity: page
      ticket_alert:
        for: 10m
"""


def test_sloth_alert_for_and_slo_plugins_left_out_are_said_in_comments(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text(SLOTH_WITH_FOR_AND_PLUGINS)
    conversion = sloth.convert([path], OPTIONS)
    assert conversion.problems == ()
    (service,) = conversion.services
    text = render(service)
    assert (
        "    # Sloth's alert for: left out (page_alert 5m, ticket_alert 10m): slokit's burn alerts "
        "fire when both their long and short windows burn, with no for:\n"
        "    # Sloth's SLO plugins left out: example.org/tweak/v1; slokit runs no plugins\n"
        "    alerting:\n"
    ) in text
    assert (
        f"# Sloth's SLO plugins left out ({path}:1): sloth.dev/contrib/alert_for/v1; slokit runs no plugins, "
        "check what they changed in Sloth's rules\napiVersion: slokit/v1\n"
    ) in text
    out = tmp_path / "out.yaml"
    out.write_text(text)
    (loaded,) = load([out]).services
    assert [o.name for o in loaded.spec.objectives] == ["availability"]
