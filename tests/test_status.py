"""The status rules of SPEC §4, checked against tables of hand-computed cases.

Every KR here runs over a 100-day window, so day n is τ = n / 100. The increasing KR goes
from 50 to 150 (span +100), the decreasing one from 200 to 100 (span -100); tolerances are
the defaults, at_risk 0.10 and off_track 0.25.
"""

from __future__ import annotations

from datetime import date

import pytest

from okr.forecast import Forecast
from okr.model import KeyResult, Objective, Tolerance
from okr.status import (
    STATUSES,
    KRStatus,
    elapsed_share,
    evaluate_kr,
    expected_at,
    most_severe,
    rollup,
)
from tests import builders
from tests.builders import END, START, day


def make_kr(kr_id: str = "kr", **fields) -> KeyResult:
    return builders.make_kr(id=kr_id, **fields)


def evaluate(kr: KeyResult, as_of: int, current, baseline=50.0, points=()) -> KRStatus:
    return evaluate_kr(
        kr,
        day(as_of),
        baseline=baseline,
        current=current,
        points=list(points),
        data_as_of=day(min(as_of, 100)),
        stale=False,
    )


def line(intercept: float, slope: float, days) -> list[tuple[date, float]]:
    return [(day(d), intercept + slope * d) for d in days]


# --- elapsed share and pace -------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "tau"),
    [
        (-5, 0.0),  # before start: clamped
        (0, 0.0),
        (25, 0.25),  # 25 / 100
        (100, 1.0),
        (130, 1.0),  # after end: clamped
    ],
)
def test_elapsed_share_is_the_clamped_share_of_the_window_gone(as_of, tau):
    assert elapsed_share(make_kr(), day(as_of)) == pytest.approx(tau)


@pytest.mark.parametrize(
    ("baseline", "target", "as_of", "expected"),
    [
        (50.0, 150.0, 0, 50.0),  # τ = 0: the baseline
        (50.0, 150.0, 40, 90.0),  # 50 + 100 * 0.4
        (50.0, 150.0, 100, 150.0),  # τ = 1: the target
        (50.0, 150.0, -10, 50.0),  # clamped to start
        (50.0, 150.0, 120, 150.0),  # clamped to end
        (200.0, 100.0, 40, 160.0),  # 200 - 100 * 0.4
        (200.0, 100.0, 75, 125.0),  # 200 - 100 * 0.75
    ],
)
def test_expected_moves_linearly_from_baseline_to_target(baseline, target, as_of, expected):
    kr = make_kr(baseline=baseline, target=target)

    assert expected_at(kr, baseline, day(as_of)) == pytest.approx(expected)


ONE_CHECKPOINT = ((day(50), 60.0),)  # a slow start: only 60 by half-time
TWO_CHECKPOINTS = ((day(20), 70.0), (day(60), 90.0))


@pytest.mark.parametrize(
    ("checkpoints", "as_of", "expected"),
    [
        (ONE_CHECKPOINT, 25, 55.0),  # before it: 50 + (60 - 50) * 25/50
        (ONE_CHECKPOINT, 50, 60.0),  # on it
        (ONE_CHECKPOINT, 75, 105.0),  # after it: 60 + (150 - 60) * 25/50
        (ONE_CHECKPOINT, 100, 150.0),  # the end is still the target
        (ONE_CHECKPOINT, -3, 50.0),  # clamped to start
        (TWO_CHECKPOINTS, 10, 60.0),  # 50 + (70 - 50) * 10/20
        (TWO_CHECKPOINTS, 40, 80.0),  # 70 + (90 - 70) * 20/40
        (TWO_CHECKPOINTS, 60, 90.0),  # on the second
        (TWO_CHECKPOINTS, 80, 120.0),  # 90 + (150 - 90) * 20/40
    ],
)
def test_expected_passes_through_checkpoints(checkpoints, as_of, expected):
    kr = make_kr(checkpoints=checkpoints)

    assert expected_at(kr, 50.0, day(as_of)) == pytest.approx(expected)


def test_expected_of_a_level_kr_is_its_level_at_every_date():
    kr = make_kr(target=99.5, level=">=", baseline=None)

    assert [expected_at(kr, 0.0, day(n)) for n in (-5, 0, 50, 130)] == [99.5] * 4


# --- status of increasing and decreasing KRs ---------------------------------------------


