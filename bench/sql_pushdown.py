"""Scenario 3, SQL push-down: the five event metrics (by region) from a PostgreSQL table.

Floor: `psql` running one GROUP BY that computes the same aggregates, its output discarded.
Contender: `okr.sync.sync` over a `sql` source, into a fresh store each run. The rows the
sync transferred must equal, per statement, the periods times the dimension combinations it
returns: one statement for the four additive metrics, one for count_distinct.
The table is loaded once (COPY from the generated export) and reused while it matches.
"""

from __future__ import annotations

import os
import re
import subprocess

from bench import csv_sync, events
from bench.common import (
    BenchError,
    Contender,
    Goal,
    ScenarioResult,
    Settings,
    measure,
    say,
    workspace,
)

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-X", "-v", "ON_ERROR_STOP=1"]
# Dates of periods are in the catalog's timezone, UTC; psql's session uses the same.
PSQL_ENV = {"PGTZ": "UTC", "PGCONNECT_TIMEOUT": "5"}
ADDITIVE_METRICS = 4  # events, revenue, basket, big_share, read together; `users` is count_distinct


def floor_sql(table: str) -> str:
    day = "CAST(date_trunc('day', ts) AS DATE)"
    return (
        f"SELECT {day} AS day, region, count(*), sum(value), avg(value), "
        f"sum(CASE WHEN value >= {events.RATIO_THRESHOLD} THEN 1 ELSE 0 END)::float8 "
        f"/ count(*), count(DISTINCT user_id) "
        f"FROM {table} GROUP BY GROUPING SETS (({day}, region), ({day}))"
    )


def run(settings: Settings) -> ScenarioResult:
    rows = settings.sql_rows
    result = ScenarioResult(
        key="sql_pushdown",
        title="3. SQL push-down",
        setup=f"{rows:,} events in PostgreSQL, five metrics by region at day grain",
        floor="psql, one GROUP BY",
    )
    say(f"{result.title}: {result.setup}")
    problem = _unreachable()
    if problem:
        result.skipped = problem
        say(f"  skipped: {problem}")
        return result
    table, days, day_regions = _table(rows, settings.seed)
    work = workspace() / "sql_pushdown"
    catalog = events.five_metrics_catalog(
        work / "metrics.yml",
        source=f"    type: sql\n    url: {URL}",
        table=table,
        time="ts",
        user="user_id",
        dimensions=("region",),
    )
    result.okr = Contender(
        "okr sync",
        "sql_pushdown",
        "okr_sync",
        {"catalog": str(catalog)},
        repeat=settings.slow_repeat,
    )
    floor = Contender(
        result.floor,
        argv=(*PSQL, "-c", floor_sql(table), "-o", "/dev/null"),
        env=PSQL_ENV,
        repeat=settings.slow_repeat,
    )
    result.rows = measure(floor, result.okr)
    okr = result.rows[1]
    time_ratio, _ = result.ratio(okr)
    result.notes.append(
        f"okr sync takes {time_ratio:.2f}x the floor's time (no goal is set on this ratio)"
    )
    # The additive metrics share one statement by (day, region), whose rows count once;
    # count_distinct comes by (day, region) and per day in total.
    expected = day_regions + (day_regions + days)
    transferred = okr.details["rows_read"]
    result.goals.append(
        Goal(
            "rows transferred = periods x dimension combinations",
            f"{transferred:,} rows; expected {day_regions:,} (day, region) for the "
            f"{ADDITIVE_METRICS} additive metrics together + {day_regions:,} + {days} totals "
            f"for count_distinct = {expected:,}",
            transferred == expected,
        )
    )
    result.notes.append(_statements_note(okr.details["statements"]))
    result.notes.append(
        "psql's peak memory is the client's alone; the server's work shows in both times"
    )
    result.notes.append(
        csv_sync.agreement({"okr sync": okr.details["checksum"], "psql": _psql_totals(table)})
    )
    return result


