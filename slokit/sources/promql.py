"""PromQL for each SLI kind. Pure string building; the ``le`` lookup happens in the Prometheus source."""

from __future__ import annotations

import re
from datetime import timedelta

from slokit.durations import format_duration
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE
from slokit.spec.models import SLI

_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")


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


def match_le(threshold: float, values: list[str]) -> str | None:
    """The ``le`` label value equal to ``threshold`` as a number (``1`` matches ``1.0``), if any."""
    for value in values:
        try:
            if float(value) == threshold:
                return value
        except ValueError:
            continue
    return None
