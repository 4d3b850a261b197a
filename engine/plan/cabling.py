"""Cabling verification: the declared cables against the links LLDP sees, both ends.

Each declared, connected cable (and each active dark fibre, wavelength or Ethernet line circuit
between two devices: LLDP sees across those) is matched with the observed links: seen as
declared (fine), seen with one end on another port ("wrong-port"), or not seen at all
("missing"). A link LLDP sees that nothing declares is "unexpected". Names are compared without
a domain suffix, as devices often announce an FQDN; ports as the device's platform names them,
so LLDP's `Gi0/1` is the declared `GigabitEthernet0/1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.model.ifnames import canonical, resolve
from engine.model.inventory import TRANSPARENT_CIRCUITS, CableStatus, CircuitStatus, Device, Server
from engine.model.layout import Inventory
from engine.plan.model import CablingFinding

End = tuple[str, str]  # (device, port)
Link = frozenset[End]


def _short(name: str) -> str:
    return name.split(".", 1)[0].lower()


def _show(link: Link | tuple[End, End]) -> str:
    a, b = sorted(link)
    return f"{a[0]}:{a[1]} <-> {b[0]}:{b[1]}"


Port = Callable[[str, str], str]  # (short device name, port as reported) -> the declared port


def _as_is(device: str, port: str) -> str:
    return port


def observed_links(lldp: Mapping[str, Mapping[str, Any]], port: Port = _as_is) -> set[Link]:
    """Links from get_lldp_neighbors of each device that answered."""
    links = set()
    for device, ports in lldp.items():
        local = _short(device)
        for name, neighbours in ports.items():
            for n in neighbours:
                far = _short(n["hostname"])
                links.add(frozenset({(local, port(local, name)), (far, port(far, n["port"]))}))
    return links


def ports_of(inventory: Inventory) -> Port:
    """A port as its device declares it: abbreviations (Gi0/1) resolved on the device's
    platform; a port the device does not declare in its platform's canonical spelling."""
    every: list[Device | Server] = [*inventory.devices.values(), *inventory.servers.values()]
    nodes = {_short(n.name): n for n in every}

    def port(device: str, name: str) -> str:
        node = nodes.get(device)
        if node is None:
            return name
        platform = str(node.platform)
        return resolve(platform, name, node.interfaces) or canonical(platform, name)

    return port


def _declared(inventory: Inventory, port: Port) -> Iterator[tuple[str, str, End, End]]:
    """(kind, id, a end, b end) of the connected cables and the active circuits LLDP sees
    across."""
    ends: list[tuple[str, str, str | None, str | None, str | None, str | None]] = [
        ("cable", cable.id, cable.a.device, cable.a.port, cable.b.device, cable.b.port)
        for cable in inventory.cables
        if cable.status is CableStatus.CONNECTED
    ]
    ends += [
        ("circuit", name, c.a.device, c.a.port, c.b.device, c.b.port)
        for name, c in inventory.circuits.items()
        if c.status is CircuitStatus.ACTIVE and c.kind in TRANSPARENT_CIRCUITS
    ]
    for kind, link, da, pa, db, pb in ends:
        if da and pa and db and pb:
            a, b = _short(da), _short(db)
            yield kind, link, (a, port(a, pa)), (b, port(b, pb))


def verify(inventory: Inventory, lldp: Mapping[str, Mapping[str, Any]]) -> list[CablingFinding]:
    """Findings for the cables whose ends' devices reported LLDP (`lldp`: device -> getter)."""
    port = ports_of(inventory)
    seen = observed_links(lldp, port)
    reporting = {_short(d) for d in lldp}
    declared = list(_declared(inventory, port))
    # neither end answered: nothing to verify
    declared = [d for d in declared if d[2][0] in reporting or d[3][0] in reporting]
    explained = {frozenset({a, b}) for _, _, a, b in declared} & seen
    findings = []
    for kind, cable, a, b in declared:
        if frozenset({a, b}) in seen:
            continue
        finding, link = _mismatch(kind, cable, a, b, seen - explained)
        if link is not None:
            explained.add(link)
        findings.append(finding)
    for link in sorted(seen - explained, key=_show):
        findings.append(
            CablingFinding(
                kind="unexpected",
                cable=None,
                declared=None,
                seen=_show(link),
                message=f"LLDP sees {_show(link)}, which no cable or circuit declares",
            )
        )
    return findings


def _mismatch(
    kind: str, cable: str, a: End, b: End, seen: set[Link]
) -> tuple[CablingFinding, Link | None]:
    declared = _show((a, b))
    for link in sorted(seen, key=_show):
        ends = set(link)
        if a in ends or b in ends or {a[0], b[0]} == {e[0] for e in ends}:
            return CablingFinding(
                kind="wrong-port",
                cable=cable,
                declared=declared,
                seen=_show(link),
                message=f"{kind} {cable}: declared {declared}, but LLDP sees {_show(link)}",
            ), link
    return CablingFinding(
        kind="missing",
        cable=cable,
        declared=declared,
        seen=None,
        message=f"{kind} {cable}: LLDP sees no link {declared}",
    ), None


def for_device(findings: list[CablingFinding], device: str) -> tuple[CablingFinding, ...]:
    short = _short(device)
    return tuple(
        f
        for f in findings
        if any(
            part.split(":")[0] == short
            for text in (f.declared, f.seen)
            if text
            for part in text.split(" <-> ")
        )
    )
