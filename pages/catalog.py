"""Catalog (`/catalog`): browse sources, metrics, objectives and key results; with an editor
login, add or change them, preview a metric against its source, validate, review and save."""

from __future__ import annotations

import html
import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from connectors.base import SourceError
from okr.access import HOW_TO_ENABLE, editor_access
from okr.catalog import ID_PATTERN, CatalogError, Problem, parse_catalog
from okr.editor import (
    CatalogFile,
    Edit,
    EditError,
    SaveConflict,
    apply_edits,
    catalog_diff,
    changed_lines,
    entry_fields,
    entry_ids,
    open_catalog,
    save,
)
from okr.formatting import format_value
from okr.lint import lint
from okr.model import AGGS, FORMATS, GRAINS, Catalog, KeyResult, Metric
from okr.preview import (
    DEFAULT_DAYS,
    KRPreview,
    Preview,
    default_range,
    preview_key_result,
    preview_metric,
    source_columns,
    source_tables,
)
from okr.secrets import display_url
from okr.store import StoreBusy
from ui import state
from ui.components import empty_state, require_catalog, status_chip_html

NEW = "+ New"
NEW_OBJECTIVE = "+ New objective"
ALL = "(all)"
VIEWS = ("Metrics", "Key results", "Sources", "Edit")
EDIT_KINDS = ("Metric", "Key result", "Source")
MODES = ("Table or file", "SQL query")
TARGET_KINDS = ("Reach", "Hold at least", "Hold at most")
MEASURES = ("latest", "trailing", "to_date")
MEASURE_LABELS = {
    "latest": "Latest period",
    "trailing": "Trailing window",
    "to_date": "Cumulative from the start",
}
# Values a catalog need not write: left out of new entries and of entries without the key.
DEFAULTS = {"grain": "day", "format": "number", "commitment": "committed", "weight": 1}
PACE_COLOR, ACTUAL_COLOR, TARGET_COLOR = "#7A7A7A", "#0072B2", "#009E73"
WRONG_PASSWORD_DELAY = 1.0  # seconds

CSS = """
<style>
.okr-kv {color:#555; font-size:0.9rem}
.okr-lint {color:#9A6700; font-size:0.85rem}
div[data-testid="stCode"] pre {max-height: 28rem}
</style>
"""


# -- access ---------------------------------------------------------------------------------


def secret(name: str) -> Any:
    """A Streamlit secret, or None when there is no secrets file or no such key."""
    try:
        return st.secrets.get(name)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None


def oidc_logged_in() -> bool:
    return bool(getattr(st.user, "is_logged_in", False))


def access_bar(access) -> bool:
    """The login controls; returns True when this session may edit."""
    if access.oidc and oidc_logged_in():
        with st.container(horizontal=True, horizontal_alignment="right"):
            st.caption(f"✎ Editing as {getattr(st.user, 'email', None) or 'editor'}")
            st.button("Log out", key="catalog_oidc_logout", on_click=st.logout)
        return True
    if st.session_state.get("catalog_unlocked") and access.password:
        with st.container(horizontal=True, horizontal_alignment="right"):
            st.caption("✎ Editing unlocked for this session")
            st.button("Lock", key="catalog_logout", on_click=lock)
        return True
    if not access.configured:
        st.caption(f":material/lock: Read-only. {HOW_TO_ENABLE}")
        return False
    with st.expander("Log in to edit the catalog", expanded=False, icon=":material/lock:"):
        if access.password:
            st.text_input("Editor password", type="password", key="catalog_password")
            st.button("Unlock editing", key="catalog_login", on_click=unlock, args=(access,))
            if st.session_state.get("catalog_login_failed"):
                st.error(
                    "That password is not the editor password. Try again.", icon=":material/key:"
                )
        if access.oidc:
            st.button("Log in with your account", key="catalog_oidc_login", on_click=st.login)
    return False


def unlock(access) -> None:
    given = st.session_state.get("catalog_password") or ""
    ok = access.can_edit(password_given=given)
    if not ok:
        time.sleep(WRONG_PASSWORD_DELAY)  # makes guessing the password slow
    st.session_state.catalog_unlocked = ok
    st.session_state.catalog_login_failed = not ok
    st.session_state.catalog_password = ""


def lock() -> None:
    st.session_state.catalog_unlocked = False


# -- the draft: the file as loaded plus the edits not saved yet -----------------------------


def draft_base() -> CatalogFile | None:
    """The file the draft started from; refreshed from disk while nothing is pending."""
    base = st.session_state.get("catalog_base")
    pending = st.session_state.get("catalog_edits") or []
    if base is None or (not pending and not st.session_state.get("catalog_conflict")):
        try:
            fresh = open_catalog(state.catalog_path())
        except (OSError, UnicodeDecodeError) as error:
            st.error(
                f"`{state.catalog_path()}` cannot be read for editing: {error}",
                icon=":material/warning:",
            )
            return None
        if base is None or fresh.digest != base.digest:
            st.session_state.catalog_base = base = fresh
    return base


def draft_edits() -> list[Edit]:
    return list(st.session_state.get("catalog_edits") or [])


def draft_text() -> str:
    base = st.session_state.catalog_base
    edits = draft_edits()
    return remembered("draft", (base.digest, repr(edits)), lambda: apply_edits(base.text, edits))


def add_to_draft(edits: list[Edit], message: str) -> None:
    st.session_state.catalog_edits = draft_edits() + edits
    st.session_state.catalog_flash = ("info", message)


def parsed(text: str) -> tuple[Catalog | None, list]:
    path = state.catalog_path()
    return remembered("parsed", (str(path), text), lambda: parse_catalog(text, path))


def remembered(name: str, key: Any, compute):
    """The value last computed for `key` in this session: one run parses the same text often."""
    held = st.session_state.setdefault(f"catalog_memo_{name}", {})
    if key not in held:
        if len(held) >= 4:
            held.pop(next(iter(held)))
        held[key] = compute()
    return held[key]


# -- looking at sources (cached: a folder or database is read once a minute at most) --------


@st.cache_data(ttl=60, show_spinner=False, max_entries=64)
def tables_of(_catalog: Catalog, source_key: tuple) -> tuple[list[str], str | None]:
    try:
        return source_tables(_catalog, source_key[0]), None
    except SourceError as error:
        return [], str(error)


@st.cache_data(ttl=60, show_spinner=False, max_entries=128)
def columns_of(_catalog: Catalog, source_key: tuple, table: str) -> tuple[list[str], str | None]:
    try:
        return source_columns(_catalog, source_key[0], table), None
    except SourceError as error:
        return [], str(error)


