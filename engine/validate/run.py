"""Orchestrates validation of a repository's inventory/ into an Inventory and diagnostics."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine.batch import no_cyclic_gc
from engine.diagnostics import Diagnostic, Severity, fold_inherited
from engine.load.inherit import merge
from engine.load.reader import Document, expect_mapping, read_file
from engine.load.sourcemap import Layer, SourceMap
from engine.model.inventory import Device, Server
from engine.model.layout import (
    COLLECTIONS,
    OBJECT_FOLDERS,
    Collection,
    Inventory,
    InventoryFiles,
    discover,
)
from engine.model.types import NAME_PATTERN
from engine.validate import consistency, intent, parallel, references
from engine.validate.cache import Stat, ValidationCache, stat
from engine.validate.facts import (
    Facts,
    add_collection,
    add_node,
    collection_payload,
    node_facts,
    pack,
)
from engine.validate.names import interface_names
from engine.validate.schema import check
from engine.validate.verbatim import verbatim

_NAME = re.compile(NAME_PATTERN)
_GROUPS = "inventory/groups.yaml"
GROUPS = next(c for c in COLLECTIONS if c.kind == "group")
GROUP_FIELDS = frozenset(Device.model_fields) | frozenset(Server.model_fields)
GROUP_FIELDS -= {"name", "groups"}


@dataclass
class ValidationResult:
    """Diagnostics, and the validated inventory.

    An incremental run (`validate(repo, incremental=True)`) only holds the models of the files
    it re-read; use a full run where the models are needed (standards, render, plan).
    """

    inventory: Inventory
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    facts: Facts | None = None  # what the checks across objects saw, of every file
    fresh: dict[str, Stat | None] = field(default_factory=dict)  # files re-read -> their stat

    @property
    def reread(self) -> int:
        return len(self.fresh)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


Reuse = Callable[[str, Stat | None], bool]


class Visitor(Protocol):
    """A later stage that looks at each device and server as soon as it is valid (check)."""

    def visit_node(self, kind: str, obj: Device | Server) -> None: ...

    def take(self, kind: str, name: str) -> Any:
        """What visiting the object produced, handed from a worker process to `adopt`."""
        ...

    def adopt(self, kind: str, name: str, produced: Any) -> None: ...


def validate(
    repo: Path,
    *,
    incremental: bool = False,
    models: bool = True,
    reuse: Reuse | None = None,
    into: Inventory | None = None,
    visitor: Visitor | None = None,
) -> ValidationResult:
    """Validate a repository's inventory: YAML, schemas, then references and consistency.

    `models=False`: the caller needs no device or server models (`underlay validate`, check):
    worker processes then parse *and* validate those files, and only diagnostics and facts
    come back. For a later stage (check): `reuse(file, stat)` can ask for a file to be re-read
    although validate's cache holds it (the stage needs its model then); the models go `into`
    the given inventory, and the `visitor` sees each device and server as soon as it is valid
    (in the worker that validated it)."""
    with no_cyclic_gc():
        run = _Run(repo, None, into or Inventory(), Facts(repo), reuse or _always, visitor)
        run.models = models
        return _validate(run, incremental)


def _validate(run: _Run, incremental: bool) -> ValidationResult:
    files = discover(run.repo)
    run.cache = cache = ValidationCache.open(run.repo) if incremental else None
    diags: list[Diagnostic] = list(files.diagnostics)
    if GROUPS.file in files.collections:  # objects merge them: read before the workers fork
        diags.extend(run.collection(GROUPS))
    parsing = run.start_objects(files)  # workers work while the collections are checked here
    for collection in COLLECTIONS:
        if collection.file in files.collections and collection is not GROUPS:
            diags.extend(run.collection(collection))
    diags.extend(run.objects(parsing))
    diags.extend(references.check(run.facts))
    diags.extend(consistency.check(run.facts))
    diags.extend(intent.check(run.facts))
    diags = fold_inherited(diags)
    diags.sort(key=Diagnostic.sort_key)
    if cache is not None:
        cache.save(run.groups_stat, set(files.all()))
    return ValidationResult(run.inventory, diags, len(files.all()), run.facts, run.fresh)


def _always(rel: str, current: Stat | None) -> bool:
    return True


@dataclass
class _Parsing:
    jobs: list[tuple[str, str, Stat | None]] = field(default_factory=list)
    cached: list[Diagnostic] = field(default_factory=list)
    docs: Iterator[tuple[str, Document]] = field(default_factory=lambda: iter(()))
    checked: Iterator[_Checked] = field(default_factory=lambda: iter(()))


# what a worker returns of one device or server file when the parent wants no model:
# (diagnostics, packed facts or None, the name, what the visitor produced)
_Checked = tuple[list[Diagnostic], tuple[Any, ...] | None, str | None, Any]


@dataclass
class _Run:
    repo: Path
    cache: ValidationCache | None
    inventory: Inventory
    facts: Facts
    reuse: Reuse
    visitor: Visitor | None = None
    models: bool = True
    groups_doc: Document | None = None
    fresh: dict[str, Stat | None] = field(default_factory=dict)

    @property
    def groups_stat(self) -> Stat | None:
        return stat(self.repo / _GROUPS)

    def collection(self, collection: Collection) -> list[Diagnostic]:
        rel = collection.file
        current = stat(self.repo / rel)
        # groups are always read: re-validated devices and servers merge them
        hit = (
            None
            if collection.kind == "group" or self.cache is None or not self.reuse(rel, current)
            else self.cache.get(rel, current)
        )
        if hit is not None:
            diags, payload = hit
        else:
            self.fresh[rel] = current
            doc = read_file(self.repo / rel, rel)
            if collection.kind == "group":
                self.groups_doc = doc
            diags = _collection(collection, doc, self.inventory) + doc.diagnostics
            payload = collection_payload(collection.kind, self.inventory)
            if self.cache is not None:
                self.cache.put(rel, current, diags, payload)
        add_collection(self.facts, collection.kind, rel, payload)
        return diags

    def start_objects(self, files: InventoryFiles) -> _Parsing:
        """Take unchanged files' results from the cache and start parsing the others (in
        worker processes when there are many)."""
        groups = self.groups_stat
        parsing = _Parsing()
        root = f"{self.repo}/"  # plain strings: pathlib costs more than stat for 15,000 files
        for kind in OBJECT_FOLDERS:
            for rel in files.objects[kind]:
                current = stat(root + rel)
                hit = None
                if self.cache is not None and self.reuse(rel, current):
                    hit = self.cache.get(rel, current, needs_groups=groups, object_file=True)
                if hit is None:
                    parsing.jobs.append((kind, rel, current))
                    continue
                parsing.cached.extend(hit[0])
                add_node(self.facts, kind, rel, hit[1])
        jobs = [(k, r) for k, r, _ in parsing.jobs]
        if self.models:
            parsing.docs = parallel.run(_parse_chunk, jobs, self.repo)
        else:  # the parent only collects: every core works on the files
            parsing.checked = parallel.run(_check_chunk, jobs, self, spare=False)
        return parsing

    def objects(self, parsing: _Parsing) -> list[Diagnostic]:
        """Check each parsed device and server here, as it arrives (needs the groups)."""
        diags = parsing.cached
        if not self.models:
            for checked, (kind, rel, current) in zip(parsing.checked, parsing.jobs, strict=True):
                diags.extend(self.adopt(kind, rel, current, checked))
            return diags
        for (kind, doc), (_, rel, current) in zip(parsing.docs, parsing.jobs, strict=True):
            diags.extend(self.fresh_object(kind, rel, doc, current))
        return diags

    def check_object(
        self, kind: str, doc: Document
    ) -> tuple[list[Diagnostic], tuple[Any, ...] | None, str | None]:
        """Validate one parsed device or server file against the groups (in any process):
        its diagnostics, packed facts and name (None when it did not validate)."""
        obj, errors = _object(kind, doc, self.inventory.groups, self.groups_doc)
        _register(kind, doc, obj, self.inventory, self.groups_doc)
        if obj is None:
            return doc.diagnostics + errors, None, None
        source = self.inventory.sources[(kind, obj.name)]
        errors += interface_names(kind, obj, source) + verbatim(kind, obj, source)
        if self.visitor is not None:
            self.visitor.visit_node(kind, obj)
        return doc.diagnostics + errors, pack(node_facts(kind, obj)), obj.name

    def fresh_object(
        self, kind: str, rel: str, doc: Document, current: Stat | None
    ) -> list[Diagnostic]:
        diags, packed, name = self.check_object(kind, doc)
        if name is not None:
            self.facts.sources[(kind, name)] = self.inventory.sources[(kind, name)]
        return self.adopt(kind, rel, current, (diags, packed, None, None))

    def adopt(
        self, kind: str, rel: str, current: Stat | None, checked: _Checked
    ) -> list[Diagnostic]:
        """Take in one checked file: its facts, its cache entry, what the visitor made of it."""
        diags, packed, name, produced = checked
        add_node(self.facts, kind, rel, packed)
        if name is not None and self.visitor is not None and produced is not None:
            self.visitor.adopt(kind, name, produced)
        if self.cache is not None:
            self.cache.put(rel, current, diags, packed)
        self.fresh[rel] = current
        return diags


def _top_level(collection: Collection, doc: Document) -> tuple[Any, list[Diagnostic]]:
    if not expect_mapping(doc, f"`{collection.key}:` at the top"):
        return None, []
    diags = [
        _diag(
            "S202",
            f"unknown top-level key {key!r}: this file holds `{collection.key}:`",
            doc,
            (key,),
            key=True,
        )
        for key in doc.data
        if key != collection.key
    ]
    if collection.key not in doc.data:
        diags.append(_diag("S203", f"missing top-level key `{collection.key}:`", doc, ()))
        return None, diags
    body = doc.data[collection.key]
    want = dict if collection.keyed else list
    if body is None:
        return want(), diags
    if not isinstance(body, want):
        shape = "a mapping of name: entry" if collection.keyed else "a list"
        diags.append(_diag("S201", f"`{collection.key}` must be {shape}", doc, (collection.key,)))
        return None, diags
    return body, diags


def _collection(collection: Collection, doc: Document, inventory: Inventory) -> list[Diagnostic]:
    body, diags = _top_level(collection, doc)
    if body is None:
        inventory.unreadable_kinds.add(collection.kind)  # no cascade of dangling references
        return diags
    entries = body.items() if collection.keyed else enumerate(body)
    for key, entry in entries:
        prefix = (collection.key, key)
        source = SourceMap((Layer(doc, prefix),))
        name = key if collection.keyed else (entry.get("id") if isinstance(entry, dict) else None)
        if collection.keyed and not _NAME.match(str(key)):
            diags.append(
                _diag(
                    "S201",
                    f"{collection.kind} name {key!r} must match {NAME_PATTERN}",
                    doc,
                    prefix,
                    key=True,
                )
            )
            continue
        if collection.kind == "group":
            diags.extend(_group(str(key), entry, doc, inventory))
            continue
        obj, errors = check(collection.model, entry, source, f"{collection.kind} {name}")
        diags.extend(errors)
        if obj is None:
            if name is not None:
                inventory.unreadable.add((collection.kind, str(name)))
            continue
        diags.extend(_store(collection, str(name), obj, source, inventory))
    return diags


def _store(
    collection: Collection, name: str, obj: Any, source: SourceMap, inventory: Inventory
) -> list[Diagnostic]:
    if collection.kind == "cable":
        inventory.cables.append(obj)
        first = inventory.sources.setdefault(("cable", name), source)
        if first is not source:
            return [
                Diagnostic(
                    "C409",
                    Severity.ERROR,
                    f"cable id {name!r} is used twice",
                    source.pos(("id",)),
                    "give every cable a unique id",
                    f"cable {name}",
                    (first.pos(("id",)),),
                )
            ]
        return []
    getattr(inventory, collection.key)[name] = obj
    inventory.sources[(collection.kind, name)] = source
    return []


def _group(name: str, entry: Any, doc: Document, inventory: Inventory) -> list[Diagnostic]:
    prefix = ("groups", name)
    if not isinstance(entry, dict):
        return [_diag("S201", f"group {name!r} must be a mapping of fields", doc, prefix)]
    diags = [
        _diag(
            "S202",
            f"group {name}: {key!r} is not a device or server field",
            doc,
            (*prefix, key),
            key=True,
        )
        for key in entry
        if key not in GROUP_FIELDS
    ]
    inventory.groups[name] = {k: v for k, v in entry.items() if k in GROUP_FIELDS}
    inventory.sources[("group", name)] = SourceMap((Layer(doc, prefix),))
    return diags


def _parse_chunk(jobs: list[tuple[str, str]], repo: Path) -> list[tuple[str, Document]]:
    return [(kind, read_file(repo / rel, rel)) for kind, rel in jobs]


def _check_chunk(jobs: list[tuple[str, str]], run: _Run) -> list[_Checked]:
    """Parse and validate files, keeping no model (a worker's copy of the run, or the run
    itself for a small inventory)."""
    out: list[_Checked] = []
    for kind, rel in jobs:
        diags, packed, name = run.check_object(kind, read_file(run.repo / rel, rel))
        produced = None
        if name is not None:
            if run.visitor is not None:
                produced = run.visitor.take(kind, name)
            table: dict[str, Any] = getattr(run.inventory, kind + "s")
            del table[name]
            del run.inventory.sources[(kind, name)]
        out.append((diags, packed, name, produced))
    return out


def _register(
    kind: str,
    doc: Document,
    obj: Device | Server | None,
    inventory: Inventory,
    groups_doc: Document | None,
) -> None:
    stem = Path(doc.path).stem
    if obj is None:
        inventory.unreadable.add((kind, stem))
        return
    table: dict[str, Any] = inventory.devices if kind == "device" else inventory.servers
    table[stem] = obj
    inventory.sources[(kind, stem)] = _source(doc, obj.groups, groups_doc)
    doc.data = None  # the model holds the values now; positions are re-read when needed


def _source(doc: Document, groups: list[str], groups_doc: Document | None) -> SourceMap:
    layers = [Layer(doc)]
    if groups_doc is not None:
        layers += [Layer(groups_doc, ("groups", g)) for g in groups]
    return SourceMap(tuple(layers))


def _object(
    kind: str, doc: Document, groups: dict[str, Any], groups_doc: Document | None
) -> tuple[Device | Server | None, list[Diagnostic]]:
    stem = Path(doc.path).stem
    if not expect_mapping(doc, f"one {kind}"):
        return None, []
    data: dict[str, Any] = doc.data
    diags: list[Diagnostic] = []
    name = data.get("name")
    if name is not None and name != stem:
        diags.append(
            _diag(
                "R302",
                f"{kind} name {name!r} differs from its file name {stem!r}",
                doc,
                ("name",),
                hint=f"rename the file to {name}.yaml or the {kind}",
            )
        )
    known = []
    listed = data.get("groups") or []
    for i, group in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(group, str) and group in groups:
            known.append(group)
        elif isinstance(group, str):
            diags.append(
                _diag(
                    "R301",
                    f"{kind} {stem}: group {group!r} is not declared",
                    doc,
                    ("groups", i),
                    hint="declare it in inventory/groups.yaml",
                )
            )
    source = _source(doc, known, groups_doc)
    model = OBJECT_FOLDERS[kind][1]
    obj, errors = check(model, merge([data, *(groups[g] for g in known)]), source, f"{kind} {stem}")
    diags.extend(errors)
    return (obj if name == stem else None), diags


def _diag(
    code: str,
    message: str,
    doc: Document,
    path: tuple[Any, ...],
    *,
    key: bool = False,
    hint: str = "",
) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, doc.pos(path, key=key), hint)


__all__ = ["InventoryFiles", "ValidationResult", "validate"]
