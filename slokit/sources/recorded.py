"""Reading the series ``slokit rules`` records instead of the raw selectors (the setting ``source``).

Each objective's group records the events of every evaluation step,
``slokit:sli_events_total:increase5m{service,objective}`` and ``slokit:sli_events_bad:increase5m`` (the step
in the name): one series per objective however many series its selectors match, so reading them costs the
server the same for a selector matching one series or thousands.

- **Steps.** A record at time ``t`` holds the events of ``(t - step, t]``. Prometheus evaluates a group at a
  fixed offset from the multiples of its interval, so records are not on the report's step grid: the step
  ending at ``T`` reads ``sum_over_time(record[step - 1ms])`` at ``T``, the one record in
  ``(T - step, T]`` whatever the offset (the millisecond keeps Prometheus 2, whose ranges include their
  start, from also counting a record exactly one step old). A coarse step ``C`` of the adaptive resolution
  is ``sum_over_time(record[C - 1ms])``, the ``C / step`` records in it.
- **Window totals** are ``sum_over_time(record[W - 1ms])`` at the evaluation time, all windows of an
  objective in one instant query labelled like :func:`slokit.sources.promql.window_totals`'s. They sum whole
  steps, so they lose the events at seams the raw window totals keep (docs/rules.md, Accuracy).
- **Where records begin** (``auto``): one range query per record step for all objectives,
  ``count_over_time(total_record[D - 1ms])`` at steps of ``D`` (a day for the usual 5-minute step) over the
  longest lookback. An objective's records cover the lookback from the end of the first ``D`` holding any
  record (its start, when that one is full): a day read raw that records partly cover costs little and
  is exact. Before that boundary the objective reads its raw selectors, after it the records, the two
  joined on a step end (a coarse step end in the coarse region), each step read from one of them only.
  The window totals add the raw window's part before the boundary (its own ``increase()`` at the
  boundary) to the records' after it.
- An objective with several recorded series (its rules loaded twice) cannot be read: ``auto`` reads its
  selectors, ``recorded`` makes it an ``error``.
- ``recorded`` reads only records; an objective without any in its lookback is an ``error``. Time-slice
  objectives read their query under every setting: the report needs each slice's value, the records keep
  only whether it was good.

Pure planning and joining here; :class:`Reader` does the requests through the Prometheus source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from slokit.durations import format_duration
from slokit.engine import Resolution, align_down
from slokit.redact import MESSAGE_LIMIT, excerpt
from slokit.rules.build import BAD as BAD_RECORD
from slokit.rules.build import TOTAL as TOTAL_RECORD
from slokit.settings import REDACT
from slokit.sources import grid, promql
from slokit.sources.base import BAD, GOOD, TOTAL, FetchedSeries, FetchedTotals, FloatArray, SeriesQuery
from slokit.timeparse import rfc3339

if TYPE_CHECKING:
    from slokit.sources.prometheus import PrometheusSource
    from slokit.sources.prometheus_answer import Series

RECORDED_NOTE = "events read from the recorded series of `slokit rules`"

BUCKET = timedelta(days=1)  # the resolution at which the start of the records is looked up


def reads_records(query: SeriesQuery) -> bool:
    """Whether the objective has recorded events at all: time slices are read from their query."""
    return query.sli.timeslices is None


def record_names(step: timedelta) -> tuple[str, str]:
    """The total and bad step records of objectives evaluated every ``step``."""
    spelt = format_duration(step)
    return f"{TOTAL_RECORD}{spelt}", f"{BAD_RECORD}{spelt}"


def selector(name: str, key: str) -> str:
    """``name`` of the objective ``service/objective`` (names allow no ``/`` nor quotes)."""
    service, _, objective = key.partition("/")
    return f'{name}{{service="{service}",objective="{objective}"}}'


def just_under(length: timedelta) -> str:
    """A range one millisecond short of ``length``, in PromQL: ``5m`` -> ``4m59s999ms``."""
    seconds = length - timedelta(seconds=1)
    return f"{format_duration(seconds)}999ms" if seconds > timedelta(0) else "999ms"


def step_expressions(key: str, step: timedelta, length: timedelta) -> dict[str, str]:
    """Role -> PromQL for the events of steps of ``length`` (the record step or a multiple of it)."""
    total, bad = record_names(step)
    return {
        role: f"sum_over_time({selector(name, key)}[{just_under(length)}])"
        for role, name in ((TOTAL, total), (BAD, bad))
    }


def totals_expression(key: str, step: timedelta, windows: Iterable[timedelta]) -> str:
    """One instant query for both roles over every window, labelled as the raw window totals are."""
    parts = [
        f'label_replace({expr}, "{promql.WINDOW_LABEL}", "{role}/{int(window.total_seconds())}", "", "")'
        for window in windows
        for role, expr in step_expressions(key, step, window).items()
    ]
    return " or ".join(parts)


# ------------------------------------------------------------------------------ where the records begin


@dataclass(frozen=True)
class CoverageAsk:
    """The range query finding where the records of one step begin, for the objectives ``keys``."""

    step: timedelta
    keys: frozenset[str]
    expr: str
    first: datetime  # end of the first bucket
    last: datetime  # end of the last bucket
    bucket: timedelta

    @property
    def full(self) -> int:
        """Records in a bucket without a hole."""
        return self.bucket // self.step


def coverage_asks(queries: Sequence[SeriesQuery]) -> list[CoverageAsk]:
    """One ask per record step among ``queries`` (time slices left out), over their longest lookback."""
    by_step: dict[timedelta, list[SeriesQuery]] = {}
    for query in queries:
        if reads_records(query):
            by_step.setdefault(query.step, []).append(query)
    asks = []
    for step, group in sorted(by_step.items()):
        last = max(q.end for q in group)
        begins = min(q.start - q.step for q in group)
        bucket = max(step, min(BUCKET, (last - begins) / 30) // step * step)
        count = -(-(last - begins) // bucket)
        services = sorted({q.key.partition("/")[0] for q in group})
        pattern = "|".join(s.replace(".", "\\\\.") for s in services)
        total, _ = record_names(step)
        expr = f'count_over_time({total}{{service=~"{pattern}"}}[{just_under(bucket)}])'
        keys = frozenset(q.key for q in group)
        asks.append(CoverageAsk(step, keys, expr, last - (count - 1) * bucket, last, bucket))
    return asks


@dataclass(frozen=True)
class Duplicated:
    """An objective with several recorded series (its rules loaded twice, e.g. by Prometheus and a ruler,
    told apart by other labels): which one to read cannot be told, so none is."""

    labels: tuple[dict[str, str], ...]

    def reason(self, key: str, step: timedelta) -> str:
        total, _ = record_names(step)
        shown = "; ".join(
            ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k not in ("service", "objective"))
            or "no other label"
            for labels in self.labels[:3]
        )
        return (
            f"{len(self.labels)} recorded series {selector(total, key)}, expected one (other labels: "
            f"{shown}): are its rules loaded more than once?"
        )


def boundaries(ask: CoverageAsk, answer: Iterable[Series]) -> dict[str, datetime | Duplicated | None]:
    """Per objective with records: the end of the last step its records do not cover (None: they cover
    every bucket asked), or :class:`Duplicated`. ``answer`` holds one series of record counts per bucket
    end and recorded series; an answer off the buckets' grid raises :class:`slokit.sources.grid.OffGrid`."""
    found: dict[str, datetime | Duplicated | None] = {}
    series_of: dict[str, list[dict[str, str]]] = {}
    buckets = (ask.last - ask.first) // ask.bucket + 1
    for series in answer:
        key = f"{series.metric.get('service', '')}/{series.metric.get('objective', '')}"
        if key not in ask.keys:
            continue
        counts = np.full(buckets, np.nan)
        asked = (ask.first.timestamp(), ask.last.timestamp())
        step = format_duration(ask.bucket)
        grid.place(
            counts,
            series.points,
            start_s=asked[0],
            step_s=ask.bucket.total_seconds(),
            asked=asked,
            what="query for the recorded series",
            step=step,
        )
        with_records = np.flatnonzero(counts > 0)
        if not with_records.size:
            continue
        series_of.setdefault(key, []).append({str(k): str(v) for k, v in series.metric.items()})
        first = int(with_records[0])
        end = ask.first + first * ask.bucket
        if counts[first] < ask.full:  # the records begin (or have a hole) inside this bucket: read it raw
            found[key] = end
        elif first == 0:
            found[key] = None
        else:
            found[key] = end - ask.bucket
    for key, labels in series_of.items():
        if len(labels) > 1:
            found[key] = Duplicated(tuple(labels))
    return found


