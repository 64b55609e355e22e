"""Edit `metrics.yml` in place: add or change a source, a metric, an objective or a key result.

Edits rewrite only the lines they concern: every other line of the file (comments, blank
lines, quoting, order) stays byte for byte. Saving is atomic, refuses to overwrite a file that
changed on disk since it was loaded, and keeps each saved version in `okr.history`.

    text = apply_edit(text, Edit("metric", "nps", {"source": "survey", "agg": "avg", ...}))
    save(path, text, loaded_digest)      # raises SaveConflict, or CatalogError if invalid

A field set to None removes that key; a field left out of an edit is left as it is.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from okr import history
from okr.catalog import (
    KR_KEYS,
    METRIC_KEYS,
    OBJECTIVE_KEYS,
    CatalogError,
    parse_catalog,
)
from okr.secrets import mask_urls

__all__ = [
    "CatalogFile",
    "Edit",
    "EditError",
    "SaveConflict",
    "apply_edit",
    "apply_edits",
    "catalog_diff",
    "changed_lines",
    "digest",
    "entry_fields",
    "entry_ids",
    "open_catalog",
    "save",
]

EditKind = Literal["source", "metric", "objective", "key_result"]
TOP_KEYS = ("version", "settings", "sources", "metrics", "objectives")
SOURCE_FIELDS = ("type", "path", "url", "description")
# The order new keys are written in, and where a key missing from an entry is inserted.
KEY_ORDER: dict[str, tuple[str, ...]] = {
    "source": SOURCE_FIELDS,
    "metric": METRIC_KEYS,
    "objective": OBJECTIVE_KEYS,
    "key_result": KR_KEYS,
}


class EditError(ValueError):
    """An edit that cannot be made to the catalog text as it is; the message says why and
    what to do instead."""


@dataclass(frozen=True)
class Edit:
    """One change to the catalog, kept so it can be applied again to a newer text of the file.

    `kind` and `id` name the entry; `fields` maps keys to new values (None removes the key;
    keys not given are left alone). An entry that does not exist yet is added. A new key
    result is added to `objective`.
    """

    kind: EditKind
    id: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    objective: str | None = None

    def against(self, text: str) -> Edit:
        """This edit reduced to the keys it really changes in `text`, so that applying it
        again to a newer version of the file keeps what others changed meanwhile."""
        written = entry_fields(text, self.kind, self.id)
        if written is None:
            return self
        fields = {
            key: value
            for key, value in self.fields.items()
            if key != "id" and _plain(written.get(key)) != _plain(_clean(value))
        }
        return Edit(self.kind, self.id, fields, self.objective)

    def describe(self, before: str | None = None) -> str:
        """ "add metric 'nps'" or "change metric 'csat': agg, grain", judged against `before`
        (the text the edit applies to); without it, just the entry."""
        what = f"{self.kind.replace('_', ' ')} '{self.id}'"
        if before is None:
            return what
        written = entry_fields(before, self.kind, self.id)
        if written is None:
            return f"add {what}"
        changed = [
            key
            for key, value in self.fields.items()
            if key != "id" and _plain(written.get(key)) != _plain(_clean(value))
        ]
        return f"change {what}: {', '.join(changed)}" if changed else f"no change to {what}"


@dataclass(frozen=True)
class CatalogFile:
    """The text of a catalog file as it was read, and the digest that later detects changes."""

    path: Path
    text: str
    digest: str


class SaveConflict(Exception):
    """The catalog changed on disk since it was loaded; nothing was written."""

    def __init__(self, path: Path, loaded_text: str, disk_text: str | None):
        self.path = path
        self.loaded_text = loaded_text
        self.disk_text = disk_text
        if disk_text is None:
            what = f"{path.name} was removed or cannot be read since you loaded it"
        else:
            count = changed_lines(loaded_text, disk_text)
            what = (
                f"{path.name} changed on disk since you loaded it "
                f"({count} line{'s differ' if count != 1 else ' differs'})"
            )
        super().__init__(
            f"{what}; your changes were not saved. Reload the file and apply your changes "
            f"again, or download your version and merge it by hand"
        )

    @property
    def changes(self) -> str:
        """What changed on disk since loading, as a unified diff (secrets masked)."""
        return catalog_diff(self.loaded_text, self.disk_text or "", self.path.name)


# -- reading and saving ---------------------------------------------------------------------


def digest(text: str) -> str:
    """The content hash that tells whether a catalog changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_exact(path: Path) -> str:
    # newline="" keeps \r\n as written, so a save never rewrites every line of a CRLF file.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def open_catalog(path: str | Path) -> CatalogFile:
    """The catalog file's text and digest; raises OSError when it cannot be read."""
    path = Path(path)
    text = _read_exact(path)
    return CatalogFile(path, text, digest(text))


