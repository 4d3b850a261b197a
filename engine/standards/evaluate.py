"""Running the rules over a validated inventory: findings, with waivers applied.

A finding points at the offending value: the line of the wrong NTP server, in the object's own
file, or in groups.yaml when the value is inherited (the message then names the object and the
group). Single-object rules validate a JSON document of only the fields their schema reads, and
identical documents are validated once (NTP servers inherited by 10,000 devices: one check).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from engine.diagnostics import Diagnostic, Severity, Suppression
from engine.errors import EngineError
from engine.load.reader import PathKey
from engine.model.layout import Inventory
from engine.standards.load import Library, LoadedRule, LoadedWaiver
from engine.standards.model import Kind, Waiver
from engine.standards.objects import Target, matches, targets
from engine.standards.registry import Context, Hit, PluginError


@dataclass(frozen=True, slots=True)
class Finding:
    rule: LoadedRule
    target: Target  # the object blamed (for a cable rule, possibly a device)
    path: PathKey
    values: dict[str, Any]


def evaluate(library: Library, inventory: Inventory, today: date) -> list[Diagnostic]:
    """The rules' findings (a waived one carries its waiver), plus problems of the waivers."""
    findings = [f for loaded in library.rules for f in _run(loaded, inventory, today)]
    # a waiver of an unknown rule is T506, of a broken rule moot until the rule loads
    waivers = [w for w in library.waivers if w.waiver.rule in {r.rule.id for r in library.rules}]
    waived, problems = _waive(findings, waivers, today)
    diags = [_diagnostic(f, waived.get(i), inventory) for i, f in enumerate(findings)]
    return diags + problems


def selected(loaded: LoadedRule, inventory: Inventory) -> list[Target]:
    applies = loaded.rule.applies_to
    return [t for kind in applies.kind for t in targets(inventory, kind) if matches(applies, t)]


