"""The adaptive resolution: which steps of an event series are fetched coarse, and where the fine ones begin.

Burn windows and the alert tiers read at most the last few days (3 d by default) step by step; the rest of a
28 d or 30 d window serves the budget trend chart and the incidents, which need no more than about
:data:`POINTS` points across the window. So the series is fetched as two ranges: coarse steps of
:func:`coarse_step` (the window / 720, rounded up to a round duration that is a whole multiple of the fine
step) up to ``fine_from``, and the objective's own (fine) step after it. Everything is aligned to the Unix
epoch like the fine steps, so query frontends can split and cache both ranges.

The window figures do not depend on it: the window totals count each window whole (see
:mod:`slokit.sources.prometheus`). Pure arithmetic; the pipeline plans with it and the Prometheus source
fetches by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slokit.engine import Resolution, align_down
from slokit.engine.series import MAX_POINTS

# Coarse steps across the window: as many as the budget trend chart draws, so it loses nothing.
POINTS = MAX_POINTS
# Round durations a coarse step is chosen from; each divides a day, so the coarse grid is the same
# epoch-aligned grid whatever the evaluation time.
LADDER = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440))


def coarse_step(window_length: timedelta, fine: timedelta) -> timedelta | None:
    """The coarse step for a window of ``window_length`` fetched at ``fine`` steps; None when no round
    step longer than ``fine`` is needed (the window has at most about :data:`POINTS` fine steps)."""
    wanted = window_length / POINTS
    for candidate in LADDER:
        if candidate >= wanted and candidate >= fine and candidate % fine == timedelta(0):
            return None if candidate == fine else candidate
    # Beyond the ladder (windows over 720 days): whole days.
    days = -(-wanted // timedelta(days=1))
    step = timedelta(days=days)
    return step if step % fine == timedelta(0) and step > fine else None


def adaptive(
    window_length: timedelta, fine: timedelta, start: datetime, end: datetime, longest: timedelta
) -> tuple[datetime, Resolution | None]:
    """Where the steps ``start, start + fine, ..., end`` (step ends) turn fine: the series' first step end
    and its resolution (None: every step fine).

    ``longest`` is the longest burn or alert tier window: its steps stay fine. ``fine_from`` is the coarse
    step end at or before ``end - longest``; the start moves back (by less than a coarse step) so that the
    first step begins on a coarse step boundary and the coarse steps cover the steps before ``fine_from``
    exactly. When no coarse step would come before ``fine_from``, the series stays all fine.
    """
    coarse = coarse_step(window_length, fine)
    if coarse is None:
        return start, None
    fine_from = align_down(end - longest, coarse)
    begins = align_down(start - fine, coarse)
    if fine_from <= begins:
        return start, None
    return begins + fine, Resolution(coarse, fine_from)


@dataclass(frozen=True)
class Ranges:
    """The two range queries of an adaptive series: step ends ``coarse_first .. fine_from`` every coarse
    step, then ``fine_first .. end`` every fine step."""

    coarse_first: datetime
    coarse_last: datetime
    fine_first: datetime
    per_coarse: int  # fine steps in one coarse step


def ranges(start: datetime, fine: timedelta, resolution: Resolution) -> Ranges:
    """The coarse and fine ranges of a series whose first step ends at ``start`` (planned by
    :func:`adaptive`)."""
    per_coarse, rest = divmod(resolution.coarse_step, fine)
    begins = start - fine
    if (
        rest
        or per_coarse < 2
        or (resolution.fine_from - begins) % resolution.coarse_step
        or (resolution.fine_from <= begins)
    ):
        raise ValueError(f"resolution {resolution} does not fit steps of {fine} from {start}")
    return Ranges(
        coarse_first=begins + resolution.coarse_step,
        coarse_last=resolution.fine_from,
        fine_first=resolution.fine_from + fine,
        per_coarse=int(per_coarse),
    )
