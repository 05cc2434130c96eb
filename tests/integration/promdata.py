"""Deterministic SLI test data for the integration tests, and the truth it was generated from.

``generate()`` builds 40 days of 1-minute samples ending at ``END`` (2026-11-01T00:00:00Z) for a handful of
services, each exercising one thing a Prometheus-backed SLO calculator gets wrong easily (see ``Dataset`` for
the list). The same ``Dataset`` is written as OpenMetrics text for ``promtool tsdb create-blocks-from
openmetrics`` and as JSON lines for VictoriaMetrics' ``/api/v1/import``, and answers "how many events really
happened" through ``Dataset.increase`` / ``Dataset.step_events`` / ``Dataset.gauge_min``.

Design choices that the expected figures depend on:

* Every sample sits exactly on a minute boundary (no per-target scrape offset). Prometheus 2.x selects
  ``[t - range, t]`` with both ends closed, so with aligned samples ``increase(x[30d])`` at an aligned ``t``
  sees the sample at ``t - 30d`` and needs no extrapolation, and ``sum(increase(x[5m]))`` over aligned 5m
  steps telescopes exactly. With an offset, each 5m window would be extrapolated from 4 of its 5 scrape
  intervals: unbiased, but for the ~10 req/hour ``admin`` service that noise is several percent, and the
  tests would measure scrape jitter instead of slokit.
* A counter's events are attributed to the sample at which they become visible: the reset-aware difference
  to the previous sample of the same series (a drop means a restart, and the post-restart value counts).
  Events before a series' first sample are unknowable, so the first sample contributes nothing; every
  series that starts late (``newsvc``) therefore starts at 0, as instrumentation that pre-initialises its
  label sets does.
* The scrape gap (``GAP``) is a scrape failure, not an outage: the instance keeps serving and counting, so
  the first sample after the gap carries six hours of events. Prometheus' 30d ``increase`` sees that jump;
  a sum of short ``increase(x[5m])`` windows over Prometheus does not (no window holds both sides of the
  gap); VictoriaMetrics' does when the last sample before the gap is inside the data fetched for the query
  (a long ``query_range``), not for an instant query whose window starts inside the gap.
  ``Dataset.gap_jump`` tells how many events that is.

Prometheus 3 selects ``(t - range, t]`` (left-open): there, aligned samples no longer make short windows
exact, and the expectations in ``test_promdata.py`` that say EXACT will need revisiting.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def ts(iso: str) -> int:
    """Unix seconds of an ISO 8601 UTC time such as ``2026-10-26T09:40:00Z``."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp())


END = datetime(2026, 11, 1, tzinfo=UTC)
END_TS = int(END.timestamp())
DAYS = 40
SCRAPE_INTERVAL = 60
START_TS = END_TS - DAYS * 86400
# Samples at START_TS, START_TS + 60, ..., END_TS: both ends included so that a query at END sees a sample.
N_SAMPLES = DAYS * 1440 + 1
SEED = 20261101

# Episodes, as half-open [start, end) ranges of sample timestamps.
OUTAGE = (ts("2026-10-26T09:40:00Z"), ts("2026-10-26T10:25:00Z"))  # checkout 5xx burst, probes fail
GAP = (ts("2026-10-20T02:00:00Z"), ts("2026-10-20T08:00:00Z"))  # checkout-3 not scraped
GAP_INSTANCE = "checkout-3:8080"
NEWSVC_START = END_TS - 12 * 86400  # 2026-10-20T00:00:00Z, first sample of every newsvc series
SLOW_SEARCH = (ts("2026-10-10T13:00:00Z"), ts("2026-10-10T15:00:00Z"))  # search latency degraded
ADMIN_FAILURE_BURST = (ts("2026-10-22T16:00:00Z"), ts("2026-10-22T16:10:00Z"))
PROBE_EU_ONLY_FAILURE = (ts("2026-10-15T07:30:00Z"), ts("2026-10-15T07:42:00Z"))
# Instance restarts: the first sample at or after the time shows the counter restarted from 0.
RESTARTS: dict[str, list[int]] = {
    "checkout-1:8080": [ts("2026-10-26T10:05:00Z")],  # crashed during the outage
    "checkout-2:8080": [ts("2026-10-14T03:17:00Z"), ts("2026-10-29T22:41:00Z")],
    "checkout-3:8080": [ts("2026-09-28T12:00:00Z")],  # before the 30d window: only 40d queries see it
    "search-2:9090": [ts("2026-10-17T21:43:00Z")],
    "payments-1:8080": [ts("2026-10-05T11:11:00Z")],
}

