"""Partial data coverage in every human-facing format (issue 10, point 1).

The report holds two 30d objectives evaluated by the engine from constructed events: ``shop/new`` has 17
minutes of data (1,000 events a minute, 0.5 of them bad: 0.5x on 99.9 %), ``shop/old`` 33 days (0.2x).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np

from slokit.engine import ObjectiveInput, evaluate
from slokit.report import fmt
from slokit.report.html import render_html
from slokit.report.markdown import render_markdown
from slokit.report.model import ObjectiveReport, Report
from slokit.report.terminal import render_table_text

from .builders import objective_report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
AT64 = np.datetime64("2026-11-20T09:00", "ns")
NOTE = "partial window: 17m of 30d"


def _input(name: str, step: timedelta, data_steps: int, per_step: float, bad: float) -> ObjectiveInput:
    steps = -(-timedelta(days=33) // step)
    ends = AT64 - np.arange(steps - 1, -1, -1) * np.timedelta64(step)
    total = np.full(steps, np.nan)
    total[-data_steps:] = per_step
    return ObjectiveInput(f"shop/{name}", 0.999, timedelta(days=30), step, ends, total - bad, total)


@cache
def report() -> Report:
    inputs = [
        _input("new", timedelta(minutes=1), 17, 1000.0, 0.5),
        _input("old", timedelta(minutes=5), 33 * 288, 5000.0, 1.0),
    ]
    items = tuple(objective_report(result, "slo/shop.yaml:7") for result in evaluate(inputs, AT))
    return Report(AT, items)


def _rows(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if name in line]


def test_the_partial_objective_has_no_burn_rate_longer_than_its_17_minutes() -> None:
    new, old = report().objectives
    assert fmt.coverage_note(new) == NOTE
    assert fmt.coverage_note(old) is None
    assert [new.result.burn_rates[key] for key in ("1h", "6h", "1d", "3d")] == [None] * 4
    assert fmt.window_burn(new, "1h") == "0.5x over 17m"
    assert fmt.window_burn(new, "5m") == "0.5x"
    assert fmt.window_burn(old, "3d") == "0.2x"


def test_markdown_says_partial_window_and_shows_no_burn_rate_longer_than_the_data() -> None:
    text = render_markdown(report())
    assert f"- shop/new: {NOTE} (data since 2026-11-20 08:43 UTC)" in text
    summary, team = _rows(text, "| new |")[0], _rows(text, "shop/new")[-1]
    cells = [cell.strip() for cell in summary.split("|")[1:-1]]
    assert cells[6].startswith("50.0%")  # budget left: half of the 17 minutes' budget
    assert cells[7:9] == ["—", "—"]  # burn 1h, burn 1d
    assert f"| 30d ({NOTE}) |" in team
    assert "| — / — / — / — |" in team  # burn 1h / 6h / 1d / 3d
    assert "partial" not in "".join(_rows(text, "old"))


def test_html_says_partial_window_in_summary_and_card_and_marks_partial_burns() -> None:
    html = render_html(report(), images="none").html
    assert html.count(f'<span class="sub partial">{NOTE}</span>') == 1  # the summary row of shop/new
    assert "<strong>Partial window: 17m of 30d</strong>: data since\n      2026-11-20 08:43 UTC." in html
    burns = " · ".join(f"{key} 0.5x over 17m" for key in ("30m", "1h", "2h", "6h", "1d", "3d"))
    assert f"<dd>5m 0.5x · {burns}</dd>" in html
    assert '<td class="num">0.5x<span class="sub">over 17m of data</span></td>' in html
    # shop/old: complete, no marker.
    card = html.split('id="obj-1"', 1)[1]
    assert "partial" not in card.lower()
    assert "3d 0.2x</dd>" in card


def test_terminal_table_and_compact_lines_say_partial_window() -> None:
    for width in (160, 100):  # the table, and the two-line layout of a narrow terminal
        text = render_table_text(report(), width=width)
        assert f"shop/new: {NOTE}" in text, width
        assert NOTE not in "".join(_rows(text, "shop/old")), width


def test_sparkline_starts_at_the_first_data() -> None:
    new, _ = report().objectives
    series = new.result.series
    assert series is not None
    # 17 one-minute points from 08:44 to 09:00, not 30 days of a full budget that never existed.
    assert len(series.timestamps) == 17
    assert series.timestamps[0] == np.datetime64("2026-11-20T08:44", "ns")
    line = fmt.sparkline(series.remaining.tolist(), 12)
    assert len(line) == 12
    assert line.count("█") <= 2 and line[-1] == "▅"  # a steady fall to half the budget


def test_budget_and_burn_charts_start_at_the_first_data() -> None:
    from slokit.report import charts

    new, old = report().objectives
    canvas = charts._canvas()
    # shop/new: from its first data (08:43), not from the window start 30 days ago; shop/old: its first point.
    for item, start in ((new, "2026-11-20T08:43"), (old, "2026-10-21T10:00")):
        data = charts.ChartData.of(item)
        assert data is not None
        canvas.budget(data)
        canvas.burn(data)
        for ax in (canvas._budget_ax, canvas._burn_ax):
            left, right = ax.get_xlim()
            assert _date(left) == np.datetime64(start, "m"), item.objective
            assert _date(right) == np.datetime64("2026-11-20T09:00", "m")


def _date(value: float) -> np.datetime64:
    import matplotlib.dates as mdates

    moment = mdates.num2date(value)
    return np.datetime64(moment.replace(tzinfo=None), "m")


def test_one_step_of_data_still_draws_a_budget_line_from_the_first_data() -> None:
    from slokit.report import charts

    (result,) = evaluate([_input("first", timedelta(minutes=5), 1, 1000.0, 0.5)], AT)
    item = ObjectiveReport(**{**report().objectives[0].__dict__, "result": result})
    data = charts.ChartData.of(item)
    assert data is not None and len(data.timestamps) == 1
    canvas = charts._canvas()
    canvas.budget(data)
    (line,) = [ln for ln in canvas._budget_ax.get_lines() if np.asarray(ln.get_xdata()).dtype.kind == "M"]
    # From 100 % at the start of the data (08:55) to what is left at 09:00: 1 - 0.5 / (0.001 * 1000).
    assert [np.datetime64(x, "m") for x in line.get_xdata()] == [
        np.datetime64("2026-11-20T08:55"),
        np.datetime64("2026-11-20T09:00"),
    ]
    assert list(line.get_ydata()) == [100.0, 50.0]


def test_email_says_partial_window_and_how_much_data_each_alert_tier_saw() -> None:
    from slokit.report.html import EMAIL_TEMPLATE

    html = render_html(report(), images="none", template=EMAIL_TEMPLATE).html
    assert NOTE in html
    # The 3d/6h ticket tier of shop/new was decided on its 17 minutes of data.
    assert "ticket at 1.0x over 3d/6h: now 0.5x (over 17m of data) / 0.5x, quiet" in html
    assert "1d&nbsp;0.2x · 3d&nbsp;0.2x<br>" in html.split('id="obj-1"', 1)[1]  # shop/old: complete, unmarked
