"""``slokit review --format json`` against its shipped JSON Schema; the schema against the contract."""

from __future__ import annotations

import copy
import dataclasses
import json
import textwrap
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from slokit.engine.inputs import Severity
from slokit.engine.periods import PeriodKind
from slokit.review.build import build_review
from slokit.review.json_review import render_review_json, review_dict, schema
from slokit.review.model import Review
from slokit.spec import load
from slokit.spec.models import KINDS
from tests.unit.review.test_build import AT, SHOP, FakeSource

# The review's JSON contract as the issue states it: these keys are required, never renamed.
CONTRACT: dict[str, Any] = {
    "objectives": {
        "service": None,
        "objective": None,
        "kind": None,
        "team": None,
        "periods": {
            "start": None,
            "end": None,
            "sli": None,
            "good_events": None,
            "total_events": None,
            "bad_events": None,
            "budget_consumed": None,
            "met": None,
            "incidents": None,
            "alerts": {"page": None, "ticket": None},
            "freeze_seconds": None,
            "releases": None,
        },
        "alert_quality": {
            "severity": None,
            "long_window": None,
            "short_window": None,
            "factor": None,
            "episodes": None,
            "precision": None,
            "recall": None,
            "detection_seconds_median": None,
            "detection_seconds_max": None,
            "reset_seconds_median": None,
        },
        "advice": {"achievable_target": None, "flags": None},
        "attribution": {"label": None, "value": None, "bad_events": None, "share": None},
    }
}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Review:
    """Two objectives: one with incidents, alerts, attribution and releases; one whose source failed."""
    path = tmp_path_factory.mktemp("defs") / "shop.yaml"
    path.write_text(textwrap.dedent(SHOP))
    return build_review(load([path]), FakeSource(failing={"shop/checkout"}), AT, periods=3)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _refuse(constant: str) -> Any:
    raise ValueError(f"non-JSON constant {constant} in the output")


def _document(review: Review) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_review_json(review), parse_constant=_refuse)
    return loaded


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_review_schema_is_a_valid_draft_2020_12_schema_shipped_as_package_data() -> None:
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    shipped = resources.files("slokit.review").joinpath("schema.json")
    assert json.loads(shipped.read_text(encoding="utf-8")) == document


def test_review_schema_enums_match_the_code() -> None:
    defs = schema()["$defs"]
    assert defs["kind"]["enum"] == list(KINDS)
    assert defs["severity"]["enum"] == list(get_args(Severity))
    assert defs["period_kind"]["enum"] == list(get_args(PeriodKind))


def test_a_built_review_validates(reviewed: Review, validator: jsonschema.Draft202012Validator) -> None:
    document = _document(reviewed)
    assert _errors(validator, document) == []
    shop = document["objectives"][0]
    assert [p["label"] for p in shop["periods"]] == ["2026-08", "2026-09", "2026-10"]
    assert [p["alerts"] for p in shop["periods"]][1] == {"page": 1, "ticket": 1}
    assert shop["incidents"][1]["release"] == {
        "at": "2026-10-05T11:30:00Z",
        "version": "1.42",
        "located_to_seconds": 3600.0,
    }
    assert shop["incidents"][1]["after_release_seconds"] == 1800.0


def test_a_failed_objective_validates_with_its_error_and_nothing_else(
    reviewed: Review, validator: jsonschema.Draft202012Validator
) -> None:
    failed = _document(reviewed)["objectives"][1]
    assert failed["error"] == "shop/checkout: connection refused"
    assert failed["error_kind"] == "source"
    assert failed["alert_quality"] == [] and failed["incidents"] == []
    # Its planned periods stay, every figure null: a reader sees which months failed.
    assert [p["label"] for p in failed["periods"]] == ["2026-08", "2026-09", "2026-10"]
    assert {(p["sli"], p["bad_events"], p["budget_consumed"], p["incidents"]) for p in failed["periods"]} == {
        (None, None, None, None)
    }
    assert failed["advice"] == {
        "achievable_target": None,
        "flags": [],
        "budget_consumed": [],
        "partial_periods": 0,
    }


