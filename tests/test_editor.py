"""Editing metrics.yml in place: only edited lines change, saves are atomic and conflict-safe."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from okr import history
from okr.catalog import CatalogError, load_catalog, parse_catalog
from okr.editor import (
    Edit,
    EditError,
    SaveConflict,
    apply_edit,
    apply_edits,
    catalog_diff,
    changed_lines,
    entry_fields,
    entry_ids,
    open_catalog,
    save,
)
from okr.lint import lint

COMMENTED = textwrap.dedent(
    """\
    # The company catalog. Owners: data team.
    version: 1
    settings:
      timezone: Europe/Berlin   # periods are Berlin days

    # --- where rows come from ---
    sources:
      support:
        type: csv
        path: exports/support   # nightly export

      warehouse:
        type: sql
        url: "sqlite:///warehouse.db"

    # --- metric definitions ---
    metrics:
      csat:
        label: 'Customer satisfaction'   # single quotes kept
        source: support
        table: tickets_*.csv
        time: answered_at
        value: score
        agg: avg                # mean of scores
        dimensions: [region]
        # the grain below was agreed with support
        grain: day
        freshness: 2d
      deals:
        source: warehouse
        sql: |
          select closed_at as time, amount as value
          from deals
        agg: sum

    # --- objectives ---
    objectives:
      - id: support
        title: Delight our customers
        owner: Head of Support
        cycle: 2026-Q3
        key_results:
          - id: csat
            title: Increase CSAT from 75 to 90
            metric: csat
            baseline: 75
            target: 90      # agreed in June
          # a second KR comes later
      - id: sales
        title: Sell more
        owner: Sales lead
        cycle: 2026-Q3
    """
)


def lines(text: str) -> list[str]:
    return text.splitlines()


def changed(before: str, after: str) -> list[tuple[int, str, str]]:
    """(line number, old, new) for each line that differs, for texts of equal length."""
    old, new = lines(before), lines(after)
    assert len(old) == len(new), "expected the same number of lines"
    return [(n + 1, a, b) for n, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


def test_changing_a_value_rewrites_only_that_line_and_keeps_its_comment():
    after = apply_edit(COMMENTED, Edit("metric", "csat", {"agg": "max"}))
    assert changed(COMMENTED, after) == [
        (
            24,
            "    agg: avg                # mean of scores",
            "    agg: max                # mean of scores",
        )
    ]


def test_a_form_that_sends_every_field_unchanged_changes_nothing():
    fields = {
        "label": "Customer satisfaction",
        "source": "support",
        "table": "tickets_*.csv",
        "time": "answered_at",
        "value": "score",
        "agg": "avg",
        "dimensions": ["region"],
        "grain": "day",
        "freshness": "2d",
        "unit": "",
        "filter": None,
    }
    assert apply_edit(COMMENTED, Edit("metric", "csat", fields)) == COMMENTED


def test_several_changes_to_one_metric_touch_only_their_own_lines():
    edit = Edit(
        "metric",
        "csat",
        {"label": "CSAT", "dimensions": ["region", "plan"], "grain": "week", "value": "rating"},
    )
    after = apply_edit(COMMENTED, edit)
    assert changed(COMMENTED, after) == [
        (19, "    label: 'Customer satisfaction'   # single quotes kept", "    label: CSAT                      # single quotes kept"),
        (23, "    value: score", "    value: rating"),
        (25, "    dimensions: [region]", "    dimensions: [region, plan]"),
        (27, "    grain: day", "    grain: week"),
    ]  # fmt: skip


def test_a_new_key_goes_after_its_neighbour_in_catalog_order():
    after = apply_edit(COMMENTED, Edit("metric", "csat", {"filter": "region = 'EMEA'"}))
    old, new = lines(COMMENTED), lines(after)
    assert new[:24] == old[:24]
    assert new[24] == "    filter: region = 'EMEA'"
    assert new[25:] == old[24:]


def test_setting_a_field_to_none_removes_its_line():
    after = apply_edit(COMMENTED, Edit("metric", "csat", {"freshness": None}))
    assert lines(after) == lines(COMMENTED)[:27] + lines(COMMENTED)[28:]


def test_a_multiline_sql_value_is_replaced_as_a_block():
    edit = Edit("metric", "deals", {"sql": "select closed_at as time, 1 as value\nfrom won"})
    after = apply_edit(COMMENTED, edit)
    assert lines(after)[30:33] == [
        "    sql: |",
        "      select closed_at as time, 1 as value",
        "      from won",
    ]
    assert lines(after)[:30] == lines(COMMENTED)[:30]
    assert lines(after)[33:] == lines(COMMENTED)[33:]


def test_a_new_metric_is_appended_to_the_metrics_with_the_files_indentation():
    edit = Edit(
        "metric",
        "nps",
        {
            "agg": "avg",
            "source": "support",
            "label": "Net promoter score",
            "table": "nps.csv",
            "time": "answered_at",
            "value": "score",
            "unit": "",
        },
    )
    after = apply_edit(COMMENTED, edit)
    old, new = lines(COMMENTED), lines(after)
    assert new[:34] == old[:34]
    assert new[34:41] == [
        "  nps:",
        "    label: Net promoter score",
        "    source: support",
        "    table: nps.csv",
        "    time: answered_at",
        "    value: score",
        "    agg: avg",
    ]
    assert new[41:] == old[34:]
    catalog, problems = parse_catalog(after, "metrics.yml")
    assert problems == []
    assert catalog.metrics["nps"].agg == "avg"
    assert catalog.metrics["nps"].line == 35


def test_a_new_source_keeps_the_blank_line_style_of_its_section():
    after = apply_edit(COMMENTED, Edit("source", "crm", {"type": "csv", "path": "exports/crm"}))
    assert lines(after)[13:18] == [
        '    url: "sqlite:///warehouse.db"',
        "",
        "  crm:",
        "    type: csv",
        "    path: exports/crm",
    ]
    assert lines(after)[18:] == lines(COMMENTED)[14:]


def test_a_new_key_result_is_appended_to_its_objective_as_a_list_item():
    edit = Edit(
        "key_result",
        "csat-emea",
        {"title": "Lift EMEA CSAT", "metric": "csat", "where": {"region": "EMEA"},
         "baseline": 76.0, "target": 86.0, "measure": "trailing 28d"},
        objective="support",
    )  # fmt: skip
    after = apply_edit(COMMENTED, edit)
    old, new = lines(COMMENTED), lines(after)
    assert new[:47] == old[:47]
    assert new[47:54] == [
        "      - id: csat-emea",
        "        title: Lift EMEA CSAT",
        "        metric: csat",
        "        where: {region: EMEA}",
        "        baseline: 76",
        "        target: 86",
        "        measure: trailing 28d",
    ]
    assert new[54:] == old[47:]
    catalog, problems = parse_catalog(after, "metrics.yml")
    assert problems == []
    kr = catalog.key_result("csat-emea")
    assert (kr.objective, kr.baseline, kr.target, kr.where) == (
        "support",
        76.0,
        86.0,
        (("region", "EMEA"),),
    )


def test_an_objective_without_key_results_gets_a_key_results_list():
    edit = Edit(
        "key_result",
        "deals-up",
        {"title": "Book 2M EUR", "metric": "deals", "baseline": 0, "target": 2000000},
        objective="sales",
    )
    after = apply_edit(COMMENTED, edit)
    assert lines(after)[-6:] == [
        "    key_results:",
        "      - id: deals-up",
        "        title: Book 2M EUR",
        "        metric: deals",
        "        baseline: 0",
        "        target: 2000000",
    ]
    assert lines(after)[:-6] == lines(COMMENTED)
    assert parse_catalog(after, "metrics.yml")[1] == []


def test_a_new_objective_is_appended_to_the_objectives():
    edit = Edit("objective", "growth", {"title": "Grow the user base", "cycle": "2026-Q4"})
    after = apply_edit(COMMENTED, edit)
    assert lines(after)[-3:] == [
        "  - id: growth",
        "    title: Grow the user base",
        "    cycle: 2026-Q4",
    ]
    assert lines(after)[:-3] == lines(COMMENTED)


def test_changing_a_key_result_target_keeps_the_comment_on_its_line():
    after = apply_edit(COMMENTED, Edit("key_result", "csat", {"target": 95.0}))
    assert changed(COMMENTED, after) == [
        (47, "        target: 90      # agreed in June", "        target: 95      # agreed in June")
    ]  # fmt: skip


def test_a_level_target_is_quoted_so_it_reads_back_as_a_level():
    after = apply_edit(COMMENTED, Edit("key_result", "csat", {"target": ">= 80"}))
    assert lines(after)[46] == "        target: '>= 80' # agreed in June"
    kr = parse_catalog(after, "metrics.yml")[0].key_result("csat")
    assert (kr.level, kr.target) == (">=", 80.0)


def test_a_missing_section_is_created_in_catalog_order():
    text = "version: 1\n\nmetrics: {}\n"
    after = apply_edit(text, Edit("source", "files", {"type": "csv", "path": "exports"}))
    assert (
        after
        == "version: 1\n\nsources:\n  files:\n    type: csv\n    path: exports\n\nmetrics: {}\n"
    )


def test_an_empty_section_is_opened_in_place():
    text = "version: 1\nsources:   # none yet\nmetrics: {}\n"
    after = apply_edit(text, Edit("metric", "m", {"source": "s", "agg": "count"}))
    assert after == (
        "version: 1\nsources:   # none yet\nmetrics:\n  m:\n    source: s\n    agg: count\n"
    )


def test_windows_line_endings_are_kept():
    text = COMMENTED.replace("\n", "\r\n")
    after = apply_edit(text, Edit("metric", "csat", {"agg": "min", "unit": "points"}))
    assert "\r\n" in after and "\n" not in after.replace("\r\n", "")
    assert changed_lines(text, after) == 2


def test_an_unknown_objective_for_a_new_key_result_is_refused_with_the_fix():
    with pytest.raises(EditError, match="objective 'nope' does not exist; add it first"):
        apply_edit(COMMENTED, Edit("key_result", "x", {"title": "X"}, objective="nope"))


def test_a_new_key_result_without_an_objective_is_refused():
    with pytest.raises(EditError, match="choose the objective"):
        apply_edit(COMMENTED, Edit("key_result", "x", {"title": "X"}))


def test_broken_yaml_is_refused_with_its_line():
    with pytest.raises(EditError, match="YAML syntax error at line 3"):
        apply_edit("version: 1\nsources: [\n", Edit("source", "a", {"type": "csv"}))


def test_edits_replay_in_order_so_a_key_result_can_use_a_metric_added_before_it():
    edits = [
        Edit("metric", "nps", {"source": "support", "table": "nps.csv", "time": "at",
                               "value": "score", "agg": "avg"}),
        Edit("key_result", "nps-up", {"title": "Raise NPS to 40", "metric": "nps",
                                      "baseline": 20, "target": 40}, objective="support"),
    ]  # fmt: skip
    catalog, problems = parse_catalog(apply_edits(COMMENTED, edits), "metrics.yml")
    assert problems == []
    assert catalog.key_result("nps-up").metric == "nps"


def test_an_edit_describes_what_it_changes_in_the_text_it_applies_to():
    edit = Edit("metric", "csat", {"agg": "sum", "grain": "day", "unit": None, "filter": ""})
    assert edit.describe(COMMENTED) == "change metric 'csat': agg"
    assert Edit("metric", "nps", {"agg": "avg"}).describe(COMMENTED) == "add metric 'nps'"
    assert Edit("key_result", "csat", {"target": 90}).describe(COMMENTED) == (
        "no change to key result 'csat'"
    )
    assert edit.describe() == "metric 'csat'"


def test_the_diff_masks_passwords_in_urls():
    before = "sources:\n  w:\n    type: sql\n    url: postgresql://bob:old@db/x\n"
    after = before.replace("db/x", "db/y")
    diff = catalog_diff(before, after, "metrics.yml")
    assert "old" not in diff
    assert "-    url: postgresql://bob:***@db/x" in diff
    assert "+    url: postgresql://bob:***@db/y" in diff


# -- saving ---------------------------------------------------------------------------------


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "metrics.yml"
    path.write_text(COMMENTED.replace("Europe/Berlin", "UTC"), encoding="utf-8")
    return path


def test_saving_writes_the_file_and_keeps_the_old_and_new_versions(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    edited = apply_edit(loaded.text, Edit("key_result", "csat", {"target": 95}))
    version = save(catalog_file, edited, loaded, when=datetime(2026, 8, 1, 9, 30))
    assert catalog_file.read_text() == edited
    saved = history.versions(catalog_file)
    assert [when for when, _ in saved] == [
        datetime(2026, 8, 1, 9, 29, 59, 999999),
        datetime(2026, 8, 1, 9, 30),
    ]
    assert saved[0][1].read_text() == loaded.text
    assert version == saved[1][1]
    assert sorted(p.name for p in catalog_file.parent.iterdir()) == [".okr-history", "metrics.yml"]


def test_a_second_save_does_not_keep_the_same_old_version_twice(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    first = apply_edit(loaded.text, Edit("metric", "csat", {"grain": "week"}))
    save(catalog_file, first, loaded, when=datetime(2026, 8, 1))
    reloaded = open_catalog(catalog_file)
    second = apply_edit(reloaded.text, Edit("metric", "csat", {"grain": "month"}))
    save(catalog_file, second, reloaded, when=datetime(2026, 8, 2))
    assert len(history.versions(catalog_file)) == 3


def test_saving_over_a_file_changed_on_disk_is_refused_and_writes_nothing(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    mine = apply_edit(loaded.text, Edit("key_result", "csat", {"target": 95}))
    theirs = loaded.text.replace("owner: Sales lead", "owner: Head of Sales")
    catalog_file.write_text(theirs)
    with pytest.raises(SaveConflict) as raised:
        save(catalog_file, mine, loaded)
    assert catalog_file.read_text() == theirs
    assert history.versions(catalog_file) == []
    conflict = raised.value
    assert str(conflict) == (
        "metrics.yml changed on disk since you loaded it (1 line differs); your changes were "
        "not saved. Reload the file and apply your changes again, or download your version "
        "and merge it by hand"
    )
    assert "-    owner: Sales lead" in conflict.changes
    assert "+    owner: Head of Sales" in conflict.changes
    assert sorted(p.name for p in catalog_file.parent.iterdir()) == ["metrics.yml"]


def test_a_conflict_is_recovered_by_replaying_the_edits_on_the_new_text(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    edits = [Edit("key_result", "csat", {"target": 95})]
    catalog_file.write_text(loaded.text.replace("owner: Sales lead", "owner: Head of Sales"))
    with pytest.raises(SaveConflict):
        save(catalog_file, apply_edits(loaded.text, edits), loaded)
    fresh = open_catalog(catalog_file)
    save(catalog_file, apply_edits(fresh.text, edits), fresh)
    text = catalog_file.read_text()
    assert "owner: Head of Sales" in text
    assert "target: 95      # agreed in June" in text


def test_a_removed_file_is_a_conflict(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    catalog_file.unlink()
    with pytest.raises(SaveConflict, match="metrics.yml was removed or cannot be read"):
        save(catalog_file, loaded.text, loaded)


def test_an_invalid_catalog_is_not_saved(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    broken = apply_edit(loaded.text, Edit("key_result", "csat", {"metric": "cast"}))
    with pytest.raises(CatalogError) as raised:
        save(catalog_file, broken, loaded)
    assert [p.message for p in raised.value.problems] == [
        "key result 'csat' uses unknown metric 'cast'; did you mean 'csat'?"
    ]
    assert catalog_file.read_text() == loaded.text


def test_a_target_changed_by_a_save_mid_cycle_is_reported_by_lint(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    edited = apply_edit(loaded.text, Edit("key_result", "csat", {"target": 95}))
    save(catalog_file, edited, loaded, when=datetime(2026, 8, 10, 12, 0))
    warnings = [w for w in lint(load_catalog(catalog_file)) if w.kind == "target_changed"]
    assert [(w.item, w.message) for w in warnings] == [
        (
            "key result 'csat'",
            "target changed mid-cycle: it was 90 on 2026-08-10 and is 95 now; moving a target "
            "after the cycle starts hides how the KR really went",
        )
    ]
    assert warnings[0].line == 43


def test_a_target_changed_before_the_cycle_is_not_reported(catalog_file: Path):
    loaded = open_catalog(catalog_file)
    edited = apply_edit(loaded.text, Edit("key_result", "csat", {"target": 95}))
    save(catalog_file, edited, loaded, when=datetime(2026, 6, 20))
    catalog = load_catalog(catalog_file)
    assert [w for w in lint(catalog, date(2026, 8, 15)) if w.kind == "target_changed"] == []


def test_an_entry_reads_back_as_written_with_plain_values():
    assert entry_fields(COMMENTED, "metric", "csat") == {
        "label": "Customer satisfaction",
        "source": "support",
        "table": "tickets_*.csv",
        "time": "answered_at",
        "value": "score",
        "agg": "avg",
        "dimensions": ["region"],
        "grain": "day",
        "freshness": "2d",
    }
    assert entry_fields(COMMENTED, "key_result", "csat") == {
        "id": "csat",
        "title": "Increase CSAT from 75 to 90",
        "metric": "csat",
        "baseline": 75,
        "target": 90,
        "objective": "support",
    }
    assert entry_fields(COMMENTED, "objective", "sales") == {
        "id": "sales",
        "title": "Sell more",
        "owner": "Sales lead",
        "cycle": "2026-Q3",
    }
    assert entry_fields(COMMENTED, "source", "nope") is None


def test_an_edit_against_a_text_keeps_only_the_keys_it_changes():
    form = {"title": "Increase CSAT from 75 to 90", "metric": "csat", "baseline": 75,
            "target": 95, "owner": ""}  # fmt: skip
    edit = Edit("key_result", "csat", form).against(COMMENTED)
    assert edit.fields == {"target": 95}
    new = Edit("metric", "nps", {"agg": "avg"})
    assert new.against(COMMENTED) == new


def test_replaying_a_reduced_edit_keeps_a_change_made_meanwhile_to_the_same_entry():
    form = {"title": "Increase CSAT from 75 to 90", "target": 95}
    edit = Edit("key_result", "csat", form).against(COMMENTED)
    theirs = COMMENTED.replace("title: Increase CSAT from 75 to 90", "title: Lift CSAT to 90")
    replayed = apply_edit(theirs, edit)
    assert "title: Lift CSAT to 90" in replayed
    assert "target: 95      # agreed in June" in replayed


def test_entry_ids_list_what_the_file_defines_even_when_it_is_invalid():
    broken = COMMENTED.replace("    agg: sum\n", "    agg: total\n")
    assert entry_ids(broken, "metric") == ["csat", "deals"]
    assert entry_ids(broken, "source") == ["support", "warehouse"]
    assert entry_ids(broken, "objective") == ["support", "sales"]
    assert entry_ids(broken, "key_result") == ["csat"]
