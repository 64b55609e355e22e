"""Load `metrics.yml` (version 1) into a validated `Catalog`, or report every problem at once.

Each problem carries the file and line it concerns and says how to fix it. `read_catalog`
also returns the valid part of a broken catalog, so the dashboard can keep serving it:
a broken source leaves out the metrics reading it, a broken metric the key results using it
(without a second message), a broken key result is left out and its objective kept, and an
objective without a valid id, title or window is left out with its key results.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

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

__all__ = [
    "CatalogError",
    "Problem",
    "load_catalog",
    "parse_catalog",
    "parse_duration",
    "parse_measure",
    "parse_target",
    "read_catalog",
]

ROOT_KEYS = ("version", "settings", "sources", "metrics", "objectives")
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
COMMITMENTS = ("committed", "aspirational")
MAX_DIMENSIONS = 4  # a non-additive metric stores every subset of its dimensions: 2^n rows
MAX_TRAILING_DAYS = 3660

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER_TEXT = re.compile(rf"^\s*{_NUMBER}\s*$")
_LEVEL = re.compile(rf"^\s*(>=|<=)\s*({_NUMBER})\s*$")
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|min|h|d|w)\s*$")
_TRAILING = re.compile(r"^\s*trailing\s+([0-9]+)\s*d\s*$")
_ISO_DATE = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$")
_URL_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*://")
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Words people write for a value the catalog spells its own way.
_SYNONYMS = {
    "mean": "avg",
    "average": "avg",
    "total": "sum",
    "distinct": "count_distinct",
    "unique": "count_distinct",
    "minimum": "min",
    "maximum": "max",
    "rate": "ratio",
    "latest_value": "last",
    "weekly": "week",
    "daily": "day",
    "monthly": "month",
    "percentage": "percent",
    "money": "currency",
    "cumulative": "to_date",
    "to-date": "to_date",
    "todate": "to_date",
    "last": "latest",
    "postgres": "sql",
    "postgresql": "sql",
    "mysql": "sql",
    "mariadb": "sql",
    "sqlite": "sql",
    "duckdb": "sql",
    "database": "sql",
    "db": "sql",
    "file": "csv",
    "files": "csv",
    "folder": "csv",
}


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
    if problems or catalog is None:
        raise CatalogError(problems)
    return catalog


def read_catalog(
    path: str | Path, environ: Mapping[str, str] | None = None
) -> tuple[Catalog | None, list[Problem]]:
    """The valid part of the catalog at `path` and every problem found in it.

    The catalog is None only when nothing could be read (a missing file, broken YAML).
    `environ` replaces the process environment when checking `${VAR}` references.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [
            Problem(str(path), 0, "catalog file not found; check the path, or run `okr demo`")
        ]
    except OSError as error:
        return None, [
            Problem(str(path), 0, f"catalog cannot be read ({error.strerror}); check the path")
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, [
            Problem(str(path), line, "catalog is not UTF-8 text here; save the file as UTF-8")
        ]
    return parse_catalog(text, path, environ)


def parse_catalog(
    text: str, path: str | Path, environ: Mapping[str, str] | None = None
) -> tuple[Catalog | None, list[Problem]]:
    """Parse catalog `text` as if read from `path` (relative paths resolve against its folder)."""
    path = Path(path)
    file = str(path)
    try:
        yaml = _LineYaml()
        document, yaml_problems = yaml.load(text.lstrip("\ufeff"))
    except _YamlProblem as problem:
        return None, [Problem(file, problem.line, problem.message)]
    reader = _Reader(file, path.resolve().parent, environ, yaml.document_line)
    for line, message in yaml_problems:
        reader.problem(line, message)
    catalog = reader.read(document)
    return catalog, sorted(set(reader.problems))


def parse_duration(text: str) -> timedelta | None:
    """'2d', '36h', '1w', '90m' or '90min' as a timedelta; None unless a positive duration."""
    match = _DURATION.match(str(text))
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    unit_seconds = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    seconds = amount * unit_seconds
    if not 0 < seconds <= 3660 * 86400:
        return None
    return timedelta(seconds=seconds)


def parse_measure(text: str) -> Measure | None:
    """'latest', 'to_date' or 'trailing 28d' as a Measure; None when not one of those."""
    value = str(text).strip()
    if value in ("latest", "to_date"):
        return Measure(kind=value)
    match = _TRAILING.match(value)
    if match and 0 < int(match.group(1)) <= MAX_TRAILING_DAYS:
        return Measure(kind="trailing", days=int(match.group(1)))
    return None


def parse_target(value: Any) -> tuple[float, str | None] | None:
    """A KR target as (number, level): 90 -> (90.0, None); '>= 99.95' -> (99.95, '>=').

    None when `value` is neither a finite number nor a level like '>= N' or '<= N'.
    """
    number = _as_number(value)
    if number is not None:
        return number, None
    match = _LEVEL.match(value) if isinstance(value, str) else None
    if match and math.isfinite(float(match.group(2))):
        return float(match.group(2)), match.group(1)
    return None


# -- YAML with lines -------------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers the line of each of its keys (1-based)."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        # (key, line of the repeated key, line of the first one); the first value is kept.
        self.duplicates: list[tuple[Any, int, int]] = []

    def line_of(self, key: Any, default: int | None = None) -> int:
        return self.key_lines.get(key, self.line if default is None else default)


class _Seq(list):
    """A YAML sequence that remembers the line of each of its items (1-based)."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class _YamlProblem(Exception):
    """The text is not YAML: one problem, and nothing else can be read."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _LineYaml:
    """Reads YAML into _Map/_Seq/scalars that carry lines.

    Composing the node graph ourselves (rather than constructing Python objects) keeps the
    line of every key, reports a repeated key where it is repeated instead of failing the
    whole file, and turns a scalar that cannot be constructed (2026-02-30) into its text.
    """

    def __init__(self):
        self.yaml = YAML(typ="safe", pure=True)
        self.converted: dict[int, Any] = {}
        self.in_progress: set[int] = set()
        self.problems: list[tuple[int, str]] = []
        self.document_line = 1

    def load(self, text: str) -> tuple[Any, list[tuple[int, str]]]:
        deep_line = _too_deeply_nested(text)
        if deep_line is not None:
            # The YAML scanner slows down quadratically with flow nesting: refuse it early.
            raise _YamlProblem(deep_line, _TOO_DEEP)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                node = self.yaml.compose(text)
            if node is not None:
                self.document_line = _line(node)
            document = None if node is None else self.value(node)
        except MarkedYAMLError as error:
            raise _YamlProblem(*_syntax_problem(error, text)) from None
        except ReaderError as error:
            line = text.count("\n", 0, max(error.position, 0)) + 1
            code = ord(error.character) if isinstance(error.character, str) else error.character
            raise _YamlProblem(
                line,
                f"catalog holds a control character (#x{code:02x}) here; "
                "remove it or write it escaped inside double quotes",
            ) from None
        except YAMLError as error:
            raise _YamlProblem(1, f"YAML error: {error}; fix the syntax") from None
        except RecursionError:
            raise _YamlProblem(1, _TOO_DEEP) from None
        return document, self.problems

    def value(self, node: Any) -> Any:
        key = id(node)
        if key in self.converted:  # an alias: the same value again
            return self.converted[key]
        if key in self.in_progress:
            raise _YamlProblem(_line(node), _RECURSIVE_ALIAS)
        self.in_progress.add(key)
        if isinstance(node, MappingNode):
            result = self.mapping(node)
        elif isinstance(node, SequenceNode):
            result = _Seq(_line(node))
            for item in node.value:
                result.append(self.value(item))
                result.item_lines.append(_line(item))
        else:
            result = self.scalar(node)
        self.in_progress.discard(key)
        self.converted[key] = result
        return result

    def scalar(self, node: ScalarNode) -> Any:
        try:
            return self.yaml.constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError, KeyError, TypeError, OverflowError):
            # An unknown tag or an impossible value (2026-02-30, !!int x): keep the text,
            # which then fails the check of the field it was written for, at its line.
            return node.value

    def mapping(self, node: MappingNode) -> _Map:
        result = _Map(_line(node))
        merges: list[tuple[Any, int]] = []
        for key_node, value_node in node.value:
            line = _line(key_node)
            if key_node.tag == _MERGE_TAG:
                merges.append((value_node, line))
                continue
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    (line, "a key is a list or mapping; write keys as plain text (`name: value`)")
                )
                continue
            key = self.scalar(key_node)
            try:
                hash(key)
            except TypeError:
                key = key_node.value
            if key in result:
                result.duplicates.append((key, line, result.key_lines[key]))
                continue
            if id(value_node) in self.in_progress:
                raise _YamlProblem(line, _RECURSIVE_ALIAS)
            result[key] = self.value(value_node)
            result.key_lines[key] = line
        for value_node, line in merges:
            merged_nodes = (
                value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            )
            for merged_node in merged_nodes:
                merged = self.value(merged_node)
                if not isinstance(merged, _Map):
                    self.problems.append(
                        (line, "`<<:` merges only mappings; point it at a mapping's &anchor")
                    )
                    continue
                for key, value in merged.items():  # keys written here win over merged ones
                    if key not in result:
                        result[key] = value
                        result.key_lines[key] = merged.key_lines.get(key, line)
        return result


