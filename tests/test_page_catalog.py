"""The catalog page (`/catalog`) through the real entry point: browsing, logging in, adding and
changing entries, previewing against the source, validating, saving and recovering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from okr.catalog import load_catalog
from tests.scenario import AS_OF, CATALOG, write_scenario

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse"

# The scenario's catalog with the comments an analyst's file has; saves must keep them.
COMMENTED = (
    "# Company OKRs: edited by the data team and from the dashboard.\n"
    + CATALOG.replace("settings:\n", "settings:   # see the README\n")
    .replace("sources:\n", "# --- where rows come from ---\nsources:\n")
    .replace("    path: exports/support\n", "    path: exports/support   # nightly export\n")
    .replace("    agg: avg\n    dimensions: [region]\n", "    agg: avg   # sum/count\n    dimensions: [region]\n")
    .replace("objectives:\n", "# --- objectives ---\nobjectives:\n")
    .replace("        target: 90\n", "        target: 90        # agreed in June\n")
)  # fmt: skip


@pytest.fixture
def catalog_path(tmp_path: Path, monkeypatch) -> Path:
    path = write_scenario(tmp_path)
    path.write_text(COMMENTED)
    monkeypatch.setenv("OKR_CATALOG", str(path))
    monkeypatch.setenv("OKR_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv("OKR_EDITOR_PASSWORD", raising=False)
    return path


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/catalog.py")
    return at


def logged_in(monkeypatch) -> AppTest:
    monkeypatch.setenv("OKR_EDITOR_PASSWORD", PASSWORD)
    at = open_page().run()
    assert not at.exception
    at.text_input(key="catalog_password").set_value(PASSWORD)
    at.button(key="catalog_login").click().run()
    assert not at.exception
    return at


def keys(at: AppTest) -> set[str]:
    widgets = [*at.selectbox, *at.text_input, *at.button, *at.radio, *at.number_input]
    return {w.key for w in widgets if w.key}


def texts(at: AppTest) -> str:
    """Everything the page says in text elements, for checks on what is shown."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success",
                                  "code", "title") for e in getattr(at, kind)]  # fmt: skip
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(str(p) for p in parts)


def fill_new_metric(at: AppTest, metric_id: str, table: str, agg: str = "max") -> None:
    at.text_input(key="metric_id").set_value(metric_id)
    at.selectbox(key="metric_table").set_value(table)
    at.run()
    at.selectbox(key="metric_time").set_value("answered_at")
    at.selectbox(key="metric_value").set_value("score")
    at.selectbox(key="metric_agg").set_value(agg)
    at.text_input(key="metric_label").set_value("Best ticket score")
    at.text_input(key="metric_unit").set_value("points")
    at.run()


# -- browsing -------------------------------------------------------------------------------


def test_the_page_lists_metrics_key_results_and_sources(catalog_path):
    at = open_page().run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Metrics", "Key results", "Sources"]
    metrics = at.tabs[0].dataframe[0].value
    assert list(metrics["ID"]) == ["csat", "first_response", "signups"]
    assert list(metrics["Used by"]) == ["csat, csat-emea", "response", "signups"]
    assert metrics["Definition"][0] == (
        "avg(score) of tickets_*.csv (time: answered_at), per day, by region"
    )
    assert metrics["Fresh within"][0] == "2 days"
    support_krs = at.tabs[1].dataframe[0].value
    assert list(support_krs["ID"]) == ["csat", "response", "csat-emea"]
    assert list(support_krs["Baseline → target"]) == [
        "75 points → 90 points",
        "5.0 h → 1.0 h",
        "76 points → 86 points",
    ]
    sources = at.tabs[2].dataframe[0].value
    assert list(sources["Location"]) == ["exports/support", "exports/product"]


def test_the_search_filters_metrics_key_results_and_sources(catalog_path):
    at = open_page().run()
    at.text_input(key="q").set_value("signup").run()
    assert not at.exception
    assert list(at.tabs[0].dataframe[0].value["ID"]) == ["signups"]
    assert [list(d.value["ID"]) for d in at.tabs[1].dataframe] == [["signups"]]
    assert list(at.tabs[2].dataframe[0].value["Source"]) == ["product"]


def test_a_search_that_matches_nothing_says_so(catalog_path):
    at = open_page().run()
    at.text_input(key="q").set_value("zebra").run()
    assert not at.exception
    assert "No metric matches “zebra”." in at.tabs[0].info[0].value


