"""Release impact: which release each incident followed, and how many releases each period had.

An incident is attributed to the latest release at or before its start when it started at most ``within``
after it (the service's ``releases.within``, 1 hour by default): "started 12 min after release 1.42". A
release after the incident's start is never taken, however close: the incident was already under way. Both
times are located to their steps (the release to its query's step, the incident to the history's), so the
gap is known to a step. See docs/review.md, "Release impact".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import timedelta

from slokit.engine.periods import Period
from slokit.engine.results import Incident
from slokit.report import fmt
from slokit.review.model import ReviewIncident
from slokit.sources.insight import Release


def attribute_incidents(
    incidents: Sequence[Incident], releases: Sequence[Release] | None, within: timedelta
) -> tuple[ReviewIncident, ...]:
    """Each incident with the release it followed within ``within``; releases None (not known): none."""
    if not releases:
        return tuple(ReviewIncident(incident) for incident in incidents)
    ordered = sorted(releases, key=lambda r: r.at)
    times = [r.at for r in ordered]
    out = []
    for incident in incidents:
        latest = bisect.bisect_right(times, incident.start) - 1  # the last release at or before the start
        if latest >= 0 and (gap := incident.start - times[latest]) <= within:
            out.append(ReviewIncident(incident, ordered[latest], gap))
        else:
            out.append(ReviewIncident(incident))
    return tuple(out)


def releases_per_period(periods: Sequence[Period], releases: Sequence[Release] | None) -> list[int | None]:
    """Releases in each period ``[start, end)``; None for every period when the releases are not known."""
    if releases is None:
        return [None] * len(periods)
    times = sorted(r.at for r in releases)
    return [
        bisect.bisect_left(times, period.end) - bisect.bisect_left(times, period.start) for period in periods
    ]


def release_name(release: Release) -> str:
    """``release 1.42``, or ``the release at 2026-11-16 09:48 UTC`` for a marker without a version."""
    if release.version is not None:
        return f"release {release.version}"
    return f"the release at {release.at:%Y-%m-%d %H:%M} UTC"


def after_release(delta: timedelta) -> str:
    """``12 min`` for whole minutes under an hour (as people say it), else the report's durations
    (``1h30m``, ``45s``)."""
    seconds = delta.total_seconds()
    if 60 <= seconds < 3600 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return fmt.duration(delta)


def followed_release(item: ReviewIncident) -> str | None:
    """``started 12 min after release 1.42``; None when the incident followed no release within the time."""
    if item.release is None or item.after_release is None:
        return None
    if item.after_release <= timedelta(0):
        return f"started at {release_name(item.release)}"  # within the same step
    return f"started {after_release(item.after_release)} after {release_name(item.release)}"
