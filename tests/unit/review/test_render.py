"""The review's markdown, HTML and terminal renderers on the hand-built review of ``fixtures.py``.

Expected figures are worked out here from the events the fixture states (SLI = (total - bad) / total,
budget consumed = bad / ((1 - target) * total), an incident's share = bad / (0.001 * period total * 30 d /
period length)), not read back from the review.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from rich.text import Text

from slokit.engine.history import Advice
from slokit.errors import UsageError
from slokit.review.charts import review_charts
from slokit.review.model import Review
from slokit.review.render import (
    REVIEW_TABLE_WIDTH,
    render_review_html,
    render_review_table,
    render_review_text,
)
from slokit.sources.insight import LabelShare, Release
from tests.unit.review import fixtures

SCRIPT = "<script>alert(1)</script>"


def markdown(review: Review) -> str:
    return render_review_text(review, "markdown")


def section(text: str, heading: str) -> str:
    """The markdown from ``## heading`` to the next ``## ``."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def rows(text: str, first_cell: str) -> list[list[str]]:
    """Markdown table rows whose first cell is ``first_cell``, split into cells."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            out.append(cells)
    return out


# --- point 1: the document ---------------------------------------------------------------------------


def test_history_rows_show_each_periods_figures_computed_from_its_events(review: Review) -> None:
    text = section(markdown(review), "checkout/availability")
    # August: 900,000 requests, 1,800 bad at 99.9 %: SLI 99.8 %, 1,800 / 900 = 200 % of the budget, missed;
    # two incidents, the larger 1,200 / (0.001 * 900,000 * 30/31) = 137.8 % of the window's budget.
    assert rows(text, "2026-08") == [
        [
            "2026-08",
            "99.8%",
            "missed",
            "898k",
            "900k",
            "1,800",
            "200.0%",
            "2",
            "137.8%",
            "2",
            "5d",
            "3",
            "1",
            "1",
        ]
    ]
    # September: 500 bad of 1,100,000: SLI 1 - 500/1.1e6 = 99.955 %, 500 / 1,100 = 45.5 %; frozen 3 days.
    assert rows(text, "2026-09") == [
        ["2026-09", "99.955%", "met", "1.1M", "1.1M", "500", "45.5%", "0", "—", "0", "3d", "0", "1", "0"]
    ]
    # November: 1,000 bad of 1,250,000: 99.92 %, 80 %; one incident of 600 / 1,250 = 48 %.
    assert rows(text, "2026-11")[0][1:9] == [
        "99.92%",
        "met",
        "1.25M",
        "1.25M",
        "1,000",
        "80.0%",
        "1",
        "48.0%",
    ]


def test_periods_without_data_read_unknown_never_zero_or_100_percent(review: Review) -> None:
    text = section(markdown(review), "checkout/latency")
    for label in ("2026-06", "2026-07"):
        [row] = rows(text, label)
        # SLI, target met, good, total, bad, budget, incidents, largest, postmortems, freeze, alerts: unknown;
        # releases are known from their own query.
        assert row[1:14] == ["unknown"] * 12 + ["1" if label == "2026-06" else "0"]
        assert not {"0", "0.0%", "100%", "0%"} & set(row[1:10])
    # The summary counts only the months with data: met in 4 of 4, 2 unknown.
    [summary] = rows(section(markdown(review), "Summary"), "checkout/latency")
    assert summary[3] == "4 of 4 (2 unknown)"


def test_unknown_in_html_and_terminal_too(review: Review) -> None:
    html = render_review_html(review, charts=False)
    latency = html[html.index('id="obj-1"') : html.index('id="obj-2"')]
    assert latency.count('<td class="num">unknown</td>') >= 2 * 7
    table = render_review_text(review, "table")
    block = table[table.index("checkout/latency") : table.index("checkout/uptime")]
    june = next(line for line in block.splitlines() if line.strip().startswith("2026-06"))
    assert june.split()[1:] == ["unknown", "unknown", "unknown", "unknown", "unknown", "1"]


def test_an_objective_whose_source_failed_shows_its_error_and_no_figures(review: Review) -> None:
    text = markdown(review)
    [row] = rows(section(text, "Summary"), "search/search-latency")
    assert row[3:] == ["error"] * 7
    part = section(text, "search/search-latency")
    assert "**Error**: the data source failed, nothing was computed: query failed: HTTP 503" in part
    assert "### History" not in part and "Advice" not in part


def test_target_advice_is_worded_as_advice_with_the_periods_it_rests_on(review: Review) -> None:
    text = markdown(review)
    assert "Target advice is advice: slokit changes no definition." in text
    # 99.9 % met in 5 of 6 months (August missed): keep it.
    assert "\nAdvice: 99.9% was met in 5 of 6 months; keep it.\n" in section(text, "checkout/availability")
    # Latency: every month with data at 99.99 % (40 bad of 500,000 at most is 99.992 %).
    assert (
        "\nAdvice: 99.99% was met in 4 of 4 months, the current 99% in 4 (2 without data left out); "
        "consider tightening the target to 99.99%.\n"
    ) in section(text, "checkout/latency")
    # Uptime: 99.95 % allows 21.6 bad minutes in a 30-day month, 22.3 in a 31-day one: only November's 40
    # misses it.
    assert (
        "\nAdvice: 99.95% was met in 5 of 6 months, the current 99.9% in 6; consider tightening the target "
        "to 99.95%.\n"
    ) in section(text, "checkout/uptime")
    # Payments: 99.9 % allows 2,000 of 2,000,000; only 1,800 (August) and 1,500 (November) stay under it.
    assert (
        "\nAdvice: 99.9% was met in only 2 of 6 months; 99.5% was met in 6: consider loosening the target "
        "to 99.5%, or invest to meet 99.9%.\n"
    ) in section(text, "payments/authorisation-success")


def test_advice_flags_are_explained(review: Review) -> None:
    text = markdown(review)
    # The largest month spent 40 / (0.01 * 500,000) = 0.8 % of its budget.
    assert (
        "Flag budget\\_unused: no month spent 10% of its error budget (at most 0.8%): the objective is not "
        "driving anything; tighten it or drop it."
    ) in section(text, "checkout/latency")
    assert (
        "Flag aspirational: the target was missed in 4 of 6 months: invest in reliability or loosen the "
        "target."
    ) in section(text, "payments/authorisation-success")
    [row] = rows(section(text, "Summary"), "payments/authorisation-success")
    assert row[-1] == "loosen to 99.5% (aspirational)"


def test_advice_needs_two_periods_with_data(review: Review) -> None:
    latency = review.objectives[1]
    # June and July without data, August with: one month of three.
    short = dataclasses.replace(
        latency, periods=latency.periods[:3], advice=Advice(None, (None, None, 0.004), ())
    )
    text = markdown(dataclasses.replace(review, objectives=(short,)))
    assert "\nAdvice: unknown: 1 of 3 months had data, and advice needs at least 2.\n" in text


def test_incidents_name_the_release_they_followed(review: Review) -> None:
    text = section(markdown(review), "checkout/availability")
    # 1.42 at 09:48, the incident from 10:00: 12 minutes; 1.41 at 13:00, the incident from 14:00: an hour.
    assert rows(text, "3")[0][1:] == [
        "2026-11-16 10:00", "1h", "600", "48.0%", "required", "started 12 min after release 1.42"
    ]  # fmt: skip
    assert rows(text, "1")[0][-1] == "started 1h after release 1.41"
    assert rows(text, "2")[0][-1] == "none within the set time"
    assert "| # | Start (UTC, located to the hour) |" in text
    # Releases unknown (payments defines none): the incident's release is unknown, not "none".
    assert rows(section(markdown(review), "payments/authorisation-success"), "1")[0][-1] == "unknown"
    assert "Incident 3 started 12 min after release 1.42." in render_review_text(review, "table")


def test_the_history_says_it_is_located_to_its_step(review: Review) -> None:
    text = markdown(review)
    assert "the history's figures and incidents are located to the hour (time slices: to their slice)" in text
    assert "| # | Start (UTC, located to the minute) |" in section(text, "checkout/uptime")
    quarter = dataclasses.replace(review, step=timedelta(minutes=15), objectives=review.objectives[3:4])
    quarter = dataclasses.replace(
        quarter, objectives=(dataclasses.replace(quarter.objectives[0], step=timedelta(minutes=15)),)
    )
    assert "Start (UTC, located to 15 minutes)" in markdown(quarter)


def test_alert_quality_shows_configured_tiers_beside_the_defaults_and_undefined_as_na(review: Review) -> None:
    text = section(markdown(review), "checkout/latency")
    configured = rows(text, "configured")
    defaults = rows(text, "default")
    # 5 % of a 30-day budget in 2h: factor 0.05 * 720 h / 2 h = 18; nothing fired: every figure undefined.
    assert configured[0] == ["configured", "page 2h/10m", "18.0x", "0", "n/a", "n/a", "n/a", "n/a", "n/a"]
    assert [r[1:3] for r in defaults] == [
        ["page 1h/5m", "14.4x"], ["page 6h/30m", "6.0x"], ["ticket 1d/2h", "3.0x"], ["ticket 3d/6h", "1.0x"]
    ]  # fmt: skip
    assert "The default tiers are shown beside the configured ones" in text
    own = section(markdown(review), "checkout/availability")
    assert rows(own, "default") == []
    assert "The configured tiers are the defaults." in own
    # 11 min median detection (660 s), 22 min worst, 30 min reset; 2 of 3 incidents caught = 66.7 %.
    assert rows(own, "configured")[0][3:] == ["3", "100%", "100%", "11m", "22m", "30m"]
    assert rows(own, "configured")[1][5] == "66.7%"
    # A tier that fired once and caught nothing: 0 %, a real zero; its times undefined.
    assert rows(own, "configured")[3][3:] == ["1", "0%", "0%", "n/a", "n/a", "n/a"]


def test_attribution_lists_top_values_with_their_shares(review: Review) -> None:
    text = section(markdown(review), "checkout/availability")
    # 4,250 bad events: 60 % = 2,550 for code 500; the series without a handler label: 20 % = 850.
    assert rows(text, "code") == [
        ["code", "500", "2,550", "60%"], ["code", "503", "1,275", "30%"], ["code", "(other)", "425", "10%"]
    ]  # fmt: skip
    assert rows(text, "handler") == [
        ["handler", "/pay", "3,400", "80%"],
        ["handler", "(no value)", "850", "20%"],
    ]
    table = render_review_text(review, "table")
    assert "Budget eaten by code: 500 60%, 503 30%, (other) 10% · handler: /pay 80%, (no value) 20%" in (
        " ".join(table.split())
    )


def test_priorities_rank_each_teams_objectives_by_budget_and_by_trend(review: Review) -> None:
    text = section(markdown(review), "What each team should work on next")
    ops = text[text.index("### platform-ops") : text.index("### payments-dev")]
    # Span: availability 4,250 / (0.001 * 6,450,000) = 65.9 %, uptime 60 / (0.001 * 263,520) = 22.8 %,
    # latency 105 / (0.01 * 2,000,000) = 0.5 %. Trend: uptime 92.6 - 0 = +92.6, availability 80 - 25 = +55.
    assert [r[1:] for r in rows(ops, "1") + rows(ops, "2") + rows(ops, "3")] == [
        ["checkout/availability", "65.9%", "+55.0 pts", "checkout/uptime", "+92.6 pts"],
        ["checkout/uptime", "22.8%", "+92.6 pts", "checkout/availability", "+55.0 pts"],
        # June and July without data: the span's figure says what it measured.
        ["checkout/latency", "0.5% (4 of 6 months measured)", "+0.6 pts", "checkout/latency", "+0.6 pts"],
    ]
    payments = text[text.index("### payments-dev") : text.index("### discovery-dev")]
    # 13,600 / (0.001 * 12,000,000) = 113.3 %; 75 - 110 = -35 points.
    assert rows(payments, "1")[0][1:4] == ["payments/authorisation-success", "113.3%", "-35.0 pts"]
    search = text[text.index("### discovery-dev") :]
    assert rows(search, "1")[0][2:4] == ["unknown", "unknown"]


def test_releases_are_listed_and_counted_per_period(review: Review) -> None:
    text = section(markdown(review), "checkout/availability")
    assert (
        "3 releases: 1.40 2026-06-09 14:00 UTC · 1.41 2026-08-12 13:00 UTC · 1.42 2026-11-16 09:48 UTC."
        in text
    )
    assert [rows(text, f"2026-{m:02d}")[0][-1] for m in range(6, 12)] == ["1", "0", "1", "0", "0", "1"]
    assert "Releases unknown." in section(markdown(review), "payments/authorisation-success")


def test_notes_are_listed_under_their_objective(review: Review) -> None:
    text = section(markdown(review), "payments/authorisation-success")
    assert "- attribution unavailable: a snapshot holds no labels\n" in text
    assert "- releases unknown: the service defines no releases\n" in text


def test_time_slice_objectives_count_slices(review: Review) -> None:
    text = section(markdown(review), "checkout/uptime")
    assert "time slices: the counts below are slices" in text
    assert "| Bad slices |" in text


# --- escaping ----------------------------------------------------------------------------------------


def hostile(review: Review) -> Review:
    first = review.objectives[0]
    error = review.objectives[4]
    return dataclasses.replace(
        review,
        objectives=(
            dataclasses.replace(
                first,
                service=f"shop{SCRIPT}",
                team='ops"><img src=x onerror=alert(1)>',
                attribution=(LabelShare("code", f"a|b{SCRIPT}", 1.0, 1.0),),
                releases=(
                    Release(first.periods[0].period.start + timedelta(days=1), SCRIPT, timedelta(hours=1)),
                ),
                notes=(f"note {SCRIPT}",),
            ),
            dataclasses.replace(error, error=f"query failed: {SCRIPT}"),
        ),
    )


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_escapes_every_value_from_definitions_and_metrics(review: Review) -> None:
    html = render_review_html(hostile(review), charts=False)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = Elements()
    parser.feed(html)
    assert [tag for tag, _ in parser.tags if tag in ("script", "img")] == []
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)


def test_markdown_escapes_values_that_would_break_a_table_or_inject_html(review: Review) -> None:
    text = markdown(hostile(review))
    assert SCRIPT not in text
    assert "| code | a\\|b\\<script\\>alert(1)\\</script\\> | 1 | 100% |" in text


def test_html_is_self_contained_with_two_600x180_charts_per_objective_with_data(review: Review) -> None:
    html = render_review_text(review, "html")
    parser = Elements()
    parser.feed(html)
    images = [attrs["src"] or "" for tag, attrs in parser.tags if tag == "img"]
    # Availability, latency, uptime, payments: two each; the failed search objective none.
    assert len(images) == 8
    for src in images:
        assert src.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert image.size == (600, 180)
    # Nothing fetched from elsewhere: links are in-page anchors, no stylesheet, script or remote image.
    links = [attrs.get("href") or "" for tag, attrs in parser.tags if tag in ("a", "link")]
    assert links and all(href.startswith("#") for href in links)
    assert "<script" not in html and "http://" not in html.replace("http://prometheus:9090", "")
    assert "default-src 'none'" in html


# --- charts ------------------------------------------------------------------------------------------


def blue_columns(png: bytes) -> list[int]:
    """Pixel columns holding the release marks' blue (blue well above red: no other colour of the charts)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size

    def blue(x: int, y: int) -> bool:
        red, _, blue = image.getpixel((x, y))  # type: ignore[misc]
        return bool(blue - red > 60)

    return [x for x in range(width) if any(blue(x, y) for y in range(height))]