def source_key(catalog: Catalog, source_id: str) -> tuple:
    source = catalog.sources.get(source_id)
    if source is None:
        return (source_id,)
    return (source.id, source.type, str(source.path), source.url)


# -- browsing -------------------------------------------------------------------------------


def matches(query: str, *texts: Any) -> bool:
    if not query:
        return True
    words = query.lower().split()
    haystack = " ".join(str(t) for t in texts if t).lower()
    return all(word in haystack for word in words)


def definition(metric: Metric) -> str:
    """How the metric is computed, in one line: avg(score) of tickets_*.csv by day."""
    if metric.agg == "ratio":
        what = f"ratio of sum({metric.numerator}) to sum({metric.denominator})"
    elif metric.agg == "count" and not metric.value:
        what = "count of rows"
    else:
        what = f"{metric.agg}({metric.value})"
    origin = "a SQL query" if metric.sql else f"{metric.table} (time: {metric.time})"
    text = f"{what} of {origin}, per {metric.grain}"
    if metric.filter:
        text += f", where {metric.filter}"
    if metric.dimensions:
        text += f", by {', '.join(metric.dimensions)}"
    return text


def target_text(kr: KeyResult, metric: Metric | None) -> str:
    target = format_value(kr.target, metric)
    if kr.level:
        return f"hold {'≥' if kr.level == '>=' else '≤'} {target}"
    if kr.baseline in (None, "auto"):
        return f"auto → {target}" if kr.baseline == "auto" else f"? → {target}"
    return f"{format_value(kr.baseline, metric)} → {target}"


def show_metrics(catalog: Catalog, query: str) -> None:
    users: dict[str, list[str]] = {}
    for kr in catalog.key_results():
        users.setdefault(kr.metric, []).append(kr.id)
    rows = [
        {
            "Metric": m.title,
            "ID": m.id,
            "Used by": ", ".join(users.get(m.id, [])) or "–",
            "Definition": definition(m),
            "Source": m.source,
            "Unit": m.unit or m.format,
            "Owner": m.owner or "–",
            "Fresh within": _duration(m.freshness),
            "Description": m.description or "",
        }
        for m in catalog.metrics.values()
        if matches(
            query,
            m.id,
            m.label,
            m.description,
            m.owner,
            m.source,
            m.table,
            m.unit,
            definition(m),
            *users.get(m.id, []),
        )
    ]
    if not catalog.metrics:
        empty_state("No metrics yet.", "Define one under `metrics:`, or log in and use Edit.")
        return
    if not rows:
        empty_state(f"No metric matches “{query}”.", "Try fewer words, or clear the search.")
        return
    frame = pd.DataFrame(rows)
    if not frame["Description"].any():
        frame = frame.drop(columns="Description")
    st.dataframe(
        frame,
        hide_index=True,
        key="catalog_metrics_table",
        column_config={
            "Metric": st.column_config.TextColumn(width="medium"),
            "Definition": st.column_config.TextColumn(width="large"),
            "Description": st.column_config.TextColumn(width="medium"),
        },
    )


def show_key_results(catalog: Catalog, query: str, today: date) -> None:
    if not catalog.objectives:
        empty_state("No objectives yet.", "Add one under `objectives:`, or log in and use Edit.")
        return
    warnings: dict[str, list[str]] = {}
    for warning in lint(catalog, today):
        warnings.setdefault(warning.item, []).append(warning.message)
    shown = 0
    for objective in catalog.objectives:
        objective_hit = matches(
            query, objective.id, objective.title, objective.owner, *objective.tags
        )
        krs = [
            kr
            for kr in objective.key_results
            if objective_hit
            or matches(
                query, kr.id, kr.title, kr.metric, kr.owner, catalog.metrics[kr.metric].label
            )
        ]
        if not objective_hit and not krs:
            continue
        shown += 1
        with st.container(border=True, key=f"catalog_objective_{objective.id}"):
            st.markdown(f"**{html.escape(objective.title)}**")
            details = [f"`{objective.id}`", objective.cycle_label]
            if objective.owner:
                details.append(f"owner {objective.owner}")
            if objective.parent:
                details.append(f"aligns to `{objective.parent}`")
            st.caption(" · ".join(details))
            for message in warnings.get(f"objective '{objective.id}'", []):
                st.markdown(
                    f"<div class='okr-lint'>⚠ {html.escape(message)}</div>", unsafe_allow_html=True
                )
            if krs:
                kr_table(catalog, krs, warnings, key=f"catalog_krs_{objective.id}")
            else:
                st.caption("No key results yet.")
    if not shown:
        empty_state(f"No objective or key result matches “{query}”.", "Clear the search.")


def kr_table(catalog: Catalog, krs: list[KeyResult], warnings, key: str) -> None:
    frame = pd.DataFrame([kr_row(catalog, kr, warnings) for kr in krs])
    if not frame["Warnings"].any():
        frame = frame.drop(columns="Warnings")
    st.dataframe(
        frame,
        hide_index=True,
        key=key,
        column_config={
            "ID": st.column_config.TextColumn(width="small"),
            "Key result": st.column_config.TextColumn(width="large"),
            "Metric": st.column_config.TextColumn(width="medium"),
            "Baseline → target": st.column_config.TextColumn(width="medium"),
            "Measure": st.column_config.TextColumn(width="small"),
            "Owner": st.column_config.TextColumn(width="small"),
            "Warnings": st.column_config.TextColumn(width="large"),
        },
    )


def kr_row(catalog: Catalog, kr: KeyResult, warnings: dict[str, list[str]]) -> dict[str, str]:
    metric = catalog.metrics.get(kr.metric)
    slice_text = ", ".join(f"{k} = {v}" for k, v in kr.where)
    return {
        "ID": kr.id,
        "Key result": kr.title,
        "Metric": (metric.title if metric else kr.metric)
        + (f" ({slice_text})" if slice_text else ""),
        "Baseline → target": target_text(kr, metric),
        "Measure": str(kr.measure),
        "Owner": kr.owner or "–",
        "Warnings": " · ".join(f"⚠ {m}" for m in warnings.get(f"key result '{kr.id}'", [])),
    }


def show_sources(catalog: Catalog, query: str) -> None:
    if not catalog.sources:
        empty_state("No sources yet.", "Define one under `sources:`, or log in and use Edit.")
        return
    folder = catalog.path.resolve().parent
    rows = []
    for source in catalog.sources.values():
        if source.type == "csv":
            kind = "CSV folder"
            where = _relative(source.path, folder)
        else:
            kind = "SQL database"
            where = display_url(source.url or "")
        metric_ids = [m.id for m in catalog.metrics_of(source.id)]
        if matches(query, source.id, kind, where, *metric_ids):
            rows.append(
                {
                    "Source": source.id,
                    "Kind": kind,
                    "Location": where,
                    "Metrics": ", ".join(metric_ids) or "–",
                }
            )
    if not rows:
        empty_state(f"No source matches “{query}”.", "Clear the search.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="catalog_sources_table")


def _relative(path, folder) -> str:
    try:
        return path.resolve().relative_to(folder).as_posix()
    except (ValueError, OSError):
        return str(path)


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    hours = value.total_seconds() / 3600
    if hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours:g} h"


