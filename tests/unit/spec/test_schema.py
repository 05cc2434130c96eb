"""The shipped JSON Schema of the slokit/v1 format: generated from the models, valid draft-07, passing every
example and documented definition, and failing malformed ones at the field slokit names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from slokit.spec import load, schema
from slokit.spec.yamlsafe import format_path

REPO = Path(__file__).resolve().parents[3]
MALFORMED = REPO / "tests" / "unit" / "spec" / "malformed"
EXAMPLES = sorted((REPO / "slo_definitions").glob("*.yaml"))
REFERENCE = REPO / "docs" / "definitions.md"


def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(schema.shipped()))


def test_the_shipped_schema_is_the_one_the_models_generate() -> None:
    assert schema.shipped() == schema.render(), (
        "slokit/spec/slokit-v1.schema.json is out of date: run `python -m slokit.spec.schema --write`"
    )


def test_the_schema_is_valid_draft_07() -> None:
    shipped = json.loads(schema.shipped())
    assert shipped["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(shipped)
    # draft-07 ignores every keyword beside a $ref: descriptions must sit on an allOf instead.
    refs_with_siblings = re.findall(r'\{\s*"\$ref": "[^"]+",', schema.shipped())
    assert refs_with_siblings == []


def test_every_field_of_the_models_is_in_the_schema() -> None:
    shipped = json.loads(schema.shipped())
    assert set(shipped["properties"]) == {
        "apiVersion",
        "service",
        "description",
        "owners",
        "window",
        "labels",
        "objectives",
        "policy",
        "alerting",
        "runbook",
        "dashboard",
        "releases",
    }
    objective = shipped["definitions"]["Objective"]["properties"]
    assert set(objective) == {
        "name",
        "kind",
        "description",
        "target",
        "window",
        "sli",
        "runbook",
        "dashboard",
        "min_events",
        "attribute_by",
        "alerting",
    }
    assert set(shipped["definitions"]["Releases"]["properties"]) == {"query", "label", "within"}
    alerting = shipped["definitions"]["Alerting"]["properties"]
    output = {"name", "labels", "annotations", "page_alert", "ticket_alert"}
    assert set(alerting) == {"page", "ticket", "min_events", "absent_for"} | output
    assert set(shipped["definitions"]["AlertOutput"]["properties"]) == output
    assert set(shipped["definitions"]["SeverityAlerts"]["properties"]) == {"labels", "annotations", "disable"}
    assert alerting["min_events"]["anyOf"][0] == {"type": "integer", "minimum": 1}
    assert shipped["properties"]["window"]["default"] == "30d"
    assert shipped["definitions"]["TimeslicesSLI"]["properties"]["slice"]["default"] == "1m"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_definition_validates(path: Path) -> None:
    errors = [e.message for e in validator().iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


def reference_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", REFERENCE.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [block for block in blocks if block.lstrip().startswith(("apiVersion:", "# yaml-language-server"))]


def test_the_reference_has_complete_examples() -> None:
    assert len(reference_examples()) >= 3


@pytest.mark.parametrize("index", range(len(reference_examples())))
def test_every_complete_example_in_the_reference_is_valid(index: int, tmp_path: Path) -> None:
    text = reference_examples()[index]
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    load([path])  # slokit accepts it
    assert [e.message for e in validator().iter_errors(yaml.safe_load(text))] == []


def _flat(errors: Iterable[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    for error in errors:
        yield error
        yield from _flat(error.context or ())  # the branches of anyOf/oneOf, where the field is named


def errors_at(case: str) -> set[str]:
    data: Any = yaml.safe_load((MALFORMED / f"{case}.yaml").read_text(encoding="utf-8"))
    return {format_path(tuple(error.absolute_path)) for error in _flat(validator().iter_errors(data))}


# Malformed files the schema catches too, with the field slokit names for them.
SCHEMA_CATCHES = {
    "api_version_wrong": "apiVersion",
    "unknown_top_level_key": "",
    "misspelt_target": "objectives[0]",
    "objectives_empty": "objectives",
    "objective_name_invalid": "objectives[0].name",
    "name_not_ascii": "objectives[0].name",
    "service_name_starts_with_dash": "service",
    "target_120": "objectives[0].target",
    "target_fraction": "objectives[0].target",
    "target_quoted": "objectives[0].target",
    "kind_unknown": "objectives[0].kind",
    "labels_bad_name": "labels",
    "owner_bad_email": "owners.operational.email",
    "owner_team_two_lines": "owners.operational.team",
    "owner_unknown_kind": "owners",
    "sli_two_kinds": "objectives[0].sli",
    "ratio_good_and_bad": "objectives[0].sli.ratio",
    "ratio_missing_total": "objectives[0].sli.ratio",
    "ratio_selector_and_query": "objectives[0].sli.ratio",
    "query_without_window": "objectives[0].sli.ratio.good_query",
    "latency_threshold_zero": "objectives[0].sli.latency.threshold",
    "timeslices_bad_comparison": "objectives[0].sli.timeslices.good",
    "window_bad_duration": "window",
    "calendar_unknown": "window",
    "policy_freeze_on_unknown": "policy.freeze_on",
    "policy_warn_below_over_100": "policy.warn_below",
    "alert_budget_zero": "alerting.page[0].budget",
    "alert_bad_duration": "alerting.page[0].long",
    "attribute_by_bad_labels": "objectives[0].attribute_by[1]",
    "releases_invalid": "releases.label",
    "releases_missing_query": "releases",
}


@pytest.mark.parametrize(("case", "field"), SCHEMA_CATCHES.items(), ids=list(SCHEMA_CATCHES))
def test_malformed_definitions_fail_the_schema_at_the_field(case: str, field: str) -> None:
    assert field in errors_at(case)


def test_one_address_may_be_written_without_a_list() -> None:
    data: Any = yaml.safe_load((REPO / "slo_definitions" / "checkout.yaml").read_text(encoding="utf-8"))
    data["owners"]["operational"]["email"] = "ops@corp.local"
    assert list(validator().iter_errors(data)) == []
    data["owners"]["operational"]["email"] = "Jürgen Müller <jm@corp.local>"
    assert list(validator().iter_errors(data)) == []


def test_python_m_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    # What docs/definitions.md tells users to run to get the file next to their definitions.
    schema.main([])
    assert capsys.readouterr().out == schema.shipped()
