"""How a key result reads its metric at a date: `latest`, `trailing Nd` and `to_date` windows.

Windows are rebuilt exactly from stored per-period parts (an average over a window is the sum
of totals over the sum of counts, never an average of averages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from okr.model import KeyResult, Measure, Metric


class MetricSeries:
    """The stored periods of one slice of a metric, ready to be measured at any date."""

    def __init__(self, metric: Metric, parts: pd.DataFrame):
        self.metric = metric
        if len(parts) and not parts["period"].is_monotonic_increasing:
            parts = parts.sort_values("period")
        self.periods: list[date] = list(parts["period"]) if len(parts) else []
        self._ordinals = np.array([p.toordinal() for p in self.periods], dtype=np.int64)
        self._ends: np.ndarray | None = None
        self._values = _floats(parts, "value")
        self._n = _floats(parts, "n")
        self._total = _floats(parts, "total")
        self._num = _floats(parts, "num")
        self._den = _floats(parts, "den")
        self._minimum = _floats(parts, "minimum")
        self._maximum = _floats(parts, "maximum")
        self._cum = {
            name: np.concatenate([[0.0], np.nancumsum(array)])
            for name, array in (
                ("n", self._n),
                ("total", self._total),
                ("num", self._num),
                ("den", self._den),
            )
        }

    def __len__(self) -> int:
        return len(self.periods)

    def newest_period(self, on_or_before: date | None = None) -> date | None:
        """The start of the newest stored period (starting on or before the given date)."""
        if not self.periods:
            return None
        if on_or_before is None:
            return self.periods[-1]
        index = int(np.searchsorted(self._ordinals, on_or_before.toordinal(), side="right")) - 1
        return self.periods[index] if index >= 0 else None

    def period_values(self) -> list[tuple[date, float | None]]:
        return [(p, _none_if_nan(v)) for p, v in zip(self.periods, self._values, strict=True)]

    def latest(self, day: date) -> float | None:
        """The value of the newest period starting on or before `day`."""
        index = int(np.searchsorted(self._ordinals, day.toordinal(), side="right")) - 1
        return _none_if_nan(self._values[index]) if index >= 0 else None

    def window(self, first: date, last: date) -> float | None:
        """The metric aggregated over the periods starting in [first, last]."""
        return self.windows(np.array([first.toordinal()]), np.array([last.toordinal()]))[0]

    def windows(self, firsts: np.ndarray, lasts: np.ndarray) -> list[float | None]:
        """`window` for many (first, last) ordinal pairs at once."""
        return [_none_if_nan(v) for v in self.window_array(firsts, lasts)]

    def window_array(self, firsts: np.ndarray, lasts: np.ndarray) -> np.ndarray:
        """The metric over each [first, last] ordinal window; NaN where it is unknown."""
        metric = self.metric
        lo = np.searchsorted(self._ordinals, firsts, side="left")
        hi = np.searchsorted(self._ordinals, lasts, side="right")
        empty = hi <= lo
        if not metric.additive:
            if np.any(hi - lo > 1):
                raise ValueError(
                    f"metric '{metric.id}' uses agg {metric.agg}, which cannot be re-aggregated "
                    f"over a window of several periods"
                )
            values = (
                self._values[np.clip(lo, 0, max(len(self._values) - 1, 0))]
                if len(self._values)
                else np.full(len(lo), np.nan)
            )
            return np.where(empty, np.nan, values)
        cum = self._cum
        agg = metric.agg

        def spanned(name: str) -> np.ndarray:
            return cum[name][hi] - cum[name][lo]

        with np.errstate(divide="ignore", invalid="ignore"):
            if agg == "sum":
                values = spanned("total")
            elif agg == "count":
                values = spanned("n")
            elif agg == "avg":
                count = spanned("n")
                values = np.where(count != 0, spanned("total") / count, np.nan)
            elif agg == "ratio":
                den = spanned("den")
                values = np.where(den != 0, spanned("num") / den, np.nan)
            elif agg in ("min", "max"):
                source = self._minimum if agg == "min" else self._maximum
                values = _range_reduce(np.fmin if agg == "min" else np.fmax, source, lo, hi)
            else:  # pragma: no cover - every additive agg is listed above
                raise ValueError(agg)
        # Nothing happened in the window: a sum or count of nothing is zero.
        nothing = 0.0 if len(self.periods) and agg in ("sum", "count") else np.nan
        return np.where(empty, nothing, values).astype("float64")

    def measure_at(self, measure: Measure, start: date, day: date) -> float | None:
        """The value a KR with this `measure` and window `start` reads at `day`."""
        return self.measure_many(measure, start, [day])[0]

    def measure_many(
        self, measure: Measure, start: date, days: Sequence[date]
    ) -> list[float | None]:
        ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
        return [_none_if_nan(v) for v in self.measure_array(measure, start, ordinals)]

    def measure_array(self, measure: Measure, start: date, days: np.ndarray) -> np.ndarray:
        """The KR readings at each ordinal day in `days`; NaN where nothing can be measured."""
        if measure.kind == "latest":
            index = np.searchsorted(self._ordinals, days, side="right") - 1
            if not len(self._values):
                return np.full(len(days), np.nan)
            return np.where(index >= 0, self._values[np.clip(index, 0, None)], np.nan)
        if measure.kind == "trailing":
            firsts = days - (measure.days - 1)
        else:  # to_date
            firsts = np.full(len(days), start.toordinal(), dtype=np.int64)
        return self.window_array(firsts, days)

    def period_ends(self) -> np.ndarray:
        """The ordinal of each stored period's last day (computed once)."""
        if self._ends is None:
            grain = self.metric.grain
            if grain == "week":
                self._ends = self._ordinals + 6
            elif grain == "month":
                months = np.array(self.periods, dtype="datetime64[M]")
                first_of_next = (months + 1).astype("datetime64[D]").astype(np.int64)
                self._ends = first_of_next - 1 + _EPOCH_ORDINAL
            else:
                self._ends = self._ordinals.copy()
        return self._ends