# -- editing: shared ------------------------------------------------------------------------


def load_fields(kind: str, prefix: str, pick_key: str, fields: dict[str, Any]) -> None:
    """Fill a form's widgets from the entry picked (or with defaults for a new one)."""
    pick = st.session_state.get(pick_key)
    written = {}
    if pick and pick != NEW:
        written = entry_fields(draft_text(), kind, pick) or {}
    for name, default in fields.items():
        st.session_state[f"{prefix}_{name}"] = to_widget(name, written.get(name), default)
    st.session_state[f"{prefix}_loaded"] = pick
    st.session_state.pop(f"{prefix}_preview", None)


def to_widget(name: str, value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(default, list):
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return float(value) if isinstance(value, (int, float)) else default
    return str(value)


def ensure_loaded(kind: str, prefix: str, pick_key: str, fields: dict[str, Any]) -> None:
    if st.session_state.get(f"{prefix}_loaded", "∅") != st.session_state.get(pick_key):
        load_fields(kind, prefix, pick_key, fields)


def without_defaults(values: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """Leave out default values the file does not write, so no line is added for them."""
    return {
        k: (None if k not in written and k in DEFAULTS and v == DEFAULTS[k] else v)
        for k, v in values.items()
    }


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|$~])")


def plain(text: Any) -> str:
    """`text` shown as written in Markdown: `$` is not maths, `*` and `_` not emphasis."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def problems_box(problems: list, title: str) -> None:
    """Problems as `okr validate` prints them: FILE:LINE: message."""
    if not problems:
        return
    shown = "\n".join(
        f"- `{Path(p.file).name}:{p.line}`: {plain(p.message)}"
        if p.line
        else f"- {plain(p.message)}"
        for p in problems[:12]
    )
    more = f"\n- … and {len(problems) - 12} more" if len(problems) > 12 else ""
    st.error(f"**{title}**\n\n{shown}{more}", icon=":material/block:")


def choices(current: str | None, options: list[str]) -> list[str]:
    """`options` with the current value first when it is not among them."""
    values = list(dict.fromkeys(o for o in options if o))
    if current and current not in values:
        values.insert(0, current)
    return values


def select_or_type(label: str, key: str, options: list[str], help: str | None = None) -> str:
    current = st.session_state.get(key) or None
    values = choices(current, options)
    if current is None:
        st.session_state[key] = None
    return st.selectbox(
        label,
        values,
        key=key,
        accept_new_options=True,
        placeholder="Pick one or type",
        help=help,
    )


# -- editing: metric ------------------------------------------------------------------------

METRIC_FIELDS: dict[str, Any] = {
    "id": "",
    "label": "",
    "description": "",
    "owner": "",
    "source": None,
    "table": None,
    "sql": "",
    "time": None,
    "value": None,
    "agg": "sum",
    "numerator": "",
    "denominator": "",
    "filter": "",
    "dimensions": [],
    "grain": "day",
    "unit": "",
    "format": "number",
    "freshness": "",
}


def metric_form(catalog: Catalog) -> None:
    ids = entry_ids(draft_text(), "metric")  # invalid ones too, so they can be fixed here
    picked = st.selectbox(
        "Metric",
        [NEW, *ids],
        key="metric_pick",
        format_func=lambda m: "+ New metric" if m == NEW else metric_name(catalog, m),
    )
    ensure_loaded("metric", "metric", "metric_pick", METRIC_FIELDS)
    if st.session_state.get("metric_mode") is None:
        st.session_state.metric_mode = MODES[1] if st.session_state.get("metric_sql") else MODES[0]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**Where the numbers come from**")
        metric_definition(catalog, picked)
    with right:
        st.markdown("**How it reads**")
        st.text_input("Label", key="metric_label", placeholder="e.g. Net promoter score")
        st.text_input("Description", key="metric_description")
        st.text_input("Owner", key="metric_owner", placeholder="e.g. support-ops")
        unit_col, format_col = st.columns(2)
        unit_col.text_input("Unit", key="metric_unit", placeholder="e.g. points, %, h")
        format_col.selectbox("Format", FORMATS, key="metric_format")
        st.text_input(
            "Stale after",
            key="metric_freshness",
            placeholder="e.g. 2d",
            help="The metric is marked stale when its newest period is older than this",
        )
    metric_id = picked if picked != NEW else (st.session_state.get("metric_id") or "").strip()
    change_footer("metric", metric_edit(metric_id, picked == NEW), metric_id)


def metric_name(catalog: Catalog, metric_id: str) -> str:
    metric = catalog.metrics.get(metric_id)
    return f"{metric.title} ({metric_id})" if metric else f"{metric_id} (has problems)"


def metric_definition(catalog: Catalog, picked: str) -> None:
    """Source, table, columns and aggregation, offering what the source actually has."""
    id_col, source_col = st.columns(2)
    if picked == NEW:
        id_col.text_input(
            "ID",
            key="metric_id",
            placeholder="e.g. nps",
            help="Letters, digits, '-', '_' and '.'; key results refer to it",
        )
    source_ids = list(catalog.sources)
    if st.session_state.get("metric_source") not in source_ids:
        st.session_state.metric_source = source_ids[0] if source_ids else None
    source_id = source_col.selectbox("Source", source_ids, key="metric_source")
    if not source_ids:
        st.info("Add a source first: choose Source under What to edit.", icon=":material/info:")
    source = catalog.sources.get(source_id) if source_id else None
    modes = MODES if source is not None and source.type == "sql" else MODES[:1]
    if st.session_state.metric_mode not in modes:
        st.session_state.metric_mode = modes[0]
    if len(modes) > 1:
        st.radio("Read from", modes, key="metric_mode", horizontal=True)
    sql_mode = st.session_state.metric_mode == MODES[1]
    columns: list[str] = []
    if sql_mode:
        st.text_area(
            "SQL query",
            key="metric_sql",
            height=120,
            help="Yields columns time, value (numerator and denominator for a ratio) and the "
            "dimensions",
        )
    elif source is not None:
        tables, error = tables_of(catalog, source_key(catalog, source.id))
        if error:
            st.caption(f"⚠ Could not look at source '{source.id}': {plain(error)}")
        table_col, time_col = st.columns(2)
        with table_col:
            what = "Export file or glob" if source.type == "csv" else "Table"
            table = select_or_type(what, "metric_table", tables)
        if table:
            columns, error = columns_of(catalog, source_key(catalog, source.id), table)
            if error:
                st.caption(f"⚠ {plain(error)}")
        with time_col:
            select_or_type("Time column", "metric_time", columns, help="Each row's date or time")
    agg_col, value_col = st.columns(2)
    agg = agg_col.selectbox("Aggregation", AGGS, key="metric_agg")
    if agg == "ratio":
        value_col.text_input(
            "Numerator", key="metric_numerator", placeholder="e.g. case when won then 1 else 0 end"
        )
        value_col.text_input("Denominator", key="metric_denominator", placeholder="e.g. 1")
    elif not sql_mode:
        with value_col:
            select_or_type(
                "Value",
                "metric_value",
                columns,
                help="A column or a SQL expression over one row"
                + ("; leave it empty to count rows" if agg == "count" else ""),
            )
    st.text_input(
        "Filter",
        key="metric_filter",
        placeholder="e.g. segment = 'enterprise'",
        help="Optional SQL condition over one row",
    )
    dims_col, grain_col = st.columns([2, 1])
    current_dims = st.session_state.get("metric_dimensions") or []
    dims_col.multiselect(
        "Dimensions",
        choices(None, [*current_dims, *columns]),
        key="metric_dimensions",
        accept_new_options=True,
        help="Columns kept for breakdowns and for key results on one slice",
    )
    grain_col.selectbox("Grain", GRAINS, key="metric_grain")


def metric_edit(metric_id: str, is_new: bool) -> Edit:
    s = st.session_state
    sql_mode = s.get("metric_mode") == MODES[1]
    ratio = s.get("metric_agg") == "ratio"
    values = {
        "label": s.get("metric_label"),
        "description": s.get("metric_description"),
        "owner": s.get("metric_owner"),
        "source": s.get("metric_source"),
        "table": None if sql_mode else s.get("metric_table"),
        "sql": s.get("metric_sql") if sql_mode else None,
        "time": None if sql_mode else s.get("metric_time"),
        "value": None if ratio or sql_mode else s.get("metric_value"),
        "agg": s.get("metric_agg"),
        "numerator": s.get("metric_numerator") if ratio else None,
        "denominator": s.get("metric_denominator") if ratio else None,
        "filter": s.get("metric_filter"),
        "dimensions": list(s.get("metric_dimensions") or []),
        "grain": s.get("metric_grain"),
        "unit": s.get("metric_unit"),
        "format": s.get("metric_format"),
        "freshness": s.get("metric_freshness"),
    }
    written = {} if is_new else (entry_fields(draft_text(), "metric", metric_id) or {})
    return Edit("metric", metric_id, without_defaults(values, written))


# -- editing: key result --------------------------------------------------------------------

KR_FIELDS: dict[str, Any] = {
    "id": "",
    "objective": None,
    "title": "",
    "metric": None,
    "baseline": None,
    "target": None,
    "measure": "latest",
    "commitment": "committed",
    "owner": "",
    "weight": 1.0,
}


def kr_form(catalog: Catalog, today: date) -> None:
    krs = {kr.id: kr for kr in catalog.key_results()}
    kr_ids = entry_ids(draft_text(), "key_result")  # invalid ones too, so they can be fixed here
    picked = st.selectbox(
        "Key result",
        [NEW, *kr_ids],
        key="kr_pick",
        format_func=lambda k: (
            "+ New key result"
            if k == NEW
            else (f"{krs[k].title} ({k})" if k in krs else f"{k} (has problems)")
        ),
    )
    ensure_loaded("key_result", "kr", "kr_pick", KR_FIELDS)
    split_kr_widgets()
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**What it measures**")
        objective_ids = [o.id for o in catalog.objectives]
        titles = {o.id: o.title for o in catalog.objectives}
        if picked == NEW:
            options = [*objective_ids, NEW_OBJECTIVE]
            if st.session_state.get("kr_objective") not in options:
                st.session_state.kr_objective = options[0]
            objective = st.selectbox(
                "Objective",
                options,
                key="kr_objective",
                format_func=lambda o: o if o == NEW_OBJECTIVE else f"{titles[o]} ({o})",
            )
            if objective == NEW_OBJECTIVE:
                with st.container(border=True):
                    st.text_input(
                        "Objective ID", key="kr_new_objective_id", placeholder="e.g. growth"
                    )
                    st.text_input("Objective title", key="kr_new_objective_title")
                    st.text_input(
                        "Cycle",
                        key="kr_new_objective_cycle",
                        placeholder="e.g. 2026-Q3",
                        help="A quarter (2026-Q3), half (2026-H2) or year (2026)",
                    )
            st.text_input("ID", key="kr_id", placeholder="e.g. nps-up")
        else:
            owner = st.session_state.get("kr_objective")
            st.caption(f"Objective: **{titles.get(owner, owner)}** (`{owner}`)")
        st.text_input("Title", key="kr_title", placeholder="e.g. Raise NPS from 20 to 40")
        metric_ids = list(catalog.metrics)
        if st.session_state.get("kr_metric") not in metric_ids:
            st.session_state.kr_metric = metric_ids[0] if metric_ids else None
        metric_id = st.selectbox(
            "Metric",
            metric_ids,
            key="kr_metric",
            format_func=lambda m: metric_name(catalog, m),
        )
        metric = catalog.metrics.get(metric_id) if metric_id else None
        if metric is not None and metric.dimensions:
            where_widgets(catalog, metric)
        st.text_input("Owner", key="kr_owner")
    with right:
        st.markdown("**From where to where**")
        st.checkbox("Measure the baseline at the start (auto)", key="kr_baseline_auto")
        base_col, kind_col, target_col = st.columns([1, 1, 1])
        base_col.number_input(
            "Baseline",
            key="kr_baseline_number",
            format="%g",
            disabled=bool(st.session_state.get("kr_baseline_auto")),
        )
        kind_col.selectbox("Target kind", TARGET_KINDS, key="kr_target_kind")
        target_col.number_input("Target", key="kr_target_number", format="%g")
        measure_col, days_col = st.columns(2)
        measure = measure_col.selectbox(
            "Measure", MEASURES, key="kr_measure_kind", format_func=MEASURE_LABELS.get
        )
        if measure == "trailing":
            days_col.number_input("Days", key="kr_measure_days", min_value=1, step=1)
        commit_col, weight_col = st.columns(2)
        commit_col.selectbox("Commitment", ("committed", "aspirational"), key="kr_commitment")
        weight_col.number_input("Weight", key="kr_weight", min_value=0.01, format="%g")
    kr_id = picked if picked != NEW else (st.session_state.get("kr_id") or "").strip()
    edits = kr_edits(kr_id, picked == NEW, metric)
    change_footer("key_result", edits, kr_id, today=today)


def split_kr_widgets() -> None:
    """Spread the written baseline, target and measure over the widgets that edit them."""
    s = st.session_state
    if s.get("kr_split") == s.get("kr_loaded"):
        return
    baseline, target, measure = s.get("kr_baseline"), s.get("kr_target"), s.get("kr_measure")
    s.kr_baseline_auto = str(baseline).strip() == "auto"
    s.kr_baseline_number = _number(baseline)
    level = re.match(r"^\s*(>=|<=)\s*(.+)$", str(target or ""))
    s.kr_target_kind = {">=": TARGET_KINDS[1], "<=": TARGET_KINDS[2]}.get(
        level.group(1) if level else "", TARGET_KINDS[0]
    )
    s.kr_target_number = _number(level.group(2) if level else target)
    trailing = re.match(r"^\s*trailing\s+(\d+)\s*d\s*$", str(measure or ""))
    s.kr_measure_kind = "trailing" if trailing else (measure if measure in MEASURES else "latest")
    s.kr_measure_days = int(trailing.group(1)) if trailing else 28
    for key in [k for k in s if str(k).startswith("kr_where_")]:
        del s[key]
    s.kr_split = s.get("kr_loaded")


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "", "auto") else None
    except (TypeError, ValueError):
        return None


def where_widgets(catalog: Catalog, metric: Metric) -> None:
    """One choice per dimension: the values stored for it, or typed when none is stored yet."""
    written = dict(entry_fields(draft_text(), "key_result", st.session_state.kr_pick) or {})
    where = written.get("where") if isinstance(written.get("where"), dict) else {}
    columns = st.columns(len(metric.dimensions))
    for column, dimension in zip(columns, metric.dimensions, strict=True):
        key = f"kr_where_{dimension}"
        members = dimension_members(catalog, metric, dimension)
        if key not in st.session_state:
            st.session_state[key] = str(where.get(dimension, "" if not members else ALL))
        label = f"Only {dimension}"
        if members:
            options = choices(st.session_state[key] or ALL, [ALL, *members])
            column.selectbox(label, options, key=key, accept_new_options=True)
        else:
            column.text_input(
                label,
                key=key,
                placeholder="all",
                help=f"No {dimension} values are stored yet (sync first to pick one); "
                f"type one, or leave empty for all",
            )


@st.cache_data(ttl=60, show_spinner=False, max_entries=64)
def _members(_catalog: Catalog, store_key: tuple, metric_id: str, dimension: str) -> list[str]:
    metric = _catalog.metrics[metric_id]
    try:
        return state.store(_catalog).dimension_members(metric, dimension)
    except (StoreBusy, duckdb.Error, OSError):
        return []  # no store yet, or a sync holds it: the value can still be typed


def dimension_members(catalog: Catalog, metric: Metric, dimension: str) -> list[str]:
    store = state.store(catalog)
    try:
        version = store.version()
    except OSError:
        version = 0
    return _members(catalog, (str(store.path), version), metric.id, dimension)


def kr_edits(kr_id: str, is_new: bool, metric: Metric | None) -> list[Edit]:
    s = st.session_state
    target = s.get("kr_target_number")
    kind = s.get("kr_target_kind")
    if target is not None and kind != TARGET_KINDS[0]:
        target = f"{'>=' if kind == TARGET_KINDS[1] else '<='} {target:g}"
    measure = s.get("kr_measure_kind")
    if measure == "trailing":
        measure = f"trailing {int(s.get('kr_measure_days') or 28)}d"
    where = {}
    for dimension in metric.dimensions if metric else ():
        chosen = (s.get(f"kr_where_{dimension}") or "").strip()
        if chosen and chosen != ALL:
            where[dimension] = chosen
    values = {
        "title": s.get("kr_title"),
        "metric": s.get("kr_metric"),
        "where": where or None,
        "baseline": "auto" if s.get("kr_baseline_auto") else s.get("kr_baseline_number"),
        "target": target,
        "measure": measure,
        "commitment": s.get("kr_commitment"),
        "owner": s.get("kr_owner"),
        "weight": s.get("kr_weight"),
    }
    written = {} if is_new else (entry_fields(draft_text(), "key_result", kr_id) or {})
    values = without_defaults(values, written)
    if "measure" not in written and values.get("measure") == "latest":
        values["measure"] = None
    edits = []
    objective = s.get("kr_objective") if is_new else written.get("objective")
    if is_new and objective == NEW_OBJECTIVE:
        objective = (s.get("kr_new_objective_id") or "").strip()
        edits.append(
            Edit(
                "objective",
                objective,
                {
                    "title": s.get("kr_new_objective_title"),
                    "cycle": s.get("kr_new_objective_cycle"),
                },
            )
        )
    edits.append(Edit("key_result", kr_id, values, objective=objective))
    return edits


# -- editing: source ------------------------------------------------------------------------

SOURCE_FIELDS: dict[str, Any] = {"id": "", "type": "csv", "path": "", "url": "", "description": ""}


def source_form(catalog: Catalog) -> None:
    ids = entry_ids(draft_text(), "source")
    picked = st.selectbox(
        "Source",
        [NEW, *ids],
        key="source_pick",
        format_func=lambda s: "+ New source" if s == NEW else s,
    )
    ensure_loaded("source", "source", "source_pick", SOURCE_FIELDS)
    written_url = st.session_state.get("source_url_written")
    if st.session_state.get("source_url_for") != picked:
        # The URL as written may hold a password: it is never put back into a widget.
        written_url = st.session_state.get("source_url") or None
        st.session_state.source_url_written = written_url
        st.session_state.source_url = ""
        st.session_state.source_url_for = picked
    left, right = st.columns(2, gap="large")
    with left:
        if picked == NEW:
            st.text_input("ID", key="source_id", placeholder="e.g. crm")
        kind = st.radio(
            "Type",
            ("csv", "sql"),
            key="source_type",
            horizontal=True,
            format_func={"csv": "CSV folder", "sql": "SQL database"}.get,
        )
        if kind == "csv":
            st.text_input(
                "Folder",
                key="source_path",
                placeholder="e.g. data/exports/crm",
                help="Relative to the catalog's folder",
            )
        else:
            if written_url:
                st.caption(f"Current URL: `{display_url(written_url)}`")
            st.text_input(
                "New URL" if written_url else "URL",
                key="source_url",
                type="password",
                placeholder="leave empty to keep the current one"
                if written_url
                else "postgresql+psycopg://user:${DB_PASSWORD}@host/db",
                help="Write passwords as ${VARIABLE} so they stay out of the file",
            )
        st.text_input("Description", key="source_description")
    with right:
        st.caption("Check what the source offers before saving:")
        st.button("Look at the source", key="source_probe")
    source_id = picked if picked != NEW else (st.session_state.get("source_id") or "").strip()
    s = st.session_state
    values = {
        "type": kind,
        "path": s.get("source_path") if kind == "csv" else None,
        "url": (s.get("source_url") or written_url) if kind == "sql" else None,
        "description": s.get("source_description"),
    }
    edit = Edit("source", source_id, values)
    with right:
        if s.get("source_probe"):
            probe_source(edit, source_id)
    change_footer("source", edit, source_id)


def probe_source(edit: Edit, source_id: str) -> None:
    candidate, problems = candidate_catalog([edit])
    if candidate is None or source_id not in candidate.sources:
        problems_box(problems, "Fix the source before looking at it")
        return
    try:
        tables = source_tables(candidate, source_id)
    except SourceError as error:
        st.error(f"**The source cannot be read.** {plain(error)}", icon=":material/warning:")
        return
    if not tables:
        st.info(
            "The source is reachable but offers no tables or CSV files yet.", icon=":material/info:"
        )
        return
    shown = ", ".join(f"`{t}`" for t in tables[:20]) + (" …" if len(tables) > 20 else "")
    st.success(f"The source can be read. It offers: {shown}", icon=":material/check_circle:")


# -- editing: preview, validation, applying -------------------------------------------------


def candidate_catalog(edits: list[Edit]) -> tuple[Catalog | None, list]:
    """The draft with `edits` applied, parsed; problems include an edit that cannot apply."""
    try:
        text = apply_edits(draft_text(), edits)
    except EditError as error:
        return None, [_problem(str(error))]
    return parsed(text)


def _problem(message: str) -> Problem:
    return Problem(str(state.catalog_path()), 0, message)


def change_footer(
    kind: str, edit: Edit | list[Edit], entry_id: str, today: date | None = None
) -> None:
    edits = edit if isinstance(edit, list) else [edit]
    problems = entry_problems(edits, entry_id, kind)
    st.divider()
    if kind in ("metric", "key_result"):
        preview_controls(kind, edits, entry_id, today or state.today())
    problems_box(problems, "This change has problems")
    if kind == "key_result" and not problems:
        lint_notes(edits, entry_id)
    row = st.container(horizontal=True, vertical_alignment="center")
    valid_id = bool(entry_id) and bool(ID_PATTERN.match(entry_id))
    unchanged = valid_id and not changes_anything(edits)
    row.button(
        "Apply to draft",
        key=f"{PREFIXES[kind]}_apply",
        type="primary",
        disabled=not valid_id or unchanged,
        on_click=apply_change,
        args=(kind, edits, entry_id),
    )
    if not valid_id:
        row.caption("Give it an ID (letters, digits, '-', '_' and '.') to apply it.")
    elif unchanged:
        row.caption("No change to apply yet: edit a field above.")
    else:
        row.caption(
            "Applied changes collect in the draft below; nothing is written until you save."
        )


PREFIXES = {"metric": "metric", "key_result": "kr", "source": "source"}
PICKS = {"metric": "metric_pick", "key_result": "kr_pick", "source": "source_pick"}


def changes_anything(edits: list[Edit]) -> bool:
    try:
        return any(edit.fields for edit in reduced(draft_text(), edits))
    except EditError:
        return True  # applying will say what is wrong


def lint_notes(edits: list[Edit], kr_id: str) -> None:
    """The quality warnings of the key result as edited, next to its form."""
    candidate, problems = candidate_catalog(edits)
    if candidate is None or problems or candidate.key_result(kr_id) is None:
        return
    for warning in lint(candidate, state.today()):
        if warning.item == f"key result '{kr_id}'":
            st.warning(plain(warning.message), icon=":material/lightbulb:")


def entry_problems(edits: list[Edit], entry_id: str, kind: str) -> list:
    """The problems the change brings: those of the candidate not already in the draft."""
    if not entry_id:
        return []
    before = {p.message for p in parsed(draft_text())[1]}
    _candidate, problems = candidate_catalog(edits)
    return [p for p in problems if p.message not in before]


def apply_change(kind: str, edits: list[Edit], entry_id: str) -> None:
    catalog, _ = parsed(draft_text())
    is_new = st.session_state.get(PICKS[kind]) == NEW
    existing = {
        "metric": set(catalog.metrics) if catalog else set(),
        "source": set(catalog.sources) if catalog else set(),
        "key_result": {kr.id for kr in catalog.key_results()} if catalog else set(),
    }[kind]
    text = draft_text()
    if is_new and (entry_id in existing or entry_fields(text, kind, entry_id) is not None):
        what = kind.replace("_", " ")
        st.session_state.catalog_flash = (
            "error",
            f"A {what} '{plain(entry_id)}' already exists; pick it in the list to change it, or "
            f"choose another ID.",
        )
        return
    try:
        edits = reduced(text, edits)
    except EditError as error:
        st.session_state.catalog_flash = ("error", f"This change cannot be applied: {plain(error)}")
        return
    said = "; ".join(describe_edits(text, edits))
    add_to_draft(edits, f"Applied to the draft: {plain(said)}.")
    st.session_state[PICKS[kind]] = entry_id
    st.session_state[f"{PREFIXES[kind]}_loaded"] = entry_id
    if kind == "key_result":
        st.session_state.kr_split = entry_id  # the widgets already hold the applied values


def reduced(text: str, edits: list[Edit]) -> list[Edit]:
    """Each edit cut down to the keys it changes, so a re-apply keeps others' changes."""
    kept = []
    for edit in edits:
        edit = edit.against(text)
        text = apply_edits(text, [edit])
        kept.append(edit)
    return kept


