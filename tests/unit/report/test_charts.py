"""Charts: PNGs of the right size for every kind of series, deterministic, drawn without importing pyplot."""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from slokit.engine import BudgetSeries, CalendarProgress, failed_result
from slokit.report import charts, fmt
from slokit.report.model import ObjectiveReport

from .test_html import PNG_MAGIC, demo


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk follows the magic
    return width, height


def with_series(item: ObjectiveReport, remaining: np.ndarray, burn: np.ndarray) -> ObjectiveReport:
    timestamps = item.result.series.timestamps[: len(remaining)] if item.result.series else None
    series = BudgetSeries(timestamps, remaining.astype(np.float64), burn.astype(np.float64))  # type: ignore[arg-type]
    return dataclasses.replace(item, result=dataclasses.replace(item.result, series=series))


@pytest.mark.parametrize("index", range(8))
def test_every_demo_objective_gets_two_600x180_pngs(index: int) -> None:
    item = demo().objectives[index]
    for draw in (charts.budget_chart, charts.burn_chart):
        png = draw(item)
        assert png is not None
        assert size(png) == (600, 180)


def test_no_series_means_no_chart() -> None:
    item = dataclasses.replace(demo().objectives[0], result=failed_result("x/y", "boom"))
    assert charts.budget_chart(item) is None
    assert charts.burn_chart(item) is None
    assert charts.render_charts([item, demo().objectives[1], item], workers=1)[0] == charts.Charts(None, None)


@pytest.mark.parametrize(
    ("remaining", "burn"),
    [
        (np.full(100, np.nan), np.full(100, np.nan)),  # no data at all
        (
            np.r_[np.linspace(1, 0.5, 40), np.full(20, np.nan), np.linspace(0.5, -0.3, 40)],
            np.r_[np.ones(40), np.full(20, np.nan), np.full(40, 50.0)],
        ),
        (np.full(1, 0.9), np.full(1, 0.0)),  # one point: the x range must not be empty
        (np.linspace(1, -25, 100), np.full(100, 1e6)),  # far overspent, absurd burn
        (np.zeros(100), np.zeros(100)),
    ],
    ids=["all-nan", "gap", "one-point", "extreme", "zeros"],
)
def test_odd_series_draw_without_warnings(remaining: np.ndarray, burn: np.ndarray) -> None:
    item = with_series(demo().objectives[0], remaining, burn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        budget, rate = charts.budget_chart(item), charts.burn_chart(item)
    assert budget is not None and size(budget) == (600, 180)
    assert rate is not None and size(rate) == (600, 180)


def test_a_chart_depends_on_its_data_only_not_on_what_was_drawn_before() -> None:
    items = demo().objectives
    forward = [charts.budget_chart(i) for i in items] + [charts.burn_chart(i) for i in items]
    backward = [charts.budget_chart(i) for i in reversed(items)][::-1] + [
        charts.burn_chart(i) for i in reversed(items)
    ][::-1]
    assert forward == backward


def test_worker_processes_draw_the_same_bytes() -> None:
    items = demo().objectives[:4]
    assert charts.render_charts(items, workers=2) == charts.render_charts(items, workers=1)


def test_calendar_window_extends_to_the_period_end() -> None:
    item = demo().objectives[6]  # search/search-latency: month, 65 % elapsed
    assert item.result.calendar is not None
    data = charts.ChartData.of(item)
    assert data is not None and data.period_end is not None
    assert data.period_end > data.timestamps[-1]
    shorter = dataclasses.replace(
        item,
        result=dataclasses.replace(
            item.result,
            calendar=CalendarProgress(
                item.result.calendar.period_start, datetime(2026, 11, 20, 9, tzinfo=UTC), 1.0, None
            ),
        ),
    )
    assert charts.budget_chart(shorter) != charts.budget_chart(item)


def test_burn_chart_draws_the_tiers_of_the_objective() -> None:
    item = demo().objectives[6]  # a 36x page tier and a 6x ticket tier
    data = charts.ChartData.of(item)
    assert data is not None
    assert data.page_factors == (36.0,) and data.ticket_factors == (6.0,)
    without_tiers = dataclasses.replace(item, result=dataclasses.replace(item.result, alerts=()))
    assert charts.burn_chart(without_tiers) != charts.burn_chart(item)


def test_importing_the_renderers_does_not_import_matplotlib() -> None:
    code = (
        "import sys, slokit.report.html, slokit.report.charts; "
        "sys.exit('matplotlib' in sys.modules or 'matplotlib.pyplot' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_drawing_does_not_import_pyplot() -> None:
    # pyplot holds the global backend and figure registry, which a library must leave to its host program.
    code = (
        "import sys; "
        "from slokit.report.charts import ChartData, _canvas; "
        "import numpy as np; "
        "t = np.arange('2026-11-01', '2026-11-02', dtype='datetime64[h]').astype('datetime64[ns]'); "
        "d = ChartData(t, np.linspace(1, 0, t.size), np.ones(t.size), 25.0, (14.4,), (1.0,), None); "
        "_canvas().budget(d); _canvas().burn(d); "
        "sys.exit(int('matplotlib.pyplot' in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def with_tiers(item: ObjectiveReport, tiers: list[tuple[str, float]]) -> ObjectiveReport:
    template = item.result.alerts[0]
    alerts = tuple(dataclasses.replace(template, severity=s, factor=f) for s, f in tiers)  # type: ignore[arg-type]
    return dataclasses.replace(item, result=dataclasses.replace(item.result, alerts=alerts))


def burn_labels(item: ObjectiveReport) -> list[tuple[str, Any]]:
    """The threshold labels of the burn chart just drawn for ``item``, with their boxes in pixels."""
    assert charts.burn_chart(item) is not None
    ax = charts._canvas()._burn_ax  # the figure keeps its last data until the next chart
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = []
    for text in ax.texts:
        text.update_bbox_position_size(renderer)  # type: ignore[no-untyped-call]
        background = text.get_bbox_patch()
        box = background.get_window_extent(renderer) if background else text.get_window_extent(renderer)
        labels.append((text.get_text(), box))
    return labels


def overlapping(boxes: list[Any]) -> list[tuple[int, int]]:
    return [
        (i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])
    ]


SHORT_WINDOW_TIERS = [("page", 0.02), ("page", 0.06), ("ticket", 0.1), ("ticket", 0.3)]


def test_threshold_labels_below_1x_keep_a_significant_digit_and_do_not_overlap() -> None:
    item = with_tiers(demo().objectives[0], SHORT_WINDOW_TIERS)
    labels = burn_labels(item)
    texts = [text for text, _ in labels]
    assert not any("0.0x" in text for text in texts), texts
    assert overlapping([box for _, box in labels]) == []
    # the most severe tier near zero keeps its label; 0.06 is not rounded to 0.1
    assert any("page 0.06x" in text for text in texts), texts
    assert "1x" in texts
    for text, box in labels:
        assert box.width < 150, text  # no label running across the chart


def test_the_demo_tiers_are_all_labelled_without_overlap() -> None:
    for item in demo().objectives:
        labels = burn_labels(item)
        assert overlapping([box for _, box in labels]) == [], item.objective
        text = " ".join(t for t, _ in labels)
        for alert in item.result.alerts:
            assert f"{alert.severity} {fmt.factor(alert.factor)}" in text


@pytest.mark.parametrize(
    ("value", "text"), [(14.4, "14.4x"), (1.0, "1.0x"), (0.3, "0.3x"), (0.06, "0.06x"), (0.0625, "0.0625x")]
)
def test_factor_text(value: float, text: str) -> None:
    assert fmt.factor(value) == text
