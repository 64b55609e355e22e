"""A small company with hand-computed expectations, shared by page and end-to-end tests.

Cycle 2026-Q3 (Jul 1 – Sep 30: 91 days); judged AS_OF 2026-08-15, so elapsed = 45/91.
Support tickets, two rows a day from Jul 1 (day i = 0) to Aug 14 (i = 44):
  EMEA score 76 + 0.1 i, US score 74 + 0.1 i  -> daily CSAT 75 + 0.1 i; on Aug 14: 79.4
  response hours 5 − 0.08 i for both           -> on Aug 14: 1.48
Product signups, two rows a day from Jul 1 to Aug 1 (32 days: 64 rows); nothing since.
One broken row (score 'n/a') in tickets_2026-08.csv line 30 is quarantined.

  csat        latest, 75 -> 90:  current 79.4, expected 75 + 15·45/91 = 82.417582,
              progress 4.4/15 = 0.293333, gap (79.4 − 82.417582)/15 = −0.201172  -> at_risk
  response    latest, 5 -> 1 h:  current 1.48, expected 5 − 4·45/91 = 3.021978,
              progress 3.52/4 = 0.88, gap (1.48 − 3.021978)/−4 = 0.385495      -> on_track
  csat-emea   EMEA, 76 -> 86:    current 80.4, expected 76 + 10·45/91 = 80.945055,
              progress 0.44, gap (80.4 − 80.945055)/10 = −0.054505             -> on_track
  signups     to_date, 0 -> 100: current 64, expected 100·45/91 = 49.450549,
              progress 0.64, gap 0.145495 -> on_track, stale (newest Aug 1, freshness 2d)
  objective support: at_risk, progress (0.293333 + 0.88 + 0.44)/3 = 0.537778
  objective growth:  on_track, progress 0.64
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 8, 15)
START = date(2026, 7, 1)

EXPECTED = {
    "csat": {
        "status": "at_risk",
        "current": 79.4,
        "expected": 82.417582,
        "progress": 0.293333,
        "gap": -0.201172,
        "stale": False,
    },
    "response": {
        "status": "on_track",
        "current": 1.48,
        "expected": 3.021978,
        "progress": 0.88,
        "gap": 0.385495,
        "stale": False,
    },
    "csat-emea": {
        "status": "on_track",
        "current": 80.4,
        "expected": 80.945055,
        "progress": 0.44,
        "gap": -0.054505,
        "stale": False,
    },
    "signups": {
        "status": "on_track",
        "current": 64.0,
        "expected": 49.450549,
        "progress": 0.64,
        "gap": 0.145495,
        "stale": True,
    },
}
EXPECTED_OBJECTIVES = {
    "support": {"status": "at_risk", "progress": 0.537778},
    "growth": {"status": "on_track", "progress": 0.64},
}
QUARANTINED = [("tickets_2026-08.csv", 30)]

CATALOG = """\
version: 1
settings:
  store: data/okr.duckdb
  timezone: UTC

sources:
  support:
    type: csv
    path: exports/support
  product:
    type: csv
    path: exports/product

metrics:
  csat:
    label: Customer satisfaction (CSAT)
    source: support
    table: tickets_*.csv
    time: answered_at
    value: score
    agg: avg
    dimensions: [region]
    unit: points
    freshness: 2d
  first_response:
    label: First response time
    source: support
    table: tickets_*.csv
    time: answered_at
    value: response_hours
    agg: avg
    unit: h
    format: duration
    freshness: 2d
  signups:
    label: Signups
    source: product
    table: signups.csv
    time: signed_up_at
    agg: count
    unit: users
    freshness: 2d

objectives:
  - id: support
    title: Delight our customers in support
    owner: Head of Support
    tags: [leadership]
    cycle: 2026-Q3
    key_results:
      - id: csat
        title: Increase CSAT from 75 to 90
        metric: csat
        baseline: 75
        target: 90
      - id: response
        title: Cut first response time from 5 h to 1 h
        metric: first_response
        baseline: 5
        target: 1
      - id: csat-emea
        title: Lift EMEA CSAT from 76 to 86
        metric: csat
        where: {region: EMEA}
        baseline: 76
        target: 86
  - id: growth
    title: Grow the user base
    owner: Growth lead
    cycle: 2026-Q3
    key_results:
      - id: signups
        title: Reach 100 signups this quarter
        metric: signups
        baseline: 0
        target: 100
        measure: to_date
"""


def write_scenario(folder: Path) -> Path:
    """Write the catalog and its CSV exports into `folder`; returns the catalog path."""
    support = folder / "exports" / "support"
    product = folder / "exports" / "product"
    support.mkdir(parents=True, exist_ok=True)
    product.mkdir(parents=True, exist_ok=True)
    header = "answered_at,region,score,response_hours\n"
    months: dict[str, list[str]] = {}
    for i in range(45):
        day = START + timedelta(days=i)
        rows = months.setdefault(f"{day:%Y-%m}", [])
        hours = round(5 - 0.08 * i, 2)
        rows.append(f"{day} 10:00:00,EMEA,{76 + 0.1 * i:.1f},{hours}\n")
        rows.append(f"{day} 15:00:00,US,{74 + 0.1 * i:.1f},{hours}\n")
        if day == date(2026, 8, 14):
            rows.append("2026-08-14 16:00:00,EMEA,n/a,2.0\n")  # line 30 of the August file
    for month, rows in months.items():
        (support / f"tickets_{month}.csv").write_text(header + "".join(rows))
    signups = ["signed_up_at,plan\n"]
    for i in range(32):
        day = START + timedelta(days=i)
        signups += [f"{day} 09:00:00,free\n", f"{day} 17:30:00,pro\n"]
    (product / "signups.csv").write_text("".join(signups))
    catalog = folder / "metrics.yml"
    catalog.write_text(textwrap.dedent(CATALOG))
    return catalog


def synced_scenario(folder: Path) -> Path:
    """The scenario written and synced into its store; returns the catalog path."""
    from okr.catalog import load_catalog
    from okr.sync import sync

    catalog_path = write_scenario(folder)
    records = sync(load_catalog(catalog_path))
    failed = [r for r in records if not r.ok]
    assert not failed, f"scenario sync failed: {failed}"
    return catalog_path
