"""Connection settings for the data source: CLI options over environment variables over ``slokit.yaml``.

Secrets (bearer token, basic-auth password, SMTP password) come from the environment only, never from files
or options, so they do not end up in shell history, CI logs or the repository. They are read with surrounding
whitespace stripped (a Kubernetes secret often ends in a newline) and registered with :data:`REDACT`, which
scrubs them in every form (see :mod:`slokit.redact`), and any ``user:password@`` in a URL, from every line
slokit prints and every file it writes.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from slokit.errors import UsageError
from slokit.redact import MASK, Redactor, excerpt, query_values, redact_url

__all__ = ["REDACT", "Redactor", "excerpt", "redact_url"]

ENV_PREFIX = "SLOKIT_"
CONFIG_FILE = "slokit.yaml"
# Bounds of the Prometheus settings: a request is bounded in time (one try: MAX_TIMEOUT at most), and the
# connection pool is allocated up front for the concurrency.
MAX_TIMEOUT = 3600.0
MAX_CONCURRENCY = 256


@dataclass(frozen=True)
class PrometheusSettings:
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    ca_bundle: str | None = None
    verify_tls: bool = True
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    concurrency: int = 8
    # A larger answer is refused rather than read: a runaway query (or server) must not exhaust memory.
    max_response_mib: float = 64
    # gzip saves bandwidth on a remote link but costs the server about as much CPU as evaluating the query.
    # None = auto: off for a loopback address, where there is no bandwidth to save, on otherwise.
    compression: bool | None = None
    # Where event series come from: slokit's recorded series (``slokit rules``) or the raw selectors; see
    # slokit.sources.recorded.
    source: str = "auto"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.password) if s)


REDACT = Redactor()

# Header names whose values are credentials (an API key, a session cookie): redacted like the token.
_SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|passw|api-?key|auth|session", re.IGNORECASE)


def _secret_env(env: Mapping[str, str], name: str) -> str | None:
    """A credential from the environment, without the newline or spaces a secret store may add."""
    value = (env.get(name) or "").strip()
    return value or None


def _check_sendable(name: str, value: str | None, charset: str, carrier: str) -> None:
    """Refuse, without showing it, a value that ``carrier`` cannot carry: it would fail deep in the HTTP or
    SMTP library (UnicodeEncodeError), or split a header (a line break)."""
    if value is None:
        return
    for position, char in enumerate(value, start=1):
        if not char.isprintable() and char != " ":
            problem = "a control character or line break"
        else:
            try:
                char.encode(charset)
            except UnicodeEncodeError:
                problem = f"not {'ASCII' if charset == 'ascii' else 'Latin-1'}"
            else:
                continue
        raise UsageError(
            f"{name}: character {position} of {len(value)} is {problem}, which {carrier} cannot carry"
        )


def parse_header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if not sep or not name.strip() or not re.fullmatch(r"[A-Za-z0-9-]+", name.strip()):
        # Only its first word: the rest may be a credential ("Authorization Bearer <token>", colon forgotten).
        word = raw.strip().split(maxsplit=1)[0][:40] if raw.strip() else ""
        shown = word + (" ..." if len(word) < len(raw.strip()) else "")
        raise UsageError(f"--header must look like 'Name: value' (got {REDACT(shown)!r})")
    name, value = name.strip(), value.strip()
    if _SECRET_HEADER.search(name):
        REDACT.add(value)
    _check_sendable(f"header {name}", value, "latin-1", "an HTTP header")
    return name, value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_BOOLEANS = _TRUE + _FALSE


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise UsageError(f"{name} must be true or false (got {raw!r})")


def _number(
    name: str, raw: Any, kind: type[int] | type[float], minimum: float, maximum: float = math.inf
) -> Any:
    try:
        value = kind(raw)
    except (TypeError, ValueError, OverflowError):  # int("inf") overflows
        raise UsageError(f"{name} must be a number (got {raw!r})") from None
    if isinstance(raw, bool) or not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number (got {raw!r})")
    if value < minimum:
        raise UsageError(f"{name} must be at least {minimum:g} (got {raw!r})")
    if value > maximum:
        raise UsageError(f"{name} must be at most {maximum:g} (got {raw!r})")
    return value


def _given(value: Any, default: Any) -> Any:
    """``value`` unless it is missing: ``value or default`` would turn a 0 given into the default."""
    return default if value is None else value


def _compression(name: str, raw: Any) -> bool | None:
    text = "auto" if raw is None else str(raw).strip().lower()
    if text == "auto":
        return None
    if text not in _BOOLEANS:
        raise UsageError(f"{name} must be auto, true or false (got {raw!r})")
    return _bool(name, text)


def compress_responses(settings: PrometheusSettings) -> bool:
    """Whether to ask the server for gzip: as set, or (auto) unless the server is on a loopback address."""
    if settings.compression is not None:
        return settings.compression
    host = urlsplit(settings.url or "").hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: assume it is remote
        return True


# auto: the recorded series of `slokit rules` where they cover the lookback, raw selectors elsewhere.
SOURCES = ("auto", "raw", "recorded")


def _source(name: str, raw: Any) -> str:
    text = "auto" if raw is None else str(raw).strip().lower()
    if text not in SOURCES:
        raise UsageError(f"{name} must be auto, raw or recorded (got {raw!r})")
    return text


_FILE_KEYS = {
    "url",
    "source",
    "headers",
    "ca_bundle",
    "verify_tls",
    "timeout",
    "retries",
    "backoff",
    "concurrency",
    "compression",
    "max_response_mib",
}


def _read_settings(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read settings: {exc}") from None


def _check_keys(
    path: Path, section: str, values: dict[str, Any], allowed: set[str], credentials: set[str], hint: str
) -> None:
    """Unknown keys are refused; a credential written into the file gets ``hint`` instead."""
    unknown = set(values) - allowed
    if credentials & unknown:
        raise UsageError(f"{path}: {hint}")
    if unknown:
        raise UsageError(f"{path}: {section}: unknown keys {', '.join(sorted(unknown))}")


def _from_file(path: Path) -> dict[str, Any]:
    data = _read_settings(path)
    prometheus = data.get("prometheus", {}) if isinstance(data, dict) else None
    if not isinstance(prometheus, dict):
        raise UsageError(f"{path}: expected a mapping with a 'prometheus:' section")
    secrets = "secrets belong in SLOKIT_PROMETHEUS_TOKEN/_PASSWORD, not in a file"
    _check_keys(path, "prometheus", prometheus, _FILE_KEYS, {"token", "password"}, secrets)
    return prometheus


# What a URL copied from the browser or from API docs ends in; before it is the base URL slokit needs
# (longest first: /api/v1/query also ends in /query, the Prometheus 3 UI's page).
_NOT_BASE = ("/api/v1/query_range", "/api/v1/query", "/api/v1", "/graph", "/query")


def _userinfo(url: str) -> tuple[int, int] | None:
    """Where ``user:password`` is in ``url``: from ``://`` to the last ``@``, even when an unencoded ``/``,
    ``?`` or ``#`` in a password puts that ``@`` where a URL parser sees a path."""
    scheme_end = url.find("://")
    at = url.rfind("@")
    return (scheme_end + 3, at) if 0 <= scheme_end < at else None


