"""The catalog loader: every broken catalog is rejected at the right line, valid ones load."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

import okr.catalog
from okr.catalog import (
    CatalogError,
    Problem,
    load_catalog,
    parse_catalog,
    parse_duration,
    parse_measure,
    parse_target,
    read_catalog,
)
from okr.model import Measure, Tolerance

CATALOGS = Path(__file__).parent / "catalogs"
BROKEN = sorted((CATALOGS / "broken").glob("*.yml"))
VALID = sorted((CATALOGS / "valid").glob("*.yml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$", re.MULTILINE)


def expectations(path: Path) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in EXPECT.finditer(path.read_text())]


def parse(text: str, environ: dict[str, str] | None = None):
    return parse_catalog(textwrap.dedent(text), "metrics.yml", environ=environ or {})


def lines_of(problems: list[Problem]) -> list[int]:
    return [p.line for p in problems]


# -- the corpus of broken catalogs -----------------------------------------------------------


def test_the_broken_corpus_has_at_least_forty_catalogs_each_with_an_expectation():
    assert len(BROKEN) >= 40
    assert all(expectations(path) for path in BROKEN)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_a_broken_catalog_is_rejected_at_exactly_its_expected_lines(path: Path):
    expected = expectations(path)
    catalog, problems = read_catalog(path, environ={})
    for line, fragment in expected:
        assert any(p.line == line and fragment in p.message for p in problems), (
            f"expected line {line} with '{fragment}', got:\n" + "\n".join(map(str, problems))
        )
    assert {p.line for p in problems} == {line for line, _ in expected}, "\n".join(
        map(str, problems)
    )
    for problem in problems:
        assert str(problem).startswith(f"{path}:{problem.line}: ")
        assert "; " in problem.message, f"no fix given: {problem.message}"
    with pytest.raises(CatalogError):
        load_catalog(path, environ={})


# -- valid catalogs --------------------------------------------------------------------------


def test_the_spec_example_loads_without_a_problem():
    catalog = load_catalog(CATALOGS / "spec_example.yml", environ={})
    assert sorted(catalog.sources) == ["helpdesk", "warehouse"]
    assert sorted(catalog.metrics) == ["arr_booked", "csat", "win_rate"]
    assert [o.id for o in catalog.objectives] == ["company-cx", "support-cx"]
    company, support = catalog.objectives
    assert (company.start, company.end, company.cycle) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026-Q3",
    )
    assert support.parent == "company-cx"
    assert support.tags == ("leadership",)
    kr = catalog.key_result("csat")
    assert (kr.baseline, kr.target, kr.level) == (75.0, 90.0, None)
    assert kr.measure == Measure(kind="trailing", days=28)
    assert kr.where == (("region", "EMEA"),)
    assert kr.commitment == "aspirational"
    assert kr.checkpoints == ((date(2026, 7, 31), 78.0), (date(2026, 8, 31), 84.0))
    assert (kr.start, kr.end, kr.objective) == (date(2026, 7, 1), date(2026, 9, 30), "support-cx")
    csat = catalog.metrics["csat"]
    assert (csat.agg, csat.grain, csat.freshness) == ("avg", "day", timedelta(days=2))
    assert csat.filter == "segment = 'enterprise'"
    arr = catalog.metrics["arr_booked"]
    assert (arr.table, arr.time, arr.value) == (None, "time", "value")
    assert catalog.sources["warehouse"].url == "${WAREHOUSE_URL:-sqlite:///data/warehouse.db}"
    assert catalog.settings.store == (CATALOGS / "data" / "okr.duckdb").resolve()


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_a_valid_catalog_loads_without_a_problem(path: Path):
    catalog, problems = read_catalog(path, environ={})
    assert problems == []
    assert catalog is not None and catalog.key_results()


def test_the_variants_catalog_reads_every_optional_form():
    catalog = load_catalog(CATALOGS / "valid" / "variants.yml", environ={})
    company, first_half, ops, growth = catalog.objectives
    assert (company.start, company.end, company.cycle) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        "2026",
    )
    assert (first_half.end, first_half.cycle, first_half.tags) == (
        date(2026, 6, 30),
        "2026-H1",
        ("leadership",),
    )
    assert ops.start == date(2026, 1, 1)
    uptime = catalog.key_result("uptime-eu")
    assert (uptime.target, uptime.level, uptime.baseline) == (99.9, ">=", None)
    assert uptime.where == (("region", "EU"), ("service", "api"))
    assert catalog.key_result("resolution").level == "<="
    # An anchored tolerance, and a merge that overrides one of its keys.
    assert catalog.key_result("resolution").tolerance == Tolerance(0.2, 0.4)
    assert catalog.key_result("revenue-q2").tolerance == Tolerance(0.2, 0.5)
    # Settings give at_risk only: off_track keeps its default.
    assert catalog.settings.tolerance == Tolerance(0.05, 0.25)
    assert catalog.key_result("tickets-down").tolerance == Tolerance(0.05, 0.25)
    assert catalog.key_result("tickets-down").where == (("team", "7"),)
    assert catalog.key_result("tickets-down").weight == 2.5
    assert catalog.key_result("revenue-q2").baseline == "auto"
    assert catalog.key_result("revenue-q2").target == 2_000_000
    assert catalog.metrics["tickets"].dimensions == ("team",)
    assert catalog.metrics["tickets"].freshness == timedelta(hours=36)
    conversion = catalog.metrics["conversion"]
    assert (conversion.numerator, conversion.denominator, conversion.value) == (
        "numerator",
        "denominator",
        None,
    )
    # An unused source may keep an unset ${VAR}.
    assert catalog.sources["archive"].url == "${OKR_TEST_UNSET_ARCHIVE_URL}"


def test_windows_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    text = (CATALOGS / "spec_example.yml").read_text()
    path = tmp_path / "metrics.yml"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    catalog, problems = read_catalog(path, environ={})
    assert problems == []
    assert catalog.key_result("csat").target == 90


# -- the valid part of a broken catalog ------------------------------------------------------

TWO_KRS = """\
    version: 1
    sources:
      db: {type: sql, url: "sqlite:///x.db"}
    metrics:
      orders: {source: db, table: orders, time: at, agg: count}
      revenue: {source: db, table: orders, time: at, value: amount, agg: sum}
    objectives:
      - id: grow
        title: Grow
        cycle: 2026-Q3
        key_results:
          - id: more-orders
            title: More orders
            metric: orders
            target: 100
          - id: more-revenue
            title: More revenue
            metric: revenue
            target: 1000
