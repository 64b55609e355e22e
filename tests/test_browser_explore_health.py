"""Explore and Data health in a real Chromium at 1440x900, on the hand-computed scenario.

Each test saves a screenshot (tests/screenshots/explore.png, health.png) for people to look at.
"""

from __future__ import annotations

import pytest

from tests.scenario import synced_scenario

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1440, "height": 900}
AS_OF = {"OKR_AS_OF": "2026-08-15"}


def open_page(browser, url: str, ready: str):
    """A page at `url` once Streamlit has finished running and `ready` is visible."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector(ready, state="visible", timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    return page


def assert_in_dashboard_frame(page) -> None:
    """A shared link opens inside the dashboard's navigation, not as a lone page file."""
    navigation = page.inner_text('[data-testid="stSidebarNav"]')
    assert "Data health" in navigation and "Explore" in navigation


def assert_calm(page) -> None:
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "Error" not in body
    assert page.locator('[data-testid="stException"]').count() == 0


def test_explore_draws_csat_by_week_and_region(
    browser, dashboard_factory, tmp_path, screenshot_dir
):
    dashboard = dashboard_factory(synced_scenario(tmp_path), env=AS_OF)
    page = open_page(
        browser,
        dashboard.page_url(
            "explore?metrics=csat&grain=week&by=region&from=2026-07-01&to=2026-08-14"
        ),
        '[data-testid="stPlotlyChart"] .main-svg',
    )
    try:
        assert_calm(page)
        assert_in_dashboard_frame(page)
        body = page.inner_text("body")
        assert "Explore" in body
        assert "Customer satisfaction (CSAT)" in body
        # One line per region: the legend names both.
        legend = page.locator('[data-testid="stPlotlyChart"] .legend').first.text_content()
        assert "EMEA" in legend and "US" in legend
        # The address still holds the whole view after the page wrote it back.
        assert "metrics=csat" in page.url and "by=region" in page.url and "grain=week" in page.url
        page.screenshot(path=str(screenshot_dir / "explore.png"), full_page=True)
    finally:
        page.close()


def test_health_shows_sources_quarantine_and_stale_signups(
    browser, dashboard_factory, tmp_path, screenshot_dir
):
    dashboard = dashboard_factory(synced_scenario(tmp_path), env=AS_OF)
    page = open_page(browser, dashboard.page_url("health"), '[data-testid="stDataFrame"]')
    try:
        body = page.inner_text("body")
        assert "Traceback" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Data health" in body
        assert_in_dashboard_frame(page)
        assert "1 stale metric: signups" in body
        assert "1 quarantined row" in body
        assert "exports/support" in body
        assert page.get_by_role("button", name="Sync now").is_visible()
        page.screenshot(path=str(screenshot_dir / "health.png"), full_page=True)
    finally:
        page.close()