HISTOGRAM_BOUNDS = ("0.05", "0.1", "0.25", "0.5", "1.0", "+Inf")  # "1.0", not "1": on purpose

Kind = Literal["counter", "gauge"]


class Matcher(NamedTuple):
    """A PromQL label matcher; ``op`` is one of ``=``, ``!=``, ``=~``, ``!~`` (regexes fully anchored)."""

    op: str
    value: str

    def matches(self, actual: str) -> bool:
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        hit = re.fullmatch(self.value, actual) is not None
        return hit if self.op == "=~" else not hit


MatcherLike = str | re.Pattern[str] | Matcher
_SELECTOR = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$", re.S)
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def parse_selector(selector: str) -> dict[str, Matcher]:
    """``name{a="x",b=~"y"}`` -> matchers keyed by label (the name under ``__name__``)."""
    m = _SELECTOR.match(selector)
    if m is None:
        raise ValueError(f"not a series selector: {selector!r}")
    out: dict[str, Matcher] = {}
    if m.group(1):
        out["__name__"] = Matcher("=", m.group(1))
    body = (m.group(2) or "").strip()
    pos = 0
    while pos < len(body):
        lm = _MATCHER.match(body, pos)
        if lm is None:
            raise ValueError(f"cannot parse matchers at {body[pos:]!r} in {selector!r}")
        out[lm.group(1)] = Matcher(lm.group(2), json.loads(f'"{lm.group(3)}"'))
        pos = lm.end()
    return out


def _as_matcher(value: MatcherLike) -> Matcher:
    if isinstance(value, Matcher):
        return value
    if isinstance(value, re.Pattern):
        return Matcher("=~", value.pattern)
    return Matcher("=", value)


def _seconds(t: float | datetime) -> float:
    return t.timestamp() if isinstance(t, datetime) else float(t)


@dataclass(eq=False)
class Series:
    name: str
    labels: dict[str, str]
    kind: Kind
    timestamps: IntArray  # unix seconds, strictly increasing
    values: FloatArray
    # Events made visible by each sample (counters only): reset-aware difference to the previous sample.
    deltas: FloatArray = field(init=False)
    _cum: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        v = self.values
        d = np.zeros_like(v)
        if self.kind == "counter" and len(v) > 1:
            diff = np.diff(v)
            d[1:] = np.where(diff < 0, v[1:], diff)
        self.deltas = d
        self._cum = np.concatenate(([0.0], np.cumsum(d)))

    @property
    def all_labels(self) -> dict[str, str]:
        return {"__name__": self.name, **self.labels}

    def selector(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.labels.items())
        return f"{self.name}{{{inner}}}"

    def increase(self, start: float, end: float) -> float:
        """Events visible at samples with ``start < t <= end``."""
        lo = np.searchsorted(self.timestamps, start, side="right")
        hi = np.searchsorted(self.timestamps, end, side="right")
        return float(self._cum[hi] - self._cum[lo])


