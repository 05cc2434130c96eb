"""What a data source is asked for and what it answers, independent of where the events come from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt

from slokit.engine.inputs import Resolution
from slokit.errors import ObjectiveErrorKind
from slokit.spec.models import SLI

FloatArray = npt.NDArray[np.float64]

# Roles of the series a query returns: events of a ratio or latency SLI, or the raw value of a time slice.
GOOD, BAD, TOTAL, VALUE = "good", "bad", "total", "value"


@dataclass(frozen=True)
class SeriesQuery:
    """The series one objective needs: one value per step, at step ends ``start, start+step, ..., end``."""

    key: str  # "service/objective"
    sli: SLI
    step: timedelta
    start: datetime  # end of the first step, aligned to the step
    end: datetime  # end of the last step, aligned to the step; also the instant window totals end at
    # Windows ``(end - w, end]`` whose events the source counts whole (see FetchedTotals); () for none.
    windows: tuple[timedelta, ...] = ()
    # Adaptive resolution: fetch steps up to ``resolution.fine_from`` at ``resolution.coarse_step`` (see
    # slokit.engine.Resolution); None fetches every step at ``step`` (``--resolution full``).
    resolution: Resolution | None = None
    # The longest burn or alert tier window (what engine.lookback adds to the objective's window): the
    # steps after ``end - longest_burn`` serve the burn windows. None: the default 3 d.
    longest_burn: timedelta | None = None

    @property
    def points(self) -> int:
        return int((self.end - self.start) / self.step) + 1

    def timestamps(self) -> npt.NDArray[np.datetime64]:
        first = np.datetime64(self.start.replace(tzinfo=None), "ns")
        return first + np.arange(self.points) * np.timedelta64(int(self.step.total_seconds()), "s")

    @property
    def fingerprint(self) -> str:
        """Identifies what was asked: a snapshot replays a series only for the same SLI and step."""
        text = f"{self.sli.model_dump_json()}|{self.step.total_seconds()}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class FetchedTotals:
    """Events of whole windows ending at ``at``, counted by the source in one go (not summed from steps).

    ``series`` maps a role (good, bad, total) to one value per entry of ``windows``; NaN where the
    source had no data for that window.
    """

    at: datetime
    windows: tuple[timedelta, ...]
    series: dict[str, FloatArray] = field(default_factory=dict)

    def select(self, windows: Sequence[timedelta]) -> FetchedTotals | None:
        """The totals of ``windows`` alone, in that order; None when one of them was not counted."""
        index = {w: i for i, w in enumerate(self.windows)}
        if any(w not in index for w in windows):
            return None
        picked = np.array([index[w] for w in windows], dtype=np.int64)
        return FetchedTotals(self.at, tuple(windows), {r: v[picked] for r, v in self.series.items()})


@dataclass(frozen=True, eq=False)
class FetchedSeries:
    """A source's answer for one objective: arrays aligned to ``query.timestamps()``, NaN where no data.

    ``totals``, when the source can count whole windows, holds the events of ``query.windows``.
    ``error_kind`` says what failed when ``error`` is set; ``notes`` are what a reader of the figures should
    know (an absent bad counter counted as zero).
    """

    query: SeriesQuery
    series: dict[str, FloatArray] = field(default_factory=dict)
    error: str | None = None
    http_queries: int = 0
    totals: FetchedTotals | None = None
    error_kind: ObjectiveErrorKind = "source"
    notes: tuple[str, ...] = ()
    # The resolution the series hold (a snapshot replays what it recorded, whatever was asked).
    resolution: Resolution | None = None


class Source(Protocol):
    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        """Fetch every query; a failure is reported in that result's ``error``, never raised."""
        ...

    def close(self) -> None: ...
