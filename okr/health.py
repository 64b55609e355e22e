"""The health of the data: per source its last sync, rows, errors and quarantined rows; per
metric its newest period, age and staleness, and the key results that read it.

`read_health` gathers everything from the store in a handful of queries; the rest are pure
functions of what it read, so pages only draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from okr import secrets
from okr.model import Catalog, KeyResult, Metric, Source
from okr.report import is_stale
from okr.store import Store, SyncRecord

QUARANTINE_PREVIEW_ROWS = 20
HISTORY_ROWS = 20


@dataclass(frozen=True)
class SourceHealth:
    """One source: where it reads from (never with a password), how its syncs went.

    `last_sync` is the latest attempt, `last_success` the latest that worked (the values
    shown come from it); `history` is the sync log, newest first.
    """

    source: Source
    location: str
    metrics: tuple[str, ...]
    last_sync: SyncRecord | None
    last_success: SyncRecord | None
    parts_stored: int
    quarantined: int
    history: tuple[SyncRecord, ...] = ()

    @property
    def failing(self) -> bool:
        return self.last_sync is not None and not self.last_sync.ok

    @property
    def state(self) -> str:
        """ "failing" (the last sync failed), "never_synced" or "ok"."""
        if self.last_sync is None:
            return "never_synced"
        return "failing" if self.failing else "ok"


@dataclass(frozen=True)
class MetricHealth:
    """One metric at `as_of`: its newest stored period and whether that is too old.

    `age_days` counts from the start of the newest period; `stale` follows the same rule
    as a key result's stale flag (older than the metric's `freshness`).
    """

    metric: Metric
    newest_period: date | None
    age_days: int | None
    stale: bool
    key_results: tuple[KeyResult, ...]
    source_failing: bool

    @property
    def state(self) -> str:
        """ "no_data", "stale" or "fresh"."""
        if self.newest_period is None:
            return "no_data"
        return "stale" if self.stale else "fresh"


@dataclass(frozen=True)
class Health:
    """Everything the Data health page shows, read at one moment."""

    as_of: date
    sources: tuple[SourceHealth, ...]
    metrics: tuple[MetricHealth, ...]
    quarantine: pd.DataFrame  # source, origin, line, reason, row, quarantined_at

    def quarantined_rows(self, source: str) -> pd.DataFrame:
        """The source's quarantined rows, ordered by file and line."""
        rows = self.quarantine[self.quarantine["source"] == source]
        return rows.drop(columns=["source"]).reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        """How many sources are ok / failing / never synced, how many metrics are fresh /
        stale / without data, and how many rows are quarantined."""
        counts = {key: 0 for key in ("ok", "failing", "never_synced", "fresh", "stale", "no_data")}
        for source in self.sources:
            counts[source.state] += 1
        for metric in self.metrics:
            counts[metric.state] += 1
        counts["quarantined"] = len(self.quarantine)
        return counts

    @property
    def last_synced_at(self) -> datetime | None:
        """When the newest sync attempt of any source finished (naive UTC)."""
        finished = [s.last_sync.finished_at for s in self.sources if s.last_sync]
        return max(finished) if finished else None

    @property
    def failing_sources(self) -> tuple[str, ...]:
        return tuple(s.source.id for s in self.sources if s.failing)

    @property
    def stale_metrics(self) -> tuple[str, ...]:
        return tuple(m.metric.id for m in self.metrics if m.stale)


def read_health(catalog: Catalog, store: Store, as_of: date) -> Health:
    """The health of every source and metric of the catalog, from the store at `as_of`."""
    history = store.syncs(limit=HISTORY_ROWS * max(1, len(catalog.sources)))
    quarantine = store.quarantined()
    return build_health(
        catalog,
        as_of,
        last_syncs=store.last_syncs(),
        last_successes=store.last_good_syncs(),
        history=history,
        parts_by_source=store.source_rows(),
        quarantine=quarantine,
        newest_periods=store.newest_periods(),
    )


