"""The raw-selector expressions of each SLI kind, over one evaluation step: the only rules that read the
user's series. Everything longer is summed from the series these record (:mod:`slokit.rules.build`).

Each kind gives the events of the last step, as two expressions: ``total`` and ``bad``. ``bad`` may read
the ``total`` just recorded (a group runs its rules in order), so a raw selector is read once per step.
An error or good counter that has never been incremented is often absent altogether: ``or vector(0)``
counts it as zero, as the report does where the total has data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from slokit.durations import format_duration
from slokit.sources.promql import embedded, increase, with_matcher
from slokit.spec.models import SLI

_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")


@dataclass(frozen=True)
class StepEvents:
    """PromQL for the events of one step; ``bad`` is given the recorded total's name (with matchers)."""

    total: str
    bad_template: str  # "{total}" stands for the recorded total series

    def bad(self, recorded_total: str) -> str:
        return self.bad_template.replace("{total}", recorded_total)


def step_events(sli: SLI, step: timedelta) -> StepEvents:
    window = format_duration(step)
    if sli.ratio is not None:
        r = sli.ratio
        if r.uses_queries:
            assert r.total_query is not None
            total = f"sum({embedded(_WINDOW.sub(window, r.total_query))})"
            if r.bad_query is not None:
                return StepEvents(total, f"sum({embedded(_WINDOW.sub(window, r.bad_query))}) or vector(0)")
            assert r.good_query is not None
            good = f"sum({embedded(_WINDOW.sub(window, r.good_query))})"
            return StepEvents(total, f"{{total}} - on() ({good} or vector(0))")
        assert r.total is not None
        total = increase(r.total, step)
        if r.bad is not None:
            return StepEvents(total, f"{increase(r.bad, step)} or vector(0)")
        assert r.good is not None
        return StepEvents(total, f"{{total}} - on() ({increase(r.good, step)} or vector(0))")
    if sli.latency is not None:
        histogram = sli.latency.histogram
        total = increase(with_matcher(histogram, "_count"), step)
        good = increase(
            with_matcher(histogram, "_bucket", f'le=~"{le_pattern(sli.latency.threshold)}"'), step
        )
        return StepEvents(total, f"{{total}} - on() ({good} or vector(0))")
    assert sli.timeslices is not None
    t = sli.timeslices
    # One sample per slice: the group runs once per slice length. A slice counts when the query has a value,
    # and only one: several series (a query without aggregation) would count a slice once per series, so,
    # as the report refuses such a query, the rules record no slice for it (the absent alert can say so).
    one = f"(count({embedded(t.query)}) == 1)"
    good = f"count(({embedded(t.query)}) {t.good.op} {_number(t.good.value)}) and on() {one}"
    return StepEvents(one, f"{{total}} - on() ({good} or vector(0))")


def le_spellings(threshold: float) -> list[str]:
    """How exporters spell a bucket bound: Python's client ``0.25``/``1.0``/``1e-05``, Go's ``1``,
    ``0.00001``, ``1e+06``. Prometheus 3 rewrites classic ``le`` values to one spelling on ingestion, older
    servers keep the exporter's; matching them all avoids asking the server (the report does ask)."""
    plain = format(Decimal(repr(threshold)).normalize(), "f")
    spellings = {repr(threshold), f"{threshold:g}", plain}
    if float(threshold).is_integer():
        spellings |= {plain, f"{plain}.0"}
    return sorted(spellings, key=lambda s: (len(s), s))


def le_pattern(threshold: float) -> str:
    """The spellings as an anchored PromQL regex, escaped for a double-quoted PromQL string."""
    return "|".join(re.escape(s).replace("\\", "\\\\") for s in le_spellings(threshold))


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
