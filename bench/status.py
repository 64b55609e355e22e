"""Scenario 4, status: every status and forecast of 1,000 key results over 3 years of days.

A synthetic portfolio (bench/portfolio.py: 100 metrics x 10 key results, 274k stored parts)
is judged with `okr.report.evaluate(catalog, store, as_of)`. Goal: at most 1 second.
For scale, the floor reads every stored part once, in one query, into a DataFrame.
"""

from __future__ import annotations

from bench import portfolio
from bench.common import DATA, Goal, ScenarioResult, Settings, Stopwatch, call, measure, say

METRICS = 100
SECONDS_GOAL = 1.0


def run(settings: Settings) -> ScenarioResult:
    result = ScenarioResult(
        key="status",
        title="4. Status",
        setup=f"{METRICS * portfolio.KRS_PER_METRIC:,} key results, {METRICS} metrics, "
        f"3 years of daily parts, as of {portfolio.AS_OF}",
        floor="read every part once",
    )
    say(f"{result.title}: {result.setup}")
    built = build(METRICS, settings.seed)
    result.setup += f" ({built['parts']:,} parts)"
    catalog = built["catalog"]
    result.rows.append(
        measure(result.floor, "status", "read_all_parts", repeat=settings.repeat, catalog=catalog)
    )
    result.okr_call = {
        "module": "status",
        "function": "okr_evaluate",
        "catalog": catalog,
        "as_of": portfolio.AS_OF.isoformat(),
    }
    okr = measure(
        "okr report.evaluate",
        "status",
        "okr_evaluate",
        repeat=settings.repeat,
        catalog=catalog,
        as_of=portfolio.AS_OF.isoformat(),
    )
    result.rows.append(okr)
    result.goals.append(
        Goal(
            f"every status and forecast in <= {SECONDS_GOAL:.0f} s",
            f"{okr.best:.2f} s",
            okr.best <= SECONDS_GOAL,
        )
    )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(okr.details["statuses"].items()))
    result.notes.append(
        f"{okr.details['key_results']} key results judged: {counts}; "
        f"{okr.details['forecasts']} with a forecast, {okr.details['drifting']} drifting"
    )
    return result


def build(metrics: int, seed: int) -> dict:
    """The portfolio's catalog and store under bench/data, rebuilt each run (a few seconds)."""
    folder = DATA / f"portfolio-s{seed}-m{metrics}"
    say(f"  building the portfolio in {folder.relative_to(DATA.parent.parent)}")
    return call("portfolio", "build", folder=str(folder), metrics=metrics, seed=seed)


# -- contenders ------------------------------------------------------------------------------


def read_all_parts(catalog: str) -> dict:
    from okr.catalog import load_catalog
    from okr.store import Store

    store = Store(load_catalog(catalog).settings.store)
    with Stopwatch() as watch:
        parts = store.query("SELECT * FROM parts")
    return watch.result(parts=len(parts))


def okr_evaluate(catalog: str, as_of: str) -> dict:
    from datetime import date

    from okr.catalog import load_catalog
    from okr.report import evaluate
    from okr.store import Store

    loaded = load_catalog(catalog)
    store = Store(loaded.settings.store)
    with Stopwatch() as watch:
        report = evaluate(loaded, store, date.fromisoformat(as_of))
    judged = report.key_results()
    return watch.result(
        key_results=len(judged),
        statuses=report.counts(),
        forecasts=sum(1 for kr in judged if kr.status.forecast.value is not None),
        drifting=sum(1 for kr in judged if kr.status.drifting),
    )
