"""The store and sync: idempotent, one transaction per source, failures isolated, crash-safe,
and readable by another process while a sync runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from connectors.base import FakeConnector, Pull, SourceError, Supersede, empty_quarantine
from okr.catalog import load_catalog
from okr.store import Store
from okr.sync import UnknownSource, sync

CATALOG = """\
version: 1
sources:
  alpha: {type: sql, url: "sqlite:///alpha.db"}
  beta: {type: sql, url: "sqlite:///beta.db"}
metrics:
  sales: {source: alpha, table: t, time: ts, value: amount, agg: sum, dimensions: [region]}
  visits: {source: beta, table: t, time: ts, value: n, agg: count}
objectives:
  - id: o
    title: Grow
    cycle: 2026-Q3
    key_results:
      - {id: k, title: Sales up, metric: sales, baseline: 0, target: 100, measure: to_date}
"""
DAY = date(2026, 7, 1)


def part(metric, period, total, region=None, n=1, origin=""):
    dims = "{}" if region is None else f'{{"region":"{region}"}}'
    return {
        "metric": metric,
        "origin": origin,
        "period": period,
        "dims": dims,
        "n": n,
        "total": total,
        "minimum": total,
        "maximum": total,
        "num": None,
        "den": None,
        "last_at": pd.Timestamp(period),
        "last": total,
        "value": total,
    }


def catalog_in(folder: Path, text: str = CATALOG):
    (folder / "metrics.yml").write_text(text)
    return load_catalog(folder / "metrics.yml")


def sales_parts(scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        [
            part("sales", DAY, 10 * scale, "EMEA"),
            part("sales", DAY, 5 * scale, "US"),
            part("sales", DAY + timedelta(1), 20 * scale, "EMEA"),
        ]
    )


def visits_parts() -> pd.DataFrame:
    return pd.DataFrame([part("visits", DAY, 7, n=7)])


def factory(**connectors):
    return lambda source: connectors[source.id]


def sales_total(store: Store, catalog, where=None) -> float:
    frame = store.metric_parts(catalog.metrics["sales"], where)
    return float(frame["value"].sum())


def test_a_sync_stores_each_sources_parts_and_logs_it(tmp_path):
    catalog = catalog_in(tmp_path)
    records = sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    assert [(r.source, r.ok, r.parts) for r in records] == [("alpha", True, 3), ("beta", True, 1)]
    store = Store(catalog.settings.store)
    assert sales_total(store, catalog) == 35.0  # 10 + 5 + 20
    assert sales_total(store, catalog, {"region": "EMEA"}) == 30.0  # 10 + 20
    per_day = store.metric_parts(catalog.metrics["sales"])
    assert list(per_day["value"]) == [15.0, 20.0]  # Jul 1: 10 + 5 rolled up; Jul 2: 20


def test_syncing_twice_changes_nothing(tmp_path):
    catalog = catalog_in(tmp_path)
    connectors = factory(
        alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
    )
    sync(catalog, connector_factory=connectors)
    store = Store(catalog.settings.store)
    first = store.query("SELECT metric, origin, period, dims, value FROM parts ORDER BY ALL")
    sync(catalog, connector_factory=connectors)
    second = store.query("SELECT metric, origin, period, dims, value FROM parts ORDER BY ALL")
    pd.testing.assert_frame_equal(first, second)


def test_a_failing_source_keeps_its_last_good_values_and_the_others_still_load(tmp_path):
    catalog = catalog_in(tmp_path)
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    records = sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", error="cannot connect to postgresql://u:***@db:5432/x"),
            beta=FakeConnector("beta", pd.DataFrame([part("visits", DAY, 9, n=9)])),
        ),
    )
    assert [(r.source, r.ok) for r in records] == [("alpha", False), ("beta", True)]
    assert "cannot connect" in records[0].error
    store = Store(catalog.settings.store)
    assert sales_total(store, catalog) == 35.0  # the last good values
    assert float(store.metric_parts(catalog.metrics["visits"])["value"].sum()) == 9.0
    assert store.last_syncs()["alpha"].ok is False
    assert store.last_good_syncs()["alpha"].ok is True


def test_an_unexpected_error_in_one_source_is_logged_with_its_secrets_masked(tmp_path):
    class Exploding:
        name = "alpha"

        def pull(self, metrics, **kwargs):
            raise RuntimeError("boom at postgresql://admin:hunter2@db/x")

    catalog = catalog_in(tmp_path)
    records = sync(
        catalog,
        connector_factory=factory(alpha=Exploding(), beta=FakeConnector("beta", visits_parts())),
    )
    assert records[0].ok is False
    assert "hunter2" not in records[0].error
    assert records[0].error == "RuntimeError: boom at postgresql://admin:***@db/x"
    assert records[1].ok is True


def test_a_pull_supersedes_only_the_origins_it_names(tmp_path):
    catalog = catalog_in(tmp_path)

    class Files:
        name = "alpha"

        def __init__(self, pulls):
            self.pulls = iter(pulls)

        def pull(self, metrics, **kwargs):
            return next(self.pulls)

    first = Pull(
        parts=pd.DataFrame(
            [
                part("sales", DAY, 10, "EMEA", origin="a.csv"),
                part("sales", DAY, 1, "EMEA", origin="b.csv"),
            ]
        ),
        quarantine=empty_quarantine(),
        supersedes=[Supersede("sales", origin="a.csv"), Supersede("sales", origin="b.csv")],
    )
    second = Pull(  # b.csv changed: 1 -> 4; a.csv untouched
        parts=pd.DataFrame([part("sales", DAY, 4, "EMEA", origin="b.csv")]),
        quarantine=empty_quarantine(),
        supersedes=[Supersede("sales", origin="b.csv")],
    )
    connector = Files([first, second])
    beta = FakeConnector("beta", visits_parts())
    sync(catalog, ["alpha"], connector_factory=factory(alpha=connector, beta=beta))
    sync(catalog, ["alpha"], connector_factory=factory(alpha=connector, beta=beta))
    assert sales_total(Store(catalog.settings.store), catalog) == 14.0  # 10 + 4, not 15 nor 4


def test_a_changed_metric_definition_rereads_its_source_from_scratch(tmp_path):
    catalog = catalog_in(tmp_path)
    states = []

    class Recording(FakeConnector):
        def pull(self, metrics, *, state, timezone, progress=None):
            states.append(dict(state))
            return super().pull(metrics, state=state, timezone=timezone, progress=progress)

    connectors = factory(
        alpha=Recording("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
    )
    sync(catalog, ["alpha"], connector_factory=connectors)
    sync(catalog, ["alpha"], connector_factory=connectors)
    edited = catalog_in(tmp_path, CATALOG.replace("value: amount", "value: amount * 2"))
    sync(edited, ["alpha"], connector_factory=connectors)
    # The first pull starts empty, the second gets the state back, the edit resets it.
    assert states == [{}, {"calls": 1}, {}]


def test_naming_an_unknown_source_is_an_error_that_lists_the_known_ones(tmp_path):
    catalog = catalog_in(tmp_path)
    with pytest.raises(
        UnknownSource, match="unknown source 'gamma'; the catalog defines: alpha, beta"
    ):
        sync(catalog, ["gamma"])


def test_an_error_during_a_sync_leaves_the_live_store_as_it_was(tmp_path):
    catalog = catalog_in(tmp_path)
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    store = Store(catalog.settings.store)
    with pytest.raises(KeyboardInterrupt), store.writing() as writer:
        writer.connection.execute("DELETE FROM parts")
        raise KeyboardInterrupt
    assert sales_total(store, catalog) == 35.0
    assert not list(tmp_path.glob("data/*.draft-*"))


def test_a_source_error_is_a_source_error_not_a_crash(tmp_path):
    catalog = catalog_in(tmp_path)

    class Broken:
        name = "alpha"

        def pull(self, metrics, **kwargs):
            raise SourceError("table 't' not found; tables: deals")

    records = sync(catalog, ["alpha"], connector_factory=factory(alpha=Broken()))
    assert records[0].error == "table 't' not found; tables: deals"


# -- two real processes ---------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
import pandas as pd
from connectors.base import FakeConnector
from okr.catalog import load_catalog
from okr.sync import sync
sys.path.insert(0, {tests!r})
from test_store_sync import sales_parts, visits_parts

catalog = load_catalog({catalog!r})
mode = sys.argv[1]
if mode == "loop":
    for i in range(int(sys.argv[2])):
        scale = 1.0 if i % 2 else 2.0
        sync(catalog, connector_factory=lambda s: FakeConnector(s.id, sales_parts(scale) if s.id == "alpha" else visits_parts()))
else:  # "hang": apply alpha, then hang inside beta's pull until killed
    class Hanging:
        name = "beta"
        def pull(self, metrics, **kwargs):
            Path({marker!r}).write_text("inside")
            time.sleep(60)
    sync(catalog, connector_factory=lambda s: FakeConnector("alpha", sales_parts(3.0)) if s.id == "alpha" else Hanging())
"""


