"""The review's terminal summary (``slokit review --format table``): per objective one line per period, the
target advice, incidents that followed a release and where the budget went; then each team's priorities.

Laid out for 80 columns: the history table drops its least important columns on a narrower terminal (as
the report's tables do), and the sentences under it wrap under their heading. Met and missed read without
colour too (a symbol and a word).
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

from slokit.report import fmt
from slokit.review import words
from slokit.review.model import ObjectiveReview, Review, TeamPriorities
from slokit.sources.insight import LabelShare

INDENT = 2
MET_STYLES = {"met": "green", "missed": "bold red", words.UNKNOWN: "dim"}
MET_SYMBOLS = {"met": "✓ ", "missed": "✗ ", words.UNKNOWN: ""}  # "unknown" needs no symbol to read
MAX_ATTRIBUTION = 3  # values per label in the summary; the documents list them all


@dataclass(frozen=True)
class Column:
    name: str
    justify: JustifyMethod
    drop_rank: int | None = None  # lowest dropped first on a narrow terminal; None: always shown


COLUMNS = (
    Column("period", "left"),
    Column("SLI", "right"),
    Column("target", "left"),
    Column("bad", "right", drop_rank=2),  # the budget column says how bad, relative to the target
    Column("budget", "right"),
    Column("incidents", "right"),
    Column("page/ticket", "right", drop_rank=4),
    Column("releases", "right", drop_rank=3),
    Column("freeze", "right", drop_rank=1),
)


def _row(cells: words.PeriodCells) -> list[Text]:
    incidents = cells.incidents
    if cells.largest not in (fmt.NONE, words.UNKNOWN):
        incidents = f"{incidents} · {cells.largest}"
    alerts = words.UNKNOWN if words.UNKNOWN in (cells.page, cells.ticket) else f"{cells.page}/{cells.ticket}"
    met = Text(f"{MET_SYMBOLS[cells.met]}{cells.met}", style=MET_STYLES[cells.met])
    return [
        Text(cells.label),
        Text(cells.sli, style="dim" if cells.sli == words.UNKNOWN else ""),
        met,
        Text(cells.bad),
        Text(cells.budget, style="bold red" if _over(cells.budget) else ""),
        Text(incidents),
        Text(alerts),
        Text(cells.releases),
        Text(cells.freeze),
    ]


def _over(budget: str) -> bool:
    """A budget cell over 100 %: an overspent period stands out."""
    try:
        return float(budget.rstrip("%").replace(",", "")) > 100.0
    except ValueError:
        return False


def layout(rows: Sequence[Sequence[Text]], width: int) -> tuple[int, ...]:
    """The most columns whose table fits ``width`` (indented), least important dropped first; one layout
    for the whole review (``rows``: every objective's), so every history table shows the same columns."""
    measure = Console(width=1 << 16, color_system=None, force_terminal=False)
    ranks = sorted({c.drop_rank for c in COLUMNS if c.drop_rank is not None})
    keep: tuple[int, ...] = ()
    for dropped in [0, *ranks]:
        keep = tuple(i for i, c in enumerate(COLUMNS) if c.drop_rank is None or c.drop_rank > dropped)
        if measure.measure(_table(rows, keep)).maximum + INDENT <= width:
            return keep
    return keep


def _table(rows: Sequence[Sequence[Text]], keep: tuple[int, ...]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, show_edge=False)
    for index in keep:
        column = COLUMNS[index]
        table.add_column(column.name, justify=column.justify, no_wrap=True)
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table


def _indent(renderable: RenderableType, level: int = 1) -> Padding:
    # not expanded: no trailing spaces to the console's width
    return Padding(renderable, (0, 0, 0, INDENT * level), expand=False)


def _paragraph(text: str, style: str = "") -> Padding:
    return _indent(Text(text, style=style))  # wrapped lines stay under the heading


def objective_block(item: ObjectiveReview, review: Review, keep: tuple[int, ...]) -> Group:
    head = Text(f"{item.service}/{item.objective}", style="bold")
    head.append(
        f" · {item.team} · target {fmt.percent(item.target)} · {words.window(item.window)}",
        style="",
    )
    parts: list[RenderableType] = [head]
    if item.error is not None:
        # whole, wrapped (a long word folded) at the width: cut, a saved review would never say why
        error = Text(f"error: {item.error}", style="magenta", overflow="fold")
        parts += [_indent(error), Text("")]
        return Group(*parts)
    rows = [_row(words.period_cells(p)) for p in item.periods]
    parts.append(_indent(_table(rows, keep)))
    parts.append(_paragraph(words.advice(item)))
    parts += [_paragraph(line, style="yellow") for line in words.flags(item)]
    known = item.releases is not None
    for number, row in words.incident_numbers(item.incidents):
        if row.release is not None:
            parts.append(_paragraph(f"Incident {number} {words.followed(row, known)}."))
    groups = words.attribution_by_label(item)
    if groups:
        parts.append(
            _paragraph("Budget eaten by " + " · ".join(_attribution(label, rows) for label, rows in groups))
        )
    elif item.attribution is None:
        parts.append(_paragraph(words.no_attribution(item)))
    parts += [_paragraph(f"Note: {note}", style="dim") for note in item.notes]
    parts.append(Text(""))
    return Group(*parts)


def _attribution(label: str, rows: Sequence[LabelShare]) -> str:
    shown = ", ".join(f"{words.label_value(r)} {words.share(r.share)}" for r in rows[:MAX_ATTRIBUTION])
    more = len(rows) - MAX_ATTRIBUTION
    return f"{label}: {shown}" + (f" (+{more} more)" if more > 0 else "")


def priorities_block(priorities: Sequence[TeamPriorities], review: Review) -> Group:
    kind = words.kind_of(review)
    parts: list[RenderableType] = [
        Text("What each team should work on next", style="bold"),
        _paragraph(
            f"Ranked by budget consumed over the {words.span_count(review)}, and by trend: the last "
            f"{words.noun(kind, 1)} minus the one before, in points of budget.",
            style="dim",
        ),
    ]
    for team in priorities:
        parts.append(_indent(Text(team.team + (f" ({team.kind})" if team.kind else ""), style="bold")))
        # Ranked by budget, each with its trend; the trend's own ranking as a sentence under it (two
        # rankings side by side would not fit 80 columns).
        grid = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
        grid.add_column("#", justify="right", no_wrap=True)
        grid.add_column("by budget consumed", overflow="fold")
        grid.add_column("consumed", justify="right", no_wrap=True)
        grid.add_column("trend", justify="right", no_wrap=True)
        for rank, row in enumerate(team.by_budget, start=1):
            grid.add_row(
                f"{rank}.",
                words.priority_name(row),
                words.priority_budget(review, row),
                words.trend(row.trend),
            )
        parts.append(_indent(grid, 2))
        rising = ", ".join(
            f"{words.priority_name(row)} {words.trend(row.trend)}"
            for row in team.by_trend
            if row.trend is not None and row.trend > 0
        )
        parts.append(_indent(Text(f"Rising fastest: {rising or 'none'}."), 2))
    return Group(*parts)


def header(parts: Sequence[str], width: int) -> str:
    """``parts`` joined by `` · ``, a line broken only between parts (never inside "8 objectives")."""
    lines: list[str] = []
    for part in parts:
        if lines and Text(f"{lines[-1]} · {part}").cell_len <= width:
            lines[-1] += f" · {part}"
        else:
            lines.append(part)
    return "\n".join(lines)


def render_review_table(review: Review, console: Console) -> None:
    objectives = fmt.plural(len(review.objectives), "objective")
    console.print(
        Text(header(("slokit review", words.span_text(review), objectives), console.width), style="bold")
    )
    console.print(
        Text(
            f"Evaluated {review.evaluated_at:%Y-%m-%d %H:%M} UTC; the history is "
            f"{words.located_note(review)}. Incidents: how many · the largest one's share of the window's "
            "budget (the budget column is the period's). Target advice is advice: slokit changes no "
            "definition.",
            style="dim",
        )
    )
    console.print(Text(""))
    keep = layout([_row(words.period_cells(p)) for o in review.objectives for p in o.periods], console.width)
    for item in review.objectives:
        console.print(objective_block(item, review, keep))
    console.print(priorities_block(review.priorities, review))


def render_review_table_text(review: Review, width: int) -> str:
    """Plain text without colour, for files, pipes and golden tests."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, color_system=None, force_terminal=False)
    render_review_table(review, console)
    return buffer.getvalue()