def preview_controls(kind: str, edits: list[Edit], entry_id: str, today: date) -> None:
    prefix = PREFIXES[kind]
    first, last = default_range(today)
    range_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
    chosen = range_col.date_input(
        f"Preview range (default: the last {DEFAULT_DAYS} days)",
        value=(first, last),
        key=f"{prefix}_preview_range",
        format="YYYY-MM-DD",
    )
    clicked = button_col.button("Preview", key=f"{prefix}_preview_run", disabled=not entry_id)
    if clicked:
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
            first, last = chosen
        st.session_state[f"{prefix}_preview"] = (
            edits,
            run_preview(kind, edits, entry_id, first, last, today),
        )
    stored = st.session_state.get(f"{prefix}_preview")
    if not stored:
        return
    previewed_edits, result = stored
    if previewed_edits != edits:
        st.caption("The definition changed since the last preview: press Preview again.")
    show_preview(result)


def run_preview(kind, edits, entry_id, first, last, today):
    """(preview, KR drawn over it or None), or the problems that stop a preview."""
    candidate, problems = candidate_catalog(edits)
    if candidate is None:
        return problems
    if kind == "metric":
        if entry_id not in candidate.metrics:
            return problems or [_problem(f"metric '{entry_id}' is not complete yet")]
        with st.spinner(f"Reading metric '{entry_id}' from its source…"):
            return preview_metric(candidate, entry_id, first, last), None
    kr = candidate.key_result(entry_id)
    if kr is None:
        return problems or [_problem(f"key result '{entry_id}' is not complete yet")]
    with st.spinner(f"Reading metric '{kr.metric}' from its source…"):
        preview = preview_metric(
            candidate, kr.metric, min(first, kr.start), last, where=dict(kr.where)
        )
    return preview, (preview_key_result(preview, kr, today) if preview.ok else None)


