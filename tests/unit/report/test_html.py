"""The HTML report: content, numbers equal to fmt's, self-containment, escaping of hostile strings."""

from __future__ import annotations

import base64
import dataclasses
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from slokit import pipeline
from slokit.engine import Incident, Policy, failed_result
from slokit.report import fmt
from slokit.report.html import HtmlReport, render_html, when
from slokit.report.model import ObjectiveReport, Report
from slokit.sources.snapshot import SnapshotSource
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[3]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_PNG = "data:image/png;base64,"

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>'
UNICODE = "Zürich ✓ 日本語"
PIPES = "a|b || c"
LONG = "slow-" + "x" * 295  # 300 characters, one unbreakable word
SECRET = "hunter2-secret"


@cache
def demo() -> Report:
    source = SnapshotSource(ROOT / "slo_definitions" / "snapshot.json.gz")
    report, _ = pipeline.run(load([ROOT / "slo_definitions"]), source, pipeline.pin(source.evaluated_at))
    return report


@cache
def demo_page() -> HtmlReport:
    return render_html(demo())


def hostile() -> Report:
    """The demo with hostile strings in every free-text field, plus an objective whose source failed."""
    report = demo()
    first, second, third, *rest = report.objectives
    broken = dataclasses.replace(
        rest[0],
        objective="broken",
        description="markup: **bold** | <b>b</b> & ' \"",
        result=failed_result(
            "payments/broken", f"query failed: GET http://bob:{SECRET}@prometheus:9090/api <b>timeout</b>"
        ),
    )
    return dataclasses.replace(
        report,
        objectives=(
            dataclasses.replace(
                first, description=SCRIPT, labels={"tier": ATTRIBUTE_BREAKOUT, "city": UNICODE}
            ),
            dataclasses.replace(second, description=LONG, labels={"table": PIPES, "long": LONG}),
            dataclasses.replace(third, description=f"{UNICODE} {PIPES}", team=f"ops{SCRIPT}"),
            broken,
            *rest[1:],
        ),
    )


