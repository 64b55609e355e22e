"""Load `metrics.yml` (version 1) into a validated `Catalog`, or report every problem at once.

Each problem carries the file and line it concerns and says how to fix it. `read_catalog`
also returns the valid part of a broken catalog, so the dashboard can keep serving it.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from okr import secrets
from okr.cycles import CycleError, parse_cycle
from okr.model import (
    AGGS,
    FORMATS,
    GRAINS,
    NON_ADDITIVE_AGGS,
    Catalog,
    KeyResult,
    Measure,
    Metric,
    Objective,
    Settings,
    Source,
    Tolerance,
)

SETTINGS_KEYS = ("store", "timezone", "tolerance")
SOURCE_KEYS = {"csv": ("type", "path", "description"), "sql": ("type", "url", "description")}
METRIC_KEYS = (
    "label",
    "description",
    "owner",
    "source",
    "table",
    "sql",
    "time",
    "value",
    "agg",
    "numerator",
    "denominator",
    "filter",
    "dimensions",
    "grain",
    "unit",
    "format",
    "freshness",
)
OBJECTIVE_KEYS = (
    "id",
    "title",
    "description",
    "owner",
    "parent",
    "tags",
    "start",
    "end",
    "cycle",
    "key_results",
)
KR_KEYS = (
    "id",
    "title",
    "description",
    "metric",
    "where",
    "baseline",
    "target",
    "measure",
    "commitment",
    "owner",
    "weight",
    "tolerance",
    "checkpoints",
)
TOLERANCE_KEYS = ("at_risk", "off_track")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_LEVEL = re.compile(r"^\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
_TRAILING = re.compile(r"^\s*trailing\s+(\d+)\s*d\s*$")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a catalog, at a line of a file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CatalogError(Exception):
    """A catalog that cannot be used as it is; `problems` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_catalog(path: str | Path, environ: Mapping[str, str] | None = None) -> Catalog:
    """The valid catalog at `path`; raises CatalogError listing every problem."""
    catalog, problems = read_catalog(path, environ)
    if problems:
        raise CatalogError(problems)
    assert catalog is not None
    return catalog


