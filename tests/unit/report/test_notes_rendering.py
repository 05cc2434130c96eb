"""An objective's notes (an absent bad counter counted as zero, issue 10 point 4) in every report format."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from markupsafe import escape

from slokit.engine import ObjectiveInput, Policy, evaluate
from slokit.report.model import ObjectiveReport, Report
from slokit.report.render import render_text

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOTE = (
    'bad selector http_requests_total{job="admin",code="503"} matches no series in the last 33d5m: '
    "counted as zero bad events (an error counter that never fired)"
)


def report(notes: tuple[str, ...]) -> Report:
    step = timedelta(minutes=5)
    ends = np.datetime64("2026-11-20T09:00", "ns") - np.arange(33 * 288 - 1, -1, -1) * np.timedelta64(step)
    total = np.full(len(ends), 10.0)
    [result] = evaluate(
        [ObjectiveInput("admin/errors", 0.999, timedelta(days=30), step, ends, total, total)], AT
    )
    item = ObjectiveReport(
        service="admin",
        objective="errors",
        kind="operational",
        team="platform-ops",
        emails=(),
        description="",
        target=0.999,
        window="30d",
        sli_kind="ratio",
        labels={},
        location="slo/admin.yaml:7",
        policy=Policy(),
        result=result,
    )
    return Report(AT, (dataclasses.replace(item, notes=notes),))


def test_json_has_the_notes_and_no_error_kind() -> None:
    [objective] = json.loads(render_text(report((NOTE,)), "json"))["objectives"]
    assert (objective["status"], objective["notes"], objective["error_kind"]) == ("ok", [NOTE], None)
    [plain] = json.loads(render_text(report(()), "json"))["objectives"]
    assert plain["notes"] == []


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("table", f"Notes:\n  admin/errors: {NOTE}"),  # wrapped at the table's width, hence the join below
        ("markdown", f"- admin/errors: {NOTE.replace('_', chr(92) + '_')}"),
        ("html", f'<p class="note">Note: {escape(NOTE)}</p>'),
    ],
)
def test_every_human_format_shows_the_note(fmt: str, line: str) -> None:
    text = render_text(report((NOTE,)), fmt)
    assert line in (text.replace(" \n", " ") if fmt == "table" else text)
    assert "matches no series" not in render_text(report(()), fmt)
