"""A dashboard as Grafana's classic JSON model (``schemaVersion`` 39: Grafana 10.4; later versions migrate
it on load).

The bytes depend on nothing but the dashboard: keys in a fixed order, no timestamps, no ``id`` (Grafana
assigns it), ``version`` 1. Keys Grafana fills with defaults when absent are written anyway where a
reader of the file would look for them (``datasource`` on every target, ``refresh`` on variables).
"""

from __future__ import annotations

import json
from typing import Any

from slokit.dashboards.model import (
    Dashboard,
    DatasourceRef,
    DatasourceVariable,
    Panel,
    QueryVariable,
    Target,
)

SCHEMA_VERSION = 39
JSON = dict[str, Any]


def render(dashboard: Dashboard) -> str:
    return json.dumps(to_json(dashboard), indent=2, ensure_ascii=False) + "\n"


def to_json(dashboard: Dashboard) -> JSON:
    return {
        "id": None,
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 1,  # a shared crosshair: the same instant on every panel
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "links": [
            {
                "type": "dashboards",
                "title": "slokit dashboards",
                "tags": ["slokit"],
                "asDropdown": True,
                "includeVars": True,
                "keepTime": True,
            }
        ],
        "annotations": {"list": []},
        "templating": {"list": [_variable(v) for v in dashboard.variables]},
        "panels": [_panel(p) for p in dashboard.panels],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
    }


def _datasource(ref: DatasourceRef) -> JSON:
    return {"type": ref.type, "uid": ref.uid}


def _variable(variable: DatasourceVariable | QueryVariable) -> JSON:
    if isinstance(variable, DatasourceVariable):
        return {
            "name": variable.name,
            "label": variable.label,
            "type": "datasource",
            "query": variable.type,
            "regex": "",
            "refresh": 1,
            "hide": 0,
            "multi": False,
            "includeAll": False,
            "current": {},
            "options": [],
        }
    return {
        "name": variable.name,
        "label": variable.label,
        "type": "query",
        "datasource": _datasource(variable.datasource),
        "definition": variable.query,
        # A string, which every Grafana version reads (10 and later turn it into their query object).
        "query": variable.query,
        "regex": "",
        "refresh": 2,  # on time range change: a new service shows up without reloading the dashboard
        "sort": 1,
        "hide": 0,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
    }


def _target(target: Target, datasource: DatasourceRef) -> JSON:
    return {
        "refId": target.ref_id,
        "datasource": _datasource(datasource),
        "expr": target.expr,
        "legendFormat": target.legend,
        "instant": target.instant,
        "range": not target.instant,
        "format": "table" if target.table else "time_series",
    }


def _panel(panel: Panel) -> JSON:
    defaults: JSON = {
        "unit": panel.unit,
        "thresholds": {
            "mode": "absolute",
            "steps": [{"color": s.color, "value": s.value} for s in panel.steps],
        },
        "mappings": [
            {
                "type": "value",
                "options": {str(m.value): {"text": m.text, "color": m.color, "index": i}},
            }
            for i, m in enumerate(panel.mappings)
        ],
    }
    if panel.minimum is not None:
        defaults["min"] = panel.minimum
    if panel.maximum is not None:
        defaults["max"] = panel.maximum
    if panel.type == "timeseries":
        defaults["custom"] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 0,
            "spanNulls": False,
            "thresholdsStyle": {"mode": "line" if panel.threshold_lines else "off"},
        }
    overrides = []
    if panel.dashed is not None:
        overrides.append(
            {
                "matcher": {"id": "byRegexp", "options": panel.dashed},
                "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}],
            }
        )
    out: JSON = {
        "id": panel.id,
        "type": panel.type,
        "title": panel.title,
        "description": panel.description,
        "gridPos": {"x": panel.grid.x, "y": panel.grid.y, "w": panel.grid.w, "h": panel.grid.h},
        "datasource": _datasource(panel.datasource),
        "targets": [_target(t, panel.datasource) for t in panel.targets],
        "fieldConfig": {"defaults": defaults, "overrides": overrides},
        "options": _options(panel),
    }
    if panel.type == "table":
        # An instant query in table format has a Time and a Value column besides the labels: noise here.
        hidden = {"Time": True, "Value": True, "__name__": True}
        out["transformations"] = [{"id": "organize", "options": {"excludeByName": hidden}}]
    return out


def _options(panel: Panel) -> JSON:
    if panel.type == "bargauge":
        return {
            "orientation": "horizontal",
            "displayMode": "gradient",
            "showUnfilled": True,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        }
    if panel.type == "state-timeline":
        return {"showValue": "auto", "mergeValues": True, "legend": {"showLegend": True}}
    if panel.type == "table":
        return {"showHeader": True}
    return {
        "legend": {
            "showLegend": True,
            "displayMode": "table",
            "placement": "bottom",
            "calcs": ["lastNotNull"],
        },
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
