"""The message bodies ``slokit notify`` posts: Slack Block Kit, a Microsoft Teams Adaptive Card, plain JSON.

Pure functions of a :class:`~slokit.notify.summary.Summary`. Lists are cut to the platforms' limits, the
rest counted (``… and 3 more``), so that a report of a hundred objectives is still accepted:

- Slack: at most 50 blocks a message (these messages have at most 9), a header's plain text at most 150
  characters, a section's text at most 3,000, at most 10 fields of at most 2,000 characters each. Each list
  shows :data:`LIST_LIMIT` lines at most and stays within its section's 3,000 characters. Names are escaped
  for mrkdwn (``&``, ``<``, ``>``), so a name cannot turn into a link or a mention.
- Teams: the Adaptive Card (version 1.4, which Teams renders on every client) in the message envelope that
  incoming webhooks and Workflows' "When a Teams webhook request is received" take. A message may be about
  28 KB; the lists are shortened until the body is at most :data:`TEAMS_MAX_BYTES`.
- JSON: the summary's figures in full (fractions, seconds, null when unknown) for any other receiver, with a
  ``text`` field (the lists cut as for Slack) that Mattermost, Rocket.Chat and most chat webhooks show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from slokit.notify.summary import Item, Summary
from slokit.report import fmt
from slokit.report.json_report import _seconds
from slokit.timeparse import rfc3339

FORMATS = ("slack", "teams", "json")
LIST_LIMIT = 10  # lines of a list before "and N more": a chat message is read at a glance
ITEM_LIMIT = 300  # characters of one line (long names, long team lists)
SLACK_MAX_BLOCKS = 50
SLACK_HEADER_TEXT = 150
SLACK_SECTION_TEXT = 3000
SLACK_FIELDS = 10
TEAMS_MAX_BYTES = 24_000  # under Teams' ~28 KB per message, with room for the envelope's own overhead
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# The sections of a message, in order: heading and the items it lists (empty lists are left out, except
# "Needs attention", which says that nothing does).
_NOTHING = "nothing exhausted, at warning or failed"


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def more(n: int) -> str:
    return f"… and {n} more"


def fit(lines: Sequence[str], limit: int, *, most: int = LIST_LIMIT, separator: str = "\n") -> list[str]:
    """As many of ``lines`` as fit in ``limit`` characters (joined by ``separator``) and ``most`` lines,
    then ``… and N more`` for the rest: the result joined never exceeds ``limit``."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        # Room for this line, and for the "and N more" line should any line after it not fit.
        tail = len(separator) + len(more(rest)) if rest else 0
        cost = len(line) + (len(separator) if kept else 0)
        if len(kept) == most or used + cost + tail > limit:
            return [*kept, more(len(lines) - index)]
        kept.append(line)
        used += cost
    return kept


def _sections(summary: Summary) -> list[tuple[str, list[Item]]]:
    found = [
        ("Needs attention", summary.attention_items()),
        ("Release freezes", summary.freeze_items()),
        ("Postmortems due", summary.postmortem_items()),
        ("Teams", summary.team_items()),
    ]
    return [(heading, items) for heading, items in found if items or heading == "Needs attention"]


def _counts(summary: Summary) -> list[tuple[str, int]]:
    """``Objectives`` and the non-zero counts, worst first: the count facts of every format."""
    shown = [(_COUNT_NAMES[s], n) for s, n in summary.counts.items() if n]
    return [("Objectives", len(summary.objectives)), *shown]


_COUNT_NAMES = {
    "exhausted": "Exhausted",
    "warning": "Warning",
    "error": "Error",
    "no_data": "No data",
    "ok": "OK",
}


def _context(summary: Summary) -> str:
    return f"evaluated {summary.when} · {fmt.plural(len(summary.objectives), 'objective')} · slokit notify"


# --- Slack ------------------------------------------------------------------------------------------------


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters: a name with ``<`` cannot become a link or an @-mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_SYMBOLS = {"exhausted": "🔴", "warning": "🟠", "error": "⚪"}


def _slack_line(item: Item) -> str:
    symbol = _SLACK_SYMBOLS.get(item.status or "", "•")
    return cut(f"{symbol} *{mrkdwn_escape(item.title)}*: {mrkdwn_escape(item.text)}", ITEM_LIMIT)


