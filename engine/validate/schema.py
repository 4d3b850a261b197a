"""Schema validation: pydantic errors become diagnostics at the offending value's position."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.diagnostics import Diagnostic, Severity, about
from engine.load.sourcemap import SourceMap
from engine.model.types import IFNAME_PATTERN, NAME_PATTERN

M = TypeVar("M", bound=BaseModel)


def check(
    model: type[M], data: Any, source: SourceMap, subject: str
) -> tuple[M | None, list[Diagnostic]]:
    """Validate `data` as `model`; on failure return None and one diagnostic per error."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(err, data, source, subject) for err in exc.errors()]


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[tuple[Any, ...], bool]:
    """Map a pydantic location onto the data's own keys; True when it names a mapping key."""
    path: list[Any] = []
    node = data
    for part in loc:
        if part == "[key]":
            return tuple(path), True
        step = _step(node, part)
        if step is _MISSING:
            if isinstance(node, dict):
                path.append(part)  # a missing or unknown field: keep its name
            break
        key, node = step
        path.append(key)
    return tuple(path), False


_MISSING = object()


def _step(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        if part in node:
            return part, node[part]
        for key in node:  # pydantic reports int keys (VLAN ids) as strings
            if str(key) == str(part):
                return key, node[key]
        return _MISSING
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return part, node[part]
    return _MISSING


def _diagnostic(err: ErrorDetails, data: Any, source: SourceMap, subject: str) -> Diagnostic:
    path, is_key = _data_path(tuple(err["loc"]), data)
    dotted = ".".join(str(p) for p in path) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        pos = source.pos(path, key=True)
        return _make(
            "S202",
            f"unknown field {dotted!r}",
            pos,
            source,
            subject,
            path,
            "check the spelling; see the schema in schemas/ for the allowed fields",
        )
    if kind == "missing":
        pos = source.pos(path[:-1], key=True)
        return _make("S203", f"missing required field {dotted!r}", pos, source, subject, path)
    pos = source.pos(path, key=is_key)
    message = f"{dotted if path else subject}: {_message(err)}"
    return _make("S201", message, pos, source, subject, path, _hint(err))


# what a pattern of the inventory format means, said instead of the regex
_PATTERNS = {
    NAME_PATTERN: "must be a name: letters, digits, dot, dash and underscore",
    IFNAME_PATTERN: "must be an interface name such as eth0, GigabitEthernet0/0/1, "
    "Gi0/0/1.100, ge-0/0/0.0 or Port-channel10 (letters, digits and / : . _ @ -)",
}


def _message(err: ErrorDetails) -> str:
    msg = err["msg"]
    if err["type"] == "string_pattern_mismatch":
        msg = _PATTERNS.get(str((err.get("ctx") or {}).get("pattern")), msg)
    msg = msg.removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, str | int | float | bool) and err["type"] not in ("value_error",):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
        return f"{msg} (got {shown})"
    return msg


def _hint(err: ErrorDetails) -> str:
    value = err.get("input")
    if (
        err["type"] == "string_type"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return f'YAML read this as a number: quote it, e.g. "{value}"'
    if err["type"] in ("int_type", "bool_type") and isinstance(value, str):
        return "remove the quotes"
    return ""


def _make(
    code: str,
    message: str,
    pos: Any,
    source: SourceMap,
    subject: str,
    path: tuple[Any, ...],
    hint: str = "",
) -> Diagnostic:
    if pos.path == source.file:
        return Diagnostic(code, Severity.ERROR, message, pos, hint, subject)
    group = source.inherited_from(path) or ""
    return Diagnostic(
        code, Severity.ERROR, about(subject, group, message), pos, hint, subject,
        related=(source.listing(),) if group else (), inherited_from=group,
    )  # fmt: skip
