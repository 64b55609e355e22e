"""What the TV wall shows: which objectives, split into pages that fit the screen, and the
numbers behind each tile (gauge, sparkline, header counts). Pure functions of a Report.

The TV page (`pages/tv.py`) reads its address with `parse_options`, then draws what
`select`, `paginate` and the small helpers below return; it does no arithmetic of its own.
"""

from __future__ import annotations

import fcntl
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from okr.cycles import CycleError, cycle_of, parse_cycle
from okr.formatting import format_ago
from okr.model import Objective
from okr.report import KRReport, ObjectiveReport, Report
from okr.status import STATUSES, expected_at

DEFAULT_ROTATE = 30.0
DEFAULT_REFRESH = 60.0
# Rows of objective cards on one page at 16:9; each row holds up to MAX_COLUMNS KR tiles.
DEFAULT_ROWS = 4
MAX_COLUMNS = 4
# Faster than this the wall flickers and the server reruns the page without pause.
MIN_SECONDS = 1.0
ALL_CYCLES = "all"


@dataclass(frozen=True)
class Filters:
    """Which objectives to show. Values of one filter are alternatives (any may match);
    different filters must all match. `cycle` is a label ("2026-Q3", "2026-H2", "2026"),
    "all", or None for the current cycle. Named `objectives` are shown whatever the
    current cycle is (an explicit `cycle` still applies)."""

    objectives: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    cycle: str | None = None

    def describe(self) -> str:
        """The filters in words, for the wall's footer ('' when nothing is filtered)."""
        parts = []
        if self.objectives:
            parts.append("objective " + ", ".join(self.objectives))
        if self.owners:
            parts.append("owner " + ", ".join(self.owners))
        if self.tags:
            parts.append("tag " + ", ".join(self.tags))
        return " · ".join(parts)


@dataclass(frozen=True)
class Options:
    """Everything the TV page takes from its address (`/tv?rotate=30&refresh=60&...`).

    `rows` is the page budget in rows of objective cards (`per_page=`); `page` pins one
    page (1-based) instead of rotating.
    """

    filters: Filters = field(default_factory=Filters)
    rotate: float = DEFAULT_ROTATE
    refresh: float = DEFAULT_REFRESH
    rows: int = DEFAULT_ROWS
    page: int | None = None

    @property
    def tick(self) -> float:
        """How often the wall redraws: often enough to refresh its data on time and to
        turn each page within half a rotation of its slot (see `page_index`)."""
        return max(MIN_SECONDS, min(self.refresh, self.rotate / 2))


