"""Period history on constructed data: per-period figures, incidents, freeze time, alerts, target advice.

Every expected number is computed here from the events the test placed (hours in a month by the calendar,
bad events by construction), not by slokit's code.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from slokit.engine.history import (
    HistoryInput,
    PeriodFigures,
    history_incidents,
    period_figures,
    target_advice,
)
from slokit.engine.inputs import AlertTier, CalendarWindow, Policy, Window
from slokit.engine.periods import Period, review_periods
from slokit.engine.replay import Episode, TierReplay

HOUR = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
PER_HOUR = 1000.0


class Hours:
    """An hourly series from ``start`` to ``end``: PER_HOUR events a step, bad events placed by hand."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.n = int((end - start) / HOUR)
        self.total = np.full(self.n, PER_HOUR)
        self.bad = np.zeros(self.n)

    def index(self, step_end: datetime) -> int:
        return int((step_end - self.start) / HOUR) - 1

    def put_bad(self, step_end: datetime, bad: float) -> None:
        self.bad[self.index(step_end)] += bad

    def history(
        self, *, target: float = 0.999, window: Window = timedelta(days=30), policy: Policy | None = None
    ) -> HistoryInput:
        first_end = np.datetime64(self.start.astimezone(UTC).replace(tzinfo=None), "ns") + np.timedelta64(
            1, "h"
        )
        return HistoryInput(
            key="svc/avail",
            target=target,
            window=window,
            step=HOUR,
            timestamps=first_end + np.arange(self.n) * np.timedelta64(1, "h"),
            good=self.total - self.bad,
            total=self.total.copy(),
            policy=policy or Policy(),
        )


def berlin_hours_in(year: int, month: int) -> int:
    """Real hours of a Berlin month, by the calendar: one fewer in March, one more in October."""
    return calendar.monthrange(year, month)[1] * 24 - (month == 3) + (month == 10)


def figures(
    history: HistoryInput, periods: Sequence[Period], replays: Sequence[TierReplay] = ()
) -> tuple[PeriodFigures, ...]:
    return period_figures(history, periods, history_incidents(history, periods), replays)


def test_per_period_figures_across_month_boundaries_in_berlin() -> None:
    periods = review_periods("month", 10, datetime(2026, 12, 1, 8, tzinfo=BERLIN), timezone="Europe/Berlin")
    assert periods[0].label == "2026-02"
    # Data from 1 March (Berlin): February has none.
    series = Hours(datetime(2026, 3, 1, tzinfo=BERLIN), datetime(2026, 12, 1, tzinfo=BERLIN))
    # Month m: 10*m bad events in its first local hour, m in its last: 11*m in all, none leaking over a bound.
    for month in range(3, 12):
        first = datetime(2026, month, 1, 1, tzinfo=BERLIN)
        series.put_bad(first, 10.0 * month)
        end = periods[month - 2].end
        series.put_bad(end, float(month))
    rows = figures(series.history(target=0.999), periods)

    february = rows[0]
    assert february.period.label == "2026-02"
    assert (february.sli, february.good_events, february.total_events, february.bad_events) == (None,) * 4
    assert february.budget_consumed is None and february.met is None
    for row in rows[1:]:
        month = int(row.period.label[-2:])
        hours = berlin_hours_in(2026, month)
        total = hours * PER_HOUR
        bad = 11.0 * month
        assert row.total_events == total, row.period.label
        assert row.bad_events == bad
        assert row.good_events == total - bad
        assert row.sli == pytest.approx(1 - bad / total, abs=1e-15)
        assert row.budget_consumed == pytest.approx(bad / (0.001 * total), rel=1e-12)
        assert row.met is (bad / total <= 0.001)
    assert rows[1].total_events == 743 * PER_HOUR  # March
    assert rows[8].total_events == 745 * PER_HOUR  # October


def test_steps_without_data_leave_a_period_unknown_not_zero() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    series.total[: 31 * 24] = np.nan  # October: the source returned nothing
    october, november = figures(series.history(), periods)
    assert october.sli is None and october.total_events is None and october.met is None
    assert november.total_events == 30 * 24 * PER_HOUR and november.met is True and november.sli == 1.0


