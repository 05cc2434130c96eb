"""Who gets which report, and the email that carries it. Pure: a report in, messages out; no network.

Teams
-----
A team is an owner ``team`` name from the SLO files (``owners.operational.team``,
``owners.application.team``). The same name across services is one team, so a team that owns five services
gets one email. By default every team gets its own email (:func:`plan`); ``joint=True`` makes one email
for all of them instead.

A team's email covers the services it owns objectives in: the joint summary lists every objective of those
services (both kinds: an exhausted operational objective freezes the application team's releases too), then
the team's own section(s) with the per-objective cards and charts. Its recipients are the union of the owner
addresses of its objectives; ``to`` replaces them. Reply-To is the owners of both kinds of those services, so
a reply reaches everyone who runs them, unless ``reply_to`` is given.

Message
-------
``multipart/alternative``: the markdown report as ``text/plain``, then ``multipart/related`` holding the HTML
part and its charts as ``image/png`` parts referenced by ``cid:`` URLs (many mail clients block ``data:``
images). The HTML part is not the report page but ``email.html.j2``, laid out for mail clients: one column of
at most 640 px, inline styles only, explicit light colours. The subject states the worst news first::

    [slokit] checkout, payments, search: 1 exhausted, 1 warning - platform-ops weekly report 2026-11-20

Services: one to three names, else "N services". News: the non-zero counts of the objectives in the
email's summary, worst first, or "all ok". Then the team (for a joint email the team names when there are
two at most, else "joint"), the optional label, "report" and the evaluation date (UTC). The ``Date`` header
is the time the message is made (RFC 5322: when it was written), the report's own time is in the subject
and the body. Non-ASCII names and subjects are RFC 2047-encoded (``email.policy.SMTP``); an address that
is itself non-ASCII makes the message SMTPUTF8.

Headers never carry control characters, whatever a definition or an option held: each run of them (NUL,
ESC, CR, LF, NEL, the Unicode line separators, the bidirectional overrides) becomes one space.
"""

from __future__ import annotations

import email.policy
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from pathlib import Path

from slokit import mailbox
from slokit.errors import UsageError
from slokit.report.fmt import STATUS_LABELS
from slokit.report.model import STATUSES, ObjectiveReport, Report, TeamSection
from slokit.spec.models import Kind

SUBJECT_PREFIX = "[slokit]"
MAX_SUBJECT_SERVICES = 3  # more names than this make the subject line too long to read in an inbox list

# C0 and C1 controls and DEL (NUL, ESC, CR, LF, NEL), the line and paragraph separators, and the
# bidirectional overrides and isolates, which make a subject read otherwise than it says.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def header_text(text: str) -> str:
    """``text`` fit for a header: one line, each run of control characters (and of spaces) one space."""
    return " ".join(_UNSAFE.sub(" ", text).split())


@dataclass(frozen=True)
class Mail:
    """One email to make: the report it shows and who gets it."""

    name: str  # the team (or teams) as the subject names them
    report: Report  # the objectives of the joint summary
    sections: tuple[TeamSection, ...]  # the team sections shown after the summary
    recipients: tuple[str, ...]
    reply_to: tuple[str, ...]
    problem: str | None = None  # why it cannot be sent (no address to send to)

    @property
    def envelope(self) -> tuple[str, ...]:
        """The recipients' bare addresses, for the SMTP envelope (``--to`` may give ``Name <addr>``)."""
        return tuple(mailbox.address_of(r) for r in self.recipients)

    @property
    def services(self) -> list[str]:
        return sorted({item.service for item in self.report.objectives})


def _unique(addresses: Sequence[str]) -> tuple[str, ...]:
    """In order of appearance, without repeats: the same address twice, whatever its letter case or display
    name, gets one copy (the first spelling wins)."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(mailbox.address_of(address).lower(), address)
    return tuple(seen.values())


def _owners(items: Sequence[ObjectiveReport]) -> tuple[str, ...]:
    return _unique([address for item in items for address in item.emails])


def _everyone(report: Report) -> tuple[str, ...]:
    """Every owner of the report's objectives, operational teams first (the order of the sections)."""
    return _owners([item for section in report.sections() for item in section.objectives])


