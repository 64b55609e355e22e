"""The CSV connector: a folder of exports, read by DuckDB into per-period parts.

It owns the scan plan (one pass over the files each glob needs), the quarantine of bad rows
and the incremental state (file fingerprints and the periods each file covers).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from connectors.base import (
    PART_COLUMNS,
    Progress,
    Pull,
    SourceError,
    Supersede,
    dims_key,
    empty_parts,
    empty_quarantine,
    parts_frame,
)
from okr import engine
from okr.model import Metric, Source

__all__ = ["CsvConnector"]

# Bump when the meaning of stored parts changes, so that every metric is read again once.
_STATE_VERSION = 1
_EDGE_BYTES = 64 * 1024
# Zones where a TIMESTAMPTZ's UTC wall time is the local time: a cheap path, no ICU per row.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT"})
_NUMERIC_AGGS = frozenset({"sum", "avg", "min", "max", "median", "last", "ratio"})
_NUMERIC_TYPE = re.compile(
    r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?|BOOLEAN)$"
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"^\(\s*-?[0-9]+(\.[0-9]+)?\s*\)$")  # a literal, as _spec wraps it
_SQL_WORDS = frozenset({"true", "false", "null"})
_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_ ]*(\([0-9, ]+\))?$")
_FILE_COLUMN = "_okr_file"
_UNKNOWN = "unknown"  # a file's period range that was never recorded


class CsvConnector:
    """Reads a folder of CSV exports: each metric's `table` is a file name or glob inside it."""

    def __init__(self, source: Source):
        self.source = source
        self.name = source.id

    def columns(self, table: str) -> list[str]:
        """The header of the first file matching `table`, for the catalog editor's choices."""
        files = self._list_files(table, self._folder())
        with _connect() as con:
            return list(_sniff(con, files[0]).columns)

    def pull(
        self,
        metrics: Sequence[Metric],
        *,
        state: Mapping[str, Any],
        timezone: str,
        progress: Progress | None = None,
    ) -> Pull:
        """Per-period parts of `metrics`, reading only the files changed since `state`.

        A new or changed metric definition (or timezone) reads every file and supersedes the
        whole metric. Otherwise an additive metric's parts carry their file as origin and a
        changed, new or deleted file supersedes that origin; a non-additive metric re-reads
        every file holding rows in the periods a change touches and supersedes those periods.
        `reread_origins` lists the files read and the deleted ones: their quarantined rows
        are replaced by this pull's.
        """
        folder = self._folder()
        for metric in metrics:
            self._check_metric(metric)
        by_table: dict[str, list[Metric]] = {}
        for metric in metrics:
            by_table.setdefault(metric.table, []).append(metric)
        listings = {table: self._list_files(table, folder) for table in by_table}
        previous = _State.load(state)
        new_state = _State()
        out = _Accumulator()
        tracker = _ProgressTracker(progress, sum(f.size for fs in listings.values() for f in fs))
        sniffs = _SniffCache(previous.sniffs)
        with _connect() as con:
            _set_timezone(con, timezone)
            layouts: dict[str, _Layout] = {}
            for table, table_metrics in by_table.items():
                scan = _GlobScan(self.source.id, table, table_metrics, listings[table], timezone)
                scan.run(con, previous, tracker, out, sniffs)
                new_state.absorb(scan, previous)
                layouts.update(scan.layouts)
            origins = {str(f.path): f.rel for files in listings.values() for f in files}
            out.quarantine_rows = _quarantine(con, origins, layouts)
        new_state.sniffs = sniffs.kept({f.header for fs in listings.values() for f in fs})
        tracker.finish()
        return out.to_pull(new_state.dump())

    def _folder(self) -> Path:
        folder = self.source.path
        if folder is None or not Path(folder).is_dir():
            raise SourceError(
                f"source '{self.source.id}': the folder {folder} does not exist; "
                "create it or fix the source's path: in metrics.yml"
            )
        return Path(folder)

    def _check_metric(self, metric: Metric) -> None:
        where = f"source '{self.source.id}', metric '{metric.id}'"
        if metric.sql:
            raise SourceError(
                f"{where}: a CSV source cannot run sql:; use table: with a file name or glob"
            )
        if not metric.table or not metric.time:
            raise SourceError(f"{where}: a CSV metric needs table: (a file or glob) and time:")
        if Path(metric.table).is_absolute() or ".." in Path(metric.table).parts:
            raise SourceError(
                f"{where}: table '{metric.table}' must be a file name or glob inside the "
                "source folder, without '..' and not an absolute path"
            )
        if metric.agg == "ratio" and not (metric.numerator and metric.denominator):
            raise SourceError(f"{where}: a ratio needs numerator: and denominator:")
        if metric.agg not in ("count", "ratio") and not metric.value:
            raise SourceError(f"{where}: agg {metric.agg} needs value: (a column or expression)")

    def _list_files(self, table: str, folder: Path) -> list[_File]:
        paths = sorted(p for p in folder.glob(table) if p.is_file())
        if not paths:
            raise SourceError(
                f"source '{self.source.id}': no file matches '{table}' in {folder}; "
                "check the metric's table: or that the export was written there"
            )
        return [_File.of(path, folder) for path in paths]


# -- files and state ---------------------------------------------------------------------

Range = tuple[date, date]


@dataclass(frozen=True)
class _File:
    """One CSV file: where it is, its fingerprint and its header line."""

    rel: str
    path: Path
    size: int
    mtime_ns: int
    digest: str
    header: bytes

    @classmethod
    def of(cls, path: Path, folder: Path) -> _File:
        stat = path.stat()
        with path.open("rb") as handle:
            head = handle.read(_EDGE_BYTES)
            handle.seek(max(stat.st_size - _EDGE_BYTES, len(head)))
            tail = handle.read(_EDGE_BYTES)
        header = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
        return cls(
            rel=path.relative_to(folder).as_posix(),
            path=path,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            digest=hashlib.blake2b(head + tail, digest_size=16).hexdigest(),
            header=header,
        )

    @property
    def fingerprint(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "digest": self.digest}