@pytest.mark.parametrize(
    ("current", "progress", "gap", "grade", "status"),
    [
        # day 40: expected = 50 + 100 * 0.4 = 90
        (90.0, 0.4, 0.0, 0.4, "on_track"),  # p = 40/100, g = 0/100
        (95.0, 0.45, 0.05, 0.45, "on_track"),  # ahead of pace
        (80.0, 0.3, -0.10, 0.3, "on_track"),  # g = -10/100 = -at_risk exactly
        (79.9, 0.299, -0.101, 0.299, "at_risk"),  # g = -10.1/100 just below
        (65.0, 0.15, -0.25, 0.15, "at_risk"),  # g = -25/100 = -off_track exactly
        (64.9, 0.149, -0.251, 0.149, "off_track"),  # g = -25.1/100
        (40.0, -0.1, -0.5, 0.0, "off_track"),  # below baseline: p < 0, grade 0
        (150.0, 1.0, 0.6, 1.0, "achieved"),  # p = 100/100
        (160.0, 1.1, 0.7, 1.0, "achieved"),  # beyond target: grade clamps to 1
    ],
)
def test_an_increasing_kr_is_judged_by_its_gap_to_pace(current, progress, gap, grade, status):
    result = evaluate(make_kr(), 40, current)

    assert result.status == status
    assert result.expected == pytest.approx(90.0)
    assert result.progress == pytest.approx(progress)
    assert result.gap == pytest.approx(gap)
    assert result.grade == pytest.approx(grade)
    assert result.elapsed == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("current", "progress", "gap", "grade", "status"),
    [
        # b = 200, T = 100, span -100; day 40: expected = 200 - 100 * 0.4 = 160
        (160.0, 0.4, 0.0, 0.4, "on_track"),  # p = -40/-100, g = 0
        (150.0, 0.5, 0.1, 0.5, "on_track"),  # ahead: g = -10/-100
        (170.0, 0.3, -0.10, 0.3, "on_track"),  # g = 10/-100 = -at_risk exactly
        (170.1, 0.299, -0.101, 0.299, "at_risk"),  # g = 10.1/-100
        (185.0, 0.15, -0.25, 0.15, "at_risk"),  # g = 25/-100 = -off_track exactly
        (185.1, 0.149, -0.251, 0.149, "off_track"),
        (210.0, -0.1, -0.5, 0.0, "off_track"),  # worse than baseline: p = 10/-100
        (100.0, 1.0, 0.6, 1.0, "achieved"),  # p = -100/-100
        (90.0, 1.1, 0.7, 1.0, "achieved"),  # below the target is beyond it
    ],
)
def test_a_decreasing_kr_is_judged_by_its_gap_to_pace(current, progress, gap, grade, status):
    kr = make_kr(baseline=200.0, target=100.0)

    result = evaluate(kr, 40, current, baseline=200.0)

    assert result.status == status
    assert result.expected == pytest.approx(160.0)
    assert result.progress == pytest.approx(progress)
    assert result.gap == pytest.approx(gap)
    assert result.grade == pytest.approx(grade)


def test_tolerances_come_from_the_kr():
    # Tolerance at_risk 0.05, off_track 0.15; day 40, expected 90.
    kr = make_kr(tolerance=Tolerance(at_risk=0.05, off_track=0.15))

    assert evaluate(kr, 40, 85.0).status == "on_track"  # g = -0.05 exactly
    assert evaluate(kr, 40, 84.0).status == "at_risk"  # g = -0.06
    assert evaluate(kr, 40, 75.0).status == "at_risk"  # g = -0.15 exactly
    assert evaluate(kr, 40, 74.0).status == "off_track"  # g = -0.16


@pytest.mark.parametrize(
    ("as_of", "current", "status", "expected", "gap", "elapsed"),
    [
        (0, 50.0, "on_track", 50.0, 0.0, 0.0),  # the first day: at the baseline, on pace
        # the last day is still judged on pace, not yet missed: g = (140 - 150) / 100
        (100, 140.0, "on_track", 150.0, -0.1, 1.0),
        (100, 120.0, "off_track", 150.0, -0.3, 1.0),  # g = (120 - 150) / 100
        # after the end, the value measured at end decides: p = 90/100 < 1
        (101, 140.0, "missed", 150.0, -0.1, 1.0),
        (130, 140.0, "missed", 150.0, -0.1, 1.0),
        (130, 150.0, "achieved", 150.0, 0.0, 1.0),  # p = 1
        (130, 155.0, "achieved", 150.0, 0.05, 1.0),  # p = 1.05
    ],
)
def test_the_first_and_last_days_and_after_the_end(as_of, current, status, expected, gap, elapsed):
    result = evaluate(make_kr(), as_of, current)

    assert result.status == status
    assert result.expected == pytest.approx(expected)
    assert result.gap == pytest.approx(gap)
    assert result.elapsed == pytest.approx(elapsed)


