"""The data health core: per source the last sync, rows, errors and quarantined rows; per
metric the newest period, its age and staleness, and the key results that read it."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from connectors.base import FakeConnector, empty_parts
from okr.catalog import load_catalog
from okr.health import (
    describe_age,
    describe_duration,
    describe_moment,
    describe_seconds,
    history_frame,
    metric_health,
    read_health,
    source_location,
)
from okr.model import Metric, Source
from okr.store import Store, SyncRecord
from okr.sync import sync

AS_OF = date(2026, 8, 15)

CATALOG = """\
version: 1
settings:
  store: data/okr.duckdb
  timezone: Europe/Berlin
sources:
  support:
    type: csv
    path: exports/support
  warehouse:
    type: sql
    url: postgresql://okr:s3cret@db.internal:5432/analytics
metrics:
  csat:
    source: support
    table: tickets_*.csv
    time: answered_at
    value: score
    agg: avg
    freshness: 2d
  tickets:
    source: support
    table: tickets_*.csv
    time: answered_at
    agg: count
  revenue:
    source: warehouse
    table: deals
    time: closed_at
    value: amount
    agg: sum
    freshness: 1d
objectives:
  - id: support
    title: Delight our customers
    cycle: 2026-Q3
    key_results:
      - id: csat
        title: Increase CSAT from 75 to 90
        metric: csat
        baseline: 75
        target: 90
      - id: csat-again
        title: Keep CSAT up in EMEA
        metric: csat
        baseline: 75
        target: 80
      - id: revenue
        title: Book 1M revenue
        metric: revenue
        baseline: 0
        target: 1000000
