"""Overview (`/`): every objective by cycle, each key result in one row; filters in the address."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import streamlit as st

from okr.explain import confidence, format_day, format_moment, status_counts
from okr.formatting import format_ago
from okr.store import StoreBusy
from ui import overview_rows as rows
from ui import state
from ui.components import empty_state, require_catalog

current = state.loaded()
st.html(f"<style>{rows.OVERVIEW_CSS}</style>")
catalog = require_catalog(current)
if not catalog.objectives:
    st.title("Objectives")
    empty_state(
        "The catalog defines no objectives yet.",
        "Add one under `objectives:` in the catalog (see the README), or open the Catalog page.",
    )
    st.stop()

try:
    report = state.report()
except (StoreBusy, duckdb.Error, OSError, ValueError) as error:
    st.error(
        f"The store at `{catalog.settings.store}` could not be read: {error}. "
        "Wait for a running sync to finish and reload; if it persists, run `okr sync` again.",
        icon=":material/warning:",
    )
    st.stop()

today = state.today()

# --- sidebar filters, bound to the address so a pasted link reopens the same view ---------
with st.sidebar:
    st.subheader("Filters")
    cycle = st.selectbox(
        "Cycle",
        rows.cycle_options(report.objectives, today),
        key="cycle",
        bind="query-params",
    )
    owner = st.selectbox(
        "Owner", rows.owner_options(report.objectives), key="owner", bind="query-params"
    )
    tags = rows.tag_options(report.objectives)
    tag = (
        st.selectbox("Tag", tags, key="tag", bind="query-params")
        if len(tags) > 1
        else rows.ALL_TAGS
    )

shown = rows.filter_objectives(report.objectives, cycle, owner, tag)
shown_krs = [kr for item in shown for kr in item.key_results]

# --- headline ----------------------------------------------------------------------------
st.title("Objectives")
updated = report.last_updated
if updated is None:
    freshness = "no data synced yet"
else:
    now = datetime.now(UTC).replace(tzinfo=None)
    freshness = (
        f"data updated {format_moment(updated, catalog.settings.timezone)} "
        f"({format_ago(updated, now)})"
    )
st.caption(f"Judged as of **{format_day(today)}** · {freshness}")

if updated is None:
    empty_state(
        "No data yet: run `okr sync` to pull the sources into the store.",
        "Every key result shows *No data* until then.",
    )

statuses = [kr.status.status for kr in shown_krs]
st.html(rows.headline_html(status_counts(statuses), confidence(statuses), total=len(statuses)))

# --- objectives by cycle -----------------------------------------------------------------
if not shown:
    empty_state(
        "No objectives match these filters.",
        "Choose *All* in the sidebar, or [open the overview without filters](./).",
    )
    st.stop()

titles = {o.id: o.title for o in catalog.objectives}
for group in rows.group_by_cycle(shown, today):
    st.subheader(group.title, anchor=False)
    st.caption(rows.cycle_caption(group, today))
    cards = "".join(
        rows.objective_html(item, titles.get(item.objective.parent or ""))
        for item in group.objectives
    )
    st.html(rows.columns_html() + cards)