@pytest.mark.parametrize("chart", ["sli", "budget"])
def test_charts_mark_each_release_at_its_time(review: Review, chart: str) -> None:
    item = review.objectives[0]
    columns = blue_columns(getattr(review_charts(item), chart))
    assert blue_columns(getattr(review_charts(dataclasses.replace(item, releases=())), chart)) == []
    # The axes span 2026-06-01 to 2026-12-01 (183 days) from x = 0.085 to 0.985 of 600 px.
    start = item.periods[0].period.start
    expected = [51 + (r.at - start) / timedelta(days=183) * 540 for r in item.releases or ()]
    clusters: list[list[int]] = []
    for x in columns:
        if clusters and x - clusters[-1][-1] <= 2:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    centres = [(c[0] + c[-1]) / 2 for c in clusters]
    assert len(centres) == 3
    for centre, want in zip(centres, expected, strict=True):
        assert abs(centre - want) <= 2


def test_no_charts_for_an_error_or_a_history_without_data(review: Review) -> None:
    failed = review_charts(review.objectives[4])
    assert failed.sli is None and failed.budget is None
    latency = review.objectives[1]
    empty = review_charts(
        dataclasses.replace(latency, periods=latency.periods[:2])
    )  # the months without data
    assert empty.sli is None and empty.budget is None


