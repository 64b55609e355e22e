"""Profiles of the okr contender of a scenario whose goal was missed: where the time goes.

The contender runs once more in its own process under cProfile (see bench/child.py); the
functions of okr/, connectors/ and ui/ with the most cumulative time, and the functions
with the most own time anywhere, are kept for RESULTS.md. Time spent inside DuckDB or
PostgreSQL shows as the Python call that waited for it (`execute`, `fetchall`...).
"""

from __future__ import annotations

import io
import pstats
from dataclasses import replace
from pathlib import Path

from bench.common import ROOT, ScenarioResult, measure, say, workspace

PROJECT_FOLDERS = tuple(str(ROOT / folder) + "/" for folder in ("okr", "connectors", "ui"))
PROJECT_FUNCTIONS = 14
OWN_TIME_FUNCTIONS = 8


def profile_okr(result: ScenarioResult) -> list[str]:
    """Lines describing where the okr contender of `result` spends its time."""
    if result.okr is None:
        return []
    path = workspace() / "profiles" / f"{result.key}.prof"
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"profiling the okr contender of {result.title}")
    profiled = replace(
        result.okr,
        label=f"{result.okr.label}, under cProfile",
        env={**result.okr.env, "OKR_BENCH_PROFILE": str(path)},
        repeat=1,
    )
    (run,) = measure(profiled)
    lines = [f"under cProfile the timed work took {run.best:.2f} s (profiling adds overhead)"]
    lines += _table(path, project_only=True, limit=PROJECT_FUNCTIONS, key="cumulative")
    lines += _table(path, project_only=False, limit=OWN_TIME_FUNCTIONS, key="tottime")
    return lines


def _table(path: Path, *, project_only: bool, limit: int, key: str) -> list[str]:
    stats = pstats.Stats(str(path), stream=io.StringIO())
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        if project_only and not file.startswith(PROJECT_FOLDERS):
            continue
        where = f"{Path(file).relative_to(ROOT)}:{line}" if file.startswith(str(ROOT)) else file
        rows.append(
            (cumulative if key == "cumulative" else own, cumulative, own, calls, where, name)
        )
    rows.sort(reverse=True)
    title = (
        "project functions by cumulative time"
        if project_only
        else "functions by own time (outside the project too)"
    )
    lines = [f"{title}:", "    cumulative s    own s     calls  function"]
    for _, cumulative, own, calls, where, name in rows[:limit]:
        lines.append(f"    {cumulative:12.3f} {own:8.3f} {calls:9d}  {name} ({where})")
    return lines
