"""Key results for the pure-function tests: a 100-day window from 2026-01-01, 50 -> 150.

Day n of the window is n% of the way through it, which keeps hand-computed cases readable.
"""

from __future__ import annotations

from datetime import date, timedelta

from okr.model import KeyResult

START = date(2026, 1, 1)
END = START + timedelta(days=100)


def day(n: int) -> date:
    """The date n days after START."""
    return START + timedelta(days=n)


def make_kr(**fields) -> KeyResult:
    """A KR over the 100-day window from baseline 50 to target 150; `fields` override."""
    values = {
        "id": "kr",
        "title": "Grow the metric",
        "metric": "metric",
        "objective": "objective",
        "start": START,
        "end": END,
        "target": 150.0,
        "baseline": 50.0,
    }
    values.update(fields)
    return KeyResult(**values)
