"""OpenSLO time windows and burn-rate alert conditions as slokit windows and alert tiers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from slokit.convert.openslo_documents import (
    FIXED,
    NOMINAL,
    SHORTHAND,
    V1ALPHA,
    Index,
    OpenSLODoc,
    Refused,
    decimal,
    number,
)
from slokit.convert.shown import shown
from slokit.durations import format_duration

_CALENDAR = {("1", "M"): "month", ("1", "Q"): "quarter", ("1", "w"): "week", ("7", "d"): "week"}
_ALPHA_UNITS = {"Second": 1, "Day": 86400, "Week": 7 * 86400}
_ALPHA_CALENDAR = {"Month": "month", "Quarter": "quarter", "Week": "week"}


def time_window(slo: OpenSLODoc) -> Any:
    spec = slo.spec
    if slo.api == V1ALPHA:
        windows = spec.get("timeWindows")
        key = "timeWindows"
    else:
        windows = spec.get("timeWindow")
        key = "timeWindow"
    if windows is None:
        return None
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise Refused(slo.line("spec", key), f"{key} must be a list of exactly one window")
    window = windows[0]
    line = slo.line("spec", key, 0)
    if slo.api == V1ALPHA:
        return _alpha_window(window, line)
    duration = window.get("duration")
    match = SHORTHAND.match(str(duration)) if isinstance(duration, str | int) else None
    if match is None:
        raise Refused(line, f"timeWindow duration must be like 30d, 4w or 1M (got {shown(duration)})")
    count, unit = match.groups()
    calendar = window.get("calendar")
    is_rolling = window.get("isRolling", calendar is None)
    if is_rolling is True:
        if unit not in FIXED:
            raise Refused(
                line, f"a rolling window of {duration} has no fixed length: give days, e.g. 30d or 4w"
            )
        return rolling(int(count) * FIXED[unit], line)
    period = _CALENDAR.get((count, unit))
    if period is None:
        raise Refused(
            line, f"calendar window {duration}: slokit's are a month (1M), a week (1w) or a quarter (1Q)"
        )
    zone = "UTC"
    if isinstance(calendar, dict):
        zone = calendar.get("timeZone") or "UTC"
        _aligned(period, calendar.get("startTime"), slo.line("spec", key, 0, "calendar", "startTime"))
    return {"calendar": period, "timezone": zone}


def rolling(seconds: int, line: int) -> str:
    if seconds <= 0:
        raise Refused(line, "the window must be longer than 0")
    return format_duration(timedelta(seconds=seconds))


def _aligned(period: str, start: Any, line: int) -> None:
    """slokit's calendar periods start at midnight: the 1st of a month or quarter, a Monday."""
    if start is None:
        return
    if isinstance(start, datetime):
        moment = start
    elif isinstance(start, date):
        moment = datetime(start.year, start.month, start.day)
    else:
        try:
            moment = datetime.fromisoformat(str(start).strip())
        except ValueError:
            raise Refused(
                line, f"startTime {shown(start)} is not a date with time like 2024-01-01 00:00:00"
            ) from None
    midnight = moment.time() == datetime.min.time()
    if period == "week":
        ok, rule = midnight and moment.weekday() == 0, "weeks start on Monday at 00:00"
    elif period == "quarter":
        ok, rule = (
            midnight and moment.day == 1 and moment.month in (1, 4, 7, 10),
            "quarters start on 1 January, April, July and October at 00:00",
        )
    else:
        ok, rule = midnight and moment.day == 1, "months start on the 1st at 00:00"
    if not ok:
        raise Refused(line, f"calendar window starting {start}: slokit's {rule}")


def _alpha_window(window: dict[str, Any], line: int) -> Any:
    unit, count = window.get("unit"), window.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise Refused(line, f"timeWindows count must be a whole number above 0 (got {shown(count)})")
    calendar = window.get("calendar")
    if window.get("isRolling", calendar is None) is True:
        if not isinstance(unit, str) or unit not in _ALPHA_UNITS:
            raise Refused(line, f"a rolling window of {count} {unit} has no fixed length: give Day or Week")
        return rolling(count * _ALPHA_UNITS[unit], line)
    if not isinstance(unit, str) or unit not in _ALPHA_CALENDAR or count != 1:
        raise Refused(line, f"calendar window {count} {unit}: slokit's are 1 Month, 1 Week or 1 Quarter")
    period = _ALPHA_CALENDAR[str(unit)]
    zone = "UTC"
    if isinstance(calendar, dict):
        zone = calendar.get("timeZone") or "UTC"
        _aligned(period, calendar.get("startTime"), line)
    return {"calendar": period, "timezone": zone}


