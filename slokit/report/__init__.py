"""Report model and renderers."""

from __future__ import annotations