def test_a_decreasing_kr_after_the_end_is_missed_when_short_of_its_target():
    kr = make_kr(baseline=200.0, target=100.0)

    missed = evaluate(kr, 110, 120.0, baseline=200.0)  # p = -80 / -100 = 0.8
    achieved = evaluate(kr, 110, 100.0, baseline=200.0)  # p = 1

    assert (missed.status, missed.grade) == ("missed", pytest.approx(0.8))
    assert (achieved.status, achieved.grade) == ("achieved", pytest.approx(1.0))


def test_before_start_a_kr_is_not_started_and_reports_no_progress():
    # A value measured before the window says nothing about the KR.
    result = evaluate(make_kr(), -1, 120.0)

    assert result.status == "not_started"
    assert (result.progress, result.gap, result.grade) == (None, None, None)
    assert result.expected == pytest.approx(50.0)  # pace is clamped to start
    assert result.elapsed == 0.0
    assert result.drifting is False


@pytest.mark.parametrize(
    ("current", "baseline"),
    [
        (None, 50.0),  # nothing measured
        (80.0, None),  # baseline `auto` could not be measured
        (None, None),
        (80.0, 150.0),  # baseline `auto` landed on the target: no span to measure in
    ],
)
def test_without_a_value_or_a_baseline_a_kr_has_no_data(current, baseline):
    result = evaluate(make_kr(), 40, current, baseline=baseline)

    assert result.status == "no_data"
    assert (result.progress, result.gap, result.grade) == (None, None, None)
    assert result.drifting is False


def test_not_started_comes_before_no_data():
    assert evaluate(make_kr(), -1, None, baseline=None).status == "not_started"


def test_achieved_comes_before_missed_after_the_end():
    assert evaluate(make_kr(), 120, 150.0).status == "achieved"


@pytest.mark.parametrize(
    ("checkpoints", "as_of", "current", "expected", "gap", "status"),
    [
        # with a checkpoint (day 50: 60), day 25 expects 55: g = (55 - 55)/100 = 0
        (ONE_CHECKPOINT, 25, 55.0, 55.0, 0.0, "on_track"),
        # without it, day 25 expects 75: g = (55 - 75)/100 = -0.2
        ((), 25, 55.0, 75.0, -0.2, "at_risk"),
        # on the checkpoint day: expects 60, g = (50 - 60)/100 = -0.1
        (ONE_CHECKPOINT, 50, 50.0, 60.0, -0.1, "on_track"),
        # after it, day 75 expects 105: g = (75 - 105)/100 = -0.3
        (ONE_CHECKPOINT, 75, 75.0, 105.0, -0.3, "off_track"),
        # between two checkpoints, day 40 expects 80: g = (65 - 80)/100 = -0.15
        (TWO_CHECKPOINTS, 40, 65.0, 80.0, -0.15, "at_risk"),
    ],
)
def test_checkpoints_set_the_pace(checkpoints, as_of, current, expected, gap, status):
    result = evaluate(make_kr(checkpoints=checkpoints), as_of, current)

    assert result.expected == pytest.approx(expected)
    assert result.gap == pytest.approx(gap)
    assert result.status == status


# --- KRs that must hold a level ----------------------------------------------------------

UPTIME = {"target": 99.5, "level": ">=", "baseline": None}
ERROR_RATE = {"target": 2.0, "level": "<=", "baseline": None}


@pytest.mark.parametrize(
    ("fields", "as_of", "current", "status"),
    [
        (UPTIME, 40, 99.7, "on_track"),  # 99.7 >= 99.5
        (UPTIME, 40, 99.5, "on_track"),  # exactly the level holds it
        (UPTIME, 40, 99.4, "off_track"),  # 99.4 < 99.5
        (UPTIME, 100, 99.4, "off_track"),  # the last day is still during the window
        (UPTIME, 101, 99.6, "achieved"),  # after end: held at end
        (UPTIME, 130, 99.2, "missed"),  # after end: not held at end
        (UPTIME, -1, 99.9, "not_started"),
        (UPTIME, 40, None, "no_data"),
        (ERROR_RATE, 40, 1.5, "on_track"),  # 1.5 <= 2
        (ERROR_RATE, 40, 2.0, "on_track"),  # exactly the level
        (ERROR_RATE, 40, 2.1, "off_track"),
        (ERROR_RATE, 130, 1.9, "achieved"),
        (ERROR_RATE, 130, 2.5, "missed"),
    ],
)
def test_a_level_kr_is_on_track_while_it_holds_the_level(fields, as_of, current, status):
    result = evaluate(make_kr(**fields), as_of, current, baseline=None)

    assert result.status == status
    assert result.gap is None
    assert result.expected == fields["target"]


