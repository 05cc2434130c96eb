"""Every report format says when an incident (or the first data) is located only to the coarse step.

The report is evaluated by the engine from events built as the adaptive resolution hands them over: before
``fine_from`` (3 days back) each hour's events spread evenly over its twelve 5-minute steps.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache

import jsonschema
import numpy as np
import pytest

from slokit.engine import ObjectiveInput, Policy, Resolution, evaluate
from slokit.report import fmt
from slokit.report.html import EMAIL_TEMPLATE, render_html
from slokit.report.json_report import render_json, schema
from slokit.report.markdown import render_markdown
from slokit.report.model import Report
from slokit.report.terminal import render_table_text

from .builders import objective_report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
HOUR = timedelta(hours=1)
FINE_FROM = AT - timedelta(days=3)
STEPS = 33 * 288
# Two bursts 10 days back, each a whole hour in the coarse region; one in the last hour, in the fine region.
BIG_END = AT - timedelta(days=10)  # 36 bad events: 42 % of the 86.4 allowed, needs a postmortem
SMALL_END = AT - timedelta(days=12, hours=5)  # 12 bad events: 14 %
RECENT_END = AT - timedelta(minutes=10)  # 10 bad events in two 5-minute steps: 12 %


def step_index(end: datetime) -> int:
    return STEPS - 1 - (AT - end) // STEP


def coarse_input(*, key: str = "admin/errors", data_from: datetime | None = None) -> ObjectiveInput:
    ends = np.datetime64("2026-11-20T09:00", "ns") - np.arange(STEPS - 1, -1, -1) * np.timedelta64(STEP)
    total = np.full(STEPS, 10.0)
    bad = np.zeros(STEPS)
    for end, per_step in ((BIG_END, 3.0), (SMALL_END, 1.0)):
        last = step_index(end)
        bad[last - 11 : last + 1] = per_step  # the hour's bad events spread over its twelve steps
    bad[step_index(RECENT_END) - 1 : step_index(RECENT_END) + 1] = 5.0
    if data_from is not None:
        total[: step_index(data_from) + 1] = np.nan
        bad[: step_index(data_from) + 1] = np.nan
    return ObjectiveInput(
        key,
        0.999,
        timedelta(days=30),
        STEP,
        ends,
        total - bad,
        total,
        policy=Policy(postmortem_over=20.0),
        resolution=Resolution(HOUR, FINE_FROM),
    )


@cache
def located_report() -> Report:
    [result] = evaluate([coarse_input()], AT)
    return Report(AT, (objective_report(result, "slo/admin.yaml:7"),))


@cache
def late_data_report() -> Report:
    """Data only from 20 days back: a partial window whose start is known to the hour."""
    [result] = evaluate([coarse_input(data_from=AT - timedelta(days=20))], AT)
    return Report(AT, (objective_report(result, "slo/admin.yaml:7"),))


def test_the_report_holds_two_coarse_incidents_and_one_fine() -> None:
    incidents = sorted(located_report().objectives[0].result.incidents, key=lambda i: i.start)
    assert [(i.start, i.end, i.located_to) for i in incidents] == [
        (SMALL_END - HOUR, SMALL_END, HOUR),
        (BIG_END - HOUR, BIG_END, HOUR),
        (RECENT_END - 2 * STEP, RECENT_END, None),
    ]
    assert [i.postmortem_required for i in incidents] == [False, True, False]


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (HOUR, "located to the hour"),
        (2 * HOUR, "located to 2 hours"),
        (timedelta(minutes=30), "located to 30 minutes"),
        (timedelta(minutes=1), "located to the minute"),
        (timedelta(days=1), "located to the day"),
        (timedelta(minutes=90), "located to 90 minutes"),
        (None, None),
    ],
)
def test_located_wording(step: timedelta | None, text: str | None) -> None:
    assert fmt.located(step) == text


def test_terminal_postmortem_line_says_located_to_the_hour() -> None:
    text = render_table_text(located_report())
    assert (
        "admin/errors: incident 2026-11-10 08:00 to 09:00 UTC (located to the hour) consumed 41.7% "
        "of the budget (over 20%)"
    ) in text


def test_markdown_says_located_to_the_hour_for_coarse_incidents_only() -> None:
    text = render_markdown(located_report())
    assert (
        "incident 2026-11-10 08:00 to 09:00 UTC (located to the hour) consumed 41.7% of the error budget"
    ) in text
    rows = [line for line in text.splitlines() if line.startswith("| admin | errors |")]
    assert rows == [
        "| admin | errors | 2026-11-08 03:00 (located to the hour) | 2026-11-08 04:00 | 1h | 12 | 13.9% |",
        "| admin | errors | 2026-11-20 08:40 | 2026-11-20 08:50 | 10m | 10 | 11.6% |",
    ]


def test_html_start_cell_says_located_to_the_hour_for_coarse_incidents_only() -> None:
    html = render_html(located_report(), images="none").html
    located = '<span class="sub">located to the hour</span>'
    assert html.count(located) == 2  # the postmortem and the small coarse incident, not the recent one
    assert f"2026-11-10 08:00 UTC{located}</td>" in html
    assert f"2026-11-08 03:00 UTC{located}</td>" in html
    assert "2026-11-20 08:40 UTC</td>" in html


def test_email_says_located_to_the_hour_for_coarse_incidents_only() -> None:
    html = render_html(located_report(), images="none", template=EMAIL_TEMPLATE).html
    assert "2026-11-10 08:00 to 09:00 UTC (located to the hour) · 1h" in html
    assert "2026-11-08 03:00 to 04:00 UTC (located to the hour) · 1h" in html
    assert "2026-11-20 08:40 to 08:50 UTC · 10m" in html


def test_json_gives_located_to_seconds_for_coarse_incidents_only() -> None:
    document = json.loads(render_json(located_report()))
    jsonschema.Draft202012Validator(schema()).validate(document)
    incidents = sorted(document["objectives"][0]["incidents"], key=lambda i: i["start"])
    assert [(i["start"], i["end"], i["located_to_seconds"]) for i in incidents] == [
        ("2026-11-08T03:00:00Z", "2026-11-08T04:00:00Z", 3600.0),
        ("2026-11-10T08:00:00Z", "2026-11-10T09:00:00Z", 3600.0),
        ("2026-11-20T08:40:00Z", "2026-11-20T08:50:00Z", None),
    ]


def test_json_refuses_a_located_to_of_zero() -> None:
    document = json.loads(render_json(located_report()))
    document["objectives"][0]["incidents"][0]["located_to_seconds"] = 0
    assert not jsonschema.Draft202012Validator(schema()).is_valid(document)


def test_first_data_in_the_coarse_region_is_located_to_the_hour_in_every_format() -> None:
    report = late_data_report()
    coverage = report.objectives[0].result.coverage
    assert coverage is not None and coverage.first_data == AT - timedelta(days=20)
    note = "partial window: 20d of 30d (data start located to the hour)"
    assert fmt.coverage_note(report.objectives[0]) == note

    document = json.loads(render_json(report))
    jsonschema.Draft202012Validator(schema()).validate(document)
    assert document["objectives"][0]["coverage"]["first_data_located_to_seconds"] == 3600.0
    assert note in render_table_text(report)
    assert note in render_markdown(report)
    assert note in render_html(report, images="none").html
    assert note.capitalize() in render_html(report, images="none", template=EMAIL_TEMPLATE).html
