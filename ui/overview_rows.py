"""The overview's pieces: which objectives the filters keep, grouped by cycle, and the HTML
of the headline, each objective's card and each key result's compact row.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from okr.explain import format_confidence, format_day
from okr.formatting import STATUS_LABELS, format_value
from okr.report import KRReport, ObjectiveReport
from ui.charts import CHART_CSS, pace_share, progress_bar_html, sparkline_html
from ui.components import DRIFTING_BADGE, FAILING_BADGE, STALE_BADGE, status_chip_html

ALL_CYCLES = "All cycles"
ALL_OWNERS = "All owners"
ALL_TAGS = "All tags"

# Statuses the headline always counts, even at zero; the others only when present.
HEADLINE_STATUSES = ("on_track", "at_risk", "off_track")
HEADLINE_ORDER = (
    "on_track",
    "at_risk",
    "off_track",
    "achieved",
    "missed",
    "no_data",
    "not_started",
)


@dataclass(frozen=True)
class CycleGroup:
    """Objectives sharing a cycle. `label` is the cycle as the catalog and the filter name
    it (2026-Q3, or the window in ISO dates); `title` is how the page heads it."""

    label: str
    start: date
    end: date
    objectives: tuple[ObjectiveReport, ...]
    named: bool = True

    @property
    def title(self) -> str:
        return self.label if self.named else window_words(self.start, self.end)


def filter_objectives(
    objectives: Sequence[ObjectiveReport],
    cycle: str = ALL_CYCLES,
    owner: str = ALL_OWNERS,
    tag: str = ALL_TAGS,
) -> list[ObjectiveReport]:
    """The objectives in `cycle`, owned by `owner` and tagged `tag` (the ALL_* values and
    empty strings keep everything)."""
    return [
        item
        for item in objectives
        if (cycle in (ALL_CYCLES, "") or item.objective.cycle_label == cycle)
        and (owner in (ALL_OWNERS, "") or item.objective.owner == owner)
        and (tag in (ALL_TAGS, "") or tag in item.objective.tags)
    ]


def group_by_cycle(objectives: Sequence[ObjectiveReport], today: date) -> list[CycleGroup]:
    """Objectives grouped by cycle: cycles running today first, then upcoming ones (soonest
    first), then past ones (most recent first); catalog order within a cycle."""
    groups: dict[str, list[ObjectiveReport]] = {}
    for item in objectives:
        groups.setdefault(item.objective.cycle_label, []).append(item)
    result = [
        CycleGroup(
            label=label,
            start=min(item.objective.start for item in items),
            end=max(item.objective.end for item in items),
            objectives=tuple(items),
            named=items[0].objective.cycle is not None,
        )
        for label, items in groups.items()
    ]

    def order(group: CycleGroup) -> tuple[int, int]:
        if group.start <= today <= group.end:
            return (0, group.start.toordinal())
        if group.start > today:
            return (1, group.start.toordinal())
        return (2, -group.end.toordinal())

    return sorted(result, key=order)


def cycle_options(objectives: Sequence[ObjectiveReport], today: date) -> list[str]:
    return [ALL_CYCLES, *(group.label for group in group_by_cycle(objectives, today))]


def owner_options(objectives: Sequence[ObjectiveReport]) -> list[str]:
    owners = sorted({o.objective.owner for o in objectives if o.objective.owner})
    return [ALL_OWNERS, *owners]


def tag_options(objectives: Sequence[ObjectiveReport]) -> list[str]:
    tags = sorted({tag for o in objectives for tag in o.objective.tags})
    return [ALL_TAGS, *tags]


def window_words(start: date, end: date) -> str:
    """'1 Jul – 30 Sep 2026' (the year once when both ends share it)."""
    if start.year == end.year:
        return f"{start.day} {start:%b} – {format_day(end)}"
    return f"{format_day(start)} – {format_day(end)}"


def cycle_caption(group: CycleGroup, today: date) -> str:
    """'1 Jul – 30 Sep 2026 · 46 days left' (or 'starts in …', 'ended'); a cycle headed by
    its window already says it, so its caption only says where it stands."""
    window = f"{window_words(group.start, group.end)} · " if group.named else ""
    if today < group.start:
        days = (group.start - today).days
        return f"{window}starts in {days} day{'s' if days != 1 else ''}"
    if today > group.end:
        return f"{window}ended"
    days = (group.end - today).days
    return f"{window}{days} day{'s' if days != 1 else ''} left"


# --- HTML ---------------------------------------------------------------------------------

OVERVIEW_CSS = (
    CHART_CSS
    + """
.okr-headline { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 0.25rem 0 0.5rem; }
.okr-stat { border: 1px solid rgba(128, 128, 128, 0.25); border-radius: 0.6rem;
  padding: 0.5rem 0.8rem; min-width: 6.4rem; }
.okr-confidence { min-width: 9rem; margin-right: 0.6rem; border-width: 2px; }
.okr-stat-number { font-size: 1.9rem; font-weight: 700; line-height: 1.1;
  font-variant-numeric: tabular-nums; }
.okr-stat-label { margin-top: 0.3rem; font-size: 0.85rem; }
.okr-stat-hint { font-size: 0.72rem; opacity: 0.65; margin-top: 0.15rem; max-width: 11rem; }
.okr-grid { display: grid; align-items: center; column-gap: 1rem;
  grid-template-columns: minmax(0, 1fr) 9rem 10rem 11rem 7.5rem; }
