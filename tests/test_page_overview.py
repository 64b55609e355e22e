"""The Overview page through the real entry point, on the hand-computed scenario.

At 15 Aug 2026 (45 of 91 days: the pace marker sits at 49.5% of each bar): csat 79.4 points
of 90, 29%, at risk and drifting; response 1.5 h of 1.0 h, 88%, on track; csat-emea 80.4
of 86, 44%, on track; signups 64 of 100 users, 64%, on track and stale. Objectives:
support at risk at 54%, growth on track at 64%. Confidence: (3 on track − 0 off track) / 4.
"""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.scenario import CATALOG, synced_scenario, write_scenario

ROOT = Path(__file__).resolve().parent.parent


def open_overview(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def page_html(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in at.html)


def texts(at: AppTest) -> str:
    return "\n".join(
        str(element.value)
        for kind in ("title", "subheader", "caption", "warning", "info", "error", "markdown")
        for element in getattr(at, kind)
    )


def kr_row(at: AppTest, kr_id: str) -> str:
    """The HTML of one key result's row."""
    match = re.search(rf'data-kr="{re.escape(kr_id)}">(.*?)(?=data-kr="|$)', page_html(at), re.S)
    assert match, f"no row for key result {kr_id!r}"
    return match.group(1)


def objective_head(at: AppTest, objective_id: str) -> str:
    pattern = rf'data-objective="{re.escape(objective_id)}">(.*?)(?=data-kr="|$)'
    match = re.search(pattern, page_html(at), re.S)
    assert match, f"no objective {objective_id!r}"
    return match.group(1)


def headline(at: AppTest) -> dict[str, str]:
    """The number on each headline card, by status (and 'confidence')."""
    block = re.search(r'<div class="okr-headline">(.*)', page_html(at), re.S).group(1)
    cards = dict(re.findall(r'data-status="(\w+)"><div class="okr-stat-number">([^<]+)<', block))
    cards["confidence"] = re.search(
        r'<div class="okr-stat-number">([^<]+)</div><div class="okr-stat-label"><b>Confidence',
        block,
    ).group(1)
    return cards


def shown_objectives(at: AppTest) -> list[str]:
    return re.findall(r'data-objective="([^"]+)"', page_html(at))


def test_every_key_result_shows_current_against_target_in_its_metrics_format(scenario):
    at = open_overview()
    assert not at.exception
    csat = kr_row(at, "csat")
    assert "<b>79.4 points</b>" in csat
    assert "/ 90 points" in csat
    assert ">29%<" in csat  # progress 4.4 / 15
    assert "At risk" in csat
    response = kr_row(at, "response")
    assert "<b>1.5 h</b>" in response  # 1.48 h
    assert "/ 1.0 h" in response
    assert ">88%<" in response
    assert "On track" in response
    emea = kr_row(at, "csat-emea")
    assert "<b>80.4 points</b>" in emea and ">44%<" in emea and "On track" in emea
    signups = kr_row(at, "signups")
    assert "<b>64 users</b>" in signups and "/ 100 users" in signups and ">64%<" in signups


def test_each_progress_bar_marks_where_the_pace_says_it_should_be(scenario):
    at = open_overview()
    assert not at.exception
    # 45 of 91 days: the pace is at 49.5% of the span for every KR of the scenario
    for kr_id in ("csat", "response", "csat-emea", "signups"):
        assert "left:calc(49.5% - 1px)" in kr_row(at, kr_id)


def test_badges_mark_the_drifting_and_the_stale_key_results(scenario):
    at = open_overview()
    assert not at.exception
    assert "Drifting" in kr_row(at, "csat")
    assert "Stale" not in kr_row(at, "csat")
    assert "Stale" in kr_row(at, "signups")  # newest period 1 Aug, freshness 2 days
    assert "Drifting" not in kr_row(at, "signups")


def test_each_title_links_to_its_key_result_page(scenario):
    at = open_overview()
    assert not at.exception
    assert 'href="key_result?kr=csat"' in kr_row(at, "csat")
    assert 'href="key_result?kr=csat-emea"' in kr_row(at, "csat-emea")
    assert "Increase CSAT from 75 to 90</a>" in kr_row(at, "csat")


def test_each_row_has_a_sparkline_of_its_points(scenario):
    at = open_overview()
    assert not at.exception
    assert 'src="data:image/svg+xml;base64,' in kr_row(at, "csat")
    assert "Increase CSAT from 75 to 90: At risk, 45 values" in kr_row(at, "csat")


def test_objectives_show_their_roll_up_status_and_progress(scenario):
    at = open_overview()
    assert not at.exception
    support = objective_head(at, "support")
    assert "Delight our customers in support" in support
    assert "Owner: Head of Support" in support
    assert ">54%<" in support  # (0.293333 + 0.88 + 0.44) / 3 = 0.537778
    assert "At risk" in support
    growth = objective_head(at, "growth")
    assert ">64%<" in growth and "On track" in growth


def test_the_headline_counts_statuses_and_scores_confidence(scenario):
    at = open_overview()
    assert not at.exception
    assert headline(at) == {"on_track": "3", "at_risk": "1", "off_track": "0", "confidence": "+75"}


def test_objectives_are_grouped_under_their_cycle(scenario):
    at = open_overview()
    assert not at.exception
    assert [s.value for s in at.main.subheader] == ["2026-Q3"]
    assert "1 Jul – 30 Sep 2026 · 46 days left" in texts(at)
    assert "Judged as of **15 Aug 2026**" in texts(at)


def test_the_owner_filter_in_the_address_narrows_the_objectives(scenario):
    at = open_overview(owner="Growth lead")
    assert not at.exception
    assert at.sidebar.selectbox(key="owner").value == "Growth lead"
    assert shown_objectives(at) == ["growth"]
    assert headline(at) == {"on_track": "1", "at_risk": "0", "off_track": "0", "confidence": "+100"}


def test_the_tag_filter_in_the_address_narrows_the_objectives(scenario):
    at = open_overview(tag="leadership")
    assert not at.exception
    assert at.sidebar.selectbox(key="tag").value == "leadership"
    assert shown_objectives(at) == ["support"]
    # csat at risk, response and csat-emea on track: (2 − 0) / 3 = 0.667
    assert headline(at)["confidence"] == "+67"


def test_the_cycle_filter_keeps_the_objectives_of_that_cycle(scenario):
    at = open_overview(cycle="2026-Q3")
    assert not at.exception
    assert at.sidebar.selectbox(key="cycle").value == "2026-Q3"
    assert shown_objectives(at) == ["support", "growth"]


def test_an_unknown_filter_value_in_the_address_shows_everything(scenario):
    at = open_overview(owner="Nobody")
    assert not at.exception
    assert at.sidebar.selectbox(key="owner").value == "All owners"
    assert shown_objectives(at) == ["support", "growth"]


def test_choosing_a_filter_in_the_sidebar_narrows_the_objectives(scenario):
    at = open_overview()
    at.sidebar.selectbox(key="tag").select("leadership").run()
    assert not at.exception
    assert shown_objectives(at) == ["support"]


def test_filters_that_match_nothing_say_how_to_see_everything(scenario):
    at = open_overview(owner="Growth lead", tag="leadership")
    assert not at.exception
    assert shown_objectives(at) == []
    assert "No objectives match these filters." in texts(at)


def test_cycles_running_today_come_before_upcoming_ones(tmp_path, monkeypatch, as_of):
    catalog = synced_scenario(tmp_path)
    catalog.write_text(
        catalog.read_text()
        + "  - id: next\n    title: Plan the next quarter\n    cycle: 2026-Q4\n"
        + "    key_results:\n      - id: csat-q4\n        title: Keep CSAT at 85\n"
        + "        metric: csat\n        baseline: 80\n        target: 85\n"
    )
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    at = open_overview()
    assert not at.exception
    assert [s.value for s in at.main.subheader] == ["2026-Q3", "2026-Q4"]
    assert "1 Oct – 31 Dec 2026 · starts in 47 days" in texts(at)
    assert "Not started" in kr_row(at, "csat-q4")


def test_a_broken_catalog_shows_its_problems_above_the_valid_part(tmp_path, monkeypatch, as_of):
    catalog = synced_scenario(tmp_path)
    catalog.write_text(
        catalog.read_text()
        + "  - id: broken\n    title: Measure something unknown\n    cycle: 2026-Q3\n"
        + "    key_results:\n      - id: nps\n        title: Lift NPS\n"
        + "        metric: nps\n        baseline: 10\n        target: 30\n"
    )
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    at = open_overview()
    assert not at.exception
    banner = at.warning[0].value
    assert "The catalog has" in banner and "problem" in banner
    assert "metrics.yml:" in banner and "nps" in banner
    assert {"support", "growth"} <= set(shown_objectives(at))
    assert "<b>79.4 points</b>" in kr_row(at, "csat")


def test_a_missing_catalog_says_how_to_get_one(tmp_path, monkeypatch, as_of):
    monkeypatch.setenv("OKR_CATALOG", str(tmp_path / "missing.yml"))
    at = open_overview()
    assert not at.exception
    assert "No catalog to show" in texts(at)
    assert "okr demo" in texts(at)


def test_a_catalog_without_objectives_says_where_to_add_them(tmp_path, monkeypatch, as_of):
    catalog = write_scenario(tmp_path)
    catalog.write_text(CATALOG.split("objectives:")[0])
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    at = open_overview()
    assert not at.exception
    assert "The catalog defines no objectives yet." in texts(at)


def test_before_the_first_sync_every_key_result_waits_for_data(tmp_path, monkeypatch, as_of):
    monkeypatch.setenv("OKR_CATALOG", str(write_scenario(tmp_path)))
    at = open_overview()
    assert not at.exception
    assert "No data yet: run `okr sync`" in texts(at)
    assert "No data" in kr_row(at, "csat")
    assert "<b>–</b>" in kr_row(at, "csat")
    assert headline(at) == {"on_track": "0", "at_risk": "0", "off_track": "0", "no_data": "4",
                            "confidence": "–"}  # fmt: skip
