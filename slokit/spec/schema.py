"""The JSON Schema of the ``slokit/v1`` definition format, generated from the pydantic models.

Shipped as ``slokit/spec/slokit-v1.schema.json`` for editors: the YAML extension of VS Code (and every
client of yaml-language-server) validates and completes a definition file against it as it is typed. It is
JSON Schema draft-07, the newest draft yaml-language-server fully supports.

The models stay the authority: ``slokit validate`` reports what the schema cannot say (a short window not
shorter than its long one, the same owners in every file of a service, PromQL syntax). The schema is
generated from them, so a field added, removed or renamed shows up here; what pydantic cannot see (the
rules inside validator functions, defaults written as durations) is added below, next to the function that
implements the rule. A test keeps the shipped file equal to :func:`definition_schema`; regenerate it with
``python -m slokit.spec.schema --write``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from slokit.durations import format_duration
from slokit.spec import expressions, models

FILE_NAME = "slokit-v1.schema.json"
DRAFT = "http://json-schema.org/draft-07/schema#"

DURATION = {
    "type": "string",
    "pattern": r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$",
    "minLength": 2,
    "description": "A duration written like Prometheus, units largest first: 5m, 1h30m, 30d, 2w.",
}
ADDRESS = {
    "type": "string",
    # Loose on purpose: the address is checked by slokit; an editor only needs to catch a missing @.
    "pattern": r"^(?:[^<>]*<)?[^<>@\s]+@[^<>@\s]+>?$",
    "description": "An email address, optionally with a name: ops@corp.local, Ann Lee <al@corp.local>.",
}
# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: models.one_line.
ONE_LINE = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
WINDOW_PLACEHOLDER = r"\{\{\s*window\s*\}\}"

# What the validator functions of the models enforce, in schema words (keyed by the function).
_AFTER: dict[Callable[..., Any], JsonSchemaValue] = {
    models._name: {"pattern": models._NAME.pattern, "description": f"{models.NAME_RULE}."},
    models._target: {
        "minimum": 1,
        "exclusiveMaximum": 100,
        "description": "Percent of good events (or good slices): 99.9. From 1 (0.999 would be a mistake for "
        "99.9) to below 100.",
    },
    models._percent: {"minimum": 0, "maximum": 100},
    models._positive_percent: {"exclusiveMinimum": 0, "maximum": 100},
    models._team: {"minLength": 1, "pattern": ONE_LINE},
    models._label_names: {"propertyNames": {"pattern": models._LABEL_NAME.pattern}},
    # Not starting with "__": names Prometheus reserves (JSON Schema patterns are ECMA-262, with lookahead).
    models._label_name: {"pattern": "^(?!__)" + models._LABEL_NAME.pattern.removeprefix("^")},
    models._address: ADDRESS,
    models._url: {"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+[^\s]*$", "maxLength": models.MAX_URL},
    models._window_length: {"description": "A rolling window, 5m to 400d: 30d, 28d, 1h30m."},
    models._slice_length: {"description": "A slice length, 10s to 1h."},
    expressions.ratio_query: {"pattern": WINDOW_PLACEHOLDER},
}


def _plain(value: Any) -> Any:
    """A default as a user writes it: durations as ``30d``, models as mappings, tuples as lists."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, BaseModel):
        return {
            (info.alias or name): _plain(getattr(value, name))
            for name, info in type(value).model_fields.items()
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class _Generator(GenerateJsonSchema):
    def timedelta_schema(self, schema: core_schema.TimedeltaSchema) -> JsonSchemaValue:
        return dict(DURATION)

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema) -> JsonSchemaValue:
        json_schema = super().function_after_schema(schema)
        rule = _AFTER.get(schema["function"]["function"])
        return {**json_schema, **rule} if rule else json_schema

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        json_schema = super().function_before_schema(schema)
        function = schema["function"]["function"]
        if function in (models._one_or_list, models._one_label_or_list):
            return {"oneOf": [json_schema["items"], json_schema]}
        if function is models._label_values:
            values = {"type": ["string", "number"], "pattern": ONE_LINE}
            return {**json_schema, "additionalProperties": values}
        return json_schema

    def encode_default(self, dft: Any) -> Any:
        return _plain(dft)

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Warn Below" as a title only repeats the key in a hover


def _ratio(definition: JsonSchemaValue) -> None:
    forms = [("good", "total"), ("bad", "total"), ("good_query", "total_query"), ("bad_query", "total_query")]
    keys = [key for form in forms for key in form[:1]] + ["total", "total_query"]
    definition["oneOf"] = [
        {
            "required": list(form),
            "not": {"anyOf": [{"required": [key]} for key in keys if key not in form]},
        }
        for form in forms
    ]