"""


def test_a_broken_key_result_is_left_out_and_its_objective_kept():
    catalog, problems = parse(TWO_KRS.replace("target: 1000", "target: lots"))
    assert lines_of(problems) == [19]
    assert [o.id for o in catalog.objectives] == ["grow"]
    assert [kr.id for kr in catalog.key_results()] == ["more-orders"]


def test_a_broken_metric_leaves_out_its_key_results_with_one_message():
    catalog, problems = parse(
        TWO_KRS.replace("value: amount, agg: sum", "value: amount, agg: total")
    )
    assert lines_of(problems) == [6]
    assert "did you mean 'sum'?" in problems[0].message
    assert sorted(catalog.metrics) == ["orders"]
    assert [kr.id for kr in catalog.key_results()] == ["more-orders"]


def test_a_broken_source_leaves_out_its_metrics_and_their_key_results_with_one_message():
    catalog, problems = parse(TWO_KRS.replace('url: "sqlite:///x.db"', "url: x.db"))
    assert lines_of(problems) == [3]
    assert catalog.sources == {} and catalog.metrics == {}
    assert [o.id for o in catalog.objectives] == ["grow"]
    assert catalog.key_results() == ()


def test_an_objective_without_a_valid_window_is_left_out_with_its_key_results():
    catalog, problems = parse(TWO_KRS.replace("cycle: 2026-Q3", "cycle: 2026-Q7"))
    assert lines_of(problems) == [10]
    assert catalog.objectives == ()
    assert sorted(catalog.metrics) == ["orders", "revenue"]


def test_an_unknown_key_on_an_objective_is_reported_and_the_objective_kept():
    catalog, problems = parse(
        TWO_KRS.replace("title: Grow\n", "title: Grow\n        colour: red\n")
    )
    assert lines_of(problems) == [10]
    assert [kr.id for kr in catalog.key_results()] == ["more-orders", "more-revenue"]


def test_a_child_of_a_broken_objective_loses_only_its_parent_link():
    child = """\
      - id: child
        title: Child
        parent: grow
        cycle: 2026-Q3
    """
    catalog, problems = parse(TWO_KRS.replace("cycle: 2026-Q3", "cycle: 2026-Q9") + child)
    assert lines_of(problems) == [10]
    assert [(o.id, o.parent) for o in catalog.objectives] == [("child", None)]


def test_the_first_of_two_metrics_with_one_id_is_kept():
    text = TWO_KRS.replace(
        "    objectives:",
        "      orders: {source: db, table: other, time: at, agg: count}\n    objectives:",
    )
    catalog, problems = parse(text)
    assert lines_of(problems) == [7]
    assert catalog.metrics["orders"].table == "orders"


def test_a_catalog_that_is_not_yaml_gives_no_catalog_and_one_problem():
    catalog, problems = parse("version: 1\nmetrics: [\n")
    assert catalog is None
    assert len(problems) == 1


# -- reading files ---------------------------------------------------------------------------


def test_a_missing_file_is_one_problem_naming_the_file(tmp_path):
    path = tmp_path / "nowhere.yml"
    catalog, problems = read_catalog(path)
    assert catalog is None
    assert [str(p) for p in problems] == [
        f"{path}:0: catalog file not found; check the path, or run `okr demo`"
    ]


def test_a_file_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "metrics.yml"
    path.write_bytes(b"version: 1\nsettings:\n  timezone: Z\xfcrich\n")
    catalog, problems = read_catalog(path)
    assert catalog is None
    assert lines_of(problems) == [3]
    assert "UTF-8" in problems[0].message


def test_load_catalog_raises_one_error_listing_every_problem_in_line_order(tmp_path):
    path = tmp_path / "metrics.yml"
    path.write_text("version: 2\nsettings: {timezone: Nowhere/City}\ncolour: red\n")
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    assert lines_of(error.value.problems) == [1, 2, 3]
    assert str(error.value).splitlines()[0].startswith(f"{path}:1: catalog has `version: 2`")


def test_relative_paths_resolve_against_the_catalog_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "metrics.yml"
    path.write_text(
        "version: 1\nsettings: {store: state/okr.duckdb}\n"
        "sources:\n  files: {type: csv, path: exports}\n"
    )
    catalog = load_catalog(path)
    assert catalog.settings.store == (tmp_path / "sub" / "state" / "okr.duckdb").resolve()
    assert catalog.sources["files"].path == (tmp_path / "sub" / "exports").resolve()


def test_a_catalog_with_only_a_version_is_valid_and_empty():
    catalog, problems = parse("version: 1\n")
    assert problems == []
    assert (catalog.sources, catalog.metrics, catalog.objectives) == ({}, {}, ())
    assert catalog.settings.timezone == "UTC"
    assert catalog.settings.tolerance == Tolerance(0.10, 0.25)


# -- environment variables -------------------------------------------------------------------

WITH_VARIABLE = """\
    version: 1
    sources:
      db:
        type: sql
        url: ${OKR_TEST_DB_URL}
    metrics:
      orders: {source: db, table: orders, time: at, agg: count}
