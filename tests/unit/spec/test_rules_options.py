"""The definition fields that shape generated rules: alerting.min_events, alerting.absent_for, min_events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from slokit.errors import DefinitionError
from slokit.spec import load

BASE = (
    "apiVersion: slokit/v1\nservice: api\nowners: {{operational: {{team: ops}}}}\n{alerting}objectives:\n"
    "  - name: up\n    kind: operational\n    target: 99\n{objective}"
    "    sli: {{ratio: {{bad: 'e_total', total: 't_total'}}}}\n"
)


def _write(tmp_path: Path, alerting: str = "", objective: str = "") -> Path:
    path = tmp_path / "api.yaml"
    path.write_text(BASE.format(alerting=alerting, objective=objective), encoding="utf-8")
    return path


def test_min_events_and_absent_for_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "alerting: {min_events: 500, absent_for: 15m}\n", "    min_events: 20\n")
    spec = load([path]).services[0].spec
    assert spec.alerting.min_events == 500
    assert spec.alerting.absent_for == timedelta(minutes=15)
    assert spec.objectives[0].min_events == 20
    # Giving them leaves the tiers to their defaults (scaled per window), not "written".
    assert spec.alerting.written("page") is None


@pytest.mark.parametrize(
    ("alerting", "objective", "message"),
    [
        ("alerting: {min_events: 0}\n", "", "4: alerting.min_events: must be at least 1 (got 0)"),
        (
            "alerting: {min_events: 1.5}\n",
            "",
            "4: alerting.min_events: must be a whole number of events (got 1.5)",
        ),
        (
            "",
            "    min_events: true\n",
            "8: objectives[0].min_events: must be a whole number of events (got true)",
        ),
        (
            "alerting: {absent_for: soon}\n",
            "",
            "4: alerting.absent_for: must be a duration like 5m, 1h or 30d",
        ),
    ],
)
def test_bad_values_name_file_line_and_field(
    tmp_path: Path, alerting: str, objective: str, message: str
) -> None:
    path = _write(tmp_path, alerting, objective)
    with pytest.raises(DefinitionError) as caught:
        load([path])
    lines = caught.value.lines()
    assert len(lines) == 1
    assert lines[0].removeprefix(f"{path}:").startswith(message)
