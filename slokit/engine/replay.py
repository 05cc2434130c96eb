"""Alert replay and alert quality: what the objective's burn-rate tiers would have done over a history.

Replay evaluates each tier at every step end ``t`` of the history, as Prometheus evaluates the rules
``slokit rules`` generates (``burn >= factor`` over both windows): the tier fires at ``t`` when the burn
over ``(t - long, t]`` and over ``(t - short, t]`` both reach the factor
(:func:`slokit.engine.burn.tier_factor`). Windows are whole steps, as everywhere in the engine: a window
that is not a multiple of the step is rounded up, and one shorter than the step is the step itself (a
1h/5m tier on hourly steps fires on an hour that burns at 14.4x or more). Steps without data (NaN) add
nothing to a window, and a window without events has no burn, so it does not fire.

Where the long window reaches back before the first data, the missing time counts as clean traffic, as
in the report (:mod:`slokit.engine.coverage`): the long burn is the covered burn scaled by ``covered /
long``, so the first hours of a history cannot fire a 3-day tier on a few bad minutes.

A burn equal to the factor in decimal arithmetic (80x over 27 of 360 minutes is 6x) can land a few ulps
below it in binary; comparisons allow a relative :data:`TOLERANCE` so that it fires, as the rule intends.

An episode is a maximal run of firing step ends: it starts at the first firing step end and ends at the
first step end after it that does not fire (the alert resolves there), or at the end of the history,
marked ``open``, when it never clears.

Alert quality follows the SRE workbook (chapter 5): for each tier, the incidents that matter are those
whose budget share reaches the tier's budget percent.

- precision: the share of episodes that overlap such an incident;
- recall: the share of such incidents that an episode overlaps;
- detection: the first overlapping episode's start - the incident's start (0 when it was already
  firing), median and worst over the caught incidents;
- reset: the last overlapping episode's end - the incident's end (at least 0), median over the caught
  incidents whose episode closed and does not run on into a later such incident.

An episode fires over ``[start, end)`` (the state holds between evaluations) and an incident spans
``[start, end]``, so an episode overlaps an incident when ``episode.start <= incident.end`` and
``episode.end > incident.start``. An alert that first fires after the incident ended is late, not a catch.

Pure numpy; see docs/review.md.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from slokit.engine.burn import tier_factor, to_ns
from slokit.engine.events import BoolArray, IntArray, PrefixSum, build_block
from slokit.engine.inputs import AlertTier, FloatArray, TimeArray
from slokit.engine.results import Incident

TOLERANCE = 1e-9  # relative: burns within a billionth of the factor reach it


@dataclass(frozen=True, slots=True)
class Episode:
    """One alert episode: the tier fires at ``start`` (the end of the first step where both of its windows
    burn at or above the factor) and clears at ``end`` (the end of the first step after that where they no
    longer do; the end of the history when it never clears, with ``open`` set)."""

    start: datetime
    end: datetime
    open: bool = False


@dataclass(frozen=True, slots=True)
class TierReplay:
    tier: AlertTier
    factor: float
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class TierQuality:
    """The SRE workbook's four criteria for one tier, measured on a history; None where undefined (no
    episode for precision, no qualifying incident for recall, nothing detected for the times)."""

    tier: AlertTier
    factor: float
    episodes: int
    precision: float | None
    recall: float | None
    detection_seconds_median: float | None
    detection_seconds_max: float | None
    reset_seconds_median: float | None


def replay_tiers(
    timestamps: TimeArray,
    good: FloatArray,
    total: FloatArray,
    target: float,
    window_length: timedelta,
    step: timedelta,
    tiers: Sequence[AlertTier],
) -> tuple[TierReplay, ...]:
    """Evaluate every tier at every step end, as Prometheus would evaluate the generated alert rules.

    ``timestamps`` are step ends (ascending, UTC ``datetime64[ns]``), ``good``/``total`` the events of each
    step (NaN: no data); ``window_length`` gives the tiers' factors. Each distinct window costs a few passes
    over the steps, whatever its length.
    """
    ts_ns = np.asarray(timestamps, dtype="datetime64[ns]").astype(np.int64)
    if step <= timedelta(0):
        raise ValueError(f"the replay's step must be positive, got {step}")
    if (np.diff(ts_ns) <= 0).any():
        raise ValueError("the replay's step ends must increase")
    if ts_ns.size == 0:
        return tuple(TierReplay(tier, tier_factor(tier, window_length), ()) for tier in tiers)
    burns = _Burns(ts_ns, good, total, 1.0 - target, step)
    ts_ns = burns.ts_ns
    replays = []
    for tier in tiers:
        factor = tier_factor(tier, window_length)
        threshold = factor * (1.0 - TOLERANCE)
        with np.errstate(invalid="ignore"):
            fires = (burns.long(tier.long) >= threshold) & (burns.of(tier.short) >= threshold)
        replays.append(TierReplay(tier, factor, _episodes(ts_ns, fires)))
    return tuple(replays)


class _Burns:
    """Burn rates over ``(t - w, t]`` at every step end ``t``, one array per window, computed once."""

    def __init__(self, ts_ns: IntArray, good: FloatArray, total: FloatArray, budget: float, step: timedelta):
        self.budget, self.step_ns = budget, to_ns(step)
        good_2d = np.array(good, dtype=np.float64, ndmin=2, copy=True)
        total_2d = np.array(total, dtype=np.float64, ndmin=2, copy=True)
        offsets = ts_ns - ts_ns[0]
        # Rules are evaluated at every step, data or not: steps missing from a grid are steps without data
        # (an alert resolves during a scrape gap). On that full grid a window is the last k steps, summed
        # by slicing, 100 times faster than the binary searches and gathers of an irregular axis.
        self.regular = bool((offsets % self.step_ns == 0).all())
        if self.regular and (size := int(offsets[-1] // self.step_ns) + 1) > ts_ns.size:
            at = offsets // self.step_ns
            ts_ns = ts_ns[0] + np.arange(size, dtype=np.int64) * self.step_ns
            good_2d, total_2d = _spread(good_2d, at, size), _spread(total_2d, at, size)
        self.ts_ns = ts_ns
        self.block = build_block(ts_ns, ts_ns.size, good_2d, total_2d)
        valid = self.block.valid[0]
        self.first_ns = int(ts_ns[int(valid.argmax())]) - self.step_ns if valid.any() else int(ts_ns[-1])
        self._burns: dict[timedelta, FloatArray] = {}

    def of(self, window: timedelta) -> FloatArray:
        """NaN where the window holds no events."""
        if window not in self._burns:
            bad, events = self._sums(window)
            rate = np.full(self.ts_ns.size, np.nan)
            np.divide(bad, events * self.budget, out=rate, where=events > 0)
            self._burns[window] = rate
        return self._burns[window]

    def long(self, window: timedelta) -> FloatArray:
        """The burn with the part of the window before the first data taken as clean traffic."""
        steps_ns = -(-to_ns(window) // self.step_ns) * self.step_ns  # the window in whole steps
        covered = np.clip((self.ts_ns - self.first_ns) / steps_ns, 0.0, 1.0)
        return self.of(window) * covered

    def _sums(self, window: timedelta) -> tuple[FloatArray, FloatArray]:
        block = self.block
        if self.regular:
            k = -(-to_ns(window) // self.step_ns)
            bad = _last_steps(block.cs_bad, k)
            return bad, bad + _last_steps(block.cs_good, k)
        starts = block.first_step_after(self.ts_ns - to_ns(window))
        ends = np.arange(1, self.ts_ns.size + 1, dtype=np.int64)
        bad = block.cs_bad.between(0, starts, ends)
        return bad, bad + block.cs_good.between(0, starts, ends)


def _spread(values: FloatArray, at: IntArray, size: int) -> FloatArray:
    out = np.full((1, size), np.nan)
    out[0, at] = values[0]
    return out


def _last_steps(sums: PrefixSum, k: int) -> FloatArray:
    """At every step, the sum of it and the ``k - 1`` steps before (fewer at the start), as
    :meth:`PrefixSum.between` would give it."""
    out = _lagged(sums.hi[0], k)
    if sums.lo is not None:
        out += _lagged(sums.lo[0], k)
    return np.maximum(out, 0.0)


def _lagged(prefix: FloatArray, k: int) -> FloatArray:
    n = prefix.size - 1
    k = min(k, n)
    out = np.empty(n)
    out[k - 1 :] = prefix[k:] - prefix[: n + 1 - k]
    out[: k - 1] = prefix[1:k] - prefix[0]
    return out


def _episodes(ts_ns: IntArray, fires: BoolArray) -> tuple[Episode, ...]:
    edges = np.diff(fires.astype(np.int8), prepend=0, append=0)
    first = np.flatnonzero(edges == 1)
    clear = np.flatnonzero(edges == -1)  # the first step that no longer fires (n: never cleared)
    n = ts_ns.size
    is_open = clear == n
    starts = _utc(ts_ns[first])
    stops = _utc(ts_ns[np.minimum(clear, n - 1)])
    return tuple(
        Episode(start, stop, bool(o)) for start, stop, o in zip(starts, stops, is_open.tolist(), strict=True)
    )


def _utc(ns: IntArray) -> list[datetime]:
    seconds, rest = np.divmod(ns, 1_000_000_000)
    if not rest.any():  # step ends on whole seconds: three times faster than through datetime64 objects
        return [datetime.fromtimestamp(s, UTC) for s in seconds.tolist()]
    naive = ns.astype("datetime64[ns]").astype("datetime64[us]").astype(object).tolist()
    return [d.replace(tzinfo=UTC) for d in naive]


def alert_quality(replays: Sequence[TierReplay], incidents: Sequence[Incident]) -> tuple[TierQuality, ...]:
    """Precision, recall, detection and reset times of each replayed tier against the incidents."""
    return tuple(_quality(replay, incidents) for replay in replays)


def _quality(replay: TierReplay, incidents: Sequence[Incident]) -> TierQuality:
    tier, episodes = replay.tier, replay.episodes
    # Shares are fractions, the tier's budget a percentage; the tolerance keeps 2 % == 2 %.
    wanted = [i for i in incidents if i.budget_share * 100.0 >= tier.budget_percent * (1.0 - TOLERANCE)]
    wanted.sort(key=lambda i: i.start)
    hits = [[e for e in episodes if overlaps(e, i)] for i in wanted]

    precise = sum(any(overlaps(e, i) for i in wanted) for e in episodes)
    caught = [(i, found) for i, found in zip(wanted, hits, strict=True) if found]
    detection = [max(0.0, (found[0].start - i.start).total_seconds()) for i, found in caught]
    reset = []
    for k, (incident, found) in enumerate(zip(wanted, hits, strict=True)):
        # An open episode has not cleared; one running on into a later incident clears for that one.
        if found and not found[-1].open and not any(overlaps(found[-1], later) for later in wanted[k + 1 :]):
            reset.append(max(0.0, (found[-1].end - incident.end).total_seconds()))
    return TierQuality(
        tier=tier,
        factor=replay.factor,
        episodes=len(episodes),
        precision=precise / len(episodes) if episodes else None,
        recall=len(caught) / len(wanted) if wanted else None,
        detection_seconds_median=statistics.median(detection) if detection else None,
        detection_seconds_max=max(detection) if detection else None,
        reset_seconds_median=statistics.median(reset) if reset else None,
    )


def overlaps(episode: Episode, incident: Incident) -> bool:
    """Whether the tier fired at some step end from the incident's start to its end (the module docstring)."""
    return episode.start <= incident.end and episode.end > incident.start
