"""Error budget, status and the calendar projection: the per-objective formulas of DESIGN.md.

Budget (request-based): allowed bad events ``(1 - target) * total``; ``consumed = bad / allowed``;
``remaining = 1 - consumed``; ``remaining_minutes = remaining * (1 - target) * W`` in minutes -- the
minutes of full outage (every request failing) the remaining budget still allows at the window's
average traffic; negative once overspent.

Budget (time slices): allowed bad slices ``(1 - target) * floor(W / slice)`` -- all slices of the window,
with data or not, so missing data neither spends nor earns budget; ``remaining_minutes`` is the remaining
bad slices times the slice length.

Status precedence: ``no_data`` (no events in the window) > ``exhausted`` (remaining <= 0) > ``warning``
(remaining below ``warn_below`` percent, or a page tier firing) > ``ok``. ``error`` is only produced by
:func:`slokit.engine.results.failed_result`.

Calendar projection: the rest of the period is assumed to bring as much traffic per unit of time as
the elapsed part, failing at the error ratio of the last day (the most recent behaviour that is not
noise; the period-so-far ratio when the last day had no events)::

    projected_sli = 1 - (bad + r * X) / (total + X),   X = total * (1 - elapsed) / elapsed
"""

from __future__ import annotations

from collections.abc import Iterable

from slokit.engine.inputs import Policy
from slokit.engine.results import AlertState, Status


def status_of(
    has_data: bool, remaining: float | None, policy: Policy, alerts: Iterable[AlertState]
) -> Status:
    if not has_data or remaining is None:
        return "no_data"
    if remaining <= 0:
        return "exhausted"
    if remaining * 100.0 < policy.warn_below or any(a.firing and a.severity == "page" for a in alerts):
        return "warning"
    return "ok"


def projected_sli(
    good: float, bad: float, elapsed_share: float, recent_error_ratio: float | None
) -> float | None:
    total = good + bad
    if total <= 0 or elapsed_share <= 0:
        return None
    ratio = bad / total if recent_error_ratio is None else recent_error_ratio
    expected = total * (1.0 - min(elapsed_share, 1.0)) / elapsed_share
    return 1.0 - (bad + ratio * expected) / (total + expected)
