"""Statuses in plain words: the one-sentence reason for a key result's status, its outlook,
and the confidence score of a set of key results. Pure functions of already-judged values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from okr.formatting import STATUS_LABELS, format_share, format_value
from okr.model import KeyResult, Metric
from okr.status import KRStatus

# The confidence score counts these as good and bad; at_risk counts as neither, and KRs
# whose status is unknown (not started, no data) are left out of the score entirely.
CONFIDENT = frozenset({"on_track", "achieved"})
UNCONFIDENT = frozenset({"off_track", "missed"})
UNKNOWN = frozenset({"no_data", "not_started"})

# A gap smaller than this share of the span reads as "on pace" rather than ahead or behind.
ON_PACE = 0.005

_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9&/-]{1,11})\)\s*$")


def confidence(statuses: Iterable[str]) -> float | None:
    """The share of KRs on track minus the share off track, in [-1, 1].

    Over the KRs with a known status (not `no_data`, not `not_started`): on track and
    achieved count +1, off track and missed count −1, at risk counts 0; the sum is divided
    by the number of such KRs. None when no KR has a known status.
    """
    known = [status for status in statuses if status not in UNKNOWN]
    if not known:
        return None
    good = sum(status in CONFIDENT for status in known)
    bad = sum(status in UNCONFIDENT for status in known)
    return (good - bad) / len(known)


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """How many times each status occurs."""
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def format_confidence(score: float | None) -> str:
    """A confidence score as signed percentage points: +75, −20, 0; – when unknown."""
    if score is None:
        return "–"
    points = round(score * 100)
    if points == 0:
        return "0"
    return f"+{points}" if points > 0 else f"−{-points}"


def format_day(day: date | None) -> str:
    """A date as people read it, the same way in every country: 15 Aug 2026."""
    return "–" if day is None else f"{day.day} {day:%b %Y}"


def format_moment(moment: datetime, timezone: str) -> str:
    """A naive-UTC moment in the catalog's timezone: '15 Aug 2026 12:02 CEST'.

    An unknown timezone name falls back to UTC (the catalog loader reports it).
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    return f"{format_day(local.date())} {local:%H:%M} {local.tzname()}"


def short_name(metric: Metric, where: Iterable[tuple[str, str]] = ()) -> str:
    """How a sentence names a metric: its abbreviation if the label ends with one, else
    the label in lower case (unless it starts with an acronym); a slice is named after it.

    "Customer satisfaction (CSAT)" -> "CSAT"; "First response time" -> "first response
    time"; with where {region: EMEA} -> "CSAT in region EMEA".
    """
    title = metric.title
    found = _ABBREVIATION.search(title)
    if found:
        name = found.group(1)
    elif len(title) > 1 and title[1].isupper():
        name = title
    else:
        name = title[:1].lower() + title[1:]
    slices = ", ".join(f"{key} {value}" for key, value in where)
    return f"{name} in {slices}" if slices else name


def explain(kr: KeyResult, metric: Metric, status: KRStatus, as_of: date) -> str:
    """One plain sentence saying why `kr` has its status at `as_of`, with the numbers.

    "At 49% of the cycle CSAT should be 82.4 points; it is 79.4 points, 20% of the span
    behind pace: at risk."
    """
    name = short_name(metric, kr.where)
    label = STATUS_LABELS.get(status.status, status.status).lower()

    def value(number: float | None) -> str:
        return format_value(number, metric)

    if status.status == "not_started":
        days = (kr.start - as_of).days
        when = f"{format_day(kr.start)}, in {days} day{'s' if days != 1 else ''}"
        if kr.level is not None:
            goal = f"must then stay {_level_words(kr)} {value(kr.target)}"
        elif status.baseline is None:
            goal = f"should then reach {value(kr.target)} by {format_day(kr.end)}"
        else:
            goal = (
                f"should then move from {value(status.baseline)} to {value(kr.target)} "
                f"by {format_day(kr.end)}"
            )
        return _sentence(f"{name} is tracked from {when}, and {goal}: {label}.")

    if status.status == "no_data":
        return _sentence(_no_data(kr, name, status, as_of, value))

    if kr.level is not None:
        return _sentence(_level(kr, name, status, value, label))

    progress = format_share(status.progress)
    if status.status == "achieved":
        if as_of > kr.end:
            return _sentence(
                f"{name} ended the cycle at {value(status.current)}, reaching its target of "
                f"{value(kr.target)} ({progress} of the way): {label}."
            )
        return _sentence(
            f"{name} is {value(status.current)} and has reached its target of "
            f"{value(kr.target)} ({progress} of the way) before the end on "
            f"{format_day(kr.end)}: {label}."
        )
    if status.status == "missed":
        return _sentence(
            f"The cycle ended on {format_day(kr.end)} with {name} at {value(status.current)}, "
            f"{progress} of the way from {value(status.baseline)} to its target of "
            f"{value(kr.target)}: {label}."
        )
    return _sentence(
        f"At {format_share(status.elapsed)} of the cycle {name} should be "
        f"{value(status.expected)}; it is {value(status.current)}, {_pace_words(status.gap)}: "
        f"{label}."
    )


