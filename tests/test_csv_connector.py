"""The CSV connector: parts per period, quarantine, incremental pulls and errors.

Every expected value below is worked out by hand from the inline CSV above it.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from connectors import csv as csv_connector
from connectors.base import PART_COLUMNS, SourceError, Supersede, empty_parts
from connectors.csv import CsvConnector
from okr.model import Metric, Source

EXAMPLES = Path(__file__).parent / "csv_examples"

SURVEY = """\
    at,score,region,user
    2026-07-06 09:00,80,EMEA,u1
    2026-07-06 17:30,60,US,u2
    2026-07-06 12:00,70,US,u1
    2026-07-07 08:00,90,EMEA,u3
    """


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8", newline="")
    return path


def metric(id: str = "m", agg: str = "avg", **fields) -> Metric:
    fields.setdefault("table", "data.csv")
    fields.setdefault("time", "at")
    if agg not in ("count", "ratio"):
        fields.setdefault("value", "score")
    return Metric(id=id, source="exports", agg=agg, **fields)


def connector(folder: Path) -> CsvConnector:
    return CsvConnector(Source(id="exports", type="csv", path=folder))


def pull(folder: Path, *metrics: Metric, state=None, timezone="UTC", progress=None):
    return connector(folder).pull(
        list(metrics), state=state or {}, timezone=timezone, progress=progress
    )


def _plain(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def rows(parts: pd.DataFrame, *columns: str) -> list[tuple]:
    """The parts as tuples of plain values, in the frame's order."""
    columns = columns or ("metric", "origin", "period", "dims", "n", "value")
    return [
        tuple(_plain(v) for v in record)
        for record in parts[list(columns)].astype(object).itertuples(index=False)
    ]


def values(parts: pd.DataFrame) -> dict[tuple[date, str], float]:
    return {(r[0], r[1]): r[2] for r in rows(parts, "period", "dims", "value")}


# -- aggregates at day grain --------------------------------------------------------------


def test_avg_parts_hold_count_sum_min_max_and_latest_row(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("csat", "avg"))
    columns = ("period", "dims", "n", "total", "minimum", "maximum", "last_at", "value")
    assert rows(result.parts, *columns) == [
        (date(2026, 7, 6), "{}", 3, 210.0, 60.0, 80.0, datetime(2026, 7, 6, 17, 30), 70.0),
        (date(2026, 7, 7), "{}", 1, 90.0, 90.0, 90.0, datetime(2026, 7, 7, 8, 0), 90.0),
    ]
    assert rows(result.parts, "num", "den", "last") == [(None, None, None)] * 2


@pytest.mark.parametrize(
    ("agg", "value", "monday", "tuesday"),
    [
        ("sum", "score", 210.0, 90.0),
        ("avg", "score", 70.0, 90.0),
        ("min", "score", 60.0, 90.0),
        ("max", "score", 80.0, 90.0),
        ("count", None, 3.0, 1.0),
        ("count", "user", 3.0, 1.0),
        ("count_distinct", "user", 2.0, 1.0),
        ("median", "score", 70.0, 90.0),
        ("last", "score", 60.0, 90.0),
    ],
)
def test_each_aggregation_gives_the_value_of_each_day(tmp_path, agg, value, monday, tuesday):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", agg, value=value))
    assert values(result.parts) == {
        (date(2026, 7, 6), "{}"): monday,
        (date(2026, 7, 7), "{}"): tuesday,
    }


