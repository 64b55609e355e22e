"""Values read as people expect: units, percentages, currencies, durations."""

import pytest

from okr.formatting import format_ago, format_duration, format_share, format_value
from okr.model import Metric


def metric(fmt="number", unit=""):
    return Metric(
        id="m", source="s", agg="avg", table="t", time="t", value="v", format=fmt, unit=unit
    )


@pytest.mark.parametrize(
    ("value", "fmt", "unit", "shown"),
    [
        (79.4, "number", "points", "79.4 points"),
        (1234567.0, "number", "", "1,234,567"),
        (0.452, "percent", "", "45.2%"),
        (45.2, "percent", "", "45.2%"),  # already in percent
        (0.99956, "percent", "", "99.956%"),  # not rounded up to 100% next to a 99.9% level
        (0.999, "percent", "", "99.9%"),
        (1.0, "percent", "", "100.0%"),
        (99.956276, "number", "%", "99.956%"),  # a number already in % keeps its precision
        (45.25, "number", "%", "45.2%"),
        (521270.0, "currency", "EUR", "€521.3k"),
        (950.0, "currency", "EUR", "€950"),
        (1.48, "duration", "h", "1.5 h"),
        (0.5, "duration", "h", "30 min"),
        (52.0, "duration", "h", "52.0 h"),  # same unit as a 24 h target
        (240.0, "duration", "h", "10.0 d"),
        (None, "number", "", "–"),
    ],
)
def test_a_value_is_shown_in_its_metrics_format_and_unit(value, fmt, unit, shown):
    assert format_value(value, metric(fmt, unit)) == shown


def test_durations_and_shares():
    assert format_duration(90, "min") == "1.5 h"
    assert format_share(0.537778) == "54%"
    assert format_share(None) == "–"


def test_how_long_ago():
    from datetime import datetime, timedelta

    now = datetime(2026, 8, 15, 12, 0)
    assert format_ago(now - timedelta(seconds=20), now) == "just now"
    assert format_ago(now - timedelta(minutes=3), now) == "3 min ago"
    assert format_ago(now - timedelta(hours=5), now) == "5 h ago"
    assert format_ago(now - timedelta(days=1, hours=2), now) == "1 day ago"
    assert format_ago(None, now) == "never"
