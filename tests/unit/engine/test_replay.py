"""Alert replay and alert quality on constructed histories whose answers follow from the workbook's formulas.

A tier with factor f over a long window L, starting from clean traffic, detects a constant burn b once
the burning minutes k satisfy ``b * k / L >= f``: ``k = ceil(L * f / b)``. After the burn stops, the short
window S holds ``S - m`` burning minutes m minutes later, so the tier clears at the first m with
``b * (S - m) / S < f``: ``m = floor(S * (1 - f / b)) + 1`` (the long window still burns above f then).
Factors for a 30-day window are the workbook's: 14.4, 6, 3, 1.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import DEFAULT_ALERT_TIERS, AlertTier
from slokit.engine.replay import Episode, TierQuality, TierReplay, alert_quality, replay_tiers
from slokit.engine.results import Incident

TARGET = 0.999
WINDOW = timedelta(days=30)
WINDOW_MINUTES = 30 * 24 * 60
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
PER_MINUTE = 1000.0  # requests per minute, always
H0 = datetime(2026, 10, 1, tzinfo=UTC)  # the history starts here: the first step ends at H0 + 1 step

FAST_PAGE, SLOW_PAGE, FAST_TICKET, SLOW_TICKET = DEFAULT_ALERT_TIERS  # 1h/5m, 6h/30m, 1d/2h, 3d/6h
WORKBOOK = {FAST_PAGE: 14.4, SLOW_PAGE: 6.0, FAST_TICKET: 3.0, SLOW_TICKET: 1.0}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class History:
    """Steps of ``step`` from H0; ``burn(at, length, b)`` makes the steps in ``(at, at + length]`` fail at b
    times the budget rate; ``gap`` makes steps no data (NaN)."""

    def __init__(self, length: timedelta, step: timedelta = MINUTE) -> None:
        self.step = step
        self.n = length // step
        self.per_step = PER_MINUTE * (step / MINUTE)
        self.total = np.full(self.n, self.per_step)
        self.bad = np.zeros(self.n)

    def _steps(self, at: datetime, length: timedelta) -> slice:
        first = (at - H0) // self.step  # the step (at, at + step] has index (at - H0) / step
        return slice(first, first + length // self.step)

    def burn(self, at: datetime, length: timedelta, burn: float) -> History:
        self.bad[self._steps(at, length)] = burn * (1 - TARGET) * self.per_step
        return self

    def gap(self, at: datetime, length: timedelta) -> History:
        self.total[self._steps(at, length)] = np.nan
        return self

    @property
    def timestamps(self) -> np.ndarray:
        ends = np.arange(1, self.n + 1) * np.timedelta64(self.step)
        return np.datetime64(H0.replace(tzinfo=None), "ns") + ends.astype("timedelta64[ns]")

    @property
    def good(self) -> np.ndarray:
        return self.total - self.bad

    def replay(
        self, tiers: tuple[AlertTier, ...] = DEFAULT_ALERT_TIERS, step: timedelta | None = None
    ) -> tuple[TierReplay, ...]:
        step = self.step if step is None else step
        return replay_tiers(self.timestamps, self.good, self.total, TARGET, WINDOW, step, tiers)


def incident(start: datetime, length: timedelta, burn: float) -> Incident:
    """The incident of a constant burn, its share by formula: b * minutes / the window's minutes."""
    share = burn * (length / MINUTE) / WINDOW_MINUTES
    bad = burn * (1 - TARGET) * PER_MINUTE * (length / MINUTE)
    return Incident(start, start + length, bad, share, share > 0.2)


T0 = H0 + timedelta(days=4)  # after four clean days, so every long window is full of data


