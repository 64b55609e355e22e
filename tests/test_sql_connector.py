"""The SQL connector against real databases: SQLite and DuckDB files, PostgreSQL and MariaDB.

The same hand-computed cases run on every backend, plus "generic" (DuckDB read through the
fallback for dialects without a dedicated period expression). Server tests skip when the
server is unreachable, and fail instead when CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors import sql
from connectors.base import PART_COLUMNS, Pull, SourceError, Supersede
from connectors.sql import SqlConnector
from okr.model import Metric, Source
from okr.secrets import mask_url

POSTGRES_URL = os.environ.get(
    "OKR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("OKR_TEST_MARIADB_URL", "mysql+pymysql://root:@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

# (time, amount, region, user, stage). 2024-01-07 is a Sunday, 2024-01-08 a Monday.
DEALS = [
    ("2024-01-07 09:00", 10, "EMEA", "u1", "won"),
    ("2024-01-07 18:00", 20, "EMEA", "u2", "lost"),
    ("2024-01-07 12:00", 60, "AMER", "u1", "won"),
    ("2024-01-08 08:00", 30, "EMEA", "u1", "won"),
    ("2024-01-08 10:00", 50, "AMER", "u3", "lost"),
    ("2024-01-09 23:00", 40, "AMER", "u3", "won"),
    ("2024-02-01 00:30", 100, "EMEA", "u2", "won"),
]
WON = "case when stage = 'won' then 1 else 0 end"
EMEA, AMER, TOTAL = '{"region":"EMEA"}', '{"region":"AMER"}', "{}"


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


class Backend:
    """One database to test against: creates uniquely named tables and drops them after."""

    def __init__(self, kind: str, url: str):
        self.kind = kind
        self.url = url
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.metadata = sa.MetaData()
        self.suffix = uuid.uuid4().hex[:8]

    def create_deals(self, name: str = "deals", rows=DEALS, *, aware: bool = False) -> str:
        table_name = f"okr_{name}_{self.suffix}"
        sa.Table(
            table_name,
            self.metadata,
            sa.Column("ts", sa.DateTime(timezone=aware)),
            sa.Column("amount", sa.Integer),
            sa.Column("region", sa.String(20)),
            sa.Column("user_id", sa.String(20)),
            sa.Column("stage", sa.String(20)),
        ).create(self.engine)
        self.insert(table_name, rows)
        return table_name

    def insert(self, table_name: str, rows) -> None:
        table = self.metadata.tables[table_name]
        values = [
            {
                "ts": ts if isinstance(ts, datetime) else datetime.fromisoformat(ts),
                "amount": amount,
                "region": region,
                "user_id": user,
                "stage": stage,
            }
            for ts, amount, region, user, stage in rows
        ]
        with self.engine.begin() as conn:
            conn.execute(table.insert(), values)

    def count(self, table_name: str) -> int:
        table = self.metadata.tables[table_name]
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    def connector(self) -> SqlConnector:
        return SqlConnector(Source(id="warehouse", type="sql", url=self.url))

    def pull(self, metrics, state=None, tz: str = "UTC", progress=None) -> Pull:
        with pytest.MonkeyPatch.context() as patch:
            if self.kind == "generic":
                patch.setattr(sql, "_FLAVOURS", {})
            return self.connector().pull(metrics, state=state or {}, timezone=tz, progress=progress)

    def drop(self) -> None:
        self.metadata.drop_all(self.engine)
        self.engine.dispose()


def server_backend(kind: str, url: str) -> Backend:
    backend = Backend(kind, url)
    try:
        with backend.engine.connect():
            pass
    except sa.exc.DBAPIError as error:
        skip_or_fail(f"{kind} is unreachable at {mask_url(url)}: {str(error.orig).strip()}")
    return backend


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        "duckdb",
        "generic",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    kind = request.param
    folder = tmp_path_factory.mktemp(kind)
    if kind == "sqlite":
        chosen = Backend(kind, f"sqlite:///{folder / 'warehouse.db'}")
    elif kind in ("duckdb", "generic"):
        chosen = Backend(kind, f"duckdb:///{folder / 'warehouse.duckdb'}")
    elif kind == "postgresql":
        chosen = server_backend(kind, POSTGRES_URL)
    else:
        chosen = server_backend(kind, MARIADB_URL)
    yield chosen
    chosen.drop()


@pytest.fixture(scope="module")
def deals(backend) -> str:
    return backend.create_deals()


def metric(table: str | None, agg: str, grain: str = "day", **fields) -> Metric:
    defaults = {"time": "ts", "value": "amount"} if table else {}
    return Metric(
        id=fields.pop("id", f"{agg}_{grain}"),
        source="warehouse",
        agg=agg,
        grain=grain,
        table=table,
        **{**defaults, **fields},
    )


@contextmanager
def aggregate_statements() -> Iterator[list[str]]:
    """The GROUP BY statements any engine sends while the block runs."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "GROUP BY" in statement:
            sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)


