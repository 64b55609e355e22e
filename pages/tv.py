"""TV: the leadership wall screen, `/tv?rotate=30&refresh=60` (SPEC §6).

Filters `objective=`, `owner=`, `tag=`, `cycle=`; `per_page=` rows of cards per page;
`page=` pins a page. Redraws itself every few seconds without reloading, and when anything
fails it keeps the last good picture on the wall with a small notice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import streamlit as st

from okr import tv
from okr.model import Catalog
from okr.report import Report
from okr.store import StoreBusy, utcnow
from ui import state, tv_style

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Picture:
    """What the wall draws: a catalog, its report, and when they were read (naive UTC)."""

    catalog: Catalog
    report: Report
    taken_at: datetime


@st.cache_resource(show_spinner=False)
def last_good() -> dict[str, Picture]:
    """The last good picture of each catalog, shared across sessions so a reload keeps it."""
    return {}


def current_picture(now: datetime) -> tuple[Picture | None, list[str]]:
    """The picture to draw and the notices to show with it."""
    key = str(state.catalog_path().resolve())
    kept = last_good().get(key)
    try:
        loaded = state.loaded()
        if loaded.catalog is None:
            problem = loaded.problems[0] if loaded.problems else f"{loaded.path}: unreadable"
            return _fall_back(
                kept, now, f"The catalog cannot be read ({problem}); run okr validate"
            )
        report = state.report()
    except StoreBusy:
        return _fall_back(kept, now, "The data store is busy; it will be read again shortly")
    except (duckdb.Error, OSError) as error:
        log.warning("TV: the store could not be read: %s", error)
        return _fall_back(kept, now, "The data store could not be read; run okr sync to repair it")
    notices: list[str] = []
    if loaded.problems:
        count = len(loaded.problems)
        what = f"The catalog has {count} problem{'s' if count != 1 else ''}"
        if kept is not None:
            return _fall_back(kept, now, f"{what}; run okr validate")
        notices.append(f"{what}: showing what is valid; run okr validate")
    picture = Picture(loaded.catalog, report, now)
    if not loaded.problems:
        last_good()[key] = picture
    if tv.sync_running(loaded.catalog.settings.store):
        notices.append("Sync in progress: the numbers update when it finishes")
    return picture, notices


def _fall_back(
    kept: Picture | None, now: datetime, reason: str
) -> tuple[Picture | None, list[str]]:
    if kept is None:
        return None, [reason]
    since = tv.updated(kept.taken_at, now, kept.catalog.settings.timezone)
    return kept, [f"{reason}. Showing the picture from {since.clock}"]


def draw(options: tv.Options, notes: list[str]) -> None:
    now = utcnow()
    picture, notices = current_picture(now)
    if picture is None:
        st.html(
            tv_style.message_html(
                "Nothing to show yet",
                "Set OKR_CATALOG to a catalog (or run okr demo), then okr sync.",
                [*notes, *notices],
            )
        )
        return
    report, catalog = picture.report, picture.catalog
    selection = tv.select(report, options.filters, report.as_of)
    pages = tv.paginate(selection.objectives, options.rows)
    index = tv.page_index(time.time(), options.rotate, len(pages), options.page)
    header = tv_style.Header(
        cycle=selection.cycle,
        as_of=report.as_of,
        counts=tv.status_counts(selection.key_results()),
        stale=tv.stale_count(selection.key_results()),
        updated=tv.updated(report.last_updated, now, catalog.settings.timezone),
    )
    unknown = [f"No objective '{i}' in the catalog" for i in selection.unknown_objectives]
    footer = tv_style.Footer(
        page_number=index + 1,
        page_count=len(pages),
        scope=options.filters.describe(),
        notices=(*notes, *unknown, *notices),
    )
    st.html(tv_style.wall_html(header, pages[index], footer))


options, notes = tv.parse_options({name: st.query_params.get_all(name) for name in st.query_params})
st.html(tv_style.stylesheet())


@st.fragment(run_every=options.tick)
def wall() -> None:
    try:
        draw(options, notes)
    except Exception:  # the wall must never show a traceback: log it, say so calmly
        log.exception("TV: drawing the wall failed")
        st.html(
            tv_style.message_html(
                "The wall will be back shortly",
                "Something went wrong drawing this screen; the details are in the server log.",
            )
        )


wall()