def test_a_constant_80x_burn_is_detected_after_long_times_factor_over_burn() -> None:
    replays = History(timedelta(days=5)).burn(T0, timedelta(hours=8), 80.0).replay()

    for replay in replays:
        long_minutes = replay.tier.long / MINUTE
        expected = math.ceil(long_minutes * WORKBOOK[replay.tier] / 80.0)
        assert replay.factor == pytest.approx(WORKBOOK[replay.tier])
        assert replay.episodes[0].start == T0 + minutes(expected), replay.tier
    # The figures: 10.8 -> 11 minutes for the fast page, exactly 27 for the slow one, 54 for tickets.
    assert [r.episodes[0].start - T0 for r in replays] == [minutes(11), minutes(27), minutes(54), minutes(54)]


def test_a_burn_that_stops_clears_when_the_short_window_drops_below_the_factor() -> None:
    stop = T0 + timedelta(hours=8)
    replays = History(timedelta(days=5)).burn(T0, timedelta(hours=8), 80.0).replay()

    for replay in replays:
        (episode,) = replay.episodes
        short_minutes = replay.tier.short / MINUTE
        expected = math.floor(short_minutes * (1 - WORKBOOK[replay.tier] / 80.0)) + 1
        assert episode.end == stop + minutes(expected), replay.tier
        assert not episode.open
    # 5m: 4.1 -> 5; 30m: 27.75 -> 28; 2h: 115.5 -> 116; 6h: 355.5 -> 356 minutes after the burn stopped.
    assert [r.episodes[0].end - stop for r in replays] == [
        minutes(5),
        minutes(28),
        minutes(116),
        minutes(356),
    ]


def test_a_10x_burn_never_trips_the_fast_page_but_trips_the_slow_one_after_216_minutes() -> None:
    fast, slow = History(timedelta(days=5)).burn(T0, timedelta(hours=12), 10.0).replay((FAST_PAGE, SLOW_PAGE))

    assert fast.episodes == ()
    assert slow.episodes[0].start == T0 + minutes(360 * 6 / 10)


def test_an_episode_still_firing_at_the_end_of_the_history_is_open() -> None:
    history = History(T0 - H0 + HOUR).burn(T0, HOUR, 80.0)
    (fast,) = history.replay((FAST_PAGE,))

    assert fast.episodes == (Episode(T0 + minutes(11), T0 + HOUR, open=True),)


def test_steps_without_data_add_nothing_and_a_window_of_them_does_not_fire() -> None:
    # 80x for an hour; no data for the steps in (T0 + 30m, T0 + 40m].
    history = History(timedelta(days=5)).burn(T0, HOUR, 80.0).gap(T0 + minutes(30), minutes(10))
    (fast,) = history.replay((FAST_PAGE,))

    # The 5m window holds burning steps until T0 + 35m, where it holds none at all. At T0 + 41m it holds one
    # burning step; the hour holds 31 burning steps of 50 with data: 80 * 31 / 50 = 49.6x.
    assert fast.episodes == (
        Episode(T0 + minutes(11), T0 + minutes(35)),
        Episode(T0 + minutes(41), T0 + minutes(65)),
    )


def test_a_step_missing_from_the_timestamps_is_a_step_without_data() -> None:
    history = History(timedelta(days=5)).burn(T0, HOUR, 80.0).gap(T0 + minutes(30), minutes(10))
    with_gap = history.replay()
    kept = ~np.isnan(history.total)
    without_rows = replay_tiers(
        history.timestamps[kept],
        history.good[kept],
        history.total[kept],
        TARGET,
        WINDOW,
        MINUTE,
        DEFAULT_ALERT_TIERS,
    )

    assert with_gap[0].episodes[1].start == T0 + minutes(41)
    assert [r.episodes for r in without_rows] == [r.episodes for r in with_gap]


def test_steps_off_the_steps_grid_are_windowed_by_their_times() -> None:
    # One-minute steps replayed with a 2-minute step: no grid to fill, so each window holds the steps ending
    # in (t - w, t], and the answers are the one-minute ones.
    history = History(timedelta(days=5)).burn(T0, timedelta(hours=8), 80.0)
    off_grid = history.replay(step=2 * MINUTE)

    assert [r.episodes for r in off_grid] == [r.episodes for r in history.replay()]
    detected = [r.episodes[0].start - T0 for r in off_grid]
    assert detected == [minutes(11), minutes(27), minutes(54), minutes(54)]


