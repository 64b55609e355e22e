"""A synthetic OKR portfolio: N metrics x 10 key results over 3 years of daily parts.

Shared by the status and overview benchmarks. Everything derives from a seed: each metric
follows its own trend (growth or decline, a weekly rhythm, noise); half of the metrics keep
a `region` dimension. The ten key results of a metric use every measure (latest, trailing
7/14/28/90 days, to_date), regional slices, checkpoints, levels to hold, automatic and
decreasing baselines, and cycles that are finished, running and not yet started on AS_OF.
The store is filled through `okr.sync.sync` with a `FakeConnector` serving the parts.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2025, 11, 15)
FIRST_DAY = AS_OF - timedelta(days=3 * 365)
REGIONS = ("EMEA", "AMER", "APAC", "LATAM")
REGION_SHARES = (0.4, 0.3, 0.2, 0.1)
AGGS = ("sum", "count", "avg", "ratio", "min", "max")
# Cycles of the two objectives of each metric: one running, finished or future on AS_OF.
CYCLES = ("2025-Q4", "2025-H2", "2025", "2025-Q3", "2026-Q1")
KRS_PER_METRIC = 10


def build(folder: str, metrics: int, seed: int) -> dict:
    """Child side: writes `folder`/metrics.yml and syncs its store; returns the sizes."""
    import numpy as np

    from connectors.base import FakeConnector
    from okr.catalog import load_catalog
    from okr.sync import sync

    rng = np.random.default_rng(seed)
    models = [_Model.draw(number, rng) for number in range(metrics)]
    path = Path(folder) / "metrics.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob("store.duckdb*"):
        stale.unlink()
    path.write_text(_catalog_yaml(models))
    catalog = load_catalog(path)
    parts = _parts(models, rng)
    records = sync(catalog, connector_factory=lambda source: FakeConnector(source.id, parts))
    failed = [r.error for r in records if not r.ok]
    if failed:
        raise RuntimeError(f"building the portfolio store failed: {failed[0]}")
    return {
        "catalog": str(path),
        "key_results": len(catalog.key_results()),
        "objectives": len(catalog.objectives),
        "parts": len(parts),
    }


class _Model:
    """One metric's generating process; `level(day)` is its expected daily value."""

    def __init__(self, number: int, agg: str, scale: float, growth: float, regional: bool):
        self.id = f"m{number:03d}"
        self.number = number
        self.agg = agg
        self.scale = scale
        self.growth = growth
        self.regional = regional

    @classmethod
    def draw(cls, number: int, rng) -> _Model:
        return cls(
            number,
            AGGS[number % len(AGGS)],
            scale=float(rng.uniform(50, 500)),
            growth=float(rng.uniform(-0.2, 0.6)),
            regional=number % 2 == 0,
        )

    def trend(self, day: date) -> float:
        return 1 + self.growth * (day - FIRST_DAY).days / (AS_OF - FIRST_DAY).days

    def events(self, day: date) -> float:
        return self.scale * self.trend(day)

    def mean(self, day: date) -> float:
        return 20 * self.trend(day)

    def share(self, day: date) -> float:
        return min(0.9, 0.3 * self.trend(day))

    def expected(self, day: date, days: int, share: float = 1.0) -> float:
        """Roughly what a KR reads over `days` days ending on `day` (1: one day's value)."""
        if self.agg == "count":
            return self.events(day) * days * share
        if self.agg == "sum":
            return self.events(day) * self.mean(day) * days * share
        if self.agg == "avg":
            return self.mean(day)
        if self.agg == "ratio":
            return self.share(day)
        if self.agg == "min":
            return self.mean(day) * 0.05
        return self.mean(day) * 6  # max


def _catalog_yaml(models: list[_Model]) -> str:
    lines = [
        "version: 1",
        "settings:",
        "  store: store.duckdb",
        "  timezone: UTC",
        "sources:",
        "  warehouse:",
        "    type: csv",
        "    path: .",
        "metrics:",
    ]
    for model in models:
        lines += [f"  {model.id}:", f"    label: Metric {model.number}", "    source: warehouse"]
        lines += [f"    table: t{model.number:03d}.csv", "    time: at", f"    agg: {model.agg}"]
        if model.agg == "ratio":
            lines += ["    numerator: hit", '    denominator: "1"', "    format: percent"]
        elif model.agg != "count":
            lines.append("    value: v")
        if model.regional:
            lines.append("    dimensions: [region]")
        lines.append("    freshness: 3d")
    lines.append("objectives:")
    for model in models:
        for half in (0, 1):
            lines += _objective_yaml(model, half)
    return "\n".join(lines) + "\n"


