"""Where each kind lives in a repository (and which of a repository's files are which kind),
and the validated inventory as one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.errors import RepoError
from engine.load.repo import yaml_files
from engine.load.sourcemap import SourceMap
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


@dataclass(frozen=True)
class Collection:
    """A small collection kept in one file as a mapping (or list) under one top-level key."""

    kind: str  # singular, used in messages: "site"
    file: str  # relative to the repo: "inventory/sites.yaml"
    key: str  # the top-level key: "sites"
    model: type[BaseModel]
    keyed: bool = True  # mapping keyed by name; False = a list (cables, keyed by `id`)


COLLECTIONS: tuple[Collection, ...] = (
    Collection("site", "inventory/sites.yaml", "sites", Site),
    Collection("group", "inventory/groups.yaml", "groups", BaseModel),
    Collection("cable", "inventory/cabling.yaml", "cables", Cable, keyed=False),
    Collection("vendor", "inventory/vendors.yaml", "vendors", Vendor),
    Collection("sla", "inventory/slas.yaml", "slas", Sla),
    Collection("contract", "inventory/contracts.yaml", "contracts", Contract),
    Collection("circuit", "inventory/circuits.yaml", "circuits", Circuit),
    Collection("service", "inventory/services.yaml", "services", Service),
)
# the devices' pinned SSH host keys (OpenSSH's format; engine.drivers.hostkeys)
KNOWN_HOSTS = "inventory/known_hosts"
OBJECT_FOLDERS: dict[str, tuple[str, type[Device] | type[Server]]] = {
    "device": ("inventory/devices", Device),
    "server": ("inventory/servers", Server),
}


@dataclass
class InventoryFiles:
    collections: list[str] = field(default_factory=list)
    objects: dict[str, list[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.collections + [rel for rels in self.objects.values() for rel in rels]


def discover(repo: Path) -> InventoryFiles:
    """Classify every YAML file under inventory/; unknown ones are a warning, not ignored."""
    root = repo / "inventory"
    if not root.is_dir():
        raise RepoError(
            f"{repo}: no inventory/ folder (is this an underlay repository? "
            "`underlay init PATH` creates one)"
        )
    found = InventoryFiles(objects={kind: [] for kind in OBJECT_FOLDERS})
    known = {c.file for c in COLLECTIONS}
    folders = {folder: kind for kind, (folder, _) in OBJECT_FOLDERS.items()}
    for rel in sorted(yaml_files(root, "inventory")):
        parent = rel.rpartition("/")[0]
        if rel in known:
            found.collections.append(rel)
        elif parent in folders:
            found.objects[folders[parent]].append(rel)
        else:
            found.diagnostics.append(
                Diagnostic(
                    "S204",
                    Severity.WARNING,
                    "file is not part of the inventory layout; ignored",
                    Pos(rel, 1, 1),
                    "see README: inventory/devices/NAME.yaml, inventory/sites.yaml, ...",
                )
            )
    return found


@dataclass
class Inventory:
    """Everything that validated, with a source map per object for later diagnostics."""

    sites: dict[str, Site] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    servers: dict[str, Server] = field(default_factory=dict)
    cables: list[Cable] = field(default_factory=list)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    slas: dict[str, Sla] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    circuits: dict[str, Circuit] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    sources: dict[tuple[str, str], SourceMap] = field(default_factory=dict)
    # names declared in files that could not be read: not reported again as dangling
    unreadable: set[tuple[str, str]] = field(default_factory=set)
    unreadable_kinds: set[str] = field(default_factory=set)

    def pos(self, kind: str, name: str, path: tuple[Any, ...] = (), *, key: bool = False) -> Pos:
        source = self.sources.get((kind, name))
        if source is None:
            return Pos("inventory", 1, 1)
        return source.pos(path, key=key)

    def declared(self, kind: str, name: str) -> bool:
        tables: dict[str, Mapping[str, object]] = {
            "site": self.sites,
            "group": self.groups,
            "device": self.devices,
            "server": self.servers,
            "vendor": self.vendors,
            "sla": self.slas,
            "contract": self.contracts,
            "circuit": self.circuits,
            "service": self.services,
        }
        return (
            name in tables[kind] or (kind, name) in self.unreadable or kind in self.unreadable_kinds
        )

    def node(self, name: str) -> Device | Server | None:
        """A device or server by name (cable ends may be either)."""
        return self.devices.get(name) or self.servers.get(name)
