"""Scenario 1, CSV sync: a large event export into five day-grain metrics.

Floor: DuckDB alone, one `read_csv` + `GROUP BY` computing the five aggregates. Peer: pandas
`read_csv` + `groupby`, as a hand-written script would. Contender: `okr.sync.sync` on a
catalog of the five metrics over the export's folder, into a fresh store each run.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import events
from bench.common import (
    Contender,
    Goal,
    ScenarioResult,
    Settings,
    Stopwatch,
    measure,
    say,
    workspace,
)

TIME_GOAL = 1.3
MEMORY_GOAL = 1.2

FLOOR_SQL = f"""
SELECT CAST(date_trunc('day', "timestamp") AS DATE) AS day,
       count(*) AS events,
       sum(value) AS revenue,
       avg(value) AS basket,
       sum(CASE WHEN value >= {events.RATIO_THRESHOLD} THEN 1 ELSE 0 END) / count(*) AS big_share,
       count(DISTINCT "user") AS users
FROM read_csv(?)
GROUP BY day
"""


def catalog_for(folder: Path, source_folder: Path) -> Path:
    """The five metrics over the CSV files `events_*.csv` in `source_folder`."""
    return events.five_metrics_catalog(
        folder / "metrics.yml",
        # A JSON string is a YAML string: any folder name is written safely.
        source=f"    type: csv\n    path: {json.dumps(str(source_folder))}",
        table="events_*.csv",
        time="timestamp",
        user="user",
    )


def run(settings: Settings) -> ScenarioResult:
    export = events.export(settings.rows, settings.seed)
    size_mb = export.stat().st_size / 1e6
    result = ScenarioResult(
        key="csv_sync",
        title="1. CSV sync",
        setup=f"{settings.rows:,} events, {size_mb:.0f} MB, five metrics at day grain",
        floor="DuckDB read_csv + GROUP BY",
    )
    work = workspace() / "csv_sync"
    catalog = catalog_for(work, export.parent)
    say(f"{result.title}: {result.setup}")
    result.okr = Contender(
        "okr sync", "csv_sync", "okr_sync", {"catalog": str(catalog)}, repeat=settings.repeat
    )
    result.rows = measure(
        Contender(
            result.floor, "csv_sync", "duckdb_floor", {"path": str(export)}, repeat=settings.repeat
        ),
        result.okr,
        Contender(
            "pandas read_csv + groupby",
            "csv_sync",
            "pandas_peer",
            {"path": str(export)},
            repeat=settings.slow_repeat,
        ),
    )
    floor, okr, peer = result.rows
    time_ratio, memory_ratio = result.ratio(okr)
    result.goals.append(
        Goal(
            f"okr sync time <= {TIME_GOAL}x the floor",
            f"{time_ratio:.2f}x",
            time_ratio <= TIME_GOAL,
        )
    )
    result.goals.append(
        Goal(
            f"okr sync peak memory <= {MEMORY_GOAL}x the floor",
            f"{memory_ratio:.2f}x",
            memory_ratio <= MEMORY_GOAL,
        )
    )
    result.notes.append(
        f"okr sync against the pandas peer: {okr.best / peer.best:.2f}x its time, "
        f"{okr.peak_mb / peer.peak_mb:.2f}x its peak memory; the floor runs "
        f"{peer.best / floor.best:.1f}x faster than the peer"
    )
    result.notes.append(agreement({m.contender: m.details["checksum"] for m in result.rows}))
    result.notes.append(
        "memory before the timed work (interpreter and imports): "
        + ", ".join(f"{m.contender} {m.details['rss_before_mb']:.0f} MB" for m in result.rows)
    )
    return result


def agreement(checksums: dict[str, list[float]]) -> str:
    """Whether every contender computed the same totals (a fast wrong answer is no result)."""
    first = next(iter(checksums.values()))
    same = all(
        all(abs(a - b) <= 1e-6 * max(1.0, abs(a)) for a, b in zip(first, other, strict=True))
        for other in checksums.values()
    )
    shown = "events {:,.0f}, revenue {:,.2f}, big-value events {:,.0f}, day-users {:,.0f}"
    if same:
        return f"{' and '.join(checksums)} computed the same totals: " + shown.format(*first)
    return "RESULTS DISAGREE: " + "; ".join(
        f"{name}: " + shown.format(*sums) for name, sums in checksums.items()
    )


# -- contenders: each runs in its own process (`bench.child`), importing only what it uses ----


def duckdb_floor(path: str) -> dict:
    import duckdb

    with Stopwatch() as watch, duckdb.connect() as con:
        rows = con.execute(FLOOR_SQL, [path]).fetchall()
    checksum = [
        sum(r[1] for r in rows),
        sum(r[2] for r in rows),
        sum(r[4] * r[1] for r in rows),
        sum(r[5] for r in rows),
    ]
    return watch.result(periods=len(rows), checksum=checksum)


def okr_sync(catalog: str) -> dict:
    # The connector is imported before the clock starts, as every contender's imports are
    # (okr.sync imports it on first use; this machine may not cache compiled modules).
    import connectors.csv  # noqa: F401
    from okr.catalog import load_catalog
    from okr.store import Store
    from okr.sync import sync

    loaded = load_catalog(catalog)
    remove_store(loaded.settings.store)
    with Stopwatch() as watch:
        records = sync(loaded)
    return watch.result(**sync_outcome(records, Store(loaded.settings.store)))


def remove_store(path: Path) -> None:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()


def sync_outcome(records, store) -> dict:
    """The sync record's counts and the stored totals, for checking the contenders agree."""
    failed = [r for r in records if not r.ok]
    if failed:
        raise RuntimeError(f"okr sync failed: {failed[0].error}")
    totals = store.query(
        # Additive metrics are stored at their finest grouping; count_distinct also in total.
        """SELECT metric, sum(n) AS n, sum(total) AS total, sum(num) AS num, sum(value) AS value
           FROM parts WHERE metric <> 'users' OR dims = '{}' GROUP BY metric"""
    ).set_index("metric")
    checksum = [
        float(totals.loc["events", "n"]),
        float(totals.loc["revenue", "total"]),
        float(totals.loc["big_share", "num"]),
        float(totals.loc["users", "value"]),
    ]
    return {
        "rows_read": sum(r.rows_read or 0 for r in records),
        "parts": sum(r.parts or 0 for r in records),
        "notes": "; ".join(r.notes or "" for r in records),
        "checksum": checksum,
    }


def pandas_peer(path: str) -> dict:
    import pandas as pd

    with Stopwatch() as watch:
        frame = pd.read_csv(path, parse_dates=["timestamp"])
        frame["day"] = frame["timestamp"].dt.floor("D")
        frame["big"] = (frame["value"] >= events.RATIO_THRESHOLD).astype("int64")
        days = frame.groupby("day").agg(
            events=("value", "size"),
            revenue=("value", "sum"),
            basket=("value", "mean"),
            big=("big", "sum"),
            users=("user", "nunique"),
        )
        days["big_share"] = days["big"] / days["events"]
    checksum = [
        float(days["events"].sum()),
        float(days["revenue"].sum()),
        float(days["big"].sum()),
        float(days["users"].sum()),
    ]
    return watch.result(periods=len(days), checksum=checksum)
