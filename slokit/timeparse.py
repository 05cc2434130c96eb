"""Times on the command line (``--at``: RFC 3339 or Unix seconds) and in files (RFC 3339, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slokit.errors import UsageError

# How far ``--at`` may run ahead of this machine's clock: the time often comes from another machine (a CI
# runner, a scheduler) whose clock is a few seconds off, and a time within the current 5-minute step reads
# the same data anyway. Further ahead there are no samples yet: Prometheus would answer with stale ones.
CLOCK_SKEW = timedelta(minutes=1)


def utcnow() -> datetime:
    """The clock, read once per run by the commands (the engine never reads it)."""
    return datetime.now(UTC)


def parse_at(text: str) -> datetime:
    raw = text.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"--at: {text!r} Unix seconds is not a date slokit can use") from None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at must be RFC 3339 (2026-11-01T00:00:00Z) or Unix seconds (got {text!r})"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--at needs a timezone, e.g. 2026-11-01T00:00:00Z (got {text!r})")
    return moment.astimezone(UTC)


def refuse_future(moment: datetime, now: datetime) -> None:
    """``--at`` after ``now`` (give or take :data:`CLOCK_SKEW`) is a usage error: there is no data yet."""
    if moment > now + CLOCK_SKEW:
        raise UsageError(
            f"--at {rfc3339(moment)} is in the future (now {rfc3339(now)}): there is no data yet"
        )


def refuse_after_snapshot(moment: datetime, recorded: datetime, snapshot: str) -> None:
    """A snapshot holds the series up to its own evaluation time: a later ``--at`` has nothing to read."""
    if moment > recorded:
        raise UsageError(
            f"--at {rfc3339(moment)} is after {snapshot} was recorded ({rfc3339(recorded)}): "
            "a snapshot has no data after its own time"
        )


def rfc3339(moment: datetime) -> str:
    """``2026-11-01T00:00:00Z``: how reports, snapshots and JUnit files write a time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
