"""Dangling references: every name that points at another object must be declared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.diagnostics import Diagnostic, Severity
from engine.validate.facts import Facts

Ref = tuple[str, str, tuple[Any, ...], str, str]  # (kind, name, path, target kind, target name)

_WHERE = {
    "site": "declare it in inventory/sites.yaml",
    "vendor": "declare it in inventory/vendors.yaml",
    "sla": "declare it in inventory/slas.yaml",
    "contract": "declare it in inventory/contracts.yaml",
    "device": "add inventory/devices/NAME.yaml",
    "server": "add inventory/servers/NAME.yaml",
    "node": "add inventory/devices/NAME.yaml or inventory/servers/NAME.yaml",
}


def check(facts: Facts) -> list[Diagnostic]:
    diags = [_dangling(facts, ref) for ref in _refs(facts) if not _exists(facts, ref[3], ref[4])]
    diags.extend(_duplicate_names(facts))
    return diags


def _exists(facts: Facts, kind: str, name: str) -> bool:
    if kind == "node":
        return facts.declared("device", name) or facts.declared("server", name)
    return facts.declared(kind, name)


def _dangling(facts: Facts, ref: Ref) -> Diagnostic:
    kind, name, path, target, value = ref
    what = "device or server" if target == "node" else target
    return Diagnostic(
        "R301",
        Severity.ERROR,
        f"{kind} {name}: {what} {value!r} is not declared",
        facts.pos(kind, name, path),
        _WHERE[target],
        f"{kind} {name}",
    )


def _refs(facts: Facts) -> Iterator[Ref]:
    yield from _node_refs(facts)
    for cable in facts.cables:
        yield "cable", cable.id, ("a", "device"), "node", cable.a[0]
        yield "cable", cable.id, ("b", "device"), "node", cable.b[0]
    for name, contract in facts.contracts.items():
        yield "contract", name, ("vendor",), "vendor", contract.vendor
        if contract.sla is not None:
            yield "contract", name, ("sla",), "sla", contract.sla
        yield from _list(("contract", name), ("covers", "devices"), "device", contract.devices)
        yield from _list(("contract", name), ("covers", "servers"), "server", contract.servers)
    yield from _circuit_refs(facts)
    for name, service in facts.services.items():
        yield "service", name, ("sla",), "sla", service.sla
        yield from _list(("service", name), ("depends_on", "devices"), "device", service.devices)
        yield from _list(("service", name), ("depends_on", "servers"), "server", service.servers)


def _circuit_refs(facts: Facts) -> Iterator[Ref]:
    for name, circuit in facts.circuits.items():
        yield "circuit", name, ("provider",), "vendor", circuit.provider
        if circuit.contract is not None:
            yield "circuit", name, ("contract",), "contract", circuit.contract
        if circuit.sla is not None:
            yield "circuit", name, ("sla",), "sla", circuit.sla
        for end, (site, device, _, _) in (("a", circuit.a), ("b", circuit.b)):
            if site is not None:
                yield "circuit", name, (end, "site"), "site", site
            if device is not None:
                yield "circuit", name, (end, "device"), "node", device


def _node_refs(facts: Facts) -> Iterator[Ref]:
    for node in (*facts.devices.values(), *facts.servers.values()):
        yield node.kind, node.name, ("site",), "site", node.site
        yield from _list((node.kind, node.name), ("contracts",), "contract", node.contracts)
        if node.vendor is not None:
            path = ("vendor",) if node.kind == "device" else ("hardware", "vendor")
            yield node.kind, node.name, path, "vendor", node.vendor
        if node.host is not None:
            yield node.kind, node.name, ("host",), "server", node.host


def _list(
    owner: tuple[str, str], path: tuple[str, ...], target: str, names: tuple[str, ...]
) -> Iterator[Ref]:
    for i, value in enumerate(names):
        yield owner[0], owner[1], (*path, i), target, value


def _duplicate_names(facts: Facts) -> Iterator[Diagnostic]:
    for name in sorted(facts.devices.keys() & facts.servers.keys()):
        yield Diagnostic(
            "R303",
            Severity.ERROR,
            f"server {name}: a device has the same name; cable ends and services could not tell "
            "them apart",
            facts.pos("server", name, ("name",)),
            "rename one of them",
            f"server {name}",
            (facts.pos("device", name, ("name",)),),
        )