def parse_options(params: Mapping[str, Sequence[str]]) -> tuple[Options, list[str]]:
    """The options in the address, and a note for each value that could not be used.

    `params` maps each query parameter to all its values; a value may also list several
    alternatives separated by commas (`tag=leadership,support`). A bad number falls back to
    its default, so the wall always shows something.
    """
    notes: list[str] = []

    def values(name: str) -> tuple[str, ...]:
        found = []
        for value in params.get(name, ()):
            found += [v.strip() for v in str(value).split(",") if v.strip()]
        return tuple(dict.fromkeys(found))

    def number(name: str, default: float, minimum: float, whole: bool = False) -> float:
        given = values(name)
        if not given:
            return default
        try:
            value = float(given[0])
            if not math.isfinite(value) or (whole and not value.is_integer()):
                raise ValueError(given[0])
        except ValueError:
            notes.append(f"{name}={given[0]} is not a number; using {_plain(default)}")
            return default
        if value < minimum:
            notes.append(f"{name}={given[0]} is below {_plain(minimum)}; using {_plain(minimum)}")
            return minimum
        return value

    cycle = values("cycle")
    chosen_cycle = cycle[0] if cycle else None
    if chosen_cycle and chosen_cycle.lower() != ALL_CYCLES:
        try:
            parse_cycle(chosen_cycle)
        except CycleError:
            notes.append(
                f"cycle={chosen_cycle} is not a cycle; write 2026-Q3, 2026-H2, 2026 or all "
                f"(showing the current cycle)"
            )
            chosen_cycle = None
    page = values("page")
    options = Options(
        filters=Filters(
            objectives=values("objective"),
            owners=values("owner"),
            tags=values("tag"),
            cycle=chosen_cycle,
        ),
        rotate=number("rotate", DEFAULT_ROTATE, MIN_SECONDS),
        refresh=number("refresh", DEFAULT_REFRESH, MIN_SECONDS),
        rows=int(number("per_page", DEFAULT_ROWS, 1, whole=True)),
        page=int(number("page", 1, 1, whole=True)) if page else None,
    )
    return options, notes


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# -- choosing objectives ------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """An OKR cycle as the header shows it: a label and its first and last day. Two cycles
    with the same days are the same cycle, whatever they are called."""

    label: str = field(compare=False)
    start: date
    end: date

    def elapsed(self, day: date) -> float:
        """The share of the cycle gone at `day`, clamped to [0, 1] (SPEC §4's τ)."""
        days = (self.end - self.start).days
        if days <= 0:
            return 1.0 if day >= self.end else 0.0
        return min(1.0, max(0.0, (day - self.start).days / days))

    def days_left(self, day: date) -> int:
        return max(0, (self.end - day).days)


@dataclass(frozen=True)
class Selection:
    """The objectives the wall shows, in catalog order, and the cycle its header names
    (None when the objectives span several cycles and none was asked for)."""

    objectives: tuple[ObjectiveReport, ...]
    cycle: Cycle | None
    unknown_objectives: tuple[str, ...] = ()

    def key_results(self) -> tuple[KRReport, ...]:
        return tuple(kr for o in self.objectives for kr in o.key_results)


def cycle_of_objective(objective: Objective) -> Cycle:
    """The cycle an objective runs in, named by its quarter, half or year when its window
    is one (whether the catalog wrote `cycle:` or `start:`/`end:`), else by its dates."""
    return Cycle(cycle_label(objective.start, objective.end, objective.cycle), *_window(objective))


def cycle_label(start: date, end: date, given: str | None = None) -> str:
    if given:
        return given.upper()
    for kind in ("Q", "H", "Y"):
        label = cycle_of(start, kind)
        if parse_cycle(label) == (start, end):
            return label
    return _range_label(start, end)


def current_cycle(objectives: Sequence[Objective], today: date) -> Cycle | None:
    """The cycle containing `today`; if none does, the most recent one that has started,
    and failing that the next one to start. With several cycles containing `today` (a
    year and its quarter) the one most objectives share wins, then the shorter."""
    if not objectives:
        return None
    cycles = [cycle_of_objective(o) for o in objectives]
    running = [c for c in cycles if c.start <= today <= c.end]
    if running:
        return max(
            set(running),
            key=lambda c: (running.count(c), -(c.end - c.start).days, c.start),
        )
    started = [c for c in cycles if c.start <= today]
    if started:
        return max(started, key=lambda c: (c.end, c.start))
    return min(cycles, key=lambda c: (c.start, c.end))


def select(report: Report, filters: Filters, today: date) -> Selection:
    """The objectives of `report` that pass `filters` at `today` (see `Filters`).

    Without a `cycle` filter, owner and tag filters choose among the objectives running
    today (or, when none is, those of the most recent cycle); named objectives are shown
    whatever their cycle.
    """
    everything = report.objectives
    wanted_ids = {i.lower() for i in filters.objectives}
    known_ids = {o.id.lower() for o in everything}
    unknown = tuple(i for i in filters.objectives if i.lower() not in known_ids)

    asked = filters.cycle.lower() if filters.cycle else None
    if asked and asked != ALL_CYCLES:
        first, last = parse_cycle(filters.cycle)
        header = Cycle(cycle_label(first, last), first, last)
        in_cycle = [o for o in everything if first <= o.objective.start and o.objective.end <= last]
    elif asked == ALL_CYCLES or wanted_ids:
        header = None
        in_cycle = list(everything)
    else:
        header = current_cycle([o.objective for o in everything], today)
        in_cycle = [o for o in everything if _runs_in(o.objective, header, today)]

    chosen = tuple(o for o in in_cycle if _passes(o.objective, filters, wanted_ids))
    if not (asked and asked != ALL_CYCLES) and chosen:
        # Name the cycle after what is shown: the window most of it shares.
        header = current_cycle([o.objective for o in chosen], today)
        windows = {_window(o.objective) for o in chosen}
        if len(windows) > 1 and (asked == ALL_CYCLES or wanted_ids):
            header = None
    return Selection(objectives=chosen, cycle=header, unknown_objectives=unknown)


def _runs_in(objective: Objective, cycle: Cycle | None, today: date) -> bool:
    if cycle is None:
        return False
    if cycle.start <= today <= cycle.end:
        return objective.start <= today <= objective.end
    return _window(objective) == (cycle.start, cycle.end)


def _passes(objective: Objective, filters: Filters, wanted_ids: set[str]) -> bool:
    if wanted_ids and objective.id.lower() not in wanted_ids:
        return False
    if filters.owners:
        owner = (objective.owner or "").strip().lower()
        if owner not in {o.strip().lower() for o in filters.owners}:
            return False
    if filters.tags:
        tags = {t.lower() for t in objective.tags}
        if not tags & {t.lower() for t in filters.tags}:
            return False
    return True


def _window(objective: Objective) -> tuple[date, date]:
    return objective.start, objective.end


def _range_label(start: date, end: date) -> str:
    return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"


# -- pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One objective's card on a page: its KRs there (all of them, or a slice of a long
    objective that runs over several pages, `continued` on the later ones)."""

    objective: ObjectiveReport
    key_results: tuple[KRReport, ...]
    rows: int
    continued: bool = False


@dataclass(frozen=True)
class Page:
    """What one screen holds: bands stacked top to bottom, `columns` KR tiles per row."""

    bands: tuple[Band, ...]
    columns: int

    @property
    def rows(self) -> int:
        return sum(band.rows for band in self.bands)


def rows_needed(key_result_count: int, columns: int = MAX_COLUMNS) -> int:
    """Rows an objective card takes: one per `columns` KRs, and at least one."""
    return max(1, math.ceil(key_result_count / columns))


def paginate(
    objectives: Sequence[ObjectiveReport], rows: int = DEFAULT_ROWS, columns: int = MAX_COLUMNS
) -> tuple[Page, ...]:
    """Objectives, in order, packed into pages of at most `rows` rows of up to `columns`
    KR tiles each. An objective that fits on no page is split over consecutive ones.
    Always at least one page (an empty one when there is nothing to show)."""
    rows = max(1, rows)
    pages: list[list[Band]] = [[]]
    used = 0
    for item in objectives:
        chunks = _chunks(item.key_results, rows * columns) or [()]
        for number, chunk in enumerate(chunks):
            need = rows_needed(len(chunk), columns)
            if used + need > rows and pages[-1]:
                pages.append([])
                used = 0
            pages[-1].append(Band(item, tuple(chunk), need, continued=number > 0))
            used += need
    return tuple(
        Page(
            bands=tuple(bands),
            columns=min(columns, max([len(b.key_results) for b in bands] + [1])),
        )
        for bands in pages
    )


def _chunks(items: Sequence[KRReport], size: int) -> list[tuple[KRReport, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def page_index(now: float, rotate: float, pages: int, pinned: int | None = None) -> int:
    """The page (0-based) to show at `now` (seconds since the epoch): every `rotate`
    seconds the next one, computed from the clock alone so that rotation needs no state.
    `pinned` (1-based, from `page=`) shows that page, clamped to the last one."""
    if pages <= 1:
        return 0
    if pinned is not None:
        return min(max(pinned, 1), pages) - 1
    return int(now // rotate) % pages


# -- what a tile and the header show ---------------------------------------------------------


@dataclass(frozen=True)
class Gauge:
    """A KR's progress bar: `done` is the share filled, `pace` where the pace marker sits
    (the expected progress today), both in [0, 1]; None when unknown."""

    done: float | None
    pace: float | None


def gauge(item: KRReport) -> Gauge:
    s = item.status
    if item.kr.level is not None:
        # A level KR has no pace to keep: its bar is the share of periods that held the level.
        return Gauge(done=_clamp(s.progress), pace=None)
    pace = None
    if s.expected is not None and s.baseline is not None and s.baseline != s.target:
        pace = _clamp((s.expected - s.baseline) / (s.target - s.baseline))
    return Gauge(done=_clamp(s.progress), pace=pace)


@dataclass(frozen=True)
class Spark:
    """A sparkline in a unit square (x right, y up): the measured values from the KR's
    start to the day it is judged on, and the pace line over the same days."""

    actual: tuple[tuple[float, float], ...]
    pace: tuple[tuple[float, float], ...]


def sparkline(item: KRReport, as_of: date) -> Spark | None:
    """The tile's sparkline; None when there is nothing measured to draw."""
    kr, s = item.kr, item.status
    last = min(as_of, kr.end)
    points = [(d, v) for d, v in item.points if kr.start <= d <= last and math.isfinite(v)]
    if not points:
        return None
    if kr.level is not None:
        pace = [(kr.start, kr.target), (last, kr.target)]
    elif s.baseline is not None:
        knots = [d for d, _ in kr.checkpoints if kr.start < d < last]
        pace = [(d, expected_at(kr, s.baseline, d)) for d in [kr.start, *knots, last]]
    else:
        pace = []
    values = [v for _, v in points] + [v for _, v in pace]
    low, high = min(values), max(values)
    if high - low < 1e-12:
        # A flat line sits in the middle rather than on the floor.
        low, high = low - 1.0, high + 1.0
    days = max(1, (last - kr.start).days)

    def place(when: date, value: float) -> tuple[float, float]:
        return ((when - kr.start).days / days, (value - low) / (high - low))

    return Spark(
        actual=tuple(place(d, v) for d, v in points),
        pace=tuple(place(d, v) for d, v in pace),
    )