class Page(HTMLParser):
    """The parts of a page the tests look at; also checks that every element that is opened is closed."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_by_id: dict[str, list[str]] = {}
        self.cells_by_row: dict[str, list[str]] = {}
        self.unclosed: list[str] = []
        self._open: list[tuple[str, str | None]] = []  # (tag, id of the element or its closest ancestor)
        self._row: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in self.VOID:
            return
        owner = attributes.get("id") or (self._open[-1][1] if self._open else None)
        self._open.append((tag, owner))
        if tag == "tr" and attributes.get("id"):
            self._row = attributes["id"]
            self.cells_by_row[self._row or ""] = []
        if tag == "td" and self._row:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self._open or self._open[-1][0] != tag:
            self.unclosed.append(f"</{tag}> while {[t for t, _ in self._open][-3:]} open")
            return
        self._open.pop()
        if tag == "td" and self._cell is not None and self._row:
            self.cells_by_row[self._row].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, owner in self._open[-1:]:
            if owner:
                self.text_by_id.setdefault(owner, []).append(data)

    def text(self, element_id: str) -> str:
        return " ".join(" ".join(self.text_by_id.get(element_id, [])).split())


def anchor(report: Report, item: ObjectiveReport) -> str:
    return f"obj-{report.objectives.index(item)}"


# --- content ------------------------------------------------------------------------------------------------


def test_demo_page_is_well_formed_and_has_every_part() -> None:
    report, page = demo(), Page(demo_page().html)
    assert page.unclosed == []
    ids = {a.get("id") for _, a in page.tags}
    assert {"summary", "freeze", "postmortems", "incidents"} <= ids
    assert {f"team-{i}" for i in range(1, len(report.sections()) + 1)} <= ids
    for index in range(len(report.objectives)):
        assert f"obj-{index}" in ids and f"row-obj-{index}" in ids
    header = demo_page().html.split("<nav>")[0]
    for status, number in report.counts.items():
        assert f"{fmt.status(status)}: {number}" in header
    assert when(report.evaluated_at) == "2026-11-20 09:00 UTC"
    assert f"Evaluated at {when(report.evaluated_at)}" in header


@pytest.mark.parametrize("index", range(8))
def test_summary_row_numbers_are_fmt_of_the_result(index: int) -> None:
    report = demo()
    item = report.objectives[index]
    result = item.result
    budget = result.error_budget
    assert budget is not None
    cells = Page(demo_page().html).cells_by_row[f"row-obj-{index}"]
    assert cells == [
        f"{item.service} / {item.objective}",
        item.team,
        item.kind,
        fmt.status(item.status),
        f"{fmt.percent(result.sli)} {fmt.percent(item.target)}",
        item.window,
        f"{fmt.budget_percent(budget.remaining)} {fmt.budget_left(item)}",
        *(fmt.burn(result.burn_rates[key]) for key in ("1h", "6h", "1d", "3d")),
        fmt.firing(item),
        fmt.duration(result.time_to_exhaustion),
    ]


@pytest.mark.parametrize("index", range(8))
def test_card_numbers_are_fmt_of_the_result(index: int) -> None:
    report = demo()
    item = report.objectives[index]
    result = item.result
    budget = result.error_budget
    assert budget is not None
    card = Page(demo_page().html).text(f"obj-{index}")
    unit = " slices" if item.sli_kind == "timeslices" else ""
    expected = [
        f"SLI {fmt.percent(result.sli)} (target {fmt.percent(item.target)})",
        f"{fmt.count(result.good_events)} good / {fmt.count(result.total_events)} total / "
        f"{fmt.count(result.bad_events)} bad",
        f"Budget left {fmt.budget_percent(budget.remaining)} · {fmt.budget_left(item)}",
        f"Budget used {fmt.budget_percent(budget.consumed)} of "
        f"{fmt.count(budget.allowed_bad_events)}{unit} allowed",
        f"Exhausted in {fmt.duration(result.time_to_exhaustion)}",
        "Burn rates " + " · ".join(f"{k} {fmt.burn(v)}" for k, v in result.burn_rates.items()),
        f"Incidents {len(result.incidents)}",
        f"warning under {fmt.percent(item.policy.warn_below / 100, 1)} left; "
        f"freezes on {item.policy.freeze_on}",
    ]
    for alert in result.alerts:
        expected.append(
            f"{alert.severity} {fmt.duration(alert.long_window)} / {fmt.duration(alert.short_window)} "
            f"{fmt.factor(alert.factor)} {fmt.burn(alert.long_burn_rate)} {fmt.burn(alert.short_burn_rate)} "
            + ("firing" if alert.firing else "quiet")
        )
    if result.calendar:
        calendar = result.calendar
        expected += [
            f"Period {when(calendar.period_start)} \u2013 {when(calendar.period_end)}",
            f"Elapsed {fmt.percent(calendar.elapsed_share, 1)} of the period",
            f"Projected SLI {fmt.percent(calendar.projected_sli)} at the period's end",
        ]
    for text in expected:
        assert text in card, text


def test_calendar_window_shows_elapsed_share_and_projection() -> None:
    card = Page(demo_page().html).text("obj-6")  # search/search-latency: month (Europe/Berlin)
    assert "Elapsed 64.7% of the period" in card
    assert "Projected SLI 99.398% at the period's end" in card


def test_release_freeze_lists_the_frozen_objectives() -> None:
    report = demo()
    frozen = report.frozen()
    assert [o.objective for o in frozen] == ["queue-health"]
    section = Page(demo_page().html).text("freeze")
    assert "freezes feature releases of payments" in section
    assert f"payments / queue-health platform-ops {fmt.status('exhausted')} warning" in section


def test_postmortems_lists_every_due_incident_largest_first() -> None:
    report = demo()
    section = Page(demo_page().html).text("postmortems")
    due = report.postmortems()
    assert f"{len(due)} incidents consumed more" in section
    shares = [fmt.budget_percent(d.incident.budget_share) for d in due]
    assert [m for m in re.findall(r"(\d+\.\d%)", section) if m in shares] == shares
    first = due[0]
    assert (
        f"{first.objective.service} / {first.objective.objective} {first.objective.team} "
        f"{when(first.incident.start)} {fmt.duration(first.incident.end - first.incident.start)} (ongoing)"
    ) in section


def test_incidents_table_shows_the_largest_others_and_counts_the_rest() -> None:
    report = demo()
    every = sorted((i for o in report.objectives for i in o.result.incidents), key=lambda i: -i.budget_share)
    others = [i for i in every if not i.postmortem_required]
    assert len(others) > 2
    html = render_html(report, images="none", max_incidents=2).html
    table = html.split('<section id="incidents">')[1].split("</section>")[0]
    assert table.count("<tr>") == 1 + 2  # the header and the 2 largest
    section = Page(html).text("incidents")
    assert section.startswith("Other incidents")
    assert f"{len(others) - 2} smaller incidents left out" in section
    assert f"at most {fmt.budget_percent(others[2].budget_share)} of its budget" in section


def incident_rows(html: str, section: str) -> list[str]:
    """The text of each body row of a section's table."""
    body = html.split(f'<section id="{section}">')[1].split("</section>", maxsplit=1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[2:]]