@dataclass(eq=False)
class Dataset:
    """All generated series plus the truth queries.

    Services (label ``job``):

    * ``checkout``: ``http_requests_total{instance, code=200|404|500|503}``, 3 instances, ~300 req/min each
      with a daily cycle; restarts (see ``RESTARTS``), a 5xx burst during ``OUTAGE``, and ``checkout-3``
      unscraped during ``GAP``.
    * ``search``: histogram ``http_request_duration_seconds`` (``_bucket`` with ``le`` in
      ``HISTOGRAM_BOUNDS``, ``_count``, ``_sum``), 2 instances, slow during ``SLOW_SEARCH``, one restart.
    * ``admin``: ``http_requests_total{code=200|500}``, one instance, ~10 req/hour, a few failures.
    * ``newsvc``: ``http_requests_total{code=200|500}``, 2 instances, first sample at ``NEWSVC_START``.
    * ``payments``: ``app_ok_total`` and ``app_all_total``, 2 instances, one restart.
    * ``blackbox``: gauge ``probe_success`` (0/1), 2 instances, failing during ``OUTAGE``, for
      ``PROBE_EU_ONLY_FAILURE`` on one instance, and for a few random minutes.
    * ``idle``: ``idle_requests_total``, one instance, scraped throughout and never incremented.
    """

    series: list[Series]
    # OpenMetrics metric family name -> (type, sample names); keeps families contiguous in the output.
    families: dict[str, tuple[str, tuple[str, ...]]]

    def select(self, metric: str, matchers: Mapping[str, MatcherLike] | None = None) -> list[Series]:
        """Series matching ``metric`` (a name or a whole selector like ``x{job="a"}``) and ``matchers``."""
        wanted = parse_selector(metric)
        for label, value in (matchers or {}).items():
            wanted[label] = _as_matcher(value)
        return [s for s in self.series if all(m.matches(s.all_labels.get(k, "")) for k, m in wanted.items())]

    def increase(
        self,
        metric: str,
        matchers: Mapping[str, MatcherLike] | None = None,
        start: float | datetime = START_TS,
        end: float | datetime = END_TS,
    ) -> float:
        """True number of counter events in ``(start, end]``, summed over all matching series."""
        lo, hi = _seconds(start), _seconds(end)
        return math.fsum(s.increase(lo, hi) for s in self._counters(metric, matchers))

    def step_events(
        self,
        metric: str,
        matchers: Mapping[str, MatcherLike] | None = None,
        start: float | datetime = START_TS,
        end: float | datetime = END_TS,
        step: int = 300,
    ) -> tuple[IntArray, FloatArray]:
        """Events per step: for each step end ``t`` in ``(start, end]`` (aligned to ``step``), the events in
        ``(t - step, t]``. The per-step series an SLO engine works on."""
        lo, hi = _seconds(start), _seconds(end)
        first = (math.floor(lo / step) + 1) * step
        ends = np.arange(first, math.floor(hi / step) * step + 1, step, dtype=np.int64)
        total = np.zeros(len(ends))
        if len(ends) == 0:
            return ends, total
        for s in self._counters(metric, matchers):
            idx = np.searchsorted(s.timestamps, np.concatenate(([ends[0] - step], ends)), side="right")
            total += np.diff(s._cum[idx])
        return ends, total

    def gauge_min(
        self,
        metric: str,
        matchers: Mapping[str, MatcherLike] | None = None,
        start: float | datetime = START_TS,
        end: float | datetime = END_TS,
    ) -> tuple[IntArray, FloatArray]:
        """Per sample minute in ``(start, end]``, the minimum over the matching series (NaN where none has a
        sample at that minute). What ``min(probe_success{...})`` evaluated at each minute returns."""
        lo, hi = _seconds(start), _seconds(end)
        minutes = np.arange((math.floor(lo / 60) + 1) * 60, math.floor(hi / 60) * 60 + 1, 60, dtype=np.int64)
        out = np.full(len(minutes), np.inf)
        seen = np.zeros(len(minutes), dtype=bool)
        for s in self.select(metric, matchers):
            pos = np.searchsorted(s.timestamps, minutes)
            pos_c = np.minimum(pos, len(s.timestamps) - 1)
            has = s.timestamps[pos_c] == minutes
            out[has] = np.minimum(out[has], s.values[pos_c[has]])
            seen |= has
        out[~seen] = np.nan
        return minutes, out

    def gap_jump(self, metric: str, matchers: Mapping[str, MatcherLike] | None = None) -> float:
        """Events carried by the gap instance's first sample after ``GAP``: the six hours nobody scraped,
        plus that sample's own minute."""
        found = [s for s in self._counters(metric, matchers) if s.labels.get("instance") == GAP_INSTANCE]
        return math.fsum(s.increase(GAP[1] - 1, GAP[1]) for s in found)

    def _counters(self, metric: str, matchers: Mapping[str, MatcherLike] | None) -> list[Series]:
        found = self.select(metric, matchers)
        if not found:
            raise KeyError(f"no series match {metric} {dict(matchers or {})}")
        if any(s.kind != "counter" for s in found):
            raise TypeError(f"{metric}: increase() of a gauge")
        return found

    @property
    def n_samples(self) -> int:
        return sum(len(s.timestamps) for s in self.series)

    def write_openmetrics(self, out: IO[str]) -> None:
        """OpenMetrics text, timestamps in seconds, one family after the other, ``# EOF`` at the end."""
        for family, (typ, names) in self.families.items():
            out.write(f"# TYPE {family} {typ}\n")
            for s in self.series:
                if s.name in names:
                    out.write(_lines(s))
        out.write("# EOF\n")

    def vm_json_lines(self) -> Iterator[bytes]:
        """One line per series for VictoriaMetrics' ``/api/v1/import``; far smaller to parse than text."""
        for s in self.series:
            yield (
                json.dumps(
                    {
                        "metric": s.all_labels,
                        "values": s.values.tolist(),
                        "timestamps": (s.timestamps * 1000).tolist(),
                    },
                    separators=(",", ":"),
                )
                + "\n"
            ).encode()


