"""``slokit dashboards``: Grafana dashboards over the series ``slokit rules`` records.

A pure generator, like :mod:`slokit.rules`: :func:`build` turns loaded definitions into typed dashboards
(:mod:`slokit.dashboards.model`), :func:`render` turns one into JSON text. No I/O, no clock: the same
definitions give the same bytes.
"""

from slokit.dashboards.build import DatasourceRef, build
from slokit.dashboards.model import Dashboard
from slokit.dashboards.render import render

__all__ = ["Dashboard", "DatasourceRef", "build", "render"]
