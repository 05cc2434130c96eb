"""What a review or postmortem asks a source beyond the event series: who ate the budget, when releases were.

Owned by the sources work of issue 14 (helper H4). A source that cannot answer (a snapshot) says so with
:class:`Unavailable`; a query that fails raises :class:`InsightFailed` with a one-line, redacted message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from slokit.spec.models import SLI, Releases

# One wording per fact, in the report, the review and the postmortem (after "attribution: ", "Releases: ").
FROM_SNAPSHOT = "unknown from a snapshot (it holds the SLIs' events only)"
CANNOT_TELL = "unknown: the data source cannot tell"


class InsightFailed(Exception):
    """The source failed to answer (message safe to print)."""


class Unavailable(InsightFailed):
    """The source cannot answer this kind of question at all (a snapshot holds no labels or releases)."""


@dataclass(frozen=True, slots=True)
class LabelShare:
    """Bad events of one value of one label over a span, and their share of all bad events of that label."""

    label: str
    value: str  # "" where the series carry no such label
    bad_events: float
    share: float | None  # None when the span had no bad events


@dataclass(frozen=True, slots=True)
class Release:
    # The start of the step it happened in, located to ``located_to`` (the query's step) as an incident's
    # start is located to the history's: a release at 10:20 found at an hourly step is at 10:00.
    at: datetime
    version: str | None  # the label's new value; None for a marker expression
    located_to: timedelta


@runtime_checkable
class InsightSource(Protocol):
    """A source that can be asked who ate the budget and when releases were; ``isinstance`` checks that it
    has both methods (a source without them cannot tell: :data:`CANNOT_TELL`)."""

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        """Bad events in ``(start, end]`` by each label's values, largest first, for every label."""
        ...

    def releases(self, releases: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        """Releases in ``(start, end]``, oldest first."""
        ...
