"""The TV page through the real entry point (Streamlit AppTest) on the shared scenario.

Expected numbers are the hand-computed ones of tests/scenario.py at 2026-08-15.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from okr.store import Store, StoreBusy
from tests.scenario import synced_scenario, write_scenario
from ui import state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def catalog(tmp_path, monkeypatch) -> Path:
    path = synced_scenario(tmp_path)
    monkeypatch.setenv("OKR_CATALOG", str(path))
    monkeypatch.setenv("OKR_AS_OF", "2026-08-15")
    state.clear()
    return path


def open_tv(query: dict | None = None, app: AppTest | None = None) -> AppTest:
    at = app or AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.switch_page("pages/tv.py")
    at.run()
    return at


def wall(at: AppTest) -> str:
    bodies = [h.proto.body for h in at.html if 'id="okr-tv"' in h.proto.body]
    assert len(bodies) == 1, "the page draws exactly one wall"
    return bodies[0]


def text(fragment: str) -> str:
    """The words a person sees in an HTML fragment."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def tiles(body: str) -> dict[str, str]:
    """Each KR tile's text, by KR id."""
    found = re.findall(r'<article class="tv-tile[^"]*" data-kr="([^"]+)".*?</article>', body)
    blocks = re.findall(r'(<article class="tv-tile[^"]*" data-kr="[^"]+".*?</article>)', body)
    return dict(zip(found, (text(b) for b in blocks), strict=True))


def objectives_shown(body: str) -> list[str]:
    return re.findall(r'<section class="tv-band" data-objective="([^"]+)"', body)


def part(body: str, css_class: str) -> str:
    match = re.search(rf'<(\w+) class="{css_class}"[^>]*>(.*?)</\1>', body, re.S)
    return text(match.group(2)) if match else ""


def test_the_wall_shows_every_objective_of_the_current_cycle_with_its_numbers(catalog):
    at = open_tv()
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support", "growth"]
    shown = tiles(body)
    assert list(shown) == ["csat", "response", "csat-emea", "signups"]
    assert "▲ At risk" in shown["csat"]
    assert "79.4 points target 90 points" in shown["csat"]
    assert "29% done · pace 49%" in shown["csat"]
    assert "● On track" in shown["response"]
    assert "1.5 h target 1.0 h" in shown["response"]
    assert "88% done · pace 49%" in shown["response"]
    assert "80.4 points target 86 points" in shown["csat-emea"]
    assert "44% done · pace 49%" in shown["csat-emea"]
    assert "64 users target 100 users" in shown["signups"]
    assert "64% done · pace 49%" in shown["signups"]


def test_the_header_names_the_cycle_its_elapsed_share_and_the_counts_by_status(catalog):
    at = open_tv()
    assert not at.exception
    body = wall(at)
    assert part(body, "tv-cycle-label") == "2026-Q3"
    # 45 of 91 days gone; Sep 30 is 46 days after Aug 15.
    assert part(body, "tv-cycle-sub") == "1 Jul – 30 Sep · 49% elapsed · 46 days left"
    counts = dict(re.findall(r'<div class="tv-count" data-status="(\w+)"><span[^>]*>(\d+)', body))
    assert counts == {"at_risk": "1", "on_track": "3"}
    assert part(body, "tv-updated-ago") in {"Updated just now", "Updated 1 min ago"}


def test_objective_cards_show_their_status_and_weighted_progress(catalog):
    body = wall(open_tv())
    cards = dict(
        re.findall(r'data-objective="([^"]+)"[^>]*><div class="tv-objective".*?(\d+%)', body)
    )
    # support: (0.293333 + 0.88 + 0.44) / 3 = 0.537778; growth: 0.64.
    assert cards == {"support": "54%", "growth": "64%"}
    assert "Delight our customers in support" in text(body)
    assert "Head of Support" in text(body)


def test_stale_data_is_marked_on_its_tile_and_counted_in_the_header(catalog):
    at = open_tv()
    assert not at.exception
    body = wall(at)
    shown = tiles(body)
    assert "◷ Stale · data from 1 Aug" in shown["signups"]
    assert all("Stale" not in shown[k] for k in ("csat", "response", "csat-emea"))
    assert 'class="tv-tile tv-is-stale" data-kr="signups"' in body
    assert part(body, "tv-stale-note") == "◷ 1 KR on stale data"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tag": "leadership"}, ["support"]),
        ({"tag": "LEADERSHIP,product"}, ["support"]),
        ({"owner": "growth lead"}, ["growth"]),
        ({"owner": ["Growth lead", "Head of Support"]}, ["support", "growth"]),
        ({"objective": "growth"}, ["growth"]),
        ({"cycle": "2026-Q3"}, ["support", "growth"]),
        ({"cycle": "2026", "tag": "leadership"}, ["support"]),
    ],
)
def test_filters_in_the_address_narrow_what_is_shown(catalog, query, expected):
    at = open_tv(query)
    assert not at.exception
    assert objectives_shown(wall(at)) == expected


def test_a_filter_that_matches_nothing_says_so_calmly(catalog):
    at = open_tv({"cycle": "2026-Q2"})
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == []
    assert "No objectives to show" in text(body)
    assert part(body, "tv-cycle-label") == "2026-Q2"