@dataclass
class _State:
    """What one pull hands the next (JSON-safe once dumped).

    files[rel]: the fingerprint plus `periods` {"<time>|<grain>": [first, last] or None},
    the periods the file's valid rows cover; globs[table]: the files it matched;
    metrics[id]: the signature the metric's stored parts were computed under;
    sniffs[header digest]: the sniffed columns and options of a header layout.
    """

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    globs: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    sniffs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> _State:
        if not raw or raw.get("version") != _STATE_VERSION:
            return cls()
        return cls(
            files={k: dict(v) for k, v in raw.get("files", {}).items()},
            globs={k: list(v) for k, v in raw.get("globs", {}).items()},
            metrics=dict(raw.get("metrics", {})),
            sniffs={k: dict(v) for k, v in raw.get("sniffs", {}).items()},
        )

    def dump(self) -> dict[str, Any]:
        return {
            "version": _STATE_VERSION,
            "files": self.files,
            "globs": self.globs,
            "metrics": self.metrics,
            "sniffs": self.sniffs,
        }

    def fingerprint(self, rel: str) -> dict[str, Any] | None:
        entry = self.files.get(rel)
        return None if entry is None else {k: entry.get(k) for k in ("size", "mtime_ns", "digest")}

    def periods(self, rel: str, key: str) -> Range | None | str:
        """The recorded range of `rel` for `key`: None if it has no rows, _UNKNOWN if unrecorded."""
        recorded = self.files.get(rel, {}).get("periods", {})
        if key not in recorded:
            return _UNKNOWN
        span = recorded[key]
        return None if span is None else (date.fromisoformat(span[0]), date.fromisoformat(span[1]))

    def absorb(self, scan: _GlobScan, previous: _State) -> None:
        """Records one glob's files and metrics after its scan (or its skip)."""
        self.globs[scan.table] = [f.rel for f in scan.files]
        for metric in scan.metrics:
            self.metrics[metric.id] = _signature(metric, scan.timezone)
        keys = {_key(m) for m in scan.metrics}
        for file in scan.files:
            entry = self.files.setdefault(file.rel, {**file.fingerprint, "periods": {}})
            if file.rel in scan.read_ranges:
                spans = {k: _span_json(v) for k, v in scan.read_ranges[file.rel].items()}
            else:
                old = previous.files.get(file.rel, {}).get("periods", {})
                spans = {k: v for k, v in old.items() if k in keys}
            entry["periods"].update(spans)


def _signature(metric: Metric, timezone: str) -> str:
    """Changes whenever the metric's stored parts would: then it is read again in full."""
    definition = [
        metric.table,
        metric.time,
        metric.value,
        metric.numerator,
        metric.denominator,
        metric.filter,
        list(metric.dimensions),
        metric.agg,
        metric.grain,
        timezone,
        _STATE_VERSION,
    ]
    return hashlib.blake2b(json.dumps(definition).encode(), digest_size=12).hexdigest()


def _key(metric: Metric) -> str:
    return f"{metric.time}|{metric.grain}"


def _span_json(span: Range | None) -> list[str] | None:
    return None if span is None else [span[0].isoformat(), span[1].isoformat()]


def _merge(a: Range | None, b: Range | None) -> Range | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _overlaps(a: Range, b: Range) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


# -- one glob: which files to read, and what the pull says about them -------------------


class _GlobScan:
    """Every metric over one glob, computed in one pass over the files that need reading.

    The glob's metrics share the pass so that a row rejected for one of them (a bad time or
    value) is rejected for all: a quarantined row contributes to no metric.
    """

    def __init__(self, source_id: str, table: str, metrics, files: list[_File], timezone: str):
        self.source_id = source_id
        self.table = table
        self.metrics = list(metrics)
        self.files = files
        self.timezone = timezone
        self.read_ranges: dict[str, dict[str, Range | None]] = {}
        self.layouts: dict[str, _Layout] = {}

    def run(self, con, previous: _State, tracker, out: _Accumulator, sniffs: _SniffCache) -> None:
        before = previous.globs.get(self.table)
        deleted = sorted(set(before or ()) - {f.rel for f in self.files})
        changed = [f for f in self.files if previous.fingerprint(f.rel) != f.fingerprint]
        full = before is None or any(
            previous.metrics.get(m.id) != _signature(m, self.timezone) for m in self.metrics
        )
        if not (full or changed or deleted):
            tracker.skip(sum(f.size for f in self.files))
            out.notes.append(f"{self.table}: {_files(len(self.files))} unchanged, skipped")
            return
        to_read = self.files if full else changed
        # A full read sniffs afresh; an incremental one reuses what earlier pulls found.
        scan = functools.partial(self._read, con, tracker=tracker, sniffs=sniffs, fresh=full)
        scanned = scan(to_read)
        windows: dict[str, Range | None] = {}
        if not full:
            windows = self._affected_windows(previous, changed, deleted, scanned)
            overlapping = self._overlapping(previous, changed, windows)
            if overlapping:
                # A non-additive value needs every row of its period: read those files too.
                to_read = [f for f in self.files if f in changed or f in overlapping]
                scanned = scan(to_read)
        self._record(to_read, scanned)
        read = [f.rel for f in to_read]
        for metric in self.metrics:
            parts = scanned.parts[metric.id] if scanned else []
            self._emit(metric, parts, full, windows, read + deleted, out)
        out.rows_read += scanned.rows if scanned else 0
        out.reread.update(read + deleted)
        tracker.skip(sum(f.size for f in self.files) - sum(f.size for f in to_read))
        skipped = len(self.files) - len(to_read)
        out.notes.append(
            f"{self.table}: {_files(len(to_read))} read"
            + (f", {skipped} unchanged skipped" if skipped else "")
            + (f", {len(deleted)} deleted" if deleted else "")
        )

    def _read(self, con, files, *, tracker, sniffs, fresh) -> _Scanned | None:
        """One scan of the non-empty `files`; None when every one of them is empty."""
        readable = [f for f in files if f.size > 0]
        if not readable:
            return None
        sniffed = [sniffs.get(con, group, fresh) for group in _header_groups(readable)]
        specs, groups = _resolve(con, self.source_id, self.metrics, sniffed)
        self.layouts.update({str(f.path): g.layout for g in groups for f in g.files})
        if not any(g.time_format for g in groups):
            return _scan(con, specs, groups, self.timezone, tracker, self.table)
        mark = _last_scan_id(con, scanned=tracker.scans > 0)
        scanned = _scan(con, specs, groups, self.timezone, tracker, self.table)
        if not _misread_times(con, mark, groups, sorted({s.metric.time for s in specs})):
            return scanned
        # A time the strict format refused but the exact read takes (a UTC offset, another
        # precision): forget this scan's rejects and read the files the exact way.
        _forget_scans_after(con, mark)
        tracker.rewind(sum(f.size for g in groups for f in g.files))
        exact = [dataclasses.replace(g, time_format=None) for g in groups]
        return _scan(con, specs, exact, self.timezone, tracker, self.table)

    def _record(self, files: list[_File], scanned: _Scanned | None) -> None:
        keys = sorted({_key(m) for m in self.metrics})
        self.read_ranges = {f.rel: dict.fromkeys(keys) for f in files}
        self.read_ranges.update(scanned.ranges if scanned else {})

    def _affected_windows(self, previous, changed, deleted, scanned) -> dict[str, Range | None]:
        """Per non-additive key, the periods whose values may change: old and new ranges."""
        windows: dict[str, Range | None] = {}
        for key in sorted({_key(m) for m in self.metrics if not m.additive}):
            window: Range | None = None
            for rel in [f.rel for f in changed] + deleted:
                old = previous.periods(rel, key)
                window = _merge(window, None if old == _UNKNOWN else old)
            for spans in (scanned.ranges if scanned else {}).values():
                window = _merge(window, spans.get(key))
            windows[key] = window
        return windows

    def _overlapping(self, previous, changed, windows) -> list[_File]:
        """The unchanged files that hold rows in an affected window."""
        live = {key: window for key, window in windows.items() if window is not None}

        def overlaps(file: _File) -> bool:
            for key, window in live.items():
                span = previous.periods(file.rel, key)
                if span == _UNKNOWN or (span is not None and _overlaps(span, window)):
                    return True
            return False

        return [f for f in self.files if f not in changed and f.size > 0 and overlaps(f)]

    def _emit(self, metric, parts, full, windows, origins, out: _Accumulator) -> None:
        if full:
            out.supersedes.append(Supersede(metric=metric.id))
            out.part_rows.extend(parts)
        elif metric.additive:
            out.supersedes.extend(Supersede(metric=metric.id, origin=o) for o in sorted(origins))
            out.part_rows.extend(parts)
        elif (window := windows.get(_key(metric))) is not None:
            since, until = window
            out.supersedes.append(Supersede(metric.id, origin="", since=since, until=until))
            out.part_rows.extend(p for p in parts if since <= p["period"] <= until)


