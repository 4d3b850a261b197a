"""What a lab is made of, and the checks that refuse a spec before the host is touched."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_interface
from typing import Literal

# The whole benchmarking range (RFC 2544): the lab never uses an address outside it, and the
# root namespace routes it to `unreachable` so nothing can leak to a real network.
LAB_RANGE = IPv4Network("198.18.0.0/15")
MGMT_IFNAME = "mgmt0"
DEFAULT_BRIDGE_ADDRESS = IPv4Interface("198.18.0.1/24")

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_PORT = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,14}$")  # IFNAMSIZ: 15 characters
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_IPV4 = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})(/\d{1,2})?\b")
# FRR lines whose IPv4 literals are addresses or prefixes the lab would really use. Filters
# (prefix-lists, access-lists, route-maps' match) and router-ids are only numbers.
_FRR_ADDRESS_LINE = re.compile(r"^\s*(ip address|network|neighbor|ip route|aggregate-address)\b")
_FRR_DEFAULT_ROUTE = re.compile(r"^\s*(ip route|network)\s+0\.0\.0\.0/0\b|\bdefault-originate\b")


@dataclass(frozen=True)
class LabNode:
    """One lab device. `kind="frr"` runs FRR; `kind="linux"` is a server (lldpd + sshd only)."""

    name: str
    kind: Literal["frr", "linux"]
    mgmt_address: IPv4Interface
    frr_config: str = ""
    interfaces: tuple[tuple[str, str], ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LabLink:
    """A cable: a veth pair whose ends are named exactly `a_port` and `b_port`."""

    a_node: str
    a_port: str
    b_node: str
    b_port: str


@dataclass(frozen=True)
class LabSpec:
    nodes: tuple[LabNode, ...]
    links: tuple[LabLink, ...]
    bridge_address: IPv4Interface = DEFAULT_BRIDGE_ADDRESS
    user: str = "labuser"
    password: str = "labpass"

    def node(self, name: str) -> LabNode:
        return next(n for n in self.nodes if n.name == name)

    def ports(self, node: str) -> tuple[str, ...]:
        """The node's cable ports, in spec order."""
        return tuple(port for end, port, _, _ in self.cable_ends() if end == node)

    def cable_ends(self) -> Iterator[tuple[str, str, str, str]]:
        """Every cable seen from both ends: (node, port, peer node, peer port)."""
        for link in self.links:
            yield link.a_node, link.a_port, link.b_node, link.b_port
            yield link.b_node, link.b_port, link.a_node, link.a_port


def check_spec(spec: LabSpec) -> list[str]:
    """Every problem in the spec, each naming where it is and how to fix it; [] if fine."""
    return [
        *_check_lab(spec),
        *(p for node in spec.nodes for p in _check_node(node, spec)),
        *_check_links(spec),
    ]


def _check_lab(spec: LabSpec) -> list[str]:
    problems = []
    if not spec.nodes:
        problems.append("spec: no nodes: declare at least one LabNode")
    if not _in_lab_range(spec.bridge_address):
        problems.append(f"spec.bridge_address {spec.bridge_address}: must lie inside {LAB_RANGE}")
    if not _USER.match(spec.user):
        problems.append(f"spec.user {spec.user!r}: must be a plain login name like 'labuser'")
    if "\n" in spec.password or not spec.password:
        problems.append("spec.password: must be one non-empty line")
    for name, count in Counter(n.name for n in spec.nodes).items():
        if count > 1:
            problems.append(f"node {name}: declared {count} times; node names must be unique")
    for ip, count in Counter(n.mgmt_address.ip for n in spec.nodes).items():
        if count > 1:
            problems.append(f"mgmt address {ip}: used by {count} nodes; give each its own")
    return problems


def _check_node(node: LabNode, spec: LabSpec) -> list[str]:
    where = f"node {node.name}"
    problems = []
    if not _NAME.match(node.name):
        problems.append(f"{where}: name must match {_NAME.pattern} (it is the hostname)")
    if node.kind not in ("frr", "linux"):
        problems.append(f"{where}: kind {node.kind!r} unknown; use 'frr' or 'linux'")
    problems += _check_mgmt(node, spec.bridge_address)
    if node.kind == "frr":
        problems += _check_frr_config(node)
    elif node.frr_config:
        problems.append(f"{where}: frr_config is set but kind is {node.kind!r}; remove it")
    problems += _check_interfaces(node, spec)
    problems += _check_files(node)
    return problems


