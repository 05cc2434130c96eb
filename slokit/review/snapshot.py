"""A snapshot as the review's source: its recorded steps summed into the history's steps.

``slokit record`` saves each objective at its evaluation step (5 minutes) over its window and burn
windows; the review asks for hours over months. Each history step is the sum of the recorded steps in it
(steps of an adaptive snapshot's coarse region hold their coarse step's events spread evenly, so whole
hours of them sum exactly); history steps the snapshot does not cover are no data, which the review shows
as unknown. Time slices are replayed at their slice, as recorded. A snapshot holds no labels and no
releases: attribution and releases are :class:`~slokit.sources.insight.Unavailable`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from slokit.sources.base import FetchedSeries, FloatArray, SeriesQuery
from slokit.sources.insight import LabelShare, Release
from slokit.sources.snapshot import SnapshotSource
from slokit.spec.models import SLI, Releases


class SnapshotHistory:
    """Implements :class:`slokit.sources.base.Source` and :class:`slokit.sources.insight.InsightSource`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.snapshot = SnapshotSource(path)
        self.evaluated_at = self.snapshot.evaluated_at

    def close(self) -> None:
        self.snapshot.close()

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        results = []
        for query in queries:
            result = self._history(query)
            if on_done is not None:
                on_done(result)
            results.append(result)
        return results

    def _history(self, query: SeriesQuery) -> FetchedSeries:
        recorded = self.snapshot.recorded.get(query.key)
        if recorded is None:
            return FetchedSeries(query, error=f"{query.key}: not in snapshot {self.path}")
        step = timedelta(seconds=recorded.step_seconds)
        per = query.step / step
        if per != int(per) or per < 1:
            return FetchedSeries(
                query,
                error=f"{query.key}: snapshot {self.path} has steps of {step}, not a divisor of {query.step}",
            )
        ask = replace(query, step=step, windows=(), resolution=None, longest_burn=None)
        if recorded.fingerprint != ask.fingerprint:
            return FetchedSeries(
                query, error=f"{query.key}: SLI or step changed since snapshot {self.path} was recorded"
            )
        if recorded.error is not None:
            return FetchedSeries(query, error=recorded.error, error_kind=recorded.error_kind)
        k = int(per)
        # Recorded step i ends at recorded.start + i * step; history step j holds the recorded steps
        # ending in (query.start + (j - 1) * query.step, query.start + j * query.step].
        first_end = query.start - query.step + step
        offset = (first_end - recorded.start) / step
        if offset != int(offset):
            return FetchedSeries(
                query, error=f"{query.key}: snapshot {self.path} steps are off the history's step grid"
            )
        series = {
            role: _sum_steps(values, int(offset), query.points, k) for role, values in recorded.series.items()
        }
        return FetchedSeries(query, series=series, notes=recorded.notes)

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        return self.snapshot.attribution(sli, labels, start, end)  # unavailable, in the snapshot's words

    def releases(self, releases: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        return self.snapshot.releases(releases, start, end, step)


def _sum_steps(values: FloatArray, offset: int, points: int, per: int) -> FloatArray:
    """``points`` sums of ``per`` consecutive values from ``offset`` on (NaN outside ``values``); a sum of
    only NaN values is NaN (no data), NaN among values is left out (a gap within the step)."""
    wanted = np.full(points * per, np.nan)
    lo, hi = max(offset, 0), min(offset + points * per, values.size)
    if hi > lo:
        wanted[lo - offset : hi - offset] = values[lo:hi]
    blocks = wanted.reshape(points, per)
    present = ~np.isnan(blocks)
    sums = np.where(present, blocks, 0.0).sum(axis=1)
    return np.where(present.any(axis=1), sums, np.nan)