def test_history_incident_share_is_of_the_window_budget_at_the_period_traffic() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    series.total[31 * 24 :] = 2 * PER_HOUR  # November carries twice October's traffic
    incident_end = datetime(2026, 11, 10, 15, tzinfo=UTC)
    for h in range(3):  # 13:00-15:00 UTC, 400 bad events an hour
        series.put_bad(incident_end - h * HOUR, 400.0)
    history = series.history(target=0.999, window=timedelta(days=30), policy=Policy(postmortem_over=20.0))
    (incident,) = history_incidents(history, periods)
    assert incident.start == datetime(2026, 11, 10, 12, tzinfo=UTC)
    assert incident.end == incident_end
    assert incident.bad_events == 1200.0
    # (1 - target) * period_total * window / period: 0.001 * (30 * 24 * 2000) * 30 d / 30 d = 1440 events.
    assert incident.budget_share == pytest.approx(1200.0 / 1440.0)
    assert incident.postmortem_required is True
    assert incident.located_to == HOUR


def test_history_incident_share_scales_with_the_window_over_the_period() -> None:
    periods = review_periods("month", 1, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    series.put_bad(datetime(2026, 11, 5, 3, tzinfo=UTC), 60.0)
    (incident,) = history_incidents(series.history(window=timedelta(days=7)), periods)
    # A 7-day window at November's traffic: 0.001 * 720,000 * 7 / 30 = 168 events.
    assert incident.budget_share == pytest.approx(60.0 / 168.0)


def test_history_incidents_merge_like_the_report_and_are_counted_in_the_period_they_start() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    # Two runs an hour apart: the report merges gaps under 15 minutes, so at hourly steps these are two.
    series.put_bad(datetime(2026, 10, 5, 10, tzinfo=UTC), 100.0)
    series.put_bad(datetime(2026, 10, 5, 12, tzinfo=UTC), 300.0)
    # One crossing into November: it starts (and is counted) in October.
    series.put_bad(datetime(2026, 11, 1, tzinfo=UTC), 50.0)
    series.put_bad(datetime(2026, 11, 1, 1, tzinfo=UTC), 50.0)
    # A single step of 1 bad event burns (1 > 0.001 * 1000 is false: exactly 1x does not burn).
    series.put_bad(datetime(2026, 11, 20, tzinfo=UTC), 1.0)
    history = series.history(policy=Policy(postmortem_over=30.0))
    incidents = history_incidents(history, periods)
    assert [(i.start, i.end, i.bad_events) for i in incidents] == [
        (datetime(2026, 10, 5, 9, tzinfo=UTC), datetime(2026, 10, 5, 10, tzinfo=UTC), 100.0),
        (datetime(2026, 10, 5, 11, tzinfo=UTC), datetime(2026, 10, 5, 12, tzinfo=UTC), 300.0),
        (datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 1, 1, tzinfo=UTC), 100.0),
    ]
    october_budget = 0.001 * 31 * 24 * PER_HOUR * 30 / 31
    assert [i.budget_share for i in incidents] == pytest.approx([b / october_budget for b in (100, 300, 100)])
    october, november = period_figures(history, periods, incidents, ())
    assert (october.incidents, november.incidents) == (3, 0)
    assert october.largest_incident_share == pytest.approx(300 / october_budget)
    assert october.postmortems_required == 1  # 300 / 720 = 42 % > 30 %; 100 / 720 = 14 % is not
    assert november.largest_incident_share is None and november.postmortems_required == 0


