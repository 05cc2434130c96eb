"""Builders for engine inputs. Session-scoped factories so hypothesis tests may use them too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from slokit.engine import ObjectiveInput

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIVE_MIN = timedelta(minutes=5)


def step_ends(at: datetime, step: timedelta, count: int) -> np.ndarray:
    """``count`` step end times, the last one at ``at`` (UTC, datetime64[ns])."""
    end = np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "ns")
    offsets = np.arange(count - 1, -1, -1, dtype=np.int64) * np.timedelta64(step, "ns").astype(np.int64)
    return end - offsets.astype("timedelta64[ns]")


MakeInput = Callable[..., ObjectiveInput]


@pytest.fixture(scope="session")
def make_input() -> MakeInput:
    def build(
        good: Any,
        total: Any,
        *,
        key: str = "svc/avail",
        target: float = 0.999,
        window: Any = timedelta(days=30),
        step: timedelta = FIVE_MIN,
        at: datetime = AT,
        **extra: Any,
    ) -> ObjectiveInput:
        good_arr = np.asarray(good, dtype=np.float64)
        total_arr = np.asarray(total, dtype=np.float64)
        return ObjectiveInput(
            key=key,
            target=target,
            window=window,
            step=step,
            timestamps=step_ends(at, step, good_arr.size),
            good=good_arr,
            total=total_arr,
            **extra,
        )

    return build
