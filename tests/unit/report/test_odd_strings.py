"""Hostile and odd strings in the markdown and terminal reports (the HTML ones are in test_html.py)."""

from __future__ import annotations

import dataclasses
import re

from slokit.report.markdown import render_markdown
from slokit.report.terminal import render_table_text

from .test_html import LONG, SCRIPT, SECRET, UNICODE, hostile

MARKUP_TEAM = f"[bold red]ops[/bold red] *team* `x` {UNICODE}"


def odd_report():  # type: ignore[no-untyped-def]
    report = hostile()
    first, *rest = report.objectives
    return dataclasses.replace(report, objectives=(dataclasses.replace(first, team=MARKUP_TEAM), *rest))


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_tables_keep_their_shape() -> None:
    text = render_markdown(odd_report())
    for block in re.split(r"\n\n+", text):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert {unescaped_pipes(row) for row in rows} == {unescaped_pipes(rows[0])}, block


def test_markdown_escapes_markup_and_html() -> None:
    text = render_markdown(odd_report())
    assert "<script>" not in text and "<b>" not in text
    assert r"ops\<script\>alert(1)\</script\>" in text  # the team name, shown as text
    assert rf"\[bold red\]ops\[/bold red\] \*team\* \`x\` {UNICODE}" in text


def test_markdown_error_lines_carry_no_secret() -> None:
    text = render_markdown(odd_report())
    assert SECRET not in text
    assert "http://\\*\\*\\*@prometheus:9090" in text or "http://***@prometheus:9090" in text


def test_terminal_shows_markup_as_text_and_no_secret() -> None:
    text = render_table_text(odd_report(), width=200)
    assert MARKUP_TEAM in text  # rich did not read it as style markup
    assert f"ops{SCRIPT}" in text
    assert SECRET not in text
    assert LONG not in text or len(max(text.splitlines(), key=len)) <= 200
