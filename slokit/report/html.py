"""The HTML report: one self-contained, autoescaped file rendered from ``report.html.j2``.

Self-contained means inline CSS, no JavaScript, no external resources: the charts are PNGs embedded as
``data:`` URIs, or -- for email, where many clients block data URIs -- referenced as ``cid:`` URLs and
returned next to the HTML, for the mail code to attach as ``multipart/related`` parts::

    page = render_html(report, images="cid")
    for cid, png in page.images.items():
        related.add_related(png, "image", "png", cid=f"<{cid}>")

Every value in the page comes from the template through jinja2's autoescaping (the template's name ends in
``.html.j2``), and a Content-Security-Policy that allows no script is the second line of defence. Numbers
go through :mod:`slokit.report.fmt`, like in every other format.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from slokit.engine import BURN_RATE_KEYS, Incident
from slokit.report.model import MAX_LISTED_INCIDENTS, STATUSES, ObjectiveReport, Report, TeamSection
from slokit.report.templates import render

TEMPLATE = "report.html.j2"
EMAIL_TEMPLATE = "email.html.j2"  # the same context, laid out for mail clients (see the template's header)
ImageMode = Literal["inline", "cid", "none"]
SUMMARY_BURN_KEYS: tuple[str, ...] = ("1h", "6h", "1d", "3d")  # the alert tiers' long windows


@dataclass(frozen=True)
class HtmlReport:
    """The page, and for ``images="cid"`` the PNGs it references by Content-ID (without ``<>``)."""

    html: str
    images: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    """One objective as the template sees it: the report item, a page anchor and its chart URLs."""

    anchor: str
    item: ObjectiveReport
    budget_chart: str | None = None  # data: or cid: URL; None when there is no chart
    burn_chart: str | None = None

    @property
    def error(self) -> str | None:
        return self.item.error

    @property
    def slices(self) -> bool:
        return self.item.sli_kind == "timeslices"


@dataclass(frozen=True)
class IncidentRow:
    card: Card
    incident: Incident


@dataclass(frozen=True)
class Section:
    team: TeamSection
    cards: list[Card]


def render_html(
    report: Report,
    templates: Path | None = None,
    *,
    images: ImageMode = "inline",
    max_incidents: int = MAX_LISTED_INCIDENTS,
    chart_workers: int = 1,
    sections: Sequence[TeamSection] | None = None,
    title: str = "SLO report",
    template: str = TEMPLATE,
) -> HtmlReport:
    """Render the report as HTML.

    ``images``: ``"inline"`` embeds the charts as data URIs (a file to open or attach); ``"cid"`` refers to
    them as ``cid:`` URLs and returns the PNGs in :attr:`HtmlReport.images` (an email body); ``"none"``
    leaves the charts out (fast, for very large reports). ``templates`` is the ``--templates`` directory.
    ``chart_workers > 1`` draws the charts in worker processes (see :func:`.charts.render_charts`).
    ``sections``: the team sections to show (default: every team's), e.g. one team's for its own email;
    the summary still lists every objective of ``report``. Charts are only drawn for the objectives of the
    shown sections, since only their cards show charts (an unreferenced ``cid:`` image would turn up as an
    attachment). ``template``: :data:`TEMPLATE`, the report page, or :data:`EMAIL_TEMPLATE`, the email's.
    """
    shown_sections = report.sections() if sections is None else list(sections)
    anchors = [f"obj-{index}" for index in range(len(report.objectives))]
    attached: dict[str, bytes] = {}
    if images == "none":
        cards = [Card(anchor, item) for anchor, item in zip(anchors, report.objectives, strict=True)]
    else:
        from slokit.report.charts import render_charts

        shown = {id(item) for section in shown_sections for item in section.objectives}
        drawn = [item for item in report.objectives if id(item) in shown]
        pairs = render_charts(drawn, workers=chart_workers)
        charts = {id(item): pair for item, pair in zip(drawn, pairs, strict=True)}
        cards = []
        for anchor, item in zip(anchors, report.objectives, strict=True):
            pair = charts.get(id(item))
            if pair is None:
                cards.append(Card(anchor, item))
                continue
            urls = [
                _image_url(png, f"{anchor}-{kind}@slokit", images, attached) for kind, png in pair.named()
            ]
            cards.append(Card(anchor, item, *urls))

    by_item = {id(card.item): card for card in cards}
    # Report.incidents() already orders them, largest budget share first; the template needs each one's card.
    # Each incident is listed once: those that need a postmortem all in their own table, the others (as
    # many as max_incidents) in the incidents table.
    incidents = [IncidentRow(by_item[id(row.objective)], row.incident) for row in report.incidents()]
    postmortems = [row for row in incidents if row.incident.postmortem_required]
    others = [row for row in incidents if not row.incident.postmortem_required]
    html = render(
        template,
        templates,
        report=report,
        title=title,
        statuses=STATUSES,
        counts=report.counts,
        cards=cards,
        sections=[Section(team, [by_item[id(i)] for i in team.objectives]) for team in shown_sections],
        frozen=[by_item[id(item)] for item in report.frozen()],
        postmortems=postmortems,
        incidents=others[:max_incidents],
        incidents_left_out=others[max_incidents:],
        summary_burn_keys=SUMMARY_BURN_KEYS,
        burn_keys=BURN_RATE_KEYS,
        charts=images != "none",
        when=when,
    )
    return HtmlReport(html, attached)


def _image_url(png: bytes | None, cid: str, mode: ImageMode, attached: dict[str, bytes]) -> str | None:
    if png is None:
        return None
    if mode == "cid":
        attached[cid] = png
        return f"cid:{cid}"
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def when(moment: datetime) -> str:
    """``2026-11-20 09:00 UTC``: reports are read across time zones, so every time is UTC and says so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
