"""Explore: metric trends over a range, at a grain, broken down, compared with the window
before; the whole view lives in the address (metrics, from, to, grain, by, compare, axis)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from okr.explore import (
    AXIS_MODES,
    RangeSummary,
    View,
    better_direction,
    download_frame,
    grain_note,
    parse_view,
    previous_window,
    shown_grain,
    summarize,
    trend,
    with_index,
)
from okr.formatting import format_value
from okr.model import GRAINS, Catalog, Metric
from okr.store import Store
from ui import state
from ui.components import empty_state, problems_banner
from ui.explore_chart import ShownMetric, shown_table, trend_figure

AXIS_LABELS = {"shared": "Shared", "separate": "Separate", "index": "Indexed"}
GRAIN_WORDS = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
NO_BREAKDOWN = ""
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
CARDS_PER_ROW = 3
VIEW_KEYS = frozenset({"metrics", "from", "to", "grain", "by", "compare", "axis"})


@st.cache_data(show_spinner=False, max_entries=64)
def stored_parts(
    store_path: str, store_version: int, _metric: Metric, definition: str, by: str | None
) -> pd.DataFrame:
    """A metric's stored parts (per member of `by`), cached until the next sync lands."""
    store = Store(store_path)
    return store.breakdown(_metric, by) if by else store.metric_parts(_metric)


def plain(text: str) -> str:
    """Text from the address, shown as written: markdown characters escaped."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$-])", r"\\\1", text)


def view_from_address(catalog: Catalog) -> None:
    """On the first run of a session, set the widgets from the address."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    view, notes = parse_view(params, catalog.metrics, state.today())
    st.session_state.update(
        explore_metrics=list(view.metrics),
        explore_from=min(max(view.first, EARLIEST), LATEST),
        explore_to=min(max(view.last, EARLIEST), LATEST),
        explore_grain=view.grain,
        explore_by=view.by or NO_BREAKDOWN,
        explore_compare=view.compare,
        explore_axis=view.axis,
        explore_link=(view, notes),
    )


def view_from_widgets() -> View:
    first, last = st.session_state.explore_from, st.session_state.explore_to
    return View(
        metrics=tuple(st.session_state.explore_metrics),
        first=min(first, last),
        last=max(first, last),
        grain=st.session_state.explore_grain or "week",
        by=st.session_state.explore_by or None,
        compare=bool(st.session_state.explore_compare),
        axis=st.session_state.explore_axis or "shared",
    )


def controls(metrics: dict[str, Metric]) -> None:
    # A metric removed from the catalog since the last run leaves the selection quietly.
    st.session_state.explore_metrics = [m for m in st.session_state.explore_metrics if m in metrics]
    picked, start, end = st.columns([4, 1, 1], vertical_alignment="bottom")
    picked.multiselect(
        "Metrics",
        options=list(metrics),
        format_func=lambda metric_id: metrics[metric_id].title,
        key="explore_metrics",
        placeholder="Pick one or more metrics",
    )
    start.date_input("From", min_value=EARLIEST, max_value=LATEST, key="explore_from")
    end.date_input("To", min_value=EARLIEST, max_value=LATEST, key="explore_to")

    chosen = [metrics[m] for m in st.session_state.explore_metrics]
    dimensions = sorted({d for metric in chosen for d in metric.dimensions})
    if st.session_state.get("explore_by", NO_BREAKDOWN) not in [NO_BREAKDOWN, *dimensions]:
        st.session_state.explore_by = NO_BREAKDOWN

    # A wrapping row: each control as wide as its content, onto a second line when narrow.
    row = st.container(horizontal=True, wrap=True, gap="medium", vertical_alignment="bottom")
    row.segmented_control(
        "Grain", GRAINS, format_func=str.capitalize, key="explore_grain", required=True
    )
    row.selectbox(
        "Break down by",
        [NO_BREAKDOWN, *dimensions],
        format_func=lambda d: d.capitalize() if d else "No breakdown",
        key="explore_by",
        width=170,
        disabled=not dimensions,
        help=None if dimensions else "None of the chosen metrics has dimensions.",
    )
    row.segmented_control(
        "Axis",
        AXIS_MODES,
        format_func=AXIS_LABELS.get,
        key="explore_axis",
        required=True,
        help="Shared: one axis for every line. Separate: one panel per metric. "
        "Indexed: each line as a percentage of its first value (start = 100).",
    )
    # No help icon: it would push the toggle onto a line of its own; the caption under the
    # chart says what the dashed lines are.
    row.toggle("Compare to previous period", key="explore_compare")


def summary_cards(
    cards: list[tuple[Metric, RangeSummary | None]], view: View, key_results: tuple
) -> None:
    """Each metric over the whole range, and its change from the previous window, green
    when it moved the way its key results want."""
    directions = {m.id: better_direction(m, key_results) for m, _ in cards}
    for start in range(0, len(cards), CARDS_PER_ROW):
        row = cards[start : start + CARDS_PER_ROW]
        for column, (metric, summary) in zip(st.columns(CARDS_PER_ROW), row, strict=False):
            if summary is None:
                column.metric(
                    metric.title,
                    "–",
                    help=f"A {metric.agg} cannot be aggregated over a range of periods.",
                    border=True,
                )
                continue
            change = summary.change
            delta = None
            if change is not None:
                delta = ("-" if change < 0 else "+") + format_value(abs(change), metric)
            column.metric(
                metric.title,
                format_value(summary.value, metric),
                delta=delta,
                delta_color={"up": "normal", "down": "inverse"}.get(directions[metric.id], "off"),
                delta_description="vs previous" if delta else None,
                help=f"{metric.agg.capitalize()} over {view.first:%-d %b} – "
                f"{view.last:%-d %b %Y}, computed exactly from the stored data.",
                border=True,
            )


