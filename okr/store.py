"""The DuckDB store: per-period metric parts, the sync log, quarantined rows, connector state.

The store owns the only write path. DuckDB lets one process write a file and then no other
process may even read it, so writers never touch the live file: `Store.writing()` copies it,
attaches the copy to the process's DuckDB database (okr.engine), applies every change to it
(each source in its own transaction), detaches it and atomically renames it over the live
file. Readers open the live file read-only for each query and so always see a whole sync,
never a half-written one, and never wait on a lock. Writers queue on a lock file; a crash
leaves the live file as it was and only an orphaned copy behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from connectors.base import PART_COLUMNS, Pull, dims_key
from okr import engine
from okr.model import Metric

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS parts (
    source VARCHAR NOT NULL, metric VARCHAR NOT NULL, origin VARCHAR NOT NULL,
    period DATE NOT NULL, dims VARCHAR NOT NULL,
    n BIGINT, total DOUBLE, minimum DOUBLE, maximum DOUBLE, num DOUBLE, den DOUBLE,
    last_at TIMESTAMP, last DOUBLE, value DOUBLE,
    observed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS syncs (
    id BIGINT PRIMARY KEY, source VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, ok BOOLEAN NOT NULL,
    rows_read BIGINT, parts BIGINT, quarantined BIGINT, error VARCHAR, notes VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine (
    source VARCHAR NOT NULL, origin VARCHAR, line BIGINT, reason VARCHAR, "row" VARCHAR,
    sync_id BIGINT, quarantined_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS sources (
    source VARCHAR PRIMARY KEY, state VARCHAR, definitions VARCHAR
);
"""

READ_ATTEMPTS = 50
READ_RETRY_SECONDS = 0.1


class StoreBusy(Exception):
    """The store could not be opened for reading in time (another process holds it)."""


