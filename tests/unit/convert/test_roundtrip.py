"""Export to OpenSLO, then import: the same objectives (names, kinds, teams, targets, windows, SLIs, alert
names and labels) and alert tiers, for definitions hypothesis generates."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slokit.convert.export import export
from slokit.convert.model import ImportOptions
from slokit.convert.openslo import convert
from slokit.convert.write import render
from slokit.spec import load
from slokit.spec.loader import Definitions

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True)
TEAMS = st.sampled_from(["platform-ops", "checkout-dev", "Équipe Paiements", "sre"])
METRICS = st.sampled_from(["http_requests_total", "jobs_total", "app:events:count"])
SELECTORS = st.builds(
    lambda metric, job: f'{metric}{{job="{job}"}}' if job else metric,
    METRICS,
    st.sampled_from(["", "api", "w-1"]),
)
ROLLING = st.one_of(
    st.integers(7, 90).map(lambda d: f"{d}d"), st.integers(7 * 24, 60 * 24).map(lambda h: f"{h}h")
)
CALENDAR = st.fixed_dictionaries(
    {
        "calendar": st.sampled_from(["month", "week", "quarter"]),
        "timezone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
    }
)
WINDOWS = st.one_of(ROLLING, CALENDAR)
TARGETS = st.one_of(st.integers(90, 99), st.integers(9000, 9999).map(lambda t: t / 100))


def _ratio(draw: Any) -> dict[str, Any]:
    role = draw(st.sampled_from(["good", "bad"]))
    if draw(st.booleans()):
        return {"ratio": {role: draw(SELECTORS), "total": draw(SELECTORS)}}
    query = "sum(increase({}[{{{{ window }}}}]))"
    return {
        "ratio": {
            f"{role}_query": query.format(draw(SELECTORS)),
            "total_query": query.format(draw(SELECTORS)),
        }
    }


@st.composite
def slis(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ratio", "latency", "timeslices"]))
    if kind == "ratio":
        return _ratio(draw)
    if kind == "latency":
        histogram = draw(st.sampled_from(["http_request_duration_seconds", 'rpc_seconds{service="cart"}']))
        return {"latency": {"histogram": histogram, "threshold": draw(st.sampled_from([0.1, 0.25, 1, 2.5]))}}
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    value = draw(st.sampled_from([0, 1, 0.5, 1000]))
    slice_ = draw(st.sampled_from(["1m", "5m"]))
    return {"timeslices": {"query": f"max({draw(SELECTORS)})", "good": f"{op} {value}", "slice": slice_}}


@st.composite
def services(draw: Any) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    objectives = []
    for name in names:
        objective: dict[str, Any] = {
            "name": name,
            "kind": draw(st.sampled_from(["operational", "application"])),
            "target": draw(TARGETS),
        }
        if draw(st.booleans()):
            objective["window"] = draw(WINDOWS)
        objective["sli"] = draw(slis())
        alert = draw(st.sampled_from([None, "CartBurn", "slow_burn"]))
        if alert is not None:
            objective["alerting"] = {"name": alert, "labels": {"channel": draw(NAMES)}}
        objectives.append(objective)
    kinds = {o["kind"] for o in objectives}
    owners = {}
    for kind in sorted(kinds):
        emails = draw(st.lists(st.sampled_from(["a@example.com", "b@example.org"]), unique=True, max_size=2))
        owners[kind] = {"team": draw(TEAMS), "email": emails}
    document: dict[str, Any] = {
        "apiVersion": "slokit/v1",
        "service": draw(NAMES),
        "owners": owners,
        "window": draw(WINDOWS),
        "objectives": objectives,
    }
    if draw(st.booleans()):
        # Tiers slokit accepts on every generated window (7 days and more): pages at 1x or more.
        page = st.sampled_from(
            [{"long": "1h", "short": "5m", "budget": 2}, {"long": "6h", "short": "30m", "budget": 5}]
        )
        ticket = st.sampled_from(
            [{"long": "1d", "short": "2h", "budget": 10}, {"long": "3d", "short": "6h", "budget": 12.5}]
        )
        document["alerting"] = {
            "page": draw(st.lists(page, max_size=2, unique_by=lambda t: t["long"])),
            "ticket": draw(st.lists(ticket, max_size=2, unique_by=lambda t: t["long"])),
        }
    return document


def _load(folder: Path, name: str, text: str) -> Definitions:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load([path])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services())
def test_export_then_import_gives_the_same_objectives(document: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        original = _load(Path(folder), "original.yaml", yaml.safe_dump(document, sort_keys=False))
        text, problems = export(original)
        assert problems == []
        exported = Path(folder) / "exported.openslo.yaml"
        exported.write_text(text, encoding="utf-8")
        conversion = convert([exported], ImportOptions())
        assert conversion.problems == ()
        (converted,) = conversion.services
        back = _load(Path(folder), "back.yaml", render(converted))
    (before,) = original.services
    (after,) = back.services
    assert after.spec.service == before.spec.service
    assert len(after.spec.objectives) == len(before.spec.objectives)
    for old, new in zip(before.spec.objectives, after.spec.objectives, strict=True):
        assert (new.name, new.kind, new.target, new.sli) == (old.name, old.kind, old.target, old.sli)
        assert new.alerting == old.alerting
        assert after.spec.window_for(new) == before.spec.window_for(old)
        assert after.spec.owners.for_kind(new.kind) == before.spec.owners.for_kind(old.kind)
    assert after.spec.alerting == before.spec.alerting
