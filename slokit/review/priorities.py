"""Each owner team's priorities: its objectives ranked by budget consumed over the span and by trend.

Budget consumed over the span is the span's bad events over its allowed bad events (``(1 - target) *
total`` summed over the periods with data), so a busy month weighs more than a quiet one, as it does for
the users. The trend is the last period's budget consumed minus the one before it: positive is getting
worse. Unknown figures (no data, a failed source) are None and ranked after every known one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slokit.engine.history import error_budget_ratio
from slokit.review.model import ObjectiveReview, TeamPriorities, TeamPriority


def span_budget_consumed(objective: ObjectiveReview) -> float | None:
    """Bad events over allowed bad events across all periods with data; None without any.

    Time slices are budgeted as the report does: all slices of each period, with data or not."""
    ratio = error_budget_ratio(objective.target)
    known = [f for f in objective.periods if f.total_events is not None]
    bad = sum(f.bad_events or 0.0 for f in known)
    step = objective.step
    if objective.timeslices and step is not None:
        allowed = ratio * sum(f.period.length // step for f in known)
    else:
        allowed = ratio * sum(f.total_events or 0.0 for f in known)
    return bad / allowed if allowed > 0 else None


def budget_trend(objective: ObjectiveReview) -> float | None:
    """The last period's budget consumed minus the one before; None when either is unknown."""
    if len(objective.periods) < 2:
        return None
    before, last = objective.periods[-2].budget_consumed, objective.periods[-1].budget_consumed
    return None if before is None or last is None else last - before


def _ranked(
    items: Sequence[TeamPriority], key: Callable[[TeamPriority], float | None]
) -> tuple[TeamPriority, ...]:
    known = sorted((p for p in items if key(p) is not None), key=lambda p: -(key(p) or 0.0))
    return (*known, *(p for p in items if key(p) is None))


def team_priorities(objectives: Sequence[ObjectiveReview]) -> tuple[TeamPriorities, ...]:
    """Per owner team (in the order the review first names them), its objectives most consumed first and
    fastest rising first; ties keep the review's order."""
    teams: dict[str, list[ObjectiveReview]] = {}
    for objective in objectives:
        teams.setdefault(objective.team, []).append(objective)
    out: list[TeamPriorities] = []
    for team, members in teams.items():
        items = [
            TeamPriority(o.service, o.objective, span_budget_consumed(o), budget_trend(o)) for o in members
        ]
        kinds = {o.kind for o in members}
        out.append(
            TeamPriorities(
                team=team,
                kind=next(iter(kinds)) if len(kinds) == 1 else None,
                by_budget=_ranked(items, lambda p: p.budget_consumed),
                by_trend=_ranked(items, lambda p: p.trend),
            )
        )
    return tuple(out)