def test_undefined_numbers_are_null(reviewed: Review, validator: jsonschema.Draft202012Validator) -> None:
    """A period without data validates only with its figures null, and a zero count there fails."""
    # An objective without any data: every figure unknown, shown as null (not 0).
    item = reviewed.objectives[0]
    empty = tuple(
        dataclasses.replace(
            f,
            sli=None,
            good_events=None,
            total_events=None,
            bad_events=None,
            budget_consumed=None,
            met=None,
            largest_incident_share=None,
        )
        for f in item.periods
    )
    blank = dataclasses.replace(reviewed, objectives=(dataclasses.replace(item, periods=empty),))
    document = _document(blank)
    assert _errors(validator, document) == []
    for period in document["objectives"][0]["periods"]:
        for key in ("sli", "good_events", "total_events", "bad_events", "budget_consumed", "met"):
            assert period[key] is None
        # Nothing measured is not nothing happening: incidents, alerts and freeze time are unknown too.
        for key in ("incidents", "postmortems_required", "freeze_seconds"):
            assert period[key] is None
        assert period["alerts"] == {"page": None, "ticket": None}
    zero = copy.deepcopy(document)
    zero["objectives"][0]["periods"][0]["alerts"]["page"] = 0
    assert _errors(validator, zero)


def test_nan_never_reaches_the_review_json(reviewed: Review) -> None:
    item = reviewed.objectives[0]
    broken = dataclasses.replace(item.periods[0], sli=float("nan"))
    bad = dataclasses.replace(reviewed, objectives=(dataclasses.replace(item, periods=(broken,)),))
    with pytest.raises(ValueError, match="JSON compliant"):
        render_review_json(bad)


def _required(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any] | None:
    if "$ref" in node:
        node = document["$defs"][node["$ref"].removeprefix("#/$defs/")]
    if "oneOf" in node:  # null or the value: the contract is the value's
        node = next(n for n in node["oneOf"] if n.get("type") != "null")
    if node.get("type") == "array":
        return _required(node["items"], document)
    if node.get("type") != "object":
        return None
    return {key: _required(node["properties"][key], document) for key in node["required"]}


def _contains(contract: dict[str, Any], actual: dict[str, Any] | None, path: str) -> None:
    assert actual is not None, f"{path}: the schema has no object here"
    missing = set(contract) - set(actual)
    assert not missing, f"{path or 'document'}: contract keys not required: {sorted(missing)}"
    for key, children in contract.items():
        if children is not None:
            _contains(children, actual[key], f"{path}.{key}".lstrip("."))


def test_every_key_of_the_issue_contract_is_required() -> None:
    document = schema()
    _contains(CONTRACT, _required(document, document), "")


def test_schema_properties_are_exactly_what_the_renderer_emits(reviewed: Review) -> None:
    defs = schema()["$defs"]
    document = review_dict(reviewed)
    assert set(document) == set(schema()["properties"])
    item = document["objectives"][0]
    assert set(item) == set(defs["objective"]["properties"])
    assert set(item["periods"][0]) == set(defs["period"]["properties"])
    assert set(item["alert_quality"][0]) == set(defs["alert_quality"]["properties"])
    assert set(item["advice"]) == set(defs["advice"]["properties"])
    assert set(item["attribution"][0]) == set(defs["attribution"]["properties"])
    assert set(item["incidents"][0]) == set(defs["incident"]["properties"])
    assert set(item["releases"][0]) == set(defs["release"]["properties"])
    priorities = document["priorities"][0]
    assert set(priorities) == set(defs["team_priorities"]["properties"])
    assert set(priorities["by_budget"][0]) == set(defs["priority"]["properties"])


Mutation = Callable[[dict[str, Any]], None]