# -------------------------------------------------------------------------- joining raw and recorded


@dataclass(frozen=True)
class Split:
    """An objective read raw up to ``boundary`` (a step end) and from records after it."""

    raw: SeriesQuery
    recorded: SeriesQuery
    boundary: datetime


def _align_up(moment: datetime, step: timedelta) -> datetime:
    down = align_down(moment, step)
    return down if down == moment else down + step


def split(query: SeriesQuery, boundary: datetime | None) -> SeriesQuery | Split | None:
    """How to read ``query`` whose records cover the steps after ``boundary``: the query itself (all
    from records), a :class:`Split`, or None (no step covered: all raw)."""
    first_begins = query.start - query.step
    if boundary is None or boundary <= first_begins:
        return query
    resolution = query.resolution
    if resolution is not None and boundary <= resolution.fine_from:
        # In the coarse region the seam is a coarse step end (the coarse grid is aligned to the epoch).
        boundary = _align_up(boundary, resolution.coarse_step)
    if boundary >= query.end:
        return None
    covered = query.end - boundary
    raw_resolution = recorded_resolution = resolution
    if resolution is not None and boundary <= resolution.fine_from:
        raw_resolution = Resolution(resolution.coarse_step, boundary)
        recorded_resolution = resolution if resolution.fine_from > boundary else None
    elif resolution is not None:
        recorded_resolution = None
    raw = replace(
        query,
        end=boundary,
        windows=tuple(w - covered for w in query.windows if w > covered),
        resolution=raw_resolution,
    )
    recorded = replace(
        query,
        start=boundary + query.step,
        windows=tuple(sorted({min(w, covered) for w in query.windows})),
        resolution=recorded_resolution,
    )
    return Split(raw, recorded, boundary)


