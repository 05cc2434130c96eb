"""OpenSLO indicators (``ratioMetric``, ``thresholdMetric``, with their budgeting method) as slokit SLIs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from slokit.convert.counters import WINDOW, Events, events
from slokit.convert.model import FieldPath
from slokit.convert.openslo_documents import FIXED, PREFIX, SHORTHAND, Index, OpenSLODoc, Refused, decimal
from slokit.convert.openslo_time import rolling
from slokit.convert.shown import shown
from slokit.promql_syntax import PromQLSyntaxError, parse_selector
from slokit.rules.sli import le_pattern

_OPS = {"lte": "<=", "gte": ">=", "lt": "<", "gt": ">"}


def _indicator(slo: OpenSLODoc, index: Index) -> tuple[dict[str, Any], tuple[str | int, ...], OpenSLODoc]:
    """The SLI spec, the path of the SLO field it comes from, and the document that holds it."""
    spec = slo.spec
    if isinstance(spec.get("indicator"), dict):
        inline = spec["indicator"]
        body = inline.get("spec") if isinstance(inline.get("spec"), dict) else None
        if body is None:
            raise Refused(
                slo.line("spec", "indicator"), "indicator needs a spec with ratioMetric or thresholdMetric"
            )
        return body, ("spec", "indicator", "spec"), slo
    ref = spec.get("indicatorRef")
    if ref is None:
        raise Refused(slo.line("spec"), "needs indicator or indicatorRef")
    sli = index.get("SLI", ref)
    if sli is None:
        raise Refused(
            slo.line("spec", "indicatorRef"),
            f"indicatorRef {shown(ref)}: no SLI named {ref} in the given files",
        )
    return sli.spec, ("spec",), sli


def indicator_sli(slo: OpenSLODoc, index: Index) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    body, base, holder = _indicator(slo, index)
    method = slo.spec.get("budgetingMethod")
    method_line = slo.line("spec", "budgetingMethod")
    if method == "RatioTimeslices":
        raise Refused(
            method_line,
            "budgetingMethod RatioTimeslices (the average of the slices' ratios) cannot be expressed: slokit "
            "counts events (Occurrences) or good slices (Timeslices)",
        )
    if method is None:
        raise Refused(method_line, "no budgetingMethod: OpenSLO v1 requires it, Occurrences or Timeslices")
    if method not in ("Occurrences", "Timeslices"):
        raise Refused(method_line, f"budgetingMethod must be Occurrences or Timeslices (got {shown(method)})")
    if "ratioMetric" in body:
        ratio, comments = _ratio(body["ratioMetric"], (*base, "ratioMetric"), holder, index, slo)
        if method == "Occurrences":
            return ratio, comments
        return _ratio_slices(slo, ratio, comments)
    if "thresholdMetric" in body:
        if method != "Timeslices":
            raise Refused(
                method_line,
                "thresholdMetric with budgetingMethod Occurrences: slokit counts good values only as time "
                "slices; use Timeslices with a timeSliceWindow",
            )
        return _threshold(slo, body["thresholdMetric"], (*base, "thresholdMetric"), holder, index)
    raise Refused(holder.line(*base), "the indicator needs ratioMetric or thresholdMetric")


def _query(metric: Any, path: tuple[str | int, ...], holder: OpenSLODoc, index: Index) -> tuple[str, int]:
    """The Prometheus query of a ``{metricSource: ...}``, and its line."""
    line = holder.line(*path)
    source = metric.get("metricSource") if isinstance(metric, dict) else None
    if not isinstance(source, dict):
        raise Refused(line, "needs a metricSource")
    kind = source.get("type")
    ref = source.get("metricSourceRef")
    if ref is not None:
        datasource = index.get("DataSource", ref)
        if datasource is None:
            where = holder.line(*path, "metricSource", "metricSourceRef")
            raise Refused(
                where, f"metricSourceRef {shown(ref)}: no DataSource named {ref} in the given files"
            )
        kind = datasource.spec.get("type", kind)
    if not isinstance(kind, str):
        raise Refused(line, "the metric source has no type and no metricSourceRef to a DataSource")
    if kind.lower() != "prometheus":
        raise Refused(
            holder.line(*path, "metricSource"),
            f"data source type {kind}: slokit reads Prometheus (and Prometheus-compatible servers) only",
        )
    body = source.get("spec")
    query = None
    if isinstance(body, dict):
        query = body.get("query", body.get("promql"))
    if not isinstance(query, str) or not query.strip():
        raise Refused(
            holder.line(*path, "metricSource", "spec"), "the Prometheus metric source needs spec.query"
        )
    return query.strip(), holder.line(*path, "metricSource", "spec", "query")


_SLOKIT_WINDOW = re.compile(r"\{\{-?\s*window\s*-?\}\}")


def counts(query: str, counter: bool, line: int) -> Events:
    if _SLOKIT_WINDOW.search(query) and "{{" not in _SLOKIT_WINDOW.sub("", query):
        # Already slokit's query form (its documentation's spelling): taken as written.
        return Events(
            None,
            _SLOKIT_WINDOW.sub("{{ window }}", query),
            ("slokit's own {{ window }} query, taken as written",),
        )
    if "{{" in query:
        return _sloth_window(query, line)
    try:
        return events(query, counter)
    except ValueError as exc:
        raise Refused(line, f"query {shown(query)}: {exc}") from None


def _sloth_window(query: str, line: int) -> Events:
    """A query written for Sloth, with ``{{.window}}``: Sloth's own conversion decides."""
    from slokit.convert.sloth import rewrite_window_query

    try:
        converted, note = rewrite_window_query(query)
    except ValueError as exc:
        raise Refused(line, f"query {shown(query)}: {exc}") from None
    return Events(None, converted, (note,))


