"""Intent across objects: what keeps a network from coming up as declared although every object
is valid on its own (codes I6xx, docs/diagnostics.md).

The two ends of a link (a cable, or a circuit that carries the frames end to end) agree on MTU
and, where both are switchports, on trunk or access VLAN; addresses are host addresses; BGP
sessions are declared on both sides, to the peer's address, over an enabled interface; router
ids are unique within a routing domain (the devices joined by sessions); a device announces only
networks it has; a static route's next hop is connected; and a retired device or server is no
longer cabled, covered or depended upon.

Every check runs on facts over indexes built once per run (no pair of devices is compared).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from engine.diagnostics import Diagnostic, Pos, Severity
from engine.validate.consistency import at, diag, ends, interface_addresses, owners
from engine.validate.facts import Addr, Facts, NodeFacts, port_of

RETIRED = "retired"
Side = tuple[str, str]  # (node name, declared interface)


def check(facts: Facts) -> list[Diagnostic]:
    index = _Index.build(facts)
    diags: list[Diagnostic] = []
    for rule in (
        _mtu,
        _switchports,
        _host_addresses,
        _sessions,
        _router_ids,
        _announced,
        _static_routes,
        _disabled_ports,
        _retired_links,
        _retired_covered,
        _retired_depended,
    ):
        diags.extend(rule(facts, index))
    return diags


@dataclass
class _Index:
    owner: dict[int, Side]  # IPv4 address -> who has it configured
    far: dict[Side, tuple[Side, str, str]]  # a linked port -> its far end, the cable/circuit
    links: list[tuple[str, str, Side, Side]]  # kind, id, a end, b end (both declared ports)
    facts: Facts
    retired: frozenset[str]  # the retired devices and servers (usually none)

    @classmethod
    def build(cls, facts: Facts) -> _Index:
        owner = {address: (node.name, ifname) for address, (node, ifname) in owners(facts).items()}
        links = list(_links(facts))
        far: dict[Side, tuple[Side, str, str]] = {}
        for kind, name, a, b in links:
            far[a], far[b] = (b, kind, name), (a, kind, name)
        nodes = (*facts.devices.values(), *facts.servers.values())
        retired = frozenset(n.name for n in nodes if n.status == RETIRED)
        return cls(owner, far, links, facts, retired)

    def connected(self, device: str, address: int) -> list[str]:
        """The device's interfaces on whose subnet `address` lies."""
        node = _node(self.facts, device)
        return [
            ifname
            for ifname, (v4, _) in node.interfaces.items()
            if v4 is not None and address >> (32 - v4[1]) == v4[0] >> (32 - v4[1])
        ]


def _links(facts: Facts) -> Iterator[tuple[str, str, Side, Side]]:
    """Cables and transparent circuits in service whose two ends are declared ports."""
    pairs: list[tuple[str, str, tuple[str, str], tuple[str, str]]] = [
        ("cable", c.id, c.a, c.b) for c in facts.cables if c.connected
    ]
    for name, circuit in facts.circuits.items():
        (_, da, pa, _), (_, db, pb, _) = circuit.a, circuit.b
        if circuit.live and circuit.transparent and da and pa and db and pb:
            pairs.append(("circuit", name, (da, pa), (db, pb)))
    for kind, name, (da, pa), (db, pb) in pairs:
        a, b = _side(facts, da, pa), _side(facts, db, pb)
        if a is not None and b is not None:
            yield kind, name, a, b


def _side(facts: Facts, device: str, port: str) -> Side | None:
    node = facts.node(device)
    declared = port_of(node, port) if node is not None else None
    return (device, declared) if declared is not None else None


def _node(facts: Facts, name: str) -> NodeFacts:
    node = facts.node(name)
    assert node is not None  # the indexes hold declared nodes only
    return node


def _itf(facts: Facts, side: Side, *field: str) -> Pos:
    node = _node(facts, side[0])
    return facts.pos(node.kind, node.name, ("interfaces", side[1], *field))


def _ip(value: int) -> IPv4Address:
    return IPv4Address(value)


