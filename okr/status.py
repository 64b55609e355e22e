"""The status rules of SPEC §4: pace, progress, gap, grade and status of a key result at a
date, and the roll-up of key results into objectives. Pure functions of plain values.

The caller resolves everything that needs data (the baseline, the current value, the
series, staleness) and passes it in; nothing here reads a file or the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from okr.forecast import Forecast, forecast_kr, points_in_window, reaches_target
from okr.measure import Trajectory
from okr.model import KeyResult, Objective

STATUSES = ("not_started", "no_data", "achieved", "missed", "on_track", "at_risk", "off_track")

# Most severe first: an objective takes the first of these that any of its KRs has.
SEVERITY = ("missed", "off_track", "at_risk", "on_track", "achieved")
# Count only when none of SEVERITY is known, in this order.
UNKNOWN_STATUSES = ("no_data", "not_started")

# Forgives float noise in comparisons of progress and gap, which are shares of the span, so
# that hand-computed boundaries (a gap of exactly -0.10) fall where the table says.
EPSILON = 1e-9


@dataclass(frozen=True)
class KRStatus:
    """Where a key result stands at a date.

    `progress` is (current − baseline) / (target − baseline), unclamped; `gap` is the
    distance from pace, (current − expected) / (target − baseline), negative when behind;
    `grade` is progress clamped to [0, 1]; `elapsed` is the share of the window gone (τ).
    A level KR has `expected` = the level, `gap` None, and `grade` = `progress` = the share
    of its periods so far that held the level. Unknown numbers are None. `success` says
    whether the grade counts as a success (`success_grade`: 1.0 committed, 0.7
    aspirational). `stale` and `data_as_of` are passed through as the caller decided them.
    """

    kr_id: str
    status: str
    baseline: float | None
    target: float
    current: float | None
    expected: float | None
    progress: float | None
    gap: float | None
    grade: float | None
    elapsed: float
    stale: bool
    data_as_of: date | None
    forecast: Forecast
    drifting: bool
    success_grade: float = 1.0

    @property
    def p_hit(self) -> float | None:
        """The probability in [0, 1] of reaching the target by end (None when unknown)."""
        return self.forecast.p_hit

    @property
    def success(self) -> bool | None:
        """Whether the grade so far reaches the KR's success grade (None when unknown)."""
        if self.grade is None:
            return None
        return self.grade >= self.success_grade - EPSILON


@dataclass(frozen=True)
class ObjectiveStatus:
    """An objective's roll-up: weighted progress and most severe status of its KRs."""

    objective_id: str
    status: str
    progress: float | None
    key_results: tuple[KRStatus, ...]


def elapsed_share(kr: KeyResult, day: date) -> float:
    """τ: the share of the KR's window elapsed at `day`, clamped to [0, 1]."""
    window_days = (kr.end - kr.start).days
    if window_days <= 0:  # cannot come from a valid catalog; no division by zero anyway
        return 1.0 if day >= kr.end else 0.0
    return min(1.0, max(0.0, (day - kr.start).days / window_days))


def expected_at(kr: KeyResult, baseline: float, day: date) -> float:
    """The pace value at `day`: baseline at start to target at end, through checkpoints.

    Linear in days between (start, baseline), each checkpoint and (end, target); `day` is
    clamped into the window. A level KR's pace is its level at every date.
    """
    if kr.level is not None:
        return kr.target
    day = min(kr.end, max(kr.start, day))
    knots = [(kr.start, baseline), *kr.checkpoints, (kr.end, kr.target)]
    knot_days = [(when - kr.start).days for when, _ in knots]
    knot_values = [float(value) for _, value in knots]
    return float(np.interp((day - kr.start).days, knot_days, knot_values))


def evaluate_kr(
    kr: KeyResult,
    as_of: date,
    *,
    baseline: float | None,
    current: float | None,
    points: Sequence[tuple[date, float]],
    data_as_of: date | None,
    stale: bool,
) -> KRStatus:
    """The status of `kr` at `as_of` (SPEC §4).

    `baseline` is resolved (None when `auto` could not be measured), `current` is the value
    measured at min(as_of, kr.end), `points` the measured series (date, value) from start.
    Before start no progress is reported: values measured then say nothing about the KR.
    A KR whose resolved baseline equals its target has no span to measure progress in and
    reports `no_data` (a catalog rejects such a KR; an `auto` baseline can still land there).
    """
    if current is not None and not math.isfinite(current):
        current = None
    series = points_in_window(kr, points, as_of)
    forecast = forecast_kr(kr, baseline, series, as_of)
    elapsed = elapsed_share(kr, as_of)

    def build(status: str, **numbers: float | None) -> KRStatus:
        return KRStatus(
            kr_id=kr.id,
            status=status,
            baseline=baseline,
            target=kr.target,
            current=current,
            expected=numbers.get("expected"),
            progress=numbers.get("progress"),
            gap=numbers.get("gap"),
            grade=numbers.get("grade"),
            elapsed=elapsed,
            stale=stale,
            data_as_of=data_as_of,
            forecast=forecast,
            drifting=_drifting(kr, baseline, status, as_of, forecast),
            success_grade=kr.success_grade,
        )

    if kr.level is not None:
        return _evaluate_level(kr, as_of, current, series, build)

    expected = None if baseline is None else expected_at(kr, baseline, as_of)
    if as_of < kr.start:
        return build("not_started", expected=expected)
    if current is None or baseline is None or baseline == kr.target:
        return build("no_data", expected=expected)

    span = kr.target - baseline
    progress = (current - baseline) / span
    gap = (current - expected) / span
    numbers = {
        "expected": expected,
        "progress": progress,
        "gap": gap,
        "grade": min(1.0, max(0.0, progress)),
    }
    return build(_pace_status(kr, as_of, progress, gap), **numbers)


