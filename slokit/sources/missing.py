"""Missing is not empty: a selector that matches no series is not a service without traffic.

A role (good, bad, total, a time slice's value) whose query came back without any data is looked up in the
server's series index over the objective's lookback:

- a ``total``, ``good`` or histogram selector (or time-slice query) matching no series is a definition
  error for the objective: a typo, a renamed metric, a label that never had that value. The message names
  the selector and suggests close metric names from the server's own list, or close label values when the
  metric exists;
- series that exist but counted nothing stay ``no_data``;
- a ``bad`` selector matching no series counts zero: an error counter that never fired is often absent
  altogether. The objective carries a note saying so.

Lazily: nothing is looked up while every role has data, so a healthy objective costs no extra request.

``*_query`` SLIs are full PromQL: their selectors are found by :func:`slokit.promql_syntax.selectors_in` (best
effort; a query it cannot read, such as a MetricsQL ``WITH`` template, is left as ``no_data``). Only the
selectors that match nothing are named. The same lookups serve ``slokit validate --prometheus-url``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from slokit.promql_syntax import Matcher, PromQLSyntaxError, Selector, parse_selector, selectors_in
from slokit.sources.base import BAD, GOOD, TOTAL, VALUE, FloatArray
from slokit.spec.models import SLI


class SeriesLookup(Protocol):
    """The server's series index over one lookback range (``/api/v1/series``, ``/api/v1/label/...``)."""

    def has_series(self, selector: str) -> bool: ...

    def metric_names(self) -> list[str]: ...

    def label_values(self, label: str, selector: str) -> list[str]: ...

    def appears_later(self, selector: str) -> bool:
        """Whether the selector matches series after the range only: a metric (or a server) newer than the
        evaluation time, which a report at that time cannot see yet."""
        ...


@dataclass(frozen=True)
class Expression:
    """One role's part of a definition: how the file names it and the selectors it reads."""

    role: str
    field: str  # "total selector", "good_query", "histogram", ...
    selectors: tuple[Selector, ...]
    suffix: str = ""  # for a histogram: the base name's _bucket or _count, for suggestions


@dataclass(frozen=True)
class Verdict:
    """A definition error (``error``), or notes to show beside the figures; both empty when all is well."""

    error: str | None = None
    notes: tuple[str, ...] = ()


def expressions(sli: SLI, bucket: str | None = None, count: str | None = None) -> dict[str, Expression]:
    """Role -> what the definition asks for. ``bucket``/``count`` are the histogram's series selectors."""
    if sli.ratio is not None:
        r = sli.ratio
        if r.uses_queries:
            raw = {GOOD: ("good_query", r.good_query), BAD: ("bad_query", r.bad_query)}
            raw[TOTAL] = ("total_query", r.total_query)
            return {
                role: Expression(role, f"{field} selector", tuple(selectors_in(query)))
                for role, (field, query) in raw.items()
                if query is not None
            }
        plain = {GOOD: r.good, BAD: r.bad, TOTAL: r.total}
        return {
            role: Expression(role, f"{role} selector", _parsed(text))
            for role, text in plain.items()
            if text is not None
        }
    if sli.latency is not None:
        histogram = sli.latency.histogram
        return {
            role: Expression(role, f"histogram {histogram}", _parsed(text), suffix)
            for role, text, suffix in ((GOOD, bucket, "_bucket"), (TOTAL, count, "_count"))
            if text is not None
        }
    assert sli.timeslices is not None
    return {VALUE: Expression(VALUE, "query selector", tuple(selectors_in(sli.timeslices.query)))}


def _parsed(text: str) -> tuple[Selector, ...]:
    try:
        return (parse_selector(text),)
    except PromQLSyntaxError:  # validate refuses it; the server will say what is wrong
        return ()


def empty_roles(series: Mapping[str, FloatArray]) -> list[str]:
    """Roles whose query returned no value at all over the whole range."""
    return [role for role, values in series.items() if values.size == 0 or bool(np.isnan(values).all())]