@dataclass(frozen=True)
class SyncRecord:
    """One entry of the sync log."""

    id: int
    source: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    rows_read: int | None
    parts: int | None
    quarantined: int | None
    error: str | None
    notes: str | None

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def utcnow() -> datetime:
    """Now, as a naive UTC timestamp (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """A DuckDB store file. Cheap to construct; every read opens and closes the file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._session: duckdb.DuckDBPyConnection | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> int:
        """Changes whenever a sync lands (the live file is replaced): a cache key."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return 0
        return hash((stat.st_ino, stat.st_mtime_ns, stat.st_size))

    # -- reading -------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection to the live file, or None when no sync has run yet."""
        if not self.path.exists():
            yield None
            return
        connection = None
        for attempt in range(READ_ATTEMPTS):
            try:
                connection = duckdb.connect(str(self.path), read_only=True)
                break
            except duckdb.IOException as error:
                # Only a writer holding the file can cause this (e.g. an older okr); wait.
                if attempt == READ_ATTEMPTS - 1:
                    raise StoreBusy(
                        f"the store {self.path} is locked by another process: {error}"
                    ) from error
                time.sleep(READ_RETRY_SECONDS)
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[Store]:
        """Serve every read inside the block from one read-only connection.

        Opening the file costs far more than a small query: a report reading many metrics
        opens it once. The block sees one sync, even if another lands meanwhile.
        """
        if self._session is not None:
            yield self
            return
        with self.reading() as connection:
            self._session = connection
            try:
                yield self
            finally:
                self._session = None

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """A read-only query's result; an empty frame when the store does not exist yet."""
        if self._session is not None:
            return self._session.execute(sql, params or []).df()
        with self.reading() as connection:
            if connection is None:
                return pd.DataFrame()
            return connection.execute(sql, params or []).df()

    def metric_parts(self, metric: Metric, where: Mapping[str, str] | None = None) -> pd.DataFrame:
        """One row per period for the metric's slice `where` (all of it when empty).

        Columns: period (date), n, total, minimum, maximum, num, den, last_at, last, value —
        additive metrics are rolled up from the finest stored grouping; non-additive ones are
        read from the grouping that matches `where` exactly.
        """
        where = dict(where or {})
        if metric.additive:
            conditions = ["metric = ?"]
            params: list[Any] = [metric.id]
            for key, value in sorted(where.items()):
                conditions.append("json_extract_string(dims, ?) = ?")
                params += [f'$."{key}"', str(value)]
            sql = f"""
                SELECT period, {_ROLLUP}
                FROM parts WHERE {" AND ".join(conditions)}
                GROUP BY period ORDER BY period
            """
        else:
            sql = """
                SELECT period, n, total, minimum, maximum, num, den, last_at, last, value
                FROM parts WHERE metric = ? AND dims = ? ORDER BY period
            """
            params = [metric.id, dims_key(where)]
        try:
            frame = self.query(sql, params)
        except duckdb.CatalogException:
            frame = pd.DataFrame()
        return _finish_parts(metric, frame)

    def slice_columns(
        self, slices: Sequence[tuple[Metric, tuple[tuple[str, str], ...]]]
    ) -> dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, np.ndarray]]:
        """The periods of many slices as numpy columns, keyed (metric id, where).

        Each slice's columns, one row per stored period in order: `ordinal` (the period's
        first day as a proleptic ordinal, int64) and `n`, `total`, `minimum`, `maximum`,
        `num`, `den`, `value` (float64, NaN where unknown) — what `metric_parts` gives for
        the slice, without `last_at` and `last`, straight from DuckDB into numpy. A report
        reads every slice it needs in one query per shape (slices of additive metrics per set
        of dimension keys, rolled up; slices of other metrics by their exact stored dims).
        """
        wanted = list(dict.fromkeys((m.id, where) for m, where in slices))
        metrics = {m.id: m for m, _ in slices}
        shapes: dict[tuple[str, ...] | None, list[int]] = {}
        for number, (metric_id, where) in enumerate(wanted):
            shape = tuple(k for k, _ in where) if metrics[metric_id].additive else None
            shapes.setdefault(shape, []).append(number)
        result = {}
        for shape, numbers in shapes.items():
            frame = self._tagged_periods(shape, [wanted[i] for i in numbers])
            slice_of = frame["slice"]
            bounds = np.searchsorted(slice_of, np.arange(len(numbers) + 1), side="left")
            for position, number in enumerate(numbers):
                rows = slice(bounds[position], bounds[position + 1])
                columns = {name: column[rows] for name, column in frame.items() if name != "slice"}
                metric = metrics[wanted[number][0]]
                if metric.additive:
                    columns["value"] = period_values(metric.agg, columns)
                result[wanted[number]] = columns
        return result

    def _tagged_periods(
        self, keys: tuple[str, ...] | None, wanted: list[tuple[str, tuple[tuple[str, str], ...]]]
    ) -> dict[str, np.ndarray]:
        """Every period of the wanted slices of one shape, each row tagged with its slice's
        position in `wanted`, ordered by slice and period.

        `keys` are the dimension keys of slices of additive metrics (rolled up over every
        other dimension); None reads slices of non-additive metrics by their exact dims.
        """
        if keys is None:
            labels, match, match_params = ["dims"], ["p.dims = w.dims"], []
            rows = [[metric_id, dims_key(dict(where))] for metric_id, where in wanted]
            numbers, grouping = "n::DOUBLE AS n, total, minimum, maximum, num, den, value", ""
        else:
            labels = [f"v{i}" for i in range(len(keys))]
            match = [f"json_extract_string(p.dims, ?) = w.v{i}" for i in range(len(keys))]
            match_params = [f'$."{key}"' for key in keys]
            rows = [[metric_id, *(str(value) for _, value in where)] for metric_id, where in wanted]
            numbers, grouping = _NUMBERS, "GROUP BY w.slice, p.period"
        row = "(" + ", ".join(["?"] * (2 + len(labels))) + ")"
        sql = f"""
            WITH w({", ".join(["slice", "metric", *labels])}) AS (
                VALUES {", ".join([row] * len(rows))}
            )
            SELECT w.slice, date_diff('day', DATE '0001-01-01', p.period) + 1 AS ordinal,
                   {numbers}
            FROM parts p JOIN w ON {" AND ".join(["p.metric = w.metric", *match])}
            {grouping} ORDER BY w.slice, ordinal
        """
        params = [value for number, row in enumerate(rows) for value in (number, *row)]
        params += match_params
        try:
            frame = self._fetch_numpy(sql, params)
        except duckdb.CatalogException:
            frame = {}
        if not frame:
            frame = {name: np.empty(0) for name in ("slice", "ordinal", *_PERIOD_NUMBERS)}
        return {
            "slice": np.asarray(frame["slice"], dtype=np.int64),
            "ordinal": np.asarray(frame["ordinal"], dtype=np.int64),
            **{name: _float_column(frame[name]) for name in _PERIOD_NUMBERS if name in frame},
        }

    def _fetch_numpy(self, sql: str, params: list[Any]) -> dict[str, np.ndarray]:
        if self._session is not None:
            return self._session.execute(sql, params).fetchnumpy()
        with self.reading() as connection:
            if connection is None:
                return {}
            return connection.execute(sql, params).fetchnumpy()

    def breakdown(self, metric: Metric, dimension: str) -> pd.DataFrame:
        """Per period and value of `dimension`: the parts of each slice (for charts)."""
        if metric.additive:
            sql = """
                SELECT period, json_extract_string(dims, ?) AS member,
                       sum(n) AS n, sum(total) AS total, min(minimum) AS minimum,
                       max(maximum) AS maximum, sum(num) AS num, sum(den) AS den,
                       max(last_at) AS last_at, arg_max(last, last_at) AS last
                FROM parts WHERE metric = ? GROUP BY ALL ORDER BY period, member
            """
            params = [f'$."{dimension}"', metric.id]
        else:
            sql = """
                SELECT period, json_extract_string(dims, ?) AS member, n, total, minimum,
                       maximum, num, den, last_at, last, value
                FROM parts WHERE metric = ? AND json_keys(dims::JSON) = [?] ORDER BY ALL
            """
            params = [f'$."{dimension}"', metric.id, dimension]
        frame = self.query(sql, params)
        if frame.empty:
            return pd.DataFrame(columns=["period", "member", *PART_COLUMNS[4:]])
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
        if metric.additive:
            frame["value"] = additive_value(metric.agg, frame)
        return frame

    def dimension_members(self, metric: Metric, dimension: str) -> list[str]:
        frame = self.query(
            "SELECT DISTINCT json_extract_string(dims, ?) AS member FROM parts "
            "WHERE metric = ? AND member IS NOT NULL ORDER BY member",
            [f'$."{dimension}"', metric.id],
        )
        return [] if frame.empty else frame["member"].tolist()

    def newest_periods(self) -> dict[str, date]:
        """Each metric's newest stored period."""
        frame = self._safe_query("SELECT metric, max(period) AS newest FROM parts GROUP BY metric")
        return {row.metric: pd.Timestamp(row.newest).date() for row in frame.itertuples()}

    def syncs(self, source: str | None = None, limit: int = 100) -> list[SyncRecord]:
        """The sync log, newest first."""
        sql = "SELECT * FROM syncs" + (" WHERE source = ?" if source else "")
        frame = self._safe_query(
            sql + " ORDER BY id DESC LIMIT ?", [source, limit] if source else [limit]
        )
        return [_sync_record(row) for row in frame.to_dict("records")]

    def last_syncs(self) -> dict[str, SyncRecord]:
        """Each source's most recent sync attempt."""
        frame = self._safe_query(
            "SELECT * FROM syncs QUALIFY row_number() OVER (PARTITION BY source ORDER BY id DESC) = 1"
        )
        return {row["source"]: _sync_record(row) for row in frame.to_dict("records")}

    def last_good_syncs(self) -> dict[str, SyncRecord]:
        frame = self._safe_query(
            "SELECT * FROM syncs WHERE ok QUALIFY row_number() OVER (PARTITION BY source ORDER BY id DESC) = 1"
        )
        return {row["source"]: _sync_record(row) for row in frame.to_dict("records")}

    def quarantined(self, source: str | None = None) -> pd.DataFrame:
        """Quarantined rows (source, origin, line, reason, row, quarantined_at)."""
        sql = 'SELECT source, origin, line, reason, "row", quarantined_at FROM quarantine'
        frame = self._safe_query(
            sql + (" WHERE source = ?" if source else "") + " ORDER BY source, origin, line",
            [source] if source else [],
        )
        if frame.empty:
            return pd.DataFrame(
                columns=["source", "origin", "line", "reason", "row", "quarantined_at"]
            )
        return frame

    def source_rows(self) -> dict[str, int]:
        """How many parts each source has in the store."""
        frame = self._safe_query("SELECT source, count(*) AS n FROM parts GROUP BY source")
        return {row.source: int(row.n) for row in frame.itertuples()}

    def _safe_query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        try:
            return self.query(sql, params)
        except duckdb.CatalogException:  # a store written before the table existed
            return pd.DataFrame()

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[StoreWriter]:
        """Apply changes to a copy of the store, then swap it in; nothing lands on error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # Holding the lock, no other writer is at work: any draft is a crashed one's.
            for orphan in self.path.parent.glob(f"{self.path.name}.draft-*"):
                _remove_with_wal(orphan)
            draft = self.path.with_name(f"{self.path.name}.draft-{os.getpid()}")
            if self.path.exists():
                shutil.copyfile(self.path, draft)
            alias = f"okr_draft_{next(_drafts)}"
            connection = engine.cursor()
            attached = False
            try:
                connection.execute(f"ATTACH {_literal(str(draft))} AS {alias}")
                attached = True
                connection.execute(f"USE {alias}")
                if _schema_version(connection) != SCHEMA_VERSION:
                    connection.execute(_SCHEMA)
                    connection.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                    )
                yield StoreWriter(connection)
                connection.execute(f"CHECKPOINT {alias}")
                _detach(connection, alias)
                attached = False
                with open(draft, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(draft, self.path)
                _fsync_folder(self.path.parent)
            except BaseException:
                if attached:
                    with contextlib.suppress(duckdb.Error):  # the first error is the one to see
                        _detach(connection, alias, rollback=True)
                _remove_with_wal(draft)
                raise
            finally:
                connection.close()


def _detach(connection: duckdb.DuckDBPyConnection, alias: str, rollback: bool = False) -> None:
    """Close the writer's draft file: nothing of it stays open in the process."""
    if rollback:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")  # a transaction an interruption left open
    connection.execute("USE memory")
    connection.execute(f"DETACH {alias}")