_RECURSIVE_ALIAS = "an alias refers to the mapping or list that contains it; remove the alias"
_TOO_DEEP = "catalog is nested too deeply to read; flatten its lists and mappings"
MAX_FLOW_DEPTH = 64


def _too_deeply_nested(text: str) -> int | None:
    """The line where [ and { brackets nest deeper than MAX_FLOW_DEPTH, if they do."""
    depth, line = 0, 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def _line(node: Any) -> int:
    return node.start_mark.line + 1


def _syntax_problem(error: MarkedYAMLError, text: str) -> tuple[int, str]:
    """The line and message for a YAML syntax error, at the line where the mistake was made."""
    context = error.context or ""
    problem = (error.problem or "").strip()
    # An unclosed quote or bracket, or a line lacking its ':', is noticed lines later: the
    # context mark points at where it starts, which is the line to fix.
    starts_earlier = any(
        phrase in context
        for phrase in ("quoted scalar", "simple key", "flow sequence", "flow mapping")
    )
    mark = error.context_mark if starts_earlier and error.context_mark else None
    mark = mark or error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    if mark is not None and mark is error.problem_mark and "stream end" in problem:
        # Something left open runs to the end of the file: point at its last written line.
        line = _last_content_line(text, line)
    # A double-quoted value may run over several lines, so a missing closing quote is often
    # noticed far below it, at the next line holding a quote.
    unclosed = _unclosed_quote_line(text, line)
    if unclosed is not None:
        return unclosed, "YAML syntax error: a quoted value is not closed; add the closing quote"
    if "'\\t'" in problem or "\t" in problem:
        fix = "a tab character is not allowed here; indent with spaces"
    elif "quoted scalar" in context:
        fix = "a quoted value is not closed; add the closing quote"
    elif "flow" in context:
        fix = "a [ or { is not closed properly; close it on this line, or quote the value"
    elif "simple key" in context:
        fix = "this line is not `key: value`; add the ':' after the key or remove the line"
    elif "mapping values are not allowed" in problem:
        fix = "a value holds ': ' or is indented too far; quote the value or fix the indentation"
    elif "chomping" in problem or "block scalar" in context:
        fix = "a value starting with '>' or '|' must be quoted; write e.g. target: '>= 99.9'"
    elif "cannot start any token" in problem:
        fix = f"{problem}; quote the value"
    elif "another document" in problem:
        fix = "the file holds a second YAML document (---); keep a single document"
    elif "undefined alias" in problem:
        fix = f"{problem}; define the &anchor before using it, or remove the alias"
    elif "expected <block end>" in problem or "expected the node content" in problem:
        fix = (
            "this line does not fit the indentation of the lines above; align it with its siblings"
        )
    else:
        fix = f"{problem or context or 'invalid YAML'}; fix the syntax"
    return line, f"YAML syntax error: {fix}"


_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)*(?:[^\s'"#\-{\[][^:#]*:\s+)?(["'])""")


def _last_content_line(text: str, line: int) -> int:
    """The last line at or before `line` that holds more than blanks and comments."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)), 0, -1):
        content = lines[number - 1].strip()
        if content and not content.startswith("#"):
            return number
    return max(1, min(line, len(lines)))


def _unclosed_quote_line(text: str, last_line: int) -> int | None:
    """The first line up to `last_line` whose value opens a quote it does not close."""
    for number, line in enumerate(text.splitlines()[:last_line], start=1):
        match = _QUOTED_VALUE.match(line)
        if match and not _closes_quote(line[match.end() :], match.group(1)):
            return number
    return None