def test_every_incident_is_listed_once_in_the_html() -> None:
    report = demo()
    html = render_html(report, images="none").html
    rows = incident_rows(html, "postmortems") + incident_rows(html, "incidents")
    incidents = report.incidents()
    assert len(incidents) == 10 and len(report.postmortems()) == 5
    for row in incidents:
        item = row.objective
        key = f"{item.service} / {item.objective} {item.team} {when(row.incident.start)}"
        assert sum(r.startswith(key) for r in rows) == 1, key
    # the ones that need a postmortem are in its table, the others in the incidents table
    assert len(incident_rows(html, "postmortems")) == 5
    assert len(incident_rows(html, "incidents")) == 5


def test_every_incident_is_listed_once_in_the_markdown() -> None:
    from slokit.report.markdown import render_markdown

    report = demo()
    text = render_markdown(report)
    for row in report.incidents():
        name = f"{row.objective.service}/{row.objective.objective}"
        cells = (
            f"| {row.objective.service} | {row.objective.objective} | {row.incident.start:%Y-%m-%d %H:%M} |"
        )
        bullets = [
            line
            for line in text.splitlines()
            if name in line and f"{row.incident.start:%Y-%m-%d %H:%M}" in line
        ]
        assert len(bullets) + text.count(cells) == 1, name
    assert "## Other incidents" in text
    assert "| Postmortem |" not in text


def test_only_postmortem_incidents_says_there_are_no_others() -> None:
    from slokit.report.markdown import render_markdown

    item = demo().objectives[0]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    due = (Incident(start, start + timedelta(minutes=5), 50.0, 0.5, True),)
    report = Report(
        demo().evaluated_at,
        (dataclasses.replace(item, result=dataclasses.replace(item.result, incidents=due)),),
    )
    assert "No other incidents in the window." in Page(render_html(report, images="none").html).text(
        "incidents"
    )
    assert "No other incidents: every period" in render_markdown(report)


def test_summary_lines_say_1_objective_and_1_team() -> None:
    from slokit.report.markdown import render_markdown

    one = Report(demo().evaluated_at, demo().objectives[:1])
    assert "· 1 objective · 1 team" in " ".join(render_html(one, images="none").html.split())
    assert "· 1 objective: 1 ok." in render_markdown(one)
    assert "· 8 objectives · 4 teams" in " ".join(demo_page().html.split())


def test_incident_limit_is_a_parameter() -> None:
    item = demo().objectives[0]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    incidents = tuple(
        Incident(start + timedelta(hours=i), start + timedelta(hours=i, minutes=5), 5.0 + i, i / 1000, False)
        for i in range(30)
    )
    report = Report(
        demo().evaluated_at,
        (dataclasses.replace(item, result=dataclasses.replace(item.result, incidents=incidents)),),
    )
    section = Page(render_html(report, images="none", max_incidents=7).html).text("incidents")
    assert "23 smaller incidents left out" in section
    assert fmt.budget_percent(29 / 1000) in section  # the largest is shown


