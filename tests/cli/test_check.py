"""``slokit check``: exit codes and verdicts on the demo snapshot and on a fleet with every status; the JUnit
file against the Jenkins/Ant JUnit XSD; GitHub annotations and step summary with the variables set to
temporary files.

The demo (``slo_definitions/``): payments/queue-health is exhausted and its policy is ``freeze_on: warning``;
checkout/order-completion is ``warning`` (11.8 % left, a ticket tier firing, no page tier); the rest are ok.
The fleet (built here, replayed from a snapshot written in a temporary directory): shop/uptime exhausted
(operational), shop/burning a page tier firing (application), shop/steady ok (application), shop/quiet no
data (application), shop/faulty a source error (operational).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import xmlschema

from slokit import pipeline
from slokit.cli import run
from slokit.settings import REDACT
from slokit.sources.base import GOOD, TOTAL, FetchedSeries
from slokit.sources.snapshot import write_snapshot
from slokit.spec import load

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
XSD = ROOT / "tests" / "fixtures" / "junit.xsd"

QUEUE = "payments/queue-health (operational, platform-ops)"
ORDERS = "checkout/order-completion (application, checkout-dev)"
DEMO_FAIL = f"FAIL: 1 objective has exhausted its budget: {QUEUE} -14.1% remaining"


@pytest.fixture(autouse=True)
def outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite may itself run under GitHub Actions: no annotations or summaries unless a test asks."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)  # definition paths in the output are relative, as a user would type them


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    code = run(["check", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


# --- the demo snapshot -------------------------------------------------------------------------------------


def test_demo_fails_on_the_exhausted_queue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, *DEMO)
    assert code == 1
    assert out == [
        DEMO_FAIL,
        "",
        "  FAIL  payments/queue-health           operational  platform-ops   EXHAUSTED  -14.1% left  "
        "gate: warning (policy)",
        "  PASS  checkout/availability           operational  platform-ops   OK          60.2% left  "
        "gate: exhausted (policy)",
        "  PASS  checkout/latency                operational  platform-ops   OK          60.1% left  "
        "gate: exhausted (policy)",
        "  PASS  checkout/uptime                 operational  platform-ops   OK          44.4% left  "
        "gate: exhausted (policy)",
        "  PASS  checkout/order-completion       application  checkout-dev   WARNING     11.8% left  "
        "gate: exhausted (policy)",
        "  PASS  payments/authorisation-success  application  payments-dev   OK          80.2% left  "
        "gate: warning (policy)",
        "  PASS  search/search-latency           application  discovery-dev  OK          40.1% left  "
        "gate: exhausted (policy)",
        "  PASS  search/search-availability      operational  platform-ops   OK          92.0% left  "
        "gate: exhausted (policy)",
    ]
    assert err == []


# (arguments, exit code, verdict) on the demo snapshot
DEMO_CASES = [
    ([], 1, DEMO_FAIL),
    (["--team", "operational"], 1, DEMO_FAIL),
    # team scoping: the exhausted operational objective does not block an application-only gate
    (["--team", "application"], 0, "PASS: all 3 objectives pass their gates"),
    (["--team", "application", "--fail-on", "exhausted"], 0, "PASS: all 3 objectives pass their gates"),
    # order-completion fires a ticket tier, not a page tier: page passes, warning fails
    (["--team", "application", "--fail-on", "page"], 0, "PASS: all 3 objectives pass their gates"),
    (
        ["--team", "application", "--fail-on", "warning"],
        1,
        f"FAIL: 1 objective fails its gate: {ORDERS} WARNING 11.8% remaining",
    ),
    (["--fail-on", "exhausted"], 1, DEMO_FAIL),
    (["--fail-on", "page"], 1, DEMO_FAIL),
    (
        ["--fail-on", "warning"],
        1,
        f"FAIL: 2 objectives fail their gates: {ORDERS} WARNING 11.8% remaining, "
        f"{QUEUE} EXHAUSTED -14.1% remaining",
    ),
    (["--service", "checkout"], 0, "PASS: all 4 objectives pass their gates"),
    (
        ["--service", "checkout", "--fail-on", "warning"],
        1,
        f"FAIL: 1 objective fails its gate: {ORDERS} WARNING 11.8% remaining",
    ),
    (["--service", "checkout", "--service", "search"], 0, "PASS: all 6 objectives pass their gates"),
    (["--objective", "queue-health"], 1, DEMO_FAIL),
    (["--objective", "authorisation-success"], 0, "PASS: 1 objective passes its gate"),
    (
        ["--exempt", "P0 fix INC-123"],
        0,
        f"PASS (exempt: P0 fix INC-123): 1 objective has exhausted its budget: {QUEUE} -14.1% remaining",
    ),
    (
        ["--team", "application", "--exempt", "P0 fix INC-123"],
        0,
        "PASS: all 3 objectives pass their gates (exemption not needed: P0 fix INC-123)",
    ),
    (["--on-error", "pass"], 1, DEMO_FAIL),
    (["--at", "2026-11-20T09:00:00Z"], 1, DEMO_FAIL),
]


@pytest.mark.parametrize(("args", "code", "verdict"), DEMO_CASES, ids=[" ".join(c[0]) for c in DEMO_CASES])
def test_demo_verdicts(args: list[str], code: int, verdict: str, capsys: pytest.CaptureFixture[str]) -> None:
    got, out, _ = check(capsys, *DEMO, *args)
    assert (got, out[0]) == (code, verdict)


def test_exempt_prints_the_reason_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, *DEMO, "--exempt", "P0 fix INC-123")
    assert code == 0
    assert err == [f"warning: gate failure exempted (P0 fix INC-123): {QUEUE} EXHAUSTED"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exempt", " "], "error: --exempt needs a reason, e.g. --exempt 'P0 fix INC-123'"),
        (
            ["--service", "nope"],
            "error: nothing to check: no objective matches the selection (--team, --service, --objective); "
            "a gate that checks nothing would always pass",
        ),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, *DEMO, *args)
    assert (code, out, err) == (2, [], [message])


def test_bad_option_values_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", *DEMO, "--fail-on", "never"]) == 2
    assert "--fail-on" in capsys.readouterr().err
    assert run(["check", *DEMO, "--on-error", "ignore"]) == 2
    assert "--on-error" in capsys.readouterr().err


def test_bad_definitions_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: slokit/v1\nservice: shop\nowners:\n  operational: {team: ops}\nobjectives:\n"
        "  - name: x\n    kind: operational\n    target: 120\n    sli:\n      ratio: {good: a, total: b}\n"
    )
    code, out, err = check(capsys, str(tmp_path), "--snapshot", "slo_definitions/snapshot.json.gz")
    assert (code, out) == (2, [])
    assert err == [f"{tmp_path / 'bad.yaml'}:8: objectives[0].target: must be below 100 (got 120)"]


def test_missing_snapshot_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, "slo_definitions", "--snapshot", "nope.json.gz")
    assert (code, err) == (2, ["error: nope.json.gz: snapshot file not found"])


# --- a fleet with every status -----------------------------------------------------------------------------

FLEET = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: platform-ops}
  application: {team: shop-dev}
objectives:
  - name: uptime
    kind: operational
    target: 99.9
    sli: {ratio: {good: up_ok_total, total: up_total}}
  - name: burning
    kind: application
    target: 99.9
    sli: {ratio: {good: burn_ok_total, total: burn_total}}
  - name: steady
    kind: application
    target: 99.9
    sli: {ratio: {good: steady_ok_total, total: steady_total}}
  - name: quiet
    kind: application
    target: 99.9
    sli: {ratio: {good: quiet_ok_total, total: quiet_total}}
  - name: faulty
    kind: operational
    target: 99.9
    sli: {ratio: {good: faulty_ok_total, total: faulty_total}}
"""
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FAULT = "shop/faulty: Prometheus answered HTTP 503: overloaded, try again"

