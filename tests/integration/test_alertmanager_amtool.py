"""The generated Alertmanager routing through Alertmanager's own tool: ``amtool check-config`` accepts it and
``amtool config routes test`` sends each label set where the owners say (issue 12, routing for the two teams).

The label sets are the ones the generated alerts carry (kind, team, severity, service, objective), written
here from the example definitions' owners, not from the generator.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from slokit.cli import run
from slokit.spec.models import Kind

from .servers import require_binary

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
HOSTILE_TEAM = 'ops "night" \\ it\'s ☃'


@pytest.fixture(scope="module")
def amtool() -> str:
    return require_binary("amtool", "prometheus-alertmanager")


def write_config(tmp_path: Path, definitions: Path, primary: Kind | None = None) -> Path:
    """What `slokit rules --alertmanager [--alertmanager-primary KIND] -o FILE` writes."""
    path = tmp_path / ("primary.yml" if primary else "owners.yml")
    extra = ["--alertmanager-primary", primary] if primary else []
    assert run(["rules", str(definitions), "--alertmanager", *extra, "-o", str(path)]) == 0
    return path


def routes(amtool: str, config: Path, *labels: str) -> str:
    done = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *labels],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def alert(kind: str, team: str, severity: str, service: str, objective: str) -> list[str]:
    return [
        "alertname=ErrorBudgetBurn",
        f"kind={kind}",
        f"team={team}",
        f"severity={severity}",
        f"service={service}",
        f"objective={objective}",
    ]


@pytest.mark.parametrize("primary", [None, "operational"])
def test_amtool_check_config_accepts_the_routing_of_the_examples(
    amtool: str, tmp_path: Path, primary: Kind | None
) -> None:
    config = write_config(tmp_path, REPO / "slo_definitions", primary)
    done = subprocess.run(
        [amtool, "check-config", str(config)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # the root's default, the unrouted one, and a page and a ticket receiver for each of the four teams
    assert "SUCCESS" in done.stdout and " - 10 receivers" in done.stdout


def test_an_operational_page_reaches_the_devops_teams_page_receiver(amtool: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, REPO / "slo_definitions")
    labels = alert("operational", "platform-ops", "page", "checkout", "availability")
    assert routes(amtool, config, *labels) == "platform-ops-page"


def test_an_application_page_reaches_the_software_teams_page_receiver(amtool: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, REPO / "slo_definitions")
    labels = alert("application", "checkout-dev", "page", "checkout", "order-completion")
    assert routes(amtool, config, *labels) == "checkout-dev-page"


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (alert("operational", "platform-ops", "ticket", "payments", "queue-health"), "platform-ops-ticket"),
        (
            alert("application", "payments-dev", "ticket", "payments", "authorisation-success"),
            "payments-dev-ticket",
        ),
        (alert("application", "discovery-dev", "page", "search", "search-latency"), "discovery-dev-page"),
        # a tier's own severity goes to the team's ticket receiver, not nowhere
        (
            alert("application", "checkout-dev", "warning", "checkout", "order-completion"),
            "checkout-dev-ticket",
        ),
        # a team the definitions no longer name: caught by the subtree, not lost in the catch-all
        (alert("operational", "old-team", "page", "checkout", "availability"), "slokit-unrouted"),
        # not a slokit alert: the rest of the user's tree decides
        (["alertname=NodeDown", "severity=page"], "default"),
    ],
)
def test_every_label_set_goes_to_its_owner(
    amtool: str, tmp_path: Path, labels: list[str], receiver: str
) -> None:
    assert routes(amtool, write_config(tmp_path, REPO / "slo_definitions"), *labels) == receiver


def test_with_devops_primary_every_page_reaches_devops_and_the_software_team_is_told(
    amtool: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, REPO / "slo_definitions", "operational")
    application = alert("application", "checkout-dev", "page", "checkout", "order-completion")
    assert routes(amtool, config, *application) == "checkout-dev-ticket,platform-ops-page"
    operational = alert("operational", "platform-ops", "page", "checkout", "availability")
    assert routes(amtool, config, *operational) == "platform-ops-page"
    ticket = alert("application", "payments-dev", "ticket", "payments", "authorisation-success")
    assert routes(amtool, config, *ticket) == "payments-dev-ticket,platform-ops-ticket"


def test_a_team_name_with_quotes_backslashes_and_apostrophes_is_matched_exactly(
    amtool: str, tmp_path: Path
) -> None:
    slo = tmp_path / "slo"
    slo.mkdir()
    text = (REPO / "slo_definitions" / "checkout.yaml").read_text(encoding="utf-8")
    team = HOSTILE_TEAM.replace("\\", "\\\\").replace('"', '\\"')
    (slo / "checkout.yaml").write_text(
        text.replace("team: checkout-dev,", f'team: "{team}",'), encoding="utf-8"
    )
    config = write_config(tmp_path, slo)
    done = subprocess.run(
        [amtool, "check-config", str(config)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # amtool reads each label argument as a matcher: the value quoted, its quotes and backslashes escaped
    labels = alert("application", "X", "page", "checkout", "order-completion")
    labels[2] = 'team="ops \\"night\\" \\\\ it\'s ☃"'
    assert routes(amtool, config, *labels) == f"{HOSTILE_TEAM}-page"
    labels[2] = 'team="ops \\"night\\" it\'s ☃"'  # without the backslash: another team, unrouted
    assert routes(amtool, config, *labels) == "slokit-unrouted"


TWO_SERVICES = """\
apiVersion: slokit/v1
service: {service}
owners:
  operational: {{team: ops-{service}}}
  application: {{team: dev-{service}}}
objectives:
  - name: availability
    kind: operational
    target: 99.9
    sli:
      ratio:
        good: 'http_requests_total{{job="{service}",code!~"5.."}}'
        total: 'http_requests_total{{job="{service}"}}'
  - name: checkout
    kind: application
    target: 99
    sli:
      ratio: {{good: 'orders_total{{job="{service}",ok="true"}}', total: 'orders_total{{job="{service}"}}'}}
"""


def test_with_devops_primary_each_service_pages_its_own_devops_team(amtool: str, tmp_path: Path) -> None:
    # Two services with different operational owners: each service's alerts reach its own DevOps team
    # (the routing sent every alert to the last operational team before).
    slo = tmp_path / "slo"
    slo.mkdir()
    for service in ("a", "b"):
        (slo / f"{service}.yaml").write_text(TWO_SERVICES.format(service=service), encoding="utf-8")
    config = write_config(tmp_path, slo, "operational")
    done = subprocess.run(
        [amtool, "check-config", str(config)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert routes(amtool, config, *alert("operational", "ops-a", "page", "a", "availability")) == "ops-a-page"
    assert routes(amtool, config, *alert("operational", "ops-b", "page", "b", "availability")) == "ops-b-page"
    application = alert("application", "dev-b", "page", "b", "checkout")
    assert routes(amtool, config, *application) == "dev-b-ticket,ops-b-page"
