"""Drift accepted as a change: live values written into the repository's YAML for review.

The reverse of apply. `object_changes` compares an object's effective values (after groups)
with what its device runs and says, per field, what its own file must state; a value the
object inherits from a group is overridden in the object's own file (`via` names the group),
never changed in the group, which other objects share. `apply_changes` writes them with
ruamel.yaml's round trip, so untouched lines keep their comments, order and quoting and
`git diff` shows only what changed; `render_changes` is the text of `underlay import --diff`.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken

from engine.load.reader import read_file
from engine.model.inventory import Device, Server

Key = str | int
FLOW_WIDTH = 80  # a new list of scalars longer than this is written one item a line
# keyed lists: their items are matched by these fields, not by position
KEYED: Final[dict[tuple[str, ...], tuple[str, ...]]] = {
    ("bgp", "neighbors"): ("address",),
    ("static_routes",): ("prefix", "next_hop"),
}
# where a new top-level key goes: after the nearest key before it in the models' order
TOP_ORDER: Final = tuple(dict.fromkeys([*Device.model_fields, *Server.model_fields]))


class _Missing:
    """A field that is not set (the repository's or the device's side)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class FieldChange:
    """One field of one object file, as the device has it.

    Example: FieldChange(file=Path("inventory/devices/fra1-leaf01.yaml"),
        path=("interfaces", "eth2", "description"), old="to fra1-spine02:eth1",
        new="to fra1-spine02:eth1 (temporary)", via=None, where="interfaces.eth2.description")
    `new` is MISSING to remove the key; None (with `via`) writes `null` over a group's value.
    """

    file: Path
    path: tuple[Key, ...]
    old: Any
    new: Any
    via: str | None = None  # the group whose value this overrides in the object's own file
    where: str = ""  # the path for people: keyed list items by their key, not their index

    @property
    def label(self) -> str:
        return self.where or _dotted(self.path)


# ---------- what changed --------------------------------------------------------------------


