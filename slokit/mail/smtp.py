"""SMTP delivery for ``slokit email``: smtplib over STARTTLS, implicit TLS or plain; retries; what was sent.

One connection serves every message of a run. A transient failure (a connection reset, a timeout, the server
closing the connection, a 4xx reply, 454 to AUTH included) is retried with exponential backoff, on a new
connection; a permanent one (a 5xx reply, credentials refused with 535, an untrusted certificate) is not, and
neither is a refused connection: no server listens on that host and port, which seconds of backoff rarely
change and the next scheduled run will try again. When the connection itself cannot be made (server down,
TLS or AUTH refused), the remaining messages are not attempted: they would fail the same way. The outcome of
every message is returned; :func:`failure_lines` turns failures into the one-line reasons the CLI prints
before exiting 4.

Certificates are always verified (``ssl.create_default_context``, hostname included), against the system's
CAs or ``ca_bundle``. The password is only handed to ``smtplib.SMTP.login``; no message slokit writes
contains it (and :data:`slokit.settings.REDACT` scrubs every printed line of it as well).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from slokit.errors import DeliveryError
from slokit.mailbox import address_of
from slokit.settings import SmtpSettings


@dataclass(frozen=True)
class Outgoing:
    name: str  # the team, as the output names it
    recipients: tuple[str, ...]
    message: EmailMessage | None  # None when it cannot be sent (``problem`` says why)
    problem: str | None = None


@dataclass(frozen=True)
class Outcome:
    outgoing: Outgoing
    sent: bool
    reason: str | None = None  # why it was not sent; None when it was, or was not attempted
    attempts: int = 0
    refused: tuple[tuple[str, str], ...] = ()  # recipients refused while the others got the message


@dataclass(frozen=True)
class Delivery:
    outcomes: list[Outcome]
    stopped: str | None = None  # the connection failure that stopped the run, if one did
    stopped_attempts: int = 0

    @property
    def ok(self) -> bool:
        return all(o.sent and not o.refused for o in self.outcomes)


class DeliveryFailed(DeliveryError):
    """Some or all emails were not delivered: one line per failure, then what was and was not sent."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = list(lines)
        super().__init__("; ".join(self._lines))

    def lines(self) -> list[str]:
        return self._lines


class Failure(Exception):
    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class Connection(Protocol):
    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        """Send; return the recipients the server refused (the others got it), with the reply."""
        ...

    def close(self) -> None: ...


class SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP) -> None:
        self._smtp = smtp

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        refused = self._smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
        return {address: _reply(code, text) for address, (code, text) in refused.items()}

    def close(self) -> None:
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verification on, hostname checked: the system's CAs, or only ``ca_bundle`` when it is given."""
    try:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise Failure(f"cannot load the CA bundle {settings.ca_bundle}: {exc}", transient=False) from None


def connect(settings: SmtpSettings) -> Connection:
    """Open, secure and log in; raise what smtplib, ssl or the socket raise."""
    assert settings.host is not None
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=tls_context(settings)
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if settings.tls == "starttls":
            if not smtp.has_extn("starttls"):
                # Falling back to plain text would expose the reports (and the password) on the wire.
                raise smtplib.SMTPNotSupportedError(
                    "the server does not offer STARTTLS (SLOKIT_SMTP_TLS=ssl for implicit TLS, "
                    "or none on a trusted network)"
                )
            smtp.starttls(context=tls_context(settings))
            smtp.ehlo()
        if settings.user:
            assert settings.password is not None
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return SmtpConnection(smtp)


def _reply(code: int, text: bytes | str) -> str:
    """``550 5.1.1 no such user``: the server's reply on one line."""
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(f"{code} {decoded}".split())


