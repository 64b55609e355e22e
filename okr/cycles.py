"""Calendar arithmetic: OKR cycles (2026-Q3, 2026-H1, 2026) and metric periods (day, week, month)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_CYCLE = re.compile(r"^\s*([0-9]{4})(?:-(Q[1-4]|H[12]))?\s*$", re.IGNORECASE)


class CycleError(ValueError):
    """A cycle label that is not a quarter, half or year."""


def parse_cycle(label: str | int) -> tuple[date, date]:
    """The first and last day of a cycle: '2026-Q3', '2026-H1' or '2026' (case-insensitive)."""
    match = _CYCLE.match(str(label)) if isinstance(label, (str, int)) else None
    if not match or isinstance(label, bool):
        raise CycleError(
            f"cycle '{label}' is not valid; write a quarter (2026-Q3), a half (2026-H1) or a year (2026)"
        )
    year, part = int(match.group(1)), (match.group(2) or "").upper()
    if year < 1000:
        raise CycleError(f"cycle '{label}' has no four-digit year; write e.g. 2026-Q3")
    if not part:
        return date(year, 1, 1), date(year, 12, 31)
    months = 3 if part[0] == "Q" else 6
    first_month = 1 + months * (int(part[1]) - 1)
    last_month = first_month + months - 1
    return date(year, first_month, 1), _last_day_of_month(year, last_month)


def cycle_of(day: date, kind: str = "Q") -> str:
    """The label of the quarter (kind 'Q'), half ('H') or year ('Y') containing `day`."""
    if kind == "Y":
        return str(day.year)
    if kind == "H":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_start(day: date, grain: str) -> date:
    """The first day of the day / ISO week (Monday) / month containing `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, grain: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if grain == "week":
        return start + timedelta(days=7)
    if grain == "month":
        return _add_months(start, 1)
    return start + timedelta(days=1)


def _last_day_of_month(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)