# -- resolving metrics against the files' columns ----------------------------------------


@dataclass
class _Spec:
    """One metric made concrete: the SQL of its value, numerator, denominator and filter.

    A value (numerator, denominator) naming a column of the header is *bare*; when the
    metric needs a number, a bare column is read as DOUBLE and may not be empty.
    """

    metric: Metric
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    numeric: bool = False
    bare_numeric: list[str] = field(default_factory=list)


def _resolve(con, source_id, metrics, sniffed) -> tuple[list[_Spec], list[_Group]]:
    """Checks every column and expression against each header layout, given as (its files,
    its sniff); the scan reads a layout with its sniffed options, so the columns and types
    checked here are exactly the ones the scan sees."""
    first = sniffed[0][1]
    specs = [_spec(metric, list(first.columns)) for metric in metrics]
    expressions = [
        sql
        for spec in specs
        for sql in (spec.value, spec.numerator, spec.denominator, spec.metric.filter)
        if sql
    ]
    referenced = {name.lower() for name in _references(con, expressions)}
    groups = []
    for files, sniff in sniffed:
        columns = list(sniff.columns)
        _check_columns(source_id, specs, files, columns)
        layout = _layout(sniff, specs, referenced)
        _create_shape(con, layout)
        for spec in specs:
            _check_expressions(con, source_id, spec, files[0], columns)
        time_format = _strict_time_format(sniff, specs, referenced)
        groups.append(
            _Group(files=files, layout=layout, options=sniff.options, time_format=time_format)
        )
    return specs, groups


def _strict_time_format(sniff: _Sniffed, specs: list[_Spec], referenced: set[str]) -> str | None:
    """The one strict format every time column of a layout is written in, when it carries
    no UTC offset and no expression reads it: the scan can then parse it as a plain TIMESTAMP
    (local wall time already), which costs far less than TIMESTAMPTZ. None otherwise.
    `referenced` holds the (lower-case) names the metrics' expressions read."""
    times = {spec.metric.time for spec in specs}
    formats = {sniff.time_formats.get(time) for time in times}
    if len(formats) != 1 or None in formats:
        return None
    if any(time.lower() in referenced for time in times):
        return None  # an expression over the time column must see the exact TIMESTAMPTZ
    return formats.pop()


@dataclass(frozen=True)
class _Layout:
    """How a scan reads one header layout: every column in order with the type it is read
    as, those that may not be empty, and those the metrics use (only they reject rows)."""

    types: dict[str, str]
    not_null: frozenset[str]
    used: frozenset[str]


@dataclass(frozen=True)
class _Group:
    """Files sharing one header line, read by one read_csv call with the sniffed options."""

    files: list[_File]
    layout: _Layout
    options: dict[str, Any]
    # Set when the time columns are read as TIMESTAMP with this strict format (see
    # _strict_time_format); None reads them as TIMESTAMPTZ, which is exact for every time.
    time_format: str | None = None


def _layout(sniffed: _Sniffed, specs: list[_Spec], referenced: set[str]) -> _Layout:
    """`referenced` holds the (lower-case) names the metrics' expressions read."""
    types, not_null = _typing(specs)
    by_lower = {name.lower(): name for name in sniffed.columns}
    used = {by_lower[n] for n in referenced if n in by_lower}
    return _Layout(
        types=sniffed.columns | types,
        not_null=frozenset(not_null),
        used=frozenset(used | set(types)),
    )


def _references(con, expressions: list[str]) -> set[str]:
    """The names every expression refers to, from DuckDB's own parse of it."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF":
                names.update(node.get("column_names", []))
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    for sql in expressions:
        tree = con.execute("SELECT json_serialize_sql(?)", [f"SELECT {sql}"]).fetchall()[0][0]
        visit(json.loads(tree))
    return names


def _spec(metric: Metric, columns: list[str]) -> _Spec:
    spec = _Spec(metric=metric, numeric=metric.agg in _NUMERIC_AGGS)

    def sql_of(text: str | None) -> str | None:
        if text is None:
            return None
        if text not in columns:
            return f"({text})"
        if spec.numeric:
            spec.bare_numeric.append(text)
        return _quote(text)

    if metric.agg == "ratio":
        spec.numerator = sql_of(metric.numerator)
        spec.denominator = sql_of(metric.denominator)
    else:
        spec.value = sql_of(metric.value)
    return spec


def _header_groups(files: list[_File]) -> list[list[_File]]:
    """Files grouped by header line: one read_csv call reads one header layout correctly."""
    groups: dict[bytes, list[_File]] = {}
    for file in files:
        groups.setdefault(file.header, []).append(file)
    return list(groups.values())


@dataclass(frozen=True)
class _Sniffed:
    """What DuckDB's sniffer finds in a file: its columns with their types, and the read_csv
    options that reproduce its dialect."""

    columns: dict[str, str]
    options: dict[str, Any]
    # Per column of dates or times without a UTC offset: the strict format its first value
    # is written in (an ISO shape, or the sniffer's own format).
    time_formats: dict[str, str] = field(default_factory=dict)


_SNIFF_SQL = """
SELECT Columns, Delimiter, Quote, Escape, Comment, SkipRows, HasHeader, DateFormat,
       TimestampFormat
