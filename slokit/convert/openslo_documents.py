"""OpenSLO documents as read for the import: each with its file and the lines of its fields, by kind and name.

Shared by :mod:`slokit.convert.openslo` and its parts (``openslo_time``, ``openslo_sli``): the document
type, the index that resolves references across files, the refusal an SLO ends with, and the annotation
keys ``slokit export openslo`` writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from slokit.convert.model import ConversionProblem
from slokit.convert.shown import shown
from slokit.convert.yamldocs import load_documents
from slokit.spec.files import Unreadable, read_definition
from slokit.spec.yamlsafe import Document, YamlProblem

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
PREFIX = "slokit.dev/"
KIND_KEY = PREFIX + "kind"
TEAM_KEY = PREFIX + "team"
EMAIL_KEY = PREFIX + "email"
OPENSLO_KINDS = (
    "Service",
    "SLO",
    "SLI",
    "DataSource",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
)
SHORTHAND = re.compile(r"^([0-9]+)([mhdwMQY])$")
FIXED = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
NOMINAL = {"month": timedelta(days=30), "week": timedelta(days=7), "quarter": timedelta(days=90)}


class Refused(Exception):
    """One SLO cannot be converted: the line of the field at fault, and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class OpenSLODoc:
    """One OpenSLO document of a file."""

    file: str
    doc: Document
    api: str
    kind: str
    name: str

    def line(self, *path: str | int) -> int:
        return self.doc.line_of(path)

    @property
    def data(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.doc.data)

    def section(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        return self.section("spec")

    def annotation(self, key: str) -> str | None:
        metadata = self.section("metadata")
        for where in ("annotations", "labels"):
            values = metadata.get(where)
            if isinstance(values, dict) and key in values:
                value = values[key]
                if isinstance(value, list) and len(value) == 1:
                    value = value[0]
                return str(value) if isinstance(value, str | int | float) else None
        return None

    def labels(self) -> dict[str, Any]:
        values = self.section("metadata").get("labels")
        return values if isinstance(values, dict) else {}


class Index:
    """Every document of the given files, by kind and name."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], OpenSLODoc] = {}

    def get(self, kind: str, name: Any) -> OpenSLODoc | None:
        return self.objects.get((kind, name)) if isinstance(name, str) else None


def read(path: Path, problems: list[ConversionProblem]) -> list[OpenSLODoc]:
    name = str(path)
    try:
        text = read_definition(path).decode("utf-8-sig")
        documents = load_documents(text)
    except Unreadable as exc:
        problems.append(ConversionProblem(name, 1, "", exc.message))
        return []
    except UnicodeDecodeError:
        problems.append(ConversionProblem(name, 1, "", "not a UTF-8 text file"))
        return []
    except YamlProblem as exc:
        problems.append(ConversionProblem(name, exc.line, "", exc.message))
        return []
    found: list[OpenSLODoc] = []
    for doc in documents:
        for problem in doc.problems:
            problems.append(ConversionProblem(name, problem.line, "", problem.message))
        data = doc.data
        line = doc.line_of(())
        if not isinstance(data, dict):
            problems.append(ConversionProblem(name, line, "", "not an OpenSLO document (not a mapping)"))
            continue
        api, kind = data.get("apiVersion"), data.get("kind")
        metadata = data.get("metadata")
        title = metadata.get("name") if isinstance(metadata, dict) else None
        title_text = title if isinstance(title, str) else ""
        if api not in (V1, V1ALPHA):
            where = doc.line_of(("apiVersion",))
            got = "no apiVersion" if api is None else f"apiVersion {shown(api)}"
            message = f"{got} is not OpenSLO's: {V1} or {V1ALPHA}"
            if api == "sloth.slok.dev/v1" or data.get("version") == "prometheus/v1":
                message += " (this looks like a Sloth spec: use `slokit import sloth`)"
            problems.append(ConversionProblem(name, where, title_text, message))
            continue
        if kind not in OPENSLO_KINDS:
            where = doc.line_of(("kind",))
            problems.append(
                ConversionProblem(name, where, title_text, f"kind {shown(kind)} is not an OpenSLO kind")
            )
            continue
        if not isinstance(title, str) or not title:
            where = doc.line_of(("metadata",))
            problems.append(ConversionProblem(name, where, "", f"{kind} without metadata.name"))
            continue
        found.append(OpenSLODoc(name, doc, str(api), str(kind), title))
    return found


def decimal(value: Any, line: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Refused(line, f"must be a number (got {shown(value)})")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise Refused(line, f"must be a number (got {shown(value)})") from None


def number(value: Decimal) -> float | int:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def json_annotation(obj: OpenSLODoc, key: str) -> Any:
    value = obj.annotation(PREFIX + key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise Refused(
            obj.line("metadata"), f"{PREFIX}{key} must be JSON (as slokit export writes it)"
        ) from None
