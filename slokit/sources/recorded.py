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
  is exact.
- **Three parts** (``auto``, :func:`plan`). A window read from records at the evaluation time ends at the
  group's last evaluation, up to one step (the group's interval) earlier: harmless for a 28 d window, not
  for a 5 m burn window. So ``auto`` reads the recent part of the lookback, the steps after the longest
  burn or alert tier window begins (the fine steps' start when adaptive), from the selectors, with the
  totals of every window that fits in it (the burn windows and the tiers'): they are the raw path's. The
  records serve the older part they cover, where nearly all the samples are; before them the selectors
  again. Each step is read from one part, the seams on step ends (coarse step ends in the coarse
  region). A window longer than the recent part (the objective's) adds the recent part's own
  ``increase()``, the records' sum over their part and the old part's ``increase()`` at its end. With a
  group offset the records' part runs up to a step early at both of its ends, which steady traffic
  cancels. Seams moved onto the records' times (one more request, the offset, and an off-grid raw piece
  where the records straddle the window's start) do not pay: computed on the server, admin's 30-day bad
  events go from 24.5 to 24.5002 against the selectors' 23 on Prometheus, the difference being the
  offset records' own extrapolation (docs/rules.md, Accuracy, Seams).
- An objective with several recorded series (its rules loaded twice) cannot be read: ``auto`` reads its
  selectors, ``recorded`` makes it an ``error``.
- ``recorded`` reads only records; an objective without any in its lookback is an ``error``. Its windows
  lag by up to one evaluation interval (the alerts of ``slokit rules``, evaluated by the same group, lag
  as much). Time-slice objectives read their query under every setting: the report needs each slice's
  value, the records keep only whether it was good.

Pure planning and joining here; :class:`Reader` does the requests through the Prometheus source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from slokit.durations import format_duration
from slokit.engine import Resolution, align_down
from slokit.engine.windows import LONGEST_BURN_WINDOW
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
    """Per objective with records: the end of the last bucket before the burn windows its records do not
    fill (None: they fill every one), or :class:`Duplicated`. ``answer`` holds one series of record counts
    per bucket end and recorded series; an answer off the buckets' grid raises
    :class:`slokit.sources.grid.OffGrid`."""
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
        if not (counts > 0).any():
            continue
        series_of.setdefault(key, []).append({str(k): str(v) for k, v in series.metric.items()})
        # Records are read only after the last bucket they do not fill, up to the burn windows (read from
        # the selectors anyway): records that began late, stopped (rules removed, a ruler down) or have a
        # hole would otherwise leave events out of the window's total that the selectors hold.
        before_burns = int((ask.last - LONGEST_BURN_WINDOW - ask.first) // ask.bucket) + 1
        holes = np.flatnonzero(~(counts[: max(before_burns, 0)] >= ask.full))
        found[key] = ask.first + int(holes[-1]) * ask.bucket if holes.size else None
    for key, labels in series_of.items():
        if len(labels) > 1:
            found[key] = Duplicated(tuple(labels))
    return found


# -------------------------------------------------------------------------- joining raw and recorded


@dataclass(frozen=True)
class Parts:
    """An objective read in up to three parts, each step from one of them: its selectors up to ``begins``
    (``old``; None when the records reach back to the lookback's start), the records up to ``recent_from``,
    and its selectors again after it (``recent``: the burn windows' steps and totals)."""

    old: SeriesQuery | None
    recorded: SeriesQuery
    recent: SeriesQuery
    begins: datetime  # where the records' part begins: a step end (a coarse step end when adaptive)
    recent_from: datetime


def _align_up(moment: datetime, step: timedelta) -> datetime:
    down = align_down(moment, step)
    return down if down == moment else down + step


def recent_from(query: SeriesQuery) -> datetime:
    """Where the recent part of the lookback begins, which ``auto`` reads from the selectors: the start of
    the fine steps when adaptive, else the step end at or before ``end`` less the longest burn window.

    A group's records sit at its offset from the step grid, so a window read from them at ``end`` ends
    at the group's last evaluation, up to a step early: the 5m burn rate would read the step before."""
    if query.resolution is not None:
        return query.resolution.fine_from
    return align_down(query.end - (query.longest_burn or LONGEST_BURN_WINDOW), query.step)


def plan(query: SeriesQuery, boundary: datetime | None) -> Parts | None:
    """How ``auto`` reads ``query`` whose records cover the steps after ``boundary`` (None: the whole
    lookback); None when the records cover no step before the recent part (all from the selectors)."""
    first_begins = query.start - query.step
    recent = recent_from(query)
    resolution = query.resolution
    begins = first_begins
    if boundary is not None and boundary > first_begins:
        # The seam on a step end; in the coarse region a coarse step end (aligned to the epoch).
        begins = _align_up(boundary, resolution.coarse_step if resolution is not None else query.step)
    if begins >= recent:
        return None
    recent_span, recorded_span = query.end - recent, recent - begins
    longer = [w for w in query.windows if w > recent_span]  # the objective's window, reaching back further
    coarse = resolution.coarse_step if resolution is not None else None

    def up_to(end: datetime) -> Resolution | None:  # a part ending before the fine steps: all coarse
        return Resolution(coarse, end) if coarse is not None else None

    old = None
    if begins > first_begins:
        old = replace(
            query,
            end=begins,
            windows=tuple(w - (query.end - begins) for w in longer if w > query.end - begins),
            resolution=up_to(begins),
        )
    recorded = replace(
        query,
        start=begins + query.step,
        end=recent,
        windows=tuple(sorted({min(w - recent_span, recorded_span) for w in longer})),
        resolution=up_to(recent),
    )
    recent_windows = {w for w in query.windows if w <= recent_span} | ({recent_span} if longer else set())
    fresh = replace(query, start=recent + query.step, windows=tuple(sorted(recent_windows)), resolution=None)
    return Parts(old, recorded, fresh, begins, recent)


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


def _add(a: float, b: float) -> float:
    """Sum where either has data; no data where neither has."""
    if math.isnan(a):
        return b
    return a if math.isnan(b) else a + b


def _total(totals: FetchedTotals, window: timedelta, role: str, bad: bool) -> float:
    series = as_bad(totals.series) if bad else totals.series
    return float(series[role][totals.windows.index(window)])


def join(
    query: SeriesQuery,
    parts: Parts,
    old: FetchedSeries | None,
    recorded: FetchedSeries,
    recent: FetchedSeries,
) -> FetchedSeries:
    """The parts' steps in order, and each window's events: the recent part's own total for the windows
    that fit in it; for a longer one, the recent part's, plus the records' and the old part's."""
    fetched = [f for f in (old, recorded, recent) if f is not None]
    queries = sum(f.http_queries for f in fetched)
    for part in fetched:
        if part.error is not None:
            return replace(part, query=query, http_queries=queries)
    pieces = [as_bad(old.series)] if old is not None else []
    pieces += [recorded.series, as_bad(recent.series)]
    series = {role: np.concatenate([piece[role] for piece in pieces]) for role in (TOTAL, BAD)}
    totals = None
    if query.windows and recent.totals is not None:
        recent_span = query.end - parts.recent_from
        values = {role: np.full(len(query.windows), np.nan) for role in (TOTAL, BAD)}
        for i, window in enumerate(query.windows):
            for role in (TOTAL, BAD):
                value = _total(recent.totals, min(window, recent_span), role, bad=True)
                if window > recent_span and recorded.totals is not None:
                    rest = min(window - recent_span, parts.recent_from - parts.begins)
                    value = _add(value, _total(recorded.totals, rest, role, bad=False))
                    older = window - (query.end - parts.begins)
                    if older > timedelta(0) and old is not None and old.totals is not None:
                        value = _add(value, _total(old.totals, older, role, bad=True))
                values[role][i] = value
        totals = FetchedTotals(query.end, query.windows, values)
    span = f"after {rfc3339(parts.begins)} " if old is not None else ""
    note = (
        f"events {span}up to {rfc3339(parts.recent_from)} read from the recorded series of `slokit rules`, "
        f"{'before and ' if old is not None else ''}after from the selectors"
    )
    raw_notes = dict.fromkeys(n for f in (old, recent) if f is not None for n in f.notes)
    return FetchedSeries(
        query,
        series=series,
        http_queries=queries,
        totals=totals,
        notes=(*raw_notes, note),
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
            # The other labels are the server's words: redacted like any text a server sends back.
            reason = excerpt(REDACT, found.reason(query.key, query.step), MESSAGE_LIMIT)
            if self.mode == "recorded":
                error = f"{query.key}: {reason} (source: recorded)"
                return FetchedSeries(query, error=excerpt(REDACT, error, MESSAGE_LIMIT, one_line=False))
            raw = self.source._fetch_one(query)
            return replace(raw, notes=(*raw.notes, f"read from the selectors: {reason}"))
        if self.mode == "recorded":
            return self.records(query)
        parts = plan(query, found)
        if parts is None:
            return self.source._fetch_one(query)
        # Part by part, stopping at the first that fails, as an objective stops at its first failed request.
        done: list[FetchedSeries] = []
        for part, read in (
            (parts.old, self.source._fetch_one),
            (parts.recorded, self.records),
            (parts.recent, self.source._fetch_one),
        ):
            if part is not None:
                done.append(read(part))
                if done[-1].error is None:
                    continue
                asked = sum(f.http_queries for f in done)
                if done[-1].error_kind == "definition" and part is not parts.recorded:
                    # A selector matching no series in this part (a job silent for the last days) may
                    # match some in the lookback: the selectors alone say so, as under raw.
                    whole = self.source._fetch_one(query)
                    return replace(whole, http_queries=whole.http_queries + asked)
                return replace(done[-1], query=query, http_queries=asked)
        old = done[0] if parts.old is not None else None
        return join(query, parts, old, done[-2], done[-1])

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
