"""Budget attribution: which values of a label ate the bad events of a span. PromQL and arithmetic, no I/O.

For each label, one instant query per role at the span's end, over the span as its range::

    sum by (handler) (increase(http_requests_total{job="shop",code=~"5.."}[2592000s]))

The bad events come from the ratio's ``bad`` selector when it has one. Otherwise they are ``total`` minus
``good``, per label value, joined here: a value only in ``total`` had all its events bad; a difference below
zero (``good`` and ``total`` scraped at different moments, extrapolated apart) counts as none. A latency SLI
is its histogram's ``_count`` minus its ``_bucket`` at the threshold's ``le``. Series without the label
are summed under the value ``""`` (renderers show "(none)").

The :data:`TOP` values with the most bad events are kept, the rest summed as :data:`OTHER`; a value's share
is of all the label's bad events, None when there were none (no share of nothing). Values without a bad
event are left out when others had some: they ate nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta

from slokit.sources.base import BAD, GOOD, TOTAL
from slokit.sources.insight import LabelShare
from slokit.sources.promql import le_matcher, with_matcher
from slokit.spec.models import SLI

TOP = 5
OTHER = "(other)"


class NotAttributable(ValueError):
    """The SLI has no selectors to group by a label (queries, time slices)."""


def span_range(span: timedelta) -> str:
    """The span in PromQL duration syntax, in whole seconds (``2592000s``): exact for any span."""
    seconds = round(span.total_seconds())
    if seconds <= 0:
        raise ValueError(f"attribution over an empty span ({span})")
    return f"{seconds}s"


def queries(sli: SLI, label: str, span: timedelta, le: str | None = None) -> dict[str, str]:
    """Role -> ``sum by (label) (increase(selector[span]))``: the bad role alone, or good and total."""
    rng = span_range(span)
    selectors: dict[str, str]
    if sli.ratio is not None and not sli.ratio.uses_queries:
        r = sli.ratio
        if r.bad is not None:
            selectors = {BAD: r.bad}
        elif r.good is not None and r.total is not None:
            selectors = {GOOD: r.good, TOTAL: r.total}
        else:  # the spec requires two of the three; kept for a hand-built SLI
            raise NotAttributable("a ratio SLI needs a bad selector, or good and total selectors")
    elif sli.latency is not None:
        if le is None:
            raise ValueError("latency SLI needs the bucket's le value")
        histogram = sli.latency.histogram
        selectors = {
            GOOD: with_matcher(histogram, "_bucket", le_matcher(le)),
            TOTAL: with_matcher(histogram, "_count"),
        }
    else:
        raise NotAttributable("attribution needs selectors (a ratio of selectors or a latency histogram)")
    return {role: f"sum by ({label}) (increase({sel}[{rng}]))" for role, sel in selectors.items()}


def bad_by_value(by_role: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Bad events per label value, from the roles' answers (value -> events), differences clipped at 0."""
    if BAD in by_role:
        return {value: max(0.0, events) for value, events in by_role[BAD].items()}
    good, total = by_role.get(GOOD, {}), by_role.get(TOTAL, {})
    return {
        value: max(0.0, total.get(value, 0.0) - good.get(value, 0.0))
        for value in sorted(set(total) | set(good))
    }


def shares(label: str, bad: Mapping[str, float]) -> list[LabelShare]:
    """The :data:`TOP` values by bad events (ties by value), then :data:`OTHER` for the rest, if any."""
    everything = math.fsum(bad.values())
    ranked = sorted(bad.items(), key=lambda item: (-item[1], item[0]))
    if everything > 0:
        ranked = [(value, events) for value, events in ranked if events > 0]
    kept, rest = ranked[:TOP], ranked[TOP:]
    if rest:
        kept.append((OTHER, math.fsum(events for _, events in rest)))
    return [
        LabelShare(label, value, events, events / everything if everything > 0 else None)
        for value, events in kept
    ]
