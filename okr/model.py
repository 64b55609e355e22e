"""The domain types of a loaded catalog: settings, sources, metrics, objectives, key results.

Instances are built only by `okr.catalog.load_catalog`, which has validated every rule of
the catalog format; past that boundary a `Catalog` is known to be consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

Agg = Literal["sum", "count", "count_distinct", "avg", "min", "max", "median", "last", "ratio"]
Grain = Literal["day", "week", "month"]
Format = Literal["number", "percent", "currency", "duration"]
Commitment = Literal["committed", "aspirational"]

AGGS: tuple[str, ...] = (
    "sum",
    "count",
    "count_distinct",
    "avg",
    "min",
    "max",
    "median",
    "last",
    "ratio",
)
# Aggregations whose value over a window cannot be rebuilt from stored per-period parts.
NON_ADDITIVE_AGGS: frozenset[str] = frozenset({"count_distinct", "median", "last"})
GRAINS: tuple[str, ...] = ("day", "week", "month")
FORMATS: tuple[str, ...] = ("number", "percent", "currency", "duration")


@dataclass(frozen=True)
class Tolerance:
    """How far behind pace, as a share of the baseline-to-target span, a KR may fall.

    A gap below -at_risk is at risk; below -off_track it is off track.
    """

    at_risk: float = 0.10
    off_track: float = 0.25


@dataclass(frozen=True)
class Settings:
    """Catalog-wide settings; `store` is already resolved against the catalog's folder."""

    store: Path
    timezone: str = "UTC"
    tolerance: Tolerance = field(default_factory=Tolerance)


@dataclass(frozen=True)
class Source:
    """Where metric rows come from.

    `type` is "csv" (`path` is a folder, resolved against the catalog's folder) or "sql"
    (`url` is the SQLAlchemy URL as written, `${VAR}` unexpanded: expand it only when the
    source is used, with `okr.secrets.expand`, and never print the result).
    """

    id: str
    type: Literal["csv", "sql"]
    path: Path | None = None
    url: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Metric:
    """A metric defined once: how to read it from its source and how to aggregate it.

    Exactly one of `table` (with `time`) or `sql` says where rows come from. A `sql` query
    yields columns `time`, `value` (or `numerator`, `denominator` for ratios) and the
    dimensions. `value` is a column or a SQL expression over one row; it is None for a
    ratio, and for `count` it may be None (count rows). `freshness` is None when the metric
    is never considered stale.
    """

    id: str
    source: str
    agg: str
    grain: str = "day"
    table: str | None = None
    sql: str | None = None
    time: str | None = None
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    filter: str | None = None
    dimensions: tuple[str, ...] = ()
    label: str = ""
    description: str = ""
    owner: str | None = None
    unit: str = ""
    format: str = "number"
    freshness: timedelta | None = None
    line: int = 0

    @property
    def title(self) -> str:
        return self.label or self.id

    @property
    def additive(self) -> bool:
        """True when windows and coarser grains can be rebuilt exactly from stored parts."""
        return self.agg not in NON_ADDITIVE_AGGS


@dataclass(frozen=True)
class Measure:
    """How a KR reads its metric at a date t.

    kind "latest": the newest stored period starting on or before t;
    "trailing": the metric over the `days` days ending on t;
    "to_date": the metric from the KR's start to t.
    """

    kind: Literal["latest", "trailing", "to_date"] = "latest"
    days: int | None = None

    def __str__(self) -> str:
        return f"trailing {self.days}d" if self.kind == "trailing" else self.kind


@dataclass(frozen=True)
class KeyResult:
    """A metric moving from `baseline` to `target` between `start` and `end` (inclusive dates).

    `baseline` is a number, "auto" (the measured value at start) or None (not given: treated
    as auto, and `okr lint` warns). A KR that must hold a level has `level` set to ">=" or
    "<=" and `target` is the level; its baseline is optional. `tolerance` is already merged
    with the catalog's settings. `checkpoints` are (date, value) pairs sorted by date,
    strictly inside the window.
    """

    id: str
    title: str
    metric: str
    objective: str
    start: date
    end: date
    target: float
    baseline: float | Literal["auto"] | None = None
    level: Literal[">=", "<="] | None = None
    where: tuple[tuple[str, str], ...] = ()
    measure: Measure = field(default_factory=Measure)
    commitment: str = "committed"
    owner: str | None = None
    weight: float = 1.0
    tolerance: Tolerance = field(default_factory=Tolerance)
    checkpoints: tuple[tuple[date, float], ...] = ()
    line: int = 0

    @property
    def success_grade(self) -> float:
        """The grade at which this KR counts as a success: 1.0 committed, 0.7 aspirational."""
        return 0.7 if self.commitment == "aspirational" else 1.0


@dataclass(frozen=True)
class Objective:
    """A qualitative goal over a window, measured by its key results."""

    id: str
    title: str
    start: date
    end: date
    key_results: tuple[KeyResult, ...] = ()
    owner: str | None = None
    parent: str | None = None
    tags: tuple[str, ...] = ()
    cycle: str | None = None
    line: int = 0

    @property
    def cycle_label(self) -> str:
        return self.cycle or f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass(frozen=True)
class Catalog:
    """A validated catalog: everything `metrics.yml` defines, cross-references resolved."""

    path: Path
    settings: Settings
    sources: dict[str, Source]
    metrics: dict[str, Metric]
    objectives: tuple[Objective, ...]

    def key_results(self) -> tuple[KeyResult, ...]:
        return tuple(kr for objective in self.objectives for kr in objective.key_results)

    def key_result(self, kr_id: str) -> KeyResult | None:
        return next((kr for kr in self.key_results() if kr.id == kr_id), None)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    def metrics_of(self, source_id: str) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics.values() if m.source == source_id)