def writer_script(tmp_path: Path) -> Path:
    script = tmp_path / "writer.py"
    script.write_text(
        WRITER.format(
            tests=str(Path(__file__).parent),
            catalog=str(tmp_path / "metrics.yml"),
            marker=str(tmp_path / "marker"),
        )
    )
    return script


def test_a_reader_process_never_fails_nor_sees_half_a_sync_while_another_process_syncs(tmp_path):
    catalog = catalog_in(tmp_path)
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    store = Store(catalog.settings.store)
    writer = subprocess.Popen(
        [sys.executable, str(writer_script(tmp_path)), "loop", "30"], cwd=tmp_path
    )
    seen = set()
    reads = 0
    try:
        while writer.poll() is None:
            seen.add(sales_total(store, catalog))  # raises if the store were locked
            reads += 1
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert reads > 10
    # Every read saw a whole sync: 35 (scale 1) or 70 (scale 2), never a mix or nothing.
    assert seen <= {35.0, 70.0}
    assert len(store.syncs(limit=1000)) == 2 + 30 * 2


def test_killing_a_sync_midway_leaves_the_store_as_it_was(tmp_path):
    catalog = catalog_in(tmp_path)
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    store = Store(catalog.settings.store)
    before = store.query("SELECT * EXCLUDE (observed_at) FROM parts ORDER BY ALL")
    writer = subprocess.Popen([sys.executable, str(writer_script(tmp_path)), "hang"], cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "marker").exists():
        assert writer.poll() is None and time.monotonic() < deadline, (
            "the writer never reached beta"
        )
        time.sleep(0.05)
    # alpha (scale 3) is already applied to the draft; kill before the swap.
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    after = store.query("SELECT * EXCLUDE (observed_at) FROM parts ORDER BY ALL")
    pd.testing.assert_frame_equal(before, after)
    assert sales_total(store, catalog) == 35.0
    # The next sync cleans up the orphaned draft and works.
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts(2.0)),
            beta=FakeConnector("beta", visits_parts()),
        ),
    )
    assert sales_total(store, catalog) == 70.0
    assert not list((tmp_path / "data").glob("*.draft-*"))


