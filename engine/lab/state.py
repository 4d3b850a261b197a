"""The state dir: where each lab file lives, and `state.json`, the record the engine reads.

`state.json` is written before the first change to the host and rewritten as the build goes,
so `down()` knows what to undo even when `up()` stopped half-way. Example:

    {"version": 1, "state_dir": "/var/lib/underlay-lab", "complete": true,
     "user": "labuser", "user_added": true, "bridge": "ulab0", "bridge_address": "198.18.0.1/24",
     (the bridge and each node's host_veth live in the lab's management namespace)
     "guard_route": "198.18.0.0/15", "private_key": "/var/lib/underlay-lab/keys/id_ed25519",
     "public_key": "...id_ed25519.pub",
     "host_key": "/etc/ssh/underlay-lab/ssh_host_ed25519_key"  (inside each node: its own),
     "known_hosts": "/var/lib/underlay-lab/known_hosts"  (every node's host key, by address),
     "nodes": [{"name": "r1", "kind": "frr", "mgmt_address": "198.18.0.11/24",
                "host_veth": "n0", "ports": ["eth1"],
                "pids": {"watchfrr": 812, "zebra": 820, "bgpd": 825, "staticd": 830,
                         "lldpd": 790, "sshd": 801},  (servers: "node_exporter" too, with
                         `lab up --monitoring`)
                "namespaces": [[4, 4026532301], [4, 4026532362]]}],
     "links": [{"a_node": "r1", "a_port": "eth1", "b_node": "r2", "b_port": "eth1"}],
     "monitoring": {"prometheus": 4711, "blackbox": 4712, "alertmanager": 4713}}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from engine.lab.errors import CorruptStateError, LabNotUpError
from engine.lab.spec import LabLink

STATE_VERSION = 1
DEFAULT_STATE_DIR = Path("/var/lib/underlay-lab")


LAB_NETNS_PREFIX = "ul"  # every network namespace of every lab: ul<lab id>-<node>, ul<id>_mgmt
NODE_HOST_KEY = "/etc/ssh/underlay-lab/ssh_host_ed25519_key"  # in each node's private /etc


@dataclass(frozen=True)
class LabPaths:
    """Where a lab's files live, and the names of its network namespaces. Several labs can be
    up on one host: each is named by its state directory (a short hash of its path), so the
    same node names and the same addresses never meet."""

    root: Path

    @property
    def lab_id(self) -> str:
        return hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:6]

    def netns(self, node: str) -> str:
        """The name (in /run/netns) of the node's network namespace."""
        return f"{LAB_NETNS_PREFIX}{self.lab_id}-{node}"

    def netns_path(self, node: str) -> Path:
        return Path("/run/netns", self.netns(node))

    @property
    def mgmt_netns(self) -> str:
        """The namespace of the lab's management bridge: the engine connects from inside it."""
        return f"{LAB_NETNS_PREFIX}{self.lab_id}_mgmt"

    @property
    def mgmt_netns_path(self) -> Path:
        return Path("/run/netns", self.mgmt_netns)

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def private_key(self) -> Path:
        return self.keys / "id_ed25519"

    @property
    def public_key(self) -> Path:
        return self.keys / "id_ed25519.pub"

    def host_key(self, node: str) -> Path:
        """The node's own SSH host key (NODE_HOST_KEY in the node's private /etc)."""
        return self.node_dir(node) / "etc-upper" / NODE_HOST_KEY.removeprefix("/etc/")

    @property
    def known_hosts(self) -> Path:
        """Every node's host key by its management address (OpenSSH's known_hosts format)."""
        return self.root / "known_hosts"

    @property
    def ns_dir(self) -> Path:
        return self.root / "ns"

    def uts_ns(self, node: str) -> Path:
        return self.ns_dir / f"{node}.uts"

    def mnt_ns(self, node: str) -> Path:
        return self.ns_dir / f"{node}.mnt"

    def node_dir(self, node: str) -> Path:
        return self.root / "nodes" / node

    @property
    def sshd_config(self) -> Path:
        return self.root / "sshd_config"

    @property
    def monitoring(self) -> Path:
        """The monitoring's configuration, data and logs (engine.lab.monitoring)."""
        return self.root / "monitoring"

    def owned_entries(self) -> tuple[Path, ...]:
        """Everything `up()` creates inside the state dir (and so all `down()` may delete)."""
        return (
            self.state_file,
            self.keys,
            self.ns_dir,
            self.root / "nodes",
            self.sshd_config,
            self.known_hosts,
            self.monitoring,
        )


