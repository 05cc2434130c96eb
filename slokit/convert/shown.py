"""A value read from a user's YAML, in messages as YAML would write it (``null``, ``true``, ``.nan``), not as
Python's ``repr`` (``None``, ``True``, ``nan``): the user wrote YAML, not Python."""

from __future__ import annotations

import math
from typing import Any

import yaml


def shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, str | int | float):
        return repr(value)
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return text.removesuffix("...").strip()
