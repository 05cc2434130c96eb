"""Find, read and validate SLO definition files, collecting every problem as ``FILE:LINE: path: message``."""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from slokit.errors import DefinitionError, Problem
from slokit.spec.alerting import slice_window_problems, tier_window_problems
from slokit.spec.attribution import attribute_by_problems
from slokit.spec.checks import Outline, cross_checks, outline
from slokit.spec.files import Unreadable, Warn, discover, read_definition
from slokit.spec.models import Objective, ServiceSpec
from slokit.spec.yamlsafe import Document, Path, YamlProblem, format_path, load_document


@dataclass(frozen=True)
class LoadedService:
    """One definition file: its validated model, where it came from, and where each field is in it."""

    spec: ServiceSpec
    file: str
    fingerprint: str  # sha256 of the file's bytes: snapshots record which definitions they were made from
    lines: dict[Path, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, path: Path) -> int:
        return Document(None, self.lines).line_of(path)

    def where(self, objective_index: int) -> str:
        return f"{self.file}:{self.line_of(('objectives', objective_index))}"


@dataclass(frozen=True)
class Definitions:
    services: tuple[LoadedService, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(s.file for s in self.services)

    def objectives(self) -> Iterator[tuple[LoadedService, Objective]]:
        for service in self.services:
            for objective in service.spec.objectives:
                yield service, objective


def load(paths: Sequence[str | FsPath], warn: Warn | None = None) -> Definitions:
    """Load every definition under ``paths``; raise :class:`DefinitionError` listing all problems found.
    Entries of a directory that are skipped (a FIFO, a link loop, an unreadable directory) go to ``warn``."""
    services: list[LoadedService] = []
    outlines: list[Outline] = []
    problems: list[Problem] = []
    for path in discover(paths, warn):
        file = load_file(path)
        problems.extend(file.problems)
        if file.service is not None:
            services.append(file.service)
        if file.outline is not None:
            outlines.append(file.outline)
    # Cross-file rules run on every file that parsed, valid or not: every problem in one run.
    problems.extend(cross_checks(outlines))
    if problems:
        order = {name: i for i, name in enumerate(dict.fromkeys(p.file for p in problems))}
        raise DefinitionError(sorted(problems, key=lambda p: (order[p.file], p.line or 0)))
    return Definitions(tuple(services))


@dataclass(frozen=True)
class LoadedFile:
    service: LoadedService | None  # None when the file has problems
    problems: list[Problem]
    outline: Outline | None = None  # None when the file is not a YAML mapping


def load_file(path: FsPath) -> LoadedFile:
    name = str(path)
    try:
        raw = read_definition(path)
    except Unreadable as exc:
        return LoadedFile(None, [Problem(name, None, "", exc.message)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return LoadedFile(
            None, [Problem(name, line, "", f"not a UTF-8 text file (byte 0x{raw[exc.start]:02x})")]
        )
    try:
        doc = load_document(text)
    except YamlProblem as exc:
        return LoadedFile(None, [Problem(name, exc.line, format_path(exc.path), exc.message)])
    if not isinstance(doc.data, dict):
        got = _got(doc.data)
        message = f"must be a mapping with apiVersion, service and objectives (got {got})"
        return LoadedFile(None, [Problem(name, doc.line_of(()), "", message)])
    sketch = outline(name, doc)
    # Read from the raw data, so reported beside schema errors: duplicate keys, tiers and slices that do
    # not fit their windows, labels to attribute by on an SLI without selectors.
    found = [Problem(name, p.line, format_path(p.path), p.message) for p in doc.problems]
    found += tier_window_problems(name, doc) + slice_window_problems(name, doc)
    found += attribute_by_problems(name, doc)
    try:
        spec = ServiceSpec.model_validate(doc.data)
    except ValidationError as exc:
        problems = validation_problems(name, doc, exc.errors()) + found
        return LoadedFile(None, sorted(problems, key=lambda p: p.line or 0), sketch)
    if found:
        return LoadedFile(None, sorted(found, key=lambda p: p.line or 0), sketch)
    fingerprint = hashlib.sha256(raw).hexdigest()
    return LoadedFile(
        LoadedService(spec=spec, file=name, fingerprint=fingerprint, lines=doc.lines), [], sketch
    )


def validation_problems(file: str, doc: Document, errors: Iterable[Any]) -> list[Problem]:
    located = [(_data_path(doc.data, err["loc"]), err) for err in errors]
    # A misspelt key also makes the real one "missing": report the misspelling once, with its hint.
    hinted = {
        (*path[:-1], hint)
        for path, err in located
        if err["type"] == "extra_forbidden" and (hint := _close_key(path)) is not None
    }
    problems = [
        Problem(file, doc.line_of(path), format_path(path), _message(path, err))
        for path, err in located
        if not (err["type"] == "missing" and path in hinted)
    ]
    return sorted(problems, key=lambda p: p.line or 0)


def _data_path(data: Any, loc: Sequence[str | int]) -> Path:
    """Map pydantic's location (which includes union tags such as ``~calendar``) to a path in the data.

    Walked along the data: a key the file has is kept whatever it looks like (``api[Version`` is a
    misspelt key, not one of pydantic's own steps); pydantic's steps are dropped where the data has no
    such key."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif isinstance(part, str) and (part.startswith("~") or "[" in part):
            continue  # a union tag, a validator's name, a dict's "[key]"
        else:
            node = None  # a missing field: nothing under it
        path.append(part)
    return tuple(path)


def _message(path: Path, err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = _got(err.get("input"))
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        hint = _close_key(path)
        return f"unknown field; did you mean '{hint}'?" if hint else _unknown_field(path)
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"must be {ctx['expected']} (got {got})"
    if kind in ("string_type", "list_type", "tuple_type"):
        noun = {"string_type": "a string", "list_type": "a list", "tuple_type": "a list"}[kind]
        return f"must be {noun} (got {got})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping (got {got})"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "greater_than":
        return f"must be above {ctx['gt']} (got {got})"
    return f"{err['msg']} (got {got})"


def _got(value: Any) -> str:
    if value is None or isinstance(value, bool):  # as the file spells them, not as Python does
        return "null" if value is None else str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(path: Path) -> list[str]:
    model: type[BaseModel] | None = ServiceSpec
    for part in path[:-1]:
        if isinstance(part, int) or model is None:
            continue
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        info = fields.get(part)
        model = _model_in(info.annotation) if info is not None else None
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _close_key(path: Path) -> str | None:
    key = path[-1] if path else None
    if not isinstance(key, str):
        return None
    matches = difflib.get_close_matches(key, _allowed_keys(path), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_field(path: Path) -> str:
    allowed = _allowed_keys(path)
    return f"unknown field (allowed: {', '.join(allowed)})" if allowed else "unknown field"
