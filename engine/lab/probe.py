"""Reading a running node (BGP, routes, LLDP, sshd) and waiting until the lab has converged.

Established is not converged (recipe pitfall 5): a lab is ready when every declared BGP peer
is Established, every prefix the other routers announce is in the RIB, every cable shows the
declared neighbour in LLDP, and sshd accepts connections on every mgmt address.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

from engine.lab.errors import ConvergenceTimeout
from engine.lab.node import run_in_node
from engine.lab.spec import LabSpec
from engine.lab.state import LabPaths
from engine.netns import connect as netns_connect

POLL_SECONDS = 0.3
POLL_WORKERS = 8

_NEIGHBOR = re.compile(r"^\s*neighbor\s+(\S+)\s+(remote-as|peer-group|interface)\b(.*)$", re.M)
_NETWORK = re.compile(r"^\s*network\s+(\d+\.\d+\.\d+\.\d+/\d+)", re.M)


@dataclass(frozen=True)
class BgpSession:
    afi: str
    peer: str
    remote_as: int
    state: str
    prefixes_received: int


@dataclass(frozen=True)
class LldpNeighbour:
    port: str
    neighbour: str
    neighbour_port: str


@dataclass(frozen=True)
class Expectation:
    """What one converged node looks like."""

    node: str
    mgmt_ip: str
    frr: bool
    peers: frozenset[str]
    prefixes: frozenset[str]
    lldp: Mapping[str, tuple[str, str]]  # port -> (neighbour, neighbour port)


# ---------- reading a node ----------------------------------------------------------------


def vtysh_json(paths: LabPaths, node: str, *commands: str) -> list[Any]:
    """One vtysh process for several `... json` commands; one parsed value per command."""
    argv = ["vtysh", *(arg for c in commands for arg in ("-c", c))]
    done = run_in_node(paths, node, argv, timeout=20)
    decoder = json.JSONDecoder()
    values, text, index = [], done.stdout, 0
    for _ in commands:
        while index < len(text) and text[index].isspace():
            index += 1
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


def bgp_sessions(summary: Mapping[str, Any]) -> tuple[BgpSession, ...]:
    """From `show bgp summary json`: {"ipv4Unicast": {"peers": {"198.18.1.1": {...}}}}."""
    return tuple(
        BgpSession(
            afi=afi,
            peer=peer,
            remote_as=int(info.get("remoteAs", 0)),
            state=str(info.get("state", "unknown")),
            prefixes_received=int(info.get("pfxRcd", 0)),
        )
        for afi, table in summary.items()
        if isinstance(table, dict)
        for peer, info in table.get("peers", {}).items()
    )


def lldp_neighbours(paths: LabPaths, node: str) -> tuple[LldpNeighbour, ...]:
    # json0 keeps one shape whatever the number of neighbours (recipe pitfall 7)
    done = run_in_node(paths, node, ["lldpcli", "-f", "json0", "show", "neighbors"], timeout=20)
    try:
        return parse_lldp(json.loads(done.stdout)) if done.returncode == 0 else ()
    except ValueError:
        return ()  # lldpd still starting: no neighbours known yet


def parse_lldp(data: Mapping[str, Any]) -> tuple[LldpNeighbour, ...]:
    """From `lldpcli -f json0 show neighbors`."""
    neighbours = []
    for lldp in data.get("lldp", []):
        for itf in lldp.get("interface", []):
            chassis = itf.get("chassis", [{}])[0]
            port = itf.get("port", [{}])[0]
            neighbours.append(
                LldpNeighbour(
                    port=itf["name"],
                    neighbour=chassis.get("name", [{}])[0].get("value", ""),
                    neighbour_port=port.get("id", [{}])[0].get("value", ""),
                )
            )
    return tuple(neighbours)


def accepts_tcp(netns: Path, ip: str, port: int = 22) -> bool:
    """Does ip:port accept a connection, from inside the lab's management namespace?"""
    try:
        with netns_connect(str(netns), ip, port, timeout=0.5):
            return True
    except OSError:
        return False


# ---------- expectations from the spec ----------------------------------------------------


