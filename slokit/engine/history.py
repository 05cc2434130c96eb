"""Period history of one objective: per-period figures, incidents over the span, target advice.

pandas is used here, where it is the natural tool: the steps are grouped into the review's periods (a
step belongs to the period holding its END, so with period bounds on the step grid a period sums exactly
the steps inside ``[start, end)``). The step arithmetic (cleaning, rolling windows, incident runs) stays
numpy and reuses the report's engine: :func:`slokit.engine.events.build_block` cleans the steps as the
report does, and incidents are :mod:`slokit.engine.incidents`' runs, merged by the same rule.

Everything is located to the history's step (an hour for event objectives): an incident's bounds, a
freeze's start and end, an alert episode. Per-period figures are sums of steps and may differ from a
window's exact total by the events at scrape gaps on step seams.

Release freeze (``freeze_seconds``): a step is frozen when, at its end, the budget left in the objective's
window (rolling: the events of ``(t - W, t]``; calendar: of the step's own period so far) is at or below
0 (``freeze_on: exhausted``) or below ``warn_below`` percent (``freeze_on: warning``); ``never`` freezes
nothing. Steps before the history holds a whole rolling window use the events that exist, as ``slokit
report`` does on a partial window; a window without events is not frozen (its budget is unknown).

Time slices (``timeslices``) budget as the report does: ``(1 - target)`` of all the slices of the window
(of the period, for a period's budget consumed), with data or not, so missing data neither spends nor
earns budget; a calendar window's budget is its whole period's from its first day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, get_args

import numpy as np

from slokit.engine.burn import to_ns
from slokit.engine.events import EventBlock, IntArray, build_block
from slokit.engine.incidents import MIN_INCIDENT_SHARE, burning_steps, find_incidents
from slokit.engine.inputs import AlertTier, CalendarWindow, FloatArray, Policy, Severity, TimeArray, Window
from slokit.engine.periods import Period
from slokit.engine.replay import Episode, TierReplay
from slokit.engine.results import Incident
from slokit.engine.windows import period_bounds

if TYPE_CHECKING:
    import pandas as pd

TARGET_LADDER: tuple[float, ...] = (0.90, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999)

# Target advice: an objective that never spends this share of a period's budget is not driving anything.
UNUSED_BUDGET = 0.10
# Target advice weighs only whole periods: those whose steps hold data for at least this share of the
# period's steps (a few steps of scrape gaps allowed). A period of which the data covers three days out of
# thirty would otherwise count as a month met.
WHOLE_COVERAGE = 0.99
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, eq=False)
class HistoryInput:
    """One objective's event series over the review span (engine series convention: step ends)."""

    key: str
    target: float  # fraction
    window: Window
    step: timedelta
    timestamps: TimeArray
    good: FloatArray
    total: FloatArray
    policy: Policy = field(default_factory=Policy)
    alert_tiers: tuple[AlertTier, ...] = ()
    timeslices: bool = False  # good/total are 1/0 and 1 per slice of ``step``

    def slices(self, length_ns: IntArray | FloatArray | float) -> FloatArray:
        """All the slices of ``step`` in ``length_ns``: a time-slice objective's budget base."""
        return np.asarray(
            np.floor(np.asarray(length_ns, dtype=np.float64) / to_ns(self.step)), dtype=np.float64
        )


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: Period
    sli: float | None
    good_events: float | None
    total_events: float | None
    bad_events: float | None
    budget_consumed: float | None  # bad / ((1 - target) * total) of the period
    met: bool | None
    incidents: int
    largest_incident_share: float | None
    postmortems_required: int
    freeze_seconds: float
    alerts: dict[Severity, int]  # episodes that started in the period
    releases: int | None = None  # None: releases not known
    coverage: float = 1.0  # share of the period's steps holding data (0.0 without data)

    @property
    def whole(self) -> bool:
        """Data for (nearly) the whole period: at least :data:`WHOLE_COVERAGE` of its steps."""
        return self.sli is not None and self.coverage >= WHOLE_COVERAGE


@dataclass(frozen=True, slots=True)
class Advice:
    achievable_target: float | None  # fraction; None with fewer than two whole periods
    budget_consumed: tuple[float | None, ...]  # at the current target, per period
    flags: tuple[str, ...]  # "budget_unused", "aspirational"
    partial_periods: int = 0  # periods with data left out of the advice: their data covers only part


