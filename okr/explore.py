"""The Explore view: which metrics, range, grain, breakdown, comparison and axis a link asks
for, and the metric values it shows, re-aggregated exactly from stored per-period parts.

A coarser grain sums the parts of its periods (totals and counts, numerators and
denominators) and only then divides: an average over a week is never an average of daily
averages. Non-additive metrics (count_distinct, median, last) are shown at their own grain.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from okr.cycles import next_period, period_start
from okr.measure import MetricSeries
from okr.model import GRAINS, KeyResult, Metric
from okr.store import additive_value

AXIS_MODES: tuple[str, ...] = ("shared", "separate", "index")
DEFAULT_DAYS = 90
DEFAULT_GRAIN = "week"

# The columns a trend frame has, in order (plus `member` first when broken down).
TREND_COLUMNS: tuple[str, ...] = ("period", "period_end", "value", "partial", "previous")

_TRUE_WORDS = frozenset({"1", "true", "yes", "on", "previous"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "none"})


class GrainError(ValueError):
    """A metric was asked for at a grain its stored parts cannot be rolled up to exactly."""


# -- grains --------------------------------------------------------------------------------


def grains_for(metric: Metric) -> tuple[str, ...]:
    """The grains `metric` can be shown at exactly.

    Daily parts of an additive metric roll up to weeks and months. Weeks straddle months, so
    weekly parts stay weekly; non-additive parts cannot be rolled up at all.
    """
    if metric.additive and metric.grain == "day":
        return GRAINS
    return (metric.grain,)


def shown_grain(metric: Metric, grain: str) -> str:
    """The grain `metric` is shown at when `grain` is asked for: that one, or its own."""
    return grain if grain in grains_for(metric) else metric.grain


def grain_note(metric: Metric, grain: str) -> str | None:
    """Why `metric` is not shown at `grain` (None when it is)."""
    if grain in grains_for(metric):
        return None
    if not metric.additive:
        return (
            f"{metric.title} is a {metric.agg} and cannot be re-aggregated: "
            f"it is shown by {metric.grain}, as it is stored."
        )
    return (
        f"{metric.title} is stored by {metric.grain}, and a {metric.grain} cannot be split "
        f"into {grain}s exactly: it is shown by {metric.grain}."
    )


def period_end(start: date, grain: str) -> date:
    """The last day of the period of `grain` starting on `start`."""
    return next_period(start, grain) - timedelta(days=1)


def shift(day: date, grain: str, periods: int) -> date:
    """`day` moved by whole periods of `grain`; in months the day of the month is kept
    (clamped to the month's length), and a month's last day stays a month's last day."""
    if grain == "day":
        return day + timedelta(days=periods)
    if grain == "week":
        return day + timedelta(weeks=periods)
    month_index = day.year * 12 + day.month - 1 + periods
    year, month = divmod(month_index, 12)
    length = calendar.monthrange(year, month + 1)[1]
    was_last = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month + 1, length if was_last else min(day.day, length))


def periods_touched(first: date, last: date, grain: str) -> int:
    """How many periods of `grain` the days first..last touch."""
    count, start = 0, period_start(first, grain)
    while start <= last:
        count += 1
        start = next_period(start, grain)
    return count


def previous_window(first: date, last: date, grain: str) -> tuple[date, date, int]:
    """The same-length window just before first..last, and the shift between the two.

    The shift is the number of `grain` periods the range touches, so every period of the
    previous window lines up with one period of the range (a Monday stays a Monday, the
    1st of a month stays the 1st). Returns (first, last, periods).
    """
    periods = periods_touched(first, last, grain)
    return shift(first, grain, -periods), shift(last, grain, -periods), periods


# -- values --------------------------------------------------------------------------------


