"""Posting a message to a chat webhook: one POST of JSON, retried when the receiver says "later".

- **The URL is a secret.** Whoever holds a webhook URL can post to the channel, and the token is in its path
  (Slack: ``/services/T.../B.../<token>``), or its query (Teams Workflows: ``sig=...``). :func:`webhook_url`
  registers its secret parts with :data:`slokit.settings.REDACT` (every form: URL-encoded, base64...) and no
  message of this module names more than the host.
- **Retries.** HTTP 429 and 5xx, a timeout, a reset or closed connection are tried again, at most
  :data:`MAX_ATTEMPTS` tries in all, all of it within :data:`TOTAL_SECONDS`. The wait is the server's
  ``Retry-After`` (seconds, or an HTTP date) when it sends one, else 1 s, then 2 s. A wait that would end
  past the total is not waited: the delivery fails at once, saying what the server asked. A refused
  connection, a name that does not resolve, an untrusted certificate and any other 4xx are not retried:
  trying again within a minute would not change them. A timeout is retried although the message may have
  arrived: a repeated summary is better than a lost one.
- **Time.** Each try connects within :data:`CONNECT_TIMEOUT` seconds and waits at most
  :data:`READ_TIMEOUT` seconds for each read of the answer, both cut to what is left of the total; an error
  answer is read up to :data:`MAX_ANSWER` bytes and no longer than the total (it is quoted, not downloaded).
- **Redirects are not followed.** A webhook that answers 3xx has moved; following would re-send the summary
  to wherever the answer points. The failure names the status and the new host.

Certificates are verified (the system's CAs, or ``REQUESTS_CA_BUNDLE``); proxies come from the environment
(``HTTPS_PROXY``) as for any requests client.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

import requests

from slokit import __version__
from slokit.errors import DeliveryError, UsageError, exception_chain
from slokit.redact import excerpt, url_secrets

MAX_ATTEMPTS = 3
TOTAL_SECONDS = 60.0
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
BACKOFF = 1.0  # seconds before the second try without Retry-After; doubled before the third
MAX_ANSWER = 64 * 1024
RETRY_STATUS = frozenset((429, 500, 502, 503, 504))
ENV = "SLOKIT_WEBHOOK_URL"


class NotifyFailed(DeliveryError):
    """The message was not delivered (exit 4)."""


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Delivered:
    status: int
    attempts: int
    waited: float  # seconds slept between tries


def host(url: str) -> str:
    """What a message may name of the webhook: its host (and port when not the default)."""
    parts = urlsplit(url)
    name = parts.hostname or "?"
    return f"{name}:{parts.port}" if parts.port else name


def encrypted(url: str) -> bool:
    """Whether the key in ``url`` is safe on the wire: https, or plain http to this machine (a test receiver,
    a local relay) where it crosses no network."""
    import ipaddress

    parts = urlsplit(url)
    if parts.scheme == "https" or parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


def webhook_url(option: str | None, env: dict[str, str] | None = None) -> str:
    """``--webhook``, else ``SLOKIT_WEBHOOK_URL``; checked, and registered for redaction, before any query."""
    import os

    from slokit.settings import REDACT

    environ = dict(os.environ) if env is None else env
    url = (option if option is not None else environ.get(ENV, "")).strip()
    if not url:
        raise UsageError(
            f"no webhook: pass --webhook URL or set {ENV} (the environment keeps it out of shell history)"
        )
    REDACT.add(*url_secrets(url))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise UsageError("the webhook URL is not valid (its host or port cannot be read)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # Not the value: it is a secret, and a typo in it is found by looking at the source, not the log.
        raise UsageError("the webhook URL must start with https:// and name a host")
    if any(not c.isprintable() or c.isspace() for c in url):
        raise UsageError("the webhook URL holds a space or a control character")
    return url


def _retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds from now (a number of seconds or an HTTP date); None when absent or
    unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _tries(attempts: int) -> str:
    return f" ({attempts} attempts)" if attempts > 1 else ""


def _answer(response: requests.Response, deadline: float, clock: Clock) -> str:
    """The first characters of an error answer, redacted, on one line."""
    from slokit.settings import REDACT

    body = bytearray()
    try:
        for chunk in response.iter_content(8192):
            body += chunk
            if len(body) >= MAX_ANSWER or clock.monotonic() >= deadline:
                break
    except requests.RequestException:
        pass
    said = excerpt(REDACT, body[:MAX_ANSWER].decode("utf-8", "replace"), 200)
    return f": {said}" if said else ""


def _transport(exc: requests.RequestException, where: str) -> tuple[str, bool]:
    """A sentence for a failure on the wire, and whether another try may do better."""
    from slokit.settings import REDACT

    text = " ".join(str(e) for e in exception_chain(exc))
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            f"cannot connect to {where}: its TLS certificate is not trusted (REQUESTS_CA_BUNDLE names a CA)",
            False,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        # Not the certificate: a failed handshake (plain HTTP behind an https URL, no shared protocol).
        inner = exception_chain(exc)[-1]
        said = excerpt(REDACT, str(inner) or type(inner).__name__)
        return f"cannot connect to {where}: the TLS handshake failed ({said})", False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"{where} did not accept the connection within {CONNECT_TIMEOUT:g} s", True
    if isinstance(exc, requests.exceptions.Timeout):
        return f"{where} did not answer in time", True
    if "Connection refused" in text:
        return f"cannot connect to {where}: connection refused", False
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"cannot connect to {where}: name or service not known", False
    if "Temporary failure in name resolution" in text:
        return f"cannot connect to {where}: temporary failure in name resolution", True
    if "reset" in text.lower() or "aborted" in text.lower() or "RemoteDisconnected" in text:
        return f"{where} closed the connection without answering", True
    inner = exception_chain(exc)[-1]
    return f"request to {where} failed: {excerpt(REDACT, str(inner) or type(inner).__name__)}", True


def post(
    url: str,
    body: bytes,
    *,
    clock: Clock | None = None,
    session: Callable[[], requests.Session] = requests.Session,
) -> Delivered:
    """POST ``body`` (JSON) to ``url`` with the retries above; :class:`NotifyFailed` when not delivered."""
    clock = clock or SystemClock()
    where = f"the webhook at {host(url)}"
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"slokit/{__version__}"}
    start = clock.monotonic()
    waited = 0.0
    with session() as http:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            left = TOTAL_SECONDS - (clock.monotonic() - start)
            deadline = clock.monotonic() + left
            wait: float | None = None
            try:
                response = http.post(
                    url,
                    data=body,
                    headers=headers,
                    timeout=(min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT, left)),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                reason, again = _transport(exc, where)
            else:
                with response:
                    status = response.status_code
                    if 200 <= status < 300:
                        return Delivered(status, attempt, waited)
                    if response.is_redirect or 300 <= status < 400:
                        target = urlsplit(response.headers.get("Location", "")).hostname
                        raise NotifyFailed(
                            f"{where} answered HTTP {status}, a redirect to "
                            f"{target or 'another address on it'}: slokit does not follow redirects (the "
                            "summary would be posted again, elsewhere); give the webhook's new URL"
                        )
                    reason = f"{where} answered HTTP {status}{_answer(response, deadline, clock)}"
                    again = status in RETRY_STATUS
                    wait = _retry_after(response.headers.get("Retry-After"), clock.now())
            if not again or attempt == MAX_ATTEMPTS:
                raise NotifyFailed(f"{reason}{_tries(attempt)}")
            if wait is None:
                wait = BACKOFF * 2 ** (attempt - 1)
            elapsed = clock.monotonic() - start
            if elapsed + wait > TOTAL_SECONDS:
                raise NotifyFailed(
                    f"{reason}{_tries(attempt)}; it asked to retry after {wait:g} s, past the "
                    f"{TOTAL_SECONDS:g} s slokit gives a delivery"
                )
            clock.sleep(wait)
            waited += wait
    raise AssertionError("unreachable")  # pragma: no cover
