"""``slokit rules``: the definitions as Prometheus recording and alerting rules.

A pure generator: :func:`build` turns loaded definitions into typed rule groups, :mod:`render` turns those
into YAML text. No I/O, no clock: the same definitions give the same bytes.
"""

from slokit.rules.build import ObjectiveRules, build
from slokit.rules.model import AlertingRule, RecordingRule, RuleGroup
from slokit.rules.render import KubernetesOptions, render_kubernetes, render_prometheus

__all__ = [
    "AlertingRule",
    "KubernetesOptions",
    "ObjectiveRules",
    "RecordingRule",
    "RuleGroup",
    "build",
    "render_kubernetes",
    "render_prometheus",
]
