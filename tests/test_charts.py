"""The trajectory chart, sparkline and progress bar, checked against hand-computed geometry.

The KR runs over 100 days from Jan 1, 2026 (day 100 = Apr 11) from 50 to 150 (span 100),
with the default tolerances at_risk 0.10 and off_track 0.25, judged at day 40 where the pace
says 50 + 100 · 0.4 = 90.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from okr.model import KeyResult, Metric
from okr.status import evaluate_kr
from tests import builders
from tests.builders import END, START, day
from ui.charts import (
    band_edge,
    pace_knots,
    pace_share,
    progress_bar_html,
    sparkline_svg,
    trajectory_figure,
)

METRIC = Metric(id="csat", source="s", agg="avg", label="CSAT", unit="points")
# On pace: 50 + d at days 10..40, so the forecast is exactly 150 with the 5-point spread
# floor: the 80% range is 150 ± 1.2815516 · 5 = 143.592242 … 156.407758.
ON_PACE = [(START + timedelta(days=d), 50.0 + d) for d in (10, 20, 30, 40)]


def make_kr(**fields) -> KeyResult:
    return builders.make_kr(**{"title": "Lift CSAT", "metric": "csat", **fields})


def figure_for(kr, as_of, current, points, baseline=50.0):
    status = evaluate_kr(
        kr,
        day(as_of),
        baseline=baseline,
        current=current,
        points=points,
        data_as_of=points[-1][0] if points else None,
        stale=False,
    )
    return trajectory_figure(kr, METRIC, status, points, day(as_of)), status


def trace(figure, name):
    found = [t for t in figure.data if t.name == name]
    assert found, f"no trace named {name!r} in {[t.name for t in figure.data]}"
    return found[0]


def names(figure) -> set[str]:
    return {t.name for t in figure.data}


def test_the_pace_line_runs_from_baseline_at_start_to_target_at_end():
    figure, _ = figure_for(make_kr(), 40, 90.0, ON_PACE)
    pace = trace(figure, "Pace")
    assert list(pace.x) == [START, END]
    assert list(pace.y) == [50.0, 150.0]


def test_the_pace_line_passes_through_every_checkpoint():
    kr = make_kr(checkpoints=((day(50), 120.0),))
    figure, _ = figure_for(kr, 40, 100.0, ON_PACE)
    pace = trace(figure, "Pace")
    assert list(pace.x) == [START, day(50), END]
    assert list(pace.y) == [50.0, 120.0, 150.0]


def test_the_at_risk_zone_lies_between_the_two_tolerances_behind_pace():
    figure, _ = figure_for(make_kr(), 40, 90.0, ON_PACE)
    zone = trace(figure, "At risk zone")
    # inner edge: pace − 0.10 · 100 = 40 … 140; outer edge: pace − 0.25 · 100 = 25 … 125
    assert list(zone.x) == [START, END, END, START, START]
    assert list(zone.y) == pytest.approx([40.0, 140.0, 125.0, 25.0, 40.0])
    assert zone.fill == "toself"


def test_the_off_track_zone_runs_from_its_edge_to_the_bottom_of_the_chart():
    figure, _ = figure_for(make_kr(), 40, 90.0, ON_PACE)
    zone = trace(figure, "Off track zone")
    bottom = figure.layout.yaxis.range[0]
    assert list(zone.y) == pytest.approx([25.0, 125.0, bottom, bottom, 25.0])
    assert bottom < 25.0


def test_the_zones_of_a_decreasing_kr_lie_above_its_pace():
    # 200 -> 100: behind is above; edges 200 + 10 … 100 + 10 and 200 + 25 … 100 + 25
    kr = make_kr(baseline=200.0, target=100.0)
    figure, _ = figure_for(kr, 40, 160.0, [(day(40), 160.0)], baseline=200.0)
    assert list(trace(figure, "At risk zone").y) == pytest.approx([210, 110, 125, 225, 210])
    top = figure.layout.yaxis.range[1]
    assert list(trace(figure, "Off track zone").y) == pytest.approx([225, 125, top, top, 225])
    assert top > 225


def test_band_edges_follow_checkpoints():
    kr = make_kr(checkpoints=((day(50), 120.0),))
    assert band_edge(kr, 50.0, 0.10) == [(START, 40.0), (day(50), 110.0), (END, 140.0)]


def test_the_forecast_runs_from_the_last_point_to_end_inside_its_cone():
    figure, status = figure_for(make_kr(), 40, 90.0, ON_PACE)
    assert status.forecast.value == pytest.approx(150.0)
    forecast = trace(figure, "Forecast")
    assert list(forecast.x) == [day(40), END]
    assert list(forecast.y) == pytest.approx([90.0, 150.0])
    cone = trace(figure, "Forecast range (80%)")
    assert list(cone.x) == [day(40), END, END, day(40)]
    assert list(cone.y) == pytest.approx([90.0, 156.407758, 143.592242, 90.0])


def test_a_finished_kr_has_no_forecast_to_draw():
    points = [*ON_PACE, (END, 150.0)]
    figure, _ = figure_for(make_kr(), 120, 150.0, points)
    assert "Forecast" not in names(figure)
    assert "Forecast range (80%)" not in names(figure)


def test_today_is_marked_across_the_whole_height_of_the_chart():
    figure, _ = figure_for(make_kr(), 40, 90.0, ON_PACE)
    today = trace(figure, "Today")
    assert list(today.x) == [day(40), day(40)]
    assert list(today.y) == list(figure.layout.yaxis.range)
    assert any(a.text == "Today" for a in figure.layout.annotations)


def test_the_target_and_the_actual_values_are_drawn():
    figure, _ = figure_for(make_kr(), 40, 90.0, ON_PACE)
    assert list(trace(figure, "Target").y) == [150.0, 150.0]
    actual = trace(figure, "Actual")
    assert list(actual.x) == [d for d, _ in ON_PACE]
    assert list(actual.y) == [60.0, 70.0, 80.0, 90.0]
    assert list(actual.text) == ["60 points", "70 points", "80 points", "90 points"]


def test_a_kr_without_data_still_shows_its_pace_and_zones_but_no_forecast():
    figure, _ = figure_for(make_kr(), 40, None, [])
    assert {"Pace", "At risk zone", "Off track zone", "Target", "Today"} <= names(figure)
    assert "Actual" not in names(figure)
    assert "Forecast" not in names(figure)


def test_a_level_kr_shades_the_side_that_breaks_its_level():
    kr = make_kr(level=">=", target=99.5, baseline=None)
    points = [(day(1), 99.6), (day(2), 99.7)]
    figure, _ = figure_for(kr, 2, 99.7, points, baseline=None)
    assert "Pace" not in names(figure)
    assert "At risk zone" not in names(figure)
    bottom = figure.layout.yaxis.range[0]
    assert list(trace(figure, "Off track zone").y) == pytest.approx(
        [99.5, 99.5, bottom, bottom, 99.5]
    )


def test_pace_knots_of_a_kr_without_baseline_are_empty():
    assert pace_knots(make_kr(baseline="auto"), None) == []


def test_pace_share_is_where_progress_should_be_now():
    _, status = figure_for(make_kr(), 40, 90.0, ON_PACE)
    assert pace_share(status) == pytest.approx(0.4)  # (90 − 50) / 100
    kr = make_kr(checkpoints=((day(50), 120.0),))
    _, status = figure_for(kr, 40, 90.0, ON_PACE)
    # expected at day 40: 50 + (120 − 50) · 40 / 50 = 106 -> (106 − 50) / 100
    assert pace_share(status) == pytest.approx(0.56)


def test_a_level_kr_has_no_pace_share():
    kr = make_kr(level=">=", target=99.5, baseline=None)
    _, status = figure_for(kr, 2, 99.7, [(day(1), 99.6), (day(2), 99.7)], baseline=None)
    assert pace_share(status) is None


def test_a_sparkline_scales_its_points_into_the_box():
    # width 120, height 28, margin 3: x = 3 + 114 · d / 2, y = 25 − 22 · (v − 10) / 10
    points = [(day(0), 10.0), (day(1), 20.0), (day(2), 15.0)]
    svg = sparkline_svg(points, "on_track", width=120, height=28, label="CSAT")
    assert 'points="3.0,25.0 60.0,3.0 117.0,14.0"' in svg
    assert 'cx="117.0" cy="14.0"' in svg
    assert 'stroke="#0072B2"' in svg  # the on_track colour
    assert 'aria-label="CSAT"' in svg


def test_a_sparkline_needs_two_points():
    assert "<svg" not in sparkline_svg([(day(0), 10.0)], "on_track")
    assert "–" in sparkline_svg([], "no_data")


def test_a_progress_bar_fills_to_progress_and_marks_the_pace():
    bar = progress_bar_html(0.29, 0.49, "at_risk")
    assert "width:29.0%;background:#E69F00" in bar
    assert "left:calc(49.0% - 1px)" in bar
    assert ">29%<" in bar


def test_a_progress_bar_is_clamped_but_its_number_is_not():
    bar = progress_bar_html(1.2, None, "achieved")
    assert "width:100.0%" in bar
    assert ">120%<" in bar
    assert "okr-pace" not in bar
    empty = progress_bar_html(None, None, "no_data")
    assert "width:0.0%" in empty
    assert ">–<" in empty
