"""Alertmanager routing for slokit's alerts, from the owners in the definitions.

Every alert slokit generates carries ``kind`` (operational | application), ``team`` (the owner team of that
kind) and ``severity``. This module turns the owners into a routing subtree: one route per team matching
``team``, with a page and a ticket sub-route, so operational objectives reach the DevOps team and application
objectives the software team; plus one receiver stub per team and severity for the user to fill in.

Two layouts:

- ``owners`` (the default): each team receives its own objectives' alerts.
- ``primary`` (:func:`render` with ``primary=KIND``): the owner of ``KIND`` (DevOps, ``operational``) receives
  every slokit alert first; the owner of the objective's kind, when it is another team, gets a copy as well
  (``continue: true``) so the escalation target already has the context when the pager escalates.
  Alertmanager has no time-based escalation: the escalation itself belongs to the paging tool's policy
  (PagerDuty, Opsgenie, Grafana OnCall) behind the primary's page receiver.

Pure: text in, text out, written by hand so that the same definitions give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from slokit.report.model import Selection
from slokit.spec.loader import Definitions
from slokit.spec.models import KINDS, Kind

SEVERITIES = ("page", "ticket")
# Every slokit alert has a kind label with one of these values; the subtree matches on it.
SUBTREE_MATCHER = 'kind=~"operational|application"'
ROOT_RECEIVER = "default"  # only there so that the file is a whole configuration amtool can check
UNROUTED_RECEIVER = "slokit-unrouted"  # an alert whose team is not in the definitions this was made from
GROUP_BY = ("alertname", "service", "objective")


@dataclass(frozen=True)
class Team:
    """An owner team and what it owns: the kinds, and per kind the services."""

    name: str
    kinds: tuple[Kind, ...]
    services: tuple[tuple[Kind, tuple[str, ...]], ...]
    emails: tuple[str, ...]

    def receiver(self, severity: str) -> str:
        return f"{self.name}-{severity}"


def teams(definitions: Definitions, selection: Selection | None = None) -> list[Team]:
    """Owner teams of the objectives ``selection`` keeps (default: all): those owning operational objectives
    first, then by name."""
    kinds: dict[str, dict[Kind, set[str]]] = {}
    emails: dict[str, dict[str, None]] = {}
    for loaded in definitions.services:
        spec = loaded.spec
        for objective in spec.objectives:
            owner = spec.owners.for_kind(objective.kind)
            if owner is None:  # the loader refuses this; a library caller may not have used it
                continue
            if selection and not selection.matches(spec.service, objective.name, objective.kind, owner.team):
                continue
            kinds.setdefault(owner.team, {}).setdefault(objective.kind, set()).add(spec.service)
            emails.setdefault(owner.team, {}).update(dict.fromkeys(owner.email))
    found = [
        Team(
            name,
            tuple(k for k in KINDS if k in owned),
            tuple((k, tuple(sorted(owned[k]))) for k in KINDS if k in owned),
            tuple(emails[name]),
        )
        for name, owned in kinds.items()
    ]
    return sorted(found, key=lambda t: (KINDS.index(t.kinds[0]), t.name))


def matcher(label: str, value: str) -> str:
    """``label="value"`` in Alertmanager's matcher syntax, escaping what its parser reads as special."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{label}="{escaped}"'