def test_an_incident_wholly_in_the_lead_in_is_not_one_of_the_review() -> None:
    periods = review_periods("month", 1, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    series.put_bad(datetime(2026, 10, 28, tzinfo=UTC), 500.0)
    assert history_incidents(series.history(), periods) == ()
    assert len(history_incidents(series.history())) == 1  # without periods the whole span counts


@pytest.mark.parametrize(
    ("freeze_on", "burst", "frozen_hours"),
    [
        ("exhausted", 30.0, (11, 13)),  # 30 of a 24-event budget: exhausted for 24 hours
        ("exhausted", 20.0, (0, 0)),  # 20 of 24: 17 % left, not exhausted
        ("warning", 20.0, (11, 13)),  # ... but below the 25 % warning
        ("warning", 5.0, (0, 0)),  # 79 % left
        ("never", 30.0, (0, 0)),
    ],
)
def test_freeze_time_of_a_constructed_exhaustion_on_a_rolling_window(
    freeze_on: str, burst: float, frozen_hours: tuple[int, int]
) -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    # A 1-day window at 1000 events an hour allows 0.001 * 24,000 = 24 bad events. The burst in the step
    # 13:00-14:00 on 31 October stays in the window of every step ending before 14:00 the next day: 24 steps,
    # 11 of them (13:00-24:00) in October, 13 in November.
    series.put_bad(datetime(2026, 10, 31, 14, tzinfo=UTC), burst)
    history = series.history(window=timedelta(days=1), policy=Policy(freeze_on=freeze_on, warn_below=25.0))  # type: ignore[arg-type]
    october, november = figures(history, periods)
    assert (october.freeze_seconds, november.freeze_seconds) == (
        frozen_hours[0] * 3600.0,
        frozen_hours[1] * 3600.0,
    )


def test_freeze_time_on_a_calendar_window_uses_its_own_period_so_far() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    # 500 bad events in the 100th hour of October. After k hours the month so far allows 0.001 * 1000 * k
    # = k bad events: exhausted from step 100 to step 500, 401 hours; November starts afresh.
    series.put_bad(datetime(2026, 10, 1, tzinfo=UTC) + 100 * HOUR, 500.0)
    history = series.history(window=CalendarWindow("month", "UTC"))
    october, november = figures(history, periods)
    assert october.freeze_seconds == 401 * 3600.0
    assert november.freeze_seconds == 0.0


def test_freeze_before_the_history_holds_a_whole_window_uses_the_events_there_are() -> None:
    periods = review_periods("month", 1, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    # A 30-day window, data from 1 November only: 40 bad events in the 10th hour exhaust the budget of the
    # events so far (k hours allow k bad events) from hour 10 to hour 40: 31 hours.
    series.put_bad(datetime(2026, 11, 1, 10, tzinfo=UTC), 40.0)
    (november,) = figures(series.history(window=timedelta(days=30)), periods)
    assert november.freeze_seconds == 31 * 3600.0


def _replay(severity: str, *spans: tuple[datetime, datetime]) -> TierReplay:
    tier = AlertTier(severity, timedelta(hours=1), timedelta(minutes=5), 2.0)  # type: ignore[arg-type]
    return TierReplay(tier, 14.4, tuple(Episode(start, end) for start, end in spans))


def test_alerts_are_episodes_starting_in_the_period_with_tiers_of_a_severity_merged() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    oct_ = lambda d, h: datetime(2026, 10, d, h, tzinfo=UTC)  # noqa: E731
    nov = lambda d, h: datetime(2026, 11, d, h, tzinfo=UTC)  # noqa: E731
    replays = [
        # Fast page tier: three episodes (one on 31 October running into November).
        _replay("page", (oct_(3, 10), oct_(3, 12)), (oct_(20, 1), oct_(20, 2)), (oct_(31, 23), nov(1, 2))),
        # Slow page tier: overlaps the first two (they count once), and one alone in November.
        _replay("page", (oct_(3, 11), oct_(3, 18)), (oct_(20, 2), oct_(20, 9)), (nov(15, 0), nov(15, 6))),
        _replay("ticket", (oct_(3, 9), oct_(4, 9)), (nov(1, 0), nov(2, 0))),
    ]
    october, november = figures(series.history(), periods, replays)
    assert october.alerts == {"page": 3, "ticket": 1}
    assert november.alerts == {"page": 1, "ticket": 1}


def _monthly(error_ratios: Sequence[float | None], target: float) -> tuple[PeriodFigures, ...]:
    """Six UTC months (June-November 2026) failing at the given error ratio each (None: no data)."""
    periods = review_periods("month", len(error_ratios), datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(periods[0].start, periods[-1].end)
    for period, error_ratio in zip(periods, error_ratios, strict=True):
        first, last = series.index(period.start + HOUR), series.index(period.end)
        if error_ratio is None:
            series.total[first : last + 1] = np.nan
        else:
            series.bad[first : last + 1] = PER_HOUR * error_ratio
    return figures(series.history(target=target), periods)


def test_advice_meeting_999_in_five_of_six_months_is_achievable_999() -> None:
    # 99.99 % met in 4 months (0.005 % errors), 99.9 % in those and one more (0.08 %), missed in one (0.2 %).
    advice = target_advice(_monthly([5e-5, 5e-5, 8e-4, 5e-5, 2e-3, 5e-5], 0.999), 0.999)
    assert advice.achievable_target == 0.999
    assert advice.flags == ()


def test_advice_a_target_met_in_only_four_of_six_is_not_achievable() -> None:
    advice = target_advice(_monthly([5e-5, 5e-5, 5e-5, 5e-5, 8e-4, 8e-4], 0.9999), 0.9999)
    # 99.99 % in 4 of 6 is not enough (5 needed); 99.95 % is met in those 4 only; 99.9 % in all 6.
    assert advice.achievable_target == 0.999
    assert "aspirational" not in advice.flags  # missed in 2 of 6, not more than half


def test_advice_the_current_target_joins_the_ladder() -> None:
    advice = target_advice(_monthly([1.5e-3] * 6, 0.998), 0.998)
    assert advice.achievable_target == 0.998  # 99.85 %: above 99.8 %, below 99.9 %


def test_advice_flags_a_budget_never_spent_to_a_tenth() -> None:
    # 0.05 % errors against a 1 % budget: 5 % consumed each month.
    advice = target_advice(_monthly([5e-4] * 6, 0.99), 0.99)
    assert advice.flags == ("budget_unused",)
    assert advice.budget_consumed == pytest.approx([0.05] * 6)
    assert advice.achievable_target == 0.9995


def test_advice_one_month_at_a_tenth_is_not_unused() -> None:
    advice = target_advice(_monthly([5e-4] * 5 + [1e-3], 0.99), 0.99)
    assert "budget_unused" not in advice.flags


def test_advice_flags_a_target_missed_in_four_of_six_as_aspirational() -> None:
    advice = target_advice(_monthly([2e-3, 2e-3, 5e-4, 2e-3, 5e-4, 2e-3], 0.999), 0.999)
    assert advice.flags == ("aspirational",)
    assert advice.achievable_target == 0.995  # 99.8 % in all six


def test_advice_is_null_with_fewer_than_two_periods_of_data() -> None:
    advice = target_advice(_monthly([None] * 5 + [5e-4], 0.999), 0.999)
    assert advice.achievable_target is None
    assert advice.flags == ()
    assert advice.budget_consumed[:5] == (None,) * 5
    assert advice.budget_consumed[5] == pytest.approx(0.5)


def test_period_coverage_is_the_share_of_its_steps_holding_data() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    series.total[: 28 * 24] = np.nan  # October's data begins on the 29th: 3 of its 31 days
    october, november = figures(series.history(), periods)
    assert october.coverage == pytest.approx(72 / 744) and not october.whole
    assert october.total_events == 72 * PER_HOUR  # its figures are those of the 3 days
    assert november.coverage == 1.0 and november.whole


def test_advice_leaves_out_a_period_whose_data_covers_only_part_of_it() -> None:
    # Two 30-day windows; the first holds data for its last 3 days only, at 0.004 % errors (99.99 % met),
    # the second whole at 0.08 % (99.9 % met). One whole period: no advice, and the partial one is counted.
    at = datetime(2026, 11, 20, tzinfo=UTC)
    periods = review_periods("window", 2, at, window=timedelta(days=30))
    series = Hours(periods[0].start, at)
    series.total[: 27 * 24] = np.nan
    series.bad[27 * 24 : 30 * 24] = PER_HOUR * 4e-5
    series.bad[30 * 24 :] = PER_HOUR * 8e-4
    rows = figures(series.history(), periods)
    assert [r.coverage for r in rows] == pytest.approx([3 / 30, 1.0])
    advice = target_advice(rows, 0.999)
    assert advice.achievable_target is None
    assert advice.partial_periods == 1
    assert advice.flags == ()


def test_advice_counts_a_period_with_a_few_hours_of_scrape_gaps_as_whole() -> None:
    # 99 % of a 720-hour window is 712.8 hours: 7 hours without data keep it whole, 8 do not.
    at = datetime(2026, 11, 20, tzinfo=UTC)
    periods = review_periods("window", 2, at, window=timedelta(days=30))
    for gap, whole in ((7, True), (8, False)):
        series = Hours(periods[0].start, at)
        series.total[100 : 100 + gap] = np.nan
        rows = figures(series.history(), periods)
        assert rows[0].coverage == pytest.approx((720 - gap) / 720)
        assert rows[0].whole is whole
        assert target_advice(rows, 0.999).partial_periods == (0 if whole else 1)


def test_history_incident_share_on_a_calendar_window_uses_the_month_it_starts_in() -> None:
    # Weekly review periods, a Berlin calendar-month window: the budget is the month's at the week's traffic.
    periods = review_periods("week", 2, datetime(2026, 11, 3, tzinfo=BERLIN), timezone="Europe/Berlin")
    assert [p.label for p in periods] == ["2026-W43", "2026-W44"]
    series = Hours(periods[0].start, periods[-1].end)
    series.put_bad(datetime(2026, 10, 30, 12, tzinfo=BERLIN), 100.0)  # October: 745 hours
    series.put_bad(datetime(2026, 11, 1, 12, tzinfo=BERLIN), 100.0)  # November: 720 hours
    history = series.history(window=CalendarWindow("month", "Europe/Berlin"))
    october, november = history_incidents(history, periods)
    # W44 (26 October - 2 November) is 168 hours of 1000 events: 0.001 * 168,000 * month / 168 h.
    assert october.budget_share == pytest.approx(100.0 / 745.0)
    assert november.budget_share == pytest.approx(100.0 / 720.0)


def slice_history(start: datetime, end: datetime, bad_hours: Sequence[int], **extra: object) -> HistoryInput:
    """Hourly slices from ``start``: 1 slice a step, bad in the hours (1-based step ends) listed."""
    n = int((end - start) / HOUR)
    good = np.ones(n)
    good[[h - 1 for h in bad_hours]] = 0.0
    first_end = np.datetime64(start.replace(tzinfo=None), "ns") + np.timedelta64(1, "h")
    return HistoryInput(
        key="svc/uptime",
        target=0.99,
        window=extra.pop("window", timedelta(days=30)),  # type: ignore[arg-type]
        step=HOUR,
        timestamps=first_end + np.arange(n) * np.timedelta64(1, "h"),
        good=good,
        total=np.ones(n),
        timeslices=True,
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("freeze_on", "from_hour"), [("exhausted", 32), ("warning", 30)])
def test_time_slice_freeze_on_a_calendar_month_uses_the_whole_month_budget(
    freeze_on: str, from_hour: int
) -> None:
    # November's 720 hourly slices at 99 % allow 7.2 bad slices, from its first day (as the report counts
    # them). Bad slices in hours 25-32: the 8th (hour 32) exhausts it, the 6th (hour 30) leaves 1 - 6 / 7.2
    # = 17 % (below the 25 % warning); frozen from there to the month's end. Counting the slices so far
    # instead would have frozen from hour 25.
    (november,) = review_periods("month", 1, datetime(2026, 12, 1, tzinfo=UTC))
    history = slice_history(
        november.start, november.end, range(25, 33), window=CalendarWindow("month"),
        policy=Policy(freeze_on=freeze_on, warn_below=25.0),  # type: ignore[arg-type]
    )  # fmt: skip
    (figures_,) = period_figures(history, (november,), history_incidents(history, (november,)), ())
    assert figures_.freeze_seconds == (720 - from_hour + 1) * 3600.0
    assert figures_.budget_consumed == pytest.approx(8 / 7.2)


def test_time_slice_budget_counts_all_slices_so_missing_data_neither_spends_nor_earns() -> None:
    (november,) = review_periods("month", 1, datetime(2026, 12, 1, tzinfo=UTC))
    history = slice_history(november.start, november.end, (400, 401, 402))
    history.good[:360] = np.nan  # the first half of November: no data
    history.total[:360] = np.nan
    (incident,) = history_incidents(history, (november,))
    # A 30-day window of hourly slices allows 0.01 * 720 = 7.2 bad slices, whatever the data covered.
    assert incident.budget_share == pytest.approx(3 / 7.2)
    (figures_,) = period_figures(history, (november,), (incident,), ())
    assert figures_.total_events == 360 and figures_.bad_events == 3
    assert figures_.sli == pytest.approx(357 / 360)
    assert figures_.budget_consumed == pytest.approx(3 / 7.2)


def test_an_incident_under_way_when_the_review_starts_counts_in_the_first_period() -> None:
    periods = review_periods("month", 2, datetime(2026, 12, 1, tzinfo=UTC))
    series = Hours(datetime(2026, 9, 20, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    # Burning from 30 September 20:00 to 1 October 04:00, 10 bad events an hour (10x).
    for hour in range(8):
        series.put_bad(datetime(2026, 9, 30, 21, tzinfo=UTC) + hour * HOUR, 10.0)
    history = series.history()
    (incident,) = history_incidents(history, periods)
    assert (incident.start, incident.end) == (
        datetime(2026, 9, 30, 20, tzinfo=UTC),
        datetime(2026, 10, 1, 4, tzinfo=UTC),
    )
    assert incident.bad_events == 80.0  # the whole run: the incident is what on-call saw
    assert incident.budget_share == pytest.approx(80.0 / (0.001 * 31 * 24 * PER_HOUR * 30 / 31))
    page = _replay("page", (datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 1, 5, tzinfo=UTC)))
    october, november = period_figures(history, periods, (incident,), (page,))
    assert (october.incidents, november.incidents) == (1, 0)
    assert october.largest_incident_share == incident.budget_share
    assert october.alerts["page"] == 1
    assert october.bad_events == 40.0  # October's own events: the four hours after midnight
