"""Consistency across objects: cabling and circuits, addressing, BGP, hypervisors, contracts,
sites. Ports are compared as their devices' platforms name them (Gi0/1 is GigabitEthernet0/1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from ipaddress import IPv4Address, ip_address, ip_network
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.validate.facts import Addr, CircuitFacts, Facts, NodeFacts, port_of


def check(facts: Facts) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for rule in (
        _ports,
        _circuits,
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


def diag(
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


End = tuple[str, str, str, str, str, NodeFacts | None, str | None]
"""cable or circuit, its id, end (a/b), device, port as written, the device's facts (None:
undeclared) and the declared interface the port names (None: none)"""


def ends(facts: Facts) -> list[End]:
    """Every end of a cable or circuit that holds a device's port (decommissioned ones do not),
    resolved once per run."""
    found: list[End] | None = facts.memo.get("ends")
    if found is None:
        found = facts.memo["ends"] = [_end(facts, *end) for end in _holding(facts)]
    return found


def _holding(facts: Facts) -> Iterator[tuple[str, str, str, str, str]]:
    for cable in facts.cables:
        if cable.active:
            yield "cable", cable.id, "a", *cable.a
            yield "cable", cable.id, "b", *cable.b
    for name, circuit in facts.circuits.items():
        if circuit.active:
            for end, (_, device, port, _) in (("a", circuit.a), ("b", circuit.b)):
                if device is not None and port is not None:
                    yield "circuit", name, end, device, port


def _end(facts: Facts, kind: str, name: str, end: str, device: str, port: str) -> End:
    node = facts.node(device)
    return kind, name, end, device, port, node, port_of(node, port) if node else None


def at(facts: Facts, kind: str, name: str) -> Pos:
    """Where a cable (its id) or a circuit (its name) is declared."""
    if kind == "cable":
        return facts.pos("cable", name, ("id",))
    return facts.pos(kind, name, key=True)


def _ports(facts: Facts) -> Iterator[Diagnostic]:
    used: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, name, end, device, port, node, declared in ends(facts):
        path = (end, "port")
        if node is not None and declared is None:
            yield diag(
                "C401",
                f"{kind} {name}: {device} declares no port {port!r}",
                facts.pos(kind, name, path),
                f"{kind} {name}",
                f"add interfaces.{port} to {device} or fix the port name",
            )
        first = used.setdefault((device, declared or port), (kind, name))
        if first != (kind, name):
            yield diag(
                "C402",
                f"{kind} {name}: port {device}:{port} is already the end of {first[0]} {first[1]}",
                facts.pos(kind, name, path),
                f"{kind} {name}",
                "a port takes one cable or circuit",
                (at(facts, *first),),
            )


def _circuits(facts: Facts) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, str], str] = {}
    for name, circuit in facts.circuits.items():
        yield from _circuit_sites(facts, name, circuit)
        yield from _circuit_addresses(facts, name, circuit)
        first = seen.setdefault((circuit.provider, circuit.circuit_id), name)
        if first != name:
            yield diag(
                "C416",
                f"circuit {name}: {circuit.provider} circuit id {circuit.circuit_id!r} is "
                f"also circuit {first}'s",
                facts.pos("circuit", name, ("circuit_id",)),
                f"circuit {name}",
                "one provider circuit is declared once",
                (facts.pos("circuit", first, ("circuit_id",)),),
            )


def _circuit_sites(facts: Facts, name: str, circuit: CircuitFacts) -> Iterator[Diagnostic]:
    for end, (site, device, _, _) in (("a", circuit.a), ("b", circuit.b)):
        node = facts.node(device) if device is not None else None
        known = site is not None and facts.declared("site", site)
        if known and node is not None and node.site != site:
            yield diag(
                "C414",
                f"circuit {name}: end {end} is at site {site}, but {device} is at {node.site}",
                facts.pos("circuit", name, (end, "site")),
                f"circuit {name}",
                f"set {end}.site to {node.site} (or leave it out: a device end is at the "
                "device's site)",
                (facts.pos(node.kind, node.name, ("site",)),),
            )


def _circuit_addresses(facts: Facts, name: str, circuit: CircuitFacts) -> Iterator[Diagnostic]:
    """An end's given address is its port's; the two ends share one subnet where the circuit
    is one link (a transparent circuit, or an access circuit to the provider's hand-off)."""
    found: list[tuple[str, Addr]] = []
    for end, (_, device, port, given) in (("a", circuit.a), ("b", circuit.b)):
        configured = _v4(facts, device, port) if device and port else None
        if given is not None and configured is not None and given != configured[1]:
            yield diag(
                "C415",
                f"circuit {name}: {end}.ipv4 {_show_if(given)} is not {device}:{port}'s "
                f"address {_show_if(configured[1])}",
                facts.pos("circuit", name, (end, "ipv4")),
                f"circuit {name}",
                "give the address once, on the interface, or make both agree",
                (facts.pos(configured[0].kind, configured[0].name, _ipv4_path(configured)),),
            )
        address = given or (configured[1] if configured else None)
        if address is not None:
            found.append((end, address))
    one_link = circuit.transparent or None in (circuit.a[1], circuit.b[1])
    if len(found) == 2 and one_link:
        (_, a), (_, b) = found
        problem = (
            f"both ends have {_show_if(a)}"
            if a[0] == b[0]
            else f"a is in {_show(a)} but b is in {_show(b)}"
            if _net(a) != _net(b)
            else ""
        )
        if problem:
            yield diag(
                "C415",
                f"circuit {name}: {problem}",
                facts.pos("circuit", name, key=True),
                f"circuit {name}",
                "the two ends of one link have two addresses of one subnet",
            )


def _ipv4_path(found: tuple[NodeFacts, Addr, str]) -> tuple[str, ...]:
    return ("interfaces", found[2], "ipv4")


def _show_if(addr: Addr) -> str:
    return f"{IPv4Address(addr[0])}/{addr[1]}"


def _hypervisors(facts: Facts) -> Iterator[Diagnostic]:
    for name, server in facts.servers.items():
        subject = f"server {name}"
        if server.server_kind == "physical" and server.host is not None:
            yield diag(
                "C410",
                f"{subject}: a physical server has no host",
                facts.pos("server", name, ("host",)),
                subject,
                "remove `host` or set `kind: virtual`",
            )
        if server.server_kind != "virtual":
            continue
        if server.host is None:
            yield diag(
                "C417",
                f"{subject}: a virtual server whose hypervisor (`host`) is not recorded",
                facts.pos("server", name, ("kind",)),
                subject,
                "add `host: NAME` (a physical hypervisor of the inventory)",
                severity=Severity.WARNING,
            )
            continue
        host = facts.servers.get(server.host)
        if host is not None and (host.server_kind != "physical" or host.role != "hypervisor"):
            yield diag(
                "C403",
                f"{subject}: host {server.host!r} is a {host.server_kind} "
                f"{host.role} server, not a physical hypervisor",
                facts.pos("server", name, ("host",)),
                subject,
                related=(facts.pos("server", server.host, ("role",)),),
            )


AddressRow = tuple[NodeFacts, str, str, Addr]  # node, interface, family, address


def interface_addresses(facts: Facts) -> list[AddressRow]:
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
    for row in interface_addresses(facts):
        node, ifname, family, addr = row
        first = owners.setdefault((family, addr[0]), row)
        if (first[0].name, first[1]) != (node.name, ifname):
            shown = ip_address(addr[0]) if family == "ipv4" else ip_address(addr[0].to_bytes(16))
            yield diag(
                "C404",
                f"{node.kind} {node.name}: {shown} on {ifname} is already "
                f"configured on {first[0].name}:{first[1]}",
                facts.pos(node.kind, node.name, ("interfaces", ifname, family)),
                f"{node.kind} {node.name}",
                related=(
                    facts.pos(first[0].kind, first[0].name, ("interfaces", first[1], first[2])),
                ),
            )


def _v4(facts: Facts, device: str, port: str) -> tuple[NodeFacts, Addr, str] | None:
    """A cable or circuit end's device, its port's IPv4 address and the declared port name."""
    node = facts.node(device)
    declared = port_of(node, port) if node is not None else None
    if node is None or declared is None:
        return None
    addr = node.interfaces[declared][0]
    return (node, addr, declared) if addr is not None else None


def _cable_subnets(facts: Facts) -> Iterator[Diagnostic]:
    for cable in facts.cables:
        a, b = _v4(facts, *cable.a), _v4(facts, *cable.b)
        if a is None or b is None or _net(a[1]) == _net(b[1]):
            continue
        yield diag(
            "C405",
            f"cable {cable.id}: {cable.a[0]}:{cable.a[1]} is in {_show(a[1])} "
            f"but {cable.b[0]}:{cable.b[1]} is in {_show(b[1])}",
            facts.pos("cable", cable.id, ("id",)),
            f"cable {cable.id}",
            "both ends of a routed link share one subnet",
            (
                facts.pos(a[0].kind, a[0].name, _ipv4_path(a)),
                facts.pos(b[0].kind, b[0].name, _ipv4_path(b)),
            ),
        )


def owners(facts: Facts) -> dict[int, tuple[NodeFacts, str]]:
    """IPv4 address -> the first interface it is configured on (built once per run)."""
    found: dict[int, tuple[NodeFacts, str]] | None = facts.memo.get("owners")
    if found is None:
        found = facts.memo["owners"] = {}
        for node, ifname, family, addr in interface_addresses(facts):
            if family == "ipv4":
                found.setdefault(addr[0], (node, ifname))
    return found


def _bgp(facts: Facts) -> Iterator[Diagnostic]:
    owner = {address: node for address, (node, _) in owners(facts).items()}
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
        yield diag(
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
        yield diag(
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
            yield diag(
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
            yield diag(
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
            yield diag(
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
                yield diag(
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
                    yield diag(
                        "C412",
                        f"contract {cid}: covers {kind} {name}, which does not list it",
                        facts.pos("contract", cid, ("covers", kind + "s", i)),
                        f"contract {cid}",
                        f"add {cid} to {name}'s contracts",
                        severity=Severity.WARNING,
                    )
