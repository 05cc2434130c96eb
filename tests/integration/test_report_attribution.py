"""The report's "What ate the budget" against the real Prometheus of the source tests (issue 14).

checkout's 5xx over the 30 days before AT, by ``code`` (500, 503) and by ``instance`` (three, one of them
unscraped for six hours and one restarted during the outage), compared with the events the generator drew
(``promdata.increase``), not with anything slokit computed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from slokit import pipeline
from slokit.cli import run
from slokit.report.attribution import attribute
from slokit.report.html import render_html
from slokit.report.model import Attribution, Invocation
from slokit.settings import PrometheusSettings
from slokit.sources.insight import LabelShare
from slokit.sources.prometheus import PrometheusSource
from slokit.spec import load

from .promdata import END, Dataset

pytestmark = pytest.mark.integration

AT = "2026-11-01T00:00:00Z"  # END
# The data has samples at both ends of the window: increase() needs no extrapolation and matches the
# generated counts exactly (measured: 23,408 and 14,920 5xx by code; 13,465, 12,868, 11,995 by instance).
EXACT = 1e-9
TOLERANCE = 5e-3  # for the rounded shares the markdown shows
BAD = 'http_requests_total{job="checkout",code=~"5.."}'
DEFINITION = f"""\
apiVersion: slokit/v1
service: checkout
owners:
  application: {{team: checkout-dev}}
window: 30d
objectives:
  - name: errors
    kind: application
    target: 99.5
    attribute_by: [code, instance]
    sli:
      ratio:
        bad: {BAD}
        total: http_requests_total{{job="checkout"}}
"""


@pytest.fixture
def definitions_dir(tmp_path: Path) -> Path:
    (tmp_path / "checkout.yaml").write_text(DEFINITION, encoding="utf-8")
    return tmp_path


def truth(promdata: Dataset, label: str) -> dict[str, float]:
    """Bad events per value of ``label`` over the window, from the generated increments."""
    start = END - timedelta(days=30)
    values = {s.labels[label] for s in promdata.select(BAD)}
    return {value: promdata.increase(BAD, {label: value}, start, END) for value in values}


def test_the_bad_events_by_code_and_instance_are_the_generated_ones(
    prometheus_url: str, promdata: Dataset, definitions_dir: Path
) -> None:
    definitions = load([definitions_dir])
    source = PrometheusSource(PrometheusSettings(url=prometheus_url))
    try:
        report, _ = pipeline.run(definitions, source, pipeline.pin(END))
        attributed = attribute(report, definitions, source)
    finally:
        source.close()
    (item,) = attributed.objectives
    assert item.attribution is not None and item.attribution.note is None
    for label, shares in item.attribution.by_label():
        want = truth(promdata, label)
        everything = math.fsum(want.values())
        # Every value, the most bad events first, each within the tolerance of what was generated.
        assert [s.value for s in shares] == sorted(want, key=lambda v: -want[v])
        for share in shares:
            assert share.bad_events == pytest.approx(want[share.value], rel=EXACT), (label, share)
            assert share.share == pytest.approx(want[share.value] / everything, rel=EXACT), (label, share)
    assert [label for label, _ in item.attribution.by_label()] == ["code", "instance"]
    # The figures are those of the report without attribution.
    assert item.result == report.objectives[0].result


def test_the_markdown_report_shows_them(
    prometheus_url: str, promdata: Dataset, definitions_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        [
            "report",
            str(definitions_dir),
            "--format",
            "markdown",
            "--prometheus-url",
            prometheus_url,
            "--at",
            AT,
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    section = out[out.index("### What ate the budget") :]
    assert "**checkout/errors** (over 30d, by code, instance)" in section
    rows = dict(re.findall(r"^\| ([^|]+) \| [^|]+ \| ([0-9.]+)% \|$", section, re.M))
    want = {**truth(promdata, "code"), **truth(promdata, "instance")}
    for label in ("code", "instance"):
        values = truth(promdata, label)
        everything = math.fsum(values.values())
        for value, events in values.items():
            # Shown to a tenth of a percent at most: within 0.1 point plus the tolerance.
            assert float(rows[value]) == pytest.approx(100 * events / everything, abs=0.1 + 100 * TOLERANCE)
    assert set(rows) == set(want)


def test_the_html_section_and_the_postmortem_commands_open_cleanly_in_chromium(
    browser: Any, tmp_path: Path
) -> None:
    from .test_html_chromium import LONG, SCRIPT, Visit, demo

    shares = (
        LabelShare("handler", SCRIPT, 60.0, 0.6),
        LabelShare("handler", LONG, 30.0, 0.3),
        LabelShare("handler", "", 10.0, 0.1),
    )
    objectives = tuple(
        dataclasses.replace(o, attribution=Attribution(("handler",), shares))
        if o.objective == "order-completion"
        else o
        for o in demo().objectives
    )
    # A long path, as a checkout several directories deep gives: the command wraps, the page does not widen.
    invocation = Invocation((f"/srv/{LONG}/slo definitions",), snapshot="snapshot.json.gz")
    report = dataclasses.replace(demo(), objectives=objectives, invocation=invocation)
    path = tmp_path / "report.html"
    path.write_text(render_html(report).html, encoding="utf-8")
    visit = Visit(browser, path)
    visit.assert_clean()
    text = visit.page.inner_text("body")
    assert "What ate the budget" in text
    assert SCRIPT in text and "(none)" in text
    assert (
        f"Draft it: slokit postmortem '/srv/{LONG}/slo definitions' --objective payments/queue-health" in text
    )
    assert visit.page.evaluate("document.scripts.length") == 0
    assert visit.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visit.page.close()
