"""Facts: the few values of each object that checks across objects need, in compact form.

Cross-object checks (references, consistency) run on facts rather than on the models, so
that an incremental run can take the facts of unchanged files from the cache instead of
re-reading and re-validating every file. Addresses are plain ints: comparing subnets of
tens of thousands of interfaces needs no `ipaddress` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from engine.diagnostics import Pos
from engine.load.reader import Document
from engine.load.sourcemap import Layer, SourceMap
from engine.model.ifnames import resolve
from engine.model.inventory import (
    TRANSPARENT_CIRCUITS,
    Cable,
    Circuit,
    CircuitEnd,
    CircuitStatus,
    Contract,
    Device,
    Server,
    Service,
)
from engine.model.layout import Inventory

Addr = tuple[int, int]  # (address as int, prefix length)


class NodeFacts(NamedTuple):
    kind: str  # "device" or "server"
    name: str
    site: str
    groups: tuple[str, ...]
    contracts: tuple[str, ...]
    vendor: str | None  # a device's vendor, a server's hardware vendor
    role: str
    server_kind: str | None
    host: str | None
    interfaces: dict[str, tuple[Addr | None, Addr | None]]  # name -> (ipv4, ipv6)
    asn: int | None
    neighbors: tuple[tuple[int, int], ...]  # (address, remote_as)
    mgmt: int
    credentials: str  # the credential set's name (redaction needs every set in use)
    platform: str
    status: str  # lifecycle.status
    router_id: int | None
    networks: tuple[Addr, ...]  # what BGP announces
    statics: tuple[tuple[Addr, int], ...]  # (prefix, next hop)
    disabled: tuple[str, ...]  # interfaces with `enabled: false`
    mtus: dict[str, int]  # interfaces with an explicit MTU
    switchports: dict[str, tuple[str | None, int | None]]  # interfaces with a mode or VLAN


def port_of(node: NodeFacts, port: str) -> str | None:
    """The declared interface a cable or circuit end names, across abbreviations."""
    return port if port in node.interfaces else resolve(node.platform, port, node.interfaces)


class CableFacts(NamedTuple):
    id: str
    position: int  # in cabling.yaml's list
    a: tuple[str, str]
    b: tuple[str, str]
    active: bool  # not decommissioned: its ends hold their ports
    connected: bool  # in service (status connected)


EndFacts = tuple[str | None, str | None, str | None, Addr | None]  # site, device, port, ipv4


class CircuitFacts(NamedTuple):
    circuit_id: str
    provider: str
    kind: str
    active: bool  # not decommissioned: its ends hold their ports
    live: bool  # in service (status active)
    transparent: bool  # the customer's frames end to end: a link between its two ends
    contract: str | None
    sla: str | None
    a: EndFacts
    b: EndFacts


class ContractFacts(NamedTuple):
    vendor: str
    sla: str | None
    starts: int  # proleptic ordinal
    ends: int
    devices: tuple[str, ...]
    servers: tuple[str, ...]


class ServiceFacts(NamedTuple):
    sla: str
    devices: tuple[str, ...]
    servers: tuple[str, ...]


def _addr(value: Any) -> Addr | None:
    return None if value is None else (int(value), value.network.prefixlen)


def node_facts(kind: str, obj: Device | Server) -> NodeFacts:
    router_id, networks, statics = _routing(obj)
    vendor: str | None
    if isinstance(obj, Device):
        vendor, server_kind, host = obj.vendor, None, None
        asn = obj.bgp.asn if obj.bgp else None
        neighbors = (
            tuple((int(n.address), n.remote_as) for n in obj.bgp.neighbors) if obj.bgp else ()
        )
    else:
        vendor = obj.hardware.vendor if obj.hardware else None
        server_kind, host, asn, neighbors = str(obj.kind), obj.host, None, ()
    return NodeFacts(
        kind,
        obj.name,
        obj.site,
        tuple(obj.groups),
        tuple(obj.contracts),
        vendor,
        str(obj.role),
        server_kind,
        host,
        {n: (_addr(i.ipv4), _addr(i.ipv6)) for n, i in obj.interfaces.items()},
        asn,
        neighbors,
        int(obj.management.address),
        obj.management.credentials,
        str(obj.platform),
        str(obj.lifecycle.status),
        router_id,
        networks,
        statics,
        tuple(n for n, i in obj.interfaces.items() if not i.enabled),
        {n: i.mtu for n, i in obj.interfaces.items() if i.mtu is not None},
        {
            n: (str(i.mode) if i.mode else None, i.vlan)
            for n, i in obj.interfaces.items()
            if i.mode is not None or i.vlan is not None
        },
    )


Routing = tuple[int | None, tuple[Addr, ...], tuple[tuple[Addr, int], ...]]


def _routing(obj: Device | Server) -> Routing:
    """The router id, the networks BGP announces, the static routes."""
    if not isinstance(obj, Device):
        return None, (), ()
    statics = tuple(
        ((int(r.prefix.network_address), r.prefix.prefixlen), int(r.next_hop))
        for r in obj.static_routes
    )
    if obj.bgp is None:
        return None, (), statics
    networks = tuple((int(n.network_address), n.prefixlen) for n in obj.bgp.networks)
    return int(obj.bgp.router_id), networks, statics


def _end(end: CircuitEnd) -> EndFacts:
    return (end.site, end.device, end.port, _addr(end.ipv4))


def circuit_facts(circuit: Circuit) -> CircuitFacts:
    return CircuitFacts(
        circuit.circuit_id,
        circuit.provider,
        str(circuit.kind),
        circuit.status is not CircuitStatus.DECOMMISSIONED,
        circuit.status is CircuitStatus.ACTIVE,
        circuit.kind in TRANSPARENT_CIRCUITS,
        circuit.contract,
        circuit.sla,
        _end(circuit.a),
        _end(circuit.b),
    )


def cable_facts(index: int, cable: Cable) -> CableFacts:
    return CableFacts(
        cable.id,
        index,
        (cable.a.device, cable.a.port),
        (cable.b.device, cable.b.port),
        cable.status != "decommissioned",
        cable.status == "connected",
    )


def contract_facts(contract: Contract) -> ContractFacts:
    return ContractFacts(
        contract.vendor,
        contract.sla,
        contract.starts.toordinal(),
        contract.ends.toordinal(),
        tuple(contract.covers.devices),
        tuple(contract.covers.servers),
    )


def service_facts(service: Service) -> ServiceFacts:
    deps = service.depends_on
    return ServiceFacts(service.sla, tuple(deps.devices), tuple(deps.servers))


@dataclass
class Facts:
    """What the cross-object checks see of the whole inventory."""

    repo: Path
    devices: dict[str, NodeFacts] = field(default_factory=dict)
    servers: dict[str, NodeFacts] = field(default_factory=dict)
    cables: list[CableFacts] = field(default_factory=list)
    contracts: dict[str, ContractFacts] = field(default_factory=dict)
    circuits: dict[str, CircuitFacts] = field(default_factory=dict)
    services: dict[str, ServiceFacts] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)  # name -> timezone
    names: dict[str, set[str]] = field(default_factory=dict)  # group, vendor, sla -> names
    unreadable: set[tuple[str, str]] = field(default_factory=set)
    unreadable_kinds: set[str] = field(default_factory=set)
    # where each object lives: (kind, name) -> (file, prefix inside it)
    origins: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    sources: dict[tuple[str, str], SourceMap] = field(default_factory=dict)
    _docs: dict[str, Document] = field(default_factory=dict)
    address_rows: list[Any] | None = None  # memo of consistency.interface_addresses
    memo: dict[str, Any] = field(default_factory=dict)  # indexes the checks share, built once

    def declared(self, kind: str, name: str) -> bool:
        table: Any = {
            "device": self.devices,
            "server": self.servers,
            "contract": self.contracts,
            "circuit": self.circuits,
            "service": self.services,
            "site": self.sites,
        }.get(kind) or self.names.get(kind, set())
        known = name in table or (kind, name) in self.unreadable
        return known or kind in self.unreadable_kinds

    def node(self, name: str) -> NodeFacts | None:
        return self.devices.get(name) or self.servers.get(name)

    def pos(self, kind: str, name: str, path: tuple[Any, ...] = (), *, key: bool = False) -> Pos:
        source = self.source(kind, name)
        return source.pos(path, key=key) if source else Pos("inventory", 1, 1)

    def source(self, kind: str, name: str) -> SourceMap | None:
        """Where an object's values are (its files are re-read for positions on first use)."""
        known = self.sources.get((kind, name))
        if known is not None:
            return known
        origin = self.origins.get((kind, name))
        if origin is None:
            return None
        layers = [Layer(self._doc(origin[0]), origin[1])]
        node = self.node(name) if kind in ("device", "server") else None
        if node is not None:
            groups = self._doc("inventory/groups.yaml")
            layers += [Layer(groups, ("groups", g)) for g in node.groups]
        source = SourceMap(tuple(layers))
        self.sources[(kind, name)] = source
        return source

    def _doc(self, rel: str) -> Document:
        if rel not in self._docs:
            self._docs[rel] = Document(rel, file=self.repo / rel)
        return self._docs[rel]


