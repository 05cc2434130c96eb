"""Identical requests of one run answered once.

Objectives often share their SLI: the same selectors with a stricter and a looser target, or one objective
per owner team over the same requests. Their series queries differ only in the objective's name, and the
server would evaluate the same PromQL over the same range several times (Prometheus caches no query
results). :class:`SharedFetches` fetches each distinct query once and gives every objective that asked it
the answer under its own name; the objectives that share it report no HTTP queries of their own. A failure
is the same failure for all of them, since they sent the same request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import replace

from slokit.sources.base import FetchedSeries, SeriesQuery


def fetch_key(query: SeriesQuery) -> Hashable:
    """Everything that decides what is sent, which is everything but the objective's name."""
    return (
        query.sli.model_dump_json(),
        query.step,
        query.start,
        query.end,
        query.windows,
        query.resolution,
        query.longest_burn,
    )


class SharedFetches:
    """``fetch`` called once per distinct query; thread-safe (an objective asking a query another worker
    is fetching waits for that answer)."""

    def __init__(self, fetch: Callable[[SeriesQuery], FetchedSeries]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._answers: dict[Hashable, Future[FetchedSeries]] = {}

    def __call__(self, query: SeriesQuery) -> FetchedSeries:
        key = fetch_key(query)
        with self._lock:
            answer = self._answers.get(key)
            first = answer is None
            if answer is None:
                answer = self._answers[key] = Future()
        if first:
            try:
                answer.set_result(self._fetch(query))
            except BaseException as exc:  # a bug: every objective waiting on it sees it too
                answer.set_exception(exc)
                raise
            return answer.result()
        return for_objective(answer.result(), query)


def for_objective(fetched: FetchedSeries, query: SeriesQuery) -> FetchedSeries:
    """Another objective's answer to the same request, under ``query``'s name."""
    error = fetched.error
    asker = f"{fetched.query.key}: "
    if error is not None and error.startswith(asker):
        error = f"{query.key}: {error[len(asker) :]}"
    return replace(fetched, query=query, error=error, http_queries=0)