def _ratio(
    metric: Any, path: tuple[str | int, ...], holder: OpenSLODoc, index: Index, slo: OpenSLODoc
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    if not isinstance(metric, dict):
        raise Refused(holder.line(*path), "ratioMetric must be a mapping")
    if "raw" in metric:
        raise Refused(
            holder.line(*path, "raw"),
            "a raw ratioMetric (precomputed ratios) gives no event counts: slokit needs good or bad, "
            "and total",
        )
    counter = metric.get("counter", False) is True
    roles = [r for r in ("good", "bad") if r in metric]
    if len(roles) != 1:
        raise Refused(holder.line(*path), "ratioMetric needs good or bad (one of them), and total")
    if "total" not in metric:
        raise Refused(holder.line(*path), "ratioMetric needs total")
    found: dict[str, Events] = {}
    for role in (roles[0], "total"):
        query, line = _query(metric[role], (*path, role), holder, index)
        exact = slo.annotation(f"{PREFIX}{role}-query")
        # slokit export's own query, beside the one-minute form it wrote for other tools.
        found[role] = Events(None, exact) if exact else counts(query, counter, line)
    return ratio_sli(found, slo)


def ratio_sli(
    found: dict[str, Events], slo: OpenSLODoc
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    if all(e.selector is not None for e in found.values()):
        latency = _latency(found, slo)
        if latency is not None:
            return latency
        return {"ratio": {role: e.selector for role, e in found.items()}}, {}
    ratio = {f"{role}_query": e.query for role, e in found.items()}
    comments: dict[FieldPath, tuple[str, ...]] = {
        ("ratio", f"{role}_query"): e.rewritten or ("the increase of the selector over {{ window }}",)
        for role, e in found.items()
        if e.rewritten or e.selector is not None
    }
    return {"ratio": ratio}, comments


def _latency(
    found: dict[str, Events], slo: OpenSLODoc
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]] | None:
    """``h_bucket{..., le="0.25"}`` over ``h_count{...}``: slokit's latency SLI (what export writes)."""
    if "good" not in found or slo.annotation(PREFIX + "sli") == "ratio":
        return None
    try:
        good = parse_selector(str(found["good"].selector))
        total = parse_selector(str(found["total"].selector))
    except PromQLSyntaxError:
        return None
    if good.metric is None or total.metric is None or not good.metric.endswith("_bucket"):
        return None
    base = good.metric.removesuffix("_bucket")
    les = [m for m in good.matchers if m.name == "le"]
    others = [m for m in good.matchers if m.name != "le"]
    if (
        total.metric != f"{base}_count"
        or len(les) != 1
        or sorted(map(str, others)) != sorted(map(str, total.matchers))
    ):
        return None
    threshold = _le_value(les[0].op, les[0].value)
    if threshold is None:
        return None
    histogram = f"{base}{{{','.join(map(str, others))}}}" if others else base
    number: float | int = int(threshold) if threshold.is_integer() else threshold
    sli = {"latency": {"histogram": histogram, "threshold": number}}
    return sli, {("latency",): (f"good {found['good'].selector} over total {found['total'].selector}",)}


def _le_value(op: str, value: str) -> float | None:
    try:
        if op == "=":
            number = float(value)
        elif op == "=~":
            number = float(value.split("|", maxsplit=1)[0].replace("\\", ""))
            if value != le_pattern(number).replace("\\\\", "\\"):
                return None
        else:
            return None
    except ValueError:
        return None
    return number if number > 0 and number != float("inf") else None


def _slice(slo: OpenSLODoc) -> tuple[str, Decimal | None, dict[str, Any]]:
    objectives = slo.spec.get("objectives")
    assert isinstance(objectives, list)  # checked by _one_target
    if len(objectives) > 1 and any(o != objectives[0] for o in objectives[1:]):
        raise Refused(
            slo.line("spec", "objectives", 1),
            "several objectives for one time-slice SLI: a slokit objective has one target and one threshold",
        )
    item = objectives[0]
    size = item.get("timeSliceWindow")
    line = slo.line("spec", "objectives", 0, "timeSliceWindow")
    if isinstance(size, int) and not isinstance(size, bool):
        seconds = size * 60  # the spec: a bare number is minutes
    else:
        match = SHORTHAND.match(str(size)) if isinstance(size, str) else None
        if match is None or match.group(2) not in FIXED:
            raise Refused(
                slo.line("spec", "objectives", 0),
                f"budgetingMethod Timeslices needs timeSliceWindow, e.g. 1m (got {shown(size)})",
            )
        seconds = int(match.group(1)) * FIXED[match.group(2)]
    slice_text = rolling(seconds, line)
    raw = item.get("timeSliceTarget")
    target = None if raw is None else decimal(raw, slo.line("spec", "objectives", 0, "timeSliceTarget"))
    if target is not None and not 0 < target <= 1:
        raise Refused(line, f"timeSliceTarget must be above 0 and at most 1 (got {raw})")
    return slice_text, target, item


def _ratio_slices(
    slo: OpenSLODoc, ratio: dict[str, Any], comments: dict[FieldPath, tuple[str, ...]]
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    """Timeslices over a ratio: a slice is good when its ratio reaches timeSliceTarget."""
    slice_text, target, _ = _slice(slo)
    if target is None:
        raise Refused(slo.line("spec", "objectives", 0), "budgetingMethod Timeslices needs timeSliceTarget")
    if "latency" in ratio:
        raise Refused(
            slo.line("spec", "budgetingMethod"), "Timeslices over a latency histogram: use Occurrences"
        )
    parts = ratio["ratio"]
    queries = {
        role.removesuffix("_query"): (
            value if role.endswith("_query") else f"sum(increase({value}[{WINDOW}]))"
        )
        for role, value in parts.items()
    }
    counted = {role: q.replace(WINDOW, slice_text) for role, q in queries.items()}
    if "good" in counted:
        query = f"({counted['good']}) / ({counted['total']})"
    else:
        query = f"1 - ({counted['bad']}) / ({counted['total']})"
    note = (
        f"Timeslices over a ratio: each {slice_text} slice is good when its good/total ratio is at least "
        f"timeSliceTarget {target.normalize():f}"
    )
    sli = {"timeslices": {"query": query, "good": f">= {target.normalize():f}", "slice": slice_text}}
    return sli, {("timeslices",): (note,)}


def _threshold(
    slo: OpenSLODoc, metric: Any, path: tuple[str | int, ...], holder: OpenSLODoc, index: Index
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    query, _ = _query(metric, path, holder, index)
    slice_text, target, item = _slice(slo)
    op, value = item.get("op"), item.get("value")
    where = slo.line("spec", "objectives", 0)
    good = slo.annotation(PREFIX + "good")
    exact = slo.annotation(PREFIX + "query")
    if good is not None and exact is not None:
        # slokit's own comparison (== and != have no OpenSLO op): export wrote it beside the OpenSLO form.
        return {"timeslices": {"query": exact, "good": good, "slice": slice_text}}, {}
    if not isinstance(op, str) or op not in _OPS:
        raise Refused(where, f"a thresholdMetric objective needs op lte, gte, lt or gt (got {shown(op)})")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(where, f"a thresholdMetric objective needs a numeric value (got {shown(value)})")
    comparison = f"{_OPS[op]} {value:g}" if isinstance(value, float) else f"{_OPS[op]} {value}"
    if target is None or target == 1:
        note = (
            f"a {slice_text} slice is good when the query, evaluated at its end, is {comparison} "
            "(timeSliceTarget 1: every value of the slice)"
        )
        return {"timeslices": {"query": query, "good": comparison, "slice": slice_text}}, {
            ("timeslices",): (note,)
        }
    # A share of the slice's values: the share of the query's values over the slice that pass.
    share = f"avg_over_time((({query}) {_OPS[op]} bool {value})[{slice_text}:])"
    note = (
        f"timeSliceTarget {target.normalize():f}: a {slice_text} slice is good when at least that share of "
        f"the query's values in it are {comparison}"
    )
    sli = {"timeslices": {"query": share, "good": f">= {target.normalize():f}", "slice": slice_text}}
    return sli, {("timeslices",): (note,)}


def alpha_query(source: Any, line: int) -> str:
    if not isinstance(source, dict):
        raise Refused(line, "needs source, queryType and query")
    kind = source.get("source")
    if not isinstance(kind, str) or kind.lower() not in ("prometheus", "sloth"):
        raise Refused(
            line, f"data source {kind}: slokit reads Prometheus (and Prometheus-compatible servers) only"
        )
    query = source.get("query")
    if source.get("queryType", "promql") != "promql" or not isinstance(query, str) or not query.strip():
        raise Refused(line, "needs queryType promql and a query")
    return query.strip()
