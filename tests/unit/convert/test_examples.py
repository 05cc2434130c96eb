"""docs/examples-openslo.yaml and docs/examples-sloth.yaml, written by hand from the example definitions,
import as the examples' objectives."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from slokit.convert.model import ImportOptions
from slokit.convert.write import render
from slokit.spec import load
from slokit.spec.loader import Definitions
from slokit.spec.models import ServiceSpec

ROOT = Path(__file__).parents[3]


def _imported(format: str, tmp_path: Path) -> dict[str, ServiceSpec]:
    import importlib

    converter = importlib.import_module(f"slokit.convert.{format}")
    conversion = converter.convert([ROOT / "docs" / f"examples-{format}.yaml"], ImportOptions())
    assert conversion.problems == ()
    for service in conversion.services:
        (tmp_path / f"{service.service}.yaml").write_text(render(service), encoding="utf-8")
    return _by_name(load([tmp_path]))


def _by_name(definitions: Definitions) -> dict[str, ServiceSpec]:
    return {loaded.spec.service: loaded.spec for loaded in definitions.services}


@pytest.fixture(scope="module")
def examples() -> dict[str, ServiceSpec]:
    return _by_name(load([ROOT / "slo_definitions"]))


def test_openslo_examples_import_as_the_example_objectives(
    examples: dict[str, ServiceSpec], tmp_path: Path
) -> None:
    imported = _imported("openslo", tmp_path)
    assert imported.keys() == examples.keys()
    for name, spec in examples.items():
        back = imported[name]
        assert [o.name for o in back.objectives] == [o.name for o in spec.objectives]
        for old, new in zip(spec.objectives, back.objectives, strict=True):
            assert (new.kind, new.target, new.sli, new.description) == (
                old.kind,
                old.target,
                old.sli,
                old.description,
            )
            assert (new.runbook, new.attribute_by) == (old.runbook, old.attribute_by)
            assert back.window_for(new) == spec.window_for(old)
            assert back.owners.for_kind(new.kind) == spec.owners.for_kind(old.kind)
        assert (back.alerting, back.labels, back.runbook, back.description) == (
            spec.alerting,
            spec.labels,
            spec.runbook,
            spec.description,
        )


# Objectives with no Sloth equivalent: minutes (time slices), which Sloth's events cannot count.
NOT_IN_SLOTH = {("checkout", "uptime"), ("payments", "queue-health")}


def test_sloth_examples_import_as_the_example_objectives_sloth_can_express(
    examples: dict[str, ServiceSpec], tmp_path: Path
) -> None:
    imported = _imported("sloth", tmp_path)
    assert imported.keys() == examples.keys()
    for name, spec in examples.items():
        back = imported[name]
        expected = [o for o in spec.objectives if (name, o.name) not in NOT_IN_SLOTH]
        assert [o.name for o in back.objectives] == [o.name for o in expected]
        for old, new in zip(expected, back.objectives, strict=True):
            assert (new.kind, new.target, new.description) == (old.kind, old.target, old.description)
            owner, original = back.owners.for_kind(new.kind), spec.owners.for_kind(old.kind)
            assert owner is not None and original is not None and owner.team == original.team
            assert back.window_for(new) == timedelta(days=30)  # Sloth's one period
    # The events: the errors Sloth counts are the bad events, over the same total, as increase().
    availability = imported["checkout"].objectives[0].sli.ratio
    assert availability is not None
    assert (
        availability.bad_query
        == 'sum(increase(http_requests_total{job="checkout",code=~"5.."}[{{ window }}]))'
    )
    assert availability.total_query == 'sum(increase(http_requests_total{job="checkout"}[{{ window }}]))'
    latency = imported["search"].objectives[0].sli.ratio
    assert latency is not None
    assert latency.bad_query == (
        'sum(increase(http_request_duration_seconds_count{job="search"}[{{ window }}])) - '
        'sum(increase(http_request_duration_seconds_bucket{job="search",le="0.25"}[{{ window }}]))'
    )
