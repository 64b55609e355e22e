"""The SQL connector: per-period parts of metrics read from any SQLAlchemy database.

The aggregation into periods runs at the source, in its own dialect, so a table of any size
transfers one row per period and dimension combination. Additive metrics that read the same
rows (same `table:` or `sql:`, time, filter, dimensions, grain and incremental bound) share
one statement that computes all their parts, so the source scans those rows once. Per dialect:

- PostgreSQL: `date_trunc`; the transaction's TimeZone is set to the catalog's, so
  timestamptz values are converted (as `AT TIME ZONE` would) while naive timestamps are
  taken as already local. Median: `percentile_cont(0.5)`. The dimension subsets of
  count_distinct and median come from one GROUPING SETS query (elsewhere: one query per
  subset). Read-only: `SET TRANSACTION READ ONLY`.
- DuckDB: `date_trunc`, TimeZone set as for PostgreSQL, `median`, GROUPING SETS; the file is
  opened read-only.
- MySQL/MariaDB: `DATE()`, weeks via `SUBDATE(d, WEEKDAY(d))`, months via
  `SUBDATE(d, DAYOFMONTH(d) - 1)`. The session time_zone is set to the catalog's when the
  server has time zone tables (so TIMESTAMP columns convert); else values are taken as local
  and the pull says so in its notes. DATETIME values are always local.
  Read-only: `START TRANSACTION READ ONLY`.
- SQLite: `date()` modifiers over text timestamps, which are taken as local (a value with an
  explicit offset is normalised to UTC by SQLite). Read-only: `PRAGMA query_only`.
- Any other dialect: days are `CAST(time AS DATE)` at the source. Week and month parts of
  additive and `last` metrics are rolled up from the day parts in Python; count_distinct and
  median at week or month grain fetch their rows (day, dimensions, value) in chunks and
  aggregate them in an in-memory DuckDB. No read-only guard is set.

Where the dialect has no median aggregate (MySQL/MariaDB, SQLite, others) the median is still
computed at the source, with window functions (ROW_NUMBER and COUNT over each group).
The `last` value (at the greatest time; ties: the greatest value) also comes from a window
function; its coarser dimension subsets are rolled up exactly from the finest groups.
Parts leave `total`, `minimum` and `maximum` empty for count and count_distinct (their value
may be text), and `last` empty except for `last` metrics.

Incremental pulls: `state` maps a metric id to its last loaded period. The next pull re-reads
from the period before it (day grain: 7 days back), bound as a parameter on the time column
with a day of margin plus an exact bound on the period, and supersedes the periods from there.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL

from connectors.base import (
    PART_COLUMNS,
    Progress,
    Pull,
    SourceError,
    Supersede,
    dims_key,
    empty_parts,
    empty_quarantine,
)
from okr.model import GRAINS, Metric, Source
from okr.secrets import MissingVariable, expand, mask_url

# Aggregations whose value is a number, so sum, minimum, maximum and last make sense.
_NUMERIC_AGGS = frozenset({"sum", "avg", "min", "max", "median", "last"})
# Aggregations whose every dimension subset is computed at the source.
_PER_SUBSET_AGGS = frozenset({"count_distinct", "median"})
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Zulu", "Universal"})
_FLAVOURS = {
    "postgresql": "postgresql",
    "duckdb": "duckdb",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
_FILE_BACKENDS = frozenset({"sqlite", "duckdb"})
_CONNECT_TIMEOUT_DRIVERS = {"psycopg": "connect_timeout", "psycopg2": "connect_timeout",
                            "pymysql": "connect_timeout"}  # fmt: skip
# pip package that provides each SQLAlchemy driver (by drivername, then by backend name).
_DRIVER_PACKAGES = {
    "postgresql+psycopg": "psycopg[binary]",
    "postgresql+psycopg2": "psycopg2-binary",
    "postgresql+pg8000": "pg8000",
    "postgresql": "psycopg2-binary",
    "mysql+pymysql": "pymysql",
    "mysql+mysqldb": "mysqlclient",
    "mysql+mysqlconnector": "mysql-connector-python",
    "mysql": "mysqlclient",
    "mariadb+mariadbconnector": "mariadb",
    "mariadb+pymysql": "pymysql",
    "duckdb": "duckdb-engine",
    "snowflake": "snowflake-sqlalchemy",
    "bigquery": "sqlalchemy-bigquery",
    "redshift": "sqlalchemy-redshift",
    "mssql+pyodbc": "pyodbc",
    "mssql+pymssql": "pymssql",
    "oracle+oracledb": "oracledb",
    "trino": "trino",
    "clickhouse": "clickhouse-sqlalchemy",
    "databricks": "databricks-sqlalchemy",
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SQL_LITERAL_WORDS = frozenset({"true", "false", "null"})
_FETCH_CHUNK = 50_000


class SqlConnector:
    """Reads metrics from one SQL source. `base_dir` resolves relative SQLite/DuckDB paths."""

    def __init__(
        self,
        source: Source,
        environ: Mapping[str, str] | None = None,
        *,
        base_dir: Path | None = None,
    ):
        self.source = source
        self.name = source.id
        self.environ = environ
        self.base_dir = base_dir

    # -- public ----------------------------------------------------------------------------

    def pull(
        self,
        metrics: Sequence[Metric],
        *,
        state: Mapping[str, Any],
        timezone: str,
        progress: Progress | None = None,
    ) -> Pull:
        """Per-period parts of `metrics`; `state` maps metric id -> last loaded period (ISO)."""
        zone = _zone(timezone, self.source.id)
        sinces = [_since(state.get(metric.id), metric.grain) for metric in metrics]
        records_of: list[list[dict[str, Any]]] = [[] for _ in metrics]
        rows_read = 0
        with self._session(timezone) as (conn, flavour, notes):
            for metric in metrics:
                try:
                    self._check_table_metric(conn, metric)
                except sa.exc.SQLAlchemyError as error:
                    raise self._query_error(conn, [metric], error) from error
            done = 0
            for scan in _scans(metrics, sinces, flavour):
                together = [metrics[i] for i in scan]
                if progress:
                    names = _names([m.id for m in together])
                    progress(f"{names}: querying {self.source.id}", done / len(metrics))
                per_metric, transferred = self._read_scan(
                    conn, flavour, timezone, together, sinces[scan[0]]
                )
                for index, metric_records in zip(scan, per_metric, strict=True):
                    records_of[index] = metric_records
                rows_read += transferred
                done += len(scan)
        records: list[dict[str, Any]] = []
        supersedes: list[Supersede] = []
        new_state: dict[str, Any] = {}
        for metric, since, metric_records in zip(metrics, sinces, records_of, strict=True):
            metric_records.sort(key=lambda r: (r["period"], len(r["dims"]), dims_key(r["dims"])))
            for record in metric_records:
                record["metric"] = metric.id
                record["last_at"] = _local(record["last_at"], zone)
            records.extend(metric_records)
            supersedes.append(Supersede(metric=metric.id, since=since))
            newest = max((r["period"] for r in metric_records), default=None)
            if newest is not None:
                new_state[metric.id] = newest.isoformat()
            elif metric.id in state and since is not None:
                new_state[metric.id] = state[metric.id]
        if progress:
            progress(f"{self.source.id}: {len(metrics)} metrics read", 1.0)
        return Pull(
            parts=_parts_frame(records),
            quarantine=empty_quarantine(),
            supersedes=supersedes,
            state=new_state,
            rows_read=rows_read,
            notes=notes,
        )

    def tables(self) -> list[str]:
        """The tables and views of the source's default schema, sorted."""
        with self._session(None) as (conn, _flavour, _notes):
            try:
                inspector = sa.inspect(conn)
                names = set(inspector.get_table_names()) | set(inspector.get_view_names())
            except sa.exc.SQLAlchemyError as error:
                raise self._listing_error(conn, "its tables", error) from error
            return sorted(names)

    def columns(self, table: str) -> list[str]:
        """The columns of `table` ("name" or "schema.name"), in table order."""
        with self._session(None) as (conn, _flavour, _notes):
            try:
                return self._columns_of(conn, table, where=f"table '{table}'")
            except sa.exc.SQLAlchemyError as error:
                raise self._listing_error(conn, f"the columns of '{table}'", error) from error

    # -- connection ------------------------------------------------------------------------

    @property
    def _label(self) -> str:
        return f"source '{self.source.id}'"

    def _url(self) -> URL:
        if not self.source.url:
            raise SourceError(
                f"{self._label} has no url; set `url:` under sources.{self.source.id}"
            )
        try:
            expanded = expand(self.source.url, self.environ)
        except MissingVariable as missing:
            raise SourceError(
                f"{self._label}: environment variable {missing.name} in its url is not set; "
                f"set {missing.name} or give a default with ${{{missing.name}:-...}}"
            ) from None
        try:
            url = sa.engine.make_url(expanded)
        except sa.exc.ArgumentError:
            raise SourceError(
                f"{self._label}: {mask_url(expanded)} is not a SQLAlchemy URL; "
                "write it as dialect+driver://user:password@host:port/database"
            ) from None
        return self._resolve_file(url)

    def _resolve_file(self, url: URL) -> URL:
        database = url.database or ""
        if url.get_backend_name() not in _FILE_BACKENDS or database in ("", ":memory:"):
            return url
        if database.startswith(("file:", "md:", "motherduck:")):
            return url
        path = Path(database)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        if not path.exists():
            raise SourceError(
                f"{self._label}: database file {path} does not exist; fix the path in its url "
                "(relative paths are relative to the catalog's folder)"
            )
        return url.set(database=str(path))

    def _engine(self) -> sa.Engine:
        url = self._url()
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "duckdb":
            connect_args["read_only"] = True
        timeout_arg = _CONNECT_TIMEOUT_DRIVERS.get(url.get_driver_name())
        if timeout_arg and timeout_arg not in url.query:
            connect_args[timeout_arg] = 10
        try:
            return sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
        except (ImportError, sa.exc.NoSuchModuleError):
            package = _DRIVER_PACKAGES.get(url.drivername) or _DRIVER_PACKAGES.get(
                url.get_backend_name()
            )
            fix = (
                f'pip install "{package}"'
                if package
                else f"install the SQLAlchemy dialect and driver for {url.drivername}"
            )
            raise SourceError(
                f"{self._label}: the database driver for {url.drivername} is not installed; {fix}"
            ) from None

    @contextmanager
    def _session(self, timezone: str | None) -> Iterator[tuple[sa.Connection, str, list[str]]]:
        """A read-only connection (where the database allows it) in the catalog's timezone."""
        engine = self._engine()
        try:
            try:
                conn = engine.connect()
            except sa.exc.DBAPIError as error:
                raise self._connect_error(engine.url, error) from None
            with conn:
                flavour = _FLAVOURS.get(conn.dialect.name, "generic")
                try:
                    notes = _prepare(conn, flavour, timezone)
                except sa.exc.DBAPIError as error:
                    raise SourceError(
                        f"{self._label} ({self._masked(engine.url)}): could not prepare a "
                        f"read-only session: {self._driver_message(engine.url, error)}"
                    ) from None
                yield conn, flavour, notes
                conn.rollback()
        finally:
            engine.dispose()

    def _masked(self, url: URL) -> str:
        return mask_url(url.render_as_string(hide_password=False))

    def _driver_message(self, url: URL, error: BaseException) -> str:
        orig = getattr(error, "orig", None) or error
        lines = [line.strip() for line in str(orig).strip().splitlines() if line.strip()]
        message = lines[0] if lines else type(orig).__name__
        if url.password:
            message = message.replace(str(url.password), "***")
        return message

    def _connect_error(self, url: URL, error: sa.exc.DBAPIError) -> SourceError:
        where = url.host or url.database or "the database"
        if url.host and url.port:
            where = f"{url.host}:{url.port}"
        return SourceError(
            f"{self._label}: cannot connect to {where} ({self._masked(url)}): "
            f"{self._driver_message(url, error)}. Check that the server is running and "
            "reachable there, and the host, port, user and password in the url"
        )

    # -- checks and errors -----------------------------------------------------------------

    def _columns_of(self, conn: sa.Connection, table: str, *, where: str) -> list[str]:
        schema, name = _split_table(table)
        inspector = sa.inspect(conn)
        if not inspector.has_table(name, schema=schema):
            known = set(inspector.get_table_names(schema=schema))
            known |= set(inspector.get_view_names(schema=schema))
            similar = difflib.get_close_matches(name, sorted(known), n=5, cutoff=0.5)
            hint = f"; similar tables: {', '.join(similar)}" if similar else ""
            raise SourceError(
                f"{self._label}: {where}: table '{table}' does not exist"
                f"{' in schema ' + repr(schema) if schema else ''}{hint}. "
                "Fix the table name (write schema.table for another schema)"
            )
        # An empty SELECT names the columns on every dialect, where reflection varies.
        empty = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema))
        return list(conn.execute(empty.where(sa.false())).keys())

    def _check_table_metric(self, conn: sa.Connection, metric: Metric) -> None:
        """Unknown tables and columns are reported by name before any query runs."""
        if metric.sql or not metric.table:
            return
        where = f"metric '{metric.id}'"
        columns = self._columns_of(conn, metric.table, where=where)
        known = {c.lower() for c in columns}
        named = [("time", metric.time), *(("dimensions", d) for d in metric.dimensions)]
        for field in ("value", "numerator", "denominator"):
            expression = getattr(metric, field) or ""
            if _IDENTIFIER.match(expression) and expression.lower() not in _SQL_LITERAL_WORDS:
                named.append((field, expression))
        for field, column in named:
            if column and column.lower() not in known:
                similar = difflib.get_close_matches(column, columns, n=3, cutoff=0.5)
                hint = f" (did you mean {', '.join(similar)}?)" if similar else ""
                raise SourceError(
                    f"{self._label}: {where}: column '{column}' (its `{field}:`) is not in "
                    f"table '{metric.table}'{hint}; its columns are: {', '.join(columns)}"
                )

    def _listing_error(
        self, conn: sa.Connection, what: str, error: sa.exc.SQLAlchemyError
    ) -> SourceError:
        return SourceError(
            f"{self._label} ({self._masked(conn.engine.url)}): could not list {what}: "
            f"{self._driver_message(conn.engine.url, error)}. Check that the url's user may "
            "read the database's catalog"
        )

    def _read_scan(
        self,
        conn: sa.Connection,
        flavour: str,
        timezone: str,
        together: Sequence[Metric],
        since: date | None,
    ) -> tuple[list[list[dict[str, Any]]], int]:
        """The part records of each of `together` (see `_scans`) and the rows transferred."""
        try:
            if len(together) > 1:
                return _read_together(conn, flavour, together, since)
            records, transferred = _read_metric(conn, flavour, together[0], since)
            return [records], transferred
        except sa.exc.SQLAlchemyError as error:
            failing = self._failing_metric(conn, flavour, timezone, together, since)
            raise self._query_error(conn, [failing] if failing else together, error) from error

    def _query_error(
        self, conn: sa.Connection, metrics: Sequence[Metric], error: sa.exc.SQLAlchemyError
    ) -> SourceError:
        """What failed in reading `metrics` (one, or several read by one statement)."""
        message = self._driver_message(conn.engine.url, error)
        first = metrics[0]
        if len(metrics) == 1:
            what, its = f"metric '{first.id}' could not be read", "its"
        else:
            names = _names([f"'{m.id}'" for m in metrics], limit=None)
            what = f"metrics {names}, read by one statement, could not be read"
            its = "their"
        if first.sql:
            ratio = any(m.agg == "ratio" for m in metrics)
            value = any(m.agg != "ratio" for m in metrics)
            needed = [
                "time",
                *(["value"] if value else []),
                *(["numerator", "denominator"] if ratio else []),
            ]
            fix = (
                f"check {its} `sql:` (it must yield columns {', '.join(needed)}"
                f"{''.join(', ' + d for d in first.dimensions)}) and {its} `filter:`"
            )
        else:
            fix = (
                f"check {its} value, numerator, denominator and filter expressions against "
                f"table '{first.table}'"
            )
        return SourceError(
            f"{self._label} ({self._masked(conn.engine.url)}): {what}: {message}. Fix: {fix}"
        )

    def _failing_metric(
        self,
        conn: sa.Connection,
        flavour: str,
        timezone: str,
        together: Sequence[Metric],
        since: date | None,
    ) -> Metric | None:
        """After a statement reading several metrics failed: the one whose expressions fail
        alone, found by statements that read no rows (so no table is scanned again), or None
        when each one alone is valid (the error came from the data, e.g. a division by zero)."""
        if len(together) == 1:
            return None
        try:
            conn.rollback()
            _prepare(conn, flavour, timezone)
        except sa.exc.SQLAlchemyError:
            return None
        for metric in together:
            try:
                conn.execute(_together_select([metric], flavour, since).where(sa.false())).all()
            except sa.exc.SQLAlchemyError:
                return metric
        return None


