"""The forecast of a key result, checked against hand-computed lines and intervals."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from okr.forecast import Z_80, Forecast, forecast_kr
from tests.builders import END, day, make_kr


def line(intercept: float, slope: float, days) -> list[tuple[date, float]]:
    return [(day(d), intercept + slope * d) for d in days]


# An exact line has no residuals: the spread is the floor, 5% of |T - b| = 5,
# so the interval is value ± 1.2816 * 5 = value ± 6.408.
@pytest.mark.parametrize(
    ("baseline", "target", "slope", "value", "p_hit_low", "p_hit_high"),
    [
        # 50 + 1.2 * 100 = 170; z = (150 - 170) / 5 = -4; P(V >= 150) = 0.99997
        (50.0, 150.0, 1.2, 170.0, 0.9999, 1.0),
        # 50 + 0.5 * 100 = 100; z = (150 - 100) / 5 = 10; P(V >= 150) ~ 1e-23
        (50.0, 150.0, 0.5, 100.0, 0.0, 1e-9),
        # decreasing: 200 - 1.2 * 100 = 80; z = (100 - 80) / 5 = 4; P(V <= 100) = 0.99997
        (200.0, 100.0, -1.2, 80.0, 0.9999, 1.0),
        # decreasing: 200 - 0.5 * 100 = 150; z = (100 - 150) / 5 = -10; P(V <= 100) ~ 1e-23
        (200.0, 100.0, -0.5, 150.0, 0.0, 1e-9),
        # lands exactly on the target: z = 0, an even chance
        (50.0, 150.0, 1.0, 150.0, 0.5 - 1e-9, 0.5 + 1e-9),
    ],
)
def test_an_exactly_linear_series_is_projected_along_its_own_line(
    baseline, target, slope, value, p_hit_low, p_hit_high
):
    kr = make_kr(baseline=baseline, target=target)
    points = line(baseline, slope, range(0, 41, 10))

    forecast = forecast_kr(kr, baseline, points, day(40))

    assert forecast.value == pytest.approx(value)
    assert forecast.slope_per_day == pytest.approx(slope)
    assert forecast.low == pytest.approx(value - 6.4078, abs=1e-3)
    assert forecast.high == pytest.approx(value + 6.4078, abs=1e-3)
    assert p_hit_low <= forecast.p_hit <= p_hit_high


def test_the_interval_and_p_hit_follow_the_prediction_error_of_the_fit():
    # Window of 10 days, baseline 0, target 10; values 0, 2, 1, 3 on days 0..3.
    # x̄ = 1.5, ȳ = 1.5, Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5,
    # Sxy = 2.25 - 0.25 - 0.25 + 2.25 = 4  ->  slope 0.8, intercept 1.5 - 1.2 = 0.3.
    # At day 10: 0.3 + 8 = 8.3. Residuals -0.3, 0.9, -0.9, 0.3: SSR 1.8, s² = 1.8 / 2 = 0.9.
    # se = sqrt(0.9 * (1 + 1/4 + (10 - 1.5)² / 5)) = sqrt(0.9 * 15.7) = sqrt(14.13) = 3.7590
    # (above the floor 0.05 * 10 = 0.5). 80%: 8.3 ± 1.28155 * 3.7590 = 8.3 ± 4.8173.
    # p_hit = 1 - Φ((10 - 8.3) / 3.7590) = 1 - Φ(0.45225) = 0.32555.
    kr = make_kr(end=day(10), baseline=0.0, target=10.0)
    points = [(day(0), 0.0), (day(1), 2.0), (day(2), 1.0), (day(3), 3.0)]

    forecast = forecast_kr(kr, 0.0, points, day(3))

    assert forecast.slope_per_day == pytest.approx(0.8)
    assert forecast.value == pytest.approx(8.3)
    assert forecast.low == pytest.approx(8.3 - 4.8173, abs=1e-3)
    assert forecast.high == pytest.approx(8.3 + 4.8173, abs=1e-3)
    assert forecast.p_hit == pytest.approx(0.32555, abs=1e-4)


def test_the_baseline_anchors_the_line_when_nothing_is_measured_on_start():
    # (0, 50) added to (10, 62), (20, 74): slope 1.2, at day 100: 50 + 120 = 170.
    points = [(day(10), 62.0), (day(20), 74.0)]

    forecast = forecast_kr(make_kr(), 50.0, points, day(20))

    assert forecast.slope_per_day == pytest.approx(1.2)
    assert forecast.value == pytest.approx(170.0)


def test_the_baseline_is_not_added_when_a_value_is_measured_on_start():
    # (0, 40), (10, 52), (20, 64): slope 1.2 from 40, at day 100: 40 + 120 = 160.
    # With the baseline 50 added as well the line would not pass through these points.
    points = [(day(0), 40.0), (day(10), 52.0), (day(20), 64.0)]

    forecast = forecast_kr(make_kr(), 50.0, points, day(20))

    assert forecast.value == pytest.approx(160.0)
    assert forecast.slope_per_day == pytest.approx(1.2)


def test_one_point_and_the_baseline_give_the_line_through_both_with_a_quarter_span_spread():
    # (0, 50) and (20, 70): slope 1, at day 100: 150 = the target, so p_hit = 0.5.
    # Two points carry no residual: spread = 0.25 * |150 - 50| = 25; 80%: 150 ± 32.039.
    forecast = forecast_kr(make_kr(), 50.0, [(day(20), 70.0)], day(20))

    assert forecast.value == pytest.approx(150.0)
    assert forecast.slope_per_day == pytest.approx(1.0)
    assert forecast.low == pytest.approx(150.0 - 32.039, abs=1e-3)
    assert forecast.high == pytest.approx(150.0 + 32.039, abs=1e-3)
    assert forecast.p_hit == pytest.approx(0.5)


def test_one_point_without_a_baseline_gives_a_flat_line_and_an_unknown_p_hit():
    # No baseline: the direction is unknown, so p_hit is too. Span = |150 - 70| = 80,
    # spread = 0.25 * 80 = 20; 80%: 70 ± 25.631.
    forecast = forecast_kr(make_kr(baseline=None), None, [(day(20), 70.0)], day(20))

    assert forecast.value == pytest.approx(70.0)
    assert forecast.slope_per_day == 0.0
    assert forecast.low == pytest.approx(70.0 - 25.631, abs=1e-3)
    assert forecast.high == pytest.approx(70.0 + 25.631, abs=1e-3)
    assert forecast.p_hit is None


def test_one_point_of_a_level_kr_without_a_baseline_is_judged_against_the_level():
    # Level '>= 60', one value 70: flat at 70. Span = |70 - 60| = 10, spread 2.5,
    # z = (60 - 70) / 2.5 = -4: P(V >= 60) = 0.99997.
    kr = make_kr(baseline=None, target=60.0, level=">=")

    forecast = forecast_kr(kr, None, [(day(20), 70.0)], day(20))

    assert forecast.value == pytest.approx(70.0)
    assert forecast.p_hit == pytest.approx(0.99997, abs=1e-5)


def test_a_level_kr_exactly_on_its_level_every_day_holds_it_without_dividing_by_zero():
    # Every value is exactly the level and there is no baseline: the span and the
    # residuals are both zero, so the probability is the plain comparison 100 >= 100.
    kr = make_kr(baseline=None, target=100.0, level=">=")
    points = [(day(d), 100.0) for d in range(0, 31, 10)]

    forecast = forecast_kr(kr, None, points, day(30))

    assert forecast.value == pytest.approx(100.0)
    assert forecast.low == forecast.high == pytest.approx(100.0)
    assert forecast.p_hit == 1.0


def test_values_measured_on_one_day_only_give_a_flat_line_at_their_mean():
    # Two values on the start day: no slope can be fitted; flat at (40 + 60) / 2 = 50.
    points = [(day(0), 40.0), (day(0), 60.0)]

    forecast = forecast_kr(make_kr(), 50.0, points, day(0))

    assert forecast.value == pytest.approx(50.0)
    assert forecast.slope_per_day == 0.0
    assert forecast.p_hit < 0.01  # 50 vs 150 with spread 25: z = 4


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(day(60), 90.0)],  # measured after the judgement date only
        [(day(-5), 40.0)],  # measured before the start only
        [(day(10), math.nan)],  # nothing usable
    ],
)
def test_without_a_usable_value_there_is_no_forecast(points):
    forecast = forecast_kr(make_kr(), 50.0, points, day(40))

    assert (forecast.value, forecast.low, forecast.high) == (None, None, None)
    assert (forecast.p_hit, forecast.slope_per_day) == (None, None)
    assert forecast.at(day(50)) is None


@pytest.mark.parametrize(
    ("baseline", "target", "level", "last", "as_of", "p_hit"),
    [
        (50.0, 150.0, None, 140.0, 100, 0.0),  # increasing, judged on the end day: short
        (50.0, 150.0, None, 140.0, 130, 0.0),  # and after the end
        (50.0, 150.0, None, 150.0, 100, 1.0),  # exactly on target counts
        (50.0, 150.0, None, 155.0, 130, 1.0),
        (200.0, 100.0, None, 95.0, 130, 1.0),  # decreasing: 95 <= 100
        (200.0, 100.0, None, 105.0, 130, 0.0),
        (None, 2.0, "<=", 2.5, 130, 0.0),  # must hold <= 2
        (None, 2.0, "<=", 1.5, 130, 1.0),
        (None, 150.0, None, 155.0, 130, None),  # direction unknown without a baseline
    ],
)
def test_a_finished_kr_is_forecast_at_its_last_value(baseline, target, level, last, as_of, p_hit):
    kr = make_kr(baseline=baseline, target=target, level=level)
    points = [(day(50), 120.0), (day(90), last)]

    forecast = forecast_kr(kr, baseline, points, day(as_of))

    assert forecast.value == last
    assert forecast.low == forecast.high == last
    assert forecast.p_hit == p_hit
    assert forecast.slope_per_day is None


def test_values_after_the_judgement_date_are_ignored():
    on_pace = line(50.0, 1.0, range(0, 41, 10))
    later_jump = [(day(50), 500.0), (day(60), 900.0)]

    forecast = forecast_kr(make_kr(), 50.0, on_pace + later_jump, day(40))

    assert forecast.value == pytest.approx(150.0)  # 50 + 1.0 * 100


def test_the_projected_line_is_available_at_any_date_for_charts():
    forecast = forecast_kr(make_kr(), 50.0, line(50.0, 1.2, range(0, 41, 10)), day(40))

    assert forecast.at(day(50)) == pytest.approx(110.0)  # 50 + 1.2 * 50
    assert forecast.at(END) == pytest.approx(170.0)
    assert Forecast(value=7.0, low=7.0, high=7.0, p_hit=1.0, slope_per_day=None).at(END) == 7.0


def _noisy_forecasts(seeds: range):
    """Daily values on days 0..40 of the line 50 + d with N(0, 8²) noise; truth at end 150."""
    kr = make_kr()
    for seed in seeds:
        rng = np.random.default_rng(seed)
        days = np.arange(41)
        values = 50.0 + days + rng.normal(0.0, 8.0, size=days.size)
        points = [(day(int(d)), float(v)) for d, v in zip(days, values, strict=True)]
        observed_at_end = 150.0 + rng.normal(0.0, 8.0)
        yield forecast_kr(kr, 50.0, points, day(40)), observed_at_end


def test_noisy_data_gives_an_interval_that_contains_the_true_line():
    forecast, _ = next(_noisy_forecasts(range(1)))

    assert forecast.low < 150.0 < forecast.high
    assert forecast.low < forecast.value < forecast.high
    assert forecast.slope_per_day == pytest.approx(1.0, abs=0.3)


def test_noisy_data_intervals_hold_a_new_value_at_end_about_80_percent_of_the_time():
    # The interval is a normal 80% prediction interval: over 400 series its coverage of
    # the value observed at end should be 0.80 (binomial sd 0.02), and since the true line
    # ends exactly on the target, the mean p_hit should be about 0.5.
    results = list(_noisy_forecasts(range(400)))

    coverage = np.mean([f.low <= seen <= f.high for f, seen in results])
    mean_p_hit = np.mean([f.p_hit for f, _ in results])

    assert 0.74 <= coverage <= 0.86
    assert 0.42 <= mean_p_hit <= 0.58


def test_the_interval_is_80_percent_wide():
    # ±Z_80 standard deviations hold 80% of a normal distribution.
    inside = math.erf(Z_80 / math.sqrt(2.0))

    assert inside == pytest.approx(0.80, abs=1e-9)
