"""The review as a DataFrame: one row per objective and period, unknowns kept unknown."""

from __future__ import annotations

import doctest
import io
import math
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import slokit
from slokit.engine.history import Advice, PeriodFigures
from slokit.engine.periods import Period
from slokit.errors import DefinitionError, UsageError
from slokit.review.frame import COLUMNS, review_frame
from slokit.review.model import ObjectiveReview, Review

BERLIN = ZoneInfo("Europe/Berlin")
OCTOBER = Period(datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC), "2026-10")
NOVEMBER = Period(datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC), "2026-11")


def objective(
    service: str, name: str, team: str, periods: tuple[PeriodFigures, ...], error: str | None = None
) -> ObjectiveReview:
    return ObjectiveReview(
        service=service,
        objective=name,
        kind="operational" if team == "ops" else "application",
        team=team,
        target=0.999,
        window=timedelta(days=30),
        periods=periods,
        alert_quality=(),
        default_alert_quality=(),
        advice=Advice(None, (), ()),
        attribution=(),
        incidents=(),
        releases=None,
        error=error,
    )


def known(period: Period, total: float, bad: float, **extra: object) -> PeriodFigures:
    fields: dict[object, object] = {
        "incidents": 0,
        "largest_incident_share": None,
        "postmortems_required": 0,
        "freeze_seconds": 0.0,
        "alerts": {"page": 0, "ticket": 0},
        "releases": None,
        **extra,
    }
    sli = (total - bad) / total
    return PeriodFigures(period, sli, total - bad, total, bad, bad / (0.001 * total), sli >= 0.999, **fields)  # type: ignore[arg-type]


UNKNOWN = PeriodFigures(
    OCTOBER, None, None, None, None, None, None, 0, None, 0, 0.0, {"page": 0, "ticket": 0}
)

REVIEW = Review(
    evaluated_at=datetime(2026, 12, 1, tzinfo=UTC),
    period_kind="month",
    step=timedelta(hours=1),
    objectives=(
        objective(
            "checkout",
            "availability",
            "ops",
            (
                known(OCTOBER, 1_000_000, 500, releases=2),
                known(
                    NOVEMBER,
                    2_000_000,
                    3_000,
                    incidents=2,
                    alerts={"page": 3, "ticket": 1},
                    freeze_seconds=7200.0,
                    releases=0,
                ),
            ),
        ),
        objective("checkout", "latency", "ops", (UNKNOWN, known(NOVEMBER, 400_000, 100))),
        objective("search", "latency", "dev", (), error="query failed: HTTP 503"),
        objective("payments", "auth", "dev", (known(OCTOBER, 10_000, 20), known(NOVEMBER, 10_000, 5))),
    ),
    priorities=(),
)


def test_one_row_per_objective_and_period_with_the_contract_columns() -> None:
    frame = review_frame(REVIEW)
    assert tuple(frame.columns) == COLUMNS
    assert list(zip(frame["service"], frame["objective"], frame["period"], strict=True)) == [
        ("checkout", "availability", "2026-10"),
        ("checkout", "availability", "2026-11"),
        ("checkout", "latency", "2026-10"),
        ("checkout", "latency", "2026-11"),
        ("payments", "auth", "2026-10"),
        ("payments", "auth", "2026-11"),
    ]
    row = frame.iloc[1]
    assert (row["kind"], row["team"]) == ("operational", "ops")
    assert (row["total_events"], row["bad_events"], row["good_events"]) == (2_000_000.0, 3_000.0, 1_997_000.0)
    assert row["sli"] == pytest.approx(0.9985)
    assert row["budget_consumed"] == pytest.approx(1.5)
    assert not row["met"]
    assert (row["incidents"], row["alerts_page"], row["alerts_ticket"]) == (2, 3, 1)
    assert row["freeze_seconds"] == 7200.0
    assert (frame.iloc[0]["releases"], frame.iloc[1]["releases"]) == (2, 0)


def test_period_bounds_are_timezone_aware_instants() -> None:
    frame = review_frame(REVIEW)
    assert str(frame["start"].dt.tz) == "UTC"
    november = frame.iloc[1]
    assert november["start"] == pd.Timestamp(datetime(2026, 11, 1, tzinfo=BERLIN))
    assert november["end"].tz_convert("Europe/Berlin") == pd.Timestamp("2026-12-01", tz="Europe/Berlin")