def as_bad(series: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Total and bad events from a raw answer holding good or bad: where the total has data, a good or
    bad series without any counts zero (see :func:`slokit.pipeline.events`)."""
    total = series[TOTAL]
    has_total = ~np.isnan(total)
    if BAD in series:
        return {TOTAL: total, BAD: np.where(np.isnan(series[BAD]) & has_total, 0.0, series[BAD])}
    good = np.where(np.isnan(series[GOOD]) & has_total, 0.0, series[GOOD])
    with np.errstate(invalid="ignore"):
        return {TOTAL: total, BAD: total - good}


def _add(a: FloatArray, b: FloatArray) -> FloatArray:
    """Sum where either has data; no data where neither has."""
    return np.where(np.isnan(a) & np.isnan(b), np.nan, np.nan_to_num(a, nan=0.0) + np.nan_to_num(b, nan=0.0))


def join(query: SeriesQuery, part: Split, raw: FetchedSeries, recorded: FetchedSeries) -> FetchedSeries:
    """The raw part's steps and then the recorded part's, and each window's events from both parts."""
    queries = raw.http_queries + recorded.http_queries
    for failed in (raw, recorded):
        if failed.error is not None:
            return replace(failed, query=query, http_queries=queries)
    before, after = as_bad(raw.series), recorded.series
    series = {role: np.concatenate([before[role], after[role]]) for role in (TOTAL, BAD)}
    totals = None
    if query.windows and recorded.totals is not None:
        covered = query.end - part.boundary
        rec = recorded.totals
        old = as_bad(raw.totals.series) if raw.totals is not None else None
        values = {role: np.full(len(query.windows), np.nan) for role in (TOTAL, BAD)}
        for i, window in enumerate(query.windows):
            for role in (TOTAL, BAD):
                value = rec.series[role][rec.windows.index(min(window, covered))]
                if window > covered and old is not None and raw.totals is not None:
                    earlier = old[role][raw.totals.windows.index(window - covered)]
                    value = float(_add(np.array([value]), np.array([earlier]))[0])
                values[role][i] = value
        totals = FetchedTotals(query.end, query.windows, values)
    note = (
        f"events after {rfc3339(part.boundary)} read from the recorded series of `slokit rules`, before "
        "it from the selectors"
    )
    return FetchedSeries(
        query,
        series=series,
        http_queries=queries,
        totals=totals,
        notes=(*raw.notes, note),
        resolution=query.resolution,
    )


# ------------------------------------------------------------------------------------------- fetching


class Reader:
    """Fetches each objective as the setting ``source`` (auto or recorded) says, through ``source``.

    Made once per run: it looks up where the records begin for all ``queries`` at once (one request per
    record step); an answer it cannot use leaves ``auto`` reading the selectors.
    """

    def __init__(self, source: PrometheusSource, mode: str, queries: Sequence[SeriesQuery]) -> None:
        from slokit.sources.prometheus import QueryFailed

        self.source = source
        self.mode = mode
        self.found: dict[str, datetime | Duplicated | None] = {}
        self.failure: str | None = None
        for ask in coverage_asks(queries):
            step = format_duration(ask.bucket)
            request = partial(source._query_range, ask.expr, ask.first, ask.last, step)
            try:
                answer = source._call([0], request)
            except QueryFailed as exc:
                self.failure = str(exc)
                continue
            try:
                self.found |= boundaries(ask, answer)
            except grid.OffGrid as exc:
                self.failure = str(exc)

    def fetch(self, query: SeriesQuery) -> FetchedSeries:
        if not reads_records(query):
            return self.source._fetch_one(query)
        if query.key not in self.found:
            if self.mode == "recorded":
                return self._missing(query)
            return self.source._fetch_one(query)
        found = self.found[query.key]
        if isinstance(found, Duplicated):
            reason = found.reason(query.key, query.step)
            if self.mode == "recorded":
                error = f"{query.key}: {reason} (source: recorded)"
                return FetchedSeries(query, error=excerpt(REDACT, error, MESSAGE_LIMIT, one_line=False))
            raw = self.source._fetch_one(query)
            return replace(raw, notes=(*raw.notes, f"read from the selectors: {reason}"))
        how = query if self.mode == "recorded" else split(query, found)
        if how is None:
            return self.source._fetch_one(query)
        if isinstance(how, SeriesQuery):
            return self.records(how)
        return join(query, how, self.source._fetch_one(how.raw), self.records(how.recorded))

    def records(self, query: SeriesQuery) -> FetchedSeries:
        """The objective's steps and window totals from its step records alone."""
        from slokit.sources.prometheus import QueryFailed, failed

        counter = [0]
        source = self.source
        try:
            fine = step_expressions(query.key, query.step, query.step)
            coarse = {}
            if query.resolution is not None:
                coarse = step_expressions(query.key, query.step, query.resolution.coarse_step)
            series = {
                role: source._steps(query, role, expr, coarse.get(role), counter)
                for role, expr in fine.items()
            }
            totals = None
            if query.windows:
                expr = totals_expression(query.key, query.step, query.windows)
                totals = source._totals(query, (TOTAL, BAD), None, counter, expr)
        except QueryFailed as exc:
            return failed(query, exc, counter)
        return FetchedSeries(
            query,
            series=series,
            http_queries=counter[0],
            totals=totals,
            notes=(RECORDED_NOTE,),
            resolution=query.resolution,
        )

    def _missing(self, query: SeriesQuery) -> FetchedSeries:
        total, _ = record_names(query.step)
        if self.failure is not None:
            error = f"{query.key}: cannot look up its recorded series (source: recorded): {self.failure}"
        else:
            lookback = format_duration(query.end - query.start + query.step)
            error = (
                f"{query.key}: no recorded series {selector(total, query.key)} in the last {lookback} "
                "(source: recorded): load the rules `slokit rules` generates for it into Prometheus (or "
                "its ruler), or set source to auto"
            )
        return FetchedSeries(query, error=excerpt(REDACT, error, MESSAGE_LIMIT, one_line=False))
