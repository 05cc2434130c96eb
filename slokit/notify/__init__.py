"""``slokit notify``: the SLO summary in a chat channel.

:mod:`slokit.notify.summary` decides what the message says (pure: a report in); :mod:`slokit.notify.payloads`
writes it for Slack (Block Kit), Microsoft Teams (an Adaptive Card) or as plain JSON (pure);
:mod:`slokit.notify.sender` posts it, with retries, keeping the webhook URL out of every output.
"""

from __future__ import annotations

from slokit.notify.payloads import FORMATS, build, encode
from slokit.notify.sender import Delivered, NotifyFailed, post, webhook_url
from slokit.notify.summary import Summary, summarize

__all__ = [
    "FORMATS",
    "Delivered",
    "NotifyFailed",
    "Summary",
    "build",
    "encode",
    "post",
    "summarize",
    "webhook_url",
]
