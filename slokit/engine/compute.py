"""``evaluate``: from aligned event series to :class:`ObjectiveResult`, vectorised across objectives.

Objectives whose series share one time axis (same step, same timestamps) are evaluated together as
2-D ``objectives x steps`` blocks, in row chunks of about :data:`CHUNK_CELLS` cells so the temporary
arrays stay a few MB whatever the fleet size. Every number is a vector operation over a block; Python
only loops over objectives to build the result objects, never over steps.

The evaluation time is aligned down to the step (epoch-based, as the Prometheus source aligns its
queries) and is the only notion of "now": the engine never reads the clock.

An input that cannot be evaluated (bad target, unsorted timestamps, mismatched lengths, unknown
timezone) yields an ``error`` result for that objective rather than an exception, so one broken
definition does not take down the report; a naive ``at`` is a caller bug and raises ``ValueError``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

import numpy as np

from slokit.engine.budget import projected_sli, status_of
from slokit.engine.burn import (
    BURN_WINDOWS,
    burn_rates,
    firing,
    tier_factor,
    tier_windows,
    to_ns,
)
from slokit.engine.coverage import (
    NO_DATA,
    burn_window_coverage,
    complete,
    covered_ns,
    effective_long_burn,
    first_data_ns,
)
from slokit.engine.events import EventBlock, IntArray, ObjectArray, build_block, ratio
from slokit.engine.forecast import exhaustion_steps
from slokit.engine.glitches import broken_rows, describe_steps, describe_totals
from slokit.engine.incidents import (
    MIN_INCIDENT_SHARE,
    IncidentSpans,
    burning_steps,
    find_incidents,
)
from slokit.engine.inputs import CalendarWindow, FloatArray, ObjectiveInput, Resolution
from slokit.engine.results import (
    AlertState,
    BudgetSeries,
    CalendarProgress,
    Coverage,
    ErrorBudget,
    Incident,
    ObjectiveResult,
    WindowCoverage,
    failed_result,
)
from slokit.engine.series import budget_series
from slokit.engine.totals import TotalsTable, WindowEvents
from slokit.engine.windows import align_down, period_bounds, require_aware

CHUNK_CELLS = 1 << 20
NO_COARSE = np.iinfo(np.int64).min  # ``fine_from`` of a row without a coarse region: no step is before it
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True, eq=False)
class _Prepared:
    position: int
    objective: ObjectiveInput
    good: FloatArray
    total: FloatArray


@dataclass(slots=True, eq=False)
class _Group:
    step: timedelta
    ts_ns: IntArray
    members: list[_Prepared] = field(default_factory=list)
    _ends: _Datetimes | None = None
    _starts: _Datetimes | None = None

    def step_ends(self, index: IntArray) -> list[datetime]:
        if self._ends is None:
            self._ends = _Datetimes(self.ts_ns)
        return self._ends.at(index)

    def step_starts(self, index: IntArray) -> list[datetime]:
        if self._starts is None:
            self._starts = _Datetimes(self.ts_ns - to_ns(self.step))
        return self._starts.at(index)


class _Datetimes:
    """Aware UTC datetimes of a time axis, each value converted at most once per evaluation.

    Noisy low-traffic series can have hundreds of incidents per objective, all on one shared time
    axis: converting per axis value instead of per incident bound keeps that cheap.
    """

    __slots__ = ("_done", "_ns", "_values")

    def __init__(self, ns: IntArray) -> None:
        self._ns = ns
        self._values: ObjectArray = np.empty(ns.size, dtype=object)
        self._done = np.zeros(ns.size, dtype=bool)

    def at(self, index: IntArray) -> list[datetime]:
        wanted = np.unique(index)
        todo = wanted[~self._done[wanted]]
        if todo.size:
            naive = self._ns[todo].view("datetime64[ns]").astype("datetime64[us]").astype(object).tolist()
            self._values[todo] = [d.replace(tzinfo=UTC) for d in naive]
            self._done[todo] = True
        values: list[datetime] = self._values[index].tolist()
        return values


@dataclass(frozen=True, slots=True)
class _Span:
    """Where an objective's window lies at the evaluation time."""

    start: datetime
    length: timedelta
    period: tuple[datetime, datetime] | None


