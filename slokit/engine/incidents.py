"""Incidents: maximal runs of steps burning faster than 1x inside the window.

A step burns when it has events and ``bad > (1 - target) * total`` (its own burn rate above 1). Runs of
such steps are found for all rows at once from the edges of the boolean mask; two runs of one row are
merged when the gap between them -- from the end of the last burning step to the start of the next
run's first step -- is shorter than 15 minutes (so at 5m steps, one or two quiet steps do not split an
incident, three do).

An incident spans from the start of its first burning step to the end of its last one. Its bad events
are all bad events in that span, including those of merged gaps: the span is what an on-call engineer
would call the incident. ``budget_share`` is those bad events over the window's allowed bad events.

Runs that consumed less than :data:`MIN_INCIDENT_SHARE` of the window's budget are noise, not incidents:
with a few requests per step, one failed request makes a step burn at 10x or more, and a busy objective
would otherwise list hundreds of one-step "incidents" a month. The floor is relative to the budget, so on
a low-traffic service a single failure that eats 14 % of the budget is still an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from slokit.engine.burn import to_ns
from slokit.engine.events import BoolArray, EventBlock, IntArray
from slokit.engine.inputs import FloatArray

MERGE_GAP = timedelta(minutes=15)
MIN_INCIDENT_SHARE = 0.001  # 0.1 % of the window's error budget


@dataclass(frozen=True, slots=True, eq=False)
class IncidentSpans:
    """All incidents of a block, one entry per incident, ordered by row then time."""

    row: IntArray
    first: IntArray  # index of the first step
    last: IntArray  # index of the last step (inclusive)
    bad_events: FloatArray

    def keep(self, mask: BoolArray) -> IncidentSpans:
        return IncidentSpans(self.row[mask], self.first[mask], self.last[mask], self.bad_events[mask])


def burning_steps(block: EventBlock, error_budget_ratio: FloatArray, starts: IntArray) -> BoolArray:
    # Strict, so a step without events (0 > 0) never burns; r * total keeps exact 1x steps exact.
    limit = np.add(block.good, block.bad)
    limit *= error_budget_ratio[:, None]
    burning = block.bad > limit
    return block.clear_before(starts, burning)


def find_incidents(block: EventBlock, burning: BoolArray, step: timedelta) -> IncidentSpans:
    rows_n, cols_n = burning.shape
    edges = np.zeros((rows_n, cols_n + 2), dtype=np.int8)
    edges[:, 1:-1] = burning
    # Row-major order alternates the edges of each run: up (first step), down (one past the last).
    edge_row, edge_col = np.nonzero(np.diff(edges, axis=1))
    run_row, run_first, run_last = edge_row[0::2], edge_col[0::2], edge_col[1::2] - 1

    if run_row.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return IncidentSpans(empty, empty, empty, np.zeros(0))

    ts = block.ts_ns
    gap = (ts[run_first[1:]] - to_ns(step)) - ts[run_last[:-1]]
    merge = (run_row[1:] == run_row[:-1]) & (gap < to_ns(MERGE_GAP))
    opens = np.concatenate(([True], ~merge))
    head = np.flatnonzero(opens)
    tail = np.concatenate((head[1:] - 1, [run_row.size - 1]))

    row = run_row[head].astype(np.int64)
    first = run_first[head].astype(np.int64)
    last = run_last[tail].astype(np.int64)
    bad = block.cs_bad.between(row, first, last + 1)
    return IncidentSpans(row, first, last, bad)
