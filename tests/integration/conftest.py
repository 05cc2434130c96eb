"""Session fixtures: the generated dataset and the servers holding it (see ``servers.py``)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest

from .promdata import Dataset
from .servers import dataset, in_ci, require_binary, start_prometheus, start_victoriametrics

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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


def require_playwright() -> None:
    if importlib.util.find_spec("playwright") is None:
        msg = (
            "Playwright for Python is not installed: pip install playwright (no `playwright install` needed)"
        )
        if in_ci():
            pytest.fail(f"{msg}; CI is set, so the integration tests must not be skipped", pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian package ``chromium``) driven by Playwright. Playwright's own browser download
    is not used (no ``playwright install``): CI installs the distribution's Chromium with apt."""
    executable = require_binary("chromium", "chromium")
    require_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
