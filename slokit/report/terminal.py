"""The terminal report (``--format table``): one rich table per team, a summary line each, then the policy.

Status reads without colour too (a symbol and a word); colour follows rich's terminal detection, which
honours ``NO_COLOR`` and the terminal's width.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from slokit.engine import Status
from slokit.report import fmt
from slokit.report.model import ObjectiveReport, Report, TeamSection

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


def _objective_row(item: ObjectiveReport) -> list[RenderableType]:
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


COLUMNS = (
    ("status", "left", True),
    ("objective", "left", True),
    ("window", "left", True),
    ("SLI / target", "right", True),
    ("budget left", "right", True),
    ("burn 1h 6h 1d 3d", "right", True),
    ("alerts", "left", False),
    ("exhausted in", "right", True),
    ("budget trend", "left", True),
)


# Narrow terminals lose the least important columns rather than squeezing every cell into ellipses.
OPTIONAL_COLUMNS = (("budget trend", 160), ("window", 140))


def team_table(section: TeamSection, width: int) -> Table:
    title = f"{section.team} · {section.kind} · {summary(section.counts)}"
    # Text, not a str: rich would read "[...]" in a team name as markup
    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, expand=False, pad_edge=False)
    dropped = {name for name, min_width in OPTIONAL_COLUMNS if width < min_width}
    keep = [i for i, column in enumerate(COLUMNS) if column[0] not in dropped]
    for name, justify, no_wrap in (COLUMNS[i] for i in keep):
        table.add_column(
            name,
            justify=justify,  # type: ignore[arg-type]
            # on a narrow terminal long objective names fold onto a second line instead of pushing
            # the figures off the right edge
            no_wrap=no_wrap and not (name == "objective" and width < 140),
            overflow="fold" if name == "objective" else "ellipsis",
            min_width=6 if name == "alerts" else None,
        )
    for item in section.objectives:
        row = _objective_row(item)
        table.add_row(*(row[i] for i in keep))
    return table


def _errors(section: TeamSection) -> list[RenderableType]:
    # Below the table, not in it: a long error in a cell would squeeze every column of the table.
    # Source errors start with the objective's key already.
    lines: list[RenderableType] = [
        Text(f"  ↳ {item.error}", style=STYLES["error"]) for item in section.objectives if item.error
    ]
    return [*lines, Text("")] if lines else []


# Under this width the table would not fit: each objective becomes a heading and a wrapped line instead.
COMPACT_BELOW = 110


def team_lines(section: TeamSection) -> Group:
    lines: list[RenderableType] = [Text(f"{section.team} · {section.kind} · {summary(section.counts)}")]
    for item in section.objectives:
        r = item.result
        budget = r.error_budget
        head = _status(item.status)
        head.append(f"  {item.service}/{item.objective} ({item.window})", style="bold")
        detail = (
            f"    SLI {fmt.percent(r.sli)} / {fmt.percent(item.target)} · "
            f"budget {fmt.budget_percent(budget.remaining if budget else None)} ({fmt.budget_left(item)}) · "
            f"burn 1h {fmt.burn(r.burn_rates.get('1h'))} · alerts {fmt.firing(item)} · "
            f"exhausted in {fmt.duration(r.time_to_exhaustion)}"
        )
        lines += [head, Text(detail)]
        if item.error:
            lines.append(Text(f"    ↳ {item.error}", style=STYLES["error"]))
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
                    f"incident {fmt.span(d.incident.start, d.incident.end, report.evaluated_at)} "
                    f"consumed {fmt.budget_percent(d.incident.budget_share)} "
                    f"of the budget (over {d.objective.policy.postmortem_over:g}%)"
                )
            )
    return lines


def renderable(report: Report, width: int) -> Group:
    header = Text(
        f"slokit report · evaluated {report.evaluated_at:%Y-%m-%d %H:%M} UTC · "
        f"{len(report.objectives)} objectives: {summary(report.counts)}",
        style="bold",
    )
    parts: list[RenderableType] = [header, Text("")]
    for section in report.sections():
        if width < COMPACT_BELOW:
            parts.append(team_lines(section))
        else:
            parts.append(team_table(section, width))
            parts.extend(_errors(section))
    parts.extend(_policy(report))
    return Group(*parts)


def render_table(report: Report, console: Console) -> None:
    console.print(renderable(report, console.width))


def render_table_text(report: Report, width: int = 160) -> str:
    """Plain text without colour, for files and golden tests."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, color_system=None, force_terminal=False)
    render_table(report, console)
    return buffer.getvalue()
