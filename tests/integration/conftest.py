"""Session fixtures: the generated dataset and the servers holding it (see ``servers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .promdata import Dataset
from .servers import dataset, start_prometheus, start_victoriametrics


@pytest.fixture(scope="session")
def promdata() -> Dataset:
    """The generated data and its truth (``Dataset.increase`` & co.), built once per session."""
    return dataset()


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a Prometheus holding ``promdata``."""
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def victoriametrics_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a single-node VictoriaMetrics holding ``promdata``."""
    server = start_victoriametrics(tmp_path_factory.mktemp("victoriametrics"))
    try:
        yield server.url
    finally:
        server.stop()
