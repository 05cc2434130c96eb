"""From definitions to results: plan the series each objective needs, fetch them, run the engine.

This is the adapter between the definition model (percentages, YAML shapes) and the engine's plain inputs
(fractions, timedeltas), and the one place that decides steps and ranges:

- the evaluation time ``at`` is pinned once per run and aligned down to 5 minutes; each objective's last step
  ends at ``at`` aligned down to its own step;
- the step is 5 minutes, 1 minute for windows under a day, and the slice length for time slices;
- the range reaches back the window plus the longest burn-rate or alert window (engine.lookback);
- event objectives also ask for the window totals (engine.totals_windows) counted whole at that last step end;
- at the adaptive resolution (``adaptive=True``, the commands' default) the steps before the longest burn or
  alert window are fetched coarse, about 720 across the window (:mod:`slokit.sources.resolution`); time
  slices stay at full resolution: a slice's value (a latency, a ratio) cannot be spread over shorter slices
  the way a count of events can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from slokit import engine
from slokit.engine.windows import longest_burn_window
from slokit.report.model import ObjectiveReport, Report, Selection
from slokit.sources import resolution as resolutions
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE, FetchedSeries, FloatArray, SeriesQuery, Source
from slokit.spec.loader import Definitions, LoadedService
from slokit.spec.models import SEVERITIES, CalendarWindow, Objective
from slokit.spec.steps import DEFAULT_STEP, evaluation_step


@dataclass(frozen=True)
class Planned:
    service: LoadedService
    index: int
    objective: Objective
    window: engine.Window
    tiers: tuple[engine.AlertTier, ...]
    policy: engine.Policy
    query: SeriesQuery

    @property
    def key(self) -> str:
        return self.query.key


def pin(at: datetime | None) -> datetime:
    """The run's evaluation time: ``at`` (default now) aligned down to the default step."""
    return engine.align_down(at or datetime.now(UTC), DEFAULT_STEP)


def engine_window(window: timedelta | CalendarWindow) -> engine.Window:
    if isinstance(window, CalendarWindow):
        return engine.CalendarWindow(window.calendar, window.timezone)
    return window


def alert_tiers(
    service: LoadedService, window: engine.Window, step: timedelta
) -> tuple[engine.AlertTier, ...]:
    """The definition's tiers as written; a severity it leaves out gets the default tiers scaled to the
    objective's window and step (``engine.default_alert_tiers``), which never fire below a burn of 1."""
    defaults = engine.default_alert_tiers(window, step)
    tiers: list[engine.AlertTier] = []
    for severity in SEVERITIES:
        written = service.spec.alerting.written(severity)
        if written is None:
            tiers.extend(t for t in defaults if t.severity == severity)
        else:
            tiers.extend(engine.AlertTier(severity, t.long, t.short, t.budget) for t in written)
    return tuple(tiers)


def step_for(objective: Objective, window: engine.Window, at: datetime) -> timedelta:
    slice_length = objective.sli.timeslices.slice if objective.sli.timeslices is not None else None
    return evaluation_step(engine.window_length(window, at), slice_length)