FROM sniff_csv(?, ignore_errors=true)
"""


def _sniff(con, file: _File) -> _Sniffed:
    try:
        found = con.execute(_SNIFF_SQL, [str(file.path)]).fetchall()[0]
    except duckdb.Error as error:
        raise SourceError(f"{file.rel} cannot be read as CSV: {_first_line(error)}") from None
    columns, delimiter, quote, escape, comment, skip, header, dates, times = found

    def text(value: str | None) -> str:
        return "" if value in (None, "(empty)") else value

    # One sniff serves every file of the header layout: where the sample held no quotes, a
    # later file may still quote a field, so quoting stays RFC 4180's ("..." and ""), and
    # line endings are left to DuckDB, which reads \n and \r\n files alike.
    options: dict[str, Any] = {
        "delim": delimiter,
        "quote": text(quote) or '"',
        "escape": text(escape) or text(quote) or '"',
        "comment": text(comment),
        "skip": skip,
        "header": header,
    }
    if dates:
        options["dateformat"] = dates
    if times:
        options["timestampformat"] = times
    types = {c["name"]: c["type"] for c in columns}
    return _Sniffed(
        columns=types, options=options, time_formats=_time_formats(con, file, types, options)
    )


# The ISO shapes of a time without a UTC offset, each with the strict format that reads it.
_ISO_SHAPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}"), "%Y-%m-%d{}%H:%M"),
    (re.compile(r"\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}:\d{2}"), "%Y-%m-%d{}%H:%M:%S"),
    (re.compile(r"\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}:\d{2}\.\d{1,6}"), "%Y-%m-%d{}%H:%M:%S.%f"),
)


def _time_formats(con, file: _File, types: dict[str, str], options: dict[str, Any]) -> dict:
    """The strict format of each column the sniffer read as dates or times without an
    offset, from the file's first row; a column whose first value has no known shape has
    none (and is read as TIMESTAMPTZ)."""
    candidates = [name for name, kind in types.items() if kind in ("DATE", "TIMESTAMP")]
    if not candidates:
        return {}
    sniffed = options.get("timestampformat")
    if sniffed:
        # The sniffer's own format is already strict; one with a zone needs TIMESTAMPTZ.
        strict = sniffed if not re.search(r"%[zZ]", sniffed) else None
        return {name: strict for name in candidates if types[name] == "TIMESTAMP" and strict}
    dialect = {k: v for k, v in options.items() if k not in ("dateformat", "timestampformat")}
    dialect_sql = "".join(f", {k}={_sql_value(v)}" for k, v in dialect.items())
    try:
        first = con.execute(
            f"SELECT * FROM read_csv(?, auto_detect=false, columns=?{dialect_sql}) LIMIT 1",
            [str(file.path), dict.fromkeys(types, "VARCHAR")],
        ).fetchall()
    except duckdb.Error:
        return {}
    if not first:
        return {}
    values = dict(zip(types, first[0], strict=False))
    formats = {}
    for name in candidates:
        value = (values.get(name) or "").strip()
        for shape, pattern in _ISO_SHAPES:
            found = shape.fullmatch(value)
            if found:
                formats[name] = pattern.format(*found.groups())
                break
    return formats


class _SniffCache:
    """One sniff per header layout, kept in the state from pull to pull.

    A layout is sniffed on its largest file; a full read sniffs afresh.
    """

    def __init__(self, stored: Mapping[str, dict[str, Any]]):
        self.stored = dict(stored)

    def get(self, con, files: list[_File], fresh: bool) -> tuple[list[_File], _Sniffed]:
        key = _header_key(files[0].header)
        if fresh or key not in self.stored:
            found = _sniff(con, max(files, key=lambda f: f.size))
            self.stored[key] = {
                "columns": found.columns,
                "options": found.options,
                "time_formats": found.time_formats,
            }
        return files, _Sniffed(**self.stored[key])

    def kept(self, headers: set[bytes]) -> dict[str, dict[str, Any]]:
        """The sniffs of the headers still in the folder."""
        keys = {_header_key(header) for header in headers}
        return {k: v for k, v in self.stored.items() if k in keys}


def _header_key(header: bytes) -> str:
    return hashlib.blake2b(header, digest_size=12).hexdigest()


def _check_columns(source_id: str, specs: list[_Spec], group: list[_File], columns) -> None:
    for spec in specs:
        metric = spec.metric
        needed = [("time", metric.time)] + [("dimension", d) for d in metric.dimensions]
        for role in ("value", "numerator", "denominator"):
            text = getattr(metric, role)
            # A lone word that is no column is a misspelt column, not an expression.
            if text and _IDENTIFIER.match(text) and text.lower() not in _SQL_WORDS:
                needed.append((role, text))
        for role, column in needed:
            if column not in columns:
                where = group[0].rel + (f" (and {len(group) - 1} more)" if len(group) > 1 else "")
                raise SourceError(
                    f"source '{source_id}', metric '{metric.id}': {role} column '{column}' "
                    f"is not in {where}; its columns are: {', '.join(columns)}. "
                    "Fix the metric's column name or the export"
                )


def _create_shape(con, layout: _Layout) -> None:
    """An empty table with the columns and types a scan sees, to check expressions on."""
    columns = ", ".join(f"{_quote(name)} {kind}" for name, kind in layout.types.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _shape ({columns})")


def _check_expressions(con, source_id: str, spec: _Spec, file: _File, columns) -> None:
    metric = spec.metric
    where = f"source '{source_id}', metric '{metric.id}'"
    checks = [
        ("value", metric.value, spec.value),
        ("numerator", metric.numerator, spec.numerator),
        ("denominator", metric.denominator, spec.denominator),
        ("filter", metric.filter, f"({metric.filter})" if metric.filter else None),
    ]
    for role, text, sql in checks:
        if sql is None:
            continue
        try:
            # Selecting the time column beside it rejects aggregates: the SQL is per row.
            described = con.execute(
                f"DESCRIBE SELECT {_quote(metric.time)}, {sql} AS _checked FROM _shape"
            ).fetchall()
        except duckdb.Error as error:
            raise SourceError(
                f"{where}: {role} expression '{text}' is not valid SQL over one row of "
                f"{file.rel} (columns: {', '.join(columns)}): {_first_line(error)}"
            ) from None
        kind = described[-1][1]
        if role == "filter" and kind != "BOOLEAN":
            raise SourceError(
                f"{where}: filter '{text}' gives {kind}, not true or false; write a "
                "condition such as \"segment = 'enterprise'\""
            )
        if role != "filter" and spec.numeric and not _NUMERIC_TYPE.match(kind):
            raise SourceError(
                f"{where}: {role} '{text}' gives {kind}, but {metric.agg} needs a number; "
                "use a numeric column or CAST(... AS DOUBLE)"
            )


def _typing(specs: list[_Spec]) -> tuple[dict[str, str], list[str]]:
    """Explicit column types: time TIMESTAMPTZ, bare numeric values DOUBLE, dimensions text.

    Typed time and numeric columns are read with empty meaning '' rather than NULL, so an
    empty one fails its cast and DuckDB quarantines the row with its file and line.
    """
    types = {d: "VARCHAR" for spec in specs for d in spec.metric.dimensions}
    types.update({c: "DOUBLE" for spec in specs for c in spec.bare_numeric})
    types.update({spec.metric.time: "TIMESTAMPTZ" for spec in specs})
    not_null = sorted(c for c, kind in types.items() if kind != "VARCHAR")
    return types, not_null


# -- the scan: one GROUP BY over the files -----------------------------------------------


@dataclass(frozen=True)
class _Set:
    """One grouping set: whether it keeps the file, its period key, its dimensions."""

    by_file: bool
    key: str
    dims: tuple[str, ...]


@dataclass
class _Scanned:
    parts: dict[str, list[dict[str, Any]]]
    ranges: dict[str, dict[str, Range | None]]
    rows: int


class _ScanQuery:
    """The one GROUP BY of a scan; identical row expressions and aggregates appear once.

    Metrics over the same time column and grain share period and set columns; each metric
    reads its parts from the grouping sets it needs: period x all its dimensions (and the
    file, for additive metrics), or period x every subset of them (non-additive ones).
    """

    def __init__(self, specs: list[_Spec], groups: list[_Group], timezone: str):
        self.specs = specs
        self.groups = groups
        self.timezone = timezone
        self.by_file = sum(len(g.files) for g in groups) > 1
        self.keys = sorted({_key(s.metric) for s in specs})
        self.times = sorted({s.metric.time for s in specs})
        self.dims = sorted({d for s in specs for d in s.metric.dimensions})
        self.row_columns: dict[str, str] = {}
        self.aggregates: dict[str, str] = {}
        self.rows_column = self._aggregate("count(*)")
        self.part_columns = {s.metric.id: self._plan(s) for s in specs}
        self.sets = self._grouping_sets()
        self.group_columns = ["_file"] if self.by_file else []
        self.group_columns += [f"_p{i}" for i in range(len(self.keys))]
        self.group_columns += [f"_d{i}" for i in range(len(self.dims))]

    def _row(self, sql: str) -> str:
        return self.row_columns.setdefault(sql, f"_r{len(self.row_columns)}")

    def _aggregate(self, sql: str) -> str:
        return self.aggregates.setdefault(sql, f"_a{len(self.aggregates)}")

    def _plan(self, spec: _Spec) -> dict[str, str | None]:
        """The aggregate column behind each part of one metric (None: not computed)."""
        metric, agg = spec.metric, spec.metric.agg
        time = f"_t{self.times.index(metric.time)}"
        where = self._row(f"({metric.filter})") if metric.filter else None
        value = num = den = None
        if spec.value is not None:
            value = self._row(f"CAST({spec.value} AS DOUBLE)" if spec.numeric else spec.value)
        if agg == "ratio":
            num = self._row(f"CAST({spec.numerator} AS DOUBLE)")
            den = self._row(f"CAST({spec.denominator} AS DOUBLE)")
        present = den or value
        # Bare numeric columns and number literals are never NULL (an empty column quarantines
        # its row): counting them is counting rows, and aggregates collapse into shared ones.
        never_null = {_quote(c) for c in spec.bare_numeric}
        counted = spec.denominator if agg == "ratio" else spec.value
        if counted in never_null or _NUMBER.match(counted or ""):
            present = None

        def over(function: str, *conditions: str | None) -> str:
            kept = [c for c in (where, *conditions) if c]
            condition = f" FILTER (WHERE {' AND '.join(kept)})" if kept else ""
            return self._aggregate(function + condition)

        numeric = spec.numeric and agg != "ratio"
        last_only = f"{present} IS NOT NULL" if present else None
        columns: dict[str, str | None] = dict.fromkeys(_PART_VALUES)
        columns["n"] = over(f"count({present or '*'})")
        columns["last_at"] = over(f"max({time})", last_only if agg == "last" else None)
        if numeric:
            columns["total"] = over(f"sum({value})")
            columns["minimum"] = over(f"min({value})")
            columns["maximum"] = over(f"max({value})")
        if agg == "ratio":
            columns["num"] = over(f"sum({num})")
            columns["den"] = over(f"sum({den})")
        if agg == "last":
            # Ties at the same time keep the greatest value, so the result is deterministic.
            columns["last"] = columns["value"] = over(f"max(({time}, {value}))[2]", last_only)
        elif agg == "count_distinct":
            columns["value"] = over(f"count(DISTINCT {value})")
        elif agg == "median":
            columns["value"] = over(f"median({value})")
        return columns

    def _grouping_sets(self) -> list[_Set]:
        sets: list[_Set] = []
        for spec in self.specs:
            metric, dims = spec.metric, tuple(sorted(spec.metric.dimensions))
            if metric.additive:
                candidates = [_Set(self.by_file, _key(metric), dims)]
            else:
                subsets = [c for size in range(len(dims) + 1) for c in combinations(dims, size)]
                candidates = [_Set(False, _key(metric), subset) for subset in subsets]
            sets += [c for c in candidates if c not in sets]
        for key in self.keys:
            # The state keeps each file's period range per key, read from a set by file.
            if self.by_file and not any(s.by_file and s.key == key for s in sets):
                sets.append(_Set(True, key, ()))
        return sets

    def set_columns(self, group: _Set) -> list[str]:
        columns = ["_file"] if group.by_file else []
        columns.append(f"_p{self.keys.index(group.key)}")
        return columns + [f"_d{self.dims.index(d)}" for d in group.dims]

    def grouping_id(self, group: _Set) -> int:
        """The value of GROUPING(all group columns) for rows of `group`: 1 bits are left out."""
        kept = set(self.set_columns(group))
        gid = 0
        for column in self.group_columns:
            gid = (gid << 1) | (column not in kept)
        return gid

    def sql(self) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"not_null": _typing(self.specs)[1]}
        reads = []
        for number, group in enumerate(self.groups):
            params[f"files{number}"] = [str(f.path) for f in group.files]
            types, options = group.layout.types, dict(group.options)
            if group.time_format:
                types = types | dict.fromkeys(self.times, "TIMESTAMP")
                options["timestampformat"] = group.time_format
            params[f"columns{number}"] = types
            options = "".join(f", {k}={_sql_value(v)}" for k, v in options.items())
            # Each row's file is read only when rows are grouped by file: it costs a sixth
            # of a one-file scan.
            by_file = f", filename='{_FILE_COLUMN}'" if self.by_file else ""
            columns = [f"{_FILE_COLUMN} AS _file"] if self.by_file else []
            columns += [
                f"{_quote(t) if group.time_format else _local(t, self.timezone)} AS _t{i}"
                for i, t in enumerate(self.times)
            ]
            columns += [f"CAST({_quote(d)} AS VARCHAR) AS _d{i}" for i, d in enumerate(self.dims)]
            columns += [f"{sql} AS {alias}" for sql, alias in self.row_columns.items()]
            reads.append(
                f"SELECT {', '.join(columns)} FROM read_csv($files{number}, auto_detect=false, "
                f"columns=$columns{number}{options}, force_not_null=$not_null{by_file}, "
                "ignore_errors=true, store_rejects=true)"
            )
        periods = [
            _period_sql(f"_t{self.times.index(key.split('|')[0])}", key.split("|")[1])
            + f" AS _p{i}"
            for i, key in enumerate(self.keys)
        ]
        rows = f"SELECT *, {', '.join(periods)} FROM ({' UNION ALL '.join(reads)})"
        aggregates = [f"{a} AS {alias}" for a, alias in self.aggregates.items()]
        group_columns = ", ".join(self.group_columns)
        if len(self.sets) == 1:
            # One grouping set: a plain GROUP BY computes the same rows for less.
            (only,) = self.sets
            kept = self.set_columns(only)
            select = [f"{self.grouping_id(only)} AS _gid"]
            select += [c if c in kept else f"NULL AS {c}" for c in self.group_columns]
            select = ", ".join([*select, *aggregates])
            return f"SELECT {select} FROM ({rows}) GROUP BY {', '.join(kept)}", params
        select = ", ".join([f"GROUPING({group_columns}) AS _gid", *self.group_columns, *aggregates])
        sets = ", ".join("(" + ", ".join(self.set_columns(s)) + ")" for s in self.sets)
        return f"SELECT {select} FROM ({rows}) GROUP BY GROUPING SETS ({sets})", params


_PART_VALUES = ("n", "total", "minimum", "maximum", "num", "den", "last_at", "last", "value")


def _scan(con, specs, groups: list[_Group], timezone, tracker, table) -> _Scanned:
    """One pass over the groups' files: the parts of every spec, each file's ranges, rows read."""
    files = [f for group in groups for f in group.files]
    query = _ScanQuery(specs, groups, timezone)
    sql, params = query.sql()
    size = sum(f.size for f in files)
    result = tracker.run(con, sql, params, size, f"{table}: reading {_files(len(files))}", table)
    by_set: dict[int, list[dict[str, Any]]] = {}
    for row in result.rows:
        record = dict(zip(result.columns, row, strict=True))
        by_set.setdefault(record["_gid"], []).append(record)
    records_of = {group: by_set.get(query.grouping_id(group), []) for group in query.sets}
    rels = {str(f.path): f.rel for f in files}
    single = None if query.by_file else files[0].rel

    def origin(record: dict) -> str:
        return single or rels[record["_file"]]

    ranges: dict[str, dict[str, Range | None]] = {f.rel: dict.fromkeys(query.keys) for f in files}
    for group in query.sets:
        if group.by_file or single:
            period = f"_p{query.keys.index(group.key)}"
            for record in records_of[group]:
                spans = ranges[origin(record)]
                spans[group.key] = _merge(spans[group.key], (record[period], record[period]))
    parts: dict[str, list[dict[str, Any]]] = {}
    for spec in specs:
        metric, columns = spec.metric, query.part_columns[spec.metric.id]
        period = f"_p{query.keys.index(_key(metric))}"
        found = parts.setdefault(metric.id, [])
        for group in _sets_of(metric, query):
            for record in records_of[group]:
                if not record[columns["n"]]:
                    continue  # the group has rows, but none of this metric's
                dims = {d: record[f"_d{query.dims.index(d)}"] for d in group.dims}
                where = origin(record) if metric.additive else ""
                values = {k: None if c is None else record[c] for k, c in columns.items()}
                found.append(_part(metric, where, record[period], dims, values))
    rows = sum(r[query.rows_column] for r in records_of[query.sets[0]])
    return _Scanned(parts=parts, ranges=ranges, rows=rows)


def _sets_of(metric: Metric, query: _ScanQuery) -> list[_Set]:
    key, dims = _key(metric), tuple(sorted(metric.dimensions))
    if metric.additive:
        return [s for s in query.sets if s == _Set(query.by_file, key, dims)]
    return [s for s in query.sets if s.key == key and not s.by_file and set(s.dims) <= set(dims)]


def _part(metric: Metric, origin: str, period: date, dims: dict, values: dict) -> dict:
    n, total = values["n"], values["total"]
    if metric.agg == "count":
        values["total"] = values["value"] = float(n)
    elif metric.agg in ("sum", "avg", "min", "max"):
        values["value"] = {
            "sum": total,
            "avg": total / n if n and total is not None else None,
            "min": values["minimum"],
            "max": values["maximum"],
        }[metric.agg]
    elif metric.agg == "ratio":
        values["value"] = values["num"] / values["den"] if values["den"] else None
    return {
        "metric": metric.id,
        "origin": origin,
        "period": period,
        "dims": dims_key(dims),
    } | values


def _local(column: str, timezone: str) -> str:
    """The wall time of a TIMESTAMPTZ column in the catalog's timezone, as a TIMESTAMP."""
    if timezone in _UTC_NAMES:
        return f"make_timestamp(epoch_us({_quote(column)}))"
    return f"timezone({_literal(timezone)}, {_quote(column)})"


