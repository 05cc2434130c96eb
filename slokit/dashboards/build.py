"""From definitions to dashboards: one per owner team and one overview, reading what ``slokit rules`` records.

Every query reads the recorded series (:mod:`slokit.rules.build`), never the definitions' selectors: a
dashboard opened a hundred times a day then costs a few series per objective, as the alerts do, and shows
what the alerts see. Each query is restricted to the dashboard's objectives by joining on
``slokit_slo_info`` (``and on(service, objective)``), whose ``team`` label is the owner team.

The panels, top to bottom: error budget remaining per objective; alerts firing (a count per objective, then
the alerts themselves); the SLI over the objective's window against its target; one burn-rate panel per
alert tier, the tier's long and short windows with its factor as a threshold line (an alert fires when both
are at or above it). Objectives whose tiers differ (another window, written tiers) get their own panels,
each listing the objectives it shows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from slokit import engine, pipeline
from slokit.dashboards.model import (
    Dashboard,
    DatasourceRef,
    DatasourceVariable,
    Grid,
    Panel,
    QueryVariable,
    Step,
    Target,
    ValueText,
)
from slokit.durations import format_duration
from slokit.engine.tiers import nominal_length
from slokit.rules.build import ERROR_RATIO, INFO, REMAINING, SLI, TARGET, _BurnOutput
from slokit.spec.loader import Definitions
from slokit.spec.models import SEVERITIES
from slokit.spec.steps import evaluation_step

__all__ = ["DEFAULT_DATASOURCE", "DatasourceRef", "build", "team_uid"]

DEFAULT_DATASOURCE = DatasourceRef("${datasource}")
OVERVIEW_UID = "slokit-overview"
UID_LIMIT = 40  # Grafana refuses longer dashboard UIDs
_SLUG = re.compile(r"[^a-z0-9]+")
# The dashboard's variables, as every query filters on them; Grafana turns "All" into ".*".
_CHOSEN = 'service=~"$service",objective=~"$objective"'
_ON = "on(service, objective)"
_COLORS = {"page": "red", "ticket": "orange"}
_WIDTH = 12
_HEIGHT = 8


@dataclass(frozen=True)
class _Tier:
    severity: str
    long: timedelta
    short: timedelta
    factor: float  # as the alert's expression spells it (6 significant digits)
    alerts: bool  # False: the definition turns this severity's burn alerts off (`disable`)


@dataclass(frozen=True)
class _Objective:
    service: str
    name: str
    team: str
    tiers: tuple[_Tier, ...]
    warn_below: float  # the policy's warning level, as a fraction of the budget

    @property
    def label(self) -> str:
        return f"{self.service}/{self.name}"


def build(definitions: Definitions, datasource: DatasourceRef = DEFAULT_DATASOURCE) -> list[Dashboard]:
    """The overview first, then one dashboard per owner team in name order."""
    objectives = _objectives(definitions)
    files = ", ".join(dict.fromkeys(s.file for s in definitions.services))
    teams = sorted({o.team for o in objectives})
    dashboards = [_Builder(objectives, None, datasource, files).dashboard()]
    for team in teams:
        mine = [o for o in objectives if o.team == team]
        dashboards.append(_Builder(mine, team, datasource, files).dashboard())
    return dashboards


def team_uid(team: str) -> str:
    """Stable, at most 40 characters, distinct for distinct names (``Payments`` and ``payments`` too): a
    readable slug of the name and 8 hex digits of its SHA-256."""
    digest = hashlib.sha256(team.encode()).hexdigest()[:8]
    slug = _SLUG.sub("-", team.lower()).strip("-") or "team"  # a name in another script: its digest
    room = UID_LIMIT - len("slokit--") - len(digest)
    return f"slokit-{slug[:room].rstrip('-')}-{digest}"


def _objectives(definitions: Definitions) -> list[_Objective]:
    out = []
    for loaded in definitions.services:
        spec = loaded.spec
        for objective in spec.objectives:
            owner = spec.owners.for_kind(objective.kind)
            window = pipeline.engine_window(spec.window_for(objective))
            # As the rules count it: a calendar window is its nominal length (month 30 d).
            length = nominal_length(window)
            slices = objective.sli.timeslices.slice if objective.sli.timeslices is not None else None
            step = evaluation_step(length, slices)
            # The rules' own merge of the service's and the objective's alerting: what the alerts do.
            disabled = _BurnOutput.of(spec.alerting, objective.alerting).disabled
            tiers = tuple(
                _Tier(
                    t.severity,
                    t.long,
                    t.short,
                    float(f"{engine.tier_factor(t, length):.6g}"),
                    t.severity not in disabled,
                )
                for t in pipeline.alert_tiers(loaded, window, step)
            )
            team = owner.team if owner else ""  # never empty: validation wants an owner for every kind used
            out.append(_Objective(spec.service, objective.name, team, tiers, spec.policy.warn_below / 100))
    return out


def _string(text: str) -> str:
    """A PromQL string literal (Go's escapes are JSON's)."""
    return json.dumps(text, ensure_ascii=False)


def _regex(values: Sequence[str]) -> str:
    """An anchored PromQL regex matching exactly ``values``, inside a string literal."""
    return _string("|".join(re.escape(v) for v in values))


class _Builder:
    def __init__(
        self, objectives: Sequence[_Objective], team: str | None, datasource: DatasourceRef, files: str
    ) -> None:
        self.objectives = list(objectives)
        self.team = team
        self.datasource = datasource
        self.files = files
        # The team's objectives (the overview: the teams chosen in its variable), narrowed to the service
        # and objective variables.
        team_matcher = 'team=~"$team"' if team is None else f"team={_string(team)}"
        self.team_matcher = team_matcher
        self.info = f"{INFO}{{{team_matcher},{_CHOSEN}}}"
        self.panels: list[Panel] = []
        self.x = self.y = 0

    def dashboard(self) -> Dashboard:
        self.budget_panel()
        self.alert_count_panel()
        self.sli_panel()
        self.alert_table_panel()
        for tier, members in self.tiers():
            self.burn_panel(tier, members)
        if self.team is None:
            uid, title = OVERVIEW_UID, "SLOs: overview"
            scope = "every objective of the definitions, every team"
        else:
            uid = team_uid(self.team)
            title = f"SLOs: {self.team}"
            scope = f"the objectives owned by {self.team}"
        description = (
            f"Generated by `slokit dashboards` from {self.files}: {scope}. Reads the series `slokit rules` "
            "records: load those rules into Prometheus first."
        )
        return Dashboard(
            uid=uid,
            title=title,
            description=description,
            tags=("slokit", "slo"),
            panels=tuple(self.panels),
            variables=self.variables(),
            file_name=f"{uid}.json",
        )

    def variables(self) -> tuple[DatasourceVariable | QueryVariable, ...]:
        out: list[DatasourceVariable | QueryVariable] = []
        if self.datasource == DEFAULT_DATASOURCE:
            out.append(DatasourceVariable("datasource", "Data source"))
        if self.team is None:
            out.append(QueryVariable("team", "Team", f"label_values({INFO}, team)", self.datasource))
        out.append(
            QueryVariable(
                "service", "Service", f"label_values({INFO}{{{self.team_matcher}}}, service)", self.datasource
            )
        )
        chosen = f'{self.team_matcher},service=~"$service"'
        out.append(
            QueryVariable(
                "objective", "Objective", f"label_values({INFO}{{{chosen}}}, objective)", self.datasource
            )
        )
        return tuple(out)

    def place(self) -> tuple[int, Grid]:
        """The next panel's id and place: the next free half of the grid, two panels per row."""
        grid = Grid(self.x, self.y, _WIDTH, _HEIGHT)
        self.x += _WIDTH
        if self.x >= 2 * _WIDTH:
            self.x, self.y = 0, self.y + _HEIGHT
        return len(self.panels) + 1, grid

    def mine(self, selector: str) -> str:
        return f"{selector} and {_ON} {self.info}"

    def budget_panel(self) -> None:
        warn = {o.warn_below for o in self.objectives}
        steps = [Step("red", None), Step("orange", 0.0)]
        if len(warn) == 1 and 0 < (level := warn.pop()) < 1:
            steps.append(Step("green", level))
        else:
            steps[-1] = Step("green", 0.0)
        id, grid = self.place()
        self.panels.append(
            Panel(
                id=id,
                grid=grid,
                datasource=self.datasource,
                type="bargauge",
                title="Error budget remaining",
                description=(
                    f"{REMAINING}: the share of each objective's error budget left over its window "
                    "(1 - error ratio / (1 - target)); below 0 the budget is spent. Orange below the "
                    "policy's warn_below."
                ),
                targets=(
                    Target("A", self.mine(f"{REMAINING}{{{_CHOSEN}}}"), "{{service}}/{{objective}}", True),
                ),
                unit="percentunit",
                steps=tuple(steps),
                maximum=1.0,
            )
        )

    def alert_count_panel(self) -> None:
        # Every alert `slokit rules` writes carries long_window, whatever a definition renames it to.
        firing = f'ALERTS{{alertstate="firing",long_window!="",{_CHOSEN}}}'
        none = f"0 * group by (service, objective) ({self.info})"
        expr = f"(count by (service, objective) ({firing}) and {_ON} {self.info})\nor {_ON} {none}"
        id, grid = self.place()
        self.panels.append(
            Panel(
                id=id,
                grid=grid,
                datasource=self.datasource,
                type="state-timeline",
                title="Alerts firing",
                description=(
                    "The number of slokit alerts firing for each objective (burn-rate tiers, budget "
                    "exhausted or low, SLI series absent); 0 when none is."
                ),
                targets=(Target("A", expr, "{{service}}/{{objective}}"),),
                steps=(Step("green", None), Step("red", 1.0)),
                minimum=0.0,
                mappings=(ValueText(0, "no alert", "green"),),
            )
        )

    def sli_panel(self) -> None:
        id, grid = self.place()
        self.panels.append(
            Panel(
                id=id,
                grid=grid,
                datasource=self.datasource,
                type="timeseries",
                title="SLI against target",
                description=(
                    f"{SLI}: each objective's SLI over its own window (1 - bad events / all events), and "
                    f"{TARGET}, its target (dashed)."
                ),
                targets=(
                    Target("A", self.mine(f"{SLI}{{{_CHOSEN}}}"), "{{service}}/{{objective}} SLI"),
                    Target("B", self.mine(f"{TARGET}{{{_CHOSEN}}}"), "{{service}}/{{objective}} target"),
                ),
                unit="percentunit",
                dashed=".* target$",
            )
        )

    def alert_table_panel(self) -> None:
        firing = f'ALERTS{{alertstate="firing",long_window!="",{_CHOSEN}}}'
        id, grid = self.place()
        self.panels.append(
            Panel(
                id=id,
                grid=grid,
                datasource=self.datasource,
                type="table",
                title="Alerts firing now",
                description="The slokit alerts firing at the end of the time range, with their labels.",
                targets=(Target("A", self.mine(firing), instant=True, table=True),),
            )
        )

    def tiers(self) -> list[tuple[_Tier, list[_Objective]]]:
        members: dict[_Tier, list[_Objective]] = {}
        for objective in self.objectives:
            for tier in objective.tiers:
                members.setdefault(tier, []).append(objective)
        # The tiers of the first objective first, in severity then window order, then those of the next
        # objective with other tiers (another window, tiers of its own), and so on.
        first = {id(o): i for i, o in enumerate(self.objectives)}
        order: dict[str, int] = {severity: i for i, severity in enumerate(SEVERITIES)}
        ranked = sorted(
            members,
            key=lambda t: (
                first[id(members[t][0])],
                order.get(t.severity, len(order)),
                t.long,
                t.short,
                t.factor,
            ),
        )
        return [(tier, members[tier]) for tier in ranked]

    def burn_panel(self, tier: _Tier, members: list[_Objective]) -> None:
        long, short = format_duration(tier.long), format_duration(tier.short)
        scope = self.info
        title = f"Burn rate, {tier.severity} tier: {tier.factor:g}x over {long} and {short}"
        fires = (
            f"The {tier.severity} alert fires when both the {long} and the {short} burn rates are at or "
            f"above {tier.factor:g}x (the line)."
            if tier.alerts
            else f"The definitions turn the {tier.severity} burn alerts off (disable): the line is the "
            f"factor at which they would fire, over both the {long} and the {short} window."
        )
        if not tier.alerts:
            title += ", alert off"
        listed = ""
        if len(members) < len(self.objectives):
            scope = self.members(members)
            title += f" ({len(members)} of {len(self.objectives)} objectives)"
            listed = " Objectives: " + ", ".join(o.label for o in members) + "."
        budget = f"(1 - {TARGET}{{{_CHOSEN}}})"

        def burn(window: timedelta) -> str:
            ratio = f"{ERROR_RATIO}{format_duration(window)}{{{_CHOSEN}}}"
            return f"{ratio} / {_ON} {budget}\nand {_ON} {scope}"

        windows = [tier.long] if tier.long == tier.short else [tier.long, tier.short]
        id, grid = self.place()
        self.panels.append(
            Panel(
                id=id,
                grid=grid,
                datasource=self.datasource,
                type="timeseries",
                title=title,
                description=(
                    f"Error ratio over each window / error budget (1 - target), from {ERROR_RATIO}<window>. "
                    f"{fires}{listed}"
                ),
                targets=tuple(
                    Target(
                        chr(ord("A") + i), burn(w), f"{{{{service}}}}/{{{{objective}}}} {format_duration(w)}"
                    )
                    for i, w in enumerate(windows)
                ),
                steps=(Step("green", None), Step(_COLORS.get(tier.severity, "red"), tier.factor)),
                threshold_lines=True,
                minimum=0.0,
            )
        )

    def members(self, members: list[_Objective]) -> str:
        """The info series of ``members`` only, still narrowed by the team and the variables (a label may
        have two matchers: both must hold)."""
        by_service: dict[str, list[str]] = {}
        for objective in members:
            by_service.setdefault(objective.service, []).append(objective.name)
        chosen = f"{self.team_matcher},{_CHOSEN}"
        selectors = [
            f"{INFO}{{{chosen},service={_string(service)},objective=~{_regex(names)}}}"
            for service, names in by_service.items()
        ]
        return selectors[0] if len(selectors) == 1 else "(" + " or ".join(selectors) + ")"
