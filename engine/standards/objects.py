"""The inventory as (kind, name, object) targets, and selectors over them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel

from engine.model.inventory import (
    Cable,
    Circuit,
    Contract,
    Device,
    Server,
    Service,
    Site,
    Sla,
    Vendor,
)
from engine.model.layout import Inventory
from engine.standards.model import Kind, Selector

KIND_MODELS: dict[Kind, type[BaseModel]] = {
    Kind.DEVICE: Device,
    Kind.SERVER: Server,
    Kind.SITE: Site,
    Kind.CABLE: Cable,
    Kind.CONTRACT: Contract,
    Kind.CIRCUIT: Circuit,
    Kind.SERVICE: Service,
    Kind.SLA: Sla,
    Kind.VENDOR: Vendor,
}
_TABLES = {
    Kind.DEVICE: "devices",
    Kind.SERVER: "servers",
    Kind.SITE: "sites",
    Kind.CONTRACT: "contracts",
    Kind.CIRCUIT: "circuits",
    Kind.SERVICE: "services",
    Kind.SLA: "slas",
    Kind.VENDOR: "vendors",
    Kind.GROUP: "groups",
}


@dataclass(frozen=True, slots=True)
class Target:
    """One object a rule looks at."""

    kind: Kind
    name: str
    obj: Any  # the validated model; a group is its plain mapping

    @property
    def subject(self) -> str:
        return f"{self.kind} {self.name}"


def targets_of(inventory: Inventory, kind: Kind) -> Iterator[Target]:
    if kind is Kind.CABLE:
        for cable in inventory.cables:
            yield Target(kind, cable.id, cable)
        return
    table: dict[str, Any] = getattr(inventory, _TABLES[kind])
    for name, obj in table.items():
        yield Target(kind, name, obj)


_MISSING = object()


def field(obj: Any, path: str) -> Any:
    """The value at a dotted path (`lifecycle.status`), or _MISSING."""
    for part in path.split("."):
        obj = obj.get(part, _MISSING) if isinstance(obj, dict) else getattr(obj, part, _MISSING)
        if obj is _MISSING or obj is None:
            return _MISSING
    return obj


def plain(value: Any) -> Any:
    """Compare enums, dates and addresses by their YAML spelling."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _has(value: Any, wanted: list[Any]) -> bool:
    if value is _MISSING:
        return False
    if isinstance(value, list | tuple | set | frozenset):
        return any(plain(v) in wanted for v in value)
    return plain(value) in wanted


def matches(selector: Selector, target: Target) -> bool:
    obj = target.obj
    for attr in ("role", "site", "platform"):
        wanted = getattr(selector, attr)
        if wanted and not _has(field(obj, attr), wanted):
            return False
    if selector.tags:
        tags = field(obj, "tags")
        if tags is _MISSING or not set(selector.tags) <= set(tags):
            return False
    if selector.names and not any(fnmatchcase(target.name, p) for p in selector.names):
        return False
    return all(_has(field(obj, path), wanted) for path, wanted in selector.where.items())


def unknown_fields(selector: Selector, kinds: list[Kind]) -> list[str]:
    """`where` paths whose first step is a field of none of the kinds (a typo selects nothing)."""
    known: set[str] = set()
    for kind in kinds:
        model = KIND_MODELS.get(kind)
        if model is None:
            return []
        known |= set(model.model_fields)
    return [path for path in selector.where if path.split(".")[0] not in known]
