"""The terminal report (``--format table``): one rich table per team, a summary line each, then the policy.

Status reads without colour too (a symbol and a word); colour follows rich's terminal detection, which
honours ``NO_COLOR`` and the terminal's width.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from slokit.engine import Status
from slokit.report import fmt
from slokit.report.model import ObjectiveReport, Report, TeamSection, links, source_errors

STYLES: dict[Status, str] = {
    "ok": "green",
    "warning": "yellow",
    "exhausted": "bold red",
    "no_data": "dim",
    "error": "magenta",
}


def summary(counts: dict[Status, int]) -> str:
    return ", ".join(f"{n} {fmt.STATUS_LABELS[s].lower()}" for s, n in counts.items() if n) or "no objectives"


def _status(status: Status) -> Text:
    return Text(fmt.status(status), style=STYLES[status])


def _objective_row(item: ObjectiveReport) -> list[Text]:
    r = item.result
    budget = r.error_budget
    remaining = Text(fmt.budget_percent(budget.remaining if budget else None))
    if budget is not None and budget.remaining <= 0:
        remaining.stylize("bold red")
    left = fmt.budget_left(item)
    if left != fmt.NONE:
        remaining.append(f" · {left}", style="dim")
    window = item.window.split(" ")[0]  # the timezone of a calendar window is in the definitions
    if r.calendar is not None:
        window += f" {fmt.percent(r.calendar.elapsed_share, 0)}"
    return [
        _status(item.status),
        Text(f"{item.service}/{item.objective}"),
        Text(window, style="dim"),
        Text(f"{fmt.percent(r.sli)} / {fmt.percent(item.target)}"),
        remaining,
        Text(" ".join(fmt.burn(r.burn_rates.get(w)).removesuffix("x") for w in ("1h", "6h", "1d", "3d"))),
        Text(fmt.firing(item), style="bold" if any(a.firing for a in r.alerts) else ""),
        Text(fmt.duration(r.time_to_exhaustion)),
        Text(fmt.sparkline(r.series.remaining.tolist(), 12) if r.series is not None else "", style="cyan"),
    ]


@dataclass(frozen=True)
class Column:
    name: str
    justify: JustifyMethod
    # Which columns a narrow terminal loses, lowest first; None: always shown (without them, the two-line
    # layout instead).
    drop_rank: int | None = None


COLUMNS = (
    Column("status", "left"),
    Column("objective", "left"),
    Column("window", "left", drop_rank=2),
    Column("SLI / target", "right"),
    Column("budget left", "right"),
    Column("burn 1h 6h 1d 3d", "right", drop_rank=4),
    Column("alerts", "left"),
    Column("exhausted in", "right", drop_rank=3),
    Column("budget trend", "left", drop_rank=1),
)


@dataclass(frozen=True)
class Layout:
    """The columns every team table of a report shows, each as wide as its widest cell in the whole report:
    no cell is squeezed below its content (an alerts cell of 6 characters made rows 8 lines tall), and
    every team's table has the same width."""

    keep: tuple[int, ...]  # indexes into COLUMNS
    widths: tuple[int, ...]  # one per kept column


def layout(rows: Sequence[Sequence[Text]], width: int) -> Layout | None:
    """The most columns that fit ``width``, dropping the least important first; None when even the
    essential ones do not fit (the caller then prints two lines per objective)."""
    full = [
        max([Text(column.name).cell_len, *(row[i].cell_len for row in rows)])
        for i, column in enumerate(COLUMNS)
    ]
    ranks = sorted({c.drop_rank for c in COLUMNS if c.drop_rank is not None})
    # wider than any terminal: rich clamps a measurement to the console's width
    measure = Console(width=1 << 16, color_system=None, force_terminal=False)
    for dropped in [0, *ranks]:
        keep = tuple(i for i, c in enumerate(COLUMNS) if c.drop_rank is None or c.drop_rank > dropped)
        candidate = Layout(keep, tuple(full[i] for i in keep))
        table = _table("", candidate)
        if measure.measure(table).maximum <= width:
            return candidate
    return None


def _table(title: str, layout: Layout) -> Table:
    # Text, not a str: rich would read "[...]" in a team name as markup
    table = Table(
        title=Text(title),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        expand=False,
        pad_edge=False,
        collapse_padding=True,  # two spaces between columns, not three: room for one more column
    )
    for index, size in zip(layout.keep, layout.widths, strict=True):
        column = COLUMNS[index]
        table.add_column(column.name, justify=column.justify, no_wrap=True, width=size, min_width=size)
    return table


def team_table(section: TeamSection, layout: Layout) -> Table:
    table = _table(f"{section.team} · {section.kind} · {summary(section.counts)}", layout)
    for item in section.objectives:
        row = _objective_row(item)
        table.add_row(*(row[i] for i in layout.keep))
    return table


def _errors(report: Report) -> list[RenderableType]:
    # Below the tables, not in them: a long error in a cell would squeeze every column. Once for the report,
    # identical ones collapsed: a server that is down fails every objective of every team the same way.
    # A selector that matches nothing or a query the server cannot parse is the definition's fault, not the
    # server's: the heading says which, as `check` and the JSON's error_kind do.
    blocks: list[RenderableType] = []
    for heading, kinds in (
        ("Definition errors:", ("definition", "malformed")),
        ("Source errors:", ("source",)),
    ):
        lines = source_errors(o for o in report.objectives if (o.error_kind or "source") in kinds)
        if lines:
            blocks += [
                Text(heading, style=f"bold {STYLES['error']}"),
                *(
                    Text(f"  {line}", style=STYLES["error"], no_wrap=True, overflow="ignore")
                    for line in lines
                ),
                Text(""),
            ]
    return blocks