# --- point 3: the terminal summary -------------------------------------------------------------------


def test_terminal_summary_fits_80_columns_when_piped(review: Review) -> None:
    text = render_review_text(review, "table")
    assert REVIEW_TABLE_WIDTH == 80
    too_wide = [line for line in text.splitlines() if Text(line.rstrip()).cell_len > 80]
    # The one exception: a source error is printed whole on its line, to be grepped.
    assert [line.strip() for line in too_wide if not line.strip().startswith("error:")] == []
    assert "\x1b[" not in text
    lines = text.splitlines()
    history = lines[lines.index("checkout/availability · platform-ops · target 99.9% · 30d") + 1]
    assert history.split() == ["period", "SLI", "target", "budget", "incidents", "page/ticket", "releases"]
    august = next(line for line in lines if line.strip().startswith("2026-08"))
    assert august.split() == ["2026-08", "99.8%", "✗", "missed", "200.0%", "2", "·", "137.8%", "3/1", "1"]


def test_terminal_summary_drops_columns_rather_than_wrapping_a_period_on_a_narrow_terminal(
    review: Review,
) -> None:
    buffer = io.StringIO()
    render_review_table(review, Console(file=buffer, width=60, color_system=None, force_terminal=False))
    lines = buffer.getvalue().splitlines()
    august = next(line for line in lines if line.strip().startswith("2026-08"))
    assert august.split() == ["2026-08", "99.8%", "✗", "missed", "200.0%", "2", "·", "137.8%"]
    header = next(line for line in lines if line.strip().startswith("period"))
    assert header.split() == ["period", "SLI", "target", "budget", "incidents"]
    wide = io.StringIO()
    render_review_table(review, Console(file=wide, width=120, color_system=None, force_terminal=False))
    assert "freeze" in wide.getvalue() and " 5d" in wide.getvalue()