def status_counts(key_results: Iterable[KRReport]) -> dict[str, int]:
    """How many KRs have each status, in the order of `okr.status.STATUSES`, zeros left out."""
    counts = {status: 0 for status in STATUSES}
    for item in key_results:
        counts[item.status.status] = counts.get(item.status.status, 0) + 1
    return {status: n for status, n in counts.items() if n}


def stale_count(key_results: Iterable[KRReport]) -> int:
    """KRs whose numbers are stale (old data or a failing source): the header warns."""
    return sum(1 for item in key_results if item.status.stale or item.source_failing)


@dataclass(frozen=True)
class Updated:
    """When the data was last updated: '3 min ago' and the clock time in the catalog's zone."""

    ago: str
    clock: str


def updated(last: datetime | None, now: datetime, timezone: str) -> Updated | None:
    """`last` and `now` are naive UTC (as the store keeps times); None when never synced.
    The clock shows the date too when the update was not today in `timezone`."""
    if last is None:
        return None
    zone = _zone(timezone)
    local = last.replace(tzinfo=UTC).astimezone(zone)
    local_now = now.replace(tzinfo=UTC).astimezone(zone)
    clock = f"{local:%H:%M} {_zone_name(timezone, local)}"
    if local.date() != local_now.date():
        clock = f"{local.day} {local:%b}, {clock}"
    return Updated(ago=format_ago(last, now), clock=clock)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _zone_name(timezone: str, moment: datetime) -> str:
    abbreviation = moment.tzname() or timezone
    # Zones without a letter abbreviation report an offset such as '+05'; name the zone then.
    return abbreviation if abbreviation[:1].isalpha() else timezone


def _clamp(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return min(1.0, max(0.0, value))


def sync_running(store_path: Path) -> bool:
    """True while a sync holds the store's write lock (`Store.writing`).

    Readers are safe meanwhile (a sync swaps the store in whole), so the wall only says so.
    """
    lock = Path(store_path).with_name(Path(store_path).name + ".lock")
    try:
        handle = open(lock)  # noqa: SIM115 - held only for the lock probe below
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
