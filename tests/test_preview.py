"""Previewing a metric against its source: the periods it would produce, never the store."""

from __future__ import annotations

import sqlite3
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from connectors.base import PART_COLUMNS, FakeConnector, SourceError, dims_key
from okr.catalog import load_catalog
from okr.preview import (
    default_range,
    pace_line,
    preview_key_result,
    preview_metric,
    source_columns,
    source_tables,
)

CATALOG = """\
version: 1
sources:
  support:
    type: csv
    path: exports
  warehouse:
    type: sql
    url: sqlite:///warehouse.db
metrics:
  csat:
    source: support
    table: tickets_*.csv
    time: answered_at
    value: score
    agg: avg
    dimensions: [region]
  median_score:
    source: support
    table: tickets_*.csv
    time: answered_at
    value: score
    agg: median
    dimensions: [region]
  revenue:
    source: warehouse
    table: orders
    time: ordered_at
    value: amount
    agg: sum
objectives:
  - id: support
    title: Delight customers
    start: 2026-07-01
    end: 2026-07-11
    key_results:
      - id: csat
        title: Increase CSAT from 70 to 80
        metric: csat
        baseline: 70
        target: 80
        checkpoints: {2026-07-06: 72}
      - id: csat-auto
        title: Lift CSAT from where it starts
        metric: csat
        baseline: auto
        target: 90
      - id: revenue
        title: Book 1000 in July
        metric: revenue
        baseline: 0
        target: 1000
        measure: to_date
"""


@pytest.fixture
def catalog(tmp_path: Path):
    (tmp_path / "exports").mkdir()
    path = tmp_path / "metrics.yml"
    path.write_text(CATALOG)
    return load_catalog(path)


def parts(rows: list[dict]) -> pd.DataFrame:
    """Part rows with every column (missing ones null)."""
    frame = pd.DataFrame([{c: row.get(c) for c in PART_COLUMNS} for row in rows])
    frame["origin"] = ""
    return frame


def avg_part(day: date, region: str, n: int, total: float) -> dict:
    return {
        "metric": "csat",
        "period": day,
        "dims": dims_key({"region": region}),
        "n": n,
        "total": total,
        "minimum": total / n,
        "maximum": total / n,
        "value": total / n,
    }


def fake(frame: pd.DataFrame, error: str | None = None):
    connector = FakeConnector("support", frame, error=error)
    return connector, (lambda source: connector)


def test_the_default_range_is_the_last_ninety_days_including_today():
    assert default_range(date(2026, 8, 15)) == (date(2026, 5, 18), date(2026, 8, 15))


def test_an_average_is_rolled_up_over_its_dimensions_as_sum_over_count(catalog):
    frame = parts(
        [
            avg_part(date(2026, 7, 1), "EMEA", 1, 80.0),
            avg_part(date(2026, 7, 1), "US", 3, 210.0),  # mean 70 over 3 rows
            avg_part(date(2026, 7, 2), "EMEA", 2, 150.0),
        ]
    )
    connector, factory = fake(frame)
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 1), date(2026, 7, 31), connector_factory=factory
    )
    assert preview.ok
    # Jul 1: (80 + 210) / 4 = 72.5, not the mean of means (80 + 70) / 2 = 75.
    assert preview.values() == [(date(2026, 7, 1), 72.5), (date(2026, 7, 2), 75.0)]
    assert connector.calls == 1


def test_a_slice_keeps_only_the_parts_of_its_dimension_value(catalog):
    frame = parts(
        [
            avg_part(date(2026, 7, 1), "EMEA", 1, 80.0),
            avg_part(date(2026, 7, 1), "US", 3, 210.0),
        ]
    )
    _, factory = fake(frame)
    preview = preview_metric(
        catalog,
        "csat",
        date(2026, 7, 1),
        date(2026, 7, 31),
        where={"region": "US"},
        connector_factory=factory,
    )
    assert preview.values() == [(date(2026, 7, 1), 70.0)]


