"""Incidents (and first data) in the coarse region of an adaptive resolution are located to the coarse step.

The inputs are built the way the adaptive resolution hands them to the engine: hourly counts spread evenly
over the hour's twelve 5-minute steps up to ``fine_from`` (3 days before the evaluation time), 5-minute
counts after it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from slokit.engine import ObjectiveInput, Resolution, evaluate
from slokit.engine.incidents import MIN_INCIDENT_SHARE

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
HOUR = timedelta(hours=1)
PER_HOUR = 12
WINDOW = timedelta(days=14)
FINE_FROM = AT - timedelta(days=3)
COARSE_HOURS = (FINE_FROM - (AT - WINDOW)) // HOUR  # hours of the window before fine_from
FINE_STEPS = (AT - FINE_FROM) // STEP
RESOLUTION = Resolution(coarse_step=HOUR, fine_from=FINE_FROM)
TARGET = 0.999
HOURLY = 12_000.0  # requests per hour: 1,000 per 5-minute step


def hour_index(end: datetime) -> int:
    """Index in the hourly counts of the hour ending at ``end``."""
    return COARSE_HOURS - 1 - (FINE_FROM - end) // HOUR


def step_index(end: datetime) -> int:
    """Index in the 5-minute counts (after fine_from) of the step ending at ``end``."""
    return (end - FINE_FROM) // STEP - 1


def objective(
    hourly_bad: np.ndarray,
    fine_bad: np.ndarray,
    *,
    resolution: Resolution | None = RESOLUTION,
    hourly_total: np.ndarray | None = None,
    key: str = "svc/avail",
) -> ObjectiveInput:
    """Hourly counts spread over their 5-minute steps, then 5-minute counts; the last step ends at AT."""
    total_h = np.full(COARSE_HOURS, HOURLY) if hourly_total is None else hourly_total
    total = np.concatenate((np.repeat(total_h / PER_HOUR, PER_HOUR), np.full(FINE_STEPS, HOURLY / PER_HOUR)))
    bad = np.concatenate((np.repeat(hourly_bad / PER_HOUR, PER_HOUR), fine_bad))
    first_end = AT - (total.size - 1) * STEP
    timestamps = np.array([np.datetime64(first_end.replace(tzinfo=None), "ns")]) + (
        np.arange(total.size) * np.timedelta64(300, "s")
    )
    return ObjectiveInput(
        key=key,
        target=TARGET,
        window=WINDOW,
        step=STEP,
        timestamps=timestamps,
        good=total - bad,
        total=total,
        resolution=resolution,
    )


def quiet() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(COARSE_HOURS), np.zeros(FINE_STEPS)


OLD_END = AT - timedelta(days=10, hours=2)  # the old burst: the hour (OLD_END - 1h, OLD_END]
RECENT_START = AT - timedelta(minutes=25)  # the recent burst: two 5-minute steps in the last hour


def bursts() -> tuple[np.ndarray, np.ndarray]:
    hourly_bad, fine_bad = quiet()
    hourly_bad[hour_index(OLD_END)] = 600.0  # 5 % of the hour's requests: a 50x burn
    fine_bad[step_index(RECENT_START + STEP)] = 100.0
    fine_bad[step_index(RECENT_START + 2 * STEP)] = 100.0
    return hourly_bad, fine_bad


def test_incident_older_than_the_fine_region_is_located_to_the_hour() -> None:
    (r,) = evaluate([objective(*bursts())], AT)

    old, _recent = sorted(r.incidents, key=lambda i: i.start)
    assert (old.start, old.end) == (OLD_END - HOUR, OLD_END)
    assert old.start.minute == 0 and old.end.minute == 0
    assert old.located_to == HOUR
    assert old.bad_events == pytest.approx(600.0)


def test_incident_in_the_fine_region_keeps_its_5_minute_bounds() -> None:
    (r,) = evaluate([objective(*bursts())], AT)

    _old, recent = sorted(r.incidents, key=lambda i: i.start)
    assert (recent.start, recent.end) == (RECENT_START, RECENT_START + 2 * STEP)
    assert recent.located_to is None
    assert recent.bad_events == pytest.approx(200.0)


def test_full_resolution_locates_nothing_to_a_coarser_step() -> None:
    (r,) = evaluate([objective(*bursts(), resolution=None)], AT)

    assert [i.located_to for i in r.incidents] == [None, None]


def test_objectives_sharing_a_time_axis_are_located_by_their_own_resolution() -> None:
    hourly_bad, fine_bad = bursts()
    adaptive = objective(hourly_bad, fine_bad, key="a/adaptive")
    full = objective(hourly_bad, fine_bad, resolution=None, key="b/full")
    later = objective(
        hourly_bad, fine_bad, resolution=Resolution(HOUR, AT - timedelta(days=12)), key="c/shorter"
    )
    ra, rb, rc = evaluate([adaptive, full, later], AT)

    assert [i.located_to for i in sorted(ra.incidents, key=lambda i: i.start)] == [HOUR, None]
    assert [i.located_to for i in rb.incidents] == [None, None]
    # Its fine region starts 12 days back: the burst 10 days back lies in it.
    assert [i.located_to for i in rc.incidents] == [None, None]


def test_incident_starting_in_the_coarse_region_and_ending_after_it_is_located_to_the_hour() -> None:
    hourly_bad, fine_bad = quiet()
    hourly_bad[-2:] = 600.0  # the last two hours before fine_from
    fine_bad[:3] = 50.0  # and the first 15 minutes after it
    (r,) = evaluate([objective(hourly_bad, fine_bad)], AT)

    (incident,) = r.incidents
    assert (incident.start, incident.end) == (FINE_FROM - 2 * HOUR, FINE_FROM + 3 * STEP)
    assert incident.located_to == HOUR
    assert incident.bad_events == pytest.approx(1350.0)


def test_incident_starting_right_at_fine_from_is_located_to_the_step() -> None:
    hourly_bad, fine_bad = quiet()
    fine_bad[:3] = 50.0
    (r,) = evaluate([objective(hourly_bad, fine_bad)], AT)

    (incident,) = r.incidents
    assert (incident.start, incident.end, incident.located_to) == (FINE_FROM, FINE_FROM + 3 * STEP, None)


def test_coarse_hours_an_hour_apart_are_two_incidents() -> None:
    # Merging spans gaps under 15 minutes; in the coarse region the shortest gap is a whole quiet hour.
    hourly_bad, fine_bad = quiet()
    i = hour_index(OLD_END)
    hourly_bad[i] = hourly_bad[i + 2] = 600.0
    (r,) = evaluate([objective(hourly_bad, fine_bad)], AT)

    assert [(x.start, x.end) for x in r.incidents] == [
        (OLD_END - HOUR, OLD_END),
        (OLD_END + HOUR, OLD_END + 2 * HOUR),
    ]


def test_noise_floor_in_the_coarse_region_is_the_same_share_of_the_budget() -> None:
    # The window's allowed bad events: 0.1 % of its requests. An hour burning above 1x is listed once its bad
    # events reach MIN_INCIDENT_SHARE of that, as a run of 5-minute steps would be. At steady traffic any
    # burning hour is above the floor (an hour is over 0.1 % of a 14-day window): the floor drops quiet hours.
    allowed = (1 - TARGET) * HOURLY * WINDOW / HOUR
    floor = MIN_INCIDENT_SHARE * allowed
    assert floor < (1 - TARGET) * HOURLY

    def listed(bad: float) -> int:
        hourly_bad, fine_bad = quiet()
        hourly_total = np.full(COARSE_HOURS, HOURLY)
        hourly_total[hour_index(OLD_END)] = 100.0  # a quiet hour: every bad event burns at 10x
        hourly_bad[hour_index(OLD_END)] = bad
        (r,) = evaluate([objective(hourly_bad, fine_bad, hourly_total=hourly_total)], AT)
        return len(r.incidents)

    allowed_here = allowed - (1 - TARGET) * (HOURLY - 100.0)
    assert listed(0.99 * MIN_INCIDENT_SHARE * allowed_here) == 0
    assert listed(1.01 * MIN_INCIDENT_SHARE * allowed_here) == 1


def test_first_data_in_the_coarse_region_is_located_to_the_hour() -> None:
    hourly_bad, fine_bad = quiet()
    starts = hour_index(OLD_END)  # no data before the hour ending at OLD_END
    hourly_total = np.full(COARSE_HOURS, HOURLY)
    hourly_total[:starts] = np.nan
    (r,) = evaluate([objective(hourly_bad, fine_bad, hourly_total=hourly_total)], AT)

    assert r.coverage is not None
    assert r.coverage.first_data == OLD_END - HOUR
    assert r.coverage.first_data_located_to == HOUR


def test_first_data_in_the_fine_region_is_located_to_the_step() -> None:
    (r,) = evaluate([objective(*quiet(), hourly_total=np.full(COARSE_HOURS, np.nan))], AT)

    assert r.coverage is not None
    assert r.coverage.first_data == FINE_FROM
    assert r.coverage.first_data_located_to is None


def test_naive_fine_from_is_an_input_error() -> None:
    naive = Resolution(HOUR, FINE_FROM.replace(tzinfo=None))
    (r,) = evaluate([objective(*quiet(), resolution=naive)], AT)

    assert r.status == "error"
    assert r.error == "invalid engine input: resolution.fine_from must be timezone-aware"