def build_health(
    catalog: Catalog,
    as_of: date,
    *,
    last_syncs: Mapping[str, SyncRecord],
    last_successes: Mapping[str, SyncRecord],
    history: Sequence[SyncRecord],
    parts_by_source: Mapping[str, int],
    quarantine: pd.DataFrame,
    newest_periods: Mapping[str, date],
) -> Health:
    """`Health` from what the store holds; sources and metrics in catalog order."""
    counts = quarantine["source"].value_counts().to_dict() if len(quarantine) else {}
    sources = tuple(
        SourceHealth(
            source=source,
            location=source_location(source, catalog.path.parent),
            metrics=tuple(m.id for m in catalog.metrics_of(source.id)),
            last_sync=last_syncs.get(source.id),
            last_success=last_successes.get(source.id),
            parts_stored=int(parts_by_source.get(source.id, 0)),
            quarantined=int(counts.get(source.id, 0)),
            history=tuple(r for r in history if r.source == source.id)[:HISTORY_ROWS],
        )
        for source in catalog.sources.values()
    )
    failing = {s.source.id for s in sources if s.failing}
    metrics = tuple(
        metric_health(
            metric,
            newest_periods.get(metric.id),
            as_of,
            key_results=tuple(kr for kr in catalog.key_results() if kr.metric == metric.id),
            source_failing=metric.source in failing,
        )
        for metric in catalog.metrics.values()
    )
    return Health(as_of=as_of, sources=sources, metrics=metrics, quarantine=quarantine)


def metric_health(
    metric: Metric,
    newest_period: date | None,
    as_of: date,
    *,
    key_results: tuple[KeyResult, ...] = (),
    source_failing: bool = False,
) -> MetricHealth:
    """How fresh `metric` is at `as_of`, given its newest stored period."""
    age = None if newest_period is None else max(0, (as_of - newest_period).days)
    return MetricHealth(
        metric=metric,
        newest_period=newest_period,
        age_days=age,
        stale=is_stale(metric, newest_period, as_of),
        key_results=key_results,
        source_failing=source_failing,
    )


def source_location(
    source: Source, catalog_folder: Path, environ: Mapping[str, str] | None = None
) -> str:
    """Where a source reads from, fit to show: a CSV folder (relative to the catalog when
    inside it) or a SQL URL with its password masked."""
    if source.type == "csv":
        if source.path is None:
            return "–"
        try:
            return str(source.path.resolve().relative_to(catalog_folder.resolve()))
        except ValueError:
            return str(source.path)
    return secrets.display_url(source.url or "", environ)


def describe_duration(duration: timedelta | None) -> str:
    """A freshness as people say it: '2 days', '36 h', '1 week', '45 min'; '–' for none."""
    if duration is None:
        return "–"
    seconds = duration.total_seconds()
    for size, word in ((7 * 86400, "week"), (86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            if word in ("h", "min"):
                return f"{count} {word}"
            return f"{count} {word}{'s' if count != 1 else ''}"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def describe_age(days: int | None) -> str:
    """The age of a newest period: 'today', '1 day', '14 days'; '–' when unknown."""
    if days is None:
        return "–"
    if days == 0:
        return "today"
    return f"{days} day{'s' if days != 1 else ''}"


def describe_seconds(seconds: float) -> str:
    """How long a sync took: '0.4 s', '12 s', '3 min 5 s'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def local_time(moment: datetime, timezone: str) -> datetime:
    """A naive UTC time from the store, in the catalog's timezone."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(timezone))


def describe_moment(moment: datetime | None, timezone: str) -> str:
    """'2026-08-15 09:30 CEST': a naive UTC time from the store, in the catalog's timezone."""
    if moment is None:
        return "never"
    return local_time(moment, timezone).strftime("%Y-%m-%d %H:%M %Z")


def history_frame(records: Sequence[SyncRecord], timezone: str) -> pd.DataFrame:
    """The sync log as a table: when, outcome, duration, rows read, parts, quarantined, error."""
    frame = pd.DataFrame(
        [
            {
                "when": local_time(r.started_at, timezone).replace(tzinfo=None),
                "outcome": "✓ OK" if r.ok else "⚠ Failed",
                "seconds": round(r.seconds, 2),
                "rows_read": r.rows_read,
                "parts": r.parts,
                "quarantined": r.quarantined,
                "error": r.error or "",
            }
            for r in records
        ],
        columns=["when", "outcome", "seconds", "rows_read", "parts", "quarantined", "error"],
    )
    # A failed sync read nothing: its counts are unknown, not zero.
    return frame.astype({"rows_read": "Int64", "parts": "Int64", "quarantined": "Int64"})