def classify(exc: BaseException, settings: SmtpSettings, *, in_message: bool) -> Failure:
    """A reason to print, and whether trying again may help. ``in_message``: raised while sending."""
    address = settings.address
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # 454 (RFC 4954: temporary authentication failure) is worth another try; 535 is not.
        return Failure(
            f"authentication as {settings.user!r} refused: {_reply(exc.smtp_code, exc.smtp_error)}",
            transient=400 <= exc.smtp_code < 500,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = {a: _reply(code, text) for a, (code, text) in exc.recipients.items()}
        codes = [code for code, _ in exc.recipients.values()]
        listed = "; ".join(f"{a}: {r}" for a, r in replies.items())
        return Failure(f"every recipient refused: {listed}", transient=all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(_reply(exc.smtp_code, exc.smtp_error), transient=400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure(f"{address}: {exc}", transient=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        during = " during the message" if in_message else ""
        # smtplib turns a read or write that timed out into "Connection unexpectedly closed"; the server
        # did not close anything, it was slow.
        if isinstance(exc.__context__, TimeoutError):
            return Failure(f"{address} did not answer within {settings.timeout:g} s{during}", transient=True)
        return Failure(f"{address} closed the connection{during}", transient=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure(
            f"{address}: TLS certificate not trusted ({exc.verify_message}); give its CA with "
            "--smtp-ca-bundle or SLOKIT_SMTP_CA_BUNDLE",
            transient=False,
        )
    if isinstance(exc, ssl.SSLError):
        hint = f" (is {settings.port} a {settings.tls} port?)" if "WRONG_VERSION" in str(exc) else ""
        detail = getattr(exc, "reason", None) or exc.strerror or exc
        return Failure(f"{address}: TLS failed: {detail}{hint}", transient=False)
    if isinstance(exc, socket.gaierror):
        # EAI_AGAIN is a DNS hiccup; any other lookup error is a wrong name, which retrying will not fix.
        return Failure(
            f"cannot resolve {settings.host}: {exc.strerror}", transient=exc.errno == socket.EAI_AGAIN
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failure(
            f"{address} refused the connection (is an SMTP server listening there?)", transient=False
        )
    if isinstance(exc, TimeoutError):
        return Failure(f"{address} did not answer within {settings.timeout:g} s", transient=True)
    if isinstance(exc, ConnectionError):  # reset, aborted, broken pipe
        during = " during the message" if in_message else ""
        return Failure(f"connection to {address} lost{during} ({exc.strerror or exc})", transient=True)
    if isinstance(exc, smtplib.SMTPException):
        return Failure(f"{address}: {exc}", transient=False)
    if isinstance(exc, OSError):
        return Failure(f"{address}: {exc.strerror or exc}", transient=True)
    raise exc


def deliver(
    outgoing: Sequence[Outgoing],
    settings: SmtpSettings,
    *,
    open_connection: Callable[[SmtpSettings], Connection] = connect,
    sleep: Callable[[float], None] = time.sleep,
    on_outcome: Callable[[Outcome], None] = lambda _: None,
) -> Delivery:
    """Send every message; never raises for a delivery problem (they are in the returned outcomes)."""
    sender = address_of(settings.sender) if settings.sender else ""
    outcomes: list[Outcome] = []
    connection: Connection | None = None
    stopped: Failure | None = None
    stopped_attempts = 0

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        on_outcome(outcome)

    try:
        for item in outgoing:
            if item.message is None or stopped is not None:
                record(Outcome(item, sent=False, reason=item.problem))
                continue
            attempt = 0
            while True:
                attempt += 1
                opening = connection is None
                try:
                    if connection is None:
                        connection = open_connection(settings)
                    opening = False
                    refused = connection.send(item.message, sender, item.recipients)
                except (OSError, smtplib.SMTPException, Failure) as exc:
                    failure = classify(exc, settings, in_message=not opening)
                    if connection is not None:
                        connection.close()
                    connection = None  # after any failure the session's state is unknown: start afresh
                    if failure.transient and attempt <= settings.retries:
                        sleep(settings.backoff * 2 ** (attempt - 1))
                        continue
                    if opening:
                        stopped, stopped_attempts = failure, attempt
                        record(Outcome(item, sent=False, attempts=attempt))
                    else:
                        record(Outcome(item, sent=False, reason=failure.reason, attempts=attempt))
                    break
                record(Outcome(item, sent=True, attempts=attempt, refused=tuple(sorted(refused.items()))))
                break
    finally:
        if connection is not None:
            connection.close()
    return Delivery(outcomes, stopped.reason if stopped else None, stopped_attempts)


def _tries(attempts: int) -> str:
    return f" ({attempts} attempts)" if attempts > 1 else ""


def failure_lines(delivery: Delivery) -> list[str]:
    """What went wrong, one line each, then ``N of M emails sent (...); not sent: ...``."""
    lines = []
    for outcome in delivery.outcomes:
        item = outcome.outgoing
        if not outcome.sent and outcome.reason:
            lines.append(
                f"not sent to {item.name} ({', '.join(item.recipients) or 'nobody'}): "
                f"{outcome.reason}{_tries(outcome.attempts)}"
            )
        lines += [f"not delivered to {address} ({item.name}): {why}" for address, why in outcome.refused]
    if delivery.stopped:
        lines.append(f"{delivery.stopped}{_tries(delivery.stopped_attempts)}")
    sent = [o.outgoing.name for o in delivery.outcomes if o.sent]
    unsent = [o.outgoing.name for o in delivery.outcomes if not o.sent]
    total = f"{len(sent)} of {len(delivery.outcomes)} emails sent"
    if sent:
        total += f" ({', '.join(sent)})"
    if unsent:
        total += f"; not sent: {', '.join(unsent)}"
    lines.append(total)
    return lines