UPTIME = "shop/uptime (operational, platform-ops)"
BURNING = "shop/burning (application, shop-dev)"
QUIET = "shop/quiet (application, shop-dev)"
FAULTY = "shop/faulty (operational, platform-ops)"


def fleet_series(key: str, points: int) -> dict[str, np.ndarray] | None:
    total = np.full(points, 1000.0)
    if key == "shop/uptime":
        return {GOOD: total - 2.0, TOTAL: total}  # 0.2 % bad against a 0.1 % budget: -100 % left
    if key == "shop/burning":
        bad = np.zeros(points)
        bad[-12:] = 25.0  # 2.5 % bad in the last hour: 25x burn, only the 1h/5m page tier fires
        return {GOOD: total - bad, TOTAL: total}
    if key == "shop/steady":
        return {GOOD: total, TOTAL: total}
    if key == "shop/quiet":
        return {GOOD: np.full(points, np.nan), TOTAL: np.full(points, np.nan)}
    return None  # faulty: the snapshot records the source's error


@pytest.fixture
def fleet(tmp_path: Path) -> list[str]:
    """Definitions and a snapshot in tmp_path; returns the arguments for ``check``."""
    (tmp_path / "shop.yaml").write_text(FLEET)
    definitions = load([tmp_path / "shop.yaml"])
    fetched = []
    for plan in pipeline.plan(definitions, AT):
        series = fleet_series(plan.key, plan.query.points)
        fetched.append(
            FetchedSeries(plan.query, series=series)
            if series is not None
            else FetchedSeries(plan.query, error=FAULT)
        )
    write_snapshot(tmp_path / "snap.json", AT, fetched, {})
    return [str(tmp_path / "shop.yaml"), "--snapshot", str(tmp_path / "snap.json")]


