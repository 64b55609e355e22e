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
FONT = "Source Sans Pro, Source Sans 3, sans-serif"
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
    for color, item, member, lines in _lines(shown):
        _add_line(figure, item, member, lines, color, compare, indexed, many=len(shown) > 1)
    if indexed:
        figure.add_hline(y=100, line={"color": "#8A8A8A", "width": 1, "dash": "dot"})
        figure.update_yaxes(title_text=INDEX_TITLE)
    else:
        _format_axis(figure, [s.metric for s in shown])
    _layout(figure, height=440)
    return figure


def _small_multiples(shown: Sequence[ShownMetric], compare: bool) -> go.Figure:
    figure = make_subplots(
        rows=len(shown),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.12, 0.35 / len(shown)),
        subplot_titles=[s.metric.title for s in shown],
    )
    for color, item, member, lines in _lines(shown):
        row = shown.index(item) + 1
        _add_line(figure, item, member, lines, color, compare, False, many=True, row=row)
        _format_axis(figure, [item.metric], row=row)
    _layout(figure, height=max(300, 230 * len(shown)))
    figure.update_annotations(font={"size": 14, "family": FONT}, x=0, xanchor="left")
    return figure


def _lines(shown: Sequence[ShownMetric]):
    """(colour, shown metric, member, its rows) for every line, colours in order."""
    index = 0
    for item in shown:
        frame = item.frame
        if "member" in frame.columns:
            groups = [(str(m), rows) for m, rows in frame.groupby("member", sort=True)]
        else:
            groups = [(None, frame)]
        for member, rows in groups:
            yield LINE_COLORS[index % len(LINE_COLORS)], item, member, rows
            index += 1


def _add_line(figure, item, member, rows, color, compare, indexed, many, row=None):
    metric, grain = item.metric, item.grain
    name = member if (member and not many) else metric.title + (f" · {member}" if member else "")
    value_column, previous_column = (
        ("index", "previous_index") if indexed else ("value", "previous")
    )
    labels = [period_label(p, grain) for p in rows["period"]]
    partial = rows["partial"].tolist()
    texts = [
        _hover(metric, value, raw, indexed) + (" · partial period" if cut else "")
        for value, raw, cut in zip(rows[value_column], rows["value"], partial, strict=True)
    ]
    place = {"row": row, "col": 1} if row else {}
    figure.add_trace(
        go.Scatter(
            x=list(rows["period"]),
            y=list(rows[value_column]),
            name=name,
            mode="lines+markers",
            line={"color": color, "width": 2.5},
            marker={
                "color": ["#FFFFFF" if cut else color for cut in partial],
                "line": {"color": color, "width": 2},
                "size": 7,
                "symbol": "circle",
            },
            customdata=list(zip(labels, texts, strict=True)),
            hovertemplate="%{customdata[1]}<extra>" + name + "</extra>",
            legendgroup=name,
            connectgaps=False,
        ),
        **place,
    )
    if compare and rows[previous_column].notna().any():
        previous_texts = [
            "previous window: " + _hover(metric, value, raw, indexed)
            for value, raw in zip(rows[previous_column], rows["previous"], strict=True)
        ]
        figure.add_trace(
            go.Scatter(
                x=list(rows["period"]),
                y=list(rows[previous_column]),
                name=f"{name} (previous window)",
                mode="lines",
                line={"color": color, "width": 1.8, "dash": "dash"},
                opacity=0.75,
                customdata=previous_texts,
                hovertemplate="%{customdata}<extra></extra>",
                legendgroup=name,
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


def _layout(figure: go.Figure, height: int) -> None:
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        font={"family": FONT, "size": 13},
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
