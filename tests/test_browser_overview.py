"""Overview and Key result in a real Chromium at 1440x900, on the hand-computed scenario.

Each page test saves a screenshot (tests/screenshots/overview.png, key_result.png) for
people to look at.
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
    wait_until_ready(page, ready)
    return page


def wait_until_ready(page, ready: str) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector(ready, state="visible", timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)


def assert_calm(page) -> None:
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "Error" not in body
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.fixture
def dashboard(dashboard_factory, tmp_path):
    return dashboard_factory(synced_scenario(tmp_path), env=AS_OF)


def test_the_overview_shows_objectives_with_their_key_results(browser, dashboard, screenshot_dir):
    page = open_page(browser, dashboard.page_url(""), ".okr-objective")
    try:
        assert_calm(page)
        body = page.inner_text("body")
        assert "Objectives" in body
        assert "Delight our customers in support" in body
        assert "Grow the user base" in body
        assert "+75" in body  # confidence: 3 on track, 1 at risk, of 4
        csat = page.locator('[data-kr="csat"]')
        assert "79.4 points" in csat.inner_text()
        assert "At risk" in csat.inner_text()
        # The sparkline is an image the browser actually decoded.
        width = csat.locator("img.okr-sparkline").evaluate("image => image.naturalWidth")
        assert width == 120
        page.screenshot(path=str(screenshot_dir / "overview.png"))
    finally:
        page.close()


def test_a_key_result_title_on_the_overview_opens_its_page(browser, dashboard):
    page = open_page(browser, dashboard.page_url(""), ".okr-objective")
    try:
        page.locator('[data-kr="csat"] a').click()
        page.wait_for_url("**/key_result?kr=csat", timeout=30_000)
        wait_until_ready(page, ".okr-explain")
        assert_calm(page)
        assert "Increase CSAT from 75 to 90" in page.inner_text("h1")
    finally:
        page.close()


def test_a_filter_in_the_address_reopens_the_same_view(browser, dashboard):
    page = open_page(browser, dashboard.page_url("?owner=Growth+lead"), ".okr-objective")
    try:
        assert_calm(page)
        body = page.inner_text("body")
        assert "Grow the user base" in body
        assert "Delight our customers in support" not in body
        assert "owner=Growth" in page.url
    finally:
        page.close()


def test_the_key_result_page_draws_the_trajectory_and_explains_the_status(
    browser, dashboard, screenshot_dir
):
    # The overview first: see test_a_shared_link_opens_inside_the_dashboard_frame.
    page = open_page(browser, dashboard.page_url(""), ".okr-objective")
    try:
        page.goto(dashboard.page_url("key_result?kr=csat"), wait_until="domcontentloaded")
        wait_until_ready(page, '[data-testid="stPlotlyChart"] .main-svg')
        assert_calm(page)
        body = page.inner_text("body")
        assert "Increase CSAT from 75 to 90" in body
        assert (
            "At 49% of the cycle CSAT should be 82.4 points; it is 79.4 points, "
            "20% of the span behind pace: at risk." in body
        )
        legend = page.locator('[data-testid="stPlotlyChart"] .legend').first.text_content()
        for name in ("Actual", "Pace", "At risk zone", "Off track zone", "Forecast", "Target"):
            assert name in legend
        assert "Download CSV" in body
        page.screenshot(path=str(screenshot_dir / "key_result.png"))
    finally:
        page.close()


def test_a_shared_link_opens_inside_the_dashboard_frame(browser, dashboard):
    page = open_page(browser, dashboard.page_url("key_result?kr=csat"), ".okr-explain")
    try:
        navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overview" in navigation
        assert "dashboard" not in navigation
    finally:
        page.close()


def test_an_unknown_key_result_offers_the_way_back(browser, dashboard):
    page = open_page(
        browser, dashboard.page_url("key_result?kr=nope"), 'text="Back to the overview"'
    )
    try:
        assert_calm(page)
        body = page.inner_text("body")
        assert "There is no key result with id nope" in body
        assert "Back to the overview" in body
    finally:
        page.close()