FLEET_CASES = [
    # gate failure and source error together: 1 wins, the failure is certain
    (
        [],
        1,
        f"FAIL: 1 objective has exhausted its budget: {UPTIME} -100.0% remaining; "
        f"the data source failed for 1 objective: {FAULTY}; 1 objective has no data (not gated): {QUIET}",
    ),
    (
        ["--on-error", "pass"],
        1,
        f"FAIL: 1 objective has exhausted its budget: {UPTIME} -100.0% remaining; "
        f"the data source failed for 1 objective: {FAULTY}; 1 objective has no data (not gated): {QUIET}",
    ),
    # the application team's gate: no source error, no_data listed but not failing
    (
        ["--team", "application"],
        0,
        f"PASS: 2 of 3 objectives pass their gates; 1 objective has no data (not gated): {QUIET}",
    ),
    (
        ["--team", "application", "--fail-on", "page"],
        1,
        f"FAIL: 1 objective fails its gate: {BURNING} PAGE ALERT 1h/5m 96.5% remaining; "
        f"1 objective has no data (not gated): {QUIET}",
    ),
    (
        ["--team", "application", "--fail-on", "warning"],
        1,
        f"FAIL: 1 objective fails its gate: {BURNING} WARNING 96.5% remaining; "
        f"1 objective has no data (not gated): {QUIET}",
    ),
    (
        ["--objective", "quiet", "--fail-on", "warning"],
        0,
        f"PASS: no objective could be gated; 1 objective has no data (not gated): {QUIET}",
    ),
    # source errors alone: 3, or a loud pass
    (
        ["--objective", "faulty", "--objective", "steady"],
        3,
        f"ERROR: the data source failed for 1 objective: {FAULTY}; 1 of 2 objectives pass their gates",
    ),
    (
        ["--objective", "faulty", "--objective", "steady", "--on-error", "fail"],
        3,
        f"ERROR: the data source failed for 1 objective: {FAULTY}; 1 of 2 objectives pass their gates",
    ),
    (
        ["--objective", "faulty", "--objective", "steady", "--on-error", "pass"],
        0,
        "PASS (source errors ignored: --on-error pass): 1 of 2 objectives pass their gates; "
        f"the data source failed for 1 objective: {FAULTY}",
    ),
    # --exempt passes gate failures, not source errors
    (
        ["--team", "operational", "--exempt", "P0 fix INC-123"],
        3,
        f"ERROR: the data source failed for 1 objective: {FAULTY}; 1 objective has exhausted its budget: "
        f"{UPTIME} -100.0% remaining (exempt: P0 fix INC-123)",
    ),
    (
        ["--team", "operational", "--exempt", "P0 fix INC-123", "--on-error", "pass"],
        0,
        "PASS (exempt: P0 fix INC-123; source errors ignored: --on-error pass): "
        f"1 objective has exhausted its budget: {UPTIME} -100.0% remaining; "
        f"the data source failed for 1 objective: {FAULTY}",
    ),
    (
        ["--objective", "uptime", "--exempt", "security fix CVE-2026-1"],
        0,
        f"PASS (exempt: security fix CVE-2026-1): 1 objective has exhausted its budget: {UPTIME} -100.0% "
        "remaining",
    ),
]