def save(path: str | Path, text: str, loaded: CatalogFile, *, when: datetime | None = None) -> Path:
    """Write `text` to the catalog at `path` atomically and keep it as a saved version.

    Raises CatalogError when `text` has problems (the rules of `okr validate`), and
    SaveConflict when the file on disk is no longer the `loaded` one (its digest differs).
    `when` (naive UTC, default now) stamps the version. The text being replaced is kept as a
    version too, stamped just before, so `okr lint` can tell what a save changed.
    Returns the path of the saved version.
    """
    path = Path(path)
    when = when or datetime.now(UTC).replace(tzinfo=None)
    _catalog, problems = parse_catalog(text, path)
    if problems:
        raise CatalogError(problems)
    previous = _current_text(path)
    if previous is None or digest(previous) != loaded.digest:
        raise SaveConflict(path, loaded.text, previous)
    _keep_previous_version(path, previous, when)
    _write_atomically(path, text, loaded)
    return history.save_version(path, text, when)


def _current_text(path: Path) -> str | None:
    try:
        return _read_exact(path)
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _keep_previous_version(path: Path, previous: str, when: datetime) -> None:
    saved = history.versions(path)
    if saved and _same_text(saved[-1][1], previous):
        return
    history.save_version(path, previous, when - timedelta(microseconds=1))


def _same_text(version: Path, text: str) -> bool:
    try:
        return version.read_text(encoding="utf-8") == text
    except OSError:
        return False  # an unreadable old version is not compared: a fresh copy is kept


def _write_atomically(path: Path, text: str, loaded: CatalogFile) -> None:
    folder = path.resolve().parent
    mode = path.stat().st_mode & 0o777
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        # Checked once more right before the swap, so the window for a lost update is tiny.
        current = _current_text(path)
        if current is None or digest(current) != loaded.digest:
            raise SaveConflict(path, loaded.text, current)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # folders cannot be opened on every platform; the rename is still atomic
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is synced
    finally:
        os.close(descriptor)


# -- diffs ----------------------------------------------------------------------------------


def catalog_diff(before: str, after: str, name: str = "metrics.yml") -> str:
    """A unified diff from `before` to `after`, with passwords in URLs masked."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{name} (on disk)",
        tofile=f"{name} (edited)",
    )
    return "".join(mask_urls(line if line.endswith("\n") else line + "\n") for line in lines)


def changed_lines(before: str, after: str) -> int:
    """How many lines were removed, added or replaced between the two texts."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


