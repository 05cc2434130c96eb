from __future__ import annotations

import pytest

from slokit.review.model import Review
from tests.unit.review.fixtures import review as build_review


@pytest.fixture
def review() -> Review:
    return build_review()