def metric_parts(pull: Pull, metric_id: str):
    return pull.parts[pull.parts["metric"] == metric_id].reset_index(drop=True)


def values(pull: Pull, metric_id: str) -> dict[tuple[str, str], float]:
    parts = pull.parts[pull.parts["metric"] == metric_id]
    return {
        (period.isoformat(), dims): pytest.approx(value)
        for period, dims, value in zip(parts["period"], parts["dims"], parts["value"], strict=True)
    }


def part(pull: Pull, metric_id: str, period: str, dims: str = TOTAL) -> dict:
    parts = pull.parts
    chosen = parts[
        (parts["metric"] == metric_id)
        & (parts["period"] == date.fromisoformat(period))
        & (parts["dims"] == dims)
    ]
    assert len(chosen) == 1, f"expected one part for {metric_id} {period} {dims}"
    return chosen.iloc[0].to_dict()


# (case, agg, grain, metric fields, expected value per (period, dims)), computed from DEALS.
AGGREGATION_CASES = [
    (
        "sum by day",
        "sum",
        "day",
        {},
        {("2024-01-07", TOTAL): 90, ("2024-01-08", TOTAL): 80}
        | {("2024-01-09", TOTAL): 40, ("2024-02-01", TOTAL): 100},
    ),
    (
        "sum by week: the Sunday closes the week of Monday 1 January, the Monday opens the next",
        "sum",
        "week",
        {},
        {("2024-01-01", TOTAL): 90, ("2024-01-08", TOTAL): 120, ("2024-01-29", TOTAL): 100},
    ),
    (
        "avg by month",
        "avg",
        "month",
        {},
        {("2024-01-01", TOTAL): 35, ("2024-02-01", TOTAL): 100},
    ),
    (
        "count of rows by week",
        "count",
        "week",
        {"value": None},
        {("2024-01-01", TOTAL): 3, ("2024-01-08", TOTAL): 3, ("2024-01-29", TOTAL): 1},
    ),
    (
        "min by month",
        "min",
        "month",
        {},
        {("2024-01-01", TOTAL): 10, ("2024-02-01", TOTAL): 100},
    ),
    (
        "max by week",
        "max",
        "week",
        {},
        {("2024-01-01", TOTAL): 60, ("2024-01-08", TOTAL): 50, ("2024-01-29", TOTAL): 100},
    ),
    (
        "count_distinct users by month",
        "count_distinct",
        "month",
        {"value": "user_id"},
        {("2024-01-01", TOTAL): 3, ("2024-02-01", TOTAL): 1},
    ),
    (
        "median by day, of an odd and of an even number of rows",
        "median",
        "day",
        {},
        {("2024-01-07", TOTAL): 20, ("2024-01-08", TOTAL): 40}
        | {("2024-01-09", TOTAL): 40, ("2024-02-01", TOTAL): 100},
    ),
    (
        "median by month",
        "median",
        "month",
        {},
        {("2024-01-01", TOTAL): 35, ("2024-02-01", TOTAL): 100},
    ),
    (
        "last by day is the value at the greatest time, not the last row inserted",
        "last",
        "day",
        {},
        {("2024-01-07", TOTAL): 20, ("2024-01-08", TOTAL): 50}
        | {("2024-01-09", TOTAL): 40, ("2024-02-01", TOTAL): 100},
    ),
    (
        "last by week",
        "last",
        "week",
        {},
        {("2024-01-01", TOTAL): 20, ("2024-01-08", TOTAL): 40, ("2024-01-29", TOTAL): 100},
    ),
    (
        "ratio of won deals by day",
        "ratio",
        "day",
        {"value": None, "numerator": WON, "denominator": "1"},
        {("2024-01-07", TOTAL): 2 / 3, ("2024-01-08", TOTAL): 1 / 2}
        | {("2024-01-09", TOTAL): 1, ("2024-02-01", TOTAL): 1},
    ),
    (
        "sum with a filter by month",
        "sum",
        "month",
        {"filter": "stage = 'won'"},
        {("2024-01-01", TOTAL): 140, ("2024-02-01", TOTAL): 100},
    ),
    (
        "sum of an expression by month",
        "sum",
        "month",
        {"value": "amount * 2"},
        {("2024-01-01", TOTAL): 420, ("2024-02-01", TOTAL): 200},
    ),
    (
        "sum by region and day: additive metrics come at the finest grouping only",
        "sum",
        "day",
        {"dimensions": ("region",)},
        {("2024-01-07", EMEA): 30, ("2024-01-07", AMER): 60, ("2024-01-08", EMEA): 30}
        | {("2024-01-08", AMER): 50, ("2024-01-09", AMER): 40, ("2024-02-01", EMEA): 100},
    ),
    (
        "count_distinct by region and month comes for every subset of dimensions",
        "count_distinct",
        "month",
        {"value": "user_id", "dimensions": ("region",)},
        {("2024-01-01", TOTAL): 3, ("2024-01-01", EMEA): 2, ("2024-01-01", AMER): 2}
        | {("2024-02-01", TOTAL): 1, ("2024-02-01", EMEA): 1},
    ),
    (
        "median by region and month comes for every subset of dimensions",
        "median",
        "month",
        {"dimensions": ("region",)},
        {("2024-01-01", TOTAL): 35, ("2024-01-01", EMEA): 20, ("2024-01-01", AMER): 50}
        | {("2024-02-01", TOTAL): 100, ("2024-02-01", EMEA): 100},
    ),
    (
        "last by region and week comes for every subset of dimensions",
        "last",
        "week",
        {"dimensions": ("region",)},
        {("2024-01-01", TOTAL): 20, ("2024-01-01", EMEA): 20, ("2024-01-01", AMER): 60}
        | {("2024-01-08", TOTAL): 40, ("2024-01-08", EMEA): 30, ("2024-01-08", AMER): 40}
        | {("2024-01-29", TOTAL): 100, ("2024-01-29", EMEA): 100},
    ),
]


