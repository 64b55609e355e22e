"""The Key result page through the real entry point, on the hand-computed scenario.

csat at 15 Aug 2026 (45 of 91 days): current 79.4, expected 75 + 15 · 45/91 = 82.417582,
progress 4.4 / 15 = 0.293333, gap −0.201172: at risk. Its daily values 75 + 0.1 i lie on a
line, so the forecast is 75 + 0.1 · 91 = 84.1 with the spread floor 0.05 · 15 = 0.75: the 80%
range is 84.1 ± 1.2815516 · 0.75 = 83.138837 … 85.061163, and p_hit (7.9 spreads short) is
below 1%. Its zones: at risk between 75 − 1.5 … 90 − 1.5 and 75 − 3.75 … 90 − 3.75.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.scenario import synced_scenario, write_scenario

ROOT = Path(__file__).resolve().parent.parent


def open_key_result(kr: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/key_result.py")
    if kr is not None:
        at.query_params["kr"] = kr
    return at.run()


def page_html(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in at.html)


def texts(at: AppTest) -> str:
    return "\n".join(
        str(element.value)
        for kind in ("title", "subheader", "caption", "warning", "info", "error", "markdown")
        for element in getattr(at, kind)
    )


def explanation(at: AppTest) -> str:
    return re.search(r'<div class="okr-explain"[^>]*><p>(.*?)</p>', page_html(at), re.S).group(1)


def numbers(at: AppTest) -> dict[str, str]:
    """Each number tile's value by its label."""
    return dict(
        re.findall(
            r'okr-number-label">([^<]+)</div><div class="okr-number-value">([^<]+)<',
            page_html(at),
        )
    )


def chart_traces(at: AppTest) -> dict[str, dict]:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    return {trace["name"]: trace for trace in spec["data"]}


def test_csat_explains_its_status_in_one_sentence_with_its_numbers(scenario):
    at = open_key_result("csat")
    assert not at.exception
    assert at.title[0].value == "Increase CSAT from 75 to 90"
    assert explanation(at) == (
        "At 49% of the cycle CSAT should be 82.4 points; it is 79.4 points, "
        "20% of the span behind pace: at risk."
    )
    assert "▲ At risk" in page_html(at)
    assert "Drifting" in page_html(at)


def test_csat_shows_the_numbers_behind_its_status(scenario):
    at = open_key_result("csat")
    assert not at.exception
    assert numbers(at) == {
        "Current": "79.4 points",
        "Expected now": "82.4 points",
        "Baseline": "75 points",
        "Target": "90 points",
        "Forecast at end": "84.1 points",
        "Progress": "29%",
        "Gap to pace": "-20%",
        "Grade": "29%",
        "Chance to hit": "below 1%",
        "Cycle elapsed": "49%",
    }
    assert "80%: 83.1 points to 85.1 points" in page_html(at)


def test_the_trajectory_chart_draws_pace_zones_forecast_target_and_today(scenario):
    at = open_key_result("csat")
    assert not at.exception
    traces = chart_traces(at)
    assert traces["Pace"]["x"] == ["2026-07-01", "2026-09-30"]
    assert traces["Pace"]["y"] == [75.0, 90.0]
    assert traces["At risk zone"]["y"] == pytest.approx([73.5, 88.5, 86.25, 71.25, 73.5])
    assert traces["Target"]["y"] == [90.0, 90.0]
    assert traces["Today"]["x"] == ["2026-08-15", "2026-08-15"]
    actual = traces["Actual"]
    assert len(actual["x"]) == 45
    assert actual["x"][-1] == "2026-08-14"
    assert actual["y"][-1] == pytest.approx(79.4)
    assert traces["Forecast"]["y"] == pytest.approx([79.4, 84.1])
    cone = traces["Forecast range (80%)"]
    assert cone["x"] == ["2026-08-14", "2026-09-30", "2026-09-30", "2026-08-14"]
    assert cone["y"] == pytest.approx([79.4, 85.061163, 83.138837, 79.4])


def test_a_decreasing_key_result_reads_in_its_duration_format(scenario):
    at = open_key_result("response")
    assert not at.exception
    # expected 5 − 4 · 45/91 = 3.021978 h; gap (1.48 − 3.021978) / −4 = 0.385495
    assert explanation(at) == (
        "At 49% of the cycle first response time should be 3.0 h; it is 1.5 h, "
        "39% of the span ahead of pace: on track."
    )
    shown = numbers(at)
    assert shown["Current"] == "1.5 h"
    assert shown["Target"] == "1.0 h"
    assert shown["Progress"] == "88%"