# -- edits ----------------------------------------------------------------------------------


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with every edit applied in order."""
    for edit in edits:
        text = apply_edit(text, edit)
    return text


def apply_edit(text: str, edit: Edit) -> str:
    """`text` with one edit applied: only the lines of the edited keys change."""
    document = _Document(text)
    if edit.kind in ("source", "metric"):
        section = "sources" if edit.kind == "source" else "metrics"
        document.set_named_entry(section, edit.id, edit.fields, KEY_ORDER[edit.kind])
    elif edit.kind == "objective":
        document.set_objective(edit.id, edit.fields)
    elif edit.kind == "key_result":
        document.set_key_result(edit.id, edit.objective, edit.fields)
    else:
        raise EditError(f"unknown kind of edit '{edit.kind}'")
    return document.text()


def entry_ids(text: str, kind: EditKind) -> list[str]:
    """The ids of every entry of one kind written in `text`, valid or not, in file order."""
    document = _Document(text)
    if kind in ("source", "metric"):
        section = document.root.get("sources" if kind == "source" else "metrics")
        return [str(k) for k in section] if isinstance(section, CommentedMap) else []
    if kind == "objective":
        return [str(o.get("id")) for o in document.objectives() if o.get("id") is not None]
    ids = []
    for objective in document.objectives():
        krs = objective.get("key_results")
        for kr in krs if isinstance(krs, CommentedSeq) else ():
            if isinstance(kr, CommentedMap) and kr.get("id") is not None:
                ids.append(str(kr.get("id")))
    return ids


def entry_fields(text: str, kind: EditKind, entry_id: str) -> dict[str, Any] | None:
    """The keys of one entry as written in `text`, as plain values; None when it is absent.

    For a key result, the extra key `objective` names the objective it belongs to.
    """
    document = _Document(text)
    if kind in ("source", "metric"):
        section = document.root.get("sources" if kind == "source" else "metrics")
        found = section.get(entry_id) if isinstance(section, CommentedMap) else None
        return _python(found) if isinstance(found, CommentedMap) else None
    if kind == "objective":
        found = document.find_objective(entry_id)
        if found is None:
            return None
        return {k: v for k, v in _python(found).items() if k != "key_results"}
    for objective in document.objectives():
        krs = objective.get("key_results")
        for kr in krs if isinstance(krs, CommentedSeq) else ():
            if isinstance(kr, CommentedMap) and str(kr.get("id")) == entry_id:
                return {**_python(kr), "objective": str(objective.get("id"))}
    return None


class _Document:
    """The catalog text as lines, with the parsed YAML that says where each key is."""

    def __init__(self, text: str):
        try:
            self.root = YAML(typ="rt").load(text)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise EditError(
                f"the catalog has a YAML syntax error at line {line}; fix it in the file first"
            ) from None
        if self.root is None:
            self.root = CommentedMap()
        if not isinstance(self.root, CommentedMap):
            raise EditError("the catalog is not a mapping of `key: value` lines; fix the file")
        self.lines = text.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith(("\n", "\r")):
            self.lines[-1] += "\n"
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def text(self) -> str:
        return "".join(self.lines)

    # -- entries ------------------------------------------------------------------------------

    def set_named_entry(
        self, section: str, entry_id: str, fields: Mapping[str, Any], order: Sequence[str]
    ) -> None:
        fields = {k: v for k, v in fields.items() if k != "id"}
        node = self.root.get(section)
        if isinstance(node, CommentedMap) and entry_id in node:
            body = node[entry_id]
            if not isinstance(body, CommentedMap) or _is_flow(body):
                raise EditError(
                    f"{section}.{entry_id} is not written as indented `key: value` lines; "
                    f"rewrite it that way in the file to edit it here"
                )
            self.set_fields(body, fields, order)
            return
        values = _ordered(fields, order)
        if values:
            self.add_to_mapping_section(section, entry_id, values)

    def set_objective(self, objective_id: str, fields: Mapping[str, Any]) -> None:
        found = self.find_objective(objective_id)
        if found is not None:
            self.set_fields(found, fields, KEY_ORDER["objective"])
            return
        values = {"id": objective_id, **_ordered(fields, KEY_ORDER["objective"])}
        self.add_to_sequence_section("objectives", values)

    def set_key_result(
        self, kr_id: str, objective_id: str | None, fields: Mapping[str, Any]
    ) -> None:
        for objective in self.objectives():
            krs = objective.get("key_results")
            if not isinstance(krs, CommentedSeq):
                continue
            for kr in krs:
                if isinstance(kr, CommentedMap) and str(kr.get("id")) == kr_id:
                    if objective_id is not None and str(objective.get("id")) != objective_id:
                        raise EditError(
                            f"key result '{kr_id}' belongs to objective '{objective.get('id')}', "
                            f"not '{objective_id}'; move it by hand in the file"
                        )
                    if _is_flow(kr):
                        raise EditError(
                            f"key result '{kr_id}' is written inline ({{...}}); rewrite it as "
                            f"indented `key: value` lines in the file to edit it here"
                        )
                    self.set_fields(kr, fields, KEY_ORDER["key_result"])
                    return
        if objective_id is None:
            raise EditError(f"key result '{kr_id}' is new: choose the objective it belongs to")
        objective = self.find_objective(objective_id)
        if objective is None:
            raise EditError(
                f"objective '{objective_id}' does not exist; add it first or pick another one"
            )
        values = {"id": kr_id, **_ordered(fields, KEY_ORDER["key_result"])}
        krs = objective.get("key_results")
        if isinstance(krs, CommentedSeq) and len(krs) and not _is_flow(krs):
            self.append_item(krs, values)
        elif krs is None or (isinstance(krs, CommentedSeq) and not len(krs)):
            self.set_fields(objective, {"key_results": [values]}, KEY_ORDER["objective"])
        else:
            raise EditError(
                f"objective '{objective_id}': key_results is not written as a `- id: ...` list; "
                f"rewrite it that way in the file to add key results here"
            )

    def objectives(self) -> list[CommentedMap]:
        raw = self.root.get("objectives")
        if not isinstance(raw, CommentedSeq):
            return []
        return [o for o in raw if isinstance(o, CommentedMap)]

    def find_objective(self, objective_id: str) -> CommentedMap | None:
        return next((o for o in self.objectives() if str(o.get("id")) == objective_id), None)

    # -- keys of one mapping ------------------------------------------------------------------

    def set_fields(
        self, node: CommentedMap, fields: Mapping[str, Any], order: Sequence[str]
    ) -> None:
        """Change, add or remove keys of a block mapping.

        Every change is planned against the text as parsed, as (first line, end line,
        new lines), then carried out from the bottom up so earlier plans stay valid.
        """
        if not len(node):
            raise EditError("cannot add keys to an empty mapping; write one key by hand first")
        rank = {key: index for index, key in enumerate(order)}
        plans: list[tuple[int, int, int, list[str]]] = []  # (first, tie-break, end, lines)
        indent = self.key_indent(node)
        for key, value in fields.items():
            value = _clean(value)
            if key in node:
                first, last = self.entry_span(node, key)
                if value is None:
                    plans.append((first, 1_000_000, last + 1, []))
                elif _plain(node[key]) != _plain(value):
                    plans.append((first, 1_000_000, *self.replacement(node, key, value)[1:]))
            elif value is not None:
                at = self.insert_line(node, key, order)
                plans.append(
                    (at, rank.get(key, len(rank)), at, self.render_field(key, value, indent))
                )
        # At one line, a replaced key's plan runs before insertions there, and insertions run
        # in reverse catalog order, so the inserted keys end up in catalog order.
        for first, _tie, end, lines in sorted(plans, key=lambda p: (p[0], p[1]), reverse=True):
            self.lines[first:end] = lines

    def replacement(self, node: CommentedMap, key: str, value: Any) -> tuple[int, int, list[str]]:
        """The plan that gives `key` a new value, keeping the line's comment when it can."""
        first, last = self.entry_span(node, key)
        current = node[key]
        value_line, value_col = node.lc.value(key)
        inline = not isinstance(current, (CommentedMap, CommentedSeq)) or _is_flow(current)
        rendered = self.render_field(key, value, 0)
        if first == last == value_line and inline and len(rendered) == 1:
            line = self.lines[first]
            body = line.rstrip("\r\n")
            ending = line[len(body) :]
            comment = _comment_start(body, value_col)
            new_value = rendered[0].rstrip("\r\n")[len(_key_text(key)) + 1 :].strip()
            head = body[:value_col] + new_value
            if comment is not None:
                # Keep the comment in its column when the new value leaves room for it.
                head = head.ljust(comment - 1) + " " + body[comment:]
            return first, first + 1, [head + ending]
        return first, last + 1, self.render_field(key, value, self.key_indent(node))

    def key_line(self, node: CommentedMap, key: Any) -> int:
        return node.lc.key(key)[0]

    def key_indent(self, node: CommentedMap) -> int:
        return node.lc.key(next(iter(node)))[1]

    def insert_line(self, node: CommentedMap, key: str, order: Sequence[str]) -> int:
        """Where a new `key` goes: after the nearest key that comes before it in `order`."""
        keys = list(node)
        position = order.index(key) if key in order else len(order)
        before = [k for k in keys if k in order and order.index(k) < position]
        if before:
            anchor = max(before, key=lambda k: order.index(k))
            return self.entry_span(node, anchor)[1] + 1
        if key not in order:
            return self.entry_span(node, keys[-1])[1] + 1
        first = keys[0]
        first_line, first_col = node.lc.key(first)
        if self.lines[first_line][:first_col].strip().endswith("-"):
            return self.entry_span(node, first)[1] + 1  # `- id:` shares the dash's line
        return first_line

    # -- spans --------------------------------------------------------------------------------

    def entry_span(self, node: CommentedMap, key: Any) -> tuple[int, int]:
        """The first and last line of `key: value` in `node`, trailing comments left out."""
        first = self.key_line(node, key)
        keys = list(node)
        index = keys.index(key)
        end = self.key_line(node, keys[index + 1]) if index + 1 < len(keys) else self.node_end(node)
        return first, self.last_content_line(first, end)

    def node_end(self, node: Any) -> int:
        """The line after the last line that can belong to `node` (a mapping or list)."""
        found = self._end_in(self.root, node, len(self.lines))
        return found if found >= 0 else len(self.lines)

    def _end_in(self, parent: Any, target: Any, end: int) -> int:
        if parent is target:
            return end
        if isinstance(parent, CommentedMap):
            children = [(parent[k], self.key_line(parent, k)) for k in parent]
        elif isinstance(parent, CommentedSeq):
            children = [(item, parent.lc.item(i)[0]) for i, item in enumerate(parent)]
        else:
            return -1
        for index, (child, _line) in enumerate(children):
            if not isinstance(child, (CommentedMap, CommentedSeq)):
                continue
            child_end = children[index + 1][1] if index + 1 < len(children) else end
            found = self._end_in(child, target, child_end)
            if found >= 0:
                return found
        return -1

    def last_content_line(self, first: int, end: int) -> int:
        """The last line in [first, end) that is neither blank nor only a comment."""
        last = first
        for index in range(first + 1, min(end, len(self.lines))):
            stripped = self.lines[index].strip()
            if stripped and not stripped.startswith("#"):
                last = index
        return last

    def blank_before(self, line: int) -> bool:
        return line > 0 and not self.lines[line - 1].strip()

    # -- adding entries -----------------------------------------------------------------------

    def add_to_mapping_section(self, section: str, entry_id: str, values: dict) -> None:
        node = self.root.get(section)
        if isinstance(node, CommentedMap) and len(node) and not _is_flow(node):
            entry_indent = self.key_indent(node)
            last_key = list(node)[-1]
            body = node[last_key]
            inner = 2
            if isinstance(body, CommentedMap) and len(body) and not _is_flow(body):
                inner = self.key_indent(body) - entry_indent
            at = self.entry_span(node, last_key)[1] + 1
            spaced = self.blank_before(self.key_line(node, last_key))
            lines = self.render_entry(entry_id, values, entry_indent, inner)
            self.lines[at:at] = ([self.newline] if spaced else []) + lines
        elif section in self.root and (node is None or isinstance(node, CommentedMap)):
            # `section:` with nothing under it yet, or `section: {}`.
            self.open_section(section, self.render_entry(entry_id, values, 2, 2))
        elif section in self.root:
            raise EditError(
                f"`{section}:` is not written as indented `key: value` lines; rewrite it that "
                f"way in the file to add to it here"
            )
        else:
            heading = f"{section}:{self.newline}"
            self.add_section(section, [heading, *self.render_entry(entry_id, values, 2, 2)])

    def add_to_sequence_section(self, section: str, values: dict) -> None:
        node = self.root.get(section)
        if isinstance(node, CommentedSeq) and len(node) and not _is_flow(node):
            self.append_item(node, values)
        elif section in self.root and (node is None or isinstance(node, CommentedSeq)):
            self.open_section(section, self.render_item(values, 2, 2))
        elif section in self.root:
            raise EditError(f"`{section}:` is not a `- id: ...` list; fix it in the file first")
        else:
            heading = f"{section}:{self.newline}"
            self.add_section(section, [heading, *self.render_item(values, 2, 2)])

    def append_item(self, seq: CommentedSeq, values: dict) -> None:
        item_line, item_col = seq.lc.item(len(seq) - 1)
        dash_col = len(self.lines[item_line][:item_col].rstrip()) - 1
        end = self.last_content_line(item_line, self.node_end(seq))
        spaced = self.blank_before(item_line)
        rendered = self.render_item(values, dash_col, item_col - dash_col)
        self.lines[end + 1 : end + 1] = ([self.newline] if spaced else []) + rendered

    def open_section(self, section: str, block: list[str]) -> None:
        """`section:` (empty, `{}` or `[]`) becomes `section:` followed by `block`."""
        line = self.key_line(self.root, section)
        body = self.lines[line].rstrip("\r\n")
        comment = _comment_start(body, len(section) + 1)
        tail = "  " + body[comment:] if comment is not None else ""
        self.lines[line : line + 1] = [f"{section}:{tail}{self.newline}", *block]

    def add_section(self, section: str, block: list[str]) -> None:
        later = [k for k in TOP_KEYS[TOP_KEYS.index(section) + 1 :] if k in self.root]
        if later:
            at = self.key_line(self.root, later[0])
            while at > 0 and self.lines[at - 1].strip().startswith("#"):
                at -= 1  # a section's heading comment stays above it
            self.lines[at:at] = [*block, self.newline]
            return
        if self.lines and self.lines[-1].strip():
            block = [self.newline, *block]
        self.lines.extend(block)

    # -- rendering ----------------------------------------------------------------------------

    def render_field(self, key: str, value: Any, indent: int) -> list[str]:
        """`key: value` lines at `indent`: scalars and flat lists or mappings on one line,
        text with line breaks as a `|` block, a list of mappings as `- ` items."""
        pad = " " * indent
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            lines = [f"{pad}{_key_text(key)}:{self.newline}"]
            for item in value:
                lines += self.render_item(item, indent + 2, 2)
            return lines
        node = CommentedMap()
        node[key] = _inline(value)
        return self._dump(node, indent)

    def render_entry(self, entry_id: str, values: Mapping, indent: int, inner: int) -> list[str]:
        lines = [f"{' ' * indent}{_key_text(entry_id)}:{self.newline}"]
        for key, value in values.items():
            lines += self.render_field(key, value, indent + inner)
        return lines

    def render_item(self, values: Mapping, dash_col: int, inner: int) -> list[str]:
        lines: list[str] = []
        for key, value in values.items():
            lines += self.render_field(key, value, dash_col + inner)
        if lines:
            lines[0] = " " * dash_col + "-" + lines[0][dash_col + 1 :]
        return lines

    def _dump(self, node: CommentedMap, indent: int) -> list[str]:
        yaml = YAML(typ="rt")
        yaml.width = 4096
        buffer = io.StringIO()
        yaml.dump(node, buffer)
        pad = " " * indent
        return [
            (pad + line if line.strip() else "") + self.newline
            for line in buffer.getvalue().splitlines()
        ]