@pytest.mark.parametrize(
    "case, agg, grain, fields, expected", AGGREGATION_CASES, ids=[c[0] for c in AGGREGATION_CASES]
)
def test_each_aggregation_gives_the_hand_computed_value_of_each_period(
    backend, deals, case, agg, grain, fields, expected
):
    pull = backend.pull([metric(deals, agg, grain, **fields)])
    assert values(pull, f"{agg}_{grain}") == expected
    assert list(pull.parts.columns) == list(PART_COLUMNS)
    assert set(pull.parts["origin"]) == {""}


def test_parts_carry_counts_sums_extremes_and_the_last_time(backend, deals):
    pull = backend.pull([metric(deals, "avg", "week")])
    first_week = part(pull, "avg_week", "2024-01-01")
    assert first_week["n"] == 3
    assert first_week["total"] == 90
    assert (first_week["minimum"], first_week["maximum"]) == (10, 60)
    assert first_week["last_at"] == datetime(2024, 1, 7, 18, 0)
    assert first_week["value"] == pytest.approx(30)


def test_ratio_parts_carry_the_sums_of_numerator_and_denominator(backend, deals):
    fields = {"value": None, "numerator": WON, "denominator": "1"}
    pull = backend.pull([metric(deals, "ratio", "month", **fields)])
    january = part(pull, "ratio_month", "2024-01-01")
    assert (january["num"], january["den"], january["n"]) == (4, 6, 6)
    assert january["value"] == pytest.approx(4 / 6)


def test_a_sql_metric_is_read_as_a_subquery_with_its_dimensions(backend, deals):
    query = f"select ts as time, amount as value, region from {deals} where stage = 'won'"
    pull = backend.pull([metric(None, "sum", "month", sql=query, dimensions=("region",))])
    assert values(pull, "sum_month") == {
        ("2024-01-01", EMEA): 40,
        ("2024-01-01", AMER): 100,
        ("2024-02-01", EMEA): 100,
    }


def test_a_sql_ratio_metric_reads_its_numerator_and_denominator_columns(backend, deals):
    query = f"select ts as time, {WON} as numerator, 1 as denominator from {deals};"
    pull = backend.pull([metric(None, "ratio", "month", sql=query)])
    assert values(pull, "ratio_month") == {("2024-01-01", TOTAL): 4 / 6, ("2024-02-01", TOTAL): 1}


def test_a_colon_in_the_sql_of_a_metric_goes_in_as_written(backend, deals):
    query = f"select ts as time, amount as value from {deals} where stage <> 'x:y'"
    pull = backend.pull([metric(None, "count", "month", sql=query)])
    assert values(pull, "count_month") == {("2024-01-01", TOTAL): 6, ("2024-02-01", TOTAL): 1}