def _problem(sections: Sequence[TeamSection], recipients: Sequence[str]) -> str | None:
    if recipients:
        return None
    where = sorted({f"{item.service} owners.{item.kind}.email" for s in sections for item in s.objectives})
    return f"no address to send to: {', '.join(where)} empty (add one, or pass --to)"


def plan(
    report: Report,
    *,
    kinds: Sequence[Kind],
    joint: bool = False,
    to: Sequence[str] = (),
    reply_to: Sequence[str] = (),
    team: str | None = None,
) -> list[Mail]:
    """The emails of a run: one per team owning objectives of ``kinds`` (only ``team``, when given), or one
    for them all (``joint``)."""
    if not report.objectives:
        raise UsageError("no objectives selected: there is no report to send")
    chosen = [s for s in report.sections() if s.kind in kinds and team in (None, s.team)]
    if not chosen:
        what = f"team {team}'s" if team else " or ".join(kinds)
        raise UsageError(f"no {what} objectives in the selection: no team to send to")
    if joint:
        names = list(dict.fromkeys(section.team for section in chosen))
        recipients = _unique(to) or _owners([i for s in chosen for i in s.objectives])
        return [
            Mail(
                name=" + ".join(names) if len(names) <= 2 else "joint",
                report=report,
                sections=tuple(report.sections()),
                recipients=recipients,
                reply_to=_unique(reply_to) or _everyone(report),
                problem=_problem(chosen, recipients),
            )
        ]
    teams: dict[str, list[TeamSection]] = {}
    for section in chosen:
        teams.setdefault(section.team, []).append(section)
    mails = []
    for name, owned in teams.items():
        services = {item.service for section in owned for item in section.objectives}
        # replace(): the scope keeps what the report knows besides its objectives (the commands it prints).
        scope = replace(report, objectives=tuple(o for o in report.objectives if o.service in services))
        # The scope's own sections hold the same objects as ``owned``; taking them from it keeps the pair
        # (report, sections) consistent for the renderers, which match objectives by identity.
        sections = tuple(s for s in scope.sections() if s.team == name and s.kind in kinds)
        recipients = _unique(to) or _owners([i for s in sections for i in s.objectives])
        mails.append(
            Mail(
                name=name,
                report=scope,
                sections=sections,
                recipients=recipients,
                reply_to=_unique(reply_to) or _everyone(scope),
                problem=_problem(sections, recipients),
            )
        )
    return mails


def news(report: Report) -> str:
    """``1 exhausted, 2 warning``: the non-zero counts, worst first; ``all ok`` when there are none."""
    counts = report.counts
    parts = [f"{counts[s]} {STATUS_LABELS[s].lower()}" for s in STATUSES if s != "ok" and counts[s]]
    return ", ".join(parts) or "all ok"


def subject(mail: Mail, label: str | None = None) -> str:
    services = mail.services
    scope = ", ".join(services) if len(services) <= MAX_SUBJECT_SERVICES else f"{len(services)} services"
    kind = f"{label} report" if label else "report"
    day = mail.report.evaluated_at.astimezone(UTC).strftime("%Y-%m-%d")
    return header_text(f"{SUBJECT_PREFIX} {scope}: {news(mail.report)} - {mail.name} {kind} {day}")


def title(mail: Mail, label: str | None = None) -> str:
    """The heading of the text part: ``Weekly SLO report: platform-ops``."""
    head = f"{label} SLO report" if label else "SLO report"
    return f"{head[:1].upper()}{head[1:]}: {mail.name}"


def file_name(index: int, mail: Mail) -> str:
    """``01-platform-ops.eml``: numbered in sending order, the team name made safe for any file system."""
    ascii_name = unicodedata.normalize("NFKD", mail.name).encode("ascii", "ignore").decode()  # É -> E
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or "team"
    return f"{index:02d}-{slug[:60]}.eml"


def _domain(sender: str) -> str:
    address = mailbox.address_of(sender)
    return address.rpartition("@")[2] or "localhost"


_QUOTED_PRINTABLE_UTF8 = Charset("utf-8")
_QUOTED_PRINTABLE_UTF8.header_encoding = QP  # =?utf-8?q?...?=: the ASCII parts stay legible in the source


