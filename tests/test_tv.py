"""The TV wall's core: reading its address, choosing objectives, pages, gauges, sparklines."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from okr.measure import MetricSeries
from okr.model import KeyResult, Metric, Objective
from okr.report import ObjectiveReport, Report, evaluate_one
from okr.status import rollup
from okr.store import Store
from okr.tv import (
    Cycle,
    Filters,
    Options,
    current_cycle,
    cycle_label,
    gauge,
    page_index,
    paginate,
    parse_options,
    rows_needed,
    select,
    sparkline,
    stale_count,
    status_counts,
    sync_running,
    updated,
)

Q2 = (date(2026, 4, 1), date(2026, 6, 30))
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
AS_OF = date(2026, 8, 15)

SCORE = Metric(id="score", source="s", agg="avg", unit="points")


def series(metric: Metric, values: dict[date, float]) -> MetricSeries:
    periods = sorted(values)
    parts = pd.DataFrame(
        {
            "period": periods,
            "value": [values[p] for p in periods],
            "n": [1] * len(periods),
            "total": [values[p] for p in periods],
        }
    )
    return MetricSeries(metric, parts)


def kr(kr_id: str, window=Q3, objective: str = "o", **fields) -> KeyResult:
    fields.setdefault("baseline", 0.0)
    fields.setdefault("target", 100.0)
    return KeyResult(
        id=kr_id,
        title=f"KR {kr_id}",
        metric="score",
        objective=objective,
        start=window[0],
        end=window[1],
        **fields,
    )


def objective(
    objective_id: str, krs: int = 1, window=Q3, owner=None, tags=(), **kr_fields
) -> Objective:
    return Objective(
        id=objective_id,
        title=f"Objective {objective_id}",
        start=window[0],
        end=window[1],
        owner=owner,
        tags=tuple(tags),
        key_results=tuple(
            kr(f"{objective_id}-{i}", window, objective_id, **kr_fields) for i in range(krs)
        ),
    )


def report_of(
    objectives: list[Objective], values: dict[date, float] | None = None, as_of: date = AS_OF
) -> Report:
    """Every KR reads the same series (`values`, by default nothing measured)."""
    measured = series(SCORE, values or {})
    kr_reports = {
        k.id: evaluate_one(k, SCORE, measured, as_of) for o in objectives for k in o.key_results
    }
    statuses = rollup(objectives, {i: r.status for i, r in kr_reports.items()})
    return Report(
        as_of=as_of,
        objectives=tuple(
            ObjectiveReport(o, statuses[o.id], tuple(kr_reports[k.id] for k in o.key_results))
            for o in objectives
        ),
    )


def ids(items) -> list[str]:
    return [item.objective.id for item in items]


# -- the address ---------------------------------------------------------------------------


def test_an_empty_address_gives_the_defaults_and_no_notes():
    options, notes = parse_options({})
    assert options == Options()
    assert (options.rotate, options.refresh, options.rows, options.page) == (30.0, 60.0, 4, None)
    assert notes == []


def test_the_address_sets_rotation_refresh_budget_page_and_filters():
    options, notes = parse_options(
        {
            "rotate": ["2"],
            "refresh": ["5"],
            "per_page": ["1"],
            "page": ["2"],
            "tag": ["leadership,support"],
            "owner": ["Head of Support", "CEO"],
            "objective": ["growth"],
            "cycle": ["2026-q3"],
        }
    )
    assert notes == []
    assert (options.rotate, options.refresh, options.rows, options.page) == (2.0, 5.0, 1, 2)
    assert options.filters == Filters(
        objectives=("growth",),
        owners=("Head of Support", "CEO"),
        tags=("leadership", "support"),
        cycle="2026-q3",
    )


@pytest.mark.parametrize(
    ("params", "field", "value", "note"),
    [
        ({"rotate": ["soon"]}, "rotate", 30.0, "rotate=soon is not a number; using 30"),
        ({"refresh": ["0.2"]}, "refresh", 1.0, "refresh=0.2 is below 1; using 1"),
        ({"per_page": ["1.5"]}, "rows", 4, "per_page=1.5 is not a number; using 4"),
        ({"per_page": ["0"]}, "rows", 1, "per_page=0 is below 1; using 1"),
        ({"rotate": ["inf"]}, "rotate", 30.0, "rotate=inf is not a number; using 30"),
    ],
)
def test_a_bad_number_in_the_address_falls_back_with_a_note(params, field, value, note):
    options, notes = parse_options(params)
    assert getattr(options, field) == value
    assert notes == [note]


def test_an_unknown_cycle_in_the_address_falls_back_to_the_current_one_with_a_note():
    options, notes = parse_options({"cycle": ["next quarter"]})
    assert options.filters.cycle is None
    assert notes == [
        "cycle=next quarter is not a cycle; write 2026-Q3, 2026-H2, 2026 or all "
        "(showing the current cycle)"
    ]


@pytest.mark.parametrize(
    ("rotate", "refresh", "tick"),
    [(30, 60, 15.0), (2, 2, 1.0), (100, 10, 10.0), (1, 1, 1.0), (60, 45, 30.0)],
)
def test_the_wall_redraws_at_the_refresh_or_half_the_rotation_whichever_is_sooner(
    rotate, refresh, tick
):
    assert Options(rotate=rotate, refresh=refresh).tick == tick


def test_filters_describe_themselves_in_words():
    assert Filters().describe() == ""
    assert (
        Filters(objectives=("a", "b"), owners=("CEO",), tags=("x",)).describe()
        == "objective a, b · owner CEO · tag x"
    )


# -- cycles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "given", "label"),
    [
        (Q3, None, "2026-Q3"),
        ((date(2026, 7, 1), date(2026, 12, 31)), None, "2026-H2"),
        (YEAR, None, "2026"),
        ((date(2026, 7, 15), date(2026, 9, 30)), None, "15 Jul – 30 Sep 2026"),
        (Q3, "2026-q3", "2026-Q3"),
    ],
)
def test_a_cycle_is_named_by_its_quarter_half_or_year_else_by_its_dates(window, given, label):
    assert cycle_label(*window, given) == label


def test_the_current_cycle_is_the_one_containing_today():
    objectives = [objective("a", window=Q2), objective("b", window=Q3), objective("c", window=Q4)]
    assert current_cycle(objectives, AS_OF) == Cycle("2026-Q3", *Q3)
    assert current_cycle(objectives, AS_OF).label == "2026-Q3"


def test_without_a_running_cycle_the_most_recent_started_one_is_current():
    objectives = [objective("a", window=Q2), objective("c", window=Q4), objective("b", window=Q3)]
    assert current_cycle(objectives, date(2027, 1, 10)) == Cycle("2026-Q4", *Q4)


def test_before_every_cycle_the_next_one_to_start_is_current():
    objectives = [objective("c", window=Q4), objective("a", window=Q2)]
    assert current_cycle(objectives, date(2026, 1, 5)) == Cycle("2026-Q2", *Q2)


def test_of_two_running_cycles_the_one_most_objectives_share_wins_then_the_shorter():
    year_and_two_quarters = [
        objective("y", window=YEAR),
        objective("a", window=Q3),
        objective("b", window=Q3),
    ]
    two_years_and_a_quarter = [
        objective("y", window=YEAR),
        objective("z", window=YEAR),
        objective("a", window=Q3),
    ]
    one_each = [objective("y", window=YEAR), objective("a", window=Q3)]
    assert current_cycle(year_and_two_quarters, AS_OF) == Cycle("", *Q3)
    assert current_cycle(two_years_and_a_quarter, AS_OF) == Cycle("", *YEAR)
    assert current_cycle(one_each, AS_OF) == Cycle("", *Q3)


def test_a_cycle_knows_its_elapsed_share_and_days_left():
    cycle = Cycle("2026-Q3", *Q3)
    assert cycle.elapsed(AS_OF) == pytest.approx(45 / 91)
    assert cycle.days_left(AS_OF) == 46
    assert cycle.elapsed(date(2026, 6, 1)) == 0.0
    assert cycle.elapsed(date(2026, 10, 5)) == 1.0
    assert cycle.days_left(date(2026, 10, 5)) == 0


# -- choosing objectives ---------------------------------------------------------------------

COMPANY = [
    objective("last-q", window=Q2, owner="CEO", tags=["leadership"]),
    objective("support", owner="Head of Support", tags=["leadership", "support"]),
    objective("growth", owner="Growth lead", tags=["product"]),
    objective("year", window=YEAR, owner="CEO", tags=["leadership"]),
    objective("next-q", window=Q4, owner="CEO", tags=["leadership"]),
]


def test_by_default_the_wall_shows_every_objective_running_today():
    chosen = select(report_of(COMPANY), Filters(), AS_OF)
    assert ids(chosen.objectives) == ["support", "growth", "year"]
    assert chosen.cycle == Cycle("2026-Q3", *Q3)
    assert chosen.cycle.label == "2026-Q3"


def test_a_tag_filter_narrows_the_current_cycle_case_insensitively():
    chosen = select(report_of(COMPANY), Filters(tags=("Leadership",)), AS_OF)
    assert ids(chosen.objectives) == ["support", "year"]


def test_an_owner_filter_matches_the_objective_owner_ignoring_case_and_spaces():
    chosen = select(report_of(COMPANY), Filters(owners=(" head of support",)), AS_OF)
    assert ids(chosen.objectives) == ["support"]


def test_alternatives_within_a_filter_add_up_and_different_filters_narrow():
    report = report_of(COMPANY)
    either_owner = select(report, Filters(owners=("CEO", "Growth lead")), AS_OF)
    ceo_and_product = select(report, Filters(owners=("CEO",), tags=("product",)), AS_OF)
    assert ids(either_owner.objectives) == ["growth", "year"]
    assert ids(ceo_and_product.objectives) == []


def test_named_objectives_are_shown_whatever_their_cycle():
    chosen = select(report_of(COMPANY), Filters(objectives=("next-q", "support")), AS_OF)
    assert ids(chosen.objectives) == ["support", "next-q"]
    assert chosen.cycle is None  # two different windows: no single cycle to name
    assert chosen.unknown_objectives == ()


def test_a_named_objective_alone_names_its_own_cycle():
    chosen = select(report_of(COMPANY), Filters(objectives=("NEXT-Q",)), AS_OF)
    assert ids(chosen.objectives) == ["next-q"]
    assert chosen.cycle == Cycle("2026-Q4", *Q4)


def test_unknown_objective_ids_are_reported_for_the_notice():
    chosen = select(report_of(COMPANY), Filters(objectives=("support", "nope")), AS_OF)
    assert ids(chosen.objectives) == ["support"]
    assert chosen.unknown_objectives == ("nope",)


def test_a_cycle_filter_shows_the_objectives_inside_that_cycle():
    report = report_of(COMPANY)
    last_quarter = select(report, Filters(cycle="2026-q2"), AS_OF)
    whole_year = select(report, Filters(cycle="2026", tags=("leadership",)), AS_OF)
    assert ids(last_quarter.objectives) == ["last-q"]
    assert last_quarter.cycle == Cycle("2026-Q2", *Q2)
    assert last_quarter.cycle.label == "2026-Q2"
    assert ids(whole_year.objectives) == ["last-q", "support", "year", "next-q"]
    assert whole_year.cycle.label == "2026"


def test_cycle_all_shows_every_objective():
    chosen = select(report_of(COMPANY), Filters(cycle="all"), AS_OF)
    assert ids(chosen.objectives) == ["last-q", "support", "growth", "year", "next-q"]
    assert chosen.cycle is None


def test_between_cycles_the_wall_shows_the_most_recent_one():
    chosen = select(report_of(COMPANY), Filters(), date(2027, 2, 1))
    assert ids(chosen.objectives) == ["next-q"]
    assert chosen.cycle == Cycle("2026-Q4", *Q4)


# -- pages -----------------------------------------------------------------------------------


def reports_with(kr_counts: list[int]) -> tuple[ObjectiveReport, ...]:
    return report_of([objective(f"o{i}", n) for i, n in enumerate(kr_counts)]).objectives


@pytest.mark.parametrize(("krs", "rows"), [(0, 1), (1, 1), (4, 1), (5, 2), (8, 2), (9, 3)])
def test_an_objective_takes_one_row_per_four_key_results(krs, rows):
    assert rows_needed(krs) == rows


def test_objectives_that_fit_share_one_page():
    pages = paginate(reports_with([3, 2, 3, 2]), rows=4)
    assert len(pages) == 1
    assert [b.objective.id for b in pages[0].bands] == ["o0", "o1", "o2", "o3"]
    assert pages[0].columns == 3
    assert pages[0].rows == 4


def test_objectives_that_do_not_fit_move_whole_to_the_next_page():
    pages = paginate(reports_with([3, 1, 2, 5]), rows=4)
    assert [[b.objective.id for b in p.bands] for p in pages] == [["o0", "o1", "o2"], ["o3"]]
    assert [p.rows for p in pages] == [3, 2]
    assert [p.columns for p in pages] == [3, 4]


def test_a_budget_of_one_row_puts_each_objective_on_its_own_page():
    pages = paginate(reports_with([3, 1]), rows=1)
    assert [[b.objective.id for b in p.bands] for p in pages] == [["o0"], ["o1"]]
    assert [p.columns for p in pages] == [3, 1]


def test_an_objective_too_long_for_any_page_continues_on_the_next():
    pages = paginate(reports_with([1, 6]), rows=1)
    assert [
        [(b.objective.id, len(b.key_results), b.continued) for b in p.bands] for p in pages
    ] == [
        [("o0", 1, False)],
        [("o1", 4, False)],
        [("o1", 2, True)],
    ]
    assert [k.id for k in pages[2].bands[0].key_results] == ["o1-4", "o1-5"]


def test_an_objective_without_key_results_still_gets_a_row():
    pages = paginate(reports_with([0, 2]), rows=4)
    assert [(b.objective.id, b.rows) for b in pages[0].bands] == [("o0", 1), ("o1", 1)]
    assert pages[0].columns == 2


def test_nothing_to_show_is_one_empty_page():
    pages = paginate((), rows=4)
    assert len(pages) == 1
    assert pages[0].bands == ()
    assert pages[0].rows == 0


@pytest.mark.parametrize(
    ("now", "rotate", "pages", "pinned", "index"),
    [
        (0.0, 30, 3, None, 0),
        (29.9, 30, 3, None, 0),
        (30.0, 30, 3, None, 1),
        (65.0, 30, 3, None, 2),
        (95.0, 30, 3, None, 0),
        (1_780_000_001.0, 2, 2, None, 0),  # 890000000 slots: even
        (1_780_000_003.0, 2, 2, None, 1),
        (65.0, 30, 1, None, 0),
        (65.0, 30, 3, 2, 1),
        (65.0, 30, 3, 7, 2),
    ],
)
def test_the_page_shown_follows_the_clock_or_the_pinned_page(now, rotate, pages, pinned, index):
    assert page_index(now, rotate, pages, pinned) == index


# -- tiles -----------------------------------------------------------------------------------

DAILY_CSAT = {date(2026, 7, 1) + timedelta(days=i): 75 + 0.1 * i for i in range(45)}


def flat(points) -> list[float]:
    return [value for point in points for value in point]


def one_kr(values: dict[date, float], as_of: date = AS_OF, **fields):
    return report_of([objective("o", **fields)], values, as_of).objectives[0].key_results[0]


def test_the_gauge_fills_to_progress_and_marks_pace_for_a_rising_kr():
    # CSAT 75 -> 90, 79.4 on Aug 14: progress 4.4/15; pace 45/91 of the span.
    item = one_kr(DAILY_CSAT, baseline=75.0, target=90.0)
    bar = gauge(item)
    assert bar.done == pytest.approx(4.4 / 15)
    assert bar.pace == pytest.approx(45 / 91)


def test_the_gauge_works_the_same_for_a_falling_kr():
    hours = {date(2026, 7, 1) + timedelta(days=i): 5 - 0.08 * i for i in range(45)}
    bar = gauge(one_kr(hours, baseline=5.0, target=1.0))
    assert bar.done == pytest.approx(3.52 / 4)
    assert bar.pace == pytest.approx(45 / 91)


def test_the_gauge_is_full_past_the_target_and_empty_behind_the_baseline():
    ahead = gauge(one_kr({date(2026, 8, 1): 120.0}))
    behind = gauge(one_kr({date(2026, 8, 1): -20.0}))
    assert (ahead.done, behind.done) == (1.0, 0.0)


def test_the_gauge_of_a_checkpointed_kr_puts_pace_on_the_checkpoint_line():
    # 0 -> 100 through 80 on Jul 31 (day 30): on Aug 15 (day 45 of 91) the pace is
    # 80 + 20 * 15/61 = 84.918033.
    item = one_kr({date(2026, 8, 1): 50.0}, checkpoints=((date(2026, 7, 31), 80.0),))
    assert gauge(item).pace == pytest.approx((80 + 20 * 15 / 61) / 100)


def test_the_gauge_of_a_level_kr_is_the_share_of_periods_that_held_it():
    held = {date(2026, 7, 1): 99.95, date(2026, 7, 2): 99.5, date(2026, 7, 3): 99.99}
    item = one_kr(held, baseline=None, target=99.9, level=">=")
    bar = gauge(item)
    assert bar.done == pytest.approx(2 / 3)
    assert bar.pace is None


def test_without_data_the_gauge_is_empty_but_still_shows_the_pace():
    bar = gauge(one_kr({}))
    assert bar.done is None
    assert bar.pace == pytest.approx(45 / 91)


def test_the_sparkline_places_points_and_pace_in_a_unit_square():
    # Target 91 over 91 days: pace rises 1 a day, so it reaches 10 on day 10 (Jul 11).
    values = {date(2026, 7, 1): 0.0, date(2026, 7, 6): 10.0, date(2026, 7, 11): 5.0}
    spark = sparkline(one_kr(values, as_of=date(2026, 7, 11), target=91.0), date(2026, 7, 11))
    assert flat(spark.actual) == pytest.approx(flat(((0.0, 0.0), (0.5, 1.0), (1.0, 0.5))))
    assert flat(spark.pace) == pytest.approx(flat(((0.0, 0.0), (1.0, 1.0))))


def test_the_sparkline_pace_bends_at_checkpoints():
    # 0 -> 100 through 50 on Jul 11 (day 10), judged on Jul 21 (day 20), where the pace is
    # 50 + 50 * 10/81 = 56.17284. Points 0 and 20; y spans 0..56.17284.
    values = {date(2026, 7, 1): 0.0, date(2026, 7, 21): 20.0}
    item = one_kr(values, as_of=date(2026, 7, 21), checkpoints=((date(2026, 7, 11), 50.0),))
    spark = sparkline(item, date(2026, 7, 21))
    top = 50 + 50 * 10 / 81
    assert flat(spark.actual) == pytest.approx(flat(((0.0, 0.0), (1.0, 20 / top))))
    assert flat(spark.pace) == pytest.approx(flat(((0.0, 0.0), (0.5, 50 / top), (1.0, 1.0))))


def test_a_flat_sparkline_sits_in_the_middle():
    spark = sparkline(
        one_kr({date(2026, 7, 1): 99.9}, baseline=None, target=99.9, level=">="), AS_OF
    )
    assert flat(spark.actual) == pytest.approx(flat(((0.0, 0.5),)))
    assert flat(spark.pace) == pytest.approx(flat(((0.0, 0.5), (1.0, 0.5))))


def test_there_is_no_sparkline_without_measured_values():
    assert sparkline(one_kr({}), AS_OF) is None


def test_the_header_counts_statuses_and_stale_key_results():
    # Freshness 2d. a: CSAT 75 -> 90 at 79.4, gap -0.201 (at risk). b: 70 -> 86 at 79.4,
    # pace 70 + 16 * 45/91 = 77.912, gap +0.093 (on track). c: 75 -> 80, 80 measured on
    # Aug 1 only: achieved, but 14 days old (stale). d: nothing measured.
    fresh = Metric(id="score", source="s", agg="avg", freshness=timedelta(days=2))
    measured = series(fresh, DAILY_CSAT)
    old = series(fresh, {date(2026, 8, 1): 80.0})
    items = [
        evaluate_one(kr("a", baseline=75.0, target=90.0), fresh, measured, AS_OF),
        evaluate_one(kr("b", baseline=70.0, target=86.0), fresh, measured, AS_OF),
        evaluate_one(kr("c", baseline=75.0, target=80.0), fresh, old, AS_OF),
        evaluate_one(kr("d"), fresh, series(fresh, {}), AS_OF),
    ]
    assert [i.status.status for i in items] == ["at_risk", "on_track", "achieved", "no_data"]
    assert status_counts(items) == {"no_data": 1, "achieved": 1, "on_track": 1, "at_risk": 1}
    assert list(status_counts(items)) == ["no_data", "achieved", "on_track", "at_risk"]
    assert stale_count(items) == 1


def test_updated_says_how_long_ago_and_the_clock_time_in_the_catalog_zone():
    last = datetime(2026, 8, 15, 12, 0)
    now = last + timedelta(minutes=3)
    assert updated(last, now, "UTC").ago == "3 min ago"
    assert updated(last, now, "UTC").clock == "12:00 UTC"
    assert updated(last, now, "Europe/Berlin").clock == "14:00 CEST"
    assert updated(last, now, "Asia/Kolkata").clock == "17:30 IST"


def test_updated_names_the_day_when_it_was_not_today():
    last = datetime(2026, 8, 14, 23, 30)
    now = datetime(2026, 8, 15, 0, 10)
    assert updated(last, now, "UTC").ago == "40 min ago"
    assert updated(last, now, "UTC").clock == "14 Aug, 23:30 UTC"
    # In Berlin both moments fall on Aug 15.
    assert updated(last, now, "Europe/Berlin").clock == "01:30 CEST"


def test_updated_names_a_zone_that_has_no_letter_abbreviation():
    last = datetime(2026, 8, 15, 12, 0)
    assert updated(last, last, "America/Sao_Paulo").clock == "09:00 America/Sao_Paulo"


def test_updated_is_unknown_before_the_first_sync_and_an_unknown_zone_reads_as_utc():
    assert updated(None, datetime(2026, 8, 15), "UTC") is None
    last = datetime(2026, 8, 15, 12, 0)
    assert updated(last, last, "Mars/Olympus").clock == "12:00 UTC"


def test_a_running_sync_is_seen_through_the_store_lock(tmp_path):
    store = Store(tmp_path / "okr.duckdb")
    assert sync_running(store.path) is False  # no lock file yet
    with store.writing():
        assert sync_running(store.path) is True
    assert store.lock_path.exists()
    assert sync_running(store.path) is False


def test_gauge_and_sparkline_numbers_are_finite():
    item = one_kr(DAILY_CSAT, baseline=75.0, target=90.0)
    spark = sparkline(item, AS_OF)
    assert len(spark.actual) == 45
    assert all(math.isfinite(v) and 0 <= v <= 1 for p in spark.actual for v in p)