@pytest.mark.parametrize(
    ("fields", "values", "grade"),
    [
        (UPTIME, [99.7, 99.4, 99.6, 99.5], 0.75),  # 99.4 fails: 3 of 4 held
        (UPTIME, [99.9, 99.8], 1.0),
        (UPTIME, [99.0, 99.1, 99.6], 1 / 3),
        (ERROR_RATE, [1.0, 2.5, 3.0, 2.0, 1.5], 0.6),  # 2.5 and 3.0 fail: 3 of 5
        (ERROR_RATE, [], None),  # no period yet
    ],
)
def test_a_level_kr_is_graded_by_the_share_of_periods_that_held_it(fields, values, grade):
    points = [(day(10 * i), value) for i, value in enumerate(values)]

    result = evaluate(make_kr(**fields), 40, 99.7, baseline=None, points=points)

    if grade is None:
        assert result.grade is None and result.progress is None
    else:
        assert result.grade == pytest.approx(grade)
        assert result.progress == pytest.approx(grade)


def test_a_level_kr_with_a_baseline_is_judged_the_same_way():
    kr = make_kr(target=99.5, level=">=", baseline=99.0)

    result = evaluate(kr, 40, 99.6, baseline=99.0)

    assert (result.status, result.expected, result.gap) == ("on_track", 99.5, None)


# --- forecast, drift, success -------------------------------------------------------------


@pytest.mark.parametrize(
    ("slope", "status", "drifting"),
    [
        # exact lines from 50 measured on days 0..40; day 40 expects 90
        # 0.8/day: today 82, g = -0.08 on pace; forecast 130 misses by 20/100 > 0.1
        (0.8, "on_track", True),
        # 0.9/day: today 86; forecast 140 misses by exactly 10/100: not more than at_risk
        (0.9, "on_track", False),
        # 0.89/day: today 85.6; forecast 139 misses by 11/100
        (0.89, "on_track", True),
        # 1.0/day: forecast 150, right on target
        (1.0, "on_track", False),
        # 0.6/day: today 74, g = -0.16; forecast 110 misses by 0.4
        (0.6, "at_risk", True),
    ],
)
def test_a_kr_drifts_when_its_forecast_misses_the_target_by_more_than_at_risk(
    slope, status, drifting
):
    points = line(50.0, slope, range(0, 41, 10))

    result = evaluate(make_kr(), 40, points[-1][1], points=points)

    assert result.status == status
    assert result.drifting is drifting
    assert result.forecast.value == pytest.approx(50.0 + slope * 100)


@pytest.mark.parametrize(
    ("slope", "drifting"),
    [
        (-0.8, True),  # 200 - 80 = 120 at end: (100 - 120) / (100 - 200) = 0.2 short
        (-0.9, False),  # 110 at end: 0.1 short, not more than at_risk
        (-1.2, False),  # 80 at end: beyond the target
    ],
)
def test_a_decreasing_kr_drifts_when_its_forecast_stays_above_the_target(slope, drifting):
    kr = make_kr(baseline=200.0, target=100.0)
    points = line(200.0, slope, range(0, 41, 10))

    result = evaluate(kr, 40, points[-1][1], baseline=200.0, points=points)

    assert result.status == "on_track"  # day 40: at most 8 behind the expected 160
    assert result.drifting is drifting


def test_an_achieved_kr_is_never_drifting_even_when_its_trend_falls():
    # (0, 160), (20, 155), (40, 150): slope -0.25, forecast 160 - 25 = 135, short by 0.15.
    points = [(day(0), 160.0), (day(20), 155.0), (day(40), 150.0)]

    result = evaluate(make_kr(), 40, 150.0, points=points)

    assert result.status == "achieved"
    assert result.forecast.value == pytest.approx(135.0)
    assert result.drifting is False


def test_a_finished_kr_is_never_drifting():
    points = line(50.0, 0.5, range(0, 101, 10))  # ends at 100, well short

    result = evaluate(make_kr(), 110, 100.0, points=points)

    assert result.status == "missed"
    assert result.drifting is False
    assert result.p_hit == 0.0  # finished: the last value, 100, did not reach 150