@pytest.mark.parametrize(("args", "code", "verdict"), FLEET_CASES, ids=[" ".join(c[0]) for c in FLEET_CASES])
def test_fleet_verdicts(
    args: list[str], code: int, verdict: str, fleet: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, _ = check(capsys, *fleet, *args)
    assert (got, out[0]) == (code, verdict)


def test_source_error_lines_and_loud_warning(fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, *fleet, "--objective", "faulty", "--on-error", "pass")
    assert code == 0
    assert out[2:] == [
        "  ERROR  shop/faulty  operational  platform-ops  ERROR  — left  gate: exhausted (policy)"
    ]
    assert err == [
        f"error: {FAULT}",
        "warning: PASSING DESPITE SOURCE ERRORS (--on-error pass): "
        f"the gate was NOT checked for 1 objective: {FAULTY}",
    ]
    code, _, err = check(capsys, *fleet, "--objective", "faulty")
    assert (code, err) == (3, [f"error: {FAULT}"])


def test_fleet_lines(fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = check(capsys, *fleet, "--fail-on", "page")
    assert out[2:] == [
        "  FAIL     shop/uptime   operational  platform-ops  EXHAUSTED  -100.0% left  gate: page (--fail-on)",
        "  FAIL     shop/burning  application  shop-dev      WARNING      96.5% left  "
        "gate: page (--fail-on), page alert 1h/5m firing",
        "  ERROR    shop/faulty   operational  platform-ops  ERROR            — left  gate: page (--fail-on)",
        "  NO DATA  shop/quiet    application  shop-dev      NO DATA          — left  gate: page (--fail-on)",
        "  PASS     shop/steady   application  shop-dev      OK          100.0% left  gate: page (--fail-on)",
    ]


# --- JUnit -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def junit(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, ET.Element]:
    path = tmp_path / "gate.xml"
    code = run(["check", *args, "--junit", str(path)])
    capsys.readouterr()
    return code, ET.fromstring(path.read_bytes())


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {f"{c.get('classname')}/{c.get('name')}": c for c in root.iter("testcase")}


def properties(suite: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in suite.iter("property")}


def test_junit_demo_validates_and_carries_the_figures(
    schema: xmlschema.XMLSchema, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, root = junit(tmp_path, capsys, *DEMO)
    assert code == 1
    schema.validate(str(tmp_path / "gate.xml"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [
        (s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped")) for s in suites
    ] == [
        ("checkout", "4", "0", "0", "0"),
        ("payments", "2", "1", "0", "0"),
        ("search", "2", "0", "0", "0"),
    ]
    assert suites[1].get("timestamp") == "2026-11-20T09:00:00"
    assert properties(suites[1]) == {
        "slokit.verdict": DEMO_FAIL,
        "slokit.exit_code": "1",
        "slokit.evaluated_at": "2026-11-20T09:00:00Z",
        "slokit.fail_on": "policy",
        "slokit.on_error": "fail",
    }
    by_name = cases(root)
    assert len(by_name) == 8
    failure = by_name["payments/queue-health (operational, platform-ops)"].find("failure")
    assert failure is not None
    assert failure.get("type") == "exhausted"
    assert failure.get("message") == f"{QUEUE} EXHAUSTED -14.1% remaining"
    assert failure.text == (
        f"objective: {QUEUE}\n"
        "status: exhausted\n"
        "gate: warning (policy)\n"
        "SLI: 99.886% (target 99.9%, window 28d)\n"
        "error budget remaining: -14.1% (-5m41s)\n"
        "burn rate 1h/6h/1d/3d: 0.0x 0.0x 0.0x 3.5x\n"
        "alerts firing: —\n"
        "definition: slo_definitions/payments.yaml:20\n"
    )
    assert list(by_name["checkout/order-completion (application, checkout-dev)"]) == []  # passed
    system_out = suites[1].find("system-out")
    assert system_out is not None and system_out.text is not None
    assert system_out.text.splitlines()[0] == DEMO_FAIL
    assert len(system_out.text.splitlines()) == 4  # verdict, blank, the service's two objectives


def test_junit_exempt_is_skipped_with_the_reason(
    schema: xmlschema.XMLSchema, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, root = junit(tmp_path, capsys, *DEMO, "--exempt", "P0 fix INC-123")
    assert code == 0
    schema.validate(str(tmp_path / "gate.xml"))
    skipped = cases(root)["payments/queue-health (operational, platform-ops)"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == f"exempt: P0 fix INC-123; {QUEUE} EXHAUSTED -14.1% remaining"
    for suite in root.findall("testsuite"):
        assert properties(suite)["slokit.exempt"] == "P0 fix INC-123"
        assert suite.get("failures") == "0"
    system_err = root.findall("testsuite")[0].find("system-err")
    assert system_err is not None
    assert system_err.text == f"warning: gate failure exempted (P0 fix INC-123): {QUEUE} EXHAUSTED\n"


@pytest.mark.parametrize("on_error", ["fail", "pass"])
def test_junit_error_and_no_data(
    on_error: str,
    schema: xmlschema.XMLSchema,
    fleet: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, root = junit(tmp_path, capsys, *fleet, "--fail-on", "page", "--on-error", on_error)
    assert code == 1
    schema.validate(str(tmp_path / "gate.xml"))
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "5",
        "2",
        "1",
        "1",
    )
    by_name = cases(root)
    error = by_name["shop/faulty (operational, platform-ops)"].find("error")
    assert error is not None
    assert (error.get("type"), error.get("message")) == ("source_error", FAULT)
    skipped = by_name["shop/quiet (application, shop-dev)"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == f"no data: {QUIET} is not gated"
    page = by_name["shop/burning (application, shop-dev)"].find("failure")
    assert page is not None
    assert (page.get("type"), page.get("message")) == ("page", f"{BURNING} PAGE ALERT 1h/5m 96.5% remaining")
    assert properties(suite)["slokit.on_error"] == on_error
    assert properties(suite)["slokit.fail_on"] == "page"


def test_junit_hostile_reason_stays_valid_xml(
    schema: xmlschema.XMLSchema, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = 'P0 <fix> & "quotes" ]]> \x07bell \x00nul -- INC-1'
    code, root = junit(tmp_path, capsys, *DEMO, "--exempt", reason)
    assert code == 0
    schema.validate(str(tmp_path / "gate.xml"))
    assert (
        properties(root.findall("testsuite")[0])["slokit.exempt"]
        == 'P0 <fix> & "quotes" ]]> bell nul -- INC-1'
    )


def test_junit_is_written_atomically_over_an_old_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gate.xml"
    path.write_text("old")
    assert run(["check", *DEMO, "--junit", str(path)]) == 1
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate.xml"]
    capsys.readouterr()


def test_junit_and_outputs_never_carry_secrets(
    fleet: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(REDACT, "secrets", {"overloaded"})  # pretend the server echoed a token
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run(["check", *fleet, "--junit", str(tmp_path / "gate.xml")]) == 1
    out, err = capsys.readouterr()
    xml = (tmp_path / "gate.xml").read_text()
    for text in (out, err, xml, summary.read_text()):
        assert "overloaded" not in text
    assert "HTTP 503: ***, try again" in xml
    assert "HTTP 503: ***, try again" in err


# --- GitHub Actions ----------------------------------------------------------------------------------------


def github(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str], str]:
    summary = tmp_path / "step_summary.md"
    summary.write_text("## earlier step\n\n")  # GitHub gives each step a file; we append, never replace
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = run(["check", *args])
    out = capsys.readouterr().out
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n\n")
    return (
        code,
        [line for line in out.splitlines() if line.startswith("::")],
        text[len("## earlier step\n\n") :],
    )


def test_github_annotations_and_summary_for_the_demo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, commands, summary = github(monkeypatch, tmp_path, capsys, *DEMO)
    assert code == 1
    assert commands == [
        "::error file=slo_definitions/payments.yaml,line=20,title=SLO gate failed%3A payments/queue-health"
        f"::{QUEUE} EXHAUSTED -14.1%25 remaining (gate warning (policy))",
        "::warning file=slo_definitions/checkout.yaml,line=40,"
        "title=SLO budget low%3A checkout/order-completion"
        f"::{ORDERS} WARNING 11.8%25 remaining; passes its gate exhausted (policy)",
    ]
    assert summary.splitlines()[:6] == [
        "### ❌ SLO release gate: FAIL",
        "",
        f"FAIL: 1 objective has exhausted its budget: {QUEUE} -14.1% remaining",
        "",
        "| result | objective | kind | team | status | budget left | SLI / target | gate |",
        "| --- | --- | --- | --- | --- | ---: | --- | --- |",
    ]
    assert summary.splitlines()[6] == (
        "| FAIL | payments/queue-health | operational | platform-ops | ✗ EXHAUSTED | -14.1% "
        "| 99.886% / 99.9% | warning (policy) |"
    )
    assert len([line for line in summary.splitlines() if line.startswith("| ")]) == 10  # 2 header + 8
    assert summary.endswith("\nEvaluated at 2026-11-20 09:00 UTC.\n")


def test_github_passing_gate_writes_a_green_summary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, commands, summary = github(monkeypatch, tmp_path, capsys, *DEMO, "--team", "application")
    assert code == 0
    assert [c.split(" ")[0] for c in commands] == ["::warning"]  # the low budget of order-completion
    assert summary.startswith("### ✅ SLO release gate: PASS\n\nPASS: all 3 objectives pass their gates\n")


def test_github_escaping_of_data_and_properties(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    code, commands, summary = github(
        monkeypatch, tmp_path, capsys, *DEMO, "--exempt", "100% safe | P0 <b>fix</b> *now*"
    )
    assert code == 0
    assert commands[0] == (
        "::warning file=slo_definitions/payments.yaml,line=20,"
        "title=SLO gate exempted%3A payments/queue-health"
        f"::{QUEUE} EXHAUSTED -14.1%25 remaining (gate warning (policy)); "
        "exempt: 100%25 safe | P0 <b>fix</b> *now*"
    )
    assert "**Exempt:** 100% safe \\| P0 \\<b\\>fix\\</b\\> \\*now\\*" in summary
    assert summary.splitlines()[0] == "### ✅ SLO release gate: PASS"


def test_github_property_escaping_and_workspace_paths() -> None:
    from slokit.github import _location, command, escape_data, escape_property

    assert escape_data("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b"
    assert escape_property("50%\r\nnext: a, b") == "50%25%0D%0Anext%3A a%2C b"
    assert command("error", "boom", file="a,b.yaml", line="3", title="t: x") == (
        "::error file=a%2Cb.yaml,line=3,title=t%3A x::boom"
    )
    assert command("notice", "hi") == "::notice::hi"
    assert _location("/work/repo/slo/x.yaml:12", "/work/repo") == ("slo/x.yaml", "12")
    assert _location("/elsewhere/x.yaml:12", "/work/repo") == ("/elsewhere/x.yaml", "12")
    assert _location("slo/x.yaml:7", None) == ("slo/x.yaml", "7")


def test_github_fleet_annotation_levels(
    monkeypatch: pytest.MonkeyPatch, fleet: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    code, commands, summary = github(monkeypatch, tmp_path, capsys, *fleet, "--on-error", "pass")
    assert code == 1
    assert [c.split("::")[1].split(" ")[0] for c in commands] == [
        "warning",
        "error",
        "warning",
        "notice",
        "warning",
    ]
    assert commands[0] == (
        "::warning title=slokit check%3A source errors ignored::passing despite source errors for 1 of 5 "
        "objectives (--on-error pass): the gate was not checked for shop/faulty"
    )
    assert commands[2] == (
        "::warning file=shop.yaml,line=23,title=SLO data source failed%3A shop/faulty"
        f"::{FAULT} (ignored: --on-error pass)"
    )
    assert commands[3] == (
        "::notice file=shop.yaml,line=19,title=SLO without data%3A shop/quiet::"
        f"{QUIET} has no data; not gated"
    )
    assert f"**Source error** (shop/faulty): {FAULT}" in summary
    code, commands, _ = github(monkeypatch, tmp_path, capsys, *fleet, "--objective", "faulty")
    assert code == 3
    assert commands == [
        f"::error file=shop.yaml,line=23,title=SLO data source failed%3A shop/faulty::{FAULT}",
    ]


def test_no_github_output_outside_actions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, *DEMO)
    assert code == 1
    assert not any(line.startswith("::") for line in out)