def outlook(kr: KeyResult, metric: Metric, status: KRStatus, as_of: date) -> str | None:
    """One sentence on where the KR's trend leads by its end; None when there is nothing
    to project (no data) or nothing left to project (the cycle is over).
    """
    forecast = status.forecast
    if forecast.value is None or as_of >= kr.end or status.status == "not_started":
        return None

    def value(number: float | None) -> str:
        return format_value(number, metric)

    text = f"On its trend since {format_day(kr.start)} it would end near {value(forecast.value)}"
    if forecast.low is not None and forecast.high is not None and forecast.low != forecast.high:
        text += f" (80% range {value(forecast.low)} to {value(forecast.high)})"
    if forecast.p_hit is not None:
        goal = (
            f"staying {_level_words(kr)} {value(kr.target)}"
            if kr.level is not None
            else f"reaching {value(kr.target)}"
        )
        text += f"; the chance of {goal} is {format_chance(forecast.p_hit)}"
    if status.drifting:
        text += ", so it is drifting off course"
    return text + "."


def _no_data(kr, name, status, as_of, value) -> str:
    judged_on = format_day(min(as_of, kr.end))
    if status.current is None:
        if status.data_as_of is None:
            return (
                f"No value of {name} is stored up to {judged_on}: run `okr sync`, "
                "or check the metric's source on the Data health page: no data."
            )
        return (
            f"No value of {name} can be measured at {judged_on} with `measure: {kr.measure}` "
            f"(newest data: {format_day(status.data_as_of)}): run `okr sync`, or check the "
            "metric's source on the Data health page: no data."
        )
    if status.baseline is None:
        return (
            f"{name} is {value(status.current)}, but its baseline could not be measured on "
            f"{format_day(kr.start)}, so there is no pace to judge it against; set "
            "`baseline:` in the catalog: no data."
        )
    return (
        f"The baseline of {name} equals its target ({value(kr.target)}), so there is no "
        "span to make progress in; change the baseline or the target: no data."
    )


def _level(kr, name, status, value, label) -> str:
    rule = f"{_level_words(kr)} {value(kr.target)}"
    if status.status in ("achieved", "missed"):
        verb = "holding" if status.status == "achieved" else "breaking"
        held = (
            f"; it held it in {format_share(status.progress)} of its periods"
            if status.progress is not None
            else ""
        )
        return (
            f"{name} ended the cycle at {value(status.current)}, {verb} its level ({rule})"
            f"{held}: {label}."
        )
    held = (
        f" (held in {format_share(status.progress)} of its periods so far)"
        if status.progress is not None
        else ""
    )
    holds = "holding the level" if status.status == "on_track" else "not holding the level"
    return f"{name} must stay {rule}; it is {value(status.current)}, {holds}{held}: {label}."


def _level_words(kr: KeyResult) -> str:
    return "at or above" if kr.level == ">=" else "at or below"


def _pace_words(gap: float | None) -> str:
    if gap is None or abs(gap) < ON_PACE:
        return "right on pace"
    side = "behind" if gap < 0 else "ahead of"
    return f"{format_share(abs(gap))} of the span {side} pace"


def format_chance(p_hit: float | None) -> str:
    """A probability as a percentage that never rounds a possibility away: 'below 1%'."""
    if p_hit is None:
        return "–"
    if 0 < p_hit < 0.01:
        return "below 1%"
    if 0.99 < p_hit < 1:
        return "above 99%"
    return format_share(p_hit)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
