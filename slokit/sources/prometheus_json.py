"""An answer's JSON parsed, with the value pairs of a range answer read straight into arrays.

``json.loads`` makes a list, an int and a str for each point of ``"values": [[t, "v"], ...]``: 9,504
points (33 days at 5 minutes) cost 4.5 ms of parsing and checking, and with a report's 110,000 objects
alive each list counts towards a garbage collection that walks them all: 16-19 ms an answer. So the value
pairs of each series are cut out of the body before ``json.loads`` reads the rest (the envelope, the
labels) and read as one flat array of numbers: 3 ms, no container per point (``benchmarks/README.md``,
Client).

Only the canonical form is read that way, the one Prometheus and VictoriaMetrics write (Thanos and Mimir
share Prometheus's writer): ``[[1790640300,"2599"],[1790640600,"NaN"],...]``, no spaces, times bare
numbers, values JSON numbers in quotes. Anything else (a space, an escape, a true, "1_000", a pair of
three) is left to ``json.loads`` and the checks of :mod:`slokit.sources.prometheus_answer`, which name
what was sent: this path never decides that an answer is wrong, so its messages are the same whichever
path read it.

Each cut is replaced by a string holding a random token before the rest is parsed, and must be found
again as the ``values`` of the series it was cut from, in order: a cut that was not that (a key ending in
``values`` elsewhere, a duplicated key) leaves a token elsewhere or none, and the whole body is parsed
as usual. A server cannot forge a token it never saw.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import numpy as np

from slokit.sources.prometheus_answer import Points

_KEY = b'"values":'
_START = _KEY + b"[["
_END = b"]]"
# Characters of times and values; what is left of a canonical cut is its brackets, commas and quotes.
_TOKEN = b"0123456789.+-eENaInf"  # decimals, NaN, +Inf, -Inf
_PAIR = b'[,""]'


def decode(body: bytes | bytearray) -> Any:
    """``json.loads(body)``, each range series' ``values`` a :class:`Points` when it is canonical.

    Raises what ``json.loads`` raises for a body that is not JSON.
    """
    cuts = _cuts(body)
    if not cuts:
        return json.loads(body)
    token = secrets.token_hex(8)
    pieces: list[bytes | bytearray] = []
    last = 0
    for k, (start, end) in enumerate(cuts):
        pieces += (body[last:start], f'"{token}:{k}"'.encode())
        last = end
    pieces.append(body[last:])
    try:
        answer = json.loads(b"".join(pieces))
    except (ValueError, RecursionError):
        return json.loads(body)
    result = _series(answer, token, len(cuts))
    if result is None:
        return json.loads(body)
    for item, (start, end) in zip(result, cuts, strict=True):
        parsed = pairs(bytes(body[start:end]))
        if parsed is None:
            return json.loads(body)
        item["values"] = parsed
    return answer


def _cuts(body: bytes | bytearray) -> list[tuple[int, int]]:
    """Where each ``"values":[[...]]`` array starts and ends: up to its first ``]]``."""
    cuts: list[tuple[int, int]] = []
    at = body.find(_START)
    while at >= 0:
        start = at + len(_KEY)
        end = body.find(_END, start)
        if end < 0:
            return []
        cuts.append((start, end + len(_END)))
        at = body.find(_START, end)
    return cuts


def _series(answer: Any, token: str, count: int) -> list[dict[str, Any]] | None:
    """A range answer's series when the k-th holds the k-th cut's token as its ``values``, else None."""
    data = answer.get("data") if isinstance(answer, dict) else None
    result = data.get("result") if isinstance(data, dict) and data.get("resultType") == "matrix" else None
    if not isinstance(result, list) or len(result) != count:
        return None
    for k, item in enumerate(result):
        if not isinstance(item, dict) or item.get("values") != f"{token}:{k}":
            return None
    return result


def pairs(cut: bytes) -> Points | None:
    """``[[t,"v"],...]`` as written by the servers, parsed; None for anything else.

    The cut without its numbers must be ``[[,""],...]`` exactly: times bare, values quoted, nothing else.
    Its quotes and inner brackets dropped, it is one flat JSON array of numbers, which json reads in C
    without a container per point ("+Inf" and "-Inf" spelled as json spells them; any other spelling, and
    "-0", which json reads as 0, are left to the slow path). A field that is not a JSON number makes json
    refuse the whole cut. A JSON number's value is the one ``float()`` gives its text, as before.
    """
    n = cut.count(b"[") - 1
    if n < 1 or cut.translate(None, _TOKEN) != b"[" + b",".join([_PAIR] * n) + b"]":
        return None
    if b'"-0"' in cut:
        return None
    if b"N" in cut or b"I" in cut:  # NaN, +Inf, -Inf, and nothing else with those letters
        infinities = cut.count(b'"+Inf"') + cut.count(b'"-Inf"')
        if cut.count(b"Inf") != infinities or cut.count(b"NaN") != cut.count(b'"NaN"'):
            return None
        cut = cut.replace(b'"+Inf"', b"Infinity").replace(b'"-Inf"', b"-Infinity")
    flat = cut.translate(None, b'"[]')
    try:
        numbers = np.array(json.loads(b"[" + flat + b"]"), dtype=np.float64)
    except (ValueError, OverflowError):  # not JSON numbers; an integer past float's range
        return None
    if numbers.shape != (2 * n,):
        return None
    return Points(numbers[0::2].copy(), numbers[1::2].copy())
