"""Snapshots: the event series of one run saved to a file, and replayed without a server.

Format (JSON, gzip-compressed when the name ends in ``.gz``)::

    {"format": "slokit-snapshot/v1",
     "evaluated_at": "2026-11-01T00:00:00Z",
     "created_by": "slokit 0.1.0",
     "definitions": {"slo_definitions/checkout.yaml": "<sha256 of the file>", ...},
     "objectives": {
        "checkout/availability": {
            "fingerprint": "<hash of the SLI and step>", "step_seconds": 300,
            "start": "<end of the first step, RFC 3339>", "points": 9504,
            "series": {"good": {"float64le": "<base64>"}, "total": {...}},
            "totals": {"at": "<RFC 3339>", "windows_seconds": [300, ..., 2592000],
                       "series": {"good": {"float64le": "<base64>"}, "total": {...}}},
            "resolution": {"coarse_step_seconds": 3600, "fine_from": "<RFC 3339>"},
            "error": null}}}

An objective that failed has ``"error_kind"`` (``source``, ``definition`` or ``malformed``); one whose figures
rest on something a reader should know has ``"notes"`` (an absent bad counter counted as zero). Both are left
out otherwise, so that snapshots of healthy objectives read and compare as before.

Each series is its values as little-endian IEEE 754 doubles, base64-encoded, NaN where the source had no
data: exact, and about ten times faster to load than a JSON list of numbers (200 objectives x 30 days is
3.8 million values). A plain JSON list (``null`` for no data) is read too, for hand-written fixtures.

``resolution`` is there when the series were fetched at the adaptive resolution (``slokit record
--resolution adaptive``): the steps ending at or before ``fine_from`` hold each coarse step's events spread
evenly over its fine steps (see :class:`slokit.engine.Resolution`). Without it, every step was fetched at
its own length (full resolution, the default of ``record``, and every snapshot recorded before slokit had
an adaptive resolution). A replay hands the engine the resolution recorded, whatever the command asked for.

A replayed objective must have the same SLI and step as when it was recorded (its fingerprint), and the
recorded range must cover the range asked for; otherwise that objective is reported as ``error``.

``totals`` are the window totals (one value per window, see :class:`slokit.sources.base.FetchedTotals`);
absent in snapshots recorded before slokit counted whole windows, and for time slices. They are replayed
when the report is evaluated at the recorded time; at any other time the windows end elsewhere, and the
report sums the recorded steps instead, as it does for an old snapshot.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from slokit import __version__
from slokit.engine.inputs import Resolution
from slokit.engine.windows import LONGEST_BURN_WINDOW
from slokit.errors import ObjectiveErrorKind, UsageError
from slokit.fsutil import write_atomic
from slokit.redact import MESSAGE_LIMIT, excerpt
from slokit.settings import REDACT
from slokit.sources.base import FetchedSeries, FetchedTotals, FloatArray, SeriesQuery
from slokit.sources.insight import LabelShare, Release, Unavailable
from slokit.spec.models import SLI, Releases
from slokit.timeparse import rfc3339

FORMAT = "slokit-snapshot/v1"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _open(path: Path, mode: str) -> Any:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def write_snapshot(
    path: Path, evaluated_at: datetime, fetched: Sequence[FetchedSeries], definitions: Mapping[str, str]
) -> None:
    """Write atomically: a reader never sees a half-written snapshot."""
    document = {
        "format": FORMAT,
        "evaluated_at": rfc3339(evaluated_at),
        "created_by": f"slokit {__version__}",
        "definitions": dict(definitions),
        "objectives": {f.query.key: _record(f) for f in fetched},
    }
    data = json.dumps(document, separators=(",", ":"), allow_nan=False).encode()
    # mtime=0: the same series give the same bytes, so a committed snapshot changes only with its data
    write_atomic(path, gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def _record(fetched: FetchedSeries) -> dict[str, Any]:
    record: dict[str, Any] = {
        "fingerprint": fetched.query.fingerprint,
        "step_seconds": int(fetched.query.step.total_seconds()),
        "start": rfc3339(fetched.query.start),
        "points": fetched.query.points,
        "series": {role: _encode(values) for role, values in fetched.series.items()},
    }
    if fetched.totals is not None:  # left out, not null: a snapshot without totals reads as before
        record["totals"] = _encode_totals(fetched.totals)
    if fetched.resolution is not None:  # left out at full resolution, as in snapshots of old
        record["resolution"] = _encode_resolution(fetched.resolution)
    # A snapshot is a file users share and commit: what a server echoed is redacted here too.
    record["error"] = (
        None if fetched.error is None else excerpt(REDACT, fetched.error, MESSAGE_LIMIT, one_line=False)
    )
    if fetched.error is not None:
        record["error_kind"] = fetched.error_kind
    if fetched.notes:
        record["notes"] = [excerpt(REDACT, note, MESSAGE_LIMIT, one_line=False) for note in fetched.notes]
    return record


def _encode(values: FloatArray) -> dict[str, str]:
    return {"float64le": base64.b64encode(np.ascontiguousarray(values, dtype="<f8").tobytes()).decode()}


def _decode(encoded: Any) -> FloatArray:
    if isinstance(encoded, dict) and "float64le" in encoded:
        return np.frombuffer(base64.b64decode(encoded["float64le"]), dtype="<f8").astype(np.float64)
    return np.array(encoded, dtype=np.float64)  # a list; None becomes NaN


def _encode_totals(totals: FetchedTotals) -> dict[str, Any]:
    return {
        "at": rfc3339(totals.at),
        "windows_seconds": [int(w.total_seconds()) for w in totals.windows],
        "series": {role: _encode(values) for role, values in totals.series.items()},
    }


def _decode_totals(encoded: Any) -> FetchedTotals | None:
    if encoded is None:
        return None
    windows = tuple(timedelta(seconds=int(s)) for s in encoded["windows_seconds"])
    series = {role: _decode(values) for role, values in encoded["series"].items()}
    if any(values.shape != (len(windows),) for values in series.values()):
        raise ValueError("window totals do not have one value per window")
    return FetchedTotals(_parse_time(encoded["at"]), windows, series)


def _encode_resolution(resolution: Resolution) -> dict[str, Any]:
    return {
        "coarse_step_seconds": int(resolution.coarse_step.total_seconds()),
        "fine_from": rfc3339(resolution.fine_from),
    }


def _decode_resolution(encoded: Any) -> Resolution | None:
    if encoded is None:
        return None
    coarse = timedelta(seconds=int(encoded["coarse_step_seconds"]))
    if coarse <= timedelta(0):
        raise ValueError("resolution's coarse step is not positive")
    return Resolution(coarse, _parse_time(encoded["fine_from"]))


def _error_kind(value: Any) -> ObjectiveErrorKind:
    if value not in ("source", "definition", "malformed"):
        raise ValueError(f"unknown error_kind {value!r}")
    kind: ObjectiveErrorKind = value
    return kind


@dataclass(frozen=True)
class _Recorded:
    fingerprint: str
    step_seconds: int
    start: datetime
    points: int
    series: dict[str, FloatArray]
    error: str | None
    totals: FetchedTotals | None
    error_kind: ObjectiveErrorKind
    notes: tuple[str, ...]
    resolution: Resolution | None


class SnapshotSource:
    """Replays a snapshot file; implements :class:`slokit.sources.base.Source`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with _open(path, "r") as handle:
                document = json.load(handle)
        except FileNotFoundError:
            raise UsageError(f"{path}: snapshot file not found") from None
        except (OSError, ValueError, EOFError) as exc:
            raise UsageError(f"{path}: not a readable slokit snapshot ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise UsageError(f"{path}: not a slokit snapshot (expected format {FORMAT!r})")
        try:
            self.evaluated_at = _parse_time(document["evaluated_at"])
            self.definitions: dict[str, str] = dict(document.get("definitions", {}))
            self.recorded = {
                key: _Recorded(
                    fingerprint=item["fingerprint"],
                    step_seconds=int(item["step_seconds"]),
                    start=_parse_time(item["start"]),
                    points=int(item["points"]),
                    series={role: _decode(values) for role, values in item["series"].items()},
                    error=item.get("error"),
                    totals=_decode_totals(item.get("totals")),
                    error_kind=_error_kind(item.get("error_kind", "source")),
                    notes=tuple(str(note) for note in item.get("notes", ())),
                    resolution=_decode_resolution(item.get("resolution")),
                )
                for key, item in document["objectives"].items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path}: snapshot is damaged ({exc!r})") from None

    def close(self) -> None:
        pass

    def attribution(
        self, sli: SLI, labels: Sequence[str], start: datetime, end: datetime
    ) -> list[LabelShare]:
        raise Unavailable(f"attribution is unavailable from snapshot {self.path}: a snapshot holds no labels")

    def releases(self, spec: Releases, start: datetime, end: datetime, step: timedelta) -> list[Release]:
        raise Unavailable(
            f"releases are unavailable from snapshot {self.path}: a snapshot holds no labels or "
            "release series"
        )

    def fetch(
        self, queries: Sequence[SeriesQuery], on_done: Callable[[FetchedSeries], None] | None = None
    ) -> list[FetchedSeries]:
        results = []
        for query in queries:
            result = self._replay(query)
            if on_done is not None:
                on_done(result)
            results.append(result)
        return results

    def _replay(self, query: SeriesQuery) -> FetchedSeries:
        recorded = self.recorded.get(query.key)
        if recorded is None:
            return FetchedSeries(query, error=f"{query.key}: not in snapshot {self.path}")
        if recorded.fingerprint != query.fingerprint:
            return FetchedSeries(
                query, error=f"{query.key}: SLI or step changed since snapshot {self.path} was recorded"
            )
        if recorded.error is not None:
            return FetchedSeries(query, error=recorded.error, error_kind=recorded.error_kind)
        offset = (query.start - recorded.start).total_seconds() / recorded.step_seconds
        first = int(offset)
        if offset != first or first < 0 or first + query.points > recorded.points:
            return FetchedSeries(
                query,
                error=f"{query.key}: snapshot {self.path} covers {rfc3339(recorded.start)} + "
                f"{recorded.points} steps, not the range asked for",
            )
        series = {
            role: values[first : first + query.points].copy() for role, values in recorded.series.items()
        }
        totals = None
        if recorded.totals is not None and recorded.totals.at == query.end:
            totals = recorded.totals.select(query.windows)
        resolution = recorded.resolution
        if resolution is not None and resolution.fine_from <= query.start - query.step:
            resolution = None  # the range replayed lies after the coarse steps: all of it is fine
        recorded_end = recorded.start + (recorded.points - 1) * timedelta(seconds=recorded.step_seconds)
        burns_from = query.end - (query.longest_burn or LONGEST_BURN_WINDOW)
        if query.end != recorded_end and resolution is not None and resolution.fine_from > burns_from:
            # Replayed earlier than recorded, the burn windows reach into the coarse steps and, without
            # window totals at this time, would be read from them: averages nothing in the report labels.
            return FetchedSeries(
                query,
                error=f"{query.key}: snapshot {self.path} holds coarse steps until "
                f"{rfc3339(resolution.fine_from)}, inside the burn windows at this time: replay it at its "
                "own time, or record it with --resolution full",
            )
        return FetchedSeries(query, series=series, totals=totals, notes=recorded.notes, resolution=resolution)