def test_ratio_parts_carry_the_sums_of_numerator_and_denominator(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    ratio = metric(
        "good", "ratio", numerator="case when score >= 70 then 1 else 0 end", denominator="1"
    )
    result = pull(tmp_path, ratio)
    assert rows(result.parts, "period", "n", "num", "den", "total", "value") == [
        (date(2026, 7, 6), 3, 2.0, 3.0, None, round(2 / 3, 6)),
        (date(2026, 7, 7), 1, 1.0, 1.0, None, 1.0),
    ]


def test_count_parts_count_rows_as_their_total(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("tickets", "count"))
    assert rows(result.parts, "period", "n", "total", "minimum", "value") == [
        (date(2026, 7, 6), 3, 3.0, None, 3.0),
        (date(2026, 7, 7), 1, 1.0, None, 1.0),
    ]


def test_count_of_a_column_skips_its_empty_cells(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,ticket
        2026-07-06 09:00,T1
        2026-07-06 10:00,
        2026-07-06 11:00,T3
        """,
    )
    result = pull(tmp_path, metric("tickets", "count", value="ticket"))
    assert rows(result.parts, "period", "n", "value") == [(date(2026, 7, 6), 2, 2.0)]
    assert result.quarantine.empty


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-06 09:00,100
        2026-07-06 10:00,10
        2026-07-06 11:00,40
        2026-07-06 12:00,20
        """,
    )
    result = pull(tmp_path, metric("m", "median"))
    assert rows(result.parts, "period", "n", "total", "value") == [
        (date(2026, 7, 6), 4, 170.0, 30.0)
    ]


def test_last_is_the_value_at_the_latest_time_and_ties_keep_the_greatest(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-06 18:00,5
        2026-07-06 09:00,100
        2026-07-06 18:00,7
        2026-07-07 08:00,3
        """,
    )
    result = pull(tmp_path, metric("m", "last"))
    assert rows(result.parts, "period", "last_at", "last", "value") == [
        (date(2026, 7, 6), datetime(2026, 7, 6, 18, 0), 7.0, 7.0),
        (date(2026, 7, 7), datetime(2026, 7, 7, 8, 0), 3.0, 3.0),
    ]


def test_value_can_be_an_expression_over_one_row(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "sum", value="score / 10 + 1"))
    assert values(result.parts) == {
        (date(2026, 7, 6), "{}"): 24.0,
        (date(2026, 7, 7), "{}"): 10.0,
    }


# -- periods and timezones -----------------------------------------------------------------


def test_week_periods_start_on_monday_so_sunday_and_monday_fall_apart(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-06-29 00:00,1
        2026-07-05 23:59,2
        2026-07-06 00:00,4
        2026-07-12 12:00,8
        """,
    )
    result = pull(tmp_path, metric("m", "sum", grain="week"))
    assert values(result.parts) == {
        (date(2026, 6, 29), "{}"): 3.0,
        (date(2026, 7, 6), "{}"): 12.0,
    }


def test_month_periods_start_on_the_first_day(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-01,1
        2026-07-31 23:00,2
        2026-08-01 00:30,4
        """,
    )
    result = pull(tmp_path, metric("m", "sum", grain="month"))
    assert values(result.parts) == {
        (date(2026, 7, 1), "{}"): 3.0,
        (date(2026, 8, 1), "{}"): 4.0,
    }


def test_offset_timestamps_are_converted_to_the_catalog_timezone_across_midnight(tmp_path):
    # Paris is UTC+2 in July: 22:30Z is 00:30 the next day; +05:00 01:00 is 22:00 the day before.
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-06T22:30:00Z,1
        2026-07-06 23:30+02:00,2
        2026-07-07T01:00:00+05:00,4
        2026-07-06 23:45,8
        """,
    )
    result = pull(tmp_path, metric("m", "sum"), timezone="Europe/Paris")
    assert rows(result.parts, "period", "n", "value", "last_at") == [
        (date(2026, 7, 6), 3, 14.0, datetime(2026, 7, 6, 23, 45)),
        (date(2026, 7, 7), 1, 1.0, datetime(2026, 7, 7, 0, 30)),
    ]


def test_the_same_rows_fall_on_other_days_in_utc(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-06T22:30:00Z,1
        2026-07-06 23:30+02:00,2
        2026-07-07T01:00:00+05:00,4
        2026-07-06 23:45,8
        """,
    )
    result = pull(tmp_path, metric("m", "sum"), timezone="UTC")
    assert values(result.parts) == {(date(2026, 7, 6), "{}"): 15.0}


def test_naive_times_are_local_to_a_timezone_west_of_utc(tmp_path):
    # New York is UTC-4 in July: 02:00Z on the 7th is 22:00 on the 6th there.
    write(
        tmp_path,
        "data.csv",
        """\
        at,score
        2026-07-07T02:00:00Z,1
        2026-07-07 02:00,2
        """,
    )
    result = pull(tmp_path, metric("m", "sum"), timezone="America/New_York")
    assert values(result.parts) == {
        (date(2026, 7, 6), "{}"): 1.0,
        (date(2026, 7, 7), "{}"): 2.0,
    }


def scans(monkeypatch) -> list[list[str | None]]:
    """Records, for each scan the connector runs, the time format of each group it reads."""
    seen: list[list[str | None]] = []
    original = csv_connector._scan

    def spy(con, specs, groups, *args):
        seen.append([group.time_format for group in groups])
        return original(con, specs, groups, *args)

    monkeypatch.setattr(csv_connector, "_scan", spy)
    return seen


@pytest.mark.parametrize(
    ("first", "second", "time_format"),
    [
        ("2026-07-06 09:00:00", "2026-07-07 23:59:59", "%Y-%m-%d %H:%M:%S"),
        ("2026-07-06T09:00", "2026-07-07T23:59", "%Y-%m-%dT%H:%M"),
        ("2026-07-06 09:00:00.125", "2026-07-07 23:59:59.5", "%Y-%m-%d %H:%M:%S.%f"),
        ("2026-07-06", "2026-07-07", "%Y-%m-%d"),
    ],
)
def test_naive_iso_times_are_read_once_with_their_strict_format(
    tmp_path, monkeypatch, first, second, time_format
):
    seen = scans(monkeypatch)
    write(tmp_path, "data.csv", f"at,score\n{first},1\n{second},2\n{first},4\n")
    result = pull(tmp_path, metric("m", "sum"), timezone="Europe/Paris")
    assert seen == [[time_format]]
    # Naive times are wall times in the catalog's zone: no shift, whatever the zone.
    assert values(result.parts) == {(date(2026, 7, 6), "{}"): 5.0, (date(2026, 7, 7), "{}"): 2.0}


def test_times_with_an_offset_or_read_by_an_expression_are_read_as_timestamptz(
    tmp_path, monkeypatch
):
    seen = scans(monkeypatch)
    write(tmp_path, "offsets.csv", "at,score\n2026-07-06T22:30:00Z,1\n2026-07-06 10:00,2\n")
    write(tmp_path, "naive.csv", "at,score\n2026-07-06 09:00,1\n2026-07-06 13:00,2\n")
    assert values(pull(tmp_path, metric("m", "sum", table="offsets.csv")).parts) == {
        (date(2026, 7, 6), "{}"): 3.0
    }
    afternoon = metric("m", "sum", table="naive.csv", filter="date_part('hour', \"at\") >= 12")
    assert values(pull(tmp_path, afternoon).parts) == {(date(2026, 7, 6), "{}"): 2.0}
    assert seen == [[None], [None]]


def many_naive_rows(count: int) -> str:
    return "".join(f"2026-07-06 12:{i % 60:02d}:00,1\n" for i in range(count))


def test_an_offset_time_beyond_the_sniffed_sample_is_read_exactly_not_shifted(
    tmp_path, monkeypatch
):
    # 30,000 naive rows (more than the sniffer samples), then 01:00 at +05:00 on Jul 7,
    # which is 20:00 UTC on Jul 6. Read as a plain TIMESTAMP it would fall on Jul 7.
    seen = scans(monkeypatch)
    write(
        tmp_path,
        "data.csv",
        "at,score\n" + many_naive_rows(30_000) + "2026-07-07 01:00:00+05:00,100\n",
    )
    result = pull(tmp_path, metric("m", "sum"), timezone="UTC")
    assert seen == [["%Y-%m-%d %H:%M:%S"], [None]]  # the strict read, then the exact one
    assert rows(result.parts, "period", "n", "value") == [(date(2026, 7, 6), 30_001, 30_100.0)]
    assert result.quarantine.empty


def test_a_time_of_another_precision_beyond_the_sample_is_counted(tmp_path, monkeypatch):
    seen = scans(monkeypatch)
    text = "at,score\n" + many_naive_rows(30_000) + "2026-07-08 08:15:30.25,7\n"
    write(tmp_path, "data.csv", text)
    result = pull(tmp_path, metric("m", "sum"))
    assert seen == [["%Y-%m-%d %H:%M:%S"], [None]]
    assert values(result.parts) == {
        (date(2026, 7, 6), "{}"): 30_000.0,
        (date(2026, 7, 8), "{}"): 7.0,
    }
    assert result.quarantine.empty


def test_bad_times_under_the_strict_format_are_quarantined_without_a_second_scan(
    tmp_path, monkeypatch
):
    seen = scans(monkeypatch)
    bad = "yesterday,70\n,60\n2026-07-06 11:00:00,n/a\n"
    write(tmp_path, "data.csv", "at,score\n" + many_naive_rows(30_000) + bad)
    result = pull(tmp_path, metric("m", "sum"))
    assert seen == [["%Y-%m-%d %H:%M:%S"]]
    assert values(result.parts) == {(date(2026, 7, 6), "{}"): 30_000.0}
    # The header is line 1 and the good rows lines 2 to 30,001.
    assert rows(result.quarantine, "line", "reason") == [
        (30_002, "at 'yesterday' is not a date or time"),
        (30_003, "at is empty"),
        (30_004, "score 'n/a' is not a number"),
    ]


# -- filters and dimensions ---------------------------------------------------------------


def test_filter_keeps_only_matching_rows_and_empty_periods_have_no_part(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "avg", filter="region = 'US'"))
    assert rows(result.parts, "period", "n", "total", "value") == [
        (date(2026, 7, 6), 2, 130.0, 65.0)
    ]


def test_additive_metric_with_dimensions_returns_the_finest_grouping_only(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "avg", dimensions=("region",)))
    assert rows(result.parts, "origin", "period", "dims", "n", "total", "value") == [
        ("data.csv", date(2026, 7, 6), '{"region":"EMEA"}', 1, 80.0, 80.0),
        ("data.csv", date(2026, 7, 6), '{"region":"US"}', 2, 130.0, 65.0),
        ("data.csv", date(2026, 7, 7), '{"region":"EMEA"}', 1, 90.0, 90.0),
    ]


def test_non_additive_metric_returns_every_subset_of_its_dimensions(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "count_distinct", value="user", dimensions=("region",)))
    assert rows(result.parts, "origin", "period", "dims", "value") == [
        ("", date(2026, 7, 6), '{"region":"EMEA"}', 1.0),
        ("", date(2026, 7, 6), '{"region":"US"}', 2.0),
        ("", date(2026, 7, 6), "{}", 2.0),
        ("", date(2026, 7, 7), '{"region":"EMEA"}', 1.0),
        ("", date(2026, 7, 7), "{}", 1.0),
    ]


def test_two_dimensions_give_four_subsets_for_a_non_additive_metric(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score,region,channel
        2026-07-06 09:00,10,EMEA,mail
        2026-07-06 10:00,20,EMEA,chat
        2026-07-06 11:00,40,US,chat
        """,
    )
    result = pull(tmp_path, metric("m", "median", dimensions=("region", "channel")))
    assert values(result.parts) == {
        (date(2026, 7, 6), "{}"): 20.0,
        (date(2026, 7, 6), '{"channel":"chat"}'): 30.0,
        (date(2026, 7, 6), '{"channel":"mail"}'): 10.0,
        (date(2026, 7, 6), '{"region":"EMEA"}'): 15.0,
        (date(2026, 7, 6), '{"region":"US"}'): 40.0,
        (date(2026, 7, 6), '{"channel":"chat","region":"EMEA"}'): 20.0,
        (date(2026, 7, 6), '{"channel":"chat","region":"US"}'): 40.0,
        (date(2026, 7, 6), '{"channel":"mail","region":"EMEA"}'): 10.0,
    }


def test_an_empty_dimension_is_kept_as_null(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score,region
        2026-07-06 09:00,10,
        2026-07-06 10:00,20,US
        """,
    )
    result = pull(tmp_path, metric("m", "sum", dimensions=("region",)))
    assert values(result.parts) == {
        (date(2026, 7, 6), '{"region":null}'): 10.0,
        (date(2026, 7, 6), '{"region":"US"}'): 20.0,
    }


def test_metrics_with_different_times_and_grains_share_one_pull(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        opened,closed,score
        2026-07-05 09:00,2026-07-06 10:00,10
        2026-07-06 09:00,2026-07-08 10:00,20
        """,
    )
    opened = metric("opened", "count", time="opened")
    closed = metric("closed", "sum", time="closed", grain="week")
    result = pull(tmp_path, opened, closed)
    assert rows(result.parts, "metric", "period", "value") == [
        ("closed", date(2026, 7, 6), 30.0),
        ("opened", date(2026, 7, 5), 1.0),
        ("opened", date(2026, 7, 6), 1.0),
    ]


def test_columns_with_spaces_and_quotes_are_quoted(tmp_path):
    write(
        tmp_path,
        "data.csv",
        'answered at,"Score ""0-100""",Region Name\n'
        "2026-07-06 09:00,80,EMEA\n"
        "2026-07-06 10:00,60,EMEA\n",
    )
    result = pull(
        tmp_path,
        metric("m", "avg", time="answered at", value='Score "0-100"', dimensions=("Region Name",)),
    )
    assert rows(result.parts, "dims", "value") == [('{"Region Name":"EMEA"}', 70.0)]


def test_parts_have_the_contract_columns_and_types(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "avg"), metric("u", "count_distinct", value="user"))
    assert tuple(result.parts.columns) == PART_COLUMNS
    assert result.parts.dtypes.to_dict() == empty_parts().dtypes.to_dict()
    assert all(isinstance(p, date) for p in result.parts["period"])


