"""The three message bodies, field by field, and the platforms' limits on long lists."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from slokit.notify.payloads import (
    ADAPTIVE_CARD,
    SLACK_HEADER_TEXT,
    SLACK_MAX_BLOCKS,
    SLACK_SECTION_TEXT,
    TEAMS_MAX_BYTES,
    encode,
    fit,
    plain,
    slack,
    teams,
)
from slokit.notify.summary import summarize
from tests.unit.notify.builders import objective, report


def summary_of_four():  # type: ignore[no-untyped-def]
    return summarize(
        report(
            objective("checkout/availability", 0.0015),  # -50 %
            objective("checkout/order-completion", 0.0005, team="checkout-dev", kind="application"),
            objective("payments/queue-health", 0.002),  # -100 %
            objective("search/search-latency", 0.0009, team="discovery-dev", kind="application"),  # 10 %
        )
    )


def many(n: int, *, name: str = "objective"):  # type: ignore[no-untyped-def]
    return summarize(report(*(objective(f"svc{i}/{name}{i}", 0.002) for i in range(n))))


def test_slack_blocks_field_by_field() -> None:
    payload = slack(summary_of_four())
    assert payload["text"] == "SLO summary: 2 exhausted, 1 warning (2026-11-20 09:00 UTC)"
    blocks = payload["blocks"]
    assert [b["type"] for b in blocks] == [
        "header",
        "context",
        "section",
        "divider",
        "section",  # needs attention
        "section",  # release freezes
        "section",  # postmortems
        "section",  # teams
    ]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "SLO summary"}
    assert blocks[1]["elements"] == [
        {"type": "mrkdwn", "text": "evaluated 2026-11-20 09:00 UTC · 4 objectives · slokit notify"}
    ]
    assert blocks[2]["fields"] == [
        {"type": "mrkdwn", "text": "*Objectives*\n4"},
        {"type": "mrkdwn", "text": "*Exhausted*\n2"},
        {"type": "mrkdwn", "text": "*Warning*\n1"},
        {"type": "mrkdwn", "text": "*OK*\n1"},
    ]
    attention = blocks[4]["text"]
    assert attention["type"] == "mrkdwn"
    assert attention["text"].splitlines() == [
        "*Needs attention*",
        "🔴 *payments/queue-health*: EXHAUSTED · budget left -100.0% (-8,640 events) · budget spent · "
        "owner platform-ops (operational)",
        "🔴 *checkout/availability*: EXHAUSTED · budget left -50.0% (-4,320 events) · budget spent · "
        "owner platform-ops (operational)",
        "🟠 *search/search-latency*: WARNING · budget left 10.0% (864 events) · no exhaustion forecast · "
        "owner discovery-dev (application)",
    ]
    assert blocks[5]["text"]["text"].splitlines() == [
        "*Release freezes*",
        "🔴 *checkout*: feature releases stop: availability is EXHAUSTED (freeze_on: exhausted, owner "
        "platform-ops)",
        "🔴 *payments*: feature releases stop: queue-health is EXHAUSTED (freeze_on: exhausted, owner "
        "platform-ops)",
    ]
    # Both burn at a constant rate over the whole window: one incident each, all of the window, that spent
    # 17,280 and 12,960 bad events of 8,640 allowed (200 % and 150 %).
    assert blocks[6]["text"]["text"].splitlines() == [
        "*Postmortems due*",
        "• *payments/queue-health*: incident since 2026-10-21 09:00 UTC (ongoing) consumed 200.0% of the "
        "budget (over 20%)",
        "• *checkout/availability*: incident since 2026-10-21 09:00 UTC (ongoing) consumed 150.0% of the "
        "budget (over 20%)",
    ]
    assert blocks[-1]["text"]["text"].splitlines() == [
        "*Teams*",
        "• *platform-ops (operational)*: 2 exhausted",
        "• *checkout-dev (application)*: 1 ok",
        "• *discovery-dev (application)*: 1 warning",
    ]


def test_slack_all_ok_says_so() -> None:
    payload = slack(summarize(report(objective("search/search-latency", 0.0005))))
    assert (
        payload["blocks"][4]["text"]["text"] == "*Needs attention*\nnothing exhausted, at warning or failed"
    )
    assert payload["text"] == "SLO summary: all ok (2026-11-20 09:00 UTC)"


def test_slack_long_list_cut_with_and_n_more_within_limits() -> None:
    payload = slack(many(120))
    blocks = payload["blocks"]
    assert len(blocks) <= SLACK_MAX_BLOCKS
    lines = blocks[4]["text"]["text"].splitlines()
    assert lines[0] == "*Needs attention*"
    assert len(lines) == 1 + 10 + 1 and lines[-1] == "… and 110 more"
    assert all(
        len(b["text"]["text"]) <= SLACK_SECTION_TEXT for b in blocks if b["type"] == "section" and "text" in b
    )


def test_slack_section_text_within_3000_characters_with_long_names() -> None:
    payload = slack(many(40, name="x" * 250))  # each line cut to 300 characters: ten would not fit
    text = payload["blocks"][4]["text"]["text"]
    lines = text.splitlines()
    assert len(text) <= SLACK_SECTION_TEXT
    shown = len(lines) - 2
    assert lines[-1] == f"… and {40 - shown} more"


def test_slack_header_within_150_characters() -> None:
    summary = summarize(report(objective("checkout/availability", 0.0005, team="t" * 200)), "t" * 200)
    header = slack(summary)["blocks"][0]["text"]["text"]
    assert len(header) == SLACK_HEADER_TEXT and header.endswith("…")


def test_slack_escapes_names_for_mrkdwn() -> None:
    payload = slack(summarize(report(objective("<!channel>&co/x", 0.002))))
    text = payload["blocks"][4]["text"]["text"]
    assert "*&lt;!channel&gt;&amp;co/x*" in text and "<!channel>" not in json.dumps(payload)


def test_teams_adaptive_card_field_by_field() -> None:
    payload = teams(summary_of_four())
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    body = card["body"]
    assert body[0] == {
        "type": "TextBlock",
        "text": "SLO summary",
        "wrap": True,
        "size": "Large",
        "weight": "Bolder",
    }
    assert body[1]["text"] == "evaluated 2026-11-20 09:00 UTC · 4 objectives · slokit notify"
    assert body[2] == {
        "type": "FactSet",
        "facts": [
            {"title": "Objectives", "value": "4"},
            {"title": "Exhausted", "value": "2"},
            {"title": "Warning", "value": "1"},
            {"title": "OK", "value": "1"},
        ],
    }
    assert body[3]["type"] == "TextBlock" and body[3]["text"] == "Needs attention" and body[3]["separator"]
    assert body[4]["facts"] == [
        {
            "title": "payments/queue-health",
            "value": "EXHAUSTED · budget left -100.0% (-8,640 events) · budget spent · owner platform-ops "
            "(operational)",
        },
        {
            "title": "checkout/availability",
            "value": "EXHAUSTED · budget left -50.0% (-4,320 events) · budget spent · owner platform-ops "
            "(operational)",
        },
        {
            "title": "search/search-latency",
            "value": "WARNING · budget left 10.0% (864 events) · no exhaustion forecast · owner "
            "discovery-dev (application)",
        },
    ]
    headings = [b["text"] for b in body if b["type"] == "TextBlock" and b.get("weight") == "Bolder"][1:]
    assert headings[0] == "Needs attention" and headings[1] == "Release freezes" and headings[-1] == "Teams"
    assert body[-1]["facts"] == [
        {"title": "platform-ops (operational)", "value": "2 exhausted"},
        {"title": "checkout-dev (application)", "value": "1 ok"},
        {"title": "discovery-dev (application)", "value": "1 warning"},
    ]


def test_teams_card_within_its_size_with_and_n_more() -> None:
    payload = teams(many(200, name="y" * 250))
    assert len(encode(payload)) <= TEAMS_MAX_BYTES
    body = payload["attachments"][0]["content"]["body"]
    facts = body[4]["facts"]
    assert body[5]["text"] == f"… and {200 - len(facts)} more"


def test_json_has_the_figures_in_full() -> None:
    payload = plain(summary_of_four())
    assert payload["counts"] == {"exhausted": 2, "warning": 1, "error": 0, "no_data": 0, "ok": 1}
    assert payload["evaluated_at"] == "2026-11-20T09:00:00Z"
    assert payload["team"] is None
    first, second, third = payload["attention"]
    assert (first["service"], first["objective"], first["status"]) == (
        "payments",
        "queue-health",
        "exhausted",
    )
    assert abs(first["budget_remaining"] - (-1.0)) < 1e-9  # 17,280 bad of 8,640 allowed
    assert abs(second["budget_remaining"] - (-0.5)) < 1e-9
    assert abs(third["budget_remaining"] - 0.1) < 1e-9
    assert third["budget_left"] == "864 events"
    assert third["time_to_exhaustion_seconds"] is None
    assert [t["team"] for t in payload["teams"]] == ["platform-ops", "checkout-dev", "discovery-dev"]
    assert payload["teams"][0]["counts"]["exhausted"] == 2
    assert payload["text"].splitlines()[0] == "SLO summary: 2 exhausted, 1 warning (2026-11-20 09:00 UTC)"


def test_json_lists_everything_and_its_text_is_cut() -> None:
    payload = plain(many(30))
    assert len(payload["attention"]) == 30
    assert "… and 20 more" in payload["text"]


@given(
    st.lists(st.integers(min_value=0, max_value=400), max_size=60), st.integers(min_value=20, max_value=3000)
)
def test_fit_never_exceeds_the_limit_and_counts_the_rest(lengths: list[int], limit: int) -> None:
    lines = ["x" * n for n in lengths]
    kept = fit(lines, limit)
    assert len("\n".join(kept)) <= limit
    if kept and kept[-1].startswith("… and "):
        shown = len(kept) - 1
        assert kept[-1] == f"… and {len(lines) - shown} more"
        assert kept[:-1] == lines[:shown]
    else:
        assert kept == lines


def test_the_body_is_compact_utf8_not_ascii_escapes() -> None:
    body = encode(teams(summary_of_four()))
    assert "·".encode() in body and b"\\u00b7" not in body  # Teams counts bytes: an escape is six of them
    assert body.startswith(b'{"type":"message","attachments":[{"contentType":')  # no indent, no spaces
    assert json.loads(body) == teams(summary_of_four())