def evaluate(
    inputs: Sequence[ObjectiveInput], at: datetime, *, incidents: bool = True, series: bool = True
) -> list[ObjectiveResult]:
    """Evaluate every objective at ``at``; results come back in input order.

    ``incidents=False`` / ``series=False`` skip those parts (results get ``()`` / ``None``): a CI gate
    shows neither, and they are most of the engine's time on noisy fleets.
    """
    parts = _Parts(incidents=incidents, series=series)
    at = require_aware(at)
    results: list[ObjectiveResult | None] = [None] * len(inputs)
    for group in _group(inputs, results):
        at_step = align_down(at, group.step)
        end = int(np.searchsorted(group.ts_ns, to_ns(at_step - _EPOCH), side="right"))
        chunk = max(1, CHUNK_CELLS // max(1, group.ts_ns.size))
        for lo in range(0, len(group.members), chunk):
            members = group.members[lo : lo + chunk]
            for member, result in zip(
                members, _evaluate_block(members, group, at_step, end, parts), strict=True
            ):
                results[member.position] = result
    return [
        r if r is not None else failed_result(inputs[i].key, "not evaluated") for i, r in enumerate(results)
    ]


def _group(inputs: Sequence[ObjectiveInput], results: list[ObjectiveResult | None]) -> list[_Group]:
    groups: list[_Group] = []
    by_key: dict[tuple[timedelta, int, int, int], list[_Group]] = {}
    for position, objective in enumerate(inputs):
        try:
            ts_ns, good, total = _checked(objective)
        except (ValueError, TypeError, ZoneInfoNotFoundError) as exc:
            results[position] = failed_result(objective.key, f"invalid engine input: {exc}")
            continue
        key = (
            objective.step,
            ts_ns.size,
            int(ts_ns[0]) if ts_ns.size else 0,
            int(ts_ns[-1]) if ts_ns.size else 0,
        )
        candidates = by_key.setdefault(key, [])
        group = next((g for g in candidates if np.array_equal(g.ts_ns, ts_ns)), None)
        if group is None:
            group = _Group(objective.step, ts_ns)
            candidates.append(group)
            groups.append(group)
        group.members.append(_Prepared(position, objective, good, total))
    return groups


def _checked(objective: ObjectiveInput) -> tuple[IntArray, FloatArray, FloatArray]:
    if not (0.0 < objective.target < 1.0):
        raise ValueError(f"target must be a fraction in (0, 1), got {objective.target!r}")
    if objective.step <= timedelta(0):
        raise ValueError(f"step must be positive, got {objective.step}")
    if isinstance(objective.window, CalendarWindow):
        period_bounds(objective.window, _EPOCH)  # raises on an unknown timezone
    elif objective.window <= timedelta(0):
        raise ValueError(f"window must be positive, got {objective.window}")
    if any(t.long <= timedelta(0) or t.short <= timedelta(0) for t in objective.alert_tiers):
        raise ValueError("alert tier windows must be positive")
    if objective.resolution is not None and objective.resolution.fine_from.utcoffset() is None:
        raise ValueError("resolution.fine_from must be timezone-aware")
    timestamps = np.asarray(objective.timestamps)
    if timestamps.dtype.kind != "M":
        raise ValueError(f"timestamps must be datetime64, got {timestamps.dtype}")
    ts_ns = timestamps.astype("datetime64[ns]").view(np.int64)
    good = np.asarray(objective.good, dtype=np.float64)
    total = np.asarray(objective.total, dtype=np.float64)
    if ts_ns.ndim != 1 or good.shape != ts_ns.shape or total.shape != ts_ns.shape:
        raise ValueError(
            "timestamps, good and total must be 1-D of one length, "
            f"got {ts_ns.shape}, {good.shape}, {total.shape}"
        )
    if np.isnat(timestamps).any() or (np.diff(ts_ns) <= 0).any():
        raise ValueError("timestamps must be strictly increasing, without NaT")
    return ts_ns, good, total


def _broken_totals(objective: ObjectiveInput) -> str | None:
    totals = objective.window_totals
    if totals is None or objective.timeslices:
        return None
    good = np.asarray(totals.good, dtype=np.float64)
    total = np.asarray(totals.total, dtype=np.float64)
    return describe_totals(objective.key, totals.windows, good, total, totals.at, objective.counted)


def _span(objective: ObjectiveInput, at: datetime) -> _Span:
    if isinstance(objective.window, CalendarWindow):
        start, end = period_bounds(objective.window, at)
        return _Span(start, end - start, (start, end))
    return _Span(at - objective.window, objective.window, None)


def error_budget_ratio(target: float) -> float:
    """``1 - target``, rounded to 12 significant digits.

    In binary floating point ``1 - 0.9999`` is ``9.9999999999989e-05``: an error ratio of exactly
    0.01 % would then burn at 1.0000000000001x, and count as an incident. Targets have a handful of
    digits, so rounding recovers the intended ratio without touching real precision.
    """
    return float(f"{1.0 - target:.12g}")


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass(frozen=True, slots=True)
class _Parts:
    incidents: bool
    series: bool


def _evaluate_block(
    members: list[_Prepared], group: _Group, at: datetime, end: int, parts: _Parts
) -> list[ObjectiveResult]:
    objectives = [m.objective for m in members]
    step = group.step
    good_steps = np.stack([m.good for m in members])
    total_steps = np.stack([m.total for m in members])
    broken = _broken(objectives, group.ts_ns, end, good_steps, total_steps)
    block = build_block(group.ts_ns, end, good_steps, total_steps)
    at_ns = to_ns(at - _EPOCH)

    spans = [_span(o, at) for o in objectives]
    budget_ratio = np.array([error_budget_ratio(o.target) for o in objectives])
    length_s = np.array([s.length.total_seconds() for s in spans])
    timeslices = np.array([o.timeslices for o in objectives])
    window_start_ns = np.array([to_ns(s.start - _EPOCH) for s in spans], dtype=np.int64)
    starts = block.first_step_after(window_start_ns)
    first_ns = first_data_ns(block, step)

    windows = set(BURN_WINDOWS.values()).union(*(tier_windows(o.alert_tiers) for o in objectives))
    slo_windows = [at - s.start for s in spans]
    # A broken row's totals are left out like its steps: its result is an error, and its sums stay finite.
    usable = [replace(o, window_totals=None) if row in broken else o for row, o in enumerate(objectives)]
    totals = TotalsTable.of(usable, at, windows.union(slo_windows))

    good, bad = block.sums(starts)
    seen = block.any_in_window(starts, block.valid)
    unseen_bad = np.full(len(objectives), np.nan)  # the window's bad events the steps missed, per row
    if totals is not None:
        counted = totals.per_row(slo_windows)
        unseen_bad = np.where(counted.counted, counted.bad - bad, np.nan)
        good, bad = counted.over(good, bad)
        seen = seen | counted.counted
    total = good + bad
    has_data = total > 0
    slices = np.floor(length_s / step.total_seconds())
    allowed = budget_ratio * np.where(timeslices, slices, total)
    remaining = 1.0 - ratio(bad, allowed)
    remaining_events = allowed - bad
    remaining_minutes = np.where(
        timeslices,
        remaining_events * (step.total_seconds() / 60.0),
        remaining * budget_ratio * length_s / 60.0,
    )

    burns = burn_rates(block, at_ns, budget_ratio, windows)
    day = burn_rates(block, at_ns, np.ones_like(budget_ratio), [timedelta(days=1)])[timedelta(days=1)]
    if totals is not None:
        burns = {w: totals.window(w).burn_over(b, budget_ratio) for w, b in burns.items()}
        day = totals.window(timedelta(days=1)).burn_over(day, np.ones_like(budget_ratio))
    burn_coverage = burn_window_coverage(first_ns, at_ns, windows)
    exhaustion = _exhaustion(
        block,
        at=at,
        spans=spans,
        step=step,
        starts=starts,
        remaining_events=remaining_events,
        allow=np.where(timeslices, 0.0, budget_ratio),
        hour_covered_ns=burn_coverage[timedelta(hours=1)][0],
        hour_totals=None if totals is None else totals.window(timedelta(hours=1)),
    )

    incident_rows: list[tuple[Incident, ...]] = [()] * len(objectives)
    if parts.incidents:
        runs = find_incidents(block, burning_steps(block, budget_ratio, starts), step)
        incident_rows = _incidents(runs, group, allowed, objectives)
    series: dict[int, BudgetSeries] = {}
    if parts.series:
        # Charts start at the first data: no budget history is drawn for time before the data existed.
        series_starts = np.maximum(starts, block.first_step_after(np.minimum(first_ns, at_ns)))
        series = _series(
            block,
            starts=series_starts,
            has_data=has_data,
            step=step,
            allowed=allowed,
            budget_ratio=budget_ratio,
            unseen_bad=unseen_bad,
        )

    numbers = _Numbers(
        sli=ratio(good, total).tolist(),
        good=good.tolist(),
        bad=bad.tolist(),
        seen=seen.tolist(),
        allowed=allowed.tolist(),
        remaining=remaining.tolist(),
        remaining_events=remaining_events.tolist(),
        remaining_minutes=remaining_minutes.tolist(),
        has_data=has_data.tolist(),
        day_error_ratio=day.tolist(),
        burns={w: v.tolist() for w, v in burns.items()},
        first_ns=first_ns.tolist(),
        window_covered_ns=covered_ns(first_ns, window_start_ns, at_ns).tolist(),
        window_complete=complete(first_ns, window_start_ns).tolist(),
        burn_covered_ns={w: c.tolist() for w, (c, _) in burn_coverage.items()},
        burn_complete={w: k.tolist() for w, (_, k) in burn_coverage.items()},
        exhaustion_steps=exhaustion.tolist(),
    )
    return [
        failed_result(o.key, broken[row])
        if row in broken
        else _assemble(
            row,
            objective=o,
            span=spans[row],
            at=at,
            numbers=numbers,
            incidents=incident_rows[row],
            series=series.get(row),
        )
        for row, o in enumerate(objectives)
    ]


def _broken(
    objectives: list[ObjectiveInput], ts_ns: IntArray, end: int, good: FloatArray, total: FloatArray
) -> dict[int, str]:
    """Rows with a count no counter can produce (a step up to the evaluation time, which the message
    names, else a window total), and what was wrong.

    Their steps are blanked (no data) so the block's sums stay finite; their results are errors.
    """
    broken: dict[int, str] = {}
    for row in np.flatnonzero(broken_rows(good[:, :end], total[:, :end])).tolist():
        o = objectives[row]
        broken[row] = describe_steps(o.key, good[row, :end], total[row, :end], ts_ns[:end], o.counted)
    for row, o in enumerate(objectives):
        if row not in broken and (message := _broken_totals(o)) is not None:
            broken[row] = message
    for row in broken:
        good[row] = np.nan
        total[row] = np.nan
    return broken


@dataclass(frozen=True, slots=True)
class _Numbers:
    """A block's vectors as Python lists (NaN = undefined), read row by row while building results."""

    sli: list[float]
    good: list[float]
    bad: list[float]
    seen: list[bool]
    allowed: list[float]
    remaining: list[float]
    remaining_events: list[float]
    remaining_minutes: list[float]
    has_data: list[bool]
    day_error_ratio: list[float]
    burns: dict[timedelta, list[float]]
    first_ns: list[int]
    window_covered_ns: list[int]
    window_complete: list[bool]
    burn_covered_ns: dict[timedelta, list[int]]
    burn_complete: dict[timedelta, list[bool]]
    exhaustion_steps: list[float]


def _series(
    block: EventBlock,
    *,
    starts: IntArray,
    has_data: np.ndarray[tuple[int], np.dtype[np.bool_]],
    step: timedelta,
    allowed: FloatArray,
    budget_ratio: FloatArray,
    unseen_bad: FloatArray,
) -> dict[int, BudgetSeries]:
    out: dict[int, BudgetSeries] = {}
    for start in np.unique(starts[has_data]).tolist():
        rows = np.flatnonzero(has_data & (starts == start)).astype(np.int64)
        for row, one in zip(
            rows.tolist(),
            budget_series(
                block,
                rows=rows,
                start=start,
                step=step,
                allowed=allowed,
                error_budget_ratio=budget_ratio,
                unseen_bad=unseen_bad,
            ),
            strict=False,
        ):
            out[row] = one
    return out


def _incidents(
    spans: IncidentSpans, group: _Group, allowed: FloatArray, objectives: list[ObjectiveInput]
) -> list[tuple[Incident, ...]]:
    if spans.row.size == 0:
        return [() for _ in objectives]
    # Incidents only exist in windows with bad events, so ``allowed`` is positive for their rows.
    share = spans.bad_events / allowed[spans.row]
    significant = share >= MIN_INCIDENT_SHARE
    if not significant.all():
        spans = spans.keep(significant)
        share = share[significant]
        if spans.row.size == 0:
            return [() for _ in objectives]
    postmortem_over = np.array([o.policy.postmortem_over for o in objectives])
    required = share * 100.0 > postmortem_over[spans.row]
    incidents = list(
        map(
            Incident,
            group.step_starts(spans.first),
            group.step_ends(spans.last),
            spans.bad_events.tolist(),
            share.tolist(),
            required.tolist(),
            _located_to(spans, group, objectives),
        )
    )
    bounds = np.searchsorted(spans.row, np.arange(len(objectives) + 1)).tolist()
    return [tuple(incidents[lo:hi]) for lo, hi in itertools.pairwise(bounds)]


def _coarse(objective: ObjectiveInput) -> Resolution | None:
    """The objective's coarse region, if its resolution has one coarser than its step."""
    resolution = objective.resolution
    return resolution if resolution is not None and resolution.coarse_step > objective.step else None


def _located_to(
    spans: IncidentSpans, group: _Group, objectives: list[ObjectiveInput]
) -> list[timedelta | None]:
    """Per incident, the coarse step when it starts in its row's coarse region, else None.

    Every step of one coarse step holds the same spread events, so they burn alike and a run there starts
    and ends on coarse step bounds: the start (and the end, when the incident ends there too) is known to
    the coarse step only. An incident starting after ``fine_from`` is located to the objective's step.
    """
    coarse = [_coarse(o) for o in objectives]
    if not any(coarse):
        return [None] * spans.row.size
    fine_from = np.array(
        [NO_COARSE if c is None else to_ns(c.fine_from - _EPOCH) for c in coarse], dtype=np.int64
    )
    located = group.ts_ns[spans.first] <= fine_from[spans.row]
    return [
        resolution.coarse_step if located_here and resolution is not None else None
        for resolution, located_here in zip(
            (coarse[row] for row in spans.row.tolist()), located.tolist(), strict=True
        )
    ]


def _assemble(
    row: int,
    *,
    objective: ObjectiveInput,
    span: _Span,
    at: datetime,
    numbers: _Numbers,
    incidents: tuple[Incident, ...],
    series: BudgetSeries | None,
) -> ObjectiveResult:
    has_data = numbers.has_data[row]
    coverage = _coverage(row, numbers, span, at, _coarse(objective))
    covered_burns = coverage.covered_burn_rates
    # A burn window the data does not fill has no burn rate of its own: it is never shown as complete.
    burn_rates_ = {
        key: covered_burns[key] if coverage.burn_windows[key].complete else None for key in BURN_WINDOWS
    }
    alerts = tuple(
        AlertState(
            severity=tier.severity,
            long_window=tier.long,
            short_window=tier.short,
            factor=(factor := tier_factor(tier, span.length)),
            long_burn_rate=(long_burn := _optional(numbers.burns[tier.long][row])),
            short_burn_rate=(short_burn := _optional(numbers.burns[tier.short][row])),
            firing=firing(
                effective_long_burn(long_burn, (covered := _covered(numbers, tier.long, row)), tier.long),
                short_burn,
                factor,
            ),
            long_coverage=min(1.0, covered / tier.long),
        )
        for tier in objective.alert_tiers
    )
    remaining = _optional(numbers.remaining[row]) if has_data else None
    budget = None
    if remaining is not None:
        budget = ErrorBudget(
            allowed_bad_events=numbers.allowed[row],
            consumed=1.0 - remaining,
            remaining=remaining,
            remaining_events=numbers.remaining_events[row],
            remaining_minutes=numbers.remaining_minutes[row],
        )
    seen = numbers.seen[row]
    good = numbers.good[row] if seen else None
    bad = numbers.bad[row] if seen else None
    return ObjectiveResult(
        key=objective.key,
        status=status_of(has_data, remaining, objective.policy, alerts),
        sli=_optional(numbers.sli[row]),
        good_events=good,
        total_events=None if good is None or bad is None else good + bad,
        bad_events=bad,
        error_budget=budget,
        burn_rates=burn_rates_,
        alerts=alerts,
        time_to_exhaustion=_steps(numbers.exhaustion_steps[row], objective.step),
        incidents=incidents,
        calendar=_calendar(span, at, numbers, row),
        series=series,
        coverage=coverage,
    )


def _covered(numbers: _Numbers, window: timedelta, row: int) -> timedelta:
    return timedelta(microseconds=numbers.burn_covered_ns[window][row] // 1000)


def _coverage(row: int, numbers: _Numbers, span: _Span, at: datetime, coarse: Resolution | None) -> Coverage:
    first_ns = numbers.first_ns[row]
    first = None
    located_to = None
    if first_ns != NO_DATA:
        first = _EPOCH + timedelta(microseconds=first_ns // 1000)
        # A coarse step's events are spread over all its steps: data starting in it starts at its start.
        if coarse is not None and first < coarse.fine_from:
            located_to = coarse.coarse_step
    return Coverage(
        first_data=first,
        first_data_located_to=located_to,
        window=WindowCoverage(
            length=min(span.length, at - span.start),
            covered=timedelta(microseconds=numbers.window_covered_ns[row] // 1000),
            complete=numbers.window_complete[row],
        ),
        burn_windows={
            key: WindowCoverage(w, _covered(numbers, w, row), numbers.burn_complete[w][row])
            for key, w in BURN_WINDOWS.items()
        },
        covered_burn_rates={key: _optional(numbers.burns[w][row]) for key, w in BURN_WINDOWS.items()},
    )


def _exhaustion(
    block: EventBlock,
    *,
    at: datetime,
    spans: list[_Span],
    step: timedelta,
    starts: IntArray,
    remaining_events: FloatArray,
    allow: FloatArray,
    hour_covered_ns: IntArray,
    hour_totals: WindowEvents | None,
) -> FloatArray:
    """Steps until the budget is spent (NaN: not within the window or the period), see ``forecast``.

    New events arrive at the rates of the last hour's data, counted even before a full hour exists (from
    the window totals where the source counted the hour whole, as the 1h burn rate is). A calendar budget
    starts afresh with the next period: exhaustion after the period end never comes.
    """
    hour_ago = to_ns(at - _EPOCH) - to_ns(timedelta(hours=1))
    recent_good, recent_bad = block.sums(block.first_step_after(hour_ago))
    if hour_totals is not None:
        recent_good, recent_bad = hour_totals.over(recent_good, recent_bad)
    return exhaustion_steps(
        block,
        remaining_events=remaining_events,
        allow=allow,
        recent_bad=recent_bad,
        recent_total=recent_good + recent_bad,
        recent_steps=hour_covered_ns / to_ns(step),
        rolling=np.array([s.period is None for s in spans]),
        starts=starts,
        window_steps=np.array([-(-s.length // step) for s in spans], dtype=np.int64),
        horizon=np.array([(s.period[1] - at) / step if s.period else 0.0 for s in spans]),
    )


def _steps(count: float, step: timedelta) -> timedelta | None:
    return None if math.isnan(count) else step * count


def _calendar(span: _Span, at: datetime, numbers: _Numbers, row: int) -> CalendarProgress | None:
    if span.period is None:
        return None
    start, end = span.period
    elapsed = (at - start) / (end - start)
    return CalendarProgress(
        period_start=start,
        period_end=end,
        elapsed_share=elapsed,
        projected_sli=projected_sli(
            numbers.good[row], numbers.bad[row], elapsed, _optional(numbers.day_error_ratio[row])
        ),
    )