def _period_sql(local_time: str, grain: str) -> str:
    # date_trunc('week') starts ISO weeks, on Monday.
    return f"CAST(date_trunc('{grain}', {local_time}) AS DATE)"


# -- quarantine --------------------------------------------------------------------------

_REJECTS_SQL = """
SELECT s.file_path, s.delimiter, s.quote, s.escape, e.line_byte_position, e.column_idx,
       e.column_name, CAST(e.error_type AS VARCHAR), e.csv_line, e.error_message
FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id)
ORDER BY e.column_idx
"""


@dataclass
class _Rejected:
    """One rejected source row and the errors DuckDB gave for it."""

    path: str
    start: int
    row: str
    dialect: tuple
    errors: list[tuple] = field(default_factory=list)  # (kind, column name, index, message)

    def cells(self, layout: _Layout | None) -> list[tuple[str, str, str, bool]]:
        """(column, raw value, type, may not be empty) for each used typed cell of the row."""
        if layout is None:
            return []
        fields = _fields(self.row, self.dialect)
        return [
            (column, fields[index], kind, column in layout.not_null)
            for index, (column, kind) in enumerate(layout.types.items())
            if column in layout.used and kind != "VARCHAR" and index < len(fields)
        ]


def _quarantine(con, origins: dict[str, str], layouts: dict[str, _Layout]) -> list[dict]:
    """One row per rejected source row: origin, physical line, plain reasons, raw text."""
    try:
        rejects = con.execute(_REJECTS_SQL).fetchall()
    except duckdb.CatalogException:
        return []  # nothing was scanned, so no reject table exists
    found: dict[tuple[str, int], _Rejected] = {}
    for path, delimiter, quote, escape, position, column, name, kind, text, message in rejects:
        text = text or ""
        row = text.lstrip("\r\n")
        # DuckDB's position may fall on the newline before the row: skip to the row itself.
        start = max((position or 1) - 1, 0) + len(text) - len(row)
        entry = found.setdefault(
            (path, start), _Rejected(path, start, row.rstrip("\r\n"), (delimiter, quote, escape))
        )
        entry.errors.append((kind, name, column, message))
    cells = {key: entry.cells(layouts.get(entry.path)) for key, entry in found.items()}
    failing = _failing_casts(con, [cell for row in cells.values() for cell in row])
    starts: dict[str, list[int]] = {}
    for path, start in found:
        starts.setdefault(path, []).append(start)
    lines = {path: _line_numbers(Path(path), offsets) for path, offsets in starts.items()}
    return [
        {
            "origin": origins.get(entry.path, Path(entry.path).name),
            "line": lines[entry.path][entry.start],
            "reason": "; ".join(_reasons(entry, cells[key], failing)),
            "row": entry.row,
        }
        for key, entry in found.items()
    ]


