"""The Explore core: exact re-aggregation to coarser grains, index to 100, the previous
window, and the view kept in the address. Every expected number is computed by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from okr.explore import (
    GrainError,
    RangeSummary,
    View,
    better_direction,
    default_view,
    download_frame,
    grain_note,
    grains_for,
    index_to_100,
    parse_view,
    previous_window,
    regrain,
    shift,
    shown_grain,
    summarize,
    trend,
    with_index,
)
from okr.model import KeyResult, Metric

AVG = Metric(id="response", source="s", agg="avg", label="Response time", unit="h")
RATIO = Metric(id="win_rate", source="s", agg="ratio", format="percent")
MEDIAN = Metric(id="basket", source="s", agg="median")
WEEKLY = Metric(id="active", source="s", agg="sum", grain="week")

# Monday 2026-06-29 to Monday 2026-07-06: two ISO weeks, two months.
#   day        n  total  avg |  num den  ratio
#   Jun 29     1    2    2.0 |   1   4   0.25
#   Jun 30     3   18    6.0 |   3   4   0.75
#   Jul 01     4    8    2.0 |   0   2   0.00
#   Jul 06     2   10    5.0 |   2   2   1.00
DAYS = [date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 6)]


def daily_parts(members: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "period": DAYS,
            "n": [1, 3, 4, 2],
            "total": [2.0, 18.0, 8.0, 10.0],
            "minimum": [2.0, 1.0, 0.5, 4.0],
            "maximum": [2.0, 9.0, 3.0, 6.0],
            "num": [1.0, 3.0, 0.0, 2.0],
            "den": [4.0, 4.0, 2.0, 2.0],
        }
    )
    frame["value"] = frame["total"] / frame["n"]
    if members:
        frame["member"] = members
    return frame


def values_by_period(frame: pd.DataFrame, column: str = "value") -> dict[date, float]:
    return {row["period"]: row[column] for row in frame.to_dict("records")}


# -- re-aggregation --------------------------------------------------------------------------


def test_weekly_average_is_the_sum_of_totals_over_the_sum_of_counts():
    weekly = regrain(AVG, daily_parts(), "week")
    # Week of Jun 29: (2 + 18 + 8) / (1 + 3 + 4) = 3.5, not the mean of daily means 3.33.
    assert values_by_period(weekly) == {date(2026, 6, 29): 3.5, date(2026, 7, 6): 5.0}


def test_monthly_average_is_the_sum_of_totals_over_the_sum_of_counts():
    monthly = regrain(AVG, daily_parts(), "month")
    # June: 20 / 4 = 5.0 (mean of means 4.0); July: 18 / 6 = 3.0 (mean of means 3.5).
    assert values_by_period(monthly) == {date(2026, 6, 1): 5.0, date(2026, 7, 1): 3.0}


def test_weekly_parts_rolled_up_again_to_months_match_the_daily_roll_up():
    # Rolling the week of Jul 6 (one day) into July agrees with rolling days into July.
    july = regrain(AVG, daily_parts().iloc[2:], "month")
    assert values_by_period(july) == {date(2026, 7, 1): 3.0}
    assert july["n"].tolist() == [6.0]
    assert july["total"].tolist() == [18.0]


def test_weekly_ratio_is_the_sum_of_numerators_over_the_sum_of_denominators():
    weekly = regrain(RATIO, daily_parts(), "week")
    # Week of Jun 29: (1 + 3 + 0) / (4 + 4 + 2) = 0.4, not the mean of ratios 0.333.
    assert values_by_period(weekly) == {date(2026, 6, 29): 0.4, date(2026, 7, 6): 1.0}


def test_monthly_ratio_is_the_sum_of_numerators_over_the_sum_of_denominators():
    monthly = regrain(RATIO, daily_parts(), "month")
    # June: 4 / 8 = 0.5; July: 2 / 4 = 0.5.
    assert values_by_period(monthly) == {date(2026, 6, 1): 0.5, date(2026, 7, 1): 0.5}


@pytest.mark.parametrize(
    ("agg", "week_of_jun_29", "week_of_jul_6"),
    [("sum", 28.0, 10.0), ("count", 8.0, 2.0), ("min", 0.5, 4.0), ("max", 9.0, 6.0)],
)
def test_sums_counts_minima_and_maxima_roll_up_to_weeks(agg, week_of_jun_29, week_of_jul_6):
    metric = Metric(id="m", source="s", agg=agg)
    weekly = regrain(metric, daily_parts(), "week")
    assert values_by_period(weekly) == {
        date(2026, 6, 29): week_of_jun_29,
        date(2026, 7, 6): week_of_jul_6,
    }


def test_a_breakdown_is_rolled_up_member_by_member():
    parts = daily_parts(members=["EMEA", "US", "EMEA", "US"])
    weekly = regrain(AVG, parts, "week")
    rows = {(r["member"], r["period"]): r["value"] for r in weekly.to_dict("records")}
    # EMEA week of Jun 29: (2 + 8) / (1 + 4) = 2.0; US: 18 / 3 = 6.0; US week of Jul 6: 5.0.
    assert rows == {
        ("EMEA", date(2026, 6, 29)): 2.0,
        ("US", date(2026, 6, 29)): 6.0,
        ("US", date(2026, 7, 6)): 5.0,
    }


def test_a_non_additive_metric_is_only_shown_at_its_own_grain():
    assert grains_for(MEDIAN) == ("day",)
    assert shown_grain(MEDIAN, "week") == "day"
    assert "median" in grain_note(MEDIAN, "week")
    assert grain_note(MEDIAN, "day") is None
    with pytest.raises(GrainError, match="basket"):
        regrain(MEDIAN, daily_parts(), "week")


def test_a_weekly_metric_cannot_be_split_into_days_or_rolled_into_months():
    assert grains_for(WEEKLY) == ("week",)
    assert shown_grain(WEEKLY, "month") == "week"
    assert shown_grain(WEEKLY, "day") == "week"
    assert "cannot be split into months" in grain_note(WEEKLY, "month")


def test_a_daily_additive_metric_can_be_shown_at_every_grain():
    assert grains_for(AVG) == ("day", "week", "month")
    assert shown_grain(AVG, "month") == "month"


# -- ranges, partial periods and the previous window -----------------------------------------


def test_a_week_cut_by_the_range_holds_only_the_days_inside_it_and_is_marked_partial():
    shown = trend(AVG, daily_parts(), date(2026, 7, 1), date(2026, 7, 8), "week")
    # Only Jul 1 of the week of Jun 29 is in range: 8 / 4 = 2.0; Jul 6: 10 / 2 = 5.0.
    assert values_by_period(shown) == {date(2026, 6, 29): 2.0, date(2026, 7, 6): 5.0}
    assert shown["partial"].tolist() == [True, True]
    assert shown["period_end"].tolist() == [date(2026, 7, 5), date(2026, 7, 12)]


def test_whole_weeks_inside_the_range_are_not_partial():
    shown = trend(AVG, daily_parts(), date(2026, 6, 29), date(2026, 7, 12), "week")
    assert shown["partial"].tolist() == [False, False]


def test_without_a_comparison_the_previous_column_is_empty():
    shown = trend(AVG, daily_parts(), date(2026, 6, 29), date(2026, 7, 12), "day")
    assert shown["previous"].isna().all()
    assert len(shown) == 4


def test_the_previous_window_of_a_week_of_days_is_the_week_before_day_by_day():
    shown = trend(AVG, daily_parts(), date(2026, 7, 6), date(2026, 7, 12), "day", compare=True)
    previous = values_by_period(shown, "previous")
    # Jul 6 faces Jun 29 (2.0), Jul 7 faces Jun 30 (6.0), Jul 8 faces Jul 1 (2.0).
    assert previous == {date(2026, 7, 6): 2.0, date(2026, 7, 7): 6.0, date(2026, 7, 8): 2.0}
    assert values_by_period(shown)[date(2026, 7, 6)] == 5.0
    assert math.isnan(values_by_period(shown)[date(2026, 7, 7)])


def test_the_previous_window_of_a_week_is_rolled_up_exactly_too():
    shown = trend(AVG, daily_parts(), date(2026, 7, 6), date(2026, 7, 12), "week", compare=True)
    assert values_by_period(shown) == {date(2026, 7, 6): 5.0}
    assert values_by_period(shown, "previous") == {date(2026, 7, 6): 3.5}


def test_the_previous_window_of_a_month_is_the_month_before():
    shown = trend(RATIO, daily_parts(), date(2026, 7, 1), date(2026, 7, 31), "month", compare=True)
    # July 2 / 4 = 0.5 faces June 4 / 8 = 0.5.
    assert values_by_period(shown) == {date(2026, 7, 1): 0.5}
    assert values_by_period(shown, "previous") == {date(2026, 7, 1): 0.5}


def test_previous_window_shifts_by_the_number_of_periods_the_range_touches():
    # Jul 1 (Wed) .. Aug 14 (Fri) touches the 7 ISO weeks from Jun 29 to Aug 10: 49 days.
    assert previous_window(date(2026, 7, 1), date(2026, 8, 14), "week") == (
        date(2026, 5, 13),
        date(2026, 6, 26),
        7,
    )
    # 45 days back by day.
    assert previous_window(date(2026, 7, 1), date(2026, 8, 14), "day") == (
        date(2026, 5, 17),
        date(2026, 6, 30),
        45,
    )
    # A quarter faces the quarter before.
    assert previous_window(date(2026, 7, 1), date(2026, 9, 30), "month") == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        3,
    )


@pytest.mark.parametrize(
    ("day", "periods", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 4, 30), -1, date(2026, 3, 31)),
        (date(2026, 5, 15), -2, date(2026, 3, 15)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_shifting_by_months_keeps_the_day_and_the_end_of_the_month(day, periods, expected):
    assert shift(day, "month", periods) == expected


def test_shifting_by_weeks_keeps_the_weekday():
    assert shift(date(2026, 7, 6), "week", -3) == date(2026, 6, 15)


# -- the range as a whole ---------------------------------------------------------------------


def test_the_range_summary_is_exact_over_the_whole_range_and_the_previous_window():
    summary = summarize(
        AVG, daily_parts(), date(2026, 7, 6), date(2026, 7, 12), "week", compare=True
    )
    # Jul 6-12: 10 / 2 = 5.0; the week before, Jun 29 - Jul 5: 28 / 8 = 3.5.
    assert summary == RangeSummary(5.0, 3.5)
    assert summary.change == 1.5
    assert summary.relative_change == pytest.approx(1.5 / 3.5)


def test_the_range_summary_of_a_ratio_is_the_sum_of_numerators_over_denominators():
    summary = summarize(
        RATIO, daily_parts(), date(2026, 6, 29), date(2026, 7, 6), "day", compare=False
    )
    # (1 + 3 + 0 + 2) / (4 + 4 + 2 + 2) = 0.5.
    assert summary == RangeSummary(0.5, None)
    assert summary.change is None


def test_a_window_before_the_first_stored_period_is_unknown_not_zero():
    count = Metric(id="tickets", source="s", agg="count")
    summary = summarize(
        count, daily_parts(), date(2026, 6, 29), date(2026, 7, 5), "week", compare=True
    )
    # 1 + 3 + 4 = 8 rows in the week of Jun 29; nothing is stored for the week before.
    assert summary == RangeSummary(8.0, None)


def test_a_median_over_several_periods_has_no_range_summary():
    assert (
        summarize(MEDIAN, daily_parts(), date(2026, 6, 29), date(2026, 7, 6), "day", compare=False)
        is None
    )
    one_day = summarize(
        MEDIAN, daily_parts(), date(2026, 7, 6), date(2026, 7, 6), "day", compare=False
    )
    assert one_day == RangeSummary(5.0)


def test_a_relative_change_from_zero_is_unknown():
    assert RangeSummary(4.0, 0.0).relative_change is None
    assert RangeSummary(3.0, -6.0).relative_change == 1.5


def kr(metric: str, baseline, target, level=None) -> KeyResult:
    return KeyResult(
        id=f"kr-{metric}-{target}",
        title="t",
        metric=metric,
        objective="o",
        start=date(2026, 7, 1),
        end=date(2026, 9, 30),
        baseline=baseline,
        target=target,
        level=level,
    )


def test_the_better_direction_comes_from_the_key_results_that_read_the_metric():
    assert better_direction(AVG, [kr("response", 5, 1)]) == "down"
    assert better_direction(AVG, [kr("response", 1, 5), kr("other", 5, 1)]) == "up"
    assert better_direction(AVG, [kr("response", None, 99.9, level=">=")]) == "up"
    assert better_direction(AVG, [kr("response", 5, 1), kr("response", 1, 5)]) is None
    assert better_direction(AVG, [kr("response", "auto", 5)]) is None
    assert better_direction(AVG, []) is None


# -- index to 100 ----------------------------------------------------------------------------


def test_index_to_100_divides_by_the_first_value():
    assert index_to_100([80.0, 100.0, None, 120.0]) == [100.0, 125.0, None, 150.0]


def test_index_to_100_starts_at_the_first_known_value():
    assert index_to_100([None, 50.0, 75.0]) == [None, 100.0, 150.0]


def test_a_line_starting_at_zero_has_no_index():
    assert index_to_100([0.0, 5.0]) == [None, None]
    assert index_to_100([]) == []


def test_each_member_is_indexed_to_its_own_start_and_its_previous_window_to_the_same():
    frame = pd.DataFrame(
        {
            "member": ["EMEA", "EMEA", "US", "US"],
            "value": [50.0, 60.0, 200.0, 150.0],
            "previous": [40.0, 55.0, float("nan"), 100.0],
        }
    )
    indexed = with_index(frame)
    # EMEA starts at 50: 60 is 120; its previous window 40 and 55 are 80 and 110.
    # US starts at 200: 150 is 75; its previous 100 is 50.
    assert indexed["index"].tolist() == [100.0, 120.0, 100.0, 75.0]
    previous = indexed["previous_index"].tolist()
    assert previous[:2] == [80.0, 110.0]
    assert math.isnan(previous[2])
    assert previous[3] == 50.0


def test_a_line_starting_at_zero_has_no_previous_index_either():
    indexed = with_index(pd.DataFrame({"value": [0.0, 4.0], "previous": [2.0, 3.0]}))
    assert indexed["index"].isna().all()
    assert indexed["previous_index"].isna().all()


# -- the view in the address -----------------------------------------------------------------

METRICS = {
    "csat": Metric(id="csat", source="s", agg="avg", dimensions=("region",)),
    "signups": Metric(id="signups", source="s", agg="count"),
}
TODAY = date(2026, 8, 15)


def test_an_address_without_parameters_opens_the_first_metric_over_90_days():
    view, notes = parse_view({}, METRICS, TODAY)
    assert view == View(("csat",), date(2026, 5, 18), TODAY, grain="week", axis="shared")
    assert notes == []
    assert default_view(METRICS, TODAY) == view


def test_a_view_written_to_the_address_reads_back_the_same():
    view = View(
        ("signups", "csat"),
        date(2026, 7, 1),
        date(2026, 8, 14),
        grain="month",
        by="region",
        compare=True,
        axis="index",
    )
    assert view.to_query() == {
        "metrics": "signups,csat",
        "from": "2026-07-01",
        "to": "2026-08-14",
        "grain": "month",
        "axis": "index",
        "by": "region",
        "compare": "1",
    }
    assert parse_view(view.to_query(), METRICS, TODAY) == (view, [])


def test_repeated_metric_parameters_are_read_like_a_comma_list():
    view, _ = parse_view({"metrics": ["csat", "signups,csat"]}, METRICS, TODAY)
    assert view.metrics == ("csat", "signups")


def test_unusable_parts_of_an_address_fall_back_and_say_why():
    view, notes = parse_view(
        {
            "metrics": "csat,nps",
            "from": "2026-13-01",
            "grain": "year",
            "axis": "log",
            "by": "plan",
            "compare": "maybe",
        },
        METRICS,
        TODAY,
    )
    assert view == View(("csat",), date(2026, 5, 18), TODAY)
    assert len(notes) == 6
    assert "'nps'" in notes[0]
    assert "YYYY-MM-DD" in notes[1]
    assert "'plan'" in notes[4] and "region" in notes[4]


def test_a_range_given_backwards_is_swapped():
    view, notes = parse_view({"from": "2026-08-10", "to": "2026-08-01"}, METRICS, TODAY)
    assert (view.first, view.last) == (date(2026, 8, 1), date(2026, 8, 10))
    assert "swapped" in notes[0]


def test_the_breakdown_must_be_a_dimension_of_a_chosen_metric():
    view, notes = parse_view({"metrics": "signups", "by": "region"}, METRICS, TODAY)
    assert view.by is None
    assert "Available: none" in notes[0]


# -- the download ----------------------------------------------------------------------------


def test_the_download_has_one_row_per_metric_member_and_period_in_plain_numbers():
    weekly = trend(
        AVG,
        daily_parts(members=["EMEA", "US", "EMEA", "US"]),
        date(2026, 6, 29),
        date(2026, 7, 12),
        "week",
    )
    frame = download_frame([(AVG, weekly)], by="region")
    assert frame.columns.tolist() == [
        "Metric",
        "Metric id",
        "Region",
        "Period start",
        "Period end",
        "Value",
        "Unit",
        "Partial period",
    ]
    assert frame.values.tolist() == [
        ["Response time", "response", "EMEA", "2026-06-29", "2026-07-05", 2.0, "h", False],
        ["Response time", "response", "US", "2026-06-29", "2026-07-05", 6.0, "h", False],
        ["Response time", "response", "US", "2026-07-06", "2026-07-12", 5.0, "h", False],
    ]


def test_the_download_keeps_the_previous_window_and_the_index_when_shown():
    shown = with_index(
        trend(AVG, daily_parts(), date(2026, 7, 6), date(2026, 7, 12), "week", compare=True)
    )
    frame = download_frame([(AVG, shown)], by=None)
    # The week of Jul 6 is 5.0; the week before 3.5, which is 70 on the range's index.
    assert frame[
        ["Value", "Previous window", "Index (start = 100)", "Previous index"]
    ].values.tolist() == [[5.0, 3.5, 100.0, 70.0]]


def test_the_download_of_nothing_is_empty():
    assert download_frame([], by=None).empty


def test_an_empty_store_gives_an_empty_trend():
    empty = daily_parts().iloc[0:0]
    shown = trend(AVG, empty, date(2026, 7, 1), date(2026, 7, 1) + timedelta(days=6), "week")
    assert shown.empty