def test_unknown_stays_unknown_not_zero() -> None:
    frame = review_frame(REVIEW)
    october = frame.iloc[2]  # checkout/latency had no data in October
    for column in ("sli", "good_events", "total_events", "bad_events", "budget_consumed"):
        assert math.isnan(october[column]), column
    assert october["met"] is pd.NA
    # Nothing was there to count: incidents, alerts and freeze time are unknown too.
    assert (october["incidents"], october["alerts_page"], october["alerts_ticket"]) == (pd.NA,) * 3
    assert math.isnan(october["freeze_seconds"])
    assert october["releases"] is pd.NA  # releases not known
    assert str(frame["met"].dtype) == "boolean"
    assert {str(frame[c].dtype) for c in ("incidents", "alerts_page", "alerts_ticket", "releases")} == {
        "Int64"
    }
    assert frame.iloc[3]["incidents"] == 0  # November had data and no incident: a known 0
    # Means skip the unknown month instead of averaging in a zero.
    assert frame.groupby("objective")["bad_events"].mean()["latency"] == 100.0


def test_failed_objectives_have_no_rows_and_their_errors_in_attrs() -> None:
    frame = review_frame(REVIEW)
    assert "search" not in set(frame["service"])
    assert frame.attrs["errors"] == {"search/latency": "query failed: HTTP 503"}


def test_the_frame_pivots_and_groups_as_a_notebook_would() -> None:
    frame = review_frame(REVIEW)
    sli = frame.pivot_table(index=["service", "objective"], columns="period", values="sli")
    assert sli.loc[("payments", "auth"), "2026-10"] == pytest.approx(0.998)
    assert math.isnan(sli.loc[("checkout", "latency"), "2026-10"])
    by_team = frame.groupby("team")[["bad_events", "total_events"]].sum()
    assert by_team.loc["ops", "bad_events"] == 500 + 3_000 + 100
    assert by_team.loc["dev", "total_events"] == 20_000


def test_an_empty_review_is_an_empty_frame_with_the_columns() -> None:
    empty = Review(REVIEW.evaluated_at, "month", timedelta(hours=1), (), ())
    frame = review_frame(empty)
    assert frame.empty and tuple(frame.columns) == COLUMNS


def test_the_python_api_example_in_docs_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/review.md's notebook session, run as a doctest on the bundled snapshot: its outputs are checked.
    root = Path(__file__).resolve().parents[3]
    text = (root / "docs" / "review.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    session = "".join(re.findall(r"^```pycon\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL))
    monkeypatch.chdir(root)
    test = doctest.DocTestParser().get_doctest(session, {}, "docs/review.md#python-api", "docs/review.md", 0)
    assert len(test.examples) >= 6
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    failures = io.StringIO()
    result = runner.run(test, out=failures.write)
    assert result.failed == 0, failures.getvalue()


def test_slokit_report_does_not_import_pandas() -> None:
    # pandas costs a quarter of a second at import: only the review and slokit.history pay for it.
    root = Path(__file__).resolve().parents[3]
    code = (
        "import sys\n"
        "from slokit.cli import run\n"
        "code = run(['report', 'slo_definitions/', '--snapshot', 'slo_definitions/snapshot.json.gz'])\n"
        "print(code, 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 False"


def test_history_selects_a_team_and_raises_the_commands_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[3])
    snapshot = "slo_definitions/snapshot.json.gz"
    frame = slokit.history(
        ["slo_definitions/"], snapshot=snapshot, period="week", periods=2, team="payments-dev"
    )
    assert set(frame["team"]) == {"payments-dev"}
    assert list(frame["period"].unique()) == ["2026-W45", "2026-W46"]
    with pytest.raises(UsageError, match="--periods must be at least 1, got 0"):
        slokit.history("slo_definitions/", snapshot=snapshot, periods=0)
    broken = tmp_path / "slo.yaml"
    broken.write_text("version: 1\nservices: [\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=re.escape(str(broken))):
        slokit.history(broken, snapshot=snapshot)
