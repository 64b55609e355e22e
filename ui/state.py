"""Cached access to the catalog, the store and the report, shared by every page.

Caches are keyed by the catalog file's modification time and the store's version, so a
finished sync or a saved catalog shows on the next rerun without a restart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from okr.catalog import Problem, read_catalog
from okr.model import Catalog
from okr.report import Report, evaluate
from okr.store import Store


@dataclass(frozen=True)
class Loaded:
    """The catalog's valid part (None when nothing could be read) and its problems."""

    path: Path
    catalog: Catalog | None
    problems: tuple[Problem, ...]


def catalog_path() -> Path:
    return Path(os.environ.get("OKR_CATALOG") or "metrics.yml")


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(path: str, mtime: int) -> Loaded:
    catalog, problems = read_catalog(Path(path))
    return Loaded(Path(path), catalog, tuple(problems))


def loaded() -> Loaded:
    """The catalog as it is on disk now (re-read only when the file changed)."""
    path = catalog_path()
    return _load(str(path), _mtime(path))


def store(catalog: Catalog) -> Store:
    return Store(catalog.settings.store)


@st.cache_resource(max_entries=8, show_spinner=False)
def _report(path: str, mtime: int, store_path: str, store_version: int, as_of: date) -> Report:
    catalog = _load(path, mtime).catalog
    return evaluate(catalog, Store(store_path), as_of)


def today() -> date:
    """The date the dashboard judges at: today, or OKR_AS_OF (YYYY-MM-DD) when set."""
    pinned = os.environ.get("OKR_AS_OF")
    return date.fromisoformat(pinned) if pinned else date.today()


def report(as_of: date | None = None) -> Report | None:
    """Every objective's and KR's status at `as_of` (today by default); None without a catalog."""
    current = loaded()
    if current.catalog is None:
        return None
    the_store = store(current.catalog)
    return _report(
        str(current.path),
        _mtime(current.path),
        str(the_store.path),
        the_store.version(),
        as_of or today(),
    )


def clear() -> None:
    """Forget everything cached (after a sync or a save in this process)."""
    _load.clear()
    _report.clear()