def pack(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """A facts tuple as a plain tuple (marshal, the cache's format, takes no subclasses)."""
    return tuple(value)


def collection_payload(kind: str, inventory: Inventory) -> dict[str, Any]:
    """This collection's facts, origins and unreadable names, in plain data."""
    origins = {n: list(s.layers[0].prefix) for (k, n), s in inventory.sources.items() if k == kind}
    entries = _entries(kind, inventory, origins)
    return {
        "entries": entries,
        "origins": origins,
        "unreadable": sorted(n for k, n in inventory.unreadable if k == kind),
        "broken": kind in inventory.unreadable_kinds,
    }


def _entries(kind: str, inventory: Inventory, origins: dict[str, list[Any]]) -> Any:
    if kind == "site":
        return {n: s.timezone for n, s in inventory.sites.items()}
    if kind in ("group", "vendor", "sla"):
        return sorted(getattr(inventory, kind + "s"))
    if kind == "contract":
        return {n: pack(contract_facts(c)) for n, c in inventory.contracts.items()}
    if kind == "service":
        return {n: pack(service_facts(s)) for n, s in inventory.services.items()}
    if kind == "circuit":
        return {n: pack(circuit_facts(c)) for n, c in inventory.circuits.items()}
    return [pack(cable_facts(origins[c.id][1], c)) for c in inventory.cables]


def add_collection(facts: Facts, kind: str, rel: str, payload: dict[str, Any]) -> None:
    entries = payload["entries"]
    if kind == "site":
        facts.sites.update(entries)
    elif kind in ("group", "vendor", "sla"):
        facts.names.setdefault(kind, set()).update(entries)
    elif kind == "contract":
        facts.contracts.update({n: ContractFacts(*row) for n, row in entries.items()})
    elif kind == "service":
        facts.services.update({n: ServiceFacts(*row) for n, row in entries.items()})
    elif kind == "circuit":
        facts.circuits.update({n: CircuitFacts(*row) for n, row in entries.items()})
    elif kind == "cable":
        facts.cables.extend(CableFacts(*row) for row in entries)
    for name, prefix in payload["origins"].items():
        facts.origins[(kind, name)] = (rel, tuple(prefix))
    facts.unreadable.update((kind, n) for n in payload["unreadable"])
    if payload["broken"]:
        facts.unreadable_kinds.add(kind)


def add_node(facts: Facts, kind: str, rel: str, packed: tuple[Any, ...] | None) -> None:
    name = rel.rpartition("/")[2].rpartition(".")[0]  # the stem (Path is slow for 15,000)
    if packed is None:
        facts.unreadable.add((kind, name))
        return
    node = NodeFacts(*packed)
    (facts.devices if kind == "device" else facts.servers)[name] = node
    facts.origins[(kind, name)] = (rel, ())
