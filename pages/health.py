"""Data health: each source's last sync, rows, errors and quarantined rows; each metric's
newest period and staleness; and a Sync now button that reloads every page's data."""

from __future__ import annotations

import html
import re

import pandas as pd
import streamlit as st

from okr.formatting import format_ago
from okr.health import (
    QUARANTINE_PREVIEW_ROWS,
    Health,
    SourceHealth,
    describe_age,
    describe_duration,
    describe_moment,
    describe_seconds,
    history_frame,
    read_health,
)
from okr.store import utcnow
from okr.sync import sync
from ui import state
from ui.components import FAILING_BADGE, badge_html, empty_state, problems_banner

OK_BADGE = badge_html("✓ OK", "#007A5A", "The last sync of this source worked")
NEVER_BADGE = badge_html("○ Never synced", "#6B6B6B", "Run okr sync or Sync now")
SOURCE_BADGES = {"ok": OK_BADGE, "failing": FAILING_BADGE, "never_synced": NEVER_BADGE}
METRIC_STATES = {"fresh": "✓ Fresh", "stale": "◷ Stale", "no_data": "? No data"}


@st.cache_data(show_spinner=False, max_entries=8)
def current_health(_catalog, catalog_key: str, store_path: str, store_version: int, as_of):
    """The health read from the store, cached until the next sync lands."""
    return read_health(_catalog, state.store(_catalog), as_of)


def run_sync(catalog) -> None:
    """Sync every source with visible progress, then reload every page's data."""
    with st.status("Syncing every source…", expanded=True) as box:
        bar = st.progress(0.0, text="Starting…")
        steps: list[str] = []
        done = [0.0]  # a step of unknown size keeps the bar where it was

        def progress(message: str, fraction: float | None) -> None:
            steps.append(message)
            if fraction is not None:
                done[0] = min(max(fraction, 0.0), 1.0)
            bar.progress(done[0], text=message)

        try:
            records = sync(catalog, progress=progress)
        except Exception as error:  # the store or the disk failed: say so, keep the page
            box.update(label="The sync could not run", state="error")
            st.session_state.health_sync_result = ("error", f"{error}", steps)
            return
        failed = [r for r in records if not r.ok]
        box.update(
            label="Synced, with failures" if failed else "Synced",
            state="error" if failed else "complete",
        )
        summary = ", ".join(f"{r.source} {'✓' if r.ok else '⚠ failed'}" for r in records)
        st.session_state.health_sync_result = ("warning" if failed else "success", summary, steps)
    state.clear()
    st.rerun()


def last_sync_result() -> None:
    """What the last Sync now in this session did, with its steps."""
    result = st.session_state.get("health_sync_result")
    if not result:
        return
    kind, summary, steps = result
    if kind == "success":
        st.success(
            f"Sync finished: {summary}. Every page now shows the new data.",
            icon=":material/check_circle:",
        )
    elif kind == "warning":
        st.warning(
            f"Sync finished with failures: {summary}. "
            "The failing sources keep their last good data; see their errors below.",
            icon=":material/warning:",
        )
    else:
        st.error(
            f"The sync could not run: {plain(summary)}. Check that the store's folder is writable "
            "and try again, or run `okr sync` in a terminal to see more.",
            icon=":material/warning:",
        )
    with st.expander("Steps of the last sync", expanded=False):
        st.markdown("\n".join(f"- {plain(step)}" for step in steps) or "No steps.")


