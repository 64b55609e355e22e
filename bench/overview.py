"""Scenario 5, overview page: the Overview with 200 key results, rendered warm under AppTest.

Contender: `dashboard.py` (its default page, pages/overview.py) under
`streamlit.testing.v1.AppTest`, with OKR_CATALOG naming a 200-KR portfolio; the second run
of the same AppTest is timed (warm caches). Floor: a bare Streamlit script drawing 200
small plotly figures with `st.plotly_chart`, its second run timed the same way.
"""

from __future__ import annotations

import subprocess

from bench import portfolio
from bench.common import ROOT, Contender, Goal, ScenarioResult, Settings, Stopwatch, measure, say
from bench.status import build

METRICS = 20
RATIO_GOAL = 2.0
APP_TIMEOUT_SECONDS = 300

FLOOR_SCRIPT = """
import plotly.graph_objects as go
import streamlit as st

for number in range({count}):
    days = list(range(30))
    values = [(number * 7 + day * 3) % 17 for day in days]
    figure = go.Figure(go.Scatter(x=days, y=values, mode="lines"))
    figure.update_layout(height=80, margin=dict(l=0, r=0, t=0, b=0), showlegend=False)
    st.plotly_chart(figure, key=f"figure-{{number}}")
"""


def run(settings: Settings) -> ScenarioResult:
    key_results = METRICS * portfolio.KRS_PER_METRIC
    result = ScenarioResult(
        key="overview",
        title="5. Overview page",
        setup=f"{key_results} key results, warm rerun under AppTest",
        floor=f"bare page, {key_results} plotly figures",
    )
    say(f"{result.title}: {result.setup}")
    readiness = _page_readiness()
    if readiness:
        result.notes.append(readiness)
    built = build(METRICS, settings.seed)
    floor = Contender(
        result.floor, "overview", "plotly_floor", {"count": key_results}, repeat=settings.repeat
    )
    env = {"OKR_CATALOG": built["catalog"], "OKR_AS_OF": portfolio.AS_OF.isoformat()}
    result.okr = Contender(
        "okr overview page", "overview", "okr_overview", env=env, repeat=settings.repeat
    )
    result.rows = measure(floor, result.okr)
    okr = result.rows[1]
    ratio, _ = result.ratio(okr)
    result.goals.append(
        Goal(
            f"warm overview <= {RATIO_GOAL:.0f}x the bare page",
            f"{ratio:.2f}x",
            ratio <= RATIO_GOAL,
        )
    )
    rendered = okr.details["kr_rows"]
    result.notes.append(
        f"the overview drew {rendered} key-result rows; its cold first run took "
        f"{okr.details['cold_seconds']:.2f} s, the bare page's "
        f"{result.measurement(result.floor).details['cold_seconds']:.2f} s"
    )
    if rendered != key_results:
        result.notes.append(f"UNEXPECTED: {key_results} key-result rows were expected")
    return result


def _page_readiness() -> str | None:
    """A note when the overview's files are not committed as they stand (still being written)."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--", "pages/overview.py", "ui/overview_rows.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    states = []
    for line in done.stdout.splitlines():
        code, name = line[:2], line[3:]
        states.append(
            f"{name} {'is not committed yet' if code == '??' else 'has uncommitted changes'}"
        )
    if not states:
        return None
    return "; ".join(states) + ": the numbers are those of the working copy, still being written"


# -- contenders ------------------------------------------------------------------------------


def plotly_floor(count: int) -> dict:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(FLOOR_SCRIPT.format(count=count), default_timeout=APP_TIMEOUT_SECONDS)
    cold = _timed_run(app)
    with Stopwatch() as watch:
        app.run()
    _check(app, "the bare plotly page")
    return watch.result(cold_seconds=cold)


def okr_overview() -> dict:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=APP_TIMEOUT_SECONDS)
    cold = _timed_run(app)
    with Stopwatch() as watch:
        app.run()
    _check(app, "the overview page")
    page = "\n".join(str(element.value) for element in app.html)
    return watch.result(cold_seconds=cold, kr_rows=page.count('data-kr="'))


def _timed_run(app) -> float:
    with Stopwatch() as watch:
        app.run()
    return watch.seconds


def _check(app, what: str) -> None:
    if app.exception:
        raise RuntimeError(f"{what} raised: {app.exception[0].value}")
