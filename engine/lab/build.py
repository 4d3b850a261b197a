"""Bringing a lab up: refuse early, record first, build nodes in parallel, wait for convergence."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from engine.lab import host, node
from engine.lab.errors import LabBuildError, LabError, LabExistsError, LabSpecError, PreflightError
from engine.lab.probe import expectations, wait_converged
from engine.lab.spec import LAB_RANGE, LabNode, LabSpec, check_spec
from engine.lab.state import NODE_HOST_KEY, LabPaths, LabState, NodeRecord, write_state

# Enough to overlap the nodes' waits on their daemons; the 2-core CI machine is CPU-bound anyway.
BUILD_WORKERS = 16

T = TypeVar("T")


@dataclass(frozen=True)
class LabReport:
    """Example: LabReport(state_dir="/var/lib/underlay-lab", nodes=("r1", "r2", "r3", "srv1"),
    links=3, converged=True, build_seconds=0.9, start_seconds=1.4, converge_seconds=2.2,
    total_seconds=4.5)"""

    state_dir: str
    nodes: tuple[str, ...]
    links: int
    converged: bool
    build_seconds: float
    start_seconds: float
    converge_seconds: float
    total_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Step = Callable[[str, str], None]  # (node, what it just did): "built", "started", "converged"


def _quiet(_node: str, _what: str) -> None:
    """A step nobody hears of."""


def up(
    spec: LabSpec,
    state_dir: Path | str,
    wait: bool = True,
    timeout: float = 60,
    step: Step | None = None,
) -> LabReport:
    """Builds and starts every node, then (with `wait`) waits until the lab has converged.
    `step` hears of each node as it is built, started and converged (from worker threads)."""
    t0 = time.monotonic()
    paths = LabPaths(Path(state_dir))
    _refuse(spec, paths)
    state = _initial_state(spec, paths)
    write_state(paths, state)  # first: from here on down() knows what to undo
    said = step or _quiet
    try:
        state = _build(spec, paths, state, said)
        t1 = time.monotonic()
        state = _start(spec, paths, state, said)
    except (LabError, OSError, subprocess.SubprocessError) as exc:
        raise LabBuildError(
            f"{exc}\nThe lab is half-built; clean up with engine.lab.down({str(paths.root)!r})"
        ) from exc
    t2 = time.monotonic()
    if wait:
        mgmt = {n.name: str(n.mgmt_address.ip) for n in spec.nodes}
        wait_converged(paths, expectations(spec, mgmt), timeout, said)
    t3 = time.monotonic()
    return LabReport(
        state_dir=str(paths.root),
        nodes=tuple(n.name for n in spec.nodes),
        links=len(spec.links),
        converged=wait,
        build_seconds=round(t1 - t0, 3),
        start_seconds=round(t2 - t1, 3),
        converge_seconds=round(t3 - t2, 3),
        total_seconds=round(t3 - t0, 3),
    )


# ---------- refusing before touching anything ------------------------------------------------


def _refuse(spec: LabSpec, paths: LabPaths) -> None:
    problems = check_spec(spec)
    if any(c in str(paths.root) for c in ",: \t\n"):
        problems.append(
            f"state_dir {paths.root}: no commas, colons or spaces (overlay mount options)"
        )
    if problems:
        raise LabSpecError(problems)
    if host_problems := host.preflight():
        raise PreflightError(host_problems)
    _refuse_existing(spec, paths)
    if frr_problems := _frr_syntax(spec):
        raise LabSpecError(frr_problems)


def _refuse_existing(spec: LabSpec, paths: LabPaths) -> None:
    if paths.state_file.exists():
        raise LabExistsError(
            f"{paths.root}: a lab is already recorded here; take it down first: "
            f"engine.lab.down({str(paths.root)!r})"
        )
    names = [paths.mgmt_netns, *(paths.netns(n.name) for n in spec.nodes)]
    taken = [name for name in names if Path("/run/netns", name).exists()]
    if taken:
        raise LabExistsError(
            f"network namespaces {', '.join(taken)} already exist: a lab of the state dir "
            f"{paths.root} was left behind; take it down with engine.lab.down"
            f"({str(paths.root)!r}), or remove them (ip netns del NAME) if they are stale"
        )


def _frr_syntax(spec: LabSpec) -> list[str]:
    """`vtysh -C` checks each frr.conf offline, before any daemon or namespace exists."""
    frr_nodes = [n for n in spec.nodes if n.kind == "frr"]
    with tempfile.TemporaryDirectory(prefix="underlay-lab-") as tmp:
        results = _each(lambda n: _vtysh_check(Path(tmp), n), frr_nodes, _quiet, "checked")
    return [problem for problems in results for problem in problems]


def _vtysh_check(tmp: Path, lab_node: LabNode) -> list[str]:
    conf = tmp / f"{lab_node.name}.conf"
    conf.write_text(lab_node.frr_config)
    done = host.run(["vtysh", "-C", "-f", str(conf)], check=False)
    if done.returncode == 0:
        return []
    lines = (done.stdout + done.stderr).strip().splitlines() or [f"vtysh -C exit {done.returncode}"]
    return [f"node {lab_node.name}: frr_config {line.strip()}" for line in lines]


# ---------- building -----------------------------------------------------------------------


def _initial_state(spec: LabSpec, paths: LabPaths) -> LabState:
    return LabState(
        state_dir=str(paths.root),
        user=spec.user,
        user_added=False,
        bridge=host.BRIDGE,
        bridge_address=str(spec.bridge_address),
        guard_route=str(LAB_RANGE),
        private_key=str(paths.private_key),
        public_key=str(paths.public_key),
        host_key=NODE_HOST_KEY,
        known_hosts=str(paths.known_hosts),
        nodes=tuple(
            NodeRecord(
                name=n.name,
                kind=n.kind,
                mgmt_address=str(n.mgmt_address),
                host_veth=node.host_veth(i),
                ports=spec.ports(n.name),
            )
            for i, n in enumerate(spec.nodes)
        ),
        links=spec.links,
    )


def _build(spec: LabSpec, paths: LabPaths, state: LabState, step: Step) -> LabState:
    """Host side, then every node's namespaces, then all links in one `ip -batch`."""
    state = replace(state, user_added=host.ensure_user(spec.user))
    write_state(paths, state)
    _private_ns_dir(paths)
    host.make_keys(paths)
    host.write_daemon_configs(paths, spec.user)
    host.ip_batch(host.namespace_lines(paths, (n.name for n in spec.nodes)))
    host.ip_batch(host.mgmt_lines(str(spec.bridge_address)), netns=paths.mgmt_netns)
    ids = _each(lambda n: _make_node(paths, spec, n), spec.nodes, step, "built")
    for lab_node, ns in zip(spec.nodes, ids, strict=True):
        state = state.with_node(replace(state.node(lab_node.name), namespaces=ns))
    write_state(paths, state)
    host.write_known_hosts(paths, spec)
    host.ip_batch(node.link_lines(paths, spec))
    host.ip_batch(node.bridge_port_lines(spec, host.BRIDGE), netns=paths.mgmt_netns)
    return state


