"""The shape of a Prometheus query answer's ``data``, checked before any of it is used.

A range query's answer is ``{"resultType": "matrix", "result": [{"metric": {...}, "values": [[t, "v"],
...]}, ...]}``, an instant query's ``{"resultType": "vector", "result": [{"metric": {...}, "value": [t,
"v"]}, ...]}``. Anything else (another result type, ``result: null``, a value that is not a number, a pair
of one or three elements) raises :class:`Malformed`, saying what the server sent: that objective shows
``error`` and the others go on, where it used to end the run with "this is a bug".

Whether the points fit the step grid asked for is :mod:`slokit.sources.grid`'s check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from slokit.redact import excerpt
from slokit.settings import REDACT
from slokit.sources.base import FloatArray

_QUOTE = 80  # characters of a server's value quoted in a message


class Malformed(Exception):
    """The answer's data is not what the query returns; the message says what was sent instead."""


@dataclass(frozen=True)
class Points:
    """A series' ``[[time, "value"], ...]`` parsed: seconds since 1970 and values ("NaN", "+Inf" included)."""

    seconds: FloatArray
    samples: FloatArray


@dataclass(frozen=True)
class Series:
    metric: dict[str, Any]
    points: Points


def matrix(data: Any) -> list[Series]:
    """The series of a range query's answer, their points checked and parsed."""
    result = _result(data, "matrix", "a range query")
    series: list[Series] = []
    for item in result:
        _labels(item, "values")
        values = item["values"]
        if isinstance(values, Points):  # read straight into arrays (slokit.sources.prometheus_json)
            series.append(Series(item.get("metric", {}), values))
            continue
        if not isinstance(values, list):
            raise Malformed(f'"values": {_show(values)} where a list of [time, "value"] pairs belongs')
        series.append(Series(item.get("metric", {}), points(values)))
    return series


def vector(data: Any) -> list[dict[str, Any]]:
    """The samples of an instant query's answer, each with a ``metric`` mapping and a well-formed value."""
    result = _result(data, "vector", "an instant query")
    for sample in result:
        _labels(sample, "value")
        points([sample["value"]])
    return result


def strings(data: Any, what: str) -> list[str]:
    """A list of label values or names, as ``/api/v1/label/<name>/values`` answers."""
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise Malformed(f"{_show(data)} where a list of {what} belongs")
    return data


def mappings(data: Any) -> list[dict[str, Any]]:
    """A list of label sets, as ``/api/v1/series`` answers."""
    if not isinstance(data, list) or not all(isinstance(v, dict) for v in data):
        raise Malformed(f"{_show(data)} where a list of series belongs")
    return data


def _result(data: Any, kind: str, asked: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise Malformed(f'"data": {_show(data)} where {{"resultType": "{kind}", "result": [...]}} belongs')
    got = data.get("resultType")
    if got != kind:
        raise Malformed(f"resultType {_show(got)} where {asked} answers {kind}")
    result = data.get("result")
    if not isinstance(result, list):
        raise Malformed(f'"result": {_show(result)} where a list of series belongs')
    return result


def _labels(item: Any, field: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("metric", {}), dict) or field not in item:
        hint = (
            " (native histogram samples, not numbers)"
            if isinstance(item, dict) and "histograms" in item
            else ""
        )
        raise Malformed(f'a series {_show(item)} without "metric" and "{field}"{hint}')


def points(pairs: list[Any]) -> Points:
    """``[[time, value], ...]`` parsed, every element checked to be a pair of numbers (values are strings).

    Parsed once, here, at C speed (30 days at 5 minutes is 9,500 points a query); the grid check places the
    arrays. Only a malformed answer is walked in Python, to name its first bad element.
    """
    if not pairs:
        return Points(np.empty(0), np.empty(0))
    parsed = _columns(pairs)
    if parsed is not None:
        return parsed
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            size = f"of {len(pair)} element{'s' * (len(pair) != 1)} " if isinstance(pair, list) else ""
            raise Malformed(f'a value pair {size}{_show(pair)} where [time, "value"] belongs')
        time, value = pair
        if not _number(time):
            raise Malformed(f"a sample time {_show(time)} that is not a number")
        if not _number(value):
            raise Malformed(f"a value {_show(value)} at {_show(time)} that is not a number")
    raise Malformed(f'value pairs that are not [time, "value"]: {_show(pairs)}')


def _columns(pairs: list[Any]) -> Points | None:
    """The pairs as two float arrays when every one is a well-typed pair; None for the slow walk to judge.

    Each step is one C-level pass over the list (type and length sets, ``zip``, numpy's parse of the
    strings): 0.1 ms for 864 points where an object array and its cast took 0.7 ms. numpy parses a string
    as ``float()`` does, "NaN" and "+Inf" included; it would also take true as 1 and "1_000" as 1000,
    hence the JSON types are checked first (``type()`` is exact: bool is not int here).
    """
    if set(map(type, pairs)) != {list} or set(map(len, pairs)) != {2}:
        return None
    times, values = zip(*pairs, strict=True)
    kinds = set(map(type, values))
    if not set(map(type, times)) <= _TIME_TYPES or not kinds <= _VALUE_TYPES:
        return None
    # Values are strings in the API; plain numbers are taken too. Python reads "1_000" as 1000; a server
    # never sends it.
    text = values if kinds == {str} else [v for v in values if type(v) is str]
    if "_" in "".join(text):
        return None
    try:
        return Points(np.array(times, dtype=np.float64), np.array(values, dtype=np.float64))
    except (ValueError, OverflowError):  # a string that is not a number, an integer past float: named below
        return None


_TIME_TYPES = frozenset((int, float))
_VALUE_TYPES = frozenset((str, int, float))


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    if isinstance(value, str) and "_" in value:  # Python reads "1_000" as 1000; a server never sends it
        return False
    try:
        float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return False
    return True


def _show(value: Any) -> str:
    """The server's value as JSON, redacted and cut: it may be long, and it may echo a credential."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return excerpt(REDACT, text, _QUOTE)
