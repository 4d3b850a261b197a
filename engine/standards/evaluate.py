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

from engine.diagnostics import Diagnostic, Pos, Severity, Suppression
from engine.errors import EngineError
from engine.load.reader import PathKey
from engine.model.layout import Inventory
from engine.standards.compiled import Documents
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
    findings = [f for loaded in library.rules for f in run_rule(loaded, inventory, today)]
    # a waiver of an unknown rule is T506, of a broken rule moot until the rule loads
    waivers = [w for w in library.waivers if w.waiver.rule in {r.rule.id for r in library.rules}]
    waived, problems = _waive(findings, waivers, today)
    where = places(findings, inventory)
    diags = [_diagnostic(f, where[i], waived.get(i)) for i, f in enumerate(findings)]
    return diags + problems


def selected(loaded: LoadedRule, inventory: Inventory) -> list[Target]:
    applies = loaded.rule.applies_to
    return [t for kind in applies.kind for t in targets(inventory, kind) if matches(applies, t)]


def run_rule(loaded: LoadedRule, inventory: Inventory, today: date) -> Iterator[Finding]:
    chosen = selected(loaded, inventory)
    if loaded.compiled is not None:
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
def _schema(loaded: LoadedRule, chosen: list[Target]) -> Iterator[Finding]:
    assert loaded.compiled is not None
    for t in chosen:
        for path, value, message in loaded.compiled.errors(Documents(t.obj)):
            values = {"value": _show(value), "path": ".".join(map(str, path)), "error": message}
            yield Finding(loaded, t, path, values)


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


Place = tuple[Pos, str | None]  # where a value is, and the group it is inherited from


def places(findings: list[Finding], inventory: Inventory) -> list[Place]:
    """Source positions (each file concerned is re-read once, on its first finding).

    Spreading this over forked workers was measured slower on 2 cores: the inventory's large
    heap makes forking and returning results cost more than the parsing saved."""
    return [
        _place(
            inventory,
            (str(f.target.kind), f.target.name),
            f.path,
            _is_container(f.target.obj, f.path),
        )
        for f in findings
    ]


def _place(inventory: Inventory, obj: tuple[str, str], path: PathKey, key: bool) -> Place:
    pos = inventory.pos(*obj, path, key=key)
    source = inventory.sources.get(obj)
    group = source.inherited_from(path) if source and pos.path != source.file else None
    return pos, group


def _diagnostic(f: Finding, place: Place, waiver: LoadedWaiver | None) -> Diagnostic:
    rule = f.rule.rule
    kind, name = str(f.target.kind), f.target.name
    pos, group = place
    subject = f"{kind} {name}"
    values = _Values(f.values, kind=kind, name=name, subject=subject)
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
