"""A run's identical series queries are sent once and answered to every objective under its own name; so
are identical range requests of objectives with different SLIs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

import numpy as np

from slokit.sources.base import TOTAL, FetchedSeries, SeriesQuery
from slokit.sources.shared import SharedFetches, SharedRequests
from slokit.spec.models import SLI

AT = datetime(2026, 11, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
SLI_200 = SLI.model_validate({"ratio": {"good": 'x{code="200"}', "total": "x"}})
STRICT = SeriesQuery("shop/strict", SLI_200, STEP, AT - timedelta(days=1), AT, (timedelta(hours=1),))
LOOSE = replace(STRICT, key="shop/loose")


class Server:
    """Answers each query after a little while and counts what it was asked."""

    def __init__(self, error: str | None = None) -> None:
        self.asked: list[str] = []
        self.error = error
        self._lock = threading.Lock()

    def __call__(self, query: SeriesQuery) -> FetchedSeries:
        with self._lock:
            self.asked.append(query.key)
        time.sleep(0.05)  # long enough for the other workers to ask the same meanwhile
        if self.error is not None:
            return FetchedSeries(query, error=f"{query.key}: {self.error}", http_queries=2)
        return FetchedSeries(query, series={TOTAL: np.arange(3.0)}, http_queries=2)


def test_objectives_with_the_same_selectors_and_range_share_one_fetch_each_under_its_own_name() -> None:
    server = Server()
    shared = SharedFetches(server)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(shared, [STRICT, LOOSE, replace(STRICT, key="shop/third")]))
    assert len(server.asked) == 1
    assert [a.query.key for a in answers] == ["shop/strict", "shop/loose", "shop/third"]
    assert sorted(a.http_queries for a in answers) == [0, 0, 2]  # the requests are counted once
    for answer in answers:
        np.testing.assert_array_equal(answer.series[TOTAL], [0.0, 1.0, 2.0])


def test_anything_that_changes_the_request_is_fetched_apart() -> None:
    server = Server()
    shared = SharedFetches(server)
    others = [
        replace(LOOSE, sli=SLI.model_validate({"ratio": {"good": 'x{code="201"}', "total": "x"}})),
        replace(LOOSE, step=timedelta(minutes=1)),
        replace(LOOSE, start=AT - timedelta(days=2)),
        replace(LOOSE, windows=(timedelta(hours=2),)),
        replace(LOOSE, longest_burn=timedelta(days=7)),
    ]
    for query in [STRICT, *others]:
        shared(query)
    assert len(server.asked) == 6


def test_a_shared_failure_names_each_objective() -> None:
    shared = SharedFetches(Server(error="Prometheus at http://prom:9090 timed out after 30 s"))
    first, second = shared(STRICT), shared(LOOSE)
    assert first.error == "shop/strict: Prometheus at http://prom:9090 timed out after 30 s"
    assert second.error == "shop/loose: Prometheus at http://prom:9090 timed out after 30 s"


class Requests:
    """Answers each request after a little while and counts what it was sent."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail
        self._lock = threading.Lock()

    def send(self, expr: str) -> list[float]:
        with self._lock:
            self.sent.append(expr)
        time.sleep(
            0.3
        )  # long enough for the other workers to send the same meanwhile, even on a busy machine
        if self.fail:
            raise TimeoutError(f"{expr}: no answer within 30 s")
        return [float(len(self.sent))]


def test_the_same_request_from_several_callers_is_sent_once_and_each_gets_its_answer() -> None:
    server, shared = Requests(), SharedRequests[str, list[float]]()
    asked = ["total", "good-1", "total", "good-2", "total"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda e: shared(e, partial(server.send, e)), asked))
    assert sorted(server.sent) == ["good-1", "good-2", "total"]
    assert answers[0] is answers[2] is answers[4]


def test_only_the_last_answers_are_remembered() -> None:
    server, shared = Requests(), SharedRequests[str, list[float]](keep=2)
    for expr in ["a", "b", "c", "a", "c"]:
        shared(expr, partial(server.send, expr))
    assert server.sent == ["a", "b", "c", "a"]  # "a" was forgotten when "c" came; "c" was still held


def test_a_failed_request_fails_every_caller_waiting_on_it_and_is_sent_again_later() -> None:
    server, shared = Requests(fail=True), SharedRequests[str, list[float]]()
    errors: list[str] = []

    def ask(_: int) -> None:
        try:
            shared("total", partial(server.send, "total"))
        except TimeoutError as exc:
            errors.append(str(exc))

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(ask, range(3)))
    assert server.sent == ["total"]
    assert errors == ["total: no answer within 30 s"] * 3
    server.fail = False
    assert shared("total", partial(server.send, "total")) == [2.0]
    assert server.sent == ["total", "total"]
