"""OpenSLO (``openslo/v1``, and the ``openslo/v1alpha`` documents Sloth reads) to slokit/v1 definitions.

Every file's documents are read first, so that an SLO may refer (``indicatorRef``, ``metricSourceRef``,
``alertPolicyRef``, ``conditionRef``) to a document of any given file. Each SLO becomes one objective of
the service it names; one that cannot be converted is a :class:`ConversionProblem` naming its file, line and
name, and the others still convert. docs/import.md says how each construct maps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from slokit.convert.counters import WINDOW, Events, events
from slokit.convert.model import Conversion, ConversionProblem, ConvertedService, FieldPath, ImportOptions
from slokit.convert.yamldocs import load_documents
from slokit.durations import format_duration
from slokit.promql_syntax import PromQLSyntaxError, parse_selector
from slokit.rules.sli import le_pattern
from slokit.spec.files import Unreadable, discover, read_definition
from slokit.spec.models import KINDS, Kind, is_name
from slokit.spec.yamlsafe import Document, YamlProblem

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
PREFIX = "slokit.dev/"
KIND_KEY = PREFIX + "kind"
TEAM_KEY = PREFIX + "team"
EMAIL_KEY = PREFIX + "email"
_KINDS = ("Service", "SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
_SHORTHAND = re.compile(r"^([0-9]+)([mhdwMQY])$")
_FIXED = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_CALENDAR = {("1", "M"): "month", ("1", "Q"): "quarter", ("1", "w"): "week", ("7", "d"): "week"}
_ALPHA_UNITS = {"Second": 1, "Day": 86400, "Week": 7 * 86400}
_ALPHA_CALENDAR = {"Month": "month", "Quarter": "quarter", "Week": "week"}
NOMINAL = {"month": timedelta(days=30), "week": timedelta(days=7), "quarter": timedelta(days=90)}
_OPS = {"lte": "<=", "gte": ">=", "lt": "<", "gt": ">"}


class _Refused(Exception):
    """One SLO cannot be converted: the line of the field at fault, and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class _Object:
    """One OpenSLO document of a file."""

    file: str
    doc: Document
    api: str
    kind: str
    name: str

    def line(self, *path: str | int) -> int:
        return self.doc.line_of(path)

    @property
    def data(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.doc.data)

    def section(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        return self.section("spec")

    def annotation(self, key: str) -> str | None:
        metadata = self.section("metadata")
        for where in ("annotations", "labels"):
            values = metadata.get(where)
            if isinstance(values, dict) and key in values:
                value = values[key]
                if isinstance(value, list) and len(value) == 1:
                    value = value[0]
                return str(value) if isinstance(value, str | int | float) else None
        return None

    def labels(self) -> dict[str, Any]:
        values = self.section("metadata").get("labels")
        return values if isinstance(values, dict) else {}


@dataclass
class _Objective:
    """One converted SLO, before it joins its service."""

    slo: _Object
    service: str
    data: dict[str, Any]
    kind: Kind
    team: str
    emails: tuple[str, ...]
    window: Any  # slokit's spelling: "30d" or {calendar: month, timezone: UTC}; None when not given
    tiers: dict[str, list[dict[str, Any]]] | None
    comments: dict[FieldPath, tuple[str, ...]] = field(default_factory=dict)


class _Index:
    """Every document of the given files, by kind and name."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], _Object] = {}

    def get(self, kind: str, name: Any) -> _Object | None:
        return self.objects.get((kind, name)) if isinstance(name, str) else None


def convert(paths: Sequence[str | Path], options: ImportOptions) -> Conversion:
    """Convert every OpenSLO SLO under ``paths``; problems for what cannot be converted."""
    problems: list[ConversionProblem] = []
    index = _Index()
    slos: list[_Object] = []
    for path in discover(paths):
        for obj in _read(path, problems):
            key = (obj.kind, obj.name)
            if key in index.objects:
                first = index.objects[key]
                problems.append(
                    ConversionProblem(
                        obj.file,
                        obj.line("metadata", "name"),
                        obj.name,
                        f"a second {obj.kind} named {obj.name} (the first is at {first.file}:{first.line()})",
                    )
                )
                continue
            index.objects[key] = obj
            if obj.kind == "SLO":
                slos.append(obj)
    converted: list[_Objective] = []
    for slo in slos:
        try:
            converted.extend(_objectives(slo, index, options))
        except _Refused as exc:
            problems.append(ConversionProblem(slo.file, exc.line, slo.name, exc.message))
    services, joined = _services(converted, index)
    return Conversion(tuple(services), tuple(problems + joined))


# ------------------------------------------------------------------------------------------------ reading


def _read(path: Path, problems: list[ConversionProblem]) -> list[_Object]:
    name = str(path)
    try:
        text = read_definition(path).decode("utf-8-sig")
        documents = load_documents(text)
    except Unreadable as exc:
        problems.append(ConversionProblem(name, 1, "", exc.message))
        return []
    except UnicodeDecodeError:
        problems.append(ConversionProblem(name, 1, "", "not a UTF-8 text file"))
        return []
    except YamlProblem as exc:
        problems.append(ConversionProblem(name, exc.line, "", exc.message))
        return []
    found: list[_Object] = []
    for doc in documents:
        for problem in doc.problems:
            problems.append(ConversionProblem(name, problem.line, "", problem.message))
        data = doc.data
        line = doc.line_of(())
        if not isinstance(data, dict):
            problems.append(ConversionProblem(name, line, "", "not an OpenSLO document (not a mapping)"))
            continue
        api, kind = data.get("apiVersion"), data.get("kind")
        metadata = data.get("metadata")
        title = metadata.get("name") if isinstance(metadata, dict) else None
        shown = title if isinstance(title, str) else ""
        if api not in (V1, V1ALPHA):
            where = doc.line_of(("apiVersion",))
            message = f"apiVersion {api!r} is not OpenSLO's: {V1} or {V1ALPHA}"
            problems.append(ConversionProblem(name, where, shown, message))
            continue
        if kind not in _KINDS:
            where = doc.line_of(("kind",))
            problems.append(ConversionProblem(name, where, shown, f"kind {kind!r} is not an OpenSLO kind"))
            continue
        if not isinstance(title, str) or not title:
            where = doc.line_of(("metadata",))
            problems.append(ConversionProblem(name, where, "", f"{kind} without metadata.name"))
            continue
        found.append(_Object(name, doc, str(api), str(kind), title))
    return found


# ------------------------------------------------------------------------------------------- objectives


def _objectives(slo: _Object, index: _Index, options: ImportOptions) -> list[_Objective]:
    spec = slo.spec
    service = spec.get("service")
    if not isinstance(service, str) or not service:
        raise _Refused(slo.line("spec"), "spec.service is required: the service this SLO belongs to")
    if not is_name(service):
        raise _Refused(slo.line("spec", "service"), f"service name {service!r} is not a slokit name")
    kind = _kind(slo, options)
    team = _team(slo, index.get("Service", service), options)
    emails = _emails(slo, options)
    window = _window(slo)
    if slo.api == V1ALPHA:
        return _alpha_objectives(slo, service, kind, team, emails, window)
    # slokit export names an SLO SERVICE-OBJECTIVE (OpenSLO names are unique across services) and keeps
    # the objective's own name beside it.
    name = slo.annotation(PREFIX + "objective") or slo.name
    if not is_name(name):
        raise _Refused(slo.line("metadata", "name"), f"name {name!r} is not a slokit objective name")
    target = _one_target(slo)
    data: dict[str, Any] = {"name": name, "kind": kind}
    description = spec.get("description") or slo.section("metadata").get("displayName")
    if isinstance(description, str) and description:
        data["description"] = description
    data["target"] = target
    comments: dict[FieldPath, tuple[str, ...]] = {}
    data["sli"], sli_comments = _sli(slo, index)
    comments.update({("sli", *path): lines for path, lines in sli_comments.items()})
    data.update(_objective_extras(slo))
    tiers = _tiers(slo, index, window)
    return [_Objective(slo, service, data, kind, team, emails, window, tiers, comments)]


def _kind(slo: _Object, options: ImportOptions) -> Kind:
    value = slo.annotation(KIND_KEY)
    if value is None:
        if options.kind is None:
            raise _Refused(
                slo.line("metadata"),
                f"no kind: give --kind operational|application, or the {KIND_KEY} label",
            )
        return options.kind
    kind = next((k for k in KINDS if k == value), None)
    if kind is None:
        raise _Refused(slo.line("metadata"), f"{KIND_KEY} {value!r} must be operational or application")
    return kind


def _team(slo: _Object, service: _Object | None, options: ImportOptions) -> str:
    if options.team:
        return options.team
    for obj in (slo, service):
        if obj is None:
            continue
        for key in (TEAM_KEY, "owner", "team"):
            value = obj.annotation(key)
            if value and value.strip():
                return value.strip()
    raise _Refused(slo.line("metadata"), f"no team: give --team, or the {TEAM_KEY} annotation")


def _emails(slo: _Object, options: ImportOptions) -> tuple[str, ...]:
    if options.emails:
        return options.emails
    value = slo.annotation(EMAIL_KEY)
    return tuple(a.strip() for a in value.split(",") if a.strip()) if value else ()


def _one_target(slo: _Object) -> float | int:
    objectives = slo.spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise _Refused(slo.line("spec"), "spec.objectives is required: at least one target")
    targets = [_target(slo, i, item) for i, item in enumerate(objectives)]
    distinct = list(dict.fromkeys(targets))
    if len(distinct) > 1:
        shown = ", ".join(f"{t:g} %" for t in distinct)
        raise _Refused(
            slo.line("spec", "objectives", 1),
            f"several objectives with different targets ({shown}): a slokit objective has one target; "
            "write one SLO per target",
        )
    return distinct[0]


def _target(slo: _Object, i: int, item: Any) -> float | int:
    where = slo.line("spec", "objectives", i)
    if not isinstance(item, dict):
        raise _Refused(where, "an objective must be a mapping with target or targetPercent")
    if "target" in item and "targetPercent" in item:
        raise _Refused(where, "give target or targetPercent, not both")
    if "targetPercent" in item:
        percent = _decimal(item["targetPercent"], slo.line("spec", "objectives", i, "targetPercent"))
    elif "target" in item:
        fraction = _decimal(item["target"], slo.line("spec", "objectives", i, "target"))
        if not 0 < fraction < 1:
            raise _Refused(where, f"target must be a fraction between 0 and 1 (got {item['target']})")
        percent = fraction * 100
    else:
        raise _Refused(where, "an objective needs target (0.999) or targetPercent (99.9)")
    if not 1 <= percent < 100:
        raise _Refused(where, f"target {percent.normalize():f} % is outside slokit's 1 to 100 %")
    return _number(percent)


def _decimal(value: Any, line: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Refused(line, f"must be a number (got {value!r})")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _Refused(line, f"must be a number (got {value!r})") from None


def _number(value: Decimal) -> float | int:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


# --------------------------------------------------------------------------------------------- windows


def _window(slo: _Object) -> Any:
    spec = slo.spec
    if slo.api == V1ALPHA:
        windows = spec.get("timeWindows")
        key = "timeWindows"
    else:
        windows = spec.get("timeWindow")
        key = "timeWindow"
    if windows is None:
        return None
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise _Refused(slo.line("spec", key), f"{key} must be a list of exactly one window")
    window = windows[0]
    line = slo.line("spec", key, 0)
    if slo.api == V1ALPHA:
        return _alpha_window(window, line)
    duration = window.get("duration")
    match = _SHORTHAND.match(str(duration)) if isinstance(duration, str | int) else None
    if match is None:
        raise _Refused(line, f"timeWindow duration must be like 30d, 4w or 1M (got {duration!r})")
    count, unit = match.groups()
    calendar = window.get("calendar")
    rolling = window.get("isRolling", calendar is None)
    if rolling is True:
        if unit not in _FIXED:
            raise _Refused(
                line, f"a rolling window of {duration} has no fixed length: give days, e.g. 30d or 4w"
            )
        return _rolling(int(count) * _FIXED[unit], line)
    period = _CALENDAR.get((count, unit))
    if period is None:
        raise _Refused(
            line, f"calendar window {duration}: slokit's are a month (1M), a week (1w) or a quarter (1Q)"
        )
    zone = "UTC"
    if isinstance(calendar, dict):
        zone = calendar.get("timeZone") or "UTC"
        _aligned(period, calendar.get("startTime"), slo.line("spec", key, 0, "calendar", "startTime"))
    return {"calendar": period, "timezone": zone}


def _rolling(seconds: int, line: int) -> str:
    if seconds <= 0:
        raise _Refused(line, "the window must be longer than 0")
    return format_duration(timedelta(seconds=seconds))


def _aligned(period: str, start: Any, line: int) -> None:
    """slokit's calendar periods start at midnight: the 1st of a month or quarter, a Monday."""
    if start is None:
        return
    if isinstance(start, datetime):
        moment = start
    elif isinstance(start, date):
        moment = datetime(start.year, start.month, start.day)
    else:
        try:
            moment = datetime.fromisoformat(str(start).strip())
        except ValueError:
            raise _Refused(
                line, f"startTime {start!r} is not a date with time like 2024-01-01 00:00:00"
            ) from None
    midnight = moment.time() == datetime.min.time()
    if period == "week":
        ok, rule = midnight and moment.weekday() == 0, "weeks start on Monday at 00:00"
    elif period == "quarter":
        ok, rule = (
            midnight and moment.day == 1 and moment.month in (1, 4, 7, 10),
            "quarters start on 1 January, April, July and October at 00:00",
        )
    else:
        ok, rule = midnight and moment.day == 1, "months start on the 1st at 00:00"
    if not ok:
        raise _Refused(line, f"calendar window starting {start}: slokit's {rule}")


def _alpha_window(window: dict[str, Any], line: int) -> Any:
    unit, count = window.get("unit"), window.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise _Refused(line, f"timeWindows count must be a whole number above 0 (got {count!r})")
    calendar = window.get("calendar")
    if window.get("isRolling", calendar is None) is True:
        if unit not in _ALPHA_UNITS:
            raise _Refused(line, f"a rolling window of {count} {unit} has no fixed length: give Day or Week")
        return _rolling(count * _ALPHA_UNITS[unit], line)
    if unit not in _ALPHA_CALENDAR or count != 1:
        raise _Refused(line, f"calendar window {count} {unit}: slokit's are 1 Month, 1 Week or 1 Quarter")
    period = _ALPHA_CALENDAR[str(unit)]
    zone = "UTC"
    if isinstance(calendar, dict):
        zone = calendar.get("timeZone") or "UTC"
        _aligned(period, calendar.get("startTime"), line)
    return {"calendar": period, "timezone": zone}


def window_length(window: Any) -> timedelta:
    """A rolling window's length, a calendar period's nominal one (as slokit scales alert tiers)."""
    if isinstance(window, dict):
        return NOMINAL[window["calendar"]]
    from slokit.durations import parse_duration

    return parse_duration(str(window))


# ------------------------------------------------------------------------------------------------ SLIs


def _indicator(slo: _Object, index: _Index) -> tuple[dict[str, Any], tuple[str | int, ...], _Object]:
    """The SLI spec, the path of the SLO field it comes from, and the document that holds it."""
    spec = slo.spec
    if isinstance(spec.get("indicator"), dict):
        inline = spec["indicator"]
        body = inline.get("spec") if isinstance(inline.get("spec"), dict) else None
        if body is None:
            raise _Refused(
                slo.line("spec", "indicator"), "indicator needs a spec with ratioMetric or thresholdMetric"
            )
        return body, ("spec", "indicator", "spec"), slo
    ref = spec.get("indicatorRef")
    if ref is None:
        raise _Refused(slo.line("spec"), "needs indicator or indicatorRef")
    sli = index.get("SLI", ref)
    if sli is None:
        raise _Refused(
            slo.line("spec", "indicatorRef"), f"indicatorRef {ref!r}: no SLI named {ref} in the given files"
        )
    return sli.spec, ("spec",), sli


def _sli(slo: _Object, index: _Index) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    body, base, holder = _indicator(slo, index)
    method = slo.spec.get("budgetingMethod")
    method_line = slo.line("spec", "budgetingMethod")
    if method == "RatioTimeslices":
        raise _Refused(
            method_line,
            "budgetingMethod RatioTimeslices (the average of the slices' ratios) cannot be expressed: slokit "
            "counts events (Occurrences) or good slices (Timeslices)",
        )
    if method not in ("Occurrences", "Timeslices"):
        raise _Refused(method_line, f"budgetingMethod must be Occurrences or Timeslices (got {method!r})")
    if "ratioMetric" in body:
        ratio, comments = _ratio(body["ratioMetric"], (*base, "ratioMetric"), holder, index, slo)
        if method == "Occurrences":
            return ratio, comments
        return _ratio_slices(slo, ratio, comments)
    if "thresholdMetric" in body:
        if method != "Timeslices":
            raise _Refused(
                method_line,
                "thresholdMetric with budgetingMethod Occurrences: slokit counts good values only as time "
                "slices; use Timeslices with a timeSliceWindow",
            )
        return _threshold(slo, body["thresholdMetric"], (*base, "thresholdMetric"), holder, index)
    raise _Refused(holder.line(*base), "the indicator needs ratioMetric or thresholdMetric")


def _query(metric: Any, path: tuple[str | int, ...], holder: _Object, index: _Index) -> tuple[str, int]:
    """The Prometheus query of a ``{metricSource: ...}``, and its line."""
    line = holder.line(*path)
    source = metric.get("metricSource") if isinstance(metric, dict) else None
    if not isinstance(source, dict):
        raise _Refused(line, "needs a metricSource")
    kind = source.get("type")
    ref = source.get("metricSourceRef")
    if ref is not None:
        datasource = index.get("DataSource", ref)
        if datasource is None:
            where = holder.line(*path, "metricSource", "metricSourceRef")
            raise _Refused(where, f"metricSourceRef {ref!r}: no DataSource named {ref} in the given files")
        kind = datasource.spec.get("type", kind)
    if not isinstance(kind, str):
        raise _Refused(line, "the metric source has no type and no metricSourceRef to a DataSource")
    if kind.lower() != "prometheus":
        raise _Refused(
            holder.line(*path, "metricSource"),
            f"data source type {kind}: slokit reads Prometheus (and Prometheus-compatible servers) only",
        )
    body = source.get("spec")
    query = None
    if isinstance(body, dict):
        query = body.get("query", body.get("promql"))
    if not isinstance(query, str) or not query.strip():
        raise _Refused(
            holder.line(*path, "metricSource", "spec"), "the Prometheus metric source needs spec.query"
        )
    return query.strip(), holder.line(*path, "metricSource", "spec", "query")


def _counts(query: str, counter: bool, line: int) -> Events:
    if "{{" in query:
        return _sloth_window(query, line)
    try:
        return events(query, counter)
    except ValueError as exc:
        raise _Refused(line, f"query {query!r}: {exc}") from None


def _sloth_window(query: str, line: int) -> Events:
    """A query written for Sloth, with ``{{.window}}``: Sloth's own conversion decides."""
    import importlib

    rewrite = getattr(importlib.import_module("slokit.convert.sloth"), "rewrite_window_query", None)
    if rewrite is None:
        raise _Refused(
            line, f"query {query!r}: Sloth's {{{{.window}}}} queries are converted by `slokit import sloth`"
        )
    try:
        converted, note = rewrite(query)
    except ValueError as exc:
        raise _Refused(line, f"query {query!r}: {exc}") from None
    return Events(None, str(converted), (str(note),))


def _ratio(
    metric: Any, path: tuple[str | int, ...], holder: _Object, index: _Index, slo: _Object
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    if not isinstance(metric, dict):
        raise _Refused(holder.line(*path), "ratioMetric must be a mapping")
    if "raw" in metric:
        raise _Refused(
            holder.line(*path, "raw"),
            "a raw ratioMetric (precomputed ratios) gives no event counts: slokit needs good or bad, "
            "and total",
        )
    counter = metric.get("counter", False) is True
    roles = [r for r in ("good", "bad") if r in metric]
    if len(roles) != 1:
        raise _Refused(holder.line(*path), "ratioMetric needs good or bad (one of them), and total")
    if "total" not in metric:
        raise _Refused(holder.line(*path), "ratioMetric needs total")
    found: dict[str, Events] = {}
    for role in (roles[0], "total"):
        query, line = _query(metric[role], (*path, role), holder, index)
        exact = slo.annotation(f"{PREFIX}{role}-query")
        # slokit export's own query, beside the one-minute form it wrote for other tools.
        found[role] = Events(None, exact) if exact else _counts(query, counter, line)
    return _ratio_sli(found, slo)


def _ratio_sli(
    found: dict[str, Events], slo: _Object
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
    found: dict[str, Events], slo: _Object
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


def _slice(slo: _Object) -> tuple[str, Decimal | None, dict[str, Any]]:
    objectives = slo.spec.get("objectives")
    assert isinstance(objectives, list)  # checked by _one_target
    if len(objectives) > 1 and any(o != objectives[0] for o in objectives[1:]):
        raise _Refused(
            slo.line("spec", "objectives", 1),
            "several objectives for one time-slice SLI: a slokit objective has one target and one threshold",
        )
    item = objectives[0]
    size = item.get("timeSliceWindow")
    line = slo.line("spec", "objectives", 0, "timeSliceWindow")
    if isinstance(size, int) and not isinstance(size, bool):
        seconds = size * 60  # the spec: a bare number is minutes
    else:
        match = _SHORTHAND.match(str(size)) if isinstance(size, str) else None
        if match is None or match.group(2) not in _FIXED:
            raise _Refused(
                slo.line("spec", "objectives", 0),
                f"budgetingMethod Timeslices needs timeSliceWindow, e.g. 1m (got {size!r})",
            )
        seconds = int(match.group(1)) * _FIXED[match.group(2)]
    slice_text = _rolling(seconds, line)
    raw = item.get("timeSliceTarget")
    target = None if raw is None else _decimal(raw, slo.line("spec", "objectives", 0, "timeSliceTarget"))
    if target is not None and not 0 < target <= 1:
        raise _Refused(line, f"timeSliceTarget must be above 0 and at most 1 (got {raw})")
    return slice_text, target, item


def _ratio_slices(
    slo: _Object, ratio: dict[str, Any], comments: dict[FieldPath, tuple[str, ...]]
) -> tuple[dict[str, Any], dict[FieldPath, tuple[str, ...]]]:
    """Timeslices over a ratio: a slice is good when its ratio reaches timeSliceTarget."""
    slice_text, target, _ = _slice(slo)
    if target is None:
        raise _Refused(slo.line("spec", "objectives", 0), "budgetingMethod Timeslices needs timeSliceTarget")
    if "latency" in ratio:
        raise _Refused(
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
    slo: _Object, metric: Any, path: tuple[str | int, ...], holder: _Object, index: _Index
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
    if op not in _OPS:
        raise _Refused(where, f"a thresholdMetric objective needs op lte, gte, lt or gt (got {op!r})")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refused(where, f"a thresholdMetric objective needs a numeric value (got {value!r})")
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


# ------------------------------------------------------------------------------------- v1alpha (Sloth)


def _alpha_objectives(
    slo: _Object, service: str, kind: Kind, team: str, emails: tuple[str, ...], window: Any
) -> list[_Objective]:
    spec = slo.spec
    method = spec.get("budgetingMethod")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise _Refused(slo.line("spec"), "spec.objectives is required: at least one target")
    if method not in ("Occurrences", "Timeslices"):
        raise _Refused(
            slo.line("spec", "budgetingMethod"),
            f"budgetingMethod must be Occurrences or Timeslices (got {method!r})",
        )
    results: list[_Objective] = []
    for i, item in enumerate(objectives):
        if not isinstance(item, dict):
            raise _Refused(slo.line("spec", "objectives", i), "an objective must be a mapping")
        # Each v1alpha objective has its own metrics: one slokit objective each, named as Sloth names them.
        name = slo.name if len(objectives) == 1 else f"{slo.name}-{i}"
        if not is_name(name):
            raise _Refused(slo.line("metadata", "name"), f"name {name!r} is not a slokit objective name")
        target = _target(slo, i, item)
        metrics = item.get("ratioMetrics")
        comments: dict[FieldPath, tuple[str, ...]] = {}
        if isinstance(metrics, dict):
            if method != "Occurrences":
                raise _Refused(
                    slo.line("spec", "budgetingMethod"), "ratioMetrics with Timeslices: use Occurrences"
                )
            counter = metrics.get("counter", False) is True
            found: dict[str, Events] = {}
            for role in ("good", "total"):
                source = metrics.get(role)
                line = slo.line("spec", "objectives", i, "ratioMetrics", role)
                found[role] = _counts(_alpha_query(source, line), counter, line)
            sli, sli_comments = _ratio_sli(found, slo)
        else:
            raise _Refused(
                slo.line("spec", "objectives", i),
                "a v1alpha objective needs ratioMetrics with good and total (thresholdMetric is not "
                "converted)",
            )
        comments.update({("sli", *p): lines for p, lines in sli_comments.items()})
        data: dict[str, Any] = {"name": name, "kind": kind}
        description = spec.get("description") or item.get("displayName")
        if isinstance(description, str) and description:
            data["description"] = description
        data["target"] = target
        data["sli"] = sli
        data.update(_objective_extras(slo))
        results.append(_Objective(slo, service, data, kind, team, emails, window, None, comments))
    return results


def _alpha_query(source: Any, line: int) -> str:
    if not isinstance(source, dict):
        raise _Refused(line, "needs source, queryType and query")
    kind = source.get("source")
    if not isinstance(kind, str) or kind.lower() not in ("prometheus", "sloth"):
        raise _Refused(
            line, f"data source {kind}: slokit reads Prometheus (and Prometheus-compatible servers) only"
        )
    query = source.get("query")
    if source.get("queryType", "promql") != "promql" or not isinstance(query, str) or not query.strip():
        raise _Refused(line, "needs queryType promql and a query")
    return query.strip()


# ----------------------------------------------------------------------------------------- alert tiers


def _tiers(slo: _Object, index: _Index, window: Any) -> dict[str, list[dict[str, Any]]] | None:
    policies = slo.spec.get("alertPolicies")
    if not policies:
        return None
    if not isinstance(policies, list):
        raise _Refused(slo.line("spec", "alertPolicies"), "alertPolicies must be a list")
    length = window_length(window) if window is not None else timedelta(days=30)
    tiers: dict[str, list[dict[str, Any]]] = {"page": [], "ticket": []}
    for i, entry in enumerate(policies):
        policy, holder, path = _resolve(
            entry, "AlertPolicy", "alertPolicyRef", index, slo, ("spec", "alertPolicies", i)
        )
        conditions = policy.get("conditions")
        if not isinstance(conditions, list) or len(conditions) != 1:
            raise _Refused(holder.line(*path), "an AlertPolicy needs exactly one condition")
        condition, cholder, cpath = _resolve(
            conditions[0], "AlertCondition", "conditionRef", index, holder, (*path, "conditions", 0)
        )
        severity, tier = _tier(condition, cholder, cpath, length)
        tiers[severity].append(tier)
    return tiers


def _resolve(
    entry: Any, kind: str, ref_key: str, index: _Index, holder: _Object, path: tuple[str | int, ...]
) -> tuple[dict[str, Any], _Object, tuple[str | int, ...]]:
    """An inline object's spec, or the referred document's: (spec, its document, the spec's path)."""
    if isinstance(entry, dict) and ref_key in entry:
        ref = entry[ref_key]
        found = index.get(kind, ref)
        if found is None:
            raise _Refused(
                holder.line(*path, ref_key), f"{ref_key} {ref!r}: no {kind} named {ref} in the given files"
            )
        return found.spec, found, ("spec",)
    if isinstance(entry, dict) and isinstance(entry.get("spec"), dict):
        return entry["spec"], holder, (*path, "spec")
    raise _Refused(holder.line(*path), f"must be an inline {kind} (with spec) or a {ref_key}")


def _tier(
    spec: dict[str, Any], holder: _Object, path: tuple[str | int, ...], length: timedelta
) -> tuple[str, dict[str, Any]]:
    severity = str(spec.get("severity", "")).lower()
    line = holder.line(*path)
    if severity not in ("page", "ticket"):
        raise _Refused(
            line, f"alert severity {spec.get('severity')!r}: slokit's alert tiers are page or ticket"
        )
    condition = spec.get("condition")
    if not isinstance(condition, dict):
        raise _Refused(line, "an AlertCondition needs a condition")
    where = holder.line(*path, "condition")
    if condition.get("kind", "burnrate") != "burnrate":
        raise _Refused(
            where, f"alert condition kind {condition.get('kind')!r}: slokit's alert tiers are burn rates"
        )
    if condition.get("op") not in ("gt", "gte"):
        raise _Refused(
            where, f"op {condition.get('op')!r}: a burn-rate alert fires above its threshold (gt or gte)"
        )
    long = _shorthand(condition.get("lookbackWindow"), where, "lookbackWindow")
    short = _shorthand(condition.get("alertAfter"), where, "alertAfter (the short window)")
    if short >= long:
        raise _Refused(
            where, "alertAfter (the short window) must be shorter than lookbackWindow (the long one)"
        )
    factor = _decimal(condition.get("threshold"), where)
    if factor <= 0:
        raise _Refused(where, f"threshold must be above 0 (got {condition.get('threshold')})")
    # slokit's tier: the share of the budget that burning at `factor` spends over the long window.
    budget = factor * Decimal(int(long.total_seconds())) / Decimal(int(length.total_seconds())) * 100
    budget = round(budget, 6)  # the budget as written: export's threshold has twelve digits
    if budget > 100:
        raise _Refused(
            where, f"a burn rate of {factor} over {format_duration(long)} spends more than the whole budget"
        )
    tier = {"long": format_duration(long), "short": format_duration(short), "budget": _number(budget)}
    return severity, tier


def _shorthand(value: Any, line: int, what: str) -> timedelta:
    match = _SHORTHAND.match(str(value)) if isinstance(value, str) else None
    if match is None or match.group(2) not in _FIXED or int(match.group(1)) == 0:
        raise _Refused(line, f"{what} must be a duration like 5m or 1h above 0 (got {value!r})")
    return timedelta(seconds=int(match.group(1)) * _FIXED[match.group(2)])


# ------------------------------------------------------------------------ what only slokit knows about


def _objective_extras(slo: _Object) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key in ("runbook", "dashboard"):
        value = slo.annotation(PREFIX + key)
        if value:
            extras[key] = value
    events = slo.annotation(PREFIX + "min-events")
    if events:
        if not events.isdigit():
            raise _Refused(
                slo.line("metadata"), f"{PREFIX}min-events must be a whole number (got {events!r})"
            )
        extras["min_events"] = int(events)
    labels = slo.annotation(PREFIX + "attribute-by")
    if labels:
        extras["attribute_by"] = [label.strip() for label in labels.split(",") if label.strip()]
    output = _json_annotation(slo, "alerting")
    if output is not None:
        extras["alerting"] = output
    return extras


def _json_annotation(obj: _Object, key: str) -> Any:
    value = obj.annotation(PREFIX + key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise _Refused(
            obj.line("metadata"), f"{PREFIX}{key} must be JSON (as slokit export writes it)"
        ) from None


# ---------------------------------------------------------------------------------------------- services


def _services(
    converted: list[_Objective], index: _Index
) -> tuple[list[ConvertedService], list[ConversionProblem]]:
    problems: list[ConversionProblem] = []
    by_service: dict[str, list[_Objective]] = {}
    for item in converted:
        by_service.setdefault(item.service, []).append(item)
    services: list[ConvertedService] = []
    for name, items in by_service.items():
        kept: list[_Objective] = []
        owners: dict[str, dict[str, Any]] = {}
        tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None = None
        names: dict[str, _Objective] = {}
        for item in items:
            refused = _joins(item, owners, tiers, names)
            if refused is not None:
                problems.append(
                    ConversionProblem(item.slo.file, item.slo.line("metadata"), item.slo.name, refused)
                )
                continue
            _own(item, owners)
            names[item.data["name"]] = item
            if item.tiers is not None and tiers is None:
                tiers = (item, item.tiers)
            kept.append(item)
        if not kept:
            continue
        try:
            services.append(_document(name, kept, owners, tiers, index.get("Service", name)))
        except _Refused as exc:
            service = index.get("Service", name)
            file = service.file if service is not None else kept[0].slo.file
            problems.append(ConversionProblem(file, exc.line, name, exc.message))
    return services, problems


def _joins(
    item: _Objective,
    owners: dict[str, dict[str, Any]],
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None,
    names: dict[str, _Objective],
) -> str | None:
    """Why ``item`` cannot join its service's objectives so far, or None."""
    name = item.data["name"]
    if name in names:
        first = names[name].slo
        where = f"{first.file}:{first.line()}"
        return f"a second objective {name} in service {item.service} (the first from {where})"
    owner = owners.get(item.kind)
    if owner is not None and owner["team"] != item.team:
        return (
            f"team {item.team} for a {item.kind} objective of service {item.service}, which has "
            f"{owner['team']}: slokit has one team per kind and service"
        )
    if tiers is not None and item.tiers is not None and item.tiers != tiers[1]:
        first = tiers[0].slo
        return (
            f"alert policies differ from those of SLO {first.name} ({first.file}:{first.line()}): slokit's "
            f"alert tiers are the service's, one set for all of {item.service}'s objectives"
        )
    return None


def _own(item: _Objective, owners: dict[str, dict[str, Any]]) -> None:
    owner = owners.setdefault(item.kind, {"team": item.team})
    if item.emails:
        known = owner.setdefault("email", [])
        known.extend(a for a in item.emails if a not in known)


def _document(
    name: str,
    items: list[_Objective],
    owners: dict[str, dict[str, Any]],
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None,
    service: _Object | None,
) -> ConvertedService:
    files = list(dict.fromkeys([*(i.slo.file for i in items), *([service.file] if service else [])]))
    comments: dict[FieldPath, tuple[str, ...]] = {
        (): (f"Imported by slokit import openslo from {', '.join(files)}",)
    }
    document: dict[str, Any] = {"apiVersion": "slokit/v1", "service": name}
    if service is not None:
        description = service.spec.get("description") or service.section("metadata").get("displayName")
        if isinstance(description, str) and description:
            document["description"] = description
    document["owners"] = {kind: owners[kind] for kind in KINDS if kind in owners}
    window = _service_window(items, service)
    if window is not None:
        document["window"] = window
    else:
        comments[("objectives",)] = ("no timeWindow given: slokit's default window, 30 days rolling",)
    labels = _service_labels(service)
    if labels:
        document["labels"] = labels
    objectives: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        data = dict(item.data)
        if item.window is not None and item.window != window:
            data = _with_window(data, item.window)
        objectives.append(data)
        comments[("objectives", i)] = (f"from {item.slo.file}:{item.slo.line()}, SLO {item.slo.name}",)
        comments.update({("objectives", i, *path): lines for path, lines in item.comments.items()})
    document["objectives"] = objectives
    if service is not None:
        for key in ("policy",):
            value = _json_annotation(service, key)
            if value is not None:
                document[key] = value
    alerting = _alerting(tiers, service)
    if alerting:
        document["alerting"] = alerting
        if tiers is not None:
            first = tiers[0].slo
            comments[("alerting",)] = (
                f"from the alert policies of SLO {first.name} ({first.file}:{first.line()}): budget = "
                "threshold x lookbackWindow / window x 100",
            )
    if service is not None:
        releases = _json_annotation(service, "releases")
        if releases is not None:
            document["releases"] = releases
        for key in ("runbook", "dashboard"):
            value = service.annotation(PREFIX + key)
            if value:
                document[key] = value
    return ConvertedService(name, ", ".join(files), document, comments)


def _with_window(data: dict[str, Any], window: Any) -> dict[str, Any]:
    """The objective's own window, after its target, where slokit's documentation puts it."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        result[key] = value
        if key == "target":
            result["window"] = window
    return result


def _service_window(items: list[_Objective], service: _Object | None) -> Any:
    if service is not None:
        written = service.annotation(PREFIX + "window")
        if written:
            return json.loads(written) if written.startswith("{") else written
    windows = [i.window for i in items if i.window is not None]
    if not windows:
        return None
    # The most common window is the service's; the others are the objectives' own.
    counts: dict[str, int] = {}
    for window in windows:
        counts[json.dumps(window, sort_keys=True)] = counts.get(json.dumps(window, sort_keys=True), 0) + 1
    best = max(counts, key=lambda k: counts[k])
    return json.loads(best)


def _service_labels(service: _Object | None) -> dict[str, str]:
    if service is None:
        return {}
    labels: dict[str, str] = {}
    for key, value in service.labels().items():
        name_ok = isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) is not None
        value_ok = isinstance(value, str | int | float) and not isinstance(value, bool)
        if name_ok and value_ok and not key.startswith("__"):
            labels[key] = str(value)
    return labels


def _alerting(
    tiers: tuple[_Objective, dict[str, list[dict[str, Any]]]] | None, service: _Object | None
) -> dict[str, Any]:
    alerting: dict[str, Any] = {}
    extra = _json_annotation(service, "alerting") if service is not None else None
    given = tiers[1] if tiers is not None else {}
    defaults = extra.get("default", []) if isinstance(extra, dict) else []
    for severity in ("page", "ticket"):
        if severity in defaults:
            continue  # export's mark: the service left this severity to slokit's defaults
        if given.get(severity):
            alerting[severity] = given[severity]
        elif isinstance(extra, dict) and extra.get(severity) == []:
            alerting[severity] = []
        elif tiers is not None:
            alerting[severity] = []  # the SLOs' policies give none of this severity: none, not the defaults
    if isinstance(extra, dict):
        for key in (
            "name",
            "labels",
            "annotations",
            "page_alert",
            "ticket_alert",
            "min_events",
            "absent_for",
        ):
            if key in extra:
                alerting[key] = extra[key]
    return alerting
