"""Running the rules over a validated inventory: findings, with waivers applied.

A finding points at the offending value: the line of the wrong NTP server, in the object's own
file, or in groups.yaml when the value is inherited (the message then names the object and the
group). Single-object rules validate a JSON document of only the fields their schema reads, and
identical documents are validated once (NTP servers inherited by 10,000 devices: one check).

What the rules learn of each object is a Record: the findings of the rules on one object, the
rules across objects that select it, their extracts of it, and the selector waivers that match
it. `assess` makes the records of the objects it is given and takes the others' from the cache
(engine.standards.cache), then runs the joins of the rules across objects and the waivers over
all of them: a run after one file changed evaluates that file's objects only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel

from engine.diagnostics import Diagnostic, Pos, Severity, Suppression, about, fold_inherited
from engine.errors import EngineError
from engine.load.reader import PathKey
from engine.load.sourcemap import SourceMap
from engine.model.layout import Inventory
from engine.standards.compiled import Documents, Error
from engine.standards.load import Library, LoadedRule, LoadedWaiver
from engine.standards.model import Kind, Selector, Waiver
from engine.standards.objects import Target, matches, targets_of
from engine.standards.registry import Context, FactsRule, Hit, PluginError, scope_of

Key = tuple[str, str]  # (kind, name)
Row = tuple[str, str, Diagnostic]  # the blamed object's kind and name, the finding (unwaived)
Locate = Callable[[str, str], SourceMap | None]
# where a value is; the group it is inherited from and where the object lists its groups
Place = tuple[Pos, str | None, Pos | None]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: LoadedRule
    target: Target  # the object blamed (for a cable rule, possibly a device)
    path: PathKey
    values: dict[str, Any]
    key: bool | None = None  # point at the key; None: decided from the object


@dataclass(slots=True)
class Record:
    """What the standards learnt of one object (cached with the object's file)."""

    selected: list[int] = field(default_factory=list)  # rules across objects selecting it
    waivable: list[int] = field(default_factory=list)  # selector waivers matching it
    extracts: dict[int, Any] = field(default_factory=dict)  # rule index -> its extract
    findings: list[Row] = field(default_factory=list)  # of the rules on single objects
    # positions of values the rules across objects blamed, looked up in an earlier run
    places: dict[tuple[PathKey, bool], Place] = field(default_factory=dict)
    placed: bool = False  # a position was added in this run (not cached)


@dataclass
class Evaluation:
    diagnostics: list[Diagnostic]
    records: dict[Key, Record]  # of the objects evaluated in this run
    complete: bool = True  # False: a rule blamed an object outside this run (do not cache)


def evaluate(library: Library, inventory: Inventory, today: date) -> list[Diagnostic]:
    """The rules' findings (a waived one carries its waiver), plus problems of the waivers."""
    return Evaluator(library, inventory, today).finish().diagnostics


class Evaluator:
    """Evaluates objects one at a time (`visit`, e.g. as soon as validate has one, while the
    next files are still being parsed), then everything else and across objects (`finish`)."""

    def __init__(self, library: Library, inventory: Inventory, today: date) -> None:
        self.library, self.inventory, self.today = library, inventory, today
        self.waivers = active_waivers(library)
        self.records: dict[Key, Record] = {}
        self.loose: list[Row] = []
        self.complete = True
        rules = list(enumerate(library.rules))
        self.local = {k: [(i, r) for i, r in rules if _local(r) and k in r.rule.applies_to.kind]
                      for k in Kind}  # fmt: skip
        self.reads = {k: [(i, r, r.python) for i, r in rules
                          if isinstance(r.python, FactsRule) and k in r.python.reads]
                      for k in Kind}  # fmt: skip
        self.selectors = {k: [(j, w.waiver.target) for j, w in enumerate(self.waivers)
                              if not isinstance(w.waiver.target, str)
                              and (not w.waiver.target.kind or k in w.waiver.target.kind)]
                          for k in Kind}  # fmt: skip
        self.whole = [(i, r) for i, r in rules if not _local(r)]  # scope "inventory"

    # validate's Visitor: a device or server that just validated, maybe in a worker process
    def visit_node(self, kind: str, obj: Any) -> None:
        self.visit(Target(Kind(kind), obj.name, obj))

    def take(self, kind: str, name: str) -> tuple[Record, list[Row], bool]:
        loose, complete = self.loose, self.complete
        self.loose, self.complete = [], True
        return self.records.pop((kind, name)), loose, complete

    def adopt(self, kind: str, name: str, produced: tuple[Record, list[Row], bool]) -> None:
        record, loose, complete = produced
        self.records[(kind, name)] = record
        self.loose += loose
        self.complete = self.complete and complete

    def visit(self, target: Target) -> None:
        """The rules on single objects, and what the rules across objects need of this one."""
        key = _key(target)
        record = self.records[key] = Record()
        for i, loaded in self.local[target.kind]:
            if not _selects(loaded.rule.applies_to, target):
                continue
            if isinstance(loaded.python, FactsRule):
                record.selected.append(i)
            else:
                self._found(_checked(loaded, [target], self.inventory, self.today))
        shared: dict[Any, Any] = {}  # one extract function's equal results: one value, also
        for i, loaded, rule in self.reads[target.kind]:  # in the cache (marshal keeps refs)
            value = _guarded(loaded, rule.extract, target, loaded.params)
            with suppress(TypeError):  # a mapping is not hashable: kept as it is
                value = shared.setdefault((rule.extract, value), value)
            record.extracts[i] = value
        for j, selector in self.selectors[target.kind]:
            if matches(selector, target):
                record.waivable.append(j)

    def finish(
        self, known: Mapping[Key, Record] | None = None, locate: Locate | None = None
    ) -> Evaluation:
        """Visit what is left of the inventory, run the rules that need all of it, then the
        joins and the waivers over these records and the `known` ones (from the cache);
        `locate` finds where the known objects are."""
        for kind in Kind:
            for t in targets_of(self.inventory, kind):
                if _key(t) not in self.records:
                    self.visit(t)
        for _, loaded in self.whole:
            chosen = selected(loaded, self.inventory)
            self._found(_checked(loaded, chosen, self.inventory, self.today))
        everything = {**(known or {}), **self.records}
        rows = [row for record in everything.values() for row in record.findings] + self.loose
        where = _Locator(self.inventory, locate)
        rows += _joins(self.library, everything, self.inventory, self.today, where)
        rows.sort(key=lambda row: (*row[2].sort_key(), row[2].message))
        diags = fold_inherited(_waive(rows, self.waivers, everything, self.today))
        return Evaluation(diags, self.records, self.complete)

    def _found(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            where = _place(self.inventory.sources.get(_key(f.target)), f.path, _at_key(f))
            row = (str(f.target.kind), f.target.name, _diagnostic(f, where))
            record = self.records.get(_key(f.target))
            if record is None:  # a plugin blamed an object that is not being evaluated
                self.complete = False
                self.loose.append(row)
            else:
                record.findings.append(row)


def _local(loaded: LoadedRule) -> bool:
    return loaded.python is None or scope_of(loaded.python) != "inventory"


def _selects(selector: Selector, target: Target) -> bool:
    """`matches`, without the work for a selector that only names kinds (most rules)."""
    return selector.kind_only or matches(selector, target)


def active_waivers(library: Library) -> list[LoadedWaiver]:
    """The waivers of rules that loaded (a waiver of an unknown rule is T506, of a broken rule
    moot until the rule loads)."""
    ids = {r.rule.id for r in library.rules}
    return [w for w in library.waivers if w.waiver.rule in ids]


def incremental(library: Library) -> bool:
    """True when every rule can be evaluated one file at a time (no rule of scope inventory)."""
    return all(_local(r) for r in library.rules)


def selected(loaded: LoadedRule, inventory: Inventory) -> list[Target]:
    applies = loaded.rule.applies_to
    return [t for kind in applies.kind for t in targets_of(inventory, kind) if matches(applies, t)]


def _key(target: Target) -> Key:
    return (str(target.kind), target.name)


def _checked(
    loaded: LoadedRule, chosen: list[Target], inventory: Inventory, today: date
) -> Iterator[Finding]:
    if loaded.compiled is not None:
        yield from _schema(loaded, chosen)
        return
    assert loaded.python is not None
    rule = loaded.python
    by_name = {_key(t): t for t in chosen}
    context = Context(inventory, today, loaded.params)
    for hit in _guarded(loaded, _listed(rule.check), chosen, context):
        yield Finding(loaded, _blamed(hit, by_name, inventory), hit.path, dict(hit.values), hit.key)


def _listed(func: Callable[..., Iterable[Hit]]) -> Callable[..., list[Hit]]:
    return lambda *args: list(func(*args))


def _guarded(loaded: LoadedRule, call: Callable[..., Any], *args: Any) -> Any:
    """A failing rule plugin is an error naming the rule, not a traceback."""
    try:
        return call(*args)
    except EngineError:
        raise
    except Exception as exc:
        raise PluginError(
            f"python rule {loaded.rule.assertion.python!r} (rule {loaded.rule.id}) failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _blamed(hit: Hit, by_name: dict[Key, Target], inventory: Inventory) -> Target:
    found = by_name.get((hit.kind, hit.name))
    if found is not None and hit.obj is None:
        return found
    obj = hit.obj if hit.obj is not None else inventory.node(hit.name)
    return Target(Kind(hit.kind), hit.name, obj)


class _Locator:
    """Sources of objects: from the inventory when evaluated in this run, else from `locate`."""

    def __init__(self, inventory: Inventory, locate: Locate | None) -> None:
        self.inventory, self.locate = inventory, locate

    def __call__(self, kind: str, name: str) -> SourceMap | None:
        found = self.inventory.sources.get((kind, name))
        if found is None and self.locate is not None:
            found = self.locate(kind, name)
        return found


def _joins(
    library: Library,
    everything: Mapping[Key, Record],
    inventory: Inventory,
    today: date,
    locate: _Locator,
) -> list[Row]:
    """The second step of the rules across objects, over the records of every object."""
    rules = {i: r for i, r in enumerate(library.rules) if isinstance(r.python, FactsRule)}
    chosen: dict[int, list[Key]] = {i: [] for i in rules}
    extracts: dict[int, dict[str, dict[str, Any]]] = {
        i: {str(kind): {} for kind in r.python.reads}  # type: ignore[union-attr]
        for i, r in rules.items()
    }
    for (kind, name), record in everything.items():
        for i in record.selected:
            chosen[i].append((kind, name))
        for i, extract in record.extracts.items():
            extracts[i][kind][name] = extract
    rows: list[Row] = []
    for i, loaded in rules.items():
        rule = loaded.python
        assert isinstance(rule, FactsRule)
        context = Context(inventory, today, loaded.params)
        names = chosen[i]  # in any order: the rows are sorted by position afterwards
        for hit in _guarded(loaded, _listed(rule.join), names, extracts[i], context):
            target = Target(Kind(hit.kind), hit.name, None)
            finding = Finding(loaded, target, hit.path, dict(hit.values), bool(hit.key))
            where = _remembered(everything.get((hit.kind, hit.name)), hit, locate)
            rows.append((hit.kind, hit.name, _diagnostic(finding, where)))
    return rows


def _remembered(record: Record | None, hit: Hit, locate: _Locator) -> Place:
    """A finding of a join is placed once: its position is kept with the blamed object (a
    join runs on every check, and locating means re-reading the object's file)."""
    memo = (tuple(hit.path), bool(hit.key))
    if record is not None and memo in record.places:
        return record.places[memo]
    where = _place(locate(hit.kind, hit.name), hit.path, bool(hit.key))
    if record is not None:
        record.places[memo] = where
        record.placed = True
    return where


# ---------------------------------------------------------------- JSON Schema rules
def _schema(loaded: LoadedRule, chosen: list[Target]) -> Iterator[Finding]:
    assert loaded.compiled is not None
    for t in chosen:
        for errors in _per_field(loaded.compiled.errors(Documents(t.obj))):
            path = _common(errors)
            _, value, _ = errors[0]
            message = "; ".join(dict.fromkeys(m for _, _, m in errors))
            values = {"value": _show(value), "path": ".".join(map(str, path)), "error": message}
            yield Finding(loaded, t, path, values)


def _per_field(errors: list[Error]) -> list[list[Error]]:
    """One finding per rule and field: the clauses a value fails (`ntp.servers` lacks a
    server and lists a wrong one) are one cause, the closest to the field first."""
    by_field: dict[PathKey, list[Error]] = {}
    for error in sorted(errors, key=lambda e: len(e[0])):
        by_field.setdefault(error[0][:1], []).append(error)
    return list(by_field.values())


def _common(errors: list[Error]) -> PathKey:
    """The deepest path that holds every error's value."""
    first = errors[0][0]
    depth = min(len(path) for path, _, _ in errors)
    while any(path[:depth] != first[:depth] for path, _, _ in errors):
        depth -= 1
    return first[:depth]


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# ---------------------------------------------------------------- waivers
def _waive(
    rows: list[Row],
    waivers: list[LoadedWaiver],
    everything: Mapping[Key, Record],
    today: date,
) -> list[Diagnostic]:
    """The findings (a waived one carries the first waiver that covers it), then the problems
    of the waivers: expired (its findings count again) or matching nothing."""
    by_rule: dict[str, list[int]] = {}
    for n, (_, _, diag) in enumerate(rows):
        by_rule.setdefault(diag.code, []).append(n)
    waived: dict[int, LoadedWaiver] = {}
    problems: list[Diagnostic] = []
    for j, lw in enumerate(waivers):
        if lw.waiver.expires < today:
            problems.append(_expired(lw))
            continue
        candidates = by_rule.get(lw.waiver.rule, [])
        hits = [n for n in candidates if _covers(lw.waiver, j, rows[n], everything)]
        for n in hits:
            waived.setdefault(n, lw)
        if not hits:
            problems.append(_unused(lw))
    diags = [
        diag if n not in waived else replace(diag, waiver=_suppression(waived[n]))
        for n, (_, _, diag) in enumerate(rows)
    ]
    return diags + problems


def _covers(waiver: Waiver, j: int, row: Row, everything: Mapping[Key, Record]) -> bool:
    kind, name, _ = row
    if isinstance(waiver.target, str):
        return waiver.target == name
    record = everything.get((kind, name))
    return record is not None and j in record.waivable


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


def _at_key(f: Finding) -> bool:
    return f.key if f.key is not None else _is_container(f.target.obj, f.path)


def _place(source: SourceMap | None, path: PathKey, key: bool) -> Place:
    """The position of a value (the object's files are re-read on its first finding)."""
    if source is None:
        return Pos("inventory", 1, 1), None, None
    pos = source.pos(path, key=key)
    group = source.inherited_from(path) if pos.path != source.file else None
    return pos, group, source.listing() if group else None


def _diagnostic(f: Finding, place: Place) -> Diagnostic:
    rule = f.rule.rule
    kind, name = str(f.target.kind), f.target.name
    pos, group, listing = place
    subject = f"{kind} {name}"
    values = _Values(f.values, kind=kind, name=name, subject=subject)
    message = about(subject, group, rule.message.format_map(values))
    hint = rule.hint.format_map(values)
    related = (listing,) if listing is not None else ()
    return Diagnostic(rule.id, rule.severity, message, pos, hint, subject, related,
                      inherited_from=group or "")  # fmt: skip


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


def _suppression(lw: LoadedWaiver) -> Suppression:
    w = lw.waiver
    return Suppression(lw.pos.pos(()), w.reason, w.owner, w.ticket, w.expires.isoformat())