def window_length(window: Any) -> timedelta:
    """A rolling window's length, a calendar period's nominal one (as slokit scales alert tiers)."""
    if isinstance(window, dict):
        return NOMINAL[window["calendar"]]
    from slokit.durations import parse_duration

    return parse_duration(str(window))


def alert_tiers(slo: OpenSLODoc, index: Index, window: Any) -> dict[str, list[dict[str, Any]]] | None:
    policies = slo.spec.get("alertPolicies")
    if not policies:
        return None
    if not isinstance(policies, list):
        raise Refused(slo.line("spec", "alertPolicies"), "alertPolicies must be a list")
    length = window_length(window) if window is not None else timedelta(days=30)
    tiers: dict[str, list[dict[str, Any]]] = {"page": [], "ticket": []}
    for i, entry in enumerate(policies):
        policy, holder, path = _resolve(
            entry, "AlertPolicy", "alertPolicyRef", index, slo, ("spec", "alertPolicies", i)
        )
        conditions = policy.get("conditions")
        if not isinstance(conditions, list) or len(conditions) != 1:
            raise Refused(holder.line(*path), "an AlertPolicy needs exactly one condition")
        condition, cholder, cpath = _resolve(
            conditions[0], "AlertCondition", "conditionRef", index, holder, (*path, "conditions", 0)
        )
        severity, tier = _tier(condition, cholder, cpath, length)
        tiers[severity].append(tier)
    return tiers


def _resolve(
    entry: Any, kind: str, ref_key: str, index: Index, holder: OpenSLODoc, path: tuple[str | int, ...]
) -> tuple[dict[str, Any], OpenSLODoc, tuple[str | int, ...]]:
    """An inline object's spec, or the referred document's: (spec, its document, the spec's path)."""
    if isinstance(entry, dict) and ref_key in entry:
        ref = entry[ref_key]
        found = index.get(kind, ref)
        if found is None:
            raise Refused(
                holder.line(*path, ref_key),
                f"{ref_key} {shown(ref)}: no {kind} named {ref} in the given files",
            )
        return found.spec, found, ("spec",)
    if isinstance(entry, dict) and isinstance(entry.get("spec"), dict):
        return entry["spec"], holder, (*path, "spec")
    raise Refused(holder.line(*path), f"must be an inline {kind} (with spec) or a {ref_key}")


def _tier(
    spec: dict[str, Any], holder: OpenSLODoc, path: tuple[str | int, ...], length: timedelta
) -> tuple[str, dict[str, Any]]:
    severity = str(spec.get("severity", "")).lower()
    line = holder.line(*path)
    if severity not in ("page", "ticket"):
        raise Refused(
            line, f"alert severity {shown(spec.get('severity'))}: slokit's alert tiers are page or ticket"
        )
    condition = spec.get("condition")
    if not isinstance(condition, dict):
        raise Refused(line, "an AlertCondition needs a condition")
    where = holder.line(*path, "condition")
    if condition.get("kind", "burnrate") != "burnrate":
        raise Refused(
            where, f"alert condition kind {shown(condition.get('kind'))}: slokit's alert tiers are burn rates"
        )
    if condition.get("op") not in ("gt", "gte"):
        raise Refused(
            where, f"op {shown(condition.get('op'))}: a burn-rate alert fires above its threshold (gt or gte)"
        )
    long = _shorthand(condition.get("lookbackWindow"), where, "lookbackWindow")
    short = _shorthand(condition.get("alertAfter"), where, "alertAfter (the short window)")
    if short >= long:
        raise Refused(
            where, "alertAfter (the short window) must be shorter than lookbackWindow (the long one)"
        )
    factor = decimal(condition.get("threshold"), where)
    if factor <= 0:
        raise Refused(where, f"threshold must be above 0 (got {condition.get('threshold')})")
    # slokit's tier: the share of the budget that burning at `factor` spends over the long window.
    budget = factor * Decimal(int(long.total_seconds())) / Decimal(int(length.total_seconds())) * 100
    budget = round(budget, 6)  # the budget as written: export's threshold has twelve digits
    if budget > 100:
        raise Refused(
            where, f"a burn rate of {factor} over {format_duration(long)} spends more than the whole budget"
        )
    tier = {"long": format_duration(long), "short": format_duration(short), "budget": number(budget)}
    return severity, tier


def _shorthand(value: Any, line: int, what: str) -> timedelta:
    match = SHORTHAND.match(str(value)) if isinstance(value, str) else None
    if match is None or match.group(2) not in FIXED or int(match.group(1)) == 0:
        raise Refused(line, f"{what} must be a duration like 5m or 1h above 0 (got {shown(value)})")
    return timedelta(seconds=int(match.group(1)) * FIXED[match.group(2)])