_drafts = itertools.count()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StoreWriter:
    """The write operations, valid inside `Store.writing()`."""

    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self.connection = connection

    def source_state(self, source: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The connector state and the metric definitions it was built from."""
        rows = self.connection.execute(
            "SELECT state, definitions FROM sources WHERE source = ?", [source]
        ).fetchall()
        if not rows:
            return {}, {}
        row = rows[0]
        return json.loads(row[0] or "{}"), json.loads(row[1] or "{}")

    def apply_pull(
        self,
        source: str,
        pull: Pull,
        definitions: Mapping[str, str],
        started_at: datetime,
        reset: bool = False,
        notes: str | None = None,
    ) -> SyncRecord:
        """Store one source's pull in one transaction: all of it or none of it."""
        con = self.connection
        now = utcnow()
        con.execute("BEGIN TRANSACTION")
        try:
            if reset:
                con.execute("DELETE FROM parts WHERE source = ?", [source])
                con.execute("DELETE FROM quarantine WHERE source = ?", [source])
            superseded, params = [], [source]
            for item in pull.supersedes:
                conditions = ["metric = ?"]
                params.append(item.metric)
                for condition, value in (
                    ("origin = ?", item.origin),
                    ("period >= ?", item.since),
                    ("period <= ?", item.until),
                ):
                    if value is not None:
                        conditions.append(condition)
                        params.append(value)
                superseded.append(f"({' AND '.join(conditions)})")
            if superseded:
                # One statement for every superseded slice: each statement costs a scan.
                con.execute(
                    f"DELETE FROM parts WHERE source = ? AND ({' OR '.join(superseded)})", params
                )
            # Metrics that left the catalog leave the store too.
            con.execute(
                "DELETE FROM parts WHERE source = ? AND NOT list_contains(?, metric)",
                [source, sorted(definitions)],
            )
            parts = _normalise_parts(pull.parts)
            if len(parts):
                con.register("incoming_parts", parts)
                con.execute(
                    f"""INSERT INTO parts SELECT ?, {", ".join(PART_COLUMNS)}, ?
                        FROM incoming_parts""",
                    [source, now],
                )
                con.unregister("incoming_parts")
            for origin in pull.reread_origins:
                con.execute(
                    "DELETE FROM quarantine WHERE source = ? AND origin = ?", [source, origin]
                )
            sync_id = self._next_sync_id()
            if len(pull.quarantine):
                con.register("incoming_quarantine", pull.quarantine)
                con.execute(
                    """INSERT INTO quarantine
                       SELECT ?, origin, line, reason, "row", ?, ? FROM incoming_quarantine""",
                    [source, sync_id, now],
                )
                con.unregister("incoming_quarantine")
            con.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?)",
                [source, json.dumps(pull.state, default=str), json.dumps(dict(definitions))],
            )
            record = SyncRecord(
                id=sync_id,
                source=source,
                started_at=started_at,
                finished_at=utcnow(),
                ok=True,
                rows_read=pull.rows_read,
                parts=len(parts),
                quarantined=len(pull.quarantine),
                error=None,
                notes="; ".join([*pull.notes, *([notes] if notes else [])]) or None,
            )
            self._log(record)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return record

    def record_failure(self, source: str, error: str, started_at: datetime) -> SyncRecord:
        """Log a failed sync; the source's stored values stay as they were."""
        record = SyncRecord(
            id=self._next_sync_id(),
            source=source,
            started_at=started_at,
            finished_at=utcnow(),
            ok=False,
            rows_read=None,
            parts=None,
            quarantined=None,
            error=error,
            notes=None,
        )
        self._log(record)
        return record

    def _next_sync_id(self) -> int:
        return int(
            self.connection.execute("SELECT coalesce(max(id), 0) + 1 FROM syncs").fetchall()[0][0]
        )

    def _log(self, record: SyncRecord) -> None:
        self.connection.execute(
            "INSERT INTO syncs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.id,
                record.source,
                record.started_at,
                record.finished_at,
                record.ok,
                record.rows_read,
                record.parts,
                record.quarantined,
                record.error,
                record.notes,
            ],
        )