.okr-columns { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em;
  opacity: 0.6; padding: 0 1rem 0.3rem; }
.okr-objective { border: 1px solid rgba(128, 128, 128, 0.25); border-radius: 0.6rem;
  margin-bottom: 0.9rem; overflow: hidden; }
.okr-objective-head { padding: 0.7rem 1rem; background: rgba(128, 128, 128, 0.07); }
.okr-objective-title { font-weight: 650; font-size: 1.05rem; }
.okr-meta { font-size: 0.8rem; opacity: 0.65; }
.okr-kr { padding: 0.45rem 1rem; border-top: 1px solid rgba(128, 128, 128, 0.15);
  min-height: 2.4rem; }
.okr-kr-title a { color: inherit; font-weight: 500; text-decoration: underline;
  text-decoration-color: rgba(128, 128, 128, 0.45); text-underline-offset: 3px; }
.okr-kr-title a:hover { text-decoration-color: currentColor; }
.okr-value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.okr-value b { font-weight: 650; }
.okr-status { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
"""
)


def headline_html(counts: dict[str, int], confidence: float | None, total: int) -> str:
    """The confidence score, then a card with the number of KRs of each status."""
    hint = (
        "The share of key results on track or achieved minus the share off track or missed; "
        "at risk counts zero, not started and no data are left out."
    )
    cards = [
        f'<div class="okr-stat okr-confidence" title="{html.escape(hint)}">'
        f'<div class="okr-stat-number">{format_confidence(confidence)}</div>'
        f'<div class="okr-stat-label"><b>Confidence</b></div>'
        f'<div class="okr-stat-hint">% on track − % off track<br>over {total} '
        f"key result{'s' if total != 1 else ''}</div></div>"
    ]
    for status in HEADLINE_ORDER:
        count = counts.get(status, 0)
        if count == 0 and status not in HEADLINE_STATUSES:
            continue
        cards.append(
            f'<div class="okr-stat" data-status="{status}">'
            f'<div class="okr-stat-number">{count}</div>'
            f'<div class="okr-stat-label">{status_chip_html(status, "0.8rem")}</div></div>'
        )
    return f'<div class="okr-headline">{"".join(cards)}</div>'


def columns_html() -> str:
    return (
        '<div class="okr-grid okr-columns"><div>Key result</div>'
        '<div style="text-align:right">Current / target</div>'
        "<div>Progress · ┃ pace now</div><div>Status</div><div>Trend</div></div>"
    )


def objective_html(item: ObjectiveReport, parent_title: str | None = None) -> str:
    """One objective as a card: its title, owner and roll-up, then one row per KR."""
    objective, status = item.objective, item.status
    meta = [f"Owner: {objective.owner}" if objective.owner else "No owner"]
    if objective.tags:
        meta.append(" ".join(f"#{tag}" for tag in objective.tags))
    if parent_title:
        meta.append(f"aligns to: {parent_title}")
    count = len(item.key_results)
    meta.append(f"{count} key result{'s' if count != 1 else ''}")
    head = (
        f'<div class="okr-grid okr-objective-head" data-objective="{html.escape(objective.id)}">'
        f'<div style="grid-column: span 2"><div class="okr-objective-title">'
        f"{html.escape(objective.title)}</div>"
        f'<div class="okr-meta">{html.escape(" · ".join(meta))}</div></div>'
        f"<div>{progress_bar_html(status.progress, None, status.status)}</div>"
        f'<div class="okr-status">{status_chip_html(status.status)}</div><div></div></div>'
    )
    rows = "".join(kr_row_html(kr) for kr in item.key_results)
    if not rows:
        rows = '<div class="okr-kr okr-meta">No key results yet: add them in the catalog.</div>'
    return f'<div class="okr-objective">{head}{rows}</div>'


def kr_row_html(item: KRReport) -> str:
    """A KR in one line: title link, current / target, progress vs pace, status, trend."""
    kr, metric, status = item.kr, item.metric, item.status
    link = f"key_result?kr={quote(kr.id)}"
    owner = f'<span class="okr-meta"> · {html.escape(kr.owner)}</span>' if kr.owner else ""
    target = format_value(kr.target, metric)
    if kr.level is not None:
        target = f"{'≥' if kr.level == '>=' else '≤'} {target}"
    value = (
        f"<b>{html.escape(format_value(status.current, metric))}</b>"
        f'<span class="okr-meta"> / {html.escape(target)}</span>'
    )
    badges = [status_chip_html(status.status, "0.78rem")]
    if status.stale:
        badges.append(STALE_BADGE)
    if item.source_failing:
        badges.append(FAILING_BADGE)
    if status.drifting:
        badges.append(DRIFTING_BADGE)
    label = STATUS_LABELS.get(status.status, status.status)
    trend = f"{kr.title}: {label}, {len(item.points)} values"
    pace = None if status.status == "not_started" else pace_share(status)
    progress = progress_bar_html(status.progress, pace, status.status)
    return (
        f'<div class="okr-grid okr-kr" data-kr="{html.escape(kr.id)}">'
        f'<div class="okr-kr-title"><a href="{html.escape(link)}" target="_self">'
        f"{html.escape(kr.title)}</a>{owner}</div>"
        f'<div class="okr-value">{value}</div>'
        f"<div>{progress}</div>"
        f'<div class="okr-status">{"".join(badges)}</div>'
        f"<div>{sparkline_html(list(item.points), status.status, label=trend)}</div></div>"
    )
