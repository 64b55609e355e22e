"""The status in plain words, and the confidence score, against hand-written sentences.

Every KR runs over a 100-day window from 1 Jan 2026 (day 100 = 11 Apr 2026), so day n is
τ = n / 100. The increasing KR goes from 50 to 150 (span 100), the decreasing one from 200
to 100; tolerances are the defaults, at_risk 0.10 and off_track 0.25.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from okr.explain import (
    confidence,
    explain,
    format_chance,
    format_confidence,
    format_day,
    format_moment,
    outlook,
    short_name,
    status_counts,
)
from okr.model import KeyResult, Metric
from okr.status import evaluate_kr
from tests import builders
from tests.builders import END, day

CSAT = Metric(id="csat", source="s", agg="avg", label="Customer satisfaction (CSAT)", unit="points")


def make_kr(**fields) -> KeyResult:
    return builders.make_kr(**{"title": "Lift CSAT", "metric": "csat", **fields})


def sentence(kr, as_of, current, baseline=50.0, points=(), data_as_of="auto", metric=CSAT):
    when = day(as_of)
    status = evaluate_kr(
        kr,
        when,
        baseline=baseline,
        current=current,
        points=list(points),
        data_as_of=min(when, END) if data_as_of == "auto" else data_as_of,
        stale=False,
    )
    return explain(kr, metric, status, when), outlook(kr, metric, status, when), status


@pytest.mark.parametrize(
    ("current", "expected_sentence"),
    [
        # expected at day 40: 50 + 100 · 0.4 = 90
        (72.0, "At 40% of the cycle CSAT should be 90 points; it is 72 points, "
               "18% of the span behind pace: at risk."),  # gap (72 − 90) / 100 = −0.18
        (100.0, "At 40% of the cycle CSAT should be 90 points; it is 100 points, "
                "10% of the span ahead of pace: on track."),  # gap +0.10
        (90.0, "At 40% of the cycle CSAT should be 90 points; it is 90 points, "
               "right on pace: on track."),  # gap 0
        (60.0, "At 40% of the cycle CSAT should be 90 points; it is 60 points, "
               "30% of the span behind pace: off track."),  # gap −0.30
    ],
)  # fmt: skip
def test_a_running_kr_is_explained_by_where_it_should_be_and_where_it_is(
    current, expected_sentence
):
    text, _, _ = sentence(make_kr(), 40, current)
    assert text == expected_sentence


def test_a_decreasing_kr_above_its_pace_is_behind():
    # expected at day 50: 200 − 100 · 0.5 = 150; gap (170 − 150) / −100 = −0.20
    kr = make_kr(baseline=200.0, target=100.0)
    text, _, status = sentence(kr, 50, 170.0, baseline=200.0)
    assert status.status == "at_risk"
    assert text == (
        "At 50% of the cycle CSAT should be 150 points; it is 170 points, "
        "20% of the span behind pace: at risk."
    )


def test_an_achieved_kr_says_it_reached_its_target_before_the_end():
    text, _, _ = sentence(make_kr(), 40, 155.0)  # progress 105 / 100
    assert text == (
        "CSAT is 155 points and has reached its target of 150 points (105% of the way) "
        "before the end on 11 Apr 2026: achieved."
    )


def test_a_finished_kr_that_reached_its_target_is_achieved():
    text, future, _ = sentence(make_kr(), 110, 150.0)
    assert text == (
        "CSAT ended the cycle at 150 points, reaching its target of 150 points "
        "(100% of the way): achieved."
    )
    assert future is None  # nothing left to forecast


def test_a_finished_kr_short_of_its_target_is_missed():
    text, _, _ = sentence(make_kr(), 110, 120.0)  # progress 70 / 100
    assert text == (
        "The cycle ended on 11 Apr 2026 with CSAT at 120 points, 70% of the way from "
        "50 points to its target of 150 points: missed."
    )


def test_a_kr_before_its_start_says_when_it_starts_and_where_it_goes():
    text, future, _ = sentence(make_kr(), -12, None)
    assert text == (
        "CSAT is tracked from 1 Jan 2026, in 12 days, and should then move from 50 points "
        "to 150 points by 11 Apr 2026: not started."
    )
    assert future is None


def test_a_kr_with_nothing_stored_says_to_run_sync():
    text, future, _ = sentence(make_kr(), 40, None, data_as_of=None)
    assert text == (
        "No value of CSAT is stored up to 10 Feb 2026: run `okr sync`, or check the "
        "metric's source on the Data health page: no data."
    )
    assert future is None


def test_a_kr_whose_window_holds_no_data_names_its_measure_and_newest_data():
    kr = make_kr(measure=make_kr().measure.__class__(kind="trailing", days=7))
    text, _, _ = sentence(kr, 40, None, data_as_of=day(20))
    assert text == (
        "No value of CSAT can be measured at 10 Feb 2026 with `measure: trailing 7d` "
        "(newest data: 21 Jan 2026): run `okr sync`, or check the metric's source on the "
        "Data health page: no data."
    )


def test_a_kr_whose_auto_baseline_could_not_be_measured_asks_for_a_baseline():
    text, _, _ = sentence(make_kr(baseline="auto"), 40, 80.0, baseline=None)
    assert text == (
        "CSAT is 80 points, but its baseline could not be measured on 1 Jan 2026, so there "
        "is no pace to judge it against; set `baseline:` in the catalog: no data."
    )


LEVEL_POINTS = [(day(1), 99.6), (day(2), 99.4), (day(3), 99.7), (day(4), 99.8)]  # 3 of 4 held


def test_a_level_kr_holding_its_level_is_on_track_with_the_share_held():
    kr = make_kr(level=">=", target=99.5, baseline=None)
    text, _, _ = sentence(kr, 4, 99.8, baseline=None, points=LEVEL_POINTS)
    assert text == (
        "CSAT must stay at or above 99.5 points; it is 99.8 points, holding the level "
        "(held in 75% of its periods so far): on track."
    )


def test_a_level_kr_below_its_level_is_off_track():
    kr = make_kr(level=">=", target=99.5, baseline=None)
    points = [*LEVEL_POINTS, (day(5), 99.2)]  # 3 of 5 held
    text, _, _ = sentence(kr, 5, 99.2, baseline=None, points=points)
    assert text == (
        "CSAT must stay at or above 99.5 points; it is 99.2 points, not holding the level "
        "(held in 60% of its periods so far): off track."
    )


def test_a_finished_level_kr_that_held_is_achieved():
    kr = make_kr(level="<=", target=2.0, baseline=None)
    points = [(day(10), 1.5), (day(100), 1.8)]  # both held
    text, _, _ = sentence(kr, 120, 1.8, baseline=None, points=points)
    assert text == (
        "CSAT ended the cycle at 1.80 points, holding its level (at or below 2 points); "
        "it held it in 100% of its periods: achieved."
    )


def test_a_finished_level_kr_outside_its_level_is_missed():
    kr = make_kr(level=">=", target=99.5, baseline=None)
    points = [(day(10), 99.6), (day(50), 99.7), (day(100), 99.1)]  # 2 of 3 held
    text, _, _ = sentence(kr, 120, 99.1, baseline=None, points=points)
    assert text == (
        "CSAT ended the cycle at 99.1 points, breaking its level (at or above 99.5 points); "
        "it held it in 67% of its periods: missed."
    )


def test_outlook_gives_the_forecast_its_range_and_the_chance_of_the_target():
    # Values on the pace line 50 + d: the forecast is 150 exactly; its spread is the 5%
    # floor of the span (5), so the 80% range is 150 ± 1.2816 · 5 and p_hit is one half.
    points = [(day(d), 50.0 + d) for d in (10, 20, 30, 40)]
    _, future, status = sentence(make_kr(), 40, 90.0, points=points)
    assert status.drifting is False
    assert future == (
        "On its trend since 1 Jan 2026 it would end near 150 points (80% range 143.6 points "
        "to 156.4 points); the chance of reaching 150 points is 50%."
    )


def test_outlook_of_a_drifting_kr_says_so():
    # Values on 50 + 0.5 d: the forecast is 100, 50% of the span short of 150 (> at_risk),
    # and 10 spreads below the target: p_hit rounds to exactly 0 in floating point.
    points = [(day(d), 50.0 + 0.5 * d) for d in (10, 20, 30, 40)]
    _, future, status = sentence(make_kr(), 40, 70.0, points=points)
    assert status.drifting is True
    assert future == (
        "On its trend since 1 Jan 2026 it would end near 100 points (80% range 93.6 points "
        "to 106.4 points); the chance of reaching 150 points is 0%, so it is drifting "
        "off course."
    )


@pytest.mark.parametrize(
    ("label", "where", "name"),
    [
        ("Customer satisfaction (CSAT)", (), "CSAT"),
        ("Customer satisfaction (CSAT)", (("region", "EMEA"),), "CSAT in region EMEA"),
        ("First response time", (), "first response time"),
        ("ARR booked", (), "ARR booked"),
        ("", (), "metric_id"),
    ],
)
def test_a_sentence_names_a_metric_by_its_abbreviation_or_its_label(label, where, name):
    metric = Metric(id="metric_id", source="s", agg="sum", label=label)
    assert short_name(metric, where) == name


def test_a_sentence_that_starts_with_a_metric_name_is_capitalised():
    metric = Metric(id="response", source="s", agg="avg", label="First response time")
    text, _, _ = sentence(make_kr(), -1, None, metric=metric)
    assert text.startswith("First response time is tracked from 1 Jan 2026, in 1 day,")


@pytest.mark.parametrize(
    ("statuses", "score"),
    [
        # known: 4 (no_data, not_started left out); good 2, bad 1 -> (2 − 1) / 4
        (["on_track", "achieved", "at_risk", "off_track", "no_data", "not_started"], 0.25),
        (["on_track", "on_track", "on_track", "at_risk"], 0.75),  # the shared scenario
        (["missed", "on_track"], 0.0),
        (["off_track", "missed"], -1.0),
        (["no_data", "not_started"], None),
        ([], None),
    ],
)
def test_confidence_is_the_share_on_track_minus_the_share_off_track(statuses, score):
    assert confidence(statuses) == score


@pytest.mark.parametrize(
    ("score", "text"), [(0.25, "+25"), (-0.5, "−50"), (0.0, "0"), (0.004, "0"), (None, "–")]
)
def test_confidence_reads_as_signed_percentage_points(score, text):
    assert format_confidence(score) == text


@pytest.mark.parametrize(
    ("p_hit", "text"),
    [(1e-15, "below 1%"), (0.0, "0%"), (0.21, "21%"), (0.995, "above 99%"), (1.0, "100%"),
     (None, "–")],
)  # fmt: skip
def test_a_chance_never_rounds_a_possibility_away(p_hit, text):
    assert format_chance(p_hit) == text


def test_status_counts_count_each_status():
    assert status_counts(["on_track", "at_risk", "on_track"]) == {"on_track": 2, "at_risk": 1}


@pytest.mark.parametrize(
    ("timezone", "text"),
    [
        ("UTC", "15 Aug 2026 10:30 UTC"),
        ("Europe/Berlin", "15 Aug 2026 12:30 CEST"),  # UTC+2 in summer
        ("America/New_York", "15 Aug 2026 06:30 EDT"),  # UTC−4 in summer
        ("Nowhere/Unknown", "15 Aug 2026 10:30 UTC"),
    ],
)
def test_a_moment_reads_in_the_catalogs_timezone(timezone, text):
    assert format_moment(datetime(2026, 8, 15, 10, 30), timezone) == text


def test_a_day_reads_as_day_month_year():
    assert format_day(date(2026, 8, 5)) == "5 Aug 2026"
    assert format_day(None) == "–"