def test_a_zero_step_or_step_ends_out_of_order_are_refused() -> None:
    history = History(timedelta(hours=2))
    backwards = history.timestamps[::-1]

    with pytest.raises(ValueError, match=r"^the replay's step must be positive, got 0:00:00$"):
        history.replay(step=timedelta(0))
    with pytest.raises(ValueError, match=r"^the replay's step ends must increase$"):
        replay_tiers(backwards, history.good, history.total, TARGET, WINDOW, MINUTE, DEFAULT_ALERT_TIERS)


def test_a_history_without_data_or_without_events_never_fires() -> None:
    no_data = History(timedelta(days=1)).gap(H0, timedelta(days=1))
    idle = History(timedelta(days=1))
    idle.total[:] = 0.0

    assert all(r.episodes == () for r in no_data.replay())
    assert all(r.episodes == () for r in idle.replay())


def test_long_window_before_the_first_data_counts_as_clean_traffic() -> None:
    # The data starts with an 80x burn: the 3-day ticket fires only once the burn would have spent its 10 %
    # of a full window, 54 minutes in, as it would after three clean days.
    history = History(timedelta(days=1)).burn(H0, timedelta(hours=2), 80.0)
    (slow_ticket,) = history.replay((SLOW_TICKET,))

    assert slow_ticket.episodes[0].start == H0 + minutes(54)


def test_on_hourly_steps_a_window_shorter_than_the_step_is_the_step() -> None:
    history = History(timedelta(days=10), step=HOUR)
    hour = H0 + timedelta(days=5)
    history.burn(hour, HOUR, 20.0)  # one hour at 20x: 1h/5m fires on that hour alone
    history.burn(hour + timedelta(hours=24), HOUR, 14.0)  # below 14.4: nothing
    history.burn(hour + timedelta(hours=48), 3 * HOUR, 15.0)  # three hours at 15x
    fast, slow = history.replay((FAST_PAGE, SLOW_PAGE))

    later = hour + timedelta(hours=48)
    assert fast.episodes == (
        Episode(hour + HOUR, hour + 2 * HOUR),
        Episode(later + HOUR, later + 4 * HOUR),
    )
    # 6h/30m: 6 steps / 1 step. 20x for one hour is 3.3x over six; three hours at 15x reach 7.5x at the third.
    assert slow.episodes == (Episode(later + 3 * HOUR, later + 4 * HOUR),)


def test_alert_quality_on_constructed_incidents() -> None:
    a_start, b_start, c_start = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    history = History(timedelta(days=8))
    history.burn(a_start, minutes(30), 80.0)  # 5.6 % of the budget, caught by both pages
    history.burn(b_start, timedelta(hours=3), 10.0)  # 4.2 %: over the fast page's 2 %, never at 14.4x
    # Two one-minute spikes half an hour apart, 1.4 % each: two small incidents, and 20x over the hour.
    history.burn(c_start, MINUTE, 600.0).burn(c_start + minutes(30), MINUTE, 600.0)
    incidents = [
        incident(a_start, minutes(30), 80.0),
        incident(b_start, timedelta(hours=3), 10.0),
        incident(c_start, MINUTE, 600.0),
        incident(c_start + minutes(30), MINUTE, 600.0),
    ]
    fast, slow = alert_quality(history.replay((FAST_PAGE, SLOW_PAGE)), incidents)

    # Fast page: episodes for A and for the spikes (fires at the second one: 1200 / 60 = 20x); qualifying
    # incidents A and B. A: detected at 11 min, cleared 5 min after it ended (80 * (5 - m) / 5 < 14.4).
    assert fast.episodes == 2
    assert fast.precision == 0.5
    assert fast.recall == 0.5
    assert fast.detection_seconds_median == fast.detection_seconds_max == 11 * 60
    assert fast.reset_seconds_median == 5 * 60
    # Slow page (5 %): only A qualifies; detected at 27 min, cleared 28 min after (80 * (30 - m) / 30 < 6).
    assert (slow.episodes, slow.precision, slow.recall) == (1, 1.0, 1.0)
    assert slow.detection_seconds_median == slow.detection_seconds_max == 27 * 60
    assert slow.reset_seconds_median == 28 * 60