def kr_trajectory(kr: KeyResult, series: MetricSeries, as_of: date) -> list[tuple[date, float]]:
    """The KR's measured value at the end of each stored period in its window, up to as_of.

    Each point is dated at its period's last day (or as_of / the KR's end, if earlier).
    """
    last_day = min(as_of, kr.end).toordinal()
    if last_day < kr.start.toordinal() or not series.periods:
        return []
    ends = series.period_ends()
    inside = (ends >= kr.start.toordinal()) & (series._ordinals <= last_day)
    days = np.minimum(ends[inside], last_day)
    values = series.measure_array(kr.measure, kr.start, days)
    known = ~np.isnan(values)
    return [
        (date.fromordinal(int(d)), float(v))
        for d, v in zip(days[known], values[known], strict=True)
    ]


def _floats(parts: pd.DataFrame, column: str) -> np.ndarray:
    if not len(parts) or column not in parts:
        return np.full(len(parts), np.nan)
    values = parts[column]
    if values.dtype.kind in "fiu":
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _range_reduce(combine, values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """combine (np.fmin or np.fmax, which skip NaN) over values[lo:hi] for each pair at once.

    A sparse table: level k holds the combination of every run of 2**k values, so any range
    is the combination of two overlapping runs. NaN where a range is empty or all NaN.
    """
    result = np.full(len(lo), np.nan)
    lengths = hi - lo
    if not len(values) or not np.any(lengths > 0):
        return result
    levels = [values]
    while 2 ** len(levels) <= len(values):
        step = 2 ** (len(levels) - 1)
        previous = levels[-1]
        levels.append(combine(previous[:-step], previous[step:]))
    level_of = np.zeros(len(lo), dtype=np.int64)
    nonempty = lengths > 0
    level_of[nonempty] = np.floor(np.log2(lengths[nonempty])).astype(np.int64)
    for level in np.unique(level_of[nonempty]):
        chosen = nonempty & (level_of == level)
        table = levels[level]
        result[chosen] = combine(table[lo[chosen]], table[hi[chosen] - 2**level])
    return result


def _none_if_nan(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value