def slack(summary: Summary) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(summary.title, SLACK_HEADER_TEXT)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn_escape(_context(summary))}]},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{n}"} for name, n in _counts(summary)][
                :SLACK_FIELDS
            ],
        },
        {"type": "divider"},
    ]
    for heading, items in _sections(summary):
        title = f"*{heading}*"
        lines = [_slack_line(item) for item in items] or [_NOTHING]
        body = fit(lines, SLACK_SECTION_TEXT - len(title) - 1)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join([title, *body])}})
    assert len(blocks) <= SLACK_MAX_BLOCKS
    # ``text`` is what notifications and screen readers show when a message has blocks.
    return {"text": mrkdwn_escape(summary.headline), "blocks": blocks}


# --- Microsoft Teams ----------------------------------------------------------------------------------------


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _card(summary: Summary, most: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text_block(summary.title, size="Large", weight="Bolder"),
        _text_block(_context(summary), isSubtle=True, spacing="None"),
        {"type": "FactSet", "facts": [{"title": name, "value": str(n)} for name, n in _counts(summary)]},
    ]
    for heading, items in _sections(summary):
        body.append(_text_block(heading, weight="Bolder", size="Medium", separator=True))
        if not items:
            body.append(_text_block(_NOTHING))
            continue
        shown = items[:most]
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": cut(item.title, ITEM_LIMIT), "value": cut(item.text, ITEM_LIMIT)}
                    for item in shown
                ],
            }
        )
        if len(items) > len(shown):
            body.append(_text_block(more(len(items) - len(shown)), isSubtle=True))
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD,
                "contentUrl": None,
                "content": {
                    "$schema": SCHEMA,
                    "type": "AdaptiveCard",
                    "version": ADAPTIVE_CARD_VERSION,
                    "msteams": {"width": "Full"},
                    "body": body,
                },
            }
        ],
    }


def teams(summary: Summary) -> dict[str, Any]:
    """The card with lists of :data:`LIST_LIMIT` lines, or fewer until it fits :data:`TEAMS_MAX_BYTES`."""
    for most in (LIST_LIMIT, 5, 3, 1):
        card = _card(summary, most)
        if len(encode(card)) <= TEAMS_MAX_BYTES:
            return card
    return card


# --- plain JSON ---------------------------------------------------------------------------------------------


def text(summary: Summary) -> str:
    """The summary as plain text: headline, counts, then each list cut as for Slack."""
    counts = ", ".join(f"{n} {name.lower()}" for name, n in _counts(summary)[1:])
    parts = [summary.headline, f"{fmt.plural(len(summary.objectives), 'objective')}: {counts}"]
    for heading, items in _sections(summary):
        lines = [cut(f"- {item.title}: {item.text}", ITEM_LIMIT) for item in items] or [f"- {_NOTHING}"]
        parts.append("\n".join([f"{heading}:", *fit(lines, SLACK_SECTION_TEXT)]))
    return "\n\n".join(parts)


def plain(summary: Summary) -> dict[str, Any]:
    return {
        "title": summary.title,
        "text": text(summary),
        "team": summary.team,
        "evaluated_at": rfc3339(summary.evaluated_at),
        "counts": dict(summary.counts),
        "teams": [
            {"team": section.team, "kind": section.kind, "counts": dict(section.counts)}
            for section in summary.sections
        ],
        "attention": [
            {
                "service": o.service,
                "objective": o.objective,
                "status": o.status,
                "team": o.team,
                "kind": o.kind,
                "window": o.window,
                "budget_remaining": o.result.error_budget.remaining if o.result.error_budget else None,
                "budget_left": None if o.result.error_budget is None else fmt.budget_left(o),
                "time_to_exhaustion_seconds": _seconds(o.result.time_to_exhaustion),
            }
            for o in summary.attention
        ],
        "freezes": [
            {
                "service": o.service,
                "objective": o.objective,
                "status": o.status,
                "freeze_on": o.policy.freeze_on,
                "team": o.team,
            }
            for o in summary.freezes
        ],
        "postmortems": [
            {
                "service": row.objective.service,
                "objective": row.objective.objective,
                "start": rfc3339(row.incident.start),
                "end": rfc3339(row.incident.end),
                "budget_share": row.incident.budget_share,
                "postmortem_over": row.objective.policy.postmortem_over / 100,
            }
            for row in summary.postmortems
        ],
    }


BUILDERS: dict[str, Callable[[Summary], dict[str, Any]]] = {"slack": slack, "teams": teams, "json": plain}


def build(summary: Summary, format: str) -> dict[str, Any]:
    return BUILDERS[format](summary)


def encode(payload: dict[str, Any]) -> bytes:
    """The request body: compact UTF-8 JSON (Teams counts bytes, and ASCII escapes would triple them)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