def test_lint_warnings_are_shown_next_to_what_they_concern(catalog_path):
    at = open_page().run()
    growth = at.tabs[1].markdown
    assert any(
        "has 1 key result; 2 to 5 measure an objective from more than one side" in m.value
        for m in growth
    )


# -- access ---------------------------------------------------------------------------------


def test_editing_is_disabled_when_no_editor_login_is_configured(catalog_path):
    at = open_page().run()
    assert not at.exception
    assert "Edit" not in [t.label for t in at.tabs]
    assert not {"catalog_password", "metric_pick", "catalog_save"} & keys(at)
    assert "Editing is off. To turn it on, set OKR_EDITOR_PASSWORD" in texts(at)


def test_a_wrong_password_keeps_editing_locked(catalog_path, monkeypatch):
    monkeypatch.setenv("OKR_EDITOR_PASSWORD", PASSWORD)
    at = open_page().run()
    at.text_input(key="catalog_password").set_value("incorrect horse")
    at.button(key="catalog_login").click().run()
    assert not at.exception
    assert at.error[0].value == "That password is not the editor password. Try again."
    assert "Edit" not in [t.label for t in at.tabs]
    assert "metric_pick" not in keys(at)


def test_the_editor_password_can_come_from_streamlit_secrets(catalog_path):
    at = open_page()
    at.secrets["editor_password"] = "from-secrets"
    at.run()
    at.text_input(key="catalog_password").set_value("from-secrets")
    at.button(key="catalog_login").click().run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Metrics", "Key results", "Sources", "Edit"]


