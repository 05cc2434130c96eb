"""JUnit XML for ``slokit check --junit FILE``: one testcase per objective, for CI test reporters.

The shape is the common Ant/Jenkins JUnit schema (``tests/fixtures/junit.xsd``; GitLab, Jenkins and the
GitHub test-reporter actions all read it):

- ``<testsuites>`` (no attributes: the schema allows none) holding one ``<testsuite>`` per service, with the
  required ``name``, ``package`` (``slokit``), ``id``, ``timestamp`` (the evaluation time, UTC, without a
  zone as the schema demands), ``hostname``, ``tests``, ``failures``, ``errors``, ``skipped``, ``time``;
- ``<properties>``: ``slokit.verdict``, ``slokit.exit_code``, ``slokit.evaluated_at``, ``slokit.fail_on``
  (``policy`` when the policies decided), ``slokit.on_error``, and ``slokit.exempt`` with the reason when
  ``--exempt`` was given;
- ``<testcase classname="<service>" name="<objective> (<kind>, <team>)" time="0">`` with at most one of
  ``<failure message type>`` (the gate failed; ``type`` is ``exhausted``, ``warning`` or ``page``; the text
  carries the figures), ``<error message type="source_error">`` (the data source failed; kept even with
  ``--on-error pass``, so the report shows it), ``<skipped>`` (``no data``, or a failure passed by
  ``--exempt``: a skip, not a failure, so an exempted deploy does not turn the test report red; its message
  starts with ``exempt: <reason>``);
- ``<system-out>``: the verdict and the service's per-objective lines, as printed; ``<system-err>``: the
  warnings.

Built with :mod:`xml.etree.ElementTree` (escaping for free); characters XML 1.0 cannot carry are dropped and
every text goes through the secret redactor.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from slokit.gate import GateResult, ObjectiveOutcome, objective_lines
from slokit.report import fmt
from slokit.timeparse import rfc3339

# Characters XML 1.0 cannot represent, not even as references: most C0 controls, surrogates, FFFE/FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def figures(o: ObjectiveOutcome) -> str:
    """The numbers behind an outcome, one per line: what a reviewer of a failed gate needs."""
    item, result = o.item, o.item.result
    budget = result.error_budget
    burns = " ".join(fmt.burn(result.burn_rates.get(w)) for w in ("1h", "6h", "1d", "3d"))
    lines = [
        f"objective: {o.who}",
        f"status: {item.status}",
        f"gate: {o.gate_text}",
        f"SLI: {fmt.percent(result.sli)} (target {fmt.percent(item.target)}, window {item.window})",
        f"error budget remaining: {fmt.budget_percent(budget.remaining if budget else None)}"
        f" ({fmt.budget_left(item)})",
        f"burn rate 1h/6h/1d/3d: {burns}",
        f"alerts firing: {fmt.firing(item)}",
        f"definition: {item.location}",
    ]
    note = fmt.coverage_note(item)
    if note:
        lines.insert(4, f"coverage: {note} (burn rates over longer windows are unknown)")
    if item.error:
        lines.append(f"error: {item.error}")
    return "\n".join(lines) + "\n"


def _testcase(parent: ET.Element, o: ObjectiveOutcome, gate: GateResult) -> None:
    owner = f"{o.item.kind}, {o.item.team}" if o.item.team else o.item.kind
    case = ET.SubElement(
        parent, "testcase", classname=o.item.service, name=f"{o.item.objective} ({owner})", time="0"
    )
    if o.outcome == "fail":
        element = ET.SubElement(
            case,
            "failure",
            message=f"{o.who} {o.reason} {o.remaining}{o.coverage_note}",
            type=o.breach or "gate",
        )
        element.text = figures(o)
    elif o.outcome == "exempt":
        element = ET.SubElement(
            case, "skipped", message=f"exempt: {gate.exempt}; {o.who} {o.reason} {o.remaining}"
        )
        element.text = figures(o)
    elif o.outcome == "error":
        element = ET.SubElement(case, "error", message=o.item.error or "", type="source_error")
        element.text = figures(o)
    elif o.outcome == "no_data":
        element = ET.SubElement(case, "skipped", message=f"no data: {o.who} is not gated")
        element.text = figures(o)


def render_junit(
    gate: GateResult,
    hostname: str = "localhost",
    redact: Callable[[str], str] = lambda text: text,
    warnings: list[str] | None = None,
) -> bytes:
    """The JUnit XML document (UTF-8, with declaration). ``redact`` scrubs secrets from source errors."""
    root = ET.Element("testsuites")
    services: dict[str, list[ObjectiveOutcome]] = {}
    for o in gate.outcomes:
        services.setdefault(o.item.service, []).append(o)
    properties = {
        "slokit.verdict": gate.verdict,
        "slokit.exit_code": str(int(gate.exit_code)),
        "slokit.evaluated_at": rfc3339(gate.evaluated_at),
        "slokit.fail_on": gate.fail_on or "policy",
        "slokit.on_error": gate.on_error,
    }
    if gate.exempt is not None:
        properties["slokit.exempt"] = gate.exempt
    system_err = "".join(f"warning: {w}\n" for w in (warnings if warnings is not None else gate.warnings()))
    for index, (service, outcomes) in enumerate(services.items()):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=service,
            package="slokit",
            id=str(index),
            timestamp=f"{gate.evaluated_at:%Y-%m-%dT%H:%M:%S}",
            hostname=hostname or "localhost",
            tests=str(len(outcomes)),
            failures=str(sum(o.outcome == "fail" for o in outcomes)),
            errors=str(sum(o.outcome == "error" for o in outcomes)),
            skipped=str(sum(o.outcome in ("exempt", "no_data") for o in outcomes)),
            time="0",
        )
        props = ET.SubElement(suite, "properties")
        for name, value in properties.items():
            ET.SubElement(props, "property", name=name, value=value)
        for o in outcomes:
            _testcase(suite, o, gate)
        lines = [gate.verdict, "", *objective_lines(gate, service)]
        ET.SubElement(suite, "system-out").text = "\n".join(lines) + "\n"
        ET.SubElement(suite, "system-err").text = system_err
    for element in root.iter():  # secrets out, and nothing XML 1.0 cannot carry
        if element.text:
            element.text = _clean(redact(element.text))
        for name, value in element.attrib.items():
            element.attrib[name] = _clean(redact(value))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