def test_terminal_summary_has_advice_flags_and_priorities(review: Review) -> None:
    text = " ".join(render_review_text(review, "table").split())
    assert "Advice: 99.9% was met in 5 of 6 months; keep it." in text
    assert "Flag aspirational: the target was missed in 4 of 6 months" in text
    assert "What each team should work on next" in text
    assert "1. checkout/availability 65.9% +55.0 pts 2. checkout/uptime 22.8% +92.6 pts" in text
    assert (
        "Rising fastest: checkout/uptime +92.6 pts, checkout/availability +55.0 pts, "
        "checkout/latency +0.6 pts."
    ) in text
    assert "error: query failed: HTTP 503 Service Unavailable from http://prometheus:9090" in text


# --- templates ---------------------------------------------------------------------------------------


def test_templates_directory_overrides_the_review_templates(review: Review, tmp_path: Path) -> None:
    (tmp_path / "review.md.j2").write_text("{{ review.objectives | length }} objectives\n")
    assert render_review_text(review, "markdown", tmp_path) == "5 objectives\n"
    (tmp_path / "review.html.j2").write_text("{{ review.objectives[0].notes }}{{ cards | length }}\n")
    assert render_review_text(hostile(review), "html", tmp_path).startswith("(&#39;note &lt;script&gt;")
    (tmp_path / "review.md.j2").write_text("{{ nope }}\n")
    with pytest.raises(
        UsageError, match=re.escape(f"template {tmp_path / 'review.md.j2'}: 'nope' is undefined")
    ):
        render_review_text(review, "markdown", tmp_path)


