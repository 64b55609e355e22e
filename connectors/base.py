"""The contract every connector meets: `pull()` returns per-period parts, never raw rows.

A connector reads one source and knows nothing of the store. It aggregates rows into
periods (pushing the work down to the source where it can) and returns the *parts* that
make windows exact later: sums and counts for averages, numerators and denominators for
ratios, minimum, maximum and last values. Sync hands the parts to the store.

Parts of additive metrics (see `Metric.additive`) come at the finest grouping only: one row
per period and combination of all the metric's dimensions; the store rolls them up. A
non-additive metric (count_distinct, median, last) cannot be rolled up, so its connector
returns one row per period for *every* subset of its dimensions, the empty subset (the
metric's total) included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import pandas as pd

from okr.model import Metric

# One row per (metric, origin, period, dims).
#   origin   the CSV file (relative to the source folder) the row came from; "" when the
#            row is not tied to one file (SQL sources, non-additive CSV metrics).
#   period   the period's first day in the catalog's timezone (weeks start on Monday).
#   dims     canonical JSON of the row's dimension values: `dims_key({...})`; "{}" = total.
#   n        rows with a non-null value (for ratios: rows with a non-null denominator).
#   total    sum of the value (null for ratios).
#   minimum, maximum   of the value.
#   num, den           sums of numerator and denominator (ratios only, else null).
#   last_at, last      the greatest row time in the period and the value at that time.
#   value    the period's value under the metric's own aggregation.
PART_COLUMNS: tuple[str, ...] = (
    "metric",
    "origin",
    "period",
    "dims",
    "n",
    "total",
    "minimum",
    "maximum",
    "num",
    "den",
    "last_at",
    "last",
    "value",
)

# One row per quarantined source row: `line` is the 1-based line in `origin` (null when the
# source has no lines), `reason` says what was wrong and how to fix it, `row` is the raw text.
QUARANTINE_COLUMNS: tuple[str, ...] = ("origin", "line", "reason", "row")

Progress = Callable[[str, float | None], None]
"""Called with a short message and the fraction done (None when unknown)."""


def dims_key(values: Mapping[str, Any]) -> str:
    """The canonical text of a set of dimension values: sorted keys, values as strings."""
    return json.dumps(
        {k: None if v is None else str(v) for k, v in sorted(values.items())},
        separators=(",", ":"),
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class Supersede:
    """Stored parts this pull replaces: those of `metric` matching every field that is set.

    `origin` matches one file's parts; `since`/`until` bound the periods (inclusive).
    All None but the metric: every stored part of the metric.
    """

    metric: str
    origin: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class Pull:
    """What one `pull()` returns; sync stores it in one transaction, or not at all."""

    parts: pd.DataFrame
    quarantine: pd.DataFrame
    supersedes: list[Supersede] = field(default_factory=list)
    # Origins whose earlier quarantined rows are replaced by this pull's (re-read files).
    reread_origins: list[str] = field(default_factory=list)
    # Handed back to the next pull unchanged (file fingerprints, last loaded periods...).
    state: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0  # source rows scanned (CSV) or transferred (SQL)
    notes: list[str] = field(default_factory=list)  # e.g. "3 files unchanged, skipped"


class SourceError(Exception):
    """A source could not be read. The message names the source and says what to do;
    it never contains a secret (URLs are masked)."""


class Connector(Protocol):
    """Reads one source. `pull` must not write anywhere; it raises SourceError on failure."""

    name: str

    def pull(
        self,
        metrics: Sequence[Metric],
        *,
        state: Mapping[str, Any],
        timezone: str,
        progress: Progress | None = None,
    ) -> Pull: ...


def empty_parts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_PART_DTYPES[c]) for c in PART_COLUMNS})


def parts_frame(columns: dict[str, list]) -> pd.DataFrame:
    """Parts from one list of values per contract column, each cast to its contract dtype
    (column by column: much cheaper than casting a whole frame)."""
    return pd.DataFrame({c: pd.Series(columns[c], dtype=_PART_DTYPES[c]) for c in PART_COLUMNS})


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": pd.Series(dtype="object"),
            "line": pd.Series(dtype="Int64"),
            "reason": pd.Series(dtype="object"),
            "row": pd.Series(dtype="object"),
        }
    )


_PART_DTYPES = {
    "metric": "object",
    "origin": "object",
    "period": "object",  # datetime.date values
    "dims": "object",
    "n": "Int64",
    "total": "float64",
    "minimum": "float64",
    "maximum": "float64",
    "num": "float64",
    "den": "float64",
    "last_at": "datetime64[us]",
    "last": "float64",
    "value": "float64",
}


class FakeConnector:
    """Serves fixed parts, for tests: `FakeConnector("warehouse", parts_frame)`.

    Set `error` to make every pull fail with that SourceError message.
    """

    def __init__(
        self,
        name: str,
        parts: pd.DataFrame | None = None,
        quarantine: pd.DataFrame | None = None,
        error: str | None = None,
    ):
        self.name = name
        self.parts = parts if parts is not None else empty_parts()
        self.quarantine = quarantine if quarantine is not None else empty_quarantine()
        self.error = error
        self.calls = 0

    def pull(self, metrics, *, state, timezone, progress=None) -> Pull:
        self.calls += 1
        if self.error:
            raise SourceError(self.error)
        wanted = {m.id for m in metrics}
        parts = self.parts[self.parts["metric"].isin(wanted)].reset_index(drop=True)
        return Pull(
            parts=parts,
            quarantine=self.quarantine,
            supersedes=[Supersede(metric=m) for m in sorted(wanted)],
            state={"calls": self.calls},
            rows_read=len(parts),
        )