def expectations(spec: LabSpec, mgmt: Mapping[str, str]) -> tuple[Expectation, ...]:
    announced = {n.name: _announced(n.frr_config) for n in spec.nodes if n.kind == "frr"}
    component = _frr_components(spec)
    return tuple(
        Expectation(
            node=node.name,
            mgmt_ip=mgmt[node.name],
            frr=node.kind == "frr",
            peers=_declared_peers(node.frr_config),
            prefixes=frozenset(
                p
                for other in component.get(node.name, ())
                if other != node.name
                for p in announced[other]
            ),
            lldp={
                port: (peer, peer_port)
                for end, port, peer, peer_port in spec.cable_ends()
                if end == node.name
            },
        )
        for node in spec.nodes
    )


def _declared_peers(frr_config: str) -> frozenset[str]:
    peers, groups = set(), set()
    for name, keyword, rest in _NEIGHBOR.findall(frr_config):
        if keyword == "peer-group" and not rest.strip():
            groups.add(name)  # `neighbor NAME peer-group` declares a group, not a peer
        else:
            peers.add(name)
    return frozenset(peers - groups)


def _announced(frr_config: str) -> frozenset[str]:
    return frozenset(str(IPv4Network(p, strict=False)) for p in _NETWORK.findall(frr_config))


def _frr_components(spec: LabSpec) -> dict[str, frozenset[str]]:
    """FRR nodes joined by FRR-to-FRR cables: routes are expected to spread within one."""
    frr = {n.name for n in spec.nodes if n.kind == "frr"}
    group = {name: {name} for name in frr}
    for link in spec.links:
        if (
            link.a_node in frr
            and link.b_node in frr
            and group[link.a_node] is not group[link.b_node]
        ):
            merged = group[link.a_node] | group[link.b_node]
            for name in merged:
                group[name] = merged
    return {name: frozenset(members) for name, members in group.items()}


# ---------- waiting -----------------------------------------------------------------------


def pending(paths: LabPaths, want: Expectation) -> list[str]:
    """What this node still lacks, one phrase each; [] when converged."""
    where = f"{want.node}:"
    reached = accepts_tcp(paths.mgmt_netns_path, want.mgmt_ip)
    missing = [] if reached else [f"{where} sshd not accepting on {want.mgmt_ip}:22"]
    if want.frr:
        missing += _pending_frr(paths, want)
    seen = {n.port: (n.neighbour, n.neighbour_port) for n in lldp_neighbours(paths, want.node)}
    for port, (peer, peer_port) in sorted(want.lldp.items()):
        if seen.get(port) != (peer, peer_port):
            got = ":".join(seen[port]) if port in seen else "nothing"
            missing.append(f"{where} LLDP on {port} sees {got}, want {peer}:{peer_port}")
    return missing


def _pending_frr(paths: LabPaths, want: Expectation) -> list[str]:
    try:
        summary, rib = vtysh_json(paths, want.node, "show bgp summary json", "show ip route json")
    except ValueError:
        return [f"{want.node}: FRR not answering yet (vtysh gave no JSON)"]
    state = {s.peer: s.state for s in bgp_sessions(summary)}
    missing = [
        f"{want.node}: BGP peer {peer} is {state.get(peer, 'absent')}, want Established"
        for peer in sorted(want.peers)
        if state.get(peer) != "Established"
    ]
    absent = sorted(want.prefixes - set(rib))
    if absent:
        missing.append(f"{want.node}: routes missing: {', '.join(absent)}")
    return missing


def wait_converged(
    paths: LabPaths,
    wants: tuple[Expectation, ...],
    timeout: float,
    step: Callable[[str, str], None] | None = None,
) -> None:
    """Poll every node in parallel until none lacks anything; raise naming what is still missing.
    `step(node, "converged")` as each node has all it should."""
    deadline = time.monotonic() + timeout
    todo = list(wants)
    with ThreadPoolExecutor(max_workers=POLL_WORKERS) as pool:
        while True:
            results = list(pool.map(lambda w: pending(paths, w), todo))
            # a converged node is not polled again: polling costs CPU the others need to converge
            for want, missing in zip(todo, results, strict=True):
                if not missing and step is not None:
                    step(want.node, "converged")
            todo = [w for w, missing in zip(todo, results, strict=True) if missing]
            if not todo:
                return
            if time.monotonic() > deadline:
                raise ConvergenceTimeout(
                    [m for missing in results for m in missing], timeout, str(paths.root)
                )
            time.sleep(POLL_SECONDS)
