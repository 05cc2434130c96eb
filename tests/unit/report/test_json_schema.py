"""The JSON report against its shipped JSON Schema, and the schema against DESIGN.md's output contract."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import jsonschema
import numpy as np
import pytest

from slokit import pipeline
from slokit.engine import BURN_RATE_KEYS, Status
from slokit.engine.inputs import Severity
from slokit.report.json_report import render_json, report_dict, schema
from slokit.report.model import Report
from slokit.sources.base import FetchedSeries, SeriesQuery
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load
from slokit.spec.models import KINDS

REPO = Path(__file__).parents[3]
DEFINITIONS = REPO / "slo_definitions"
SNAPSHOT = DEFINITIONS / "snapshot.json.gz"
# shared/ lives beside the clone, not inside it.
DESIGN = REPO / ".." / "shared" / "DESIGN.md"

NO_DATA = "checkout/latency"
NO_DATA_SLICES = "checkout/uptime"
FAILED = "search/search-latency"
PARTIAL = "payments/authorisation-success"
RECENT_STEPS = 4  # 20 minutes of data at 5m steps


class _Doctored:
    """The demo snapshot, with some objectives' series emptied (no_data), failed (error) or cut to their
    last RECENT_STEPS steps (a partial window)."""

    def __init__(
        self,
        snapshot: SnapshotSource,
        empty: Sequence[str],
        failed: Sequence[str],
        recent: Sequence[str] = (),
    ) -> None:
        self.snapshot, self.empty, self.failed = snapshot, set(empty), set(failed)
        self.recent = set(recent)

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        return [self._doctor(recorded) for recorded in self.snapshot.fetch(queries, on_done)]

    def _doctor(self, recorded: FetchedSeries) -> FetchedSeries:
        if recorded.query.key in self.empty:
            nan = {role: np.full_like(values, np.nan) for role, values in recorded.series.items()}
            return dataclasses.replace(recorded, series=nan)
        if recorded.query.key in self.failed:
            return dataclasses.replace(recorded, series={}, error="query failed: connection refused")
        if recorded.query.key in self.recent:
            cut = {role: values.copy() for role, values in recorded.series.items()}
            for values in cut.values():
                values[:-RECENT_STEPS] = np.nan
            return dataclasses.replace(recorded, series=cut)
        return recorded

    def close(self) -> None:
        self.snapshot.close()


def _run(empty: Sequence[str] = (), failed: Sequence[str] = (), recent: Sequence[str] = ()) -> Report:
    snapshot = SnapshotSource(SNAPSHOT)
    report, _ = pipeline.run(
        load([DEFINITIONS]),
        _Doctored(snapshot, empty, failed, recent),
        pipeline.pin(snapshot.evaluated_at),
    )
    return report


@pytest.fixture(scope="module")
def demo() -> Report:
    return _run()


@pytest.fixture(scope="module")
def degraded() -> Report:
    return _run(empty=(NO_DATA, NO_DATA_SLICES), failed=(FAILED,), recent=(PARTIAL,))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    # The format checker makes "format": "date-time" count, on top of the schema's own pattern.
    return jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _refuse(constant: str) -> Any:
    raise ValueError(f"non-JSON constant {constant} in the output")


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN and +-Infinity, which Python would otherwise accept as JSON."""
    return json.loads(text, parse_constant=_refuse)


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


# --- the schema itself -------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


def test_schema_is_package_data_next_to_the_renderer() -> None:
    # hatchling puts every file under slokit/ in the wheel; this checks the resource path schema() reads.
    shipped = resources.files("slokit.report").joinpath("schema.json")
    assert shipped.is_file()
    assert json.loads(shipped.read_text(encoding="utf-8")) == schema()


def test_schema_enums_match_the_code() -> None:
    objective = schema()["$defs"]["objective"]["properties"]
    assert objective["status"]["enum"] == list(get_args(Status))
    assert objective["kind"]["enum"] == list(KINDS)
    assert schema()["$defs"]["alert"]["properties"]["severity"]["enum"] == list(get_args(Severity))
    assert schema()["$defs"]["burn_rates"]["required"] == list(BURN_RATE_KEYS)