def _check_mgmt(node: LabNode, bridge: IPv4Interface) -> list[str]:
    where = f"node {node.name}: mgmt_address {node.mgmt_address}"
    if not _in_lab_range(node.mgmt_address):
        return [f"{where}: must lie inside {LAB_RANGE}"]
    if node.mgmt_address.network != bridge.network:
        return [
            f"{where}: must be in the bridge's subnet {bridge.network} (nodes never route mgmt)"
        ]
    if node.mgmt_address.ip == bridge.ip:
        return [f"{where}: is the bridge's own address; pick another host address"]
    return []


def _check_frr_config(node: LabNode) -> list[str]:
    where = f"node {node.name}: frr_config"
    if not node.frr_config.strip():
        return [f"{where}: empty; an frr node needs its full frr.conf"]
    problems = []
    if node.interfaces:
        problems.append(
            f"node {node.name}: interfaces are for linux nodes; put addresses in frr_config"
        )
    for number, line in enumerate(node.frr_config.splitlines(), start=1):
        if _FRR_DEFAULT_ROUTE.search(line):
            problems.append(
                f"{where} line {number}: {line.strip()!r}: lab nodes never get a default route"
            )
        elif _FRR_ADDRESS_LINE.match(line):
            problems += [
                f"{where} line {number}: {literal} is outside {LAB_RANGE}"
                for literal in _ipv4_literals(line)
                if not _in_lab_range(literal)
            ]
    return problems


def _check_interfaces(node: LabNode, spec: LabSpec) -> list[str]:
    ports = {*spec.ports(node.name), "lo"}
    problems = []
    for ifname, address in node.interfaces:
        where = f"node {node.name}: interface {ifname} {address}"
        if ifname not in ports:
            problems.append(
                f"{where}: not a cable port of the node (ports: {', '.join(sorted(ports))})"
            )
        try:
            parsed = ip_interface(address)
        except ValueError:
            problems.append(f"{where}: not an address like 198.18.2.1/24")
            continue
        if not isinstance(parsed, IPv4Interface) or not _in_lab_range(parsed):
            problems.append(f"{where}: must be IPv4 inside {LAB_RANGE}")
    return problems


def _check_files(node: LabNode) -> list[str]:
    problems = []
    for path in node.files:
        where = f"node {node.name}: file {path}"
        parts = path.split("/")
        if not path.startswith("/etc/") or any(p in ("", ".", "..") for p in parts[1:]):
            problems.append(
                f"{where}: must be a normalised path under /etc/ (only /etc is node-private)"
            )
        elif path.startswith("/etc/frr/"):
            problems.append(f"{where}: FRR's files come from frr_config; remove it")
    return problems


def _check_links(spec: LabSpec) -> list[str]:
    names = {n.name for n in spec.nodes}
    problems = []
    for index, link in enumerate(spec.links):
        for node, port in ((link.a_node, link.a_port), (link.b_node, link.b_port)):
            where = f"link {index} ({link.a_node}:{link.a_port} - {link.b_node}:{link.b_port})"
            if node not in names:
                problems.append(f"{where}: node {node!r} is not declared")
            if not _PORT.match(port) or port in (MGMT_IFNAME, "lo"):
                problems.append(f"{where}: port {port!r} must match {_PORT.pattern}, not lo/mgmt0")
    ends = Counter((node, port) for node, port, _, _ in spec.cable_ends())
    problems += [
        f"port {node}:{port}: used by {count} links; a port takes one cable"
        for (node, port), count in ends.items()
        if count > 1
    ]
    return problems


def _ipv4_literals(line: str) -> list[IPv4Interface]:
    literals = []
    for address, prefix in _IPV4.findall(line):
        try:
            literals.append(IPv4Interface(address + (prefix or "/32")))
        except ValueError:
            continue  # e.g. a dotted AS number or a version string, not an address
    return literals


def _in_lab_range(address: IPv4Interface | IPv4Address) -> bool:
    if isinstance(address, IPv4Interface):
        return address.network.subnet_of(LAB_RANGE)
    return address in LAB_RANGE