# The parts of many stored rows rolled up into one (additive metrics only).
_NUMBERS = """sum(n)::DOUBLE AS n, sum(total) AS total, min(minimum) AS minimum,
    max(maximum) AS maximum, sum(num) AS num, sum(den) AS den"""
_PERIOD_NUMBERS = ("n", "total", "minimum", "maximum", "num", "den", "value")
_ROLLUP = """sum(n) AS n, sum(total) AS total, min(minimum) AS minimum, max(maximum) AS maximum,
    sum(num) AS num, sum(den) AS den, max(last_at) AS last_at, arg_max(last, last_at) AS last"""


def _schema_version(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The schema version a store file was written with; None for a new file."""
    try:
        rows = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def _finish_parts(metric: Metric, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["period", *PART_COLUMNS[4:]])
    # numpy turns day-precision datetimes into datetime.date objects in C, unlike .dt.date.
    frame["period"] = pd.to_datetime(frame["period"]).to_numpy("datetime64[D]").astype(object)
    if metric.additive:
        frame["value"] = additive_value(metric.agg, frame)
    return frame


def additive_value(agg: str, parts: pd.DataFrame) -> pd.Series:
    """The value of rolled-up parts under an additive aggregation (windows are sum/sum)."""
    columns = {
        name: pd.to_numeric(parts[name], errors="coerce").to_numpy("float64", na_value=np.nan)
        for name in _PERIOD_NUMBERS
        if name in parts and name != "value"
    }
    return pd.Series(period_values(agg, columns), index=parts.index, dtype="float64")


def period_values(agg: str, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each period's value from its rolled-up float64 parts under an additive aggregation."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if agg == "sum":
            return columns["total"].copy()
        if agg == "count":
            return columns["n"].copy()
        if agg == "avg":
            n = columns["n"]
            return np.where(n > 0, columns["total"] / n, np.nan)
        if agg == "ratio":
            den = columns["den"]
            return np.where(den != 0, columns["num"] / den, np.nan)
        if agg == "min":
            return columns["minimum"].copy()
        if agg == "max":
            return columns["maximum"].copy()
    raise ValueError(f"agg {agg} is not additive")


def _float_column(column: np.ndarray) -> np.ndarray:
    """A fetched numeric column as float64 with NaN for SQL NULL (DuckDB masks NULLs)."""
    return np.ma.filled(np.ma.asarray(column).astype("float64"), np.nan)


def _normalise_parts(parts: pd.DataFrame) -> pd.DataFrame:
    frame = parts.reindex(columns=list(PART_COLUMNS)).copy()
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["last_at"] = pd.to_datetime(frame["last_at"], utc=False)
    if getattr(frame["last_at"].dt, "tz", None) is not None:
        frame["last_at"] = frame["last_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _sync_record(row: Mapping[str, Any]) -> SyncRecord:
    def optional_int(value):
        return None if value is None or pd.isna(value) else int(value)

    def optional_text(value):
        return None if value is None or (isinstance(value, float) and pd.isna(value)) else value

    return SyncRecord(
        id=int(row["id"]),
        source=row["source"],
        started_at=pd.Timestamp(row["started_at"]).to_pydatetime(),
        finished_at=pd.Timestamp(row["finished_at"]).to_pydatetime(),
        ok=bool(row["ok"]),
        rows_read=optional_int(row["rows_read"]),
        parts=optional_int(row["parts"]),
        quarantined=optional_int(row["quarantined"]),
        error=optional_text(row["error"]),
        notes=optional_text(row["notes"]),
    )


def _remove_with_wal(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
