"""From definitions to rule groups: one group per objective, run once per evaluation step.

Why this shape (docs/rules.md has the long version):

- the raw selectors are read over one step only (``increase(sel[5m])``), recorded as the events of that
  step (:mod:`slokit.rules.sli`); the group runs every step, so these records tile time without overlap;
- every longer window sums those records: ``sum_over_time(events[1h - 1s])`` holds the last 12 records of
  a 5-minute group (one second short, so that a record exactly one hour old, which a closed range
  selector would include, is not counted twice) -- bad and total events over the window, whose quotient is
  the error ratio: a ratio of sums, never a mean of ratios;
- a window without events has no error ratio (``total > 0`` filters it), so zero traffic gives no
  series instead of NaN, and no burn alert;
- burn alerts use the tiers the report uses (:func:`slokit.pipeline.alert_tiers`): the definition's, or
  the workbook's scaled to the window; factor = ``budget% / 100 * W / long``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from slokit import durations, engine, pipeline
from slokit.engine.burn import BURN_WINDOWS
from slokit.engine.tiers import nominal_length
from slokit.report.model import Selection
from slokit.rules.model import AlertingRule, RecordingRule, RuleGroup
from slokit.rules.sli import step_events
from slokit.spec.loader import Definitions, LoadedService
from slokit.spec.models import SEVERITIES, AlertOutput, CalendarWindow, Objective
from slokit.spec.steps import evaluation_step

Tiers = tuple[engine.AlertTier, ...]
TOTAL = "slokit:sli_events_total:increase"
BAD = "slokit:sli_events_bad:increase"
ERROR_RATIO = "slokit:sli_error:ratio"
SLI = "slokit:objective_sli:ratio"
REMAINING = "slokit:error_budget_remaining:ratio"
INFO = "slokit_slo_info"
TARGET = "slokit_slo_target"
# Spelt thousands of times per run (1,000 objectives: 70,000 calls), from a handful of distinct windows.
format_duration = functools.cache(durations.format_duration)
# A range one second shorter than the window: see the module docstring.
_EPSILON = timedelta(seconds=1)


@dataclass(frozen=True)
class ObjectiveRules:
    """The group of one objective, and the service and file it came from (``--out-dir`` splits by service)."""

    service: str
    file: str
    group: RuleGroup


def build(definitions: Definitions, selection: Selection | None = None) -> list[ObjectiveRules]:
    selection = selection or Selection()
    out = []
    scaled: dict[tuple[object, engine.Window, timedelta], Tiers] = {}
    for service in definitions.services:
        spec = service.spec

        def tiers(window: engine.Window, step: timedelta, service: LoadedService = service) -> Tiers:
            # The same alerting block, window and step give the same tiers: scaled once, not per objective.
            # Keyed by the written tiers: the alerting block's label mappings make it unhashable.
            alerting = service.spec.alerting
            key = ((alerting.written("page"), alerting.written("ticket")), window, step)
            if key not in scaled:
                scaled[key] = pipeline.alert_tiers(service, window, step)
            return scaled[key]

        for objective in spec.objectives:
            owner = spec.owners.for_kind(objective.kind)
            team = owner.team if owner else ""
            if selection.matches(spec.service, objective.name, objective.kind, team):
                group = _Objective(service, objective, team, tiers).group()
                out.append(ObjectiveRules(spec.service, service.file, group))
    return out


class _Objective:
    def __init__(
        self,
        service: LoadedService,
        objective: Objective,
        team: str,
        tiers: Callable[[engine.Window, timedelta], Tiers],
    ) -> None:
        spec = service.spec
        self.service = spec.service
        self.objective = objective
        self.team = team
        self.labels = dict(spec.labels)
        self.policy = spec.policy
        self.min_events = objective.min_events or spec.alerting.min_events
        self.output = _BurnOutput.of(spec.alerting, objective.alerting)
        self.absent_for = spec.alerting.absent_for
        links = (
            ("dashboard_url", spec.dashboard_for(objective)),
            ("runbook_url", spec.runbook_for(objective)),
        )
        self.links = tuple((key, _literal(url)) for key, url in links if url is not None)
        written = spec.window_for(objective)
        window = pipeline.engine_window(written)
        # A calendar window counts as its nominal length (month 30 d): a rule cannot know the month's start.
        self.length = nominal_length(window)
        self.window_name = (
            f"calendar {written.calendar}"
            if isinstance(written, CalendarWindow)
            else format_duration(self.length)
        )
        slice_length = objective.sli.timeslices.slice if objective.sli.timeslices is not None else None
        self.step = evaluation_step(self.length, slice_length)
        self.tiers = tiers(window, self.step)
        self.match = f'{{service="{self.service}",objective="{objective.name}"}}'
        self.own = (("objective", objective.name), ("service", self.service))
        # 1 - target as written: 99.9 gives 0.001, not 0.0010000000000000009.
        self.budget = _plain((100 - Decimal(str(objective.target))) / 100)

    def windows(self) -> list[timedelta]:
        wanted = {w for w in BURN_WINDOWS.values() if w > self.step}
        wanted |= {w for tier in self.tiers for w in (tier.long, tier.short)} | {self.length}
        return sorted(w for w in wanted if w > self.step)

    def group(self) -> RuleGroup:
        rules: list[RecordingRule | AlertingRule] = [*self.events(), *self.budget_rules(), *self.info()]
        rules += self.burn_alerts() + self.budget_alerts() + self.absent_alert()
        return RuleGroup(f"slokit/{self.service}/{self.objective.name}", self.step, tuple(rules))

    def series(self, name: str, window: timedelta) -> str:
        return f"{name}{format_duration(window)}{self.match}"

    def events(self) -> list[RecordingRule]:
        step = format_duration(self.step)
        raw = step_events(self.objective.sli, self.step)
        rules = [
            RecordingRule(f"{TOTAL}{step}", raw.total, self.own),
            RecordingRule(f"{BAD}{step}", raw.bad(f"{TOTAL}{step}{self.match}"), self.own),
            self.ratio(self.step),
        ]
        for window in self.windows():
            reach = format_duration(window - _EPSILON)
            for name in (TOTAL, BAD):
                expr = f"sum_over_time({name}{step}{self.match}[{reach}])"
                rules.append(RecordingRule(f"{name}{format_duration(window)}", expr, self.own))
            rules.append(self.ratio(window))
        return rules

    def ratio(self, window: timedelta) -> RecordingRule:
        expr = f"{self.series(BAD, window)} / ({self.series(TOTAL, window)} > 0)"
        return RecordingRule(f"{ERROR_RATIO}{format_duration(window)}", expr, self.own)

    def budget_rules(self) -> list[RecordingRule]:
        ratio = self.series(ERROR_RATIO, self.length)
        if self.objective.sli.timeslices is not None:
            # Time slices: the budget is a share of all the window's slices, with data or not.
            slices = self.length // self.step
            allowed = f"({self.budget} * {slices})"
            bad, total = self.series(BAD, self.length), self.series(TOTAL, self.length)
            remaining = f"(1 - {bad} / {allowed}) and ({total} > 0)"
        else:
            remaining = f"1 - {ratio} / {self.budget}"
        return [RecordingRule(SLI, f"1 - {ratio}", self.own), RecordingRule(REMAINING, remaining, self.own)]

    def info(self) -> list[RecordingRule]:
        labels = {
            **self.labels,
            "service": self.service,
            "objective": self.objective.name,
            "kind": self.objective.kind,
            "team": self.team,
            "window": self.window_name,
            "sli": self.objective.sli.kind,
        }
        return [
            RecordingRule(INFO, "vector(1)", _sorted(labels.items())),
            RecordingRule(TARGET, f"vector({self.objective.target_fraction!r})", self.own),
        ]

    def alert_labels(
        self, severity: str, long: str, short: str, extra: dict[str, str] | None = None
    ) -> tuple[tuple[str, str], ...]:
        labels = {key: _literal(value) for key, value in self.labels.items()}
        labels["severity"] = severity
        # The definition's alert labels may replace severity, never the labels naming the objective.
        labels |= {key: _literal(value) for key, value in (extra or {}).items()}
        labels |= {
            "service": self.service,
            "objective": self.objective.name,
            "kind": self.objective.kind,
            "team": _literal(self.team),
            "long_window": long,
            "short_window": short,
        }
        return _sorted(labels.items())

    def left(self) -> str:
        """Template text: the budget left now, as a percentage."""
        query = f"{REMAINING}{self.match}".replace('"', '\\"')
        value = "{{ . | first | value | humanizePercentage }}"
        return f'{{{{ with query "{query}" }}}}{value}{{{{ else }}}}unknown{{{{ end }}}}'

    def name(self) -> str:
        return f"{self.service}/{self.objective.name}"

    def burn_alerts(self) -> list[RecordingRule | AlertingRule]:
        alerts: list[RecordingRule | AlertingRule] = []
        for tier in self.tiers:
            if tier.severity in self.output.disabled:
                continue
            factor = f"{engine.tier_factor(tier, self.length):.6g}"
            long, short = format_duration(tier.long), format_duration(tier.short)
            expr = (
                f"{self.series(ERROR_RATIO, tier.long)} / {self.budget} >= {factor}\n"
                f"and\n{self.series(ERROR_RATIO, tier.short)} / {self.budget} >= {factor}"
            )
            if self.min_events is not None:
                # A low-traffic service: one failure among a handful of requests is no page.
                expr += f"\nand\n{self.series(TOTAL, tier.long)} >= {self.min_events}"
            summary = (
                f'{self.name()} burns its error budget at {{{{ $value | printf "%.1f" }}}}x over {long} '
                f"and above {factor}x over {short} ({tier.severity} tier {long}/{short})"
            )
            target = f"{self.objective.target:g}%"
            description = (
                f"{self.objective.kind.capitalize()} objective {self.name()} (target {target}, "
                f"window {self.window_name}), owned by {_literal(self.team)}: {self.left()} of the error "
                f"budget left; at {factor}x the tier spends {tier.budget_percent:.3g}% of it in {long}."
            )
            alerts.append(
                AlertingRule(
                    self.output.name,
                    expr,
                    self.alert_labels(tier.severity, long, short, self.output.labels[tier.severity]),
                    self.annotations(description, summary, self.output.annotations[tier.severity]),
                )
            )
        return alerts

    def budget_alerts(self) -> list[RecordingRule | AlertingRule]:
        remaining = f"{REMAINING}{self.match}"
        labels = self.alert_labels("ticket", self.window_name, self.window_name)
        freeze = (
            f"; policy: releases freeze ({self.policy.freeze_on})" if self.policy.freeze_on != "never" else ""
        )
        alerts: list[RecordingRule | AlertingRule] = [
            AlertingRule(
                "ErrorBudgetExhausted",
                f"{remaining} <= 0",
                labels,
                self.annotations(
                    f"{self.name()} has spent its error budget over {self.window_name} "
                    f"({{{{ $value | humanizePercentage }}}} left){freeze}.",
                    f"{self.name()}: error budget exhausted",
                ),
            )
        ]
        warn = self.policy.warn_below
        if warn > 0:
            alerts.append(
                AlertingRule(
                    "ErrorBudgetLow",
                    f"{remaining} < {warn / 100:.6g}\nand\n{remaining} > 0",
                    labels,
                    self.annotations(
                        f"{self.name()} has {{{{ $value | humanizePercentage }}}} of its error budget "
                        f"left over {self.window_name}, below the policy's {warn:g}%.",
                        f"{self.name()}: error budget below {warn:g}%",
                    ),
                )
            )
        return alerts

    def annotations(
        self, description: str, summary: str, extra: dict[str, str] | None = None
    ) -> tuple[tuple[str, str], ...]:
        # The definition's annotations are templates as in any Prometheus rule, and replace slokit's.
        own = {"description": description, "summary": summary, **dict(self.links)}
        return _sorted((own | (extra or {})).items())

    def absent_alert(self) -> list[RecordingRule | AlertingRule]:
        if self.absent_for is None:
            return []
        spelt = format_duration(self.absent_for)
        recorded = f"{TOTAL}{format_duration(self.step)}{self.match}"
        return [
            AlertingRule(
                "SLISeriesAbsent",
                f"absent_over_time({recorded}[{spelt}])",
                self.alert_labels("ticket", spelt, spelt),
                self.annotations(
                    f"No events of {self.name()} recorded for {spelt}: its series are gone (a renamed "
                    "metric, a scrape failing), so its burn and budget alerts cannot fire.",
                    f"{self.name()}: SLI series absent for {spelt}",
                ),
            )
        ]


@dataclass(frozen=True)
class _BurnOutput:
    """The burn alerts' name, and per severity their extra labels and annotations, and the severities
    turned off: the objective's ``alerting`` over the service's, key by key."""

    name: str
    labels: dict[str, dict[str, str]]
    annotations: dict[str, dict[str, str]]
    disabled: frozenset[str]

    @classmethod
    def of(cls, service: AlertOutput, objective: AlertOutput | None) -> _BurnOutput:
        layers = [service] if objective is None else [service, objective]
        name = "ErrorBudgetBurn"
        labels: dict[str, dict[str, str]] = {severity: {} for severity in SEVERITIES}
        annotations: dict[str, dict[str, str]] = {severity: {} for severity in SEVERITIES}
        disabled: set[str] = set()
        for layer in layers:
            name = layer.name or name
            for severity in SEVERITIES:
                labels[severity] |= layer.labels
                annotations[severity] |= layer.annotations
        # The severity's own come after both layers' common ones: page_alert labels are the most specific.
        for layer in layers:
            for severity in SEVERITIES:
                alerts = layer.severity(severity)
                if alerts is not None:
                    labels[severity] |= alerts.labels
                    annotations[severity] |= alerts.annotations
                    if alerts.disable:
                        disabled.add(severity)
                    elif "disable" in alerts.model_fields_set:  # the objective's false undoes the service's
                        disabled.discard(severity)
        return cls(name, labels, annotations, frozenset(disabled))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _sorted(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(items))


def _literal(text: str) -> str:
    """Alert labels and annotations are Go templates: a ``{{`` written in a definition stays literal."""
    return text.replace("{{", '{{ "{{" }}')
