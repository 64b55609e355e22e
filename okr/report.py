"""The status of every objective and key result at a date, read from the store.

This is what `okr status` prints and what every page draws: pages never compute a status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from okr.measure import MetricSeries, Trajectory, kr_trajectory
from okr.model import Catalog, KeyResult, Metric, Objective
from okr.status import KRStatus, ObjectiveStatus, evaluate_kr, rollup
from okr.store import Store, SyncRecord


@dataclass(frozen=True)
class KRReport:
    """A key result with its metric, measured series and status at `as_of`."""

    kr: KeyResult
    metric: Metric
    status: KRStatus
    points: Trajectory
    series: MetricSeries
    source_failing: bool = False

    @property
    def id(self) -> str:
        return self.kr.id


@dataclass(frozen=True)
class ObjectiveReport:
    objective: Objective
    status: ObjectiveStatus
    key_results: tuple[KRReport, ...]

    @property
    def id(self) -> str:
        return self.objective.id


@dataclass(frozen=True)
class Report:
    as_of: date
    objectives: tuple[ObjectiveReport, ...]
    last_syncs: Mapping[str, SyncRecord] = field(default_factory=dict)

    def key_results(self) -> tuple[KRReport, ...]:
        return tuple(kr for o in self.objectives for kr in o.key_results)

    def key_result(self, kr_id: str) -> KRReport | None:
        return next((kr for kr in self.key_results() if kr.id == kr_id), None)

    def counts(self) -> dict[str, int]:
        """How many KRs have each status."""
        counts: dict[str, int] = {}
        for kr in self.key_results():
            counts[kr.status.status] = counts.get(kr.status.status, 0) + 1
        return counts

    @property
    def last_updated(self) -> datetime | None:
        """When the newest successful sync finished (naive UTC)."""
        finished = [r.finished_at for r in self.last_syncs.values() if r.ok]
        return max(finished) if finished else None


def evaluate(catalog: Catalog, store: Store, as_of: date) -> Report:
    """Measure and judge every key result of the catalog at `as_of`."""
    with store.session():
        last_syncs = store.last_syncs()
        slices = store.slice_columns(
            [(catalog.metrics[kr.metric], kr.where) for kr in catalog.key_results()]
        )
    series_cache = {
        (metric_id, where): MetricSeries.from_columns(catalog.metrics[metric_id], columns)
        for (metric_id, where), columns in slices.items()
    }
    kr_reports = {
        kr.id: evaluate_one(
            kr, catalog.metrics[kr.metric], series_cache[(kr.metric, kr.where)], as_of, last_syncs
        )
        for kr in catalog.key_results()
    }
    objective_statuses = rollup(
        catalog.objectives, {kr_id: r.status for kr_id, r in kr_reports.items()}
    )
    objectives = tuple(
        ObjectiveReport(
            objective=o,
            status=objective_statuses[o.id],
            key_results=tuple(kr_reports[kr.id] for kr in o.key_results),
        )
        for o in catalog.objectives
    )
    return Report(as_of=as_of, objectives=objectives, last_syncs=last_syncs)


def evaluate_one(
    kr: KeyResult,
    metric: Metric,
    series: MetricSeries,
    as_of: date,
    last_syncs: Mapping[str, SyncRecord] | None = None,
) -> KRReport:
    """One key result's status at `as_of` from its metric's series."""
    judged_on = min(as_of, kr.end)
    baseline = kr.baseline
    if baseline in ("auto", None) and kr.level is None:
        baseline = series.measure_at(kr.measure, kr.start, kr.start)
    elif baseline in ("auto", None):
        baseline = None
    current = series.measure_at(kr.measure, kr.start, judged_on) if as_of >= kr.start else None
    points = kr_trajectory(kr, series, as_of)
    data_as_of = series.newest_period(on_or_before=as_of)
    stale = is_stale(metric, data_as_of, as_of)
    failing = source_failing(metric.source, last_syncs or {}, as_of)
    status = evaluate_kr(
        kr,
        as_of,
        baseline=baseline,
        current=current,
        points=points,
        data_as_of=data_as_of,
        stale=stale or failing,
    )
    return KRReport(
        kr=kr,
        metric=metric,
        status=status,
        points=points,
        series=series,
        source_failing=failing,
    )


def is_stale(metric: Metric, newest_period: date | None, as_of: date) -> bool:
    """True when the metric's newest period is older than its freshness at `as_of`."""
    if metric.freshness is None or newest_period is None:
        return False
    age = as_of - newest_period
    return age > _whole_days(metric.freshness)


def source_failing(source: str, last_syncs: Mapping[str, SyncRecord], as_of: date) -> bool:
    """True when the source's latest sync failed (on or before `as_of`)."""
    record = last_syncs.get(source)
    return record is not None and not record.ok and record.finished_at.date() <= as_of


def _whole_days(duration: timedelta) -> timedelta:
    # Periods are dates: a freshness of 36h tolerates a period one day old, not two.
    return timedelta(days=duration.total_seconds() / 86400)


def to_json(report: Report) -> dict[str, Any]:
    """The `okr status --json` object of SPEC §5 (more keys may follow; none are renamed)."""
    return {
        "as_of": report.as_of.isoformat(),
        "objectives": [_objective_json(o) for o in report.objectives],
    }


def _objective_json(item: ObjectiveReport) -> dict[str, Any]:
    o = item.objective
    return {
        "id": o.id,
        "title": o.title,
        "progress": _number(item.status.progress),
        "status": item.status.status,
        "owner": o.owner,
        "parent": o.parent,
        "tags": list(o.tags),
        "cycle": o.cycle,
        "start": o.start.isoformat(),
        "end": o.end.isoformat(),
        "key_results": [_kr_json(kr) for kr in item.key_results],
    }


def _kr_json(item: KRReport) -> dict[str, Any]:
    kr, s = item.kr, item.status
    return {
        "id": kr.id,
        "title": kr.title,
        "metric": kr.metric,
        "baseline": _number(s.baseline),
        "target": _number(kr.target),
        "current": _number(s.current),
        "expected": _number(s.expected),
        "progress": _number(s.progress),
        "gap": _number(s.gap),
        "grade": _number(s.grade),
        "status": s.status,
        "stale": s.stale,
        "data_as_of": s.data_as_of.isoformat() if s.data_as_of else None,
        "forecast": _number(s.forecast.value),
        "p_hit": _number(s.p_hit),
        "drifting": s.drifting,
        "forecast_low": _number(s.forecast.low),
        "forecast_high": _number(s.forecast.high),
        "elapsed": _number(s.elapsed),
        "level": kr.level,
        "measure": str(kr.measure),
        "commitment": kr.commitment,
        "owner": kr.owner,
        "weight": kr.weight,
        "where": dict(kr.where),
        "source_failing": item.source_failing,
        "unit": item.metric.unit,
        "format": item.metric.format,
    }


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return round(value, 6)