def test_the_first_pull_reads_everything_and_replaces_every_stored_part(backend, deals):
    pull = backend.pull([metric(deals, "sum", "day")])
    assert pull.supersedes == [Supersede(metric="sum_day")]
    assert pull.state == {"sum_day": "2024-02-01"}
    assert pull.rows_read == 4


@pytest.mark.parametrize(
    "grain, last_loaded, since, expected",
    [
        ("day", "2024-02-01", "2024-01-25", {("2024-01-28", TOTAL): 5, ("2024-02-01", TOTAL): 101}),
        (
            "week",
            "2024-01-29",
            "2024-01-22",
            {("2024-01-22", TOTAL): 5, ("2024-01-29", TOTAL): 101},
        ),
        (
            "month",
            "2024-02-01",
            "2024-01-01",
            {("2024-01-01", TOTAL): 1215, ("2024-02-01", TOTAL): 101},
        ),
    ],
)
def test_the_next_pull_rereads_the_lookback_so_late_rows_land(
    backend, grain, last_loaded, since, expected
):
    table = backend.create_deals(f"late_{grain}")
    first = backend.pull([metric(table, "sum", grain, id="late")])
    assert first.state == {"late": last_loaded}
    late_rows = [
        ("2024-01-28 10:00", 5, "EMEA", "u4", "won"),  # a Sunday, inside the lookback
        ("2024-02-01 12:00", 1, "EMEA", "u4", "won"),
        ("2024-01-07 10:00", 1000, "EMEA", "u4", "won"),  # before the lookback: not re-read
    ]
    backend.insert(table, late_rows)
    second = backend.pull([metric(table, "sum", grain, id="late")], state=first.state)
    assert second.supersedes == [Supersede(metric="late", since=date.fromisoformat(since))]
    assert values(second, "late") == expected
    # The generic fallback transfers day parts and rolls them up: Jan 7, 8, 9, 28 and Feb 1.
    transferred = 5 if backend.kind == "generic" and grain == "month" else len(expected)
    assert second.rows_read == transferred
    assert second.state == {"late": "2024-02-01" if grain != "week" else "2024-01-29"}


def test_aggregation_runs_at_the_source_one_row_per_period_and_dimension_combination(backend):
    days, regions, rows_per_group = 10, ("EMEA", "AMER", "APAC"), 40
    rows = [
        (datetime(2024, 3, 1 + day, 0, i), i, region, f"u{i % 4}", "won")
        for day in range(days)
        for region in regions
        for i in range(rows_per_group)
    ]
    table = backend.create_deals("big", rows)
    by_region = {"dimensions": ("region",)}
    pull = backend.pull([metric(table, "sum", "day", **by_region)])
    assert pull.rows_read == days * len(regions)
    assert set(pull.parts["value"]) == {sum(range(rows_per_group))}
    per_subset = [
        metric(table, "count_distinct", "day", value="user_id", **by_region),
        metric(table, "median", "day", **by_region),
    ]
    for each in per_subset:
        pull = backend.pull([each])
        assert pull.rows_read == days * (1 + len(regions))  # the total and each region
    assert set(pull.parts["value"]) == {19.5}


# -- metrics read together -------------------------------------------------------------------

BY_REGION = {"dimensions": ("region",)}
# The (day, region) groups of DEALS, and six additive metrics with their value in each group.
DAY_REGIONS = [
    ("2024-01-07", EMEA),
    ("2024-01-07", AMER),
    ("2024-01-08", EMEA),
    ("2024-01-08", AMER),
    ("2024-01-09", AMER),
    ("2024-02-01", EMEA),
]
TOGETHER_CASES = [
    ("sum", {}, [30, 60, 30, 50, 40, 100]),
    ("count", {"value": None}, [2, 1, 1, 1, 1, 1]),
    ("avg", {}, [15, 60, 30, 50, 40, 100]),
    ("ratio", {"value": None, "numerator": WON, "denominator": "1"}, [1 / 2, 1, 1, 0, 1, 1]),
    ("min", {}, [10, 60, 30, 50, 40, 100]),
    ("max", {}, [20, 60, 30, 50, 40, 100]),
]


def together_metrics(table: str) -> list[Metric]:
    return [metric(table, agg, **fields, **BY_REGION) for agg, fields, _ in TOGETHER_CASES]