def _pace_status(kr: KeyResult, as_of: date, progress: float, gap: float) -> str:
    if progress >= 1.0 - EPSILON:
        return "achieved"
    if as_of > kr.end:
        return "missed"
    if gap >= -kr.tolerance.at_risk - EPSILON:
        return "on_track"
    if gap >= -kr.tolerance.off_track - EPSILON:
        return "at_risk"
    return "off_track"


def _evaluate_level(
    kr: KeyResult,
    as_of: date,
    current: float | None,
    series: Trajectory,
    build: Callable[..., KRStatus],
) -> KRStatus:
    """A KR that must hold a level: on or off track while running, achieved or missed after."""
    held = [reaches_target(kr, None, value) for value in series.values.tolist()]
    share_held = sum(held) / len(held) if held else None
    numbers = {"expected": kr.target, "progress": share_held, "grade": share_held}
    if as_of < kr.start:
        return build("not_started", expected=kr.target)
    if current is None:
        return build("no_data", **numbers)
    holds = reaches_target(kr, None, current)
    if as_of > kr.end:
        return build("achieved" if holds else "missed", **numbers)
    return build("on_track" if holds else "off_track", **numbers)


def _drifting(
    kr: KeyResult, baseline: float | None, status: str, as_of: date, forecast: Forecast
) -> bool:
    """Whether the forecast misses the target by more than the at_risk tolerance."""
    if status in ("achieved", "not_started", "no_data") or as_of > kr.end:
        return False
    if forecast.value is None:
        return False
    if kr.level is not None:
        return not reaches_target(kr, baseline, forecast.value)
    if baseline is None or baseline == kr.target:
        return False
    # The share of the span still missing at end, for increasing and decreasing KRs alike.
    shortfall = (kr.target - forecast.value) / (kr.target - baseline)
    return shortfall > kr.tolerance.at_risk + EPSILON


def rollup(
    objectives: Sequence[Objective], kr_statuses: Mapping[str, KRStatus]
) -> dict[str, ObjectiveStatus]:
    """Every objective's status and progress, keyed by id in the order given.

    Progress is the weight-averaged grade of the objective's KRs whose grade is known
    (`KeyResult.weight`) and of its child objectives whose progress is known (weight 1
    each). Status is the most severe status of its KRs, or of its children when it has no
    KRs: missed > off_track > at_risk > on_track > achieved, then no_data, then not_started.
    KRs missing from `kr_statuses` are left out; a parent cycle is cut where it closes.
    """
    children: dict[str, list[Objective]] = {}
    for objective in objectives:
        if objective.parent is not None:
            children.setdefault(objective.parent, []).append(objective)

    done: dict[str, ObjectiveStatus] = {}
    in_progress: set[str] = set()

    def visit(objective: Objective) -> ObjectiveStatus:
        if objective.id in done:
            return done[objective.id]
        in_progress.add(objective.id)
        own = [(kr, kr_statuses[kr.id]) for kr in objective.key_results if kr.id in kr_statuses]
        subs = [
            visit(child) for child in children.get(objective.id, []) if child.id not in in_progress
        ]
        weighted = [(kr.weight, status.grade) for kr, status in own]
        weighted += [(1.0, sub.progress) for sub in subs]
        statuses = [s.status for _, s in own] if own else [sub.status for sub in subs]
        result = ObjectiveStatus(
            objective_id=objective.id,
            status=most_severe(statuses),
            progress=_weighted_mean(weighted),
            key_results=tuple(status for _, status in own),
        )
        in_progress.discard(objective.id)
        done[objective.id] = result
        return result

    for objective in objectives:
        visit(objective)
    return {objective.id: done[objective.id] for objective in objectives}


def most_severe(statuses: Sequence[str]) -> str:
    """The status an objective shows for these statuses; `no_data` when there are none."""
    for status in (*SEVERITY, *UNKNOWN_STATUSES):
        if status in statuses:
            return status
    return "no_data"


def _weighted_mean(weighted: Sequence[tuple[float, float | None]]) -> float | None:
    known = [(weight, value) for weight, value in weighted if value is not None]
    total_weight = sum(weight for weight, _ in known)
    if total_weight <= 0:
        return None
    return sum(weight * value for weight, value in known) / total_weight