"""


def parts(metric: str, days: list[date]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "metric": metric,
            "origin": "tickets_2026-08.csv",
            "period": days,
            "dims": "{}",
            "n": [2] * len(days),
            "total": [150.0] * len(days),
            "minimum": [74.0] * len(days),
            "maximum": [76.0] * len(days),
            "num": [None] * len(days),
            "den": [None] * len(days),
            "last_at": [datetime(d.year, d.month, d.day, 15) for d in days],
            "last": [74.0] * len(days),
            "value": [75.0] * len(days),
        }
    )
    return pd.concat([empty_parts(), frame], ignore_index=True)


QUARANTINE = pd.DataFrame(
    {
        "origin": ["tickets_2026-08.csv", "tickets_2026-08.csv", "tickets_2026-07.csv"],
        "line": pd.array([30, 12, 4], dtype="Int64"),
        "reason": [
            "score 'n/a' is not a number; fix the value or filter the row out",
            "answered_at '' is empty; fill in the time",
            "score 'x' is not a number; fix the value or filter the row out",
        ],
        "row": ["2026-08-14 16:00:00,EMEA,n/a", ",EMEA,80", "2026-07-02 10:00:00,US,x"],
    }
)


@pytest.fixture
def synced(tmp_path):
    """The catalog synced, then the warehouse alone again: it worked once, then failed."""
    (tmp_path / "exports" / "support").mkdir(parents=True)
    catalog_path = tmp_path / "metrics.yml"
    catalog_path.write_text(textwrap.dedent(CATALOG))
    catalog = load_catalog(catalog_path)
    support_parts = pd.concat(
        [
            parts("csat", [date(2026, 8, 13), date(2026, 8, 14)]),
            parts("tickets", [date(2026, 8, 1)]),
        ],
        ignore_index=True,
    )
    good = {
        "support": FakeConnector("support", support_parts, QUARANTINE),
        "warehouse": FakeConnector("warehouse", parts("revenue", [date(2026, 8, 10)])),
    }
    sync(catalog, connector_factory=lambda source: good[source.id])
    failing = {
        **good,
        "warehouse": FakeConnector(
            "warehouse",
            error="source 'warehouse': cannot connect to postgresql://okr:***@db.internal:5432"
            "/analytics: connection refused; check that the server is up",
        ),
    }
    sync(catalog, ["warehouse"], connector_factory=lambda source: failing[source.id])
    return catalog


def test_a_working_source_shows_its_last_sync_rows_parts_and_quarantine(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    support = health.sources[0]
    assert support.source.id == "support"
    assert support.state == "ok"
    assert support.location == "exports/support"
    assert support.metrics == ("csat", "tickets")
    assert support.last_sync.ok
    # Three parts read and stored, three rows quarantined.
    assert (support.last_sync.rows_read, support.last_sync.parts) == (3, 3)
    assert support.parts_stored == 3
    assert support.quarantined == 3
    assert [r.ok for r in support.history] == [True]


def test_a_failing_source_keeps_its_last_good_values_and_says_why(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    warehouse = health.sources[1]
    assert warehouse.state == "failing"
    assert warehouse.failing
    assert "connection refused" in warehouse.last_sync.error
    assert warehouse.last_success is not None and warehouse.last_success.parts == 1
    assert warehouse.parts_stored == 1
    assert [r.ok for r in warehouse.history] == [False, True]
    assert health.failing_sources == ("warehouse",)


def test_the_connection_of_a_sql_source_never_shows_its_password(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    location = health.sources[1].location
    assert location == "postgresql://okr:***@db.internal:5432/analytics"
    assert "s3cret" not in location


def test_quarantined_rows_are_listed_by_file_and_line_with_their_reason(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    rows = health.quarantined_rows("support")
    assert rows[["origin", "line"]].values.tolist() == [
        ["tickets_2026-07.csv", 4],
        ["tickets_2026-08.csv", 12],
        ["tickets_2026-08.csv", 30],
    ]
    line_30 = rows[rows["line"] == 30].iloc[0]
    assert line_30["reason"].startswith("score 'n/a' is not a number")
    assert line_30["row"] == "2026-08-14 16:00:00,EMEA,n/a"
    assert health.quarantined_rows("warehouse").empty


def test_each_metric_shows_its_newest_period_age_staleness_and_key_results(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    by_id = {m.metric.id: m for m in health.metrics}
    csat, tickets, revenue = by_id["csat"], by_id["tickets"], by_id["revenue"]
    # csat: newest Aug 14, 1 day old, freshness 2 days: fresh; read by two KRs.
    assert (csat.newest_period, csat.age_days, csat.state) == (date(2026, 8, 14), 1, "fresh")
    assert [kr.id for kr in csat.key_results] == ["csat", "csat-again"]
    # tickets: 14 days old but without a freshness it is never stale.
    assert (tickets.age_days, tickets.state, tickets.key_results) == (14, "fresh", ())
    # revenue: newest Aug 10, 5 days old, freshness 1 day: stale; its source is failing.
    assert (revenue.age_days, revenue.state, revenue.source_failing) == (5, "stale", True)
    assert health.stale_metrics == ("revenue",)


def test_the_counts_add_up_sources_metrics_and_quarantined_rows(synced):
    health = read_health(synced, Store(synced.settings.store), AS_OF)
    assert health.counts() == {
        "ok": 1,
        "failing": 1,
        "never_synced": 0,
        "fresh": 2,
        "stale": 1,
        "no_data": 0,
        "quarantined": 3,
    }
    assert health.last_synced_at == health.sources[1].last_sync.finished_at


def test_a_store_that_was_never_synced_shows_every_source_as_never_synced(tmp_path):
    (tmp_path / "exports" / "support").mkdir(parents=True)
    catalog_path = tmp_path / "metrics.yml"
    catalog_path.write_text(textwrap.dedent(CATALOG))
    catalog = load_catalog(catalog_path)
    health = read_health(catalog, Store(catalog.settings.store), AS_OF)
    assert [s.state for s in health.sources] == ["never_synced", "never_synced"]
    assert [m.state for m in health.metrics] == ["no_data", "no_data", "no_data"]
    assert health.quarantine.empty
    assert health.last_synced_at is None


@pytest.mark.parametrize(
    ("newest", "freshness", "age", "stale"),
    [
        (date(2026, 8, 13), timedelta(days=2), 2, False),  # exactly as old as allowed
        (date(2026, 8, 12), timedelta(days=2), 3, True),
        (date(2026, 8, 1), None, 14, False),
        (date(2026, 8, 20), timedelta(days=1), 0, False),  # newer than the date judged
        (None, timedelta(days=1), None, False),
    ],
)
def test_a_metric_is_stale_when_its_newest_period_is_older_than_its_freshness(
    newest, freshness, age, stale
):
    metric = Metric(id="m", source="s", agg="sum", freshness=freshness)
    health = metric_health(metric, newest, AS_OF)
    assert (health.age_days, health.stale) == (age, stale)


def test_a_csv_folder_outside_the_catalog_folder_is_shown_in_full(tmp_path):
    source = Source(id="s", type="csv", path=tmp_path / "elsewhere")
    assert source_location(source, tmp_path / "catalog") == str(tmp_path / "elsewhere")


def test_a_sql_url_from_the_environment_is_expanded_and_masked():
    source = Source(id="s", type="sql", url="${DB_URL}")
    environ = {"DB_URL": "mysql+pymysql://app:hunter2@db/sales"}
    assert source_location(source, None, environ) == "mysql+pymysql://app:***@db/sales"


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=2), "2 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(weeks=1), "1 week"),
        (timedelta(hours=36), "36 h"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1, minutes=30), "90 min"),
        (None, "–"),
    ],
)
def test_freshness_reads_as_people_say_it(duration, text):
    assert describe_duration(duration) == text


def test_ages_and_durations_read_as_people_say_them():
    assert [describe_age(d) for d in (None, 0, 1, 14)] == ["–", "today", "1 day", "14 days"]
    assert [describe_seconds(s) for s in (0.42, 12.4, 185, 120)] == [
        "0.4 s",
        "12 s",
        "3 min 5 s",
        "2 min",
    ]


def test_sync_times_are_shown_in_the_catalog_timezone():
    # 07:30 UTC in August is 09:30 in Berlin (CEST, UTC+2).
    assert describe_moment(datetime(2026, 8, 15, 7, 30), "Europe/Berlin") == (
        "2026-08-15 09:30 CEST"
    )
    assert describe_moment(None, "UTC") == "never"


def test_the_sync_history_table_has_one_row_per_attempt():
    records = [
        SyncRecord(2, "w", datetime(2026, 8, 15, 7), datetime(2026, 8, 15, 7, 0, 3), False, None,
                   None, None, "connection refused", None),
        SyncRecord(1, "w", datetime(2026, 8, 14, 7), datetime(2026, 8, 14, 7, 0, 1, 500000),
                   True, 120, 30, 0, None, None),
    ]  # fmt: skip
    table = history_frame(records, "UTC")
    assert table["outcome"].tolist() == ["⚠ Failed", "✓ OK"]
    assert table["seconds"].tolist() == [3.0, 1.5]
    assert table["rows_read"].isna().tolist() == [True, False]
    assert table.loc[1, ["rows_read", "parts", "quarantined"]].tolist() == [120, 30, 0]
    assert table["error"].tolist() == ["connection refused", ""]
    assert table["when"].tolist()[0] == pd.Timestamp("2026-08-15 07:00")
