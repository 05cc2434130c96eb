"""Small PNG charts per objective: remaining error budget and burn rate across the window.

matplotlib is imported inside the functions that draw, so that importing the report package (and
``slokit --version``) does not pay for it. The Agg canvas is attached to each figure directly instead of
going through ``pyplot`` or ``matplotlib.use``: no global backend switch, no figure registry, nothing that
would change matplotlib's behaviour for a program that uses slokit as a library.

Speed: building a figure costs far more than drawing one (tick objects, text layout), so each thread keeps
one figure per chart kind and only swaps the data artists between objectives (about three times faster
than a new figure per chart). Large reports can spread the work over processes (:func:`render_charts`).

Charts carry no user-supplied text (names, descriptions, labels): those belong in the HTML, where they are
escaped; matplotlib would read a ``$`` in them as mathtext. Every number drawn goes through :mod:`fmt`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from slokit.report import fmt
from slokit.report.model import ObjectiveReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from slokit.engine.inputs import FloatArray, TimeArray

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 1.8, 100  # 600 x 180 px: fits an email column and a phone screen
# A 32-colour palette PNG is a quarter of the size of matplotlib's RGBA one and looks the same for these flat
# line charts: it matters in an email, and in a report of hundreds of objectives.
PALETTE_COLOURS = 32

# The same colours as the HTML report's status badges.
OK_GREEN = "#1a7f37"
WARN_AMBER = "#b35900"
BAD_RED = "#cf222e"
INK = "#24292f"
GRID = "#d0d7de"


@dataclass(frozen=True, slots=True, eq=False)
class ChartData:
    """What the charts need from an objective: plain, picklable data (sent to worker processes)."""

    timestamps: TimeArray
    remaining: FloatArray
    burn_rate: FloatArray
    warn_below: float  # percent of budget
    page_factors: tuple[float, ...]
    ticket_factors: tuple[float, ...]
    # Calendar windows: the period's end, so the x axis shows how much of the period is still to come.
    period_end: np.datetime64 | None
    # A window only partly covered by data: when the data starts. The x axis starts there, not at the window
    # start: no budget is drawn for time before the data existed.
    data_start: np.datetime64 | None = None

    @classmethod
    def of(cls, item: ObjectiveReport) -> ChartData | None:
        series = item.result.series
        if series is None or len(series.timestamps) == 0:
            return None
        calendar = item.result.calendar
        alerts = item.result.alerts
        coverage = item.result.coverage
        partial = coverage is not None and coverage.partial and coverage.first_data is not None
        return cls(
            timestamps=series.timestamps,
            remaining=series.remaining,
            burn_rate=series.burn_rate,
            warn_below=item.policy.warn_below,
            page_factors=tuple(sorted({a.factor for a in alerts if a.severity == "page"})),
            ticket_factors=tuple(sorted({a.factor for a in alerts if a.severity == "ticket"})),
            period_end=utc64(calendar.period_end) if calendar else None,
            data_start=utc64(coverage.first_data) if partial and coverage and coverage.first_data else None,
        )


@dataclass(frozen=True, slots=True)
class Charts:
    """One objective's charts as PNG bytes; ``None`` where the objective has no series (error, no window)."""

    budget: bytes | None
    burn: bytes | None

    def named(self) -> tuple[tuple[str, bytes | None], tuple[str, bytes | None]]:
        return ("budget", self.budget), ("burn", self.burn)


def budget_chart(item: ObjectiveReport) -> bytes | None:
    """Remaining budget (percent) across the window as a PNG; ``None`` when there is no series."""
    data = ChartData.of(item)
    return None if data is None else _canvas().budget(data)


def burn_chart(item: ObjectiveReport) -> bytes | None:
    """Burn rate across the window with the 1x line and the alert tiers' factors, as a PNG."""
    data = ChartData.of(item)
    return None if data is None else _canvas().burn(data)


def render_charts(items: Sequence[ObjectiveReport], workers: int = 1) -> list[Charts]:
    """Both charts for every objective, in order.

    ``workers > 1`` draws in that many worker processes: worth it from a few dozen objectives on (each
    worker first imports matplotlib, about a second). The workers are spawned, so the program's main module
    must be safe to import (``if __name__ == "__main__":``), as for any ``multiprocessing`` use; slokit's own
    command is. That is why it is not the default for library callers.
    """
    data = [ChartData.of(item) for item in items]
    drawable = [d for d in data if d is not None]
    if workers <= 1 or len(drawable) < 2:
        drawn = [_draw_pair(d) for d in drawable]
    else:
        import multiprocessing

        # spawn, not fork: the caller may hold threads (the Prometheus source's pool), and a forked child
        # of a threaded process can deadlock on a lock some thread held at the fork.
        context = multiprocessing.get_context("spawn")
        workers = min(workers, len(drawable))
        chunk = -(-len(drawable) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            drawn = list(pool.map(_draw_pair, drawable, chunksize=chunk))
    pairs = iter(drawn)
    return [Charts(None, None) if d is None else next(pairs) for d in data]


def _draw_pair(data: ChartData) -> Charts:
    canvas = _canvas()
    return Charts(canvas.budget(data), canvas.burn(data))


def utc64(moment: datetime) -> np.datetime64:
    """An aware datetime as a naive UTC ``datetime64[ns]``, as the chart series are."""
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "ns")