@dataclass(frozen=True)
class NodeRecord:
    name: str
    kind: Literal["frr", "linux"]
    mgmt_address: str
    host_veth: str
    ports: tuple[str, ...]
    pids: Mapping[str, int] = field(default_factory=dict)
    # (st_dev, st_ino) of the node's net and mount namespaces: a process inside either is a lab
    # process, even after its /run/netns entry is gone.
    namespaces: tuple[tuple[int, int], ...] = ()

    @property
    def mgmt_ip(self) -> str:
        return self.mgmt_address.split("/")[0]


@dataclass(frozen=True)
class LabState:
    state_dir: str
    user: str
    user_added: bool
    bridge: str
    bridge_address: str
    guard_route: str
    private_key: str
    public_key: str
    host_key: str  # NODE_HOST_KEY: each node's own, in its private /etc
    nodes: tuple[NodeRecord, ...]
    links: tuple[LabLink, ...]
    complete: bool = False
    version: int = STATE_VERSION
    known_hosts: str = ""  # "": a lab from before host keys were pinned (one shared key)
    # daemons of the management namespace (engine.lab.monitoring): name -> pid
    monitoring: Mapping[str, int] = field(default_factory=dict)

    def node(self, name: str) -> NodeRecord:
        for node in self.nodes:
            if node.name == name:
                return node
        names = ", ".join(n.name for n in self.nodes)
        raise LabNotUpError(f"{self.state_dir}: no node {name!r} in this lab (nodes: {names})")

    @property
    def mgmt_netns_path(self) -> str:
        """Where the engine connects from: the lab's management namespace."""
        return str(LabPaths(Path(self.state_dir)).mgmt_netns_path)

    def with_node(self, record: NodeRecord) -> LabState:
        return replace(
            self, nodes=tuple(record if n.name == record.name else n for n in self.nodes)
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_state(paths: LabPaths, state: LabState) -> None:
    """Atomically, so a crash never leaves a truncated record that `down()` cannot read."""
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=1) + "\n")
    tmp.replace(paths.state_file)


def read_state(paths: LabPaths) -> LabState:
    try:
        data = json.loads(paths.state_file.read_text())
    except FileNotFoundError:
        raise LabNotUpError(
            f"{paths.root}: no lab here (no state.json); "
            f"start one with engine.lab.up(spec, {str(paths.root)!r})"
        ) from None
    except (OSError, ValueError) as exc:
        raise CorruptStateError(f"{paths.state_file}: unreadable ({exc}); {_CLEAN_UP}") from None
    try:
        return _state_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptStateError(
            f"{paths.state_file}: not a lab state ({type(exc).__name__}: {exc}); {_CLEAN_UP}"
        ) from None


_CLEAN_UP = "`underlay lab down --state-dir DIR` removes whatever that lab left"


def _state_from_dict(data: dict[str, Any]) -> LabState:
    nodes = tuple(
        NodeRecord(
            name=n["name"],
            kind=n["kind"],
            mgmt_address=n["mgmt_address"],
            host_veth=n["host_veth"],
            ports=tuple(n["ports"]),
            pids=dict(n["pids"]),
            namespaces=tuple((int(dev), int(ino)) for dev, ino in n["namespaces"]),
        )
        for n in data["nodes"]
    )
    links = tuple(LabLink(**link) for link in data["links"])
    return LabState(**{**data, "nodes": nodes, "links": links})
