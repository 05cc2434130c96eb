"""The benchmark's ratio objectives, written both as slokit definitions and as slo-generator SLO configs.

The objectives are selectors over label combinations of the integration dataset
(``tests/integration/promdata.py``): subsets of the ``http_requests_total`` instances with three notions of
a good request, the ``payments`` ok/all counters per instance subset, and the ``search`` histogram buckets
as good/total ratios. Every objective has its own good and total selector, so no two objectives send the
same query (Prometheus has no result cache, but distinct queries keep the comparison free of any doubt).

Both tools get the same good and total selectors and the same targets. slokit evaluates a 30 d rolling
window (7 burn/alert windows and the budget series on top); slo-generator its 4-step default policy
(1 h, 12 h, 7 d, 28 d), which is what it computes out of the box.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.integration.promdata import HISTOGRAM_BOUNDS, Dataset

PER_SERVICE = 10
TARGETS = (99.0, 99.5, 99.9)
# Label values go into PromQL regexes unescaped: that is only safe while they hold no regex metacharacters.
_PLAIN = re.compile(r"^[A-Za-z0-9:_-]+$")


@dataclass(frozen=True)
class RatioObjective:
    service: str
    name: str
    description: str
    good: str
    total: str
    target: float  # percent, as slokit writes it


def _instances(data: Dataset, metric: str) -> list[str]:
    found = sorted({s.labels["instance"] for s in data.select(metric)})
    for value in found:
        if not _PLAIN.match(value):
            raise ValueError(f"instance {value!r} would need regex escaping")
    return found


def _subsets(values: Sequence[str]) -> Iterator[tuple[str, ...]]:
    for size in range(1, len(values) + 1):
        yield from itertools.combinations(values, size)


def _selector(metric: str, *matchers: str) -> str:
    return f"{metric}{{{','.join(matchers)}}}"


def _instance_matcher(subset: tuple[str, ...]) -> str:
    return f'instance=~"{"|".join(subset)}"'


def _slis(data: Dataset) -> Iterator[tuple[str, str, str]]:
    """(description, good, total), histogram and payments first so that a short run still mixes kinds."""
    search = _instances(data, "http_request_duration_seconds_count")
    for subset in _subsets(search):
        inst = _instance_matcher(subset)
        for le in HISTOGRAM_BOUNDS[:-1]:  # +Inf would be a 100 % SLI
            yield (
                f"search requests within {le} s on {'+'.join(subset)}",
                _selector("http_request_duration_seconds_bucket", inst, f'le="{le}"'),
                _selector("http_request_duration_seconds_count", inst),
            )
    for subset in _subsets(_instances(data, "app_all_total")):
        inst = _instance_matcher(subset)
        yield (
            f"payments calls answered on {'+'.join(subset)}",
            _selector("app_ok_total", inst),
            _selector("app_all_total", inst),
        )
    good_codes = ('code!~"5.."', 'code="200"', 'code!="503"')
    for subset in _subsets(_instances(data, "http_requests_total")):
        inst = _instance_matcher(subset)
        for good in good_codes:
            yield (
                f"requests with {good} on {'+'.join(subset)}",
                _selector("http_requests_total", inst, good),
                _selector("http_requests_total", inst),
            )


def build(data: Dataset, count: int) -> list[RatioObjective]:
    slis = list(itertools.islice(_slis(data), count))
    if len(slis) < count:
        raise ValueError(f"the dataset yields only {len(slis)} distinct ratio objectives, not {count}")
    return [
        RatioObjective(
            service=f"bench-{i // PER_SERVICE:03d}",
            name=f"obj-{i:03d}",
            description=description,
            good=good,
            total=total,
            target=TARGETS[i % len(TARGETS)],
        )
        for i, (description, good, total) in enumerate(slis)
    ]


def _q(text: str) -> str:
    """A YAML double-quoted scalar: JSON strings are valid YAML, and selectors are full of quotes."""
    return json.dumps(text)


def write_slokit(objectives: Sequence[RatioObjective], directory: Path, window: str = "30d") -> list[Path]:
    """One definition file per service, every objective on the service's rolling ``window``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for service, group in itertools.groupby(objectives, key=lambda o: o.service):
        lines = [
            "apiVersion: slokit/v1",
            f"service: {service}",
            "owners:",
            "  operational: {team: bench-ops, email: [bench-ops@example.com]}",
            f"window: {window}",
            "objectives:",
        ]
        for o in group:
            lines += [
                f"  - name: {o.name}",
                "    kind: operational",
                f"    description: {_q(o.description)}",
                f"    target: {o.target:g}",
                "    sli:",
                "      ratio:",
                f"        good: {_q(o.good)}",
                f"        total: {_q(o.total)}",
            ]
        path = directory / f"{service}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_slo_generator(objectives: Sequence[RatioObjective], directory: Path, at: int) -> list[Path]:
    """One SLO config (v2) per objective, ``good_bad_ratio`` with ``filter_good``/``filter_valid``.

    slo-generator 2.6.0's Prometheus backend drops the ``--timestamp`` it is given and evaluates every
    query at the wall-clock now (``prometheus_http_client`` sends ``time=time.time()``). The dataset ends
    on a fixed date, so the filters pin the evaluation time with PromQL's ``@`` modifier instead:
    ``sum(increase(sel[<window>s] @ <at>))`` reads exactly the samples that evaluating at ``at`` reads.
    The explicit ``[window]`` is where slo-generator puts each policy step's window.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for o in objectives:
        name = f"{o.service}-{o.name}"
        text = "\n".join(
            [
                "apiVersion: sre.google.com/v2",
                "kind: ServiceLevelObjective",
                "metadata:",
                f"  name: {name}",
                f"  labels: {{service_name: {o.service}, feature_name: bench, slo_name: {o.name}}}",
                "spec:",
                f"  description: {_q(o.description)}",
                "  backend: prometheus",
                "  method: good_bad_ratio",
                "  exporters: []",
                "  service_level_indicator:",
                f"    filter_good: {_q(f'{o.good}[window] @ {at}')}",
                f"    filter_valid: {_q(f'{o.total}[window] @ {at}')}",
                f"  goal: {o.target / 100:g}",
                "",
            ]
        )
        path = directory / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
