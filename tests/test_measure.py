"""How a key result reads its metric: latest, trailing and to_date windows, rebuilt exactly."""

from datetime import date, timedelta

import pandas as pd
import pytest

from okr.measure import MetricSeries, kr_trajectory
from okr.model import KeyResult, Measure, Metric
from okr.store import additive_value


def parts(rows):
    """rows: (period, n, total, num, den, minimum, maximum)."""
    frame = pd.DataFrame(rows, columns=["period", "n", "total", "num", "den", "minimum", "maximum"])
    return frame


def series(agg, rows, grain="day"):
    metric = Metric(id="m", source="s", agg=agg, grain=grain, table="t", time="t", value="v")
    frame = parts(rows)
    if metric.additive:
        frame["value"] = additive_value(agg, frame)
    return MetricSeries(metric, frame)


D = date(2026, 7, 1)
# Day 0: 2 rows summing 100 (avg 50); day 1: 8 rows summing 640 (avg 80); day 3: 1 row of 20.
AVG_ROWS = [
    (D, 2, 100.0, None, None, 40.0, 60.0),
    (D + timedelta(1), 8, 640.0, None, None, 70.0, 90.0),
    (D + timedelta(3), 1, 20.0, None, None, 20.0, 20.0),
]


def test_an_average_over_a_window_is_sum_over_count_not_an_average_of_averages():
    # (100 + 640) / (2 + 8) = 74, whereas the mean of the daily means would be 65.
    assert series("avg", AVG_ROWS).window(D, D + timedelta(1)) == pytest.approx(74.0)


def test_a_window_spanning_a_gap_takes_the_periods_inside_it():
    # (100 + 640 + 20) / 11 = 69.0909...
    assert series("avg", AVG_ROWS).window(D, D + timedelta(5)) == pytest.approx(760 / 11)


def test_a_ratio_over_a_window_is_the_sum_of_numerators_over_the_sum_of_denominators():
    rows = [
        (D, 10, None, 1.0, 10.0, None, None),
        (D + timedelta(1), 90, None, 45.0, 90.0, None, None),
    ]
    # 46 / 100, not the mean of 0.1 and 0.5
    assert series("ratio", rows).window(D, D + timedelta(1)) == pytest.approx(0.46)


@pytest.mark.parametrize(
    ("agg", "expected"),
    [("sum", 760.0), ("count", 11.0), ("min", 20.0), ("max", 90.0)],
)
def test_additive_aggregations_over_a_window(agg, expected):
    assert series(agg, AVG_ROWS).window(D, D + timedelta(10)) == pytest.approx(expected)


def test_latest_reads_the_newest_period_starting_on_or_before_the_day():
    s = series("avg", AVG_ROWS)
    assert s.latest(D + timedelta(2)) == pytest.approx(80.0)  # day 2 has no row: day 1 holds
    assert s.latest(D + timedelta(3)) == pytest.approx(20.0)
    assert s.latest(D - timedelta(1)) is None


def test_trailing_window_covers_the_n_days_ending_on_the_day():
    s = series("avg", AVG_ROWS)
    # trailing 2d at day 3 covers days 2 and 3: only day 3's row -> 20
    assert s.measure_at(Measure("trailing", 2), D, D + timedelta(3)) == pytest.approx(20.0)
    # trailing 3d at day 3 covers days 1..3: (640 + 20) / 9
    assert s.measure_at(Measure("trailing", 3), D, D + timedelta(3)) == pytest.approx(660 / 9)


def test_to_date_sums_from_the_kr_start():
    s = series("sum", AVG_ROWS)
    assert s.measure_at(Measure("to_date"), D + timedelta(1), D + timedelta(3)) == pytest.approx(
        660.0
    )


def test_an_empty_window_of_a_sum_is_zero_but_of_an_average_is_unknown():
    assert series("sum", AVG_ROWS).window(D + timedelta(20), D + timedelta(30)) == 0.0
    assert series("avg", AVG_ROWS).window(D + timedelta(20), D + timedelta(30)) is None


def test_a_metric_without_data_measures_nothing():
    s = series("sum", [])
    assert s.window(D, D + timedelta(5)) is None
    assert s.latest(D) is None
    assert s.newest_period() is None


def test_non_additive_metrics_refuse_windows_of_several_periods():
    metric = Metric(id="u", source="s", agg="count_distinct", table="t", time="t", value="user")
    frame = pd.DataFrame({"period": [D, D + timedelta(1)], "value": [3.0, 4.0]})
    s = MetricSeries(metric, frame)
    assert s.latest(D + timedelta(1)) == 4.0
    with pytest.raises(ValueError, match="cannot be re-aggregated"):
        s.window(D, D + timedelta(1))


