"""The review's renderers: markdown and HTML documents from ``review.md.j2`` / ``review.html.j2`` (overridable
with ``--templates DIR`` like the report's), and the terminal summary (:mod:`slokit.review.terminal`).

The HTML page is self-contained (inline CSS, no script, no external resource) and autoescaped; its charts
are PNGs embedded as ``data:`` URIs (:mod:`slokit.review.charts`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from slokit.report import fmt
from slokit.report.html import when
from slokit.report.templates import render
from slokit.review import words
from slokit.review.model import ObjectiveReview, Review

if TYPE_CHECKING:
    from rich.console import Console

MARKDOWN_TEMPLATE = "review.md.j2"
HTML_TEMPLATE = "review.html.j2"
TITLE = "SLO review"
# The terminal summary is laid out to be read at 80 columns: a file or a pipe gets that width.
REVIEW_TABLE_WIDTH = 80
FORMATS = ("table", "markdown", "html")


@dataclass(frozen=True)
class Card:
    """One objective as the HTML template sees it: the review item, a page anchor and its charts' URLs."""

    anchor: str
    item: ObjectiveReview
    sli_chart: str | None = None  # data: URL; None when there is nothing to draw (an error, no data)
    budget_chart: str | None = None


def render_review_text(review: Review, format: str, templates: Path | None = None) -> str:
    """The review as a string: ``markdown``, ``html``, or ``table`` (the terminal summary without colour,
    :data:`REVIEW_TABLE_WIDTH` columns wide)."""
    if format == "markdown":
        return render(MARKDOWN_TEMPLATE, templates, **_context(review))
    if format == "html":
        return render_review_html(review, templates)
    if format == "table":
        from slokit.review.terminal import render_review_table_text

        return render_review_table_text(review, REVIEW_TABLE_WIDTH)
    raise ValueError(f"unknown review format {format!r}; expected one of {', '.join(FORMATS)}")


def render_review_table(review: Review, console: Console) -> None:
    """The terminal summary (``--format table``) on ``console``."""
    from slokit.review.terminal import render_review_table as render_table

    render_table(review, console)


def render_review_html(review: Review, templates: Path | None = None, *, charts: bool = True) -> str:
    """The HTML review; ``charts=False`` leaves the charts out (fast, for very large reviews)."""
    cards = [Card(f"obj-{index}", item) for index, item in enumerate(review.objectives)]
    if charts:
        from slokit.review.charts import review_charts

        drawn = []
        for card in cards:
            pair = review_charts(card.item)
            drawn.append(Card(card.anchor, card.item, _data_url(pair.sli), _data_url(pair.budget)))
        cards = drawn
    return render(HTML_TEMPLATE, templates, cards=cards, when=when, **_context(review))


def _data_url(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _context(review: Review) -> dict[str, object]:
    return {
        "review": review,
        "title": TITLE,
        "kind": words.kind_of(review),
        "located": words.located(review),
        "span": words.span_text(review),
        "words": words,
        "fmt": fmt,
    }
