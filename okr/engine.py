"""One in-memory DuckDB database per process, shared by every DuckDB user that writes.

Creating a DuckDB database costs tens of milliseconds (and a buffer pool of its own), more
than a small incremental sync's whole scan. The CSV connector's scans and the store's
writer therefore take cursors of one database: the scans work in memory, the writer
attaches its draft file. Readers of the store open the live file on their own, read-only.
"""

from __future__ import annotations

import os
import threading

import duckdb

_database: duckdb.DuckDBPyConnection | None = None
_owner: int | None = None  # the process that created it: a forked child makes its own
_lock = threading.Lock()


def cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's database: its own settings, temp tables and
    transaction; close it when done."""
    global _database, _owner
    with _lock:
        if _database is None or _owner != os.getpid():
            _database = duckdb.connect(":memory:")
            _owner = os.getpid()
        return _database.cursor()
