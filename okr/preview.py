"""Look at a source without touching the store: its files or tables, their columns, and the
periods one metric would produce over a date range — what the catalog page shows before a save.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from connectors import connector_for
from connectors.base import Connector, SourceError, dims_key
from okr.cycles import period_start
from okr.measure import MetricSeries, kr_trajectory
from okr.model import Catalog, KeyResult, Metric, Source
from okr.report import evaluate_one
from okr.secrets import mask_urls
from okr.status import KRStatus, expected_at
from okr.store import additive_value

__all__ = [
    "DEFAULT_DAYS",
    "KRPreview",
    "Preview",
    "default_range",
    "pace_line",
    "preview_key_result",
    "preview_metric",
    "source_columns",
    "source_tables",
]

DEFAULT_DAYS = 90
_MAX_LISTED_FILES = 500
_PART_SUMS = ("n", "total", "num", "den")

ConnectorFactory = Callable[[Source], Connector]


@dataclass(frozen=True)
class Preview:
    """The periods a metric would produce between `first` and `last`, or why it cannot.

    `periods` has one row per period starting in the range (columns period, value, and the
    parts n, total, minimum, maximum, num, den, last). `error` is the source's own message
    (secrets masked) when it could not be read. `earlier` and `later` count periods the
    source has outside the range; `newest` is the newest period read at all.
    """

    metric: Metric
    first: date
    last: date
    periods: pd.DataFrame = field(compare=False, repr=False)
    rows_read: int = 0
    quarantined: int = 0
    quarantine_samples: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    earlier: int = 0
    later: int = 0
    newest: date | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def values(self) -> list[tuple[date, float | None]]:
        """(period, value) for each period in the range, oldest first."""
        return [
            (p, None if pd.isna(v) else float(v))
            for p, v in zip(self.periods["period"], self.periods["value"], strict=True)
        ]

    def series(self) -> MetricSeries:
        return MetricSeries(self.metric, self.periods)


@dataclass(frozen=True)
class KRPreview:
    """A key result drawn over a preview: its baseline, target, pace and measured values.

    `baseline` is resolved (None when `auto` cannot be measured from the previewed periods);
    `pace` is the line from (start, baseline) through the checkpoints to (end, target);
    `points` are the KR's measured values (per its `measure`) within the preview;
    `status` is what the KR would report at `as_of` with these periods.
    """

    kr: KeyResult
    baseline: float | None
    target: float
    pace: tuple[tuple[date, float], ...]
    points: tuple[tuple[date, float], ...]
    status: KRStatus


def default_range(today: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` days up to and including `today`."""
    return today - timedelta(days=days - 1), today


def preview_metric(
    catalog: Catalog,
    metric: Metric | str,
    first: date,
    last: date,
    *,
    where: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    connector_factory: ConnectorFactory | None = None,
) -> Preview:
    """Run one metric of `catalog` against its source and keep the periods in [first, last].

    Nothing is written: the connector gets no state, so it reads the source as if for the
    first time, and its parts are rolled up here. `where` picks one slice of the dimensions.
    """
    metric = catalog.metrics[metric] if isinstance(metric, str) else metric
    empty = _period_frame(pd.DataFrame(), metric)
    source = catalog.sources.get(metric.source)
    if source is None:
        return Preview(
            metric, first, last, empty, error=f"metric '{metric.id}' uses unknown source "
            f"'{metric.source}'; define it under sources:"
        )  # fmt: skip
    connector = (connector_factory or _default_factory(catalog, environ))(source)
    try:
        pull = connector.pull(
            [replace(metric)],
            state=_range_hint(source, metric, first),
            timezone=catalog.settings.timezone,
        )
    except SourceError as error:
        return Preview(metric, first, last, empty, error=mask_urls(str(error)))
    except Exception as error:  # a preview reports any failure of the source, never raises
        message = f"source '{source.id}' could not be read: {type(error).__name__}: {error}"
        return Preview(metric, first, last, empty, error=mask_urls(message))
    everything = _period_frame(_slice(pull.parts, metric, where), metric)
    first_period = period_start(first, metric.grain)
    in_range = (everything["period"] >= first_period) & (everything["period"] <= last)
    periods = everything[in_range].reset_index(drop=True)
    quarantine = pull.quarantine
    samples = tuple(
        f"{row.origin}:{'' if pd.isna(row.line) else int(row.line)}: {row.reason}"
        for row in quarantine.head(5).itertuples()
    )
    return Preview(
        metric=metric,
        first=first,
        last=last,
        periods=periods,
        rows_read=pull.rows_read,
        quarantined=len(quarantine),
        quarantine_samples=samples,
        notes=tuple(pull.notes),
        earlier=int((everything["period"] < first_period).sum()),
        later=int((everything["period"] > last).sum()),
        newest=max(everything["period"]) if len(everything) else None,
    )


def preview_key_result(preview: Preview, kr: KeyResult, as_of: date) -> KRPreview:
    """How `kr` reads the previewed periods: its pace, its measured values and its status."""
    series = preview.series()
    report = evaluate_one(kr, preview.metric, series, as_of)
    baseline = report.status.baseline
    pace = pace_line(kr, baseline) if baseline is not None or kr.level else ()
    points = tuple(
        (day, value) for day, value in kr_trajectory(kr, series, min(as_of, preview.last))
    )
    return KRPreview(
        kr=kr,
        baseline=baseline,
        target=kr.target,
        pace=pace,
        points=points,
        status=report.status,
    )