def regrain(metric: Metric, parts: pd.DataFrame, grain: str) -> pd.DataFrame:
    """`parts` (one row per stored period, and per `member` when present) rolled up to `grain`.

    Sums of totals, counts, numerators and denominators, min of minima and max of maxima;
    `value` is then computed from the sums. Raises GrainError for a grain the metric cannot
    be shown at exactly (see `grains_for`).
    """
    if grain not in grains_for(metric):
        raise GrainError(
            f"metric '{metric.id}' cannot be shown by {grain}: {grain_note(metric, grain)}"
        )
    keys = ["member"] if "member" in parts.columns else []
    if parts.empty:
        return pd.DataFrame(columns=[*keys, "period", "n", "total", "num", "den", "value"])
    frame = parts.copy()
    frame["period"] = [period_start(p, grain) for p in frame["period"]]
    if not metric.additive:
        # One stored period is one shown period: nothing to add up.
        return frame[[*keys, "period", "n", "total", "num", "den", "value"]].reset_index(drop=True)
    for column in ("n", "total", "num", "den", "minimum", "maximum"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    rolled = (
        frame.groupby([*keys, "period"], sort=True, dropna=False)
        .agg(
            n=("n", lambda s: s.sum(min_count=1)),
            total=("total", lambda s: s.sum(min_count=1)),
            num=("num", lambda s: s.sum(min_count=1)),
            den=("den", lambda s: s.sum(min_count=1)),
            minimum=("minimum", "min"),
            maximum=("maximum", "max"),
        )
        .reset_index()
    )
    rolled["value"] = additive_value(metric.agg, rolled)
    return rolled


def trend(
    metric: Metric,
    parts: pd.DataFrame,
    first: date,
    last: date,
    grain: str,
    *,
    compare: bool = False,
) -> pd.DataFrame:
    """The metric per `grain` period over the stored periods starting in first..last.

    Columns: `member` (when `parts` has one: a breakdown), period, period_end, value,
    partial (the range cuts the period, so it holds fewer days than a whole one), previous
    (with `compare`: the value over the same days of the previous window, see
    `previous_window`; else NaN). Periods without stored parts are left out. `grain` must be
    one of `grains_for(metric)`.
    """
    keys = ["member"] if "member" in parts.columns else []
    current = regrain(metric, _between(parts, first, last), grain)
    current = current[[*keys, "period", "value"]]
    if compare:
        previous_first, previous_last, periods = previous_window(first, last, grain)
        before = regrain(metric, _between(parts, previous_first, previous_last), grain)
        before = before[[*keys, "period", "value"]].rename(columns={"value": "previous"})
        before["period"] = [shift(p, grain, periods) for p in before["period"]]
        frame = current.merge(before, on=[*keys, "period"], how="outer")
    else:
        frame = current.assign(previous=np.nan)
    frame = frame.sort_values([*keys, "period"]).reset_index(drop=True)
    frame["value"] = frame["value"].astype("float64")
    frame["previous"] = frame["previous"].astype("float64")
    frame["period_end"] = [period_end(p, grain) for p in frame["period"]]
    # Only a period rolled up from finer ones can be cut short by the range.
    rolled_up = grain != metric.grain
    frame["partial"] = [
        rolled_up and (start < first or end > last)
        for start, end in zip(frame["period"], frame["period_end"], strict=True)
    ]
    return frame[[*keys, *TREND_COLUMNS]]


@dataclass(frozen=True)
class RangeSummary:
    """A metric over the whole range (and the previous window), aggregated exactly."""

    value: float | None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def relative_change(self) -> float | None:
        """The change as a share of the previous value (None when that is 0 or unknown)."""
        change = self.change
        return None if change is None or not self.previous else change / abs(self.previous)


def summarize(
    metric: Metric, parts: pd.DataFrame, first: date, last: date, grain: str, *, compare: bool
) -> RangeSummary | None:
    """The metric over the periods starting in first..last (and over the previous window
    for `grain`, with `compare`); None when it cannot be aggregated over several periods.

    A window without any stored period is unknown (None), not zero: nothing stored before
    the first sync's data does not mean nothing happened.
    """
    series = MetricSeries(metric, parts)

    def over(window_first: date, window_last: date) -> float | None:
        newest = series.newest_period(on_or_before=window_last)
        if newest is None or newest < window_first:
            return None
        return series.window(window_first, window_last)

    try:
        value = over(first, last)
        if not compare:
            return RangeSummary(value)
        previous_first, previous_last, _ = previous_window(first, last, grain)
        return RangeSummary(value, over(previous_first, previous_last))
    except ValueError:  # a median, distinct count or last value over several periods
        return None


def better_direction(metric: Metric, key_results: Sequence[KeyResult]) -> str | None:
    """ "up" or "down": which way the metric's key results want it to move; None when
    no key result reads it or they disagree."""
    directions = set()
    for kr in key_results:
        if kr.metric != metric.id:
            continue
        if kr.level:
            directions.add("up" if kr.level == ">=" else "down")
        elif isinstance(kr.baseline, int | float) and kr.baseline != kr.target:
            directions.add("up" if kr.target > kr.baseline else "down")
    return directions.pop() if len(directions) == 1 else None


def index_to_100(values: Sequence[float | None]) -> list[float | None]:
    """Each value as a percentage of the first known one (100 = where the line starts).

    All None when there is no first value or it is zero: a line starting at zero has no index.
    """
    known = [v for v in values if v is not None and not np.isnan(v)]
    if not known or known[0] == 0:
        return [None] * len(values)
    base = known[0]
    return [None if v is None or np.isnan(v) else v * 100 / base for v in values]


def with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """A trend frame with `index` and `previous_index` columns: each line (each member)
    as a percentage of its first value in the range. The previous window is divided by
    that same first value, so both lines share one scale: 95 means 5% below where the
    range started."""
    frame = frame.copy()
    groups = frame.groupby("member", sort=False) if "member" in frame.columns else [(None, frame)]
    frame["index"] = np.nan
    frame["previous_index"] = np.nan
    for _, lines in groups:
        values = lines["value"].tolist()
        indexed = index_to_100(values)
        frame.loc[lines.index, "index"] = [np.nan if v is None else v for v in indexed]
        base = next((v for v in values if not np.isnan(v)), None)
        if base:
            frame.loc[lines.index, "previous_index"] = lines["previous"] * 100 / base
    return frame


def download_frame(trends: Sequence[tuple[Metric, pd.DataFrame]], by: str | None) -> pd.DataFrame:
    """What the page shows, one row per metric, member and period, with readable headers.

    Values are plain numbers (in the metric's unit, named in the Unit column) so that a
    spreadsheet can compute with them; columns that are all empty are left out.
    """
    rows = []
    for metric, frame in trends:
        for record in frame.to_dict("records"):
            rows.append(
                {
                    "Metric": metric.title,
                    "Metric id": metric.id,
                    (by or "Breakdown").capitalize(): record.get("member"),
                    "Period start": record["period"].isoformat(),
                    "Period end": record["period_end"].isoformat(),
                    "Value": _plain(record["value"]),
                    "Previous window": _plain(record.get("previous")),
                    "Index (start = 100)": _plain(record.get("index")),
                    "Previous index": _plain(record.get("previous_index")),
                    "Unit": metric.unit,
                    "Partial period": bool(record["partial"]),
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.dropna(axis="columns", how="all")


def _plain(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _between(parts: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    if parts.empty:
        return parts
    periods = parts["period"]
    return parts[(periods >= first) & (periods <= last)]


# -- the view in the address ---------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """Everything the Explore page shows, as kept in its address.

    `metrics` are metric ids; `first`..`last` the inclusive date range; `grain` the grain
    asked for (each metric is shown at `shown_grain`); `by` a dimension to break down by;
    `compare` adds the previous window; `axis` is one of AXIS_MODES.
    """

    metrics: tuple[str, ...]
    first: date
    last: date
    grain: str = DEFAULT_GRAIN
    by: str | None = None
    compare: bool = False
    axis: str = "shared"

    def to_query(self) -> dict[str, str]:
        """The address's query parameters for this view (off and empty settings left out)."""
        query = {
            "metrics": ",".join(self.metrics),
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "grain": self.grain,
            "axis": self.axis,
        }
        if self.by:
            query["by"] = self.by
        if self.compare:
            query["compare"] = "1"
        return query


def default_view(metrics: Mapping[str, Metric], today: date) -> View:
    """The view of an address without parameters: the first metric over the last 90 days."""
    return View(
        metrics=tuple(list(metrics)[:1]),
        first=today - timedelta(days=DEFAULT_DAYS - 1),
        last=today,
    )


def parse_view(
    params: Mapping[str, str | Sequence[str]], metrics: Mapping[str, Metric], today: date
) -> tuple[View, list[str]]:
    """The view an address asks for, and a note for every part of it that was not usable.

    Unusable parts (an unknown metric, a malformed date, a grain that does not exist...)
    fall back to the default view's choice, so a stale link still opens.
    """
    default = default_view(metrics, today)
    notes: list[str] = []

    ids = [i for value in _all(params, "metrics") for i in value.split(",") if i.strip()]
    ids = list(dict.fromkeys(i.strip() for i in ids))
    unknown = [i for i in ids if i not in metrics]
    if unknown:
        notes.append(
            f"The link names unknown metric{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(i) for i in unknown)}: left out. Pick metrics below."
        )
    chosen = tuple(i for i in ids if i in metrics) if ids else default.metrics

    first = _date(params, "from", default.first, notes)
    last = _date(params, "to", default.last, notes)
    if first > last:
        notes.append(
            f"The link's range starts ({first}) after it ends ({last}): the dates are swapped."
        )
        first, last = last, first

    grain = _choice(params, "grain", GRAINS, default.grain, notes)
    axis = _choice(params, "axis", AXIS_MODES, default.axis, notes)

    by = _last(params, "by").strip() or None
    dimensions = {d for i in chosen for d in metrics[i].dimensions}
    if by and by not in dimensions:
        notes.append(
            f"None of the chosen metrics has a dimension '{by}' to break down by: "
            f"the breakdown is off. Available: {', '.join(sorted(dimensions)) or 'none'}."
        )
        by = None

    compare_text = _last(params, "compare").strip().lower()
    compare = compare_text in _TRUE_WORDS
    if compare_text not in _TRUE_WORDS | _FALSE_WORDS:
        notes.append(f"compare={compare_text!r} is not understood: the comparison is off.")

    view = View(chosen, first, last, grain=grain, by=by, compare=compare, axis=axis)
    return view, notes


def _all(params: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    value = params.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _last(params: Mapping[str, str | Sequence[str]], key: str) -> str:
    values = _all(params, key)
    return values[-1] if values else ""


def _date(params, key: str, fallback: date, notes: list[str]) -> date:
    text = _last(params, key).strip()
    if not text:
        return fallback
    try:
        return date.fromisoformat(text)
    except ValueError:
        notes.append(f"{key}={text!r} is not a date (write YYYY-MM-DD): {fallback} is used.")
        return fallback


def _choice(params, key: str, choices: Sequence[str], fallback: str, notes: list[str]) -> str:
    text = _last(params, key).strip().lower()
    if not text:
        return fallback
    if text not in choices:
        notes.append(f"{key}={text!r} is not one of {', '.join(choices)}: {fallback} is used.")
        return fallback
    return text
