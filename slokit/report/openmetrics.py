"""The report as metrics: OpenMetrics 1.0 text, or the Prometheus text format 0.0.4.

Every family is a gauge: these are values computed at one evaluation time, not counters that
only go up, so no family name ends in ``_total`` (reserved for counters) or another type's suffix.

Labels on every per-objective sample: ``service``, ``objective``, ``kind``, ``team``, then the
service's ``labels`` from the definitions, each prefixed ``label_`` (``tier: "1"`` becomes
``label_tier="1"``, as kube-state-metrics does with Kubernetes labels) so that a user's label can
never collide with ours, with ``job``/``instance`` (which a Pushgateway or a scrape overwrites) or
with a reserved ``__`` name. Family-specific labels (``window``, ``severity``, ``status``) come last.

Undefined numbers (``None`` in the report: no SLI without events, no burn rate over a window without
events, no budget for an objective whose source failed) are left out rather than written as NaN.
OpenMetrics says NaN is a value, not a missing one, so a NaN SLI would plot and compare as a number;
an absent series is what PromQL treats as "no data" (``absent()``, alerts not firing). For the same
reason an ``error`` objective has no ``slokit_incidents`` sample (its incidents are unknown, not 0).

``slokit_objective_status`` is an enum written StateSet-style as a gauge: one sample per status, 1 for
the current one, 0 for the others. A real ``stateset`` TYPE only exists in OpenMetrics; the 0.0.4
parser used by ``promtool check metrics``, node_exporter's textfile collector and the Pushgateway
rejects it, and Prometheus ingests a stateset as a gauge anyway.

No sample carries a timestamp: the textfile collector and the Pushgateway refuse client-side
timestamps. The evaluation time is its own gauge, ``slokit_evaluation_timestamp_seconds``.

Two flavours (``textfile``):

- ``False`` (default): OpenMetrics 1.0 -- ``# TYPE``, ``# UNIT`` where the name ends in a unit,
  ``# HELP``, and the closing ``# EOF``. It is also valid 0.0.4 text (``# UNIT`` and ``# EOF`` are
  comments there), so it suits the textfile collector and the Pushgateway as well.
- ``True``: strictly the Prometheus text format 0.0.4: the same lines without ``# UNIT`` and
  ``# EOF``, for consumers that treat any other comment as noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from slokit.durations import format_duration
from slokit.engine import BURN_RATE_KEYS
from slokit.report.model import STATUSES, ObjectiveReport, Report

# The content types a server (or a push to a Pushgateway) should announce for each flavour.
CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8"

USER_LABEL_PREFIX = "label_"

Number = float | int
Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Family:
    """One metric family: its name, metadata and how to get its samples from one objective."""

    name: str
    help: str
    unit: str = ""
    # (extra labels, value) pairs for one objective; a None value means "undefined: no sample".
    samples: Callable[[ObjectiveReport], Iterable[tuple[Labels, Number | None]]] | None = None


def _one(
    get: Callable[[ObjectiveReport], Number | None],
) -> Callable[[ObjectiveReport], list[tuple[Labels, Number | None]]]:
    return lambda item: [((), get(item))]


def _budget(field: str) -> Callable[[ObjectiveReport], Number | None]:
    def get(item: ObjectiveReport) -> Number | None:
        budget = item.result.error_budget
        return None if budget is None else float(getattr(budget, field))

    return get


def _burn_rates(item: ObjectiveReport) -> Iterator[tuple[Labels, Number | None]]:
    # BURN_RATE_KEYS fixes the order (and the set) whatever order the engine's dict happens to have.
    for window in BURN_RATE_KEYS:
        yield (("window", window),), item.result.burn_rates.get(window)


def _window_coverage(item: ObjectiveReport) -> Number | None:
    coverage = item.result.coverage
    return None if coverage is None else coverage.window.share


def _burn_window_coverage(item: ObjectiveReport) -> Iterator[tuple[Labels, Number | None]]:
    coverage = item.result.coverage
    for window in BURN_RATE_KEYS:
        yield (("window", window),), None if coverage is None else coverage.burn_windows[window].share


def _alerts(item: ObjectiveReport) -> Iterator[tuple[Labels, Number | None]]:
    for alert in item.result.alerts:
        labels = (
            ("severity", alert.severity),
            ("long_window", format_duration(alert.long_window)),
            ("short_window", format_duration(alert.short_window)),
        )
        yield labels, int(alert.firing)


def _status(item: ObjectiveReport) -> Iterator[tuple[Labels, Number | None]]:
    for status in STATUSES:
        yield (("status", status),), int(item.status == status)


def _incidents(item: ObjectiveReport) -> Number | None:
    return None if item.status == "error" else len(item.result.incidents)


def _seconds(item: ObjectiveReport) -> Number | None:
    left = item.result.time_to_exhaustion
    return None if left is None else left.total_seconds()


FAMILIES: tuple[Family, ...] = (
    Family(
        "slokit_objective_target",
        "Objective target as a fraction (0.999 for 99.9%)",
        samples=_one(lambda o: o.target),
    ),
    Family(
        "slokit_objective_status",
        "Objective status as a state set: 1 for the current status, 0 for each other status",
        samples=_status,
    ),
    Family(
        "slokit_sli",
        "SLI over the objective window as a fraction of good events",
        samples=_one(lambda o: o.result.sli),
    ),
    Family(
        "slokit_good_events",
        "Good events over the objective window (good slices for time-slice objectives)",
        samples=_one(lambda o: o.result.good_events),
    ),
    Family(
        "slokit_bad_events",
        "Bad events over the objective window (bad slices for time-slice objectives)",
        samples=_one(lambda o: o.result.bad_events),
    ),
    Family(
        "slokit_total_events",
        "All events over the objective window (slices with data for time-slice objectives)",
        samples=_one(lambda o: o.result.total_events),
    ),
    Family(
        "slokit_error_budget_allowed_bad_events",
        "Bad events the error budget allows over the window: (1 - target) * total events",
        samples=_one(_budget("allowed_bad_events")),
    ),
    Family(
        "slokit_error_budget_consumed",
        "Share of the error budget consumed (1 = all of it; above 1 once overspent)",
        samples=_one(_budget("consumed")),
    ),
    Family(
        "slokit_error_budget_remaining",
        "Share of the error budget remaining: 1 - consumed (negative once overspent)",
        samples=_one(_budget("remaining")),
    ),
    Family(
        "slokit_burn_rate",
        "Error-budget burn rate over the trailing window (1 = the budget lasts exactly the objective window)",
        samples=_burn_rates,
    ),
    Family(
        "slokit_window_coverage_ratio",
        "Share of the objective window that holds data, counted from the first step with data (1 = complete)",
        samples=_one(_window_coverage),
    ),
    Family(
        "slokit_burn_window_coverage_ratio",
        "Share of the trailing burn window that holds data; below 1 it has no slokit_burn_rate sample",
        samples=_burn_window_coverage,
    ),
    Family(
        "slokit_alert_firing",
        "Multiwindow burn-rate alert tier: 1 when both its long and short window burn above its factor",
        samples=_alerts,
    ),
    Family(
        "slokit_time_to_exhaustion_seconds",
        "Seconds until the error budget is gone, the window rolling on at the last hour's rates",
        unit="seconds",
        samples=_one(_seconds),
    ),
    Family(
        "slokit_incidents",
        "Incidents (runs of burn rate above 1) within the objective window",
        samples=_one(_incidents),
    ),
)

EVALUATION_TIMESTAMP = Family(
    "slokit_evaluation_timestamp_seconds",
    "Evaluation time of the report in Unix seconds; all values are as of this time",
    unit="seconds",
)


def escape_label_value(value: str) -> str:
    """Backslash, double quote and line feed escaped as both formats require; the rest is UTF-8 as is."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def format_value(value: Number) -> str:
    """Integers without a decimal point, floats as the shortest repr that round-trips.

    ``repr`` gives ``0.25``, ``103623126.0``, ``1e-05``: all valid OpenMetrics numbers (and Go's
    ``strconv.ParseFloat`` syntax). Infinities get the spelling the spec requires; NaN never reaches
    here (see :func:`_samples`).
    """
    if isinstance(value, bool | int):
        return str(int(value))
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def objective_labels(item: ObjectiveReport) -> Labels:
    base = (
        ("service", item.service),
        ("objective", item.objective),
        ("kind", item.kind),
        ("team", item.team),
    )
    # Sorted so that the output does not depend on the key order of the YAML file.
    extra = tuple((USER_LABEL_PREFIX + key, value) for key, value in sorted(item.labels.items()))
    return base + extra


