"""Golden files of the review: the bundled examples reviewed over the four complete ISO weeks the demo
snapshot covers (it holds about 33 days ending at 2026-11-20 09:00 UTC), as markdown and as the terminal
summary; and the hand-built review of ``tests/unit/review/fixtures.py`` (every case a renderer has: no
data, an error, attribution, releases, flags), compared byte for byte.

Checked by hand once (checkout/uptime, week 2026-W46: 10 bad one-minute slices of 10,080 at 99.95 % is
10 / 5.04 = 198.4 % of the week's budget, SLI 99.901 %, missed; checkout/availability's incident of 20.5k
bad events at 24.2M a week is 20.5k / (0.001 * 24.2M * 30/7) = 19.8 % of the window's budget, under the
20 % that needs a postmortem). After a deliberate change, regenerate them with
``SLOKIT_UPDATE_GOLDEN=1 pytest tests/cli/test_review_golden.py`` and read the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slokit.cli import run
from slokit.review.render import render_review_text
from tests.unit.review.fixtures import review

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
ARGS = [
    "slo_definitions",
    "--snapshot",
    "slo_definitions/snapshot.json.gz",
    "--period",
    "week",
    "--periods",
    "4",
]


def compare(rendered: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("SLOKIT_UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(("format", "name"), [("markdown", "review.md"), ("table", "review.txt")])
def test_demo_review_matches_golden(
    format: str,
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are relative, as a user would type them
    out = tmp_path / name
    assert run(["review", *ARGS, "--format", format, "--out", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    compare(out.read_text(encoding="utf-8"), name)


def test_demo_review_on_stdout_equals_the_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert run(["review", *ARGS, "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "review.md").read_text(encoding="utf-8")
    assert run(["review", *ARGS, "--format", "table"]) == 0  # piped: 80 columns, no colour
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert out == (GOLDEN / "review.txt").read_text(encoding="utf-8")


def test_demo_review_html_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "review.html"
    assert run(["review", *ARGS, "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('src="data:image/png;base64,') == 16  # two charts for each of the 8 objectives


@pytest.mark.parametrize(
    ("format", "name"), [("markdown", "review-fixture.md"), ("table", "review-fixture.txt")]
)
def test_hand_built_review_matches_golden(format: str, name: str) -> None:
    compare(render_review_text(review(), format), name)