def test_an_empty_selection_renders() -> None:
    page = render_html(Report(datetime(2026, 1, 1, tzinfo=UTC), ()))
    assert "No objectives selected." in page.html
    assert "No objective freezes feature releases." in page.html
    assert Page(page.html).unclosed == []


# --- self-contained -----------------------------------------------------------------------------------------


def link_urls(html: str) -> list[str]:
    """The runbook and dashboard links: followed by a reader's click, never loaded by the page."""
    return [a["href"] or "" for t, a in Page(html).tags if t == "a" and "noopener" in (a.get("rel") or "")]


def resource_urls(html: str) -> list[str]:
    page = Page(html)
    urls = [
        v or ""
        for t, a in page.tags
        for k, v in a.items()
        if k in ("src", "href", "srcset", "action", "data")
        and not (t == "a" and k == "href" and "noopener" in (a.get("rel") or ""))
    ]
    urls += re.findall(r"url\(([^)]*)\)", html) + re.findall(r"@import\s+[^;]+", html)
    return urls


def test_page_is_self_contained_with_valid_inline_pngs() -> None:
    html = demo_page().html
    page = Page(html)
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "object", "embed", "base")]
    urls = resource_urls(html)
    images = [a["src"] or "" for t, a in page.tags if t == "img"]
    assert len(images) == 2 * len(demo().objectives)
    for url in urls:
        assert url.startswith(("#", DATA_PNG)), url
    for src in images:
        assert src.startswith(DATA_PNG)
        assert base64.b64decode(src.removeprefix(DATA_PNG), validate=True).startswith(PNG_MAGIC)
    links = {item.runbook for item in demo().objectives} | {item.dashboard for item in demo().objectives}
    assert set(link_urls(html)) == links - {None}
    for url in links - {None}:
        html = html.replace(f'href="{url}"', "")
    assert "http://" not in html and "https://" not in html
    assert 'src="/' not in html
    assert "default-src 'none'" in html  # CSP: no script even if escaping ever failed


def test_cid_mode_returns_the_pngs_the_page_refers_to() -> None:
    page = render_html(demo(), images="cid")
    srcs = [a["src"] or "" for t, a in Page(page.html).tags if t == "img"]
    assert all(s.startswith("cid:") for s in srcs)
    assert {s.removeprefix("cid:") for s in srcs} == set(page.images)
    assert all(png.startswith(PNG_MAGIC) for png in page.images.values())
    assert DATA_PNG not in page.html
    assert all(re.fullmatch(r"obj-\d+-(budget|burn)@slokit", cid) for cid in page.images)


def test_inline_and_cid_modes_embed_the_same_charts() -> None:
    inline = [a["src"] or "" for t, a in Page(demo_page().html).tags if t == "img"]
    cid = render_html(demo(), images="cid")
    in_page_order = [a["src"] or "" for t, a in Page(cid.html).tags if t == "img"]
    assert [base64.b64decode(s.removeprefix(DATA_PNG)) for s in inline] == [
        cid.images[s.removeprefix("cid:")] for s in in_page_order
    ]


def test_no_images_mode_has_no_img_and_no_attachments() -> None:
    page = render_html(demo(), images="none")
    assert "<img" not in page.html and page.images == {}
    assert Page(page.html).cells_by_row.keys() == Page(demo_page().html).cells_by_row.keys()


# --- hostile and odd strings ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return render_html(hostile()).html