def error_budget_ratio(target: float) -> float:
    """``1 - target`` rounded as the report's engine rounds it (0.01 % stays exactly 0.01 %)."""
    return float(f"{1.0 - target:.12g}")


def _block(history: HistoryInput) -> EventBlock:
    ts_ns = np.asarray(history.timestamps, dtype="datetime64[ns]").view(np.int64)
    good = np.array(history.good, dtype=np.float64, ndmin=2)
    total = np.array(history.total, dtype=np.float64, ndmin=2)
    return build_block(ts_ns, ts_ns.size, good, total)


def _ns(at: datetime) -> int:
    return to_ns(at - _EPOCH)


def _aware(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _period_index(ts_ns: IntArray, periods: Sequence[Period]) -> IntArray:
    """Per step, the index of the period holding its end (``start < end <= period.end``); -1 outside."""
    if not periods:
        return np.full(ts_ns.size, -1, dtype=np.int64)
    starts = np.array([_ns(p.start) for p in periods], dtype=np.int64)
    ends = np.array([_ns(p.end) for p in periods], dtype=np.int64)
    index = np.searchsorted(ends, ts_ns, side="left")
    inside = index < len(periods)
    inside[inside] &= ts_ns[inside] > starts[index[inside]]
    return np.where(inside, index, -1).astype(np.int64)


def history_incidents(history: HistoryInput, periods: Sequence[Period] = ()) -> tuple[Incident, ...]:
    """Incidents over the whole span; budget shares are of the objective's window budget at the traffic
    of the period they start in: ``(1 - target) * period_total * window_length / period_length``.

    Incidents are the report's (runs of steps burning above 1x, merged across gaps under 15 minutes,
    below 0.1 % of the budget dropped), located to the history's step. With ``periods``, an incident that
    ends before the first period (in the lead-in fetched for alert replay) is left out, and one that
    started there takes the first period's traffic; without, the whole span is one period.
    """
    block = _block(history)
    ratio = error_budget_ratio(history.target)
    burning = burning_steps(block, np.array([ratio]), np.zeros(1, dtype=np.int64))
    spans = find_incidents(block, burning, history.step)
    if spans.row.size == 0:
        return ()
    step_ns = to_ns(history.step)
    ts = block.ts_ns
    total = block.good[0] + block.bad[0]
    if periods:
        bounds = [(p.start, p.end) for p in periods]
    else:
        bounds = [(_aware(int(ts[0]) - step_ns), _aware(int(ts[-1])))]
    owner = _period_index(ts, [Period(s, e, "") for s, e in bounds])
    traffic = np.bincount(owner[owner >= 0], weights=total[owner >= 0], minlength=len(bounds))
    bound_ns = np.array([[_ns(s), _ns(e)] for s, e in bounds], dtype=np.int64)

    start_ns = ts[spans.first] - step_ns
    end_ns = ts[spans.last]
    # The period holding the start; the first one for a start in the lead-in, the last one after it.
    which = np.minimum(np.searchsorted(bound_ns[:, 1], start_ns, side="right"), len(bounds) - 1)
    period_length = (bound_ns[:, 1] - bound_ns[:, 0])[which]
    window_ns = _window_lengths(history, start_ns)
    # Time slices: the report's budget, all slices of the window with data or not.
    base = history.slices(window_ns) if history.timeslices else traffic[which] * (window_ns / period_length)
    allowed = np.asarray(ratio * base, dtype=np.float64)
    share = np.zeros_like(allowed)
    np.divide(spans.bad_events, allowed, out=share, where=allowed > 0)
    # Left out: incidents of the lead-in alone, those in a lead-in whose period had no traffic (no budget
    # to share), and noise below the report's floor.
    keep = (end_ns > bound_ns[0, 0]) & (allowed > 0) & (share >= MIN_INCIDENT_SHARE)
    return tuple(
        Incident(
            start=_aware(start),
            end=_aware(end),
            bad_events=bad,
            budget_share=part,
            postmortem_required=part * 100.0 > history.policy.postmortem_over,
            located_to=history.step,
        )
        for start, end, bad, part in zip(
            start_ns[keep].tolist(),
            end_ns[keep].tolist(),
            spans.bad_events[keep].tolist(),
            share[keep].tolist(),
            strict=True,
        )
    )


def _calendar_bounds(window: CalendarWindow, first_ns: int, last_ns: int) -> IntArray:
    """The bounds of the window's periods from the one holding ``first_ns`` to one ending at or after
    ``last_ns``."""
    bounds = [period_bounds(window, _aware(first_ns))[0]]
    last = _aware(last_ns)
    while bounds[-1] < last:
        bounds.append(period_bounds(window, bounds[-1])[1])
    return np.array([_ns(b) for b in bounds], dtype=np.int64)


def _window_lengths(history: HistoryInput, at_ns: IntArray) -> FloatArray:
    """The window's length in ns at each instant: its own, or the calendar period holding the instant."""
    window = history.window
    if not isinstance(window, CalendarWindow):
        return np.full(at_ns.size, float(to_ns(window)))
    bounds = _calendar_bounds(window, int(at_ns.min()), int(at_ns.max()) + 1)
    index = np.searchsorted(bounds, at_ns, side="right") - 1
    return np.asarray(bounds[index + 1] - bounds[index], dtype=np.float64)


def _step_window_lengths(history: HistoryInput, ts_ns: IntArray) -> FloatArray:
    """The window's length at each step end: its own, or the calendar period holding the step."""
    return _window_lengths(history, ts_ns - 1)


def _window_starts(history: HistoryInput, ts_ns: IntArray) -> IntArray:
    """Per step, the index of the first step of the objective's window at that step's end.

    Rolling: ``(t - W, t]``, from the first step there is. Calendar: the period holding the step (a step
    ending on a period bound belongs to the period before it, whose last step it is).
    """
    step_ns = to_ns(history.step)
    window = history.window
    if not isinstance(window, CalendarWindow):
        return np.asarray(np.searchsorted(ts_ns, ts_ns - to_ns(window), side="right"), dtype=np.int64)
    bound_ns = _calendar_bounds(window, int(ts_ns[0]) - step_ns, int(ts_ns[-1]))
    period_start = bound_ns[np.searchsorted(bound_ns, ts_ns, side="left") - 1]
    return np.asarray(np.searchsorted(ts_ns, period_start, side="right"), dtype=np.int64)


def frozen_steps(history: HistoryInput, block: EventBlock | None = None) -> np.ndarray:
    """Per step, whether the policy froze releases at its end (see the module's docstring)."""
    block = _block(history) if block is None else block
    n = block.ts_ns.size
    freeze_on = history.policy.freeze_on
    if freeze_on == "never" or n == 0:
        return np.zeros(n, dtype=bool)
    begin = _window_starts(history, block.ts_ns)
    ends = np.arange(1, n + 1, dtype=np.int64)
    good = block.cs_good.between(0, begin, ends)
    bad = block.cs_bad.between(0, begin, ends)
    if history.timeslices:
        allowed = error_budget_ratio(history.target) * history.slices(
            _step_window_lengths(history, block.ts_ns)
        )
        allowed[good + bad <= 0] = 0.0  # no data in the window: its budget is unknown
    else:
        allowed = error_budget_ratio(history.target) * (good + bad)
    remaining = np.full(n, np.nan)
    np.divide(bad, allowed, out=remaining, where=allowed > 0)
    remaining = 1.0 - remaining
    with np.errstate(invalid="ignore"):
        if freeze_on == "exhausted":
            return np.asarray(remaining <= 0.0)
        return np.asarray(remaining * 100.0 < history.policy.warn_below)


def merged_episodes(replays: Sequence[TierReplay], severity: Severity) -> list[Episode]:
    """The episodes of all tiers of one severity, overlapping or touching ones merged into one."""
    episodes = sorted(
        (e for r in replays if r.tier.severity == severity for e in r.episodes), key=lambda e: e.start
    )
    merged: list[Episode] = []
    for episode in episodes:
        if merged and episode.start <= merged[-1].end:
            last = merged[-1]
            if episode.end > last.end:
                merged[-1] = Episode(last.start, episode.end, episode.open)
        else:
            merged.append(episode)
    return merged


def _starts_in(start: datetime, end: datetime, periods: Sequence[Period], index: int) -> bool:
    """Whether ``[start, end)`` belongs to ``periods[index]``: starts in it, or (the first period) was
    under way at its start."""
    period = periods[index]
    if index == 0 and start < period.start:
        return end > period.start
    return period.start <= start < period.end


def _count_in(spans: Sequence[Episode], periods: Sequence[Period]) -> list[int]:
    """How many of ``spans`` belong to each period (see :func:`_starts_in`)."""
    return [sum(_starts_in(e.start, e.end, periods, i) for e in spans) for i in range(len(periods))]


def _step_frame(history: HistoryInput, periods: Sequence[Period]) -> pd.DataFrame:
    """The cleaned steps with their period and freeze state, grouped by period."""
    import pandas as pd  # imported here: `slokit report` never needs it

    block = _block(history)
    owner = _period_index(block.ts_ns, periods)
    frozen = frozen_steps(history, block)
    frame = pd.DataFrame(
        {
            "period": owner,
            "good": block.good[0],
            "bad": block.bad[0],
            "valid": block.valid[0],
            "frozen_seconds": np.where(frozen, history.step.total_seconds(), 0.0),
        }
    )
    sums = frame[frame["period"] >= 0].groupby("period").sum()
    return sums.reindex(range(len(periods)), fill_value=0)


def period_figures(
    history: HistoryInput,
    periods: Sequence[Period],
    incidents: Sequence[Incident],
    replays: Sequence[TierReplay],
) -> tuple[PeriodFigures, ...]:
    """Per period: events, SLI, budget consumed, incidents starting in it, freeze time, and the alert
    episodes starting in it per severity (all tiers of a severity merged: overlapping episodes of two
    page tiers are one page).

    An incident (or an episode) already under way when the first period starts, having started in the
    history's lead-in, counts in the first period: it is the review's, though its start is earlier."""
    if not periods:
        return ()
    sums = _step_frame(history, periods)
    alerts = {s: _count_in(merged_episodes(replays, s), periods) for s in SEVERITIES}
    out: list[PeriodFigures] = []
    for i, period in enumerate(periods):
        row = sums.iloc[i]
        inside = [x for x in incidents if _starts_in(x.start, x.end, periods, i)]
        has_data = bool(row["valid"] > 0)
        steps = max(1, int(period.length / history.step))
        good, bad = float(row["good"]), float(row["bad"])
        total = good + bad
        sli = good / total if has_data and total > 0 else None
        out.append(
            PeriodFigures(
                period=period,
                sli=sli,
                good_events=good if has_data else None,
                total_events=total if has_data else None,
                bad_events=bad if has_data else None,
                budget_consumed=_consumed(history, bad, total, period) if sli is not None else None,
                met=None if sli is None else sli >= history.target,
                incidents=len(inside),
                largest_incident_share=max((x.budget_share for x in inside), default=None),
                postmortems_required=sum(x.postmortem_required for x in inside),
                freeze_seconds=float(row["frozen_seconds"]),
                alerts={s: alerts[s][i] for s in SEVERITIES},
                coverage=min(1.0, float(row["valid"]) / steps),
            )
        )
    return tuple(out)


def _consumed(history: HistoryInput, bad: float, total: float, period: Period) -> float | None:
    """Bad events over the period's allowed bad events (time slices: of all its slices)."""
    base = float(history.slices(to_ns(period.length))) if history.timeslices else total
    allowed = error_budget_ratio(history.target) * base
    return bad / allowed if allowed > 0 else None


def target_advice(history: Sequence[PeriodFigures], target: float) -> Advice:
    """The highest target of the ladder (plus the current one) met in at least N-1 of the N whole periods
    (see :attr:`PeriodFigures.whole`), and the flags ``budget_unused`` (no whole period spent 10 % of its
    budget) and ``aspirational`` (missed in more than half the whole periods). Both need two whole periods,
    like the target; periods with only part of their data are left out and counted."""
    consumed = tuple(f.budget_consumed for f in history)
    whole = [f for f in history if f.whole]
    partial = sum(1 for f in history if f.sli is not None and not f.whole)
    slis = [f.sli for f in whole if f.sli is not None]
    if len(slis) < 2:
        return Advice(achievable_target=None, budget_consumed=consumed, flags=(), partial_periods=partial)
    needed = len(slis) - 1
    ladder = sorted({*TARGET_LADDER, target}, reverse=True)
    achievable = next((t for t in ladder if sum(s >= t for s in slis) >= needed), None)
    flags: list[str] = []
    known = [f.budget_consumed for f in whole if f.budget_consumed is not None]
    if known and all(c < UNUSED_BUDGET for c in known):
        flags.append("budget_unused")
    missed = sum(1 for f in whole if f.met is False)
    if missed * 2 > len(slis):
        flags.append("aspirational")
    return Advice(
        achievable_target=achievable, budget_consumed=consumed, flags=tuple(flags), partial_periods=partial
    )