def test_files_of_a_glob_with_columns_in_another_order_are_read_by_name(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    write(tmp_path, "b.csv", "score,at\n20,2026-07-06 10:00\n")
    result = pull(tmp_path, metric("m", "sum", table="*.csv"))
    assert rows(result.parts, "origin", "period", "value") == [
        ("a.csv", date(2026, 7, 6), 10.0),
        ("b.csv", date(2026, 7, 6), 20.0),
    ]


def test_a_later_file_may_quote_fields_and_end_lines_differently_from_the_first(tmp_path):
    write(tmp_path, "a.csv", "at,score,note\r\n2026-07-06 09:00,1,plain\r\n")
    write(
        tmp_path,
        "b.csv",
        'at,score,note\n2026-07-06 10:00,2,"with, comma"\n2026-07-06 11:00,4,"say ""hi"""\n',
    )
    result = pull(tmp_path, metric("m", "sum", table="*.csv", dimensions=("note",)))
    assert rows(result.parts, "origin", "dims", "value") == [
        ("a.csv", '{"note":"plain"}', 1.0),
        ("b.csv", '{"note":"say \\"hi\\""}', 4.0),
        ("b.csv", '{"note":"with, comma"}', 2.0),
    ]
    assert result.quarantine.empty


def test_bad_rows_of_files_with_different_layouts_keep_their_own_file(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n2026-07-06 10:00,x\n")
    write(tmp_path, "b.csv", "score,at\ny,2026-07-06 11:00\n\n20,2026-07-06 12:00\nz,soon\n")
    result = pull(tmp_path, metric("m", "sum", table="*.csv"))
    assert rows(result.quarantine, "origin", "line", "reason") == [
        ("a.csv", 3, "score 'x' is not a number"),
        ("b.csv", 2, "score 'y' is not a number"),
        ("b.csv", 5, "score 'z' is not a number; at 'soon' is not a date or time"),
    ]
    assert rows(result.parts, "origin", "value") == [("a.csv", 10.0), ("b.csv", 20.0)]
    assert result.rows_read == 5  # two rows in a.csv, three in b.csv: a blank line is no row


def test_a_column_missing_from_one_file_of_the_glob_is_named_with_that_file(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    write(tmp_path, "b.csv", "at,points\n2026-07-06 10:00,20\n")
    with pytest.raises(SourceError, match="value column 'score' is not in b.csv; its columns"):
        pull(tmp_path, metric("m", "sum", table="*.csv"))


def test_empty_and_header_only_files_give_no_parts_and_no_error(tmp_path):
    write(tmp_path, "a.csv", "")
    write(tmp_path, "b.csv", "at,score\n")
    write(tmp_path, "c.csv", "at,score\n2026-07-06 09:00,10\n")
    result = pull(tmp_path, metric("m", "sum", table="*.csv"))
    assert rows(result.parts, "origin", "value") == [("c.csv", 10.0)]
    assert result.rows_read == 1


# -- quarantine ----------------------------------------------------------------------------

BAD_ROWS = """\
    at,score,region
    2026-07-06 09:00,80,EMEA
    2026-07-06 10:00,n/a,US
    yesterday,70,US
    2026-07-06 11:00,50,US,extra
    2026-07-06 12:00,40
    ,60,EMEA
    2026-07-06 13:00,,US
    2026-07-06 14:00,100,US
    """


def test_each_kind_of_bad_row_is_quarantined_with_its_line_and_reason(tmp_path):
    write(tmp_path, "data.csv", BAD_ROWS)
    result = pull(tmp_path, metric("m", "avg"))
    assert rows(result.quarantine, "origin", "line", "reason", "row") == [
        ("data.csv", 3, "score 'n/a' is not a number", "2026-07-06 10:00,n/a,US"),
        ("data.csv", 4, "at 'yesterday' is not a date or time", "yesterday,70,US"),
        ("data.csv", 5, "line has 4 fields, the header has 3", "2026-07-06 11:00,50,US,extra"),
        ("data.csv", 6, "line has 2 fields, the header has 3", "2026-07-06 12:00,40"),
        ("data.csv", 7, "at is empty", ",60,EMEA"),
        ("data.csv", 8, "score is empty", "2026-07-06 13:00,,US"),
    ]
    assert list(result.quarantine.dtypes.astype(str)) == ["object", "Int64", "object", "object"]


def test_quarantined_rows_contribute_to_no_metric(tmp_path):
    write(tmp_path, "data.csv", BAD_ROWS)
    result = pull(tmp_path, metric("csat", "avg"), metric("rows", "count"))
    assert rows(result.parts, "metric", "n", "value") == [
        ("csat", 2, 90.0),
        ("rows", 2, 2.0),
    ]
    assert result.rows_read == 8
    assert result.reread_origins == ["data.csv"]


def test_the_reason_names_the_bad_cell_even_when_other_columns_are_not_read(tmp_path):
    write(
        tmp_path,
        "tickets.csv",
        """\
        id,at,region,minutes
        T1,2026-07-06 09:00,EU,5
        T2,14/10/2026 09:15,EU,6
        T3,2026-07-06 10:00,EU,
        T4,2026-07-06 11:00,EU,soon
        """,
    )
    tickets = metric("tickets", "count", table="tickets.csv")
    handling = metric("handling", "sum", table="tickets.csv", value="minutes")
    result = pull(tmp_path, tickets, handling)
    assert rows(result.quarantine, "line", "reason") == [
        (3, "at '14/10/2026 09:15' is not a date or time"),
        (4, "minutes is empty"),
        (5, "minutes 'soon' is not a number"),
    ]


def test_a_bad_cell_in_a_column_an_expression_reads_is_named(tmp_path):
    # Past the sniffer's sample, minutes is known to be a whole number: 'soon' cannot be one.
    lines = ["at,minutes,team"] + [f"2026-07-06 09:00,{i % 2},a" for i in range(30_000)]
    write(tmp_path, "data.csv", "\n".join([*lines, "2026-07-06 10:00,soon,b", ""]))
    result = pull(tmp_path, metric("m", "sum", value="minutes * 60", filter="team = 'a'"))
    assert rows(result.quarantine, "line", "reason") == [
        (30_002, "minutes 'soon' is not a whole number")
    ]
    assert values(result.parts) == {(date(2026, 7, 6), "{}"): 60.0 * 15_000}


def test_a_row_with_two_bad_cells_is_one_quarantined_row_with_both_reasons(tmp_path):
    write(tmp_path, "data.csv", "at,score\nsoon,lots\n2026-07-06 09:00,1\n")
    result = pull(tmp_path, metric("m", "sum"))
    assert rows(result.quarantine, "line", "reason") == [
        (2, "at 'soon' is not a date or time; score 'lots' is not a number")
    ]


def test_quarantine_lines_count_the_lines_of_quoted_multiline_fields(tmp_path):
    write(
        tmp_path,
        "data.csv",
        """\
        at,score,comment
        2026-07-06 09:00,80,"two
        lines"
        2026-07-06 10:00,x,"also
        two"
        2026-07-06 11:00,y,ok
        """,
    )
    result = pull(tmp_path, metric("m", "avg"))
    assert rows(result.quarantine, "line", "reason", "row") == [
        (4, "score 'x' is not a number", '2026-07-06 10:00,x,"also\ntwo"'),
        (6, "score 'y' is not a number", "2026-07-06 11:00,y,ok"),
    ]


def test_quarantine_lines_are_right_for_windows_line_endings_and_blank_lines(tmp_path):
    text = "at,score\r\n2026-07-06 09:00,1\r\n\r\n2026-07-06 10:00,x\r\n2026-07-06 11:00,y\r\n"
    write(tmp_path, "data.csv", text)
    result = pull(tmp_path, metric("m", "sum"))
    assert rows(result.quarantine, "line", "row") == [
        (4, "2026-07-06 10:00,x"),
        (5, "2026-07-06 11:00,y"),
    ]


# -- incremental pulls ---------------------------------------------------------------------


def apply(stored: pd.DataFrame, result) -> pd.DataFrame:
    """What a store holds after `result`: superseded parts removed, new parts added."""
    keep = pd.Series(True, index=stored.index)
    for supersede in result.supersedes:
        match = stored["metric"] == supersede.metric
        if supersede.origin is not None:
            match &= stored["origin"] == supersede.origin
        if supersede.since is not None:
            match &= stored["period"].map(lambda p, s=supersede.since: p >= s)
        if supersede.until is not None:
            match &= stored["period"].map(lambda p, u=supersede.until: p <= u)
        keep &= ~match
    merged = pd.concat([stored[keep], result.parts], ignore_index=True)
    return merged.sort_values(["metric", "origin", "period", "dims"]).reset_index(drop=True)


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_second_pull_of_unchanged_files_reads_nothing_and_supersedes_nothing(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    first = pull(tmp_path, metric("m", "avg"), metric("u", "count_distinct", value="user"))
    stored = json.loads(json.dumps(first.state))  # the store keeps the state as JSON
    second = pull(
        tmp_path, metric("m", "avg"), metric("u", "count_distinct", value="user"), state=stored
    )
    assert second.parts.empty
    assert second.supersedes == []
    assert second.reread_origins == []
    assert second.rows_read == 0
    assert second.notes == ["data.csv: 1 file unchanged, skipped"]


def test_first_pull_supersedes_every_stored_part_of_each_metric(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    result = pull(tmp_path, metric("m", "avg"), metric("u", "median"))
    assert result.supersedes == [Supersede("m"), Supersede("u")]
    assert result.rows_read == 4


def test_a_new_file_is_read_alone_and_supersedes_its_own_origin(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    csat = metric("m", "sum", table="*.csv")
    first = pull(tmp_path, csat)
    write(tmp_path, "b.csv", "at,score\n2026-07-06 10:00,20\n2026-07-07 10:00,40\n")
    second = pull(tmp_path, csat, state=first.state)
    assert second.reread_origins == ["b.csv"]
    assert second.supersedes == [Supersede("m", origin="b.csv")]
    assert rows(second.parts, "origin", "period", "value") == [
        ("b.csv", date(2026, 7, 6), 20.0),
        ("b.csv", date(2026, 7, 7), 40.0),
    ]
    assert second.rows_read == 2


def test_a_new_file_with_a_known_header_is_read_without_sniffing_again(tmp_path, monkeypatch):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    csat = metric("m", "sum", table="*.csv")
    first = pull(tmp_path, csat)
    write(tmp_path, "b.csv", "at,score\n2026-07-07 09:00,20\n")
    sniffed = []
    original = csv_connector._sniff
    monkeypatch.setattr(
        csv_connector, "_sniff", lambda con, f: sniffed.append(f) or original(con, f)
    )
    second = pull(tmp_path, csat, state=first.state)
    assert sniffed == []
    assert rows(second.parts, "origin", "value") == [("b.csv", 20.0)]


def test_a_changed_file_supersedes_its_old_origin(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    write(tmp_path, "b.csv", "at,score\n2026-07-06 10:00,20\n")
    csat = metric("m", "sum", table="*.csv")
    first = pull(tmp_path, csat)
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,11\n2026-07-08 09:00,5\n")
    second = pull(tmp_path, csat, state=first.state)
    assert second.supersedes == [Supersede("m", origin="a.csv")]
    assert rows(second.parts, "origin", "period", "value") == [
        ("a.csv", date(2026, 7, 6), 11.0),
        ("a.csv", date(2026, 7, 8), 5.0),
    ]


def test_a_file_rewritten_with_the_same_size_and_time_is_seen_by_its_content(tmp_path):
    path = write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    first = pull(tmp_path, metric("m", "sum", table="a.csv"))
    stat = path.stat()
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,90\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = pull(tmp_path, metric("m", "sum", table="a.csv"), state=first.state)
    assert rows(second.parts, "value") == [(90.0,)]


def test_a_deleted_file_is_superseded_and_its_parts_disappear(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    b = write(tmp_path, "b.csv", "at,score\n2026-07-07 09:00,20\n")
    csat = metric("m", "sum", table="*.csv")
    first = pull(tmp_path, csat)
    b.unlink()
    second = pull(tmp_path, csat, state=first.state)
    assert second.supersedes == [Supersede("m", origin="b.csv")]
    assert second.parts.empty
    assert second.reread_origins == ["b.csv"]
    assert rows(apply(first.parts, second), "origin", "value") == [("a.csv", 10.0)]


def test_non_additive_metric_rereads_only_files_overlapping_the_changed_periods(tmp_path):
    write(tmp_path, "a.csv", "at,user\n2026-07-06 09:00,u1\n2026-07-07 09:00,u1\n")
    write(tmp_path, "b.csv", "at,user\n2026-07-07 10:00,u2\n2026-07-08 10:00,u2\n")
    write(tmp_path, "c.csv", "at,user\n2026-07-20 10:00,u9\n")
    users = metric("u", "count_distinct", table="*.csv", value="user")
    first = pull(tmp_path, users)
    write(tmp_path, "b.csv", "at,user\n2026-07-07 10:00,u1\n2026-07-08 10:00,u3\n")
    second = pull(tmp_path, users, state=first.state)
    assert second.reread_origins == ["a.csv", "b.csv"]
    assert second.supersedes == [
        Supersede("u", origin="", since=date(2026, 7, 7), until=date(2026, 7, 8))
    ]
    # 7 July: u1 in a.csv and u1 in b.csv now, so one user; 8 July: u3.
    assert rows(second.parts, "origin", "period", "value") == [
        ("", date(2026, 7, 7), 1.0),
        ("", date(2026, 7, 8), 1.0),
    ]
    assert second.rows_read == 4  # two rows in a.csv, two in b.csv


def test_a_new_day_for_a_non_additive_metric_is_read_alone(tmp_path):
    write(tmp_path, "day1.csv", "at,user\n2026-07-06 09:00,u1\n2026-07-06 10:00,u2\n")
    users = metric("u", "count_distinct", table="day*.csv", value="user")
    first = pull(tmp_path, users)
    write(tmp_path, "day2.csv", "at,user\n2026-07-07 09:00,u1\n2026-07-07 11:00,u1\n")
    second = pull(tmp_path, users, state=first.state)
    assert second.reread_origins == ["day2.csv"]
    assert second.supersedes == [
        Supersede("u", origin="", since=date(2026, 7, 7), until=date(2026, 7, 7))
    ]
    assert rows(second.parts, "origin", "period", "n", "value") == [("", date(2026, 7, 7), 2, 1.0)]
    assert second.rows_read == 2


def test_the_window_of_a_changed_file_spans_its_old_and_new_periods(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,1\n")
    write(tmp_path, "b.csv", "at,score\n2026-07-10 09:00,2\n")
    median = metric("m", "median", table="*.csv")
    first = pull(tmp_path, median)
    write(tmp_path, "b.csv", "at,score\n2026-07-03 09:00,3\n")
    second = pull(tmp_path, median, state=first.state)
    assert second.supersedes == [
        Supersede("m", origin="", since=date(2026, 7, 3), until=date(2026, 7, 10))
    ]
    assert second.reread_origins == ["a.csv", "b.csv"]
    assert values(apply(first.parts, second)) == {
        (date(2026, 7, 3), "{}"): 3.0,
        (date(2026, 7, 6), "{}"): 1.0,
    }


def test_a_changed_metric_definition_rereads_every_file(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,10\n")
    write(tmp_path, "b.csv", "at,score\n2026-07-07 09:00,20\n")
    first = pull(tmp_path, metric("m", "sum", table="*.csv"))
    second = pull(tmp_path, metric("m", "max", table="*.csv"), state=first.state)
    assert second.supersedes == [Supersede("m")]
    assert second.reread_origins == ["a.csv", "b.csv"]


def test_a_changed_timezone_rereads_every_file(tmp_path):
    write(tmp_path, "data.csv", "at,score\n2026-07-06T23:30:00Z,10\n")
    first = pull(tmp_path, metric("m", "sum"))
    second = pull(tmp_path, metric("m", "sum"), state=first.state, timezone="Asia/Tokyo")
    assert second.supersedes == [Supersede("m")]
    assert rows(second.parts, "period", "value") == [(date(2026, 7, 7), 10.0)]


def test_reread_files_replace_their_quarantine_and_unchanged_ones_keep_it(tmp_path):
    write(tmp_path, "a.csv", "at,score\n2026-07-06 09:00,x\n")
    b = write(tmp_path, "b.csv", "at,score\n2026-07-07 09:00,y\n")
    csat = metric("m", "sum", table="*.csv")
    first = pull(tmp_path, csat)
    assert rows(first.quarantine, "origin", "line") == [("a.csv", 2), ("b.csv", 2)]
    write(tmp_path, "b.csv", "at,score\n2026-07-07 09:00,2\n")
    touch_later(b)
    second = pull(tmp_path, csat, state=first.state)
    assert second.reread_origins == ["b.csv"]
    assert second.quarantine.empty


@pytest.mark.parametrize(
    "agg",
    ["sum", "avg", "count", "ratio", "min", "max", "count_distinct", "median", "last"],
)
def test_incremental_pulls_leave_the_store_as_a_full_pull_would(tmp_path, agg):
    kinds = {"ratio": {"numerator": "score", "denominator": "1"}}
    the_metric = metric(
        "m",
        agg,
        table="*.csv",
        dimensions=("region",),
        **kinds.get(agg, {"value": "score" if agg != "count" else None}),
    )
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    steps = [
        ("a.csv", "at,score,region\n2026-07-06 09:00,1,EU\n2026-07-07 09:00,2,US\n"),
        ("b.csv", "at,score,region\n2026-07-07 10:00,4,EU\n2026-07-08 10:00,8,EU\n"),
        ("a.csv", "at,score,region\n2026-07-06 09:00,16,EU\n2026-07-09 09:00,32,US\n"),
        ("c.csv", "at,score,region\n2026-07-20 10:00,64,US\n"),
        ("b.csv", None),
    ]
    folder = tmp_path / "live"
    folder.mkdir()
    stored, state = empty_parts(), {}
    for name, text in steps:
        for target in (folder, fresh):
            if text is None:
                (target / name).unlink()
            else:
                write(target, name, text)
        result = pull(folder, the_metric, state=state)
        stored, state = apply(stored, result), result.state
        expected = pull(fresh, the_metric).parts
        columns = ("metric", "period", "dims", "n", "total", "num", "den", "value")
        assert sorted(rows(stored, *columns)) == sorted(rows(expected, *columns)), name


# -- progress and columns ----------------------------------------------------------------


def test_progress_is_reported_and_ends_at_one(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    calls = []
    pull(tmp_path, metric("m", "avg"), progress=lambda message, share: calls.append(share))
    assert calls[-1] == 1.0
    assert calls == sorted(calls)
    assert all(0.0 <= share <= 1.0 for share in calls)


def test_an_error_in_the_progress_callback_reaches_the_caller(tmp_path):
    write(tmp_path, "data.csv", SURVEY)

    def failing(message, share):
        raise RuntimeError("display closed")

    with pytest.raises(RuntimeError, match="display closed"):
        pull(tmp_path, metric("m", "avg"), progress=failing)


def test_columns_lists_the_header_of_the_first_matching_file(tmp_path):
    write(tmp_path, "csat_2.csv", "z,y\n1,2\n")
    write(tmp_path, "csat_1.csv", "answered_at,score,region\n2026-07-06,1,EU\n")
    assert connector(tmp_path).columns("csat_*.csv") == ["answered_at", "score", "region"]


# -- errors ------------------------------------------------------------------------------


def test_a_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(SourceError, match=r"exports.*missing.*does not exist"):
        pull(tmp_path / "missing", metric("m"))


def test_no_matching_file_is_an_error_naming_the_glob_and_folder(tmp_path):
    write(tmp_path, "other.csv", SURVEY)
    with pytest.raises(SourceError) as error:
        pull(tmp_path, metric("m", table="csat_*.csv"))
    assert "no file matches 'csat_*.csv'" in str(error.value)
    assert str(tmp_path) in str(error.value)


def test_a_missing_column_names_it_the_file_and_the_columns_that_exist(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError) as error:
        pull(tmp_path, metric("csat", value="scor"))
    message = str(error.value)
    assert "metric 'csat': value column 'scor' is not in data.csv" in message
    assert "its columns are: at, score, region, user" in message


def test_a_missing_time_column_is_named(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="time column 'answered_at' is not in data.csv"):
        pull(tmp_path, metric("csat", time="answered_at"))


def test_a_missing_dimension_is_named(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="dimension column 'country' is not in data.csv"):
        pull(tmp_path, metric("csat", dimensions=("country",)))


def test_a_bad_expression_names_the_metric_and_quotes_the_expression(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError) as error:
        pull(tmp_path, metric("csat", value="score +* 2"))
    assert "metric 'csat': value expression 'score +* 2' is not valid SQL" in str(error.value)


def test_an_expression_using_a_missing_column_is_named(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match=r"filter expression 'regoin = 'US'' is not valid"):
        pull(tmp_path, metric("csat", filter="regoin = 'US'"))


def test_a_filter_that_is_not_a_condition_is_an_error(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="filter 'score [+] 1' gives DOUBLE, not true or false"):
        pull(tmp_path, metric("csat", filter="score + 1"))


def test_an_aggregate_inside_a_value_is_an_error(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="value expression 'sum[(]score[)]'"):
        pull(tmp_path, metric("csat", value="sum(score)"))


def test_text_summed_is_an_error_suggesting_a_cast(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="gives VARCHAR, but sum needs a number"):
        pull(tmp_path, metric("csat", "sum", value="region || 'x'"))


def test_an_unknown_timezone_is_an_error(tmp_path):
    write(tmp_path, "data.csv", SURVEY)
    with pytest.raises(SourceError, match="unknown timezone 'Mars/Olympus'"):
        pull(tmp_path, metric("m"), timezone="Mars/Olympus")


def test_a_table_outside_the_folder_is_refused(tmp_path):
    with pytest.raises(SourceError, match="inside the source folder"):
        pull(tmp_path, metric("m", table="../secrets.csv"))


# -- folders of example files ----------------------------------------------------------


def _example_cases() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if (p / "expected.json").exists())


@pytest.mark.parametrize("case", _example_cases(), ids=lambda p: p.name)
def test_example_folder_gives_its_expected_parts_and_quarantine(case):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    the_metric = Metric(id="m", source="exports", **expected["metric"])
    timezone = expected.get("timezone", "UTC")
    if "error" in expected:
        with pytest.raises(SourceError) as error:
            pull(case, the_metric, timezone=timezone)
        for fragment in expected["error"]:
            assert fragment in str(error.value)
        return
    result = pull(case, the_metric, timezone=timezone)
    columns = list(expected["parts"][0]) if expected["parts"] else ["period"]
    got = [
        dict(zip(columns, record, strict=True))
        for record in rows(result.parts, *[c for c in columns])
    ]
    for part in got:
        part["period"] = part["period"].isoformat()
        if "dims" in part:
            part["dims"] = json.loads(part["dims"])
    assert got == expected["parts"]
    quarantine = [
        {"origin": o, "line": n, "reason": r}
        for o, n, r in rows(result.quarantine, "origin", "line", "reason")
    ]
    assert quarantine == expected["quarantine"]