"""


def test_a_set_variable_satisfies_a_used_source_and_the_url_stays_unexpanded():
    catalog, problems = parse(WITH_VARIABLE, environ={"OKR_TEST_DB_URL": "sqlite:///x.db"})
    assert problems == []
    assert catalog.sources["db"].url == "${OKR_TEST_DB_URL}"


def test_an_empty_variable_counts_as_unset():
    _, problems = parse(WITH_VARIABLE, environ={"OKR_TEST_DB_URL": ""})
    assert lines_of(problems) == [5]
    assert "OKR_TEST_DB_URL" in problems[0].message


def test_the_process_environment_is_read_when_none_is_given(tmp_path, monkeypatch):
    path = tmp_path / "metrics.yml"
    path.write_text(textwrap.dedent(WITH_VARIABLE))
    monkeypatch.delenv("OKR_TEST_DB_URL", raising=False)
    assert lines_of(read_catalog(path)[1]) == [5]
    monkeypatch.setenv("OKR_TEST_DB_URL", "sqlite:///x.db")
    assert read_catalog(path)[1] == []


def test_a_bad_url_from_a_variable_is_reported_without_its_value():
    secret = "hunter2-very-secret"
    _, problems = parse(WITH_VARIABLE, environ={"OKR_TEST_DB_URL": f"user:{secret}@db"})
    assert lines_of(problems) == [5]
    assert secret not in problems[0].message


def test_a_written_password_is_masked_in_messages():
    text = WITH_VARIABLE.replace("${OKR_TEST_DB_URL}", "db.example/sales?password=hunter2")
    _, problems = parse(text)
    assert lines_of(problems) == [5]
    assert "hunter2" not in problems[0].message
    assert "password=***" in problems[0].message


# -- YAML details ----------------------------------------------------------------------------


def test_a_recursive_alias_is_a_problem_not_a_crash():
    catalog, problems = parse("version: 1\nsettings: &s\n  tolerance: *s\n")
    assert catalog is None
    assert lines_of(problems) == [3]


def test_deep_nesting_is_a_problem_not_a_crash():
    catalog, problems = parse("version: 1\nsettings:\n  " + "[" * 5000 + "]" * 5000 + "\n")
    assert catalog is None
    assert lines_of(problems) == [3]
    assert "nested too deeply" in problems[0].message


def test_deep_block_nesting_is_a_problem_not_a_crash():
    text = "".join(" " * depth + f"k{depth}:\n" for depth in range(1200))
    catalog, problems = parse(text)
    assert catalog is None
    assert len(problems) == 1


def test_an_impossible_date_is_reported_at_its_line():
    _, problems = parse(
        TWO_KRS.replace("cycle: 2026-Q3", "start: 2026-02-30\n        end: 2026-09-30")
    )
    assert lines_of(problems) == [10]
    assert "not a calendar date" in problems[0].message


def test_a_repeated_key_under_an_unknown_key_is_still_reported():
    _, problems = parse("version: 1\nextras:\n  a: 1\n  a: 2\n")
    assert lines_of(problems) == [2, 4]


def test_messages_suggest_the_closest_id():
    _, problems = parse(TWO_KRS.replace("metric: revenue", "metric: revenu"))
    assert [p.message for p in problems] == [
        "key result 'more-revenue' uses unknown metric 'revenu'; did you mean 'revenue'?"
    ]


# -- fuzz ------------------------------------------------------------------------------------

TOKENS = [
    "", "[]", "{}", "null", "~", "*a", "&a x", "<<: *a", "2026-02-30", "1e999", ".nan", "- x",
    ":", "? x", "|", ">", "\t", "'", '"', "[", "{", "}", "#", "%", "@", "!!int x", "!foo x",
    "true", "-1", "9" * 30, "2026-Q9", "${X", "${Y}", "&b [*b]", "- id: x", "0000-01-01",
    "trailing 9999999d", "\x00", "\u2028", "{? [x]: y}", "--- x",
]  # fmt: skip


def mutations(text: str, rng: random.Random):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        match rng.randrange(6):
            case 0:
                del lines[i]
            case 1:
                lines.insert(i, rng.choice(lines))
            case 2:
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            case 3:
                k = rng.randint(0, len(lines[i]))
                lines[i] = lines[i][:k] + rng.choice(TOKENS) + lines[i][k:]
            case 4 if ":" in lines[i]:
                lines[i] = lines[i][: lines[i].index(":") + 1] + " " + rng.choice(TOKENS)
            case _:
                lines[i] = lines[i][rng.randint(0, 3) :]
        if not lines:
            lines = [""]
    return "\n".join(lines)


def test_random_mutations_of_a_valid_catalog_give_a_catalog_or_problems_never_an_exception():
    rng = random.Random(20260701)
    texts = [
        (CATALOGS / "valid" / "full.yml").read_text(),
        (CATALOGS / "spec_example.yml").read_text(),
    ]
    for _ in range(250):
        text = mutations(rng.choice(texts), rng)
        catalog, problems = parse_catalog(text, "metrics.yml", environ={})
        assert problems or catalog is not None
        for problem in problems:
            assert 1 <= problem.line <= text.count("\n") + 2, (problem, text)
            assert "; " in problem.message, problem.message


# -- parsing single values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2d", timedelta(days=2)),
        ("36h", timedelta(hours=36)),
        ("1w", timedelta(days=7)),
        ("90m", timedelta(minutes=90)),
        ("90min", timedelta(minutes=90)),
        ("1.5d", timedelta(hours=36)),
        (" 2 d ", timedelta(days=2)),
    ],
)
def test_parse_duration_reads_an_amount_and_a_unit(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["2", "two days", "0d", "-1d", "2 days", "2D", "1y", "", "d", "99999d"]
)
def test_parse_duration_refuses_anything_else(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("latest", Measure("latest")),
        ("to_date", Measure("to_date")),
        ("trailing 28d", Measure("trailing", 28)),
        ("trailing 7 d", Measure("trailing", 7)),
        (" trailing 1d ", Measure("trailing", 1)),
    ],
)
def test_parse_measure_reads_latest_trailing_and_to_date(text, expected):
    assert parse_measure(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "trailing 0d",
        "trailing 4w",
        "trailing",
        "trailing 28",
        "rolling 28d",
        "to-date",
        "Latest",
        "",
    ],
)
def test_parse_measure_refuses_anything_else(text):
    assert parse_measure(text) is None


def test_a_measure_prints_as_it_is_written():
    assert [str(parse_measure(t)) for t in ("latest", "to_date", "trailing 28d")] == [
        "latest",
        "to_date",
        "trailing 28d",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90, (90.0, None)),
        (0.33, (0.33, None)),
        ("90", (90.0, None)),
        (">= 99.95", (99.95, ">=")),
        ("<=2", (2.0, "<=")),
        ("<= -1.5e2", (-150.0, "<=")),
    ],
)
def test_parse_target_reads_numbers_and_levels(value, expected):
    assert parse_target(value) == expected


@pytest.mark.parametrize(
    "value", ["> 5", "=> 5", "ninety", "33%", True, None, float("nan"), float("inf"), 10**400]
)
def test_parse_target_refuses_anything_else(value):
    assert parse_target(value) is None


def test_the_public_api_is_pinned():
    assert sorted(okr.catalog.__all__) == [
        "CatalogError",
        "Problem",
        "load_catalog",
        "parse_catalog",
        "parse_duration",
        "parse_measure",
        "parse_target",
        "read_catalog",
    ]


# -- the command line ------------------------------------------------------------------------


def test_okr_validate_prints_each_problem_as_file_line_message_and_exits_1(tmp_path):
    path = tmp_path / "metrics.yml"
    broken = CATALOGS / "broken" / "kr_unknown_metric.yml"
    path.write_text(broken.read_text())
    ((line, fragment),) = expectations(broken)
    result = subprocess.run(
        [sys.executable, "-m", "okr.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 1
    printed = result.stdout.strip().splitlines()
    assert len(printed) == 1
    assert printed[0].startswith(f"{path}:{line}: ")
    assert fragment in printed[0]


def test_okr_validate_accepts_a_valid_catalog_and_exits_0(tmp_path):
    path = tmp_path / "metrics.yml"
    path.write_text((CATALOGS / "spec_example.yml").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "okr.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stdout