def test_script_in_a_description_is_text(hostile_page: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_page
    assert "<script" not in hostile_page.lower()
    assert SCRIPT in Page(hostile_page).text("obj-0")  # what a reader sees, once entities are decoded


def test_attribute_breakout_in_a_label_stays_inside_its_element(hostile_page: str) -> None:
    assert "<img src=x" not in hostile_page
    assert "onerror=alert(1)&gt;" in hostile_page
    page = Page(hostile_page)
    assert not [a for t, a in page.tags if "onerror" in a]
    assert all((a["src"] or "").startswith(DATA_PNG) for t, a in page.tags if t == "img")
    assert f"tier={ATTRIBUTE_BREAKOUT}" in page.text("obj-0")


def test_unicode_pipes_and_long_strings_survive_verbatim(hostile_page: str) -> None:
    page = Page(hostile_page)
    assert f"city={UNICODE}" in page.text("obj-0")
    assert LONG in page.text("obj-1") and f"long={LONG}" in page.text("obj-1")
    assert f"table={PIPES}" in page.text("obj-1")
    assert f"{UNICODE} {PIPES}" in page.text("obj-2")
    assert page.unclosed == []


def test_markup_in_a_team_name_is_escaped_everywhere(hostile_page: str) -> None:
    team = f"ops{SCRIPT}"
    assert hostile_page.count("ops&lt;script&gt;") >= 3  # summary row, team heading, nav link
    page = Page(hostile_page)
    assert page.cells_by_row["row-obj-2"][1] == team
    # Only the definitions' runbook and dashboard links leave the page, never a team name.
    outside = [h for t, a in page.tags if t == "a" and (h := a.get("href") or "") and not h.startswith("#")]
    assert outside == link_urls(hostile_page)
    assert all(url.startswith("https://") and "script" not in url for url in outside)


def test_failed_objective_shows_its_error_without_secrets_or_chart(hostile_page: str) -> None:
    page = Page(hostile_page)
    card = page.text("obj-3")
    assert "query failed: GET http://***@prometheus:9090/api <b>timeout</b>" in card
    assert SECRET not in hostile_page and "bob:" not in hostile_page
    assert "&lt;b&gt;timeout&lt;/b&gt;" in hostile_page
    assert "No chart: there is no data series for this objective." in card
    assert page.cells_by_row["row-obj-3"][3] == fmt.status("error")
    assert page.cells_by_row["row-obj-3"][4] == f"{fmt.NONE} {fmt.percent(demo().objectives[3].target)}"
    # the error text is shown as text; it is not a link or a resource of the page
    assert all(u.startswith(("#", DATA_PNG)) for u in resource_urls(hostile_page))


def test_objective_order_and_hostile_strings_do_not_change_the_numbers(hostile_page: str) -> None:
    hostile_rows = Page(hostile_page).cells_by_row
    demo_rows = Page(demo_page().html).cells_by_row
    for index in (0, 1, 2, 4, 5, 6, 7):
        assert hostile_rows[f"row-obj-{index}"][3:] == demo_rows[f"row-obj-{index}"][3:]


# --- templates -------------------------------------------------------------------------------------------


def test_templates_dir_overrides_and_stays_autoescaped(tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text(
        "{% for card in cards %}<p>{{ card.item.description }}|{{ card.item.result.sli|percent }}</p>"
        "{% endfor %}"
    )
    report = hostile()
    page = render_html(report, tmp_path, images="none")
    assert page.html.startswith("<p>&lt;script&gt;alert(1)&lt;/script&gt;|")
    assert fmt.percent(report.objectives[0].result.sli) in page.html


def test_policy_defaults_are_described() -> None:
    card = Page(demo_page().html).text("obj-0")
    policy = Policy()
    assert (
        f"warning under {fmt.percent(policy.warn_below / 100, 1)} left; freezes on {policy.freeze_on}; "
        f"postmortem over {fmt.percent(policy.postmortem_over / 100, 1)}"
    ) in card


def test_a_tier_factor_below_1x_keeps_its_digits_in_the_alerts_table() -> None:
    item = demo().objectives[0]
    alert = dataclasses.replace(item.result.alerts[0], factor=0.06)
    result = dataclasses.replace(item.result, alerts=(alert,))
    report = Report(demo().evaluated_at, (dataclasses.replace(item, result=result),))
    card = Page(render_html(report, images="none").html).text("obj-0")
    windows = f"{fmt.duration(alert.long_window)} / {fmt.duration(alert.short_window)}"
    assert f"{alert.severity} {windows} 0.06x {fmt.burn(alert.long_burn_rate)}" in card  # not 0.1x
