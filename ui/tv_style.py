"""The TV wall's look: its stylesheet (dark, high contrast, no Streamlit chrome) and the HTML
of its header, objective cards, KR tiles, sparklines and page indicator.

Sizes are in `--u`, a hundredth of the height of the largest 16:9 frame that fits the
screen, so the same picture scales from 1280×720 to 3840×2160 (at 1080p: 1u = 10.8 px).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from okr.formatting import STATUS_LABELS, format_share, format_value
from okr.report import KRReport, ObjectiveReport
from okr.tv import Band, Cycle, Page, Spark, Updated, cycle_of_objective, gauge, sparkline
from ui.components import STATUS_COLORS, STATUS_ICONS, STATUS_ORDER

# Text drawn on a status colour: whichever of these reads better on it.
INK_DARK = "#0B1016"
INK_LIGHT = "#FFFFFF"
STALE_COLOR = "#F0B429"
DRIFT_COLOR = "#FF8A5B"
FAIL_COLOR = "#FF8A5B"
SPARK_LINE = "#F4F7FA"
LEVEL_SIGNS = {">=": "≥", "<=": "≤"}
SPARK_PACE = "#8392A5"


@dataclass(frozen=True)
class Header:
    """What the header shows: the cycle and how far it is, the status counts, the update."""

    cycle: Cycle | None
    as_of: date
    counts: dict[str, int]
    stale: int
    updated: Updated | None


@dataclass(frozen=True)
class Footer:
    """Notes on the left (filters, notices), the page indicator on the right."""

    page_number: int = 1
    page_count: int = 1
    scope: str = ""
    notices: Sequence[str] = field(default_factory=tuple)


def stylesheet() -> str:
    """The TV's CSS, to be added once per run: it hides Streamlit's chrome on this page."""
    return f"<style>{_CSS}</style>"


def wall_html(header: Header, page: Page, footer: Footer) -> str:
    """The whole wall for one page of objectives."""
    board = (
        _board_html(page, header)
        if page.bands
        else _empty_html(
            "No objectives to show",
            "Nothing matches this screen's filters. Check the address, e.g. /tv?tag=leadership.",
        )
    )
    return (
        f'<div class="tv" id="okr-tv" data-page="{footer.page_number}">'
        f"{_header_html(header)}{board}{_footer_html(footer)}</div>"
    )


def message_html(title: str, hint: str, notices: Sequence[str] = ()) -> str:
    """A calm full-screen message, for when there is no picture at all to show."""
    return (
        f'<div class="tv" id="okr-tv" data-page="0">'
        f'<header class="tv-head"><div class="tv-brand">OKR</div></header>'
        f"{_empty_html(title, hint)}{_footer_html(Footer(notices=tuple(notices)))}</div>"
    )


# -- header --------------------------------------------------------------------------------


def _header_html(header: Header) -> str:
    return (
        f'<header class="tv-head">{_cycle_html(header.cycle, header.as_of)}'
        f"{_counts_html(header.counts)}{_updated_html(header.updated, header.stale)}</header>"
    )


def _cycle_html(cycle: Cycle | None, as_of: date) -> str:
    if cycle is None:
        return (
            '<div class="tv-cycle"><div class="tv-cycle-label">All cycles</div>'
            f'<div class="tv-cycle-sub">As of {_day(as_of)}</div></div>'
        )
    elapsed = cycle.elapsed(as_of)
    left = cycle.days_left(as_of)
    if as_of < cycle.start:
        progress_words = f"starts {_day(cycle.start)}"
    elif as_of > cycle.end:
        progress_words = "finished"
    else:
        progress_words = (
            f"{format_share(elapsed)} elapsed · {left} day{'s' if left != 1 else ''} left"
        )
    return (
        f'<div class="tv-cycle"><div class="tv-cycle-label">{_e(cycle.label)}</div>'
        f'<div class="tv-cycle-sub">{_day(cycle.start)} – {_day(cycle.end)} · '
        f"{_e(progress_words)}</div>"
        f'<div class="tv-cycle-bar" role="img" aria-label="{format_share(elapsed)} of the cycle '
        f'elapsed"><span style="width:{elapsed * 100:.1f}%"></span></div></div>'
    )


def _counts_html(counts: dict[str, int]) -> str:
    items = []
    for status in STATUS_ORDER:
        if counts.get(status):
            items.append(
                f'<div class="tv-count" data-status="{status}">'
                f'<span class="tv-count-n">{counts[status]}</span>'
                f"{_chip(status)}</div>"
            )
    total = sum(counts.values())
    label = f"{total} key result{'s' if total != 1 else ''}"
    return (
        f'<div class="tv-counts" aria-label="{label} by status">{"".join(items)}</div>'
        if items
        else '<div class="tv-counts"></div>'
    )


def _updated_html(updated: Updated | None, stale: int) -> str:
    if updated is None:
        main = '<div class="tv-updated-ago">No data yet</div>'
        sub = '<div class="tv-updated-clock">run <code>okr sync</code></div>'
    else:
        main = f'<div class="tv-updated-ago">Updated {_e(updated.ago)}</div>'
        sub = f'<div class="tv-updated-clock">at {_e(updated.clock)}</div>'
    warning = ""
    if stale:
        warning = (
            f'<div class="tv-stale-note">◷ {stale} KR{"s" if stale != 1 else ""} '
            f"on stale data</div>"
        )
    return f'<div class="tv-updated">{main}{sub}{warning}</div>'


# -- the board -----------------------------------------------------------------------------


def _board_html(page: Page, header: Header) -> str:
    bands = "".join(_band_html(band, page.columns, header) for band in page.bands)
    return f'<main class="tv-board" style="--cols:{page.columns}">{bands}</main>'


def _band_html(band: Band, columns: int, header: Header) -> str:
    tiles = "".join(_tile_html(item, header.as_of) for item in band.key_results)
    if not band.key_results:
        tiles = (
            '<div class="tv-tile tv-tile-empty">No key results yet: add some in metrics.yml</div>'
        )
    return (
        f'<section class="tv-band" data-objective="{_e(band.objective.id)}" '
        f'style="--rows:{band.rows};flex-grow:{band.rows}">'
        f"{_objective_html(band, header.cycle)}"
        f'<div class="tv-tiles">{tiles}</div></section>'
    )


def _objective_html(band: Band, cycle: Cycle | None) -> str:
    item: ObjectiveReport = band.objective
    objective, status = item.objective, item.status
    own_cycle = cycle_of_objective(objective)
    tags = []
    if cycle is None or own_cycle != cycle:
        tags.append(f'<span class="tv-tag">{_e(own_cycle.label)}</span>')
    if band.continued:
        tags.append('<span class="tv-tag">continued</span>')
    owner = f'<div class="tv-obj-owner">{_e(objective.owner)}</div>' if objective.owner else ""
    progress = status.progress
    share = (
        f'<span class="tv-obj-progress">{format_share(progress)}</span>'
        '<span class="tv-obj-progress-word">progress</span>'
        if progress is not None
        else ""
    )
    bar = (
        f'<div class="tv-obj-bar"><span style="width:{progress * 100:.1f}%;'
        f'background:{_color(status.status)}"></span></div>'
        if progress is not None
        else ""
    )
    return (
        f'<div class="tv-objective" style="--c:{_color(status.status)}">'
        f'<div class="tv-obj-title">{_e(objective.title)}</div>{owner}'
        f'<div class="tv-obj-status">{_chip(status.status)}{share}{"".join(tags)}</div>{bar}</div>'
    )


def _tile_html(item: KRReport, as_of: date) -> str:
    kr, s, metric = item.kr, item.status, item.metric
    stale = s.stale or item.source_failing
    badges = []
    when = f" · data from {_day(s.data_as_of)}" if s.data_as_of else ""
    if item.source_failing:
        # A failing source makes the KR stale too: one badge says both.
        badges.append(_badge(f"⚠ Source failing{when}", FAIL_COLOR))
    elif s.stale:
        badges.append(_badge(f"◷ Stale{when}", STALE_COLOR))
    if s.drifting:
        badges.append(_badge("↘ Drifting", DRIFT_COLOR))
    if kr.level is not None:
        target = f"hold {LEVEL_SIGNS[kr.level]} {format_value(kr.target, metric)}"
    else:
        target = f"target {format_value(kr.target, metric)}"
    return (
        f'<article class="tv-tile{" tv-is-stale" if stale else ""}" data-kr="{_e(kr.id)}" '
        f'data-status="{s.status}" style="--c:{_color(s.status)}">'
        f'<div class="tv-tile-top">{_chip(s.status)}{"".join(badges)}</div>'
        f'<div class="tv-kr-title">{_e(kr.title)}</div>'
        f'<div class="tv-figure"><div class="tv-numbers">'
        f'<div class="tv-value{"" if s.current is not None else " tv-value-none"}">'
        f"{_value_html(format_value(s.current, metric))}</div>"
        f'<div class="tv-target">{_e(target)}</div></div>'
        f"{_spark_svg(sparkline(item, as_of), s.status)}</div>"
        f"{_gauge_html(item)}</article>"
    )


def _value_html(text: str) -> str:
    """A value with its unit word set smaller ('79.4 points' → 79.4 + 'points'), so the
    number carries the tile; symbols such as % and € stay with the number."""
    match = _UNIT_WORD.match(text)
    if not match:
        return _e(text)
    number, unit = match.groups()
    return f'{_e(number)}<span class="tv-unit">{_e(unit)}</span>'


def _gauge_html(item: KRReport) -> str:
    bar = gauge(item)
    s = item.status
    if bar.done is None:
        words = "no data yet" if s.status != "not_started" else "not started"
    elif item.kr.level is not None:
        words = f"held {format_share(bar.done)} of periods"
    else:
        words = f"{format_share(s.progress)} done"
        if bar.pace is not None and s.status not in ("achieved", "missed"):
            words += f" · pace {format_share(bar.pace)}"
    fill = f'<span class="tv-fill" style="width:{(bar.done or 0) * 100:.1f}%"></span>'
    marker = (
        f'<span class="tv-pace" style="left:{bar.pace * 100:.1f}%" title="pace"></span>'
        if bar.pace is not None
        else ""
    )
    return (
        f'<div class="tv-gauge"><div class="tv-bar">{fill}{marker}</div>'
        f'<div class="tv-gauge-words">{_e(words)}</div></div>'
    )


def _spark_svg(spark: Spark | None, status: str) -> str:
    """The sparkline as an SVG image. Streamlit's HTML sanitizer keeps no inline <svg>, so
    it travels as a data: URI with its colours written in. It keeps its 3:1 shape and
    scales as a whole, so lines stay crisp and as thick, relative to the wall, at any size."""
    if spark is None:
        return '<div class="tv-spark tv-spark-none"></div>'

    # A 150×50 box with a margin so the end dot is never cut.
    def point(x: float, y: float) -> str:
        return f"{4 + x * 140:.2f} {46 - y * 42:.2f}"

    line = f"M{' L'.join(point(*p) for p in spark.actual)}"
    shapes = []
    if len(spark.actual) >= 2:
        shapes.append(
            f'<path d="{line} L{point(spark.actual[-1][0], 0)} L{point(spark.actual[0][0], 0)} Z" '
            f'fill="{_color(status)}" fill-opacity="0.25"/>'
        )
    if len(spark.pace) >= 2:
        shapes.append(
            f'<path d="M{" L".join(point(*p) for p in spark.pace)}" fill="none" '
            f'stroke="{SPARK_PACE}" stroke-width="1.6" stroke-dasharray="5 4"/>'
        )
    shapes.append(
        f'<path d="{line}" fill="none" stroke="{SPARK_LINE}" stroke-width="2.6" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
    )
    end_x, end_y = point(*spark.actual[-1]).split()
    shapes.append(f'<circle cx="{end_x}" cy="{end_y}" r="3.6" fill="{SPARK_LINE}"/>')
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 150 50" '
        f'preserveAspectRatio="xMaxYMax meet">{"".join(shapes)}</svg>'
    )
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f'<img class="tv-spark" src="{source}" alt="trend since start against pace">'


# -- footer and messages -------------------------------------------------------------------


def _footer_html(footer: Footer) -> str:
    notes = [f'<span class="tv-notice">{_e(n)}</span>' for n in footer.notices]
    scope = f'<span class="tv-scope">{_e(footer.scope)}</span>' if footer.scope else ""
    pager = ""
    if footer.page_count > 1:
        dots = "".join(
            f'<span class="tv-dot{" tv-dot-on" if i == footer.page_number else ""}"></span>'
            for i in range(1, footer.page_count + 1)
        )
        pager = (
            f'<div class="tv-pager"><span class="tv-page-words">Page {footer.page_number} '
            f'of {footer.page_count}</span><span class="tv-dots">{dots}</span></div>'
        )
    return f'<div class="tv-foot"><div class="tv-notes">{scope}{"".join(notes)}</div>{pager}</div>'


def _empty_html(title: str, hint: str) -> str:
    return (
        f'<main class="tv-board tv-message"><div class="tv-message-title">{_e(title)}</div>'
        f'<div class="tv-message-hint">{_e(hint)}</div></main>'
    )


# -- small pieces --------------------------------------------------------------------------


def _chip(status: str) -> str:
    color = _color(status)
    return (
        f'<span class="tv-chip" data-status="{status}" style="background:{color};'
        f'color:{ink_on(color)}">{STATUS_ICONS.get(status, "")} '
        f"{_e(STATUS_LABELS.get(status, status))}</span>"
    )


def _badge(text: str, color: str) -> str:
    return f'<span class="tv-badge" style="--b:{color}">{_e(text)}</span>'


def _color(status: str) -> str:
    return STATUS_COLORS.get(status, "#8A8A8A")


def ink_on(background: str) -> str:
    """Dark or light text, whichever contrasts more with `background` (#RRGGBB)."""
    luminance = _luminance(background)
    dark = (luminance + 0.05) / (_luminance(INK_DARK) + 0.05)
    light = (_luminance(INK_LIGHT) + 0.05) / (luminance + 0.05)
    return INK_DARK if dark >= light else INK_LIGHT


def _luminance(color: str) -> float:
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


_UNIT_WORD = re.compile(r"^(.*\d)\s+([^\d\s].*)$")


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _e(text: object) -> str:
    return html.escape(str(text))


_CSS = """
:root { --u: min(1vh, 0.5625vw); }
/* Streamlit's chrome has no place on a wall screen. */
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stSidebar"], [data-testid="stSidebarNav"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="collapsedControl"], [data-testid="stMainMenu"], [data-testid="stAppDeployButton"],
[data-testid="stBottom"], [data-testid="stConnectionStatus"], footer, #MainMenu {
  display: none !important;
}
html, body, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #0B1016 !important; overflow: hidden !important;
}
/* A redraw must not dim the wall while it runs. */
[data-stale="true"], [data-stale="true"] * { opacity: 1 !important; transition: none !important; }

.tv {
  --bg: #0B1016; --panel: #141B24; --panel-2: #19222D; --line: #273342;
  --text: #F4F7FA; --muted: #A9B6C4; --faint: #718196;
  position: fixed; inset: 0; z-index: 999990; overflow: hidden;
  display: flex; flex-direction: column; gap: calc(1.2 * var(--u));
  padding: calc(1.8 * var(--u)) calc(2.4 * var(--u)) calc(1.2 * var(--u));
  background: radial-gradient(120% 80% at 0% 0%, #111a25 0%, var(--bg) 60%);
  color: var(--text);
  font-family: "Source Sans", "Source Sans Pro", "Source Sans 3", system-ui, -apple-system, "Segoe UI", sans-serif;
  font-variant-numeric: tabular-nums; line-height: 1.15; box-sizing: border-box;
  -webkit-font-smoothing: antialiased;
}
.tv *, .tv *::before, .tv *::after { box-sizing: border-box; }
.tv code { font-size: 0.9em; background: var(--panel-2); padding: 0 0.3em; border-radius: 0.2em; color: var(--text); }

/* header */
.tv-head {
  flex: 0 0 auto; display: grid; grid-template-columns: minmax(0, 1.1fr) auto minmax(0, 1fr);
  align-items: center; gap: calc(3 * var(--u));
  padding-bottom: calc(1.2 * var(--u)); border-bottom: 1px solid var(--line);
}
.tv-brand { font-size: calc(3.2 * var(--u)); font-weight: 700; letter-spacing: 0.04em; color: var(--muted); }
.tv-cycle-label { font-size: calc(4.2 * var(--u)); font-weight: 700; letter-spacing: -0.01em; }
.tv-cycle-sub { font-size: calc(2.1 * var(--u)); color: var(--muted); margin-top: calc(0.4 * var(--u)); white-space: nowrap; }
.tv-cycle-bar {
  margin-top: calc(0.9 * var(--u)); height: calc(0.6 * var(--u)); width: min(100%, calc(42 * var(--u)));
  background: var(--panel-2); border-radius: 999px; overflow: hidden;
}
.tv-cycle-bar span { display: block; height: 100%; background: var(--muted); border-radius: 999px; }
.tv-counts { display: flex; gap: calc(2.6 * var(--u)); align-items: center; justify-content: center; }
.tv-count { display: flex; flex-direction: column; align-items: center; gap: calc(0.5 * var(--u)); }
.tv-count-n { font-size: calc(4.6 * var(--u)); font-weight: 700; line-height: 1; }
.tv-count .tv-chip { font-size: calc(1.8 * var(--u)); }
.tv-updated { text-align: right; justify-self: end; }
.tv-updated-ago { font-size: calc(2.6 * var(--u)); font-weight: 600; }
.tv-updated-clock { font-size: calc(2 * var(--u)); color: var(--muted); margin-top: calc(0.3 * var(--u)); }
.tv-stale-note {
  display: inline-block; margin-top: calc(0.6 * var(--u)); font-size: calc(1.9 * var(--u)); font-weight: 700;
  color: #F0B429; border: 2px solid #F0B429; border-radius: calc(0.6 * var(--u));
  padding: calc(0.15 * var(--u)) calc(0.8 * var(--u));
}

/* board */
.tv-board {
  flex: 1 1 0; min-height: 0; display: flex; flex-direction: column; gap: calc(1.2 * var(--u));
  justify-content: center;
}
.tv-band {
  flex: 1 1 0; min-height: 0; max-height: calc(var(--rows) * 26 * var(--u));
  display: grid; grid-template-columns: calc(34 * var(--u)) minmax(0, 1fr); gap: calc(1.2 * var(--u));
}
.tv-objective {
  min-height: 0; overflow: hidden; display: flex; flex-direction: column; justify-content: center;
  gap: calc(0.8 * var(--u)); padding: calc(1.4 * var(--u)) calc(1.8 * var(--u));
  background: var(--panel); border-radius: calc(1 * var(--u)); border-top: calc(0.5 * var(--u)) solid var(--c);
}
.tv-obj-title {
  font-size: calc(3 * var(--u)); font-weight: 700; line-height: 1.12;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden;
}
.tv-obj-owner { font-size: calc(1.9 * var(--u)); color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tv-obj-status { display: flex; flex-wrap: wrap; align-items: baseline; gap: calc(0.6 * var(--u)) calc(1 * var(--u)); }
.tv-obj-status .tv-chip { font-size: calc(1.8 * var(--u)); align-self: center; }
.tv-obj-progress { font-size: calc(2.6 * var(--u)); font-weight: 700; }
.tv-obj-progress-word { font-size: calc(1.8 * var(--u)); color: var(--muted); }
.tv-tag {
  font-size: calc(1.6 * var(--u)); color: var(--muted); border: 1px solid var(--line);
  border-radius: calc(0.5 * var(--u)); padding: 0 calc(0.6 * var(--u)); align-self: center;
}
.tv-obj-bar { height: calc(0.7 * var(--u)); background: var(--panel-2); border-radius: 999px; overflow: hidden; }
.tv-obj-bar span { display: block; height: 100%; border-radius: 999px; }

.tv-tiles {
  min-height: 0; display: grid; gap: calc(1.2 * var(--u));
  grid-template-columns: repeat(var(--cols), minmax(0, 1fr));
  grid-template-rows: repeat(var(--rows), minmax(0, 1fr));
}
.tv-tile {
  min-height: 0; min-width: 0; overflow: hidden; position: relative; container-type: size;
  display: grid; grid-template-rows: auto auto minmax(0, 1fr) auto; gap: calc(0.6 * var(--u));
  padding: calc(1.1 * var(--u)) calc(1.6 * var(--u)) calc(1.1 * var(--u)) calc(2 * var(--u));
  background: var(--panel); border-radius: calc(1 * var(--u));
}
.tv-tile::before {
  content: ""; position: absolute; left: 0; top: 0; bottom: 0; width: calc(0.6 * var(--u)); background: var(--c);
}
.tv-tile-empty { display: flex; align-items: center; color: var(--muted); font-size: calc(2.2 * var(--u)); }
.tv-tile-empty::before { background: var(--line); }
.tv-tile-top { display: flex; align-items: center; gap: calc(0.8 * var(--u)); flex-wrap: nowrap; overflow: hidden; }
.tv-chip {
  display: inline-flex; align-items: center; gap: 0.3em; white-space: nowrap;
  font-size: calc(1.7 * var(--u)); font-weight: 700; line-height: 1.2;
  padding: calc(0.15 * var(--u)) calc(0.8 * var(--u)); border-radius: 999px;
}
.tv-badge {
  white-space: nowrap; font-size: calc(1.7 * var(--u)); font-weight: 700; line-height: 1.2;
  color: var(--b); border: 2px solid var(--b); border-radius: calc(0.5 * var(--u));
  padding: calc(0.05 * var(--u)) calc(0.6 * var(--u));
}
.tv-kr-title {
  font-size: calc(2.4 * var(--u)); font-weight: 600; line-height: 1.15; color: var(--text);
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
}
.tv-figure { min-height: 0; display: flex; align-items: flex-end; gap: calc(1.6 * var(--u)); }
.tv-numbers { flex: 0 1 auto; min-width: 0; display: flex; flex-wrap: wrap; align-items: baseline; column-gap: calc(1 * var(--u)); }
.tv-value { font-size: calc(5.2 * var(--u)); font-weight: 700; line-height: 1; letter-spacing: -0.02em; white-space: nowrap; }
.tv-unit { font-size: 0.42em; font-weight: 600; letter-spacing: 0; margin-left: 0.18em; color: var(--muted); }
.tv-target { font-size: calc(2 * var(--u)); color: var(--muted); white-space: nowrap; }
.tv-is-stale .tv-value, .tv-value-none { color: var(--muted); }
/* Taller tiles (fewer rows on a page) get taller sparklines. */
.tv-spark { flex: 1 1 0; min-width: calc(10 * var(--u)); width: 0; height: clamp(calc(5.4 * var(--u)), 24cqh, calc(7.5 * var(--u))); max-width: calc(24 * var(--u)); margin-left: auto; align-self: flex-end; }
.tv-spark-none { flex: 1 1 auto; }
.tv-gauge { display: flex; align-items: center; gap: calc(1.2 * var(--u)); }
.tv-bar {
  position: relative; flex: 1 1 auto; height: calc(1 * var(--u)); background: var(--panel-2);
  border-radius: 999px; overflow: visible;
}
.tv-fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--c); border-radius: 999px; }
.tv-pace {
  position: absolute; top: calc(-0.6 * var(--u)); bottom: calc(-0.6 * var(--u)); width: calc(0.45 * var(--u));
  margin-left: calc(-0.225 * var(--u)); background: var(--text); border-radius: 2px;
  box-shadow: 0 0 0 2px var(--panel);
}
.tv-gauge-words { flex: 0 0 auto; font-size: calc(1.8 * var(--u)); color: var(--muted); white-space: nowrap; }

/* footer */
.tv-foot {
  flex: 0 0 auto; display: flex; align-items: center; justify-content: space-between; gap: calc(2 * var(--u));
  min-height: calc(3.2 * var(--u)); font-size: calc(1.8 * var(--u)); color: var(--muted);
}
.tv-notes { display: flex; gap: calc(2 * var(--u)); min-width: 0; overflow: hidden; white-space: nowrap; }
.tv-notice { color: #F0B429; overflow: hidden; text-overflow: ellipsis; }
.tv-notice::before {
  content: "i"; display: inline-flex; align-items: center; justify-content: center;
  width: 1.25em; height: 1.25em; margin-right: 0.45em; border: 2px solid currentColor; border-radius: 50%;
  font-size: 0.8em; font-weight: 700; vertical-align: 0.1em;
}
.tv-pager { display: flex; align-items: center; gap: calc(1.2 * var(--u)); flex: 0 0 auto; }
.tv-page-words { font-size: calc(2 * var(--u)); font-weight: 600; color: var(--text); }
.tv-dots { display: flex; gap: calc(0.7 * var(--u)); }
.tv-dot { width: calc(1.2 * var(--u)); height: calc(1.2 * var(--u)); border-radius: 50%; border: 2px solid var(--muted); }
.tv-dot-on { background: var(--text); border-color: var(--text); }

.tv-message { align-items: center; justify-content: center; text-align: center; gap: calc(1.6 * var(--u)); }
.tv-message-title { font-size: calc(4.4 * var(--u)); font-weight: 700; }
.tv-message-hint { font-size: calc(2.4 * var(--u)); color: var(--muted); max-width: calc(120 * var(--u)); }
"""