def test_the_trajectory_dates_each_point_at_its_period_end_and_stops_at_as_of():
    weekly = [
        (date(2026, 6, 29), 1, 10.0, None, None, 10.0, 10.0),  # week starting before the KR
        (date(2026, 7, 6), 1, 20.0, None, None, 20.0, 20.0),
        (date(2026, 7, 13), 1, 30.0, None, None, 30.0, 30.0),
    ]
    s = series("sum", weekly, grain="week")
    kr = KeyResult(
        id="k",
        title="t",
        metric="m",
        objective="o",
        start=D,
        end=date(2026, 9, 30),
        target=100.0,
        baseline=0.0,
        measure=Measure("to_date"),
    )
    points = kr_trajectory(kr, s, as_of=date(2026, 7, 15))
    # Week of Jun 29 ends Jul 5; its start is before the KR start, so to_date counts nothing
    # of it (periods are counted by their start). Jul 6 week ends Jul 12: 20. Jul 13 week is
    # cut at as_of (Jul 15): 20 + 30.
    assert points == [(date(2026, 7, 5), 0.0), (date(2026, 7, 12), 20.0), (date(2026, 7, 15), 50.0)]


def test_min_and_max_over_many_windows_match_a_direct_reduction():
    import numpy as np

    from okr.measure import _range_reduce

    rng = np.random.default_rng(7)
    values = rng.normal(size=300)
    values[rng.choice(300, 40, replace=False)] = np.nan  # periods without a value
    values[100:120] = np.nan  # a window of nothing but gaps
    lo = rng.integers(0, 300, 500)
    hi = np.minimum(lo + rng.integers(0, 60, 500), 300)
    lo[:3], hi[:3] = [100, 5, 7], [120, 5, 8]  # all-NaN, empty, single period
    for combine, reduce in ((np.fmin, np.nanmin), (np.fmax, np.nanmax)):
        got = _range_reduce(combine, values, lo, hi)
        for i, h, value in zip(lo, hi, got, strict=True):
            window = values[i:h]
            if window.size == 0 or np.all(np.isnan(window)):
                assert np.isnan(value)
            else:
                assert value == reduce(window)


def test_a_series_from_numpy_columns_measures_as_one_from_a_frame():
    import numpy as np

    from okr.measure import MetricSeries

    frame_series = series("avg", AVG_ROWS)
    columns = {
        "ordinal": np.array([row[0].toordinal() for row in AVG_ROWS]),
        "n": np.array([2.0, 8.0, 1.0]),
        "total": np.array([100.0, 640.0, 20.0]),
        "value": np.array([50.0, 80.0, 20.0]),
    }
    column_series = MetricSeries.from_columns(frame_series.metric, columns)
    assert len(column_series) == 3
    assert column_series.periods == [D, D + timedelta(1), D + timedelta(3)]
    assert column_series.newest_period(on_or_before=D + timedelta(2)) == D + timedelta(1)
    assert column_series.window(D, D + timedelta(5)) == pytest.approx(760 / 11)
    assert column_series.latest(D + timedelta(2)) == pytest.approx(80.0)
    # Columns it was not given (num, den, minimum, maximum) are unknown, not zero.
    assert column_series.period_values() == frame_series.period_values()


def test_month_periods_end_on_their_last_day():
    s = series("sum", [(date(2026, 1, 1), 1, 5.0, None, None, 5.0, 5.0)], grain="month")
    s2 = series("sum", [(date(2024, 2, 1), 1, 5.0, None, None, 5.0, 5.0)], grain="month")
    assert s.period_ends().tolist() == [date(2026, 1, 31).toordinal()]
    assert s2.period_ends().tolist() == [date(2024, 2, 29).toordinal()]  # a leap year


def test_a_trajectory_is_a_sorted_sequence_of_finite_dated_points():
    from okr.measure import Trajectory

    points = Trajectory.of(
        [(D + timedelta(2), 3.0), (D, 1.0), (D + timedelta(1), float("nan")), (D + timedelta(5), 6)]
    )
    assert list(points) == [(D, 1.0), (D + timedelta(2), 3.0), (D + timedelta(5), 6.0)]
    assert len(points) == 3
    assert points[-1] == (D + timedelta(5), 6.0)
    assert points == [(D, 1.0), (D + timedelta(2), 3.0), (D + timedelta(5), 6.0)]
    assert points != [(D, 1.0)]
    assert list(points.between(D + timedelta(1), D + timedelta(5))) == [
        (D + timedelta(2), 3.0),
        (D + timedelta(5), 6.0),
    ]
    assert not points.between(D + timedelta(6), D + timedelta(9))
    assert list(points[:1]) == [(D, 1.0)]
    assert Trajectory.of(points) is points