_local = threading.local()
_C = TypeVar("_C", bound="Canvas")


class Canvas:
    """Figures reused chart after chart, one per thread (a figure must not be drawn by two threads at once):
    axes, ticks and styling stay; the data artists drawn since the last :meth:`_reset` are replaced.

    The report's and the review's charts each subclass it; :meth:`for_thread` keeps one of each kind."""

    def __init__(self, *axes: Axes) -> None:
        self._transient: dict[int, list[Any]] = {id(ax): [] for ax in axes}

    @classmethod
    def for_thread(cls: type[_C]) -> _C:
        """This thread's instance of ``cls``, made on first use."""
        canvases: dict[type[Canvas], Canvas] = _local.__dict__.setdefault("canvases", {})
        canvas = canvases.get(cls)
        if canvas is None:
            canvas = canvases[cls] = cls()
        return cast(_C, canvas)

    def _reset(self, ax: Axes) -> Axes:
        """``ax`` without the data artists of the previous chart."""
        for artist in self._transient[id(ax)]:
            artist.remove()
        self._transient[id(ax)].clear()
        return ax


def _canvas() -> _Canvas:
    return _Canvas.for_thread()


class _Canvas(Canvas):
    """One figure per chart kind: the objective's budget and burn rate."""

    def __init__(self) -> None:
        self._budget_ax = new_axes()
        self._burn_ax = new_axes()
        # Linear from 0 to 1x, logarithmic above: a 200x spike and the 1x line are both readable.
        self._burn_ax.set_yscale("symlog", linthresh=1.0, linscale=0.6)
        self._burn_ax.yaxis.set_minor_locator(_null_locator())  # symlog's minor ticks cost time, add noise
        super().__init__(self._budget_ax, self._burn_ax)

    def budget(self, data: ChartData) -> bytes:
        ax = self._reset(self._budget_ax)
        x, y = data.timestamps, data.remaining * 100.0
        if data.data_start is not None and data.data_start < x[0]:
            # The budget was whole when the data began: the line starts there, even from a single step.
            x, y = np.concatenate([[data.data_start], x]), np.concatenate([[100.0], y])
        finite = np.isfinite(y)
        add = self._transient[id(ax)].append
        if finite.any():
            low, high = float(np.min(y[finite])), float(np.max(y[finite]))
            # Green while budget is left, red once overspent; NaN leaves a gap in line and fill alike.
            add(ax.fill_between(x, y, 0.0, where=y >= 0, interpolate=True, color=OK_GREEN, alpha=0.18, lw=0))
            add(ax.fill_between(x, y, 0.0, where=y < 0, interpolate=True, color=BAD_RED, alpha=0.25, lw=0))
            (line,) = ax.plot(x, y, color=INK, lw=1.2)
            add(line)
        else:
            low, high = 0.0, 100.0
            add(ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color=INK))
        add(ax.axhline(0.0, color=INK, lw=0.8))
        add(ax.axhline(data.warn_below, color=WARN_AMBER, lw=0.9, ls="--"))
        add(line_label(ax, data.warn_below, f"warn {fmt.percent(data.warn_below / 100, 1)}", WARN_AMBER))
        bottom, top = min(low, 0.0), max(high, 100.0)
        pad = (top - bottom) * 0.08
        ax.set_ylim(bottom - pad, top + pad)
        ax.yaxis.set_major_formatter(formatter(lambda v: fmt.percent(v / 100, 1)))
        return self._finish(ax, data)

    def burn(self, data: ChartData) -> bytes:
        ax = self._reset(self._burn_ax)
        x, y = data.timestamps, data.burn_rate
        finite = np.isfinite(y)
        add = self._transient[id(ax)].append
        high = float(np.max(y[finite])) if finite.any() else 0.0
        if finite.any():
            # Shade what burns faster than the budget allows: the incidents.
            add(ax.fill_between(x, y, 1.0, where=y > 1.0, interpolate=True, color=BAD_RED, alpha=0.2, lw=0))
            # A single point (a first step of data) would draw no line at all.
            (line,) = ax.plot(x, y, color=INK, lw=1.0, marker="o" if finite.sum() == 1 else None, ms=3)
            add(line)
        else:
            add(ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color=INK))
        add(ax.axhline(1.0, color=INK, lw=0.8))
        labels: list[tuple[float, str, str]] = [(1.0, "1x", INK)]
        for factors, name, colour, style in (
            (data.ticket_factors, "ticket", WARN_AMBER, ":"),
            (data.page_factors, "page", BAD_RED, "--"),
        ):
            for factor in factors:
                add(ax.axhline(factor, color=colour, lw=0.9, ls=style))
                labels.append((factor, f"{name} {fmt.factor(factor)}", colour))
        top = max(high, 1.0, *data.page_factors, *data.ticket_factors)
        ax.set_ylim(0.0, top * 1.6)  # headroom on the log part keeps the top tier's label inside
        for y_value, text, colour in _place_labels(ax, labels):
            add(line_label(ax, y_value, text, colour))
        ax.yaxis.set_major_formatter(formatter(lambda v: fmt.burn(v).replace(".0x", "x")))
        return self._finish(ax, data)

    def _finish(self, ax: Axes, data: ChartData) -> bytes:
        start, end = data.timestamps[0], data.timestamps[-1]
        if data.data_start is not None:
            start = min(start, data.data_start)
        if data.period_end is not None and data.period_end > end:
            self._transient[id(ax)].append(ax.axvline(end, color=INK, lw=0.8, ls=":"))
            end = data.period_end
        if start == end:
            start = start - np.timedelta64(1, "h")
        ax.set_xlim(start, end)
        return png(ax)