def _last_scan_id(con, scanned: bool) -> int:
    """The newest read_csv scan on `con` whose rejects are kept; -1 before the first (asking
    DuckDB whether its reject tables exist yet costs more than a small scan)."""
    if not scanned:
        return -1
    return con.execute("SELECT coalesce(max(scan_id), -1) FROM reject_scans").fetchall()[0][0]


def _forget_scans_after(con, mark: int) -> None:
    con.execute("DELETE FROM reject_errors WHERE scan_id > ?", [mark])
    con.execute("DELETE FROM reject_scans WHERE scan_id > ?", [mark])


def _misread_times(con, mark: int, groups: list[_Group], times: list[str]) -> bool:
    """Whether a scan since `mark` rejected a time that reading it as TIMESTAMPTZ accepts:
    one its group's strict format does not describe (a UTC offset, another precision)."""
    try:
        rejects = con.execute(
            """SELECT s.file_path, s.delimiter, s.quote, s.escape, e.csv_line
               FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id)
               WHERE e.scan_id > ?""",
            [mark],
        ).fetchall()
    except duckdb.CatalogException:
        return False
    strict = {str(f.path): g for g in groups if g.time_format for f in g.files}
    pairs = set()
    for path, delimiter, quote, escape, text in rejects:
        group = strict.get(path)
        if group is None:
            continue
        fields = _fields((text or "").strip("\r\n"), (delimiter, quote, escape))
        names = list(group.layout.types)
        for time in times:
            index = names.index(time) if time in names else len(fields)
            if index < len(fields) and fields[index].strip():
                pairs.add((fields[index], group.time_format))
    for time_format in sorted({f for _, f in pairs}):
        misread = con.execute(
            f"""SELECT count(*) FROM unnest($values) AS t(v)
                WHERE try_strptime(v, {_literal(time_format)}) IS NULL
                  AND try_cast(v AS TIMESTAMPTZ) IS NOT NULL""",
            {"values": sorted(v for v, f in pairs if f == time_format)},
        ).fetchall()[0][0]
        if misread:
            return True
    return False