def test_unknown_format_is_refused(review: Review) -> None:
    with pytest.raises(ValueError, match="unknown review format 'pdf'"):
        render_review_text(review, "pdf")


def test_fixture_review_is_the_documented_one() -> None:
    # The expected figures above rest on these stated events.
    assert fixtures.AVAILABILITY[2] == (900_000, 1_800)
    assert sum(b for _, b in fixtures.AVAILABILITY) == 4_250
    assert fixtures.SLICES == (43_200, 44_640, 44_640, 43_200, 44_640, 43_200)


def test_the_span_reads_as_period_labels_across_timezones_and_as_utc_times_for_windows(
    review: Review,
) -> None:
    # A Berlin month starts at 22:00 or 23:00 UTC the day before: still 2026-06 to 2026-11 by its labels.
    first = review.objectives[0]
    berlin = dataclasses.replace(
        first,
        timezone="Europe/Berlin",
        periods=tuple(
            dataclasses.replace(
                p, period=dataclasses.replace(p.period, start=p.period.start - timedelta(hours=2))
            )
            for p in first.periods
        ),
    )
    mixed = dataclasses.replace(review, objectives=(berlin, *review.objectives[1:]))
    assert "· 6 months, 2026-06 to 2026-11 ·" in markdown(mixed)
    windows = dataclasses.replace(
        review, objectives=tuple(dataclasses.replace(o, period_kind="window") for o in review.objectives)
    )
    assert "· 6 windows, 2026-06-01 00:00 to 2026-12-01 00:00 UTC ·" in markdown(windows)