def _statements_note(statements: list[list]) -> str:
    grouped = [(seconds, text) for seconds, text in statements if "GROUP BY" in text]
    kinds = ", ".join(f"{seconds:.1f} s ({_reads(text)})" for seconds, text in grouped)
    others = sum(seconds for seconds, text in statements if "GROUP BY" not in text)
    return (
        f"okr sync sent {len(grouped)} GROUP BY statements, each scanning the table once: "
        f"{kinds}; its {len(statements) - len(grouped)} other statements took {others:.2f} s"
    )


def _reads(statement: str) -> str:
    """What one GROUP BY statement of the sync reads, told from its text."""
    if "GROUPING SETS" in statement:
        return "count_distinct, GROUPING SETS"
    # A statement shared by several metrics names each one's count m0_n, m1_n, ...
    together = len(re.findall(r"\bAS m\d+_n\b", statement))
    return f"{together} additive metrics" if together > 1 else "1 additive metric"


def _unreachable() -> str | None:
    """Why the server cannot be used, or None."""
    try:
        _psql("SELECT 1")
    except BenchError as error:
        return f"PostgreSQL at {URL} is unreachable ({error}); start it to run this scenario"
    return None


def _table(rows: int, seed: int) -> tuple[str, int, int]:
    """The loaded table's name, its number of days and of (day, region) pairs."""
    table = f"bench_events_s{seed}_n{rows}"
    found = _psql(f"SELECT obj_description(to_regclass('public.{table}'), 'pg_class')")
    if found.startswith("okr-bench "):
        fields = dict(item.split("=") for item in found.split()[1:])
        say(f"  reusing table {table}")
        return table, int(fields["days"]), int(fields["day_regions"])
    export = events.export(rows, seed)
    say(f"  loading {rows:,} events into table {table}")
    _psql(
        f"DROP TABLE IF EXISTS {table}; "
        f"CREATE TABLE {table} (ts timestamptz NOT NULL, user_id text NOT NULL, "
        "region text NOT NULL, value double precision NOT NULL)"
    )
    _psql(f"\\copy {table} FROM '{export}' WITH (FORMAT csv, HEADER true)")
    _psql(f"ANALYZE {table}")
    counts = _psql(
        "SELECT count(DISTINCT CAST(date_trunc('day', ts) AS DATE)), "
        f"count(DISTINCT (CAST(date_trunc('day', ts) AS DATE), region)) FROM {table}"
    )
    days, day_regions = (int(n) for n in counts.split("|"))
    # The comment is written last: a table without it was not loaded completely.
    _psql(f"COMMENT ON TABLE {table} IS 'okr-bench days={days} day_regions={day_regions}'")
    return table, days, day_regions


def _psql_totals(table: str) -> list[float]:
    out = _psql(
        f"SELECT count(*), sum(value), sum(CASE WHEN value >= {events.RATIO_THRESHOLD} "
        f"THEN 1 ELSE 0 END), (SELECT sum(n) FROM (SELECT count(DISTINCT user_id) AS n "
        f"FROM {table} GROUP BY CAST(date_trunc('day', ts) AS DATE)) AS d) FROM {table}"
    )
    return [float(v) for v in out.split("|")]


def _psql(command: str) -> str:
    """One psql command's unaligned output; BenchError with psql's message on failure."""
    try:
        done = subprocess.run(
            [*PSQL, "-tA", "-c", command],
            capture_output=True,
            text=True,
            env={**os.environ, **PSQL_ENV},
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BenchError(f"psql could not run: {error}") from None
    if done.returncode != 0:
        raise BenchError(done.stderr.strip() or f"psql exited with {done.returncode}")
    return done.stdout.strip()


# -- contender -------------------------------------------------------------------------------


def okr_sync(catalog: str) -> dict:
    """`okr.sync.sync` as in scenario 1, noting each SQL statement's time at the driver."""
    import time

    import sqlalchemy as sa

    statements: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["okr_bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - conn.info.pop("okr_bench_started")
        statements.append([seconds, " ".join(statement.split())])

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
    return csv_sync.okr_sync(catalog) | {"statements": statements}
