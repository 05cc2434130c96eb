"""The review's charts per objective: SLI per period against the target, budget consumed per period, both
with the releases marked. PNGs in the report's style (:mod:`slokit.report.charts`: the same 600 x 180 px
axes, colours and 32-colour palette), so a review page looks like a report page and sizes the same (a few
kB per chart).

Like the report's, they carry no user-supplied text (a release's version is a metric label: it belongs in
the HTML, where it is escaped), and each thread reuses one figure per chart kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slokit.report import fmt
from slokit.report.charts import (
    BAD_RED,
    GRID,
    INK,
    OK_GREEN,
    WARN_AMBER,
    Canvas,
    formatter,
    line_label,
    new_axes,
    png,
    utc64,
)
from slokit.review.model import ObjectiveReview

if TYPE_CHECKING:
    from matplotlib.axes import Axes

RELEASE_BLUE = "#0969da"


@dataclass(frozen=True, slots=True)
class ReviewCharts:
    """One objective's charts as PNG bytes; None where there is nothing to draw (an error, no period with
    data)."""

    sli: bytes | None
    budget: bytes | None


def review_charts(item: ObjectiveReview) -> ReviewCharts:
    if item.error is not None or not any(p.total_events is not None for p in item.periods):
        return ReviewCharts(None, None)
    canvas = _Canvas.for_thread()
    return ReviewCharts(canvas.sli(item), canvas.budget(item))


def _x(moment: datetime) -> Any:
    """A time on the x axis (matplotlib's stubs type coordinates as floats; datetime64 works)."""
    return utc64(moment)


class _Canvas(Canvas):
    """One figure per chart kind: SLI and budget consumed per period (reused: see the report's Canvas)."""

    def __init__(self) -> None:
        self._sli_ax = new_axes()
        self._budget_ax = new_axes()
        super().__init__(self._sli_ax, self._budget_ax)

    def sli(self, item: ObjectiveReview) -> bytes:
        """Each period's SLI as a level across the period (green met, red missed; grey hatching where a
        period has no data), the target as a dashed line."""
        ax = self._reset(self._sli_ax)
        add = self._transient[id(ax)].append
        values = [p.sli for p in item.periods if p.sli is not None]
        low = min([*values, item.target])
        # Room under the lowest level and the target, and 100 % always in view: a level near the top is
        # read against perfection, not against the lowest period.
        bottom = max(0.0, low - max((1.0 - low) * 0.25, 1e-6))
        for p in item.periods:
            start, end = _x(p.period.start), _x(p.period.end)
            if p.sli is None:
                self._no_data(ax, start, end)
                continue
            colour = OK_GREEN if p.met else BAD_RED
            add(ax.fill_between([start, end], [p.sli] * 2, bottom, color=colour, alpha=0.18, lw=0))
            (line,) = ax.plot([start, end], [p.sli] * 2, color=colour, lw=1.6)
            add(line)
        add(ax.axhline(item.target, color=INK, lw=0.9, ls="--"))
        add(line_label(ax, item.target, f"target {fmt.percent(item.target)}", INK, left=True))
        ax.set_ylim(bottom, 1.0 + (1.0 - bottom) * 0.08)
        ax.yaxis.set_major_formatter(formatter(lambda v: fmt.percent(v, 3)))
        return self._finish(ax, item)

    def budget(self, item: ObjectiveReview) -> bytes:
        """Budget consumed per period as bars (red over 100 %), with the 100 % line."""
        ax = self._reset(self._budget_ax)
        add = self._transient[id(ax)].append
        high = 1.0
        for p in item.periods:
            start, end = _x(p.period.start), _x(p.period.end)
            if p.budget_consumed is None:
                self._no_data(ax, start, end)
                continue
            value = p.budget_consumed * 100.0
            high = max(high, p.budget_consumed)
            colour = BAD_RED if p.budget_consumed > 1.0 else OK_GREEN
            gap = (end - start) * 0.06  # bars of adjacent periods apart
            add(ax.fill_between([start + gap, end - gap], [value] * 2, 0.0, color=colour, alpha=0.55, lw=0))
        add(ax.axhline(100.0, color=WARN_AMBER, lw=0.9, ls="--"))
        add(line_label(ax, 100.0, "100% of budget", WARN_AMBER, left=True))
        ax.set_ylim(0.0, high * 100.0 * 1.12)
        ax.yaxis.set_major_formatter(formatter(lambda v: f"{v:g}%"))
        return self._finish(ax, item)

    def _no_data(self, ax: Axes, start: Any, end: Any) -> None:
        """A period without data: hatched and labelled, never drawn as 0 or 100 %."""
        add = self._transient[id(ax)].append
        add(ax.axvspan(start, end, color=GRID, alpha=0.5, hatch="///", lw=0))
        middle = start + (end - start) / 2
        add(ax.text(middle, 0.5, "no data", transform=ax.get_xaxis_transform(), ha="center", va="center",
                    fontsize=7, color=INK))  # fmt: skip

    def _finish(self, ax: Axes, item: ObjectiveReview) -> bytes:
        start, end = _x(item.periods[0].period.start), _x(item.periods[-1].period.end)
        add = self._transient[id(ax)].append
        # Releases: a solid line each and a triangle on the top edge (so that one over a bar still shows), in
        # enough pixels that the 32-colour palette keeps their blue apart from the text's ink.
        for at in release_times(item):
            add(ax.axvline(at, color=RELEASE_BLUE, lw=1.0))
            (marker,) = ax.plot(
                [at], [1.0], marker="v", ms=7, color=RELEASE_BLUE, transform=ax.get_xaxis_transform()
            )
            marker.set_clip_on(False)
            add(marker)
        ax.set_xlim(start, end)
        return png(ax)


def release_times(item: ObjectiveReview) -> list[Any]:
    """The releases the charts mark: those inside the review's span."""
    if not item.periods:
        return []
    start, end = _x(item.periods[0].period.start), _x(item.periods[-1].period.end)
    return [t for t in (_x(r.at) for r in item.releases or ()) if start <= t <= end]