def test_unknown_attribution_reads_unknown_and_no_attribute_by_reads_no_attribution(review: Review) -> None:
    unknown = dataclasses.replace(review.objectives[0], attribution=None)
    changed = dataclasses.replace(review, objectives=(unknown, *review.objectives[1:]))
    text = markdown(changed)
    assert "\nBudget attribution unknown (see the notes).\n" in section(text, "checkout/availability")
    assert "\nNo attribution.\n" in section(text, "checkout/latency")  # latency has no attribute_by
    assert "Budget attribution unknown (see the notes)." in render_review_text(changed, "html")
    table = " ".join(render_review_text(changed, "table").split())
    assert "Budget attribution unknown (see the notes)." in table


def test_summary_names_how_many_periods_were_measured(review: Review) -> None:
    # Latency: June and July without data, August to November with, no incident nor alert in them.
    [row] = rows(section(markdown(review), "Summary"), "checkout/latency")
    assert row[4:9] == [
        "0.5% (4 of 6 months measured)",
        "0.8%",
        "0 (4 of 6 months measured)",
        "0 (4 of 6 months measured)",
        "0 (4 of 6 months measured)",
    ]
    # Availability: all six measured, nothing added.
    [row] = rows(section(markdown(review), "Summary"), "checkout/availability")
    assert row[4] == "65.9%" and row[6:9] == ["3", "5", "2"]
    html = render_review_text(review, "html")
    assert "0.5% (4 of 6 months measured)" in html and "0 (4 of 6 months measured)" in html
    table = " ".join(render_review_text(review, "table").split())
    assert "checkout/latency 0.5% (4 of 6 months measured)" in table
    # No period measured: the counts are unknown, never 0.
    latency = review.objectives[1]
    blank = dataclasses.replace(
        latency,
        periods=tuple(
            dataclasses.replace(
                p, sli=None, good_events=None, total_events=None, bad_events=None, coverage=0.0
            )
            for p in latency.periods
        ),
    )
    [row] = rows(
        section(markdown(dataclasses.replace(review, objectives=(blank,))), "Summary"), "checkout/latency"
    )
    assert row[6:9] == ["unknown", "unknown", "unknown"]


