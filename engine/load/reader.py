"""Safe YAML reading with a source position for every value.

Documents are built from libyaml's event stream (ruamel.yaml's C parser) by small iterative
composers of our own: a fast one for the common clean file (plain data; positions are read
again when first asked for) and, for anything it does not handle, the full one, so that:
- no tag is ever constructed into an object (only the YAML core schema is understood);
- every key and value keeps its line and column;
- duplicate keys, alias bombs, deep nesting, binary or non-UTF-8 text and oversized files are
  diagnostics, never crashes, hangs or unbounded memory.
Scalars follow the YAML 1.2 core schema: `yes`/`no`/`on` are strings, dates stay strings (the
models parse them), so nothing is guessed behind the user's back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _ruamel_yaml import CParser
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from engine.diagnostics import Diagnostic, Pos, Severity

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 100_000

PathKey = tuple[Any, ...]
LineCol = tuple[int, int]

_CORE = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}


@dataclass
class Document:
    """A YAML document as plain data, with positions keyed by the path of each value.

    Positions are costly to record and rarely needed (only where a diagnostic points), so a
    document read from a file without problems records none and re-reads the file the first
    time a position is asked for.
    """

    path: str
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    file: Path | None = None
    _values: dict[PathKey, LineCol] | None = None
    _keys: dict[PathKey, LineCol] | None = None

    @property
    def values(self) -> dict[PathKey, LineCol]:
        if self._values is None:
            self._locate()
        return self._values  # type: ignore[return-value]

    @property
    def keys(self) -> dict[PathKey, LineCol]:
        if self._keys is None:
            self._locate()
        return self._keys  # type: ignore[return-value]

    def _locate(self) -> None:
        self._values, self._keys = {}, {}
        if self.file is None:
            return
        try:
            text = self.file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return
        located = parse_text(text, self.path)
        self._values, self._keys = located.values, located.keys

    def pos(self, path: PathKey, *, key: bool = False) -> Pos:
        """Position of the value (or its key) at `path`, else of its nearest ancestor."""
        table = self.keys if key else self.values
        for cut in range(len(path), -1, -1):
            here = table.get(path[:cut]) or self.values.get(path[:cut])
            if here is not None:
                return Pos(self.path, *here)
        return Pos(self.path, 1, 1)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


class _Abort(Exception):
    """Stops composing one document; the diagnostic is already recorded."""


class _Slow(Exception):
    """The fast path met something it does not handle: compose again with positions."""


def _compose_fast(parser: Any) -> Any:  # noqa: PLR0912 - one tight event loop, for speed
    """Plain data only, for the common clean file: no anchors, tags or duplicate keys."""
    stack: list[list[Any]] = []  # [container, is_map, pending key]
    root: Any = None
    get_event = parser.get_event
    while True:
        event = get_event()
        cls = type(event)
        if cls is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Slow
            value = event.value if event.style else _plain(event.value)
            if not stack:
                return value
            top = stack[-1]
            if not top[1]:
                top[0].append(value)
            elif top[2] is _NOKEY:
                if value in top[0] or (value == "<<" and not event.style):
                    raise _Slow
                top[2] = value
            else:
                top[0][top[2]] = value
                top[2] = _NOKEY
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _Slow
            value = {} if cls is MappingStartEvent else []
            if stack:
                top = stack[-1]
                if not top[1]:
                    top[0].append(value)
                elif top[2] is _NOKEY:
                    raise _Slow
                else:
                    top[0][top[2]] = value
                    top[2] = _NOKEY
            else:
                root = value
            stack.append([value, cls is MappingStartEvent, _NOKEY])
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            stack.pop()
            if not stack:
                return root
        else:
            raise _Slow


_RESOLVED: dict[str, Any] = {}
_RESOLVED_MAX = 200_000


def _plain(value: str) -> Any:
    """Resolve a plain scalar; the same words recur in every file, so results are memoised."""
    found = _RESOLVED.get(value, _RESOLVED)
    if found is not _RESOLVED:
        return found
    resolved = _resolve(value)
    if len(_RESOLVED) < _RESOLVED_MAX:
        _RESOLVED[value] = resolved
    return resolved


def _resolve(value: str) -> Any:
    special = _SPECIAL.get(value, _SPECIAL)
    if special is not _SPECIAL:
        return special
    first = value[0]
    if first.isdigit() or first in "-+.":
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        if value.startswith(("0x", "0o")) and len(value) > 2:
            try:
                return int(value, 0)
            except ValueError:
                return value
    return value


_TAGGED: dict[str, Callable[[str], Any]] = {
    _CORE + "str": str,
    _CORE + "int": lambda v: int(v, 0),
    _CORE + "float": float,
    _CORE + "bool": lambda v: {"true": True, "false": False}[v.lower()],
    _CORE + "null": lambda v: None,
    "!": str,
}


class _Composer:
    """Turns one document's events into plain data; iterative, so depth cannot overflow."""

    def __init__(self, doc: Document, parser: Any) -> None:
        self.doc = doc
        self.parser = parser
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.count = 0
        self.expanded = 0

    def fail(self, code: str, message: str, mark: Any, hint: str = "") -> None:
        pos = Pos(self.doc.path, mark.line + 1, mark.column + 1)
        self.doc.diagnostics.append(Diagnostic(code, Severity.ERROR, message, pos, hint))

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        if tag is None:
            return _plain(event.value) if event.style == "" or event.style is None else event.value
        convert = _TAGGED.get(tag)
        if convert is None:
            self.fail(
                "Y103",
                f"tag {tag.replace(_CORE, '!!')} is not allowed",
                event.start_mark,
                "remove the tag; only plain YAML values are read",
            )
            raise _Abort
        try:
            return convert(event.value)
        except (ValueError, KeyError):
            self.fail(
                "Y101",
                f"{event.value!r} is not a valid {tag.replace(_CORE, '!!')}",
                event.start_mark,
            )
            raise _Abort from None

    def alias(self, event: Any) -> Any:
        found = self.anchors.get(event.anchor)
        if found is None:
            self.fail("Y101", f"alias *{event.anchor} names no anchor", event.start_mark)
            raise _Abort
        value, size = found
        self.expanded += size
        self.count += size
        if self.expanded > MAX_ALIAS_EXPANSION:
            self.fail(
                "Y104",
                f"aliases expand to more than {MAX_ALIAS_EXPANSION} values",
                event.start_mark,
                "write the values out, or use groups for shared values",
            )
            raise _Abort
        return value

    def compose(self) -> Any:
        """Build the document's data from its events, recording positions as it goes."""
        stack: list[_Frame] = []
        root: Any = None
        get_event = self.parser.get_event
        while True:
            event = get_event()
            cls = type(event)
            if cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.container, self.count - frame.start + 1)
                if not stack:
                    return root
                continue
            if stack and stack[-1].is_map and stack[-1].key is _NOKEY:
                self.key(stack[-1], event)
                continue
            value = self.node(event, stack)
            if not stack:
                return value
            if root is None:
                root = value

    def key(self, frame: _Frame, event: Any) -> None:
        if type(event) is not ScalarEvent:
            self.fail("Y111", "keys must be plain scalars", event.start_mark)
            raise _Abort
        key = self.scalar(event)
        if key == "<<" and not event.style:
            self.fail(
                "Y111",
                "merge keys (<<) are not supported",
                event.start_mark,
                "use groups to share values between objects",
            )
            raise _Abort
        here = (event.start_mark.line + 1, event.start_mark.column + 1)
        if key in frame.container:
            first = self.doc.keys[(*frame.path, key)]
            self.doc.diagnostics.append(
                Diagnostic(
                    "Y102",
                    Severity.ERROR,
                    f"duplicate key {key!r} (first defined at line {first[0]})",
                    Pos(self.doc.path, *here),
                    "remove one of the two entries",
                    related=(Pos(self.doc.path, *first),),
                )
            )
            frame.key = _DUPLICATE
            return
        frame.key = key
        self.doc.keys[(*frame.path, key)] = here

    def node(self, event: Any, stack: list[_Frame]) -> Any:
        """Compose a scalar, alias or container start, and attach it to its parent."""
        parent = stack[-1] if stack else None
        if parent is None:
            path: PathKey = ()
        elif parent.is_map:
            path = (*parent.path, parent.key)
        else:
            path = (*parent.path, len(parent.container))
        cls = type(event)
        mark = event.start_mark
        self.count += 1
        if parent is None or parent.key is not _DUPLICATE:
            self.doc.values[path] = (mark.line + 1, mark.column + 1)
        if cls is ScalarEvent:
            value = self.scalar(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1)
        elif cls is AliasEvent:
            value = self.alias(event)
        else:
            value = self.container(event, path, stack)
        if parent is not None:
            parent.attach(value)
        if cls is MappingStartEvent or cls is SequenceStartEvent:
            stack.append(_Frame(value, path, cls is MappingStartEvent, event.anchor, self.count))
        return value

    def container(self, event: Any, path: PathKey, stack: list[_Frame]) -> Any:
        if event.tag is not None and event.tag not in (_CORE + "map", _CORE + "seq"):
            self.fail(
                "Y103",
                f"tag {event.tag.replace(_CORE, '!!')} is not allowed",
                event.start_mark,
                "remove the tag; only plain YAML values are read",
            )
            raise _Abort
        if len(stack) >= MAX_DEPTH:
            self.fail(
                "Y105",
                f"nesting deeper than {MAX_DEPTH} levels",
                event.start_mark,
                "flatten the data",
            )
            raise _Abort
        if type(event) is MappingStartEvent:
            return {}
        if type(event) is SequenceStartEvent:
            return []
        raise AssertionError(f"unexpected YAML event {type(event).__name__} at {path}")