def test_a_sliced_key_result_names_its_slice_and_shows_its_data(scenario):
    at = open_key_result("csat-emea")
    assert not at.exception
    # expected 76 + 10 · 45/91 = 80.945055; gap (80.4 − 80.945055) / 10 = −0.054505
    assert explanation(at) == (
        "At 49% of the cycle CSAT in region EMEA should be 80.9 points; it is 80.4 points, "
        "5% of the span behind pace: on track."
    )
    assert "<code>region = EMEA</code>" in page_html(at)
    data = at.dataframe[0].value
    assert data.iloc[0]["value"] == pytest.approx(80.4)  # EMEA on Aug 14: 76 + 0.1 · 44


def test_a_stale_key_result_says_how_old_its_data_is(scenario):
    at = open_key_result("signups")
    assert not at.exception
    assert "Stale" in page_html(at)
    assert "<dt>Newest data</dt><dd>1 Aug 2026</dd>" in page_html(at)
    assert "<b>stale</b>: expected within 2 days" in page_html(at)
    assert explanation(at) == (
        "At 49% of the cycle signups should be 49.5 users; it is 64 users, "
        "15% of the span ahead of pace: on track."
    )


def test_the_data_table_lists_each_period_newest_first_with_a_download(scenario):
    at = open_key_result("csat")
    assert not at.exception
    data = at.dataframe[0].value
    assert list(data.columns) == ["period", "value"]
    assert len(data) == 45  # Jul 1 … Aug 14
    assert str(data.iloc[0]["period"]) == "2026-08-14"
    assert data.iloc[0]["value"] == pytest.approx(79.4)
    assert str(data.iloc[-1]["period"]) == "2026-07-01"
    assert data.iloc[-1]["value"] == pytest.approx(75.0)
    assert at.get("download_button")[0].label == "Download CSV"


def test_the_metric_and_its_source_are_described(scenario):
    at = open_key_result("csat")
    assert not at.exception
    html = page_html(at)
    assert "<b>Customer satisfaction (CSAT)</b>" in html
    assert "<code>score</code> at <code>answered_at</code> from <code>tickets_*.csv</code>" in html
    assert "<code>support</code> (csv) <code>exports/support</code>" in html
    assert "<dt>Newest data</dt><dd>14 Aug 2026</dd>" in html
    assert "fresh: expected within 2 days" in html


def test_an_unknown_key_result_says_so_and_links_to_the_others(scenario):
    at = open_key_result("nope")
    assert not at.exception
    assert "There is no key result with id `nope`" in texts(at)
    labels = [link.proto.label for link in at.get("page_link")]
    assert "Back to the overview" in labels
    assert "Increase CSAT from 75 to 90 — At risk" in labels
    assert "Reach 100 signups this quarter — On track" in labels


def test_a_missing_kr_parameter_asks_to_pick_one(scenario):
    at = open_key_result(None)
    assert not at.exception
    assert "No key result chosen" in texts(at)


def test_before_the_first_sync_the_page_says_to_run_sync(tmp_path, monkeypatch, as_of):
    monkeypatch.setenv("OKR_CATALOG", str(write_scenario(tmp_path)))
    at = open_key_result("csat")
    assert not at.exception
    assert explanation(at) == (
        "No value of CSAT is stored up to 15 Aug 2026: run <code>okr sync</code>, or check "
        "the metric's source on the Data health page: no data."
    )
    assert "No data yet: run `okr sync`." in texts(at)
    assert "never: run <code>okr sync</code>" in page_html(at)
    assert "Actual" not in chart_traces(at)


def test_a_broken_catalog_shows_its_problems_and_the_valid_key_results(
    tmp_path, monkeypatch, as_of
):
    catalog = synced_scenario(tmp_path)
    catalog.write_text(catalog.read_text().replace("metric: signups", "metric: signupz"))
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    at = open_key_result("csat")
    assert not at.exception
    assert "The catalog has" in at.warning[0].value
    assert "signupz" in at.warning[0].value
    assert explanation(at).startswith("At 49% of the cycle CSAT should be 82.4 points")


def test_a_source_password_is_never_shown(tmp_path, monkeypatch, as_of):
    catalog = write_scenario(tmp_path)
    text = catalog.read_text()
    text = text.replace(
        "sources:\n",
        "sources:\n  sales:\n    type: sql\n"
        "    url: postgresql://okr:s3cret-pw@db.example:5432/sales\n",
    )
    text = text.replace(
        "metrics:\n",
        "metrics:\n  arr:\n    label: ARR booked\n    source: sales\n    table: deals\n"
        "    time: closed_at\n    value: amount\n    agg: sum\n    unit: EUR\n"
        "    format: currency\n",
    )
    text += (
        "      - id: arr\n        title: Book 1M ARR\n        metric: arr\n"
        "        baseline: 0\n        target: 1000000\n        measure: to_date\n"
    )
    catalog.write_text(text)
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    at = open_key_result("arr")
    assert not at.exception
    assert at.title[0].value == "Book 1M ARR"
    shown = page_html(at) + texts(at)
    assert "postgresql://okr:***@db.example:5432/sales" in shown
    assert "s3cret" not in shown
