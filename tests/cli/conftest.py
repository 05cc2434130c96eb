"""Shared by the command-line tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _selectors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake servers here answer the selector queries they were written for, so the commands read the
    selectors (source raw). The default, auto, first asks where slokit's recorded series begin: that is
    tested against a real Prometheus holding them (tests/integration/test_recorded_source.py)."""
    monkeypatch.setenv("SLOKIT_PROMETHEUS_SOURCE", "raw")
