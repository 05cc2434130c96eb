"""slokit: SLO calculator and error-budget reporting for jointly owned services."""

from __future__ import annotations

__version__ = "0.1.0"
