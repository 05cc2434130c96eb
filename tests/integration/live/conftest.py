"""Start the self-scraping Prometheus as soon as collection is over, and run its test last.

Hooks of this conftest see the whole session's items: the live test moves to the end, so that its
Prometheus collects its minute of data before a 5-minute boundary while the rest of the suite runs
(see ``selfscrape.py``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from integration.servers import require_binary

from .selfscrape import SelfScrape

LIVE_TESTS = Path(__file__).parent
SELF_SCRAPE = pytest.StashKey[SelfScrape]()


def _live(item: pytest.Item) -> bool:
    return item.path.parent == LIVE_TESTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    live = [item for item in items if _live(item)]
    if live:
        items[:] = [item for item in items if not _live(item)] + live


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(_live(item) for item in session.items):
        return
    if shutil.which("prometheus") is None and not Path("/usr/bin/prometheus").exists():
        return  # the fixture skips, or fails in CI (servers.require_binary)
    scrape = SelfScrape(Path(tempfile.mkdtemp(prefix="slokit-selfscrape-")))
    scrape.start()
    session.config.stash[SELF_SCRAPE] = scrape


def pytest_sessionfinish(session: pytest.Session) -> None:
    scrape = session.config.stash.get(SELF_SCRAPE, None)
    if scrape is not None:
        scrape.stop()
        shutil.rmtree(scrape.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def self_scraping(request: pytest.FixtureRequest) -> SelfScrape:
    """The self-scraping Prometheus, once its minute of data before ``SelfScrape.at`` is in."""
    require_binary("prometheus", "prometheus")
    scrape = request.config.stash.get(SELF_SCRAPE, None)
    if scrape is None:
        pytest.fail("the self-scraping Prometheus was not started at collection", pytrace=False)
    scrape.wait()
    return scrape
