"""The Explore page through the real entry point, on the hand-computed scenario.

Daily CSAT is 75 + 0.1 i on day i (Jul 1 = day 0); EMEA scores 76 + 0.1 i, US 74 + 0.1 i.
The quarantined row (an EMEA score on Aug 14) is in no value.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from connectors.base import FakeConnector, empty_parts
from okr.catalog import load_catalog
from okr.sync import sync
from tests.scenario import write_scenario

ROOT = Path(__file__).resolve().parent.parent
CSAT = "Customer satisfaction (CSAT)"


def open_explore(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/explore.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def table(at: AppTest) -> pd.DataFrame:
    """The table behind the chart (the page's only table)."""
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def texts(at: AppTest) -> str:
    return "\n".join(
        str(element.value)
        for kind in ("caption", "warning", "info", "error", "markdown")
        for element in getattr(at, kind)
    )


def test_csat_by_week_and_region_shows_exact_weekly_averages(scenario):
    at = open_explore(
        metrics="csat", grain="week", by="region", **{"from": "2026-07-01", "to": "2026-08-14"}
    )
    assert not at.exception
    shown = table(at)
    assert shown.columns.tolist() == ["Metric", "Region", "Period", "Value"]
    emea = shown[shown["Region"] == "EMEA"]
    # EMEA days i = 0..4 (Jul 1-5) average 76 + 0.1 * 2 = 76.2; the last week, Aug 10-14
    # (i = 40..44), is 76 + 0.1 * 42 = 80.2 without the quarantined row.
    assert emea["Value"].tolist() == [
        "76.2 points",
        "76.8 points",
        "77.5 points",
        "78.2 points",
        "78.9 points",
        "79.6 points",
        "80.2 points",
    ]
    assert emea["Period"].tolist()[0] == "Week of 29 Jun 2026 (partial)"
    assert emea["Period"].tolist()[-1] == "Week of 10 Aug 2026 (partial)"
    assert emea["Period"].tolist()[1] == "Week of 6 Jul 2026"
    us = shown[shown["Region"] == "US"]
    assert us["Value"].tolist()[0] == "74.2 points"
    assert us["Value"].tolist()[-1] == "78.2 points"


def test_the_address_reopens_the_same_view(scenario):
    at = open_explore(
        metrics="csat,signups",
        grain="month",
        by="region",
        compare="1",
        axis="separate",
        **{"from": "2026-07-01", "to": "2026-08-14"},
    )
    assert not at.exception
    assert at.multiselect(key="explore_metrics").value == ["csat", "signups"]
    assert at.date_input(key="explore_from").value == date(2026, 7, 1)
    assert at.date_input(key="explore_to").value == date(2026, 8, 14)
    assert at.segmented_control(key="explore_grain").value == "month"
    assert at.selectbox(key="explore_by").value == "region"
    assert at.toggle(key="explore_compare").value is True
    assert at.segmented_control(key="explore_axis").value == "separate"
    assert at.query_params["metrics"] == "csat,signups"
    assert at.query_params["compare"] == "1"
    shown = table(at)
    # July signups: 2 a day for 31 days = 62; August: Aug 1 only = 2.
    signups = shown[shown["Metric"] == "Signups"]
    assert signups["Value"].tolist() == ["62 users", "2 users"]
    assert "Signups has no dimension 'region': shown as a whole." in texts(at)


@pytest.mark.parametrize(
    ("axis", "grain", "dashed"),
    [
        # Jul 16 - Aug 15 touches 5 weeks: the previous window, Jun 11 - Jul 11, holds data
        # from Jul 1, so each of the four lines has a dashed twin.
        ("shared", "week", 4),
        ("separate", "week", 4),
        ("index", "week", 4),
        # By month it touches July and August: May 16 - Jun 15 holds nothing to draw.
        ("separate", "month", 0),
    ],
)
def test_every_axis_mode_draws_a_breakdown_with_its_previous_window(scenario, axis, grain, dashed):
    at = open_explore(
        metrics="csat,first_response,signups",
        grain=grain,
        by="region",
        compare="1",
        axis=axis,
        **{"from": "2026-07-16", "to": "2026-08-15"},
    )
    assert not at.exception
    assert not at.error
    chart = at.get("plotly_chart")
    assert len(chart) == 1
    # CSAT EMEA and CSAT US, first response time, signups; separate panels are titled with
    # their metric, so there a line is named by its member alone.
    figure = json.loads(chart[0].proto.spec)
    solid = [t for t in figure["data"] if t["line"].get("dash") != "dash"]
    csat = ["EMEA", "US"] if axis == "separate" else [f"{CSAT} · EMEA", f"{CSAT} · US"]
    assert [t["name"] for t in solid] == [*csat, "First response time", "Signups"]
    assert len(figure["data"]) - len(solid) == dashed


def test_parameters_that_are_not_part_of_the_view_stay_in_the_address(scenario):
    at = open_explore(metrics="csat", embed="true")
    assert not at.exception
    at.segmented_control(key="explore_grain").set_value("day").run()
    assert at.query_params["embed"] == "true"
    assert at.query_params["grain"] == "day"


def test_changing_a_widget_writes_the_view_into_the_address(scenario):
    at = open_explore(metrics="csat", **{"from": "2026-07-01", "to": "2026-07-31"})
    assert not at.exception
    at.segmented_control(key="explore_grain").set_value("month").run()
    at.toggle(key="explore_compare").set_value(True).run()
    assert not at.exception
    assert at.query_params["grain"] == "month"
    assert at.query_params["compare"] == "1"
    assert at.query_params["from"] == "2026-07-01"
    # July CSAT: days 0..30, 75 + 0.1 * 15 = 76.5; June has no data to compare with.
    assert table(at).values.tolist() == [
        ["Customer satisfaction (CSAT)", "Jul 2026", "76.5 points", "–"]
    ]


def test_comparison_puts_the_previous_window_under_the_same_days(scenario):
    at = open_explore(
        metrics="csat", grain="day", compare="1", **{"from": "2026-08-01", "to": "2026-08-14"}
    )
    assert not at.exception
    shown = table(at)
    # Aug 1 (i = 31) faces Jul 18 (i = 17); Aug 14 (i = 44) faces Jul 31 (i = 30).
    assert shown.iloc[0][["Period", "Value", "Previous window"]].tolist() == [
        "Sat 1 Aug 2026",
        "78.1 points",
        "76.7 points",
    ]
    assert shown.iloc[-1][["Period", "Value", "Previous window"]].tolist() == [
        "Fri 14 Aug 2026",
        "79.4 points",
        "78 points",  # format_value drops the decimals of a whole number
    ]
    assert "Dashed: the previous period, 18 Jul 2026 – 31 Jul 2026" in texts(at)


def test_a_previous_period_without_data_is_said_to_have_none(scenario):
    at = open_explore(
        metrics="csat", grain="week", compare="1", **{"from": "2026-07-06", "to": "2026-07-19"}
    )
    assert not at.exception
    # The range touches two weeks, so the previous period is Jun 22 - Jul 5: the week of
    # Jul 6 faces the week of Jun 22 (no data yet) and the week of Jul 13 faces Jul 1-5
    # (i = 0..4: 75.2).
    assert table(at)["Previous window"].tolist() == ["–", "75.2 points"]
    at = open_explore(
        metrics="csat", grain="week", compare="1", **{"from": "2026-07-13", "to": "2026-07-19"}
    )
    # One week: it faces Jul 6-12 (i = 5..11: 75.8).
    assert "Dashed: the previous period, 6 Jul 2026 – 12 Jul 2026" in texts(at)
    assert table(at)["Previous window"].tolist() == ["75.8 points"]
    at = open_explore(
        metrics="csat", grain="month", compare="1", **{"from": "2026-07-01", "to": "2026-07-31"}
    )
    assert "The previous period, 1 Jun 2026 – 30 Jun 2026, has no data" in texts(at)


def test_indexed_axis_shows_each_week_against_the_first(scenario):
    at = open_explore(
        metrics="csat", grain="week", axis="index", **{"from": "2026-07-06", "to": "2026-07-19"}
    )
    assert not at.exception
    # Week of Jul 6 (i = 5..11): 75.8; week of Jul 13 (i = 12..18): 76.5 = 100.92 % of 75.8.
    assert table(at)["Index (start = 100)"].tolist() == ["100.0", "100.9"]


def test_a_link_with_unknown_parts_opens_and_says_what_was_left_out(scenario):
    at = open_explore(metrics="csat,nps", grain="fortnight")
    assert not at.exception
    assert at.multiselect(key="explore_metrics").value == ["csat"]
    warning = at.warning[0].value
    assert "'nps'" in warning
    assert "grain='fortnight'" in warning


def test_no_metric_picked_says_what_to_do(scenario):
    at = open_explore()
    assert not at.exception
    at.multiselect(key="explore_metrics").set_value([]).run()
    assert not at.exception
    assert "Pick one or more metrics" in at.info[0].value
    assert at.query_params["metrics"] == ""


def test_a_range_without_data_says_so_calmly(scenario):
    at = open_explore(metrics="signups", **{"from": "2026-09-01", "to": "2026-09-30"})
    assert not at.exception
    assert "Signups has no data from 1 Sep 2026 to 30 Sep 2026" in texts(at)
    assert "Nothing to draw" in at.info[0].value


def test_before_the_first_sync_the_page_says_to_run_okr_sync(tmp_path, monkeypatch):
    monkeypatch.setenv("OKR_CATALOG", str(write_scenario(tmp_path)))
    monkeypatch.setenv("OKR_AS_OF", "2026-08-15")
    at = open_explore(metrics="csat")
    assert not at.exception
    assert "No data yet: run `okr sync`" in at.info[0].value


MEDIAN_CATALOG = """\
version: 1
settings: {store: data/okr.duckdb}
sources:
  shop: {type: csv, path: exports}
metrics:
  basket:
    label: Median basket
    source: shop
    table: orders.csv
    time: ordered_at
    value: amount
    agg: median
    unit: EUR
    format: currency
objectives: []
"""


def test_a_median_is_shown_at_its_own_grain_and_the_page_says_why(tmp_path, monkeypatch):
    (tmp_path / "exports").mkdir()
    catalog_path = tmp_path / "metrics.yml"
    catalog_path.write_text(textwrap.dedent(MEDIAN_CATALOG))
    days = [date(2026, 7, 6), date(2026, 7, 7)]
    parts = pd.DataFrame(
        {
            "metric": "basket",
            "origin": "",
            "period": days,
            "dims": "{}",
            "n": [3, 5],
            "last_at": [datetime(2026, 7, 6, 18), datetime(2026, 7, 7, 18)],
            "value": [40.0, 60.0],
        }
    )
    connector = FakeConnector("shop", pd.concat([empty_parts(), parts], ignore_index=True))
    sync(load_catalog(catalog_path), connector_factory=lambda source: connector)
    monkeypatch.setenv("OKR_CATALOG", str(catalog_path))
    monkeypatch.setenv("OKR_AS_OF", "2026-07-10")
    at = open_explore(metrics="basket", grain="week", **{"from": "2026-07-06", "to": "2026-07-12"})
    assert not at.exception
    assert "cannot be re-aggregated: it is shown by day" in texts(at)
    # Two daily medians, never a median of medians for the week.
    assert table(at)[["Period", "Value"]].values.tolist() == [
        ["Mon 6 Jul 2026", "€40"],
        ["Tue 7 Jul 2026", "€60"],
    ]
