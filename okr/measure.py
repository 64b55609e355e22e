"""How a key result reads its metric at a date: `latest`, `trailing Nd` and `to_date` windows.

Windows are rebuilt exactly from stored per-period parts (an average over a window is the sum
of totals over the sum of counts, never an average of averages).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from okr.model import KeyResult, Measure, Metric


class MetricSeries:
    """The stored periods of one slice of a metric, ready to be measured at any date."""

    def __init__(self, metric: Metric, parts: pd.DataFrame):
        if len(parts) and not parts["period"].is_monotonic_increasing:
            parts = parts.sort_values("period")
        days = pd.to_datetime(parts["period"]).to_numpy("datetime64[D]") if len(parts) else []
        ordinals = np.asarray(days, dtype="datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
        self._setup(metric, ordinals, {name: _floats(parts, name) for name in _COLUMNS})

    @classmethod
    def from_columns(cls, metric: Metric, columns: Mapping[str, np.ndarray]) -> MetricSeries:
        """A series from numpy columns in period order (as `Store.slice_columns` gives them):
        `ordinal` (each period's first day, int64) and float64 `value`, `n`, `total`, `num`,
        `den`, `minimum`, `maximum` (a missing column is unknown)."""
        series = cls.__new__(cls)
        ordinals = np.asarray(columns["ordinal"], dtype=np.int64)
        unknown = np.full(len(ordinals), np.nan)
        series._setup(metric, ordinals, {name: columns.get(name, unknown) for name in _COLUMNS})
        return series

    def _setup(self, metric: Metric, ordinals: np.ndarray, columns: dict[str, np.ndarray]):
        self.metric = metric
        self._ordinals = ordinals
        self._periods: list[date] | None = None
        self._ends: np.ndarray | None = None
        self._sparse: list[np.ndarray] | None = None  # min/max over ranges, built when asked
        self._values = columns["value"]
        self._minimum = columns["minimum"]
        self._maximum = columns["maximum"]
        self._cum = {
            name: np.concatenate([[0.0], np.nancumsum(columns[name])])
            for name in ("n", "total", "num", "den")
        }

    @property
    def periods(self) -> list[date]:
        """The first day of each stored period, oldest first."""
        if self._periods is None:
            self._periods = [date.fromordinal(int(o)) for o in self._ordinals]
        return self._periods

    def __len__(self) -> int:
        return len(self._ordinals)

    def newest_period(self, on_or_before: date | None = None) -> date | None:
        """The start of the newest stored period (starting on or before the given date)."""
        if not len(self._ordinals):
            return None
        if on_or_before is None:
            return date.fromordinal(int(self._ordinals[-1]))
        index = int(np.searchsorted(self._ordinals, on_or_before.toordinal(), side="right")) - 1
        return date.fromordinal(int(self._ordinals[index])) if index >= 0 else None

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
                combine = np.fmin if agg == "min" else np.fmax
                source = self._minimum if agg == "min" else self._maximum
                if self._sparse is None:
                    self._sparse = _sparse_table(combine, source)
                values = _range_reduce(combine, source, lo, hi, self._sparse)
            else:  # pragma: no cover - every additive agg is listed above
                raise ValueError(agg)
        # Nothing happened in the window: a sum or count of nothing is zero.
        nothing = 0.0 if len(self._ordinals) and agg in ("sum", "count") else np.nan
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
                days = (self._ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")
                months = days.astype("datetime64[M]")
                first_of_next = (months + 1).astype("datetime64[D]").astype(np.int64)
                self._ends = first_of_next - 1 + _EPOCH_ORDINAL
            else:
                self._ends = self._ordinals.copy()
        return self._ends


class Trajectory(Sequence[tuple[date, float]]):
    """A key result's measured values by date: a sequence of (date, float) points, oldest
    first, every value finite. Held as numpy columns (`ordinals`, proleptic day numbers, and
    `values`), so judging never builds a date object; points are made when read."""

    __slots__ = ("ordinals", "values")

    def __init__(self, ordinals: np.ndarray, values: np.ndarray):
        self.ordinals = np.asarray(ordinals, dtype=np.int64)
        self.values = np.asarray(values, dtype="float64")

    @classmethod
    def of(cls, points: Sequence[tuple[date, float]]) -> Trajectory:
        """`points` as a trajectory: sorted by date, points without a finite value left out."""
        if isinstance(points, Trajectory):
            return points
        pairs = sorted(
            (day.toordinal(), float(value))
            for day, value in points
            if value is not None and math.isfinite(value)
        )
        return cls(
            np.array([o for o, _ in pairs], dtype=np.int64),
            np.array([v for _, v in pairs], dtype="float64"),
        )

    def between(self, first: date, last: date) -> Trajectory:
        """The points dated from `first` to `last`, both included."""
        lo = int(np.searchsorted(self.ordinals, first.toordinal(), side="left"))
        hi = int(np.searchsorted(self.ordinals, last.toordinal(), side="right"))
        if lo == 0 and hi == len(self.ordinals):
            return self
        return Trajectory(self.ordinals[lo:hi], self.values[lo:hi])

    def __len__(self) -> int:
        return len(self.ordinals)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Trajectory(self.ordinals[index], self.values[index])
        return (date.fromordinal(int(self.ordinals[index])), float(self.values[index]))

    def __iter__(self) -> Iterator[tuple[date, float]]:
        for ordinal, value in zip(self.ordinals.tolist(), self.values.tolist(), strict=True):
            yield (date.fromordinal(ordinal), value)

    def __eq__(self, other) -> bool:
        if isinstance(other, Trajectory):
            return np.array_equal(self.ordinals, other.ordinals) and np.array_equal(
                self.values, other.values
            )
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Trajectory({list(self)!r})"


def kr_trajectory(kr: KeyResult, series: MetricSeries, as_of: date) -> Trajectory:
    """The KR's measured value at the end of each stored period in its window, up to as_of.

    Each point is dated at its period's last day (or as_of / the KR's end, if earlier).
    """
    last_day = min(as_of, kr.end).toordinal()
    if last_day < kr.start.toordinal() or not len(series):
        return Trajectory(np.empty(0, dtype=np.int64), np.empty(0))
    ends = series.period_ends()
    inside = (ends >= kr.start.toordinal()) & (series._ordinals <= last_day)
    days = np.minimum(ends[inside], last_day)
    values = series.measure_array(kr.measure, kr.start, days)
    known = np.isfinite(values)
    return Trajectory(days[known], values[known])


def _floats(parts: pd.DataFrame, column: str) -> np.ndarray:
    if not len(parts) or column not in parts:
        return np.full(len(parts), np.nan)
    values = parts[column]
    if values.dtype.kind in "fiu":
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_COLUMNS = ("value", "n", "total", "num", "den", "minimum", "maximum")


def _range_reduce(
    combine, values: np.ndarray, lo: np.ndarray, hi: np.ndarray, levels: list | None = None
) -> np.ndarray:
    """combine (np.fmin or np.fmax, which skip NaN) over values[lo:hi] for each pair at once.

    A sparse table: level k holds the combination of every run of 2**k values, so any range
    is the combination of two overlapping runs. NaN where a range is empty or all NaN.
    `levels` is the table from `_sparse_table(combine, values)` when the caller keeps one.
    """
    result = np.full(len(lo), np.nan)
    lengths = hi - lo
    if not len(values) or not np.any(lengths > 0):
        return result
    if levels is None:
        levels = _sparse_table(combine, values)
    level_of = np.zeros(len(lo), dtype=np.int64)
    nonempty = lengths > 0
    level_of[nonempty] = np.floor(np.log2(lengths[nonempty])).astype(np.int64)
    for level in np.unique(level_of[nonempty]):
        chosen = nonempty & (level_of == level)
        table = levels[level]
        result[chosen] = combine(table[lo[chosen]], table[hi[chosen] - 2**level])
    return result


def _sparse_table(combine, values: np.ndarray) -> list[np.ndarray]:
    levels = [values]
    while 2 ** len(levels) <= len(values):
        step = 2 ** (len(levels) - 1)
        previous = levels[-1]
        levels.append(combine(previous[:-step], previous[step:]))
    return levels


def _none_if_nan(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value
