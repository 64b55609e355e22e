"""Scenario 4, status: every status and forecast of 1,000 key results over 3 years of days.

A synthetic portfolio (bench/portfolio.py: 100 metrics x 10 key results, 274k stored parts)
is judged with `okr.report.evaluate(catalog, store, as_of)`. Goal: at most 1 second.
For scale, the floor reads every stored part once, in one query, into a DataFrame.
"""

from __future__ import annotations

from bench import portfolio
from bench.common import (
    Contender,
    Goal,
    ScenarioResult,
    Settings,
    Stopwatch,
    call,
    measure,
    say,
    shown,
    workspace,
)

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
    result.okr = Contender(
        "okr report.evaluate",
        "status",
        "okr_evaluate",
        {"catalog": catalog, "as_of": portfolio.AS_OF.isoformat()},
        repeat=settings.repeat,
    )
    floor = Contender(
        result.floor, "status", "read_all_parts", {"catalog": catalog}, repeat=settings.repeat
    )
    result.rows = measure(floor, result.okr)
    okr = result.rows[1]
    result.goals.append(
        Goal(
            f"every status and forecast in <= {SECONDS_GOAL:.0f} s",
            f"{okr.best:.2f} s",
            okr.best <= SECONDS_GOAL,
        )
    )
    phases = call(
        "status", "okr_evaluate_phases", catalog=catalog, as_of=portfolio.AS_OF.isoformat()
    )
    result.notes.append(
        f"where evaluate's time goes (one more run, phase by phase): reading "
        f"{phases['slices']} metric slices in one store session {phases['read_seconds']:.2f} s, "
        f"building their series {phases['series_seconds']:.2f} s; "
        f"judging {phases['key_results']:,} key results {phases['judge_seconds']:.2f} s, of "
        f"which their trajectories (okr.measure.kr_trajectory) "
        f"{phases['trajectory_seconds']:.2f} s"
    )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(okr.details["statuses"].items()))
    result.notes.append(
        f"{okr.details['key_results']} key results judged: {counts}; "
        f"{okr.details['forecasts']} with a forecast, {okr.details['drifting']} drifting"
    )
    return result


def build(metrics: int, seed: int) -> dict:
    """The portfolio's catalog and store, built for each run (a few seconds)."""
    folder = workspace() / f"portfolio-m{metrics}"
    say(f"  building the portfolio in {shown(folder)}")
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


def okr_evaluate_phases(catalog: str, as_of: str) -> dict:
    """Where `evaluate`'s time goes, timed phase by phase with the functions it calls."""
    import time
    from datetime import date

    from okr.catalog import load_catalog
    from okr.measure import MetricSeries, kr_trajectory
    from okr.report import evaluate_one
    from okr.store import Store

    loaded = load_catalog(catalog)
    store = Store(loaded.settings.store)
    day = date.fromisoformat(as_of)
    slices = {(kr.metric, kr.where) for kr in loaded.key_results()}
    phases: dict[str, float] = {}

    started = time.perf_counter()
    with store.session():
        parts = store.slice_columns([(loaded.metrics[m], where) for m, where in slices])
    phases["read_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    series = {
        key: MetricSeries.from_columns(loaded.metrics[key[0]], columns)
        for key, columns in parts.items()
    }
    phases["series_seconds"] = time.perf_counter() - started

    last_syncs = store.last_syncs()
    started = time.perf_counter()
    for kr in loaded.key_results():
        kr_trajectory(kr, series[(kr.metric, kr.where)], day)
    phases["trajectory_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    for kr in loaded.key_results():
        metric = loaded.metrics[kr.metric]
        evaluate_one(kr, metric, series[(kr.metric, kr.where)], day, last_syncs)
    phases["judge_seconds"] = time.perf_counter() - started
    return {"slices": len(slices), "key_results": len(loaded.key_results()), **phases}
