"""The HTML report in a real browser: headless Chromium (Debian package ``chromium``) driven by Playwright.

It must render with no console errors, every chart image must load, and hostile strings must show as text
with no script running. The ``browser`` fixture (conftest.py) launches the distribution's Chromium.
"""

from __future__ import annotations

import dataclasses
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from slokit import pipeline
from slokit.engine import failed_result
from slokit.report.html import render_html
from slokit.report.model import Report
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>'
UNICODE = "Zürich ✓ 日本語"
LONG = "slow-" + "x" * 295  # 300 characters, one unbreakable word
SCREENSHOT = Path(os.environ.get("SLOKIT_SCREENSHOT", "/tmp/slokit-report.png"))


@cache
def demo() -> Report:
    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    return report


def hostile() -> Report:
    """The demo with markup, unicode and a 300-character word in its texts and labels; one failed source."""
    first, second, third, *rest = demo().objectives
    return dataclasses.replace(
        demo(),
        objectives=(
            dataclasses.replace(
                first, description=SCRIPT, labels={"tier": ATTRIBUTE_BREAKOUT, "city": UNICODE}
            ),
            dataclasses.replace(second, description=LONG, labels={"table": "a|b", "long": LONG}),
            dataclasses.replace(third, team=f"ops{SCRIPT}"),
            dataclasses.replace(rest[0], result=failed_result("x/y", f"query failed: {SCRIPT}")),
            *rest[1:],
        ),
    )


class Visit:
    """A page opened from a file, with everything the browser reported while loading it."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: self.console.append((message.type, message.text)))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def images(self) -> list[dict[str, Any]]:
        return list(
            self.page.evaluate(
                "() => Array.from(document.images, i => ({src: i.src.slice(0, 30), complete: i.complete, "
                "width: i.naturalWidth, height: i.naturalHeight}))"
            )
        )

    def assert_clean(self) -> None:
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.errors == []
        assert self.dialogs == []
        # Nothing but the file itself and its data: URIs was fetched.
        assert [u for u in self.requests if not u.startswith(("file://", "data:"))] == []


def test_demo_report_renders_cleanly_with_every_chart_loaded(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html(demo()).html, encoding="utf-8")
    visit = Visit(browser, path)
    visit.assert_clean()
    images = visit.images()
    assert len(images) == 2 * len(demo().objectives)
    for image in images:
        assert image["complete"] and image["width"] == 600 and image["height"] == 180, image
    text = visit.page.inner_text("body")
    assert "SLO report" in text and "Release freeze" in text and "Postmortems required" in text
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
    visit.page.close()


def test_hostile_strings_show_as_text_and_run_nothing(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile()).html, encoding="utf-8")
    visit = Visit(browser, path)
    visit.assert_clean()
    text = visit.page.inner_text("body")
    assert SCRIPT in text
    assert f"tier={ATTRIBUTE_BREAKOUT}" in text
    assert f"city={UNICODE}" in text
    assert LONG in text
    # The markup became text, not elements: no script, no injected image, no handler attribute.
    assert visit.page.evaluate("document.scripts.length") == 0
    assert visit.page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    for image in visit.images():
        assert image["complete"] and image["width"] > 0 and image["src"].startswith("data:image/png;base64,")
    # A 300-character word and long label values wrap instead of widening the page.
    assert visit.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visit.page.close()