def _closes_quote(rest: str, quote: str) -> bool:
    index = 0
    while index < len(rest):
        char = rest[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and rest[index + 1 : index + 2] == "'":  # '' is an escaped quote
                index += 2
                continue
            return True
        index += 1
    return False


# -- scalars ---------------------------------------------------------------------------------


def _as_number(value: Any) -> float | None:
    """A finite number from a YAML number or a text that reads as one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _NUMBER_TEXT.match(value):
        value = float(value)
    if not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number_text(number: float) -> str:
    """A number as a person writes it: 1000000 rather than 1e+06, 0.25 rather than 0.250000."""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _show(value: Any) -> str:
    """A value as quoted in a message: short, on one line."""
    if isinstance(value, _Map):
        return "a mapping"
    if isinstance(value, _Seq):
        return "a list"
    text = " ".join(_as_text(value).split()) if value is not None else ""
    return text if len(text) <= 60 else text[:57] + "..."


def _shape(value: Any) -> str:
    """What a misplaced value is, for messages: 'a list', 'a mapping', "a single value ('x')"."""
    if isinstance(value, (_Map, _Seq)):
        return _show(value)
    if value is None or not _as_text(value):
        return "empty"
    return f"a single value ('{_show(value)}')"


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    choices = tuple(choices)
    lowered = word.strip().lower()
    if lowered in choices and lowered != word:
        return lowered
    synonym = _SYNONYMS.get(lowered)
    if synonym in choices:
        return synonym
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _hint(word: str, choices: Iterable[str], otherwise: str) -> str:
    close = _suggest(word, choices)
    return f"did you mean '{close}'?" if close else otherwise


# -- reading ---------------------------------------------------------------------------------


class _Entry:
    """One mapping of the catalog being read (a source, a metric, a KR...), named for messages.

    `line` is the line that names the item: its id key, or its list item. Problems found
    through the entry mark it `broken`, so the item is left out of the valid catalog.
    """

    def __init__(self, reader: _Reader, node: _Map, what: str, line: int):
        self.reader = reader
        self.node = node
        self.what = what
        self.line = line
        self.suggested: set[str] = set()  # keys proposed for a misspelt one
        self.broken = reader.report_duplicates(node, what)

    def problem(self, line: int, message: str) -> None:
        self.broken = True
        self.reader.problem(line, message)

    def line_of(self, key: str) -> int:
        return self.node.line_of(key, self.line)

    def has(self, key: str) -> bool:
        return key in self.node

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in self.node:
            name = _as_text(key) if key is not None else "null"
            if isinstance(key, str) and key in allowed:
                continue
            close = _suggest(name, allowed)
            if close and close not in self.node:
                self.suggested.add(close)
            hint = f"did you mean '{close}'?" if close else f"allowed keys: {', '.join(allowed)}"
            self.problem(self.node.line_of(key), f"{self.what} has unknown key '{name}'; {hint}")

    def missing(self, key: str, fix: str) -> None:
        """Report a required key that is not there, unless a misspelt key was reported for it."""
        if key not in self.suggested:
            self.problem(self.line, f"{self.what} has no `{key}:`; {fix}")

    def text(self, key: str, required: str | None = None) -> str | None:
        """The text at `key`; `required` is the fix to give when it is missing or empty."""
        if key not in self.node:
            if required:
                self.missing(key, required)
            return None
        value = self.node[key]
        if isinstance(value, (_Map, _Seq)):
            self.problem(
                self.line_of(key),
                f"{self.what} has `{key}:` as {_shape(value)}; write its value as text on one line",
            )
            return None
        text = _as_text(value) if value is not None else ""
        if not text:
            if required:
                self.problem(self.line_of(key), f"{self.what} has an empty `{key}:`; {required}")
            return None
        return text

    def choice(self, key: str, choices: Iterable[str], required: str | None = None) -> str | None:
        value = self.text(key, required)
        if value is None:
            return None
        choices = tuple(choices)
        if value not in choices:
            hint = _hint(value, choices, f"use one of: {', '.join(choices)}")
            self.problem(
                self.line_of(key),
                f"{self.what} has `{key}: {_show(value)}`, which is not valid; {hint}",
            )
            return None
        return value

    def number(self, key: str, what_for: str) -> float | None:
        if self.node.get(key) is None:
            return None
        number = _as_number(self.node[key])
        if number is None:
            self.problem(
                self.line_of(key),
                f"{self.what} has `{key}: {_show(self.node[key])}`, which is not a number; "
                f"write {what_for}",
            )
        return number

    def day(self, key: str) -> date | None:
        value = self.node.get(key)
        if value is None:
            if key in self.node:
                self.problem(
                    self.line_of(key),
                    f"{self.what} has an empty `{key}:`; write a date as YYYY-MM-DD",
                )
            return None
        parsed = _to_date(value)
        if parsed is None:
            reason = (
                "is not a calendar date"
                if isinstance(value, str) and _ISO_DATE.match(value)
                else "is not a date"
            )
            self.problem(
                self.line_of(key),
                f"{self.what} has `{key}: {_show(value)}`, which {reason}; write a date as YYYY-MM-DD",
            )
        return parsed

    def names(self, key: str, what_for: str) -> tuple[str, ...]:
        """A list of names at `key` (a single name is a list of one)."""
        value = self.node.get(key)
        if value is None:
            return ()
        shape_fix = f"write it as a list of {what_for}, like [a, b]"
        if isinstance(value, _Map) or (isinstance(value, str) and "," in value):
            self.problem(
                self.line_of(key), f"{self.what} has `{key}:` as {_shape(value)}; {shape_fix}"
            )
            return ()
        items = list(value) if isinstance(value, _Seq) else [value]
        lines = value.item_lines if isinstance(value, _Seq) else [self.line_of(key)]
        names: list[str] = []
        for item, line in zip(items, lines, strict=True):
            if isinstance(item, (_Map, _Seq)) or item is None or not _as_text(item):
                self.problem(line, f"{self.what} has {_shape(item)} in `{key}:`; {shape_fix}")
            elif _as_text(item) in names:
                self.problem(
                    line, f"{self.what} lists '{_as_text(item)}' twice in `{key}:`; list it once"
                )
            else:
                names.append(_as_text(item))
        return tuple(names)


class _Reader:
    """Walks the YAML document once, collecting problems and building the valid objects."""

    def __init__(
        self, file: str, folder: Path, environ: Mapping[str, str] | None, document_line: int = 1
    ):
        self.file = file
        self.document_line = document_line
        self.folder = folder
        self.environ = environ
        self.problems: list[Problem] = []
        self.reported_duplicates: set[int] = set()
        # Ids written in the catalog, valid or not: a reference to a broken item is dropped
        # quietly, since the item's own problem is already reported.
        self.written_sources: set[str] = set()
        self.written_metrics: set[str] = set()
        self.written_objectives: set[str] = set()
        # Sections where some item could not be named (a misspelt section, an item without a
        # valid id): a reference to an unknown id there may mean that item, so it is not
        # reported a second time.
        self.uncertain_ids: set[str] = set()
        # Objective and key-result ids share one namespace: id -> (kind, line).
        self.ids: dict[str, tuple[str, int]] = {}

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def report_duplicates(
        self, node: _Map, what: str, describe: Callable[[str, int], str] | None = None
    ) -> bool:
        """Report the keys repeated in `node` (once per mapping); True if there were any."""
        if id(node) in self.reported_duplicates or not node.duplicates:
            return bool(node.duplicates)
        self.reported_duplicates.add(id(node))
        names = [_as_text(key) if key is not None else "null" for key, _, _ in node.duplicates]
        if describe is None and len(names) > 1:
            # Several keys again, usually a new item pasted without its `- ` dash.
            line, first_line = node.duplicates[0][1], node.duplicates[0][2]
            keys = ", ".join(f"`{name}:`" for name in names)
            self.problem(
                line,
                f"{what} repeats {keys} from here (first given from line {first_line}); "
                "start a new list item with `- `, or keep one of each",
            )
            return True
        for (_, line, first_line), name in zip(node.duplicates, names, strict=True):
            if describe:
                message = describe(name, first_line)
            else:
                message = (
                    f"{what} has `{name}:` twice (first at line {first_line}); keep one of them"
                )
            self.problem(line, message)
        return True

    def report_leftover_duplicates(self, value: Any, seen: set[int] | None = None) -> None:
        """Repeated keys inside mappings the reader never visited (e.g. under an unknown key)."""
        seen = set() if seen is None else seen
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, _Map):
            self.report_duplicates(value, "this mapping")
            for item in value.values():
                self.report_leftover_duplicates(item, seen)
        elif isinstance(value, _Seq):
            for item in value:
                self.report_leftover_duplicates(item, seen)

    def item_id(self, entry: _Entry, key: Any, kind: str) -> str:
        """The id of a source or metric, written as its key; a bad id breaks the entry."""
        ident = _as_text(key) if key is not None else ""
        if not ID_PATTERN.match(ident):
            entry.problem(
                entry.line,
                f"{kind} id '{_show(ident)}' is not valid; use letters, digits, '-', '_' and '.' "
                "(starting with a letter or digit)",
            )
        return ident

    def section(self, root: _Map, key: str, kind: type, shape: str) -> Any:
        value = root.get(key)
        if value is None:
            return None
        if not isinstance(value, kind):
            self.problem(root.line_of(key), f"`{key}:` is {_shape(value)}; write it as {shape}")
            self.uncertain_ids.add(key)
            return None
        return value

    # -- the document ------------------------------------------------------------------------

    def read(self, document: Any) -> Catalog | None:
        if document is None or (isinstance(document, str) and not document.strip()):
            self.problem(1, "catalog is empty; start it with `version: 1`, then its sections")
            return None
        if not isinstance(document, _Map):
            self.problem(
                self.document_line,
                f"catalog is {_shape(document)}, "
                "not a mapping of sections; write `version: 1` then sources:, metrics:, objectives:",
            )
            return None
        root = _Entry(self, document, "catalog", 1)
        root.check_keys(ROOT_KEYS)
        for misspelt in ROOT_KEYS:
            if misspelt in root.suggested:
                # The section exists under a misspelt name: references into it are not unknown.
                self.uncertain_ids.add(misspelt)
        self.read_version(root)
        settings = self.read_settings(document)
        sources = self.read_sources(document)
        metrics = self.read_metrics(document, sources)
        objectives = self.read_objectives(document, metrics, settings)
        self.report_leftover_duplicates(document)
        return Catalog(
            path=Path(self.file),
            settings=settings,
            sources=sources,
            metrics=metrics,
            objectives=objectives,
        )

    def read_version(self, root: _Entry) -> None:
        if "version" not in root.node:
            if "version" not in root.suggested:
                self.problem(1, "catalog has no `version:`; add `version: 1` at the top")
            return
        version = root.node["version"]
        if isinstance(version, bool) or not isinstance(version, (int, float)) or version != 1:
            self.problem(
                root.line_of("version"),
                f"catalog has `version: {_show(version)}`, which is not supported; "
                "write `version: 1` (the version this okr reads)",
            )

    def read_settings(self, root: _Map) -> Settings:
        default = Settings(store=self.folder / "data" / "okr.duckdb")
        node = self.section(root, "settings", _Map, "a mapping: store:, timezone:, tolerance:")
        if node is None:
            return default
        entry = _Entry(self, node, "settings", root.line_of("settings"))
        entry.check_keys(SETTINGS_KEYS)
        store = entry.text("store")
        timezone = entry.text("timezone") or "UTC"
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            entry.problem(
                entry.line_of("timezone"),
                f"settings has unknown timezone '{_show(timezone)}'; "
                "use an IANA name like Europe/Berlin or UTC",
            )
            timezone = "UTC"
        tolerance = default.tolerance
        if node.get("tolerance") is not None:
            tolerance = self.read_tolerance(entry, default.tolerance) or default.tolerance
        return Settings(
            store=(self.folder / store) if store else default.store,
            timezone=timezone,
            tolerance=tolerance,
        )

    def read_tolerance(self, owner: _Entry, default: Tolerance) -> Tolerance | None:
        """`owner`'s `tolerance:` merged over `default`; None (and a problem) when invalid."""
        line = owner.line_of("tolerance")
        what = f"{owner.what} tolerance" if owner.what != "settings" else "settings tolerance"
        node = owner.node["tolerance"]
        if not isinstance(node, _Map):
            owner.problem(
                line,
                f"{what} is {_shape(node)}; write it as {{at_risk: 0.10, off_track: 0.25}}",
            )
            return None
        entry = _Entry(self, node, what, line)
        entry.check_keys(TOLERANCE_KEYS)
        values = {}
        for key in TOLERANCE_KEYS:
            number = entry.number(key, "a share of the baseline-to-target span, like 0.10")
            if number is not None and not 0 <= number <= 1:
                entry.problem(
                    entry.line_of(key),
                    f"{what} has `{key}: {_number_text(number)}`, outside 0..1; write a share of the "
                    "baseline-to-target span, like 0.10 for 10%",
                )
                number = None
            values[key] = number
        at_risk = default.at_risk if values["at_risk"] is None else values["at_risk"]
        off_track = default.off_track if values["off_track"] is None else values["off_track"]
        if not entry.broken and at_risk > off_track:
            given = [k for k in TOLERANCE_KEYS if k in node]
            conflict_line = max((entry.line_of(k) for k in given), default=line)
            entry.problem(
                conflict_line,
                f"{what} has at_risk {_number_text(at_risk)} above off_track {_number_text(off_track)}; "
                "at_risk must not exceed off_track (e.g. at_risk: 0.10, off_track: 0.25)",
            )
        if entry.broken:
            owner.broken = True
            return None
        return Tolerance(at_risk=at_risk, off_track=off_track)

    # -- sources -----------------------------------------------------------------------------

    def read_sources(self, root: _Map) -> dict[str, Source]:
        node = self.section(root, "sources", _Map, "a mapping of source ids, like `helpdesk:`")
        if node is None:
            return {}
        self.report_duplicates(
            node,
            "sources",
            lambda name, first: (
                f"source '{name}' is defined twice (first at line {first}); "
                "give each source its own id"
            ),
        )
        self.written_sources = self.written_ids("sources", node)
        used = self.used_sources(root)
        sources: dict[str, Source] = {}
        for key, body in node.items():
            source = self.read_source(key, body, node.line_of(key), used)
            if source is not None:
                sources[source.id] = source
        return sources

    def written_ids(self, section: str, node: _Map) -> set[str]:
        ids = {_as_text(k) for k in node if k is not None}
        if any(not ID_PATTERN.match(i) for i in ids) or None in node:
            self.uncertain_ids.add(section)
        return ids

    @staticmethod
    def used_sources(root: _Map) -> set[str]:
        metrics = root.get("metrics")
        if not isinstance(metrics, _Map):
            return set()
        return {
            _as_text(body["source"])
            for body in metrics.values()
            if isinstance(body, _Map) and isinstance(body.get("source"), (str, int, float))
        }

    def read_source(self, key: Any, body: Any, line: int, used: set[str]) -> Source | None:
        what = f"source '{_show(key)}'"
        if not isinstance(body, _Map):
            self.problem(
                line,
                f"{what} is {_shape(body)}; give it `type: csv` with `path:`, "
                "or `type: sql` with `url:`",
            )
            return None
        entry = _Entry(self, body, what, line)
        source_id = self.item_id(entry, key, "source")
        entry.check_keys(sorted(set(SOURCE_KEYS["csv"]) | set(SOURCE_KEYS["sql"])))
        kind = entry.choice(
            "type",
            ("csv", "sql"),
            required="add `type: csv` (a folder of exports) or `type: sql` (a database URL)",
        )
        if kind is None:
            return None
        other = "sql" if kind == "csv" else "csv"
        for key_name in SOURCE_KEYS[other]:
            if key_name in body and key_name not in SOURCE_KEYS[kind]:
                place = "path: (a folder)" if kind == "csv" else "url: (a database URL)"
                entry.problem(
                    entry.line_of(key_name),
                    f"{what} has `{key_name}:`, which belongs to {other} sources; "
                    f"a {kind} source takes {place}",
                )
        if kind == "csv":
            folder = entry.text("path", required="add `path:`, the folder of the CSV exports")
            if folder is not None:
                folder = self.expanded(entry, "path", folder, source_id in used) or folder
            if entry.broken or folder is None:
                return None
            return Source(source_id, "csv", path=self.folder / folder, line=line)
        url = entry.text("url", required="add `url:`, a SQLAlchemy URL like sqlite:///data/app.db")
        if url is not None:
            expanded = self.expanded(entry, "url", url, source_id in used)
            if expanded is not None and not _URL_SCHEME.match(expanded):
                shown = (
                    "the value of its environment variable"
                    if "${" in url
                    else secrets.mask_url(url)
                )
                entry.problem(
                    entry.line_of("url"),
                    f"{what} has url {_show(shown)}, which is not a database URL; write "
                    "dialect://user@host/database, e.g. postgresql://app@db/sales "
                    "or sqlite:///data/warehouse.db",
                )
        if entry.broken or url is None:
            return None
        return Source(source_id, "sql", url=url, line=line)

    def expanded(self, entry: _Entry, key: str, template: str, used: bool) -> str | None:
        """`template` with `${VAR}` expanded; None when it cannot be (a problem if it is used).

        A URL's expansion is only looked at, never kept: the Source holds the template.
        """
        bad = secrets.malformed_reference(template)
        if bad is not None:
            entry.problem(
                entry.line_of(key),
                f"{entry.what} has a malformed reference '{_show(bad)}' in `{key}:`; "
                "write ${VAR} or ${VAR:-default}",
            )
            return None
        unset = secrets.unset_variables(template, self.environ)
        if unset:
            if used:
                name = unset[0]
                entry.problem(
                    entry.line_of(key),
                    f"{entry.what} uses ${{{name}}}, which is not set; export {name}=... "
                    f"before running okr, or give a default: ${{{name}:-...}}",
                )
            return None
        return secrets.expand(template, self.environ)

    # -- metrics -----------------------------------------------------------------------------

    def read_metrics(self, root: _Map, sources: dict[str, Source]) -> dict[str, Metric]:
        node = self.section(root, "metrics", _Map, "a mapping of metric ids, like `csat:`")
        if node is None:
            return {}
        self.report_duplicates(
            node,
            "metrics",
            lambda name, first: (
                f"metric '{name}' is defined twice (first at line {first}); "
                "give each metric its own id"
            ),
        )
        self.written_metrics = self.written_ids("metrics", node)
        metrics: dict[str, Metric] = {}
        for key, body in node.items():
            metric = self.read_metric(key, body, node.line_of(key), sources)
            if metric is not None:
                metrics[metric.id] = metric
        return metrics

    def read_metric(
        self, key: Any, body: Any, line: int, sources: dict[str, Source]
    ) -> Metric | None:
        what = f"metric '{_show(key)}'"
        if not isinstance(body, _Map):
            self.problem(
                line,
                f"{what} is {_shape(body)}; give it source:, agg: and table:/time:/value: "
                "(or sql:) on indented lines",
            )
            return None
        entry = _Entry(self, body, what, line)
        metric_id = self.item_id(entry, key, "metric")
        entry.check_keys(METRIC_KEYS)
        source_id = self.metric_source(entry, sources)
        agg = entry.choice("agg", AGGS, required=f"add one of: {', '.join(AGGS)}")
        grain = entry.choice("grain", GRAINS) or "day"
        fmt = entry.choice("format", FORMATS) or "number"
        table, sql = entry.text("table"), entry.text("sql")
        time_column, value = entry.text("time"), entry.text("value")
        numerator, denominator = entry.text("numerator"), entry.text("denominator")
        filter_sql = entry.text("filter")
        self.metric_rows(entry, agg, table, sql, time_column, sources.get(source_id or ""))
        numerator, denominator = self.metric_values(entry, agg, sql, value, numerator, denominator)
        freshness = self.metric_freshness(entry)
        dimensions = entry.names("dimensions", "column names")
        if len(dimensions) > MAX_DIMENSIONS and agg in NON_ADDITIVE_AGGS:
            entry.problem(
                entry.line_of("dimensions"),
                f"{what} has {len(dimensions)} dimensions; agg {agg} stores every combination "
                f"of them, so keep at most {MAX_DIMENSIONS}, or define a second metric for the "
                "other breakdowns",
            )
        label, description = entry.text("label"), entry.text("description")
        owner, unit = entry.text("owner"), entry.text("unit")
        if entry.broken or source_id is None or agg is None:
            return None
        return Metric(
            id=metric_id,
            source=source_id,
            agg=agg,
            grain=grain,
            table=table if sql is None else None,
            sql=sql,
            time=time_column if sql is None else "time",
            value=value if sql is None else _sql_value_column(agg),
            numerator=numerator,
            denominator=denominator,
            filter=filter_sql,
            dimensions=dimensions,
            label=label or "",
            description=description or "",
            owner=owner,
            unit=unit or "",
            format=fmt,
            freshness=freshness,
            line=line,
        )

    def metric_values(
        self,
        entry: _Entry,
        agg: str | None,
        sql: str | None,
        value: str | None,
        numerator: str | None,
        denominator: str | None,
    ) -> tuple[str | None, str | None]:
        """Check what is aggregated: `value:`, or `numerator:` and `denominator:` for a ratio.

        Returns the numerator and denominator (None unless the metric is a ratio).
        """
        what = entry.what
        if agg != "ratio":
            for key_name in ("numerator", "denominator"):
                if entry.has(key_name):
                    entry.problem(
                        entry.line_of(key_name),
                        f"{what} has `{key_name}:`, which only agg ratio uses; remove it "
                        "or write `agg: ratio`",
                    )
            if value is None and agg not in (None, "count") and not entry.has("sql"):
                if entry.has("value"):
                    entry.problem(
                        entry.line_of("value"),
                        f"{what} has an empty `value:`; name a column or write an expression",
                    )
                else:
                    entry.missing("value", f"agg {agg} needs the column or expression to aggregate")
            return None, None
        if sql is not None:
            # A query may yield the numerator and denominator as columns of those names.
            numerator, denominator = numerator or "numerator", denominator or "denominator"
        for key_name, given in (("numerator", numerator), ("denominator", denominator)):
            if given is None and not entry.has(key_name):
                entry.missing(key_name, 'agg ratio needs a SQL expression for it, like "1"')
            elif given is None:
                entry.problem(
                    entry.line_of(key_name),
                    f"{what} has an empty `{key_name}:`; write a SQL expression",
                )
        if entry.has("value"):
            entry.problem(
                entry.line_of("value"),
                f"{what} has `value:` with agg ratio; a ratio takes `numerator:` and "
                "`denominator:` instead: remove `value:` or change the agg",
            )
        return numerator, denominator

    def metric_source(self, entry: _Entry, sources: dict[str, Source]) -> str | None:
        source_id = entry.text("source", required="add `source:`, the id of one of the sources")
        if source_id is None or source_id in sources:
            return source_id
        if source_id not in self.written_sources and "sources" not in self.uncertain_ids:
            hint = _hint(
                source_id, sorted(self.written_sources), "define it under sources: or fix the name"
            )
            entry.problem(
                entry.line_of("source"),
                f"{entry.what} uses unknown source '{source_id}'; {hint}",
            )
        entry.broken = True  # the source is broken: its own problem says why
        return None

    def metric_rows(
        self,
        entry: _Entry,
        agg: str | None,
        table: str | None,
        sql: str | None,
        time_column: str | None,
        source: Source | None,
    ) -> None:
        """Where the rows come from: `table:` with `time:`, or `sql:` alone."""
        if entry.has("sql"):
            if sql is None:
                entry.problem(
                    entry.line_of("sql"), f"{entry.what} has an empty `sql:`; write the query"
                )
            replaced = [k for k in ("table", "time", "value") if entry.has(k)]
            if agg == "ratio" and "value" in replaced:
                replaced.remove("value")  # reported as a ratio's stray `value:`
            if replaced:
                conflict_line = max(entry.line_of(k) for k in [*replaced, "sql"])
                keys = " and ".join(f"`{k}:`" for k in replaced)
                entry.problem(
                    conflict_line,
                    f"{entry.what} has `sql:` together with {keys}; `sql:` replaces table, "
                    "time and value (its query yields columns time, value and the dimensions): "
                    "keep one way",
                )
            return
        if table is None:
            if entry.has("table"):
                entry.problem(
                    entry.line_of("table"),
                    f"{entry.what} has an empty `table:`; name the table or file",
                )
            elif "table" not in entry.suggested and "sql" not in entry.suggested:
                entry.problem(
                    entry.line,
                    f"{entry.what} has neither `table:` nor `sql:`; add `table:` (with `time:` "
                    "and `value:`) or a `sql:` query",
                )
        elif source is not None:
            self.check_table(entry, table, source)
        if time_column is None and not entry.has("time"):
            if table is not None or entry.has("table"):
                entry.missing("time", "name the column holding each row's date or timestamp")
        elif time_column is None:
            entry.problem(
                entry.line_of("time"), f"{entry.what} has an empty `time:`; name the date column"
            )

    @staticmethod
    def check_table(entry: _Entry, table: str, source: Source) -> None:
        line = entry.line_of("table")
        if source.type == "csv":
            parts = table.replace("\\", "/").split("/")
            if table.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", table):
                entry.problem(
                    line,
                    f"{entry.what} has `table: {_show(table)}` outside its source folder; "
                    "write a file name or glob relative to the source's path",
                )
        elif any(c in table for c in "*?/\\") or table.lower().endswith(".csv"):
            entry.problem(
                line,
                f"{entry.what} has `table: {_show(table)}`, which is not a table name for sql "
                f"source '{source.id}'; name a table (schema.table), or use a csv source for files",
            )

    def metric_freshness(self, entry: _Entry) -> timedelta | None:
        raw = entry.node.get("freshness")
        if raw is None:
            return None
        freshness = parse_duration(_as_text(raw)) if not isinstance(raw, (_Map, _Seq)) else None
        if freshness is None:
            entry.problem(
                entry.line_of("freshness"),
                f"{entry.what} has `freshness: {_show(raw)}`, which is not a duration; "
                "write a positive amount with a unit, e.g. 2d, 36h, 1w or 90m",
            )
        return freshness

    # -- objectives and key results ----------------------------------------------------------

    def read_objectives(
        self, root: _Map, metrics: dict[str, Metric], settings: Settings
    ) -> tuple[Objective, ...]:
        raw = self.section(
            root, "objectives", _Seq, "a list: start each objective with `- id: ...`"
        )
        if raw is None:
            return ()
        for body in raw:
            raw_id = body.get("id") if isinstance(body, _Map) else None
            if isinstance(raw_id, (str, int, float, date)) and not isinstance(raw_id, bool):
                self.written_objectives.add(_as_text(raw_id))
                if ID_PATTERN.match(_as_text(raw_id)):
                    continue
            self.uncertain_ids.add("objectives")
        objectives: list[Objective] = []
        parents: dict[str, tuple[str, int]] = {}
        for index, body in enumerate(raw):
            line = raw.item_lines[index]
            if not isinstance(body, _Map):
                self.problem(
                    line,
                    f"objective #{index + 1} is {_shape(body)}; write it as a mapping "
                    "starting with `- id: ...`",
                )
                continue
            objective, parent_line = self.read_objective(body, line, index, metrics, settings)
            if objective is not None:
                objectives.append(objective)
                if objective.parent is not None:
                    parents[objective.id] = (objective.parent, parent_line)
        broken_links = self.check_parents(parents, {o.id for o in objectives})
        return tuple(replace(o, parent=None) if o.id in broken_links else o for o in objectives)

    def check_parents(self, parents: dict[str, tuple[str, int]], valid: set[str]) -> set[str]:
        """Report unknown parents and cycles; the ids whose parent link must be dropped."""
        broken = set()
        for child, (parent, line) in parents.items():
            if parent not in self.written_objectives and "objectives" in self.uncertain_ids:
                broken.add(child)  # perhaps the objective whose id could not be read
            elif parent not in self.written_objectives:
                hint = _hint(
                    parent,
                    sorted(self.written_objectives - {child}),
                    "fix the id or remove `parent:`",
                )
                self.problem(line, f"objective '{child}' has unknown parent '{parent}'; {hint}")
                broken.add(child)
            elif parent == child:
                self.problem(line, f"objective '{child}' is its own parent; remove `parent:`")
                broken.add(child)
            elif self.in_cycle(child, parents):
                self.problem(
                    line,
                    f"objective '{child}' is its own ancestor through `parent:` links; "
                    "break the cycle",
                )
                broken.add(child)
            elif parent not in valid:
                broken.add(child)  # the parent is broken and left out: its problem says why
        return broken

    @staticmethod
    def in_cycle(start: str, parents: dict[str, tuple[str, int]]) -> bool:
        seen, current = {start}, start
        while current in parents:
            current = parents[current][0]
            if current in seen:
                return current == start
            seen.add(current)
        return False

    def claim_id(self, entry: _Entry, ident: str, kind: str) -> None:
        """Objective and key-result ids are unique across the whole catalog."""
        if ident in self.ids:
            other_kind, other_line = self.ids[ident]
            entry.problem(
                entry.line_of("id"),
                f"{kind} id '{ident}' is already used by the {other_kind} at line {other_line}; "
                "ids of objectives and key results must be unique across the catalog",
            )
        else:
            self.ids[ident] = (kind, entry.line_of("id"))

    def read_id(self, entry: _Entry, kind: str) -> str | None:
        ident = entry.text("id", required=f"give the {kind} a unique id, like `- id: support-cx`")
        if ident is None:
            return None
        if not ID_PATTERN.match(ident):
            entry.problem(
                entry.line_of("id"),
                f"{kind} id '{_show(ident)}' is not valid; use letters, digits, '-', '_' and '.' "
                "(starting with a letter or digit)",
            )
            return None
        self.claim_id(entry, ident, kind)
        return ident

    def read_objective(
        self,
        body: _Map,
        line: int,
        index: int,
        metrics: dict[str, Metric],
        settings: Settings,
    ) -> tuple[Objective | None, int]:
        raw_id = body.get("id")
        name = _show(raw_id) if isinstance(raw_id, (str, int, float, date)) else f"#{index + 1}"
        entry = _Entry(self, body, f"objective '{name}'", line)
        entry.check_keys(OBJECTIVE_KEYS)
        # An unknown key is reported but does not leave the objective out: only a problem
        # with its id, title or window does.
        entry.broken = False
        objective_id = self.read_id(entry, "objective")
        title = entry.text("title", required="add a title saying what the objective is about")
        start, end, cycle = self.read_window(entry)
        essential_ok = not entry.broken
        owner, parent = entry.text("owner"), entry.text("parent")
        entry.text("description")
        tags = entry.names("tags", "tag names")
        key_results = self.read_key_results(entry, objective_id, start, end, metrics, settings)
        # A problem in an optional field leaves it out; without a valid id, title or window
        # the objective itself is left out, with its key results.
        if not essential_ok or None in (objective_id, title, start, end):
            return None, 0
        return (
            Objective(
                id=objective_id,
                title=title,
                start=start,
                end=end,
                key_results=key_results,
                owner=owner,
                parent=parent,
                tags=tags,
                cycle=cycle,
                line=line,
            ),
            entry.line_of("parent"),
        )

    def read_window(self, entry: _Entry) -> tuple[date | None, date | None, str | None]:
        """The objective's first and last day, from `cycle:` or from `start:` and `end:`."""
        if entry.has("cycle"):
            clashing = [k for k in ("start", "end") if entry.has(k)]
            if clashing:
                conflict_line = max(entry.line_of(k) for k in [*clashing, "cycle"])
                keys = " and ".join(f"`{k}:`" for k in clashing)
                entry.problem(
                    conflict_line,
                    f"{entry.what} has both `cycle:` and {keys}; give either a cycle or "
                    "start and end dates",
                )
                return None, None, None
            raw = entry.node["cycle"]
            label = _as_text(raw) if isinstance(raw, (str, int)) and raw is not True else ""
            try:
                start, end = parse_cycle(label)
            except CycleError:
                entry.problem(
                    entry.line_of("cycle"),
                    f"{entry.what} has `cycle: {_show(raw)}`, which is not a cycle; write a "
                    "quarter (2026-Q3), a half (2026-H1) or a year (2026)",
                )
                return None, None, None
            return start, end, label.upper()
        if not entry.has("start") and not entry.has("end"):
            if not {"cycle", "start", "end"} & entry.suggested:
                entry.problem(
                    entry.line,
                    f"{entry.what} has no window; add `cycle: 2026-Q3`, or `start:` and `end:`",
                )
            return None, None, None
        start, end = entry.day("start"), entry.day("end")
        for key in ("start", "end"):
            if not entry.has(key):
                entry.missing(key, "add it as YYYY-MM-DD, or use `cycle:` instead")
        if start is not None and end is not None and end <= start:
            entry.problem(
                entry.line_of("end"),
                f"{entry.what} has end {end} {'on' if end == start else 'before'} its start "
                f"{start}; the end must come after the start",
            )
            return None, None, None
        return start, end, None

    def read_key_results(
        self,
        objective: _Entry,
        objective_id: str | None,
        start: date | None,
        end: date | None,
        metrics: dict[str, Metric],
        settings: Settings,
    ) -> tuple[KeyResult, ...]:
        raw = objective.node.get("key_results")
        if raw is None:
            return ()
        if not isinstance(raw, _Seq):
            objective.problem(
                objective.line_of("key_results"),
                f"{objective.what}: `key_results:` must be a list; start each key result "
                "with `- id: ...`",
            )
            return ()
        key_results = []
        for index, body in enumerate(raw):
            line = raw.item_lines[index]
            if not isinstance(body, _Map):
                self.problem(
                    line,
                    f"{objective.what}, key result #{index + 1} is {_shape(body)}; write "
                    "it as a mapping starting with `- id: ...`",
                )
                continue
            kr = self.read_key_result(
                body, line, index, objective_id, (start, end), metrics, settings
            )
            if kr is not None:
                key_results.append(kr)
        return tuple(key_results)

    def read_key_result(
        self,
        body: _Map,
        line: int,
        index: int,
        objective_id: str | None,
        window: tuple[date | None, date | None],
        metrics: dict[str, Metric],
        settings: Settings,
    ) -> KeyResult | None:
        raw_id = body.get("id")
        name = _show(raw_id) if isinstance(raw_id, (str, int, float, date)) else f"#{index + 1}"
        entry = _Entry(self, body, f"key result '{name}'", line)
        entry.check_keys(KR_KEYS)
        kr_id = self.read_id(entry, "key result")
        title = entry.text("title", required="add a title saying what the key result measures")
        metric = self.kr_metric(entry, metrics)
        target, level = self.kr_target(entry)
        baseline = self.kr_baseline(entry, target, level)
        measure = self.kr_measure(entry, metric)
        where = self.kr_where(entry, metric)
        commitment = entry.choice("commitment", COMMITMENTS) or "committed"
        owner = entry.text("owner")
        entry.text("description")
        weight = entry.number("weight", "a positive number, like 1 or 2")
        if weight is not None and weight <= 0:
            entry.problem(
                entry.line_of("weight"),
                f"{entry.what} has `weight: {_number_text(weight)}`; a weight must be above 0 (the default is 1)",
            )
        tolerance = settings.tolerance
        if entry.node.get("tolerance") is not None:
            tolerance = self.read_tolerance(entry, settings.tolerance) or settings.tolerance
        checkpoints = self.kr_checkpoints(entry, *window)
        start, end = window
        if entry.broken or None in (kr_id, title, metric, target, objective_id, start, end):
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
            commitment=commitment,
            owner=owner,
            weight=weight if weight is not None else 1.0,
            tolerance=tolerance,
            checkpoints=checkpoints,
            line=line,
        )

    def kr_metric(self, entry: _Entry, metrics: dict[str, Metric]) -> Metric | None:
        metric_id = entry.text("metric", required="add `metric:`, the id of one of the metrics")
        if metric_id is None:
            return None
        if metric_id in metrics:
            return metrics[metric_id]
        if metric_id not in self.written_metrics and "metrics" not in self.uncertain_ids:
            hint = _hint(
                metric_id, sorted(self.written_metrics), "define it under metrics: or fix the name"
            )
            entry.problem(
                entry.line_of("metric"), f"{entry.what} uses unknown metric '{metric_id}'; {hint}"
            )
        entry.broken = True  # a broken metric: its own problem says why
        return None

    def kr_target(self, entry: _Entry) -> tuple[float | None, str | None]:
        if entry.node.get("target") is None:
            if entry.has("target"):
                entry.problem(
                    entry.line_of("target"),
                    f"{entry.what} has an empty `target:`; write a number, or '>= N' / '<= N' "
                    "to hold a level",
                )
            else:
                entry.missing("target", "add a number, or '>= N' / '<= N' to hold a level")
            return None, None
        parsed = parse_target(entry.node["target"])
        if parsed is None:
            entry.problem(
                entry.line_of("target"),
                f"{entry.what} has `target: {_show(entry.node['target'])}`, which is not a number "
                "nor a level; write e.g. 90, or '>= 99.9' / '<= 2' (quoted) to hold a level",
            )
            return None, None
        return parsed

    def kr_baseline(
        self, entry: _Entry, target: float | None, level: str | None
    ) -> float | str | None:
        raw = entry.node.get("baseline")
        if raw is None:
            if entry.has("baseline"):
                entry.problem(
                    entry.line_of("baseline"),
                    f"{entry.what} has an empty `baseline:`; write a number or `auto`, "
                    "or remove the line",
                )
            return None
        if isinstance(raw, str) and raw.strip() == "auto":
            return "auto"
        baseline = _as_number(raw)
        if baseline is None:
            entry.problem(
                entry.line_of("baseline"),
                f"{entry.what} has `baseline: {_show(raw)}`, which is not a number; write a number "
                "or `auto` (the measured value at start)",
            )
            return None
        if level is None and target is not None and baseline == target:
            # The rule reads "baseline differs from target": it is reported at the baseline.
            entry.problem(
                entry.line_of("baseline"),
                f"{entry.what} has baseline and target both {_number_text(target)}; a key result must move: "
                f"change one of them, or write target: '>= {_number_text(target)}' to hold the level",
            )
        return baseline

    def kr_measure(self, entry: _Entry, metric: Metric | None) -> Measure:
        raw = entry.node.get("measure")
        if raw is None:
            return Measure()
        measure = None if isinstance(raw, (_Map, _Seq)) else parse_measure(_as_text(raw))
        if measure is None:
            text = _show(raw)
            close = _suggest(text, ("latest", "to_date"))
            hint = (
                f"did you mean '{close}'?"
                if close
                else "use latest, trailing <N>d (e.g. trailing 28d) or to_date"
            )
            entry.problem(
                entry.line_of("measure"),
                f"{entry.what} has `measure: {text}`, which is not valid; {hint}",
            )
            return Measure()
        if metric is not None and measure.kind != "latest" and metric.agg in NON_ADDITIVE_AGGS:
            entry.problem(
                entry.line_of("measure"),
                f"{entry.what} has `measure: {measure}`, but metric '{metric.id}' uses agg "
                f"{metric.agg}, which cannot be re-aggregated over a window; use `measure: latest` "
                "or give the metric an additive agg (sum, count, avg, min, max, ratio)",
            )
        return measure

    def kr_where(self, entry: _Entry, metric: Metric | None) -> tuple[tuple[str, str], ...]:
        raw = entry.node.get("where")
        if raw is None:
            return ()
        if not isinstance(raw, _Map):
            entry.problem(
                entry.line_of("where"),
                f"{entry.what} has `where:` as {_shape(raw)}; write one value per dimension, "
                "like {region: EMEA}",
            )
            return ()
        self.report_duplicates(raw, f"{entry.what} where")
        pairs = []
        for key, value in raw.items():
            name = _as_text(key) if key is not None else "null"
            line = raw.line_of(key)
            if metric is not None and name not in metric.dimensions:
                dims = ", ".join(metric.dimensions) or "none"
                entry.problem(
                    line,
                    f"{entry.what}: where names '{name}', which is not a dimension of metric "
                    f"'{metric.id}' (its dimensions: {dims}); add it to the metric's "
                    "`dimensions:` or fix the name",
                )
            if value is None or isinstance(value, (_Map, _Seq)) or not _as_text(value):
                entry.problem(
                    line,
                    f"{entry.what}: where gives '{name}' {_shape(value)}; "
                    "give one value, like {region: EMEA}",
                )
                continue
            pairs.append((name, _as_text(value)))
        return tuple(sorted(pairs))

    def kr_checkpoints(
        self, entry: _Entry, start: date | None, end: date | None
    ) -> tuple[tuple[date, float], ...]:
        raw = entry.node.get("checkpoints")
        if raw is None:
            return ()
        if not isinstance(raw, _Map):
            entry.problem(
                entry.line_of("checkpoints"),
                f"{entry.what} has `checkpoints:` as {_shape(raw)}; write dates and values, "
                "like {2026-07-31: 78, 2026-08-31: 84}",
            )
            return ()
        self.report_duplicates(
            raw,
            f"{entry.what} checkpoints",
            lambda name, first: (
                f"{entry.what} has checkpoint {name} twice (first at line {first}); keep one"
            ),
        )
        points = []
        for key, value in raw.items():
            line = raw.line_of(key)
            day = _to_date(key)
            if day is None:
                entry.problem(
                    line,
                    f"{entry.what} has checkpoint '{_show(key)}', which is not a date; "
                    "write YYYY-MM-DD: value",
                )
                continue
            number = _as_number(value)
            if number is None:
                entry.problem(
                    line,
                    f"{entry.what} has checkpoint {day} with '{_show(value)}', which is not a "
                    "number; write the value expected on that day",
                )
                continue
            if start is not None and end is not None and not start < day < end:
                entry.problem(
                    line,
                    f"{entry.what} has checkpoint {day} outside its window {start} – {end}; "
                    "move it strictly between the start and the end",
                )
                continue
            points.append((day, number))
        return tuple(sorted(points))


def _sql_value_column(agg: str) -> str | None:
    """The column a metric's `sql:` query yields for its value (ratios yield two instead)."""
    return None if agg == "ratio" else "value"
