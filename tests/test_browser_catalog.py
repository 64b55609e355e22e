"""An analyst's session on the catalog page in a real Chromium at 1440x900: log in, add a
metric from a CSV export, map it to a new key result, preview both, save, sync, and find the
key result on the overview."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from okr.catalog import load_catalog
from okr.sync import sync
from tests.scenario import AS_OF, write_scenario

pytestmark = pytest.mark.browser

PASSWORD = "analyst-pass"
KR_TITLE = "Raise the best ticket score from 80 to 90"


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script after the last interaction."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout)
    page.wait_for_timeout(200)


def widget(page, key: str):
    return page.locator(f".st-key-{key}")


def type_into(page, key: str, text: str) -> None:
    box = widget(page, key).locator("input, textarea").first
    box.fill(text)
    box.press("Enter" if box.evaluate("e => e.tagName") == "INPUT" else "Control+Enter")
    settle(page)


def choose(page, key: str, option: str) -> None:
    """Pick `option` in a selectbox by typing it, or enter it as a new value."""
    box = widget(page, key).locator('input[role="combobox"]')
    box.click()
    box.fill(option)
    match = page.get_by_role("option", name=option, exact=True)
    try:
        match.first.wait_for(timeout=3_000)
        match.first.click()
    except PlaywrightTimeout:
        box.press("Enter")
    settle(page)


def click(page, key: str) -> None:
    widget(page, key).locator("button").first.click()
    settle(page)


def assert_calm(page) -> None:
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert "StreamlitAPIException" not in body


def test_an_analyst_adds_a_metric_and_key_result_and_sees_it_on_the_overview(
    browser, dashboard_factory, screenshot_dir: Path, tmp_path: Path
):
    catalog_path = write_scenario(tmp_path)
    dashboard = dashboard_factory(
        catalog_path, env={"OKR_AS_OF": AS_OF.isoformat(), "OKR_EDITOR_PASSWORD": PASSWORD}
    )
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(dashboard.page_url("catalog"))
    page.get_by_role("heading", name="Catalog").wait_for(timeout=60_000)
    settle(page)
    assert_calm(page)
    assert page.get_by_text("2 sources · 3 metrics · 2 objectives · 4 key results").is_visible()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.screenshot(path=str(screenshot_dir / "catalog_browse.png"))

    # Log in.
    page.get_by_text("Log in to edit the catalog").click()
    type_into(page, "catalog_password", PASSWORD)
    click(page, "catalog_login")
    page.get_by_role("tab", name="Edit").click()
    settle(page)

    # A metric from the tickets export, with its columns offered by the page.
    type_into(page, "metric_id", "best_score")
    choose(page, "metric_table", "tickets_*.csv")
    choose(page, "metric_time", "answered_at")
    choose(page, "metric_agg", "max")
    choose(page, "metric_value", "score")
    type_into(page, "metric_label", "Best ticket score")
    type_into(page, "metric_unit", "points")
    click(page, "metric_preview_run")
    page.get_by_text("45 days from 2026-07-01 to 2026-08-14").wait_for()
    assert_calm(page)
    click(page, "metric_apply")
    page.get_by_text("Applied to the draft: add metric 'best_score'").wait_for()

    # A key result on it, previewed with its pace.
    widget(page, "edit_kind").get_by_text("Key result").click()
    settle(page)
    type_into(page, "kr_id", "best-score")
    type_into(page, "kr_title", KR_TITLE)
    choose(page, "kr_metric", "Best ticket score")
    type_into(page, "kr_baseline_number", "80")
    type_into(page, "kr_target_number", "90")
    type_into(page, "kr_owner", "Support leads")
    click(page, "kr_preview_run")
    # Max score on Aug 14: EMEA 76 + 0.1 * 44 = 80.4; pace 80 + 10 * 45/91 = 84.9.
    page.get_by_text("would read 80.4 points against a pace of 84.9 points").wait_for()
    assert_calm(page)
    widget(page, "kr_owner").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "catalog_edit.png"))
    click(page, "kr_apply")

    # Review and save.
    page.get_by_role("heading", name="Review and save").wait_for()
    click(page, "catalog_save")
    page.get_by_text("Saved metrics.yml").wait_for()
    assert_calm(page)
    catalog = load_catalog(catalog_path)
    assert catalog.metrics["best_score"].agg == "max"
    assert catalog.key_result("best-score").title == KR_TITLE

    # Sync, then the key result shows on the overview.
    records = sync(catalog)
    assert [r.source for r in records if not r.ok] == []
    page.goto(dashboard.page_url(""))
    page.get_by_text(KR_TITLE).wait_for(timeout=60_000)
    settle(page)
    assert_calm(page)