def _objective_yaml(model: _Model, half: int) -> list[str]:
    from okr.cycles import parse_cycle

    cycle = CYCLES[(model.number + 2 * half) % len(CYCLES)]
    start, end = parse_cycle(cycle)
    lines = [
        f"  - id: o{model.number:03d}-{half}",
        f"    title: Objective {half} of metric {model.number}",
        f"    owner: Team {model.number % 7}",
        f"    tags: [{'leadership' if model.number % 3 == 0 else 'team'}]",
        f"    cycle: {cycle}",
        "    key_results:",
    ]
    for variant in range(half * 5, half * 5 + 5):
        lines += ["      " + line for line in _kr_yaml(model, variant, start, end)]
    return lines


def _kr_yaml(model: _Model, variant: int, start: date, end: date) -> list[str]:
    """The ten variants: each a different measure, baseline, slice or target kind."""
    measure, days, uplift = {
        0: ("latest", 1, 0.10),
        1: ("trailing 7d", 7, 0.15),
        2: ("trailing 28d", 28, 0.05),
        3: ("trailing 90d", 90, 0.20),
        4: ("to_date", (end - start).days + 1, 0.0),
        5: ("latest", 1, -0.10),
        6: ("trailing 28d", 28, 0.0),
        7: ("trailing 14d", 14, 0.30),
        8: ("latest", 1, 0.0),
        9: ("to_date", (end - start).days + 1, 0.05),
    }[variant]
    where = model.regional and variant in (5, 6)
    share = REGION_SHARES[0] if where else 1.0
    if measure == "to_date":
        # Cumulative KRs start from zero and aim at the whole window's expected total.
        base = 0.0
        goal = model.expected(end, days, share) * (1 + uplift)
        if model.agg not in ("count", "sum"):
            base, goal = model.expected(start, 1), model.expected(start, 1) * 1.1
    else:
        base = model.expected(start, days, share)
        goal = base * (1 + uplift)
    lines = [
        f"- id: {model.id}-kr{variant}",
        f"  title: Key result {variant} of metric {model.number}",
        f"  metric: {model.id}",
        f"  measure: {measure}",
    ]
    if where:
        lines.append(f"  where: {{region: {REGIONS[0]}}}")
    if variant in (6, 8):
        level = ">=" if variant == 6 else "<="
        lines.append(f"  target: '{level} {_number(base * (0.97 if level == '>=' else 1.03))}'")
    else:
        lines.append(f"  target: {_number(goal)}")
        lines.append("  baseline: auto" if variant in (1, 7) else f"  baseline: {_number(base)}")
    if variant in (2, 9):
        middle = start + (end - start) / 2
        lines.append(f"  checkpoints: {{{middle.isoformat()}: {_number((base + goal) / 2)}}}")
    if variant == 3:
        lines.append("  commitment: aspirational")
    if variant == 9:
        lines.append("  weight: 2")
    return lines


def _number(value: float) -> str:
    return f"{value:.6g}"


def _parts(models: list[_Model], rng):
    """Every metric's parts: one per day, and per region for regional metrics."""
    import numpy as np
    import pandas as pd

    days = [FIRST_DAY + timedelta(days=n) for n in range((AS_OF - FIRST_DAY).days)]
    weekly = np.array([1.0, 1.05, 1.05, 1.0, 0.95, 0.6, 0.5])[[d.weekday() for d in days]]
    frames = []
    for model in models:
        members = REGIONS if model.regional else (None,)
        shares = REGION_SHARES if model.regional else (1.0,)
        trend = np.array([model.trend(d) for d in days])
        for member, share in zip(members, shares, strict=True):
            n = rng.poisson(model.scale * trend * weekly * share) + 1
            mean = 20 * trend * rng.normal(1, 0.05, len(days))
            total = n * mean
            hits = rng.binomial(n, np.minimum(0.9, 0.3 * trend))
            frame = pd.DataFrame(
                {
                    "metric": model.id,
                    "origin": "",
                    "period": days,
                    "dims": '{"region":"' + member + '"}' if member else "{}",
                    "n": n,
                    "total": total if model.agg != "ratio" else np.nan,
                    "minimum": mean * 0.05,
                    "maximum": mean * 6,
                    "num": hits if model.agg == "ratio" else np.nan,
                    "den": n if model.agg == "ratio" else np.nan,
                    "last_at": pd.to_datetime(days) + pd.Timedelta(hours=23),
                    "last": mean,
                }
            )
            if model.agg == "count":
                frame["total"] = frame["n"].astype("float64")
            frame["value"] = {
                "sum": frame["total"],
                "count": frame["n"].astype("float64"),
                "avg": frame["total"] / frame["n"],
                "ratio": frame["num"] / frame["den"],
                "min": frame["minimum"],
                "max": frame["maximum"],
            }[model.agg]
            frames.append(frame)
    parts = pd.concat(frames, ignore_index=True)
    parts["n"] = parts["n"].astype("Int64")
    return parts
