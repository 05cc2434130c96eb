"""``attribute_by`` held against the SLI it attributes: only selectors carry the labels it names.

Attribution sums an objective's bad events by label (``sum by (handler) (increase(bad[...]))``), which needs
selectors: a ratio SLI's ``good``/``bad``/``total`` or a latency SLI's histogram. A ``*_query`` or a
time-slice ``query`` is an expression whose result labels slokit cannot know, so naming labels there is an
error rather than a section that is always empty. A latency SLI's buckets are told apart by ``le``, the
bound slokit compares with the threshold: grouping by it would split good from bad, not one caller from
another. A label listed twice would be queried and shown twice.

Read from the file's raw data, like :mod:`slokit.spec.alerting`, so these problems are reported in the same
run as the schema errors; a value that is not valid on its own (a name with a dash, an SLI with two kinds)
is skipped, its own error says enough.
"""

from __future__ import annotations

from typing import Any

from slokit.errors import Problem
from slokit.spec.yamlsafe import Document, format_path

_SELECTORS = ("good", "bad", "total")
_QUERIES = ("good_query", "bad_query", "total_query")
SELECTOR_SLIS = "a ratio SLI with good/bad and total selectors, or a latency SLI"


def attribute_by_problems(file: str, doc: Document) -> list[Problem]:
    data = doc.data if isinstance(doc.data, dict) else {}
    objectives = data.get("objectives")
    problems: list[Problem] = []
    for index, item in enumerate(objectives if isinstance(objectives, list) else []):
        if not isinstance(item, dict) or item.get("attribute_by") is None:
            continue
        raw = item["attribute_by"]
        labels = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else None
        if labels is None:
            continue  # not a list: the schema error says so
        path = ("objectives", index, "attribute_by")
        if labels and (got := _unlabelled(item.get("sli"))) is not None:
            problems.append(
                Problem(
                    file,
                    doc.line_of(path),
                    format_path(path),
                    "attribution sums bad events by the labels of selectors: "
                    f"needs {SELECTOR_SLIS} (got {got})",
                )
            )
        latency = _sli_kind(item.get("sli")) == "latency"
        first: dict[str, int] = {}
        for position, label in enumerate(labels):
            at = path if isinstance(raw, str) else (*path, position)
            if not isinstance(label, str):
                continue
            if label in first:
                problems.append(
                    Problem(
                        file,
                        doc.line_of(at),
                        format_path(at),
                        f"duplicate label '{label}' (first at line {doc.line_of((*path, first[label]))})",
                    )
                )
                continue
            first[label] = position
            if label == "le" and latency:
                problems.append(
                    Problem(
                        file,
                        doc.line_of(at),
                        format_path(at),
                        "'le' is the bucket bound the latency threshold is read from, not a label of the "
                        "requests: it cannot attribute a latency SLI's bad events",
                    )
                )
    return problems


def _sli_kind(sli: Any) -> str | None:
    """The SLI's kind when exactly one is written."""
    if not isinstance(sli, dict):
        return None
    kinds = [kind for kind in ("ratio", "latency", "timeslices") if sli.get(kind) is not None]
    return kinds[0] if len(kinds) == 1 else None


def _unlabelled(sli: Any) -> str | None:
    """How the message names an SLI that has no selectors to attribute by; None when it has them (or when
    the SLI is not valid enough to say)."""
    kind = _sli_kind(sli)
    if kind == "timeslices":
        return "a time-slice SLI"
    if kind == "ratio" and isinstance(sli["ratio"], dict):
        ratio = sli["ratio"]
        queries = [key for key in _QUERIES if ratio.get(key) is not None]
        selectors = [key for key in _SELECTORS if ratio.get(key) is not None]
        if queries and not selectors:
            return f"a ratio SLI with {'/'.join(queries)}"
    return None