def show_preview(result: tuple[Preview, KRPreview | None] | list) -> None:
    if isinstance(result, list):
        problems_box(result, "Fix these problems to preview")
        return
    preview, drawn = result
    if not preview.ok:
        st.error(
            f"**The source could not be read.** {plain(preview.error)}", icon=":material/warning:"
        )
        return
    metric = preview.metric
    values = [(p, v) for p, v in preview.values() if v is not None]
    if not values:
        newest = f" Its newest period is {preview.newest}." if preview.newest else ""
        empty_state(
            f"The source has no {metric.grain}s of '{metric.id}' between {preview.first} and "
            f"{preview.last}.{newest}",
            "Widen the preview range, or check the table, time column and filter.",
        )
        return
    summary = (
        f"{len(values)} {metric.grain}{'s' if len(values) != 1 else ''} from "
        f"{values[0][0]} to {values[-1][0]}, {preview.rows_read:,} rows read"
    )
    if preview.quarantined:
        rows = "row" if preview.quarantined == 1 else "rows"
        summary += f"; {preview.quarantined} {rows} would be quarantined"
    st.caption(summary)
    for sample in preview.quarantine_samples:
        st.caption(f"⚠ {plain(sample)}")
    chart_col, table_col = st.columns([2, 1], gap="medium")
    with chart_col:
        st.plotly_chart(
            preview_figure(preview, drawn),
            key="catalog_preview_chart",
            config={"displayModeBar": False},
        )
    with table_col:
        frame = pd.DataFrame(
            {
                "Period": [p.isoformat() for p, _ in values],
                "Value": [format_value(v, metric) for _, v in values],
                "Rows": [_rows(preview, p) for p, _ in values],
            }
        )
        st.dataframe(frame.iloc[::-1], hide_index=True, height=360, key="catalog_preview_table")
    if drawn is not None:
        status = drawn.status
        current = html.escape(format_value(status.current, metric))
        expected = html.escape(format_value(status.expected, metric))
        st.markdown(
            f"<span class='okr-kv'>On {state.today().isoformat()} this key result would read "
            f"<b>{current}</b> against a pace of <b>{expected}</b></span> "
            f"{status_chip_html(status.status)}",
            unsafe_allow_html=True,
        )


