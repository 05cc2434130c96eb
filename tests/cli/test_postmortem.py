"""``slokit postmortem`` on the bundled snapshot: the golden draft, exit codes, exact messages, overrides.

The golden is checkout/uptime's incident of 2026-11-11 09:00 to 09:09, the one the demo report lists under
"Postmortems required" (41.7 % of the budget: 9 bad one-minute slices of 43,200 against a budget of 21.6).
Checked by hand once: during it every slice was bad (SLI 0 %), so every step burns at 1 / 0.0005 = 2,000x and
the page 1h/5m tier (14.4x) fires at the first minute; checkout/availability's 5xx burst of 09:00 to 09:45
(19.8 %) overlaps it. After a deliberate change, regenerate it with ``SLOKIT_UPDATE_GOLDEN=1 pytest
tests/cli/test_postmortem.py`` and read the diff before committing.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "postmortem.md"
SNAPSHOT = ["--snapshot", "slo_definitions/snapshot.json.gz"]
SECTIONS = [
    "## Summary",
    "## Impact",
    "## Timeline (UTC)",
    "## Owners",
    "## Attribution",
    "## What happened",
    "## Contributing factors",
    "## What went well",
    "## Where we got lucky",
    "## What we learn",
    "## Action items",
]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # definition paths in the draft are relative, as a user would type them


def postmortem(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["postmortem", "slo_definitions", *SNAPSHOT, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_draft_of_the_demo_incident_matches_golden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "postmortem.md"
    code, printed, err = postmortem(capsys, "--objective", "checkout/uptime", "-o", str(out))
    assert (code, printed, err) == (0, "", "")
    rendered = out.read_text(encoding="utf-8")
    if os.environ.get("SLOKIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_default_incident_is_the_largest_needing_a_postmortem_and_equals_its_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, default, _ = postmortem(capsys, "--objective", "checkout/uptime")
    code, third, _ = postmortem(capsys, "--objective", "checkout/uptime", "--incident", "3")
    assert code == 0
    assert default == third
    assert default.startswith("# Postmortem draft: checkout/uptime, incident 3 of 4\n")
    assert "- **When**: 2026-11-11 09:00 to 09:09 UTC\n" in default


def test_draft_has_every_section_and_no_blame_wording(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = postmortem(capsys, "--objective", "checkout/order-completion")
    assert (code, err) == (0, "")
    positions = [out.index(section + "\n") for section in SECTIONS]
    assert positions == sorted(positions)
    assert "| Action | Owner kind | Owner team | Priority | Ticket |" in out
    assert "|  | operational | platform-ops |  |  |" in out
    assert "|  | application | checkout-dev |  |  |" in out
    for word in ("blame ", "fault of", "human error", "should have", "caused by"):
        assert word not in out.lower()
    # ongoing: it lasts until the snapshot's time, and the 3d/6h ticket tier is still firing then
    assert "- **When**: since 2026-11-14 09:00 UTC (ongoing)\n" in out
    assert "- **How long**: 6d so far\n" in out
    assert "still firing at the evaluation time" in out


def test_releases_and_attribution_are_unknown_from_a_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    from slokit.spec import load

    # The example objective that names attribute_by labels, in a service that defines its releases.
    (service, objective) = next(
        (s.spec, o)
        for s in load([ROOT / "slo_definitions"]).services
        for o in s.spec.objectives
        if o.attribute_by
    )
    assert service.releases is not None
    code, out, err = postmortem(capsys, "--objective", f"{service.service}/{objective.name}")
    assert (code, err) == (0, "")
    assert "Releases: unknown from a snapshot (it holds the SLIs' events only).\n" in out
    labels = ", ".join(objective.attribute_by)
    assert f"Bad events by {labels}: unknown from a snapshot (it holds the SLIs' events only).\n" in out


def test_unknown_objective_is_exit_2_naming_the_objectives(capsys: pytest.CaptureFixture[str]) -> None:
    assert postmortem(capsys, "--objective", "checkout/nope") == (
        2,
        "",
        "error: --objective checkout/nope: service checkout has no objective 'nope' (objectives: "
        "availability, latency, uptime, order-completion)\n",
    )
    assert postmortem(capsys, "--objective", "uptime") == (
        2,
        "",
        "error: --objective 'uptime': give it as SERVICE/OBJECTIVE, e.g. checkout/availability\n",
    )


def test_incident_out_of_range_is_exit_2_saying_how_many_there_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for number in ("5", "0"):
        assert postmortem(capsys, "--objective", "checkout/uptime", "--incident", number) == (
            2,
            "",
            f"error: --incident {number}: checkout/uptime had 4 incidents in its window at "
            "2026-11-20 09:00 UTC (choose 1 to 4)\n",
        )


def test_an_ongoing_incidents_duration_in_the_impact_table_is_so_far(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # checkout/order-completion burns from 2026-11-14 09:00 to the snapshot's time, 2026-11-20 09:00: 6 days.
    code, out, _ = postmortem(capsys, "--objective", "checkout/order-completion")
    assert code == 0
    assert "| Duration | 6d so far |\n" in out


def test_at_drafts_the_incident_in_progress_then(capsys: pytest.CaptureFixture[str]) -> None:
    # checkout/uptime's incident 3 runs from 2026-11-11 09:00 to 09:09: its start, a time before its end,
    # and 09:04 in Unix seconds.
    _, third, _ = postmortem(capsys, "--objective", "checkout/uptime", "--incident", "3")
    for at in ("2026-11-11T09:00:00Z", "2026-11-11T09:08:59Z", "1794387840"):
        code, out, err = postmortem(capsys, "--objective", "checkout/uptime", "--at", at)
        assert (code, err) == (0, "")
        assert out == third


def test_at_in_no_incident_is_exit_2_listing_the_objectives_incidents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert postmortem(capsys, "--objective", "checkout/uptime", "--at", "2026-11-11T09:09:00Z") == (
        2,
        "",
        "error: --at 2026-11-11T09:09:00Z: checkout/uptime had no incident in progress then (4 incidents in "
        "its window at 2026-11-20 09:00 UTC: 2026-11-04 16:56 to 16:57 UTC; 2026-11-07 21:08 to 21:09 UTC; "
        "2026-11-11 09:00 to 09:09 UTC; 2026-11-15 02:58 to 02:59 UTC)\n",
    )


def test_at_before_the_snapshots_window_is_exit_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert postmortem(capsys, "--objective", "checkout/uptime", "--at", "2026-10-01T00:00:00Z") == (
        2,
        "",
        "error: --at 2026-10-01T00:00:00Z is before checkout/uptime's window in "
        "slo_definitions/snapshot.json.gz (2026-10-21 09:00 to 2026-11-20 09:00 UTC): a snapshot holds the "
        "window up to its own time only\n",
    )


def test_incident_and_at_together_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--objective", "checkout/uptime", "--incident", "3", "--at", "2026-11-11T09:00:00Z")
    assert postmortem(capsys, *args) == (
        2,
        "",
        "error: --incident and --at both choose the incident: give one (--incident N counts the incidents in "
        "the window now, --at TIME picks the one in progress at TIME)\n",
    )


def test_no_incident_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert postmortem(capsys, "--objective", "checkout/latency") == (
        2,
        "",
        "error: checkout/latency had no incidents in its window at 2026-11-20 09:00 UTC: there is nothing to "
        "draft a postmortem for\n",
    )


def test_template_override_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "postmortem.md.j2").write_text("{{ pm.service }}/{{ pm.objective }} #{{ pm.number }}\n")
    code, out, err = postmortem(capsys, "--objective", "checkout/uptime", "--templates", str(tmp_path))
    assert (code, out, err) == (0, "checkout/uptime #3\n", "")


def test_missing_templates_dir_is_refused_and_the_file_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "draft.md"
    out.write_text("last week's draft\n")
    nope = tmp_path / "nope"
    code, _, err = postmortem(
        capsys, "--objective", "checkout/uptime", "-o", str(out), "--templates", str(nope)
    )
    assert (code, err) == (2, f"error: --templates {nope}: no such directory\n")
    assert out.read_text() == "last week's draft\n"


def test_out_file_holds_what_stdout_would(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "draft.md"
    _, printed, _ = postmortem(capsys, "--objective", "payments/queue-health")
    assert postmortem(capsys, "--objective", "payments/queue-health", "-o", str(out)) == (0, "", "")
    assert out.read_text(encoding="utf-8") == printed


def test_source_down_is_exit_3_and_no_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    out = tmp_path / "draft.md"
    code = run(
        [
            "postmortem",
            "slo_definitions",
            "--objective",
            "checkout/uptime",
            "--prometheus-url",
            url,
            "--config",
            str(tmp_path / "slokit.yaml"),
            "--source",
            "raw",
            "-o",
            str(out),
        ]
    )
    assert (code, capsys.readouterr()) == (
        3,
        ("", f"error: checkout/uptime: cannot connect to Prometheus at {url}: connection refused\n"),
    )
    assert not out.exists()


def test_every_command_the_report_prints_drafts_that_incident(capsys: pytest.CaptureFixture[str]) -> None:
    import re
    import shlex

    assert run(["report", "slo_definitions", *SNAPSHOT, "--format", "markdown"]) == 0
    report = capsys.readouterr().out
    lines = re.findall(
        r"^- \*\*(\S+)\*\* \(.*\): incident (.+) consumed (\S+) of the error budget .* Draft it: `(.+)`$",
        report,
        flags=re.MULTILINE,
    )
    assert len(lines) == 5  # the demo's five postmortems
    for key, span, share, command in lines:
        words = shlex.split(command)
        assert words[:2] == ["slokit", "postmortem"]
        assert run(words[1:]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert out.startswith(f"# Postmortem draft: {key}, incident ")
        assert f"- **When**: {span}\n" in out
        assert f"- **Error budget consumed**: {share} of the window's budget\n" in out
