"""OKR cycles and metric periods: quarter, half and year windows; day, week and month periods."""

from __future__ import annotations

from datetime import date

import pytest

from okr.cycles import CycleError, cycle_of, next_period, parse_cycle, period_start


@pytest.mark.parametrize(
    ("label", "first", "last"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        (2026, date(2026, 1, 1), date(2026, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2026-q3", date(2026, 7, 1), date(2026, 9, 30)),
        (" 2026-h2 ", date(2026, 7, 1), date(2026, 12, 31)),
        ("9999-Q4", date(9999, 10, 1), date(9999, 12, 31)),
    ],
)
def test_parse_cycle_gives_the_first_and_last_day(label, first, last):
    assert parse_cycle(label) == (first, last)


@pytest.mark.parametrize(
    "label",
    ["2026-Q5", "2026-Q0", "2026-H3", "Q3-2026", "2026Q3", "26-Q3", "2026-Q3-1", "", "0999", "0000",
     "2026-07", "2026-M7", True, None, 2026.5, "２０２６"],
)  # fmt: skip
def test_parse_cycle_refuses_anything_but_a_quarter_half_or_year(label):
    with pytest.raises(CycleError) as error:
        parse_cycle(label)
    assert "2026-Q3" in str(error.value)


@pytest.mark.parametrize(
    ("day", "kind", "label"),
    [
        (date(2026, 8, 15), "Q", "2026-Q3"),
        (date(2026, 3, 31), "Q", "2026-Q1"),
        (date(2026, 4, 1), "Q", "2026-Q2"),
        (date(2026, 12, 31), "Q", "2026-Q4"),
        (date(2026, 6, 30), "H", "2026-H1"),
        (date(2026, 7, 1), "H", "2026-H2"),
        (date(2026, 2, 1), "Y", "2026"),
    ],
)
def test_cycle_of_names_the_cycle_containing_a_day(day, kind, label):
    assert cycle_of(day, kind) == label
    first, last = parse_cycle(label)
    assert first <= day <= last


@pytest.mark.parametrize(
    ("day", "grain", "start"),
    [
        (date(2026, 8, 15), "day", date(2026, 8, 15)),
        (date(2026, 8, 15), "week", date(2026, 8, 10)),  # a Saturday: its Monday
        (date(2026, 8, 10), "week", date(2026, 8, 10)),  # a Monday is its own start
        (date(2026, 8, 16), "week", date(2026, 8, 10)),  # a Sunday ends the ISO week
        (date(2026, 1, 1), "week", date(2025, 12, 29)),  # weeks cross years
        (date(2026, 8, 15), "month", date(2026, 8, 1)),
    ],
)
def test_period_start_is_the_first_day_of_the_day_week_or_month(day, grain, start):
    assert period_start(day, grain) == start


@pytest.mark.parametrize(
    ("start", "grain", "following"),
    [
        (date(2026, 8, 15), "day", date(2026, 8, 16)),
        (date(2026, 12, 31), "day", date(2027, 1, 1)),
        (date(2026, 8, 10), "week", date(2026, 8, 17)),
        (date(2026, 1, 1), "month", date(2026, 2, 1)),
        (date(2026, 12, 1), "month", date(2027, 1, 1)),
    ],
)
def test_next_period_starts_where_the_period_ends(start, grain, following):
    assert next_period(start, grain) == following