def read_catalog(
    path: str | Path, environ: Mapping[str, str] | None = None
) -> tuple[Catalog | None, list[Problem]]:
    """The valid part of the catalog at `path` and every problem found in it.

    The catalog is None only when nothing could be read (a missing file, broken YAML).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), 0, "catalog file not found; run `okr demo` for one")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), 0, f"cannot read the catalog: {error}")]
    return parse_catalog(text, path, environ)


def parse_catalog(
    text: str, path: str | Path, environ: Mapping[str, str] | None = None
) -> tuple[Catalog | None, list[Problem]]:
    """Parse catalog `text` as if read from `path` (relative paths resolve against its folder)."""
    path = Path(path)
    reader = _Reader(str(path), path.resolve().parent, environ)
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = (error.problem or "invalid YAML").strip()
        return None, [Problem(str(path), line, f"YAML syntax error: {what}; fix the syntax there")]
    catalog = reader.read(document)
    return catalog, sorted(set(reader.problems))


def parse_duration(text: str) -> timedelta | None:
    """'2d', '36h', '1w', '90m' as a timedelta; None when not a duration."""
    match = _DURATION.match(str(text))
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    unit_seconds = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return timedelta(seconds=amount * unit_seconds)


def parse_measure(text: str) -> Measure | None:
    """'latest', 'to_date' or 'trailing 28d' as a Measure; None when not one of those."""
    value = str(text).strip()
    if value in ("latest", "to_date"):
        return Measure(kind=value)
    match = _TRAILING.match(value)
    if match and int(match.group(1)) > 0:
        return Measure(kind="trailing", days=int(match.group(1)))
    return None


class _Reader:
    """Walks the raw YAML once, collecting problems and building valid domain objects."""

    def __init__(self, file: str, folder: Path, environ: Mapping[str, str] | None):
        self.file = file
        self.folder = folder
        self.environ = environ
        self.problems: list[Problem] = []
        self.url_lines: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------------------

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    @staticmethod
    def line_of(node: Any, key: Any = None) -> int:
        """The 1-based line of `node` (a mapping or sequence), or of its entry `key`."""
        lc = getattr(node, "lc", None)
        if lc is None:
            return 1
        try:
            if key is None:
                return lc.line + 1
            if isinstance(node, CommentedSeq):
                return lc.item(key)[0] + 1
            return lc.key(key)[0] + 1
        except (KeyError, IndexError, TypeError):
            return lc.line + 1

    def mapping(self, node: Any, line: int, what: str) -> CommentedMap | None:
        if isinstance(node, CommentedMap):
            return node
        self.problem(line, f"{what} must be a mapping of `key: value` lines")
        return None

    def check_keys(self, node: CommentedMap, allowed: Iterable[str], what: str) -> None:
        allowed = tuple(allowed)
        for key in node:
            if str(key) in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            self.problem(self.line_of(node, key), f"{what} has unknown key '{key}'; {hint}")

    def text(self, node: CommentedMap, key: str, what: str, required: bool = False) -> str | None:
        if key not in node or node[key] is None:
            if required:
                self.problem(self.line_of(node), f"{what} has no `{key}:`; add it")
            return None
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)):
            self.problem(
                self.line_of(node, key), f"{what}: `{key}` must be text, not a list or mapping"
            )
            return None
        return str(value).strip()

    def number(self, node: CommentedMap, key: str, what: str) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(
                self.line_of(node, key), f"{what}: `{key}` must be a number, not '{value}'"
            )
            return None
        return float(value)

    def choice(self, node: CommentedMap, key: str, choices: Iterable[str], what: str, default: str):
        value = self.text(node, key, what)
        if value is None:
            return default
        choices = tuple(choices)
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(choices)}"
            self.problem(self.line_of(node, key), f"{what}: `{key}: {value}` is not valid; {hint}")
            return None
        return value

    def a_date(self, node: CommentedMap, key: str, what: str) -> date | None:
        value = node.get(key)
        if value is None:
            return None
        parsed = _to_date(value)
        if parsed is None:
            self.problem(
                self.line_of(node, key),
                f"{what}: `{key}: {value}` is not a date; write it as YYYY-MM-DD",
            )
        return parsed

    def string_list(self, node: CommentedMap, key: str, what: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, CommentedSeq) or any(
            isinstance(v, (CommentedMap, CommentedSeq)) for v in value
        ):
            self.problem(self.line_of(node, key), f"{what}: `{key}` must be a list like [a, b]")
            return ()
        return tuple(str(v) for v in value)

    def tolerance(self, node: Any, line: int, what: str, default: Tolerance) -> Tolerance:
        node = self.mapping(node, line, f"{what} tolerance")
        if node is None:
            return default
        self.check_keys(node, TOLERANCE_KEYS, f"{what} tolerance")
        at_risk = self.number(node, "at_risk", f"{what} tolerance")
        off_track = self.number(node, "off_track", f"{what} tolerance")
        at_risk = default.at_risk if at_risk is None else at_risk
        off_track = default.off_track if off_track is None else off_track
        if not 0 <= at_risk <= off_track:
            self.problem(
                line,
                f"{what} tolerance: need 0 <= at_risk <= off_track, "
                f"got at_risk {at_risk:g} and off_track {off_track:g}",
            )
        return Tolerance(at_risk=at_risk, off_track=off_track)

    def an_id(self, node: CommentedMap, what: str) -> str | None:
        ident = self.text(node, "id", what, required=True)
        if ident is not None and not ID_PATTERN.match(ident):
            self.problem(
                self.line_of(node, "id"),
                f"{what} id '{ident}' may hold only letters, digits, '-', '_' and '.'",
            )
        return ident

    # -- the document ---------------------------------------------------------------------

    def read(self, document: Any) -> Catalog | None:
        if document is None:
            self.problem(1, "the catalog is empty; start with `version: 1`")
            return None
        root = self.mapping(document, 1, "the catalog")
        if root is None:
            return None
        self.check_keys(
            root, ("version", "settings", "sources", "metrics", "objectives"), "the catalog"
        )
        version = root.get("version")
        if version is None:
            self.problem(1, "the catalog has no `version:`; add `version: 1` at the top")
        elif version != 1:
            self.problem(
                self.line_of(root, "version"),
                f"catalog version {version} is not supported; this okr reads `version: 1`",
            )
        settings = self.read_settings(root)
        sources = self.read_sources(root)
        metrics = self.read_metrics(root, sources)
        objectives = self.read_objectives(root, metrics, settings)
        return Catalog(
            path=Path(self.file),
            settings=settings,
            sources=sources,
            metrics=metrics,
            objectives=objectives,
        )

    def read_settings(self, root: CommentedMap) -> Settings:
        default = Settings(store=self.folder / "data" / "okr.duckdb")
        if root.get("settings") is None:
            return default
        node = self.mapping(root["settings"], self.line_of(root, "settings"), "settings")
        if node is None:
            return default
        self.check_keys(node, SETTINGS_KEYS, "settings")
        store = self.text(node, "store", "settings")
        timezone = self.text(node, "timezone", "settings") or "UTC"
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.problem(
                self.line_of(node, "timezone"),
                f"settings: unknown timezone '{timezone}'; use an IANA name like Europe/Berlin or UTC",
            )
            timezone = "UTC"
        tolerance = default.tolerance
        if node.get("tolerance") is not None:
            tolerance = self.tolerance(
                node["tolerance"], self.line_of(node, "tolerance"), "settings", tolerance
            )
        return Settings(
            store=(self.folder / store) if store else default.store,
            timezone=timezone,
            tolerance=tolerance,
        )

    def read_sources(self, root: CommentedMap) -> dict[str, Source]:
        raw = root.get("sources")
        if raw is None:
            return {}
        node = self.mapping(raw, self.line_of(root, "sources"), "sources")
        if node is None:
            return {}
        sources: dict[str, Source] = {}
        for source_id, body in node.items():
            line = self.line_of(node, source_id)
            what = f"source '{source_id}'"
            body = self.mapping(body, line, what)
            if body is None:
                continue
            kind = self.choice(body, "type", ("csv", "sql"), what, default=None)
            if "type" not in body:
                self.problem(line, f"{what} has no `type:`; add `type: csv` or `type: sql`")
            if kind is None:
                continue
            self.check_keys(body, SOURCE_KEYS[kind], what)
            if kind == "csv":
                folder = self.text(body, "path", what, required=True)
                if folder is not None:
                    sources[str(source_id)] = Source(
                        str(source_id), "csv", path=self.folder / folder, line=line
                    )
            else:
                url = self.text(body, "url", what, required=True)
                if url is not None:
                    self.url_lines[str(source_id)] = self.line_of(body, "url")
                    sources[str(source_id)] = Source(str(source_id), "sql", url=url, line=line)
        return sources

    def read_metrics(self, root: CommentedMap, sources: dict[str, Source]) -> dict[str, Metric]:
        raw = root.get("metrics")
        if raw is None:
            return {}
        node = self.mapping(raw, self.line_of(root, "metrics"), "metrics")
        if node is None:
            return {}
        raw_sources = root.get("sources") if isinstance(root.get("sources"), CommentedMap) else {}
        metrics: dict[str, Metric] = {}
        used_sources: set[str] = set()
        for metric_id, body in node.items():
            line = self.line_of(node, metric_id)
            metric = self.read_metric(str(metric_id), body, line, sources, raw_sources)
            if metric is not None:
                metrics[metric.id] = metric
                used_sources.add(metric.source)
        for source_id in sorted(used_sources):
            self.check_variables(sources[source_id])
        return metrics

    def check_variables(self, source: Source) -> None:
        if source.url is None:
            return
        env = self.environ
        for name, default in secrets.variables(source.url):
            if default is not None:
                continue
            value = (env or {}).get(name) if env is not None else _os_environ().get(name)
            if not value:
                self.problem(
                    self.url_lines.get(source.id, source.line),
                    f"source '{source.id}' uses ${{{name}}}, which is not set; "
                    f"export {name}=... or write ${{{name}:-default}}",
                )

    def read_metric(
        self, metric_id: str, body: Any, line: int, sources: dict[str, Source], raw_sources
    ) -> Metric | None:
        what = f"metric '{metric_id}'"
        before = len(self.problems)
        if not ID_PATTERN.match(metric_id):
            self.problem(line, f"{what}: ids may hold only letters, digits, '-', '_' and '.'")
        body = self.mapping(body, line, what)
        if body is None:
            return None
        self.check_keys(body, METRIC_KEYS, what)
        source_id = self.text(body, "source", what, required=True)
        if source_id is not None and source_id not in sources:
            if source_id not in (raw_sources or {}):
                close = difflib.get_close_matches(source_id, list(raw_sources or {}), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "define it under sources:"
                self.problem(
                    self.line_of(body, "source"),
                    f"{what} uses unknown source '{source_id}'; {hint}",
                )
            source_id = None
        agg = self.choice(body, "agg", AGGS, what, default=None)
        if "agg" not in body:
            self.problem(line, f"{what} has no `agg:`; add one of: {', '.join(AGGS)}")
        grain = self.choice(body, "grain", GRAINS, what, default="day")
        fmt = self.choice(body, "format", FORMATS, what, default="number")
        table, sql = self.text(body, "table", what), self.text(body, "sql", what)
        time_column, value = self.text(body, "time", what), self.text(body, "value", what)
        numerator = self.text(body, "numerator", what)
        denominator = self.text(body, "denominator", what)
        if sql is not None:
            for key in ("table", "time"):
                if key in body:
                    self.problem(
                        self.line_of(body, key),
                        f"{what}: `sql:` replaces `{key}:`; remove `{key}:` "
                        f"(the query yields columns time, value and the dimensions)",
                    )
        elif table is None:
            self.problem(line, f"{what} has neither `table:` nor `sql:`; add one of them")
        elif time_column is None:
            self.problem(line, f"{what} has no `time:`; name the column holding each row's date")
        if agg == "ratio" and sql is not None:
            # A query may yield the numerator and denominator as columns of those names.
            numerator = numerator or "numerator"
            denominator = denominator or "denominator"
        if agg == "ratio":
            for key, given in (("numerator", numerator), ("denominator", denominator)):
                if given is None:
                    self.problem(line, f"{what}: agg ratio needs `{key}:` (a SQL expression)")
            if value is not None:
                self.problem(
                    self.line_of(body, "value"),
                    f"{what}: agg ratio takes `numerator:` and `denominator:`, not `value:`",
                )
        else:
            for key in ("numerator", "denominator"):
                if key in body:
                    self.problem(
                        self.line_of(body, key),
                        f"{what}: `{key}:` is only for `agg: ratio`; remove it or change the agg",
                    )
            if value is None and agg not in (None, "count") and sql is None:
                self.problem(line, f"{what} has no `value:`; name a column or write an expression")
        freshness = None
        if body.get("freshness") is not None:
            freshness = parse_duration(str(body["freshness"]))
            if freshness is None:
                self.problem(
                    self.line_of(body, "freshness"),
                    f"{what}: freshness '{body['freshness']}' is not a duration; write e.g. 2d, 36h or 1w",
                )
        dimensions = self.string_list(body, "dimensions", what)
        if len(set(dimensions)) != len(dimensions):
            self.problem(self.line_of(body, "dimensions"), f"{what}: a dimension is listed twice")
        if len(dimensions) > 4:
            self.problem(
                self.line_of(body, "dimensions"),
                f"{what}: at most 4 dimensions are supported, got {len(dimensions)}",
            )
        if len(self.problems) > before or source_id is None or agg is None or grain is None:
            return None
        return Metric(
            id=metric_id,
            source=source_id,
            agg=agg,
            grain=grain,
            table=table if sql is None else None,
            sql=sql,
            time=time_column if sql is None else "time",
            value=value
            if sql is None or value is not None
            else ("value" if agg != "ratio" else None),
            numerator=numerator,
            denominator=denominator,
            filter=self.text(body, "filter", what),
            dimensions=dimensions,
            label=self.text(body, "label", what) or "",
            description=self.text(body, "description", what) or "",
            owner=self.text(body, "owner", what),
            unit=self.text(body, "unit", what) or "",
            format=fmt or "number",
            freshness=freshness,
            line=line,
        )

    def read_objectives(
        self, root: CommentedMap, metrics: dict[str, Metric], settings: Settings
    ) -> tuple[Objective, ...]:
        raw = root.get("objectives")
        if raw is None:
            return ()
        if not isinstance(raw, CommentedSeq):
            self.problem(
                self.line_of(root, "objectives"),
                "objectives must be a list: start each objective with `- id: ...`",
            )
            return ()
        raw_metrics = root.get("metrics") if isinstance(root.get("metrics"), CommentedMap) else {}
        objective_lines: dict[str, int] = {}
        kr_lines: dict[str, int] = {}
        parents: dict[str, tuple[str, int]] = {}
        objectives: list[Objective] = []
        for index, body in enumerate(raw):
            line = self.line_of(raw, index)
            body = self.mapping(body, line, f"objective #{index + 1}")
            if body is None:
                continue
            objective = self.read_objective(
                body, line, index, metrics, raw_metrics, settings, objective_lines, kr_lines
            )
            if objective is not None:
                objectives.append(objective)
                if objective.parent:
                    parents[objective.id] = (objective.parent, self.line_of(body, "parent"))
        known = set(objective_lines)
        broken_links = set()
        for child, (parent, line) in parents.items():
            if parent not in known:
                close = difflib.get_close_matches(parent, sorted(known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "fix the id or remove `parent:`"
                self.problem(line, f"objective '{child}' has unknown parent '{parent}'; {hint}")
                broken_links.add(child)
            elif self._parent_cycle(child, parents):
                self.problem(line, f"objective '{child}': its parents form a cycle; break it")
                broken_links.add(child)
        valid = {o.id for o in objectives}
        return tuple(
            replace(o, parent=None) if o.id in broken_links or o.parent not in valid else o
            for o in objectives
        )

    @staticmethod
    def _parent_cycle(start: str, parents: dict[str, tuple[str, int]]) -> bool:
        seen, current = {start}, start
        while current in parents:
            current = parents[current][0]
            if current in seen:
                return True
            seen.add(current)
        return False

    def read_objective(
        self,
        body: CommentedMap,
        line: int,
        index: int,
        metrics: dict[str, Metric],
        raw_metrics,
        settings: Settings,
        objective_lines: dict[str, int],
        kr_lines: dict[str, int],
    ) -> Objective | None:
        objective_id = self.an_id(body, f"objective #{index + 1}")
        what = f"objective '{objective_id or index + 1}'"
        before = len(self.problems)
        self.check_keys(body, OBJECTIVE_KEYS, what)
        if objective_id is not None:
            if objective_id in objective_lines:
                self.problem(
                    self.line_of(body, "id"),
                    f"{what}: the id is already used by the objective at line "
                    f"{objective_lines[objective_id]}; objective ids must be unique",
                )
            else:
                objective_lines[objective_id] = line
        title = self.text(body, "title", what, required=True)
        start, end, cycle = self.read_window(body, line, what)
        objective_ok = len(self.problems) == before
        krs_node = body.get("key_results")
        key_results: list[KeyResult] = []
        if krs_node is not None and not isinstance(krs_node, CommentedSeq):
            self.problem(
                self.line_of(body, "key_results"),
                f"{what}: key_results must be a list: start each one with `- id: ...`",
            )
        elif krs_node is not None:
            for kr_index, kr_body in enumerate(krs_node):
                kr_line = self.line_of(krs_node, kr_index)
                kr_body = self.mapping(kr_body, kr_line, f"{what}, key result #{kr_index + 1}")
                if kr_body is None:
                    continue
                kr = self.read_key_result(
                    kr_body,
                    kr_line,
                    objective_id,
                    start,
                    end,
                    metrics,
                    raw_metrics,
                    settings,
                    kr_lines,
                )
                if kr is not None:
                    key_results.append(kr)
        # A broken key result is left out; a broken objective is left out with its KRs.
        if not objective_ok or objective_id is None or title is None or start is None:
            return None
        return Objective(
            id=objective_id,
            title=title,
            start=start,
            end=end,
            key_results=tuple(key_results),
            owner=self.text(body, "owner", what),
            parent=self.text(body, "parent", what),
            tags=self.string_list(body, "tags", what),
            cycle=cycle,
            line=line,
        )

    def read_window(self, body: CommentedMap, line: int, what: str):
        cycle_label = None
        start, end = self.a_date(body, "start", what), self.a_date(body, "end", what)
        if body.get("cycle") is not None:
            cycle_label = str(body["cycle"]).strip()
            if "start" in body or "end" in body:
                self.problem(
                    self.line_of(body, "cycle"),
                    f"{what}: give either `cycle:` or `start:` and `end:`, not both",
                )
                return None, None, None
            try:
                start, end = parse_cycle(cycle_label)
            except CycleError as error:
                self.problem(self.line_of(body, "cycle"), f"{what}: {error}")
                return None, None, None
        elif "start" not in body and "end" not in body:
            self.problem(line, f"{what} has no window; add `cycle: 2026-Q3` or `start:` and `end:`")
            return None, None, None
        else:
            for key in ("start", "end"):
                if key not in body:
                    self.problem(line, f"{what} has no `{key}:`; add it (YYYY-MM-DD)")
        if start is not None and end is not None and end <= start:
            self.problem(
                self.line_of(body, "end") if "end" in body else line,
                f"{what}: end {end} is not after start {start}; fix the dates",
            )
            return None, None, None
        return start, end, cycle_label

    def read_key_result(
        self,
        body: CommentedMap,
        line: int,
        objective_id: str | None,
        start: date | None,
        end: date | None,
        metrics: dict[str, Metric],
        raw_metrics,
        settings: Settings,
        kr_lines: dict[str, int],
    ) -> KeyResult | None:
        kr_id = self.an_id(body, "key result")
        what = f"key result '{kr_id}'"
        before = len(self.problems)
        self.check_keys(body, KR_KEYS, what)
        if kr_id is not None:
            if kr_id in kr_lines:
                self.problem(
                    self.line_of(body, "id"),
                    f"{what}: the id is already used by the key result at line "
                    f"{kr_lines[kr_id]}; key result ids must be unique",
                )
            else:
                kr_lines[kr_id] = line
        title = self.text(body, "title", what, required=True)
        metric = self.kr_metric(body, line, what, metrics, raw_metrics)
        target, level = self.kr_target(body, line, what)
        baseline = self.kr_baseline(body, what)
        if (
            level is None
            and isinstance(baseline, float)
            and target is not None
            and baseline == target
        ):
            self.problem(
                self.line_of(body, "baseline"),
                f"{what}: baseline and target are both {target:g}; a key result must move "
                f"(for a level to hold, write target: '>= {target:g}')",
            )
        measure = Measure()
        if body.get("measure") is not None:
            parsed = parse_measure(str(body["measure"]))
            if parsed is None:
                self.problem(
                    self.line_of(body, "measure"),
                    f"{what}: measure '{body['measure']}' is not valid; use latest, "
                    f"trailing <N>d (e.g. trailing 28d) or to_date",
                )
            else:
                measure = parsed
        if metric is not None and measure.kind != "latest" and metric.agg in NON_ADDITIVE_AGGS:
            self.problem(
                self.line_of(body, "measure"),
                f"{what}: measure '{measure}' needs the metric aggregated over a window, but "
                f"metric '{metric.id}' uses agg {metric.agg}, which cannot be re-aggregated; "
                f"use `measure: latest` or an additive agg (sum, count, avg, min, max, ratio)",
            )
        where = self.kr_where(body, what, metric)
        commitment = self.choice(
            body, "commitment", ("committed", "aspirational"), what, default="committed"
        )
        weight = self.number(body, "weight", what)
        if weight is not None and weight <= 0:
            self.problem(self.line_of(body, "weight"), f"{what}: weight must be positive")
        tolerance = settings.tolerance
        if body.get("tolerance") is not None:
            tolerance = self.tolerance(
                body["tolerance"], self.line_of(body, "tolerance"), what, tolerance
            )
        checkpoints = self.kr_checkpoints(body, what, start, end)
        if len(self.problems) > before:
            return None
        if None in (kr_id, title, metric, target, objective_id, start, end):
            return None
        return KeyResult(
            id=kr_id,
            title=title,
            metric=metric.id,
            objective=objective_id,
            start=start,
            end=end,
            target=target,
            baseline=baseline,
            level=level,
            where=where,
            measure=measure,
            commitment=commitment or "committed",
            owner=self.text(body, "owner", what),
            weight=weight if weight is not None else 1.0,
            tolerance=tolerance,
            checkpoints=checkpoints,
            line=line,
        )

    def kr_metric(self, body, line, what, metrics, raw_metrics) -> Metric | None:
        metric_id = self.text(body, "metric", what, required=True)
        if metric_id is None:
            return None
        if metric_id in metrics:
            return metrics[metric_id]
        if metric_id not in (raw_metrics or {}):
            close = difflib.get_close_matches(metric_id, list(raw_metrics or {}), n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "define it under metrics: or fix the name"
            )
            self.problem(
                self.line_of(body, "metric"), f"{what} uses unknown metric '{metric_id}'; {hint}"
            )
        return None

    def kr_target(self, body, line, what) -> tuple[float | None, str | None]:
        if body.get("target") is None:
            self.problem(line, f"{what} has no `target:`; add a number, or '>= N' to hold a level")
            return None, None
        raw = body["target"]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw), None
        match = _LEVEL.match(str(raw))
        if match:
            return float(match.group(2)), match.group(1)
        self.problem(
            self.line_of(body, "target"),
            f"{what}: target '{raw}' is not a number nor a level like '>= 99.9' or '<= 2'",
        )
        return None, None

    def kr_baseline(self, body, what) -> float | str | None:
        raw = body.get("baseline")
        if raw is None:
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        if str(raw).strip() == "auto":
            return "auto"
        self.problem(
            self.line_of(body, "baseline"),
            f"{what}: baseline '{raw}' is not a number; write a number or `auto`",
        )
        return None

    def kr_where(self, body, what, metric: Metric | None) -> tuple[tuple[str, str], ...]:
        raw = body.get("where")
        if raw is None:
            return ()
        node = self.mapping(raw, self.line_of(body, "where"), f"{what}: where")
        if node is None:
            return ()
        pairs = []
        for key, value in node.items():
            if metric is not None and str(key) not in metric.dimensions:
                dims = ", ".join(metric.dimensions) or "none"
                self.problem(
                    self.line_of(node, key),
                    f"{what}: where names '{key}', which is not a dimension of metric "
                    f"'{metric.id}' (its dimensions: {dims}); add it to the metric's dimensions",
                )
            pairs.append((str(key), str(value)))
        return tuple(sorted(pairs))

    def kr_checkpoints(self, body, what, start, end) -> tuple[tuple[date, float], ...]:
        raw = body.get("checkpoints")
        if raw is None:
            return ()
        node = self.mapping(raw, self.line_of(body, "checkpoints"), f"{what}: checkpoints")
        if node is None:
            return ()
        points = []
        for key, value in node.items():
            key_line = self.line_of(node, key)
            day = _to_date(key)
            if day is None:
                self.problem(key_line, f"{what}: checkpoint '{key}' is not a date (YYYY-MM-DD)")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.problem(key_line, f"{what}: checkpoint {day} needs a number, not '{value}'")
                continue
            if start is not None and end is not None and not start < day < end:
                self.problem(
                    key_line,
                    f"{what}: checkpoint {day} is outside the window {start} – {end}; "
                    f"checkpoints fall strictly between start and end",
                )
                continue
            points.append((day, float(value)))
        return tuple(sorted(points))


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _os_environ() -> Mapping[str, str]:
    import os

    return os.environ