# -- values ---------------------------------------------------------------------------------


def _is_flow(node: Any) -> bool:
    attribute = getattr(node, "fa", None)
    return bool(attribute is not None and attribute.flow_style())


def _comment_start(line: str, start: int) -> int | None:
    """Where a `# comment` begins on `line`, looking from column `start`, quotes respected."""
    quote = None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"" and (index == start or line[index - 1] in " [{,:"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return index
    return None


def _key_text(key: Any) -> str:
    """A mapping key as YAML writes it (quoted when it would read as something else)."""
    node = CommentedSeq([key])
    node.fa.set_flow_style()
    yaml = YAML(typ="rt")
    buffer = io.StringIO()
    yaml.dump(node, buffer)
    return buffer.getvalue().strip()[1:-1]


def _ordered(fields: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    rank = {key: index for index, key in enumerate(order)}
    given = {k: _clean(v) for k, v in fields.items() if k != "id"}
    given = {k: v for k, v in given.items() if v is not None}
    return dict(sorted(given.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def _clean(value: Any) -> Any:
    """Empty text, lists and mappings mean "not set"; whole floats are written as integers."""
    if isinstance(value, str):
        value = value.strip() if "\n" not in value else value
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple, Mapping)) and not value:
        return None
    return value


def _plain(value: Any) -> Any:
    """A parsed YAML value as plain Python, to tell whether an edit changes anything."""
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() if "\n" not in value else value.rstrip("\n")
    return value


def _inline(value: Any) -> Any:
    """A field's value as a ruamel node: flat lists and mappings inline, text with line
    breaks as a literal block."""
    value = _clean(value)
    if isinstance(value, Mapping):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _inline(item)
        node.fa.set_flow_style()
        return node
    if isinstance(value, (list, tuple)):
        node = CommentedSeq(_inline(item) for item in value)
        node.fa.set_flow_style()
        return node
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return value


def _python(value: Any) -> Any:
    """A parsed YAML value as plain Python types (dict, list, str, int, float, date)."""
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, date) else k: _python(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_python(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value
    return str(value)