def _rows(preview: Preview, period: date) -> str:
    match = preview.periods[preview.periods["period"] == period]
    if not len(match) or pd.isna(match.iloc[0]["n"]):
        return ""
    return f"{int(match.iloc[0]['n']):,}"


def preview_figure(preview: Preview, drawn: KRPreview | None) -> go.Figure:
    metric = preview.metric
    figure = go.Figure()
    if drawn is None:
        days, values = zip(*[(p, v) for p, v in preview.values() if v is not None], strict=True)
        figure.add_scatter(
            x=list(days),
            y=list(values),
            mode="lines+markers",
            name=metric.title,
            line={"color": ACTUAL_COLOR, "width": 2},
            marker={"size": 4},
        )
    else:
        draw_key_result(figure, drawn, metric)
    figure.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 24, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        yaxis_title=metric.unit or None,
        xaxis={"tickformat": "%-d %b"},
        hovermode="x unified",
    )
    return figure


def draw_key_result(figure: go.Figure, drawn: KRPreview, metric: Metric) -> None:
    """The KR's pace, measured values, baseline, target and a marker for today."""
    if drawn.pace:
        pace_days, pace_values = zip(*drawn.pace, strict=True)
        figure.add_scatter(
            x=list(pace_days),
            y=list(pace_values),
            mode="lines",
            name="Pace",
            line={"color": PACE_COLOR, "dash": "dash"},
        )
    if drawn.points:
        days, values = zip(*drawn.points, strict=True)
        figure.add_scatter(
            x=list(days),
            y=list(values),
            mode="lines+markers",
            name=drawn.kr.title,
            line={"color": ACTUAL_COLOR, "width": 2},
            marker={"size": 4},
        )
    figure.add_hline(
        y=drawn.target,
        line={"color": TARGET_COLOR, "dash": "dot"},
        annotation_text=f"Target {format_value(drawn.target, metric)}",
        annotation_position="top left",
    )
    if drawn.baseline is not None and not drawn.kr.level:
        figure.add_scatter(
            x=[drawn.kr.start],
            y=[drawn.baseline],
            mode="markers",
            name=f"Baseline {format_value(drawn.baseline, metric)}",
            marker={"color": PACE_COLOR, "size": 9, "symbol": "diamond"},
        )
    today = state.today().isoformat()
    figure.add_vline(x=today, line={"color": "#9A9A9A", "width": 1})
    figure.add_annotation(
        x=today,
        y=1,
        yref="paper",
        yanchor="bottom",
        text="today",
        showarrow=False,
        font={"size": 11, "color": "#6B6B6B"},
    )