def _mask_userinfo(url: str) -> str:
    found = _userinfo(url)
    return redact_url(url if found is None else url[: found[0]] + MASK + url[found[1] :])


def _register_url_credentials(url: str) -> None:
    """The credentials in the URL, as written and as requests sends them (decoded, in Basic auth), and the
    values of its query string (``?token=...``)."""
    REDACT.add(*query_values(url))
    found = _userinfo(url)
    if found is None:
        return
    user, colon, password = url[found[0] : found[1]].partition(":")
    if not colon:  # http://TOKEN@host: some proxies take a token as the user name
        REDACT.add(user, unquote(user))
    REDACT.add(password, unquote(password))
    REDACT.add_credentials(unquote(user), unquote(password))


def _check_url(url: str) -> None:
    found = _userinfo(url)
    if found is not None:
        if any(c in url[found[0] : found[1]] for c in "/?#"):
            raise UsageError(
                f"Prometheus URL {_mask_userinfo(url)!r} is not valid: its user:password part has a '/', '?' "
                "or '#', which must be percent-encoded (%2F, %3F, %23); or set SLOKIT_PROMETHEUS_USER and "
                "SLOKIT_PROMETHEUS_PASSWORD instead"
            )
        user, _, password = url[found[0] : found[1]].partition(":")
        _check_sendable("the user in the Prometheus URL", unquote(user), "latin-1", "HTTP Basic auth")
        _check_sendable("the password in the Prometheus URL", unquote(password), "latin-1", "HTTP Basic auth")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError as exc:
        raise UsageError(f"Prometheus URL {_mask_userinfo(url)!r} is not valid: {REDACT(str(exc))}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"Prometheus URL must look like http://host:9090 (got {_mask_userinfo(url)!r})")
    path = parts.path.rstrip("/")
    suffix = next((end for end in _NOT_BASE if path.endswith(end)), None)
    if suffix is not None:
        base = urlunsplit((parts.scheme, parts.netloc, path.removesuffix(suffix), "", ""))
        raise UsageError(
            f"Prometheus URL {redact_url(url)!r} ends in {suffix}: give the server's base URL, "
            f"e.g. {redact_url(base)!r} (slokit adds the /api/v1/... paths itself)"
        )


def _config_path(config: Path | None) -> Path | None:
    """``--config FILE``, else ``./slokit.yaml`` when there is one."""
    return config or (Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None)


def _picker(env: Mapping[str, str], file: Mapping[str, Any]) -> Callable[[Any, str, str], Any]:
    """The layering rule: a CLI value beats ``SLOKIT_<NAME>``, which beats the settings file's key."""

    def pick(cli: Any, env_name: str, file_key: str) -> Any:
        if cli is not None:
            return cli
        if env.get(ENV_PREFIX + env_name):
            return env[ENV_PREFIX + env_name]
        return file.get(file_key)

    return pick


def load_prometheus_settings(
    *,
    url: str | None = None,
    headers: Sequence[str] = (),
    ca_bundle: str | None = None,
    insecure: bool = False,
    timeout: float | None = None,
    concurrency: int | None = None,
    source: str | None = None,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> PrometheusSettings:
    """Merge the three layers; CLI values are the keyword arguments (None = not given)."""
    env = os.environ if env is None else env
    config_path = _config_path(config)
    file = _from_file(config_path) if config_path else {}
    s = PrometheusSettings()

    pick = _picker(env, file)

    def origin(env_name: str, key: str, option: str | None = None) -> str:
        """Where the value ``pick`` chose came from, to name it in an error: the option (pass it when the
        command line gave one), else the environment variable when set, else the settings file's key."""
        if option is not None:
            return option
        if env.get(ENV_PREFIX + env_name):
            return ENV_PREFIX + env_name
        return f"{config_path}: prometheus.{key}"

    header_pairs = [parse_header(f"{k}: {v}") for k, v in dict(file.get("headers") or {}).items()]
    header_pairs += [
        parse_header(h) for h in env.get("SLOKIT_PROMETHEUS_HEADERS", "").split("\n") if h.strip()
    ]
    header_pairs += [parse_header(h) for h in headers]
    compression_raw = pick(None, "PROMETHEUS_COMPRESSION", "compression")
    verify_raw = pick(None if not insecure else "false", "PROMETHEUS_VERIFY_TLS", "verify_tls")
    chosen_url = pick(url, "PROMETHEUS_URL", "url")
    settings = replace(
        s,
        url=chosen_url.strip() if isinstance(chosen_url, str) else chosen_url,
        token=_secret_env(env, "SLOKIT_PROMETHEUS_TOKEN"),
        user=_secret_env(env, "SLOKIT_PROMETHEUS_USER"),
        password=_secret_env(env, "SLOKIT_PROMETHEUS_PASSWORD"),
        headers=tuple(header_pairs),
        ca_bundle=pick(ca_bundle, "PROMETHEUS_CA_BUNDLE", "ca_bundle"),
        verify_tls=True
        if verify_raw is None
        else _bool(origin("PROMETHEUS_VERIFY_TLS", "verify_tls"), str(verify_raw)),
        timeout=_number(
            origin("PROMETHEUS_TIMEOUT", "timeout", None if timeout is None else "--timeout"),
            _given(pick(timeout, "PROMETHEUS_TIMEOUT", "timeout"), s.timeout),
            float,
            0.1,
            MAX_TIMEOUT,
        ),
        retries=_number(f"{config_path}: prometheus.retries", file.get("retries", s.retries), int, 0, 10),
        backoff=_number(f"{config_path}: prometheus.backoff", file.get("backoff", s.backoff), float, 0, 60),
        max_response_mib=_number(
            origin("PROMETHEUS_MAX_RESPONSE_MIB", "max_response_mib"),
            _given(pick(None, "PROMETHEUS_MAX_RESPONSE_MIB", "max_response_mib"), s.max_response_mib),
            float,
            1,
            4096,
        ),
        compression=_compression(origin("PROMETHEUS_COMPRESSION", "compression"), compression_raw),
        source=_source(
            origin("PROMETHEUS_SOURCE", "source", None if source is None else "--source"),
            pick(source, "PROMETHEUS_SOURCE", "source"),
        ),
        concurrency=_number(
            origin("CONCURRENCY", "concurrency", None if concurrency is None else "--concurrency"),
            _given(pick(concurrency, "CONCURRENCY", "concurrency"), s.concurrency),
            int,
            1,
            MAX_CONCURRENCY,
        ),
    )
    REDACT.add(settings.token)
    REDACT.add_credentials(settings.user, settings.password)
    if settings.url:
        _register_url_credentials(settings.url)
    if settings.token and (settings.user or settings.password):
        raise UsageError(
            "set SLOKIT_PROMETHEUS_TOKEN or SLOKIT_PROMETHEUS_USER/SLOKIT_PROMETHEUS_PASSWORD, not both"
        )
    _check_sendable("SLOKIT_PROMETHEUS_TOKEN", settings.token, "latin-1", "an HTTP header")
    _check_sendable("SLOKIT_PROMETHEUS_USER", settings.user, "latin-1", "HTTP Basic auth")
    _check_sendable("SLOKIT_PROMETHEUS_PASSWORD", settings.password, "latin-1", "HTTP Basic auth")
    if settings.url:
        _check_url(settings.url)
    if settings.url is not None:
        settings = replace(settings, url=settings.url.rstrip("/"))
    return settings


# --- SMTP (slokit email) ----------------------------------------------------------------------------------

SMTP_TLS_MODES = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SMTP_CONFIG_KEYS = {"host", "port", "from", "reply_to", "tls", "ca_bundle", "timeout", "retries", "backoff"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how ``slokit email`` sends. The password comes from ``SLOKIT_SMTP_PASSWORD`` only."""

    host: str | None = None
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None  # the From header: an address, optionally with a display name
    reply_to: tuple[str, ...] = ()  # empty: the owners of the services in each email
    tls: str = "starttls"  # starttls | ssl (implicit TLS, "SMTPS") | none
    ca_bundle: str | None = None  # PEM file to verify the server's certificate (default: the system's)
    timeout: float = 30.0
    retries: int = 3  # further attempts after a transient failure (connection, timeout, 4xx reply)
    backoff: float = 2.0  # seconds before the first retry, doubling after each

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password,) if self.password else ()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def parse_mailbox(name: str, raw: str) -> str:
    """``Name <addr@example.com>`` or a bare address, its syntax checked; returned as given (trimmed)."""
    from slokit import mailbox

    try:
        mailbox.parse(raw)
    except mailbox.MailboxError as exc:
        raise UsageError(f"{name}: not an email address: {raw!r} ({exc.reason})") from None
    return raw.strip()


def _smtp_from_file(path: Path) -> dict[str, Any]:
    data = _read_settings(path)
    smtp = data.get("smtp", {}) if isinstance(data, dict) else {}
    if not isinstance(smtp, dict):
        raise UsageError(f"{path}: smtp: expected a mapping")
    secrets = "SMTP credentials belong in SLOKIT_SMTP_USER/_PASSWORD, not in a file"
    _check_keys(path, "smtp", smtp, SMTP_CONFIG_KEYS, {"password", "user"}, secrets)
    return smtp


def load_smtp_settings(
    *,
    host: str | None = None,
    port: int | None = None,
    sender: str | None = None,
    tls: str | None = None,
    ca_bundle: str | None = None,
    reply_to: Sequence[str] = (),
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SmtpSettings:
    """Merge CLI values (keyword arguments; None = not given) over ``SLOKIT_SMTP_*`` over ``slokit.yaml``."""
    env = os.environ if env is None else env
    config_path = _config_path(config)
    file = _smtp_from_file(config_path) if config_path else {}
    defaults = SmtpSettings()

    pick = _picker(env, file)
    mode = str(pick(tls, "SMTP_TLS", "tls") or defaults.tls).strip().lower()
    if mode not in SMTP_TLS_MODES:
        raise UsageError(f"SMTP TLS mode must be one of {', '.join(SMTP_TLS_MODES)} (got {mode!r})")
    raw_port = pick(port, "SMTP_PORT", "port")
    chosen_port = SMTP_DEFAULT_PORTS[mode] if raw_port is None else _number("SMTP port", raw_port, int, 1)
    if chosen_port > 65535:
        raise UsageError(f"SMTP port must be at most 65535 (got {chosen_port})")
    raw_sender = pick(sender, "SMTP_FROM", "from")
    if reply_to:
        replies = list(reply_to)
    elif env.get("SLOKIT_SMTP_REPLY_TO"):
        replies = env["SLOKIT_SMTP_REPLY_TO"].split(",")
    else:
        from_file = file.get("reply_to") or []
        replies = [from_file] if isinstance(from_file, str) else [str(r) for r in from_file]
    ca = pick(ca_bundle, "SMTP_CA_BUNDLE", "ca_bundle")
    if ca is not None and not Path(ca).is_file():
        raise UsageError(f"SMTP CA bundle {ca}: no such file")
    settings = SmtpSettings(
        host=pick(None, "SMTP_HOST", "host") if host is None else host,
        port=chosen_port,
        user=_secret_env(env, "SLOKIT_SMTP_USER"),
        password=_secret_env(env, "SLOKIT_SMTP_PASSWORD"),
        sender=None if raw_sender is None else parse_mailbox("SMTP sender", str(raw_sender)),
        reply_to=tuple(parse_mailbox("reply-to", r) for r in replies if r.strip()),
        tls=mode,
        ca_bundle=None if ca is None else str(ca),
        timeout=_number("SMTP timeout", pick(None, "SMTP_TIMEOUT", "timeout") or defaults.timeout, float, 1),
        retries=_number("SMTP retries", file.get("retries", defaults.retries), int, 0),
        backoff=_number("SMTP backoff", file.get("backoff", defaults.backoff), float, 0),
    )
    REDACT.add_credentials(settings.user, settings.password)
    # smtplib sends AUTH (PLAIN, LOGIN, CRAM-MD5) as ASCII: anything else would fail mid-delivery.
    _check_sendable("SLOKIT_SMTP_USER", settings.user, "ascii", "SMTP AUTH")
    _check_sendable("SLOKIT_SMTP_PASSWORD", settings.password, "ascii", "SMTP AUTH")
    if settings.password and not settings.user:
        raise UsageError("SLOKIT_SMTP_PASSWORD is set but SLOKIT_SMTP_USER is not")
    if settings.user and not settings.password:
        raise UsageError("SLOKIT_SMTP_USER is set but SLOKIT_SMTP_PASSWORD is not")
    if settings.user and mode == "none":
        # smtplib would send AUTH in the clear; a mail relay that needs a password is not a trusted network.
        raise UsageError("SLOKIT_SMTP_TLS=none would send the SMTP password unencrypted: use starttls or ssl")
    return settings