def test_metrics_that_leave_the_catalog_leave_the_store(tmp_path):
    catalog = catalog_in(tmp_path)
    sync(
        catalog,
        connector_factory=factory(
            alpha=FakeConnector("alpha", sales_parts()), beta=FakeConnector("beta", visits_parts())
        ),
    )
    without_visits = CATALOG.replace(
        "  visits: {source: beta, table: t, time: ts, value: n, agg: count}\n",
        "  other: {source: beta, table: t, time: ts, value: n, agg: count}\n",
    )
    catalog = catalog_in(tmp_path, textwrap.dedent(without_visits))
    sync(
        catalog,
        ["beta"],
        connector_factory=factory(
            beta=FakeConnector("beta", pd.DataFrame([part("other", DAY, 1)]))
        ),
    )
    metrics = set(
        Store(catalog.settings.store).query("SELECT DISTINCT metric FROM parts")["metric"]
    )
    assert metrics == {"sales", "other"}


def test_reading_many_slices_at_once_gives_each_slice_as_numpy_columns(tmp_path):
    import numpy as np

    text = CATALOG.replace(
        "dimensions: [region]}",
        "dimensions: [region, channel]}\n"
        "  users: {source: alpha, table: t, time: ts, value: user, agg: count_distinct,\n"
        "          dimensions: [region]}",
    )
    catalog = catalog_in(tmp_path, text)

    def sale(day, total, region, channel):
        row = part("sales", day, total)
        row["dims"] = f'{{"channel":"{channel}","region":"{region}"}}'
        return row

    def users(day, value, region=None):
        row = part("users", day, value, region)
        row.update(total=None, minimum=None, maximum=None, last=None)
        return row

    day2 = DAY + timedelta(1)
    parts = pd.DataFrame(
        [
            sale(DAY, 10, "EMEA", "web"),
            sale(DAY, 5, "EMEA", "shop"),
            sale(DAY, 7, "US", "web"),
            sale(day2, 20, "EMEA", "web"),
            users(DAY, 3),
            users(DAY, 2, "EMEA"),
            users(day2, 4),
        ]
    )
    sync(catalog, ["alpha"], connector_factory=factory(alpha=FakeConnector("alpha", parts)))
    store = Store(catalog.settings.store)
    sales, users_metric = catalog.metrics["sales"], catalog.metrics["users"]
    wanted = [
        (sales, ()),
        (sales, (("region", "EMEA"),)),
        (sales, (("channel", "web"), ("region", "EMEA"))),
        (sales, (("region", "nowhere"),)),
        (users_metric, ()),
        (users_metric, (("region", "EMEA"),)),
        (sales, ()),  # asked twice: read once
    ]
    with store.session():
        columns = store.slice_columns(wanted)

    assert len(columns) == 6
    day1, day2_ordinal = DAY.toordinal(), day2.toordinal()

    def column(metric, where, name):
        return columns[(metric.id, where)][name].tolist()

    # Sales rolled up over every other dimension: Jul 1 is 10 + 5 + 7, Jul 2 is 20.
    assert column(sales, (), "ordinal") == [day1, day2_ordinal]
    assert column(sales, (), "value") == [22.0, 20.0]
    assert column(sales, (), "n") == [3.0, 1.0]
    assert column(sales, (("region", "EMEA"),), "value") == [15.0, 20.0]
    assert column(sales, (("channel", "web"), ("region", "EMEA")), "value") == [10.0, 20.0]
    assert column(sales, (("region", "nowhere"),), "ordinal") == []
    # A distinct count is never re-aggregated: each slice reads its own stored rows.
    assert column(users_metric, (), "value") == [3.0, 4.0]
    assert column(users_metric, (("region", "EMEA"),), "ordinal") == [day1]
    assert column(users_metric, (("region", "EMEA"),), "value") == [2.0]
    assert np.isnan(columns[("users", ())]["total"]).all()

    # The same numbers as reading each slice alone.
    for metric, where in wanted:
        alone = store.metric_parts(metric, dict(where))
        together = columns[(metric.id, where)]
        assert together["ordinal"].tolist() == [d.toordinal() for d in alone["period"]]
        np.testing.assert_array_equal(together["value"], alone["value"].to_numpy(float))
