"""The report's "What ate the budget": asked of the source over each attributed objective's window, shown in
markdown, HTML and the email, escaped; a source that cannot answer or fails is a note, never other figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slokit.engine import failed_result
from slokit.report.attribution import UNAVAILABLE, attribute
from slokit.report.html import EMAIL_TEMPLATE, render_html
from slokit.report.markdown import render_markdown
from slokit.report.model import Report
from slokit.sources.insight import InsightFailed, LabelShare, Unavailable
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load
from slokit.spec.loader import Definitions
from slokit.spec.models import SLI

from .test_html import SCRIPT, demo

ROOT = Path(__file__).resolve().parents[3]
KEY = "checkout/order-completion"  # the example objective with attribute_by: [instance]
EVALUATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the bundled snapshot's time


class FakeInsight:
    """A source that answers attribution with fixed shares (or raises), recording what it was asked."""

    def __init__(self, shares: Sequence[LabelShare] = (), error: InsightFailed | None = None) -> None:
        self.shares = list(shares)
        self.error = error
        self.calls: list[tuple[SLI, tuple[str, ...], datetime, datetime]] = []

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        self.calls.append((sli, tuple(labels), start, end))
        if self.error is not None:
            raise self.error
        return self.shares

    def releases(self, releases: object, start: datetime, end: datetime, step: object) -> list[object]:
        raise AssertionError("the report never asks for releases")


def definitions() -> Definitions:
    return load([ROOT / "slo_definitions"])


# 120 bad events: 66 + 42 + 12, shares by hand.
SHARES = (
    LabelShare("instance", "checkout-1:8080", 66.0, 0.55),
    LabelShare("instance", "checkout-2:8080", 42.0, 0.35),
    LabelShare("instance", "", 12.0, 0.1),
)


def attributed(source: object, report: Report | None = None) -> tuple[Report, list[str]]:
    warnings: list[str] = []
    return attribute(report or demo(), definitions(), source, warn=warnings.append), warnings


def item(report: Report, key: str = KEY) -> object:
    return next(o for o in report.objectives if f"{o.service}/{o.objective}" == key)


def test_attribution_is_asked_over_the_objectives_30d_window_ending_at_the_evaluation_time() -> None:
    source = FakeInsight(SHARES)
    report, warnings = attributed(source)
    order_completion = next(o for _, o in definitions().objectives() if o.name == "order-completion")
    # Only the objective whose definition names attribute_by is asked, once, for all its labels.
    assert source.calls == [(order_completion.sli, ("instance",), EVALUATED - timedelta(days=30), EVALUATED)]
    assert warnings == []
    found = item(report).attribution  # type: ignore[attr-defined]
    assert (found.labels, found.shares, found.note) == (("instance",), SHARES, None)
    others = [o for o in report.objectives if f"{o.service}/{o.objective}" != KEY]
    assert all(o.attribution is None for o in others)


def test_attribution_does_not_change_the_figures_or_the_exit_code() -> None:
    for source in (FakeInsight(SHARES), FakeInsight(error=InsightFailed("attribution: timed out"))):
        report, _ = attributed(source)
        assert [o.result for o in report.objectives] == [o.result for o in demo().objectives]
        assert report.exit_code == demo().exit_code


def test_markdown_lists_the_top_values_with_bad_events_and_share() -> None:
    report, _ = attributed(FakeInsight(SHARES))
    text = render_markdown(report)
    section = text[text.index("### What ate the budget") :]
    assert section.splitlines()[:12] == [
        "### What ate the budget",
        "",
        "Bad events over each objective's window by the values of the labels its `attribute_by` names, the "
        "most first.",
        "",
        "**checkout/order-completion** (over 30d, by instance)",
        "",
        "| instance | Bad events | Share |",
        "| --- | ---: | ---: |",
        "| checkout-1:8080 | 66 | 55% |",
        "| checkout-2:8080 | 42 | 35% |",
        "| (none) | 12 | 10% |",
        "",
    ]
    # In the team section of its owner (checkout-dev), not in the others'.
    assert text.index("## checkout-dev (application)") < text.index("### What ate the budget")
    assert text.count("### What ate the budget") == 1


def test_html_report_and_email_show_the_shares_in_the_objectives_card() -> None:
    report, _ = attributed(FakeInsight(SHARES))
    for template in (None, EMAIL_TEMPLATE):
        page = render_html(report, images="none", **({"template": template} if template else {})).html
        block = page[page.index("What ate the budget") :]
        assert "Bad events over the 30d window by instance, the most first." in block
        for value, events, share in (("checkout-1:8080", "66", "55%"), ("checkout-2:8080", "42", "35%")):
            cells = block[block.index(value) :]
            assert cells.index(events) < cells.index(share) < cells.index("</tr>")
        assert "(none)" in block


def test_a_hostile_label_value_is_escaped_in_every_format() -> None:
    shares = (LabelShare("instance", f"{SCRIPT}|**x**", 5.0, 1.0),)
    report, _ = attributed(FakeInsight(shares))
    for page in (
        render_html(report, images="none").html,
        render_html(report, images="none", template=EMAIL_TEMPLATE).html,
    ):
        assert SCRIPT not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;|**x**" in page
    markdown = render_markdown(report)
    assert "| \\<script\\>alert(1)\\</script\\>\\|\\*\\*x\\*\\* | 5 | 100% |" in markdown


def test_a_snapshot_cannot_attribute_a_note_says_so_without_a_warning() -> None:
    snapshot = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, warnings = attributed(snapshot)
    found = item(report).attribution  # type: ignore[attr-defined]
    assert (found.shares, found.note) == ((), UNAVAILABLE)
    assert warnings == []
    assert (
        "**checkout/order-completion** (over 30d, by instance): unknown from a snapshot (it holds the SLIs' "
        "events only)."
    ) in render_markdown(report)
    page = render_html(report, images="none").html
    assert "Unknown from a snapshot (it holds the SLIs&#39; events only)." in page


def test_any_unavailable_source_gives_the_same_note() -> None:
    report, warnings = attributed(FakeInsight(error=Unavailable("no labels here")))
    assert item(report).attribution.note == UNAVAILABLE  # type: ignore[attr-defined]
    assert warnings == []


def test_a_failed_attribution_query_is_a_redacted_note_and_a_warning() -> None:
    error = InsightFailed("attribution: GET http://bob:hunter2@prom:9090/api/v1/query: timed out after 30s")
    report, warnings = attributed(FakeInsight(error=error))
    note = item(report).attribution.note  # type: ignore[attr-defined]
    assert note == "attribution failed: GET http://***@prom:9090/api/v1/query: timed out after 30s"
    assert warnings == [f"{KEY}: {note}"]
    markdown = render_markdown(report)
    assert "hunter2" not in markdown
    assert (
        f"**{KEY}** (over 30d, by instance): attribution failed: GET http://\\*\\*\\*@prom:9090" in markdown
    )


def test_no_bad_events_is_said_rather_than_an_empty_table() -> None:
    report, _ = attributed(FakeInsight([]))
    assert "**checkout/order-completion** (over 30d, by instance): no bad events." in render_markdown(report)
    assert "No bad events in the window." in render_html(report, images="none").html


def test_an_objective_whose_figures_failed_is_not_asked() -> None:
    broken = tuple(
        dataclasses.replace(o, result=failed_result(KEY, "down"))
        if f"{o.service}/{o.objective}" == KEY
        else o
        for o in demo().objectives
    )
    source = FakeInsight(SHARES)
    report, _ = attributed(source, dataclasses.replace(demo(), objectives=broken))
    assert source.calls == []
    assert item(report).attribution is None  # type: ignore[attr-defined]


def test_a_source_without_attribution_gives_the_note() -> None:
    report, warnings = attributed(object())
    assert item(report).attribution.note == "unknown: the data source cannot tell"  # type: ignore[attr-defined]
    assert warnings == []


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_without_attribution_there_is_no_section(fmt: str) -> None:
    text = render_markdown(demo()) if fmt == "markdown" else render_html(demo(), images="none").html
    assert "What ate the budget" not in text
