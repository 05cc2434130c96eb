"""The CI release gate behind ``slokit check``: the error-budget policy made executable.

Pure: a :class:`~slokit.report.model.Report` in, a :class:`GateResult` out (verdict line, one outcome per
objective, exit code). No I/O, no clock, no environment; the CLI prints, the JUnit and GitHub renderers
(:mod:`slokit.report.junit`, :mod:`slokit.github`) format the same result.

Which objectives fail the gate
------------------------------
Each objective gets a *gate*, the worst news it tolerates:

- by default its policy's ``freeze_on``: ``exhausted`` fails when the budget is spent, ``warning`` also when
  the status is ``warning``, ``never`` never fails;
- ``--fail-on`` overrides every objective's policy: ``exhausted`` (budget spent), ``page`` (budget spent or
  a page-severity burn-rate alert tier firing), ``warning`` (status ``warning`` or ``exhausted``; a firing
  page tier makes the status ``warning``, so ``warning`` is the strictest of the three).

Partial data (a window only partly covered, e.g. a new service) is judged like any other: the budget of
the events so far, alert tiers as the engine decides them on partial data; each such objective's line says
``partial window: 17m of 30d``.

``no_data`` never fails a gate: a service without traffic must still be deployable. It is listed in the
verdict. ``error`` (the data source failed for the objective, or its definition does not match the server's
data, such as a selector that matches no series) cannot be decided: with ``on_error="fail"`` (the default)
the run exits 3; with ``on_error="pass"`` it passes, and the CLI prints a loud warning. An expression the
server refused as malformed is a bad definition: exit 2, whatever ``on_error`` says and whatever the other
objectives' outcomes (like a definition error found before any query).

Exit codes (DESIGN.md): 0 pass, 1 gate failed, 3 data source failed. When gate failures and source errors
happen together, **1 wins**: the failure is certain, whatever the missing objectives would have said.

``exempt`` (``--exempt "P0 fix INC-123"``, the policy's exception for P0 and security fixes) passes gate
failures only, never source errors: failures are reported as ``exempt``, the verdict starts with
``PASS (exempt: <reason>)``, and the reason goes into every output. An exemption with nothing to exempt is
recorded too (``(exemption not needed: <reason>)``). A blank reason is a usage error (exit 2), and so is a
selection that matches no objective: a gate that checks nothing would always pass.

Verdict line examples (wrapped here; one line each when printed)::

    PASS: all 3 objectives pass their gates
    FAIL: 1 objective has exhausted its budget:
        payments/queue-health (operational, platform-ops) -14.1% remaining
    FAIL: 2 objectives fail their gates: a/x (operational, ops) EXHAUSTED -3.0% remaining,
        b/y (application, dev) WARNING 11.8% remaining
    ERROR: the data source failed for 1 objective: shop/faulty (operational, ops);
        1 of 2 objectives pass their gates
    PASS (exempt: P0 fix INC-123): 1 objective has exhausted its budget: ...
    PASS (source errors ignored: --on-error pass): 1 of 2 objectives pass their gates;
        the data source failed for 1 objective: ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from slokit.errors import ExitCode, UsageError
from slokit.report import fmt
from slokit.report.model import ObjectiveReport, Report

FailOn = Literal["exhausted", "warning", "page"]
Gate = Literal["exhausted", "warning", "page", "never"]
OnError = Literal["fail", "pass"]
Outcome = Literal["fail", "exempt", "error", "no_data", "pass"]

FAIL_ON: tuple[FailOn, ...] = ("exhausted", "page", "warning")  # least to most strict
OUTCOMES: tuple[Outcome, ...] = ("fail", "exempt", "error", "no_data", "pass")  # worst news first
OUTCOME_LABELS: dict[Outcome, str] = {
    "fail": "FAIL",
    "exempt": "EXEMPT",
    "error": "ERROR",
    "no_data": "NO DATA",
    "pass": "PASS",
}
Breach = Literal["exhausted", "warning", "page"]


@dataclass(frozen=True)
class ObjectiveOutcome:
    """What the gate made of one objective."""

    item: ObjectiveReport
    gate: Gate
    gate_source: Literal["policy", "--fail-on"]
    outcome: Outcome
    breach: Breach | None = None  # why the gate failed (also for ``exempt``)

    @property
    def key(self) -> str:
        return f"{self.item.service}/{self.item.objective}"

    @property
    def who(self) -> str:
        """``payments/queue-health (operational, platform-ops)``."""
        owner = f"{self.item.kind}, {self.item.team}" if self.item.team else self.item.kind
        return f"{self.key} ({owner})"

    @property
    def remaining(self) -> str:
        """``-14.1% remaining`` (an em dash when there is no budget figure)."""
        budget = self.item.result.error_budget
        return f"{fmt.budget_percent(budget.remaining if budget else None)} remaining"

    @property
    def page_tiers(self) -> str:
        """Firing page tiers, ``1h/5m+6h/30m``; empty when none fires."""
        return "+".join(
            f"{fmt.duration(a.long_window)}/{fmt.duration(a.short_window)}"
            for a in self.item.result.alerts
            if a.firing and a.severity == "page"
        )

    @property
    def reason(self) -> str:
        """The breach in capitals, for lists mixing several kinds: ``EXHAUSTED``, ``PAGE ALERT 1h/5m``."""
        if self.breach == "page":
            return f"PAGE ALERT {self.page_tiers}"
        return self.breach.upper() if self.breach else ""

    @property
    def gate_text(self) -> str:
        """``warning (policy)``, ``page (--fail-on)``."""
        return f"{self.gate} ({self.gate_source})"

    @property
    def coverage_note(self) -> str:
        """``; partial window: 17m of 30d`` when judged on partial data; empty otherwise."""
        note = fmt.coverage_note(self.item)
        return f"; {note}" if note else ""


@dataclass(frozen=True)
class GateResult:
    verdict: str
    outcomes: tuple[ObjectiveOutcome, ...]  # in report order
    exit_code: ExitCode
    evaluated_at: datetime
    fail_on: FailOn | None
    on_error: OnError
    exempt: str | None

    @property
    def passed(self) -> bool:
        return self.exit_code == ExitCode.OK

    @property
    def head(self) -> str:
        """``PASS``, ``FAIL`` or ``ERROR``."""
        return {ExitCode.OK: "PASS", ExitCode.GATE_FAILED: "FAIL"}.get(self.exit_code, "ERROR")

    def having(self, outcome: Outcome) -> list[ObjectiveOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    def worst_first(self) -> list[ObjectiveOutcome]:
        """Outcomes sorted fail, exempt, error, no_data, pass; report order within each."""
        return sorted(self.outcomes, key=lambda o: OUTCOMES.index(o.outcome))

    @property
    def errors_ignored(self) -> bool:
        return self.on_error == "pass" and bool(self.having("error"))

    def warnings(self) -> list[str]:
        """Lines the CLI prints on stderr (prefixed ``warning: ``): ignored errors, an exemption."""
        lines = []
        errors = self.having("error")
        if errors and self.on_error == "pass" and self.exit_code != ExitCode.USAGE:
            lines.append(
                f"PASSING DESPITE {_error_words(errors).upper()} (--on-error pass): the gate was NOT "
                f"checked for {_objectives(len(errors))}: {_join(o.who for o in errors)}"
            )
        exempted = self.having("exempt")
        if exempted:
            lines.append(
                f"gate failure exempted ({self.exempt}): {_join(f'{o.who} {o.reason}' for o in exempted)}"
            )
        return lines


def gate_for(item: ObjectiveReport, fail_on: FailOn | None) -> tuple[Gate, Literal["policy", "--fail-on"]]:
    if fail_on is not None:
        return fail_on, "--fail-on"
    return item.policy.freeze_on, "policy"


def breach(item: ObjectiveReport, gate: Gate) -> Breach | None:
    """Why ``item`` fails ``gate``, or None when it holds (always None for no_data and error)."""
    if gate == "never" or item.status in ("no_data", "error"):
        return None
    if item.status == "exhausted":
        return "exhausted"
    if gate == "warning" and item.status == "warning":
        return "warning"
    if gate == "page" and any(a.firing and a.severity == "page" for a in item.result.alerts):
        return "page"
    return None


def judge(item: ObjectiveReport, fail_on: FailOn | None, exempt: str | None) -> ObjectiveOutcome:
    gate, source = gate_for(item, fail_on)
    if item.status in ("error", "no_data"):
        return ObjectiveOutcome(item, gate, source, item.status)
    why = breach(item, gate)
    if why is None:
        return ObjectiveOutcome(item, gate, source, "pass")
    return ObjectiveOutcome(item, gate, source, "exempt" if exempt else "fail", why)


def exemption(reason: str | None) -> str | None:
    """The ``--exempt`` reason on one line; a blank reason is a usage error (an exemption must say why)."""
    if reason is None:
        return None
    if not reason.strip():
        raise UsageError("--exempt needs a reason, e.g. --exempt 'P0 fix INC-123'")
    return " ".join(reason.split())


def evaluate_gate(
    report: Report, fail_on: FailOn | None = None, on_error: OnError = "fail", exempt: str | None = None
) -> GateResult:
    """Apply the gate to every objective of ``report``; see the module docstring for the rules."""
    exempt = exemption(exempt)
    if not report.objectives:
        raise UsageError(
            "nothing to check: no objective matches the selection (--team, --service, --objective); "
            "a gate that checks nothing would always pass"
        )
    outcomes = tuple(judge(item, fail_on, exempt) for item in report.objectives)
    failed = any(o.outcome == "fail" for o in outcomes)
    errored = any(o.outcome == "error" for o in outcomes)
    if any(o.outcome == "error" and o.item.error_kind == "malformed" for o in outcomes):
        code = ExitCode.USAGE  # a broken definition, not an outage: no option passes it
    elif failed:
        code = ExitCode.GATE_FAILED  # certain, whatever the objectives without data would have said
    elif errored and on_error == "fail":
        code = ExitCode.SOURCE
    else:
        code = ExitCode.OK
    result = GateResult("", outcomes, code, report.evaluated_at, fail_on, on_error, exempt)
    return replace(result, verdict=_verdict(result))


def _objectives(n: int) -> str:
    return f"{n} objective" if n == 1 else f"{n} objectives"


def _join(parts: Iterable[str]) -> str:
    return ", ".join(parts)


def _pass_clause(passed: int, total: int) -> str:
    if passed == 0:
        return "no objective could be gated"
    if passed < total:
        return f"{passed} of {_objectives(total)} pass their gates"
    return "1 objective passes its gate" if total == 1 else f"all {total} objectives pass their gates"


def _error_words(errors: list[ObjectiveOutcome]) -> str:
    """``source errors``, ``definition errors`` or ``source and definition errors``."""
    kinds = {"source" if o.item.error_kind in (None, "source") else "definition" for o in errors}
    return f"{' and '.join(sorted(kinds, reverse=True))} errors"


def _error_clause(errors: list[ObjectiveOutcome]) -> str:
    """One clause per kind of error: source, definition (no matching series), malformed (refused)."""
    wording = {
        "source": "the data source failed for {n}: {who}",
        "definition": "the definition of {n} does not match the server's data: {who}",
        "malformed": "the server refused the PromQL of {n} as malformed: {who}",
    }
    clauses = []
    for kind, text in wording.items():
        items = [o for o in errors if (o.item.error_kind or "source") == kind]
        if items:
            clauses.append(text.format(n=_objectives(len(items)), who=_join(o.who for o in items)))
    return "; ".join(clauses)


def _breach_clause(items: list[ObjectiveOutcome]) -> str:
    if all(o.breach == "exhausted" for o in items):
        has = "has exhausted its budget" if len(items) == 1 else "have exhausted their budgets"
        return f"{_objectives(len(items))} {has}: {_join(f'{o.who} {o.remaining}' for o in items)}"
    fails = "fails its gate" if len(items) == 1 else "fail their gates"
    return f"{_objectives(len(items))} {fails}: {_join(f'{o.who} {o.reason} {o.remaining}' for o in items)}"


def _verdict(result: GateResult) -> str:
    failed, exempted = result.having("fail"), result.having("exempt")
    errors, no_data = result.having("error"), result.having("no_data")
    passed = result.having("pass")
    total = len(result.outcomes)

    clauses: list[str] = []
    error_clause = _error_clause(errors)
    undecided = result.exit_code in (ExitCode.SOURCE, ExitCode.USAGE)
    if failed:
        clauses.append(_breach_clause(failed))
    if errors and undecided:
        clauses.append(error_clause)
    if exempted:
        clause = _breach_clause(exempted)
        clauses.append(clause if result.passed else f"{clause} (exempt: {result.exempt})")
    if not failed and not exempted:
        clauses.append(_pass_clause(len(passed), total))
    if errors and not undecided:
        clauses.append(error_clause)
    if no_data:
        has = "has" if len(no_data) == 1 else "have"
        clauses.append(
            f"{_objectives(len(no_data))} {has} no data (not gated): {_join(o.who for o in no_data)}"
        )

    notes = []
    if exempted and result.passed:
        notes.append(f"exempt: {result.exempt}")
    if errors and result.passed:
        notes.append(f"{_error_words(errors)} ignored: --on-error pass")
    head = f"{result.head} ({'; '.join(notes)})" if notes else result.head
    verdict = f"{head}: {'; '.join(clauses)}"
    if result.exempt and not exempted:
        if undecided:
            verdict += f" (--exempt covers gate failures only, not {_error_words(errors)}: {result.exempt})"
        else:
            verdict += f" (exemption not needed: {result.exempt})"
    return verdict


def objective_lines(result: GateResult, service: str | None = None) -> list[str]:
    """One aligned line per objective (of ``service`` if given), worst outcome first, for logs."""
    rows = [
        (
            OUTCOME_LABELS[o.outcome],
            o.key,
            o.item.kind,
            o.item.team,
            fmt.STATUS_LABELS[o.item.status],
            fmt.budget_percent(o.item.result.error_budget.remaining if o.item.result.error_budget else None),
            f"gate: {o.gate_text}"
            + (f", page alert {o.page_tiers} firing" if o.page_tiers else "")
            + o.coverage_note,
        )
        for o in result.worst_first()
        if service is None or o.item.service == service
    ]
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(5)]
        cells.append(row[5].rjust(widths[5]) + " left")
        lines.append(("  " + "  ".join([*cells, row[6]])).rstrip())
    return lines
