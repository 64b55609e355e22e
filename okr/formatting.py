"""How values read to people: a metric's number in its format and unit, dates, durations."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from okr.model import Metric


def format_value(
    value: float | None, metric: Metric | None = None, *, compact: bool = False
) -> str:
    """`value` in the metric's format and unit: 80.1 points, 45.2%, €1.2M, 3.5 h."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    fmt = metric.format if metric else "number"
    unit = metric.unit if metric else ""
    if fmt == "percent":
        # Ratios are stored as shares (0.452); a value above 1.5 is taken as already in %.
        shown = value * 100 if abs(value) <= 1.5 else value
        return _percent(shown, compact)
    if fmt == "currency":
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(unit.upper(), "")
        text = _number(value, compact=compact or abs(value) >= 10_000, decimals=0)
        return f"{symbol}{text}" if symbol else f"{text} {unit}".strip()
    if fmt == "duration":
        return format_duration(value, unit or "h")
    if unit == "%":
        return _percent(value, compact)
    return f"{_number(value, compact)} {unit}".strip()


def _percent(shown: float, compact: bool) -> str:
    if 99 <= abs(shown) < 100:
        # Near 100% one decimal would round 99.956% up to 100.0% against a 99.9% level.
        return f"{min(shown, 99.999):.3f}".rstrip("0").rstrip(".") + "%"
    return f"{_number(shown, compact, decimals=1)}%"


def format_duration(value: float, unit: str = "h") -> str:
    """A duration given in `unit` (s, min, h, d) as people say it: 45 min, 3.5 h, 2.1 d."""
    seconds = value * {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}.get(unit, 3600)
    if abs(seconds) < 3600:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 3600 * 100:  # 52 h beside 24 h reads better than 2.2 d beside 24 h
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _number(value: float, compact: bool, decimals: int | None = None) -> str:
    if compact:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:.1f}{suffix}"
    if decimals is None:
        decimals = (
            0 if abs(value) >= 1000 or float(value).is_integer() else (1 if abs(value) >= 10 else 2)
        )
    return f"{value:,.{decimals}f}"


def format_share(value: float | None) -> str:
    """A share (0.41) as a percentage (41%)."""
    return "–" if value is None else f"{value * 100:.0f}%"


def format_ago(moment: datetime | None, now: datetime) -> str:
    """'3 min ago', '2 h ago', '4 days ago' (both naive UTC)."""
    if moment is None:
        return "never"
    delta = now - moment
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{delta.seconds // 60} min ago"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600} h ago"
    return f"{delta.days} day{'s' if delta.days != 1 else ''} ago"


STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "achieved": "Achieved",
    "missed": "Missed",
    "no_data": "No data",
    "not_started": "Not started",
}
