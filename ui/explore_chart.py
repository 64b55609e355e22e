"""Drawing the Explore view: plotly figures (one shared axis, small multiples, or indexed to
100) and the table shown under them. Values come computed from `okr.explore`; this only
lays them out, in each metric's format and unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from okr.formatting import format_value
from okr.model import Metric

# Okabe–Ito, readable by colour-blind readers; each line keeps its colour in every mode.
LINE_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)
INDEX_TITLE = "Index (start = 100)"


@dataclass(frozen=True)
class ShownMetric:
    """One metric as the page shows it: its trend frame (see `okr.explore.trend`, plus
    `index` columns when indexed) at `grain`."""

    metric: Metric
    frame: pd.DataFrame
    grain: str


def period_label(start: date, grain: str) -> str:
    """'Wed 1 Jul 2026', 'Week of 29 Jun 2026', 'Jul 2026'."""
    if grain == "week":
        return f"Week of {start.day} {start:%b %Y}"
    if grain == "month":
        return f"{start:%b %Y}"
    return f"{start:%a} {start.day} {start:%b %Y}"


def trend_figure(shown: Sequence[ShownMetric], axis: str, compare: bool) -> go.Figure:
    """The chart for `axis` "shared", "separate" (one panel per metric) or "index"."""
    if axis == "separate" and len(shown) > 1:
        return _small_multiples(shown, compare)
    indexed = axis == "index"
    figure = go.Figure()
    many = len(shown) > 1
    for color, item, member, rows in _lines(shown):
        name = member if (member and not many) else _name(item.metric, member)
        _add_line(figure, item, rows, name=name, color=color, compare=compare, indexed=indexed)
    if indexed:
        figure.add_hline(y=100, line={"color": "#8A8A8A", "width": 1, "dash": "dot"})
        figure.update_yaxes(title_text=INDEX_TITLE)
    else:
        _format_axis(figure, [s.metric for s in shown])
    _layout(figure, height=440)
    _time_axis(figure, shown)
    return figure


def _small_multiples(shown: Sequence[ShownMetric], compare: bool) -> go.Figure:
    """One panel per metric, titled with it; a member keeps its colour in every panel."""
    figure = make_subplots(
        rows=len(shown),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.12, 0.35 / len(shown)),
        subplot_titles=[s.metric.title for s in shown],
    )
    members = sorted({str(m) for s in shown if "member" in s.frame for m in s.frame["member"]})
    colors = {m: LINE_COLORS[i % len(LINE_COLORS)] for i, m in enumerate(members)}
    # A whole metric next to broken-down ones is drawn in a neutral colour, not a member's.
    whole_color = "#444444" if members else LINE_COLORS[0]
    in_legend: set[str] = set()
    for row, item in enumerate(shown, start=1):
        for member, rows in _members(item.frame):
            _add_line(
                figure,
                item,
                rows,
                name=member or item.metric.title,
                color=colors[member] if member else whole_color,
                compare=compare,
                indexed=False,
                row=row,
                legend=bool(member) and member not in in_legend,
            )
            in_legend.add(member or "")
        _format_axis(figure, [item.metric], row=row)
    _layout(figure, height=max(300, 230 * len(shown)))
    _time_axis(figure, shown)
    figure.update_layout(
        showlegend=bool(members),
        margin={"t": 72},
        legend={"y": 0.99, "yanchor": "top", "yref": "container"},
    )
    figure.update_annotations(font={"size": 14}, x=0, xanchor="left")
    return figure


def _members(frame: pd.DataFrame):
    """(member, its rows) for each line of a trend frame; one (None, frame) when whole."""
    if "member" not in frame.columns:
        return [(None, frame)]
    return [(str(m), rows) for m, rows in frame.groupby("member", sort=True)]


def _lines(shown: Sequence[ShownMetric]):
    """(colour, shown metric, member, its rows) for every line, colours in order."""
    index = 0
    for item in shown:
        for member, rows in _members(item.frame):
            yield LINE_COLORS[index % len(LINE_COLORS)], item, member, rows
            index += 1


def _name(metric: Metric, member: str | None) -> str:
    return metric.title + (f" · {member}" if member else "")


def _add_line(figure, item, rows, *, name, color, compare, indexed, row=None, legend=True):
    """The line of `rows` (hollow points for cut periods) and its dashed previous window."""
    metric, grain = item.metric, item.grain
    value_column, previous_column = (
        ("index", "previous_index") if indexed else ("value", "previous")
    )
    labels = [period_label(p, grain) for p in rows["period"]]
    partial = rows["partial"].tolist()
    texts = [
        f"{label}: " + _hover(metric, value, raw, indexed) + (" (partial)" if cut else "")
        for label, value, raw, cut in zip(
            labels, rows[value_column], rows["value"], partial, strict=True
        )
    ]
    place = {"row": row, "col": 1} if row else {}
    dense = len(rows) > 45
    figure.add_trace(
        go.Scatter(
            x=list(rows["period"]),
            y=list(rows[value_column]),
            name=name,
            mode="lines" if dense and not any(partial) else "lines+markers",
            line={"color": color, "width": 2.5},
            marker={
                "color": ["#FFFFFF" if cut else color for cut in partial],
                "line": {"color": color, "width": 2},
                "size": [7 if cut or not dense else 0 for cut in partial],
            },
            customdata=texts,
            hovertemplate="%{customdata}<extra>" + name + "</extra>",
            legendgroup=name,
            showlegend=legend,
            connectgaps=False,
        ),
        **place,
    )
    if compare and rows[previous_column].notna().any():
        previous_texts = [
            "Previous period: " + _hover(metric, value, raw, indexed)
            for value, raw in zip(rows[previous_column], rows["previous"], strict=True)
        ]
        figure.add_trace(
            go.Scatter(
                x=list(rows["period"]),
                y=list(rows[previous_column]),
                name=f"{name} (previous period)",
                mode="lines",
                line={"color": color, "width": 1.8, "dash": "dash"},
                opacity=0.8,
                customdata=previous_texts,
                hovertemplate="%{customdata}<extra></extra>",
                legendgroup=name,
                showlegend=False,
                connectgaps=False,
            ),
            **place,
        )


def _hover(metric: Metric, value, raw, indexed: bool) -> str:
    if indexed:
        return "–" if pd.isna(value) else f"{value:.1f} ({format_value(_float(raw), metric)})"
    return format_value(_float(raw), metric)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _format_axis(figure: go.Figure, metrics: Sequence[Metric], row: int | None = None) -> None:
    """Percent ticks for shares, the unit as the axis title when every metric shares it."""
    place = {"row": row, "col": 1} if row else {}
    formats = {m.format for m in metrics}
    units = {m.unit for m in metrics}
    if formats == {"percent"}:
        figure.update_yaxes(tickformat=".0%", **place)
    elif formats == {"currency"} and len(units) == 1:
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(next(iter(units)).upper(), "")
        figure.update_yaxes(tickprefix=symbol, tickformat="~s", **place)
    if len(units) == 1 and formats != {"percent"}:
        unit = next(iter(units))
        if unit and unit.upper() not in ("EUR", "USD", "GBP"):
            figure.update_yaxes(title_text=unit, **place)


def _time_axis(figure: go.Figure, shown: Sequence[ShownMetric]) -> None:
    """Ticks on period starts: Mondays for weeks, the 1st for months."""
    grains = {s.grain for s in shown}
    periods = [p for s in shown for p in s.frame["period"]]
    if not periods or "day" in grains:
        figure.update_xaxes(tickformat="%-d %b\n%Y")
        return
    first, last = min(periods), max(periods)
    if grains == {"week"}:
        weeks = (last - first).days // 7 + 1
        step = max(1, -(-weeks // 10))  # at most about ten ticks
        figure.update_xaxes(
            tick0=first.isoformat(), dtick=step * 7 * 86_400_000, tickformat="%-d %b\n%Y"
        )
    else:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        step = max(1, -(-months // 12))
        figure.update_xaxes(tick0=first.isoformat(), dtick=f"M{step}", tickformat="%b %Y")


def _layout(figure: go.Figure, height: int) -> None:
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        font={"size": 13},
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        showlegend=True,
    )
    figure.update_xaxes(showgrid=False, ticks="outside", ticklen=4)
    figure.update_yaxes(gridcolor="#ECECEC", zeroline=False)


def shown_table(shown: Sequence[ShownMetric], by: str | None, compare: bool) -> pd.DataFrame:
    """The values behind the chart, formatted in each metric's format and unit."""
    rows = []
    for item in shown:
        for record in item.frame.to_dict("records"):
            row = {"Metric": item.metric.title}
            if by:
                row[by.capitalize()] = record.get("member") or "All"
            row["Period"] = period_label(record["period"], item.grain) + (
                " (partial)" if record["partial"] else ""
            )
            row["Value"] = format_value(_float(record["value"]), item.metric)
            if compare:
                row["Previous window"] = format_value(_float(record["previous"]), item.metric)
            if "index" in record:
                row[INDEX_TITLE] = "–" if pd.isna(record["index"]) else f"{record['index']:.1f}"
            rows.append(row)
    return pd.DataFrame(rows)