def _q(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar: every name, whatever it holds, stays one plain string.
    return json.dumps(text, ensure_ascii=False)


def _sq(text: str) -> str:
    # Matchers hold double quotes: single-quoted YAML keeps them readable (definitions allow no line breaks).
    return "'" + text.replace("'", "''") + "'"


def _comment(text: str) -> str:
    return " ".join(text.split())


def _route(receiver: str, matchers: Sequence[str], indent: str, *, cont: bool = False) -> list[str]:
    lines = [
        f"{indent}- receiver: {_q(receiver)}",
        f"{indent}  matchers: [{', '.join(_sq(m) for m in matchers)}]",
    ]
    if cont:
        lines.append(f"{indent}  continue: true")
    return lines


def _severity_routes(team: Team, indent: str) -> list[str]:
    lines = [f"{indent}routes:"]
    for severity in SEVERITIES:
        lines += _route(team.receiver(severity), [matcher("severity", severity)], indent + "  ")
    return lines


def _owned(team: Team) -> str:
    return "; ".join(f"{kind} objectives of {', '.join(services)}" for kind, services in team.services)


def _owner_routes(found: Sequence[Team], indent: str) -> list[str]:
    lines: list[str] = []
    for team in found:
        lines.append(f"{indent}# {_comment(team.name)}: {_comment(_owned(team))}")
        # Another severity than page or ticket (a tier's own) goes to the team's ticket receiver.
        lines += _route(team.receiver("ticket"), [matcher("team", team.name)], indent)
        lines += _severity_routes(team, indent + "  ")
    return lines


def _primary_routes(found: Sequence[Team], kind: Kind, indent: str) -> list[str]:
    primaries = [team for team in found if kind in team.kinds]
    lines: list[str] = []
    for team in found:
        if team in primaries:
            continue
        lines.append(
            f"{indent}# {_comment(team.name)} is told of its own objectives' alerts, then they go on"
        )
        lines += _route(team.receiver("ticket"), [matcher("team", team.name)], indent, cont=True)
    if len(primaries) == 1:
        [primary] = primaries
        lines.append(f"{indent}# {_comment(primary.name)}: primary for every slokit alert")
        lines += _route(primary.receiver("ticket"), [SUBTREE_MATCHER], indent)
        return lines + _severity_routes(primary, indent + "  ")
    # Several teams own that kind, each for its own services: every alert of a service goes to the team
    # that owns its kind there, whichever kind the alert is of.
    for primary in primaries:
        for service in dict(primary.services)[kind]:
            lines.append(f"{indent}# {_comment(primary.name)}: primary for every slokit alert of {service}")
            lines += _route(primary.receiver("ticket"), [matcher("service", service)], indent)
            lines += _severity_routes(primary, indent + "  ")
    return lines


def _receivers(found: Sequence[Team]) -> list[str]:
    lines = ["receivers:", f"  - name: {_q(ROOT_RECEIVER)}", f"  - name: {_q(UNROUTED_RECEIVER)}"]
    for team in found:
        for severity in SEVERITIES:
            what = "its pager (pagerduty_configs, opsgenie_configs...)" if severity == "page" else "a queue"
            mail = f"; reports go to {', '.join(team.emails)}" if team.emails and severity == "ticket" else ""
            lines.append(f"  # {_comment(team.name)} {severity}s: {what}{_comment(mail)}")
            lines.append(f"  - name: {_q(team.receiver(severity))}")
    return lines


def render(definitions: Definitions, selection: Selection | None = None, primary: Kind | None = None) -> str:
    """An Alertmanager configuration whose root route holds slokit's subtree, and its receiver stubs.

    ``selection``: the objectives whose owners get routes (``--service``, ``--team``); default all.
    ``primary``: the kind whose owner receives every slokit alert first (see the module docstring); None,
    or a kind no selected objective has, routes each objective's alerts to its own kind's owner.
    """
    found = teams(definitions, selection)
    by_kind = {kind: team for team in found for kind in team.kinds}
    names = ", ".join(_comment(f) for f in dict.fromkeys(definitions.files)) or "no definitions"
    lines = [
        f"# Alertmanager routing generated by `slokit rules --alertmanager` from {names}.",
        "# Copy the route under `route.routes` of your configuration (before any catch-all route) and the",
        "# receivers under `receivers`, then fill each receiver in. Only the `default` receiver and the root",
        "# route are here for `amtool check-config`: keep your own.",
        "route:",
        f"  receiver: {_q(ROOT_RECEIVER)}",
        "  routes:",
        "    # slokit's alerts: every one carries kind, team and severity",
        f"    - receiver: {_q(UNROUTED_RECEIVER)}",
        f"      matchers: [{_sq(SUBTREE_MATCHER)}]",
        f"      group_by: [{', '.join(GROUP_BY)}]",
    ]
    if found:
        lines.append("      routes:")
        if primary is not None and primary in by_kind:
            lines += _primary_routes(found, primary, "        ")
        else:
            lines += _owner_routes(found, "        ")
    return "\n".join(lines + _receivers(found)) + "\n"
