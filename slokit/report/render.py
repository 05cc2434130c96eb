"""One entry point per output format, so the CLI, ``check`` and ``email`` render reports the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from slokit.report.model import Report

Format = Literal["table", "markdown", "html", "json", "openmetrics"]
FORMATS: tuple[Format, ...] = ("table", "markdown", "html", "json", "openmetrics")
FILE_TABLE_WIDTH = 160  # a table written to a file or a pipe has no terminal to fit


def render_text(report: Report, format: Format | str, templates: Path | None = None) -> str:
    """The report as a string in ``format`` (the table without colour, for files and pipes)."""
    if format == "table":
        from slokit.report.terminal import render_table_text

        return render_table_text(report, FILE_TABLE_WIDTH)
    if format == "markdown":
        from slokit.report.markdown import render_markdown

        return render_markdown(report, templates)
    if format == "json":
        from slokit.report.json_report import render_json

        return render_json(report)
    if format == "html":
        from slokit.report.html import render_html

        return render_html(report, templates).html
    if format == "openmetrics":
        from slokit.report.openmetrics import render_openmetrics

        return render_openmetrics(report)
    raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
