"""The forecast of a key result: where its own trend since start puts it at end, and the
probability that it reaches its target. Pure functions of (KR, baseline, series, date).

How a KR is forecast
--------------------
1. **The series.** The KR's measured values from its start up to the date of judgement
   (never past its end). When no value is measured on the start date and the baseline is
   known, the point (start, baseline) is added: the baseline *is* the value at start.
2. **The line.** An ordinary least-squares line through those points, value against days
   since start. The forecast is that line at the end date; `slope_per_day` is its slope.
3. **The spread.** With three or more points, the standard error of a prediction at end,
   `s·√(1 + 1/n + (x_end − x̄)² / Σ(x − x̄)²)` with `s² = Σ residual² / (n − 2)`, grows with
   the scatter of the points around the line and with the distance left to end. It is never
   taken below 5% of the KR's span |target − baseline|: an exactly straight series would
   otherwise claim certainty about a future value. With only one or two points the line
   says nothing about its own error, so the spread is a quarter of the span (the default
   off-track tolerance). A KR without a known baseline uses the largest distance between
   a measured value and the target as its span.
4. **The interval and the probability.** The value at end is taken as normal around the
   forecast with that spread: `low`…`high` is its central 80% interval (±1.2816 spreads),
   and `p_hit` is the probability that it reaches the target: at or above it for a KR that
   increases (or must hold `>=` a level), at or below it for one that decreases (or must
   hold `<=`). It is unknown when the direction is (no baseline and no level).
5. **Edge cases.** No measured value: no forecast. One value and no baseline: a flat line
   through it. A finished KR (judged on or after its end): the forecast is its last measured
   value, with no spread, and `p_hit` is 1.0 if that value reached the target, else 0.0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from okr.measure import Trajectory
from okr.model import KeyResult

# The spread never goes below this share of the KR's span (see the module docstring).
SPREAD_FLOOR_SHARE = 0.05
# The spread of a line through one or two points, as a share of the span.
FEW_POINTS_SHARE = 0.25
# z of the 90th percentile of the standard normal: ±Z_80 spreads hold 80% of the mass.
Z_80 = 1.2815515655446004
# Comparisons to a target or a level forgive float noise of this size (relative to it).
EPSILON = 1e-9


@dataclass(frozen=True)
class Forecast:
    """A KR's projected value at its end date, with an ~80% interval and `p_hit`.

    Every number is None when there was nothing to project from; `p_hit` is also None when
    the KR's direction is unknown. `end` is the date the projection is for.
    """

    value: float | None
    low: float | None
    high: float | None
    p_hit: float | None
    slope_per_day: float | None
    end: date | None = None

    def at(self, day: date) -> float | None:
        """The projected line at `day` (for charts); flat when there is no slope."""
        if self.value is None:
            return None
        if self.slope_per_day is None or self.end is None:
            return self.value
        return self.value + self.slope_per_day * (day - self.end).days


def points_in_window(
    kr: KeyResult, points: Sequence[tuple[date, float]], as_of: date
) -> Trajectory:
    """The finite values of `points` dated from kr.start to min(as_of, kr.end), by date."""
    return Trajectory.of(points).between(kr.start, min(as_of, kr.end))


def reaches_target(kr: KeyResult, baseline: float | None, value: float) -> bool | None:
    """Whether `value` reaches the KR's target (or holds its level); None if unknowable.

    Increasing KRs reach it at or above, decreasing ones at or below; the direction comes
    from the level when there is one, else from baseline → target.
    """
    higher_is_success = _higher_is_success(kr, baseline)
    if higher_is_success is None:
        return None
    slack = EPSILON * max(1.0, abs(kr.target))
    if higher_is_success:
        return value >= kr.target - slack
    return value <= kr.target + slack


def forecast_kr(
    kr: KeyResult,
    baseline: float | None,
    points: Sequence[tuple[date, float]],
    as_of: date,
) -> Forecast:
    """The KR's forecast at kr.end from its measured `points` up to `as_of`.

    `baseline` is the resolved baseline (None when unknown); `points` are (date, value)
    pairs. See the module docstring for the method.
    """
    series = points_in_window(kr, points, as_of)
    if not series:
        return Forecast(None, None, None, None, None, end=kr.end)
    if as_of >= kr.end:
        return _finished(kr, baseline, float(series.values[-1]))

    start = kr.start.toordinal()
    days = (series.ordinals - start).astype(float)
    values = series.values
    if baseline is not None and series.ordinals[0] != start:
        days = np.concatenate([[0.0], days])
        values = np.concatenate([[float(baseline)], values])
    end_day = float(kr.end.toordinal() - start)

    span = _span(kr, baseline, values)
    if len(days) == 1 or np.ptp(days) == 0:
        slope, value = 0.0, float(values.mean())
        spread = FEW_POINTS_SHARE * span
    else:
        slope, intercept = _least_squares(days, values)
        value = intercept + slope * end_day
        if len(days) == 2:
            spread = FEW_POINTS_SHARE * span
        else:
            error = _prediction_error(days, values, slope, intercept, end_day)
            spread = max(error, SPREAD_FLOOR_SHARE * span)

    return Forecast(
        value=value,
        low=value - Z_80 * spread,
        high=value + Z_80 * spread,
        p_hit=_p_hit(kr, baseline, value, spread),
        slope_per_day=slope,
        end=kr.end,
    )


def _finished(kr: KeyResult, baseline: float | None, last_value: float) -> Forecast:
    reached = reaches_target(kr, baseline, last_value)
    return Forecast(
        value=last_value,
        low=last_value,
        high=last_value,
        p_hit=None if reached is None else float(reached),
        slope_per_day=None,
        end=kr.end,
    )


def _higher_is_success(kr: KeyResult, baseline: float | None) -> bool | None:
    if kr.level is not None:
        return kr.level == ">="
    if baseline is None or baseline == kr.target:
        return None
    return kr.target > baseline


def _span(kr: KeyResult, baseline: float | None, values: np.ndarray) -> float:
    """The scale the spread is measured in: |target − baseline|, else the widest miss."""
    if baseline is not None and baseline != kr.target:
        return abs(kr.target - baseline)
    # Zero when every value sits exactly on the target: the spread then comes from the
    # residuals alone, and with none the probability is a plain comparison.
    return float(np.max(np.abs(values - kr.target)))


def _least_squares(days: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    mean_day, mean_value = days.mean(), values.mean()
    centred = days - mean_day
    slope = float(np.dot(centred, values - mean_value) / np.dot(centred, centred))
    return slope, float(mean_value - slope * mean_day)


def _prediction_error(
    days: np.ndarray, values: np.ndarray, slope: float, intercept: float, end_day: float
) -> float:
    """The standard error of a new value at `end_day` predicted by the fitted line."""
    n = len(days)
    residuals = values - (intercept + slope * days)
    variance = float(np.dot(residuals, residuals)) / (n - 2)
    centred = days - days.mean()
    leverage = 1.0 + 1.0 / n + (end_day - days.mean()) ** 2 / float(np.dot(centred, centred))
    return math.sqrt(variance * leverage)


def _p_hit(kr: KeyResult, baseline: float | None, value: float, spread: float) -> float | None:
    higher_is_success = _higher_is_success(kr, baseline)
    if higher_is_success is None:
        return None
    if spread <= 0:
        return float(reaches_target(kr, baseline, value))
    z = (kr.target - value) / spread
    below = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return min(1.0, max(0.0, 1.0 - below if higher_is_success else below))
