"""``slokit email``: per-team reports by SMTP.

:mod:`slokit.mail.message` decides who gets what and builds the messages (pure); :mod:`slokit.mail.smtp`
delivers them. The CLI (``slokit email``) evaluates the report once, plans, builds, then sends or writes
``.eml`` files (``--dry-run --out DIR``).
"""

from __future__ import annotations

from slokit.mail.message import Mail, build, file_name, news, plan, subject
from slokit.mail.smtp import Delivery, DeliveryFailed, Outcome, Outgoing, deliver, failure_lines

__all__ = [
    "Delivery",
    "DeliveryFailed",
    "Mail",
    "Outcome",
    "Outgoing",
    "build",
    "deliver",
    "failure_lines",
    "file_name",
    "news",
    "plan",
    "subject",
]
