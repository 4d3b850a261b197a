"""Orchestrates validation of a repository's inventory/ into an Inventory and diagnostics."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic, Severity
from engine.load.inherit import merge
from engine.load.reader import Document, expect_mapping
from engine.load.repo import InventoryFiles, discover, read_all
from engine.load.sourcemap import Layer, SourceMap
from engine.model.inventory import Device, Server
from engine.model.layout import COLLECTIONS, OBJECT_FOLDERS, Collection, Inventory
from engine.model.types import NAME_PATTERN
from engine.validate import consistency, references
from engine.validate.schema import check

_NAME = re.compile(NAME_PATTERN)
GROUP_FIELDS = frozenset(Device.model_fields) | frozenset(Server.model_fields)
GROUP_FIELDS -= {"name", "groups"}


@dataclass
class ValidationResult:
    inventory: Inventory
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def validate(repo: Path) -> ValidationResult:
    files = discover(repo)
    docs = read_all(repo, files.all())
    inventory = Inventory()
    diags: list[Diagnostic] = list(files.diagnostics)
    for doc in docs.values():
        diags.extend(doc.diagnostics)
    for collection in COLLECTIONS:
        doc = docs.get(collection.file)
        if doc is not None:
            diags.extend(_collection(collection, doc, inventory))
    for kind, (_, model) in OBJECT_FOLDERS.items():
        for rel in files.objects[kind]:
            diags.extend(_object(kind, model, docs[rel], inventory, docs.get(_GROUPS)))
    diags.extend(references.check(inventory))
    diags.extend(consistency.check(inventory))
    diags.sort(key=Diagnostic.sort_key)
    return ValidationResult(inventory, diags, len(docs))


_GROUPS = "inventory/groups.yaml"


def _top_level(collection: Collection, doc: Document) -> tuple[Any, list[Diagnostic]]:
    if not expect_mapping(doc, f"`{collection.key}:` at the top"):
        return None, []
    diags = [_diag("S202", f"unknown top-level key {key!r}: this file holds `{collection.key}:`",
                   doc, (key,), key=True) for key in doc.data if key != collection.key]
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
        return diags
    entries = body.items() if collection.keyed else enumerate(body)
    for key, entry in entries:
        prefix = (collection.key, key)
        source = SourceMap((Layer(doc, prefix),))
        name = key if collection.keyed else (entry.get("id") if isinstance(entry, dict) else None)
        if collection.keyed and not _NAME.match(str(key)):
            diags.append(_diag("S201", f"{collection.kind} name {key!r} must match {NAME_PATTERN}",
                               doc, prefix, key=True))
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


def _store(collection: Collection, name: str, obj: Any, source: SourceMap,
           inventory: Inventory) -> list[Diagnostic]:
    if collection.kind == "cable":
        inventory.cables.append(obj)
        first = inventory.sources.setdefault(("cable", name), source)
        if first is not source:
            return [Diagnostic("C409", Severity.ERROR, f"cable id {name!r} is used twice",
                               source.pos(("id",)), "give every cable a unique id",
                               f"cable {name}", (first.pos(("id",)),))]
        return []
    getattr(inventory, collection.key)[name] = obj
    inventory.sources[(collection.kind, name)] = source
    return []


def _group(name: str, entry: Any, doc: Document, inventory: Inventory) -> list[Diagnostic]:
    prefix = ("groups", name)
    if not isinstance(entry, dict):
        return [_diag("S201", f"group {name!r} must be a mapping of fields", doc, prefix)]
    diags = [_diag("S202", f"group {name}: {key!r} is not a device or server field", doc,
                   (*prefix, key), key=True) for key in entry if key not in GROUP_FIELDS]
    inventory.groups[name] = {k: v for k, v in entry.items() if k in GROUP_FIELDS}
    inventory.sources[("group", name)] = SourceMap((Layer(doc, prefix),))
    return diags


def _object(kind: str, model: type[Device] | type[Server], doc: Document, inventory: Inventory,
            groups_doc: Document | None) -> list[Diagnostic]:
    stem = Path(doc.path).stem
    if not expect_mapping(doc, f"one {kind}"):
        inventory.unreadable.add((kind, stem))
        return []
    data: dict[str, Any] = doc.data
    diags: list[Diagnostic] = []
    name = data.get("name")
    if name is not None and name != stem:
        diags.append(_diag("R302", f"{kind} name {name!r} differs from its file name {stem!r}",
                           doc, ("name",), hint=f"rename the file to {name}.yaml or the {kind}"))
    layers, inherited = [Layer(doc)], [data]
    groups = data.get("groups") or []
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        if not isinstance(group, str):
            continue  # the schema reports the wrong type
        if group not in inventory.groups:
            if ("group", group) not in inventory.unreadable:
                diags.append(_diag("R301", f"{kind} {stem}: group {group!r} is not declared", doc,
                                   ("groups", i), hint="declare it in inventory/groups.yaml"))
            continue
        layers.append(Layer(groups_doc, ("groups", group)))  # type: ignore[arg-type]
        inherited.append(inventory.groups[group])
    source = SourceMap(tuple(layers))
    obj, errors = check(model, merge(inherited), source, f"{kind} {stem}")
    diags.extend(errors)
    if obj is None or name != stem:
        inventory.unreadable.add((kind, stem))
        return diags
    table = inventory.devices if kind == "device" else inventory.servers
    table[stem] = obj  # type: ignore[assignment]
    inventory.sources[(kind, stem)] = source
    return diags


def _diag(code: str, message: str, doc: Document, path: tuple[Any, ...], *, key: bool = False,
          hint: str = "") -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, doc.pos(path, key=key), hint)


__all__ = ["InventoryFiles", "ValidationResult", "validate"]
