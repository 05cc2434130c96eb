"""The review as a pandas DataFrame: one row per objective and period, for notebooks and scripts.

Columns follow the JSON contract's ``periods[]`` with the objective's identity in front. Unknown numbers
stay unknown: NaN in the float columns, ``<NA>`` in ``met`` (nullable boolean) and the counts (nullable
integers), never 0. A period without data has unknown incidents, alerts and freeze time too (nothing was
there to count), as the review's tables show them. ``start`` and ``end`` are timezone-aware (UTC). An
objective whose data source failed has no rows; its error is in ``frame.attrs["errors"]``
(``{"service/objective": message}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slokit.review.model import Review

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: tuple[str, ...] = (
    "service",
    "objective",
    "kind",
    "team",
    "period",
    "start",
    "end",
    "sli",
    "good_events",
    "total_events",
    "bad_events",
    "budget_consumed",
    "met",
    "incidents",
    "alerts_page",
    "alerts_ticket",
    "freeze_seconds",
    "releases",
)

_FLOATS = ("sli", "good_events", "total_events", "bad_events", "budget_consumed", "freeze_seconds")
_COUNTS = ("incidents", "alerts_page", "alerts_ticket", "releases")
_COUNTED = ("incidents", "alerts_page", "alerts_ticket", "freeze_seconds")  # unknown without data


def review_frame(review: Review) -> pd.DataFrame:
    """One row per objective and period, objectives in the review's order, periods oldest first."""
    import pandas as pd  # imported here: `slokit report` never needs it

    rows = [
        (
            o.service,
            o.objective,
            o.kind,
            o.team,
            f.period.label,
            f.period.start,
            f.period.end,
            f.sli,
            f.good_events,
            f.total_events,
            f.bad_events,
            f.budget_consumed,
            f.met,
            f.incidents,
            f.alerts.get("page", 0),
            f.alerts.get("ticket", 0),
            f.freeze_seconds,
            f.releases,
        )
        for o in review.objectives
        for f in o.periods
    ]
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for column in _FLOATS:
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    for column in _COUNTS:
        frame[column] = frame[column].astype("Int64")
    frame.loc[frame["total_events"].isna(), list(_COUNTED)] = pd.NA
    frame["met"] = frame["met"].astype("boolean")
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("service", "objective", "kind", "team", "period"):
        frame[column] = frame[column].astype("string")
    frame.attrs["errors"] = {
        f"{o.service}/{o.objective}": o.error for o in review.objectives if o.error is not None
    }
    return frame