def _reasons(entry: _Rejected, cells, failing: set[tuple[str, str]]) -> list[str]:
    """Plain reasons, found by checking the row's cells again: DuckDB may name the wrong
    column of a failed cast when the scan does not read every column."""
    reasons = [
        _reason(kind, name, entry.row, index, message, entry.dialect)
        for kind, name, index, message in entry.errors
        if kind != "CAST"
    ]
    casts = [error for error in entry.errors if error[0] == "CAST"]
    if casts:
        checked = [
            f"{column} is empty" if not value.strip() else f"{column} '{value}' {_is_not_a(kind)}"
            for column, value, kind, filled in cells
            if (not value.strip() and filled) or (value.strip() and (value, kind) in failing)
        ]
        reasons += checked or [
            _reason(kind, name, entry.row, index, message, entry.dialect)
            for kind, name, index, message in casts
        ]
    return list(dict.fromkeys(reasons))


def _failing_casts(con, cells) -> set[tuple[str, str]]:
    """The (value, type) pairs among `cells` that DuckDB cannot cast."""
    by_type: dict[str, set[str]] = {}
    for _column, value, kind, _filled in cells:
        if value.strip() and _TYPE_NAME.match(kind):
            by_type.setdefault(kind, set()).add(value)
    failing: set[tuple[str, str]] = set()
    for kind, values in by_type.items():
        bad = con.execute(
            f"SELECT v FROM unnest($values) AS t(v) WHERE try_cast(v AS {kind}) IS NULL",
            {"values": sorted(values)},
        ).fetchall()
        failing.update((value, kind) for (value,) in bad)
    return failing


