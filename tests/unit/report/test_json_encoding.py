"""The JSON report's encoder (``json_report.dumps``) writes what ``json.dumps(indent=2, allow_nan=False,
ensure_ascii=False)`` writes, byte for byte, and fails as it fails: it replaces the standard library's
pure-Python indenting encoder for speed only."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from slokit.report.json_report import dumps


def standard(document: Any) -> str:
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)


DOCUMENTS: list[Any] = [
    {},
    [],
    "",
    None,
    0,
    {"a": {}, "b": [], "c": [{}], "d": [[]], "e": [[], {}]},
    {"tuple": (1, 2.5, "x"), "nested": [[1, [2, [3]]], {"k": {"k": {"k": None}}}]},
    {"bools": [True, False, None], "ints": [0, -1, 2**70, -(2**70)], "bigint": 10**30},
    {"floats": [0.0, -0.0, 0.1, 1e-7, 1e300, -2.5e-300, 3.0, 0.30000000000000004, 1 / 3]},
    {"text": 'quote " backslash \\ tab \t newline \n nul \x00 bell \x07 del \x7f'},
    {"unicode": "checkout \u2013 99,9 % ✓ 日本語 😀", "é": "clé", "\u2028": "line separator \u2028"},
    {'key with "quotes"': 1, "": "empty key"},
    [{"objective": "a", "alerts": [{"severity": "page", "firing": False, "factor": 14.4}]}],
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_the_report_encoder_writes_what_json_dumps_writes(document: Any) -> None:
    assert dumps(document) == standard(document)


def test_a_report_shaped_document_is_the_same_byte_for_byte() -> None:
    """200 objectives of the report's shape, with numbers of every kind."""
    rng = np.random.Generator(np.random.PCG64(13))
    document = {
        "evaluated_at": "2026-11-01T00:00:00Z",
        "objectives": [
            {
                "service": f"svc-{i:03d}",
                "sli": float(rng.uniform()),
                "good_events": float(rng.integers(0, 10**9)),
                "burn_rates": {"5m": float(rng.exponential()), "1h": None},
                "incidents": [
                    {"start": "x", "budget_share": float(rng.uniform()) * 10**i} for _ in range(i % 3)
                ],
                "labels": {"tier": str(i)},
                "notes": [],
            }
            for i in range(200)
        ],
    }
    assert dumps(document) == standard(document)


@pytest.mark.parametrize(
    "document",
    [
        {"x": float("nan")},
        [float("inf")],
        {"deep": [{"x": -float("inf")}]},
        {1: "int key"},
        {None: "None key", "a": 1},
        {"set": {1, 2}},
        {"numpy": np.int64(3)},
        {"bytes": b"x"},
    ],
    ids=["nan", "inf", "-inf", "int key", "None key", "set", "numpy int", "bytes"],
)
def test_what_json_dumps_refuses_or_converts_is_left_to_json_dumps(document: Any) -> None:
    try:
        expected = standard(document)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)) as raised:
            dumps(document)
        assert str(raised.value) == str(exc)
    else:
        assert dumps(document) == expected
