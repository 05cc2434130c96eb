"""Event series from the Prometheus HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics).

Calls go through :class:`slokit.sources.prometheus_http.PrometheusApi` (time and size bounds, retries, the
answer's envelope); :mod:`slokit.sources.prometheus_answer` checks the shape of each answer's data.

One range query per SLI expression and objective, whatever the number of windows: ``sum(increase(sel[s]))``
with ``step = s`` and start/end aligned to ``s``, so that query frontends can split and cache them. Ranges
over :data:`MAX_POINTS` points are split into aligned chunks. These step series serve charts and incidents.
At the adaptive resolution (``SeriesQuery.resolution``, see :mod:`slokit.sources.resolution`) each
expression is two range queries instead: ``sum(increase(sel[C]))`` at step ``C`` up to ``fine_from``, and
the fine one after it; each coarse step's events are spread evenly over the fine steps it covers, so the
series keeps one fine time axis.

The window totals (the budget's window and every burn window) come from one more query per objective, an
instant query at the evaluation time asking each window's own ``sum(increase(sel[W]))`` (see
:func:`slokit.sources.promql.window_totals`): a sum of steps loses the events that no step sees whole,
those of a scrape gap and the first sample of a series that appears after a restart.

Objectives are fetched concurrently on one shared HTTP session; a failure becomes that objective's error
and the others go on. A request that several objectives of a run send alike (a total shared by objectives
with different good selectors, the fine steps of windows of one SLI) is sent once
(:mod:`slokit.sources.shared`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from urllib3.exceptions import InsecureRequestWarning

from slokit.durations import format_duration
from slokit.errors import ObjectiveErrorKind
from slokit.redact import MESSAGE_LIMIT, excerpt
from slokit.settings import REDACT, PrometheusSettings
from slokit.sources import attribution, grid, missing, promql, recorded, releases, resolution
from slokit.sources import prometheus_answer as answer
from slokit.sources.base import GOOD, VALUE, FetchedSeries, FetchedTotals, FloatArray, SeriesQuery
from slokit.sources.insight import InsightFailed, LabelShare, Release
from slokit.sources.prometheus_http import CallFailed, PrometheusApi
from slokit.sources.prometheus_index import RangeLookup
from slokit.sources.shared import SharedFetches, SharedRequests
from slokit.spec.models import SLI, Releases

MAX_POINTS = 11_000  # Prometheus refuses range queries returning more points per series
# Past this many characters of PromQL the query goes in a POST form body: URLs of several kB are cut by
# proxies and load balancers in front of Prometheus.
LONG_QUERY = 2_000
_T = TypeVar("_T")


class QueryFailed(Exception):
    pass


class QueryRefused(QueryFailed):
    """The server refused an expression as malformed: a bad definition, not an outage of the source."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # the server's own words, e.g. "1:16: parse error: unclosed left parenthesis"


class DefinitionMismatch(QueryFailed):
    """The definition does not fit the server's data: a selector matching no series, no such bucket."""


