"""SLO definitions: the ``slokit/v1`` model and its loader."""

from __future__ import annotations

from slokit.spec.files import discover
from slokit.spec.loader import Definitions, LoadedService, load
from slokit.spec.models import Objective, ServiceSpec

__all__ = ["Definitions", "LoadedService", "Objective", "ServiceSpec", "discover", "load"]
