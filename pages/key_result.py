"""Key result (`/key_result?kr=ID`): the trajectory chart, the status in words and numbers,
the metric behind it, its freshness and its data."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from okr.explain import explain, format_chance, format_day, format_moment, outlook
from okr.formatting import STATUS_LABELS, format_ago, format_share, format_value
from okr.model import Catalog
from okr.report import KRReport, Report
from okr.secrets import display_url
from okr.store import StoreBusy
from ui import state
from ui.charts import trajectory_figure
from ui.components import (
    DRIFTING_BADGE,
    FAILING_BADGE,
    STALE_BADGE,
    STATUS_COLORS,
    empty_state,
    require_catalog,
    status_chip_html,
)

PAGE_CSS = """
.okr-kr-head { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
.okr-kr-head .okr-meta { font-size: 0.85rem; opacity: 0.7; margin-left: 0.4rem; }
.okr-explain { border-left: 5px solid; padding: 0.5rem 0 0.5rem 1rem; margin: 0.2rem 0 0.4rem; }
.okr-explain p { margin: 0; font-size: 1.15rem; line-height: 1.5; }
.okr-explain p.okr-outlook { font-size: 0.95rem; opacity: 0.75; margin-top: 0.3rem; }
.okr-numbers { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 0.6rem;
  margin: 0.4rem 0 0.8rem; }
.okr-number { border: 1px solid rgba(128, 128, 128, 0.25); border-radius: 0.6rem;
  padding: 0.55rem 0.8rem; }
.okr-number-label { font-size: 0.8rem; opacity: 0.7; }
.okr-number-value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.okr-number-hint { font-size: 0.75rem; opacity: 0.6; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.okr-facts { padding-left: 0 !important; display: grid; gap: 0.3rem 1.2rem;
  grid-template-columns: max-content 1fr; font-size: 0.92rem; }
.okr-facts dt { opacity: 0.65; }
.okr-facts dd { margin: 0; }
.okr-facts code { font-size: 0.85rem; }
"""


def facts_html(facts: list[tuple[str, str]]) -> str:
    """A two-column list of already-escaped (label, value) pairs."""
    rows = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    return f'<dl class="okr-facts">{rows}</dl>'


def code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def words_html(text: str) -> str:
    """Plain text as HTML, with `backticked` commands shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def not_found(kr_id: str | None, report: Report) -> None:
    st.title("Key result not found", anchor=False)
    if kr_id:
        st.warning(
            f"There is no key result with id `{kr_id}` in the catalog "
            f"`{state.catalog_path()}`. Check the link, or pick one below.",
            icon=":material/search_off:",
        )
    else:
        st.info(
            "No key result chosen: pick one below, or add `?kr=ID` to the address.",
            icon=":material/info:",
        )
    st.page_link("pages/overview.py", label="Back to the overview", icon=":material/flag:")
    for item in report.objectives:
        if not item.key_results:
            continue
        st.markdown(f"**{item.objective.title}**")
        for kr in item.key_results:
            st.page_link(
                "pages/key_result.py",
                label=f"{kr.kr.title} — {STATUS_LABELS.get(kr.status.status, kr.status.status)}",
                query_params={"kr": kr.id},
            )


def header(item: KRReport, report: Report) -> None:
    kr, status = item.kr, item.status
    objective = next(o.objective for o in report.objectives if o.id == kr.objective)
    st.page_link(
        "pages/overview.py", label=f"Overview · {objective.title}", icon=":material/arrow_back:"
    )
    st.title(kr.title, anchor=False)
    meta = [
        f"Owner: {kr.owner or objective.owner or 'nobody'}",
        kr.commitment.capitalize(),
        f"{format_day(kr.start)} – {format_day(kr.end)}",
    ]
    badges = [status_chip_html(status.status, "0.95rem")]
    if status.stale:
        badges.append(STALE_BADGE)
    if item.source_failing:
        badges.append(FAILING_BADGE)
    if status.drifting:
        badges.append(DRIFTING_BADGE)
    st.html(
        f'<div class="okr-kr-head">{"".join(badges)}'
        f'<span class="okr-meta">{html.escape(" · ".join(meta))}</span></div>'
    )
    sentences = f"<p>{words_html(explain(kr, item.metric, status, report.as_of))}</p>"
    future = outlook(kr, item.metric, status, report.as_of)
    if future:
        sentences += f'<p class="okr-outlook">{words_html(future)}</p>'
    color = STATUS_COLORS.get(status.status, "#8A8A8A")
    st.html(f'<div class="okr-explain" style="border-color:{color}">{sentences}</div>')


def numbers(item: KRReport, as_of: date) -> None:
    kr, metric, status = item.kr, item.metric, item.status
    forecast = status.forecast

    def value(number: float | None) -> str:
        return format_value(number, metric)

    success = "100%" if kr.success_grade >= 1 else format_share(kr.success_grade)
    spread = (
        f"80%: {value(forecast.low)} to {value(forecast.high)}"
        if forecast.low is not None and forecast.low != forecast.high
        else "the trend since start"
    )
    if kr.level is not None:
        level = f"{'≥' if kr.level == '>=' else '≤'} {value(kr.target)}"
        cards = [
            ("Current", value(status.current), f"read as {kr.measure}"),
            ("Level to hold", level, f"until {format_day(kr.end)}"),
            ("Held", format_share(status.progress), "share of periods so far"),
            ("Grade", format_share(status.grade), f"success at {success}"),
            ("Forecast at end", value(forecast.value), spread),
            ("Chance to hold", format_chance(status.p_hit), "at the end"),
        ]
    else:
        gap = status.gap
        cards = [
            ("Current", value(status.current), f"read as {kr.measure}"),
            (
                "Expected now",
                value(status.expected),
                "at the end of its window" if as_of > kr.end else "on the pace line today",
            ),
            ("Baseline", value(status.baseline), f"at {format_day(kr.start)}"),
            ("Target", value(kr.target), f"by {format_day(kr.end)}"),
            ("Forecast at end", value(forecast.value), spread),
            ("Progress", format_share(status.progress), "(current − baseline) / span"),
            (
                "Gap to pace",
                format_share(gap),
                "behind pace" if gap is not None and gap < 0 else "(current − expected) / span",
            ),
            ("Grade", format_share(status.grade), f"success at {success} ({kr.commitment})"),
            ("Chance to hit", format_chance(status.p_hit), "of reaching the target"),
            ("Cycle elapsed", format_share(status.elapsed), f"as of {format_day(as_of)}"),
        ]
    tiles = "".join(
        f'<div class="okr-number"><div class="okr-number-label">{html.escape(label)}</div>'
        f'<div class="okr-number-value">{html.escape(shown)}</div>'
        f'<div class="okr-number-hint">{html.escape(hint)}</div></div>'
        for label, shown, hint in cards
    )
    per_row = len(cards) if len(cards) <= 5 else (len(cards) + 1) // 2
    st.html(
        f'<div class="okr-numbers" style="grid-template-columns:repeat({per_row}, minmax(0, 1fr))">'
        f"{tiles}</div>"
    )


def shown_path(path: Path | None, folder: Path) -> str:
    """A source folder relative to the catalog's folder when it lies inside it."""
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def about(item: KRReport, report: Report, catalog: Catalog) -> None:
    kr, metric, status = item.kr, item.metric, item.status
    timezone, sources, folder = catalog.settings.timezone, catalog.sources, catalog.path.parent
    source = sources.get(metric.source)
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("The metric", anchor=False)
        facts = [("Metric", f"<b>{html.escape(metric.title)}</b> {code(metric.id)}")]
        if metric.description:
            facts.append(("Definition", html.escape(metric.description)))
        if metric.sql:
            facts.append(("Query", code(metric.sql)))
        else:
            reads = (
                f"{code(metric.value or '*')} at {code(metric.time or '')} "
                f"from {code(metric.table or '')}"
            )
            if metric.agg == "ratio":
                reads = f"{code(metric.numerator or '')} / {code(metric.denominator or '')}"
            facts.append(("Reads", reads))
        facts.append(("Aggregation", f"{html.escape(metric.agg)} per {html.escape(metric.grain)}"))
        if metric.filter:
            facts.append(("Filter", code(metric.filter)))
        if kr.where:
            facts.append(("Slice", code(", ".join(f"{k} = {v}" for k, v in kr.where))))
        facts.append(("Key result reads", code(str(kr.measure))))
        if source is not None:
            where = display_url(source.url) if source.url else shown_path(source.path, folder)
            facts.append(("Source", f"{code(source.id)} ({source.type}) {code(where)}"))
        st.html(facts_html(facts))
    with right:
        st.subheader("Freshness", anchor=False)
        newest = status.data_as_of
        facts = [("Newest data", format_day(newest) if newest else "none stored yet")]
        if metric.freshness is not None:
            days = metric.freshness.total_seconds() / 86400
            limit = f"{days:g} day{'s' if days != 1 else ''}"
            verdict = "<b>stale</b>" if status.stale else "fresh"
            facts.append(("Freshness", f"{verdict}: expected within {limit}"))
        record = report.last_syncs.get(metric.source)
        if record is None:
            facts.append(("Last sync", "never: run <code>okr sync</code>"))
        else:
            now = datetime.now(UTC).replace(tzinfo=None)
            when = (
                f"{format_moment(record.finished_at, timezone)} "
                f"({format_ago(record.finished_at, now)})"
            )
            outcome = "ok" if record.ok else f"<b>failed</b>: {html.escape(record.error or '')}"
            facts.append(("Last sync", f"{when}, {outcome}"))
        facts.append(("Judged as of", format_day(report.as_of)))
        st.html(facts_html(facts))


def data_table(item: KRReport, as_of: date) -> None:
    kr, metric = item.kr, item.metric
    st.subheader("The data", anchor=False)
    values = [(period, value) for period, value in item.series.period_values() if period <= as_of]
    if not values:
        empty_state("No data yet: run `okr sync`.", "The table fills once the source is synced.")
        return
    frame = pd.DataFrame(values, columns=["period", "value"])
    shares = metric.format == "percent" and frame["value"].abs().max() <= 1.5
    st.caption(
        f"Each stored {metric.grain} of {metric.title}"
        + (f" ({', '.join(f'{k} {v}' for k, v in kr.where)})" if kr.where else "")
        + f", newest first; the chart plots the key result's `{kr.measure}` reading of it."
    )
    unit = f" ({metric.unit})" if metric.unit and not shares else ""
    st.dataframe(
        frame.iloc[::-1],
        key="kr_data",
        hide_index=True,
        height=min(400, 38 + 35 * len(frame)),
        column_config={
            "period": st.column_config.DateColumn("Period", format="MMM D, YYYY"),
            "value": st.column_config.NumberColumn(
                f"Value{unit}", format="percent" if shares else "localized"
            ),
        },
    )
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{kr.id}.csv",
        mime="text/csv",
        key="kr_csv",
        icon=":material/download:",
    )


# --- the page ------------------------------------------------------------------------------

current = state.loaded()
st.html(f"<style>{PAGE_CSS}</style>")
catalog = require_catalog(current)
try:
    report = state.report()
except (StoreBusy, duckdb.Error, OSError, ValueError) as error:
    st.error(
        f"The store at `{catalog.settings.store}` could not be read: {error}. "
        "Wait for a running sync to finish and reload; if it persists, run `okr sync` again.",
        icon=":material/warning:",
    )
    st.stop()

kr_id = st.query_params.get("kr")
item = report.key_result(kr_id) if kr_id else None
if item is None:
    not_found(kr_id, report)
    st.stop()

header(item, report)
figure = trajectory_figure(item.kr, item.metric, item.status, item.points, report.as_of)
st.plotly_chart(figure, key="trajectory", config={"displayModeBar": False})
numbers(item, report.as_of)
about(item, report, catalog)
data_table(item, report.as_of)
