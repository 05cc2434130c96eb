"""Sloth specs (written for these tests from Sloth's spec reference, in tests/unit/convert/sloth/) converted
to slokit definitions: each objective field by field, the problems with file, line and SLO, and the
converted documents accepted by slokit's own loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slokit.convert import sloth
from slokit.convert.model import Conversion, ImportOptions
from slokit.convert.sloth_rate import SAFE_NOTE
from slokit.convert.write import render
from slokit.spec.loader import load

SPECS = Path(__file__).parent / "sloth"
CHECKOUT = SPECS / "checkout.yaml"
CRDS = SPECS / "crds.yaml"
REFUSED = SPECS / "refused.yaml"
NO_COUNTS = "slokit needs error and total counts (sli.events: error_query and total_query)"
SUMMED = "slokit needs the rates only summed (sum, +, -) to turn them into event counts"


def _convert(*paths: Path, **options: Any) -> Conversion:
    return sloth.convert(list(paths), ImportOptions(**options))


def _problems(conversion: Conversion) -> list[str]:
    return [str(p) for p in conversion.problems]


def _objectives(conversion: Conversion, service: str) -> dict[str, dict[str, Any]]:
    (converted,) = [s for s in conversion.services if s.service == service]
    return {o["name"]: o for o in converted.document["objectives"]}


def test_a_prometheus_v1_spec_becomes_one_service_field_by_field() -> None:
    conversion = _convert(CHECKOUT, kind="application")
    (service,) = conversion.services
    document = service.document
    assert list(document) == ["apiVersion", "service", "owners", "window", "labels", "objectives"]
    assert document["apiVersion"] == "slokit/v1"
    assert document["service"] == "checkout"
    emails = ["payments@shop.example", "oncall@shop.example"]
    # One SLO says operational by label, the others take --kind: the owner label is each kind's team.
    assert document["owners"] == {
        "operational": {"team": "payments", "email": emails},
        "application": {"team": "payments", "email": emails},
    }
    assert document["window"] == "30d"  # Sloth's default SLO period: its specs have no period field
    assert document["labels"] == {"owner": "payments", "tier": "1"}  # the slokit.dev/ keys are read, not kept
    assert [o["name"] for o in document["objectives"]] == [
        "requests-availability",
        "requests-latency",
        "payments-availability",
    ]
    availability, latency, payments = document["objectives"]
    assert availability == {
        "name": "requests-availability",
        "kind": "operational",
        "description": "Checkout requests answered without a server error.",
        "target": 99.5,
        "sli": {
            "ratio": {
                "bad_query": 'sum(increase(shop_http_requests_total{handler="/checkout",code=~"5.."}'
                "[{{ window }}]))",
                "total_query": 'sum(increase(shop_http_requests_total{handler="/checkout"}[{{ window }}]))',
            }
        },
        "alerting": {
            "name": "CheckoutErrorBudgetBurn",
            # The SLO's own labels (Sloth puts them on all its rules) with the alerting labels; `team` is
            # slokit's (the owner team) and left out, the slokit.dev/kind key was read.
            "labels": {"category": "availability"},
            "annotations": {"runbook": "https://runbooks.shop.example/checkout-availability"},
            "page_alert": {
                "labels": {"severity": "critical", "route": "payments-pager"},
                "annotations": {"summary": "Checkout fails a lot"},
            },
            "ticket_alert": {"labels": {"severity": "warning"}},
        },
    }
    assert latency == {
        "name": "requests-latency",
        "kind": "application",
        "target": 99,
        "sli": {
            "ratio": {
                # {{ .window }} with spaces, over several lines, a difference of two sums by handler.
                "bad_query": "(\n"
                "  sum by (handler) (increase(shop_request_seconds_count"
                '{handler="/checkout"}[{{ window }}]))\n'
                "  -\n"
                "  sum by (handler) (increase(shop_request_seconds_bucket"
                '{handler="/checkout",le="0.3"}[{{ window }}]))\n'
                ")",
                "total_query": 'sum(increase(shop_request_seconds_count{handler="/checkout"}[{{ window }}]))',
            }
        },
        "alerting": {"name": "CheckoutSlow", "ticket_alert": {"disable": True}},
    }
    assert payments["target"] == 99.95
    assert payments["sli"]["ratio"]["bad_query"] == (
        'sum(increase(shop_payments_total{result="error"}[{{ window }}])) or vector(0)'
    )
    assert payments["alerting"] == {"name": "PaymentsErrors", "page_alert": {"disable": True}}


def test_comments_point_at_the_source_and_say_what_was_converted() -> None:
    (service,) = _convert(CHECKOUT, kind="application").services
    comments = service.comments
    assert comments[()] == (
        "Converted by slokit import from:",
        f"- Sloth prometheus/v1 at {CHECKOUT}:2",
        "Edit this file from now on: slokit does not read the Sloth spec.",
    )
    assert comments[("objectives", 0)] == (f"from {CHECKOUT}:10, slos[0] requests-availability",)
    assert comments[("objectives", 2)] == (f"from {CHECKOUT}:75, slos[4] payments-availability",)
    assert comments[("objectives", 0, "kind")] == ("kind from the label slokit.dev/kind",)
    assert comments[("objectives", 1, "kind")] == ("kind from --kind",)
    assert comments[("owners", "operational", "team")] == ("from Sloth's owner label",)
    assert comments[("objectives", 0, "sli", "ratio", "bad_query")] == (SAFE_NOTE,)
    # Already increase(): nothing converted, only the placeholder.
    assert comments[("objectives", 1, "sli", "ratio", "total_query")] == (
        "Sloth's {{.window}} written as slokit's {{ window }}",
    )
    assert comments[("objectives", 0, "alerting")] == (
        "Sloth's alert labels left out: team (slokit sets them on every alert)",
    )
    assert "30d" in comments[("window",)][0]
    text = render(service)
    assert f"# from {CHECKOUT}:10, slos[0] requests-availability\n  - name: requests-availability" in text


def test_raw_and_plugin_slis_are_refused_at_their_slo_and_the_rest_of_the_file_converts() -> None:
    conversion = _convert(CHECKOUT, kind="application")
    assert _problems(conversion) == [
        f"{CHECKOUT}:55: raw-ratio: a raw error ratio (sli.raw.error_ratio_query) gives no event counts: "
        + NO_COUNTS,
        f"{CHECKOUT}:64: plugin-availability: an SLI plugin (sli.plugin "
        "sloth-common/kubernetes/apiserver/availability) gives no queries slokit can read: " + NO_COUNTS,
    ]
    assert len(_objectives(conversion, "checkout")) == 3


def test_crds_of_one_service_become_one_service_and_a_raw_crd_slo_is_refused() -> None:
    conversion = _convert(CRDS, kind="operational")
    assert _problems(conversion) == [
        f"{CRDS}:42: index-freshness: a raw error ratio (sli.raw.errorRatioQuery) gives no event counts: "
        "slokit needs error and total counts (sli.events: errorQuery and totalQuery)",
    ]
    assert [s.service for s in conversion.services] == ["search", "inventory"]
    search = conversion.services[0].document
    # The kind from the CRDs' label, over --kind.
    assert search["owners"] == {"application": {"team": "discovery"}}
    # The labels both CRDs agree on are the service's; the cluster differs, so it goes on each one's alerts.
    assert search["labels"] == {"owner": "discovery"}
    objectives = _objectives(conversion, "search")
    assert objectives["queries-availability"] == {
        "name": "queries-availability",
        "kind": "application",
        "description": "Search queries answered.",
        "target": 99.9,
        "sli": {
            "ratio": {
                "bad_query": 'sum(increase(search_queries_total{status="error"}[{{ window }}]))',
                "total_query": "sum(increase(search_queries_total[{{ window }}]))",
            }
        },
        "alerting": {
            "name": "SearchErrors",
            "labels": {"cluster": "eu-1"},
            "page_alert": {"labels": {"severity": "critical"}},
            "ticket_alert": {"annotations": {"summary": "Search errors eat the budget"}},
        },
    }
    assert objectives["suggest-availability"]["sli"]["ratio"] == {
        "bad_query": 'sum without (pod) (increase(search_suggest_total{status="error"}[{{ window }}]))',
        "total_query": "sum without (pod) (increase(search_suggest_total[{{ window }}]))",
    }
    assert objectives["suggest-availability"]["alerting"] == {
        "name": "SuggestErrors",
        "labels": {"cluster": "eu-2"},
        "ticket_alert": {"disable": True},
    }
    assert conversion.services[0].source == str(CRDS)
    assert conversion.services[0].comments[()][1:3] == (
        f"- Sloth PrometheusServiceLevel search-availability at {CRDS}:7",
        f"- Sloth PrometheusServiceLevel search-freshness at {CRDS}:35",
    )
    inventory = _objectives(conversion, "inventory")["sync-success"]
    assert inventory["kind"] == "operational"  # no label: --kind
    assert (
        inventory["sli"]["ratio"]["bad_query"]
        == 'increase(inventory_sync_total{result="failed"}[{{ window }}])'
    )


def test_crds_without_a_kind_label_need_kind() -> None:
    # inventory has no slokit.dev/kind label: without --kind it is a problem; search's label is enough.
    conversion = _convert(CRDS)
    assert _problems(conversion)[1:] == [
        f"{CRDS}:69: sync-success: no kind: give --kind operational|application, or the label slokit.dev/kind"
    ]
    assert [s.service for s in conversion.services] == ["search"]


REFUSED_CASES = {
    "irate": (7, "sli.events.error_query: irate() reads the last two samples only, not the window's events"),
    "averaged": (14, "sli.events.error_query: avg() of rates is not their sum"),
    "divided": (21, "sli.events.error_query: a division (/) of rates is a ratio, not a count"),
    "short-range": (28, "sli.events.error_query: rate() over [5m], not over {{.window}}"),
    "window-elsewhere": (
        35,
        "sli.events.total_query: count_over_time() over {{.window}} is not rate() or increase()",
    ),
    "max-of-rates": (42, "sli.events.error_query: max() of rates is not their sum"),
}


@pytest.mark.parametrize("name", list(REFUSED_CASES))
def test_a_query_that_is_not_a_sum_of_rates_is_refused_with_its_reason(name: str) -> None:
    conversion = _convert(REFUSED, kind="operational")
    line, reason = REFUSED_CASES[name]
    tail = ": its events would not be the window's" if name == "short-range" else f": {SUMMED}"
    assert f"{REFUSED}:{line}: {name}: {reason}{tail}" in _problems(conversion)
    assert len(conversion.problems) == len(REFUSED_CASES)
    # The file's last SLO still converts.
    assert list(_objectives(conversion, "gateway")) == ["fine"]


def test_kind_comes_from_the_label_else_kind_else_it_is_a_problem() -> None:
    conversion = _convert(CHECKOUT)
    problems = [p for p in _problems(conversion) if "no kind" in p]
    message = "no kind: give --kind operational|application, or the label slokit.dev/kind"
    assert problems == [
        f"{CHECKOUT}:38: requests-latency: {message}",
        f"{CHECKOUT}:75: payments-availability: {message}",
    ]
    assert [o["kind"] for o in conversion.services[0].document["objectives"]] == ["operational"]


def test_team_comes_from_team_over_the_owner_label_and_emails_from_email() -> None:
    conversion = _convert(CHECKOUT, kind="application", team="web-shop", emails=("shop@corp.example",))
    owners = conversion.services[0].document["owners"]
    assert owners == {
        "operational": {"team": "web-shop", "email": ["shop@corp.example"]},
        "application": {"team": "web-shop", "email": ["shop@corp.example"]},
    }
    assert conversion.services[0].comments[("owners", "application", "team")] == ("from --team",)


def test_no_owner_label_and_no_team_is_a_problem(tmp_path: Path) -> None:
    spec = tmp_path / "teamless.yaml"
    spec.write_text(CHECKOUT.read_text().replace('  owner: "payments"\n', ""))
    conversion = _convert(spec, kind="application")
    message = "no owner team: give --team, or the label owner in the Sloth spec"
    assert f"{spec}:9: requests-availability: {message}" in _problems(conversion)
    assert conversion.services == ()


def test_every_converted_document_is_accepted_by_slokit(tmp_path: Path) -> None:
    conversion = _convert(CHECKOUT, CRDS, REFUSED, kind="application")
    paths = []
    for service in conversion.services:
        path = tmp_path / f"{service.service}.yaml"
        path.write_text(render(service), encoding="utf-8")
        paths.append(path)
    definitions = load(paths)  # raises DefinitionError on any problem
    loaded = {s.spec.service: s.spec for s in definitions.services}
    assert sorted(loaded) == ["checkout", "gateway", "inventory", "search"]
    availability = loaded["checkout"].objectives[0]
    assert availability.alerting is not None
    assert availability.alerting.page_alert is not None
    assert availability.alerting.page_alert.labels == {"severity": "critical", "route": "payments-pager"}


def test_a_document_that_is_not_sloth_and_a_yaml_error_name_their_line(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text('version: "prometheus/v1"\nservice: x\nslos:\n  - name: [\n')
    conversion = _convert(other, broken, CHECKOUT, kind="application")
    assert _problems(conversion)[:2] == [
        f"{other}:1: not a Sloth spec: expected version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 "
        "with kind: PrometheusServiceLevel (got 'openslo/v1', kind SLO)",
        f"{broken}:4: invalid YAML: did not find expected node content while parsing a flow node",
    ]
    assert [s.service for s in conversion.services] == ["checkout"]


SLI = "    sli: {events: {error_query: 'rate(e[{{.window}}])', total_query: 'rate(t[{{.window}}])'}}\n"


def test_a_target_of_100_and_a_duplicate_slo_name_are_problems(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        'version: "prometheus/v1"\nservice: odd\nlabels: {owner: ops}\nslos:\n'
        + "  - name: a\n    objective: 100\n"
        + SLI
        + "  - name: b\n    objective: 99\n"
        + SLI
        + "  - name: b\n    objective: 99\n"
        + SLI
    )
    conversion = _convert(spec, kind="operational")
    assert _problems(conversion) == [
        f"{spec}:5: a: objective 100 leaves no error budget: slokit needs a target from 1 to below 100",
        f"{spec}:11: b: service odd already has an SLO named b: slokit needs unique names",
    ]
    assert list(_objectives(conversion, "odd")) == ["b"]


def test_the_docs_sloth_example_gives_back_the_checkout_examples_objectives(tmp_path: Path) -> None:
    docs = (Path(__file__).parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    example = (
        docs.split("### The checkout example in Sloth", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    )
    spec = tmp_path / "checkout.sloth.yaml"
    spec.write_text(example, encoding="utf-8")
    conversion = _convert(spec)
    assert conversion.problems == ()
    (service,) = conversion.services
    path = tmp_path / "checkout.yaml"
    path.write_text(render(service), encoding="utf-8")
    (imported,) = load([path]).services
    (original,) = load([Path(__file__).parents[3] / "slo_definitions" / "checkout.yaml"]).services

    def summary(spec: Any) -> dict[str, tuple[str, str, float, str]]:
        return {
            o.name: (o.kind, spec.owners.for_kind(o.kind).team, o.target, str(spec.window_for(o)))
            for o in spec.objectives
            if o.sli.timeslices is None
        }

    assert summary(imported.spec) == summary(original.spec)
    latency = imported.spec.objectives[1].sli.ratio
    assert latency is not None
    assert latency.bad_query == (
        'sum(increase(http_request_duration_seconds_count{job="checkout"}[{{ window }}]))\n-\n'
        'sum(increase(http_request_duration_seconds_bucket{job="checkout",le="0.25"}[{{ window }}]))'
    )


def test_alert_names_and_label_names_prometheus_refuses(tmp_path: Path) -> None:
    spec = tmp_path / "names.yaml"
    spec.write_text(
        'version: "prometheus/v1"\nservice: names\n'
        + "labels: {owner: ops, app.kubernetes.io/name: names}\nslos:\n"
        + "  - name: dashed\n    objective: 99\n"
        + SLI
        + "    alerting: {name: Names-Alert}\n"
        + "  - name: kept\n    objective: 99\n"
        + SLI
        + "    alerting:\n      name: NamesAlert\n      labels: {ok: 'yes', bad-key: x, enabled: true}\n"
        + "      annotations: {runbook-url: 'https://x', summary: s}\n"
    )
    conversion = _convert(spec, kind="operational")
    assert _problems(conversion) == [
        f"{spec}:5: dashed: alerting.name 'Names-Alert' is not an alert name Prometheus accepts"
    ]
    (kept,) = conversion.services[0].document["objectives"]
    assert kept["alerting"] == {
        "name": "NamesAlert",
        "labels": {"ok": "yes", "enabled": "true"},
        "annotations": {"summary": "s"},
    }
    assert conversion.services[0].document["labels"] == {"owner": "ops"}
    assert conversion.services[0].comments[("objectives", 0, "alerting")] == (
        "left out, not Prometheus label or annotation names: bad-key, runbook-url",
    )
    assert conversion.services[0].comments[("labels",)] == (
        "Sloth labels left out, not Prometheus label names: app.kubernetes.io/name",
    )