TIER = AlertTier("page", HOUR, minutes(5), 2.0)


def quality(episodes: list[Episode], incidents: list[Incident]) -> TierQuality:
    (result,) = alert_quality([TierReplay(TIER, 14.4, tuple(episodes))], incidents)
    return result


def big(start: datetime, length: timedelta) -> Incident:
    return Incident(start, start + length, 1000.0, 0.05, False)


def test_detection_is_zero_when_the_tier_was_already_firing() -> None:
    result = quality([Episode(T0 - minutes(10), T0 + HOUR)], [big(T0, minutes(30))])

    assert result.detection_seconds_median == result.detection_seconds_max == 0.0
    assert result.reset_seconds_median == 30 * 60


def test_detection_median_and_worst_over_caught_incidents() -> None:
    starts = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
    delays = [minutes(2), minutes(4), minutes(30)]
    episodes = [Episode(s + d, s + HOUR) for s, d in zip(starts, delays, strict=True)]
    result = quality(episodes, [big(s, minutes(40)) for s in starts])

    assert result.detection_seconds_median == 4 * 60
    assert result.detection_seconds_max == 30 * 60
    assert result.reset_seconds_median == 20 * 60


def test_an_open_episode_and_one_running_into_the_next_incident_have_no_reset() -> None:
    first, second = big(T0, minutes(30)), big(T0 + HOUR, minutes(30))
    spanning = quality([Episode(T0 + minutes(5), T0 + timedelta(hours=2))], [first, second])
    still_open = quality([Episode(T0 + minutes(5), T0 + HOUR, open=True)], [first])

    # One episode over both: it clears 30 minutes after the second ends, and says nothing of the first.
    assert (spanning.recall, spanning.precision, spanning.reset_seconds_median) == (1.0, 1.0, 30 * 60)
    assert still_open.reset_seconds_median is None
    assert still_open.detection_seconds_median == 5 * 60


def test_an_episode_that_starts_after_the_incident_ended_is_not_a_catch() -> None:
    result = quality([Episode(T0 + minutes(31), T0 + minutes(40))], [big(T0, minutes(30))])

    assert (result.precision, result.recall, result.detection_seconds_median) == (0.0, 0.0, None)


def test_an_episode_ending_as_the_incident_starts_does_not_overlap_it() -> None:
    result = quality([Episode(T0 - minutes(10), T0)], [big(T0, minutes(30))])

    assert (result.precision, result.recall) == (0.0, 0.0)


def test_incidents_below_the_tiers_budget_share_do_not_count() -> None:
    small = Incident(T0, T0 + minutes(30), 10.0, 0.0199, False)
    exactly = Incident(T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=30), 10.0, 0.02, False)
    result = quality([Episode(T0 + minutes(5), T0 + minutes(40))], [small, exactly])

    # Only the 2 % incident qualifies; the episode over the 1.99 % one is a false positive.
    assert (result.precision, result.recall) == (0.0, 0.0)


def test_undefined_figures_are_none() -> None:
    no_episodes = quality([], [big(T0, minutes(30))])
    no_incidents = quality([Episode(T0, T0 + HOUR)], [])

    assert (no_episodes.episodes, no_episodes.precision, no_episodes.recall) == (0, None, 0.0)
    assert no_episodes.detection_seconds_median is None
    assert no_episodes.reset_seconds_median is None
    assert (no_incidents.episodes, no_incidents.precision, no_incidents.recall) == (1, 0.0, None)
