"""Errors and exit codes.

Every failure slokit reports is a :class:`SlokitError`; the CLI has one handler that prints the message on
one line and exits with the error's code. Nothing outside ``cli.py`` calls ``sys.exit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class ExitCode(IntEnum):
    OK = 0
    GATE_FAILED = 1
    USAGE = 2
    SOURCE = 3
    DELIVERY = 4
    INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug, not the user's input or a data source
    OUTPUT = 74  # sysexits' EX_IOERR: an output file could not be written (a full disk, a size limit)


# Why an objective could not be evaluated: its data source failed ("source"); its definition does not fit the
# server's data, e.g. a selector matches no series ("definition"); the server refused one of its expressions
# as malformed ("malformed", which makes the run exit 2 like any other bad definition).
ObjectiveErrorKind = Literal["source", "definition", "malformed"]


class SlokitError(Exception):
    exit_code: ExitCode = ExitCode.USAGE

    def lines(self) -> list[str]:
        """The message as printed: one line per problem."""
        return [str(self)]


class UsageError(SlokitError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file, located as precisely as the YAML allows."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DefinitionError(SlokitError):
    """One or more SLO definition files are invalid; carries every problem found, not only the first."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class SourceError(SlokitError):
    exit_code = ExitCode.SOURCE


class DeliveryError(SlokitError):
    exit_code = ExitCode.DELIVERY


class OutputError(SlokitError):
    """Writing an output file failed part way (the disk filled up, a file size limit): not a bug, and not
    the user's input either, so neither 70 nor 2."""

    exit_code = ExitCode.OUTPUT

    def __init__(self, path: object, reason: str, note: str = "") -> None:
        super().__init__(f"{path}: not written ({reason}){'; ' + note if note else ''}")


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps: causes, contexts, urllib3's ``reason`` and exceptions passed as args
    (at most 20, each once): where a transport failure's own words are, for a one-line message."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [a for a in current.args if isinstance(a, BaseException)]
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                todo.append(linked)
    return seen