def object_changes(
    file: Path,
    repo_fields: Mapping[str, Any],
    live_fields: Mapping[str, Any],
    groups: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> list[FieldChange]:
    """What the live object states that the repository's object lacks or states otherwise.

    Both sides are plain values in the inventory's shape (e.g. `model_dump(mode="json",
    exclude_none=True)`); `repo_fields` are the effective ones, and `groups` the object's
    groups in order, with their values (`inventory.groups[name]`), so that an inherited value
    becomes an override in `file` with `via` set. Mappings are compared key by key, lists whole,
    except bgp.neighbors (by address) and static_routes (by prefix and next hop) in `file`.
    """
    doc = read_file(file, str(file))
    own = doc.data if isinstance(doc.data, dict) else {}
    diff = _Diff(file, own, groups)
    diff.mapping((), "", repo_fields, live_fields)
    return diff.changes


class _Diff:
    def __init__(
        self, file: Path, own: Mapping[str, Any], groups: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> None:
        self.file, self.own, self.groups = file, own, groups
        self.changes: list[FieldChange] = []

    def mapping(
        self, path: tuple[Key, ...], where: str, old: Mapping[Any, Any], new: Mapping[Any, Any]
    ) -> None:
        for key in [*new, *(k for k in old if k not in new)]:
            here = f"{where}.{key}" if where else str(key)
            self.value((*path, key), here, _get(old, key), _get(new, key))

    def value(self, path: tuple[Key, ...], where: str, old: Any, new: Any) -> None:
        if old == new:
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            self.mapping(path, where, old, new)
        elif (
            _keyed(path)
            and _defined(self.own, path)
            and isinstance(old, list)
            and isinstance(new, list)
        ):
            self.keyed(path, where, old, new)
        else:
            self.change(path, where, old, new)

    def keyed(self, path: tuple[Key, ...], where: str, old: list[Any], new: list[Any]) -> None:
        fields = KEYED[tuple(str(p) for p in path)]
        index = {_item_key(item, fields): n for n, item in enumerate(old)}
        added = 0
        for item in new:
            key = _item_key(item, fields)
            label = f"{where}[{' '.join(map(str, key))}]"
            if key in index:
                n = index.pop(key)
                self.value((*path, n), label, old[n], item)
            else:
                self.change((*path, len(old) + added), label, MISSING, item)
                added += 1
        for key, n in index.items():
            self.change((*path, n), f"{where}[{' '.join(map(str, key))}]", old[n], MISSING)

    def change(self, path: tuple[Key, ...], where: str, old: Any, new: Any) -> None:
        group = next((name for name, data in self.groups if _defined(data, path)), None)
        own = _defined(self.own, path)
        if new is MISSING:
            new = None if group else MISSING
            via = group
        else:
            via = None if own else group
        self.changes.append(FieldChange(self.file, path, old, new, via, where))


def _get(data: Mapping[Any, Any], key: Any) -> Any:
    value = data.get(key, MISSING)
    return MISSING if value is None else value


def _item_key(item: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(item.get(f) for f in fields) if isinstance(item, Mapping) else (item,)


def _keyed(path: tuple[Key, ...]) -> bool:
    return tuple(str(p) for p in path) in KEYED


def _defined(data: Any, path: tuple[Key, ...]) -> bool:
    for key in path:
        inside = key in data if isinstance(data, Mapping) else _index(data, key)
        if not inside:
            return False
        data = data[key]
    return True


def _index(data: Any, key: Key) -> bool:
    return isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)


def _dotted(path: tuple[Key, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


# ---------- writing them --------------------------------------------------------------------


def apply_changes(changes: Sequence[FieldChange]) -> list[Path]:
    """Write the changes into their files (each file replaced atomically); the files written.

    Values are set before removals, and removals from a list go from its end, so the indexes
    object_changes gave stay right. Comments stay with the lines they describe: a removed key
    takes its own comment (on its line, or the lines right above it) and leaves the others.
    """
    written = []
    for file, group in _by_file(changes):
        yaml = round_trip_yaml()
        data = yaml.load(file.read_text(encoding="utf-8"))
        for change in group:
            if change.new is not MISSING:
                _set(data, change.path, change.new)
        for change in sorted((c for c in group if c.new is MISSING), key=_path_key, reverse=True):
            _remove(data, change.path)
        stream = io.StringIO()
        yaml.dump(data, stream)
        replace_file(file, stream.getvalue())
        written.append(file)
    return written


def round_trip_yaml() -> YAML:
    """Round-trip settings that re-dump the sample's object files byte for byte: two-space
    mappings, list dashes indented two, quotes kept, long lines never folded."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _by_file(changes: Sequence[FieldChange]) -> Iterator[tuple[Path, list[FieldChange]]]:
    files: dict[Path, list[FieldChange]] = {}
    for change in changes:
        files.setdefault(change.file, []).append(change)
    yield from files.items()


def _path_key(change: FieldChange) -> tuple[tuple[int, str], ...]:
    return tuple((p, "") if isinstance(p, int) else (-1, p) for p in change.path)


def _set(root: CommentedMap, path: tuple[Key, ...], value: Any) -> None:
    node: Any = root
    for key in path[:-1]:
        if not _defined(node, (key,)):
            _insert(node, key, CommentedMap(), top=node is root)
        node = node[key]
    last = path[-1]
    if _defined(node, (last,)):
        following = _take_following(node, last)
        node[last] = _styled(value, node[last])
        _give_following(node, last, following)
    else:
        _insert(node, last, _styled(value), top=node is root)


def _insert(node: Any, key: Key, value: Any, *, top: bool) -> None:
    """A new key after its nearest predecessor in the models' order (top level) or at the end;
    a new list item at the end. The comments that followed the item before it follow it."""
    if isinstance(node, CommentedSeq):
        before: Key | None = len(node) - 1 if node else None
        node.append(value)
    else:
        keys = list(node)
        at = _top_position(keys, str(key)) if top else len(keys)
        before = keys[at - 1] if at else None
        node.insert(at, key, value)
    if before is not None:
        _give_following(
            node,
            key if isinstance(node, CommentedMap) else len(node) - 1,
            _take_following(node, before),
        )


def _top_position(keys: list[Any], key: str) -> int:
    rank = {name: n for n, name in enumerate(TOP_ORDER)}
    mine = rank.get(key, len(rank))
    earlier = [n for n, k in enumerate(keys) if rank.get(str(k), len(rank)) < mine]
    return earlier[-1] + 1 if earlier else len(keys)


def _remove(root: CommentedMap, path: tuple[Key, ...]) -> None:
    node: Any = root
    for key in path[:-1]:
        if not _defined(node, (key,)):
            return
        node = node[key]
    last = path[-1]
    if not _defined(node, (last,)):
        return
    following = _take_following(node, last)
    keys = list(node) if isinstance(node, CommentedMap) else list(range(len(node)))
    at = keys.index(last)
    del node[last]
    if isinstance(node, CommentedMap):
        node.ca.items.pop(last, None)
    else:
        _shift_seq_comments(node, at)
    if at:
        before = keys[at - 1]
        _drop_comment_above(node, before)
        _give_following(node, before, following)
    elif node:
        _drop_first_comment(node)
        _prepend_first_comment(node, following)


# ---------- comments ------------------------------------------------------------------------
# ruamel keeps the comment lines after a value with the last scalar written before them (on
# the key of a mapping, slot 2; on the index of a list, slot 0): the lines above a key are
# the end of its predecessor's comment. A comment token reads "[eol comment]\n[lines...]".
# After a flow collection (`[a, b]`) they are the next key's own, so nothing moves.


def _slot(node: Any, key: Key) -> tuple[list[Any], int]:
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value) and not value.fa.flow_style():
        return _slot(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
    if isinstance(node, CommentedMap):
        return node.ca.items.setdefault(key, [None, None, None, None]), 2
    return node.ca.items.setdefault(key, [None, None]), 0


def _take_following(node: Any, key: Key) -> str:
    """Removes and returns the comment lines after `key`'s value (keeps its eol comment)."""
    items, n = _slot(node, key)
    token = items[n]
    if token is None:
        return ""
    own, _, following = str(token.value).partition("\n")
    _put(items, n, own + "\n" if own else "")
    return following


def _give_following(node: Any, key: Key, following: str) -> None:
    """Appends comment lines after `key`'s value (after those it already has)."""
    if not following:
        return
    items, n = _slot(node, key)
    token = items[n]
    before = str(token.value) if token is not None else "\n"
    _put(items, n, before + following)


def _drop_comment_above(node: Any, before: Key) -> None:
    """The comment lines right above a removed key (no blank line between) went with it."""
    items, n = _slot(node, before)
    token = items[n]
    if token is not None:
        own, _, following = token.value.partition("\n")
        kept = _without_last_block(following)
        _put(items, n, f"{own}\n{kept}" if own or kept else "")


def _without_last_block(lines: str) -> str:
    parts = lines.splitlines(keepends=True)
    while parts and parts[-1].strip().startswith("#"):
        parts.pop()
    return "".join(parts)


def _drop_first_comment(node: Any) -> None:
    tokens = node.ca.comment[1] if node.ca.comment else None
    for token in tokens or []:
        token.value = _without_last_block(token.value)
    if tokens:
        tokens[:] = [t for t in tokens if t.value]


def _prepend_first_comment(node: Any, following: str) -> None:
    if not following:
        return
    if not node.ca.comment:
        node.ca.comment = [None, []]
    if node.ca.comment[1] is None:
        node.ca.comment[1] = []
    column = len(following) - len(following.lstrip(" "))
    node.ca.comment[1].append(CommentToken(following.lstrip(" "), CommentMark(column)))


def _shift_seq_comments(seq: CommentedSeq, removed: int) -> None:
    items = seq.ca.items
    seq.ca._items = {  # ruamel keeps a list's comments by index, with no API
        (k - 1 if k > removed else k): v for k, v in items.items() if k != removed
    }


def _put(items: list[Any], n: int, text: str) -> None:
    if not text or text == "\n":
        items[n] = None
    elif items[n] is None:
        items[n] = CommentToken(text, CommentMark(0))
    else:
        items[n].value = text


class _Null:
    """`null` written out: ruamel writes None as an empty value, which readers may miss."""


RoundTripRepresenter.add_representer(
    _Null, lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
)


def _styled(value: Any, like: Any = None) -> Any:
    """A new value in the sample's style, or in the style of the value it replaces:
    multi-line strings as block scalars (`|`), short lists of scalars in flow style."""
    if value is None:
        return _Null()
    if isinstance(value, str):
        if "\n" in value:
            return LiteralScalarString(value)
        return type(like)(value) if isinstance(like, ScalarString) else value
    if isinstance(value, Mapping):
        old = like if isinstance(like, Mapping) else {}
        return CommentedMap((k, _styled(v, old.get(k))) for k, v in value.items())
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v) for v in value)
        if _flow(value, like):
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    return value


def _flow(value: list[Any], like: Any) -> bool:
    if any(isinstance(v, Mapping | list) or (isinstance(v, str) and "\n" in v) for v in value):
        return False
    if isinstance(like, CommentedSeq):
        return bool(like.fa.flow_style())
    return len(", ".join(map(str, value))) <= FLOW_WIDTH


def replace_file(file: Path, text: str) -> None:
    """Write `text` to a temporary file beside `file`, then rename it over: never half a file
    (a new file's folders are made)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if file.exists():
            Path(temp).chmod(file.stat().st_mode & 0o7777)
        else:
            Path(temp).chmod(0o644)
        Path(temp).replace(file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------- the text of `import --diff` ------------------------------------------------------


def render_changes(changes: Sequence[FieldChange]) -> str:
    """Per object file and field, the repository's value (`-`) and the device's (`+`).

    Example:
        inventory/devices/fra1-leaf01.yaml
          interfaces.eth2.description
            - to fra1-spine02:eth1
            + to fra1-spine02:eth1 (temporary)
          ntp.servers (overrides group org-baseline)
            - [198.18.0.5, 198.18.0.6]
            + [198.18.0.5]
    """
    lines = []
    for file, group in sorted(_by_file(changes), key=lambda item: str(item[0])):
        lines.append(str(file))
        for change in group:
            via = f" (overrides group {change.via})" if change.via else ""
            lines.append(f"  {change.label}{via}")
            lines += _shown("-", change.old) + _shown("+", change.new)
    return "\n".join(lines) + "\n" if lines else ""


def _shown(sign: str, value: Any) -> list[str]:
    if value is MISSING:
        return [f"    {sign} (not set)"]
    text = _as_text(value)
    return [f"    {sign} {line}".rstrip() for line in text.splitlines() or [""]]


def _as_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    stream = io.StringIO()
    round_trip_yaml().dump(_styled(value), stream)
    return stream.getvalue()