def _private_ns_dir(paths: LabPaths) -> None:
    """Persistent UTS/mount namespace files need a private mount (unshare refuses otherwise)."""
    paths.ns_dir.mkdir(parents=True, exist_ok=True)
    host.run(["mount", "--bind", str(paths.ns_dir), str(paths.ns_dir)])
    host.run(["mount", "--make-private", str(paths.ns_dir)])


def _make_node(paths: LabPaths, spec: LabSpec, lab_node: LabNode) -> tuple[tuple[int, int], ...]:
    node.prepare_dirs(paths, spec, lab_node)
    node.enter(paths, spec, lab_node)
    return node.namespace_ids(paths, lab_node.name)


def _start(spec: LabSpec, paths: LabPaths, state: LabState, step: Step) -> LabState:
    pids = _each(lambda n: _start_node(paths, spec, n), spec.nodes, step, "started")
    for lab_node, node_pids in zip(spec.nodes, pids, strict=True):
        record = replace(state.node(lab_node.name), pids=node_pids)
        state = state.with_node(record)
    state = replace(state, complete=True)
    write_state(paths, state)
    return state


def _start_node(paths: LabPaths, spec: LabSpec, lab_node: LabNode) -> dict[str, int]:
    host.ip_batch(node.node_link_lines(spec, lab_node), netns=paths.netns(lab_node.name))
    return node.start_daemons(paths, spec, lab_node)


def _each(
    work: Callable[[LabNode], T], nodes: Sequence[LabNode], step: Step, what: str
) -> list[T]:
    """Run `work` for every node in parallel; report every node's failure, not just the first.
    `step(node, what)` as each node's work is done."""
    if not nodes:
        return []

    def one(lab_node: LabNode) -> T:
        result = work(lab_node)
        step(lab_node.name, what)
        return result

    with ThreadPoolExecutor(max_workers=min(BUILD_WORKERS, len(nodes))) as pool:
        futures = [pool.submit(one, n) for n in nodes]
    failures = [
        f"node {n.name}: {f.exception()}"
        for n, f in zip(nodes, futures, strict=True)
        if f.exception()
    ]
    if failures:
        raise LabBuildError("\n".join(failures))
    return [f.result() for f in futures]