def _run(loaded: LoadedRule, inventory: Inventory, today: date) -> Iterator[Finding]:
    chosen = selected(loaded, inventory)
    if loaded.validator is not None:
        yield from _schema(loaded, chosen)
        return
    assert loaded.python is not None
    by_name = {(str(t.kind), t.name): t for t in chosen}
    try:
        hits = list(loaded.python.check(chosen, Context(inventory, today, loaded.params)))
    except EngineError:
        raise
    except Exception as exc:
        raise PluginError(
            f"python rule {loaded.rule.assertion.python!r} (rule {loaded.rule.id}) failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    for hit in hits:
        yield Finding(loaded, _blamed(hit, by_name, inventory), hit.path, dict(hit.values))


def _blamed(hit: Hit, by_name: dict[tuple[str, str], Target], inventory: Inventory) -> Target:
    found = by_name.get((hit.kind, hit.name))
    if found is not None and hit.obj is None:
        return found
    obj = hit.obj if hit.obj is not None else inventory.node(hit.name)
    return Target(Kind(hit.kind), hit.name, obj)


# ---------------------------------------------------------------- JSON Schema rules
_ANNOTATIONS = frozenset({"$schema", "$comment", "$id", "title", "description", "type"})
_ONE = ("if", "then", "else", "not")
_MANY = ("allOf", "anyOf", "oneOf")


def read_fields(schema: Any) -> set[str] | None:
    """The top-level fields a schema looks at, or None when it may look at any."""
    if not isinstance(schema, dict):
        return None
    fields: set[str] = set()
    for key, value in schema.items():
        parts: list[Any] = []
        if key in ("properties", "required"):
            fields |= set(value)
        elif key == "dependentRequired":
            fields |= set(value) | {name for names in value.values() for name in names}
        elif key in _ONE:
            parts = [value]
        elif key in _MANY:
            parts = list(value)
        elif key not in _ANNOTATIONS:
            return None
        for part in parts:
            more = read_fields(part)
            if more is None:
                return None
            fields |= more
    return fields


Error = tuple[PathKey, Any, str]


def _schema(loaded: LoadedRule, chosen: list[Target]) -> Iterator[Finding]:
    assert loaded.validator is not None
    fields = read_fields(loaded.rule.assertion.schema_)
    seen: dict[str, list[Error]] = {}
    for t in chosen:
        text = _document(t.obj, fields)
        errors = seen.get(text)
        if errors is None:
            errors = [
                (tuple(e.absolute_path), e.instance, e.message)
                for e in loaded.validator.iter_errors(json.loads(text))
            ]
            seen[text] = errors
        for path, value, message in errors:
            values = {"value": _show(value), "path": ".".join(map(str, path)), "error": message}
            yield Finding(loaded, t, path, values)


def _document(obj: Any, fields: set[str] | None) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json(include=fields, exclude_none=True)
    picked = obj if fields is None else {k: v for k, v in obj.items() if k in fields}
    return json.dumps(picked, sort_keys=True, default=str)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# ---------------------------------------------------------------- waivers
def _waive(
    findings: list[Finding], waivers: list[LoadedWaiver], today: date
) -> tuple[dict[int, LoadedWaiver], list[Diagnostic]]:
    waived: dict[int, LoadedWaiver] = {}
    problems: list[Diagnostic] = []
    for lw in waivers:
        if lw.waiver.expires < today:
            problems.append(_expired(lw))
            continue
        hits = [i for i, f in enumerate(findings) if _covers(lw.waiver, f)]
        for i in hits:
            waived.setdefault(i, lw)
        if not hits:
            problems.append(_unused(lw))
    return waived, problems


def _covers(waiver: Waiver, finding: Finding) -> bool:
    if waiver.rule != finding.rule.rule.id:
        return False
    target = waiver.target
    if isinstance(target, str):
        return target == finding.target.name
    if target.kind and finding.target.kind not in target.kind:
        return False
    return finding.target.obj is not None and matches(target, finding.target)


def target_text(waiver: Waiver) -> str:
    target = waiver.target
    if isinstance(target, str):
        return target
    return json.dumps(target.model_dump(mode="json", exclude_defaults=True), sort_keys=True)


def _expired(lw: LoadedWaiver) -> Diagnostic:
    w = lw.waiver
    return Diagnostic(
        "T507",
        Severity.ERROR,
        f"waiver of {w.rule} for {target_text(w)} expired on {w.expires} "
        f"({w.ticket}, {w.owner}): its findings count again",
        lw.pos.pos(("expires",)),
        "fix the findings and remove the waiver, or renew it with a new ticket and date",
        f"waiver {w.rule}",
    )


def _unused(lw: LoadedWaiver) -> Diagnostic:
    w = lw.waiver
    return Diagnostic(
        "T508",
        Severity.WARNING,
        f"waiver of {w.rule} for {target_text(w)} ({w.ticket}) matches no finding",
        lw.pos.pos(()),
        "the exception is resolved: remove the waiver",
        f"waiver {w.rule}",
    )


# ---------------------------------------------------------------- findings -> diagnostics
class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _diagnostic(f: Finding, waiver: LoadedWaiver | None, inventory: Inventory) -> Diagnostic:
    rule = f.rule.rule
    kind, name = str(f.target.kind), f.target.name
    pos = inventory.pos(kind, name, f.path, key=_is_container(f.target.obj, f.path))
    subject = f"{kind} {name}"
    values = _Values(f.values, kind=kind, name=name, subject=subject)
    source = inventory.sources.get((kind, name))
    group = source.inherited_from(f.path) if source and pos.path != source.file else None
    where = f"{subject} (inherited from group {group})" if group else subject
    message = f"{where}: {rule.message.format_map(values)}"
    hint = rule.hint.format_map(values)
    return Diagnostic(rule.id, rule.severity, message, pos, hint, subject, (), _suppression(waiver))


def _is_container(obj: Any, path: PathKey) -> bool:
    """A finding about a whole mapping or list points at its key (`ntp:`), not its first line."""
    for step in path:
        if isinstance(obj, BaseModel):
            obj = getattr(obj, str(step), None)
        elif isinstance(obj, dict | list) and _holds(obj, step):
            obj = obj[step]
        else:
            return False
    return isinstance(obj, BaseModel | dict | list) and bool(path)


def _holds(container: dict[Any, Any] | list[Any], step: Any) -> bool:
    if isinstance(container, dict):
        return step in container
    return isinstance(step, int) and 0 <= step < len(container)


def _suppression(lw: LoadedWaiver | None) -> Suppression | None:
    if lw is None:
        return None
    w = lw.waiver
    return Suppression(lw.pos.pos(()), w.reason, w.owner, w.ticket, w.expires.isoformat())