class _Frame:
    """An open mapping or sequence while composing."""

    __slots__ = ("anchor", "container", "is_map", "key", "path", "start")

    def __init__(
        self, container: Any, path: PathKey, is_map: bool, anchor: str | None, start: int
    ) -> None:
        self.container = container
        self.path = path
        self.is_map = is_map
        self.key: Any = _NOKEY
        self.anchor = anchor
        self.start = start

    def attach(self, value: Any) -> None:
        if self.is_map:
            if self.key is not _DUPLICATE:
                self.container[self.key] = value
            self.key = _NOKEY
        else:
            self.container.append(value)


_NOKEY = object()
_DUPLICATE = object()


def _decode(raw: bytes, doc: Document) -> str | None:
    if b"\0" in raw:
        doc.diagnostics.append(
            Diagnostic(
                "Y106",
                Severity.ERROR,
                "binary file: contains NUL bytes",
                Pos(doc.path, 1, 1),
                "inventory files must be UTF-8 YAML text",
            )
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        doc.diagnostics.append(
            Diagnostic(
                "Y106",
                Severity.ERROR,
                f"not UTF-8 text: byte 0x{raw[exc.start]:02x} is invalid",
                Pos(doc.path, line, col),
                "save the file as UTF-8",
            )
        )
        return None


def _syntax_error(exc: MarkedYAMLError, text: str, doc: Document) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = (exc.problem or exc.context or "invalid YAML").strip()
    if exc.context and exc.problem:
        message = f"{message} ({exc.context})"
    lines = text.splitlines()
    hint = ""
    if 0 < line <= len(lines) and "\t" in lines[line - 1][: max(col, 1)]:
        message, hint = "tab character in indentation", "YAML indents with spaces only"
    doc.diagnostics.append(
        Diagnostic("Y101", Severity.ERROR, message, Pos(doc.path, line, col), hint)
    )


def parse_text(text: str, path: str, file: Path | None = None) -> Document:
    """Parse one YAML document from text. Problems become diagnostics on the Document.

    With `file`, a clean document is read on the fast path and records positions lazily.
    """
    if file is not None:
        fast = Document(path, file=file)
        try:
            if _compose_stream(fast, CParser(text), _compose_fast) and fast.ok:
                return fast
        except (_Slow, MarkedYAMLError):
            pass
    doc = Document(path, _values={}, _keys={})
    try:
        _compose_stream(doc, CParser(text), lambda parser: _Composer(doc, parser).compose())
    except MarkedYAMLError as exc:
        _syntax_error(exc, text, doc)
    except _Abort:
        pass
    return doc


def _compose_stream(doc: Document, parser: Any, compose: Callable[[Any], Any]) -> bool:
    """Compose the stream's one document into `doc`; False when it recorded a problem."""
    parser.get_event()  # StreamStart
    event = parser.get_event()
    if type(event) is StreamEndEvent:
        doc.diagnostics.append(
            Diagnostic(
                "Y107",
                Severity.ERROR,
                "empty file: no YAML document",
                Pos(doc.path, 1, 1),
                "remove the file or declare data",
            )
        )
        return False
    if type(event) is not DocumentStartEvent:
        raise AssertionError("YAML stream without a document start")
    doc.data = compose(parser)
    parser.get_event()  # DocumentEnd
    event = parser.get_event()
    if type(event) is not StreamEndEvent:
        doc.diagnostics.append(
            Diagnostic(
                "Y110",
                Severity.ERROR,
                "a second YAML document starts here",
                Pos(doc.path, event.start_mark.line + 1, event.start_mark.column + 1),
                "keep one document per file",
            )
        )
        return False
    return True


def read_file(file: Path, rel: str) -> Document:
    """Read and parse one file; every failure is a diagnostic on the returned Document."""
    doc = Document(rel, _values={}, _keys={})
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            doc.diagnostics.append(
                Diagnostic(
                    "Y109",
                    Severity.ERROR,
                    f"file is {size / 1048576:.1f} MiB, "
                    f"over the {MAX_FILE_BYTES // 1048576} MiB limit",
                    Pos(rel, 1, 1),
                    "split the data into smaller files",
                )
            )
            return doc
        raw = file.read_bytes()
    except OSError as exc:
        doc.diagnostics.append(
            Diagnostic("Y112", Severity.ERROR, f"cannot read file: {exc.strerror}", Pos(rel, 1, 1))
        )
        return doc
    text = _decode(raw, doc)
    return doc if text is None else parse_text(text, rel, file)


def expect_mapping(doc: Document, what: str) -> bool:
    """True when the document is a mapping; otherwise records Y108 (once) and returns False."""
    if isinstance(doc.data, dict):
        return True
    if doc.ok:
        found = "nothing" if doc.data is None else type(doc.data).__name__
        doc.diagnostics.append(
            Diagnostic(
                "Y108",
                Severity.ERROR,
                f"expected a mapping ({what}), found {found}",
                doc.pos(()),
                "the top level must be `key: value` pairs",
            )
        )
    return False
