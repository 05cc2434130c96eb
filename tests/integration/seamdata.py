"""Counters scraped the way a real Prometheus scrapes them, and the truth counted from their events.

``promdata`` samples on exact minute boundaries, where 5-minute steps telescope exactly; real scrapes do not.
This data set is what issue 10 measured the step sums against (its point 0, "window totals lose events at
5-minute seams"): events are a Poisson process, and each instance is scraped every 15 to 30 s (jittered),
restarts (its counters start again from 0, and nothing is counted or scraped while it is down), and creates a
label set only with its first event, as client libraries do: the ``code="500"`` series vanishes at every
restart and comes back with the first error after it. One instance goes unscraped for two hours while it keeps
serving. The truth is counted from the events themselves, by time, not from the samples.

Services (label ``job``), over ``DAYS`` days ending at ``END``:

* ``shop``: ``http_requests_total{code="200"|"500"}`` and the histogram ``http_request_duration_seconds``
  (``le="0.25"`` and ``"+Inf"``, ``_count``, ``_sum``; registered at start-up, so present from 0 after a
  restart), 2 instances at about 5 requests/s each with a daily cycle, 0.05 % errors, a 5xx burst and a slow
  spell, restarts, and ``GAP``: shop-2 not scraped for two hours.
* ``ledger``: ``http_requests_total{code="200"|"500"}``, one instance, about one request a minute, 0.75 %
  errors, restarted every two to three days. Each restart costs a step sum the first error after it.

Events are drawn per second: ``Stream.cum[k]`` is the number of events in ``(START, START + k]``, an
event in second ``(t - 1, t]`` is visible to a scrape at ``t`` or later, and the truth of a window
``(a, b]`` with whole seconds ``a`` and ``b`` is ``cum[b - START] - cum[a - START]``: exact, whatever the
scrape times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from .promdata import Dataset, MatcherLike, Series, _as_matcher, parse_selector, ts

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

END = datetime(2026, 11, 1, tzinfo=UTC)
END_TS = int(END.timestamp())
DAYS = 34  # a 30d window, the 3d burn history before it, and a day of series that exist before both
START_TS = END_TS - DAYS * 86400
SECONDS = END_TS - START_TS
SEED = 20261031
SCRAPE_INTERVAL = (15, 30)  # seconds, drawn uniformly (inclusive) for every scrape of an instance
DOWNTIME = (20, 60)  # seconds an instance is down when it restarts: no events, no scrapes

GAP = (ts("2026-10-30T09:00:00Z"), ts("2026-10-30T11:00:00Z"))  # shop-2 unscraped, still serving
GAP_INSTANCE = "shop-2:8080"
SHOP_5XX_BURST = (ts("2026-10-21T14:00:00Z"), ts("2026-10-21T14:40:00Z"))  # 5 % errors
SHOP_SLOW = (ts("2026-10-31T06:00:00Z"), ts("2026-10-31T07:00:00Z"))  # 8 % slower than 250 ms
SHOP_RESTARTS: dict[str, list[int]] = {
    "shop-1:8080": [ts("2026-10-08T03:12:41Z"), ts("2026-10-24T16:05:09Z"), ts("2026-10-31T20:33:17Z")],
    "shop-2:8080": [ts("2026-10-13T11:47:55Z"), ts("2026-10-27T08:21:36Z")],
}
LEDGER = "ledger-1:8080"
# One restart inside the last day, so that the 1d and 3d burn windows hold one too.
LEDGER_LAST_RESTART = ts("2026-10-31T09:16:44Z")


@dataclass(eq=False)
class Stream:
    """The events behind one series, per second: ``cum[k]`` events in ``(START_TS, START_TS + k]``."""

    name: str
    labels: dict[str, str]
    cum: IntArray

    @property
    def all_labels(self) -> dict[str, str]:
        return {"__name__": self.name, **self.labels}


@dataclass(eq=False)
class SeamData:
    """The scraped series (``dataset``, written to the servers like ``promdata``'s) and their events."""

    dataset: Dataset
    streams: list[Stream]
    restarts: dict[str, list[int]]

    def events(
        self,
        metric: str,
        matchers: Mapping[str, MatcherLike] | None = None,
        start: int = START_TS,
        end: int = END_TS,
    ) -> int:
        """Events in ``(start, end]`` of the streams matching ``metric`` (a selector) and ``matchers``."""
        wanted = parse_selector(metric)
        for label, value in (matchers or {}).items():
            wanted[label] = _as_matcher(value)
        found = [
            s for s in self.streams if all(m.matches(s.all_labels.get(k, "")) for k, m in wanted.items())
        ]
        if not found:
            raise KeyError(f"no events match {metric}")
        lo, hi = start - START_TS, end - START_TS
        assert 0 <= lo <= hi <= SECONDS, (start, end)
        return sum(int(s.cum[hi] - s.cum[lo]) for s in found)


def _cycle(phase_hours: float) -> FloatArray:
    """Per second of the data, a daily traffic multiplier between 0.4 and 1.6 peaking at ``phase_hours``."""
    seconds = START_TS + np.arange(1, SECONDS + 1, dtype=np.int64)
    hours = (seconds % 86400) / 3600.0
    return np.asarray(1.0 + 0.6 * np.cos(2 * np.pi * (hours - phase_hours) / 24.0), dtype=np.float64)


def _span(window: tuple[int, int]) -> slice:
    """Seconds ``(a, b]`` as a slice of the per-second arrays (index ``k`` is second ``(k, k + 1]``)."""
    return slice(window[0] - START_TS, window[1] - START_TS)


@dataclass(frozen=True)
class _Instance:
    """When an instance lives and is scraped."""

    scrapes: IntArray  # unix seconds, strictly increasing
    restarts: list[int]
    down: npt.NDArray[np.bool_]  # per second: the instance is down (no events)
    epoch_at_scrape: IntArray  # per scrape, the second (relative to START_TS) its counters started from


def _instance(rng: np.random.Generator, restarts: list[int], gap: tuple[int, int] | None) -> _Instance:
    first = START_TS + int(rng.integers(0, SCRAPE_INTERVAL[1]))
    steps = rng.integers(SCRAPE_INTERVAL[0], SCRAPE_INTERVAL[1] + 1, size=SECONDS // SCRAPE_INTERVAL[0] + 1)
    scrapes = first + np.concatenate(([0], np.cumsum(steps)))
    scrapes = scrapes[scrapes <= END_TS]
    down = np.zeros(SECONDS, dtype=bool)
    keep = np.ones(scrapes.size, dtype=bool)
    for restart in restarts:
        back = restart + int(rng.integers(DOWNTIME[0], DOWNTIME[1] + 1))
        down[_span((restart, back))] = True
        keep &= ~((scrapes > restart) & (scrapes <= back))
    if gap is not None:
        keep &= ~((scrapes >= gap[0]) & (scrapes < gap[1]))
    scrapes = scrapes[keep]
    # The counters restart from 0 at each restart: a scrape sees the events since the last one before it.
    bounds = np.array([START_TS, *restarts], dtype=np.int64)
    epoch = bounds[np.searchsorted(bounds, scrapes, side="left") - 1] - START_TS
    epoch[scrapes <= START_TS] = 0
    return _Instance(scrapes.astype(np.int64), list(restarts), down, epoch.astype(np.int64))


def _series(
    name: str,
    labels: dict[str, str],
    per_second: IntArray,
    inst: _Instance,
    base: int,
    *,
    lazy: bool,
    divisor: int = 1,
) -> tuple[Series | None, Stream]:
    """The scraped counter of ``per_second`` events and its event stream.

    ``base``: the counter's value at START_TS (it has been running before the data begins). After a restart
    the counter counts from 0; ``lazy`` label sets (a client library creates them with their first event)
    are absent from the scrapes until that first event.
    """
    cum = np.concatenate(([0], np.cumsum(per_second, dtype=np.int64)))
    at = inst.scrapes - START_TS
    since = cum[at] - cum[inst.epoch_at_scrape]
    values = since + np.where(inst.epoch_at_scrape == 0, base, 0)
    present = values > 0 if lazy else np.ones(values.size, dtype=bool)
    stream = Stream(name, labels, cum)
    if not present.any():
        return None, stream
    series = Series(name, labels, "counter", inst.scrapes[present].copy(), values[present] / divisor)
    return series, stream


def generate(seed: int = SEED) -> SeamData:
    rng = np.random.Generator(np.random.PCG64(seed))
    series: list[Series] = []
    streams: list[Stream] = []
    restarts: dict[str, list[int]] = {}

    def add(pair: tuple[Series | None, Stream], *, stream: bool = True) -> None:
        if pair[0] is not None:
            series.append(pair[0])
        if stream:
            streams.append(pair[1])

    cycle = _cycle(15.0)
    for k in (1, 2):
        name = f"shop-{k}:8080"
        inst = _instance(rng, SHOP_RESTARTS[name], GAP if name == GAP_INSTANCE else None)
        restarts[name] = inst.restarts
        rate = np.where(inst.down, 0.0, 5.0 * cycle * rng.uniform(0.9, 1.1))
        error_share = np.full(SECONDS, 0.0005)
        error_share[_span(SHOP_5XX_BURST)] = 0.05
        requests = rng.poisson(rate)
        errors = rng.binomial(requests, error_share)
        slow_share = np.full(SECONDS, 0.003)
        slow_share[_span(SHOP_SLOW)] = 0.08
        slow = rng.binomial(requests, slow_share)
        labels = {"job": "shop", "instance": name}
        base = int(rng.integers(100_000, 5_000_000))
        add(
            _series(
                "http_requests_total", {**labels, "code": "200"}, requests - errors, inst, base, lazy=True
            )
        )
        add(_series("http_requests_total", {**labels, "code": "500"}, errors, inst, base // 900, lazy=True))
        histogram = "http_request_duration_seconds"
        add(_series(f"{histogram}_bucket", {**labels, "le": "0.25"}, requests - slow, inst, base, lazy=False))
        add(
            _series(
                f"{histogram}_bucket",
                {**labels, "le": "+Inf"},
                requests,
                inst,
                base + base // 300,
                lazy=False,
            )
        )
        add(_series(f"{histogram}_count", labels, requests, inst, base + base // 300, lazy=False))
        # Integer milliseconds: 40 ms a fast request, 600 ms a slow one; exact to 3 decimals in both formats.
        add(
            _series(
                f"{histogram}_sum",
                labels,
                40 * requests + 560 * slow,
                inst,
                50 * base,
                lazy=False,
                divisor=1000,
            ),
            stream=False,
        )

    # ledger: a restart every two to three days, the last inside the final day.
    ledger_restarts: list[int] = []
    t = START_TS + int(rng.integers(86400, 2 * 86400))
    while t < LEDGER_LAST_RESTART - 2 * 86400:
        ledger_restarts.append(t)
        t += int(rng.integers(2 * 86400, 3 * 86400))
    ledger_restarts.append(LEDGER_LAST_RESTART)
    inst = _instance(rng, ledger_restarts, None)
    restarts[LEDGER] = inst.restarts
    rate = np.where(inst.down, 0.0, cycle / 60.0)
    requests = rng.poisson(rate)
    errors = rng.binomial(requests, 0.0075)
    labels = {"job": "ledger", "instance": LEDGER}
    add(_series("http_requests_total", {**labels, "code": "200"}, requests - errors, inst, 30_000, lazy=True))
    add(_series("http_requests_total", {**labels, "code": "500"}, errors, inst, 27, lazy=True))

    families = {
        "http_requests": ("counter", ("http_requests_total",)),
        "http_request_duration_seconds": (
            "histogram",
            (
                "http_request_duration_seconds_bucket",
                "http_request_duration_seconds_count",
                "http_request_duration_seconds_sum",
            ),
        ),
    }
    data = SeamData(Dataset(series, families), streams, restarts)
    _check_visible(data)
    return data


def _check_visible(data: SeamData) -> None:
    """Every restart must show in the samples of the error series it empties: a counter that comes back at or
    above its last value before the restart looks like no reset at all, to any server. With a few dozen errors
    between restarts that does not happen, but the data must not depend on luck."""
    for s in data.dataset.series:
        if s.labels.get("code") != "500":
            continue
        drops = int((np.diff(s.values) < 0).sum())
        restarts = [r for r in data.restarts[s.labels["instance"]] if s.timestamps[0] < r <= s.timestamps[-1]]
        assert drops == len(restarts), (s.selector(), drops, len(restarts))