def plan(
    definitions: Definitions, at: datetime, selection: Selection | None = None, *, adaptive: bool = False
) -> list[Planned]:
    """The objectives ``selection`` keeps, each with the query of its series; ``adaptive`` fetches the steps
    before the burn windows coarse (the default, full resolution, is what a snapshot of old replays)."""
    selection = selection or Selection()
    planned = []
    for service in definitions.services:
        spec = service.spec
        policy = engine.Policy(spec.policy.warn_below, spec.policy.freeze_on, spec.policy.postmortem_over)
        for index, objective in enumerate(spec.objectives):
            owner = spec.owners.for_kind(objective.kind)
            team = owner.team if owner else ""
            if not selection.matches(spec.service, objective.name, objective.kind, team):
                continue
            window = engine_window(spec.window_for(objective))
            step = step_for(objective, window, at)
            tiers = alert_tiers(service, window, step)
            end = engine.align_down(at, step)
            steps = -(-engine.lookback(window, end, tiers) // step)  # ceiling division
            start = end - (steps - 1) * step
            resolution = None
            longest = longest_burn_window(tiers)
            if adaptive and objective.sli.timeslices is None:
                length = engine.window_length(window, at)
                start, resolution = resolutions.adaptive(length, step, start, end, longest)
            query = SeriesQuery(
                key=f"{spec.service}/{objective.name}",
                sli=objective.sli,
                step=step,
                start=start,
                end=end,
                windows=() if objective.sli.timeslices else engine.totals_windows(window, end, tiers),
                resolution=resolution,
                longest_burn=longest,
            )
            planned.append(Planned(service, index, objective, window, tiers, policy, query))
    return planned


def events(planned: Planned, fetched: FetchedSeries) -> tuple[FloatArray, FloatArray]:
    """Good and total events per step from the raw series a source returned.

    Where the total has data but the good (or bad) series has none, that step had no good (or bad) events:
    an error counter that has never been incremented is often absent altogether.
    """
    series = fetched.series
    timeslices = planned.objective.sli.timeslices
    if timeslices is not None:
        values = series.get(VALUE, np.full(planned.query.points, np.nan))
        return engine.timeslice_events(values, timeslices.good.op, timeslices.good.value)
    return _good_and_total(series)


def window_totals(planned: Planned, fetched: FetchedSeries) -> engine.WindowTotals | None:
    """Good and total events of whole windows, where the source counted them (by the rules of ``events``)."""
    totals = fetched.totals
    if totals is None or planned.objective.sli.timeslices is not None:
        return None
    good, total = _good_and_total(totals.series)
    return engine.WindowTotals(totals.at, totals.windows, good, total)


def _good_and_total(series: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray]:
    """Not clipped: the engine clips a fraction of an event and refuses counts beyond that (a negative bad
    count becomes good above total, which it names as a negative bad count, see ``counted``)."""
    total = series[TOTAL]
    has_total = ~np.isnan(total)
    if BAD in series:
        bad = np.where(np.isnan(series[BAD]) & has_total, 0.0, series[BAD])
        with np.errstate(invalid="ignore"):  # inf - inf: the engine names the infinite total
            good = total - bad
    else:
        good = np.where(np.isnan(series[GOOD]) & has_total, 0.0, series[GOOD])
    return good, total


def engine_input(planned: Planned, fetched: FetchedSeries) -> engine.ObjectiveInput:
    good, total = events(planned, fetched)
    return engine.ObjectiveInput(
        key=planned.key,
        target=planned.objective.target_fraction,
        window=planned.window,
        step=planned.query.step,
        timestamps=planned.query.timestamps(),
        good=good,
        total=total,
        policy=planned.policy,
        alert_tiers=planned.tiers,
        timeslices=planned.objective.sli.timeslices is not None,
        window_totals=window_totals(planned, fetched),
        counted="bad" if BAD in fetched.series else "good",
        resolution=fetched.resolution,  # what the series hold (a snapshot's own), not what was asked
    )


def evaluate(
    plans: Sequence[Planned], fetched: Sequence[FetchedSeries], at: datetime, *, details: bool = True
) -> list[engine.ObjectiveResult]:
    """Engine results in plan order; ``details=False`` skips incidents and chart series."""
    by_key = {f.query.key: f for f in fetched}
    ok = [(p, by_key[p.key]) for p in plans if by_key[p.key].error is None]
    computed = dict(
        zip(
            (p.key for p, _ in ok),
            engine.evaluate([engine_input(p, f) for p, f in ok], at, incidents=details, series=details),
            strict=True,
        )
    )
    return [
        computed[p.key] if p.key in computed else engine.failed_result(p.key, by_key[p.key].error or "")
        for p in plans
    ]


def execute(
    plans: Sequence[Planned],
    source: Source,
    at: datetime,
    on_done: Callable[[FetchedSeries], None] | None = None,
    *,
    details: bool = True,
) -> tuple[Report, list[FetchedSeries]]:
    """Fetch and evaluate; returns the report and the raw series (which ``slokit record`` saves)."""
    fetched = source.fetch([p.query for p in plans], on_done)
    results = evaluate(plans, fetched, at, details=details)
    by_key = {f.query.key: f for f in fetched}
    objectives = tuple(
        ObjectiveReport.build(
            p.service, p.index, r, p.policy, notes=by_key[p.key].notes, error_kind=by_key[p.key].error_kind
        )
        for p, r in zip(plans, results, strict=True)
    )
    return Report(evaluated_at=at, objectives=objectives), fetched


def run(
    definitions: Definitions,
    source: Source,
    at: datetime,
    selection: Selection | None = None,
    on_done: Callable[[FetchedSeries], None] | None = None,
    *,
    details: bool = True,
    adaptive: bool = False,
) -> tuple[Report, list[FetchedSeries]]:
    """Plan, fetch and evaluate: the whole run in one call (``adaptive``: see :func:`plan`)."""
    return execute(plan(definitions, at, selection, adaptive=adaptive), source, at, on_done, details=details)
