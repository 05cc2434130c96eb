"""The email's own HTML layout (email.html.j2): inline styles, explicit colours, escaped, the same figures.

How it looks at 600-700 px, without its <style> block and under a dark-mode client is checked in Chromium
(tests/integration/test_email_chromium.py).
"""

from __future__ import annotations

import re
from functools import cache
from html import escape

from slokit.report import fmt
from slokit.report.html import EMAIL_TEMPLATE, HtmlReport, render_html

from .test_html import SCRIPT, SECRET, Page, demo, hostile


@cache
def email_page() -> HtmlReport:
    return render_html(demo(), images="cid", template=EMAIL_TEMPLATE, title="SLO report: platform-ops")


def test_the_email_has_no_style_block_and_no_classes_to_style() -> None:
    html = email_page().html
    page = Page(html)
    assert page.unclosed == []
    assert "<style" not in html
    # colours and layout come from style attributes; no element relies on a class a <style> block would define
    assert [(t, a["class"]) for t, a in page.tags if a.get("class")] == []


def test_every_background_comes_with_its_text_colour() -> None:
    # explicit pairs: a dark-mode client that keeps our background must not be left to pick the text colour
    tags = Page(email_page().html).tags
    painted = [(t, a.get("style") or "") for t, a in tags if "background-color:" in (a.get("style") or "")]
    assert len(painted) > 50
    assert [(t, style) for t, style in painted if t != "img" and not re.search(r"(^|;)color:", style)] == []
    assert '<meta name="color-scheme" content="light only">' in email_page().html


def test_the_summary_shows_status_and_budget_left_of_every_objective() -> None:
    page = Page(email_page().html)
    for index, item in enumerate(demo().objectives):
        cells = page.cells_by_row[f"row-obj-{index}"]
        budget = item.result.error_budget
        assert cells[1] == fmt.status(item.status)
        assert (
            cells[2] == f"{fmt.budget_percent(budget.remaining if budget else None)} {fmt.budget_left(item)}"
        )
        assert len(cells) == 3  # three columns: a mail pane has no room for the report page's thirteen


def test_charts_are_the_cid_images_of_the_message() -> None:
    page = email_page()
    sources = re.findall(r'<img src="([^"]+)"', page.html)
    assert sources and sorted(s.removeprefix("cid:") for s in sources) == sorted(page.images)


def test_hostile_strings_are_escaped_and_secrets_scrubbed() -> None:
    html = render_html(hostile(), images="none", template=EMAIL_TEMPLATE).html
    assert SCRIPT not in html and escape(SCRIPT, quote=False) in html
    assert "<script" not in html.lower()
    assert SECRET not in html