# -- session setup ---------------------------------------------------------------------------


def _zone(timezone: str, source_id: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(
            f"source '{source_id}': timezone '{timezone}' is not a known IANA time zone; "
            "fix settings.timezone (e.g. UTC, Europe/Paris)"
        ) from None


def _prepare(conn: sa.Connection, flavour: str, timezone: str | None) -> list[str]:
    """Makes the session read-only and sets its timezone; returns notes for the pull."""
    _set_read_only(conn, flavour)
    return _set_timezone(conn, flavour, timezone) if timezone else []


def _set_read_only(conn: sa.Connection, flavour: str) -> None:
    if flavour == "postgresql":
        conn.execute(sa.text("SET TRANSACTION READ ONLY"))
    elif flavour == "mysql":
        # The session default too, so that nothing after an implicit commit can write.
        conn.execute(sa.text("SET SESSION TRANSACTION READ ONLY"))
        conn.execute(sa.text("START TRANSACTION READ ONLY"))
    elif flavour == "sqlite":
        conn.execute(sa.text("PRAGMA query_only = 1"))
    # DuckDB is opened with read_only=True; other dialects have no portable guard.


def _set_timezone(conn: sa.Connection, flavour: str, timezone: str) -> list[str]:
    """Make the session read timestamps in `timezone`; returns notes for the pull."""
    if flavour == "postgresql":
        conn.execute(sa.select(sa.func.set_config("TimeZone", timezone, True)))
    elif flavour == "duckdb":
        conn.execute(sa.text("SET TimeZone = :zone"), {"zone": timezone})
    elif flavour == "mysql":
        zone = "+00:00" if timezone in _UTC_NAMES else timezone
        probe = sa.func.convert_tz(sa.literal("2000-01-01 00:00:00"), "+00:00", zone)
        if conn.execute(sa.select(probe)).scalar() is None:
            return [
                f"the MySQL/MariaDB server has no time zone tables, so TIMESTAMP columns are "
                f"read in the server's time zone, not {timezone}; load them with "
                "mysql_tzinfo_to_sql"
            ]
        conn.execute(sa.text("SET time_zone = :zone"), {"zone": zone})
    return []


# -- reading one metric ----------------------------------------------------------------------


def _since(last_loaded: Any, grain: str) -> date | None:
    """The first period to re-read after `last_loaded`: the period before it (day: 7 days)."""
    if not last_loaded:
        return None
    try:
        last = date.fromisoformat(str(last_loaded))
    except ValueError:
        return None
    if grain == "month":
        return (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    if grain == "week":
        return last - timedelta(days=last.weekday() + 7)
    return last - timedelta(days=7)


def _scans(
    metrics: Sequence[Metric], sinces: Sequence[date | None], flavour: str
) -> list[list[int]]:
    """The metrics (by index) each statement reads, in order: additive metrics over the same
    rows, periods and dimensions share one statement, so the source scans its rows once."""
    scans: dict[tuple, list[int]] = {}
    for index, (metric, since) in enumerate(zip(metrics, sinces, strict=True)):
        shareable = (
            metric.additive
            and metric.grain in GRAINS
            and (flavour != "generic" or metric.grain == "day")
        )
        rows = (metric.table, metric.sql, metric.time, metric.filter, metric.dimensions)
        key = (*rows, metric.grain, since) if shareable else ("alone", index)
        scans.setdefault(key, []).append(index)
    return list(scans.values())


def _read_together(
    conn: sa.Connection, flavour: str, metrics: Sequence[Metric], since: date | None
) -> tuple[list[list[dict[str, Any]]], int]:
    """The part records of each of `metrics` (additive, sharing their rows; see `_scans`)
    from one statement, and the number of rows it transferred."""
    rows = conn.execute(_together_select(metrics, flavour, since)).mappings().all()
    dims = tuple(range(len(metrics[0].dimensions)))
    per_metric = [
        _with_subsets([_record(row, metric, dims, prefix=f"m{i}_") for row in rows], metric)
        for i, metric in enumerate(metrics)
    ]
    return per_metric, len(rows)


def _together_select(metrics: Sequence[Metric], flavour: str, since: date | None) -> sa.Select:
    """Per period and dimension combination, each metric's parts as m0_n, m0_total, m1_n, ..."""
    values = [c for i, m in enumerate(metrics) for c in _value_columns(m, prefix=f"m{i}_")]
    src = _source_rows(metrics[0], flavour, since, values=values)
    keys = [src.c.period, *(src.c[f"d{i}"] for i in range(len(metrics[0].dimensions)))]
    parts = [c for i, m in enumerate(metrics) for c in _part_columns(m, src, prefix=f"m{i}_")]
    return sa.select(*keys, *parts).group_by(*keys)


def _read_metric(
    conn: sa.Connection, flavour: str, metric: Metric, since: date | None
) -> tuple[list[dict[str, Any]], int]:
    """The metric's part records and the number of rows transferred from the source."""
    if metric.grain not in GRAINS:
        raise SourceError(f"metric '{metric.id}': unknown grain '{metric.grain}'")
    dims = tuple(range(len(metric.dimensions)))
    if flavour == "generic" and metric.grain != "day":
        if metric.agg in _PER_SUBSET_AGGS:
            return _read_client_side(conn, metric, since)
        day_metric = dataclasses.replace(metric, grain="day")
        day_records, transferred = _read_metric(conn, flavour, day_metric, since)
        finest = [r for r in day_records if len(r["dims"]) == len(dims)]
        to_period = _PERIOD_OF[metric.grain]
        records = _roll_up(finest, metric, lambda r: (to_period(r["period"]), r["dims"]))
        return _with_subsets(records, metric), transferred
    src = _source_rows(metric, flavour, since)
    if metric.agg not in _PER_SUBSET_AGGS:
        rows = conn.execute(_parts_select(metric, flavour, src, [dims])).mappings().all()
        records = [_record(row, metric, dims) for row in rows]
        return _with_subsets(records, metric), len(rows)
    subsets = [s for size in range(len(dims) + 1) for s in combinations(dims, size)]
    if flavour in ("postgresql", "duckdb") and len(subsets) > 1:
        rows = conn.execute(_parts_select(metric, flavour, src, subsets)).mappings().all()
        grouped = [(row, tuple(i for i in dims if not row[f"g{i}"])) for row in rows]
        return [_record(row, metric, subset) for row, subset in grouped], len(rows)
    records, transferred = [], 0
    for subset in subsets:
        rows = conn.execute(_parts_select(metric, flavour, src, [subset])).mappings().all()
        records.extend(_record(row, metric, subset) for row in rows)
        transferred += len(rows)
    return records, transferred


def _source_rows(
    metric: Metric,
    flavour: str,
    since: date | None,
    *,
    values: Sequence[sa.ColumnElement] | None = None,
) -> sa.Subquery:
    """One row per source row: period, t (time), v or num/den, d0..dk (dimensions).

    `values` replaces v or num/den by the value columns of several metrics over these rows.
    """
    if metric.sql:
        names = ["time", "value", "numerator", "denominator", *metric.dimensions]
        # Colons are escaped so the analyst's SQL goes in as written, with no bind parameters.
        query = sa.text(metric.sql.strip().rstrip(";").replace(":", r"\:"))
        base: sa.FromClause = query.columns(*(sa.column(n) for n in dict.fromkeys(names)))
        base = base.subquery("metric_sql")
        time = sa.column("time")
    else:
        schema, name = _split_table(metric.table or "")
        base = sa.table(name, schema=schema)
        time = sa.column(metric.time or "")
    period = _period_expression(flavour, time, metric.grain)
    columns: list[sa.ColumnElement] = [period.label("period"), time.label("t")]
    columns.extend(_value_columns(metric) if values is None else values)
    columns.extend(sa.column(d).label(f"d{i}") for i, d in enumerate(metric.dimensions))
    query = sa.select(*columns).select_from(base)
    if metric.filter:
        query = query.where(sa.literal_column(f"({metric.filter})"))
    if since is not None:
        # The raw time bound lets an index work; a day of margin covers timezone shifts,
        # and the bound on the period itself keeps exactly the periods from `since` on.
        margin = since - timedelta(days=1)
        query = query.where(time >= sa.bindparam("since_margin", margin, type_=sa.Date))
        query = query.where(period >= sa.bindparam("since", since, type_=sa.Date))
    return query.subquery("src")


def _value_columns(metric: Metric, *, prefix: str = "") -> list[sa.ColumnElement]:
    """The metric's value as v, or its numerator and denominator as num and den."""

    def expression(field: str, text: str | None) -> sa.ColumnElement:
        # A `sql:` metric yields its values as columns; a table metric's are expressions.
        return sa.column(field) if metric.sql else sa.literal_column(f"({text})")

    if metric.agg == "ratio":
        return [
            expression("numerator", metric.numerator).label(f"{prefix}num"),
            expression("denominator", metric.denominator).label(f"{prefix}den"),
        ]
    if metric.agg == "count" and (metric.sql or metric.value is None):
        return [sa.literal_column("1").label(f"{prefix}v")]
    return [expression("value", metric.value).label(f"{prefix}v")]


def _period_expression(flavour: str, time: sa.ColumnElement, grain: str) -> sa.ColumnElement:
    """The first day of the row's period, in the session's timezone."""
    if flavour in ("postgresql", "duckdb"):
        unit = sa.literal_column({"day": "'day'", "week": "'week'", "month": "'month'"}[grain])
        return sa.cast(sa.func.date_trunc(unit, time), sa.Date)
    if flavour == "mysql":
        day = sa.func.date(time)
        if grain == "week":
            return sa.func.subdate(day, sa.func.weekday(time))
        if grain == "month":
            return sa.func.subdate(day, sa.func.dayofmonth(time) - 1)
        return day
    if flavour == "sqlite":
        modifiers = {"day": [], "week": ["'weekday 0'", "'-6 days'"], "month": ["'start of month'"]}
        return sa.func.date(time, *(sa.literal_column(m) for m in modifiers[grain]))
    return sa.cast(time, sa.Date)  # generic: day grain only, see the module docstring


def _parts_select(
    metric: Metric, flavour: str, src: sa.Subquery, subsets: list[tuple[int, ...]]
) -> sa.Select:
    """The parts per period and dimension subset; several subsets use GROUPING SETS."""
    grouping_sets = len(subsets) > 1
    kept = sorted({i for subset in subsets for i in subset})
    windowed = metric.agg == "last" or (
        metric.agg == "median" and flavour not in ("postgresql", "duckdb")
    )
    rows: sa.FromClause = src
    if windowed:
        (subset,) = subsets
        partition = [src.c.period, *(src.c[f"d{i}"] for i in subset)]
        order = [src.c.t.desc(), src.c.v.desc()] if metric.agg == "last" else [src.c.v]
        rows = (
            sa.select(
                src,
                sa.func.row_number().over(partition_by=partition, order_by=order).label("rn"),
                sa.func.count().over(partition_by=partition).label("cnt"),
            )
            .where(src.c.v.is_not(None))
            .subquery("ranked")
        )
    keys = [rows.c.period, *(rows.c[f"d{i}"] for i in kept)]
    columns: list[sa.ColumnElement] = list(keys)
    if grouping_sets:
        columns.extend(sa.func.grouping(rows.c[f"d{i}"]).label(f"g{i}") for i in kept)
    columns.extend(_part_columns(metric, rows))
    if metric.agg == "count_distinct":
        columns.append(sa.func.count(rows.c.v.distinct()).label("value"))
    elif metric.agg == "median":
        columns.append(_median(flavour, rows).label("value"))
    elif metric.agg == "last":
        columns.append(sa.func.max(sa.case((rows.c.rn == 1, rows.c.v))).label("last"))
    query = sa.select(*columns)
    if grouping_sets:
        sets = [sa.tuple_(rows.c.period, *(rows.c[f"d{i}"] for i in s)) for s in subsets]
        return query.group_by(sa.func.grouping_sets(*sets))
    return query.group_by(*keys)


def _part_columns(
    metric: Metric, rows: sa.FromClause, *, prefix: str = ""
) -> list[sa.ColumnElement]:
    """The aggregates every part has: n and last_at, num and den of a ratio, total, minimum
    and maximum of a number; over the value columns named with `prefix` (see _value_columns)."""
    counted = rows.c[f"{prefix}den" if metric.agg == "ratio" else f"{prefix}v"]
    columns = [
        sa.func.count(counted).label(f"{prefix}n"),
        sa.func.max(sa.case((counted.is_not(None), rows.c.t))).label(f"{prefix}last_at"),
    ]
    if metric.agg == "ratio":
        columns.append(sa.func.sum(rows.c[f"{prefix}num"]).label(f"{prefix}num"))
        columns.append(sa.func.sum(rows.c[f"{prefix}den"]).label(f"{prefix}den"))
    if metric.agg in _NUMERIC_AGGS:
        value = rows.c[f"{prefix}v"]
        columns.append(sa.func.sum(value).label(f"{prefix}total"))
        columns.append(sa.func.min(value).label(f"{prefix}minimum"))
        columns.append(sa.func.max(value).label(f"{prefix}maximum"))
    return columns


def _median(flavour: str, rows: sa.FromClause) -> sa.ColumnElement:
    if flavour == "postgresql":
        return sa.func.percentile_cont(0.5).within_group(rows.c.v)
    if flavour == "duckdb":
        return sa.func.median(rows.c.v)
    # The middle row (odd count) or the mean of the two middle rows (even count), found with
    # integer arithmetic only: 2*rn between cnt and cnt + 2.
    middle = sa.and_(2 * rows.c.rn >= rows.c.cnt, 2 * rows.c.rn <= rows.c.cnt + 2)
    return sa.func.avg(sa.case((middle, rows.c.v)))


def _read_client_side(
    conn: sa.Connection, metric: Metric, since: date | None
) -> tuple[list[dict[str, Any]], int]:
    """count_distinct or median at week/month grain on a generic dialect: rows fetched in
    chunks with the day computed at the source, aggregated by an in-memory DuckDB."""
    day_metric = dataclasses.replace(metric, grain="day")
    src = _source_rows(day_metric, "generic", since)
    names = [f"d{i}" for i in range(len(metric.dimensions))]
    query = sa.select(src.c.period, src.c.t, src.c.v, *(src.c[n] for n in names)).where(
        src.c.v.is_not(None)
    )
    chunks = []
    result = conn.execute(query.execution_options(stream_results=True))
    while batch := result.fetchmany(_FETCH_CHUNK):
        chunks.append(pd.DataFrame(batch, columns=["day", "t", "v", *names], dtype=object))
    frame = pd.concat(chunks, ignore_index=True) if chunks else None
    if frame is None:
        return [], 0
    frame["day"] = [_as_date(d) for d in frame["day"]]
    if metric.agg == "median":
        frame["v"] = pd.to_numeric(frame["v"])
    local = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.NullPool)
    try:
        with local.connect() as duck:
            duck.connection.driver_connection.register("source_rows", frame)
            rows_metric = dataclasses.replace(
                metric,
                sql=None,
                table="source_rows",
                time="day",
                value="v",
                filter=None,
                dimensions=tuple(names),
            )
            records, _ = _read_metric(duck, "duckdb", rows_metric, None)
    finally:
        local.dispose()
    for record in records:
        record["dims"] = {metric.dimensions[int(k[1:])]: v for k, v in record["dims"].items()}
    return records, len(frame)


# -- records ---------------------------------------------------------------------------------


def _record(
    row: Mapping[str, Any], metric: Metric, subset: tuple[int, ...], *, prefix: str = ""
) -> dict[str, Any]:
    """One part as plain Python values; `dims` maps dimension name -> value. The metric's
    aggregates are the row's columns named with `prefix` (see _part_columns)."""
    numbers = {
        key: _number(row.get(prefix + key))
        for key in ("total", "minimum", "maximum", "num", "den", "last", "value")
    }
    record = {
        "period": _as_date(row["period"]),
        "dims": {metric.dimensions[i]: row[f"d{i}"] for i in subset},
        "n": int(row[prefix + "n"] or 0),
        "last_at": _as_datetime(row[prefix + "last_at"]),
        **numbers,
    }
    if metric.agg not in _PER_SUBSET_AGGS:
        record["value"] = _value_from_parts(metric.agg, record)
    return record


def _value_from_parts(agg: str, part: Mapping[str, Any]) -> float | None:
    if agg == "ratio":
        return part["num"] / part["den"] if part["num"] is not None and part["den"] else None
    if agg == "count":
        return float(part["n"])
    if agg == "avg":
        return part["total"] / part["n"] if part["n"] and part["total"] is not None else None
    return {"sum": part["total"], "min": part["minimum"], "max": part["maximum"]}.get(
        agg, part["last"]
    )


def _with_subsets(records: list[dict[str, Any]], metric: Metric) -> list[dict[str, Any]]:
    """`last` metrics get every coarser dimension subset, rolled up from the finest parts."""
    if metric.agg != "last" or not metric.dimensions:
        return records
    names = metric.dimensions
    result = list(records)
    for size in range(len(names)):
        for subset in combinations(names, size):

            def key(record: dict[str, Any], subset=subset) -> tuple:
                return record["period"], {n: record["dims"][n] for n in subset}

            result.extend(_roll_up(records, metric, key))
    return result


def _roll_up(
    records: list[dict[str, Any]],
    metric: Metric,
    key: Callable[[dict[str, Any]], tuple[date, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Merge parts sharing key(record) = (period, dims): sums add, the last is the latest."""
    groups: dict[tuple, dict[str, Any]] = {}
    for record in records:
        period, dims = key(record)
        group_id = (period, tuple(dims.items()))
        merged = groups.get(group_id)
        if merged is None:
            groups[group_id] = {**record, "period": period, "dims": dims}
            continue
        merged["n"] += record["n"]
        for column in ("total", "num", "den"):
            merged[column] = _combine(merged[column], record[column], lambda a, b: a + b)
        merged["minimum"] = _combine(merged["minimum"], record["minimum"], min)
        merged["maximum"] = _combine(merged["maximum"], record["maximum"], max)
        if _later(record, merged):
            merged["last_at"], merged["last"] = record["last_at"], record["last"]
    for merged in groups.values():
        merged["value"] = _value_from_parts(metric.agg, merged)
    return list(groups.values())


def _later(candidate: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when `candidate` holds the last value: the greater time, then the greater value."""
    if candidate["last_at"] is None:
        return False
    if current["last_at"] is None or candidate["last_at"] > current["last_at"]:
        return True
    if candidate["last_at"] < current["last_at"] or candidate["last"] is None:
        return False
    return current["last"] is None or candidate["last"] > current["last"]


def _combine(a: Any, b: Any, how: Callable[[Any, Any], Any]) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return how(a, b)


def _parts_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    if not records:
        return empty_parts()
    frame = pd.DataFrame(
        {
            "metric": [r["metric"] for r in records],
            "origin": "",
            "period": [r["period"] for r in records],
            "dims": [dims_key(r["dims"]) for r in records],
            **{
                c: [r[c] for r in records]
                for c in PART_COLUMNS
                if c not in ("metric", "origin", "period", "dims")
            },
        }
    )
    return frame[list(PART_COLUMNS)].astype(empty_parts().dtypes.to_dict())


# -- small conversions -----------------------------------------------------------------------


def _split_table(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return (schema or None), name


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float | Decimal):
        return float(value)
    return float(str(value))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return datetime.combine(value, datetime.min.time())


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A naive datetime in the catalog's timezone; naive values are already local."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _names(names: Sequence[str], *, limit: int | None = 3) -> str:
    """The names as "a, b and c"; past `limit` (None: no limit) as "a, b, c and 2 more"."""
    if limit is not None and len(names) > limit:
        return f"{', '.join(names[:limit])} and {len(names) - limit} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


_PERIOD_OF: dict[str, Callable[[date], date]] = {
    "day": lambda day: day,
    "week": lambda day: day - timedelta(days=day.weekday()),
    "month": lambda day: day.replace(day=1),
}
