"""Consistency across objects: cabling, addressing, BGP, hypervisors, contracts, sites."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.model.inventory import CableStatus, Device, Server, ServerKind, ServerRole
from engine.model.layout import Inventory

Node = Device | Server


def check(inv: Inventory) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for rule in (
        _cable_ports,
        _hypervisors,
        _addresses,
        _cable_subnets,
        _bgp,
        _contracts,
        _management,
        _timezones,
        _coverage,
    ):
        diags.extend(rule(inv))
    return diags


def _diag(
    code: str,
    message: str,
    pos: Pos,
    subject: str,
    hint: str = "",
    related: tuple[Pos, ...] = (),
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    return Diagnostic(code, severity, message, pos, hint, subject, related)


def _nodes(inv: Inventory) -> Iterator[tuple[str, str, Node]]:
    for name, device in inv.devices.items():
        yield "device", name, device
    for name, server in inv.servers.items():
        yield "server", name, server


def _kind(inv: Inventory, name: str) -> str:
    return "device" if name in inv.devices else "server"


def _cable_ports(inv: Inventory) -> Iterator[Diagnostic]:
    used: dict[tuple[str, str], str] = {}
    for cable in inv.cables:
        if cable.status is CableStatus.DECOMMISSIONED:
            continue
        for end_name in ("a", "b"):
            end = getattr(cable, end_name)
            node = inv.node(end.device)
            pos = inv.pos("cable", cable.id, (end_name, "port"))
            if node is not None and end.port not in node.interfaces:
                yield _diag(
                    "C401",
                    f"cable {cable.id}: {end.device} declares no port {end.port!r}",
                    pos,
                    f"cable {cable.id}",
                    f"add interfaces.{end.port} to {end.device} or fix the port name",
                )
            first = used.setdefault((end.device, end.port), cable.id)
            if first != cable.id:
                yield _diag(
                    "C402",
                    f"cable {cable.id}: port {end.device}:{end.port} is already "
                    f"the end of cable {first}",
                    pos,
                    f"cable {cable.id}",
                    "a port takes one cable",
                    (inv.pos("cable", first, ("id",)),),
                )


def _hypervisors(inv: Inventory) -> Iterator[Diagnostic]:
    for name, server in inv.servers.items():
        subject = f"server {name}"
        if server.kind is ServerKind.PHYSICAL and server.host is not None:
            yield _diag(
                "C410",
                f"{subject}: a physical server has no host",
                inv.pos("server", name, ("host",)),
                subject,
                "remove `host` or set `kind: virtual`",
            )
        if server.kind is not ServerKind.VIRTUAL:
            continue
        if server.host is None:
            yield _diag(
                "C403",
                f"{subject}: a virtual server needs `host` (its hypervisor)",
                inv.pos("server", name, ("kind",)),
                subject,
            )
            continue
        host = inv.servers.get(server.host)
        if host is not None and (
            host.kind is not ServerKind.PHYSICAL or host.role is not ServerRole.HYPERVISOR
        ):
            yield _diag(
                "C403",
                f"{subject}: host {server.host!r} is a {host.kind} {host.role} "
                "server, not a physical hypervisor",
                inv.pos("server", name, ("host",)),
                subject,
                related=(inv.pos("server", server.host, ("role",)),),
            )


AddressRow = tuple[str, str, str, str, IPv4Interface | IPv6Interface]


def _interface_addresses(inv: Inventory) -> list[AddressRow]:
    return [
        (kind, name, ifname, family, address)
        for kind, name, node in _nodes(inv)
        for ifname, itf in node.interfaces.items()
        for family, address in (("ipv4", itf.ipv4), ("ipv6", itf.ipv6))
        if address is not None
    ]


def _addresses(inv: Inventory) -> Iterator[Diagnostic]:
    owners: dict[tuple[int, int], AddressRow] = {}
    for row in _interface_addresses(inv):
        kind, name, ifname, family, address = row
        # int() of an interface is its address; the version keeps v4 and v6 apart
        first = owners.setdefault((address.version, int(address)), row)
        if first[:3] != (kind, name, ifname):
            path = ("interfaces", ifname, family)
            yield _diag(
                "C404",
                f"{kind} {name}: {address.ip} on {ifname} is already configured "
                f"on {first[1]}:{first[2]}",
                inv.pos(kind, name, path),
                f"{kind} {name}",
                related=(inv.pos(first[0], first[1], ("interfaces", first[2], first[3])),),
            )


def _cable_subnets(inv: Inventory) -> Iterator[Diagnostic]:
    for cable in inv.cables:
        ends = [(e.device, e.port, inv.node(e.device)) for e in (cable.a, cable.b)]
        addrs = [
            n.interfaces[p].ipv4 if n is not None and p in n.interfaces else None
            for _, p, n in ends
        ]
        if addrs[0] is None or addrs[1] is None or addrs[0].network == addrs[1].network:
            continue
        yield _diag(
            "C405",
            f"cable {cable.id}: {ends[0][0]}:{ends[0][1]} is in {addrs[0].network} "
            f"but {ends[1][0]}:{ends[1][1]} is in {addrs[1].network}",
            inv.pos("cable", cable.id, ("id",)),
            f"cable {cable.id}",
            "both ends of a routed link share one subnet",
            (
                inv.pos(_kind(inv, ends[0][0]), ends[0][0], ("interfaces", ends[0][1], "ipv4")),
                inv.pos(_kind(inv, ends[1][0]), ends[1][0], ("interfaces", ends[1][1], "ipv4")),
            ),
        )


def _bgp(inv: Inventory) -> Iterator[Diagnostic]:
    owner = {int(a): (k, n) for k, n, _, f, a in _interface_addresses(inv) if f == "ipv4"}
    for name, device in inv.devices.items():
        if device.bgp is None:
            continue
        nets = [i.ipv4.network for i in device.interfaces.values() if i.ipv4 is not None]
        for i, nbr in enumerate(device.bgp.neighbors):
            path = ("bgp", "neighbors", i)
            yield from _bgp_neighbor(inv, name, nbr.address, nbr.remote_as, path, nets, owner)


def _bgp_neighbor(
    inv: Inventory,
    name: str,
    address: IPv4Address,
    remote_as: int,
    path: tuple[Any, ...],
    nets: list[Any],
    owner: dict[int, tuple[str, str]],
) -> Iterator[Diagnostic]:
    subject = f"device {name}"
    if not any(address in net for net in nets):
        yield _diag(
            "C406",
            f"{subject}: BGP neighbour {address} is on no connected subnet",
            inv.pos("device", name, (*path, "address")),
            subject,
            "eBGP neighbours are the far end of a directly connected link",
        )
    peer = owner.get(int(address))
    peer_dev = inv.devices.get(peer[1]) if peer and peer[0] == "device" else None
    if peer_dev is not None and peer_dev.bgp is not None and peer_dev.bgp.asn != remote_as:
        yield _diag(
            "C407",
            f"{subject}: neighbour {address} is {peer_dev.name} with ASN "
            f"{peer_dev.bgp.asn}, but remote_as is {remote_as}",
            inv.pos("device", name, (*path, "remote_as")),
            subject,
            related=(inv.pos("device", peer_dev.name, ("bgp", "asn")),),
        )


def _contracts(inv: Inventory) -> Iterator[Diagnostic]:
    for name, contract in inv.contracts.items():
        if contract.ends < contract.starts:
            yield _diag(
                "C408",
                f"contract {name}: ends {contract.ends} before it starts {contract.starts}",
                inv.pos("contract", name, ("ends",)),
                f"contract {name}",
            )


def _management(inv: Inventory) -> Iterator[Diagnostic]:
    seen: dict[IPv4Address, tuple[str, str]] = {}
    for kind, name, node in _nodes(inv):
        first = seen.setdefault(node.management.address, (kind, name))
        if first != (kind, name):
            yield _diag(
                "C411",
                f"{kind} {name}: management address {node.management.address} is "
                f"also {first[0]} {first[1]}'s",
                inv.pos(kind, name, ("management", "address")),
                f"{kind} {name}",
                related=(inv.pos(*first, ("management", "address")),),
            )


def _timezones(inv: Inventory) -> Iterator[Diagnostic]:
    for name, site in inv.sites.items():
        try:
            ZoneInfo(site.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield _diag(
                "C413",
                f"site {name}: {site.timezone!r} is not an IANA time zone",
                inv.pos("site", name, ("timezone",)),
                f"site {name}",
                "use a name such as Europe/Berlin or America/New_York",
            )


def _coverage(inv: Inventory) -> Iterator[Diagnostic]:
    covers = {
        cid: {"device": set(c.covers.devices), "server": set(c.covers.servers)}
        for cid, c in inv.contracts.items()
    }
    for kind, name, node in _nodes(inv):
        for i, cid in enumerate(node.contracts):
            if cid in covers and name not in covers[cid][kind]:
                yield _diag(
                    "C412",
                    f"{kind} {name}: lists contract {cid}, which does not cover it",
                    inv.pos(kind, name, ("contracts", i)),
                    f"{kind} {name}",
                    f"add {name} to contracts.{cid}.covers.{kind}s",
                    severity=Severity.WARNING,
                )
    for cid, contract in inv.contracts.items():
        for kind in ("device", "server"):
            for i, name in enumerate(getattr(contract.covers, kind + "s")):
                covered = inv.node(name)
                if covered is not None and cid not in covered.contracts:
                    yield _diag(
                        "C412",
                        f"contract {cid}: covers {kind} {name}, which does not list it",
                        inv.pos("contract", cid, ("covers", kind + "s", i)),
                        f"contract {cid}",
                        f"add {cid} to {name}'s contracts",
                        severity=Severity.WARNING,
                    )