def _label_text(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{escape_label_value(value)}"' for name, value in labels) + "}"


def _metadata(family: Family, *, textfile: bool) -> list[str]:
    lines = [f"# TYPE {family.name} gauge"]
    if family.unit and not textfile:
        lines.append(f"# UNIT {family.name} {family.unit}")
    # HELP escaping differs between the formats (0.0.4 rejects an escaped double quote, OpenMetrics
    # requires it); our texts contain neither quotes, backslashes nor line feeds, so one spelling fits both.
    lines.append(f"# HELP {family.name} {family.help}")
    return lines


def _samples(family: Family, report: Report) -> Iterator[str]:
    if family.samples is None:
        return
    for item in report.objectives:
        base = objective_labels(item)
        for extra, value in family.samples(item):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue  # undefined: omitted, never NaN (module docstring)
            yield f"{family.name}{_label_text(base + extra)} {format_value(value)}"


def render_openmetrics(report: Report, *, textfile: bool = False) -> str:
    """The report in OpenMetrics 1.0 text (default) or, with ``textfile``, Prometheus text format 0.0.4.

    Families come in a fixed order, each with its metadata even when it has no sample (an empty family
    is valid in both formats, and keeps the HELP text visible); samples follow the report's objective
    order. The text ends with a line feed.
    """
    lines = _metadata(EVALUATION_TIMESTAMP, textfile=textfile)
    lines.append(f"{EVALUATION_TIMESTAMP.name} {format_value(report.evaluated_at.timestamp())}")
    for family in FAMILIES:
        lines.extend(_metadata(family, textfile=textfile))
        lines.extend(_samples(family, report))
    if not textfile:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"
