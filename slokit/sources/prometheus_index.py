"""The server's series index and parser, over the Prometheus source's client.

- :class:`RangeLookup`: :class:`slokit.sources.missing.SeriesLookup` over one range, with
  ``/api/v1/series`` (``limit=1``: whether a series exists is all that is asked; servers before Prometheus
  2.49 ignore the limit) and ``/api/v1/label/<name>/values`` (the metric names for suggestions, a label's
  values for a metric).
- :class:`ServerCheck`: :class:`slokit.sources.verify.ExpressionServer` for ``slokit validate
  --prometheus-url``: ``/api/v1/format_query`` parses an expression without evaluating it. A server without
  that endpoint (VictoriaMetrics, Prometheus before 2.31) gets an instant query at a time long before any data
  instead, which parses the expression and reads nothing.

Requests go through the source's ``_call``: the same session, credentials, retries, error wording and
request count as the queries of a report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from slokit.sources.missing import SeriesLookup

if TYPE_CHECKING:
    from slokit.sources.prometheus import PrometheusSource

# A time long before any sample (1970-01-01T00:00:01Z): an instant query there parses and reads nothing.
_NO_DATA_TIME = "1"


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


class RangeLookup:
    """The series index between ``start`` and ``end``; implements ``SeriesLookup``."""

    def __init__(
        self,
        source: PrometheusSource,
        start: datetime,
        end: datetime,
        counter: list[int],
        now: datetime | None = None,
    ) -> None:
        self.source, self.start, self.end, self.counter = source, start, end, counter
        # The present (default: the clock), for series that begin after ``end``.
        self.now = now or datetime.now(UTC)
        self._names: list[str] | None = None
        self._found: dict[tuple[str, datetime, datetime], bool] = {}

    def has_series(self, selector: str) -> bool:
        return self._exists(selector, self.start, self.end)

    def appears_later(self, selector: str) -> bool:
        return self.now > self.end and self._exists(selector, self.end, self.now)

    def _exists(self, selector: str, start: datetime, end: datetime) -> bool:
        key = (selector, start, end)
        if key not in self._found:
            params = {"match[]": selector, "limit": "1"}
            found = self.source._call(self.counter, partial(self.source._series, start, end, params))
            self._found[key] = bool(found)
        return self._found[key]

    def metric_names(self) -> list[str]:
        if self._names is None:
            self._names = self._values("__name__", {})
        return self._names

    def label_values(self, label: str, selector: str) -> list[str]:
        return self._values(label, {"match[]": selector})

    def _values(self, label: str, params: dict[str, str]) -> list[str]:
        params = {"start": _ts(self.start), "end": _ts(self.end), **params}
        values: list[str] = self.source._call(self.counter, partial(self.source._label_values, label, params))
        return values


class ServerCheck:
    """Parse expressions and look up selectors on the server; implements ``ExpressionServer``."""

    def __init__(self, source: PrometheusSource) -> None:
        self.source = source
        self.counter = [0]
        self._format_query = True
        self._lookups: dict[tuple[datetime, datetime], RangeLookup] = {}

    def refusal(self, expression: str) -> str | None:
        from slokit.sources.prometheus import QueryFailed, QueryRefused

        try:
            if self._format_query:
                self.source._call(self.counter, partial(self.source._format_query, expression))
            else:
                self._parse_by_query(expression)
        except QueryRefused as exc:
            return exc.reason
        except QueryFailed as exc:
            if not self._format_query or not _no_such_endpoint(str(exc)):
                raise
            self._format_query = False
            return self.refusal(expression)
        return None

    def _parse_by_query(self, expression: str) -> None:
        self.source._call(self.counter, partial(self.source._parse_only, expression, _NO_DATA_TIME))

    def lookup(self, start: datetime, end: datetime) -> SeriesLookup:
        key = (start, end)
        if key not in self._lookups:
            self._lookups[key] = RangeLookup(self.source, start, end, self.counter)
        return self._lookups[key]


def _no_such_endpoint(message: str) -> bool:
    # Prometheus before 2.31 answers 404; VictoriaMetrics 400 "unsupported path requested".
    return "HTTP 404" in message or "unsupported path" in message
