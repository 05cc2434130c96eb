"""The ``apiVersion: slokit/v1`` SLO definition model.

Pydantic models with ``extra="forbid"``: an unknown key is an error, and the loader turns every validation
error into ``FILE:LINE: field.path: message``. Cross-field rules that span the whole file (a kind without
an owner, duplicate objective names) live in :mod:`slokit.spec.checks`, where they can point at the exact
field. Percentages stay percentages here (``target: 99.9``); the engine adapter converts them to fractions.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from slokit import mailbox
from slokit.durations import MAX_DURATION, SHOWN, format_duration, parse_duration, shown
from slokit.redact import cut
from slokit.spec import expressions

API_VERSION = "slokit/v1"
Kind = Literal["operational", "application"]
KINDS: tuple[Kind, ...] = ("operational", "application")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_CHAR = re.compile(r"[A-Za-z0-9_]")
_COMPARISON = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
MIN_WINDOW = timedelta(minutes=5)
MAX_WINDOW = MAX_DURATION
MIN_SLICE = timedelta(seconds=10)
MAX_SLICE = timedelta(hours=1)


def _number(value: Any) -> Any:
    # YAML gives bool for `yes`/`true`, and pydantic's lax mode would read "99.9" or True as numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        got = "null" if value is None else str(value).lower() if isinstance(value, bool) else shown(value)
        raise ValueError(f"must be a number (got {got})")
    if not _finite(value):
        # .nan compares false with everything, so it would pass every range check after this one.
        raise ValueError(f"must be a finite number (got {_spelt_number(value)})")
    return value


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return False


def _spelt_number(value: int | float) -> str:
    """As YAML spells it: ``.nan``, ``.inf``, ``-.inf``; a long integer cut short."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    text = str(value)
    return text if len(text) <= 20 else f"{text[:17]}... ({len(text)} digits)"


def _duration(value: Any, minimum: timedelta | None = None, maximum: timedelta = MAX_DURATION) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a duration like 5m, 1h or 30d (got {shown(value)})")
    return parse_duration(value, minimum, maximum)


def _window_duration(value: Any) -> timedelta:
    return _duration(value, MIN_WINDOW, MAX_WINDOW)


def _slice_duration(value: Any) -> timedelta:
    return _duration(value, MIN_SLICE, MAX_SLICE)


def _window_length(value: timedelta) -> timedelta:
    if not MIN_WINDOW <= value <= MAX_WINDOW:
        limits = f"{format_duration(MIN_WINDOW)} and {format_duration(MAX_WINDOW)}"
        raise ValueError(f"must be between {limits} (got {format_duration(value)})")
    return value


NAME_RULE = "1-63 ASCII letters (a-z, A-Z), digits, '-', '_' or '.', starting with a letter or digit"
LABEL_NAME_RULE = "ASCII letters (a-z, A-Z), digits and '_', not starting with a digit"


def is_name(value: Any) -> bool:
    # fullmatch: with match, "$" also matches before a trailing newline, and "api\n" would pass.
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


# Control characters (Unicode's Cc: C0, DEL, C1 such as U+0085 NEL), the line and paragraph separators
# U+2028 and U+2029, and lone surrogates: each breaks a line in some reader of the value (mail headers,
# OpenMetrics, terminals) or cannot be written as UTF-8.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(value: str) -> bool:
    """True when ``value`` holds no control character or line break of any kind."""
    return _BREAKING.search(value) is None


def _not_allowed(value: str, allowed: re.Pattern[str]) -> str:
    """What breaks the rule, so that ``größe`` says which character rather than only the rule."""
    bad = [c for c in dict.fromkeys(value) if not allowed.match(c)]
    return cut(", ".join(repr(c) for c in bad), SHOWN, one_line=False)


def _name(value: str) -> str:
    if is_name(value):
        return value
    if not value:
        why = "empty"
    elif len(value) > 63:
        why = f"{len(value)} characters"
    elif bad := _not_allowed(value, _NAME_CHAR):
        why = f"{bad} not allowed"
    else:
        why = f"starts with {value[0]!r}"
    raise ValueError(f"must be {NAME_RULE} (got {shown(value)}: {why})")


def _percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"must be a percentage from 0 to 100 (got {value:g})")
    return value


