"""Rules that span fields or files, checked after each file has validated on its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slokit.errors import Problem

if TYPE_CHECKING:
    from slokit.spec.loader import LoadedService


def cross_checks(services: Sequence[LoadedService]) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[tuple[str, str], str] = {}
    for loaded in services:
        spec = loaded.spec
        for i, objective in enumerate(spec.objectives):
            if spec.owners.for_kind(objective.kind) is None:
                path = ("objectives", i, "kind")
                problems.append(
                    Problem(
                        loaded.file,
                        loaded.line_of(path),
                        f"objectives[{i}].kind",
                        f"no owner for kind '{objective.kind}': add owners.{objective.kind}",
                    )
                )
            key = (spec.service, objective.name)
            here = f"{loaded.file}:{loaded.line_of(('objectives', i, 'name'))}"
            if key in first_seen:
                problems.append(
                    Problem(
                        loaded.file,
                        loaded.line_of(("objectives", i, "name")),
                        f"objectives[{i}].name",
                        f"duplicate objective '{objective.name}' of service '{spec.service}' "
                        f"(first at {first_seen[key]})",
                    )
                )
            else:
                first_seen[key] = here
    return problems