def test_a_level_kr_drifts_when_its_trend_leaves_the_level():
    # 99.9, 99.8, 99.7, 99.6 on days 0..30: slope -0.01/day, forecast 99.9 - 1.0 = 98.9.
    points = line(99.9, -0.01, range(0, 31, 10))

    result = evaluate(make_kr(**UPTIME), 30, 99.6, baseline=None, points=points)

    assert result.status == "on_track"
    assert result.forecast.value == pytest.approx(98.9)
    assert result.drifting is True


def test_a_kr_with_an_empty_series_has_no_forecast_and_does_not_drift():
    result = evaluate(make_kr(), 40, 60.0, points=[])

    assert result.status == "off_track"  # g = (60 - 90) / 100 = -0.3
    assert result.forecast.value is None
    assert result.p_hit is None
    assert result.drifting is False


def test_a_kr_with_one_point_forecasts_through_the_baseline():
    # (0, 50) and (40, 90): slope 1, forecast 150 = target, p_hit 0.5, not drifting.
    result = evaluate(make_kr(), 40, 90.0, points=[(day(40), 90.0)])

    assert result.forecast.value == pytest.approx(150.0)
    assert result.p_hit == pytest.approx(0.5)
    assert result.drifting is False


@pytest.mark.parametrize(
    ("commitment", "current", "grade", "success"),
    [
        ("committed", 150.0, 1.0, True),  # p = 1
        ("committed", 125.0, 0.75, False),  # p = 75/100: short of 1.0
        ("aspirational", 125.0, 0.75, True),  # 0.75 >= 0.7
        ("aspirational", 120.0, 0.7, True),  # exactly 0.7
        ("aspirational", 115.0, 0.65, False),  # 0.65 < 0.7
    ],
)
def test_success_is_a_full_grade_for_committed_and_point_seven_for_aspirational(
    commitment, current, grade, success
):
    result = evaluate(make_kr(commitment=commitment), 110, current)

    assert result.grade == pytest.approx(grade)
    assert result.success is success
    # The status table does not depend on the commitment: short of the target is missed.
    assert result.status == ("achieved" if current >= 150.0 else "missed")


def test_staleness_and_data_date_are_reported_as_given():
    result = evaluate_kr(
        make_kr(),
        day(40),
        baseline=50.0,
        current=90.0,
        points=[],
        data_as_of=day(31),
        stale=True,
    )

    assert result.stale is True
    assert result.data_as_of == day(31)
    assert result.status == "on_track"  # a stale KR keeps its status


def test_every_status_is_one_of_the_listed_statuses():
    cases = [(-1, 90.0), (40, None), (40, 150.0), (130, 100.0), (40, 90.0), (40, 70.0)]
    cases += [(40, 60.0)]

    seen = {evaluate(make_kr(), as_of, current).status for as_of, current in cases}

    assert seen == set(STATUSES)


# --- objective roll-up --------------------------------------------------------------------


def kr_status(kr_id: str, status: str, grade: float | None) -> KRStatus:
    no_forecast = Forecast(None, None, None, None, None)
    return KRStatus(
        kr_id=kr_id,
        status=status,
        baseline=0.0,
        target=1.0,
        current=grade,
        expected=None,
        progress=grade,
        gap=None,
        grade=grade,
        elapsed=0.5,
        stale=False,
        data_as_of=None,
        forecast=no_forecast,
        drifting=False,
    )


def objective(objective_id: str, *krs: KeyResult, parent: str | None = None) -> Objective:
    return Objective(
        id=objective_id,
        title=objective_id,
        start=START,
        end=END,
        key_results=krs,
        parent=parent,
    )


def test_objective_progress_is_the_weighted_mean_grade_and_status_the_most_severe():
    # (2 * 0.5 + 1 * 0.8) / 3 = 1.8 / 3 = 0.6; at_risk is more severe than on_track.
    goal = objective("goal", make_kr("a", weight=2.0), make_kr("b", weight=1.0))
    statuses = {"a": kr_status("a", "at_risk", 0.5), "b": kr_status("b", "on_track", 0.8)}

    result = rollup([goal], statuses)["goal"]

    assert result.progress == pytest.approx(0.6)
    assert result.status == "at_risk"
    assert [s.kr_id for s in result.key_results] == ["a", "b"]