class PrometheusSource:
    def __init__(self, settings: PrometheusSettings) -> None:
        if not settings.url:
            from slokit.errors import UsageError

            raise UsageError("no Prometheus URL: pass --prometheus-url or set SLOKIT_PROMETHEUS_URL")
        self.settings = settings
        self.url: str = settings.url
        if not settings.verify_tls:
            # urllib3 would warn on every request; the CLI says it once instead.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        self.api = PrometheusApi(settings, self.url)
        self.session = self.api.session
        self.http_queries = 0
        self.server_seconds = 0.0
        self._shared: SharedFetches | None = None  # one per fetch: a run's identical queries
        # One per fetch: range requests and bucket look-ups that objectives of different SLIs send alike.
        self._ranges: SharedRequests[tuple[str, datetime, datetime, str], list[answer.Series]] | None = None
        self._buckets: SharedRequests[tuple[str, str, str], list[str]] | None = None
        # Attribution answers by (PromQL, time): a service's objectives over the same selectors and span
        # (several targets of one SLI) ask alike, and each such query reads the whole span's samples.
        self._by_values: dict[tuple[str, str], dict[str, float]] = {}

    @property
    def warnings(self) -> list[str]:
        """Prometheus's ``warnings`` over the run, each once: for the command to print."""
        return self.api.warnings

    def close(self) -> None:
        self.api.close()

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        self._shared = SharedFetches(self._fetch_raw)
        self._ranges, self._buckets = SharedRequests(), SharedRequests()
        # The setting source: slokit's recorded series where the rules are deployed (slokit.sources.recorded).
        reader = (
            recorded.Reader(self, self.settings.source, queries) if self.settings.source != "raw" else None
        )

        def one(query: SeriesQuery) -> FetchedSeries:
            result = self._fetch_one(query) if reader is None else reader.fetch(query)
            if on_done is not None:
                on_done(result)
            return result

        workers = max(1, min(self.settings.concurrency, len(queries)))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slokit-prom") as pool:
                return list(pool.map(one, queries))
        finally:
            self._ranges = self._buckets = None

    def _fetch_one(self, query: SeriesQuery) -> FetchedSeries:
        """The objective's series from its selectors; a query another objective of the run sent the same
        way is answered once (:mod:`slokit.sources.shared`)."""
        return self._fetch_raw(query) if self._shared is None else self._shared(query)

    def _fetch_raw(self, query: SeriesQuery) -> FetchedSeries:
        counter = [0]
        try:
            le = self._resolve_le(query, counter) if query.sli.latency is not None else None
            expressions = promql.queries(query.sli, query.step, le)
            coarse = {}
            if query.resolution is not None:
                coarse = promql.queries(query.sli, query.resolution.coarse_step, le)
            series = {
                role: self._steps(query, role, expr, coarse.get(role), counter)
                for role, expr in expressions.items()
            }
            notes = self._check_missing(query, series, counter)
            totals = None
            if query.windows and VALUE not in expressions:  # time slices are values, not event counts
                totals = self._totals(query, tuple(expressions), le, counter)
        except QueryFailed as exc:
            return failed(query, exc, counter)
        return FetchedSeries(
            query,
            series=series,
            http_queries=counter[0],
            totals=totals,
            notes=notes,
            resolution=query.resolution,
        )

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        """Bad events over ``(start, end]`` by each label's values (see :mod:`slokit.sources.attribution`):
        one instant query per label and role, at ``end``."""
        counter = [0]
        span = end - start
        try:
            le = None
            if sli.latency is not None:
                le = self._resolve_le(SeriesQuery("attribution", sli, span, end, end), counter)
            found: list[LabelShare] = []
            for label in labels:
                by_role = {
                    role: self._by_value(label, role, expr, end, counter)
                    for role, expr in attribution.queries(sli, label, span, le).items()
                }
                found.extend(attribution.shares(label, attribution.bad_by_value(by_role)))
        except (QueryFailed, attribution.NotAttributable) as exc:
            raise InsightFailed(excerpt(REDACT, f"attribution: {exc}", MESSAGE_LIMIT)) from None
        return found

    def _by_value(
        self, label: str, role: str, expr: str, end: datetime, counter: list[int]
    ) -> dict[str, float]:
        """The instant answer to ``sum by (label) (...)``: value -> events ("" for series without it); an
        answer the run already had is not asked again."""
        key = (expr, _ts(end))
        if key in self._by_values:
            return dict(self._by_values[key])
        what = f"{role} attribution query"
        try:
            result = self._call(counter, partial(self._query_instant, expr, end, f"the {what}"))
        except QueryRefused as exc:
            message = f"the server refused the {role} query {expr} as malformed: {exc.reason}"
            raise QueryRefused(message, exc.reason) from None
        out: dict[str, float] = {}
        for item in result:
            value = item["metric"].get(label, "")
            if not isinstance(value, str) or value in out:
                raise QueryFailed(f"the {what} returned an unexpected series {item['metric']}")
            try:
                grid.check_instant(float(item["value"][0]), end.timestamp(), what)
            except grid.OffGrid as exc:
                raise QueryFailed(str(exc)) from None
            events = float(item["value"][1])
            if np.isnan(events):  # no data for that value: nothing to attribute
                continue
            if np.isinf(events):
                raise QueryFailed(f"the {what} returned an infinite count for {label}={value!r}: {expr}")
            out[value] = events
        self._by_values[key] = dict(out)
        return out

    def releases(self, spec: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        """Releases in ``(start, end]`` located to ``step`` (see :mod:`slokit.sources.releases`): one range
        query from the step before the span, in chunks of :data:`MAX_POINTS`."""
        counter = [0]
        found: list[tuple[int, str | None]]
        step_s = step.total_seconds()
        first = datetime.fromtimestamp((start.timestamp() // step_s) * step_s, UTC)
        last = datetime.fromtimestamp((end.timestamp() // step_s) * step_s, UTC)
        try:
            if spec.label is None:
                values = self._range(
                    "releases", releases.marker_query(spec.query, step), first, last, step, counter
                )
                found = [(index, None) for index in releases.marker_starts(values)]
            else:
                expr = releases.label_query(spec.query, spec.label, step)
                present = self._presence(spec.label, expr, first, last, step, counter)
                found = list(releases.new_values(present))
        except QueryFailed as exc:
            raise InsightFailed(excerpt(REDACT, f"releases: {exc}", MESSAGE_LIMIT)) from None
        # Located like an incident: the start of the step it happened in (index 0 is the step before).
        return [Release(first + (index - 1) * step, version, step) for index, version in found]

    def _presence(
        self, label: str, expr: str, first: datetime, last: datetime, step: timedelta, counter: list[int]
    ) -> dict[str, npt.NDArray[np.bool_]]:
        """For each value of ``label`` in the answer to ``expr``, the steps where it has a count above 0."""
        points = int((last - first) / step) + 1
        values: dict[str, FloatArray] = {}
        for result, asked in self._chunks("releases", expr, first, last, step, counter):
            seen: set[str] = set()
            for series in result:
                value = series.metric.get(label, "")
                if not isinstance(value, str) or value in seen:
                    raise QueryFailed(f"releases query returned an unexpected series {series.metric}")
                seen.add(value)
                out = values.setdefault(value, np.full(points, np.nan))
                _place(out, series.points, first, step, asked, "releases")
        return {value: np.asarray(counts > 0, dtype=bool) for value, counts in values.items()}

    def _check_missing(
        self, query: SeriesQuery, series: dict[str, FloatArray], counter: list[int]
    ) -> tuple[str, ...]:
        """Look up the selectors of the roles that came back empty (see :mod:`slokit.sources.missing`);
        a definition error raises, an absent bad counter gives a note. No request while all have data."""
        empty = missing.empty_roles(series)
        if not empty:
            return ()
        lookup = RangeLookup(self, query.start - query.step, query.end, counter)
        verdict = missing.judge(_expressions(query), empty, lookup, _lookback(query))
        if verdict.error is not None:
            raise DefinitionMismatch(verdict.error)
        return verdict.notes

    def _resolve_le(self, query: SeriesQuery, counter: list[int]) -> str:
        assert query.sli.latency is not None
        latency = query.sli.latency
        buckets = promql.with_matcher(latency.histogram, "_bucket")
        params = {
            "match[]": buckets,
            "start": _ts(query.start - query.step),
            "end": _ts(query.end),
        }
        send = partial(self._call, counter, partial(self._label_values, "le", params))
        shared = self._buckets
        values = send() if shared is None else shared((buckets, params["start"], params["end"]), send)
        if not values:  # no bucket series at all: ask why, with suggestions
            lookup = RangeLookup(self, query.start - query.step, query.end, counter)
            wanted = _expressions(query)[GOOD]
            raise DefinitionMismatch(missing.absent(wanted, wanted.selectors[0], lookup, _lookback(query)))
        le = promql.match_le(latency.threshold, [str(v) for v in values])
        if le is None:
            known = sorted((v for v in values if _is_number(v)), key=float)
            found = f"its buckets: {', '.join(known)}" if known else "no series matched"
            raise DefinitionMismatch(f"histogram {buckets} has no bucket le={latency.threshold:g} ({found})")
        return le

    def _steps(
        self, query: SeriesQuery, role: str, expr: str, coarse_expr: str | None, counter: list[int]
    ) -> FloatArray:
        """One value per step of ``query``: one fine range, or a coarse and a fine one (adaptive)."""
        if query.resolution is None or coarse_expr is None:
            return self._range(role, expr, query.start, query.end, query.step, counter)
        bounds = resolution.ranges(query.start, query.step, query.resolution)
        coarse_step = query.resolution.coarse_step
        coarse = self._range(role, coarse_expr, bounds.coarse_first, bounds.coarse_last, coarse_step, counter)
        fine = self._range(role, expr, bounds.fine_first, query.end, query.step, counter)
        return np.concatenate([grid.spread(coarse, bounds.per_coarse), fine])

    def _range(
        self,
        role: str,
        expr: str,
        first: datetime,
        last: datetime,
        step: timedelta,
        counter: list[int],
    ) -> FloatArray:
        """The values at step ends ``first, first + step, ..., last``, in chunks of :data:`MAX_POINTS`."""
        out = np.full(int((last - first) / step) + 1, np.nan)
        for result, asked in self._chunks(role, expr, first, last, step, counter):
            if len(result) > 1:
                hint = "" if role == VALUE else "; aggregate it with sum()"
                raise QueryFailed(f"{role} query returned {len(result)} series, expected one{hint}: {expr}")
            if result and result[0].points.seconds.size:
                _place(out, result[0].points, first, step, asked, role)
        return out

    def _chunks(
        self,
        role: str,
        expr: str,
        first: datetime,
        last: datetime,
        step: timedelta,
        counter: list[int],
    ) -> Iterator[tuple[list[answer.Series], tuple[float, float]]]:
        """Each chunk's answer (at most :data:`MAX_POINTS` steps) with the range it asked for, in seconds."""
        chunk = (MAX_POINTS - 1) * step
        chunk_start = first
        spelled = format_duration(step)
        while chunk_start <= last:
            chunk_end = min(chunk_start + chunk, last)
            send = partial(
                self._call, counter, partial(self._query_range, expr, chunk_start, chunk_end, spelled)
            )
            try:
                shared = self._ranges
                result = send() if shared is None else shared((expr, chunk_start, chunk_end, spelled), send)
            except QueryRefused as exc:
                message = f"the server refused the {role} query {expr} as malformed: {exc.reason}"
                raise QueryRefused(message, exc.reason) from None
            yield result, (chunk_start.timestamp(), chunk_end.timestamp())
            chunk_start = chunk_end + step

    def _totals(
        self,
        query: SeriesQuery,
        roles: tuple[str, ...],
        le: str | None,
        counter: list[int],
        expr: str | None = None,
    ) -> FetchedTotals:
        """Every role's events over every window of ``query.windows``, ending at ``query.end``: by ``expr``
        (labelled as :func:`promql.window_totals` labels its parts), by default the selectors'."""
        expr = expr or promql.window_totals(query.sli, query.windows, le)
        result = self._call(counter, partial(self._query_instant, expr, query.end))
        index = {w: i for i, w in enumerate(query.windows)}
        values = {role: np.full(len(query.windows), np.nan) for role in roles}
        seen: set[str] = set()
        for item in result:
            label = item["metric"].get(promql.WINDOW_LABEL, "")
            parsed = promql.parse_window_label(label)
            if parsed is None or parsed[0] not in values or parsed[1] not in index:
                raise QueryFailed(f"window totals query returned an unexpected series {item['metric']}")
            role, window = parsed
            if label in seen:
                raise QueryFailed(
                    f"{role} query returned more than one series over {format_duration(window)}, expected "
                    "one; aggregate it with sum()"
                )
            seen.add(label)
            try:
                grid.check_instant(float(item["value"][0]), query.end.timestamp(), "window totals query")
            except grid.OffGrid as exc:
                raise QueryFailed(str(exc)) from None
            # "NaN" is no data; "+Inf" is kept for the engine to refuse as a broken count.
            values[role][index[window]] = float(item["value"][1])
        return FetchedTotals(query.end, query.windows, values)

    def _query_range(self, expr: str, start: datetime, end: datetime, step: str) -> list[answer.Series]:
        """``query_range``'s series; a query over :data:`LONG_QUERY` characters goes in a form body."""
        values = {"query": expr, "start": round(start.timestamp()), "end": round(end.timestamp())}
        return self._shape(answer.matrix, self._query("query_range", {**values, "step": step}), expr)

    def _query_instant(
        self, expr: str, at: datetime, asked: str = "the window totals query"
    ) -> list[dict[str, Any]]:
        """The window totals query's samples at ``at``, always in a form body: it repeats every expression
        once per window (1-2 kB for a ratio objective), near :data:`LONG_QUERY` anyway, and in a URL
        urllib3 re-encodes it byte by byte: 0.5 ms of CPU per query, 0.1 s of a 200-objective report. The
        range queries, short, stay GET (what query frontends split and cache)."""
        values = {"query": expr, "time": _ts(at)}
        return self._shape(answer.vector, self.api.post("query", values), asked)

    def _query(self, endpoint: str, values: dict[str, Any]) -> Any:
        if len(values["query"]) > LONG_QUERY:
            return self.api.post(endpoint, values)
        return self.api.get(endpoint, values)

    def _label_values(self, label: str, params: dict[str, str]) -> list[str]:
        values = self.api.get(f"label/{label}/values", params)
        return self._shape(partial(answer.strings, what="label values"), values)

    def _series(self, start: datetime, end: datetime, params: dict[str, str]) -> list[dict[str, Any]]:
        values = {**params, "start": _ts(start), "end": _ts(end)}
        return self._shape(answer.mappings, self.api.get("series", values))

    def _parse_only(self, expr: str, at: str) -> None:
        """An instant query evaluated where there is no data: whether the server parses ``expr``."""
        self.api.get("query", {"query": expr, "time": at})

    def _format_query(self, expr: str) -> None:
        self.api.post("format_query", {"query": expr})

    def _shape(self, check: Callable[[Any], _T], data: Any, asked: str | None = None) -> _T:
        """``data`` checked by ``check``; ``asked`` names the query (its PromQL) in the message."""
        try:
            return check(data)
        except answer.Malformed as exc:
            to = f" to {asked}" if asked is not None else ""
            raise QueryFailed(f"Prometheus at {self.url} sent a malformed answer{to}: {exc}") from None

    def _call(self, counter: list[int], request: Callable[[], Any]) -> Any:
        counter[0] += 1
        self.http_queries += 1
        started = time.perf_counter()
        try:
            return request()
        except CallFailed as exc:
            reason = _parse_error(exc.status, exc.server_error)
            if reason is not None:
                raise QueryRefused(str(exc), reason) from None
            raise QueryFailed(str(exc)) from None
        finally:
            self.server_seconds += time.perf_counter() - started


def failed(query: SeriesQuery, exc: QueryFailed, counter: list[int]) -> FetchedSeries:
    """The objective's answer when one of its requests failed: the error, of the kind the failure says."""
    kind: ObjectiveErrorKind = (
        "malformed"
        if isinstance(exc, QueryRefused)
        else "definition"
        if isinstance(exc, DefinitionMismatch)
        else "source"
    )
    error = excerpt(REDACT, f"{query.key}: {exc}", MESSAGE_LIMIT, one_line=False)
    return FetchedSeries(query, error=error, http_queries=counter[0], error_kind=kind)


def _place(
    out: FloatArray,
    points: answer.Points,
    first: datetime,
    step: timedelta,
    asked: tuple[float, float],
    role: str,
) -> None:
    try:
        grid.place(
            out,
            points,
            start_s=first.timestamp(),
            step_s=step.total_seconds(),
            asked=asked,
            what=f"{role} query",
            step=format_duration(step),
        )
    except grid.OffGrid as exc:
        raise QueryFailed(str(exc)) from None


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _expressions(query: SeriesQuery) -> dict[str, missing.Expression]:
    latency = query.sli.latency
    if latency is None:
        return missing.expressions(query.sli)
    bucket = promql.with_matcher(latency.histogram, "_bucket")
    return missing.expressions(query.sli, bucket, promql.with_matcher(latency.histogram, "_count"))


def _lookback(query: SeriesQuery) -> str:
    """How far back the objective's queries read, as in ``33d5m``."""
    return format_duration(query.end - query.start + query.step)


# How servers say that an expression does not parse: Prometheus (and Thanos, Mimir, which share its parser)
# with HTTP 400 "parse error"; VictoriaMetrics with HTTP 422 and its parser's words.
_PARSE_ERRORS = {
    400: ("parse error",),
    422: ("unparsed data", "cannot parse", "unexpected token", "unknown func", "error parsing regexp"),
}


def _parse_error(status: int | None, error: str | None) -> str | None:
    """The server's error text when it refused an expression as malformed; None for any other failure."""
    if status is None or error is None:
        return None
    return error if any(m in error for m in _PARSE_ERRORS.get(status, ())) else None