def test_additive_metrics_over_the_same_rows_are_read_by_one_statement(backend, deals):
    users = metric(deals, "count_distinct", value="user_id", **BY_REGION)
    with aggregate_statements() as users_statements:
        users_alone = backend.pull([users])
    with aggregate_statements() as sent:
        pull = backend.pull([*together_metrics(deals), users])
    # One statement for the six, beside the one (GROUPING SETS) or two of count_distinct.
    assert len(sent) == len(users_statements) + 1
    assert pull.rows_read == len(DAY_REGIONS) + users_alone.rows_read
    for agg, _fields, expected in TOGETHER_CASES:
        assert values(pull, f"{agg}_day") == dict(zip(DAY_REGIONS, expected, strict=True)), agg
    assert metric_parts(pull, "count_distinct_day").equals(
        metric_parts(users_alone, "count_distinct_day")
    )


def test_metrics_read_together_give_the_parts_each_gives_alone(backend, deals):
    together = backend.pull(together_metrics(deals))
    for each in together_metrics(deals):
        alone = backend.pull([each])
        assert metric_parts(together, each.id).equals(metric_parts(alone, each.id)), each.id
    avg = part(together, "avg_day", "2024-01-07", EMEA)
    assert (avg["n"], avg["total"], avg["minimum"], avg["maximum"]) == (2, 30, 10, 20)
    assert avg["last_at"] == datetime(2024, 1, 7, 18, 0)
    ratio = part(together, "ratio_day", "2024-01-07", EMEA)
    assert (ratio["n"], ratio["num"], ratio["den"], ratio["value"]) == (2, 1, 2, 0.5)
    count = part(together, "count_day", "2024-01-07", EMEA)
    assert (count["n"], count["value"], count["last_at"]) == (2, 2, datetime(2024, 1, 7, 18, 0))


def test_a_group_where_one_metric_counts_no_row_gives_it_the_part_it_gets_alone(backend):
    # On 8 January EMEA has only a null amount: count of rows is 1, the sum has n = 0.
    table = backend.create_deals(
        "nulls", [*DEALS[:3], ("2024-01-08 08:00", None, "EMEA", "u1", "won")]
    )
    metrics = [
        metric(table, "sum", **BY_REGION),
        metric(table, "count", value=None, **BY_REGION),
        metric(table, "avg", **BY_REGION),
    ]
    together = backend.pull(metrics)
    for each in metrics:
        alone = backend.pull([each])
        assert metric_parts(together, each.id).equals(metric_parts(alone, each.id)), each.id
    empty = part(together, "sum_day", "2024-01-08", EMEA)
    assert empty["n"] == 0
    assert pd.isna(empty["total"]) and pd.isna(empty["value"])
    assert part(together, "count_day", "2024-01-08", EMEA)["value"] == 1
    assert together.rows_read == 3


def test_rows_read_counts_each_row_of_a_shared_statement_once(backend, deals):
    pull = backend.pull(together_metrics(deals)[:4])
    # Six (day, region) groups in DEALS, fetched once for the four metrics, not 4 x 6.
    assert pull.rows_read == 6


SUMS_BY_DAY = {("2024-01-07", TOTAL): 90, ("2024-01-08", TOTAL): 80}
SUMS_BY_DAY |= {("2024-01-09", TOTAL): 40, ("2024-02-01", TOTAL): 100}
# (case, fields of the metric "other" beside "first", the sum of deals by day, the pull's
# state, statements sent, hand-computed values of "other").
APART_CASES = [
    (
        "the same rows, periods and bound share a statement",
        {"value": "amount * 2"},
        {},
        1,
        {("2024-01-07", TOTAL): 180, ("2024-01-08", TOTAL): 160}
        | {("2024-01-09", TOTAL): 80, ("2024-02-01", TOTAL): 200},
    ),
    (
        "the same incremental bound shares a statement",
        {},
        {"first": "2024-01-09", "other": "2024-01-09"},
        1,
        SUMS_BY_DAY,
    ),
    (
        "another incremental bound is read apart",
        {},
        {"first": "2024-01-09", "other": "2024-02-01"},
        2,
        {("2024-02-01", TOTAL): 100},
    ),
    (
        "a filter is read apart",
        {"filter": "stage = 'won'"},
        {},
        2,
        {("2024-01-07", TOTAL): 70, ("2024-01-08", TOTAL): 30}
        | {("2024-01-09", TOTAL): 40, ("2024-02-01", TOTAL): 100},
    ),
    (
        "dimensions are read apart",
        BY_REGION,
        {},
        2,
        dict(zip(DAY_REGIONS, [30, 60, 30, 50, 40, 100], strict=True)),
    ),
    (
        "a grain is read apart",
        {"grain": "week"},
        {},
        2,
        {("2024-01-01", TOTAL): 90, ("2024-01-08", TOTAL): 120, ("2024-01-29", TOTAL): 100},
    ),
]


