"""Whether a lab is up, and what a running lab looks like now: nodes, daemons, BGP sessions,
LLDP neighbours."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.lab import monitoring
from engine.lab.errors import LabNotUpError
from engine.lab.probe import BgpSession, LldpNeighbour, bgp_sessions, lldp_neighbours, vtysh_json
from engine.lab.procs import runs_in
from engine.lab.spec import LabSpec
from engine.lab.state import DEFAULT_STATE_DIR, LabPaths, NodeRecord, read_state


@dataclass(frozen=True)
class DaemonStatus:
    name: str
    pid: int
    running: bool


@dataclass(frozen=True)
class NodeStatus:
    """Example: NodeStatus(name="r1", kind="frr", mgmt_address="198.18.0.11/24",
    daemons=(DaemonStatus("bgpd", 825, True), ...),
    bgp=(BgpSession("ipv4Unicast", "198.18.1.1", 65002, "Established", 2),),
    lldp=(LldpNeighbour("eth1", "r2", "eth1"),))"""

    name: str
    kind: str
    mgmt_address: str
    daemons: tuple[DaemonStatus, ...]
    bgp: tuple[BgpSession, ...]
    lldp: tuple[LldpNeighbour, ...]


@dataclass(frozen=True)
class LabStatus:
    state_dir: str
    complete: bool
    nodes: tuple[NodeStatus, ...]
    monitoring: tuple[DaemonStatus, ...] = ()  # the management namespace's (lab up --monitoring)

    def node(self, name: str) -> NodeStatus:
        return next(n for n in self.nodes if n.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status(state_dir: Path | str) -> LabStatus:
    """Raises LabNotUpError when no lab is recorded in `state_dir`."""
    paths = LabPaths(Path(state_dir))
    state = read_state(paths)
    with ThreadPoolExecutor(max_workers=8) as pool:
        nodes = tuple(pool.map(lambda record: _node_status(paths, record), state.nodes))
    alive = monitoring.running(state)
    daemons = tuple(DaemonStatus(n, p, alive[n]) for n, p in sorted(state.monitoring.items()))
    return LabStatus(
        state_dir=str(paths.root), complete=state.complete, nodes=nodes, monitoring=daemons
    )


def _node_status(paths: LabPaths, record: NodeRecord) -> NodeStatus:
    daemons = tuple(
        DaemonStatus(name, pid, runs_in(pid, record.namespaces))
        for name, pid in sorted(record.pids.items())
    )
    alive = {d.name for d in daemons if d.running}
    return NodeStatus(
        name=record.name,
        kind=record.kind,
        mgmt_address=record.mgmt_address,
        daemons=daemons,
        bgp=_bgp(paths, record.name) if "bgpd" in alive else (),
        lldp=lldp_neighbours(paths, record.name) if "lldpd" in alive else (),
    )


def _bgp(paths: LabPaths, node: str) -> tuple[BgpSession, ...]:
    try:
        (summary,) = vtysh_json(paths, node, "show bgp summary json")
    except ValueError:
        return ()  # bgpd running but not answering: the daemon status already says enough
    return bgp_sessions(summary)


def runs(spec: LabSpec, state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """True when the lab in `state_dir` is up and has exactly `spec`'s nodes, management
    addresses and cables (its configs may have changed since: applies change them)."""
    if not is_up(state_dir):
        return False
    state = read_state(LabPaths(Path(state_dir)))
    running = {(n.name, n.kind, n.mgmt_address) for n in state.nodes}
    wanted = {(n.name, n.kind, str(n.mgmt_address)) for n in spec.nodes}
    return running == wanted and set(state.links) == set(spec.links)


def stale(state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """True when a lab is recorded in `state_dir` (a state file that reads) but is not up:
    half built, or daemons of it gone (the host rebooted, a crash). Its own `down` clears it;
    `lab up` does so first. An unreadable state file is not stale: nobody can tell what it
    describes, and `lab up` refuses it."""
    try:
        read_state(LabPaths(Path(state_dir)))
    except LabNotUpError:  # none, or corrupt
        return False
    return not is_up(state_dir)


def is_up(state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """True when a complete lab is recorded and every daemon it started is still running."""
    paths = LabPaths(Path(state_dir))
    try:
        state = read_state(paths)
    except LabNotUpError:
        return False
    return state.complete and all(
        paths.netns_path(n.name).exists()
        and all(runs_in(p, n.namespaces) for p in n.pids.values())
        for n in state.nodes
    )