def _partial(report: Report) -> list[RenderableType]:
    # Below the tables like source errors: a note in a cell would widen the window column of every table.
    lines = []
    for item in report.objectives:
        note, coverage = fmt.coverage_note(item), item.result.coverage
        if note and coverage is not None and coverage.first_data is not None:
            since = f"{coverage.first_data:%Y-%m-%d %H:%M} UTC"
            lines.append(f"  {item.service}/{item.objective}: {note}, data since {since}")
    if not lines:
        return []
    return [
        Text("Partial data (burn rates over windows longer than the data show —):", style="bold"),
        *(Text(line) for line in lines),
        Text(""),
    ]


def _notes(report: Report) -> list[RenderableType]:
    # Below the tables too: what a figure rests on, such as an absent error counter counted as zero.
    lines = [f"  {o.service}/{o.objective}: {note}" for o in report.objectives for note in o.notes]
    if not lines:
        return []
    return [
        Text("Notes:", style="bold"),
        *(Text(line, no_wrap=True, overflow="ignore") for line in lines),
        Text(""),
    ]


def _links(report: Report) -> list[RenderableType]:
    # Below the tables, whole and on one line each, so that a terminal can open them; a column would be
    # too narrow for a URL.
    lines = [
        f"  {o.service}/{o.objective}: " + " · ".join(f"{name} {url}" for name, url in links(o))
        for o in report.objectives
        if links(o)
    ]
    if not lines:
        return []
    return [
        Text("Links:", style="bold"),
        *(Text(line, no_wrap=True, overflow="ignore") for line in lines),
        Text(""),
    ]


def team_lines(section: TeamSection) -> Group:
    lines: list[RenderableType] = [Text(f"{section.team} · {section.kind} · {summary(section.counts)}")]
    for item in section.objectives:
        r = item.result
        budget = r.error_budget
        head = _status(item.status)
        head.append(f"  {item.service}/{item.objective} ({item.window})", style="bold")
        detail = (
            f"SLI {fmt.percent(r.sli)} / {fmt.percent(item.target)} · "
            f"budget {fmt.budget_percent(budget.remaining if budget else None)} ({fmt.budget_left(item)}) · "
            f"burn 1h {fmt.burn(r.burn_rates.get('1h'))} · alerts {fmt.firing(item)} · "
            f"exhausted in {fmt.duration(r.time_to_exhaustion)}"
        )
        lines += [head, Padding(Text(detail), (0, 0, 0, 4))]  # wrapped lines stay under the heading
    lines.append(Text(""))
    return Group(*lines)


def _policy(report: Report) -> list[RenderableType]:
    lines: list[RenderableType] = []
    frozen = report.frozen()
    if frozen:
        lines.append(Text("Release freeze (error-budget policy):", style="bold red"))
        for item in frozen:
            lines.append(
                Text(
                    f"  {item.service}: feature releases stop — {item.objective} is "
                    f"{fmt.STATUS_LABELS[item.status]} "
                    f"(freeze_on: {item.policy.freeze_on}, owner {item.team})"
                )
            )
    due = report.postmortems()
    if due:
        lines.append(Text("Postmortems required:", style="bold"))
        for d in due:
            lines.append(
                Text(
                    f"  {d.objective.service}/{d.objective.objective}: "
                    f"incident {fmt.incident_span(d.incident, report.evaluated_at)} "
                    f"consumed {fmt.budget_percent(d.incident.budget_share)} "
                    f"of the budget (over {d.objective.policy.postmortem_over:g}%)"
                )
            )
            command = report.postmortem_command(d.objective, d.incident)
            if command is not None:
                lines.append(Text(f"    draft it: {command}"))
    return lines


def render_table(report: Report, console: Console) -> None:
    # The tables fit the width; the lines under them (notes, errors) are printed whole, each on one line
    # however long: a log is grepped for the selector a message names.
    console.print(_tables(report, console.width))
    for line in [*_notes(report), *_links(report), *_errors(report)]:
        console.print(line, soft_wrap=True)
    # Each policy line whole too: a postmortem's command is copied from here into a shell.
    for line in _policy(report):
        console.print(line, soft_wrap=True)


def _tables(report: Report, width: int) -> Group:
    header = Text(
        f"slokit report · evaluated {report.evaluated_at:%Y-%m-%d %H:%M} UTC · "
        f"{fmt.plural(len(report.objectives), 'objective')}: {summary(report.counts)}",
        style="bold",
    )
    parts: list[RenderableType] = [header, Text("")]
    # One layout for the report: the tables of all teams line up, or every team gets the two-line form.
    tables = layout([_objective_row(item) for item in report.objectives], width)
    for section in report.sections():
        if tables is None:
            parts.append(team_lines(section))
        else:
            parts.append(team_table(section, tables))
    parts.extend(_partial(report))
    return Group(*parts)


def render_table_text(report: Report, width: int = 160) -> str:
    """Plain text without colour, for files and golden tests."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, color_system=None, force_terminal=False)
    render_table(report, console)
    return buffer.getvalue()
