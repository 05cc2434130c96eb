"""Rules that span fields or files: a kind without an owner, duplicate objectives, a service's owners.

They read an :class:`Outline` of each file, taken from its raw YAML data rather than from the validated
model, so that a file with schema errors is still checked in the same run: a user fixes everything at once
instead of meeting "no owner for kind" only after the schema errors are gone. Only values that are valid on
their own are used (a kind that is not ``operational``/``application`` is skipped: its schema error says
enough).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from slokit.errors import Problem
from slokit.mailbox import address_of
from slokit.spec.models import KINDS, Kind, Owner, is_name
from slokit.spec.yamlsafe import Document


@dataclass(frozen=True)
class OutlinedObjective:
    index: int
    name: str | None  # None: missing or not a valid name
    kind: Kind | None


@dataclass(frozen=True)
class Outline:
    """What the cross-file rules need from one file, read from files that failed validation too."""

    file: str
    doc: Document
    service: str | None
    # None: the owners block cannot be read (missing, not a mapping, an unknown key), so owner rules are
    # skipped. Otherwise one entry per kind written: its Owner, or None when that owner is itself invalid.
    owners: dict[Kind, Owner | None] | None
    objectives: tuple[OutlinedObjective, ...]


def outline(file: str, doc: Document) -> Outline:
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    service = data.get("service")
    raw_objectives = data.get("objectives")
    objectives = tuple(
        OutlinedObjective(
            index=i,
            name=item.get("name") if is_name(item.get("name")) else None,
            kind=item.get("kind") if item.get("kind") in KINDS else None,
        )
        for i, item in enumerate(raw_objectives if isinstance(raw_objectives, list) else [])
        if isinstance(item, dict)
    )
    return Outline(file, doc, service if is_name(service) else None, _owners(data.get("owners")), objectives)


def _owners(raw: Any) -> dict[Kind, Owner | None] | None:
    if not isinstance(raw, dict) or not set(raw) <= set(KINDS):
        return None
    owners: dict[Kind, Owner | None] = {}
    for kind in KINDS:
        if raw.get(kind) is None:
            continue
        try:
            owners[kind] = Owner.model_validate(raw[kind])
        except ValidationError:
            owners[kind] = None
    return owners


def cross_checks(outlines: Sequence[Outline]) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[tuple[str, str], str] = {}
    first_owner: dict[tuple[str, Kind], tuple[Outline, Owner]] = {}
    for item in outlines:
        if item.service is not None and item.owners is not None:
            for kind, owner in item.owners.items():
                if owner is None:
                    continue
                first = first_owner.setdefault((item.service, kind), (item, owner))
                if first[0] is not item and (problem := _owner_conflict(item, kind, owner, *first)):
                    problems.append(problem)
        for objective in item.objectives:
            i = objective.index
            if objective.kind is not None and item.owners is not None and objective.kind not in item.owners:
                problems.append(
                    Problem(
                        item.file,
                        item.doc.line_of(("objectives", i, "kind")),
                        f"objectives[{i}].kind",
                        f"no owner for kind '{objective.kind}': add owners.{objective.kind}",
                    )
                )
            if item.service is None or objective.name is None:
                continue
            key = (item.service, objective.name)
            line = item.doc.line_of(("objectives", i, "name"))
            if key in first_seen:
                problems.append(
                    Problem(
                        item.file,
                        line,
                        f"objectives[{i}].name",
                        f"duplicate objective '{objective.name}' of service '{item.service}' "
                        f"(first at {first_seen[key]})",
                    )
                )
            else:
                first_seen[key] = f"{item.file}:{line}"
    return problems


def _owner_conflict(
    item: Outline, kind: Kind, owner: Owner, first: Outline, first_owner: Owner
) -> Problem | None:
    """A service split over several files must name the same owner of a kind in each: reports, emails and
    the gate would otherwise disagree about who owns it, depending on which file an objective is in."""
    differences = []
    if owner.team != first_owner.team:
        differences.append(f"team '{first_owner.team}' there, '{owner.team}' here")
    there, here = _addresses(first_owner), _addresses(owner)
    if there != here:
        differences.append(f"email {_listed(there)} there, {_listed(here)} here")
    if not differences:
        return None
    path = ("owners", kind)
    return Problem(
        item.file,
        item.doc.line_of(path),
        f"owners.{kind}",
        f"service '{item.service}' has another {kind} owner in {first.file}:{first.doc.line_of(path)} "
        f"({'; '.join(differences)}): every file of a service must name the same owners",
    )


def _listed(addresses: set[str]) -> str:
    return f"[{', '.join(sorted(addresses))}]" if addresses else "none"


def _addresses(owner: Owner) -> set[str]:
    # Compared as a set of bare addresses: order, letter case and display names do not change who gets mail.
    return {address_of(text).lower() for text in owner.email}