def _comparison(definition: JsonSchemaValue) -> JsonSchemaValue:
    written = {
        "type": "string",
        "pattern": models._COMPARISON.pattern,
        "description": "An operator and a number: '>= 1', '< 0.5' (operators < <= > >= == !=).",
    }
    definition["description"] = "The same as a mapping: {op: '>=', value: 1}."
    return {"oneOf": [written, definition]}


# The burn alerts' output, on the service's alerting and on an objective's.
_OUTPUT = {
    "name": "The burn alerts' name (default ErrorBudgetBurn).",
    "labels": "Extra labels on the burn alerts; service, objective, kind, team and the window labels are "
    "slokit's.",
    "annotations": "Extra annotations on the burn alerts (Go templates, as in any Prometheus rule); they "
    "replace slokit's of the same name.",
    "page_alert": "Labels and annotations of the page burn alerts only; disable: true writes none.",
    "ticket_alert": "Labels and annotations of the ticket burn alerts only; disable: true writes none.",
}
# Hover text for editors, by model and field. The reference is docs/definitions.md.
_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "ServiceSpec": {
        "": "One service's SLOs, in slokit's format (apiVersion: slokit/v1).",
        "apiVersion": "Always slokit/v1.",
        "service": "The service's name; objectives are known as service/objective.",
        "description": "Free text shown in reports.",
        "owners": "The team behind each kind of objective: operational (DevOps) and application (software).",
        "window": "The SLO window of every objective (default 30d): rolling 5m..400d, or a calendar period.",
        "labels": "Carried into reports and metrics as labels; numbers become strings.",
        "objectives": "The service level objectives (at least one).",
        "policy": "The error-budget policy: when the status warns, what freezes releases, when a postmortem "
        "is due.",
        "alerting": "Multiwindow, multi-burn-rate alert tiers; default: the SRE workbook's table, scaled to "
        "each objective's window.",
        "runbook": "http(s) URL of the runbook for every objective without its own: in reports and on "
        "alerts.",
        "dashboard": "http(s) URL of a dashboard for every objective without its own: in reports and on "
        "alerts.",
        "releases": "How the service's releases show in its metrics, for slokit review and postmortem.",
    },
    "Releases": {
        "": "A PromQL expression whose change marks a release (with label) or that is above 0 at release "
        "times (without).",
        "query": 'PromQL evaluated over the span, e.g. app_build_info{job="checkout"}.',
        "label": "The label whose new value is a release (its value is the version); leave out for a "
        "marker expression.",
        "within": "An incident starting this long after a release is attributed to it (default 1h, at most "
        "30d).",
    },
    "Owners": {
        "operational": "Owner of the operational objectives (DevOps: uptime, infrastructure latency).",
        "application": "Owner of the application objectives (software team: features, user journeys).",
    },
    "Owner": {
        "team": "The team's name, as reports, emails and --team show it (any script, one line).",
        "email": "Where the team's report goes: a list of addresses, or one address.",
    },
    "Objective": {
        "name": "Unique within the service.",
        "kind": "operational (owned by DevOps) or application (owned by the software team).",
        "description": "Free text shown in reports.",
        "window": "Overrides the service's window for this objective.",
        "sli": "How good and total events are counted: exactly one of ratio, latency, timeslices.",
        "runbook": "http(s) URL of this objective's runbook; overrides the service's.",
        "dashboard": "http(s) URL of this objective's dashboard; overrides the service's.",
        "min_events": "Events the long window of a burn alert must hold before it fires (slokit rules); "
        "overrides the service's alerting.min_events.",
        "alerting": "The burn alerts' name, labels and annotations for this objective, merged over the "
        "service's alerting (slokit rules).",
        "attribute_by": "Label names whose values slokit ranks by the bad events they carry (review, and "
        "the report's markdown/HTML): [handler, code]. Ratio SLIs with selectors and latency SLIs only; "
        "not le on a latency SLI.",
    },
    "CalendarWindow": {
        "calendar": "The period: month, week (from Monday) or quarter.",
        "timezone": "IANA time zone where the period starts: UTC, Europe/Berlin.",
    },
    "RatioSLI": {
        "good": 'Counter selector of good events: name{label="value"}.',
        "bad": "Counter selector of bad events (instead of good).",
        "total": "Counter selector of all events.",
        "good_query": "PromQL returning the count of good events over {{ window }}.",
        "bad_query": "PromQL returning the count of bad events over {{ window }} (instead of good_query).",
        "total_query": "PromQL returning the count of all events over {{ window }}.",
    },
    "LatencySLI": {
        "histogram": "Histogram base name and selector, without _bucket/_count/_sum.",
        "threshold": "Seconds; must equal one of the histogram's le bounds. Good: requests at or under it.",
    },
    "TimeslicesSLI": {
        "query": "PromQL giving one value per slice.",
        "good": "When a slice is good: '>= 1', '< 0.5'.",
        "slice": "Slice length, 10s to 1h (default 1m).",
    },
    "Policy": {
        "warn_below": "Percent of the budget left under which the status is warning (default 25).",
        "freeze_on": "The status that makes `slokit check` fail: exhausted, warning or never.",
        "postmortem_over": "Percent of the budget one incident may consume before a postmortem is due "
        "(default 20).",
    },
    "AlertTier": {
        "long": "The long window; the tier fires when both windows burn at or above the factor.",
        "short": "The short window, shorter than long: it stops the alert soon after the burn stops.",
        "budget": "Percent of the window's budget the tier allows to burn in its long window.",
    },
    "Alerting": {
        "": "Tiers written here are used as written; a severity left out gets the default tiers scaled to "
        "each objective's window.",
        "page": "Tiers that page (severity page).",
        "ticket": "Tiers that open a ticket (severity ticket).",
        "min_events": "Events the long window of a burn alert must hold before it fires, for every "
        "objective (slokit rules; default: none).",
        "absent_for": "slokit rules adds an alert SLISeriesAbsent when an objective's events have had no "
        "series this long, e.g. 15m (default: no such alert).",
        **{key: f"{text} (slokit rules)" for key, text in _OUTPUT.items()},
    },
    "AlertOutput": {
        "": "The burn alerts' name, labels and annotations for this objective, over the service's "
        "alerting (slokit rules).",
        **_OUTPUT,
    },
    "SeverityAlerts": {
        "labels": "Labels of the burn alerts of this severity only.",
        "annotations": "Annotations of the burn alerts of this severity only (Go templates).",
        "disable": "true: slokit rules writes no burn alert of this severity.",
    },
}