def _lines(s: Series) -> str:
    prefix = s.selector() + " "
    t = s.timestamps.tolist()
    if np.all(s.values == np.round(s.values)):
        v: list[int] | list[float] = s.values.astype(np.int64).tolist()
    else:
        v = s.values.tolist()
    return "".join([f"{prefix}{a} {b}\n" for a, b in zip(v, t, strict=True)])


# ---------------------------------------------------------------------------------------------- generation

_TIMES: IntArray = START_TS + SCRAPE_INTERVAL * np.arange(N_SAMPLES, dtype=np.int64)


def _mask(span: tuple[int, int]) -> npt.NDArray[np.bool_]:
    return (span[0] <= _TIMES) & (span[1] > _TIMES)


def _daily_cycle(phase_hours: float) -> FloatArray:
    """Traffic multiplier between 0.4 and 1.6, peaking at ``phase_hours`` UTC."""
    hours = (_TIMES % 86400) / 3600.0
    return np.asarray(1.0 + 0.6 * np.cos(2 * np.pi * (hours - phase_hours) / 24.0), dtype=np.float64)


def _counter(
    name: str,
    labels: dict[str, str],
    per_minute: IntArray,
    base: float,
    restarts: Iterable[int] = (),
    first_ts: int = START_TS,
    gap: tuple[int, int] | None = None,
    divisor: int = 1,
) -> Series:
    """A counter from its per-minute increments (in units of 1/``divisor``): ``base`` at its first sample,
    back to the events since the restart at each restart, no samples during ``gap``. The increment at index
    i is what happened in ``(t[i-1], t[i]]``; the one at the first sample is dropped (nobody saw it)."""
    live = first_ts <= _TIMES
    inc = np.where(live, per_minute, 0).astype(np.float64)
    inc[np.argmax(live)] = 0.0
    values = base + np.cumsum(inc)
    for r in restarts:
        i = int(np.searchsorted(_TIMES, r))
        if first_ts < r and i < N_SAMPLES:
            values[i:] -= values[i - 1]
    keep = live & ~_mask(gap) if gap is not None else live
    s = Series(name, labels, "counter", _TIMES[keep].copy(), values[keep] / divisor)
    # The truth is the reset-aware difference of the samples; it must equal the events generated, which
    # fails if a restart left the counter at or above its previous value (Prometheus could not see it).
    expected = np.diff(np.cumsum(inc)[keep]) / divisor
    assert np.allclose(s.deltas[1:], expected, rtol=0, atol=1e-6), name
    return s


