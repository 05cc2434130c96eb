"""One-line description of a set of loaded definitions, as ``slokit validate`` prints it."""

from __future__ import annotations

from collections import Counter

from slokit.spec.loader import Definitions
from slokit.spec.models import KINDS


def summarize(definitions: Definitions) -> str:
    kinds = Counter(objective.kind for _, objective in definitions.objectives())
    files = len(definitions.files)
    services = len({s.spec.service for s in definitions.services})
    objectives = sum(kinds.values())
    per_kind = ", ".join(f"{kinds[k]} {k}" for k in KINDS)
    return (
        f"ok: {files} file{'s' * (files != 1)}, {services} service{'s' * (services != 1)}, "
        f"{objectives} objective{'s' * (objectives != 1)} ({per_kind})"
    )
