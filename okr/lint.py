"""Key-result quality warnings: the habits that make OKRs go wrong, found in a valid catalog.

Warnings never block anything; `okr lint` prints them and exits 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from okr import history
from okr.catalog import parse_catalog
from okr.model import Catalog, KeyResult

# A KR that starts with one of these verbs describes work to ship, not an outcome to reach.
TASK_VERBS = (
    "ship",
    "launch",
    "build",
    "release",
    "deliver",
    "implement",
    "create",
    "complete",
    "finish",
    "deploy",
    "migrate",
    "roll out",
    "write",
    "develop",
    "design",
    "set up",
    "introduce",
    "publish",
    "organize",
    "organise",
    "hire",
)
_TASK = re.compile(rf"^\s*({'|'.join(re.escape(v) for v in TASK_VERBS)})\b", re.IGNORECASE)
MIN_KRS, MAX_KRS = 2, 5


@dataclass(frozen=True, order=True)
class Warning:
    """One quality warning about an item of the catalog."""

    file: str
    line: int
    item: str  # "key result 'csat'" or "objective 'support-cx'"
    message: str
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.item}: {self.message}"


def lint(catalog: Catalog, today: date | None = None) -> list[Warning]:
    """Every warning for the catalog, in file order."""
    file = str(catalog.path)
    warnings: list[Warning] = []
    for objective in catalog.objectives:
        what = f"objective '{objective.id}'"
        count = len(objective.key_results)
        if count < MIN_KRS and not _has_children(catalog, objective.id):
            warnings.append(
                Warning(
                    file,
                    objective.line,
                    what,
                    f"has {count} key result{'s' if count != 1 else ''}; "
                    f"{MIN_KRS} to {MAX_KRS} measure an objective from more than one side",
                    "kr_count",
                )
            )
        elif count > MAX_KRS:
            warnings.append(
                Warning(
                    file,
                    objective.line,
                    what,
                    f"has {count} key results; more than {MAX_KRS} dilutes focus, keep the ones "
                    f"that matter most",
                    "kr_count",
                )
            )
        if not objective.owner:
            warnings.append(
                Warning(file, objective.line, what, "has no owner; add `owner:`", "owner")
            )
        for kr in objective.key_results:
            warnings.extend(_kr_warnings(file, kr, objective.owner))
    warnings.extend(targets_changed(catalog, today))
    return sorted(warnings)


def _kr_warnings(file: str, kr: KeyResult, objective_owner: str | None) -> list[Warning]:
    what = f"key result '{kr.id}'"
    found = []
    match = _TASK.match(kr.title)
    if match:
        found.append(
            Warning(
                file,
                kr.line,
                what,
                f"'{kr.title}' reads like a task ('{match.group(1)}…'); state the outcome it "
                f"should move, e.g. 'Increase weekly active users from 40% to 60%'",
                "task_like",
            )
        )
    if kr.baseline is None and kr.level is None:
        found.append(
            Warning(
                file,
                kr.line,
                what,
                "has no baseline; write where it starts (a number, or `baseline: auto` to "
                "measure it at the start)",
                "baseline",
            )
        )
    if not kr.owner and not objective_owner:
        found.append(Warning(file, kr.line, what, "has no owner; add `owner:`", "owner"))
    return found


def _has_children(catalog: Catalog, objective_id: str) -> bool:
    return any(o.parent == objective_id for o in catalog.objectives)


def targets_changed(catalog: Catalog, today: date | None = None) -> list[Warning]:
    """KRs whose target in a saved version differs from now, saved after the cycle began."""
    file = str(catalog.path)
    current = {kr.id: kr for kr in catalog.key_results()}
    reported: set[str] = set()
    warnings = []
    for saved_at, path in reversed(history.versions(catalog.path)):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        old, _problems = parse_catalog(text, catalog.path)
        if old is None:
            continue
        for old_kr in old.key_results():
            kr = current.get(old_kr.id)
            if kr is None or kr.id in reported:
                continue
            in_cycle = kr.start <= saved_at.date() <= kr.end
            if in_cycle and (old_kr.target, old_kr.level) != (kr.target, kr.level):
                reported.add(kr.id)
                warnings.append(
                    Warning(
                        file,
                        kr.line,
                        f"key result '{kr.id}'",
                        f"target changed mid-cycle: it was {_target(old_kr)} on "
                        f"{saved_at.date().isoformat()} and is {_target(kr)} now; moving a target "
                        f"after the cycle starts hides how the KR really went",
                        "target_changed",
                    )
                )
    return warnings


def _target(kr: KeyResult) -> str:
    return f"{kr.level} {kr.target:g}" if kr.level else f"{kr.target:g}"
