"""Identical requests of one run answered once.

Objectives often share their SLI: the same selectors with a stricter and a looser target, or one objective
per owner team over the same requests. Their series queries differ only in the objective's name, and the
server would evaluate the same PromQL over the same range several times (Prometheus caches no query
results). :class:`SharedFetches` fetches each distinct query once and gives every objective that asked it
the answer under its own name; the objectives that share it report no HTTP queries of their own. A failure
is the same failure for all of them, since they sent the same request. :class:`SharedRequests` does the same
one request lower: objectives of different SLIs that send one same range request (a shared total).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import replace
from typing import Generic, TypeVar

from slokit.sources.base import FetchedSeries, SeriesQuery

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


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


class SharedRequests(Generic[_K, _V]):
    """One request's answer given to every caller that sends it while it is remembered; thread-safe.

    Objectives with different SLIs still share selectors: the total of a service's latency objectives at
    several thresholds, its availability and latency objectives over one request counter. Their step ranges
    are the same request (same PromQL, range and step) and were each sent again: 266 of the 801 range
    requests of the 200-objective integration fleet (``benchmarks/README.md``, Issue 13). The last ``keep``
    answers are remembered (a run's objectives come service by service, so the sharers are near each
    other), which bounds the memory to that many answers whatever the number of objectives. A failure is
    the same failure for every caller waiting on it, and is not remembered.
    """

    def __init__(self, keep: int = 128) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._answers: OrderedDict[_K, Future[_V]] = OrderedDict()

    def __call__(self, key: _K, send: Callable[[], _V]) -> _V:
        with self._lock:
            answer = self._answers.get(key)
            first = answer is None
            if answer is None:
                answer = self._answers[key] = Future()
                while len(self._answers) > self._keep:
                    self._answers.popitem(last=False)
        if not first:
            return answer.result()
        try:
            answer.set_result(send())
        except BaseException as exc:
            with self._lock:
                if self._answers.get(key) is answer:
                    del self._answers[key]
            answer.set_exception(exc)  # to the callers already waiting on it
            raise
        return answer.result()
