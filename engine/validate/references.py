"""Dangling references: every name that points at another object must be declared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.diagnostics import Diagnostic, Severity
from engine.model.layout import Inventory

Ref = tuple[str, str, tuple[Any, ...], str, str]  # (kind, name, path, target kind, target name)


def check(inv: Inventory) -> list[Diagnostic]:
    diags = [_dangling(inv, ref) for ref in _refs(inv) if not _exists(inv, ref[3], ref[4])]
    diags.extend(_duplicate_names(inv))
    return diags


def _exists(inv: Inventory, kind: str, name: str) -> bool:
    if kind == "node":
        return inv.declared("device", name) or inv.declared("server", name)
    return inv.declared(kind, name)


def _dangling(inv: Inventory, ref: Ref) -> Diagnostic:
    kind, name, path, target, value = ref
    what = "device or server" if target == "node" else target
    return Diagnostic(
        "R301",
        Severity.ERROR,
        f"{kind} {name}: {what} {value!r} is not declared",
        inv.pos(kind, name, path),
        _where(target),
        f"{kind} {name}",
    )


def _where(target: str) -> str:
    return {
        "site": "declare it in inventory/sites.yaml",
        "group": "declare it in inventory/groups.yaml",
        "vendor": "declare it in inventory/vendors.yaml",
        "sla": "declare it in inventory/slas.yaml",
        "contract": "declare it in inventory/contracts.yaml",
        "device": "add inventory/devices/NAME.yaml",
        "server": "add inventory/servers/NAME.yaml",
        "node": "add inventory/devices/NAME.yaml or inventory/servers/NAME.yaml",
    }[target]


def _refs(inv: Inventory) -> Iterator[Ref]:
    yield from _node_refs(inv)
    for cable in inv.cables:
        for end in ("a", "b"):
            yield "cable", cable.id, (end, "device"), "node", getattr(cable, end).device
    for name, contract in inv.contracts.items():
        yield "contract", name, ("vendor",), "vendor", contract.vendor
        if contract.sla is not None:
            yield "contract", name, ("sla",), "sla", contract.sla
        yield from _list(
            ("contract", name), ("covers", "devices"), "device", contract.covers.devices
        )
        yield from _list(
            ("contract", name), ("covers", "servers"), "server", contract.covers.servers
        )
    for name, service in inv.services.items():
        yield "service", name, ("sla",), "sla", service.sla
        deps = service.depends_on
        yield from _list(("service", name), ("depends_on", "devices"), "device", deps.devices)
        yield from _list(("service", name), ("depends_on", "servers"), "server", deps.servers)


def _node_refs(inv: Inventory) -> Iterator[Ref]:
    for kind, table in (("device", inv.devices), ("server", inv.servers)):
        for name, obj in table.items():
            yield kind, name, ("site",), "site", obj.site
            yield from _list((kind, name), ("contracts",), "contract", obj.contracts)
    for name, device in inv.devices.items():
        yield "device", name, ("vendor",), "vendor", device.vendor
    for name, server in inv.servers.items():
        if server.host is not None:
            yield "server", name, ("host",), "server", server.host
        if server.hardware is not None and server.hardware.vendor is not None:
            yield "server", name, ("hardware", "vendor"), "vendor", server.hardware.vendor


def _list(
    owner: tuple[str, str], path: tuple[str, ...], target: str, names: list[str]
) -> Iterator[Ref]:
    for i, value in enumerate(names):
        yield owner[0], owner[1], (*path, i), target, value


def _duplicate_names(inv: Inventory) -> Iterator[Diagnostic]:
    for name in sorted(inv.devices.keys() & inv.servers.keys()):
        yield Diagnostic(
            "R303",
            Severity.ERROR,
            f"server {name}: a device has the same name; cable ends and services "
            "could not tell them apart",
            inv.pos("server", name, ("name",)),
            "rename one of them",
            f"server {name}",
            (inv.pos("device", name, ("name",)),),
        )
