"""The burn alerts' name, labels and annotations in a definition (``alerting`` and ``objectives[].alerting``):
refused where Prometheus or slokit's own labels would not take them, at the field's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.errors import DefinitionError
from slokit.spec.loader import load

BASE = """\
apiVersion: slokit/v1
service: shop
owners: {application: {team: web}}
alerting:
  SERVICE
objectives:
  - name: orders
    kind: application
    target: 99
    sli: {ratio: {bad: 'req_total{code="500"}', total: req_total}}
    alerting:
      OBJECTIVE
"""


def _problems(tmp_path: Path, service: str, objective: str = "name: OrdersBurn") -> list[str]:
    path = tmp_path / "shop.yaml"
    path.write_text(BASE.replace("SERVICE", service).replace("OBJECTIVE", objective), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load([path])
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


def test_a_valid_alerting_output_loads(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    service = "{name: ShopBurn, labels: {severity: critical}, page_alert: {disable: true}}"
    path.write_text(
        BASE.replace("SERVICE", service).replace("OBJECTIVE", "ticket_alert: {labels: {tier: 1}}"),
        encoding="utf-8",
    )
    (loaded,) = load([path]).services
    alerting = loaded.spec.objectives[0].alerting
    assert alerting is not None and alerting.ticket_alert is not None
    assert alerting.ticket_alert.labels == {"tier": "1"}  # a number written as a label value becomes text
    assert loaded.spec.alerting.name == "ShopBurn"


def test_a_label_slokit_sets_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "labels: {team: pager}") == [
        "5: alerting.labels: label 'team' is set by slokit on every alert: choose another name"
    ]


def test_an_alert_name_prometheus_refuses_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "page_alert: {disable: false}", "name: orders-burn") == [
        "12: objectives[0].alerting.name: must be an alert name: ASCII letters, digits, '_' and ':', not "
        "starting with a digit (got 'orders-burn')"
    ]


def test_an_annotation_name_that_is_not_a_label_name_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "ticket_alert: {annotations: {run-book: x}}") == [
        "5: alerting.ticket_alert.annotations: annotation name must be ASCII letters (a-z, A-Z), digits "
        "and '_', not starting with a digit (got 'run-book')"
    ]