def plain(text: str) -> str:
    """`text` from a source or the store, shown as written: markdown characters escaped."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$-])", r"\\\1", text)


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def stat_strip(stats: list[tuple[str, str, str]]) -> str:
    """A row of small labelled numbers: (label, value, a detail under the value or '')."""
    cells = "".join(
        '<div style="min-width:6rem">'
        '<div style="font-size:0.75rem;color:#6B6B6B;text-transform:uppercase;'
        f'letter-spacing:0.04em">{html.escape(label)}</div>'
        '<div style="font-size:1.2rem;font-weight:600;font-variant-numeric:tabular-nums">'
        f"{html.escape(value)}</div>"
        f'<div style="font-size:0.75rem;color:#6B6B6B">{html.escape(detail) or "&nbsp;"}</div>'
        "</div>"
        for label, value, detail in stats
    )
    return (
        '<div class="okr-stats" style="display:flex;gap:3rem;flex-wrap:wrap;'
        f'margin:0.25rem 0 0.75rem">{cells}</div>'
    )


def overview(health: Health) -> None:
    """Four cards: sources working, metrics fresh, rows quarantined, last sync."""
    counts = health.counts()
    sources, metrics = len(health.sources), len(health.metrics)
    working, fresh, stored, last = st.columns(4)
    working.metric(
        "Sources working",
        f"{counts['ok']} of {sources}",
        help="Sources whose last sync worked.",
        border=True,
    )
    fresh.metric(
        "Metrics fresh",
        f"{counts['fresh']} of {metrics}",
        help="Metrics whose newest data is within their freshness.",
        border=True,
    )
    stored.metric(
        "Quarantined rows",
        f"{counts['quarantined']:,}",
        help="Unreadable source rows, left out of every metric.",
        border=True,
    )
    last.metric(
        "Last sync",
        format_ago(health.last_synced_at, utcnow()),
        help="When the newest sync of any source finished.",
        border=True,
    )


def source_section(item: SourceHealth, health: Health, timezone: str) -> None:
    source, last = item.source, item.last_sync
    with st.container(border=True):
        st.markdown(
            f"#### {html.escape(source.id)} &nbsp;{SOURCE_BADGES[item.state]}",
            unsafe_allow_html=True,
        )
        kind = "CSV folder" if source.type == "csv" else "SQL database"
        st.caption(f"{kind} · `{item.location}` · metrics: {', '.join(item.metrics) or 'none'}")
        if last is None:
            empty_state("Never synced.", "Press **Sync now** above, or run `okr sync`.")
            return
        st.markdown(
            stat_strip(
                [
                    (
                        "Last sync",
                        format_ago(last.finished_at, utcnow()),
                        describe_moment(last.finished_at, timezone),
                    ),
                    ("Took", describe_seconds(last.seconds), ""),
                    ("Rows read", _count(last.rows_read), "by the last sync"),
                    ("Values stored", _count(item.parts_stored), "per period and slice"),
                ]
            ),
            unsafe_allow_html=True,
        )
        if last.notes:
            st.caption(f":material/info: {plain(last.notes)}")
        if item.failing:
            good = item.last_success
            kept = (
                f"The values shown come from the last good sync, "
                f"{describe_moment(good.finished_at, timezone)}."
                if good
                else "No sync of this source has worked yet: its metrics have no data."
            )
            st.error(
                f"**The last sync failed.** {plain(last.error or 'no error was recorded')}"
                f"\n\n{kept}",
                icon=":material/warning:",
            )
        quarantine_section(item, health)
        with st.expander(f"Sync history ({len(item.history)})", expanded=False):
            st.dataframe(
                history_frame(item.history, timezone),
                hide_index=True,
                key=f"health_history_{source.id}",
                column_config={
                    "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                    "outcome": "Outcome",
                    "seconds": st.column_config.NumberColumn("Seconds", format="%.2f"),
                    "rows_read": "Rows read",
                    "parts": "Values stored",
                    "quarantined": "Quarantined",
                    "error": "Error",
                },
            )


def quarantine_section(item: SourceHealth, health: Health) -> None:
    rows = health.quarantined_rows(item.source.id)
    if rows.empty:
        st.caption("✓ No quarantined rows.")
        return
    count = len(rows)
    st.markdown(
        f"**{count:,} quarantined row{'s' if count != 1 else ''}** — "
        "left out of every metric until fixed at the source."
    )
    preview = rows[["origin", "line", "reason", "row"]].head(QUARANTINE_PREVIEW_ROWS)
    st.dataframe(
        preview,
        hide_index=True,
        key=f"health_quarantine_{item.source.id}",
        column_config={
            "origin": "File",
            "line": st.column_config.NumberColumn("Line", format="%d"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
            "row": "Row",
        },
    )
    if count > QUARANTINE_PREVIEW_ROWS:
        st.caption(f"The first {QUARANTINE_PREVIEW_ROWS} of {count:,}; download them all.")
    st.download_button(
        "Download quarantined rows (CSV)",
        rows.rename(columns={"origin": "file"}).to_csv(index=False),
        file_name=f"okr-quarantine-{item.source.id}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"health_quarantine_download_{item.source.id}",
        on_click="ignore",
    )


def _state_style(state: str) -> str:
    if state == METRIC_STATES["stale"]:
        return "color:#9A6700;font-weight:600"
    if state == METRIC_STATES["fresh"]:
        return "color:#007A5A"
    return "color:#6B6B6B"


def metrics_section(health: Health) -> None:
    st.subheader("Metrics")
    rows = [
        {
            "Metric": m.metric.title,
            "Source": m.metric.source + (" ⚠ failing" if m.source_failing else ""),
            "Newest period": m.newest_period,
            "Age": describe_age(m.age_days),
            "Freshness": describe_duration(m.metric.freshness),
            "State": METRIC_STATES[m.state],
            "Used by key results": ", ".join(kr.id for kr in m.key_results) or "–",
        }
        for m in health.metrics
    ]
    table = pd.DataFrame(rows)
    st.dataframe(
        table.style.map(_state_style, subset=["State"]),
        hide_index=True,
        key="health_metrics",
        column_config={
            "Newest period": st.column_config.DateColumn("Newest period", format="YYYY-MM-DD"),
            "Used by key results": st.column_config.TextColumn(width="medium"),
        },
    )


st.title("Data health")
loaded = state.loaded()
problems_banner(loaded.problems)
catalog = loaded.catalog
if catalog is None:
    empty_state("No catalog to check.", "Write `metrics.yml` (or run `okr demo`), then reload.")
    st.stop()

timezone = catalog.settings.timezone
intro, action = st.columns([4, 1], vertical_alignment="bottom")
intro.caption(
    f"Every source's last sync and every metric's newest data, judged on "
    f"{state.today():%-d %b %Y}. Times are in {timezone}."
)
if action.button(
    "Sync now", key="sync_now", type="primary", icon=":material/sync:", width="stretch"
):
    run_sync(catalog)
last_sync_result()

store = state.store(catalog)
try:
    health = current_health(catalog, repr(catalog), str(store.path), store.version(), state.today())
except Exception as error:  # a locked or damaged store: explain, never a traceback
    st.error(
        f"The store `{store.path.name}` could not be read: {error}. "
        "Wait for a running sync to finish and reload; if it persists, run `okr sync`.",
        icon=":material/warning:",
    )
    st.stop()

overview(health)
failing, stale = health.failing_sources, health.stale_metrics
if failing:
    st.error(
        f"**{len(failing)} source{'s' if len(failing) != 1 else ''} failing:** "
        f"{', '.join(failing)}. {'Its' if len(failing) == 1 else 'Their'} metrics keep "
        "the last good data.",
        icon=":material/warning:",
    )
if stale:
    st.warning(
        f"**{len(stale)} stale metric{'s' if len(stale) != 1 else ''}:** "
        f"{', '.join(stale)}. Their key results are marked stale everywhere.",
        icon=":material/schedule:",
    )
if not failing and not stale and all(s.last_sync for s in health.sources):
    st.success("Every source synced and every metric is fresh.", icon=":material/check_circle:")

st.subheader("Sources")
for item in health.sources:
    source_section(item, health, timezone)

metrics_section(health)
