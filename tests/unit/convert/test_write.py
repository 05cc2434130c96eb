"""The converted document as YAML: the same data read back, each comment on the line above its field."""

from __future__ import annotations

from typing import Any

from slokit.convert.model import ConvertedService
from slokit.convert.write import render
from slokit.spec.yamlsafe import load_document

DOCUMENT: dict[str, Any] = {
    "apiVersion": "slokit/v1",
    "service": "shop",
    "description": "two lines\nof text: yes",
    "owners": {"operational": {"team": "ops", "email": ["ops@example.com"]}},
    "window": {"calendar": "month", "timezone": "Europe/Berlin"},
    "labels": {},
    "objectives": [
        {
            "name": "uptime",
            "kind": "operational",
            "target": 99.9,
            "sli": {"timeslices": {"query": "min(up)", "good": ">= 1", "slice": "1m"}},
        },
        {
            "name": "orders",
            "kind": "application",
            "target": 99,
            "sli": {
                "ratio": {
                    "bad_query": 'sum(increase(orders_total{outcome="error"}[{{ window }}]))',
                    "total_query": "sum(increase(orders_total[{{ window }}]))",
                }
            },
        },
    ],
    "alerting": {"page": [{"long": "1h", "short": "5m", "budget": 2}], "ticket": []},
}


def _rendered(comments: dict[Any, tuple[str, ...]]) -> str:
    return render(ConvertedService("shop", "shop.openslo.yaml", DOCUMENT, comments))


def test_render_reads_back_as_the_same_data() -> None:
    text = _rendered({})
    assert load_document(text).data == DOCUMENT
    # Keys in the document's order, as a person would write the file.
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert keys == [
        "apiVersion",
        "service",
        "description",
        "owners",
        "window",
        "labels",
        "objectives",
        "alerting",
    ]


def test_render_puts_each_comment_on_the_line_above_its_field() -> None:
    text = _rendered(
        {
            (): ("Imported by slokit from shop.openslo.yaml",),
            ("window",): ("calendar month from timeWindow 1M",),
            ("objectives", 1): ("from shop.openslo.yaml:40, SLO orders",),
            ("objectives", 1, "sli", "ratio", "bad_query"): ("counter: true: increase over {{ window }}",),
            ("alerting", "page", 0): ("from AlertCondition fast-burn",),
        }
    )
    lines = text.splitlines()
    assert lines[0] == "# Imported by slokit from shop.openslo.yaml"
    assert lines[1] == "apiVersion: slokit/v1"

    def above(marker: str) -> str:
        return lines[next(i for i, line in enumerate(lines) if line.lstrip().startswith(marker)) - 1]

    assert above("window:") == "# calendar month from timeWindow 1M"
    assert above("- name: orders") == "  # from shop.openslo.yaml:40, SLO orders"
    assert above("bad_query:") == "        # counter: true: increase over {{ window }}"
    assert above("- long: 1h") == "    # from AlertCondition fast-burn"
    assert load_document(text).data == DOCUMENT


def test_a_comment_with_a_line_break_stays_one_comment_line() -> None:
    text = _rendered({("service",): ("first\nservice: evil",)})
    assert "# first service: evil\nservice: shop" in text
    assert load_document(text).data == DOCUMENT
