"""Prometheus-style durations: parsing, formatting, and that the two agree."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from slokit.durations import MAX_DURATION, format_duration, parse_duration

MAX_SECONDS = int(MAX_DURATION.total_seconds())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("30d", timedelta(days=30)),
        ("2w", timedelta(days=14)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("400d", timedelta(days=400)),
        (" 6h ", timedelta(hours=6)),
    ],
)
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(days=30), "30d"),
        (timedelta(days=14), "14d"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(seconds=3661), "1h1m1s"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(seconds=0), "0s"),
        (timedelta(milliseconds=1500), "1s"),
    ],
)
def test_format(value: timedelta, expected: str) -> None:
    assert format_duration(value) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must be a duration like 5m, 1h or 30d (got '')"),
        ("30", "must be a duration like 5m, 1h or 30d (got '30')"),
        ("30days", "must be a duration like 5m, 1h or 30d (got '30days')"),
        ("1.5h", "must be a duration like 5m, 1h or 30d (got '1.5h')"),
        ("30m1h", "must be a duration like 5m, 1h or 30d (got '30m1h')"),
        ("-5m", "must be a duration like 5m, 1h or 30d (got '-5m')"),
        ("5 m", "must be a duration like 5m, 1h or 30d (got '5 m')"),
        ("0m", "must be longer than 0 (got '0m')"),
        ("0d0h", "must be longer than 0 (got '0d0h')"),
        # Out of the supported range (400d): refused before a timedelta is made, which would overflow.
        ("401d", "must be at most 400d (got 401d)"),
        ("57w2d", "must be at most 400d (got 57w2d)"),
        ("99999999999999d", "must be at most 400d (got 99999999999999d)"),
        ("1" + "0" * 5000 + "s", "must be at most 400d (got 1" + "0" * 23 + "... (4,978 more characters))"),
        ("\u0663\u0660d", "must be a duration like 5m, 1h or 30d (got '\u0663\u0660d')"),  # Arabic-Indic 30
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_part = st.one_of(st.none(), st.integers(min_value=0, max_value=500))


@st.composite
def duration_texts(draw: st.DrawFn) -> str:
    parts = [draw(_part) for _ in "wdhms"]
    if not any(parts):
        parts[4] = draw(st.integers(min_value=1, max_value=10_000))
    return "".join(f"{n}{unit}" for n, unit in zip(parts, "wdhms", strict=True) if n is not None)


@given(duration_texts())
def test_format_of_parse_parses_back_to_the_same_duration(text: str) -> None:
    seconds = sum(int(n) * u for n, u in re.findall(r"(\d+)([wdhms])", text) for u in [UNIT[u]])
    assume(seconds <= MAX_SECONDS)
    value = parse_duration(text)
    assert parse_duration(format_duration(value)) == value


@given(st.integers(min_value=1, max_value=MAX_SECONDS))
def test_parse_of_format_is_identity(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@given(st.integers(min_value=1, max_value=MAX_SECONDS))
def test_format_is_canonical(seconds: int) -> None:
    # Formatting an already formatted duration changes nothing: "90m" and "1h30m" both print as "1h30m".
    once = format_duration(timedelta(seconds=seconds))
    assert format_duration(parse_duration(once)) == once
