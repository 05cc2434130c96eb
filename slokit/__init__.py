"""slokit: SLO calculator and error-budget reporting for jointly owned services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from slokit.engine.periods import PeriodKind

__version__ = "0.1.0"

__all__ = ["__version__", "history"]


def history(
    paths: str | Path | Sequence[str | Path],
    *,
    periods: int = 6,
    period: PeriodKind | None = "month",
    at: datetime | str | None = None,
    prometheus_url: str | None = None,
    snapshot: str | Path | None = None,
    team: str | None = None,
) -> pd.DataFrame:
    """The period history of ``slokit review`` as a DataFrame: one row per objective and period.

    ``period`` is "month", "week", "quarter" or "window" for every objective (rows line up for
    pivoting), or None for each objective's own (as ``slokit review`` without ``--period``). The data
    come from ``snapshot`` or from Prometheus (``prometheus_url``, else ``SLOKIT_PROMETHEUS_URL`` or the
    settings file, as on the command line). Columns: :data:`slokit.review.frame.COLUMNS`; objectives whose
    source failed are in ``frame.attrs["errors"]``. Bad definitions or options raise as the CLI's errors
    (:class:`slokit.errors.DefinitionError`, :class:`slokit.errors.UsageError`). See docs/review.md.
    """
    # Imported here so that ``import slokit`` (and ``slokit report``) never loads pandas.
    from slokit.commands.common import Connection
    from slokit.commands.review import review_from_paths
    from slokit.review.frame import review_frame

    listed = [paths] if isinstance(paths, str | Path) else list(paths)
    review = review_from_paths(
        [Path(p) for p in listed],
        periods=periods,
        period_kind=period,
        at=at,
        snapshot=None if snapshot is None else Path(snapshot),
        connection=Connection(url=prometheus_url),
        team=team,
    )
    return review_frame(review)
