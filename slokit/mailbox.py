"""Email addresses as people write them: ``ops@corp.local`` or ``Jürgen Müller <jm@corp.local>``.

Syntax only. ``.local``, ``.internal``, ``.corp``, ``.test`` or a bare host name are everyday mail domains
inside a company, and whether a domain takes mail is the relay's business, not a definition error.
email-validator checks the address itself (local part, domain labels, lengths); it refuses special-use names
such as ``.local`` and ``.test`` whatever its options say (they cannot be *globally* deliverable), so those
names are swapped for as many neutral letters before the check: label and length rules still apply.

The display name is kept, as written: it is what a recipient sees in ``To:``. It is parsed here, not by
``email.utils``, which splits ``Müller, Jürgen <jm@x>`` into two addresses and reads ``foo bar`` as ``foo``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import unquote

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

_SPECIAL_USE = re.compile(
    r"(?<=[@.])(?:" + "|".join(re.escape(name) for name in SPECIAL_USE_DOMAIN_NAMES) + r")$", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MailboxError(ValueError):
    """Not one email address; ``reason`` says why, in email-validator's words where it found the fault."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Mailbox:
    name: str  # the display name, "" when there is none
    address: str

    def __str__(self) -> str:
        if not self.name:
            return self.address
        quoted = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{self.address}>'


def parse(text: str) -> Mailbox:
    """``addr`` or ``Name <addr>`` (the name may be quoted); raise :class:`MailboxError` if it is not one."""
    text = text.strip()
    name = ""
    address = text
    if text.endswith(">") and "<" in text:
        start = text.rindex("<")
        name, address = text[:start].strip(), text[start + 1 : -1].strip()
        if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
            name = unquote(name)
        elif '"' in name:
            raise MailboxError("The display name has an unbalanced quote.")
        if _CONTROL.search(name) or "<" in name or ">" in name:
            raise MailboxError(
                "The display name contains a line break, a control character or an angle bracket."
            )
    elif "<" in text or ">" in text:
        raise MailboxError("An address in angle brackets must end the entry, like Name <ops@example.com>.")
    elif text.count("@") > 1 and re.search(r"[\s,;]", text):
        raise MailboxError("One address per entry: write a list, like [a@example.com, b@example.com].")
    try:
        validate_email(
            _SPECIAL_USE.sub(lambda m: re.sub(r"[^.]", "a", m.group()), address),
            check_deliverability=False,
            globally_deliverable=False,
        )
    except EmailNotValidError as exc:
        raise MailboxError(str(exc)) from None
    return Mailbox(name, address)


def address_of(text: str) -> str:
    """The bare address of an already checked mailbox (for the SMTP envelope and comparisons)."""
    return parse(text).address
