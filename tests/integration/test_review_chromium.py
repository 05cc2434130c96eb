"""The HTML review in a real browser: headless Chromium (Debian package ``chromium``) driven by Playwright.

It must render with no console errors and fetch nothing but itself and its ``data:`` images; every chart
must load; hostile strings from definitions and metric labels must show as text with no script running.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from slokit.commands.review import review_from_paths
from slokit.review.render import render_review_html
from slokit.sources.insight import LabelShare, Release
from tests.integration.test_html_chromium import ATTRIBUTE_BREAKOUT, LONG, SCRIPT, UNICODE, Visit
from tests.unit.review.fixtures import review

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = Path(os.environ.get("SLOKIT_REVIEW_SCREENSHOT", "/tmp/slokit-review.png"))


def test_demo_review_renders_cleanly_with_every_chart_loaded(browser: Any, tmp_path: Path) -> None:
    demo = review_from_paths(
        [ROOT / "slo_definitions"],
        periods=4,
        period_kind="week",
        snapshot=ROOT / "slo_definitions" / "snapshot.json.gz",
    )
    path = tmp_path / "review.html"
    path.write_text(render_review_html(demo), encoding="utf-8")
    visit = Visit(browser, path)
    visit.assert_clean()
    images = visit.images()
    assert len(images) == 2 * len(demo.objectives)
    for image in images:
        assert image["complete"] and image["width"] == 600 and image["height"] == 180, image
    text = visit.page.inner_text("body")
    assert "SLO review" in text and "What each team should work on next" in text and "Alert quality" in text
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
    visit.page.close()


def test_hostile_strings_in_a_review_show_as_text_and_run_nothing(browser: Any, tmp_path: Path) -> None:
    built = review()
    first, second, *rest = built.objectives
    start = first.periods[0].period.start
    hostile = dataclasses.replace(
        built,
        objectives=(
            dataclasses.replace(
                first,
                service=f"shop{SCRIPT}",
                team=ATTRIBUTE_BREAKOUT,
                attribution=(LabelShare("city", UNICODE, 10.0, 0.5), LabelShare("handler", LONG, 10.0, 0.5)),
                releases=(Release(start + timedelta(days=3), SCRIPT, timedelta(hours=1)),),
                notes=(f"note {SCRIPT}", LONG),
            ),
            dataclasses.replace(second, objective=LONG),
            *rest[:-1],
            dataclasses.replace(rest[-1], error=f"query failed: {SCRIPT}"),
        ),
    )
    path = tmp_path / "hostile.html"
    path.write_text(render_review_html(hostile), encoding="utf-8")
    visit = Visit(browser, path)
    visit.assert_clean()
    text = visit.page.inner_text("body")
    assert f"shop{SCRIPT}" in text and f"query failed: {SCRIPT}" in text and UNICODE in text
    assert ATTRIBUTE_BREAKOUT in text and LONG in text
    assert visit.page.evaluate("document.scripts.length") == 0
    assert visit.page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    images = visit.images()
    assert len(images) == 8  # four objectives with data, two charts each; the failed one has none
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["src"].startswith("data:image/png;base64,")
    # A 300-character word wraps instead of widening the page.
    assert visit.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visit.page.close()
