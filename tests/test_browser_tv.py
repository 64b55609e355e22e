"""The TV wall in a real Chromium on the hand-computed scenario (OKR_AS_OF=2026-08-15).

Saves tests/screenshots/tv_1080p.png, tv_4k.png and tv_720p.png for people to look at.
"""

from __future__ import annotations

import time

import pytest

from okr.catalog import load_catalog
from okr.sync import sync
from tests.scenario import synced_scenario

pytestmark = pytest.mark.browser

AS_OF = {"OKR_AS_OF": "2026-08-15"}
HD = {"width": 1920, "height": 1080}


def open_wall(browser, url: str, viewport: dict = HD, tiles: int | None = 4):
    """The wall at `url` once Streamlit has drawn it (with `tiles` KR tiles, if given)."""
    page = browser.new_page(viewport=viewport)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#okr-tv", state="visible", timeout=60_000)
    if tiles is not None:
        page.wait_for_function(
            f"document.querySelectorAll('#okr-tv .tv-tile').length === {tiles}", timeout=60_000
        )
    return page


def assert_calm(page) -> None:
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "Error" not in body
    assert page.locator('[data-testid="stException"]').count() == 0


def assert_fits(page) -> None:
    """No scrollbar either way, and no tile or card cuts its own content off."""
    height, inner_height, width, inner_width = page.evaluate(
        "() => [document.scrollingElement.scrollHeight, innerHeight,"
        " document.scrollingElement.scrollWidth, innerWidth]"
    )
    assert height <= inner_height
    assert width <= inner_width
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('#okr-tv .tv-tile, #okr-tv .tv-objective')]"
        ".filter(e => e.scrollHeight > e.clientHeight + 1).map(e => e.dataset.kr || e.className)"
    )
    assert clipped == []


def font_sizes(page, selector: str) -> list[float]:
    return page.evaluate(
        f"() => [...document.querySelectorAll('{selector}')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )


def page_indicator(page) -> str:
    return page.inner_text("#okr-tv .tv-page-words")


@pytest.fixture
def catalog(tmp_path):
    return synced_scenario(tmp_path)


@pytest.fixture
def dashboard(dashboard_factory, catalog):
    return dashboard_factory(catalog, env=AS_OF)


def test_the_wall_fits_1080p_and_reads_from_across_the_room(browser, dashboard, screenshot_dir):
    page = open_wall(browser, dashboard.page_url("tv?rotate=30&refresh=60"))
    try:
        assert_calm(page)
        assert_fits(page)
        values = font_sizes(page, "#okr-tv .tv-value")
        titles = font_sizes(page, "#okr-tv .tv-kr-title") + font_sizes(
            page, "#okr-tv .tv-obj-title"
        )
        assert len(values) == 4 and min(values) >= 40
        assert len(titles) == 6 and min(titles) >= 24
        wall = page.inner_text("#okr-tv")
        assert "Delight our customers in support" in wall
        assert "Grow the user base" in wall
        assert "2026-Q3" in wall
        assert "Updated just now" in wall or "Updated 1 min ago" in wall
        assert "1 KR on stale data" in wall
        assert "79.4" in page.inner_text('[data-kr="csat"]')
        assert "Stale · data from 1 Aug" in page.inner_text('[data-kr="signups"]')
        # Every sparkline is an image the browser decoded.
        decoded = page.evaluate(
            "() => [...document.querySelectorAll('#okr-tv img.tv-spark')]"
            ".map(i => i.complete && i.naturalWidth > 0)"
        )
        assert decoded == [True] * 4
        page.screenshot(path=str(screenshot_dir / "tv_1080p.png"))
    finally:
        page.close()


def test_the_wall_shows_none_of_streamlits_chrome_even_embedded(browser, dashboard):
    page = open_wall(browser, dashboard.page_url("tv?embed=true&refresh=60"))
    try:
        assert_calm(page)
        assert_fits(page)
        for chrome in ("stHeader", "stSidebar", "stToolbar", "stStatusWidget", "stSidebarNav"):
            assert not page.locator(f'[data-testid="{chrome}"]').is_visible()
        assert page.locator('[data-kr="response"]').is_visible()
    finally:
        page.close()


@pytest.mark.parametrize(
    ("viewport", "name", "smallest_value"),
    [
        ({"width": 3840, "height": 2160}, "tv_4k.png", 80),
        ({"width": 1280, "height": 720}, "tv_720p.png", 26),
    ],
)
def test_the_wall_scales_to_4k_and_720p_without_scrolling(
    browser, dashboard, screenshot_dir, viewport, name, smallest_value
):
    page = open_wall(browser, dashboard.page_url("tv"), viewport=viewport)
    try:
        assert_calm(page)
        assert_fits(page)
        assert min(font_sizes(page, "#okr-tv .tv-value")) >= smallest_value
        page.screenshot(path=str(screenshot_dir / name))
    finally:
        page.close()


def test_the_wall_rotates_through_its_pages(browser, dashboard):
    page = open_wall(browser, dashboard.page_url("tv?rotate=2&per_page=1"), tiles=None)
    try:
        page.wait_for_selector("#okr-tv .tv-page-words", timeout=60_000)
        first = page_indicator(page)
        assert first in {"Page 1 of 2", "Page 2 of 2"}
        other = "Page 2 of 2" if first == "Page 1 of 2" else "Page 1 of 2"
        page.wait_for_function(
            "(want) => document.querySelector('#okr-tv .tv-page-words')?.innerText === want",
            arg=other,
            timeout=15_000,
        )
        shown = page.evaluate(
            "() => [...document.querySelectorAll('#okr-tv .tv-band')].map(b => b.dataset.objective)"
        )
        assert shown == (["growth"] if other == "Page 2 of 2" else ["support"])
        assert page.locator("#okr-tv .tv-dot-on").count() == 1
        assert_fits(page)
        assert_calm(page)
    finally:
        page.close()


def test_a_sync_shows_up_after_one_refresh_without_reloading(browser, dashboard, catalog):
    page = open_wall(browser, dashboard.page_url("tv?refresh=2"))
    try:
        page.evaluate("() => { window.__okr_marker = 1; }")
        assert "79.4" in page.inner_text('[data-kr="csat"]')
        # Two answers on Aug 15 (EMEA 90, US 88): the latest daily CSAT becomes 89.
        august = catalog.parent / "exports" / "support" / "tickets_2026-08.csv"
        with august.open("a") as export:
            export.write("2026-08-15 10:00:00,EMEA,90.0,1.2\n2026-08-15 15:00:00,US,88.0,1.2\n")
        records = sync(load_catalog(catalog))
        assert all(r.ok for r in records)
        started = time.monotonic()
        page.wait_for_function(
            "() => document.querySelector('[data-kr=\"csat\"] .tv-value')"
            "?.innerText.startsWith('89')",
            timeout=20_000,
        )
        assert time.monotonic() - started < 20
        assert page.evaluate("() => window.__okr_marker") == 1
        assert_calm(page)
    finally:
        page.close()