def _positive_percent(value: float) -> float:
    if not 0 < value <= 100:
        raise ValueError(f"must be above 0 and at most 100 (got {value:g})")
    return value


def _target(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be above 0 (got {value:g})")
    if value >= 100:
        raise ValueError(f"must be below 100 (got {value:g})")
    if value < 1:
        raise ValueError(f"is a percentage: got {value:g}, did you mean {value * 100:g}?")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
WindowDuration = Annotated[timedelta, BeforeValidator(_window_duration), AfterValidator(_window_length)]
Name = Annotated[str, AfterValidator(_name)]
NonEmpty = Annotated[str, Field(min_length=1)]
Selector = Annotated[str, AfterValidator(expressions.selector)]
Query = Annotated[str, Field(min_length=1), AfterValidator(expressions.ratio_query)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


MAX_ADDRESS = 998  # the longest line a mail header may have (RFC 5322)


def _address(value: str) -> str:
    if len(value) > MAX_ADDRESS:  # parsing a megabyte-long "address" takes seconds
        raise ValueError(
            f"must be an email address (got {shown(value)}): longer than {MAX_ADDRESS} characters"
        )
    try:
        mailbox.parse(value)
    except mailbox.MailboxError as exc:
        reason = exc.reason.rstrip(".")
        raise ValueError(
            f"must be an email address (got {shown(value)}): {reason[:1].lower()}{reason[1:]}"
        ) from None
    return value.strip()


def _one_or_list(value: Any) -> Any:
    # `email: ops@example.com` is what people write for one address.
    return [value] if isinstance(value, str) else value


def _one_label_or_list(value: Any) -> Any:
    # `attribute_by: code` is one label; a number or a mapping is neither one nor a list of them.
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple):
        got = "a mapping" if isinstance(value, dict) else shown(value)
        raise ValueError(f"must be a label name or a list of label names (got {got})")
    return value


def _team(value: str) -> str:
    # A team name reaches email subjects and file names: any script is fine, a line break is not.
    if not value.strip():
        raise ValueError("must not be empty")
    if not one_line(value):
        raise ValueError(f"must be one line of text without control characters (got {shown(value)})")
    return value.strip()


def _label_value(value: str) -> str:
    # Label values go into OpenMetrics lines and HTTP exposition: a line break would split a sample.
    if not one_line(value):
        raise ValueError(f"must be one line of text without control characters (got {shown(value)})")
    return value


Address = Annotated[str, AfterValidator(_address)]

MAX_URL = 2048  # what browsers and chat tools reliably keep of a link


def _url(value: str) -> str:
    # Links land in href attributes, alert annotations and mail: autoescaping stops markup, not a
    # `javascript:` scheme, so only absolute http(s) URLs with a host pass, in one line without spaces.
    rule = "must be an absolute http:// or https:// URL"
    if len(value) > MAX_URL:
        raise ValueError(f"{rule} (got {shown(value)}): longer than {MAX_URL} characters")
    if not one_line(value) or any(c.isspace() for c in value):
        raise ValueError(f"{rule} (got {shown(value)}): spaces and control characters are not allowed")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:  # an unclosed IPv6 bracket or a port that is not a number
        raise ValueError(f"{rule} (got {shown(value)}): {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise ValueError(f"{rule} (got {shown(value)}): {scheme}")
    if not host:
        raise ValueError(f"{rule} (got {shown(value)}): no host")
    return value


Url = Annotated[str, AfterValidator(_url)]


class Owner(Spec):
    team: Annotated[str, AfterValidator(_team)]
    email: Annotated[list[Address], BeforeValidator(_one_or_list)] = Field(default_factory=list)


class Owners(Spec):
    operational: Owner | None = None
    application: Owner | None = None

    def for_kind(self, kind: Kind) -> Owner | None:
        owner: Owner | None = getattr(self, kind)
        return owner


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: `Europe` is a directory of zones
        raise ValueError(f"must be an IANA name like UTC or Europe/Berlin (got {shown(value)})") from None
    return value


class CalendarWindow(Spec):
    calendar: Literal["month", "week", "quarter"]
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"

    def __str__(self) -> str:
        return f"calendar {self.calendar} ({self.timezone})"


def _window_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "~rolling"
    if isinstance(value, dict | CalendarWindow):
        return "~calendar"
    return None


# Tags start with "~" so the loader can tell them from real keys when it turns an error location into a path.
Window = Annotated[
    Annotated[WindowDuration, Tag("~rolling")] | Annotated[CalendarWindow, Tag("~calendar")],
    Discriminator(
        _window_tag,
        custom_error_type="window",
        custom_error_message="must be a duration like 30d or a mapping like {calendar: month, timezone: UTC}",
    ),
]


class RatioSLI(Spec):
    good: Selector | None = None
    bad: Selector | None = None
    total: Selector | None = None
    good_query: Query | None = None
    bad_query: Query | None = None
    total_query: Query | None = None

    @model_validator(mode="after")
    def _one_form(self) -> RatioSLI:
        selectors = [k for k in ("good", "bad", "total") if getattr(self, k) is not None]
        queries = [k for k in ("good_query", "bad_query", "total_query") if getattr(self, k) is not None]
        if selectors and queries:
            raise ValueError(
                f"use selectors (good|bad + total) or queries (good_query|bad_query + total_query), "
                f"not both (got {', '.join(selectors + queries)})"
            )
        good, bad, total = ("good_query", "bad_query", "total_query") if queries else ("good", "bad", "total")
        if getattr(self, good) is not None and getattr(self, bad) is not None:
            raise ValueError(f"give {good} or {bad}, not both")
        if getattr(self, good) is None and getattr(self, bad) is None:
            raise ValueError(f"needs {good} or {bad}")
        if getattr(self, total) is None:
            raise ValueError(f"needs {total}")
        return self

    @property
    def uses_queries(self) -> bool:
        return self.total_query is not None


class LatencySLI(Spec):
    histogram: Annotated[str, AfterValidator(expressions.histogram)]
    threshold: Annotated[Number, Field(gt=0)]


class Comparison(Spec):
    """``>= 1``: the operator and the threshold of a time-slice comparison."""

    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Number

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = _COMPARISON.fullmatch(data)
            if match is None:
                raise ValueError(f"must be a comparison like '>= 1' or '< 0.5' (got {shown(data)})")
            if not math.isfinite(float(match.group(2))):  # '>= 1e999' reads as infinity
                raise ValueError(f"must compare with a finite number (got {shown(data)})")
            return {"op": match.group(1), "value": float(match.group(2))}
        if isinstance(data, dict):
            return data
        raise ValueError(f"must be a comparison like '>= 1' or '< 0.5' (got {shown(data)})")

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


def _slice_length(value: timedelta) -> timedelta:
    if not MIN_SLICE <= value <= MAX_SLICE:
        limits = f"{format_duration(MIN_SLICE)} and {format_duration(MAX_SLICE)}"
        raise ValueError(f"must be between {limits} (got {format_duration(value)})")
    return value


class TimeslicesSLI(Spec):
    query: Annotated[str, AfterValidator(expressions.slice_query)]
    good: Comparison
    slice: Annotated[timedelta, BeforeValidator(_slice_duration), AfterValidator(_slice_length)] = timedelta(
        minutes=1
    )


class SLI(Spec):
    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None
    timeslices: TimeslicesSLI | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SLI:
        given = [k for k in ("ratio", "latency", "timeslices") if getattr(self, k) is not None]
        if len(given) != 1:
            got = f" (got {', '.join(given)})" if given else ""
            raise ValueError(f"needs exactly one of ratio, latency, timeslices{got}")
        return self

    @property
    def kind(self) -> Literal["ratio", "latency", "timeslices"]:
        if self.ratio is not None:
            return "ratio"
        return "latency" if self.latency is not None else "timeslices"


class Policy(Spec):
    warn_below: Annotated[Number, AfterValidator(_percent)] = 25.0
    freeze_on: Literal["exhausted", "warning", "never"] = "exhausted"
    postmortem_over: Annotated[Number, AfterValidator(_positive_percent)] = 20.0


class AlertTier(Spec):
    long: Duration
    short: Duration
    budget: Annotated[Number, AfterValidator(_positive_percent)]

    @model_validator(mode="after")
    def _short_is_shorter(self) -> AlertTier:
        if self.short >= self.long:
            raise ValueError(
                f"short window ({format_duration(self.short)}) must be shorter than "
                f"long window ({format_duration(self.long)})"
            )
        return self


def _tier(long: str, short: str, budget: float) -> AlertTier:
    return AlertTier(long=long, short=short, budget=budget)


# The SRE workbook's multiwindow, multi-burn-rate table (chapter 5): 14.4x, 6x, 3x and 1x for 30 days.
DEFAULT_PAGE = (_tier("1h", "5m", 2), _tier("6h", "30m", 5))
DEFAULT_TICKET = (_tier("1d", "2h", 10), _tier("3d", "6h", 10))
Severity = Literal["page", "ticket"]
SEVERITIES: tuple[Severity, ...] = ("page", "ticket")


def _count(value: Any) -> Any:
    # `min_events: 1e3` or `true` would pass pydantic's lax int; a count is written as a whole number.
    if isinstance(value, bool) or not isinstance(value, int):
        got = str(value).lower() if isinstance(value, bool) else shown(value)  # as YAML spells it
        raise ValueError(f"must be a whole number of events (got {got})")
    if value < 1:
        raise ValueError(f"must be at least 1 (got {value})")
    return value


EventCount = Annotated[int, BeforeValidator(_count), Field(ge=1)]


def _label_values(value: Any) -> Any:
    # `tier: 1` is the natural thing to write; label values are strings on the wire.
    if isinstance(value, dict):
        return {
            k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in value.items()
        }
    return value


def _label_name(key: str) -> str:
    """A Prometheus label name that slokit may put on a query or rule: not one reserved with ``__``."""
    if not _LABEL_NAME.fullmatch(key):
        bad = _not_allowed(key, _LABEL_CHAR)
        why = f"{bad} not allowed" if bad else "starts with a digit" if key else "empty"
        raise ValueError(f"label name must be {LABEL_NAME_RULE} (got {shown(key)}: {why})")
    if key.startswith("__"):
        # slokit rules puts these labels on its rules: Prometheus refuses a rule labelled __name__.
        raise ValueError(
            f"label name must be {LABEL_NAME_RULE} (got {shown(key)}: names starting with '__' are "
            "reserved by Prometheus)"
        )
    return key


def _label_names(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        _label_name(key)
    return value


_ALERT_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
# Labels slokit puts on every alert it generates: they name the objective and route to its owner team, so an
# alert's own labels may not replace them (``severity`` may be replaced: Sloth's users route on their own).
SLOKIT_ALERT_LABELS = ("service", "objective", "kind", "team", "long_window", "short_window")


def _alert_name(value: str) -> str:
    # Prometheus refuses a rule whose alert name is not a metric name.
    if not _ALERT_NAME.fullmatch(value):
        raise ValueError(
            f"must be an alert name: ASCII letters, digits, '_' and ':', not starting with a digit "
            f"(got {shown(value)})"
        )
    return value


def _alert_label_names(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        _label_name(key)
        if key in SLOKIT_ALERT_LABELS:
            raise ValueError(f"label {key!r} is set by slokit on every alert: choose another name")
    return value


def _annotation_names(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        if not _LABEL_NAME.fullmatch(key):
            raise ValueError(f"annotation name must be {LABEL_NAME_RULE} (got {shown(key)})")
    return value


AlertLabels = Annotated[
    dict[str, Annotated[str, AfterValidator(_label_value)]],
    BeforeValidator(_label_values),
    AfterValidator(_alert_label_names),
]
Annotations = Annotated[dict[str, str], BeforeValidator(_label_values), AfterValidator(_annotation_names)]


class SeverityAlerts(Spec):
    """What the burn alerts of one severity carry beyond the rest (``page_alert``, ``ticket_alert``)."""

    labels: AlertLabels = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict)
    disable: bool = False


class AlertOutput(Spec):
    """How ``slokit rules`` names and labels the burn alerts (``ErrorBudgetBurn``): on the service's
    ``alerting``, and on an objective's (merged over the service's, key by key). Sloth's alerting block."""

    name: Annotated[str, AfterValidator(_alert_name)] | None = None
    labels: AlertLabels = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict)
    page_alert: SeverityAlerts | None = None
    ticket_alert: SeverityAlerts | None = None

    def severity(self, severity: str) -> SeverityAlerts | None:
        alerts: SeverityAlerts | None = getattr(self, f"{severity}_alert")
        return alerts


class Alerting(AlertOutput):
    """Alert tiers per severity. The defaults shown are the workbook's, for a 30-day window: a severity the
    definition leaves out gets them scaled to each objective's window instead (``slokit.engine.tiers``).

    ``min_events`` and ``absent_for`` shape only the rules ``slokit rules`` generates: a burn alert waits for
    that many events in its long window (a low-traffic service's single failure is no page), and an alert
    says when an objective's series have been absent that long."""

    page: tuple[AlertTier, ...] = DEFAULT_PAGE
    ticket: tuple[AlertTier, ...] = DEFAULT_TICKET
    min_events: EventCount | None = None
    absent_for: Duration | None = None

    def written(self, severity: Severity) -> tuple[AlertTier, ...] | None:
        """The tiers of ``severity`` as the definition gives them; None where it gives none."""
        tiers: tuple[AlertTier, ...] = getattr(self, severity)
        return tiers if severity in self.model_fields_set else None


class Objective(Spec):
    name: Name
    kind: Kind
    description: str = ""
    target: Annotated[Number, AfterValidator(_target)]
    window: Window | None = None
    sli: SLI
    runbook: Url | None = None  # overrides the service's; see ServiceSpec.runbook_for
    dashboard: Url | None = None
    min_events: EventCount | None = None  # overrides the service's alerting.min_events
    alerting: AlertOutput | None = None  # merged over the service's alert names, labels and annotations
    # Labels whose values `review` (and the report's markdown/HTML) rank by the bad events they carry. Which
    # SLIs may have them (selectors only), and duplicates, are checked on the file: slokit.spec.attribution.
    attribute_by: Annotated[tuple[LabelName, ...], BeforeValidator(_one_label_or_list)] = ()

    @property
    def target_fraction(self) -> float:
        # Through Decimal, so that 99.9 becomes 0.999 and not 0.9990000000000001 in reports and metrics.
        return float(Decimal(str(self.target)) / 100)


LabelName = Annotated[str, AfterValidator(_label_name)]
MAX_RELEASE_WITHIN = timedelta(days=30)


def _release_within(value: Any) -> timedelta:
    # An incident a month after a release is not "caused" by it in any sense a review could use.
    return _duration(value, None, MAX_RELEASE_WITHIN)


class Releases(Spec):
    """How the service's releases show in its metrics.

    ``query`` with ``label``: a release is the first step at which a new value of ``label`` appears in the
    query's result (``app_build_info{job="checkout"}`` with ``label: version``). ``query`` without
    ``label``: a release is the first step of each run where the expression is above 0 (a marker).
    ``within``: an incident that starts within this time after a release is attributed to it.
    """

    query: Annotated[str, AfterValidator(expressions.slice_query)]
    label: LabelName | None = None
    within: Annotated[timedelta, BeforeValidator(_release_within)] = timedelta(hours=1)


class ServiceSpec(Spec):
    api_version: Literal["slokit/v1"] = Field(alias="apiVersion")
    service: Name
    description: str = ""
    owners: Owners
    window: Window = timedelta(days=30)
    labels: Annotated[
        dict[str, Annotated[str, AfterValidator(_label_value)]],
        BeforeValidator(_label_values),
        AfterValidator(_label_names),
    ] = Field(default_factory=dict)
    objectives: Annotated[list[Objective], Field(min_length=1)]
    policy: Policy = Policy()
    alerting: Alerting = Alerting()
    runbook: Url | None = None  # for every objective that gives none of its own
    dashboard: Url | None = None
    releases: Releases | None = None

    def runbook_for(self, objective: Objective) -> str | None:
        """The objective's runbook URL, else the service's, else None."""
        return objective.runbook if objective.runbook is not None else self.runbook

    def dashboard_for(self, objective: Objective) -> str | None:
        """The objective's dashboard URL, else the service's, else None."""
        return objective.dashboard if objective.dashboard is not None else self.dashboard

    def window_for(self, objective: Objective) -> timedelta | CalendarWindow:
        return objective.window if objective.window is not None else self.window