# --- reports that must validate ------------------------------------------------------------------------


def test_demo_report_validates(demo: Report, validator: jsonschema.Draft202012Validator) -> None:
    document = strict_loads(render_json(demo))
    assert _errors(validator, document) == []
    # The demo covers the interesting shapes: several statuses, a calendar window, incidents.
    statuses = {o["status"] for o in document["objectives"]}
    assert {"ok", "warning", "exhausted"} <= statuses
    assert any(o["calendar"] is not None for o in document["objectives"])
    assert any(o["incidents"] for o in document["objectives"])


def test_no_data_and_error_objectives_validate_with_nulls(
    degraded: Report, validator: jsonschema.Draft202012Validator
) -> None:
    text = render_json(degraded)
    document = strict_loads(text)
    assert _errors(validator, document) == []
    by_key = {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}
    for key, status in ((NO_DATA, "no_data"), (NO_DATA_SLICES, "no_data"), (FAILED, "error")):
        item = by_key[key]
        assert item["status"] == status
        for name in ("sli", "good_events", "total_events", "bad_events", "time_to_exhaustion_seconds"):
            assert item[name] is None, (key, name)
        assert set(item["error_budget"].values()) == {None}
    assert by_key[FAILED]["error"]
    for token in ("NaN", "Infinity"):
        assert token not in text


def test_partial_window_shows_its_coverage_and_no_burn_rate_longer_than_the_data(
    degraded: Report, validator: jsonschema.Draft202012Validator
) -> None:
    document = strict_loads(render_json(degraded))
    assert _errors(validator, document) == []
    by_key = {f"{o['service']}/{o['objective']}": o for o in document["objectives"]}
    item = by_key[PARTIAL]
    coverage = item["coverage"]
    assert coverage["partial"] is True
    assert coverage["window"] == {
        "length_seconds": 28 * 86400.0,
        "covered_seconds": 20 * 60.0,
        "share": pytest.approx(20 / (28 * 24 * 60)),
        "complete": False,
    }
    assert coverage["first_data"] == "2026-11-20T08:40:00Z"
    assert coverage["burn_windows"]["5m"]["complete"] is True
    assert item["burn_rates"]["5m"] is not None
    for key in ("30m", "1h", "2h", "6h", "1d", "3d"):
        assert coverage["burn_windows"][key]["complete"] is False, key
        assert coverage["burn_windows"][key]["covered_seconds"] == 1200.0, key
        assert item["burn_rates"][key] is None, key
    assert all(a["partial"] and a["long_window_coverage"] < 1 for a in item["alerts"])
    # A complete window: no partial marker anywhere.
    full = by_key["checkout/availability"]["coverage"]
    assert full["partial"] is False and full["window"]["share"] == 1
    assert all(w["complete"] for w in full["burn_windows"].values())
    assert by_key[FAILED]["coverage"] is None


def test_schema_properties_are_exactly_what_the_renderer_emits(demo: Report) -> None:
    """Every key the renderer writes is declared, and the schema declares no key the renderer never writes."""
    defs = schema()["$defs"]
    document = report_dict(demo)
    assert set(document) == set(schema()["properties"])
    item = next(o for o in document["objectives"] if o["incidents"] and o["alerts"])
    calendar = next(o["calendar"] for o in document["objectives"] if o["calendar"] is not None)
    assert set(item) == set(defs["objective"]["properties"])
    assert set(item["error_budget"]) == set(defs["error_budget"]["properties"])
    assert set(item["alerts"][0]) == set(defs["alert"]["properties"])
    assert set(item["incidents"][0]) == set(defs["incident"]["properties"])
    assert set(calendar) == set(defs["calendar"]["properties"])
    coverage = item["coverage"]
    assert set(coverage) == set(defs["coverage"]["properties"])
    assert set(coverage["window"]) == set(defs["window_coverage"]["properties"])
    assert set(coverage["burn_windows"]["3d"]) == set(defs["burn_window_coverage"]["properties"])