def _describe(definitions: dict[str, JsonSchemaValue]) -> None:
    for model, fields in _DESCRIPTIONS.items():
        definition = definitions[model]
        for field, text in fields.items():
            target = definition if not field else definition["properties"][field]
            # A field with a $ref may carry no other keyword in draft-07: describe it through allOf.
            if "$ref" in target:
                target["allOf"] = [{"$ref": target.pop("$ref")}]
            target["description"] = text


def definition_schema() -> JsonSchemaValue:
    generated = models.ServiceSpec.model_json_schema(
        by_alias=True, ref_template="#/definitions/{model}", schema_generator=_Generator
    )
    definitions: dict[str, JsonSchemaValue] = generated.pop("$defs")
    definitions["ServiceSpec"] = generated
    for definition in definitions.values():
        definition.pop("title", None)
    _ratio(definitions["RatioSLI"])
    definitions["SLI"].update(minProperties=1, maxProperties=1)
    definitions["Comparison"] = _comparison(definitions["Comparison"])
    # pydantic writes Field(gt=0) beside a BeforeValidator as "gt"; draft-07 says exclusiveMinimum.
    threshold = definitions["LatencySLI"]["properties"]["threshold"]
    threshold["exclusiveMinimum"] = threshold.pop("gt")
    # The same for Field(ge=1) on the event counts, inside their anyOf with null.
    for counted in (definitions["Alerting"], definitions["Objective"]):
        for option in counted["properties"]["min_events"]["anyOf"]:
            if "ge" in option:
                option["minimum"] = option.pop("ge")
    # Each label once (a duplicate is refused by slokit): for the list form of the one-or-list.
    for option in definitions["Objective"]["properties"]["attribute_by"]["oneOf"]:
        if option.get("type") == "array":
            option["uniqueItems"] = True
    _describe(definitions)
    root = definitions.pop("ServiceSpec")
    return {
        "$schema": DRAFT,
        "title": "slokit SLO definition (apiVersion: slokit/v1)",
        **root,
        "definitions": dict(sorted(definitions.items())),
    }


def render() -> str:
    return json.dumps(definition_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped() -> str:
    """The schema file as installed with the package."""
    return resources.files("slokit.spec").joinpath(FILE_NAME).read_text(encoding="utf-8")


def main(argv: Sequence[str]) -> None:
    """Print the shipped schema (to save beside your definitions); ``--write`` regenerates it (developers)."""
    if list(argv) == ["--write"]:
        path = Path(__file__).with_name(FILE_NAME)
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path}")
    else:
        print(shipped(), end="")


if __name__ == "__main__":
    main(sys.argv[1:])
