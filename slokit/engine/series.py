"""Chart series: budget burn-down and burn rate across the window, downsampled to a bounded size.

The window's steps are cut into at most :data:`MAX_POINTS` equal buckets of ``stride`` steps, counted
back from the evaluation time so the last point is exactly "now" (720 points = hourly for 30 d at 5m
or 1m steps; a point a minute or less for short windows, where no downsampling happens). Buckets are
whole steps, so no event is split or dropped.

- ``remaining`` at a point: ``1 - bad since window start / allowed bad events of the window``, i.e. the
  burn-down that ends at the reported ``remaining`` (request-based budgets use the window's final
  traffic as the denominator at every point, which is what makes the curve monotone). Where the
  window's bad events come from window totals (see :mod:`slokit.engine.totals`), the events the steps
  missed are spread like those they saw (evenly in time when they saw none), so the curve still ends
  at the reported ``remaining``.
- ``burn_rate`` at a point: the burn over the bucket ending there, or over the last hour if the bucket is
  shorter -- one-step burn rates on a 5m grid are too noisy to read. The lookback fetched before the
  window start (see :func:`slokit.engine.windows.lookback`) gives the first points their full hour.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from slokit.engine.burn import to_ns
from slokit.engine.events import EventBlock, IntArray, ratio
from slokit.engine.inputs import FloatArray, TimeArray
from slokit.engine.results import BudgetSeries

MAX_POINTS = 720
MIN_BURN_SPAN = timedelta(hours=1)


def budget_series(
    block: EventBlock,
    *,
    rows: IntArray,
    start: int,
    step: timedelta,
    allowed: FloatArray,
    error_budget_ratio: FloatArray,
    unseen_bad: FloatArray | None = None,
) -> list[BudgetSeries]:
    """Series for ``rows`` of ``block``, which all share the window start index ``start``.

    ``unseen_bad`` (per block row, NaN for none): bad events of the window the steps did not see.
    """
    steps = block.end - start
    if steps <= 0:
        return []
    stride = -(-steps // MAX_POINTS)
    count = -(-steps // stride)
    points = block.end - stride * np.arange(count - 1, -1, -1, dtype=np.int64)  # exclusive step index

    point_ns = block.ts_ns[points - 1]
    timestamps: TimeArray = point_ns.astype("datetime64[ns]")
    timestamps.flags.writeable = False

    row_col = rows[:, None]
    spent = block.cs_bad.between(row_col, start, points[None, :])
    if unseen_bad is not None:
        spent = _with_unseen(spent, unseen_bad[rows], (points - start) / steps)
    remaining = 1.0 - ratio(spent, allowed[rows, None])

    span = max(stride * to_ns(step), to_ns(MIN_BURN_SPAN))
    since = block.first_step_after(point_ns - span)[None, :]
    bad = block.cs_bad.between(row_col, since, points[None, :])
    good = block.cs_good.between(row_col, since, points[None, :])
    burn = ratio(bad, good + bad) / error_budget_ratio[rows, None]

    remaining.flags.writeable = False
    burn.flags.writeable = False
    return [BudgetSeries(timestamps, remaining[i], burn[i]) for i in range(len(rows))]


def _with_unseen(spent: FloatArray, unseen: FloatArray, elapsed: FloatArray) -> FloatArray:
    """Cumulative bad events ``spent`` (rows x points, the last point at the window end) grown by ``unseen``.

    Scaled, so the unseen events follow the seen ones; where the steps saw none, spread over
    ``elapsed`` (the share of the window behind each point). Rows with NaN ``unseen`` stay as they are.
    """
    seen = spent[:, -1]
    want = seen + unseen
    scale = np.divide(want, seen, out=np.ones_like(want), where=seen > 0)
    scaled = np.where(
        (seen > 0)[:, None], spent * scale[:, None], np.maximum(want, 0.0)[:, None] * elapsed[None, :]
    )
    return np.where(np.isnan(unseen)[:, None], spent, scaled)