def pace_line(kr: KeyResult, baseline: float | None) -> tuple[tuple[date, float], ...]:
    """The KR's pace at its start, each checkpoint and its end (a level KR: the level)."""
    if kr.level is not None or baseline is None:
        return ((kr.start, kr.target), (kr.end, kr.target))
    days = [kr.start, *(day for day, _ in kr.checkpoints), kr.end]
    return tuple((day, expected_at(kr, baseline, day)) for day in days)


# -- looking at a source -------------------------------------------------------------------


def source_tables(
    catalog: Catalog, source_id: str, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """What a metric of the source can read: globs and CSV files, or tables and views.

    For a CSV folder, globs that match several exports of one kind (tickets_*.csv) come
    first, then each file. Raises SourceError when the source cannot be read.
    """
    source = _source(catalog, source_id)
    if source.type == "csv":
        return _csv_choices(source)
    from connectors.sql import SqlConnector

    connector = SqlConnector(source, environ=environ, base_dir=_folder(catalog))
    try:
        return connector.tables()
    except SourceError:
        raise
    except Exception as error:  # reported like any source failure, with secrets masked
        raise SourceError(
            mask_urls(f"source '{source_id}': {type(error).__name__}: {error}")
        ) from None


def source_columns(
    catalog: Catalog,
    source_id: str,
    table: str,
    *,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The columns of `table` (a CSV file or glob, or a SQL table) in the source.

    Raises SourceError when the source or the table cannot be read.
    """
    source = _source(catalog, source_id)
    connector = _default_factory(catalog, environ)(source)
    try:
        return list(connector.columns(table))
    except SourceError:
        raise
    except Exception as error:  # reported like any source failure, with secrets masked
        raise SourceError(
            mask_urls(f"source '{source_id}': table '{table}': {type(error).__name__}: {error}")
        ) from None


def _csv_choices(source: Source) -> list[str]:
    folder = Path(source.path or "")
    if not folder.is_dir():
        raise SourceError(
            f"source '{source.id}': the folder {folder} does not exist; create it or fix the "
            f"source's path: in metrics.yml"
        )
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith((".csv", ".csv.gz", ".tsv"))
    )[:_MAX_LISTED_FILES]
    groups: dict[str, int] = {}
    for name in files:
        pattern = re.sub(r"\d+(?:[-_.]\d+)*", "*", name)
        groups[pattern] = groups.get(pattern, 0) + 1
    globs = sorted(p for p, count in groups.items() if count > 1 and p not in files)
    return globs + files


# -- helpers --------------------------------------------------------------------------------


def _source(catalog: Catalog, source_id: str) -> Source:
    source = catalog.sources.get(source_id)
    if source is None:
        known = ", ".join(sorted(catalog.sources)) or "none"
        raise SourceError(f"unknown source '{source_id}'; the catalog defines: {known}")
    return source


def _folder(catalog: Catalog) -> Path:
    return Path(catalog.path).resolve().parent


def _default_factory(catalog: Catalog, environ: Mapping[str, str] | None) -> ConnectorFactory:
    def factory(source: Source) -> Connector:
        if source.type == "sql":
            from connectors.sql import SqlConnector

            return SqlConnector(source, environ=environ, base_dir=_folder(catalog))
        return connector_for(source, environ)

    return factory


def _range_hint(source: Source, metric: Metric, first: date) -> dict[str, str]:
    """State that makes a SQL source read only from about `first` on.

    The SQL connector takes state as "the last period already loaded" and re-reads from a
    period before it, so naming `first` bounds the query at the source; the periods before
    `first` that come along are dropped here. A CSV source gets no state: it reads every
    file, and the range is applied after reading.
    """
    if source.type != "sql":
        return {}
    return {metric.id: period_start(first, metric.grain).isoformat()}


def _slice(parts: pd.DataFrame, metric: Metric, where: Mapping[str, str] | None) -> pd.DataFrame:
    """The metric's parts for one slice: every stored grouping matching `where`."""
    if parts is None or not len(parts):
        return pd.DataFrame()
    mine = parts[parts["metric"] == metric.id]
    where = {str(k): str(v) for k, v in (where or {}).items()}
    if not metric.additive:
        return mine[mine["dims"] == dims_key(where)]
    if not where:
        return mine
    decoded = mine["dims"].map(json.loads)
    keep = decoded.map(lambda dims: all(dims.get(k) == v for k, v in where.items()))
    return mine[keep]


def _period_frame(parts: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """One row per period: additive parts summed over their dimensions, as the store does."""
    columns = ["period", *_PART_SUMS, "minimum", "maximum", "value"]
    if not len(parts):
        return pd.DataFrame(
            {c: pd.Series(dtype="object" if c == "period" else "float64") for c in columns}
        )
    frame = parts.copy()
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    for column in columns[1:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    grouped = frame.groupby("period", sort=True)
    # min_count=1: a part that was null everywhere stays null instead of summing to 0.
    result = pd.DataFrame({c: grouped[c].sum(min_count=1) for c in _PART_SUMS})
    result["minimum"] = grouped["minimum"].min()
    result["maximum"] = grouped["maximum"].max()
    result["value"] = grouped["value"].first()
    result = result.reset_index()
    if metric.additive:
        result["value"] = additive_value(metric.agg, result)
    return result[columns]