@pytest.mark.parametrize(
    "case, fields, state, statements, expected", APART_CASES, ids=[c[0] for c in APART_CASES]
)
def test_metrics_share_a_statement_only_over_the_same_rows_periods_and_bound(
    backend, deals, case, fields, state, statements, expected
):
    first = metric(deals, "sum", id="first")
    other = metric(deals, "sum", **{"id": "other", **fields})
    with aggregate_statements() as sent:
        pull = backend.pull([first, other], state=state)
    assert len(sent) == statements
    assert values(pull, "first") == SUMS_BY_DAY
    assert values(pull, "other") == expected


def test_metrics_share_a_statement_only_over_the_same_table_or_the_same_query_text(backend, deals):
    copy = backend.create_deals("copy")
    query = (
        f"select ts as time, amount as value, {WON} as numerator, 1 as denominator, region "
        f"from {deals}"
    )
    sql_sum = metric(None, "sum", sql=query, id="sql_sum", **BY_REGION)
    sql_won = metric(None, "ratio", sql=query, id="sql_won", **BY_REGION)
    spaced = metric(None, "count", sql=query.replace(" from", "  from"), id="spaced", **BY_REGION)
    tables = [metric(deals, "sum", id="deals"), metric(copy, "sum", id="copy")]
    with aggregate_statements() as sent:
        pull = backend.pull([sql_sum, sql_won, spaced, *tables])
    assert len(sent) == 4  # the query text, its copy with one more space, each table
    by_day_region = {agg: dict(zip(DAY_REGIONS, v, strict=True)) for agg, _, v in TOGETHER_CASES}
    assert values(pull, "sql_sum") == by_day_region["sum"]
    assert values(pull, "sql_won") == by_day_region["ratio"]
    assert values(pull, "spaced") == by_day_region["count"]
    assert values(pull, "deals") == values(pull, "copy") == SUMS_BY_DAY


def test_a_broken_expression_among_metrics_read_together_is_named_alone(backend, deals):
    broken = metric(deals, "sum", id="broken", value="amount +* 2")
    with pytest.raises(SourceError) as raised:
        backend.pull([metric(deals, "sum"), broken, metric(deals, "count", value=None)])
    message = str(raised.value)
    assert "source 'warehouse'" in message
    assert "metric 'broken' could not be read" in message
    assert "sum_day" not in message and "count_day" not in message
    assert (
        f"value, numerator, denominator and filter expressions against table '{deals}'" in message
    )


@pytest.mark.postgres
def test_a_statement_that_fails_on_the_data_names_every_metric_it_reads():
    backend = server_backend("postgresql", POSTGRES_URL)
    table = backend.create_deals("zero")
    # Each expression is valid alone; dividing by zero fails only once rows are read.
    zero = metric(table, "sum", id="zero", value="amount / (amount - amount)")
    try:
        with pytest.raises(SourceError) as raised:
            backend.pull([metric(table, "sum"), zero, metric(table, "count", value=None)])
    finally:
        backend.drop()
    message = str(raised.value)
    assert "metrics 'sum_day', 'zero' and 'count_day', read by one statement, could not" in message
    assert "division by zero" in message
    assert "check their value, numerator, denominator and filter expressions" in message


def test_the_session_refuses_writes(backend, deals):
    if backend.kind == "generic":
        pytest.skip("no read-only guard exists for dialects without a dedicated flavour")
    table = sa.table(deals, sa.column("amount"))
    session = backend.connector()._session("UTC")
    with session as (conn, _flavour, _notes), pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.insert(table).values(amount=1))
    assert backend.count(deals) == len(DEALS)


@pytest.mark.postgres
def test_a_value_expression_that_writes_fails_on_postgresql():
    backend = server_backend("postgresql", POSTGRES_URL)
    table = backend.create_deals("writes")
    sequence = f"okr_seq_{backend.suffix}"
    with backend.engine.begin() as conn:
        conn.execute(sa.text(f"create sequence {sequence}"))
    try:
        with pytest.raises(SourceError, match="read-only transaction"):
            backend.pull([metric(table, "sum", value=f"nextval('{sequence}')")])
        with backend.engine.connect() as conn:
            assert conn.execute(sa.text(f"select last_value from {sequence}")).scalar() == 1
    finally:
        with backend.engine.begin() as conn:
            conn.execute(sa.text(f"drop sequence {sequence}"))
        backend.drop()


