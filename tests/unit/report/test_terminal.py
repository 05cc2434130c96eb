"""The terminal table: no cell squeezed below its content, one width for every team's table, plurals.

Rendered to a rich Console of a fixed width, as a pipe or a terminal of that width would get it.
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from slokit.report import fmt
from slokit.report.model import ObjectiveReport, Report
from slokit.report.terminal import render_table

from .test_html import LONG, ROOT, demo

EVERY_TIER = "page 1h/5m, page 6h/30m, ticket 1d/2h, ticket 3d/6h"


def all_tiers_firing(item: ObjectiveReport) -> ObjectiveReport:
    alerts = tuple(dataclasses.replace(a, firing=True) for a in item.result.alerts)
    return dataclasses.replace(item, result=dataclasses.replace(item.result, alerts=alerts))


def noisy() -> Report:
    """The demo with every alert tier of two objectives firing: a long alerts cell."""
    report = demo()
    objectives = list(report.objectives)
    for index, item in enumerate(objectives):
        if item.objective in ("order-completion", "availability"):
            objectives[index] = all_tiers_firing(item)
    return dataclasses.replace(report, objectives=tuple(objectives))


def rendered(report: Report, width: int) -> list[str]:
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=width, color_system=None, force_terminal=False))
    return buffer.getvalue().splitlines()


def rules(lines: list[str]) -> list[str]:
    """The line under each table's header: as wide as the table."""
    return [line.rstrip() for line in lines if line.strip().startswith("─")]


def table_rows(lines: list[str]) -> list[list[str]]:
    """Each table's body: the lines from its header rule to the blank line that ends the table."""
    tables, current = [], None
    for line in lines:
        if line.strip().startswith("─"):
            current = []
            tables.append(current)
        elif current is not None and line.strip():
            current.append(line)
        else:
            current = None
    return tables


def test_the_demo_fixture_has_every_tier_in_the_alerts_cell() -> None:
    firing = [fmt.firing(i) for i in noisy().objectives if i.objective == "order-completion"]
    assert firing == [EVERY_TIER]


REPORTS = {"noisy": noisy, "demo": demo}
FITTING = [("noisy", 160), ("noisy", 140), ("demo", 160), ("demo", 150), ("demo", 120)]


@pytest.mark.parametrize(("name", "width"), FITTING)
def test_every_objective_is_one_table_row_at_any_width_a_table_fits(name: str, width: int) -> None:
    report = REPORTS[name]()
    lines = rendered(report, width)
    tables = table_rows(lines)
    sections = report.sections()
    assert len(tables) == len(sections)
    for section, rows in zip(sections, tables, strict=True):
        # one line per objective: a squeezed cell would wrap and make the table taller
        assert len(rows) == len(section.objectives)
        for item, row in zip(section.objectives, rows, strict=True):
            assert f"{item.service}/{item.objective}" in row
            assert fmt.STATUS_LABELS[item.status] in row
            assert fmt.firing(item) in row  # the whole alerts cell, never cut
    assert not any("…" in line for line in lines)  # nothing cut short with an ellipsis either
    # The links under the tables are printed whole on one line each, so that a terminal can open them.
    links = lines.index("Links:")
    end = lines.index("", links)
    assert all(len(line.rstrip()) <= width for line in lines[:links] + lines[end:])


@pytest.mark.parametrize(("name", "width"), FITTING)
def test_every_team_table_of_a_report_has_the_same_width(name: str, width: int) -> None:
    widths = {len(rule) for rule in rules(rendered(REPORTS[name](), width))}
    assert len(widths) == 1


def test_the_least_important_columns_go_first_as_the_terminal_narrows() -> None:
    def header(width: int) -> str:
        lines = rendered(demo(), width)
        first_rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
        return lines[first_rule - 1]

    assert "budget trend" in header(160) and "window" in header(160)
    assert "budget trend" not in header(150) and "window" in header(150)
    narrow = header(120)
    assert "window" not in narrow and "exhausted in" not in narrow
    for kept in ("status", "objective", "SLI / target", "budget left", "alerts"):
        assert kept in narrow


def test_when_no_table_fits_every_objective_gets_a_heading_and_an_indented_detail() -> None:
    lines = rendered(noisy(), 110)
    assert rules(lines) == []
    text = "\n".join(lines)
    for item in demo().objectives:
        assert f"{item.service}/{item.objective} ({item.window})" in text
        budget = item.result.error_budget
        assert f"budget {fmt.budget_percent(budget.remaining if budget else None)}" in text
    # a detail that wraps stays indented under its heading
    tier = lines.index(next(line for line in lines if "page 6h/30m" in line))
    assert lines[tier + 1].startswith("    ") and lines[tier + 1].strip()


def test_a_name_no_table_can_hold_is_not_folded_inside_a_cell() -> None:
    first, *rest = demo().objectives
    report = dataclasses.replace(demo(), objectives=(dataclasses.replace(first, objective=LONG), *rest))
    lines = rendered(report, 160)
    assert rules(lines) == []  # the two-line layout: the name on its own line, not folded in a column
    assert f"{first.service}/{LONG}" in "".join(line.strip() for line in lines)


def test_the_summary_line_says_1_objective() -> None:
    one = dataclasses.replace(demo(), objectives=demo().objectives[:1])
    assert "· 1 objective: 1 ok" in rendered(one, 160)[0]
    assert "· 8 objectives: " in rendered(demo(), 160)[0]


def test_the_report_piped_with_columns_unset_has_one_line_rows_and_one_table_width() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    definitions = ROOT / "slo_definitions"
    process = subprocess.run(
        [sys.executable, "-m", "slokit", "report", str(definitions), "--snapshot",
         str(definitions / "snapshot.json.gz")],
        capture_output=True, text=True, env=env, cwd=Path(ROOT), check=False, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    assert len({len(rule) for rule in rules(lines)}) == 1
    assert [len(rows) for rows in table_rows(lines)] == [len(s.objectives) for s in demo().sections()]
    # A postmortem's command is printed whole, like a link: it is copied into a shell, not read in a column.
    assert max(len(line.rstrip()) for line in lines if not line.startswith("    draft it: ")) <= 160
    assert any(line.startswith("    draft it: slokit postmortem ") for line in lines)