def test_krs_with_an_unknown_grade_do_not_weigh_on_progress():
    # Only b's grade is known: 0.4, whatever a's weight.
    goal = objective("goal", make_kr("a", weight=5.0), make_kr("b"))
    statuses = {"a": kr_status("a", "no_data", None), "b": kr_status("b", "on_track", 0.4)}

    result = rollup([goal], statuses)["goal"]

    assert result.progress == pytest.approx(0.4)
    assert result.status == "on_track"


def test_a_child_objective_counts_as_one_kr_of_weight_one_in_its_parent():
    # child: (1 * 0.3) / 1 = 0.3. parent: (2 * 0.9 + 1 * 0.3) / (2 + 1) = 2.1 / 3 = 0.7.
    # The parent's status comes from its own KR: on_track.
    parent = objective("parent", make_kr("c", weight=2.0))
    child = objective("child", make_kr("d"), parent="parent")
    statuses = {"c": kr_status("c", "on_track", 0.9), "d": kr_status("d", "off_track", 0.3)}

    result = rollup([parent, child], statuses)

    assert result["child"].progress == pytest.approx(0.3)
    assert result["child"].status == "off_track"
    assert result["parent"].progress == pytest.approx(0.7)
    assert result["parent"].status == "on_track"
    assert list(result) == ["parent", "child"]


def test_an_objective_without_krs_takes_progress_and_status_from_its_children():
    # children's progress 0.2 (at_risk) and 0.6 (on_track): (0.2 + 0.6) / 2 = 0.4;
    # the most severe child status is at_risk.
    company = objective("company")
    sales = objective("sales", make_kr("s"), parent="company")
    support = objective("support", make_kr("t"), parent="company")
    statuses = {"s": kr_status("s", "at_risk", 0.2), "t": kr_status("t", "on_track", 0.6)}

    result = rollup([sales, company, support], statuses)

    assert result["company"].progress == pytest.approx(0.4)
    assert result["company"].status == "at_risk"
    assert result["company"].key_results == ()


def test_progress_rolls_up_through_grandchildren():
    # leaf 0.3 -> middle (0.9 + 0.3) / 2 = 0.6 -> top (0.0 + 0.6) / 2 = 0.3.
    top = objective("top", make_kr("a"))
    middle = objective("middle", make_kr("b"), parent="top")
    leaf = objective("leaf", make_kr("c"), parent="middle")
    statuses = {
        "a": kr_status("a", "off_track", 0.0),
        "b": kr_status("b", "on_track", 0.9),
        "c": kr_status("c", "at_risk", 0.3),
    }

    result = rollup([leaf, middle, top], statuses)

    assert result["middle"].progress == pytest.approx(0.6)
    assert result["top"].progress == pytest.approx(0.3)


def test_an_objective_with_nothing_known_has_no_data_and_no_progress():
    result = rollup([objective("empty")], {})["empty"]

    assert (result.status, result.progress, result.key_results) == ("no_data", None, ())


def test_statuses_missing_from_the_mapping_are_left_out():
    goal = objective("goal", make_kr("a"), make_kr("b"))

    result = rollup([goal], {"b": kr_status("b", "on_track", 0.5)})["goal"]

    assert [s.kr_id for s in result.key_results] == ["b"]
    assert result.progress == pytest.approx(0.5)


def test_a_parent_cycle_does_not_loop_forever():
    # a -> b -> a: each counts the other once, where the cycle closes it stops.
    first = objective("a", make_kr("x"), parent="b")
    second = objective("b", make_kr("y"), parent="a")
    statuses = {"x": kr_status("x", "on_track", 1.0), "y": kr_status("y", "on_track", 0.0)}

    result = rollup([first, second], statuses)

    assert result["b"].progress == pytest.approx(0.0)  # b visited inside a: y alone
    assert result["a"].progress == pytest.approx(0.5)  # (1.0 + 0.0) / 2


@pytest.mark.parametrize(
    ("statuses", "most"),
    [
        (["achieved", "missed", "off_track"], "missed"),
        (["on_track", "off_track", "at_risk"], "off_track"),
        (["achieved", "at_risk", "on_track"], "at_risk"),
        (["achieved", "on_track"], "on_track"),
        (["achieved", "achieved"], "achieved"),
        (["no_data", "achieved"], "achieved"),  # unknowns count only when nothing is known
        (["not_started", "on_track"], "on_track"),
        (["not_started", "no_data"], "no_data"),  # no_data before not_started
        (["not_started", "not_started"], "not_started"),
        ([], "no_data"),
    ],
)
def test_the_most_severe_status_wins(statuses, most):
    assert most_severe(statuses) == most
