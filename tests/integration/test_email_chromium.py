"""The team email's HTML part in headless Chromium, as a mail pane or a phone shows it.

The message is built as ``slokit email`` builds it; its ``cid:`` images are resolved to the message's own PNG
parts, as a mail client does. Checked at 700 and 600 px: nothing scrolls sideways, and the status, the budget
left and the release freeze are on screen; with every ``<style>`` element removed (many clients drop them);
and under a dark-mode client that paints its own dark background and light text behind the email.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from slokit.mail import message
from slokit.report import fmt
from slokit.report.model import Report

from .test_html_chromium import LONG, demo, hostile

pytestmark = pytest.mark.integration

SCREENSHOT = Path(os.environ.get("SLOKIT_EMAIL_SCREENSHOT", "/tmp/slokit-email.png"))
# What a dark-mode mail client without the email's own colours would put behind it.
DARK_CLIENT = "html, body { background: #121212 !important; color: #e8e8e8 !important; }"

# WCAG contrast of every piece of text against the background it is actually drawn on (the nearest ancestor
# with an opaque background colour; the client's own page colour when there is none).
CONTRAST = """
() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push({text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100});
  }
  return out;
}
"""


def team_email(report: Report, team: str) -> EmailMessage:
    mail = next(m for m in message.plan(report, kinds=("operational", "application")) if m.name == team)
    return message.build(
        mail, sender="slokit <slokit@example.com>", date=datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    )


def as_mail_client_shows_it(email: EmailMessage) -> str:
    """The HTML part with its ``cid:`` images replaced by the PNG parts they name."""
    related = email.get_body(("related",))
    assert related is not None
    html_part, *images = related.iter_parts()
    html = str(html_part.get_content())
    for image in images:
        cid = str(image["Content-ID"]).strip("<>")
        data = base64.b64encode(image.get_content()).decode("ascii")
        html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    assert 'src="cid:' not in html  # every chart the page shows is in the message
    return html


def open_page(browser: Any, html: str, tmp_path: Path, width: int, css: str | None = None) -> Any:
    path = tmp_path / f"email-{width}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri(), wait_until="load")
    if css:
        page.add_style_tag(content=css)
    assert errors == []
    return page


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def assert_the_news_is_on_screen(page: Any, report: Report) -> None:
    """Status and budget left of every objective in the summary, and the release freeze, visible in full."""
    width = page.evaluate("window.innerWidth")
    for index, item in enumerate(report.objectives):
        row = page.locator(f"#row-obj-{index}")
        status = row.locator(f"[data-status='{item.status}']").last
        assert status.is_visible() and status.inner_text() == fmt.status(item.status)
        budget = item.result.error_budget
        left = row.locator("[data-budget-left]")
        assert left.is_visible()
        assert left.inner_text() == fmt.budget_percent(budget.remaining if budget else None)
        for element in (status, left):
            box = element.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
                item.objective,
                box,
            )
    for item in report.frozen():
        frozen = page.locator(f"[data-freeze='{item.service}/{item.objective}']")
        assert frozen.is_visible()
        assert fmt.STATUS_LABELS[item.status] in frozen.inner_text()
    assert page.get_by_text("Feature releases stop").is_visible()


@pytest.mark.parametrize("width", [700, 600])
def test_the_team_email_fits_a_mail_pane_without_scrolling_sideways(
    browser: Any, tmp_path: Path, width: int
) -> None:
    email = team_email(demo(), "platform-ops")
    page = open_page(browser, as_mail_client_shows_it(email), tmp_path, width)
    assert overflow(page) <= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_the_news_is_on_screen(page, demo())
    images = page.evaluate("Array.from(document.images, i => [i.complete, i.naturalWidth, i.width])")
    assert len(images) == 2 * 5  # the charts of platform-ops' five objectives
    assert all(complete and natural == 600 and shown <= width for complete, natural, shown in images)
    if width == 700:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.close()


def test_long_names_wrap_instead_of_widening_the_email(browser: Any, tmp_path: Path) -> None:
    report = hostile()
    email = team_email(report, report.objectives[0].team)
    html = as_mail_client_shows_it(email)
    assert LONG in html
    page = open_page(browser, html, tmp_path, 700)
    assert overflow(page) <= 0
    assert_the_news_is_on_screen(page, dataclasses.replace(report, objectives=report.objectives))
    page.close()


def test_the_email_reads_the_same_with_its_style_block_removed(browser: Any, tmp_path: Path) -> None:
    html = as_mail_client_shows_it(team_email(demo(), "platform-ops"))
    stripped = re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL | re.IGNORECASE)
    assert "<style" not in stripped.lower()
    page = open_page(browser, stripped, tmp_path, 700)
    assert overflow(page) <= 0
    assert_the_news_is_on_screen(page, demo())
    # the badges keep their colours: they come from style attributes, not from a class in a <style> block
    exhausted = next(i for i, o in enumerate(demo().objectives) if o.status == "exhausted")
    badge = page.locator(f"#row-obj-{exhausted} [data-status='exhausted']").last
    colours = badge.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colours == ["rgb(164, 14, 38)", "rgb(255, 235, 233)"]
    page.close()


def test_every_text_stays_readable_under_a_dark_mode_client(browser: Any, tmp_path: Path) -> None:
    html = as_mail_client_shows_it(team_email(demo(), "platform-ops"))
    page = open_page(browser, html, tmp_path, 700, css=DARK_CLIENT)
    page.emulate_media(color_scheme="dark")
    texts = page.evaluate(CONTRAST)
    assert len(texts) > 100
    unreadable = [t for t in texts if t["ratio"] < 4.5]
    assert unreadable == []
    page.close()
