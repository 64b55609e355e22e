"""How a key result reads its metric at a date: `latest`, `trailing Nd` and `to_date` windows.

Windows are rebuilt exactly from stored per-period parts (an average over a window is the sum
of totals over the sum of counts, never an average of averages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from okr.cycles import next_period
from okr.model import KeyResult, Measure, Metric


class MetricSeries:
    """The stored periods of one slice of a metric, ready to be measured at any date."""

    def __init__(self, metric: Metric, parts: pd.DataFrame):
        self.metric = metric
        parts = parts.sort_values("period") if len(parts) else parts
        self.periods: list[date] = list(parts["period"]) if len(parts) else []
        self._ordinals = np.array([p.toordinal() for p in self.periods], dtype=np.int64)
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
        metric = self.metric
        lo = np.searchsorted(self._ordinals, firsts, side="left")
        hi = np.searchsorted(self._ordinals, lasts, side="right")
        if not metric.additive:
            if np.any(hi - lo > 1):
                raise ValueError(
                    f"metric '{metric.id}' uses agg {metric.agg}, which cannot be re-aggregated "
                    f"over a window of several periods"
                )
            return [
                _none_if_nan(self._values[i]) if h > i else None
                for i, h in zip(lo, hi, strict=True)
            ]
        has_data = len(self.periods) > 0
        results: list[float | None] = []
        cum = self._cum
        for i, h in zip(lo, hi, strict=True):
            if h <= i:
                # Nothing happened in the window: a sum or count of nothing is zero.
                results.append(0.0 if has_data and metric.agg in ("sum", "count") else None)
                continue
            agg = metric.agg
            if agg == "sum":
                value = cum["total"][h] - cum["total"][i]
            elif agg == "count":
                value = cum["n"][h] - cum["n"][i]
            elif agg == "avg":
                count = cum["n"][h] - cum["n"][i]
                value = (cum["total"][h] - cum["total"][i]) / count if count else None
            elif agg == "ratio":
                den = cum["den"][h] - cum["den"][i]
                value = (cum["num"][h] - cum["num"][i]) / den if den else None
            elif agg == "min":
                value = _nan_reduce(np.nanmin, self._minimum[i:h])
            elif agg == "max":
                value = _nan_reduce(np.nanmax, self._maximum[i:h])
            else:  # pragma: no cover - every additive agg is listed above
                raise ValueError(agg)
            results.append(_none_if_nan(value))
        return results

    def measure_at(self, measure: Measure, start: date, day: date) -> float | None:
        """The value a KR with this `measure` and window `start` reads at `day`."""
        return self.measure_many(measure, start, [day])[0]

    def measure_many(
        self, measure: Measure, start: date, days: Sequence[date]
    ) -> list[float | None]:
        if measure.kind == "latest":
            return [self.latest(day) for day in days]
        lasts = np.array([d.toordinal() for d in days], dtype=np.int64)
        if measure.kind == "trailing":
            firsts = lasts - (measure.days - 1)
        else:  # to_date
            firsts = np.full(len(days), start.toordinal(), dtype=np.int64)
        return self.windows(firsts, lasts)


def kr_trajectory(kr: KeyResult, series: MetricSeries, as_of: date) -> list[tuple[date, float]]:
    """The KR's measured value at the end of each stored period in its window, up to as_of.

    Each point is dated at its period's last day (or as_of / the KR's end, if earlier).
    """
    last_day = min(as_of, kr.end)
    if last_day < kr.start or not series.periods:
        return []
    grain = series.metric.grain
    days: list[date] = []
    for period in series.periods:
        period_end = next_period(period, grain) - timedelta(days=1)
        if period_end < kr.start or period > last_day:
            continue
        days.append(min(period_end, last_day))
    values = series.measure_many(kr.measure, kr.start, days)
    return [(d, v) for d, v in zip(days, values, strict=True) if v is not None]


def _floats(parts: pd.DataFrame, column: str) -> np.ndarray:
    if not len(parts) or column not in parts:
        return np.full(len(parts), np.nan)
    return pd.to_numeric(parts[column], errors="coerce").astype("float64").to_numpy()


def _nan_reduce(function, values: np.ndarray) -> float | None:
    if values.size == 0 or np.all(np.isnan(values)):
        return None
    return float(function(values))


def _none_if_nan(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value