def line_label(ax: Axes, y: float, text: str, colour: str, *, left: bool = False) -> Any:
    """A small label sitting on the horizontal line at ``y`` (a threshold, a target), at the chart's right
    edge (``left``: its left edge)."""
    # x in axes coordinates, y in data coordinates: the label follows its line.
    return ax.text(
        0.005 if left else 0.995,
        y,
        text,
        transform=ax.get_yaxis_transform(),
        ha="left" if left else "right",
        va="bottom",
        fontsize=7,
        color=colour,
        # readable where the label crosses the data line
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.6},
    )


def png(ax: Axes) -> bytes:
    """The figure of ``ax`` (from :func:`new_axes`) as a 32-colour PNG, the same bytes for the same data."""
    from PIL import Image  # a dependency of matplotlib

    canvas = cast("FigureCanvasAgg", ax.figure.canvas)  # new_axes attached it
    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib leaves these few unannotated
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    image = Image.fromarray(rgba).convert("RGB")
    palette = image.quantize(PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    # Written by Pillow without date or software chunks: the same series always gives the same bytes.
    palette.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def new_axes() -> Axes:
    """A 600 x 180 px figure's axes in the report's style: a date x axis, light grid, no top or right spine.
    The review's charts (:mod:`slokit.review.charts`) draw on these too."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.085, right=0.985, top=0.95, bottom=0.16)
    ax = figure.add_subplot()
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    concise = mdates.ConciseDateFormatter(locator, show_offset=False)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(concise)
    ax.tick_params(labelsize=7, colors=INK, length=2.5)
    ax.grid(True, color=GRID, lw=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


# A 7-point label is 10 px tall at 100 dpi, 12 with its background: lines closer than this would stack
# their labels on each other.
LABEL_GAP_PX = 12.0
MAX_MERGED = 2  # labels sharing one place; a third would run across the chart


def _place_labels(ax: Axes, labels: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Threshold labels that do not overlap: ``labels`` come least severe first (the 1x line, tickets,
    pages). The most severe take their place first; a line closer than a text line to a placed label joins
    that label (a ticket tier at 1x: ``1x / ticket 1.0x``), up to :data:`MAX_MERGED`, else goes
    unlabelled (tiers below 1x pile up near zero on the axis). Every tier is listed in the HTML card."""
    pixels = ax.transData.transform(np.array([[0.0, value] for value, _, _ in labels]))[:, 1]
    placed: list[tuple[float, list[int]]] = []  # (pixel of the label's own line, members)
    for index in reversed(range(len(labels))):
        near = next((members for pixel, members in placed if abs(pixel - pixels[index]) < LABEL_GAP_PX), None)
        if near is None:
            placed.append((float(pixels[index]), [index]))
        elif len(near) < MAX_MERGED:
            near.append(index)
    result = []
    for _, members in placed:
        anchor = labels[members[0]]  # the most severe: its line, its colour
        texts = [labels[i][1] for i in sorted(members, key=lambda i: (labels[i][0], i))]
        result.append((anchor[0], " / ".join(texts), anchor[2]))
    return sorted(result)


def _null_locator() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def formatter(function: Any) -> Any:
    """A tick formatter calling ``function(value)``."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: function(value))