# -- review and save ------------------------------------------------------------------------


def review_and_save(today: date) -> None:
    base = st.session_state.catalog_base
    edits = draft_edits()
    conflict = st.session_state.get("catalog_conflict")
    if not edits and not conflict:
        return
    st.subheader("Review and save")
    flash()
    text = draft_text()
    name = state.catalog_path().name
    if conflict:
        show_conflict(conflict, text, name)
    st.markdown(
        f"**{len(edits)} change{'s' if len(edits) != 1 else ''} in the draft:** "
        + "; ".join(plain(line) for line in describe_edits(base.text, edits))
    )
    catalog, problems = parsed(text)
    problems_box(
        problems,
        f"The edited catalog has {len(problems)} problem"
        f"{'s' if len(problems) != 1 else ''}; fix them to save",
    )
    if catalog is not None and not problems:
        touched = {e.id for e in edits if e.kind == "key_result"}
        for warning in lint(catalog, today):
            kr_id = re.match(r"^key result '(.+)'$", warning.item)
            if kr_id and kr_id.group(1) in touched:
                st.warning(
                    f"**{plain(warning.item)}**: {plain(warning.message)}",
                    icon=":material/lightbulb:",
                )
    count = changed_lines(base.text, text)
    with st.expander(
        f"Diff against {name} ({count} line{'s' if count != 1 else ''} changed)", expanded=True
    ):
        st.code(catalog_diff(base.text, text, name) or "(no change)", language="diff")
    row = st.container(horizontal=True)
    row.button(
        "Save to " + name,
        key="catalog_save",
        type="primary",
        disabled=bool(problems) or not edits or bool(conflict),
        on_click=save_draft,
    )
    row.button("Discard draft", key="catalog_discard", on_click=discard_draft)
    row.download_button(
        "Download edited file", text, file_name=name, mime="text/yaml", key="catalog_download"
    )


