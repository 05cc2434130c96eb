"""Times on the command line (``--at``: RFC 3339 or Unix seconds) and in files (RFC 3339, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from slokit.errors import UsageError


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


def rfc3339(moment: datetime) -> str:
    """``2026-11-01T00:00:00Z``: how reports, snapshots and JUnit files write a time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
