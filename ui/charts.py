"""Pictures of key results: the trajectory chart (a plotly figure), the sparkline and the
progress bar with its pace marker (small HTML). They draw judged values; none reads data.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from datetime import date, timedelta

import plotly.graph_objects as go

from okr.formatting import format_share, format_value
from okr.model import KeyResult, Metric
from okr.status import KRStatus
from ui.components import STATUS_COLORS

INK = "#31333F"
PACE_COLOR = "#6B7280"
TRACK_COLOR = "rgba(128, 128, 128, 0.22)"
# The zones behind pace take the at_risk and off_track status colours, lightly.
AT_RISK_FILL = "rgba(230, 159, 0, 0.22)"
OFF_TRACK_FILL = "rgba(213, 94, 0, 0.13)"
FORECAST_FILL = "rgba(0, 114, 178, 0.14)"
FORECAST_COLOR = "#0072B2"


# --- the geometry of pace ---------------------------------------------------------------


def pace_knots(kr: KeyResult, baseline: float | None) -> list[tuple[date, float]]:
    """The corners of the pace line: (start, baseline), each checkpoint, (end, target).

    A level KR's pace is its level throughout; without a baseline there is no pace ([]).
    """
    if kr.level is not None:
        return [(kr.start, kr.target), (kr.end, kr.target)]
    if baseline is None:
        return []
    return [(kr.start, float(baseline)), *kr.checkpoints, (kr.end, kr.target)]


def band_edge(kr: KeyResult, baseline: float, share: float) -> list[tuple[date, float]]:
    """The line `share` of the span behind pace: expected − share·(target − baseline).

    Behind is below the pace for an increasing KR and above it for a decreasing one; the
    status turns at_risk past the edge at `tolerance.at_risk`, off_track past `off_track`.
    """
    span = kr.target - baseline
    return [(day, value - share * span) for day, value in pace_knots(kr, baseline)]


def pace_share(status: KRStatus) -> float | None:
    """Where progress should be now, as a share of the span: (expected − baseline) / span.

    Equal to the elapsed share τ without checkpoints; None for level KRs and unknown pace.
    """
    if status.expected is None or status.baseline is None or status.baseline == status.target:
        return None
    return (status.expected - status.baseline) / (status.target - status.baseline)


# --- the trajectory chart ---------------------------------------------------------------


def trajectory_figure(
    kr: KeyResult,
    metric: Metric,
    status: KRStatus,
    points: Sequence[tuple[date, float]],
    as_of: date,
    *,
    height: int = 420,
) -> go.Figure:
    """SPEC §6: the actual values, the pace line (through checkpoints), the at_risk and
    off_track zones behind it, the forecast to end with its 80% range, the target, today.
    """
    baseline = status.baseline
    knots = pace_knots(kr, baseline)
    at_risk_edge = off_track_edge = []
    if kr.level is None and baseline is not None and baseline != kr.target:
        at_risk_edge = band_edge(kr, baseline, kr.tolerance.at_risk)
        off_track_edge = band_edge(kr, baseline, kr.tolerance.off_track)
    forecast_line, cone = _forecast_shapes(kr, status, points, as_of)

    values = [v for _, v in [*points, *knots, *at_risk_edge, *off_track_edge, *forecast_line]]
    values += [v for _, v in cone] + [kr.target]
    y_low, y_high = _padded_range(values)
    behind_limit = _behind_limit(kr, baseline, y_low, y_high)

    figure = go.Figure()
    if off_track_edge:
        _add_zone(figure, "Off track zone", off_track_edge, behind_limit, OFF_TRACK_FILL)
        _add_band(figure, "At risk zone", at_risk_edge, off_track_edge, AT_RISK_FILL)
    elif kr.level is not None and behind_limit is not None:
        _add_zone(figure, "Off track zone", knots, behind_limit, OFF_TRACK_FILL)
    if cone:
        figure.add_trace(
            go.Scatter(
                name="Forecast range (80%)",
                x=[day for day, _ in cone],
                y=[value for _, value in cone],
                mode="lines",
                fill="toself",
                fillcolor=FORECAST_FILL,
                line={"width": 0},
                hoverinfo="skip",
            )
        )
    figure.add_trace(
        go.Scatter(
            name="Target",
            x=[kr.start, kr.end],
            y=[kr.target, kr.target],
            mode="lines",
            line={"color": STATUS_COLORS["achieved"], "width": 1.5, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    if knots and kr.level is None:
        figure.add_trace(
            go.Scatter(
                name="Pace",
                x=[day for day, _ in knots],
                y=[value for _, value in knots],
                mode="lines+markers" if kr.checkpoints else "lines",
                line={"color": PACE_COLOR, "width": 2, "dash": "dash"},
                marker={"size": 7, "symbol": "diamond"},
                text=[format_value(value, metric) for _, value in knots],
                hovertemplate="Pace %{x|%-d %b}: %{text}<extra></extra>",
            )
        )
    if forecast_line:
        figure.add_trace(
            go.Scatter(
                name="Forecast",
                x=[day for day, _ in forecast_line],
                y=[value for _, value in forecast_line],
                mode="lines+markers",
                line={"color": FORECAST_COLOR, "width": 2, "dash": "dot"},
                marker={"size": [0, 8]},
                text=[format_value(value, metric) for _, value in forecast_line],
                hovertemplate="Forecast %{x|%-d %b}: %{text}<extra></extra>",
            )
        )
    if points:
        figure.add_trace(
            go.Scatter(
                name="Actual",
                x=[day for day, _ in points],
                y=[value for _, value in points],
                mode="lines+markers" if len(points) < 40 else "lines",
                line={"color": INK, "width": 2.5},
                marker={"size": 5},
                text=[format_value(value, metric) for _, value in points],
                hovertemplate="%{x|%-d %b %Y}: %{text}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            name="Today",
            x=[as_of, as_of],
            y=[y_low, y_high],
            mode="lines",
            line={"color": INK, "width": 1, "dash": "dot"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    _annotate(figure, kr, metric, as_of, y_high)
    _layout(figure, kr, metric, as_of, (y_low, y_high), height, values)
    return figure


def _forecast_shapes(kr, status, points, as_of):
    """The forecast line from the last point to end, and its cone (the 80% range at end)."""
    forecast = status.forecast
    in_window = [(day, value) for day, value in points if kr.start <= day <= kr.end]
    if forecast.value is None or as_of >= kr.end or not in_window:
        return [], []
    last_day, last_value = in_window[-1]
    line = [(last_day, last_value), (kr.end, forecast.value)]
    if forecast.low is None or forecast.high is None or forecast.low == forecast.high:
        return line, []
    cone = [(last_day, last_value), (kr.end, forecast.high), (kr.end, forecast.low)]
    return line, [*cone, (last_day, last_value)]


def _padded_range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.05, 1.0)
    return low - pad, high + pad


def _behind_limit(kr: KeyResult, baseline: float | None, y_low: float, y_high: float):
    """The edge of the chart on the behind side: the bottom for increasing KRs."""
    if kr.level is not None:
        return y_low if kr.level == ">=" else y_high
    if baseline is None or baseline == kr.target:
        return None
    return y_low if kr.target > baseline else y_high


def _add_zone(figure, name, edge, limit, fill) -> None:
    """A filled polygon from `edge` to the horizontal line y = `limit`."""
    days = [day for day, _ in edge]
    figure.add_trace(
        go.Scatter(
            name=name,
            x=[*days, *reversed(days), days[0]],
            y=[*(value for _, value in edge), *(limit for _ in days), edge[0][1]],
            mode="lines",
            fill="toself",
            fillcolor=fill,
            line={"width": 0},
            hoverinfo="skip",
        )
    )


def _add_band(figure, name, inner, outer, fill) -> None:
    """A filled polygon between two edges over the same days."""
    days = [day for day, _ in inner]
    figure.add_trace(
        go.Scatter(
            name=name,
            x=[*days, *reversed(days), days[0]],
            y=[
                *(value for _, value in inner),
                *(value for _, value in reversed(outer)),
                inner[0][1],
            ],
            mode="lines",
            fill="toself",
            fillcolor=fill,
            line={"width": 0},
            hoverinfo="skip",
        )
    )


def _annotate(figure, kr, metric, as_of, y_high) -> None:
    # The label sits on the side of the line with more room, so it is never cut off.
    late = (as_of - kr.start).days > (kr.end - kr.start).days / 2
    figure.add_annotation(
        x=as_of,
        y=y_high,
        text="Today",
        showarrow=False,
        xanchor="right" if late else "left",
        yanchor="top",
        xshift=-4 if late else 4,
        font={"size": 12, "color": INK},
    )
    figure.add_annotation(
        x=kr.end,
        y=kr.target,
        text=f"Target {format_value(kr.target, metric)}",
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        font={"size": 12, "color": STATUS_COLORS["achieved"]},
    )


def _layout(figure, kr, metric, as_of, y_range, height, values) -> None:
    first, last = min(kr.start, as_of), max(kr.end, as_of)
    pad = timedelta(days=max(1, round((last - first).days * 0.02)))
    as_shares = metric.format == "percent" and all(abs(v) <= 1.5 for v in values)
    figure.update_layout(
        height=height,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode="closest",
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "title": None,
            "traceorder": "reversed",
        },
        xaxis={
            "range": [first - pad, last + pad],
            "showgrid": False,
            "title": None,
            "tickformat": "%-d %b",
        },
        yaxis={
            "range": list(y_range),
            "title": None if as_shares or not metric.unit else metric.unit,
            "tickformat": ".0%" if as_shares else None,
            "gridcolor": "rgba(128, 128, 128, 0.18)",
            "zeroline": False,
        },
    )


# --- small pictures for rows -------------------------------------------------------------


def sparkline_svg(
    points: Sequence[tuple[date, float]],
    status: str,
    *,
    width: int = 120,
    height: int = 28,
    label: str = "",
) -> str:
    """A tiny line of the KR's values over time, ending in a dot; an en dash when there are
    fewer than two values to draw a line through.
    """
    if len(points) < 2:
        return '<span class="okr-muted" title="Not enough data for a trend">–</span>'
    color = STATUS_COLORS.get(status, INK)
    first, last = points[0][0], points[-1][0]
    days = max(1, (last - first).days)
    values = [value for _, value in points]
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    margin = 3

    def xy(day: date, value: float) -> tuple[float, float]:
        x = margin + (width - 2 * margin) * (day - first).days / days
        y = height - margin - (height - 2 * margin) * (value - low) / spread
        return round(x, 1), round(y, 1)

    coordinates = [xy(day, value) for day, value in points]
    path = " ".join(f"{x},{y}" for x, y in coordinates)
    end_x, end_y = coordinates[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="okr-sparkline" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(label)}">'
        f"<title>{html.escape(label)}</title>"
        f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{end_x}" cy="{end_y}" r="2.6" fill="{color}"/></svg>'
    )


def sparkline_html(
    points: Sequence[tuple[date, float]], status: str, *, label: str = "", width: int = 120
) -> str:
    """The sparkline as an <img> (Streamlit's HTML sanitiser drops inline <svg>)."""
    svg = sparkline_svg(points, status, label=label, width=width)
    if not svg.startswith("<svg"):
        return svg
    data = base64.b64encode(svg.replace('class="okr-sparkline" ', "").encode()).decode()
    return (
        f'<img class="okr-sparkline" src="data:image/svg+xml;base64,{data}" '
        f'width="{width}" alt="{html.escape(label)}" title="{html.escape(label)}">'
    )


def progress_bar_html(progress: float | None, pace: float | None, status: str) -> str:
    """A bar filled to `progress` (clamped to the bar; the number says the truth) with a
    marker where the pace says it should be now; both are shares of the span.
    """
    color = STATUS_COLORS.get(status, INK)
    filled = 0.0 if progress is None else min(1.0, max(0.0, progress))
    tip = f"Progress {format_share(progress)}"
    marker = ""
    if pace is not None:
        at = min(1.0, max(0.0, pace))
        tip += f" · pace says {format_share(pace)} by now"
        marker = f'<div class="okr-pace" style="left:calc({at * 100:.1f}% - 1px)"></div>'
    return (
        f'<div class="okr-progress" title="{html.escape(tip)}">'
        f'<div class="okr-track"><div class="okr-fill" '
        f'style="width:{filled * 100:.1f}%;background:{color}"></div>{marker}</div>'
        f'<span class="okr-share">{format_share(progress)}</span></div>'
    )


# The classes used by `progress_bar_html` and `sparkline_svg`; pages include it once.
CHART_CSS = f"""
.okr-progress {{ display: flex; align-items: center; gap: 0.5rem; width: 100%; }}
.okr-track {{ position: relative; flex: 1; height: 8px; border-radius: 4px;
  background: {TRACK_COLOR}; }}
.okr-fill {{ height: 100%; border-radius: 4px; }}
.okr-pace {{ position: absolute; top: -4px; bottom: -4px; width: 2px; border-radius: 1px;
  background: currentColor; opacity: 0.85; }}
.okr-share {{ min-width: 2.8em; text-align: right; font-variant-numeric: tabular-nums;
  font-size: 0.85rem; }}
.okr-sparkline {{ display: block; overflow: visible; }}
.okr-muted {{ opacity: 0.6; }}
"""