def test_advice_leaves_out_partial_periods_and_says_so(review: Review) -> None:
    # Latency's August holds data for 3 of its 31 days: left out beside June and July without data.
    latency = review.objectives[1]
    periods = list(latency.periods)
    periods[2] = dataclasses.replace(periods[2], coverage=3 / 31)
    partial = dataclasses.replace(latency, periods=tuple(periods))
    text = markdown(dataclasses.replace(review, objectives=(partial,)))
    assert (
        "\nAdvice: 99.99% was met in 3 of 3 months, the current 99% in 3 (2 without data, 1 partial left "
        "out); consider tightening the target to 99.99%.\n"
    ) in text
    # One whole month left: no advice, and the partial one is named.
    periods[3] = dataclasses.replace(periods[3], coverage=0.5)
    periods[4] = dataclasses.replace(periods[4], coverage=0.98)
    short = dataclasses.replace(
        latency, periods=tuple(periods), advice=Advice(None, (), (), partial_periods=3)
    )
    text = markdown(dataclasses.replace(review, objectives=(short,)))
    assert (
        "\nAdvice: unknown: 1 of 6 months had data for the whole month (3 partial), and advice needs at "
        "least 2.\n" in text
    )


def test_terminal_legend_says_the_incident_share_is_of_the_window_budget(review: Review) -> None:
    table = " ".join(render_review_text(review, "table").split())
    assert (
        "Incidents: how many · the largest one's share of the window's budget (the budget column is the "
        "period's)."
    ) in table


def test_terminal_header_breaks_between_its_parts_and_names_a_single_period_once(review: Review) -> None:
    windows = dataclasses.replace(
        review,
        objectives=tuple(
            dataclasses.replace(o, period_kind="window") for o in (*review.objectives, *review.objectives)
        ),
    )
    lines = render_review_text(windows, "table").splitlines()
    # "slokit review · 6 windows, 2026-06-01 00:00 to 2026-12-01 00:00 UTC · 10 objectives" is 83 columns.
    assert lines[:2] == [
        "slokit review · 6 windows, 2026-06-01 00:00 to 2026-12-01 00:00 UTC",
        "10 objectives",
    ]
    one = dataclasses.replace(
        review, objectives=tuple(dataclasses.replace(o, periods=o.periods[-1:]) for o in review.objectives)
    )
    assert (
        render_review_text(one, "table").splitlines()[0] == "slokit review · 1 month, 2026-11 · 5 objectives"
    )
    assert "· 1 month, 2026-11 ·" in markdown(one)


def test_review_and_report_charts_reuse_one_figure_per_thread_through_the_reports_canvas(
    review: Review,
) -> None:
    """The review's charts keep their figures as the report's do, through one helper: the same canvas on a
    thread, another on another thread, and drawing again gives the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    from slokit.report.charts import Canvas, _Canvas
    from slokit.review import charts as review_charts_module

    kind = review_charts_module._Canvas
    assert issubclass(kind, Canvas) and issubclass(_Canvas, Canvas)
    first = review_charts(review.objectives[0])
    assert kind.for_thread() is kind.for_thread() and _Canvas.for_thread() is not kind.for_thread()
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(kind.for_thread).result()
        again = pool.submit(review_charts, review.objectives[0]).result()
    assert other is not kind.for_thread()
    assert again == first == review_charts(review.objectives[0])


def test_a_target_missed_in_a_period_is_not_advised_tighter_even_if_the_ladder_allows_it(
    review: Review,
) -> None:
    # checkout/availability: 99.9 % met in 5 of 6 months (August missed). Were 99.95 % met in 5 of 6 too (the
    # N-1-of-N rule forgives one month at any target), tightening would be advice against August's figures.
    objectives = tuple(
        dataclasses.replace(o, advice=dataclasses.replace(o.advice, achievable_target=0.9995))
        if o.objective == "availability"
        else o
        for o in review.objectives
    )
    tighter = dataclasses.replace(review, objectives=objectives)
    part = section(markdown(tighter), "checkout/availability")
    assert "consider tightening" not in part
    assert "but the current 99.9% was missed in 1; keep it until it is met in every month.\n" in part