def describe_edits(text: str, edits: list[Edit]) -> list[str]:
    """Each edit in words, judged against the text it applies to."""
    said = []
    for edit in edits:
        said.append(edit.describe(text))
        text = apply_edits(text, [edit])
    return said


def show_conflict(conflict: dict, text: str, name: str) -> None:
    st.error(f"**Not saved.** {plain(conflict['message'])}", icon=":material/warning:")
    with st.expander("What changed on disk since you loaded it"):
        st.code(conflict["changes"] or "(the file is gone)", language="diff")
    row = st.container(horizontal=True)
    row.button(
        "Reload the file and re-apply my changes",
        key="catalog_reapply",
        type="primary",
        on_click=reapply_draft,
    )
    row.download_button(
        "Download my version", text, file_name=name, mime="text/yaml", key="catalog_download_mine"
    )


def save_draft() -> None:
    base: CatalogFile = st.session_state.catalog_base
    text = draft_text()
    path = state.catalog_path()
    try:
        save(path, text, base)
    except SaveConflict as conflict:
        st.session_state.catalog_conflict = {"message": str(conflict), "changes": conflict.changes}
        return
    except CatalogError as error:
        st.session_state.catalog_flash = ("error", f"Not saved: {plain(error)}")
        return
    except OSError as error:
        st.session_state.catalog_flash = (
            "error",
            f"Not saved: {plain(path)} could not be written ({plain(error.strerror or error)}). "
            f"Check that the dashboard may write to {plain(path.parent)}.",
        )
        return
    count = changed_lines(base.text, text)
    st.session_state.catalog_edits = []
    st.session_state.catalog_base = open_catalog(path)
    st.session_state.catalog_flash = (
        "success",
        f"Saved {path.name}: {count} line{'s' if count != 1 else ''} changed, the previous "
        f"version kept in history. New or changed metrics load with the next sync "
        f"(`okr sync`, or Sync now on Data health).",
    )
    state.clear()


def reapply_draft() -> None:
    edits = draft_edits()
    try:
        fresh = open_catalog(state.catalog_path())
        apply_edits(fresh.text, edits)
    except (OSError, EditError) as error:
        st.session_state.catalog_flash = (
            "error",
            f"Your changes cannot be re-applied to the file as it is now: {plain(error)}. Download "
            f"your version and merge it by hand.",
        )
        return
    st.session_state.catalog_base = fresh
    st.session_state.catalog_conflict = None
    st.session_state.catalog_flash = (
        "info",
        "Reloaded the file from disk and re-applied your changes. Review the diff and save.",
    )


def discard_draft() -> None:
    st.session_state.catalog_edits = []
    st.session_state.catalog_conflict = None
    st.session_state.catalog_base = None
    for prefix in ("metric", "kr", "source"):
        st.session_state.pop(f"{prefix}_loaded", None)
        st.session_state.pop(f"{prefix}_preview", None)
    st.session_state.catalog_flash = ("info", "Discarded the draft.")


def flash() -> None:
    message = st.session_state.pop("catalog_flash", None)
    if not message:
        return
    kind, text = message
    {"success": st.success, "error": st.error, "info": st.info}[kind](text)


def edit_view(today: date) -> None:
    if draft_base() is None:
        return
    catalog, problems = parsed(draft_text())
    if not draft_edits() and not st.session_state.get("catalog_conflict"):
        flash()  # with a draft, messages show above it, where the action happened
    if catalog is None:
        problems_box(problems, "The catalog cannot be parsed; fix the file first")
        return
    if draft_edits() and st.session_state.catalog_base.digest != _disk_digest():
        st.warning(
            f"{state.catalog_path().name} changed on disk since you started editing. Saving "
            f"will offer to re-apply your changes to the new version.",
            icon=":material/warning:",
        )
    kind = st.radio("What to edit", EDIT_KINDS, key="edit_kind", horizontal=True)
    with st.container(border=True, key="catalog_form"):
        if kind == "Metric":
            metric_form(catalog)
        elif kind == "Key result":
            kr_form(catalog, today)
        else:
            source_form(catalog)
    review_and_save(today)


def _disk_digest() -> str | None:
    try:
        return open_catalog(state.catalog_path()).digest
    except (OSError, UnicodeDecodeError):
        return None


# -- the page -------------------------------------------------------------------------------

st.set_page_config(page_title="Catalog · okr", layout="wide")
st.html(CSS)
current = state.loaded()
access = editor_access(
    secret_password=secret("editor_password"), auth_configured=secret("auth") is not None
)
title_col, access_col = st.columns([3, 2], vertical_alignment="bottom")
with title_col:
    st.title("Catalog")
with access_col:
    editing = access_bar(access)
catalog = require_catalog(current)
today = state.today()
counts = (
    f"`{current.path.name}` · {len(catalog.sources)} sources · {len(catalog.metrics)} metrics · "
    f"{len(catalog.objectives)} objectives · {len(catalog.key_results())} key results"
)
st.caption(counts)
query = st.text_input(
    "Search",
    key="q",
    bind="query-params",
    placeholder="Search metrics, key results, objectives and sources",
    label_visibility="collapsed",
    icon=":material/search:",
)
views = VIEWS if editing else VIEWS[:-1]
tabs = st.tabs(list(views), key="view", bind="query-params")
with tabs[0]:
    show_metrics(catalog, query)
with tabs[1]:
    show_key_results(catalog, query, today)
with tabs[2]:
    show_sources(catalog, query)
if editing:
    with tabs[3]:
        edit_view(today)
