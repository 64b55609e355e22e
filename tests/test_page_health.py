"""The Data health page through the real entry point, on the hand-computed scenario:
signups (newest Aug 1, freshness 2 days) is stale on Aug 15; one row of
tickets_2026-08.csv (line 30, score 'n/a') is quarantined."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.scenario import write_scenario

ROOT = Path(__file__).resolve().parent.parent


def open_health() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/health.py")
    return at.run()


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has `column`."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


def metric_states(at: AppTest) -> dict[str, str]:
    metrics = table_with(at, "Used by key results")
    return dict(zip(metrics["Metric"], metrics["State"], strict=True))


def page_text(at: AppTest) -> str:
    return "\n".join(
        str(element.value)
        for kind in ("markdown", "caption", "warning", "error", "success", "info")
        for element in getattr(at, kind)
    )


def test_the_quarantined_row_is_listed_with_its_file_line_and_reason(scenario):
    at = open_health()
    assert not at.exception
    rows = table_with(at, "reason")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["origin"], int(row["line"])) == ("tickets_2026-08.csv", 30)
    assert "n/a" in row["row"]
    assert row["reason"].strip()
    assert "1 quarantined row" in page_text(at)
    assert at.download_button(key="health_quarantine_download_support")


def test_signups_is_marked_stale_and_the_support_metrics_fresh(scenario):
    at = open_health()
    assert not at.exception
    assert metric_states(at) == {
        "Customer satisfaction (CSAT)": "✓ Fresh",
        "First response time": "✓ Fresh",
        "Signups": "◷ Stale",
    }
    metrics = table_with(at, "Used by key results").set_index("Metric")
    # Signups: newest Aug 1, 14 days before Aug 15; CSAT: Aug 14, one day.
    assert metrics.loc["Signups", "Age"] == "14 days"
    assert metrics.loc["Customer satisfaction (CSAT)", "Age"] == "1 day"
    assert metrics.loc["Signups", "Freshness"] == "2 days"
    assert metrics.loc["Customer satisfaction (CSAT)", "Used by key results"] == "csat, csat-emea"
    assert "1 stale metric:** signups" in at.warning[0].value


def test_each_source_shows_its_folder_and_last_sync(scenario):
    at = open_health()
    assert not at.exception
    text = page_text(at)
    assert "`exports/support`" in text
    assert "`exports/product`" in text
    strips = [m.value for m in at.markdown if "okr-stats" in m.value]
    assert len(strips) == 2
    # The support source read 2 rows a day for 45 days plus the broken one: 91; the
    # product source 2 rows a day for 32 days: 64.
    assert ">91<" in strips[0] and ">64<" in strips[1]
    cards = {m.label: m.value for m in at.metric}
    assert cards["Sources working"] == "2 of 2"
    assert cards["Metrics fresh"] == "2 of 3"
    assert cards["Quarantined rows"] == "1"


def test_sync_now_loads_new_rows_shows_its_steps_and_clears_staleness(scenario):
    signups = scenario.parent / "exports" / "product" / "signups.csv"
    with signups.open("a") as handle:
        handle.write("2026-08-14 11:00:00,free\n2026-08-15 08:00:00,pro\n")
    at = open_health()
    assert metric_states(at)["Signups"] == "◷ Stale"
    at.button(key="sync_now").click().run()
    assert not at.exception
    assert "Sync finished: product ✓, support ✓" in at.success[0].value
    steps = at.expander[0]
    assert steps.label == "Steps of the last sync"
    assert "product: done" in steps.markdown[0].value
    assert "support: done" in steps.markdown[0].value
    assert metric_states(at)["Signups"] == "✓ Fresh"


def test_a_failing_source_shows_its_error_and_the_rest_keeps_going(scenario):
    (scenario.parent / "exports" / "product" / "signups.csv").unlink()
    at = open_health()
    at.button(key="sync_now").click().run()
    assert not at.exception
    assert "Sync finished with failures: product ⚠ failed, support ✓" in at.warning[0].value
    errors = "\n".join(e.value for e in at.error)
    assert "1 source failing:** product" in errors
    assert "The last sync failed." in errors
    assert "The values shown come from the last good sync" in errors
    assert "Traceback" not in page_text(at)
    # Support still synced: its quarantined row is still listed.
    assert len(table_with(at, "reason")) == 1


def test_before_the_first_sync_every_source_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("OKR_CATALOG", str(write_scenario(tmp_path)))
    monkeypatch.setenv("OKR_AS_OF", "2026-08-15")
    at = open_health()
    assert not at.exception
    assert [i.value for i in at.info].count(
        "Never synced.\n\nPress **Sync now** above, or run `okr sync`."
    ) == 2
    assert set(metric_states(at).values()) == {"? No data"}
