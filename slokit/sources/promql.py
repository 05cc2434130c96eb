"""PromQL for each SLI kind. Pure string building; the ``le`` lookup happens in the Prometheus source."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from slokit.durations import format_duration
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE
from slokit.spec.models import SLI

_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")
# Label that tells apart the parts of a window-totals query: ``<role>/<window in seconds>``.
WINDOW_LABEL = "slokit_window"


def embedded(query: str) -> str:
    """``query`` ready to stand inside a call: a PromQL comment (``# ...``) runs to the end of its line, so a
    query holding one gets a line break after it, or the comment would swallow the closing parenthesis."""
    return f"{query}\n" if "#" in query else query


def increase(selector: str, step: timedelta) -> str:
    return f"sum(increase({selector}[{format_duration(step)}]))"


def with_matcher(selector: str, suffix: str, matcher: str | None = None) -> str:
    """``h{job="a"}`` + ``_bucket`` + ``le="0.25"`` -> ``h_bucket{job="a",le="0.25"}``."""
    name, _, rest = selector.strip().partition("{")
    inner = rest.rstrip().removesuffix("}").strip().rstrip(",")
    matchers = [m for m in (inner, matcher) if m]
    return f"{name.strip()}{suffix}{{{','.join(matchers)}}}"


def le_matcher(value: str) -> str:
    return f'le="{value}"'


def queries(sli: SLI, step: timedelta, le: str | None = None) -> dict[str, str]:
    """Role -> PromQL for one objective. ``le`` is the bucket label value as the server spells it."""
    if sli.ratio is not None:
        r = sli.ratio
        if r.uses_queries:
            window = format_duration(step)
            raw = {GOOD: r.good_query, BAD: r.bad_query, TOTAL: r.total_query}
            return {role: _WINDOW.sub(window, q) for role, q in raw.items() if q is not None}
        selectors = {GOOD: r.good, BAD: r.bad, TOTAL: r.total}
        return {role: increase(sel, step) for role, sel in selectors.items() if sel is not None}
    if sli.latency is not None:
        if le is None:
            raise ValueError("latency SLI needs the bucket's le value")
        histogram = sli.latency.histogram
        return {
            GOOD: increase(with_matcher(histogram, "_bucket", le_matcher(le)), step),
            TOTAL: increase(with_matcher(histogram, "_count"), step),
        }
    assert sli.timeslices is not None
    return {VALUE: sli.timeslices.query}


def window_totals(sli: SLI, windows: Sequence[timedelta], le: str | None = None) -> str:
    """One instant query for the events of every role over every window, each ending at the query time.

    Each part is the role's own expression with the window as its range (``sum(increase(sel[30d]))``, or
    the ``*_query`` with ``{{ window }}`` replaced), labelled ``slokit_window="<role>/<seconds>"`` by
    ``label_replace`` (an empty source label matches the empty regex, so the label is always set); the
    parts differ in that label, so ``or`` keeps them all. One round trip instead of one per window.
    """
    parts = [
        f'label_replace({embedded(expr)}, "{WINDOW_LABEL}", "{role}/{int(window.total_seconds())}", "", "")'
        for window in windows
        for role, expr in queries(sli, window, le).items()
    ]
    return " or ".join(parts)


def parse_window_label(value: str) -> tuple[str, timedelta] | None:
    """``"total/300"`` -> ``("total", 5 minutes)``; None for anything else."""
    role, _, seconds = value.partition("/")
    if not role or not seconds.isdigit():
        return None
    return role, timedelta(seconds=int(seconds))


def match_le(threshold: float, values: list[str]) -> str | None:
    """The ``le`` label value equal to ``threshold`` as a number (``1`` matches ``1.0``), if any."""
    for value in values:
        try:
            if float(value) == threshold:
                return value
        except ValueError:
            continue
    return None
