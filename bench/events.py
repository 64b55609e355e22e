"""The event exports every sync benchmark reads: (timestamp, user, region, value) rows.

They are generated from a seed, so a given (rows, seed) is the same file on every machine,
and cached under bench/data. Rows are spread evenly over DAYS days starting FIRST_DAY and
sorted by time, as an export is; about 41 bytes a row (10 million rows: about 410 MB).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from bench.common import DATA, call, say, shown

FIRST_DAY = date(2025, 1, 1)
DAYS = 365
USERS = 500_000
REGIONS = ("EMEA", "AMER", "APAC", "LATAM")
REGION_SHARES = (0.4, 0.3, 0.2, 0.1)
# The ratio metric counts events at or above this value (about a third of them).
RATIO_THRESHOLD = 50
EXPORT_NAME = "events_0000.csv"
NEXT_DAY_NAME = "events_0001.csv"


def folder(rows: int, seed: int) -> Path:
    return DATA / f"events-s{seed}-n{rows}"


def export(rows: int, seed: int) -> Path:
    """The full export (DAYS days), written on first use. It sits alone in its folder."""
    path = folder(rows, seed) / "export" / EXPORT_NAME
    if not path.exists():
        say(f"writing {rows:,} events to {shown(path)}")
        _write(path, rows=rows, first_day=FIRST_DAY, days=DAYS, seed=seed)
    return path


def next_day(rows: int, seed: int) -> Path:
    """One more day after the full export, as its own file: rows / DAYS events."""
    path = folder(rows, seed) / "next" / NEXT_DAY_NAME
    if not path.exists():
        say(f"writing the day after the export to {shown(path)}")
        first = FIRST_DAY + timedelta(days=DAYS)
        _write(path, rows=max(rows // DAYS, 1), first_day=first, days=1, seed=seed + 1)
    return path


def _write(path: Path, **spec) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Named by process: two runs that start on a missing export do not write one file.
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    call("events", "write_events", path=str(partial), **spec)
    os.replace(partial, path)


def write_events(path: str, rows: int, first_day: str, days: int, seed: int) -> dict:
    """Child side: draw the rows with numpy and let DuckDB format and write them in parallel."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    start = np.datetime64(first_day, "s").astype(np.int64)
    seconds = np.sort(rng.integers(start, start + days * 86_400, rows, dtype=np.int64))
    events = pa.table(
        {
            "seconds": seconds,
            "user_number": rng.integers(0, USERS, rows, dtype=np.int64),
            "region_number": rng.choice(len(REGIONS), rows, p=REGION_SHARES).astype(np.int8),
            "value": np.round(rng.lognormal(3.5, 1.0, rows), 2),
        }
    )
    with duckdb.connect() as con:
        con.register("events", events)
        con.execute(f"SET threads = {os.cpu_count() or 1}")
        con.execute(
            f"""COPY (
                SELECT make_timestamp(seconds * 1000000) AS "timestamp",
                       'u' || lpad(CAST(user_number AS VARCHAR), 7, '0') AS "user",
                       {_region_list()}[region_number + 1] AS region,
                       value
                FROM events) TO '{path.replace("'", "''")}' (HEADER, FORMAT csv)"""
        )
    return {"rows": rows}


def _region_list() -> str:
    return "[" + ", ".join(f"'{r}'" for r in REGIONS) + "]"


def five_metrics_catalog(
    path: Path,
    *,
    source: str,
    table: str,
    time: str,
    user: str,
    dimensions: tuple[str, ...] = (),
) -> Path:
    """Writes a catalog at `path` with the five event metrics over one source, at day grain.

    `source` is the YAML of the source entry (indented by four spaces); the store is
    `store.duckdb` beside the catalog.
    """
    dims = f"\n    dimensions: [{', '.join(dimensions)}]" if dimensions else ""
    common = f"source: events\n    table: {table}\n    time: {time}\n    grain: day{dims}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""version: 1
settings:
  store: store.duckdb
  timezone: UTC
sources:
  events:
{source}
metrics:
  events:
    {common}
    agg: count
  revenue:
    {common}
    value: value
    agg: sum
  basket:
    {common}
    value: value
    agg: avg
  big_share:
    {common}
    agg: ratio
    numerator: "case when value >= {RATIO_THRESHOLD} then 1 else 0 end"
    denominator: "1"
  users:
    {common}
    value: {user}
    agg: count_distinct
"""
    )
    return path
