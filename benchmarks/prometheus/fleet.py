"""Issue 13's fleet: many services, each a few request counters, 31 days of 1-minute samples.

The *narrow* fleet is the one the issue measured: ``--services`` services (50), each a pair of counters
``http_requests_total{service, code="200"|"500"}``, and 4 ratio objectives per service with targets
99.9 / 99.5 / 99 / 95, good ``code!~"5.."`` over all codes, on a 28 d window (so the 4 objectives of a
service send the same selectors; Prometheus has no result cache, each query is answered afresh).

The *wide* fleet has the same 200 objectives but each selector matches ``instances x codes`` series
(10 x 5 = 50): fewer services (4) with more objectives each (50), so that the backfill stays a few minutes;
the objectives of a service differ in target and in their good codes, so their selectors differ too.

The data ends at ``promdata.END`` (2026-11-01T00:00:00Z) on a minute boundary, so both ends of every
aligned step hold a sample (see ``tests/integration/promdata.py``). Each service's traffic follows a daily
cycle and has a few incidents (minutes with a high 5xx share), so the burn windows see something.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.prometheus import objectives as bench_objectives
from benchmarks.prometheus.objectives import RatioObjective
from tests.integration.promdata import END_TS, Dataset, Series

DAYS = 31
WINDOW = "28d"
TARGETS = (99.9, 99.5, 99.0, 95.0)
SEED = 13
METRIC = "http_requests_total"


@dataclass(frozen=True)
class Shape:
    services: int
    instances: int
    codes: tuple[str, ...]

    @property
    def series_per_selector(self) -> int:
        return self.instances * len(self.codes)


NARROW = Shape(services=50, instances=1, codes=("200", "500"))
WIDE = Shape(services=4, instances=10, codes=("200", "201", "404", "500", "503"))
_SHARES = {"200": 0.90, "201": 0.05, "404": 0.05, "500": 0.5, "503": 0.5}  # 5xx: of the error share


def generate(shape: Shape = NARROW, days: int = DAYS, end: int = END_TS, seed: int = SEED) -> Dataset:
    rng = np.random.Generator(np.random.PCG64(seed))
    n = days * 1440 + 1
    times = end - 60 * (n - 1) + 60 * np.arange(n, dtype=np.int64)
    hours = (times % 86400) / 3600.0
    series: list[Series] = []
    errors_5xx = [c for c in shape.codes if c.startswith("5")]
    for s in range(shape.services):
        service = f"svc-{s:03d}"
        cycle = 1.0 + 0.6 * np.cos(2 * np.pi * (hours - rng.uniform(0, 24)) / 24.0)
        error_share = np.full(n, rng.uniform(0.0002, 0.004))
        for _ in range(3):  # incidents: 10-60 minutes at a 5-40 % error share
            start = int(rng.integers(0, n - 60))
            error_share[start : start + int(rng.integers(10, 60))] = rng.uniform(0.05, 0.4)
        for i in range(shape.instances):
            lam = rng.uniform(20.0, 200.0) / shape.instances * cycle
            for code in shape.codes:
                if code in errors_5xx:
                    rate = lam * error_share * _SHARES[code] * (2 if len(errors_5xx) == 1 else 1)
                else:
                    rate = lam * (1.0 - error_share) * (1.0 if len(shape.codes) == 2 else _SHARES[code])
                inc = rng.poisson(rate).astype(np.float64)
                inc[0] = 0.0
                values = float(rng.integers(1_000, 1_000_000)) + np.cumsum(inc)
                labels = {"service": service, "instance": f"{service}-{i}:8080", "code": code}
                if shape.instances == 1:
                    labels.pop("instance")
                series.append(Series(METRIC, labels, "counter", times.copy(), values))
    return Dataset(series, {"http_requests": ("counter", (METRIC,))})


def objectives(shape: Shape = NARROW, count: int = 200) -> list[RatioObjective]:
    """``count`` objectives spread evenly over the services (more per service for a larger count)."""
    per_service = -(-count // shape.services)
    wide_goods = [
        'code!~"5.."',
        'code=~"2.."',
        'code!="503"',
        'code!="500"',
        'code=~"2..|404"',
    ]
    out: list[RatioObjective] = []
    for s, k in itertools.product(range(shape.services), range(per_service)):
        if len(out) == count:
            break
        service = f"svc-{s:03d}"
        if shape is NARROW or shape.instances == 1:
            good = 'code!~"5.."'
        else:
            good = wide_goods[(k // len(TARGETS)) % len(wide_goods)]
        out.append(
            RatioObjective(
                service=service,
                name=f"obj-{k:03d}",
                description=f"{service} requests answered without a 5xx ({good})",
                good=f'{METRIC}{{service="{service}",{good}}}',
                total=f'{METRIC}{{service="{service}"}}',
                target=TARGETS[k % len(TARGETS)],
            )
        )
    return out


def write_slokit(objectives: Sequence[RatioObjective], directory: Path, window: str = WINDOW) -> list[Path]:
    """One definition file per service, every objective on the service's rolling ``window``."""
    return bench_objectives.write_slokit(objectives, directory, window)