def test_locking_hides_the_edit_controls_again(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.button(key="catalog_logout").click().run()
    assert not at.exception
    assert "metric_pick" not in keys(at)


# -- adding and changing ----------------------------------------------------------------------


def test_adding_a_metric_saves_only_its_new_lines(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    assert at.selectbox(key="metric_table").options[0] == "tickets_*.csv"
    fill_new_metric(at, "top_score", "tickets_*.csv")
    assert at.selectbox(key="metric_time").options == [
        "answered_at",
        "region",
        "score",
        "response_hours",
    ]
    at.button(key="metric_apply").click().run()
    assert not at.exception
    assert at.info[0].value == "Applied to the draft: add metric 'top\\_score'."
    assert "+  top_score:" in at.code[0].value
    at.button(key="catalog_save").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Saved metrics.yml: 8 lines changed")
    old, new = COMMENTED.splitlines(), catalog_path.read_text().splitlines()
    at_line = old.index("    freshness: 2d", old.index("  signups:")) + 1
    assert new[:at_line] == old[:at_line]
    assert new[at_line : at_line + 8] == [
        "  top_score:",
        "    label: Best ticket score",
        "    source: support",
        "    table: tickets_*.csv",
        "    time: answered_at",
        "    value: score",
        "    agg: max",
        "    unit: points",
    ]
    assert new[at_line + 8 :] == old[at_line:]
    assert load_catalog(catalog_path).metrics["top_score"].agg == "max"


def test_adding_a_key_result_maps_a_metric_to_an_objective(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_objective").set_value("growth")
    at.text_input(key="kr_id").set_value("csat-us")
    at.text_input(key="kr_title").set_value("Lift US CSAT from 74 to 84")
    at.selectbox(key="kr_metric").set_value("csat").run()
    at.text_input(key="kr_where_region").set_value("US")  # typed: nothing is synced yet
    at.number_input(key="kr_baseline_number").set_value(74)
    at.number_input(key="kr_target_number").set_value(84)
    at.text_input(key="kr_owner").set_value("US support lead")
    at.run()
    at.button(key="kr_apply").click().run()
    assert not at.exception
    at.button(key="catalog_save").click().run()
    assert not at.exception
    assert catalog_path.read_text().splitlines()[-7:] == [
        "      - id: csat-us",
        "        title: Lift US CSAT from 74 to 84",
        "        metric: csat",
        "        where: {region: US}",
        "        baseline: 74",
        "        target: 84",
        "        owner: US support lead",
    ]
    assert catalog_path.read_text().splitlines()[:-7] == COMMENTED.splitlines()
    kr = load_catalog(catalog_path).key_result("csat-us")
    assert (kr.objective, kr.where, kr.baseline, kr.target) == (
        "growth",
        (("region", "US"),),
        74.0,
        84.0,
    )


def test_changing_a_target_rewrites_one_line_and_keeps_its_comment(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_pick").set_value("csat").run()
    assert at.number_input(key="kr_baseline_number").value == 75
    assert at.number_input(key="kr_target_number").value == 90
    at.number_input(key="kr_target_number").set_value(95).run()
    at.button(key="kr_apply").click().run()
    assert at.info[0].value == ("Applied to the draft: change key result 'csat': target.")
    at.button(key="catalog_save").click().run()
    assert not at.exception
    old, new = COMMENTED.splitlines(), catalog_path.read_text().splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("        target: 90        # agreed in June", "        target: 95        # agreed in June")
    ]


def test_editing_a_source_changes_only_its_path(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Source").run()
    at.selectbox(key="source_pick").set_value("product").run()
    assert at.text_input(key="source_path").value == "exports/product"
    at.text_input(key="source_path").set_value("exports/growth").run()
    at.button(key="source_apply").click().run()
    at.button(key="catalog_save").click().run()
    assert not at.exception
    old, new = COMMENTED.splitlines(), catalog_path.read_text().splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("    path: exports/product", "    path: exports/growth")
    ]


def test_a_new_metric_id_that_exists_is_refused(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    fill_new_metric(at, "csat", "tickets_*.csv")
    at.button(key="metric_apply").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("A metric 'csat' already exists; pick it in the list")
    assert "catalog_save" not in keys(at)


# -- preview --------------------------------------------------------------------------------


def test_previewing_a_new_metric_shows_the_periods_it_would_produce(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    fill_new_metric(at, "top_score", "tickets_*.csv", agg="avg")
    at.button(key="metric_preview_run").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    # 45 days, Jul 1 - Aug 14, newest first; Aug 14: (80.4 + 78.4) / 2, Jul 1: (76 + 74) / 2.
    assert len(table) == 45
    assert list(table["Period"])[:1] + list(table["Period"])[-1:] == ["2026-08-14", "2026-07-01"]
    assert list(table["Value"])[:1] + list(table["Value"])[-1:] == ["79.4 points", "75 points"]
    assert "45 days from 2026-07-01 to 2026-08-14" in texts(at)
    assert "1 row would be quarantined" in texts(at)
    assert not catalog_path.with_name("data").exists()  # the store was not touched


def test_previewing_a_key_result_draws_its_baseline_target_and_pace(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_pick").set_value("csat").run()
    at.button(key="kr_preview_run").click().run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace.get("name") for trace in spec["data"]] == [
        "Pace",
        "Increase CSAT from 75 to 90",
        "Baseline 75 points",
    ]
    pace = spec["data"][0]
    assert (pace["x"], pace["y"]) == (["2026-07-01", "2026-09-30"], [75.0, 90.0])
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Target 90 points", "today"]
    assert spec["layout"]["shapes"][-1]["x0"] == "2026-08-15"
    # The scenario's hand-computed numbers for csat on Aug 15: current 79.4, pace 82.417582.
    said = texts(at)
    assert "would read <b>79.4 points</b> against a pace of <b>82.4 points</b>" in said
    assert "▲ At risk</span>" in said


def test_a_preview_reports_a_source_error_plainly(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    fill_new_metric(at, "top_score", "tickets_*.csv")
    for export in catalog_path.parent.glob("exports/support/tickets_*.csv"):
        export.unlink()  # the exports vanish between choosing the file and previewing
    at.button(key="metric_preview_run").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]  # Markdown source: `_` and `*` are escaped
    assert any(
        "The source could not be read." in e and r"no file matches 'tickets\_\*.csv'" in e
        for e in errors
    )


# -- validation and saving ------------------------------------------------------------------


def test_a_validation_error_blocks_the_save(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_pick").set_value("csat").run()
    at.number_input(key="kr_target_number").set_value(75).run()
    problems = [e.value for e in at.error]
    assert any("key result 'csat' has baseline and target both 75" in p for p in problems)
    at.button(key="kr_apply").click().run()
    assert not at.exception
    assert at.button(key="catalog_save").disabled
    assert any("The edited catalog has 1 problem; fix them to save" in e.value for e in at.error)
    assert catalog_path.read_text() == COMMENTED


def test_a_file_changed_on_disk_is_not_overwritten_and_the_change_can_be_reapplied(
    catalog_path, monkeypatch
):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_pick").set_value("csat").run()
    at.number_input(key="kr_target_number").set_value(95).run()
    at.button(key="kr_apply").click().run()
    # Meanwhile someone retitles the same key result in the file.
    theirs = COMMENTED.replace(
        "title: Increase CSAT from 75 to 90", "title: Lift CSAT from 75 to 90"
    )
    catalog_path.write_text(theirs)
    at.button(key="catalog_save").click().run()
    assert not at.exception
    assert catalog_path.read_text() == theirs
    assert any(
        "metrics.yml changed on disk since you loaded it (1 line differs); your changes were "
        "not saved" in e.value
        for e in at.error
    )
    assert "+        title: Lift CSAT from 75 to 90" in texts(at)
    assert at.button(key="catalog_save").disabled
    at.button(key="catalog_reapply").click().run()
    assert not at.exception
    at.button(key="catalog_save").click().run()
    assert not at.exception
    old, new = theirs.splitlines(), catalog_path.read_text().splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("        target: 90        # agreed in June", "        target: 95        # agreed in June")
    ]


def test_a_sql_source_password_is_never_shown(catalog_path, monkeypatch):
    catalog_path.write_text(
        COMMENTED.replace(
            "sources:\n",
            "sources:\n  crm:\n    type: sql\n    url: postgresql://sales:hunter2@crm.local/db\n",
        )
    )
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Source").run()
    at.selectbox(key="source_pick").set_value("crm").run()
    assert not at.exception
    assert "postgresql://sales:***@crm.local/db" in texts(at)
    assert at.text_input(key="source_url").value == ""
    everything = texts(at) + " ".join(str(w.value) for w in at.text_input)
    assert "hunter2" not in everything


def test_a_task_like_key_result_gets_its_lint_warning_next_to_the_form(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_objective").set_value("growth")
    at.text_input(key="kr_id").set_value("referrals")
    at.text_input(key="kr_title").set_value("Launch the referral program")
    at.selectbox(key="kr_metric").set_value("signups")
    at.number_input(key="kr_baseline_number").set_value(0)
    at.number_input(key="kr_target_number").set_value(50)
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "'Launch the referral program' reads like a task ('Launch…'); state the outcome it "
        "should move, e.g. 'Increase weekly active users from 40% to 60%'"
    ]


def test_a_key_result_can_start_a_new_objective(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.radio(key="edit_kind").set_value("Key result").run()
    at.selectbox(key="kr_objective").set_value("+ New objective").run()
    at.text_input(key="kr_new_objective_id").set_value("retention")
    at.text_input(key="kr_new_objective_title").set_value("Keep our customers")
    at.text_input(key="kr_new_objective_cycle").set_value("2026-Q4")
    at.text_input(key="kr_id").set_value("fast-replies")
    at.text_input(key="kr_title").set_value("Cut first response time from 2 h to 1 h")
    at.selectbox(key="kr_metric").set_value("first_response")
    at.number_input(key="kr_baseline_number").set_value(2)
    at.number_input(key="kr_target_number").set_value(1)
    at.run()
    at.button(key="kr_apply").click().run()
    assert not at.exception
    at.button(key="catalog_save").click().run()
    assert not at.exception
    assert catalog_path.read_text().splitlines()[-9:] == [
        "  - id: retention",
        "    title: Keep our customers",
        "    cycle: 2026-Q4",
        "    key_results:",
        "      - id: fast-replies",
        "        title: Cut first response time from 2 h to 1 h",
        "        metric: first_response",
        "        baseline: 2",
        "        target: 1",
    ]
    assert catalog_path.read_text().splitlines()[:-9] == COMMENTED.splitlines()


def test_an_entry_picked_but_not_changed_cannot_be_applied(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.selectbox(key="metric_pick").set_value("csat").run()
    assert not at.exception
    assert at.selectbox(key="metric_agg").value == "avg"
    assert at.multiselect(key="metric_dimensions").value == ["region"]
    assert at.button(key="metric_apply").disabled
    at.selectbox(key="metric_grain").set_value("week").run()
    assert not at.button(key="metric_apply").disabled


def test_an_entry_with_problems_can_be_picked_again_and_fixed(catalog_path, monkeypatch):
    at = logged_in(monkeypatch)
    at.text_input(key="metric_id").set_value("top_score")
    at.selectbox(key="metric_table").set_value("tickets_*.csv")
    at.selectbox(key="metric_agg").set_value("max")
    at.run()
    at.button(key="metric_apply").click().run()  # applied without a time column
    assert at.button(key="catalog_save").disabled
    at.selectbox(key="metric_pick").set_value("top_score").run()
    assert not at.exception
    assert at.selectbox(key="metric_table").value == "tickets_*.csv"
    at.selectbox(key="metric_time").set_value("answered_at")
    at.selectbox(key="metric_value").set_value("score")
    at.run()
    at.button(key="metric_apply").click().run()
    assert not at.exception
    assert not at.button(key="catalog_save").disabled
    at.button(key="catalog_save").click().run()
    assert load_catalog(catalog_path).metrics["top_score"].time == "answered_at"