def _reason(kind, column_name, row, column_idx, message, dialect) -> str:
    message = message or ""
    if kind == "CAST":
        fields = _fields(row, dialect)
        if column_idx and column_idx <= len(fields):
            raw = fields[column_idx - 1]
        else:
            quoted = re.search(r'Could not convert string "(.*)" to', message)
            raw = quoted.group(1) if quoted else ""
        if raw.strip() == "":
            return f"{column_name} is empty"
        target = re.search(r"to '([^']+)'", message)
        return f"{column_name} '{raw}' {_is_not_a(target.group(1) if target else '')}"
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        # DuckDB may report one error per extra field: count the fields of the row itself.
        counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        expected, found = counts.groups() if counts else ("?", "?")
        fields = len(_fields(row, dialect)) or found
        return f"line has {fields} fields, the header has {expected}"
    if kind == "UNQUOTED VALUE":
        return "line has a quote inside an unquoted field; quote the whole field"
    if kind == "INVALID UNICODE":
        return "line is not valid UTF-8; export the file as UTF-8"
    if kind == "LINE SIZE OVER MAXIMUM":
        return "line is longer than the longest line DuckDB reads"
    return _first_line(message) or str(kind).lower()


def _is_not_a(duck_type: str) -> str:
    if duck_type.startswith("TIMESTAMP") or duck_type == "DATE":
        return "is not a date or time"
    if duck_type in ("DOUBLE", "FLOAT") or duck_type.startswith("DECIMAL"):
        return "is not a number"
    if "INT" in duck_type:
        return "is not a whole number"
    if duck_type == "BOOLEAN":
        return "is not true or false"
    return f"is not a valid {duck_type or 'value'}"


def _fields(row: str, dialect) -> list[str]:
    delimiter, quote, escape = (None if v in (None, "", "(empty)") else v for v in dialect)
    options: dict[str, Any] = {"delimiter": delimiter or ","}
    if quote is None:
        options["quoting"] = csv.QUOTE_NONE
    else:
        options["quotechar"] = quote
    if escape is not None and escape != quote:
        options.update(escapechar=escape, doublequote=False)
    try:
        return next(csv.reader(io.StringIO(row, newline=""), **options), [])
    except csv.Error:
        return []


def _line_numbers(path: Path, starts: list[int]) -> dict[int, int]:
    """The 1-based physical line at each byte offset (a quoted field may span lines)."""
    pending = sorted(set(starts))
    numbers: dict[int, int] = {}
    newlines = offset = index = 0
    with path.open("rb") as handle:
        while index < len(pending) and (chunk := handle.read(1 << 24)):
            end = offset + len(chunk)
            while index < len(pending) and pending[index] < end:
                numbers[pending[index]] = (
                    newlines + chunk.count(b"\n", 0, pending[index] - offset) + 1
                )
                index += 1
            newlines += chunk.count(b"\n")
            offset = end
    numbers.update({start: newlines + 1 for start in pending[index:]})
    return numbers


# -- running queries ---------------------------------------------------------------------


@dataclass
class _Result:
    columns: list[str]
    rows: list[tuple]


def _connect() -> duckdb.DuckDBPyConnection:
    """A fresh connection for one pull: its own settings, temporary and reject tables, on
    the process's one DuckDB database (see okr.engine)."""
    connection = engine.cursor()
    # Rows are only aggregated: keeping their order would cost buffer memory.
    connection.execute("SET preserve_insertion_order = false")
    return connection


def _set_timezone(con, timezone: str) -> None:
    try:
        con.execute(f"SET TimeZone = {_literal(timezone)}")
    except duckdb.Error:
        raise SourceError(
            f"unknown timezone '{timezone}': use an IANA name such as 'Europe/Paris' in "
            "settings.timezone"
        ) from None


def _execute(con, sql: str, params, table: str) -> _Result:
    try:
        cursor = con.execute(sql, params)
        rows = cursor.fetchall()
    except duckdb.Error as error:
        raise SourceError(f"reading '{table}' failed: {_first_line(error)}") from None
    return _Result(columns=[d[0] for d in cursor.description], rows=rows)


class _ProgressTracker:
    """Reports the share of bytes scanned, polling DuckDB while a scan runs.

    The scan runs on a worker thread so that `progress` is called on the caller's thread.
    """

    def __init__(self, progress: Progress | None, total_bytes: int):
        self.progress = progress
        self.done = 0
        self.total = max(total_bytes, 1)
        self.shown = 0.0
        self.scans = 0  # scans run on the pull's connection so far

    def run(self, con, sql: str, params, size: int, message: str, table: str) -> _Result:
        self.scans += 1
        if self.progress is None:
            return _execute(con, sql, params, table)
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = _execute(con, sql, params, table)
            except Exception as error:  # handed to the caller's thread and raised there
                outcome["error"] = error

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        try:
            self._report(message, self.done)
            while worker.is_alive():
                worker.join(0.5)
                self._report(message, self.done + max(con.query_progress(), 0) / 100 * size)
        finally:
            if worker.is_alive():  # the callback failed: stop the scan before the connection closes
                con.interrupt()
                worker.join()
        self.done += size
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def skip(self, size: int) -> None:
        self.done += size

    def rewind(self, size: int) -> None:
        """Bytes scanned again count once (what is shown never steps back)."""
        self.done -= size

    def _report(self, message: str, done: float) -> None:
        # DuckDB's own progress may step back between phases; what is shown never does.
        self.shown = max(self.shown, min(done / self.total, 1.0))
        self.progress(message, self.shown)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("done", 1.0)


# -- results -----------------------------------------------------------------------------


@dataclass
class _Accumulator:
    part_rows: list[dict[str, Any]] = field(default_factory=list)
    quarantine_rows: list[dict[str, Any]] = field(default_factory=list)
    supersedes: list[Supersede] = field(default_factory=list)
    reread: set[str] = field(default_factory=set)
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)

    def to_pull(self, state: dict[str, Any]) -> Pull:
        quarantined = len(self.quarantine_rows)
        if quarantined:
            self.notes.append(f"{quarantined} rows quarantined")
        return Pull(
            parts=_parts_frame(self.part_rows),
            quarantine=_quarantine_frame(self.quarantine_rows),
            supersedes=self.supersedes,
            reread_origins=sorted(self.reread),
            state=state,
            rows_read=self.rows_read + quarantined,
            notes=self.notes,
        )


def _parts_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_parts()
    rows = sorted(rows, key=lambda r: (r["metric"], r["origin"], r["period"], r["dims"]))
    return parts_frame({c: [r[c] for r in rows] for c in PART_COLUMNS})


def _quarantine_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    empty = empty_quarantine()
    if not rows:
        return empty
    frame = pd.DataFrame(rows, columns=list(empty.columns))
    frame = frame.sort_values(["origin", "line"], kind="stable").reset_index(drop=True)
    return frame.astype(empty.dtypes.to_dict())


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _literal(str(value))


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
