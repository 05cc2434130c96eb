"""Release impact with releases at known times: which release each incident followed, releases per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slokit.engine.periods import Period
from slokit.engine.results import Incident
from slokit.review.impact import attribute_incidents, followed_release, releases_per_period
from slokit.review.model import ReviewIncident
from slokit.sources.insight import Release

HOUR = timedelta(hours=1)
STEP = timedelta(minutes=1)
NOON = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def release(at: datetime, version: str | None = "1.42") -> Release:
    return Release(at, version, STEP)


def incident(start: datetime) -> Incident:
    return Incident(start, start + minutes(30), 500.0, 0.05, False)


def test_an_incident_started_12_minutes_after_a_release_is_attributed_to_it() -> None:
    deployed = release(NOON, "1.42")
    (item,) = attribute_incidents([incident(NOON + minutes(12))], [deployed], HOUR)

    assert item.release == deployed
    assert item.after_release == minutes(12)
    assert followed_release(item) == "started 12 min after release 1.42"


def test_an_incident_exactly_within_after_a_release_is_attributed_and_a_minute_later_is_not() -> None:
    deployed = release(NOON)
    at_limit, beyond = attribute_incidents(
        [incident(NOON + HOUR), incident(NOON + timedelta(days=1, minutes=1))],
        [deployed, release(NOON + timedelta(days=1) - HOUR, "1.43")],
        HOUR,
    )

    assert (at_limit.release, at_limit.after_release) == (deployed, HOUR)
    assert (beyond.release, beyond.after_release) == (None, None)
    assert followed_release(beyond) is None


def test_a_release_after_the_incident_started_is_not_taken() -> None:
    earlier, later = release(NOON - minutes(30), "1.41"), release(NOON + minutes(1), "1.42")
    only_later, both = (
        attribute_incidents([incident(NOON)], [later], HOUR)[0],
        attribute_incidents([incident(NOON)], [later, earlier], HOUR)[0],
    )

    assert only_later.release is None
    assert (both.release, both.after_release) == (earlier, minutes(30))


def test_of_two_releases_before_the_incident_the_latest_is_taken() -> None:
    first, second = release(NOON - minutes(50), "1.41"), release(NOON - minutes(20), "1.42")
    (item,) = attribute_incidents([incident(NOON)], [first, second], HOUR)

    assert (item.release, item.after_release) == (second, minutes(20))
    assert followed_release(item) == "started 20 min after release 1.42"


def test_a_release_at_the_incidents_start_is_taken() -> None:
    deployed = release(NOON)
    (item,) = attribute_incidents([incident(NOON)], [deployed], HOUR)

    assert (item.release, item.after_release) == (deployed, timedelta(0))
    assert followed_release(item) == "started at release 1.42"


def test_unknown_or_no_releases_attribute_nothing() -> None:
    incidents = [incident(NOON), incident(NOON + HOUR)]

    assert attribute_incidents(incidents, None, HOUR) == tuple(ReviewIncident(i) for i in incidents)
    assert attribute_incidents(incidents, [], HOUR) == tuple(ReviewIncident(i) for i in incidents)


def test_each_incident_gets_its_own_release() -> None:
    releases = [release(NOON, "1.42"), release(NOON + timedelta(days=1), "1.43")]
    incidents = [incident(NOON + minutes(5)), incident(NOON + timedelta(days=1, minutes=45))]

    texts = [followed_release(i) for i in attribute_incidents(incidents, releases, HOUR)]

    assert texts == ["started 5 min after release 1.42", "started 45 min after release 1.43"]


def test_longer_gaps_and_markers_without_a_version_read_as_durations_and_times() -> None:
    (item,) = attribute_incidents([incident(NOON + minutes(90))], [release(NOON, None)], 2 * HOUR)

    assert followed_release(item) == "started 1h30m after the release at 2026-11-16 12:00 UTC"


def test_releases_per_period_count_each_release_in_the_period_holding_it() -> None:
    november = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "2026-11")
    october = Period(datetime(2026, 10, 1, tzinfo=UTC), november.start, "2026-10")
    releases = [
        release(datetime(2026, 10, 1, tzinfo=UTC)),  # the first instant of October
        release(datetime(2026, 10, 31, 23, 59, tzinfo=UTC)),
        release(november.start),  # on the boundary: November's, as periods are [start, end)
        release(NOON),
        release(datetime(2026, 12, 1, tzinfo=UTC)),  # after both
        release(datetime(2026, 9, 30, 23, 59, tzinfo=UTC)),  # before both
    ]

    assert releases_per_period([october, november], releases) == [2, 2]
    assert releases_per_period([october, november], []) == [0, 0]
    assert releases_per_period([october, november], None) == [None, None]
