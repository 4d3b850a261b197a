"""The lab of a repository: a LabSpec built from its validated inventory, greenfield or brownfield.

    build = lab_spec(inventory)                    # brownfield: BROWNFIELD differences applied
    build = lab_spec(inventory, converged=True)    # every node starts with its intended config
    up(build.spec)

Every FRR device and every Linux device or server (physical and virtual) becomes a node, every
connected cable a link with the declared port names, management addresses come from the
inventory (/24 on the lab's mgmt bridge). Devices of other platforms cannot run in the lab: they
are skipped and `LabBuild.skipped` says so.

Brownfield: a real network has drifted from its repository. The lab starts each node from the
config rendered from a *modified copy* of the inventory, so each difference is one small change
to the model (`Difference.change`) and the plan stage can assert that it finds exactly these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Literal, Protocol

from engine.lab.errors import LabNotUpError
from engine.lab.spec import DEFAULT_BRIDGE_ADDRESS, LAB_RANGE, LabLink, LabNode, LabSpec
from engine.lab.state import DEFAULT_STATE_DIR
from engine.lab.status import is_up
from engine.model.inventory import (
    TRANSPARENT_CIRCUITS,
    BgpNeighbor,
    Cable,
    CableEnd,
    CableStatus,
    CircuitStatus,
    Device,
    Platform,
    Server,
    Servers,
    StaticRoute,
)
from engine.model.layout import Inventory
from engine.render import render

LAB_PLATFORMS: dict[Platform, Literal["frr", "linux"]] = {
    Platform.FRR: "frr",
    Platform.LINUX: "linux",
}
NOT_RUNNING = "the lab is not running: run `underlay lab up`"


# ---------- brownfield differences, as data ---------------------------------------------------


class Change(Protocol):
    """One edit of the inventory copy the brownfield lab is rendered from."""

    def applies(self, inventory: Inventory) -> bool: ...

    def apply(self, inventory: Inventory) -> Inventory: ...


@dataclass(frozen=True)
class NtpServers:
    """The device still points chrony at `servers` instead of the declared ones."""

    device: str
    servers: tuple[str, ...]

    def applies(self, inventory: Inventory) -> bool:
        obj = inventory.node(self.device)
        return obj is not None and obj.ntp is not None

    def apply(self, inventory: Inventory) -> Inventory:
        ntp = Servers(servers=list(self.servers))
        return _edit(inventory, self.device, lambda _: {"ntp": ntp})


@dataclass(frozen=True)
class NoNeighborDescription:
    device: str
    neighbor: IPv4Address

    def applies(self, inventory: Inventory) -> bool:
        device = inventory.devices.get(self.device)
        return device is not None and any(
            n.address == self.neighbor and n.description for n in _neighbors(device)
        )

    def apply(self, inventory: Inventory) -> Inventory:
        def change(obj: Device | Server) -> dict[str, object]:
            assert isinstance(obj, Device) and obj.bgp is not None  # checked by applies()
            peers = [
                n.model_copy(update={"description": None}) if n.address == self.neighbor else n
                for n in obj.bgp.neighbors
            ]
            return {"bgp": obj.bgp.model_copy(update={"neighbors": peers})}

        return _edit(inventory, self.device, change)


@dataclass(frozen=True)
class NoInterfaceDescription:
    device: str
    interface: str

    def applies(self, inventory: Inventory) -> bool:
        obj = inventory.node(self.device)
        itf = obj.interfaces.get(self.interface) if obj else None
        return itf is not None and bool(itf.description)

    def apply(self, inventory: Inventory) -> Inventory:
        def change(obj: Device | Server) -> dict[str, object]:
            itf = obj.interfaces[self.interface].model_copy(update={"description": None})
            return {"interfaces": {**obj.interfaces, self.interface: itf}}

        return _edit(inventory, self.device, change)


@dataclass(frozen=True)
class ExtraStaticRoute:
    device: str
    prefix: IPv4Network
    next_hop: IPv4Address

    def applies(self, inventory: Inventory) -> bool:
        return self.device in inventory.devices

    def apply(self, inventory: Inventory) -> Inventory:
        def change(obj: Device | Server) -> dict[str, object]:
            assert isinstance(obj, Device)  # checked by applies()
            route = StaticRoute(prefix=self.prefix, next_hop=self.next_hop)
            return {"static_routes": [*obj.static_routes, route]}

        return _edit(inventory, self.device, change)


@dataclass(frozen=True)
class WrongPort:
    """Cable `cable` is plugged into `port` on its `end` instead of the declared port."""

    cable: str
    end: Literal["a", "b"]
    port: str

    def applies(self, inventory: Inventory) -> bool:
        cable = _cable(inventory, self.cable)
        if cable is None:
            return False
        node = getattr(cable, self.end).device
        used = {e.port for c in inventory.cables for e in (c.a, c.b) if e.device == node}
        return self.port not in used

    def apply(self, inventory: Inventory) -> Inventory:
        def moved(cable: Cable) -> Cable:
            if cable.id != self.cable:
                return cable
            end: CableEnd = getattr(cable, self.end)
            return cable.model_copy(update={self.end: end.model_copy(update={"port": self.port})})

        return dataclasses.replace(inventory, cables=[moved(c) for c in inventory.cables])


@dataclass(frozen=True)
class Difference:
    """One deliberate way the brownfield lab differs from the repository."""

    id: str
    device: str
    what: str  # what a plan against the brownfield lab shows
    why: str  # the story: how a real network ends up like this
    change: Change


# docs/lab.md explains each; the plan issue asserts that a plan finds exactly these.
BROWNFIELD: tuple[Difference, ...] = (
    Difference(
        id="old-ntp-fra1-leaf03",
        device="fra1-leaf03",
        what="/etc/chrony/chrony.conf uses the retired NTP server 198.18.0.4, not 198.18.0.5/.6",
        why="the NTP servers were replaced in 2023; this leaf was off-line for an RMA then",
        change=NtpServers("fra1-leaf03", ("198.18.0.4",)),
    ),
    Difference(
        id="old-ntp-fra2-core01",
        device="fra2-core01",
        what="/etc/chrony/chrony.conf uses the retired NTP server 198.18.0.4, not 198.18.0.5/.6",
        why="fra2 was built from an old golden image and never re-baselined",
        change=NtpServers("fra2-core01", ("198.18.0.4",)),
    ),
    Difference(
        id="old-ntp-fra1-db01",
        device="fra1-db01",
        what="/etc/chrony/chrony.conf uses the retired NTP server 198.18.0.4, not 198.18.0.5/.6",
        why="the database team pins its servers' configs and missed the NTP migration",
        change=NtpServers("fra1-db01", ("198.18.0.4",)),
    ),
    Difference(
        id="no-neighbor-description-fra1-spine02",
        device="fra1-spine02",
        what="BGP neighbour 198.18.1.11 (fra1-leaf02) has no description",
        why="the session was re-created by hand during an incident, without its description",
        change=NoNeighborDescription("fra1-spine02", IPv4Address("198.18.1.11")),
    ),
    Difference(
        id="no-interface-description-fra1-leaf02",
        device="fra1-leaf02",
        what="interface eth2 has no description",
        why="the port was reconfigured after an optic swap and the description was lost",
        change=NoInterfaceDescription("fra1-leaf02", "eth2"),
    ),
    Difference(
        id="extra-static-route-fra2-edge01",
        device="fra2-edge01",
        what="extra static route ip route 198.18.250.0/24 198.18.1.64, not in the repository",
        why="added by hand during a migration to reach a test network, never removed",
        change=ExtraStaticRoute(
            "fra2-edge01", IPv4Network("198.18.250.0/24"), IPv4Address("198.18.1.64")
        ),
    ),
    Difference(
        id="wrong-port-fra1-c103",
        device="fra1-db01",
        what="cable fra1-c103 (fra1-leaf03:eth3) is plugged into fra1-db01:eth2, not eth1",
        why="a remote-hands technician used the spare NIC port; the server's eth1 has no link",
        change=WrongPort("fra1-c103", "b", "eth2"),
    ),
)


# ---------- the spec ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LabBuild:
    """Example: LabBuild(spec=LabSpec(...18 nodes...), skipped=("device core9: platform eos
    cannot run in the lab",), differences=BROWNFIELD)"""

    spec: LabSpec
    skipped: tuple[str, ...]
    differences: tuple[Difference, ...]  # applied ones; () when converged


def lab_spec(
    inventory: Inventory,
    *,
    converged: bool = False,
    differences: tuple[Difference, ...] = BROWNFIELD,
) -> LabBuild:
    """The lab of `inventory`. Differences whose device or cable the repo lacks are left out."""
    applied = () if converged else tuple(d for d in differences if d.change.applies(inventory))
    started = inventory
    for difference in applied:
        started = difference.change.apply(started)
    nodes, skipped = _nodes(started)
    names = {n.name for n in nodes}
    links = tuple(
        LabLink(c.a.device, c.a.port, c.b.device, c.b.port)
        for c in started.cables
        if c.status is CableStatus.CONNECTED and {c.a.device, c.b.device} <= names
    ) + _circuit_links(started, names)
    spec = LabSpec(nodes=tuple(nodes), links=links)
    spec = dataclasses.replace(spec, nodes=tuple(_cabled_only(n, spec) for n in spec.nodes))
    return LabBuild(spec, tuple(skipped), applied)


def _circuit_links(inventory: Inventory, names: set[str]) -> tuple[LabLink, ...]:
    """An active dark fibre, wavelength or Ethernet line between two lab nodes is a link as a
    cable is (the customer's frames pass end to end)."""
    links = []
    for circuit in inventory.circuits.values():
        a, b = circuit.a, circuit.b
        if (
            circuit.status is CircuitStatus.ACTIVE
            and circuit.kind in TRANSPARENT_CIRCUITS
            and a.device in names
            and b.device in names
            and a.port
            and b.port
        ):
            links.append(LabLink(a.device, a.port, b.device, b.port))
    return tuple(links)


def _nodes(inventory: Inventory) -> tuple[list[LabNode], list[str]]:
    nodes, skipped = [], []
    objects: list[Device | Server] = [*inventory.devices.values(), *inventory.servers.values()]
    for obj in sorted(objects, key=lambda o: o.name):
        kind = LAB_PLATFORMS.get(obj.platform)
        if kind is None:
            skipped.append(
                f"{obj.name}: platform {obj.platform} cannot run in the lab (only frr and "
                "linux); it is left out, with its cables"
            )
        else:
            nodes.append(_node(inventory, obj, kind))
    return nodes, skipped


def _node(inventory: Inventory, obj: Device | Server, kind: Literal["frr", "linux"]) -> LabNode:
    rendered = render(inventory, obj.name)
    mgmt = IPv4Interface(f"{obj.management.address}/{DEFAULT_BRIDGE_ADDRESS.network.prefixlen}")
    interfaces = tuple(
        (name, str(itf.ipv4))
        for name, itf in sorted(obj.interfaces.items())
        if itf.ipv4 is not None and itf.enabled and name != "lo"
    )
    return LabNode(
        name=obj.name,
        kind=kind,
        mgmt_address=mgmt,
        frr_config=(rendered.config or "") if kind == "frr" else "",
        interfaces=() if kind == "frr" else interfaces,
        files=dict(rendered.files),
    )


def _cabled_only(node: LabNode, spec: LabSpec) -> LabNode:
    """A server port without a cable has no link in the lab, so its address has nowhere to go."""
    ports = set(spec.ports(node.name))
    return dataclasses.replace(node, interfaces=tuple(i for i in node.interfaces if i[0] in ports))


# ---------- commands that contact devices --------------------------------------------------


def lives_in_lab(inventory: Inventory) -> bool:
    """True when every management address of the repo is a lab address (like the sample's)."""
    addresses = [
        o.management.address for o in (*inventory.devices.values(), *inventory.servers.values())
    ]
    return bool(addresses) and all(a in LAB_RANGE for a in addresses)


def require_running(inventory: Inventory, state_dir: Path | str = DEFAULT_STATE_DIR) -> None:
    """For commands that contact devices: refuse, instead of trying the network, when the
    repo's devices live in the lab and the lab is not up."""
    if lives_in_lab(inventory) and not is_up(state_dir):
        raise LabNotUpError(NOT_RUNNING)


# ---------- helpers ------------------------------------------------------------------------


def _edit(
    inventory: Inventory, name: str, change: Callable[[Device | Server], dict[str, object]]
) -> Inventory:
    """A copy of `inventory` with the device or server `name` updated by `change`."""
    if name in inventory.devices:
        device = inventory.devices[name]
        devices = {**inventory.devices, name: device.model_copy(update=change(device))}
        return dataclasses.replace(inventory, devices=devices)
    server = inventory.servers[name]
    servers = {**inventory.servers, name: server.model_copy(update=change(server))}
    return dataclasses.replace(inventory, servers=servers)


def _neighbors(device: Device) -> list[BgpNeighbor]:
    return list(device.bgp.neighbors) if device.bgp else []


def _cable(inventory: Inventory, cable_id: str) -> Cable | None:
    return next((c for c in inventory.cables if c.id == cable_id), None)
