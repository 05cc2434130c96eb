"""Comparing the reports of one run at both resolutions (issue 13): the window figures come from the window
totals, asked the same way at either resolution, so they must be the same."""

from __future__ import annotations

from typing import Any

# JSON paths of the figures the window totals give: events, SLI, budget, burn rates.
FIGURES = ("total_events", "bad_events", "good_events", "sli", "error_budget.remaining")


def _value(objective: dict[str, Any], path: str) -> Any:
    value: Any = objective
    for part in path.split("."):
        value = value[part]
    return value


def _relative(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.0 if a is b else float("inf")
    return abs(a - b) / abs(b) if b else abs(a)


def largest_differences(
    adaptive: dict[str, dict[str, Any]], full: dict[str, dict[str, Any]]
) -> dict[str, float]:
    """Per figure (and ``burn_rates``), the largest relative difference between the two reports over every
    objective; ``status`` and ``alerts`` count 1 where they differ."""
    assert sorted(adaptive) == sorted(full)
    out = dict.fromkeys((*FIGURES, "burn_rates", "status", "alerts"), 0.0)
    for key, a in adaptive.items():
        f = full[key]
        for figure in FIGURES:
            out[figure] = max(out[figure], _relative(_value(a, figure), _value(f, figure)))
        for window, burn in a["burn_rates"].items():
            out["burn_rates"] = max(out["burn_rates"], _relative(burn, f["burn_rates"][window]))
        out["status"] = max(out["status"], float(a["status"] != f["status"]))
        firing = [alert["firing"] for alert in a["alerts"]] != [alert["firing"] for alert in f["alerts"]]
        out["alerts"] = max(out["alerts"], float(firing))
    return out