def generate(seed: int = SEED) -> Dataset:
    """Build the dataset. Deterministic for a given seed and numpy version (PCG64 streams are stable)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    series: list[Series] = []
    outage = _mask(OUTAGE)

    # checkout: 3 instances x 4 codes.
    cycle = _daily_cycle(15.0)
    for k in (1, 2, 3):
        inst = f"checkout-{k}:8080"
        lam = 300.0 * cycle * rng.uniform(0.9, 1.1)
        shares = {"200": 0.9745, "404": 0.025, "500": 0.0002, "503": 0.0003}
        outage_shares = {"200": 0.58, "404": 0.02, "500": 0.15, "503": 0.25}
        for code, share in shares.items():
            rate = np.where(outage, lam * outage_shares[code], lam * share)
            series.append(
                _counter(
                    "http_requests_total",
                    {"job": "checkout", "instance": inst, "code": code},
                    rng.poisson(rate),
                    base=float(rng.integers(10_000, 5_000_000)),
                    restarts=RESTARTS.get(inst, ()),
                    gap=GAP if inst == GAP_INSTANCE else None,
                )
            )

    # search: histogram, events split over the le intervals with independent Poisson draws.
    normal = np.array([0.55, 0.25, 0.185, 0.011, 0.003, 0.001])
    slow = np.array([0.10, 0.20, 0.45, 0.15, 0.07, 0.03])
    typical_ms = np.array([20, 70, 160, 350, 700, 1800])
    cycle = _daily_cycle(13.0)
    degraded = _mask(SLOW_SEARCH)
    for k in (1, 2):
        inst = f"search-{k}:9090"
        lam = 150.0 * cycle
        probs = np.where(degraded[:, None], slow[None, :], normal[None, :])
        per_le = rng.poisson(lam[:, None] * probs)  # (N, 6): events in each le interval
        cumulative = np.cumsum(per_le, axis=1)
        base = rng.integers(1_000, 100_000)
        labels = {"job": "search", "instance": inst}
        restarts = RESTARTS.get(inst, ())
        for j, le in enumerate(HISTOGRAM_BOUNDS):
            series.append(
                _counter(
                    "http_request_duration_seconds_bucket",
                    {**labels, "le": le},
                    cumulative[:, j],
                    base=float(base * (j + 1)),
                    restarts=restarts,
                )
            )
        series.append(
            _counter(
                "http_request_duration_seconds_count",
                labels,
                cumulative[:, -1],
                base=float(base * len(HISTOGRAM_BOUNDS)),
                restarts=restarts,
            )
        )
        # Integer milliseconds keep the seconds exact to 3 decimals in both text formats.
        series.append(
            _counter(
                "http_request_duration_seconds_sum",
                labels,
                per_le @ typical_ms,
                base=float(base * 100),
                restarts=restarts,
                divisor=1000,
            )
        )

    # admin: ~10 req/hour, a few failures, some of them together.
    ok = rng.poisson(np.full(N_SAMPLES, 10.0 / 60.0))
    failed = rng.poisson(np.where(_mask(ADMIN_FAILURE_BURST), 0.5, 0.04 / 60.0))
    for code, per_minute in (("200", ok), ("500", failed)):
        series.append(
            _counter(
                "http_requests_total",
                {"job": "admin", "instance": "admin-1:8080", "code": code},
                per_minute,
                base=float(rng.integers(50, 500)),
            )
        )

    # newsvc: appears 12 days before END, counters pre-initialised at 0.
    cycle = _daily_cycle(18.0)
    for k in (1, 2):
        inst = f"newsvc-{k}:8080"
        for code, share in (("200", 0.998), ("500", 0.002)):
            series.append(
                _counter(
                    "http_requests_total",
                    {"job": "newsvc", "instance": inst, "code": code},
                    rng.poisson(60.0 * cycle * share),
                    base=0.0,
                    first_ts=NEWSVC_START,
                )
            )

    # payments: app_all_total >= app_ok_total, per minute, for custom-query ratios.
    cycle = _daily_cycle(11.0)
    for k in (1, 2):
        inst = f"payments-{k}:8080"
        all_events = rng.poisson(120.0 * cycle)
        failed_calls = rng.binomial(all_events, 0.002)
        base_all = int(rng.integers(100_000, 1_000_000))
        base_ok = base_all - int(rng.integers(100, 2_000))
        labels = {"job": "payments", "instance": inst}
        for name, per_minute, start_value in (
            ("app_all_total", all_events, base_all),
            ("app_ok_total", all_events - failed_calls, base_ok),
        ):
            series.append(_counter(name, labels, per_minute, float(start_value), RESTARTS.get(inst, ())))

    # blackbox: 0/1 gauges.
    for inst in ("checkout.example.com:443", "checkout-eu.example.com:443"):
        fail = rng.random(N_SAMPLES) < 0.0007
        fail |= outage
        if inst.startswith("checkout-eu"):
            fail |= _mask(PROBE_EU_ONLY_FAILURE)
        series.append(
            Series(
                "probe_success",
                {"job": "blackbox", "instance": inst},
                "gauge",
                _TIMES.copy(),
                np.where(fail, 0.0, 1.0),
            )
        )

    # idle: a counter that exists but never counts (a queue nobody uses): its objectives have no data, and
    # that is not a definition error (issue 10, point 4).
    series.append(
        _counter(
            "idle_requests_total",
            {"job": "idle", "instance": "idle-1:8080"},
            np.zeros(N_SAMPLES, dtype=np.int64),
            7.0,
        )
    )

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
        "app_ok": ("counter", ("app_ok_total",)),
        "app_all": ("counter", ("app_all_total",)),
        "probe_success": ("gauge", ("probe_success",)),
        "idle_requests": ("counter", ("idle_requests_total",)),
    }
    return Dataset(series, families)


def write_openmetrics_file(dataset: Dataset, path: Path) -> int:
    """Write the OpenMetrics file; returns its size in bytes."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        dataset.write_openmetrics(f)
    return path.stat().st_size
