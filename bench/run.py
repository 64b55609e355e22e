"""Run the benchmarks: `make bench` (or `.venv/bin/python bench/run.py --help`).

Each scenario prints its contenders' best time, median peak memory and both as multiples of
a floor measured in the same run, then its goals; the whole run is written to
bench/RESULTS.md with the machine, the versions and the date.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path

# bench/ is run as a script; its modules import each other as the `bench` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    csv_sync,
    incremental,
    overview,
    profiling,
    sql_pushdown,
    status,
)
from bench.common import (  # noqa: E402
    ROOT,
    BenchError,
    ScenarioResult,
    Settings,
    say,
    workspace,
)

SCENARIOS = ("csv_sync", "incremental", "sql_pushdown", "status", "overview")
FULL_ROWS = 10_000_000
QUICK_ROWS = 1_000_000
PACKAGES = (
    "duckdb",
    "pandas",
    "numpy",
    "pyarrow",
    "SQLAlchemy",
    "psycopg",
    "streamlit",
    "plotly",
)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = _scenarios(args.only)
    rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    settings = Settings(
        rows=rows,
        sql_rows=max(rows // 2, 1),
        seed=args.seed,
        repeat=args.repeat,
        slow_repeat=args.repeat if rows <= QUICK_ROWS else 1,
    )
    started = datetime.now().astimezone()
    load_before = os.getloadavg()
    say(f"benchmarks: {', '.join(only)}; {rows:,} CSV rows, {settings.sql_rows:,} SQL rows")
    try:
        results, profiles = _run_all(only, settings, profile=args.profile)
    finally:
        shutil.rmtree(workspace(), ignore_errors=True)
    print(render_goals(results), flush=True)
    elapsed = (datetime.now().astimezone() - started).total_seconds()
    header = _header(settings, started, elapsed, load_before)
    Path(args.results).write_text(render_markdown(header, results, profiles))
    say(f"done in {elapsed / 60:.1f} min; results written to {args.results}")
    return 0


def _run_all(
    only: list[str], settings: Settings, *, profile: bool
) -> tuple[list[ScenarioResult], dict[str, list[str]]]:
    results: list[ScenarioResult] = []
    profiles: dict[str, list[str]] = {}
    for key in only:
        try:
            result = _run(key, settings, results)
        except BenchError as error:
            result = ScenarioResult(key=key, title=key, setup="", skipped=f"failed: {error}")
        results.append(result)
        print(render_text(result), flush=True)
        if profile and any(goal.met is False for goal in result.goals):
            profiles[key] = profiling.profile_okr(result)
            print("\n".join("  " + line for line in profiles[key]) + "\n", flush=True)
    return results, profiles


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__.split("\n\n")[0].strip()
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--rows", type=int, help=f"events in the CSV export (default {FULL_ROWS:,}; SQL: half)"
    )
    size.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data")
    parser.add_argument(
        "--only", help=f"comma-separated scenarios to run, in order: {', '.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="do not profile the okr contender where a goal is missed (profiling reruns it once)",
    )
    parser.add_argument(
        "--results", default=str(ROOT / "bench" / "RESULTS.md"), help="where to write results"
    )
    return parser


def _scenarios(only: str | None) -> list[str]:
    if not only:
        return list(SCENARIOS)
    chosen = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        raise SystemExit(
            f"bench/run.py: unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    return [name for name in SCENARIOS if name in chosen]


def _run(key: str, settings: Settings, done: list[ScenarioResult]) -> ScenarioResult:
    if key == "csv_sync":
        return csv_sync.run(settings)
    if key == "incremental":
        full = next((r for r in done if r.key == "csv_sync" and not r.skipped), None)
        return incremental.run(settings, full.measurement("okr sync") if full else None)
    if key == "sql_pushdown":
        return sql_pushdown.run(settings)
    if key == "status":
        return status.run(settings)
    return overview.run(settings)


# -- output ------------------------------------------------------------------------------------


def _cells(result: ScenarioResult) -> list[list[str]]:
    cells = []
    for row in result.rows:
        time_ratio, memory_ratio = result.ratio(row)
        cpu_ratio = result.cpu_ratio(row)
        floor = " (floor)" if row.contender == result.floor else ""
        cells.append(
            [
                row.contender + floor,
                f"{row.best:.3f}",
                _times(time_ratio),
                "-" if row.best_cpu is None else f"{row.best_cpu:.3f}",
                _times(cpu_ratio),
                f"{row.peak_mb:,.0f}",
                _times(memory_ratio),
                str(len(row.seconds)),
            ]
        )
    return cells


COLUMNS = ["contender", "best s", "/floor", "cpu s", "/floor", "peak MB", "/floor", "runs"]


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: "not judged"}[met]


def render_text(result: ScenarioResult) -> str:
    lines = [f"\n{result.title} — {result.setup}"]
    if result.skipped:
        return "\n".join([*lines, f"  skipped: {result.skipped}"])
    cells = [COLUMNS, *_cells(result)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    for row in cells:
        lines.append(
            "  "
            + row[0].ljust(widths[0])
            + "".join(
                "  " + value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)
            )
        )
    lines += [f"  goal: {g.text}: {g.measured} — {_verdict(g.met)}" for g in result.goals]
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def render_goals(results: list[ScenarioResult]) -> str:
    lines = ["\nGoals"]
    for result in results:
        if result.skipped:
            lines.append(f"  {result.title}: skipped ({result.skipped})")
        lines += [
            f"  {_verdict(g.met):10s} {result.title}: {g.text}: {g.measured}" for g in result.goals
        ]
    return "\n".join(lines)


def render_markdown(
    header: list[str], results: list[ScenarioResult], profiles: dict[str, list[str]]
) -> str:
    lines = ["# Benchmark results", "", *header, ""]
    lines += ["## Goals", "", "| scenario | goal | measured | verdict |", "|---|---|---|---|"]
    for result in results:
        if result.skipped:
            lines.append(f"| {result.title} | - | skipped: {result.skipped} | - |")
        for goal in result.goals:
            lines.append(
                f"| {result.title} | {goal.text} | {goal.measured} | {_verdict(goal.met)} |"
            )
    for result in results:
        lines += ["", f"## {result.title}", "", result.setup, ""]
        if result.skipped:
            lines += [f"Skipped: {result.skipped}"]
            continue
        lines += ["| " + " | ".join(COLUMNS) + " |", "|---" + "|---:" * (len(COLUMNS) - 1) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in _cells(result)]
        lines.append("")
        lines += [f"- goal: {g.text}: {g.measured}, **{_verdict(g.met)}**" for g in result.goals]
        lines += [f"- {note}" for note in result.notes]
        if result.key in profiles:
            lines += ["", "Profile of the okr contender:", "", "```", *profiles[result.key], "```"]
    lines += ["", "What bounds each figure, and how the goals were reached: bench/FINDINGS.md.", ""]
    return "\n".join(lines)


def _header(settings: Settings, started: datetime, elapsed: float, load) -> list[str]:
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    load_after = os.getloadavg()
    return [
        f"- date: {started:%Y-%m-%d %H:%M %Z}; the run took {elapsed / 60:.1f} min",
        f"- command: `{' '.join(['bench/run.py', *sys.argv[1:]])}`",
        f"- machine: {os.cpu_count()} cores (os.cpu_count()), {_memory_gib():.0f} GiB memory, "
        f"{platform.system()} {platform.release()}, {platform.machine()}",
        f"- load average (1 min) at start {load[0]:.1f}, at end {load_after[0]:.1f}: other "
        "work on the machine slows every contender alike, but not always by the same factor",
        f"- Python {platform.python_version()}; {versions}; PostgreSQL {_postgres_version()}",
        f"- sizes: {settings.rows:,} CSV events, {settings.sql_rows:,} PostgreSQL events, "
        f"seed {settings.seed}; best of {settings.repeat} runs "
        f"(slow contenders: {settings.slow_repeat}); peak memory is the median of the runs, "
        "each contender in its own process (ru_maxrss from wait4)",
        "- times are taken inside each process around the work alone (imports and setup "
        "excluded); psql's is the whole command",
    ]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return kib / 1024**2


def _postgres_version() -> str:
    try:
        done = subprocess.run(
            [*sql_pushdown.PSQL, "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            env={**os.environ, **sql_pushdown.PSQL_ENV},
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unreachable"
    return done.stdout.strip().split(" ")[0] if done.returncode == 0 else "unreachable"


if __name__ == "__main__":
    sys.exit(main())
