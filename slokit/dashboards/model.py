"""Grafana dashboards as typed frozen dataclasses, in the classic JSON model that file provisioning and
``POST /api/dashboards/db`` load. Only what slokit's dashboards use; :mod:`slokit.dashboards.render` spells
each one as Grafana's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PanelType = Literal["timeseries", "bargauge", "state-timeline", "table"]


@dataclass(frozen=True)
class DatasourceRef:
    """A data source by UID (Grafana also resolves a name given here), or ``${datasource}``."""

    uid: str
    type: str = "prometheus"


@dataclass(frozen=True)
class Target:
    ref_id: str
    expr: str
    legend: str = ""
    instant: bool = False  # one value per series at the dashboard's end time, not a range
    table: bool = False  # Grafana's "table" format: one row per series, labels as columns


@dataclass(frozen=True)
class Step:
    """A threshold step: ``color`` from ``value`` up (``None``: the base, from minus infinity)."""

    color: str
    value: float | None


@dataclass(frozen=True)
class ValueText:
    """A value mapping: ``value`` shown as ``text`` in ``color``."""

    value: int
    text: str
    color: str


@dataclass(frozen=True)
class Grid:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Panel:
    id: int
    type: PanelType
    title: str
    description: str
    grid: Grid
    datasource: DatasourceRef
    targets: tuple[Target, ...]
    unit: str = "none"
    steps: tuple[Step, ...] = (Step("green", None),)
    threshold_lines: bool = False  # draw the steps as lines over a time series
    minimum: float | None = None
    maximum: float | None = None
    mappings: tuple[ValueText, ...] = ()
    dashed: str | None = None  # a regex of series names drawn dashed (the target beside the SLI)


@dataclass(frozen=True)
class QueryVariable:
    """A variable whose values are ``label_values(selector, label)`` on the data source."""

    name: str
    label: str
    query: str
    datasource: DatasourceRef


@dataclass(frozen=True)
class DatasourceVariable:
    """The ``${datasource}`` picker: any data source of ``type``."""

    name: str
    label: str
    type: str = "prometheus"


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    panels: tuple[Panel, ...]
    variables: tuple[DatasourceVariable | QueryVariable, ...]
    file_name: str
