"""An objective's notes (an absent bad counter counted as zero, issue 10 point 4) in every report format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from markupsafe import escape

from slokit.report.model import Report
from slokit.report.render import render_text

from .builders import healthy_report

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOTE = (
    'bad selector http_requests_total{job="admin",code="503"} matches no series in the last 33d5m: '
    "counted as zero bad events (an error counter that never fired)"
)


def report(notes: tuple[str, ...]) -> Report:
    return healthy_report(notes=notes)


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