def heading(view: View, shown: list[ShownMetric]) -> str:
    grains = sorted({s.grain for s in shown}, key=GRAINS.index)
    words = " / ".join(GRAIN_WORDS[g] for g in grains)
    by = f" · by {view.by}" if view.by else ""
    return f"{words}{by} · {view.first:%-d %b %Y} – {view.last:%-d %b %Y}"


st.title("Explore")
st.caption(
    "Metric trends, re-aggregated exactly from the stored data. "
    "The address keeps this view: copy it to share it."
)

loaded = state.loaded()
problems_banner(loaded.problems)
catalog = loaded.catalog
if catalog is None or not catalog.metrics:
    empty_state(
        "No metrics to explore yet.",
        "Define one under `metrics:` in the catalog (or on the Catalog page), then run `okr sync`.",
    )
    st.stop()

if "explore_metrics" not in st.session_state:
    view_from_address(catalog)
link_view, link_notes = st.session_state.get("explore_link", (None, []))
controls(catalog.metrics)

view = view_from_widgets()
address = {k: v for k, v in st.query_params.to_dict().items() if k not in VIEW_KEYS}
address.update(view.to_query())  # other parameters (embed=true...) are kept
if st.query_params.to_dict() != address:
    st.query_params.from_dict(address)
if link_notes and view == link_view:
    st.warning(
        "**Parts of this link could not be used.**\n\n"
        + "\n".join(f"- {plain(note)}" for note in link_notes),
        icon=":material/link:",
    )

chosen = [catalog.metrics[m] for m in view.metrics]
if not chosen:
    empty_state("Pick one or more metrics above to see their trends.")
    st.stop()

store = state.store(catalog)
if not store.exists():
    empty_state("No data yet: run `okr sync` (or **Sync now** on the Data health page).")
    st.stop()

shown: list[ShownMetric] = []
cards: list[tuple[Metric, RangeSummary | None]] = []
notes: list[str] = []
whole = [m.title for m in chosen if view.by and view.by not in m.dimensions]
if whole:
    notes.append(
        f"{' and '.join(whole)} ha{'s' if len(whole) == 1 else 've'} no dimension "
        f"'{view.by}': shown as a whole."
    )
for metric in chosen:
    by = view.by if view.by in metric.dimensions else None
    if note := grain_note(metric, view.grain):
        notes.append(note)
    grain = shown_grain(metric, view.grain)
    try:
        version = store.version()
        total = stored_parts(str(store.path), version, metric, repr(metric), None)
        parts = stored_parts(str(store.path), version, metric, repr(metric), by) if by else total
        frame = trend(metric, parts, view.first, view.last, grain, compare=view.compare)
        summary = summarize(metric, total, view.first, view.last, grain, compare=view.compare)
    except Exception as error:  # one unreadable metric must not take the page down
        st.error(
            f"**{metric.title}** could not be read from the store: {error}. "
            "Run `okr sync` and reload; if it persists, check the metric with `okr validate`.",
            icon=":material/warning:",
        )
        continue
    if frame["value"].isna().all():
        notes.append(
            f"{metric.title} has no data from {view.first:%-d %b %Y} to {view.last:%-d %b %Y}: "
            "widen the range or run `okr sync`."
        )
        if not view.compare or frame["previous"].isna().all():
            continue
    if view.axis == "index":
        frame = with_index(frame)
        if frame["index"].isna().all() and frame["value"].notna().any():
            notes.append(f"{metric.title} starts at 0 in this range: it cannot be indexed.")
    shown.append(ShownMetric(metric, frame, grain))
    cards.append((metric, summary))

if not shown:
    for note in notes:
        st.caption(f":material/info: {note}")
    empty_state(
        "Nothing to draw for this range.",
        "Widen the date range, or run `okr sync` if the data should be there.",
    )
    st.stop()

summary_cards(cards, view, catalog.key_results())
st.markdown(f"##### {heading(view, shown)}")
for note in notes:
    st.caption(f":material/info: {note}")
if view.axis == "shared" and len({(s.metric.format, s.metric.unit) for s in shown}) > 1:
    st.caption(
        ":material/info: These metrics have different units: a **Separate** or **Indexed** axis "
        "compares them better."
    )
try:
    figure = trend_figure(shown, view.axis, view.compare)
except (ValueError, KeyError) as error:  # a drawing bug must not hide the numbers below
    st.error(
        f"The chart could not be drawn: {error}. The numbers are below; "
        "try another axis mode, and please report this view's address.",
        icon=":material/warning:",
    )
else:
    st.plotly_chart(
        figure,
        key="explore_chart",
        config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )
explained = []
if view.compare:
    previous_first, previous_last, _ = previous_window(view.first, view.last, view.grain)
    previous = f"{previous_first:%-d %b %Y} – {previous_last:%-d %b %Y}"
    if any(s.frame["previous"].notna().any() for s in shown):
        explained.append(f"Dashed: the previous period, {previous}, drawn over the same days.")
    else:
        explained.append(f"The previous period, {previous}, has no data to compare with.")
if any(s.frame["partial"].any() for s in shown):
    explained.append("Hollow points are periods the range cuts short: they hold fewer days.")
if explained:
    st.caption(" ".join(explained))

with st.expander("Data behind the chart", expanded=False):
    st.dataframe(shown_table(shown, view.by, view.compare), hide_index=True, key="explore_table")
    st.download_button(
        "Download CSV",
        download_frame([(s.metric, s.frame) for s in shown], view.by).to_csv(index=False),
        file_name=f"okr-explore-{view.first}-{view.last}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="explore_download",
        on_click="ignore",
    )