@pytest.mark.mariadb
def test_a_value_expression_that_writes_fails_on_mariadb():
    backend = server_backend("mariadb", MARIADB_URL)
    table = backend.create_deals("writes")
    function = f"okr_bump_{backend.suffix}"
    with backend.engine.begin() as conn:
        conn.execute(
            sa.text(
                f"create function {function}() returns int modifies sql data "
                f"begin insert into {table} (amount) values (1); return 1; end"
            )
        )
    try:
        with pytest.raises(SourceError, match="READ ONLY transaction"):
            backend.pull([metric(table, "sum", value=f"{function}()")])
        assert backend.count(table) == len(DEALS)
    finally:
        with backend.engine.begin() as conn:
            conn.execute(sa.text(f"drop function {function}"))
        backend.drop()


@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_timestamps_with_a_time_zone_fall_in_the_periods_of_the_catalog_timezone(kind, tmp_path):
    if kind == "postgresql":
        backend = server_backend(kind, POSTGRES_URL)
    else:
        backend = Backend(kind, f"duckdb:///{tmp_path / 'aware.duckdb'}")
    sunday_night_utc = datetime(2024, 1, 7, 23, 30, tzinfo=UTC)
    table = backend.create_deals("aware", [(sunday_night_utc, 7, "EMEA", "u1", "won")], aware=True)
    try:
        metrics = [metric(table, "sum", "day"), metric(table, "sum", "week")]
        in_utc = backend.pull(metrics, tz="UTC")
        in_paris = backend.pull(metrics, tz="Europe/Paris")
    finally:
        backend.drop()
    assert values(in_utc, "sum_day") == {("2024-01-07", TOTAL): 7}
    assert values(in_utc, "sum_week") == {("2024-01-01", TOTAL): 7}
    assert values(in_paris, "sum_day") == {("2024-01-08", TOTAL): 7}
    assert values(in_paris, "sum_week") == {("2024-01-08", TOTAL): 7}
    assert part(in_paris, "sum_day", "2024-01-08")["last_at"] == datetime(2024, 1, 8, 0, 30)


@pytest.mark.mariadb
def test_mariadb_converts_timestamps_when_it_has_time_zone_tables_and_says_so_when_not():
    backend = server_backend("mariadb", MARIADB_URL)
    table = backend.create_deals("zones")
    try:
        with backend.engine.connect() as conn:
            probe = "select convert_tz('2000-01-01 00:00:00', '+00:00', 'Europe/Paris')"
            has_zone_tables = conn.execute(sa.text(probe)).scalar() is not None
        pull = backend.pull([metric(table, "sum", "month")], tz="Europe/Paris")
    finally:
        backend.drop()
    # DATETIME columns are local whatever the session's zone: the periods never move.
    assert values(pull, "sum_month") == {("2024-01-01", TOTAL): 210, ("2024-02-01", TOTAL): 100}
    if has_zone_tables:
        assert pull.notes == []
    else:
        assert any("mysql_tzinfo_to_sql" in note for note in pull.notes)


def test_progress_is_reported_for_each_statement_with_the_metrics_it_reads(backend, deals):
    calls = []
    backend.pull(
        [
            metric(deals, "sum"),
            metric(deals, "count", value=None),
            metric(deals, "count_distinct", value="user_id"),
        ],
        progress=lambda message, fraction: calls.append((message, fraction)),
    )
    assert calls == [
        ("sum_day and count_day: querying warehouse", 0.0),
        ("count_distinct_day: querying warehouse", pytest.approx(2 / 3)),
        ("warehouse: 3 metrics read", 1.0),
    ]


def test_tables_and_columns_are_listed_for_the_catalog_editor(backend, deals):
    connector = backend.connector()
    assert deals in connector.tables()
    assert connector.columns(deals) == ["ts", "amount", "region", "user_id", "stage"]


def test_an_unknown_table_is_reported_with_similar_table_names(backend, deals):
    misspelt = deals.replace("deals", "deal")
    with pytest.raises(SourceError) as raised:
        backend.pull([metric(misspelt, "sum")])
    message = str(raised.value)
    assert f"table '{misspelt}' does not exist" in message
    assert f"similar tables: {deals}" in message
    assert "metric 'sum_day'" in message


def test_an_unknown_column_is_reported_with_the_columns_of_the_table(backend, deals):
    with pytest.raises(SourceError) as raised:
        backend.pull([metric(deals, "sum", time="closed_at")])
    message = str(raised.value)
    assert "column 'closed_at' (its `time:`)" in message
    assert "ts, amount, region, user_id, stage" in message


def test_a_broken_value_expression_is_reported_with_the_metric_and_the_fix(backend, deals):
    with pytest.raises(SourceError) as raised:
        backend.pull([metric(deals, "sum", value="amount +* 2")])
    message = str(raised.value)
    assert "metric 'sum_day' could not be read" in message
    assert "value, numerator, denominator and filter" in message


