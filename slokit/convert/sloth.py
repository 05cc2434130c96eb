"""Sloth specs as slokit definitions: ``prometheus/v1`` files and ``PrometheusServiceLevel`` CRDs.

A file may hold several documents (``---``); documents of the same ``service`` (one CRD per SLO is usual)
become one slokit service. Each SLO becomes an objective: ``objective`` the target, ``sli.events`` the ratio
SLI's ``bad_query``/``total_query`` (rates over ``{{.window}}`` turned into event counts:
:mod:`slokit.convert.sloth_rate`), ``alerting`` the objective's burn-alert name, labels and annotations.
Sloth's spec has no SLO period: its default (30 days) is the window. An SLO that cannot be converted (a
``raw`` error ratio, a plugin SLI, a query that is not a sum of rates, no kind or team) is a problem naming
the file, the SLO's line and its name; the file's other SLOs still convert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slokit.convert.model import Conversion, ConversionProblem, ConvertedService, FieldPath, ImportOptions
from slokit.convert.shown import shown
from slokit.convert.sloth_rate import SAFE_NOTE, Refused
from slokit.convert.sloth_rate import convert as convert_query
from slokit.convert.yamldocs import load_documents
from slokit.spec.models import KINDS, SLOKIT_ALERT_LABELS, Kind, is_name
from slokit.spec.yamlsafe import Document, YamlProblem
from slokit.spec.yamlsafe import Path as YamlPath

PROMETHEUS_V1 = "prometheus/v1"
CRD_API = "sloth.slok.dev/v1"
CRD_KIND = "PrometheusServiceLevel"
DEFAULT_PERIOD = "30d"  # Sloth's --default-slo-period: its specs cannot choose another
KIND_KEY = "slokit.dev/kind"
TEAM_KEY = "owner"
EMAIL_KEY = "slokit.dev/email"
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALERT_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_ORDER = ("name", "labels", "annotations", "page_alert", "ticket_alert")


def rewrite_window_query(query: str) -> tuple[str, str]:
    """A query over Sloth's ``{{.window}}`` as slokit's, and the comment saying what was converted.
    Raises ``ValueError`` (:class:`~slokit.convert.sloth_rate.Refused`) with the reason when refused."""
    converted = convert_query(query)
    note = SAFE_NOTE if converted.converted else "Sloth's {{.window}} written as slokit's {{ window }}"
    return converted.query, note


@dataclass(frozen=True)
class _Keys:
    """The spelling of one of the two formats: prometheus/v1 is snake_case, the CRD camelCase."""

    error_query: str
    total_query: str
    error_ratio_query: str
    page_alert: str
    ticket_alert: str

    @property
    def no_counts(self) -> str:
        return f"slokit needs error and total counts (sli.events: {self.error_query} and {self.total_query})"


_SNAKE = _Keys("error_query", "total_query", "error_ratio_query", "page_alert", "ticket_alert")
_CAMEL = _Keys("errorQuery", "totalQuery", "errorRatioQuery", "pageAlert", "ticketAlert")


@dataclass
class _Service:
    """The documents of one service, gathered across files."""

    name: str
    sources: list[str] = field(default_factory=list)  # what each document is, and its FILE:LINE
    files: list[str] = field(default_factory=list)
    objectives: list[_Objective] = field(default_factory=list)
    owners: dict[Kind, tuple[str, str]] = field(default_factory=dict)  # kind -> (team, where it was set)
    emails: dict[str, None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the service's documents had that is left out


@dataclass
class _Objective:
    document: dict[str, Any]
    comments: dict[FieldPath, tuple[str, ...]]
    labels: dict[str, str]  # the document's labels: those not common to the service go on its alerts


def convert(paths: Sequence[Path], options: ImportOptions) -> Conversion:
    services: dict[str, _Service] = {}
    problems: list[ConversionProblem] = []
    for path in paths:
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(ConversionProblem(file, 1, "", f"cannot read the file: {reason}"))
            continue
        try:
            documents = load_documents(text)
        except YamlProblem as exc:
            problems.append(ConversionProblem(file, exc.line, "", exc.message))
            continue
        if not documents:
            problems.append(ConversionProblem(file, 1, "", "no Sloth spec in the file (it is empty)"))
        for doc in documents:
            _Reader(file, doc, options, services, problems).read()
    return Conversion(tuple(_service(s) for s in services.values() if s.objectives), tuple(problems))


class _Reader:
    """One document: a prometheus/v1 spec or a PrometheusServiceLevel."""

    def __init__(
        self,
        file: str,
        doc: Document,
        options: ImportOptions,
        services: dict[str, _Service],
        problems: list[ConversionProblem],
    ) -> None:
        self.file = file
        self.doc = doc
        self.options = options
        self.services = services
        self.problems = problems

    def problem(self, path: YamlPath, name: str, message: str) -> None:
        self.problems.append(ConversionProblem(self.file, self.doc.line_of(path), name, message))

    def read(self) -> None:
        data = self.doc.data
        if not isinstance(data, dict):
            self.problem((), "", "not a Sloth spec: a document must be a mapping")
            return
        if data.get("version") == PROMETHEUS_V1:
            self.spec(data, (), _SNAKE, f"Sloth {PROMETHEUS_V1}")
        elif data.get("apiVersion") == CRD_API and data.get("kind") == CRD_KIND:
            spec = data.get("spec")
            metadata = data.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else None
            if not isinstance(spec, dict):
                self.problem(("spec",), str(name or ""), f"a {CRD_KIND} needs a spec mapping")
                return
            self.spec(spec, ("spec",), _CAMEL, f"Sloth {CRD_KIND} {name}" if name else f"Sloth {CRD_KIND}")
        else:
            got = data.get("version") or data.get("apiVersion")
            kind = f", kind {data['kind']}" if isinstance(data.get("kind"), str) else ""
            self.problem(
                (),
                "",
                f"not a Sloth spec: expected version: {PROMETHEUS_V1}, or apiVersion: {CRD_API} with kind: "
                f"{CRD_KIND} (got {shown(got)}{kind})",
            )

    def spec(self, spec: dict[str, Any], at: YamlPath, keys: _Keys, what: str) -> None:
        service = spec.get("service")
        if not isinstance(service, str) or not is_name(service):
            self.problem(
                (*at, "service"),
                "",
                f"service {shown(service)}: slokit needs a name of 1-63 letters, digits, '-', '_' or '.'",
            )
            return
        labels = _strings(spec.get("labels"))
        gathered = self.services.setdefault(service, _Service(service))
        gathered.sources.append(f"{what} at {self.file}:{self.doc.line_of(at)}")
        gathered.files.append(self.file)
        if plugins := _plugins(spec.get("slo_plugins", spec.get("sloPlugins"))):
            gathered.notes.append(
                f"Sloth's SLO plugins left out ({self.file}:{self.doc.line_of(at)}): {plugins}; slokit runs "
                "no plugins, check what they changed in Sloth's rules"
            )
        slos = spec.get("slos")
        if not isinstance(slos, list) or not slos:
            self.problem((*at, "slos"), service, "no slos to convert")
            return
        for index, slo in enumerate(slos):
            path = (*at, "slos", index)
            name = slo.get("name") if isinstance(slo, dict) else None
            if not isinstance(slo, dict) or not isinstance(name, str):
                self.problem(path, "", "an SLO needs a name")
                continue
            try:
                objective = self.objective(slo, path, index, labels, keys, gathered)
            except _Skip as skip:
                self.problem(path, name, skip.message)
                continue
            gathered.objectives.append(objective)

    def objective(
        self,
        slo: dict[str, Any],
        path: YamlPath,
        index: int,
        service_labels: dict[str, str],
        keys: _Keys,
        service: _Service,
    ) -> _Objective:
        name = slo["name"]
        if not is_name(name):
            raise _Skip("slokit needs an SLO name of 1-63 letters, digits, '-', '_' or '.'")
        if any(o.document["name"] == name for o in service.objectives):
            raise _Skip(f"service {service.name} already has an SLO named {name}: slokit needs unique names")
        own_labels = _strings(slo.get("labels"))
        labels = {**service_labels, **own_labels}  # Sloth merges the SLO's over the service's
        target = _target(slo.get("objective"))
        sli, sli_comments = self.sli(slo.get("sli"), keys)
        kind, kind_from = self.kind(labels)
        team, team_from = self.team(labels)
        alerting, dropped = _alerting(slo.get("alerting"), own_labels, keys)
        known = service.owners.get(kind)
        if known is not None and known[0] != team:
            raise _Skip(
                f"owner team {shown(team)} differs from {shown(known[0])}, the team of the service's {kind} "
                f"objectives ({known[1]}): slokit has one team per kind and service"
            )
        service.owners.setdefault(kind, (team, team_from))
        for address in self.options.emails or _emails(labels):
            service.emails.setdefault(address, None)
        where = f"{self.file}:{self.doc.line_of(path)}"
        document: dict[str, Any] = {"name": name, "kind": kind}
        if isinstance(slo.get("description"), str) and slo["description"].strip():
            document["description"] = slo["description"].strip()
        document["target"] = target
        document["sli"] = {"ratio": sli}
        comments: dict[FieldPath, tuple[str, ...]] = {
            (): (f"from {where}, slos[{index}] {name}",),
            ("kind",): (kind_from,),
        }
        comments |= {("sli", "ratio", *key): lines for key, lines in sli_comments.items()}
        if plugins := _plugins(slo.get("plugins")):
            dropped.append(f"Sloth's SLO plugins left out: {plugins}; slokit runs no plugins")
        if alerting:
            document["alerting"] = alerting
            if dropped:
                comments[("alerting",)] = tuple(dropped)
        elif dropped:
            comments[()] = (*comments[()], *dropped)
        return _Objective(document, comments, labels)

    def sli(self, sli: Any, keys: _Keys) -> tuple[dict[str, str], dict[FieldPath, tuple[str, ...]]]:
        if not isinstance(sli, dict):
            raise _Skip(f"no sli: {keys.no_counts}")
        if "raw" in sli:
            raise _Skip(
                f"a raw error ratio (sli.raw.{keys.error_ratio_query}) gives no event counts: "
                + keys.no_counts
            )
        if "plugin" in sli:
            plugin = sli["plugin"]
            plugin_id = plugin.get("id") if isinstance(plugin, dict) else None
            shown = f" {plugin_id}" if isinstance(plugin_id, str) else ""
            raise _Skip(
                f"an SLI plugin (sli.plugin{shown}) gives no queries slokit can read: {keys.no_counts}"
            )
        events = sli.get("events")
        if not isinstance(events, dict):
            raise _Skip(f"no sli.events: {keys.no_counts}")
        out: dict[str, str] = {}
        comments: dict[FieldPath, tuple[str, ...]] = {}
        for sloth_key, slokit_key in ((keys.error_query, "bad_query"), (keys.total_query, "total_query")):
            query = events.get(sloth_key)
            if not isinstance(query, str) or not query.strip():
                raise _Skip(f"sli.events.{sloth_key} is missing: {keys.no_counts}")
            try:
                out[slokit_key], note = rewrite_window_query(query.strip())
            except Refused as exc:
                raise _Skip(f"sli.events.{sloth_key}: {exc}") from None
            comments[(slokit_key,)] = (note,)
        return out, comments

    def kind(self, labels: dict[str, str]) -> tuple[Kind, str]:
        written = labels.get(KIND_KEY)
        if written is not None:
            if written not in KINDS:
                raise _Skip(f"label {KIND_KEY}: {shown(written)} is not a kind: operational or application")
            return written, f"kind from the label {KIND_KEY}"
        if self.options.kind is not None:
            return self.options.kind, "kind from --kind"
        raise _Skip(f"no kind: give --kind operational|application, or the label {KIND_KEY}")

    def team(self, labels: dict[str, str]) -> tuple[str, str]:
        if self.options.team is not None:
            return self.options.team, "--team"
        owner = labels.get(TEAM_KEY, "").strip()
        if owner:
            return owner, f"Sloth's {TEAM_KEY} label"
        raise _Skip(f"no owner team: give --team, or the label {TEAM_KEY} in the Sloth spec")


class _Skip(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    # As Sloth (Go) reads a YAML map into strings: `true` is "true", not Python's "True".
    return {
        str(k): str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in value.items()
        if v is not None and not isinstance(v, dict | list)
    }


def _target(value: Any) -> float:
    if value is None:
        raise _Skip("no objective: Sloth's objective is the target percentage, e.g. 99.9")
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _Skip(f"objective {shown(value)} is not a percentage")
    if not 1 <= value < 100:
        why = (
            "leaves no error budget" if value >= 100 else "is below 1 %: slokit reads targets as percentages"
        )
        raise _Skip(f"objective {value:g} {why}: slokit needs a target from 1 to below 100")
    return float(value) if not float(value).is_integer() else int(value)


def _plugins(value: Any) -> str:
    """The ids of a Sloth plugin chain (``{chain: [{id: ...}]}``), comma-separated; empty when none."""
    chain = value.get("chain") if isinstance(value, dict) else None
    if not isinstance(chain, list):
        return ""
    return ", ".join(str(p.get("id", "?")) if isinstance(p, dict) else "?" for p in chain)


def _emails(labels: dict[str, str]) -> list[str]:
    return [a.strip() for a in labels.get(EMAIL_KEY, "").split(",") if a.strip()]


def _alerting(alerting: Any, slo_labels: dict[str, str], keys: _Keys) -> tuple[dict[str, Any], list[str]]:
    """Sloth's per-SLO alerting as the objective's ``alerting``, and comments on what was left out."""
    alerting = alerting if isinstance(alerting, dict) else {}
    reserved: dict[str, None] = {}
    invalid: dict[str, None] = {}

    def names(value: Any, kept: dict[str, None] | None = None) -> dict[str, str]:
        out = {}
        for key, item in _strings(value).items():
            if kept is not None and key in SLOKIT_ALERT_LABELS:
                reserved.setdefault(key, None)
            elif not _label_key(key):
                if not key.startswith("slokit.dev/"):  # read as the kind and emails, not meant as labels
                    invalid.setdefault(key, None)
            else:
                out[key] = item
        return out

    out: dict[str, Any] = {}
    name = alerting.get("name")
    if isinstance(name, str) and name.strip():
        if _ALERT_NAME.fullmatch(name.strip()) is None:
            raise _Skip(f"alerting.name {shown(name.strip())} is not an alert name Prometheus accepts")
        out["name"] = name.strip()
    # The SLO's labels are on all of Sloth's rules for it; slokit's records carry the service's only.
    if common := names({**slo_labels, **_strings(alerting.get("labels"))}, reserved):
        out["labels"] = common
    if annotations := names(alerting.get("annotations")):
        out["annotations"] = annotations
    for sloth_key, slokit_key in ((keys.page_alert, "page_alert"), (keys.ticket_alert, "ticket_alert")):
        alert = alerting.get(sloth_key)
        if not isinstance(alert, dict):
            continue
        severity: dict[str, Any] = {}
        if own := names(alert.get("labels"), reserved):
            severity["labels"] = own
        if own_annotations := names(alert.get("annotations")):
            severity["annotations"] = own_annotations
        if alert.get("disable") is True:
            severity["disable"] = True
        if severity:
            out[slokit_key] = severity
    comments = []
    waits = [
        f"{key} {alerting[key]['for']}"
        for key in (keys.page_alert, keys.ticket_alert)
        if isinstance(alerting.get(key), dict) and alerting[key].get("for") is not None
    ]
    if waits:
        comments.append(
            f"Sloth's alert for: left out ({', '.join(waits)}): slokit's burn alerts fire when both their "
            "long and short windows burn, with no for:"
        )
    if reserved:
        comments.append(
            f"Sloth's alert labels left out: {', '.join(reserved)} (slokit sets them on every alert)"
        )
    if invalid:
        comments.append(f"left out, not Prometheus label or annotation names: {', '.join(invalid)}")
    return out, comments


def _service(service: _Service) -> ConvertedService:
    # Labels every document of the service agrees on are the service's; the rest go on its objectives' alerts.
    first = service.objectives[0].labels
    common = {
        key: value
        for key, value in first.items()
        if all(o.labels.get(key) == value for o in service.objectives) and _label_key(key)
    }
    owners: dict[str, Any] = {}
    comments: dict[FieldPath, tuple[str, ...]] = {
        (): (
            "Converted by slokit import from:",
            *(f"- {source}" for source in service.sources),
            "Edit this file from now on: slokit does not read the Sloth spec.",
            *service.notes,
        ),
        ("window",): (
            f"Sloth's SLO period: its default, {DEFAULT_PERIOD} (a Sloth spec cannot choose another; "
            "--default-slo-period was Sloth's command line)",
        ),
    }
    for kind in KINDS:
        if kind in service.owners:
            team, where = service.owners[kind]
            owner: dict[str, Any] = {"team": team}
            if service.emails:
                owner["email"] = list(service.emails)
            owners[kind] = owner
            comments[("owners", kind, "team")] = (f"from {where}",)
    document: dict[str, Any] = {"apiVersion": "slokit/v1", "service": service.name, "owners": owners}
    document["window"] = DEFAULT_PERIOD
    invalid = {
        key: None
        for o in service.objectives
        for key in o.labels
        if not _label_key(key) and not key.startswith("slokit.dev/")
    }
    if invalid:
        note = f"Sloth labels left out, not Prometheus label names: {', '.join(invalid)}"
        above: FieldPath = ("labels",) if common else ()
        comments[above] = (*comments.get(above, ()), note)
    if common:
        document["labels"] = common
    objectives = []
    for index, objective in enumerate(service.objectives):
        item = objective.document
        extra = {
            key: value
            for key, value in objective.labels.items()
            if key not in common and _label_key(key) and key not in SLOKIT_ALERT_LABELS
        }
        if extra:
            alerting = item.get("alerting", {})
            labels = {**extra, **alerting.get("labels", {})}
            item["alerting"] = {k: v for k, v in {**alerting, "labels": labels}.items() if k in _ORDER}
            item["alerting"] = {k: item["alerting"][k] for k in _ORDER if k in item["alerting"]}
        objectives.append(item)
        for path, lines in objective.comments.items():
            comments[("objectives", index, *path)] = lines
    document["objectives"] = objectives
    return ConvertedService(service.name, ", ".join(dict.fromkeys(service.files)), document, comments)


def _label_key(key: str) -> bool:
    """A label slokit may carry: a Prometheus label name (so not the slokit.dev/ keys, read, not copied)."""
    return _LABEL_NAME.fullmatch(key) is not None and not key.startswith("__")