def test_nan_never_reaches_the_output(demo: Report) -> None:
    """The renderer refuses NaN outright rather than writing a non-JSON token (or a fake number)."""
    item = demo.objectives[0]
    broken = dataclasses.replace(item, result=dataclasses.replace(item.result, sli=float("nan")))
    with pytest.raises(ValueError, match="JSON compliant"):
        render_json(Report(demo.evaluated_at, (broken,)))


# --- mutations that must fail --------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _first(document: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    return next(o for o in document["objectives"] if status is None or o["status"] == status)


def _partial(document: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in document["objectives"] if o["coverage"] and o["coverage"]["partial"])


def _rename(d: dict[str, Any], old: str, new: str) -> None:
    d[new] = d.pop(old)


MUTATIONS: dict[str, Mutation] = {
    "renamed objective key": lambda d: _rename(_first(d), "time_to_exhaustion_seconds", "time_to_exhaustion"),
    "renamed top-level key": lambda d: _rename(d, "evaluated_at", "generated_at"),
    "renamed budget key": lambda d: _rename(_first(d)["error_budget"], "remaining", "left"),
    "renamed alert key": lambda d: _rename(_first(d)["alerts"][0], "firing", "active"),
    "missing burn-rate window": lambda d: _first(d)["burn_rates"].pop("1d"),
    "extra burn-rate window": lambda d: _first(d)["burn_rates"].update({"1w": 0.5}),
    "missing objective key": lambda d: _first(d).pop("incidents"),
    "unknown objective key": lambda d: _first(d).update({"sli_percent": 99.9}),
    "NaN string for sli": lambda d: _first(d).update({"sli": "NaN"}),
    "Infinity string for a burn rate": lambda d: _first(d)["burn_rates"].update({"5m": "Infinity"}),
    "NaN string for events": lambda d: _first(d).update({"good_events": "nan"}),
    "status bad": lambda d: _first(d).update({"status": "bad"}),
    "kind unknown": lambda d: _first(d).update({"kind": "ops"}),
    "severity unknown": lambda d: _first(d)["alerts"][0].update({"severity": "critical"}),
    "target in percent": lambda d: _first(d).update({"target": 99.9}),
    "target of 1": lambda d: _first(d).update({"target": 1}),
    "sli above 1": lambda d: _first(d).update({"sli": 1.2}),
    "negative event count": lambda d: _first(d).update({"bad_events": -1}),
    "firing as a string": lambda d: _first(d)["alerts"][0].update({"firing": "false"}),
    "evaluated_at not RFC 3339": lambda d: d.update({"evaluated_at": "2026-11-20 09:00:00"}),
    "no_data with a zero SLI": lambda d: _first(d, "no_data").update({"sli": 0}),
    "no_data with a -1 sentinel": lambda d: _first(d, "no_data").update({"sli": -1}),
    "no_data with a budget": lambda d: _first(d, "no_data")["error_budget"].update({"remaining": 1.0}),
    "ok without an SLI": lambda d: _first(d, "ok").update({"sli": None}),
    "error without a message": lambda d: _first(d, "error").update({"error": None}),
    "ok with an error message": lambda d: _first(d, "ok").update({"error": "boom"}),
    "exhausted with budget left": lambda d: _first(d, "exhausted")["error_budget"].update({"remaining": 0.2}),
    "burn rate of a window the data does not fill": lambda d: _partial(d)["burn_rates"].update({"3d": 0.5}),
    "partial window with a full share": lambda d: _partial(d)["coverage"]["window"].update({"share": 1}),
    "complete window with a partial share": lambda d: _first(d, "ok")["coverage"]["window"].update(
        {"share": 0.5}
    ),
    "partial alert tier with full coverage": lambda d: _partial(d)["alerts"][0].update(
        {"long_window_coverage": 1}
    ),
    "error with a coverage": lambda d: _first(d, "error").update({"coverage": _partial(d)["coverage"]}),
    "ok without a coverage": lambda d: _first(d, "ok").update({"coverage": None}),
    "incident without an end": lambda d: next(o for o in d["objectives"] if o["incidents"])["incidents"][
        0
    ].pop("end"),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutated_report_fails_validation(
    degraded: Report, validator: jsonschema.Draft202012Validator, mutate: Mutation
) -> None:
    document = strict_loads(render_json(degraded))
    assert _errors(validator, document) == []  # the mutation, not the baseline, must be what fails
    broken = copy.deepcopy(document)
    mutate(broken)
    assert broken != document
    assert _errors(validator, broken), "the mutated document still validates"


# --- the schema against DESIGN.md ----------------------------------------------------------------------

Tree = dict[str, "Tree | None"]  # key -> its keys (None: the contract does not list them)


def _contract_tokens(design: str) -> list[str]:
    """Key names (`name` or "5m") and brackets of the "Output contract" paragraph, in order."""
    section = design.split("## Output contract", 1)[1]
    paragraph = section.split("prints one object:", 1)[1].split("Undefined numbers", 1)[0]
    paragraph = re.sub(r"\([^)]*\)", "", paragraph)  # "(RFC 3339)", "(a fraction, 0.999)": prose
    return [
        name or quoted or bracket
        for name, quoted, bracket in re.findall(r'`([^`]+)`|"([^"]+)"|([{}\[\]])', paragraph)
    ]


def _parse_keys(tokens: list[str], at: int) -> tuple[Tree, int]:
    tree: Tree = {}
    while at < len(tokens) and tokens[at] not in "}]":
        name = tokens[at]
        at += 1
        children: Tree | None = None
        if at < len(tokens) and tokens[at] == "{":  # `error_budget` {`allowed_bad_events`, ...}
            children, at = _parse_keys(tokens, at + 1)
            assert tokens[at] == "}"
            at += 1
        elif at < len(tokens) and tokens[at] == "[":  # `alerts` [{`severity`, ...}]
            assert tokens[at + 1] == "{"
            children, at = _parse_keys(tokens, at + 2)
            assert tokens[at : at + 2] == ["}", "]"]
            at += 2
        tree[name] = children
    return tree, at


def contract_tree(design: str) -> Tree:
    tokens = _contract_tokens(design)
    # "`evaluated_at` (RFC 3339), `objectives`: a list with, per objective, `service`, ...": everything
    # after `objectives` describes one list item.
    assert tokens[:2] == ["evaluated_at", "objectives"], tokens[:5]
    per_objective, end = _parse_keys(tokens, 2)
    assert end == len(tokens), tokens[end:]
    return {"evaluated_at": None, "objectives": per_objective}


def schema_tree(node: dict[str, Any], document: dict[str, Any]) -> Tree | None:
    """Required keys of an object schema (through $ref and array items), recursively."""
    if "$ref" in node:
        node = document["$defs"][node["$ref"].removeprefix("#/$defs/")]
    if node.get("type") == "array":
        return schema_tree(node["items"], document)
    if node.get("type") != "object":
        return None
    return {key: schema_tree(node["properties"][key], document) for key in node["required"]}


def _compare(contract: Tree, actual: Tree | None, path: str) -> None:
    assert actual is not None, f"{path or 'document'}: the schema has no object here"
    missing, extra = set(contract) - set(actual), set(actual) - set(contract)
    assert not missing and not extra, (
        f"{path or 'document'}: required keys differ from DESIGN.md: "
        f"not required {sorted(missing)}, required but not in the contract {sorted(extra)}"
    )
    for key, children in contract.items():
        if children is not None:  # where DESIGN.md lists no inner keys, the schema is free
            _compare(children, actual[key], f"{path}.{key}".lstrip("."))


def test_required_keys_are_exactly_the_design_output_contract() -> None:
    if not DESIGN.is_file():
        pytest.skip(f"{DESIGN.resolve()} not found: shared/ is expected beside the repository clone")
    contract = contract_tree(DESIGN.read_text(encoding="utf-8"))
    # A sanity check of the parser itself, so that a change to its output cannot pass silently.
    objectives = contract["objectives"]
    assert objectives is not None and len(objectives) == 16
    assert objectives["burn_rates"] == dict.fromkeys(BURN_RATE_KEYS)
    document = schema()
    _compare(contract, schema_tree(document, document), "")
