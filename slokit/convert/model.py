"""What an import produces: slokit/v1 documents with comments pointing at their source, and the problems.

A converter (``slokit.convert.sloth``, ``slokit.convert.openslo``) turns files into a :class:`Conversion`;
``slokit import`` renders each :class:`ConvertedService` as YAML (``slokit.convert.write``), validates it
with the definition loader, and writes them all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slokit.spec.models import Kind

# A field path inside a slokit/v1 document, as the loader spells it: ("objectives", 0, "sli").
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ImportOptions:
    """``--kind`` (the kind of every objective that does not say its own), ``--team``, ``--email``."""

    kind: Kind | None = None
    team: str | None = None
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConvertedService:
    """One slokit/v1 document (plain YAML-ready data, keys in the order they are written) and, per field
    path, a comment line to write above that field ("from sloth.yaml:12, slos[0] requests-availability";
    "rate() over the window converted to increase(): ...")."""

    service: str
    source: str  # the file (or files) it came from, as given
    document: dict[str, Any]
    comments: dict[FieldPath, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversionProblem:
    """An SLO (or document) that could not be converted: ``FILE:LINE: NAME: message``."""

    file: str
    line: int
    name: str  # the SLO's (or document's) name; "" when it has none
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.name}: {self.message}" if self.name else f"{where}: {self.message}"


@dataclass(frozen=True)
class Conversion:
    services: tuple[ConvertedService, ...]
    problems: tuple[ConversionProblem, ...]