@pytest.mark.parametrize(
    "url, where",
    [
        ("postgresql+psycopg://okr:s3cret-pw@127.0.0.1:1/test", "127.0.0.1:1"),
        ("mysql+pymysql://okr:s3cret-pw@127.0.0.1:1/test", "127.0.0.1:1"),
    ],
)
def test_a_server_that_cannot_be_reached_is_reported_with_the_password_masked(url, where):
    connector = SqlConnector(Source(id="warehouse", type="sql", url=url))
    with pytest.raises(SourceError) as raised:
        connector.pull([metric("deals", "sum")], state={}, timezone="UTC")
    message = str(raised.value)
    assert f"cannot connect to {where}" in message
    assert "okr:***@127.0.0.1:1" in message
    assert "s3cret-pw" not in message
    assert "s3cret-pw" not in repr(raised.value.__cause__)


def test_a_missing_environment_variable_is_named():
    source = Source(id="warehouse", type="sql", url="${OKR_TEST_WAREHOUSE_URL}")
    connector = SqlConnector(source, environ={})
    with pytest.raises(SourceError, match="environment variable OKR_TEST_WAREHOUSE_URL"):
        connector.pull([metric("deals", "sum")], state={}, timezone="UTC")


def test_the_url_is_expanded_from_the_given_environment(tmp_path):
    backend = Backend("sqlite", f"sqlite:///{tmp_path / 'expanded.db'}")
    table = backend.create_deals()
    source = Source(id="warehouse", type="sql", url="sqlite:///${OKR_TEST_DB}")
    connector = SqlConnector(source, environ={"OKR_TEST_DB": str(tmp_path / "expanded.db")})
    pull = connector.pull([metric(table, "sum", "month")], state={}, timezone="UTC")
    backend.drop()
    assert values(pull, "sum_month") == {("2024-01-01", TOTAL): 210, ("2024-02-01", TOTAL): 100}


def test_a_missing_driver_is_reported_with_the_package_to_install():
    url = "postgresql+pg8000://okr:s3cret-pw@127.0.0.1:5432/test"
    connector = SqlConnector(Source(id="warehouse", type="sql", url=url))
    with pytest.raises(SourceError) as raised:
        connector.pull([metric("deals", "sum")], state={}, timezone="UTC")
    assert 'pip install "pg8000"' in str(raised.value)
    assert "s3cret-pw" not in str(raised.value)


def test_a_relative_sqlite_path_is_read_from_the_catalog_folder(tmp_path):
    (tmp_path / "data").mkdir()
    backend = Backend("sqlite", f"sqlite:///{tmp_path / 'data' / 'warehouse.db'}")
    table = backend.create_deals()
    source = Source(id="warehouse", type="sql", url="sqlite:///data/warehouse.db")
    connector = SqlConnector(source, base_dir=tmp_path)
    pull = connector.pull([metric(table, "count", "month", value=None)], state={}, timezone="UTC")
    backend.drop()
    assert values(pull, "count_month") == {("2024-01-01", TOTAL): 6, ("2024-02-01", TOTAL): 1}


def test_a_missing_database_file_is_reported_and_not_created(tmp_path):
    source = Source(id="warehouse", type="sql", url="sqlite:///data/missing.db")
    connector = SqlConnector(source, base_dir=tmp_path)
    with pytest.raises(SourceError, match="database file .*missing.db does not exist"):
        connector.pull([metric("deals", "sum")], state={}, timezone="UTC")
    assert not (tmp_path / "data" / "missing.db").exists()


def test_an_unknown_timezone_is_reported(tmp_path):
    source = Source(id="warehouse", type="sql", url=f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(SourceError, match="timezone 'Mars/Olympus' is not a known"):
        SqlConnector(source).pull([], state={}, timezone="Mars/Olympus")


def test_a_schema_qualified_table_is_read(tmp_path):
    path: Path = tmp_path / "schemas.duckdb"
    engine = sa.create_engine(f"duckdb:///{path}", poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("create schema analytics"))
        conn.execute(sa.text("create table analytics.deals (ts timestamp, amount integer)"))
        conn.execute(sa.text("insert into analytics.deals values ('2024-01-07 09:00', 10)"))
    engine.dispose()
    connector = SqlConnector(Source(id="warehouse", type="sql", url=f"duckdb:///{path}"))
    pull = connector.pull([metric("analytics.deals", "sum")], state={}, timezone="UTC")
    assert values(pull, "sum_day") == {("2024-01-07", TOTAL): 10}
    assert connector.columns("analytics.deals") == ["ts", "amount"]