def judge(
    wanted: Mapping[str, Expression], empty: Sequence[str], lookup: SeriesLookup, lookback: str
) -> Verdict:
    """Look up the selectors of the ``empty`` roles; ``lookback`` is how far back, e.g. ``33d5m``."""
    errors: list[str] = []
    notes: list[str] = []
    for role in empty:
        expression = wanted.get(role)
        if expression is None:
            continue
        for selector in expression.selectors:
            finding = look_up(expression, selector, lookup, lookback)
            if finding is not None:
                (notes if finding.note else errors).append(finding.text)
    return Verdict("; ".join(errors) if errors else None, tuple(notes))


@dataclass(frozen=True)
class Finding:
    """What the index says of one selector that matched nothing: a definition error, or a note."""

    text: str
    note: bool


def look_up(
    expression: Expression, selector: Selector, lookup: SeriesLookup, lookback: str
) -> Finding | None:
    """None when the selector matches series in the range; otherwise why it does not, and what that means."""
    if lookup.has_series(str(selector)):
        return None
    if lookup.appears_later(str(selector)):
        # Not a typo: the series begin after the evaluation time (a metric added minutes ago, a new server,
        # the evaluation time aligned down to 5 minutes). Before them there is no data, which is no_data.
        return Finding(
            f"{expression.field} {selector}: its series begin after the evaluation time; no data before it",
            note=True,
        )
    if expression.role == BAD:
        return Finding(zero_note(expression, selector, lookup, lookback), note=True)
    return Finding(absent(expression, selector, lookup, lookback), note=False)


def absent(expression: Expression, selector: Selector, lookup: SeriesLookup, lookback: str) -> str:
    """``total selector x{job="a"} matches no series in the last 33d5m (did you mean y?)``."""
    if expression.suffix:
        head = f"{expression.field}: no series {selector} in the last {lookback}"
    else:
        head = f"{expression.field} {selector} matches no series in the last {lookback}"
    hint = _hint(selector, lookup, expression.suffix)
    return f"{head} ({hint})" if hint else head


def zero_note(expression: Expression, selector: Selector, lookup: SeriesLookup, lookback: str) -> str:
    """What an absent bad counter means for the figures; the hint tells a typo from a counter at rest."""
    head = absent(expression, selector, lookup, lookback)
    return f"{head}: counted as zero bad events, as for an error counter that never fired"


def _hint(selector: Selector, lookup: SeriesLookup, suffix: str) -> str:
    name = selector.name
    if name is None:
        return ""
    names = lookup.metric_names()
    if name not in names:
        close = suggest(name, names, suffix)
        return f"did you mean {_or(close)}?" if close else "no metric of that name or a similar one"
    base = name.removesuffix(suffix)
    fixes: list[str] = []
    unknown: list[str] = []
    for matcher in selector.matchers:
        if matcher.op != "=" or matcher.name == "__name__":
            continue
        values = lookup.label_values(matcher.name, name)
        if matcher.value in values:
            continue
        close = difflib.get_close_matches(matcher.value, values, n=1, cutoff=0.6)
        if close:
            fixes.append(str(Matcher(matcher.name, "=", close[0])))
        else:
            unknown.append(str(matcher))
    if fixes:
        return f"{base} exists; did you mean {', '.join(fixes)}?"
    if unknown:
        return f"{base} exists, but no series of it has {' or '.join(unknown)}"
    return f"{base} exists, but no series of it has all these labels"


def suggest(name: str, names: Sequence[str], suffix: str = "") -> list[str]:
    """Up to three metric names close to ``name``, by difflib's ratio; ``suffix`` is cut off both sides."""
    if suffix:
        candidates = [n.removesuffix(suffix) for n in names if n.endswith(suffix)]
        return difflib.get_close_matches(name.removesuffix(suffix), candidates, n=3, cutoff=0.6)
    return difflib.get_close_matches(name, names, n=3, cutoff=0.6)


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
