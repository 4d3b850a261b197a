"""Local device lab: FRR routers and Linux servers in network namespaces, reachable over SSH.

    report = up(spec)                    # LabReport; raises a LabError with advice on failure
    status(DEFAULT_STATE_DIR).to_dict()  # nodes, daemons, BGP sessions, LLDP neighbours
    node_exec(DEFAULT_STATE_DIR, "r1", ["vtysh", "-c", "show bgp summary json"])
    start_monitoring(DEFAULT_STATE_DIR, files, Listen("198.18.0.1:9090"))  # Prometheus & co.
    down(DEFAULT_STATE_DIR)              # DownReport; idempotent, cleans a half-built lab too

From a repository: `up(lab_spec(inventory).spec)`; `require_running(inventory)` guards commands
that contact devices. Layers: inventory (the repo's lab) -> spec (what) -> build (up) -> node /
host (how) -> probe (converged?) -> status -> teardown (down). The state dir's state.json (see
engine.lab.state) is what the rest of the engine reads to connect: mgmt addresses, user, key at
<state_dir>/keys/id_ed25519.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.lab.build import LabReport
from engine.lab.build import up as _up
from engine.lab.errors import (
    CommandError,
    ConvergenceTimeout,
    LabBuildError,
    LabError,
    LabExistsError,
    LabNotUpError,
    LabSpecError,
    PreflightError,
)
from engine.lab.host import preflight
from engine.lab.inventory import BROWNFIELD, Difference, LabBuild, lab_spec, require_running
from engine.lab.monitoring import Listen, MonitoringReport
from engine.lab.monitoring import start as start_monitoring
from engine.lab.node import run_in_node
from engine.lab.spec import LAB_RANGE, LabLink, LabNode, LabSpec, check_spec
from engine.lab.state import DEFAULT_STATE_DIR, LabPaths, LabState, read_state
from engine.lab.status import LabStatus, is_up, runs, stale, status
from engine.lab.teardown import DownReport, down

__all__ = [
    "BROWNFIELD",
    "DEFAULT_STATE_DIR",
    "LAB_RANGE",
    "CommandError",
    "ConvergenceTimeout",
    "Difference",
    "DownReport",
    "LabBuild",
    "LabBuildError",
    "LabError",
    "LabExistsError",
    "LabLink",
    "LabNode",
    "LabNotUpError",
    "LabPaths",
    "LabReport",
    "LabSpec",
    "LabSpecError",
    "LabState",
    "LabStatus",
    "Listen",
    "MonitoringReport",
    "PreflightError",
    "check_spec",
    "down",
    "is_up",
    "lab_spec",
    "node_exec",
    "preflight",
    "read_state",
    "require_running",
    "runs",
    "stale",
    "start_monitoring",
    "status",
    "up",
]


def up(
    spec: LabSpec,
    state_dir: Path | str = DEFAULT_STATE_DIR,
    wait: bool = True,
    timeout: float = 60,
    step: Callable[[str, str], None] | None = None,
) -> LabReport:
    """Build the lab and (if `wait`) return once it has converged.

    Refuses (LabSpecError, PreflightError, LabExistsError) before touching the host; a failed
    build raises LabBuildError and a slow convergence ConvergenceTimeout, both leaving the lab
    for `down()` to clean. `step(node, what)` hears of each node as it is "built", "started"
    and "converged" (from worker threads): the CLI's progress.
    """
    return _up(spec, state_dir, wait=wait, timeout=timeout, step=step)


def node_exec(
    state_dir: Path | str,
    node: str,
    argv: Sequence[str],
    *,
    input: str | None = None,
    timeout: float = 60,
    cwd: str = "/",
) -> subprocess.CompletedProcess[str]:
    """Run `argv` inside the node, as root, as if on its console; never raises on exit status."""
    paths = LabPaths(Path(state_dir))
    read_state(paths).node(node)  # LabNotUpError for an unknown lab or node
    return run_in_node(paths, node, argv, input=input, timeout=timeout, cwd=cwd)
