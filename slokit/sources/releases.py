"""Releases from a service's metrics: the PromQL that shows them per step, and the steps where one happened.

A service's ``releases:`` names an expression (see :class:`slokit.spec.models.Releases`):

* with ``label`` (``app_build_info{job="shop"}`` and ``version``): ``count by (version) (...)`` as a range
  query. A release is the first step at which a value appears that the previous step did not have: a
  rollback to an earlier version is a release again. A step where no value is present at all (a scrape
  gap, the service down) is passed over, so that the version it had before is not released anew after it.
* without ``label`` (an expression that is above 0 at release times): ``max(...)``; a release is the first
  step of each run of steps above 0.

Each step sees the expression over the whole step, not at its end alone: a selector through
``max_over_time(sel[step])``, any other expression through a subquery ``max_over_time((expr)[step:1m])``.
At an hourly step an instant value would miss a marker that is 1 for a few minutes, and a version that
lived less than an hour (a release rolled back at once). The query starts one step before the span, so
that a release at the span's first step is seen; what is present at that step before the span predates it.
A release is "located to the step" as an incident is: its time is the start of the step it happened in
(the step whose value at ``at + step`` first showed it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from slokit.durations import format_duration
from slokit.promql_syntax import PromQLSyntaxError, parse_selector
from slokit.sources.base import FloatArray
from slokit.sources.promql import embedded

SUBQUERY_RESOLUTION = timedelta(minutes=1)


def over_step(query: str, step: timedelta) -> str:
    """``query``'s largest value over each step ending at the evaluation time."""
    spelled = format_duration(step)
    try:
        parse_selector(query.strip())
    except PromQLSyntaxError:
        resolution = format_duration(min(step, SUBQUERY_RESOLUTION))
        return f"max_over_time(({embedded(query)})[{spelled}:{resolution}])"
    return f"max_over_time({query.strip()}[{spelled}])"


def label_query(query: str, label: str, step: timedelta) -> str:
    return f"count by ({label}) ({over_step(query, step)})"


def marker_query(query: str, step: timedelta) -> str:
    return f"max({over_step(query, step)})"


def new_values(present: Mapping[str, npt.NDArray[np.bool_]]) -> list[tuple[int, str]]:
    """``(step index, value)`` where ``value`` appears that the last step with any value lacked, oldest
    first. Index 0 is the step before the span: what it holds is no release."""
    values = sorted(v for v in present if v != "")  # a series without the label names no version
    if not values:
        return []
    grid = np.vstack([present[v] for v in values])
    seen = np.flatnonzero(grid.any(axis=0))
    found: list[tuple[int, str]] = []
    previous: npt.NDArray[np.bool_] | None = None
    for index in seen.tolist():
        now = grid[:, index]
        if index > 0:
            fresh = now if previous is None else now & ~previous
            found.extend((index, values[k]) for k in np.flatnonzero(fresh).tolist())
        previous = now
    return found


def marker_starts(values: FloatArray) -> list[int]:
    """Step indexes where a run above 0 starts (NaN is not above 0); index 0 is the step before the span."""
    above = np.asarray(values > 0, dtype=bool)  # NaN compares False
    starts = above[1:] & ~above[:-1]
    return [int(i) + 1 for i in np.flatnonzero(starts)]
