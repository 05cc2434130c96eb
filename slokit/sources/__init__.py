"""Where SLI event series come from: a Prometheus-compatible server, or a recorded snapshot."""

from __future__ import annotations

from slokit.sources.base import FetchedSeries, SeriesQuery, Source

__all__ = ["FetchedSeries", "SeriesQuery", "Source"]