def test_the_filters_in_use_are_named_in_the_footer(catalog):
    body = wall(open_tv({"tag": "leadership", "owner": "Head of Support"}))
    assert part(body, "tv-scope") == "owner Head of Support · tag leadership"


def test_an_unknown_objective_is_named_in_a_notice(catalog):
    body = wall(open_tv({"objective": "growth,nope"}))
    assert objectives_shown(body) == ["growth"]
    assert "No objective 'nope' in the catalog" in text(body)


def test_a_budget_of_one_row_splits_the_wall_into_two_pages(catalog):
    first = wall(open_tv({"per_page": "1", "page": "1"}))
    second = wall(open_tv({"per_page": "1", "page": "2"}))
    assert objectives_shown(first) == ["support"]
    assert objectives_shown(second) == ["growth"]
    assert part(first, "tv-page-words") == "Page 1 of 2"
    assert part(second, "tv-page-words") == "Page 2 of 2"
    assert second.count('<span class="tv-dot"></span>') == 1
    assert second.count('<span class="tv-dot tv-dot-on"></span>') == 1
    assert second.index("tv-dot tv-dot-on") > second.index('<span class="tv-dot"></span>')
    # The header still counts every key result the wall rotates through.
    counts = dict(re.findall(r'<div class="tv-count" data-status="(\w+)"><span[^>]*>(\d+)', second))
    assert counts == {"at_risk": "1", "on_track": "3"}


def test_without_a_pinned_page_the_page_follows_the_clock(catalog, monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_780_000_050.0)  # 30 s slot 59333335: odd
    body = wall(open_tv({"per_page": "1", "rotate": "30"}))
    assert part(body, "tv-page-words") == "Page 2 of 2"
    assert objectives_shown(body) == ["growth"]


def test_everything_on_one_page_shows_no_page_indicator(catalog):
    body = wall(open_tv())
    assert "tv-pager" not in body
    assert "Page 1" not in text(body)


def test_bad_numbers_in_the_address_fall_back_with_a_notice(catalog):
    at = open_tv({"rotate": "soon", "per_page": "0", "page": "1"})
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support"]
    assert part(body, "tv-page-words") == "Page 1 of 2"
    assert "rotate=soon is not a number; using 30" in text(body)
    assert "per_page=0 is below 1; using 1" in text(body)


def test_a_broken_catalog_keeps_the_last_good_picture_with_a_notice(catalog):
    at = open_tv()
    assert objectives_shown(wall(at)) == ["support", "growth"]
    catalog.write_text("version: 1\nobjectives: [\n")
    at.run()
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support", "growth"]
    assert "The catalog cannot be read" in text(body)
    assert "Showing the picture from" in text(body)
    assert "Traceback" not in text(body)


def test_a_catalog_with_problems_keeps_the_last_good_picture(catalog):
    at = open_tv()
    catalog.write_text(catalog.read_text().replace("metric: signups", "metric: nope"))
    at.run()
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support", "growth"]
    assert "The catalog has 1 problem; run okr validate. Showing the picture from" in text(body)


def test_a_busy_store_keeps_the_last_good_picture_with_a_notice(catalog, monkeypatch):
    at = open_tv()
    assert objectives_shown(wall(at)) == ["support", "growth"]

    def busy(*args, **kwargs):
        raise StoreBusy("the store is locked by another process")

    monkeypatch.setattr(Store, "query", busy)
    state.clear()
    at.run()
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support", "growth"]
    assert "The data store is busy" in text(body)
    assert "79.4 points" in tiles(body)["csat"]


def test_a_running_sync_is_mentioned_while_the_numbers_stay(catalog):
    store = Store(catalog.parent / "data" / "okr.duckdb")
    with store.writing():
        at = open_tv()
    assert not at.exception
    body = wall(at)
    assert "Sync in progress: the numbers update when it finishes" in text(body)
    assert "79.4 points" in tiles(body)["csat"]


def test_without_a_catalog_the_wall_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("OKR_CATALOG", str(tmp_path / "missing.yml"))
    state.clear()
    at = open_tv()
    assert not at.exception
    body = text(wall(at))
    assert "Nothing to show yet" in body
    assert "catalog file not found" in body


def test_before_the_first_sync_tiles_say_no_data_and_the_header_says_to_sync(tmp_path, monkeypatch):
    monkeypatch.setenv("OKR_CATALOG", str(write_scenario(tmp_path)))
    monkeypatch.setenv("OKR_AS_OF", "2026-08-15")
    state.clear()
    at = open_tv()
    assert not at.exception
    body = wall(at)
    assert objectives_shown(body) == ["support", "growth"]
    assert all("? No data" in t and "no data yet" in t for t in tiles(body).values())
    assert part(body, "tv-updated-ago") == "No data yet"
    assert part(body, "tv-updated-clock") == "run okr sync"


def test_the_page_hides_streamlit_chrome_and_draws_no_widgets(catalog):
    at = open_tv()
    assert not at.exception
    styles = [h.proto.body for h in at.html if h.proto.body.startswith("<style>")]
    assert len(styles) == 1
    for chrome in ("stSidebar", "stHeader", "stToolbar", "stStatusWidget", "stSidebarNav"):
        assert chrome in styles[0]
    assert "footer" in styles[0]
    assert len(at.button) == len(at.selectbox) == len(at.text_input) == 0
