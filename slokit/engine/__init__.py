"""The budget engine: pure numpy over aligned event series; no I/O, no clock, no ``slokit.spec``.

See ``docs/engine.md`` for the formulas and the choices made where DESIGN.md is silent.
"""

from __future__ import annotations

from slokit.engine.burn import BURN_WINDOWS, tier_factor
from slokit.engine.compute import evaluate
from slokit.engine.inputs import (
    DEFAULT_ALERT_TIERS,
    AlertTier,
    CalendarWindow,
    ObjectiveInput,
    Policy,
    Resolution,
    Window,
    WindowTotals,
    timeslice_events,
)
from slokit.engine.results import (
    BURN_RATE_KEYS,
    AlertState,
    BudgetSeries,
    CalendarProgress,
    Coverage,
    ErrorBudget,
    Incident,
    ObjectiveResult,
    Status,
    WindowCoverage,
    failed_result,
)
from slokit.engine.tiers import default_alert_tiers, nominal_length
from slokit.engine.totals import totals_windows
from slokit.engine.windows import align_down, lookback, period_bounds, window_bounds, window_length

__all__ = [
    "BURN_RATE_KEYS",
    "BURN_WINDOWS",
    "DEFAULT_ALERT_TIERS",
    "AlertState",
    "AlertTier",
    "BudgetSeries",
    "CalendarProgress",
    "CalendarWindow",
    "Coverage",
    "ErrorBudget",
    "Incident",
    "ObjectiveInput",
    "ObjectiveResult",
    "Policy",
    "Resolution",
    "Status",
    "Window",
    "WindowCoverage",
    "WindowTotals",
    "align_down",
    "default_alert_tiers",
    "evaluate",
    "failed_result",
    "lookback",
    "nominal_length",
    "period_bounds",
    "tier_factor",
    "timeslice_events",
    "totals_windows",
    "window_bounds",
    "window_length",
]