def test_periods_outside_the_range_are_counted_but_not_shown(catalog):
    frame = parts([avg_part(date(2026, 7, d), "EMEA", 1, 70.0 + d) for d in range(1, 11)])
    _, factory = fake(frame)
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 3), date(2026, 7, 5), connector_factory=factory
    )
    assert preview.values() == [
        (date(2026, 7, 3), 73.0),
        (date(2026, 7, 4), 74.0),
        (date(2026, 7, 5), 75.0),
    ]
    assert (preview.earlier, preview.later, preview.newest) == (2, 5, date(2026, 7, 10))


def test_a_non_additive_metric_reads_the_total_grouping_of_its_connector(catalog):
    frame = parts(
        [
            {"metric": "median_score", "period": date(2026, 7, 1), "dims": "{}", "n": 4,
             "value": 71.0},
            {"metric": "median_score", "period": date(2026, 7, 1),
             "dims": dims_key({"region": "US"}), "n": 3, "value": 69.0},
        ]
    )  # fmt: skip
    _, factory = fake(frame)
    preview = preview_metric(
        catalog, "median_score", date(2026, 7, 1), date(2026, 7, 1), connector_factory=factory
    )
    assert preview.values() == [(date(2026, 7, 1), 71.0)]


def test_a_source_error_is_reported_plainly_with_the_password_masked(catalog):
    _, factory = fake(
        parts([]), error="source 'support': cannot connect to postgresql://bob:hunter2@db/x"
    )
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 1), date(2026, 7, 31), connector_factory=factory
    )
    assert not preview.ok
    assert preview.error == "source 'support': cannot connect to postgresql://bob:***@db/x"
    assert preview.values() == []


def test_an_unexpected_failure_of_the_source_is_reported_not_raised(catalog):
    class Broken:
        name = "support"

        def pull(self, metrics, *, state, timezone, progress=None):
            raise RuntimeError("disk on fire")

    preview = preview_metric(
        catalog,
        "csat",
        date(2026, 7, 1),
        date(2026, 7, 31),
        connector_factory=lambda source: Broken(),
    )
    assert preview.error == "source 'support' could not be read: RuntimeError: disk on fire"


def test_a_sql_metric_is_previewed_from_the_database_over_the_range(catalog, tmp_path):
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        db.execute("create table orders (ordered_at text, amount real)")
        rows = [
            (f"{date(2026, 6, 1) + timedelta(days=i)} 12:00:00", 10.0 * (i + 1)) for i in range(60)
        ]
        db.executemany("insert into orders values (?, ?)", rows)
    preview = preview_metric(catalog, "revenue", date(2026, 7, 20), date(2026, 7, 22))
    assert preview.ok, preview.error
    # Jul 20 is day 49 after Jun 1: amounts 500, 510, 520.
    assert preview.values() == [
        (date(2026, 7, 20), 500.0),
        (date(2026, 7, 21), 510.0),
        (date(2026, 7, 22), 520.0),
    ]
    assert preview.later == 8  # Jul 23 .. Jul 30
    # The range is pushed down to the database: a week of margin, not the whole table.
    assert preview.earlier <= 8


def test_a_missing_sql_table_is_a_plain_source_error(catalog, tmp_path):
    sqlite3.connect(tmp_path / "warehouse.db").close()
    preview = preview_metric(catalog, "revenue", date(2026, 7, 1), date(2026, 7, 31))
    assert not preview.ok
    assert "table 'orders' does not exist" in preview.error