class _SubjectHeader(UnstructuredHeader, BaseHeader):
    """A subject that folds without losing or adding spaces. The policy's own folder (CPython before
    gh-144156) leaves the space between two encoded words outside them, where RFC 2047 says a reader must
    drop it: "Ünïcødé Öps" arrived as "ÜnïcødéÖps"; and it can fold before the first word, which adds one.
    Here the text is folded at its spaces, and under ``SMTP`` the words from the first non-ASCII one to the
    last are encoded as one text, each space inside an encoded word, the ASCII words around them legible."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        words = str(self).split(" ")  # header_text made it one line, single spaces
        width = policy.max_line_length or 78
        wide = [i for i, word in enumerate(words) if not word.isascii()]
        if not wide or getattr(policy, "utf8", False):  # SMTPUTF8 sends UTF-8 as it is
            lines = [f"{self.name}: {words[0]}"]
            for word in words[1:]:
                if len((lines[-1] + word).encode()) < width:
                    lines[-1] += f" {word}"
                else:  # a fold is a line break before a space: unfolding gives the text back exactly
                    lines.append(f" {word}")
            return policy.linesep.join(lines) + policy.linesep
        first, last = wide[0], wide[-1] + 1
        header = Header(header_name=self.name, maxlinelen=width)
        if first:
            header.append(" ".join(words[:first]) + " ", "us-ascii")
        header.append(" ".join(words[first:last]), _QUOTED_PRINTABLE_UTF8)
        if last < len(words):
            header.append(" " + " ".join(words[last:]), "us-ascii")
        return f"{self.name}: {header.encode(splitchars=' ', linesep=policy.linesep)}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("subject", _SubjectHeader)


def _policy(ascii_only: bool) -> EmailPolicy[EmailMessage]:
    # RFC 2047 covers display names and the subject; a non-ASCII address itself needs SMTPUTF8 (RFC 6531),
    # which smtplib then asks the server for.
    policy = email.policy.SMTP if ascii_only else email.policy.SMTPUTF8
    return policy.clone(header_factory=_HEADERS)


def build(
    mail: Mail,
    *,
    sender: str,
    date: datetime,
    label: str | None = None,
    templates: Path | None = None,
) -> EmailMessage:
    """The message for ``mail``: headers, the markdown text part, the HTML part with its inline charts."""
    from slokit.report.html import EMAIL_TEMPLATE, render_html
    from slokit.report.markdown import render_markdown

    addresses = [sender, *mail.recipients, *mail.reply_to]
    message = EmailMessage(policy=_policy(all(mailbox.address_of(a).isascii() for a in addresses)))
    message["Subject"] = subject(mail, label)
    message["From"] = _mailbox(sender)
    message["To"] = tuple(_mailbox(a) for a in mail.recipients)
    if mail.reply_to:
        message["Reply-To"] = tuple(_mailbox(a) for a in mail.reply_to)
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Message-ID"] = make_msgid("slokit", domain=_domain(sender))
    # RFC 3834: vacation responders and ticket systems must not answer a report.
    message["Auto-Submitted"] = "auto-generated"

    heading = title(mail, label)
    text = render_markdown(mail.report, templates, sections=mail.sections, title=heading)
    page = render_html(
        mail.report, templates, images="cid", sections=mail.sections, title=heading, template=EMAIL_TEMPLATE
    )
    # Quoted-printable: 7-bit clean for any relay (no 8BITMIME needed) and within SMTP's 998-octet lines,
    # which the markdown tables exceed; still readable in the raw message.
    message.set_content(text, subtype="plain", cte="quoted-printable")
    message.add_alternative(page.html, subtype="html", cte="quoted-printable")
    html_part = list(message.iter_parts())[1]
    for cid, png in page.images.items():
        html_part.add_related(png, "image", "png", cid=f"<{cid}>")
    return message


def _mailbox(text: str) -> Address:
    """``Name <a@b>`` as an Address, so a non-ASCII display name is encoded rather than mangled."""
    parsed = mailbox.parse(text)
    username, _, domain = parsed.address.rpartition("@")
    return Address(display_name=header_text(parsed.name), username=username, domain=domain)
