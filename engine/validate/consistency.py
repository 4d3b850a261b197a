"""Consistency across objects: cabling, addressing, BGP, hypervisors, contracts, sites."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from ipaddress import IPv4Address, ip_address, ip_network
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.validate.facts import Addr, Facts, NodeFacts


def check(facts: Facts) -> list[Diagnostic]:
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
        diags.extend(rule(facts))
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


def _nodes(facts: Facts) -> Iterator[NodeFacts]:
    yield from facts.devices.values()
    yield from facts.servers.values()


def _net(addr: Addr, bits: int = 32) -> tuple[int, int]:
    value, plen = addr
    return value >> (bits - plen), plen


def _show(addr: Addr, bits: int = 32) -> str:
    return str(ip_network((addr[0] >> (bits - addr[1]) << (bits - addr[1]), addr[1])))


def _cable_ports(facts: Facts) -> Iterator[Diagnostic]:
    used: dict[tuple[str, str], str] = {}
    for cable in facts.cables:
        if not cable.active:
            continue
        for end_name, (device, port) in (("a", cable.a), ("b", cable.b)):
            node = facts.node(device)
            path = (end_name, "port")
            if node is not None and port not in node.interfaces:
                yield _diag(
                    "C401",
                    f"cable {cable.id}: {device} declares no port {port!r}",
                    facts.pos("cable", cable.id, path),
                    f"cable {cable.id}",
                    f"add interfaces.{port} to {device} or fix the port name",
                )
            first = used.setdefault((device, port), cable.id)
            if first != cable.id:
                yield _diag(
                    "C402",
                    f"cable {cable.id}: port {device}:{port} is already the end of cable {first}",
                    facts.pos("cable", cable.id, path),
                    f"cable {cable.id}",
                    "a port takes one cable",
                    (facts.pos("cable", first, ("id",)),),
                )


def _hypervisors(facts: Facts) -> Iterator[Diagnostic]:
    for name, server in facts.servers.items():
        subject = f"server {name}"
        if server.server_kind == "physical" and server.host is not None:
            yield _diag(
                "C410",
                f"{subject}: a physical server has no host",
                facts.pos("server", name, ("host",)),
                subject,
                "remove `host` or set `kind: virtual`",
            )
        if server.server_kind != "virtual":
            continue
        if server.host is None:
            yield _diag(
                "C403",
                f"{subject}: a virtual server needs `host` (its hypervisor)",
                facts.pos("server", name, ("kind",)),
                subject,
            )
            continue
        host = facts.servers.get(server.host)
        if host is not None and (host.server_kind != "physical" or host.role != "hypervisor"):
            yield _diag(
                "C403",
                f"{subject}: host {server.host!r} is a {host.server_kind} "
                f"{host.role} server, not a physical hypervisor",
                facts.pos("server", name, ("host",)),
                subject,
                related=(facts.pos("server", server.host, ("role",)),),
            )


AddressRow = tuple[NodeFacts, str, str, Addr]  # node, interface, family, address


def _interface_addresses(facts: Facts) -> list[AddressRow]:
    """Every configured address; computed once per run (two checks use it)."""
    if facts.address_rows is None:
        rows: list[AddressRow] = []
        for node in _nodes(facts):
            for ifname, (v4, v6) in node.interfaces.items():
                if v4 is not None:
                    rows.append((node, ifname, "ipv4", v4))
                if v6 is not None:
                    rows.append((node, ifname, "ipv6", v6))
        facts.address_rows = rows
    return facts.address_rows


def _addresses(facts: Facts) -> Iterator[Diagnostic]:
    owners: dict[tuple[str, int], AddressRow] = {}
    for row in _interface_addresses(facts):
        node, ifname, family, addr = row
        first = owners.setdefault((family, addr[0]), row)
        if (first[0].name, first[1]) != (node.name, ifname):
            shown = ip_address(addr[0]) if family == "ipv4" else ip_address(addr[0].to_bytes(16))
            yield _diag(
                "C404",
                f"{node.kind} {node.name}: {shown} on {ifname} is already "
                f"configured on {first[0].name}:{first[1]}",
                facts.pos(node.kind, node.name, ("interfaces", ifname, family)),
                f"{node.kind} {node.name}",
                related=(
                    facts.pos(first[0].kind, first[0].name, ("interfaces", first[1], first[2])),
                ),
            )


def _v4(facts: Facts, device: str, port: str) -> tuple[NodeFacts, Addr] | None:
    node = facts.node(device)
    addr = node.interfaces.get(port, (None, None))[0] if node else None
    return (node, addr) if node is not None and addr is not None else None


def _cable_subnets(facts: Facts) -> Iterator[Diagnostic]:
    for cable in facts.cables:
        a, b = _v4(facts, *cable.a), _v4(facts, *cable.b)
        if a is None or b is None or _net(a[1]) == _net(b[1]):
            continue
        yield _diag(
            "C405",
            f"cable {cable.id}: {cable.a[0]}:{cable.a[1]} is in {_show(a[1])} "
            f"but {cable.b[0]}:{cable.b[1]} is in {_show(b[1])}",
            facts.pos("cable", cable.id, ("id",)),
            f"cable {cable.id}",
            "both ends of a routed link share one subnet",
            (
                facts.pos(a[0].kind, a[0].name, ("interfaces", cable.a[1], "ipv4")),
                facts.pos(b[0].kind, b[0].name, ("interfaces", cable.b[1], "ipv4")),
            ),
        )


def _bgp(facts: Facts) -> Iterator[Diagnostic]:
    owner = {
        addr[0]: node for node, _, family, addr in _interface_addresses(facts) if family == "ipv4"
    }
    for name, device in facts.devices.items():
        nets = [v4 for v4, _ in device.interfaces.values() if v4 is not None]
        for i, (address, remote_as) in enumerate(device.neighbors):
            path = ("bgp", "neighbors", i)
            yield from _bgp_neighbor(facts, name, address, remote_as, path, nets, owner)


def _bgp_neighbor(
    facts: Facts,
    name: str,
    address: int,
    remote_as: int,
    path: tuple[Any, ...],
    nets: list[Addr],
    owner: dict[int, NodeFacts],
) -> Iterator[Diagnostic]:
    subject = f"device {name}"
    if not any(_net((address, plen)) == _net((net, plen)) for net, plen in nets):
        yield _diag(
            "C406",
            f"{subject}: BGP neighbour {IPv4Address(address)} is on no connected subnet",
            facts.pos("device", name, (*path, "address")),
            subject,
            "eBGP neighbours are the far end of a directly connected link",
        )
    peer = owner.get(address)
    if (
        peer is not None
        and peer.kind == "device"
        and peer.asn is not None
        and peer.asn != remote_as
    ):
        yield _diag(
            "C407",
            f"{subject}: neighbour {IPv4Address(address)} is {peer.name} with ASN "
            f"{peer.asn}, but remote_as is {remote_as}",
            facts.pos("device", name, (*path, "remote_as")),
            subject,
            related=(facts.pos("device", peer.name, ("bgp", "asn")),),
        )


def _contracts(facts: Facts) -> Iterator[Diagnostic]:
    for name, contract in facts.contracts.items():
        if contract.ends < contract.starts:
            ends, starts = date.fromordinal(contract.ends), date.fromordinal(contract.starts)
            yield _diag(
                "C408",
                f"contract {name}: ends {ends} before it starts {starts}",
                facts.pos("contract", name, ("ends",)),
                f"contract {name}",
            )


def _management(facts: Facts) -> Iterator[Diagnostic]:
    seen: dict[int, NodeFacts] = {}
    for node in _nodes(facts):
        first = seen.setdefault(node.mgmt, node)
        if first is not node:
            yield _diag(
                "C411",
                f"{node.kind} {node.name}: management address "
                f"{IPv4Address(node.mgmt)} is also {first.kind} {first.name}'s",
                facts.pos(node.kind, node.name, ("management", "address")),
                f"{node.kind} {node.name}",
                related=(facts.pos(first.kind, first.name, ("management", "address")),),
            )


def _timezones(facts: Facts) -> Iterator[Diagnostic]:
    for name, timezone in facts.sites.items():
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield _diag(
                "C413",
                f"site {name}: {timezone!r} is not an IANA time zone",
                facts.pos("site", name, ("timezone",)),
                f"site {name}",
                "use a name such as Europe/Berlin or America/New_York",
            )


def _coverage(facts: Facts) -> Iterator[Diagnostic]:
    covers = {
        cid: {"device": set(c.devices), "server": set(c.servers)}
        for cid, c in facts.contracts.items()
    }
    for node in _nodes(facts):
        for i, cid in enumerate(node.contracts):
            if cid in covers and node.name not in covers[cid][node.kind]:
                yield _diag(
                    "C412",
                    f"{node.kind} {node.name}: lists contract {cid}, which does not cover it",
                    facts.pos(node.kind, node.name, ("contracts", i)),
                    f"{node.kind} {node.name}",
                    f"add {node.name} to contracts.{cid}.covers.{node.kind}s",
                    severity=Severity.WARNING,
                )
    for cid, contract in facts.contracts.items():
        for kind, names in (("device", contract.devices), ("server", contract.servers)):
            for i, name in enumerate(names):
                covered = facts.node(name)
                if covered is not None and cid not in covered.contracts:
                    yield _diag(
                        "C412",
                        f"contract {cid}: covers {kind} {name}, which does not list it",
                        facts.pos("contract", cid, ("covers", kind + "s", i)),
                        f"contract {cid}",
                        f"add {cid} to {name}'s contracts",
                        severity=Severity.WARNING,
                    )