def test_a_key_result_is_drawn_with_its_pace_through_checkpoints(catalog):
    frame = parts([avg_part(date(2026, 7, d), "EMEA", 1, 69.0 + d) for d in range(1, 6)])
    _, factory = fake(frame)
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 1), date(2026, 7, 5), connector_factory=factory
    )
    drawn = preview_key_result(preview, catalog.key_result("csat"), date(2026, 7, 5))
    assert drawn.baseline == 70.0
    assert drawn.target == 80.0
    assert drawn.pace == (
        (date(2026, 7, 1), 70.0),
        (date(2026, 7, 6), 72.0),
        (date(2026, 7, 11), 80.0),
    )
    assert drawn.points == tuple((date(2026, 7, d), 69.0 + d) for d in range(1, 6))
    # Jul 5: current 74, expected 70 + 2 * 4/5 = 71.6, progress 0.4, gap (74 - 71.6)/10.
    assert drawn.status.current == 74.0
    assert drawn.status.expected == pytest.approx(71.6)
    assert drawn.status.progress == pytest.approx(0.4)
    assert drawn.status.status == "on_track"


def test_an_auto_baseline_is_measured_at_the_start_from_the_previewed_periods(catalog):
    frame = parts([avg_part(date(2026, 7, d), "EMEA", 1, 69.0 + d) for d in range(1, 4)])
    _, factory = fake(frame)
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 1), date(2026, 7, 3), connector_factory=factory
    )
    drawn = preview_key_result(preview, catalog.key_result("csat-auto"), date(2026, 7, 3))
    assert drawn.baseline == 70.0
    assert drawn.pace == ((date(2026, 7, 1), 70.0), (date(2026, 7, 11), 90.0))


def test_an_auto_baseline_without_data_has_no_pace(catalog):
    _, factory = fake(parts([]))
    preview = preview_metric(
        catalog, "csat", date(2026, 7, 1), date(2026, 7, 3), connector_factory=factory
    )
    drawn = preview_key_result(preview, catalog.key_result("csat-auto"), date(2026, 7, 3))
    assert (drawn.baseline, drawn.pace, drawn.points) == (None, (), ())


def test_a_level_key_result_paces_at_its_level(catalog):
    kr = catalog.key_result("csat")
    from dataclasses import replace

    level = replace(kr, level=">=", target=75.0, checkpoints=())
    assert pace_line(level, None) == ((kr.start, 75.0), (kr.end, 75.0))


def test_a_csv_folder_offers_globs_for_series_of_exports_then_files(catalog, tmp_path):
    exports = tmp_path / "exports"
    for month in ("2026-07", "2026-08"):
        (exports / f"tickets_{month}.csv").write_text("answered_at,region,score\n")
    (exports / "signups.csv").write_text("signed_up_at,plan\n")
    (exports / "notes.txt").write_text("not a table")
    assert source_tables(catalog, "support") == [
        "tickets_*.csv",
        "signups.csv",
        "tickets_2026-07.csv",
        "tickets_2026-08.csv",
    ]


def test_a_missing_csv_folder_is_a_source_error_that_names_the_fix(catalog, tmp_path):
    (tmp_path / "exports").rmdir()
    with pytest.raises(SourceError, match="the folder .* does not exist; create it"):
        source_tables(catalog, "support")


def test_sql_tables_and_columns_are_read_from_the_database(catalog, tmp_path):
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        db.execute("create table orders (ordered_at text, amount real, region text)")
        db.execute("create view big_orders as select * from orders where amount > 100")
    assert source_tables(catalog, "warehouse") == ["big_orders", "orders"]
    assert source_columns(catalog, "warehouse", "orders") == ["ordered_at", "amount", "region"]


def test_the_columns_of_a_csv_export_are_its_header(catalog, tmp_path):
    (tmp_path / "exports" / "tickets_2026-07.csv").write_text(
        textwrap.dedent(
            """\
            answered_at,region,score
            2026-07-01 10:00:00,EMEA,80
            """
        )
    )
    assert source_columns(catalog, "support", "tickets_*.csv") == [
        "answered_at",
        "region",
        "score",
    ]


def test_an_unknown_source_is_named_with_the_known_ones(catalog):
    with pytest.raises(SourceError, match="unknown source 'crm'; the catalog defines: support"):
        source_tables(catalog, "crm")