# ---------------------------------------------------------------- the two ends of a link
def _mtu(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for kind, name, a, b in index.links:
        mtu_a = _node(facts, a[0]).mtus.get(a[1])
        mtu_b = _node(facts, b[0]).mtus.get(b[1])
        if mtu_a is not None and mtu_b is not None and mtu_a != mtu_b:
            yield diag(
                "I601",
                f"{kind} {name}: {a[0]}:{a[1]} has MTU {mtu_a} but {b[0]}:{b[1]} has {mtu_b}",
                at(facts, kind, name),
                f"{kind} {name}",
                "both ends of a link use one MTU (routing adjacencies and large packets "
                "fail otherwise)",
                (_itf(facts, a, "mtu"), _itf(facts, b, "mtu")),
            )


def _switchports(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for kind, name, a, b in index.links:
        mode_a, mode_b = _mode(facts, a), _mode(facts, b)
        if mode_a is None or mode_b is None or mode_a == mode_b:
            continue
        yield diag(
            "I613",
            f"{kind} {name}: {a[0]}:{a[1]} is {mode_a} but {b[0]}:{b[1]} is {mode_b}",
            at(facts, kind, name),
            f"{kind} {name}",
            "both ends are access ports of one VLAN, or both are trunks",
            (_itf(facts, a), _itf(facts, b)),
        )


def _mode(facts: Facts, side: Side) -> str | None:
    """'trunk' or 'access VLAN n' (None: no switchport; a routed port or a host's NIC may
    well sit in an access VLAN)."""
    mode, vlan = _node(facts, side[0]).switchports.get(side[1], (None, None))
    if mode == "access" or (mode is None and vlan is not None):
        return f"access VLAN {vlan}" if vlan is not None else None
    return "trunk" if mode == "trunk" else None


def _host_addresses(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for node, ifname, family, (value, plen) in interface_addresses(facts):
        if family != "ipv4" or plen > 30:
            continue
        host, last = value & ((1 << (32 - plen)) - 1), (1 << (32 - plen)) - 1
        if host in (0, last):
            what = "network" if host == 0 else "broadcast"
            yield diag(
                "I602",
                f"{node.kind} {node.name}: {_ip(value)}/{plen} on {ifname} is the "
                f"{what} address of its subnet",
                facts.pos(node.kind, node.name, ("interfaces", ifname, "ipv4")),
                f"{node.kind} {node.name}",
                "use a host address (or a /31 for a point-to-point link)",
            )


# ---------------------------------------------------------------- BGP sessions
def _sessions(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    peers: dict[str, set[str]] = {
        name: {index.owner[a][0] for a, _ in device.neighbors if a in index.owner}
        for name, device in facts.devices.items()
    }
    for name, device in facts.devices.items():
        for i, (address, _) in enumerate(device.neighbors):
            found = index.owner.get(address)
            peer = facts.devices.get(found[0]) if found is not None else None
            fine = peer is not None and peer is not device and name in peers[peer.name]
            if not fine or device.disabled:  # the few that may be wrong: look closer
                path = ("bgp", "neighbors", i, "address")
                yield from _session(facts, index, device, address, path, peers)


def _session(
    facts: Facts,
    index: _Index,
    device: NodeFacts,
    address: int,
    path: tuple[Any, ...],
    peers: dict[str, set[str]],
) -> Iterator[Diagnostic]:
    subject = f"device {device.name}"
    pos = _Lazy(facts, device.name, path)  # positions re-read a file: only for a finding
    found = index.owner.get(address)
    if found is None:
        yield from _wrong_peer(facts, index, device, address, pos)
        return
    peer = _node(facts, found[0])
    if peer is device:
        yield diag(
            "I604", f"{subject}: BGP neighbour {_ip(address)} is its own address ({found[1]})",
            pos(), subject, "a neighbour is the far end's address",
        )
    elif peer.kind == "device" and peer.asn is None:
        yield diag(
            "I603",
            f"{subject}: BGP neighbour {_ip(address)} is {peer.name}, which runs no BGP",
            pos(), subject, f"declare bgp on {peer.name}, or remove the neighbour",
            (facts.pos("device", peer.name, key=True),),
        )
    elif peer.kind == "device" and device.name not in peers[peer.name]:
        yield diag(
            "I603",
            f"{subject}: BGP neighbour {_ip(address)} is {peer.name}, which has no "
            f"neighbour for {device.name}: the session is one-sided",
            pos(), subject, f"add the session to {peer.name}'s bgp.neighbors",
            (facts.pos("device", peer.name, ("bgp", "neighbors"), key=True),),
        )
    yield from _over_disabled(facts, index, device, address, pos)


@dataclass(frozen=True)
class _Lazy:
    """Where a value of a device is, found when a finding needs it."""

    facts: Facts
    device: str
    path: tuple[Any, ...]

    def __call__(self) -> Pos:
        return self.facts.pos("device", self.device, self.path)


def _wrong_peer(
    facts: Facts, index: _Index, device: NodeFacts, address: int, pos: _Lazy
) -> Iterator[Diagnostic]:
    """A neighbour nobody has, on a link whose far end has another address of that subnet."""
    for ifname in index.connected(device.name, address):
        link = index.far.get((device.name, ifname))
        far = _node(facts, link[0][0]) if link else None
        v4 = far.interfaces[link[0][1]][0] if far is not None and link else None
        if link is None or v4 is None or v4[0] == address:
            continue
        subject = f"device {device.name}"
        yield diag(
            "I604",
            f"{subject}: BGP neighbour {_ip(address)} is on {ifname}, whose far end "
            f"{link[0][0]}:{link[0][1]} ({link[1]} {link[2]}) has {_ip(v4[0])}",
            pos(), subject, f"the neighbour address is {_ip(v4[0])}",
            (_itf(facts, link[0], "ipv4"),),
        )
        return
    yield from _over_disabled(facts, index, device, address, pos)


def _over_disabled(
    facts: Facts, index: _Index, device: NodeFacts, address: int, pos: _Lazy
) -> Iterator[Diagnostic]:
    if not device.disabled:
        return
    via = index.connected(device.name, address)
    if via and all(ifname in device.disabled for ifname in via):
        subject = f"device {device.name}"
        yield diag(
            "I608",
            f"{subject}: the BGP session to {_ip(address)} runs over {via[0]}, which is "
            "disabled",
            pos(), subject, f"enable {via[0]} or remove the session",
            (facts.pos("device", device.name, ("interfaces", via[0], "enabled")),),
        )


def _router_ids(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    """Router ids are unique within a routing domain: the devices joined by BGP sessions."""
    counts: dict[int, int] = {}
    for device in facts.devices.values():
        if device.router_id is not None:
            counts[device.router_id] = counts.get(device.router_id, 0) + 1
    shared = {rid for rid, n in counts.items() if n > 1}
    if not shared:  # every id unique: no domain to work out
        return
    domain = _domains(facts, index)
    first: dict[tuple[str, int], str] = {}
    for name, device in facts.devices.items():
        if device.router_id not in shared or device.router_id is None:
            continue
        seen = first.setdefault((domain(name), device.router_id), name)
        if seen != name:
            yield diag(
                "I605",
                f"device {name}: router id {_ip(device.router_id)} is also {seen}'s, in the "
                "same routing domain",
                facts.pos("device", name, ("bgp", "router_id")),
                f"device {name}",
                "give every router its own id (its loopback address)",
                (facts.pos("device", seen, ("bgp", "router_id")),),
            )


def _domains(facts: Facts, index: _Index) -> Any:
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.get(name, name) != name:
            parent[name] = parent.get(parent[name], parent[name])
            name = parent[name]
        return name

    for name, device in facts.devices.items():
        for address, _ in device.neighbors:
            found = index.owner.get(address)
            if found is not None and found[0] in facts.devices:
                parent[root(name)] = root(found[0])
    return root


def _announced(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for name, device in facts.devices.items():
        if not device.networks:
            continue
        have = {_prefix(v4) for v4, _ in device.interfaces.values() if v4 is not None}
        have |= {_prefix(prefix) for prefix, _ in device.statics}
        for i, network in enumerate(device.networks):
            if _prefix(network) not in have:
                yield diag(
                    "I606",
                    f"device {name}: announces {_ip(network[0])}/{network[1]}, but has no "
                    "interface subnet or static route of exactly that prefix",
                    facts.pos("device", name, ("bgp", "networks", i)),
                    f"device {name}",
                    "BGP announces a network only when it is in the routing table: add the "
                    "interface or a static route, or remove the network",
                )


def _prefix(addr: Addr) -> Addr:
    value, plen = addr
    return (value >> (32 - plen) << (32 - plen), plen)


def _static_routes(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for name, device in facts.devices.items():
        for i, (_, next_hop) in enumerate(device.statics):
            via = index.connected(name, next_hop)
            if not via or all(ifname in device.disabled for ifname in via):
                yield diag(
                    "I612",
                    f"device {name}: static route next hop {_ip(next_hop)} is on no "
                    "connected (enabled) subnet: the route stands only while another route "
                    "resolves it",
                    facts.pos("device", name, ("static_routes", i, "next_hop")),
                    f"device {name}",
                    "a next hop is normally an address on one of the device's own links",
                    severity=Severity.WARNING,
                )


# ---------------------------------------------------------------- disabled ports
def _disabled_ports(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for kind, name, end, device, _, node, declared in ends(facts):
        if node is None or not node.disabled or declared not in node.disabled:
            continue
        if not _in_service(facts, kind, name):
            continue
        yield diag(
            "I607",
            f"{kind} {name}: {device}:{declared} is disabled, but the {kind} is in service",
            facts.pos(kind, name, (end, "port")),
            f"{kind} {name}",
            f"enable {declared} on {device}, or mark the {kind} planned or decommissioned",
            (facts.pos(node.kind, node.name, ("interfaces", declared, "enabled")),),
            Severity.WARNING,
        )


def _in_service(facts: Facts, kind: str, name: str) -> bool:
    """A cable connected, a circuit active."""
    if kind == "circuit":
        return facts.circuits[name].live
    connected = facts.memo.get("connected")
    if connected is None:
        connected = facts.memo["connected"] = {c.id for c in facts.cables if c.connected}
    return name in connected


# ---------------------------------------------------------------- lifecycle
def _retired(facts: Facts, index: _Index, name: str | None) -> NodeFacts | None:
    return facts.node(name) if name is not None and name in index.retired else None


def _retired_links(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    if not index.retired:
        return
    for kind, name, end, device, *_ in ends(facts):
        node = _retired(facts, index, device)
        if node is not None and _in_service(facts, kind, name):
            yield diag(
                "I609",
                f"{kind} {name}: {node.kind} {device} is retired, but the {kind} is in service",
                facts.pos(kind, name, (end, "device")),
                f"{kind} {name}",
                f"mark the {kind} decommissioned (or {device} not retired)",
                (facts.pos(node.kind, node.name, ("lifecycle", "status")),),
            )


def _retired_listed(
    facts: Facts, index: _Index, devices: tuple[str, ...], servers: tuple[str, ...]
) -> Iterator[tuple[str, int, NodeFacts]]:
    """The retired ones in a list of devices and a list of servers: (kind, index, node)."""
    for kind, names in (("device", devices), ("server", servers)):
        for i, name in enumerate(names):
            node = _retired(facts, index, name)
            if node is not None and node.kind == kind:
                yield kind, i, node


def _retired_covered(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    if not index.retired:
        return
    for cid, contract in facts.contracts.items():
        for kind, i, node in _retired_listed(facts, index, contract.devices, contract.servers):
            yield diag(
                "I610",
                f"contract {cid}: covers {kind} {node.name}, which is retired",
                facts.pos("contract", cid, ("covers", kind + "s", i)),
                f"contract {cid}",
                f"remove {node.name} from the contract (and the contract from {node.name})",
                (facts.pos(kind, node.name, ("lifecycle", "status")),),
                Severity.WARNING,
            )


def _retired_depended(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    if not index.retired:
        return
    for sname, service in facts.services.items():
        for kind, i, node in _retired_listed(facts, index, service.devices, service.servers):
            yield _depended(
                facts, f"service {sname}", f"depends on {kind} {node.name}", node,
                facts.pos("service", sname, ("depends_on", kind + "s", i)),
            )
    for name, server in facts.servers.items():
        host = _retired(facts, index, server.host)
        if host is not None and server.status != RETIRED:
            yield _depended(
                facts, f"server {name}", f"runs on {host.kind} {host.name}", host,
                facts.pos("server", name, ("host",)),
            )
    yield from _retired_peers(facts, index)


def _retired_peers(facts: Facts, index: _Index) -> Iterator[Diagnostic]:
    for name, device in facts.devices.items():
        if device.status == RETIRED:
            continue
        for i, (address, _) in enumerate(device.neighbors):
            found = index.owner.get(address)
            peer = _retired(facts, index, found[0]) if found is not None else None
            if peer is not None:
                yield _depended(
                    facts, f"device {name}", f"peers over BGP with {peer.kind} {peer.name}",
                    peer, facts.pos("device", name, ("bgp", "neighbors", i, "address")),
                )


def _depended(facts: Facts, subject: str, what: str, node: NodeFacts, pos: Pos) -> Diagnostic:
    return diag(
        "I611",
        f"{subject}: {what}, which is retired",
        pos,
        subject,
        f"move it to what replaced {node.name}",
        (facts.pos(node.kind, node.name, ("lifecycle", "status")),),
    )