def _shop(d: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = d["objectives"][0]
    return item


MUTATIONS: dict[str, Mutation] = {
    "renamed period key": lambda d: _shop(d)["periods"][0].update(
        {"bad": _shop(d)["periods"][0].pop("bad_events")}
    ),
    "missing alerts.page": lambda d: _shop(d)["periods"][0]["alerts"].pop("page"),
    "alerts as a string": lambda d: _shop(d)["periods"][0]["alerts"].update({"page": "1"}),
    "NaN string for sli": lambda d: _shop(d)["periods"][0].update({"sli": "NaN"}),
    "sli above 1": lambda d: _shop(d)["periods"][0].update({"sli": 1.5}),
    "negative bad events": lambda d: _shop(d)["periods"][0].update({"bad_events": -1}),
    "precision above 1": lambda d: _shop(d)["alert_quality"][0].update({"precision": 2}),
    "severity unknown": lambda d: _shop(d)["alert_quality"][0].update({"severity": "critical"}),
    "unknown advice flag": lambda d: _shop(d)["advice"].update({"flags": ["too_strict"]}),
    "target in percent": lambda d: _shop(d).update({"target": 99.9}),
    "unknown objective key": lambda d: _shop(d).update({"status": "ok"}),
    "error without periods emptied": lambda d: _shop(d).update({"error": "boom", "error_kind": "source"}),
    "error objective without error_kind": lambda d: d["objectives"][1].update({"error_kind": None}),
    "objective without error and periods": lambda d: _shop(d).update({"periods": []}),
    "incidents unknown in a period with data": lambda d: _shop(d)["periods"][0].update({"incidents": None}),
    "alerts unknown in a period with data": lambda d: _shop(d)["periods"][0]["alerts"].update({"page": None}),
    "period kind unknown": lambda d: d.update({"period_kind": "year"}),
    "evaluated_at not RFC 3339": lambda d: d.update({"evaluated_at": "2026-11-15 00:00"}),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutated_review_fails_validation(
    reviewed: Review, validator: jsonschema.Draft202012Validator, mutate: Mutation
) -> None:
    document = _document(reviewed)
    assert _errors(validator, document) == []
    broken = copy.deepcopy(document)
    mutate(broken)
    assert broken != document
    assert _errors(validator, broken), "the mutated document still validates"


def test_the_demo_review_validates(tmp_path: Path, validator: jsonschema.Draft202012Validator) -> None:
    """The bundled example reviewed from its snapshot: time slices, calendar windows, notes."""
    from slokit.commands.review import review_from_paths

    root = Path(__file__).parents[3] / "slo_definitions"
    result = review_from_paths([root], snapshot=root / "snapshot.json.gz", periods=2, period_kind="week")
    document = _document(result)
    assert _errors(validator, document) == []
    assert any(o["timeslices"] for o in document["objectives"])


def test_unknown_attribution_is_null_and_validates(
    reviewed: Review, validator: jsonschema.Draft202012Validator
) -> None:
    unknown = dataclasses.replace(reviewed.objectives[0], attribution=None)
    document = _document(dataclasses.replace(reviewed, objectives=(unknown, reviewed.objectives[1])))
    assert _errors(validator, document) == []
    assert document["objectives"][0]["attribution"] is None
    # No attribute_by: an empty list, which is not the same as unknown.
    assert document["objectives"][1]["attribution"] == []


def test_each_period_has_its_coverage_and_the_advice_its_partial_periods(
    reviewed: Review, validator: jsonschema.Draft202012Validator
) -> None:
    shop = _document(reviewed)["objectives"][0]
    assert [p["coverage"] for p in shop["periods"]] == [1.0, 1.0, 1.0]
    assert "complete" not in shop["periods"][0]
    assert shop["advice"]["partial_periods"] == 0
    broken = copy.deepcopy(_document(reviewed))
    broken["objectives"][0]["periods"][0]["coverage"] = 1.5
    assert _errors(validator, broken)
